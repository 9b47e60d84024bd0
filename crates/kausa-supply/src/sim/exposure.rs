//! The exposure screen: Simchi-Levi's time-to-survive and performance-impact
//! linear programs (Simchi-Levi et al., *Interfaces* 45(5), 2015) for every
//! supplier site and every country of the network, from the same compiled
//! [`Network`] the simulation runs on.
//!
//! Per disruption (a set of supplier sites that ship nothing, and sites whose
//! lane passes a struck country), over a window of `t` calendar days, with
//! finished parts `j`, purchased parts `k`, demand `d_j` per day, finished stock
//! `s_j`, purchased stock `s_k` (on hand plus open orders from sites still
//! shipping), the unaffected sources' supply rate `a_k` (their quota of the
//! normal use, times `1 + flex`), flattened bill of materials `r_kj`, minutes
//! `m_wj` of work centre `w` per unit of `j` at its home plant (semi-finished
//! parts' routings included) and each work centre's minutes per day `C_w`:
//!
//! ```text
//!  production u_j ≥ 0, lost demand l_j ≥ 0
//!  Σ_j r_kj u_j ≤ s_k + a_k t      every purchased part
//!  Σ_j m_wj u_j ≤ C_w t            every work centre
//!  u_j + l_j ≥ d_j t − s_j         every finished part
//!  TTS = max t with l = 0;  PI = min Σ_j f_j l_j at t = TTR (f_j: margin per unit)
//! ```
//!
//! With `l = 0` the least production meeting demand, `u_j = (d_j t − s_j)⁺`, is
//! optimal (every constraint only tightens with more production), so each
//! constraint becomes a convex piecewise-linear function of `t` that is ≤ 0 at
//! `t = 0`, and TTS is the smallest of their last roots: found exactly by walking
//! the breakpoints `s_j / d_j`, without a solver. PI is a genuine LP (scarce parts
//! go to the products that earn most), solved with `microlp`.

use super::Network;

/// One disruption's exposure.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// `site` or `country` (or `none` for the undisrupted network).
    pub kind: &'static str,
    /// The site id or country code.
    pub name: String,
    /// The supplier sites that ship nothing (in the site, or their lane passes the country).
    pub sites: Vec<String>,
    /// Purchased parts that lose at least one source.
    pub parts: Vec<String>,
    /// Days all demand can still be met; `None` when it always can (no part runs out).
    pub tts_days: Option<f64>,
    /// The time to recover the impact is computed over.
    pub ttr_days: f64,
    /// Lost margin over the TTR with the best response (Simchi-Levi's performance impact).
    pub lost_margin: f64,
    /// Lost revenue of the same response.
    pub lost_revenue: f64,
    /// Lost finished units of the same response.
    pub lost_units: f64,
    /// Lost margin over the largest lost margin of the screen (risk exposure index).
    pub rei: f64,
}

/// The data of one disruption's programs, rates per calendar day; public so that
/// an outside solver can check them (`kausa supply exposure --write-lp`).
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// Finished parts.
    pub finished: Vec<String>,
    /// Demand per day, per finished part.
    pub demand: Vec<f64>,
    /// Finished stock.
    pub finished_stock: Vec<f64>,
    /// Margin per unit (the objective's weight) and price, per finished part.
    pub margin: Vec<f64>,
    /// Price per unit.
    pub price: Vec<f64>,
    /// Purchased parts.
    pub purchased: Vec<String>,
    /// Units of purchased part k per finished unit j: `bom[k][j]`.
    pub bom: Vec<Vec<f64>>,
    /// Purchased stock available (on hand plus open orders from sites still shipping).
    pub stock: Vec<f64>,
    /// Supply per day from the sources still shipping.
    pub supply: Vec<f64>,
    /// Minutes of work centre w per finished unit j (at j's home plant): `minutes[w][j]`.
    pub minutes: Vec<Vec<f64>>,
    /// Minutes per day, per work centre.
    pub capacity: Vec<f64>,
}

/// Why the screen failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("exposure screen: {0}")]
pub struct ExposureError(pub String);

