//! Mechanisms learned from history, each with its uncertainty: supplier lead
//! times (how long an order really takes, against its plan), weekly demand, and
//! the scrap share of production by shift type.
//!
//! Lead times are modelled log-normally per supplier site (they are positive and
//! right-skewed): the median, the spread of `log(days)`, the 90th percentile, and
//! the share of lines received after their requested date, each median with a
//! percentile bootstrap interval over purchase-order lines (seeded).

use std::collections::{BTreeMap, HashMap};

use kausa_core::Rng;
use kausa_stats::summary::quantile;

use crate::data::Export;

/// The learned lead time of one supplier site, with its delivery behaviour.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeadTime {
    /// The supplier site.
    pub supplier_site_id: String,
    /// Received purchase-order lines used.
    pub lines: usize,
    /// Median lead time in days (order to receipt).
    pub median_days: f64,
    /// 95% bootstrap interval of the median.
    pub median_interval: (f64, f64),
    /// Standard deviation of `log(days)`.
    pub sigma_log: f64,
    /// 90th percentile in days.
    pub p90_days: f64,
    /// The planned lead time in sourcing (mean over the site's sourcing rows), if any.
    pub planned_days: Option<f64>,
    /// Share of lines received after the requested date.
    pub late_share: f64,
    /// Extra days for orders placed within [`HOLIDAY_WINDOW`] days of a holiday of the
    /// site's country (`holidays.csv`): the median of those lines less the median of the
    /// others, which the median and spread above are then learned from; 0 without holidays.
    pub holiday_days: f64,
    /// Lines placed near a holiday.
    pub holiday_lines: usize,
    /// How the lead time grows with the site's load (its orders of the last [`LOAD_WINDOW`]
    /// days over its mean for as many days): `× (1 + load_effect · max(load − 1, 0))`;
    /// pooled over all sites; the median and spread above are of load-adjusted days.
    #[serde(default)]
    pub load_effect: f64,
    /// 95% bootstrap interval of `load_effect` (over lines).
    #[serde(default)]
    pub load_effect_interval: (f64, f64),
    /// The lead time's factor by month of the order (January first), pooled over the sites,
    /// net of the load and of holidays, relative to the median month; 1 for a month whose
    /// interval holds 1; empty with less than two years of history.
    #[serde(default)]
    pub month_factors: Vec<f64>,
    /// 95% intervals of the month factors.
    #[serde(default)]
    pub month_intervals: Vec<(f64, f64)>,
    /// Receipts with a ship date, on the site's lane.
    #[serde(default)]
    pub transit_lines: usize,
    /// Median days from ship date to receipt: the lane's learned transit (0 without ship dates).
    #[serde(default)]
    pub transit_median_days: f64,
    /// 95% bootstrap interval of that median.
    #[serde(default)]
    pub transit_interval: (f64, f64),
    /// Share of received lines delivered in more than one receipt (partial deliveries).
    #[serde(default)]
    pub partial_share: f64,
    /// 95% bootstrap interval of `partial_share` (over lines).
    #[serde(default)]
    pub partial_interval: (f64, f64),
    /// Mean share of a partially delivered line's quantity in its first receipt.
    #[serde(default)]
    pub first_share: f64,
    /// Median days from a partially delivered line's first receipt to its last.
    #[serde(default)]
    pub partial_gap_days: f64,
    /// Received lines with a first confirmed date.
    #[serde(default)]
    pub confirmed_lines: usize,
    /// Median days from the first confirmed date to the first receipt (negative: early).
    #[serde(default)]
    pub confirmed_slip_days: f64,
    /// 95% bootstrap interval of that median.
    #[serde(default)]
    pub confirmed_slip_interval: (f64, f64),
    /// Share of confirmed lines first received after their confirmed date.
    #[serde(default)]
    pub late_vs_confirmed_share: f64,
}

/// Days before or after a holiday within which an order counts as placed near it.
pub const HOLIDAY_WINDOW: i32 = 21;

/// Days of orders a supplier's load is measured over.
pub const LOAD_WINDOW: i32 = 28;

/// Each site's load at a day: its ordered quantity of the [`LOAD_WINDOW`] days before,
/// over its mean quantity for as many days (over `span_days` of history).
#[derive(Debug, Clone, Default)]
pub struct Loads {
    /// Per site: its orders (day, quantity), sorted, and its mean per window.
    sites: HashMap<String, (Vec<(i32, f64)>, f64)>,
}

