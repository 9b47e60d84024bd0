//! Energy, learned from the optional energy tables: what each work centre uses per
//! hour it is staffed, the price level of each market, the plants' hedges, and how
//! suppliers pass electricity prices on to the parts they sell.
//!
//! ```text
//!   energy_use × shift_calendar ──▶ kWh = base + rate · hours     (per work centre)
//!   energy_prices               ──▶ baseline price per market    (mean of the last 90 days)
//!   purchase_orders.unit_price
//!     × energy_prices(t − lag)  ──▶ price = α + β · E(t − lag)   (per part and supplier site;
//!                                    the lag that fits all pairs best; elasticity at the mean)
//!   energy_contracts            ──▶ hedged share per plant
//! ```
//!
//! The elasticity of a supplier's price is `β·Ē / (α + β·Ē)` at the mean lagged
//! price `Ē` of its orders: the relative price change per relative change of the
//! electricity price. A shock that multiplies a market's price by `f` from day `s`
//! raises the prices of orders placed from `s + lag` by `elasticity · (f − 1)`.

use std::collections::{BTreeMap, HashMap};

use kausa_core::Rng;
use kausa_stats::summary::quantile;

use crate::data::{Date, Export};

/// Days of price history averaged into a market's baseline.
pub const BASELINE_DAYS: i32 = 90;
/// The lags (days) tried for supplier price pass-through.
pub const PASS_THROUGH_LAGS: [i32; 13] = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];

/// A market's price level.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MarketPrice {
    /// The market (bidding zone).
    pub market: String,
    /// Days of prices in the export.
    pub days: usize,
    /// Mean price of the last [`BASELINE_DAYS`] days, EUR/MWh: the level a scenario's shock multiplies.
    pub baseline_eur_per_mwh: f64,
    /// The last day priced (ISO date).
    pub last: String,
}

/// Electricity use of a work centre (or a whole plant, when metered as one).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkCenterEnergy {
    /// The plant.
    pub plant_id: String,
    /// The work centre; `None` for a plant metered as a whole.
    pub work_center_id: Option<String>,
    /// Metered days.
    pub days: usize,
    /// kWh a day whatever the hours (the intercept).
    pub base_kwh_per_day: f64,
    /// kWh per staffed hour (the slope on the shift calendar's hours).
    pub kwh_per_hour: f64,
    /// 95% interval of `kwh_per_hour` (ordinary least squares).
    pub kwh_per_hour_interval: (f64, f64),
    /// Share of the daily variance the hours explain.
    pub r2: f64,
}

/// How a supplier site passes electricity prices on to one part.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PassThrough {
    /// The part.
    pub part_id: String,
    /// The supplier site.
    pub supplier_site_id: String,
    /// The site's electricity market.
    pub market: String,
    /// The part's commodity group, when known.
    pub commodity: Option<String>,
    /// Order lines with a price.
    pub lines: usize,
    /// Price at zero electricity price (α), EUR per unit.
    pub intercept: f64,
    /// EUR per unit per EUR/MWh (β).
    pub slope: f64,
    /// Elasticity at the mean lagged price of the lines.
    pub elasticity: f64,
    /// 95% bootstrap interval of the elasticity (over order lines).
    pub elasticity_interval: (f64, f64),
}

/// Pass-through pooled over the parts of a commodity group.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CommodityPassThrough {
    /// The commodity group.
    pub commodity: String,
    /// Part–site pairs pooled.
    pub pairs: usize,
    /// Elasticity: the slope of price relative to each pair's mean on the lagged
    /// electricity price relative to its mean.
    pub elasticity: f64,
    /// 95% bootstrap interval (over order lines).
    pub interval: (f64, f64),
}

/// A plant's hedge: the share of its electricity bought ahead at a fixed price.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hedge {
    /// The plant.
    pub plant_id: String,
    /// Share in [0, 1] on the export's last day (0 when no contract covers it).
    pub hedged_share: f64,
    /// The fixed price, when the contract gives it.
    pub fixed_price_eur_per_mwh: Option<f64>,
}