impl Network {
    /// The programs' data with the supplier sites `down` shipping nothing.
    pub fn program(&self, down: &[usize], flex: f64) -> Program {
        let nf = self.finished.len();
        let np = self.purchased.len();
        let per_day = 5.0 / 7.0;
        let demand: Vec<f64> = self.demand.iter().map(|d| d.0 * per_day).collect();
        let mut bom = vec![vec![0.0; nf]; np];
        for (j, needs) in self.needs.iter().enumerate() {
            for &(k, q) in needs {
                bom[k][j] += q;
            }
        }
        let mut stock = self.initial.clone();
        for &(k, site, _, qty) in &self.open_pos {
            if !down.contains(&site) {
                stock[k] += qty;
            }
        }
        let supply = (0..np)
            .map(|k| {
                let use_k: f64 = (0..nf).map(|j| bom[k][j] * demand[j]).sum();
                let share: f64 = self.sources[k].iter().filter(|s| !down.contains(&s.0)).map(|s| s.1).sum();
                use_k * share * (1.0 + flex)
            })
            .collect();
        Program {
            finished: self.finished.clone(),
            demand,
            finished_stock: self.initial_finished.clone(),
            margin: (0..nf).map(|j| (self.price[j] - self.cost[j]).max(0.0)).collect(),
            price: self.price.clone(),
            purchased: self.purchased.clone(),
            bom,
            stock,
            supply,
            minutes: self
                .wcs
                .iter()
                .enumerate()
                .map(|(w, _)| {
                    (0..nf)
                        .map(|j| {
                            let home = self.loads[j].iter().find(|l| l.0 == self.home[j]);
                            home.and_then(|l| l.1.iter().find(|x| x.0 == w)).map_or(0.0, |x| x.1)
                        })
                        .collect()
                })
                .collect(),
            capacity: self.wcs.iter().map(|w| w.2 * per_day).collect(),
        }
    }

    /// The exposure of every supplier site and every country a supplier site is in
    /// or a lane passes, plus the undisrupted network, ranked by lost margin. Each
    /// disruption lasts `ttr_days` unless `ttr` names its site or country.
    pub fn exposure(&self, ttr_days: f64, ttr: &[(String, f64)], flex: f64) -> Result<Vec<Exposure>, ExposureError> {
        let bad = |x: f64| !(x.is_finite() && x >= 0.0);
        if bad(ttr_days) || bad(flex) || ttr.iter().any(|t| bad(t.1)) {
            return Err(ExposureError("times to recover and flex must be non-negative numbers".into()));
        }
        let mut cases: Vec<(&'static str, String, Vec<usize>)> = vec![("none", "-".into(), Vec::new())];
        for (i, s) in self.sites.iter().enumerate() {
            cases.push(("site", s.id.clone(), vec![i]));
        }
        let mut countries: Vec<&str> = self
            .sites
            .iter()
            .flat_map(|s| std::iter::once(s.country.as_str()).chain(s.transit.iter().map(String::as_str)))
            .filter(|c| !c.is_empty())
            .collect();
        countries.sort();
        countries.dedup();
        for c in countries {
            let down = (0..self.sites.len())
                .filter(|&i| self.sites[i].country == c || self.sites[i].transit.iter().any(|t| t == c))
                .collect();
            cases.push(("country", c.to_string(), down));
        }
        let mut out = Vec::new();
        if let Some(t) = ttr.iter().find(|t| !cases.iter().any(|c| c.1 == t.0)) {
            return Err(ExposureError(format!("{:?} is neither a supplier site nor a country of the network", t.0)));
        }
        for (kind, name, down) in cases {
            let ttr_days = ttr.iter().find(|t| t.0 == name).map_or(ttr_days, |t| t.1);
            let p = self.program(&down, flex);
            let (lost_margin, lost_revenue, lost_units) = p.impact(ttr_days)?;
            let parts = (0..self.purchased.len())
                .filter(|&k| self.sources[k].iter().any(|s| down.contains(&s.0)))
                .map(|k| self.purchased[k].clone())
                .collect();
            out.push(Exposure {
                kind,
                name,
                sites: down.iter().map(|&i| self.sites[i].id.clone()).collect(),
                parts,
                tts_days: p.time_to_survive(),
                ttr_days,
                lost_margin,
                lost_revenue,
                lost_units,
                rei: 0.0,
            });
        }
        let top = out.iter().map(|e| e.lost_margin).fold(0.0, f64::max);
        for e in &mut out {
            e.rei = if top > 0.0 { e.lost_margin / top } else { 0.0 };
        }
        out.sort_by(|a, b| {
            b.lost_margin
                .total_cmp(&a.lost_margin)
                .then(a.tts_days.unwrap_or(f64::INFINITY).total_cmp(&b.tts_days.unwrap_or(f64::INFINITY)))
                .then(a.kind.cmp(b.kind))
                .then(a.name.cmp(&b.name))
        });
        Ok(out)
    }
}

impl Program {
    /// Demand net of finished stock over `t` days, per finished part.
    fn net_demand(&self, t: f64) -> Vec<f64> {
        self.demand.iter().zip(&self.finished_stock).map(|(d, s)| (d * t - s).max(0.0)).collect()
    }