impl Loads {
    /// From purchase-order lines: (site, day, quantity), over `span_days` of history.
    pub fn new<'a>(lines: impl Iterator<Item = (&'a str, i32, f64)>, span_days: f64) -> Loads {
        let mut sites: HashMap<String, (Vec<(i32, f64)>, f64)> = HashMap::new();
        for (site, day, qty) in lines {
            sites.entry(site.to_string()).or_default().0.push((day, qty));
        }
        for (orders, per_window) in sites.values_mut() {
            orders.sort_by_key(|x| x.0);
            *per_window = orders.iter().map(|x| x.1).sum::<f64>() / (span_days / f64::from(LOAD_WINDOW)).max(1.0);
        }
        Loads { sites }
    }

    /// The excess load `max(load − 1, 0)` of `site` on `day` (0 for an unknown site),
    /// with `extra` more ordered in the window (orders the history does not have).
    pub fn excess(&self, site: &str, day: i32, extra: f64) -> f64 {
        self.of(site).map_or(0.0, |l| l.excess(day, extra))
    }

    /// One site's orders and mean per window.
    pub fn of(&self, site: &str) -> Option<SiteLoad<'_>> {
        self.sites.get(site).map(|(orders, per_window)| SiteLoad { orders, per_window: *per_window })
    }
}

/// One site's history of orders, for its load.
#[derive(Debug, Clone, Copy)]
pub struct SiteLoad<'a> {
    orders: &'a [(i32, f64)],
    per_window: f64,
}

impl SiteLoad<'_> {
    /// The excess load on `day` with `extra` more ordered in the window ([`Loads::excess`]).
    pub fn excess(&self, day: i32, extra: f64) -> f64 {
        if self.per_window <= 0.0 {
            return 0.0;
        }
        let o = self.orders;
        let (a, b) = (o.partition_point(|x| x.0 < day - LOAD_WINDOW), o.partition_point(|x| x.0 < day));
        ((o[a..b].iter().map(|x| x.1).sum::<f64>() + extra) / self.per_window - 1.0).max(0.0)
    }
}

/// The loads of an export's purchase orders (history up to the export date, else the last order).
pub fn loads(export: &Export) -> Loads {
    let first = export.purchase_orders.iter().map(|p| p.order_date.0).min().unwrap_or(0);
    let last = export.purchase_orders.iter().map(|p| p.order_date.0).max().unwrap_or(0);
    let end = export.export_date.map_or(last, |d| d.0.max(last));
    Loads::new(
        export.purchase_orders.iter().map(|p| (p.supplier_site_id.as_str(), p.order_date.0, p.qty)),
        f64::from(end - first + 1),
    )
}

/// The pooled load effect λ of lines (site index, ln days, excess load): the λ whose
/// `ln days − ln(1 + λ·x)`, centred per site, has the least squares (golden-section
/// search on [0, 5]); 0 when fewer than 30 lines carry any excess load.
fn load_effect(lines: &[(usize, f64, f64)], sites: usize) -> f64 {
    if lines.iter().filter(|l| l.2 > 0.0).count() < 30 {
        return 0.0;
    }
    let sse = |lambda: f64| {
        let (mut sum, mut sq, mut n) = (vec![0.0; sites], vec![0.0; sites], vec![0.0; sites]);
        for &(s, ln_days, x) in lines {
            let r = ln_days - (lambda * x).ln_1p();
            sum[s] += r;
            sq[s] += r * r;
            n[s] += 1.0;
        }
        (0..sites).filter(|&s| n[s] > 0.0).map(|s| sq[s] - sum[s] * sum[s] / n[s]).sum::<f64>()
    };
    let (mut a, mut b) = (0.0f64, 5.0f64);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (sse(c), sse(d));
    while b - a > 1e-4 {
        if fc <= fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = sse(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = sse(d);
        }
    }
    let best = (a + b) / 2.0;
    // The boundary is a candidate too: no effect at all.
    if sse(0.0) <= sse(best) { 0.0 } else { best }
}

/// Whether `day` lies within [`HOLIDAY_WINDOW`] days of one of the sorted `holidays`.
pub fn near_holiday(holidays: &[i32], day: i32) -> bool {
    let i = holidays.partition_point(|&h| h <= day - HOLIDAY_WINDOW);
    holidays.get(i).is_some_and(|&h| h < day + HOLIDAY_WINDOW)
}

/// Weekly demand of one finished part.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Demand {
    /// The part.
    pub part_id: String,
    /// Weeks observed (first to last order week).
    pub weeks: usize,
    /// Mean quantity a week.
    pub mean_per_week: f64,
    /// Its 95% bootstrap interval (over weeks).
    pub mean_interval: (f64, f64),
    /// Standard deviation a week (at the level, net of season and trend).
    pub sd_per_week: f64,
    /// Monthly factors, January first, mean 1, pooled over the parts; empty (flat) with
    /// less than two years of history, where season and trend cannot be told apart.
    #[serde(default)]
    pub season: Vec<f64>,
    /// Growth a year (log scale: 0.03 is about +3%), pooled over the parts; 0 when flat.
    #[serde(default)]
    pub trend_per_year: f64,
    /// The day (days since 1970-01-01) `mean_per_week` is the level of, net of season:
    /// the middle of the last week of history; unused when flat.
    #[serde(default)]
    pub level_day: i32,
}