/// Everything learned about energy; empty when the export has no energy tables.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Energy {
    /// The pass-through lag (days) that fits all part–site pairs best.
    pub lag_days: i32,
    /// Price levels by market.
    pub markets: Vec<MarketPrice>,
    /// Use by work centre.
    pub use_by_work_center: Vec<WorkCenterEnergy>,
    /// Pass-through by part and supplier site.
    pub pass_through: Vec<PassThrough>,
    /// Pass-through by commodity group.
    pub commodities: Vec<CommodityPassThrough>,
    /// Hedges by plant.
    pub hedges: Vec<Hedge>,
}

impl Energy {
    /// Whether anything was learned (an export with energy prices and use).
    pub fn is_empty(&self) -> bool {
        self.markets.is_empty()
    }
}

/// Least squares of `y` on `x` with an intercept: (intercept, slope, slope's standard
/// error, R², residual sum of squares); `None` when `x` does not vary.
fn line_fit(x: &[f64], y: &[f64]) -> Option<(f64, f64, f64, f64, f64)> {
    let n = x.len() as f64;
    if x.len() < 3 {
        return None;
    }
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    let syy: f64 = y.iter().map(|v| (v - my) * (v - my)).sum();
    if sxx <= 1e-12 * (1.0 + mx * mx) * n {
        return None;
    }
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let rss: f64 = x.iter().zip(y).map(|(a, b)| (b - intercept - slope * a).powi(2)).sum();
    let se = (rss / (n - 2.0) / sxx).sqrt();
    let r2 = if syy > 0.0 { 1.0 - rss / syy } else { 0.0 };
    Some((intercept, slope, se, r2, rss))
}

/// Hours and metered kWh of one meter, day by day.
type Readings = (Vec<f64>, Vec<f64>);
/// A part–site pair and its order lines (day, unit price).
type PricedLines<'a> = (&'a (&'a str, &'a str), &'a Vec<(i32, f64)>);

/// Daily prices of one market, sorted, for lookups of "the price on or before a day".
struct Series(Vec<(i32, f64)>);

impl Series {
    fn at(&self, day: i32) -> Option<f64> {
        let i = self.0.partition_point(|&(d, _)| d <= day);
        (i > 0).then(|| self.0[i - 1].1)
    }
}