    /// The longest window in which every demand is met, `None` when no constraint
    /// ever binds (exact: see the module documentation).
    pub fn time_to_survive(&self) -> Option<f64> {
        let mut tts = f64::INFINITY;
        for k in 0..self.purchased.len() {
            tts = tts.min(last_root(&self.bom[k], self, self.stock[k], self.supply[k]));
        }
        for (minutes, &capacity) in self.minutes.iter().zip(&self.capacity) {
            tts = tts.min(last_root(minutes, self, 0.0, capacity));
        }
        tts.is_finite().then_some(tts)
    }

    /// (lost margin, lost revenue, lost units) over `t` days with the production that
    /// loses the least margin.
    pub fn impact(&self, t: f64) -> Result<(f64, f64, f64), ExposureError> {
        use microlp::{ComparisonOp, OptimizationDirection, Problem};
        let need = self.net_demand(t);
        if need.iter().all(|&n| n <= 0.0) {
            return Ok((0.0, 0.0, 0.0));
        }
        let mut lp = Problem::new(OptimizationDirection::Maximize);
        let u: Vec<_> = (0..need.len()).map(|j| lp.add_var(self.margin[j], (0.0, need[j]))).collect();
        for k in 0..self.purchased.len() {
            let row: Vec<_> =
                (0..need.len()).filter(|&j| self.bom[k][j] > 0.0).map(|j| (u[j], self.bom[k][j])).collect();
            if !row.is_empty() {
                lp.add_constraint(&row, ComparisonOp::Le, self.stock[k] + self.supply[k] * t);
            }
        }
        for (minutes, &capacity) in self.minutes.iter().zip(&self.capacity) {
            let row: Vec<_> = (0..need.len()).filter(|&j| minutes[j] > 0.0).map(|j| (u[j], minutes[j])).collect();
            if !row.is_empty() {
                lp.add_constraint(&row, ComparisonOp::Le, capacity * t);
            }
        }
        let solution = match lp.solve() {
            Ok(microlp::SolveOutcome::Solution(s)) => s,
            Ok(microlp::SolveOutcome::Interrupted(_)) => {
                return Err(ExposureError("the impact program stopped before a solution".into()));
            }
            Err(e) => return Err(ExposureError(format!("the impact program failed: {e}"))),
        };
        let made: Vec<f64> = u.iter().map(|&v| solution[v].clamp(0.0, f64::INFINITY)).collect();
        let lost = |w: &[f64]| (0..need.len()).map(|j| w[j] * (need[j] - made[j]).max(0.0)).sum::<f64>();
        Ok((lost(&self.margin), lost(&self.price), lost(&vec![1.0; need.len()])))
    }
}

/// The largest `t ≥ 0` with `Σ_j w_j (d_j t − s_j)⁺ ≤ stock + rate · t` (infinite
/// when the left side never overtakes the right). The function is convex and
/// piecewise linear with breakpoints `s_j / d_j`, and ≤ 0 at 0, so the feasible
/// set is an interval from 0.
fn last_root(w: &[f64], p: &Program, stock: f64, rate: f64) -> f64 {
    let mut kinks: Vec<(f64, f64, f64)> = (0..w.len())
        .filter(|&j| w[j] > 0.0 && p.demand[j] > 0.0)
        .map(|j| (p.finished_stock[j] / p.demand[j], w[j] * p.demand[j], w[j] * p.finished_stock[j]))
        .collect();
    kinks.sort_by(|a, b| a.0.total_cmp(&b.0));
    // g(t) = slope · t − offset − stock − rate · t on the segment after each kink.
    let (mut slope, mut offset) = (0.0, 0.0);
    for (i, &(at, ds, off)) in kinks.iter().enumerate() {
        slope += ds;
        offset += off;
        let next = kinks.get(i + 1).map_or(f64::INFINITY, |k| k.0);
        let net = slope - rate;
        if net > 0.0 {
            let root = (offset + stock) / net;
            if root <= next {
                return root.max(at);
            }
        }
    }
    f64::INFINITY
}