impl Demand {
    /// The factor on `mean_per_week` on `day`: its month's season times the trend since
    /// `level_day` (1 when flat).
    pub fn factor(&self, day: i32) -> f64 {
        if self.season.len() != 12 {
            return 1.0;
        }
        let month = crate::data::Date(day).ymd().1 as usize - 1;
        self.season[month] * (self.trend_per_year * (f64::from(day) - f64::from(self.level_day)) / 365.25).exp()
    }

    /// [`Demand::factor`] for the days from `start`, given each day's month (0 = January):
    /// one exponential, then a constant daily step for the trend.
    pub fn factors(&self, start: i32, months: &[usize]) -> Vec<f64> {
        if self.season.len() != 12 {
            return vec![1.0; months.len()];
        }
        let step = (self.trend_per_year / 365.25).exp();
        let mut trend = (self.trend_per_year * (f64::from(start) - f64::from(self.level_day)) / 365.25).exp();
        months
            .iter()
            .map(|&m| {
                let v = self.season[m] * trend;
                trend *= step;
                v
            })
            .collect()
    }
}

/// Weeks of history needed to learn season and trend (two years).
const SEASON_WEEKS: usize = 104;

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// Percentile bootstrap interval of `stat` over resamples of `values`.
fn bootstrap(values: &[f64], stat: impl Fn(&[f64]) -> f64, reps: usize, seed: u64) -> (f64, f64) {
    let mut rng = Rng::seed_from_u64(seed);
    let n = values.len() as u64;
    let reps: Vec<f64> = (0..reps)
        .map(|_| {
            let sample: Vec<f64> = (0..n).map(|_| values[rng.index(n) as usize]).collect();
            stat(&sample)
        })
        .collect();
    let reps = sorted(reps);
    (quantile(&reps, 0.025), quantile(&reps, 0.975))
}