/// Learns energy from the export (seeded bootstrap intervals); empty without
/// `energy_prices.csv`.
pub fn learn(export: &Export, seed: u64) -> Energy {
    let mut by_market: BTreeMap<&str, Vec<(i32, f64)>> = BTreeMap::new();
    for p in export.energy_prices.iter().filter(|p| p.carrier == "electricity") {
        by_market.entry(p.market.as_str()).or_default().push((p.date.0, p.price_eur_per_mwh));
    }
    if by_market.is_empty() {
        return Energy::default();
    }
    let series: HashMap<&str, Series> = by_market
        .into_iter()
        .map(|(m, mut v)| {
            v.sort_by_key(|x| x.0);
            (m, Series(v))
        })
        .collect();
    let mut markets: Vec<MarketPrice> = series
        .iter()
        .map(|(m, s)| {
            let last = s.0.last().expect("a price").0;
            let recent: Vec<f64> = s.0.iter().filter(|x| x.0 > last - BASELINE_DAYS).map(|x| x.1).collect();
            MarketPrice {
                market: m.to_string(),
                days: s.0.len(),
                baseline_eur_per_mwh: recent.iter().sum::<f64>() / recent.len() as f64,
                last: Date(last).to_string(),
            }
        })
        .collect();
    markets.sort_by(|a, b| a.market.cmp(&b.market));

    // Use per work centre against its staffed hours (no calendar row: no hours).
    let mut hours: HashMap<(&str, &str, i32), f64> = HashMap::new();
    for c in &export.shift_calendar {
        *hours.entry((c.plant_id.as_str(), c.work_center_id.as_str(), c.date.0)).or_default() +=
            c.hours_planned + c.overtime_hours;
    }
    let mut plant_hours: HashMap<(&str, i32), f64> = HashMap::new();
    for (&(plant, _, day), &h) in &hours {
        *plant_hours.entry((plant, day)).or_default() += h;
    }
    let mut metered: BTreeMap<(&str, Option<&str>), Readings> = BTreeMap::new();
    for u in &export.energy_use {
        let h = match &u.work_center_id {
            Some(wc) => hours.get(&(u.plant_id.as_str(), wc.as_str(), u.date.0)),
            None => plant_hours.get(&(u.plant_id.as_str(), u.date.0)),
        };
        let e = metered.entry((u.plant_id.as_str(), u.work_center_id.as_deref())).or_default();
        e.0.push(h.copied().unwrap_or(0.0));
        e.1.push(u.electricity_kwh);
    }
    let use_by_work_center = metered
        .into_iter()
        .filter_map(|((plant, wc), (x, y))| {
            let (a, b, se, r2, _) = line_fit(&x, &y)?;
            Some(WorkCenterEnergy {
                plant_id: plant.to_string(),
                work_center_id: wc.map(str::to_string),
                days: x.len(),
                base_kwh_per_day: a,
                kwh_per_hour: b,
                kwh_per_hour_interval: (b - 1.96 * se, b + 1.96 * se),
                r2,
            })
        })
        .collect();

    // Pass-through: the priced order lines of each part–site pair whose market is priced.
    let market_of: HashMap<&str, String> = export.sites.iter().map(|s| (s.site_id.as_str(), s.market())).collect();
    let commodity_of: HashMap<&str, &str> =
        export.parts.iter().filter_map(|p| Some((p.part_id.as_str(), p.commodity.as_deref()?))).collect();
    let mut lines: BTreeMap<(&str, &str), Vec<(i32, f64)>> = BTreeMap::new();
    for po in &export.purchase_orders {
        if let Some(price) = po.unit_price
            && market_of.get(po.supplier_site_id.as_str()).is_some_and(|m| series.contains_key(m.as_str()))
        {
            lines
                .entry((po.part_id.as_str(), po.supplier_site_id.as_str()))
                .or_default()
                .push((po.order_date.0, price));
        }
    }
    // A site's lines as (electricity price `lag` days before the order, unit price).
    let at_lag = |lag: i32, site: &str, v: &[(i32, f64)]| -> (Vec<f64>, Vec<f64>) {
        let s = &series[market_of[site].as_str()];
        v.iter().filter_map(|&(day, price)| Some((s.at(day - lag)?, price))).unzip()
    };
    let pairs: Vec<PricedLines<'_>> = lines.iter().filter(|(_, v)| v.len() >= 10).collect();
    let lag_days = PASS_THROUGH_LAGS
        .iter()
        .copied()
        .map(|lag| {
            // Each pair's residual sum of squares relative to its price level, summed.
            let sse: f64 = pairs
                .iter()
                .filter_map(|(key, v)| {
                    let (x, y) = at_lag(lag, key.1, v);
                    let my = y.iter().sum::<f64>() / y.len().max(1) as f64;
                    line_fit(&x, &y).map(|f| f.4 / (my * my).max(f64::MIN_POSITIVE))
                })
                .sum();
            (sse, lag)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map_or(0, |x| x.1);
    let mut pass_through = Vec::new();
    for (k, (key, v)) in pairs.iter().enumerate() {
        let (part, site) = **key;
        let (x, y) = at_lag(lag_days, site, v);
        let Some((a, b, _, _, _)) = line_fit(&x, &y) else { continue };
        let elasticity_of = |x: &[f64], y: &[f64]| {
            let (a, b, ..) = line_fit(x, y)?;
            let mx = x.iter().sum::<f64>() / x.len() as f64;
            Some(b * mx / (a + b * mx))
        };
        let Some(elasticity) = elasticity_of(&x, &y) else { continue };
        let mut rng = Rng::seed_from_u64(seed ^ (0xe4e7_0000 + k as u64));
        let n = x.len() as u64;
        let mut reps: Vec<f64> = (0..200)
            .filter_map(|_| {
                let idx: Vec<usize> = (0..n).map(|_| rng.index(n) as usize).collect();
                let (bx, by): (Vec<f64>, Vec<f64>) = idx.iter().map(|&i| (x[i], y[i])).unzip();
                elasticity_of(&bx, &by)
            })
            .collect();
        reps.sort_by(f64::total_cmp);
        let interval =
            if reps.is_empty() { (elasticity, elasticity) } else { (quantile(&reps, 0.025), quantile(&reps, 0.975)) };
        pass_through.push(PassThrough {
            part_id: part.to_string(),
            supplier_site_id: site.to_string(),
            market: market_of[site].clone(),
            commodity: commodity_of.get(part).map(|c| c.to_string()),
            lines: x.len(),
            intercept: a,
            slope: b,
            elasticity,
            elasticity_interval: interval,
        });
    }
    // By commodity: prices relative to each pair's mean on lagged electricity prices
    // relative to theirs, pooled; the slope is the elasticity at the mean.
    let mut pooled: BTreeMap<&str, (usize, Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for (key, v) in &pairs {
        let Some(&commodity) = commodity_of.get(key.0) else { continue };
        let (x, y) = at_lag(lag_days, key.1, v);
        if x.is_empty() {
            continue;
        }
        let (mx, my) = (x.iter().sum::<f64>() / x.len() as f64, y.iter().sum::<f64>() / y.len() as f64);
        let e = pooled.entry(commodity).or_default();
        e.0 += 1;
        e.1.extend(x.iter().map(|v| v / mx - 1.0));
        e.2.extend(y.iter().map(|v| v / my));
    }
    let commodities = pooled
        .into_iter()
        .enumerate()
        .filter_map(|(k, (commodity, (pairs, x, y)))| {
            let (_, slope, ..) = line_fit(&x, &y)?;
            let mut rng = Rng::seed_from_u64(seed ^ (0xc0dd_0000 + k as u64));
            let n = x.len() as u64;
            let mut reps: Vec<f64> = (0..200)
                .filter_map(|_| {
                    let (bx, by): (Vec<f64>, Vec<f64>) = (0..n)
                        .map(|_| {
                            let i = rng.index(n) as usize;
                            (x[i], y[i])
                        })
                        .unzip();
                    line_fit(&bx, &by).map(|f| f.1)
                })
                .collect();
            reps.sort_by(f64::total_cmp);
            let interval =
                if reps.is_empty() { (slope, slope) } else { (quantile(&reps, 0.025), quantile(&reps, 0.975)) };
            Some(CommodityPassThrough { commodity: commodity.to_string(), pairs, elasticity: slope, interval })
        })
        .collect();
    // Hedges in force on the export's last priced day.
    let last_priced = series.values().filter_map(|s| s.0.last()).map(|x| x.0).max().unwrap_or(0);
    let today = export.export_date.map_or(last_priced, |d| d.0);
    let mut hedges: BTreeMap<&str, Hedge> = BTreeMap::new();
    for c in export.energy_contracts.iter().filter(|c| c.carrier == "electricity") {
        if c.valid_from.0 <= today && today <= c.valid_to.0 {
            let h = hedges.entry(c.plant_id.as_str()).or_insert_with(|| Hedge {
                plant_id: c.plant_id.clone(),
                hedged_share: 0.0,
                fixed_price_eur_per_mwh: None,
            });
            h.hedged_share = (h.hedged_share + c.hedged_share).min(1.0);
            h.fixed_price_eur_per_mwh = c.fixed_price_eur_per_mwh.or(h.fixed_price_eur_per_mwh);
        }
    }
    Energy { lag_days, markets, use_by_work_center, pass_through, commodities, hedges: hedges.into_values().collect() }
}