/// Lead times per supplier site, from purchase-order lines with a receipt (the
/// first receipt of a line), in supplier-site order.
pub fn lead_times(export: &Export, seed: u64) -> Vec<LeadTime> {
    // Each site's holidays (of its country), sorted.
    let country: HashMap<&str, &str> = export.sites.iter().map(|s| (s.site_id.as_str(), s.country.as_str())).collect();
    let holidays_of = |site: &str| {
        let c = country.get(site).copied().unwrap_or("");
        let mut h: Vec<i32> = export.holidays.iter().filter(|h| h.country == c).map(|h| h.date.0).collect();
        h.sort_unstable();
        h
    };
    // Per line: (first date, first qty, last date, total qty, receipts).
    let mut receipts: HashMap<(&str, &str), LineReceipts> = HashMap::new();
    for r in &export.receipts {
        let e = receipts.entry((r.po_id.as_str(), r.po_line.as_str())).or_insert((i32::MAX, 0.0, i32::MIN, 0.0, 0));
        if r.receipt_date.0 < e.0 {
            (e.0, e.1) = (r.receipt_date.0, r.qty_received);
        } else if r.receipt_date.0 == e.0 {
            e.1 += r.qty_received;
        }
        e.2 = e.2.max(r.receipt_date.0);
        e.3 += r.qty_received;
        e.4 += 1;
    }
    // The load effect, pooled over the sites, from the lines away from holidays.
    let loads = loads(export);
    let mut holidays: HashMap<&str, Vec<i32>> = HashMap::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut lines: Vec<(usize, f64, f64)> = Vec::new();
    let mut months: Vec<usize> = Vec::new();
    // Lines under normal conditions (away from holidays, no excess load): the lanes' transit.
    let mut normal: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for po in &export.purchase_orders {
        if let Some(&(received, ..)) = receipts.get(&(po.po_id.as_str(), po.po_line.as_str())) {
            let site = po.supplier_site_id.as_str();
            let h = holidays.entry(site).or_insert_with(|| holidays_of(site));
            if !near_holiday(h, po.order_date.0) {
                let n = index.len();
                let s = *index.entry(site).or_insert(n);
                let days = f64::from((received - po.order_date.0).max(0)).max(0.5);
                let x = loads.excess(site, po.order_date.0, 0.0);
                lines.push((s, days.ln(), x));
                months.push(po.order_date.ymd().1 as usize - 1);
                if x == 0.0 {
                    normal.insert((po.po_id.as_str(), po.po_line.as_str()));
                }
            }
        }
    }
    let lambda = load_effect(&lines, index.len());
    let lambda_interval = {
        let mut rng = Rng::seed_from_u64(seed ^ 0x10ad);
        let n = lines.len() as u64;
        let mut reps: Vec<f64> = (0..if lambda > 0.0 { 50 } else { 0 })
            .map(|_| {
                let sample: Vec<(usize, f64, f64)> = (0..n).map(|_| lines[rng.index(n) as usize]).collect();
                load_effect(&sample, index.len())
            })
            .collect();
        reps.sort_by(f64::total_cmp);
        if reps.is_empty() { (lambda, lambda) } else { (quantile(&reps, 0.025), quantile(&reps, 0.975)) }
    };
    // An effect the data cannot tell from none (its interval reaches 0) is not applied.
    let lambda = if lambda_interval.0 > 0.0 { lambda } else { 0.0 };
    // The month of the order: the pooled effect on log-days net of each site's level and of
    // the load (lines away from holidays); 1 for a month with fewer than 30 lines.
    let (month_factors, month_intervals) = {
        let r: Vec<f64> = lines.iter().map(|&(_, ln_days, x)| ln_days - (lambda * x).ln_1p()).collect();
        let (mut sum, mut n) = (vec![0.0; index.len()], vec![0.0; index.len()]);
        for (l, r) in lines.iter().zip(&r) {
            sum[l.0] += r;
            n[l.0] += 1.0;
        }
        let mut by_month: Vec<Vec<f64>> = vec![Vec::new(); 12];
        for ((l, r), &m) in lines.iter().zip(&r).zip(&months) {
            by_month[m].push(r - sum[l.0] / n[l.0]);
        }
        // Each month's mean deviation and its standard error (none under 30 lines).
        let stats: Vec<Option<(f64, f64)>> = by_month
            .iter()
            .map(|v| {
                let k = v.len() as f64;
                (v.len() >= 30).then(|| {
                    let m = v.iter().sum::<f64>() / k;
                    (m, (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (k - 1.0)).sqrt() / k.sqrt())
                })
            })
            .collect();
        // The deviations are from each site's mean over all its months, which a slow month
        // pulls up: they are taken relative to the median month, the typical one.
        let mut known: Vec<f64> = stats.iter().flatten().map(|s| s.0).collect();
        known.sort_by(f64::total_cmp);
        let typical = if known.is_empty() { 0.0 } else { quantile(&known, 0.5) };
        let all: Vec<(f64, (f64, f64))> = stats
            .iter()
            .map(|s| match s {
                None => (1.0, (1.0, 1.0)),
                Some((m, se)) => {
                    let m = m - typical;
                    let interval = ((m - 1.96 * se).exp(), (m + 1.96 * se).exp());
                    // A month the data cannot tell from the typical one (its interval holds 1) keeps 1.
                    (if interval.0 > 1.0 || interval.1 < 1.0 { m.exp() } else { 1.0 }, interval)
                }
            })
            .collect();
        // With less than two years a month cannot be told from a drift over the year.
        let first = export.purchase_orders.iter().map(|p| p.order_date.0).min().unwrap_or(0);
        let last = export.purchase_orders.iter().map(|p| p.order_date.0).max().unwrap_or(0);
        if lines.is_empty() || last - first < 730 {
            (Vec::new(), Vec::new())
        } else {
            (all.iter().map(|x| x.0).collect::<Vec<f64>>(), all.iter().map(|x| x.1).collect::<Vec<(f64, f64)>>())
        }
    };
    let month_of = |day: i32| month_factors.get(crate::data::Date(day).ymd().1 as usize - 1).copied().unwrap_or(1.0);
    // Per site: load- and month-adjusted days of lines placed away from holidays, near them, and the late count.
    let mut by_site: BTreeMap<&str, (Vec<f64>, Vec<f64>, usize)> = BTreeMap::new();
    for po in &export.purchase_orders {
        if let Some(&(received, ..)) = receipts.get(&(po.po_id.as_str(), po.po_line.as_str())) {
            let site = po.supplier_site_id.as_str();
            let x = loads.excess(site, po.order_date.0, 0.0);
            let days = (f64::from((received - po.order_date.0).max(0)).max(0.5)
                / ((lambda * x).ln_1p().exp() * month_of(po.order_date.0)))
            .max(0.5);
            let h = holidays.entry(site).or_insert_with(|| holidays_of(site));
            let e = by_site.entry(site).or_default();
            if near_holiday(h, po.order_date.0) {
                e.1.push(days)
            } else {
                e.0.push(days)
            }
            e.2 += usize::from(received > po.requested_date.0);
        }
    }
    // Each site's order lines, and the transit (ship date to receipt) of each receipt with a
    // ship date on a line placed under normal conditions (away from holidays, no excess load).
    let mut site_pos: HashMap<&str, Vec<&crate::data::PurchaseOrder>> = HashMap::new();
    let mut site_of: HashMap<(&str, &str), &str> = HashMap::new();
    for po in &export.purchase_orders {
        site_pos.entry(po.supplier_site_id.as_str()).or_default().push(po);
        site_of.insert((po.po_id.as_str(), po.po_line.as_str()), po.supplier_site_id.as_str());
    }
    let mut site_transits: HashMap<&str, Vec<f64>> = HashMap::new();
    for r in &export.receipts {
        let line = (r.po_id.as_str(), r.po_line.as_str());
        if let (Some(ship), Some(site)) = (r.ship_date, site_of.get(&line))
            && normal.contains(&line)
        {
            site_transits.entry(site).or_default().push(f64::from((r.receipt_date.0 - ship.0).max(0)));
        }
    }
    // Too few lines near holidays to learn their effect: pool them with the rest.
    let by_site: BTreeMap<&str, (Vec<f64>, Vec<f64>, usize)> = by_site
        .into_iter()
        .map(|(site, (mut away, near, late))| {
            if near.len() < 5 || away.len() < 5 {
                away.extend(near);
                (site, (away, Vec::new(), late))
            } else {
                (site, (away, near, late))
            }
        })
        .collect();
    by_site
        .into_iter()
        .enumerate()
        .filter(|(_, (_, (days, _, _)))| days.len() >= 2)
        .map(|(k, (site, (days, near, late)))| {
            let logs: Vec<f64> = days.iter().map(|d| d.ln()).collect();
            let m = logs.iter().sum::<f64>() / logs.len() as f64;
            let sigma = (logs.iter().map(|l| (l - m) * (l - m)).sum::<f64>() / (logs.len() - 1) as f64).sqrt();
            let s = sorted(days.clone());
            let planned: Vec<f64> = export
                .sourcing
                .iter()
                .filter(|r| r.supplier_site_id == site)
                .map(|r| r.planned_lead_time_days)
                .collect();
            let holiday_days =
                if near.is_empty() { 0.0 } else { (quantile(&sorted(near.clone()), 0.5) - quantile(&s, 0.5)).max(0.0) };
            LeadTime {
                supplier_site_id: site.to_string(),
                lines: days.len() + near.len(),
                holiday_days,
                holiday_lines: near.len(),
                median_days: quantile(&s, 0.5),
                median_interval: bootstrap(&days, |v| quantile(&sorted(v.to_vec()), 0.5), 200, seed ^ k as u64),
                sigma_log: sigma,
                p90_days: quantile(&s, 0.9),
                planned_days: (!planned.is_empty()).then(|| planned.iter().sum::<f64>() / planned.len() as f64),
                late_share: late as f64 / (days.len() + near.len()) as f64,
                load_effect: lambda,
                load_effect_interval: lambda_interval,
                month_factors: month_factors.clone(),
                month_intervals: month_intervals.clone(),
                ..LeadTime::default()
            }
        })
        .collect::<Vec<LeadTime>>()
        .into_iter()
        .map(|l| {
            let id = l.supplier_site_id.as_str();
            let (pos, transits) = (site_pos.get(id).map_or(&[][..], Vec::as_slice), site_transits.get(id));
            delivery_behaviour(pos, transits.map_or(&[][..], Vec::as_slice), &receipts, l, seed)
        })
        .collect()
}

/// A line's receipts: first date, quantity that day, last date, total quantity, count.
type LineReceipts = (i32, f64, i32, f64, usize);

/// Adds a site's delivery behaviour to its lead time: how often a line comes in more
/// than one receipt, how much the first brings and how long the rest takes, and how the
/// first receipt relates to the first confirmed date.
fn delivery_behaviour(
    pos: &[&crate::data::PurchaseOrder],
    transits: &[f64],
    receipts: &HashMap<(&str, &str), LineReceipts>,
    mut lead: LeadTime,
    seed: u64,
) -> LeadTime {
    let (mut partial, mut first_shares, mut gaps, mut slips) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for po in pos {
        let Some(&(first, first_qty, last, total, n)) = receipts.get(&(po.po_id.as_str(), po.po_line.as_str())) else {
            continue;
        };
        let split = last > first && n > 1;
        partial.push(if split { 1.0 } else { 0.0 });
        if split && total > 0.0 {
            first_shares.push(first_qty / total);
            gaps.push(f64::from(last - first));
        }
        if let Some(confirmed) = po.first_confirmed_date {
            slips.push(f64::from(first - confirmed.0));
        }
    }
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
    let median = |v: &[f64]| if v.is_empty() { 0.0 } else { quantile(&sorted(v.to_vec()), 0.5) };
    let key = lead.supplier_site_id.bytes().fold(0u64, |h, b| h.wrapping_mul(131).wrapping_add(u64::from(b)));
    lead.transit_lines = transits.len();
    lead.transit_median_days = median(transits);
    if !transits.is_empty() {
        lead.transit_interval = bootstrap(transits, |v| median(v), 200, seed ^ key ^ 0x7a45);
    }
    lead.partial_share = mean(&partial);
    if !partial.is_empty() {
        lead.partial_interval = bootstrap(&partial, |v| mean(v), 200, seed ^ key ^ 0x9a27);
    }
    lead.first_share = if first_shares.is_empty() { 1.0 } else { mean(&first_shares) };
    lead.partial_gap_days = median(&gaps);
    lead.confirmed_lines = slips.len();
    lead.confirmed_slip_days = median(&slips);
    if !slips.is_empty() {
        lead.confirmed_slip_interval = bootstrap(&slips, |v| median(v), 200, seed ^ key ^ 0xc0f1);
        lead.late_vs_confirmed_share = slips.iter().filter(|&&d| d > 0.0).count() as f64 / slips.len() as f64;
    }
    lead
}

/// Weekly demand per finished part from sales-order lines (weeks without an order count
/// as 0). With two years of history or more, the parts' total weekly quantity gives a
/// pooled trend and monthly season (least squares on its logarithm), and each part's
/// level is the mean of its weekly quantities net of both, at the last week; with less,
/// the level is the plain mean.
pub fn demand(export: &Export, seed: u64) -> Vec<Demand> {
    let mut by_part: BTreeMap<&str, BTreeMap<i32, f64>> = BTreeMap::new();
    for so in &export.sales_orders {
        *by_part.entry(so.part_id.as_str()).or_default().entry(so.order_date.0.div_euclid(7)).or_default() += so.qty;
    }
    let first = by_part.values().filter_map(|w| w.keys().next()).min().copied().unwrap_or(0);
    let last = by_part.values().filter_map(|w| w.keys().last()).max().copied().unwrap_or(0);
    let middle = |w: i32| 7 * w + 3;
    let month = |w: i32| crate::data::Date(middle(w)).ymd().1 as usize - 1;
    let years = |w: i32| f64::from(middle(w) - middle(last)) / 365.25;
    // Season and trend from the total, when there are two years of it.
    let (season, trend) = {
        let weeks: Vec<i32> = (first..=last).collect();
        let total: Vec<f64> =
            weeks.iter().map(|w| by_part.values().map(|p| p.get(w).copied().unwrap_or(0.0)).sum()).collect();
        let fit = (weeks.len() >= SEASON_WEEKS && total.iter().all(|&t| t > 0.0))
            .then(|| {
                let t: Vec<f64> = weeks.iter().map(|&w| years(w)).collect();
                let dummies: Vec<Vec<f64>> =
                    (0..12).map(|m| weeks.iter().map(|&w| f64::from(u8::from(month(w) == m))).collect()).collect();
                let mut cols: Vec<&[f64]> = vec![&t];
                cols.extend(dummies.iter().map(Vec::as_slice));
                let y: Vec<f64> = total.iter().map(|v| v.ln()).collect();
                kausa_stats::regression::ols(&cols, &y, false).ok()
            })
            .flatten();
        match fit {
            Some(b) => {
                let raw: Vec<f64> = b[1..].iter().map(|c| c.exp()).collect();
                let mean = raw.iter().sum::<f64>() / 12.0;
                (raw.iter().map(|f| f / mean).collect::<Vec<f64>>(), b[0])
            }
            None => (Vec::new(), 0.0),
        }
    };
    let flat = season.is_empty();
    by_part
        .into_iter()
        .enumerate()
        .map(|(k, (part, weeks))| {
            let (a, b) = (*weeks.keys().next().expect("a week"), *weeks.keys().last().expect("a week"));
            // Each week's quantity net of season and trend (at the last week's level).
            let series: Vec<f64> = (a..=b)
                .map(|w| {
                    let q = weeks.get(&w).copied().unwrap_or(0.0);
                    if flat { q } else { q / (season[month(w)] * (trend * years(w)).exp()) }
                })
                .collect();
            let n = series.len() as f64;
            let mean = series.iter().sum::<f64>() / n;
            let sd = (series.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
            Demand {
                part_id: part.to_string(),
                weeks: series.len(),
                mean_per_week: mean,
                mean_interval: bootstrap(
                    &series,
                    |v| v.iter().sum::<f64>() / v.len() as f64,
                    200,
                    seed ^ (1000 + k as u64),
                ),
                sd_per_week: sd,
                season: season.clone(),
                trend_per_year: trend,
                level_day: if flat { 0 } else { middle(last) },
            }
        })
        .collect()
}

/// The scrap share of production by shift type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scrap {
    /// `early`, `late`, `night`, `sat` or `ot`.
    pub shift_type: String,
    /// Production orders.
    pub orders: usize,
    /// Units made (good and scrapped).
    pub units: f64,
    /// Scrapped units over units made.
    pub rate: f64,
    /// 95% bootstrap interval over orders.
    pub interval: (f64, f64),
}

/// Scrap rates per shift type from production orders, in shift-type order.
pub fn scrap(export: &Export, seed: u64) -> Vec<Scrap> {
    let mut by_shift: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for o in &export.production_orders {
        by_shift.entry(o.shift_type.as_str()).or_default().push((o.qty_scrap, o.qty_good + o.qty_scrap));
    }
    by_shift
        .into_iter()
        .enumerate()
        .filter(|(_, (_, v))| v.iter().map(|x| x.1).sum::<f64>() > 0.0)
        .map(|(k, (shift, orders))| {
            let ratio = |v: &[(f64, f64)]| {
                let made: f64 = v.iter().map(|x| x.1).sum();
                if made > 0.0 { v.iter().map(|x| x.0).sum::<f64>() / made } else { 0.0 }
            };
            let mut rng = Rng::seed_from_u64(seed ^ (2000 + k as u64));
            let n = orders.len() as u64;
            let reps = sorted(
                (0..200).map(|_| ratio(&(0..n).map(|_| orders[rng.index(n) as usize]).collect::<Vec<_>>())).collect(),
            );
            Scrap {
                shift_type: shift.to_string(),
                orders: orders.len(),
                units: orders.iter().map(|x| x.1).sum(),
                rate: ratio(&orders),
                interval: (quantile(&reps, 0.025), quantile(&reps, 0.975)),
            }
        })
        .collect()
}

/// Output per hour of a shift type relative to the regular shifts (every type but
/// Saturday `sat` and overtime `ot`), from production orders whose actual start and end
/// are timestamps: standard minutes (units made, scrap included, times the routing's
/// minutes per unit at that plant and work centre) over the minutes the orders ran.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Productivity {
    /// The shift type.
    pub shift_type: String,
    /// Timed production orders of that type with a routing.
    pub orders: usize,
    /// Standard minutes per actual minute, relative to the regular shifts'.
    pub relative: f64,
    /// 95% bootstrap interval (orders resampled in the shift type and in the regular pool).
    pub interval: (f64, f64),
}

/// Whether a shift type is a regular (weekday) shift.
fn regular_shift(shift: &str) -> bool {
    !matches!(shift, "sat" | "ot")
}

/// Learns [`Productivity`] per shift type; empty when no production order is timed.
pub fn productivity(export: &Export, seed: u64) -> Vec<Productivity> {
    let minutes: HashMap<(&str, &str, &str), f64> = export
        .routings
        .iter()
        .map(|r| ((r.plant_id.as_str(), r.part_id.as_str(), r.work_center_id.as_str()), r.run_min_per_unit))
        .collect();
    // Per shift type: (standard minutes, actual minutes) of each timed order.
    let mut by_shift: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for o in &export.production_orders {
        let Some(actual) = o.run_minutes.filter(|&m| m > 0.0) else { continue };
        let Some(per_unit) = minutes.get(&(o.plant_id.as_str(), o.part_id.as_str(), o.work_center_id.as_str())) else {
            continue;
        };
        let standard = (o.qty_good + o.qty_scrap) * per_unit;
        // An order worth no standard minutes (a routing of 0 minutes, nothing made) says
        // nothing of a shift's pace, and a pool of only such orders would divide by 0.
        if standard > 0.0 {
            by_shift.entry(o.shift_type.as_str()).or_default().push((standard, actual));
        }
    }
    let regular: Vec<(f64, f64)> =
        by_shift.iter().filter(|(s, _)| regular_shift(s)).flat_map(|(_, v)| v.iter().copied()).collect();
    let rate = |v: &[(f64, f64)]| v.iter().map(|x| x.0).sum::<f64>() / v.iter().map(|x| x.1).sum::<f64>().max(1e-12);
    if regular.is_empty() {
        return Vec::new();
    }
    let base = rate(&regular);
    by_shift
        .iter()
        .enumerate()
        .map(|(k, (shift, orders))| {
            let mut rng = Rng::seed_from_u64(seed ^ (3000 + k as u64));
            let resample = |v: &[(f64, f64)], rng: &mut Rng| -> Vec<(f64, f64)> {
                let n = v.len() as u64;
                (0..n).map(|_| v[rng.index(n) as usize]).collect()
            };
            let reps = sorted(
                (0..200)
                    .map(|_| {
                        let own = resample(orders, &mut rng);
                        let pool = resample(&regular, &mut rng);
                        rate(&own) / rate(&pool)
                    })
                    .collect(),
            );
            Productivity {
                shift_type: shift.to_string(),
                orders: orders.len(),
                relative: rate(orders) / base,
                interval: (quantile(&reps, 0.025), quantile(&reps, 0.975)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Date, Pos, ProductionOrder, PurchaseOrder, Receipt};

    /// Orders worth no standard minutes are left out: with only such orders in the regular
    /// shifts nothing is learned, instead of a NaN that a supply model file writes as null
    /// and cannot read back.
    #[test]
    fn productivity_ignores_orders_worth_no_standard_minutes() {
        let order = |id: &str, shift: &str, minutes: f64| ProductionOrder {
            prod_order_id: id.into(),
            part_id: "F".into(),
            plant_id: "PLANT".into(),
            work_center_id: "WC".into(),
            qty_good: 10.0,
            qty_scrap: 0.0,
            shift_type: shift.into(),
            run_minutes: Some(minutes),
            pos: Pos::default(),
        };
        let routing = |min: f64| crate::data::Routing {
            plant_id: "PLANT".into(),
            part_id: "F".into(),
            work_center_id: "WC".into(),
            run_min_per_unit: min,
            pos: Pos::default(),
        };
        let mut export = Export {
            production_orders: vec![order("1", "early", 100.0), order("2", "late", 100.0), order("3", "sat", 125.0)],
            routings: vec![routing(0.0)],
            ..Export::default()
        };
        assert_eq!(productivity(&export, 1), Vec::new());
        export.routings = vec![routing(10.0)];
        let learned = productivity(&export, 1);
        let sat = learned.iter().find(|p| p.shift_type == "sat").unwrap();
        assert!((sat.relative - 0.8).abs() < 1e-12, "{}", sat.relative);
        assert!(learned.iter().all(|p| p.relative.is_finite() && p.interval.0.is_finite() && p.interval.1.is_finite()));
    }

    /// Three sites ordering weekly for three years, lead times 10 days × log-normal noise,
    /// January orders taking 1.5 times as long: the January factor is found, the other
    /// months stay 1, the medians are of the adjusted days, and no load effect is applied.
    #[test]
    fn a_slow_month_of_orders_is_learned() {
        let mut export = Export::default();
        let mut rng = Rng::seed_from_u64(4);
        let start = Date::from_ymd(2022, 1, 3);
        for s in 0..3 {
            for w in 0..156 {
                let order = Date(start.0 + 7 * w + s);
                let slow = if order.ymd().1 == 1 { 1.5 } else { 1.0 };
                let days = (10.0 * slow * (0.1 * rng.normal()).exp()).round() as i32;
                let (po, site) = (format!("{s}-{w}"), format!("S{s}"));
                export.purchase_orders.push(PurchaseOrder {
                    po_id: po.clone(),
                    po_line: "10".into(),
                    part_id: "P".into(),
                    supplier_site_id: site,
                    plant_id: "PLANT".into(),
                    order_date: order,
                    requested_date: Date(order.0 + 10),
                    first_confirmed_date: None,
                    qty: 100.0,
                    unit_price: None,
                    pos: Pos::default(),
                });
                export.receipts.push(Receipt {
                    po_id: po,
                    po_line: "10".into(),
                    ship_date: None,
                    receipt_date: Date(order.0 + days),
                    qty_received: 100.0,
                    pos: Pos::default(),
                });
            }
        }
        let leads = lead_times(&export, 1);
        assert_eq!(leads.len(), 3);
        let months = &leads[0].month_factors;
        assert_eq!(months.len(), 12);
        assert!((months[0] - 1.5).abs() < 0.05 * 1.5, "{months:?}");
        assert!(months[1..].iter().all(|f| (f - 1.0).abs() < 0.05), "{months:?}");
        let (lo, hi) = leads[0].month_intervals[0];
        assert!(lo < 1.5 && 1.5 < hi, "[{lo}, {hi}]");
        assert!(leads.iter().all(|l| (l.median_days - 10.0).abs() <= 1.0), "{leads:?}");
        assert_eq!(leads[0].load_effect, 0.0);
    }
}
