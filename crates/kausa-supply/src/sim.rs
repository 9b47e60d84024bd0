//! The what-if engine, first version: a daily Monte Carlo simulation of one
//! export's network over a horizon, under events (strikes by country) and
//! actions (switching a part's supplier, adding shifts), compared across named
//! variants under common random numbers, with KPIs and their uncertainty.
//!
//! The flow per run and day:
//! ```text
//!  demand (learned weekly mean/sd, workdays) ──▶ sales-order lines, promised after the quoted days
//!  production (workdays and extra shifts): finished goods limited by bottleneck minutes and
//!      by purchased components (semi-finished parts flattened through the BOM), less the
//!      learned scrap share of each shift kind ──▶ finished stock
//!  shipping: open lines first in, first out from finished stock; late = after the promise
//!  purchasing (Mondays): order up to a base stock per purchased part, split by quota;
//!      arrival = order day + learned log-normal lead time, delayed by events
//! ```
//! Assumptions of this first version, stated in the output's documentation: one
//! bottleneck step per finished part (its first routing step), semi-finished parts
//! made without delay from their components; the run starts from the export's
//! snapshot: stock from the last snapshot, open purchase-order lines (no receipt)
//! arriving after a learned lead time, open sales-order lines (no delivery) as the
//! backlog.
//! Random numbers come from streams keyed by (run, purpose, day, entity), so two
//! variants draw the same demand and the same lead-time noise for the same orders.
//! Each late line is explained by what held its finished part back when the line
//! fell due (the part's latest shortage): the bottleneck's capacity, or the
//! purchased part that ran short (and so its supplier sites and the events that hit them).

pub mod exposure;

use std::collections::HashMap;

use kausa_core::{Par, Rng};

use crate::data::{Date, Export};
use crate::learn::{Demand, LeadTime, Scrap};

/// What an event does, from `start` for `duration_days`.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A strike or outage: supplier sites in the countries (and the named sites) ship
    /// nothing, goods crossing the countries are slowed by the days of their transit that
    /// fall into it, goods on the named lanes or through the named ports wait until they
    /// open; capacity comes back linearly over `ramp_days`.
    Outage {
        /// ISO country codes.
        countries: Vec<String>,
        /// Supplier sites (a fire, an insolvency).
        sites: Vec<String>,
        /// Lanes closed: goods on them wait (a blocked route).
        lanes: Vec<String>,
        /// Ports closed: goods on lanes through them wait.
        ports: Vec<String>,
        /// Linear ramp back to full capacity.
        ramp_days: i32,
    },
    /// Purchase prices of orders placed while it lasts are multiplied by `factor`, for
    /// parts bought from sites in the countries, from the named sites, or of the named
    /// parts (every purchase when all three are empty).
    PriceShock {
        /// ISO country codes.
        countries: Vec<String>,
        /// Supplier sites.
        sites: Vec<String>,
        /// Purchased parts.
        parts: Vec<String>,
        /// Price multiplier.
        factor: f64,
    },
    /// Goods shipped on lanes that start, end or pass the countries take `days` longer.
    TransitDelay {
        /// ISO country codes.
        countries: Vec<String>,
        /// Extra transit days.
        days: i32,
    },
    /// Own plants stand still (fire, flood, power cut): no production there.
    PlantOutage {
        /// Plant site ids; all plants when empty.
        plants: Vec<String>,
    },
    /// The electricity price of the markets (all when empty) is multiplied by `factor`:
    /// the plants' unhedged consumption costs more, and suppliers in those markets raise
    /// their prices by their learned elasticity, a learned lag later.
    EnergyPrice {
        /// Electricity markets (bidding zones, as in `energy_prices.csv`).
        markets: Vec<String>,
        /// Price multiplier.
        factor: f64,
        /// Whether suppliers pass the shock on (the learned elasticities); false: only own use.
        pass_through: bool,
        /// The plants' hedged share, overriding the contracts when given.
        hedged_share: Option<f64>,
    },
    /// Demand for the finished parts (all of them when empty) is multiplied by `factor`.
    Demand {
        /// Finished parts.
        parts: Vec<String>,
        /// Multiplier.
        factor: f64,
    },
}

/// Something that happens to the firm, applied in every variant but the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Its id.
    pub id: String,
    /// First day.
    pub start: Date,
    /// Length (when `duration` is given, its mode or midpoint, and within a run the drawn length).
    pub duration_days: i32,
    /// An uncertain length, drawn once per run (the same draw in every variant).
    pub duration: Option<DurationDist>,
    /// The chance it happens in a run (drawn per run, the same draw in every variant).
    pub probability: f64,
    /// What it does.
    pub effect: Effect,
    /// Another event (earlier in the scenario) that must have happened in the run for
    /// this one to happen (a chained event, as in anyLogistix); its own probability is
    /// then the conditional one.
    pub trigger: Option<String>,
}

/// The distribution of an uncertain event length, in days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationDist {
    /// Any length from `min` to `max` alike.
    Uniform {
        /// Shortest.
        min: f64,
        /// Longest.
        max: f64,
    },
    /// Triangular: from `min` to `max`, most likely `mode`.
    Triangular {
        /// Shortest.
        min: f64,
        /// Most likely.
        mode: f64,
        /// Longest.
        max: f64,
    },
}

impl DurationDist {
    /// A length in whole days from a uniform draw `u` in [0, 1) (inverse distribution function).
    pub fn days(self, u: f64) -> i32 {
        let x = match self {
            DurationDist::Uniform { min, max } => min + u * (max - min),
            DurationDist::Triangular { min, mode, max } => {
                let cut = if max > min { (mode - min) / (max - min) } else { 0.5 };
                if u < cut {
                    min + (u * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - u) * (max - min) * (max - mode)).sqrt()
                }
            }
        };
        x.round() as i32
    }

    /// Whether its bounds are in order and not negative.
    pub fn valid(self) -> bool {
        match self {
            DurationDist::Uniform { min, max } => min >= 0.0 && min <= max,
            DurationDist::Triangular { min, mode, max } => min >= 0.0 && min <= mode && mode <= max,
        }
    }
}

impl Event {
    /// The lanes and ports an outage closes.
    pub fn routes(&self) -> (&[String], &[String]) {
        match &self.effect {
            Effect::Outage { lanes, ports, .. } => (lanes, ports),
            _ => (&[], &[]),
        }
    }

    /// Whether it closes `lane` or one of `ports` (a lane or port outage).
    pub fn closes(&self, lane: Option<&str>, ports: &[String]) -> bool {
        let (lanes, closed) = self.routes();
        lane.is_some_and(|l| lanes.iter().any(|x| x == l)) || closed.iter().any(|p| ports.contains(p))
    }

    /// The countries an outage, transit delay or price shock touches.
    pub fn countries(&self) -> &[String] {
        match &self.effect {
            Effect::Outage { countries, .. }
            | Effect::TransitDelay { countries, .. }
            | Effect::PriceShock { countries, .. } => countries,
            Effect::Demand { .. } | Effect::PlantOutage { .. } | Effect::EnergyPrice { .. } => &[],
        }
    }

    /// The supplier sites an outage or price shock names.
    pub fn sites(&self) -> &[String] {
        match &self.effect {
            Effect::Outage { sites, .. } | Effect::PriceShock { sites, .. } => sites,
            _ => &[],
        }
    }

    /// Whether it hits goods from a supplier site in `country` with id `site` whose lane
    /// passes `transit` (an outage or transit delay there, or a price shock on it).
    pub fn hits(&self, site: &str, country: &str, transit: &[String]) -> bool {
        let in_country = |cs: &[String]| cs.iter().any(|c| c == country || transit.contains(c));
        match &self.effect {
            Effect::Outage { countries, sites, .. } => in_country(countries) || sites.iter().any(|s| s == site),
            Effect::TransitDelay { countries, .. } => in_country(countries),
            Effect::PriceShock { countries, sites, .. } => {
                countries.iter().any(|c| c == country) || sites.iter().any(|s| s == site)
            }
            Effect::Demand { .. } | Effect::PlantOutage { .. } | Effect::EnergyPrice { .. } => false,
        }
    }

    fn active(&self, day: i32) -> bool {
        day >= self.start.0 && day < self.start.0 + self.duration_days
    }
}

/// A decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Move `share` of a purchased part's volume from one supplier site to another from `effective` on.
    SwitchSupplier {
        /// Its id.
        id: String,
        /// The part.
        part: String,
        /// From this site.
        from: String,
        /// To this site.
        to: String,
        /// Share of the volume moved.
        share: f64,
        /// From this day.
        effective: Date,
        /// Unit price at the new site (default: its sourcing price, else the old one).
        unit_price: Option<f64>,
    },
    /// Extra shift hours on given weekdays for a plant's work centres.
    AddShift {
        /// Its id.
        id: String,
        /// Weekdays, 0 = Monday … 6 = Sunday.
        weekdays: Vec<u32>,
        /// Hours per work centre and day.
        hours: f64,
        /// Output per hour relative to a normal shift; `None`: the learned Saturday
        /// productivity ([`Network::with_productivity`]).
        productivity: Option<f64>,
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
        /// Cost per work-centre hour of the extra shift.
        cost_per_hour: f64,
        /// The plant whose work centres get the shift; every plant when absent.
        plant: Option<String>,
        /// The work centres; every one of the plant when empty.
        work_centers: Vec<String>,
    },
    /// Make `share` of the finished parts' production at another plant (its routing
    /// there, on its work centres) from `effective` on; while the move takes
    /// `transfer_days`, the moved share is made nowhere.
    MoveCapacity {
        /// Its id.
        id: String,
        /// Finished parts; every one made at `from` with a routing at `to` when empty.
        parts: Vec<String>,
        /// The plant the production leaves.
        from: String,
        /// The plant that takes it.
        to: String,
        /// Share of the parts' production moved.
        share: f64,
        /// First day of the move.
        effective: Date,
        /// Days the moved share is made nowhere.
        transfer_days: i32,
        /// Cost of the move, once.
        one_off_cost: f64,
        /// Extra cost per unit made at `to`.
        cost_per_unit: f64,
    },
    /// Build finished parts ahead: from `from` to `to`, production aims at `extra_days`
    /// more days of demand in stock (before a known event, with capacity to spare).
    PreBuild {
        /// Its id.
        id: String,
        /// Finished parts; every one when empty.
        parts: Vec<String>,
        /// Days of demand added to the finished-goods buffer.
        extra_days: f64,
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
    /// Customer prioritisation: from `from` to `to`, finished stock goes to the open lines of
    /// the listed customers first (in the order listed), then to the others, first in first out.
    Allocate {
        /// Its id.
        id: String,
        /// Customers, most important first.
        customers: Vec<String>,
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
    /// Hold more purchased parts: orders placed from `from` to `to` aim at `extra_days`
    /// more days of use in stock.
    SafetyStock {
        /// Its id.
        id: String,
        /// Purchased parts; every one when empty.
        parts: Vec<String>,
        /// Days of use added to the base stock.
        extra_days: f64,
        /// First order day.
        from: Date,
        /// Last order day.
        to: Date,
    },
    /// Faster transport (air instead of sea, a dedicated truck) for orders placed
    /// with the given supplier sites in a window: their transit takes `transit_factor`
    /// of its planned days, at `cost_per_order` each.
    Expedite {
        /// Its id.
        id: String,
        /// Supplier sites.
        sites: Vec<String>,
        /// Transit time multiplier (0.4: 60% faster).
        transit_factor: f64,
        /// First order day.
        from: Date,
        /// Last order day.
        to: Date,
        /// Extra cost per expedited order.
        cost_per_order: f64,
    },
    /// Buy a further share of the plants' electricity ahead, at the baseline price plus a
    /// premium, for the days from `from` to `to`: that share no longer follows shocks.
    HedgeEnergy {
        /// Its id.
        id: String,
        /// Plants; every one when empty.
        plants: Vec<String>,
        /// Share of consumption added to the contracts' (the total is capped at 1).
        share: f64,
        /// Premium over the baseline price, EUR per MWh.
        premium_eur_per_mwh: f64,
        /// First day.
        from: Date,
        /// Last day.
        to: Date,
    },
}

impl Action {
    /// Its id.
    pub fn id(&self) -> &str {
        match self {
            Action::SwitchSupplier { id, .. }
            | Action::AddShift { id, .. }
            | Action::Expedite { id, .. }
            | Action::MoveCapacity { id, .. }
            | Action::PreBuild { id, .. }
            | Action::SafetyStock { id, .. }
            | Action::HedgeEnergy { id, .. }
            | Action::Allocate { id, .. } => id,
        }
    }
}

/// A what-if scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Its id.
    pub id: String,
    /// First simulated day.
    pub start: Date,
    /// Days simulated.
    pub horizon_days: i32,
    /// Monte-Carlo runs per variant.
    pub runs: usize,
    /// Seed.
    pub seed: u64,
    /// Events, applied in every variant but the reference.
    pub events: Vec<Event>,
    /// Actions, combined into variants.
    pub actions: Vec<Action>,
    /// Variants: a name and the ids of its actions.
    pub variants: Vec<(String, Vec<String>)>,
    /// The variant differences are taken against.
    pub compare_to: String,
    /// Days from order to promised delivery.
    pub quoted_days: i32,
    /// Lines later than this many days (or never shipped) are revenue at risk.
    pub risk_days: i32,
    /// The line of the file where each event, action and variant starts, keyed by
    /// kind and id (`("event", "strike_pl")`), for error messages; empty when built in code.
    pub item_lines: std::collections::BTreeMap<(String, String), u64>,
    /// Whether each run also draws the learned parameters (median lead times, mean demand)
    /// from their bootstrap uncertainty, besides the noise.
    pub parameter_uncertainty: bool,
    /// The daily fill rate below which service has failed and above which (seven
    /// days in a row) it has recovered: the threshold of time-to-survive and time-to-recover.
    pub service_level: f64,
}

impl Scenario {
    /// The line where the item of `kind` (`event`, `action`, `variant`) with `id` starts.
    pub fn line_of(&self, kind: &str, id: &str) -> Option<u64> {
        self.item_lines.get(&(kind.to_string(), id.to_string())).copied()
    }
}

/// The KPIs of one run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Kpis {
    /// Good finished units made.
    pub output_units: f64,
    /// Sales-order lines shipped after their promise or not at all.
    pub late_orders: f64,
    /// Value of those lines.
    pub late_order_value: f64,
    /// Value of lines later than the risk threshold or never shipped.
    pub revenue_at_risk: f64,
    /// Extra cost of actions (shift hours, price differences, premium freight).
    pub extra_cost: f64,
    /// Revenue of the units shipped less their standard cost and the extra cost.
    pub margin: f64,
    /// Units shipped on time over units ordered.
    pub fill_rate: f64,
    /// Lines shipped complete by their promise over all lines.
    pub otif: f64,
    /// The largest number of finished units past their promise and not yet shipped, over the days.
    pub backlog_peak_units: f64,
    /// Days from the scenario's first event until the first day whose trailing week's fill
    /// rate (units of the lines due in it shipped complete by their promise) falls below the
    /// service level; the days left in the horizon when it never does (censored).
    pub tts_days: f64,
    /// Days from the scenario's first event until the fill rate is at or above the service
    /// level for seven days in a row after a failure; 0 without a failure, the days left
    /// in the horizon when it never recovers (censored).
    pub ttr_days: f64,
    /// Late lines by what held their part back when they fell due: index `w` the
    /// capacity of work centre `w`, then one per purchased part, the last one unknown
    /// (see [`Network::cause_name`]).
    pub late_by_cause: Vec<f64>,
}

/// The names of the KPIs, in [`Kpis::values`] order.
pub const KPI_NAMES: [&str; 11] = [
    "output_units",
    "late_orders",
    "late_order_value",
    "revenue_at_risk",
    "extra_cost",
    "margin",
    "fill_rate",
    "otif",
    "backlog_peak_units",
    "tts_days",
    "ttr_days",
];

/// Whether more is better, per KPI in [`KPI_NAMES`] order (what "a variant is better" means).
pub const KPI_HIGHER_BETTER: [bool; 11] = [true, false, false, false, false, true, true, true, false, true, false];

impl Kpis {
    /// The values, in [`KPI_NAMES`] order.
    pub fn values(&self) -> [f64; 11] {
        [
            self.output_units,
            self.late_orders,
            self.late_order_value,
            self.revenue_at_risk,
            self.extra_cost,
            self.margin,
            self.fill_rate,
            self.otif,
            self.backlog_peak_units,
            self.tts_days,
            self.ttr_days,
        ]
    }
}

/// A sales-order line that shipped after its promise, or not by the horizon's end.
#[derive(Debug, Clone, PartialEq)]
pub struct LateLine {
    /// The finished part (index; [`Network::finished_part`] names it).
    pub part: usize,
    /// The promised day.
    pub promised: Date,
    /// Units.
    pub qty: f64,
    /// The day it shipped complete; `None` when still open at the end.
    pub shipped: Option<Date>,
    /// What held its part back when it fell due (as in [`Kpis::late_by_cause`]).
    pub cause: usize,
    /// The customer (index; [`Network::customer`] names it).
    pub customer: usize,
}

/// Why a scenario cannot run on a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SimError {
    /// The scenario file's line of the event, action or variant at fault, when known.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl SimError {
    /// An error without a line.
    pub fn new(message: impl Into<String>) -> SimError {
        SimError { line: None, message: message.into() }
    }

    /// An error at a line of the scenario file.
    pub fn at(line: Option<u64>, message: impl Into<String>) -> SimError {
        SimError { line, message: message.into() }
    }
}

/// An open sales line in a run: (promised day, qty left, qty, cause, customer).
type OpenLine = (i32, f64, f64, usize, usize);

/// Minutes per finished unit, per work centre: (work centre, minutes).
type Load = Vec<(usize, f64)>;

/// The network compiled for simulation.
#[derive(Debug, Clone)]
pub struct Network {
    finished: Vec<String>,
    price: Vec<f64>,
    /// Per finished part: the uncertainty of its learned mean demand a workday (the standard
    /// deviation, from its 95% bootstrap interval).
    demand_mean_sd: Vec<f64>,
    /// Per finished part: standard cost per unit (0 when the export gives none).
    cost: Vec<f64>,
    demand: Vec<(f64, f64)>,
    /// Per finished part: (purchased part index, units per finished unit).
    needs: Vec<Vec<(usize, f64)>>,
    /// The own plants (sites that have work centres or routings).
    plants: Vec<String>,
    /// Work centres: id, plant, regular minutes a workday.
    wcs: Vec<(String, usize, f64)>,
    /// Planned minutes of (work centre, day) from the shift calendar, for the days it covers;
    /// other days have the work centre's standard shifts on workdays.
    calendar: HashMap<(usize, i32), f64>,
    /// Per finished part: its home plant (of its first routing row).
    home: Vec<usize>,
    /// Per finished part and plant with a routing for it: the minutes each work centre
    /// spends per finished unit, its semi-finished parts' routings included (at this
    /// plant when they have a routing here, else at the plant of their first routing).
    loads: Vec<Vec<(usize, Load)>>,
    purchased: Vec<String>,
    /// Per purchased part: (site index, quota share, unit price).
    sources: Vec<Vec<(usize, f64, f64)>>,
    initial: Vec<f64>,
    initial_finished: Vec<f64>,
    /// Open purchase-order lines (no receipt): part, site, order day, quantity.
    open_pos: Vec<(usize, usize, i32, f64)>,
    /// Open sales-order lines (no delivery): finished part, promised day, quantity, customer.
    open_sos: Vec<(usize, i32, f64, usize)>,
    /// Customers of the sales history, sorted.
    customers: Vec<String>,
    /// Per finished part: cumulative shares of its customers in the sales history
    /// (customer, cumulative share), for drawing each new line's customer.
    customer_mix: Vec<Vec<(usize, f64)>>,
    /// The export date (the day the snapshot was taken), if the manifest gives it.
    snapshot: Option<i32>,
    /// Scrap share on regular shifts and on extra (Saturday) shifts.
    scrap_regular: f64,
    scrap_extra: f64,
    /// Every country a site of the export is in or a lane passes, sorted.
    countries: Vec<String>,
    /// Per site: id, country, lane transit countries, planned transit days, lead median, sigma(log).
    sites: Vec<SiteLead>,
    /// Electricity, when learned ([`Network::with_energy`]).
    energy: Option<EnergyNet>,
    /// Output per hour of a Saturday shift relative to a weekday's, when learned
    /// ([`Network::with_productivity`]).
    productivity_extra: Option<f64>,
    /// The history's orders per supplier site, for its load at the start of a run.
    supplier_load: crate::learn::Loads,
    /// Per finished part: its demand's season and trend (the level is in `demand`).
    demand_shape: Vec<Demand>,
    /// The export's lanes and ports (for checking scenarios).
    lane_ids: Vec<String>,
    port_ids: Vec<String>,
}

/// The learned energy mechanisms, indexed for the simulation.
#[derive(Debug, Clone)]
struct EnergyNet {
    /// Market names and their baseline prices (EUR/MWh).
    markets: Vec<String>,
    baseline: Vec<f64>,
    /// Per work centre: base kWh a day and kWh per staffed hour (zeros when not metered).
    use_per_wc: Vec<(f64, f64)>,
    /// Per plant: its market (if priced) and hedged share.
    plant_market: Vec<Option<usize>>,
    hedged: Vec<f64>,
    /// Per supplier site: its market (if priced).
    site_market: Vec<Option<usize>>,
    /// Elasticity of each (purchased part, site) pair that was learned.
    elasticity: HashMap<(usize, usize), f64>,
    /// Days from an energy price change to the supplier prices.
    lag: i32,
}

impl EnergyNet {
    /// The active shocks on market `m` on `day` (only those passed on to suppliers when `passed`).
    fn shocks<'a>(&'a self, events: &'a [Event], m: usize, day: i32, passed: bool) -> impl Iterator<Item = &'a Effect> {
        events.iter().filter(move |e| e.active(day)).map(|e| &e.effect).filter(move |e| {
            matches!(e, Effect::EnergyPrice { markets, pass_through, .. }
                if (markets.is_empty() || markets.iter().any(|x| *x == self.markets[m])) && (*pass_through || !passed))
        })
    }

    /// The factor on market `m`'s price on `day`: the product of the active shocks on it.
    fn factor(&self, events: &[Event], m: usize, day: i32, passed: bool) -> f64 {
        self.shocks(events, m, day, passed)
            .map(|e| match e {
                Effect::EnergyPrice { factor, .. } => *factor,
                _ => 1.0,
            })
            .product()
    }

    /// Plant `plant`'s hedged share on `day`: a shock's override, else its contracts'.
    fn hedged(&self, events: &[Event], plant: usize, m: usize, day: i32) -> f64 {
        self.shocks(events, m, day, false)
            .find_map(|e| match e {
                Effect::EnergyPrice { hedged_share, .. } => *hedged_share,
                _ => None,
            })
            .unwrap_or(self.hedged[plant])
    }
}

#[derive(Debug, Clone)]
struct SiteLead {
    id: String,
    country: String,
    transit: Vec<String>,
    transit_days: f64,
    median: f64,
    sigma: f64,
    /// The lane of its sourcing row, when given.
    lane: Option<String>,
    /// The ports its lane passes.
    ports: Vec<String>,
    /// Uncertainty of the learned median: the standard deviation of its log, from its
    /// 95% bootstrap interval (0 when not learned).
    median_sd_log: f64,
    /// Extra days for orders placed near one of `holidays` (sorted days).
    holiday_days: f64,
    holidays: Vec<i32>,
    /// How the lead time grows with the site's excess load.
    load_effect: f64,
    /// The lead time's factor by month of the order (empty: none).
    month_factors: Vec<f64>,
    /// Share of lines delivered in two parts, the first part's share, the days between.
    partial_share: f64,
    first_share: f64,
    partial_gap_days: f64,
}

/// Days of stock added on `day` for `part` by the active pre-build actions (a finished
/// part) or safety-stock actions (a purchased part).
fn extra_days(actions: &[&Action], day: i32, part: &str, finished: bool) -> f64 {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::PreBuild { parts, extra_days, from, to, .. } if finished => Some((parts, extra_days, from, to)),
            Action::SafetyStock { parts, extra_days, from, to, .. } if !finished => Some((parts, extra_days, from, to)),
            _ => None,
        })
        .filter(|(parts, _, from, to)| {
            day >= from.0 && day <= to.0 && (parts.is_empty() || parts.iter().any(|p| p == part))
        })
        .map(|(_, days, _, _)| *days)
        .sum()
}

impl SiteLead {
    /// A lead time in days for an order placed on `day`: the log-normal draw, plus the
    /// holiday term when the day lies near one of the site's holidays.
    fn draw(&self, day: i32, rng: &mut Rng, factor: f64) -> i32 {
        let days = (self.median * factor * (self.sigma * rng.normal()).exp()).round().max(1.0);
        let holiday = if crate::learn::near_holiday(&self.holidays, day) { self.holiday_days.round() } else { 0.0 };
        (days + holiday).min(MAX_LEAD_DAYS) as i32
    }
}

/// The longest lead time a draw gives, and the bound of every learned or planned
/// number of days the network holds (transit, holiday effect, partial-delivery gap):
/// a century, past any horizon, so no answer changes, and day arithmetic cannot
/// overflow whatever an export, a model file or a scenario factor says.
const MAX_LEAD_DAYS: f64 = 36_500.0;

fn stream(seed: u64, run: usize, purpose: u64, day: i32, entity: usize) -> Rng {
    let key = (run as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ purpose.wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
        ^ (day as u64).wrapping_mul(0x1656_67b1_9e37_79f9)
        ^ (entity as u64).wrapping_mul(0x27d4_eb2f_1656_67c5);
    Rng::stream(seed, key)
}

impl Network {
    /// Compiles the export and the learned mechanisms into a network.
    pub fn new(export: &Export, leads: &[LeadTime], demand: &[Demand], scrap: &[Scrap]) -> Result<Network, SimError> {
        let part_type: HashMap<&str, &str> =
            export.parts.iter().map(|p| (p.part_id.as_str(), p.part_type.as_str())).collect();
        let finished: Vec<String> = demand.iter().map(|d| d.part_id.clone()).collect();
        if finished.is_empty() {
            return Err(SimError::new("no sales history: demand cannot be learned"));
        }
        let mut children: HashMap<&str, Vec<(&str, f64)>> = HashMap::new();
        for b in &export.bom {
            children.entry(b.parent_part_id.as_str()).or_default().push((b.component_part_id.as_str(), b.qty_per));
        }
        let mut purchased: Vec<String> = Vec::new();
        let mut needs = Vec::new();
        for fg in &finished {
            let mut acc: HashMap<String, f64> = HashMap::new();
            let mut stack: Vec<(&str, f64, usize)> = vec![(fg.as_str(), 1.0, 0)];
            while let Some((part, qty, depth)) = stack.pop() {
                if depth > 20 {
                    return Err(SimError::new(format!(
                        "the bill of materials of {fg:?} is circular or deeper than 20 levels"
                    )));
                }
                match children.get(part) {
                    Some(kids) if part_type.get(part).is_none_or(|t| !matches!(*t, "purchased" | "raw")) => {
                        for &(c, q) in kids {
                            stack.push((c, qty * q, depth + 1));
                        }
                    }
                    _ if part != fg => *acc.entry(part.to_string()).or_default() += qty,
                    _ => {}
                }
            }
            let mut list: Vec<(usize, f64)> = Vec::new();
            let mut keys: Vec<_> = acc.into_iter().collect();
            keys.sort_by(|a, b| a.0.cmp(&b.0));
            for (p, q) in keys {
                let i = match purchased.iter().position(|x| *x == p) {
                    Some(i) => i,
                    None => {
                        purchased.push(p);
                        purchased.len() - 1
                    }
                };
                list.push((i, q));
            }
            needs.push(list);
        }
        // Sites with learned lead times and their lanes.
        let country: HashMap<&str, &str> =
            export.sites.iter().map(|s| (s.site_id.as_str(), s.country.as_str())).collect();
        let lane_of: HashMap<&str, &crate::data::Lane> = export.lanes.iter().map(|l| (l.lane_id.as_str(), l)).collect();
        let mut sites: Vec<SiteLead> = Vec::new();
        let mut sources = vec![Vec::new(); purchased.len()];
        for s in &export.sourcing {
            let Some(pi) = purchased.iter().position(|p| *p == s.part_id) else { continue };
            let lane = s.lane_id.as_deref().and_then(|l| lane_of.get(l));
            let si = match sites.iter().position(|x| x.id == s.supplier_site_id) {
                Some(i) => i,
                None => {
                    let learned = leads.iter().find(|l| l.supplier_site_id == s.supplier_site_id);
                    sites.push(SiteLead {
                        id: s.supplier_site_id.clone(),
                        country: country.get(s.supplier_site_id.as_str()).unwrap_or(&"").to_string(),
                        transit: lane.map(|l| l.transit_countries.clone()).unwrap_or_default(),
                        // The lane's learned transit (from ship dates), else its planned one.
                        transit_days: learned
                            .filter(|l| l.transit_lines > 0)
                            .map(|l| l.transit_median_days)
                            .unwrap_or_else(|| lane.map_or(0.0, |l| l.planned_transit_days))
                            .clamp(0.0, MAX_LEAD_DAYS),
                        lane: lane.map(|l| l.lane_id.clone()),
                        ports: lane.map(|l| l.via_port_ids.clone()).unwrap_or_default(),
                        median: learned.map_or(s.planned_lead_time_days, |l| l.median_days),
                        sigma: learned.map_or(0.25, |l| l.sigma_log),
                        holiday_days: learned.map_or(0.0, |l| l.holiday_days).clamp(-MAX_LEAD_DAYS, MAX_LEAD_DAYS),
                        load_effect: learned.map_or(0.0, |l| l.load_effect),
                        month_factors: learned.map_or_else(Vec::new, |l| l.month_factors.clone()),
                        partial_share: learned.map_or(0.0, |l| l.partial_share),
                        first_share: learned.map_or(1.0, |l| l.first_share),
                        partial_gap_days: learned.map_or(0.0, |l| l.partial_gap_days).clamp(0.0, MAX_LEAD_DAYS),
                        median_sd_log: learned
                            .filter(|l| l.median_interval.0 > 0.0 && l.median_interval.1 >= l.median_interval.0)
                            .map_or(0.0, |l| (l.median_interval.1 / l.median_interval.0).ln() / 3.92),
                        holidays: {
                            let c = country.get(s.supplier_site_id.as_str()).copied().unwrap_or("");
                            let mut h: Vec<i32> =
                                export.holidays.iter().filter(|h| h.country == c).map(|h| h.date.0).collect();
                            h.sort_unstable();
                            h
                        },
                    });
                    sites.len() - 1
                }
            };
            let price = export.parts.iter().find(|p| p.part_id == s.part_id).and_then(|p| p.std_cost).unwrap_or(0.0);
            sources[pi].push((si, s.quota_share, price));
        }
        if let Some(p) = purchased.iter().zip(&sources).find(|(_, s)| s.is_empty()) {
            return Err(SimError::new(format!("part {:?} has no source: run `kausa supply check`", p.0)));
        }
        // Plants, work centres and each finished part's load on them per plant.
        let mut plants: Vec<String> = Vec::new();
        for p in export.work_centers.iter().map(|w| &w.plant_id).chain(export.routings.iter().map(|r| &r.plant_id)) {
            if !plants.contains(p) {
                plants.push(p.clone());
            }
        }
        let plant_index = |p: &str| plants.iter().position(|x| x == p).expect("collected above");
        let wcs: Vec<(String, usize, f64)> = export
            .work_centers
            .iter()
            .map(|w| {
                (w.work_center_id.clone(), plant_index(&w.plant_id), w.std_shifts_per_day * w.hours_per_shift * 60.0)
            })
            .collect();
        let wc_index = |id: &str, plant: usize| wcs.iter().position(|w| w.0 == id && w.1 == plant);
        let mut calendar = HashMap::new();
        for d in &export.shift_calendar {
            let Some(w) = plants.iter().position(|p| *p == d.plant_id).and_then(|p| wc_index(&d.work_center_id, p))
            else {
                return Err(SimError::new(format!(
                    "{}:{}: work centre {:?} of {:?} is not in work_centers.csv",
                    d.pos.file, d.pos.line, d.work_center_id, d.plant_id
                )));
            };
            *calendar.entry((w, d.date.0)).or_insert(0.0) += (d.hours_planned + d.overtime_hours) * 60.0;
        }
        let mut home = Vec::new();
        let mut loads = Vec::new();
        for fg in &finished {
            let first = export.routings.iter().find(|r| r.part_id == *fg);
            home.push(first.map_or(0, |r| plant_index(&r.plant_id)));
            let mut per_plant = Vec::new();
            for (pi, plant) in plants.iter().enumerate() {
                if !export.routings.iter().any(|r| r.part_id == *fg && r.plant_id == *plant) {
                    continue;
                }
                let mut load: Vec<(usize, f64)> = Vec::new();
                let mut stack: Vec<(&str, f64)> = vec![(fg.as_str(), 1.0)];
                while let Some((part, qty)) = stack.pop() {
                    // A part is made at this plant when it has a routing here, else at the
                    // plant of its first routing (semi-finished parts made for both plants).
                    let at = if export.routings.iter().any(|r| r.part_id == part && r.plant_id == *plant) {
                        pi
                    } else {
                        match export.routings.iter().find(|r| r.part_id == part) {
                            Some(r) => plant_index(&r.plant_id),
                            None => pi,
                        }
                    };
                    for r in export.routings.iter().filter(|r| r.part_id == part && r.plant_id == plants[at]) {
                        let Some(w) = wc_index(&r.work_center_id, at) else {
                            return Err(SimError::new(format!(
                                "{}:{}: work centre {:?} of {part:?} is not in work_centers.csv for {:?}",
                                r.pos.file, r.pos.line, r.work_center_id, plants[at]
                            )));
                        };
                        match load.iter_mut().find(|l| l.0 == w) {
                            Some(l) => l.1 += qty * r.run_min_per_unit,
                            None => load.push((w, qty * r.run_min_per_unit)),
                        }
                    }
                    if part == fg || part_type.get(part).is_none_or(|t| !matches!(*t, "purchased" | "raw")) {
                        for &(c, q) in children.get(part).into_iter().flatten() {
                            stack.push((c, qty * q));
                        }
                    }
                }
                load.sort_by_key(|l| l.0);
                per_plant.push((pi, load));
            }
            loads.push(per_plant);
        }
        let last = export.stocks.iter().map(|s| s.date).max();
        let stock_of = |part: &str| {
            export.stocks.iter().filter(|s| Some(s.date) == last && s.part_id == part).map(|s| s.on_hand).sum::<f64>()
        };
        let price = finished
            .iter()
            .map(|fg| {
                export.parts.iter().find(|p| p.part_id == *fg).and_then(|p| p.list_price.or(p.std_cost)).unwrap_or(0.0)
            })
            .collect();
        let cost = finished
            .iter()
            .map(|fg| export.parts.iter().find(|p| p.part_id == *fg).and_then(|p| p.std_cost).unwrap_or(0.0))
            .collect();
        let received: std::collections::HashSet<(&str, &str)> =
            export.receipts.iter().map(|r| (r.po_id.as_str(), r.po_line.as_str())).collect();
        let mut open_pos = Vec::new();
        for po in &export.purchase_orders {
            if received.contains(&(po.po_id.as_str(), po.po_line.as_str())) {
                continue;
            }
            let (Some(p), Some(s)) = (
                purchased.iter().position(|x| *x == po.part_id),
                sites.iter().position(|x| x.id == po.supplier_site_id),
            ) else {
                continue;
            };
            open_pos.push((p, s, po.order_date.0, po.qty));
        }
        let delivered: std::collections::HashSet<(&str, &str)> =
            export.deliveries.iter().map(|d| (d.so_id.as_str(), d.so_line.as_str())).collect();
        let mut customers: Vec<String> = export.sales_orders.iter().map(|so| so.customer_id.clone()).collect();
        customers.sort();
        customers.dedup();
        let customer = |id: &str| customers.binary_search_by(|c| c.as_str().cmp(id)).unwrap_or(usize::MAX);
        let open_sos = export
            .sales_orders
            .iter()
            .filter(|so| !delivered.contains(&(so.so_id.as_str(), so.so_line.as_str())))
            .filter_map(|so| {
                finished
                    .iter()
                    .position(|f| *f == so.part_id)
                    .map(|f| (f, so.promised_date.0, so.qty, customer(&so.customer_id)))
            })
            .collect();
        let customer_mix = finished
            .iter()
            .map(|fg| {
                let mut units: Vec<f64> = vec![0.0; customers.len()];
                for so in export.sales_orders.iter().filter(|so| so.part_id == *fg) {
                    units[customer(&so.customer_id)] += so.qty;
                }
                let total: f64 = units.iter().sum();
                let mut acc = 0.0;
                units
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| **u > 0.0)
                    .map(|(c, u)| {
                        acc += u / total;
                        (c, acc)
                    })
                    .collect()
            })
            .collect();
        // Regular shifts: the pooled rate of every shift type but Saturday; extra shifts: Saturday's, if learned.
        let (mut scrapped, mut made) = (0.0, 0.0);
        for x in scrap.iter().filter(|x| x.shift_type != "sat") {
            scrapped += x.rate * x.units;
            made += x.units;
        }
        let scrap_regular = if made > 0.0 { scrapped / made } else { 0.0 };
        let scrap_extra = scrap.iter().find(|x| x.shift_type == "sat").map_or(scrap_regular, |x| x.rate);
        let mut countries: Vec<String> = export
            .sites
            .iter()
            .map(|s| s.country.clone())
            .chain(export.suppliers.iter().map(|s| s.country.clone()))
            .chain(export.lanes.iter().flat_map(|l| l.transit_countries.iter().cloned()))
            .filter(|c| !c.is_empty())
            .collect();
        countries.sort();
        countries.dedup();
        Ok(Network {
            countries,
            scrap_regular,
            scrap_extra,
            open_pos,
            open_sos,
            customers,
            customer_mix,
            snapshot: export.export_date.map(|d| d.0),
            price,
            cost,
            demand: demand.iter().map(|d| (d.mean_per_week / 5.0, d.sd_per_week / 5f64.sqrt())).collect(),
            demand_mean_sd: demand
                .iter()
                .map(|d| (d.mean_interval.1 - d.mean_interval.0).max(0.0) / 3.92 / 5.0)
                .collect(),
            needs,
            plants,
            wcs,
            calendar,
            home,
            loads,
            initial: purchased.iter().map(|p| stock_of(p)).collect(),
            initial_finished: finished.iter().map(|p| stock_of(p)).collect(),
            purchased,
            sources,
            sites,
            finished,
            energy: None,
            productivity_extra: None,
            supplier_load: crate::learn::loads(export),
            demand_shape: demand.to_vec(),
            lane_ids: export.lanes.iter().map(|l| l.lane_id.clone()).collect(),
            port_ids: {
                let mut p: Vec<String> = export
                    .sites
                    .iter()
                    .filter(|s| s.site_type == "port")
                    .map(|s| s.site_id.clone())
                    .chain(export.lanes.iter().flat_map(|l| l.via_port_ids.iter().cloned()))
                    .collect();
                p.sort();
                p.dedup();
                p
            },
        })
    }

    /// Adds the learned productivity of Saturday shifts, which extra shifts with
    /// `productivity = "learned"` use.
    pub fn with_productivity(mut self, productivity: &[crate::learn::Productivity]) -> Network {
        self.productivity_extra = productivity.iter().find(|p| p.shift_type == "sat").map(|p| p.relative);
        self
    }

    /// Adds the learned energy mechanisms (from `energy_*.csv`): the cost of the plants'
    /// electricity under price shocks, the energy of extra shifts, and supplier price
    /// pass-through. Without them, electricity price shocks are refused.
    pub fn with_energy(mut self, export: &Export, energy: &crate::energy::Energy) -> Network {
        if energy.is_empty() {
            return self;
        }
        let markets: Vec<String> = energy.markets.iter().map(|m| m.market.clone()).collect();
        let market_index = |name: &str| markets.iter().position(|m| m == name);
        let market_of =
            |site: &str| export.sites.iter().find(|s| s.site_id == site).and_then(|s| market_index(&s.market()));
        let use_per_wc = self
            .wcs
            .iter()
            .map(|(id, plant, _)| {
                energy
                    .use_by_work_center
                    .iter()
                    .find(|u| u.plant_id == self.plants[*plant] && u.work_center_id.as_deref() == Some(id.as_str()))
                    .map_or((0.0, 0.0), |u| (u.base_kwh_per_day, u.kwh_per_hour))
            })
            .collect();
        let elasticity = energy
            .pass_through
            .iter()
            .filter_map(|t| {
                let p = self.purchased.iter().position(|x| *x == t.part_id)?;
                Some(((p, self.site(&t.supplier_site_id)?), t.elasticity))
            })
            .collect();
        self.energy = Some(EnergyNet {
            baseline: energy.markets.iter().map(|m| m.baseline_eur_per_mwh).collect(),
            use_per_wc,
            plant_market: self.plants.iter().map(|p| market_of(p)).collect(),
            hedged: self
                .plants
                .iter()
                .map(|p| energy.hedges.iter().find(|h| h.plant_id == *p).map_or(0.0, |h| h.hedged_share))
                .collect(),
            site_market: self.sites.iter().map(|s| market_of(&s.id)).collect(),
            elasticity,
            lag: energy.lag_days,
            markets,
        });
        self
    }

    /// The finished parts.
    pub fn finished(&self) -> &[String] {
        &self.finished
    }

    fn plant(&self, id: &str) -> Result<usize, String> {
        self.plants
            .iter()
            .position(|p| p == id)
            .ok_or_else(|| format!("unknown plant {id:?} (plants: {})", self.plants.join(", ")))
    }

    /// The index of a supplier site, as [`Network::program`] takes it.
    pub fn site(&self, id: &str) -> Option<usize> {
        self.sites.iter().position(|s| s.id == id)
    }

    /// What cause `i` of [`Kpis::late_by_cause`] is, in words, with the events that hit it.
    pub fn cause_name(&self, i: usize, events: &[Event]) -> String {
        let (nw, np) = (self.wcs.len(), self.purchased.len());
        if i < nw {
            let (wc, plant, _) = &self.wcs[i];
            return format!("capacity of work centre {wc} ({})", self.plants[*plant]);
        }
        if i >= nw + np {
            return "no shortage recorded (late from the start)".into();
        }
        let p = i - nw;
        let sites: Vec<String> = self.sources[p]
            .iter()
            .map(|&(s, _, _)| {
                let site = &self.sites[s];
                let hit: Vec<&str> = events
                    .iter()
                    .filter(|e| {
                        e.hits(&site.id, &site.country, &site.transit) || e.closes(site.lane.as_deref(), &site.ports)
                    })
                    .map(|e| e.id.as_str())
                    .collect();
                let lane = match &site.lane {
                    Some(l) => format!(" via {l}"),
                    None => String::new(),
                };
                if hit.is_empty() {
                    format!("{}{lane}", site.id)
                } else {
                    format!("{}{lane} (hit by {})", site.id, hit.join(", "))
                }
            })
            .collect();
        format!("part {} from {}", self.purchased[p], sites.join(" and "))
    }

    /// Checks the scenario against the network: unknown countries, sites, parts, action ids.
    pub fn validate(&self, sc: &Scenario) -> Result<(), SimError> {
        for (i, e) in sc.events.iter().enumerate() {
            self.check_event(e)
                .map_err(|m| SimError::at(sc.line_of("event", &e.id), format!("event {:?}: {m}", e.id)))?;
            if let Some(t) = &e.trigger
                && !sc.events[..i].iter().any(|x| x.id == *t)
            {
                return Err(SimError::at(
                    sc.line_of("event", &e.id),
                    format!("event {:?}: its trigger {t:?} is not an event defined before it", e.id),
                ));
            }
        }
        for a in &sc.actions {
            self.check_action(a)
                .map_err(|m| SimError::at(sc.line_of("action", a.id()), format!("action {:?}: {m}", a.id())))?;
        }
        let ids: Vec<&str> = sc.actions.iter().map(|a| a.id()).collect();
        for (name, acts) in &sc.variants {
            if let Some(a) = acts.iter().find(|a| !ids.contains(&a.as_str())) {
                return Err(SimError::at(
                    sc.line_of("variant", name),
                    format!("variant {name:?} names the unknown action {a:?}"),
                ));
            }
        }
        if !sc.variants.iter().any(|v| v.0 == sc.compare_to) {
            return Err(SimError::new(format!("compare_to {:?} is not a variant", sc.compare_to)));
        }
        Ok(())
    }

    /// What in the scenario hits nothing in this network: events scoped to countries
    /// where no site is and no lane passes (a valid question — "does a strike there
    /// touch us?" — whose answer is no, said so the user can catch a wrong code).
    pub fn warnings(&self, sc: &Scenario) -> Vec<String> {
        let mut out = Vec::new();
        for e in &sc.events {
            for c in e.countries().iter().filter(|c| !self.countries.contains(c)) {
                out.push(format!(
                    "event {:?}: no site of the network is in {c:?} and no lane passes it, so it hits nothing (the network's countries: {})",
                    e.id,
                    self.countries.join(", ")
                ));
            }
        }
        out
    }

    fn check_event(&self, e: &Event) -> Result<(), String> {
        if e.duration_days < 0 {
            return Err("duration_days must not be negative".into());
        }
        if e.duration.is_some_and(|d| !d.valid()) {
            return Err("duration_days: min must not be negative, nor above mode and max".into());
        }
        if !(0.0..=1.0).contains(&e.probability) {
            return Err("probability must lie in [0, 1]".into());
        }
        if let Some(s) = e.sites().iter().find(|s| self.site(s).is_none()) {
            return Err(format!("unknown supplier site {s:?}"));
        }
        if let Some(c) = e.countries().iter().find(|c| !crate::data::is_country_code(c)) {
            return Err(format!(
                "{c:?} is not an ISO 3166 country code (the network's countries: {})",
                self.countries.join(", ")
            ));
        }
        match &e.effect {
            Effect::Outage { countries, sites, lanes, ports, ramp_days }
                if (countries.is_empty() && sites.is_empty() && lanes.is_empty() && ports.is_empty())
                    || *ramp_days < 0 =>
            {
                Err("give countries, sites, lanes or ports, and a non-negative ramp_days".into())
            }
            Effect::Outage { lanes, ports, .. }
                if lanes.iter().any(|l| !self.lane_ids.contains(l))
                    || ports.iter().any(|p| !self.port_ids.contains(p)) =>
            {
                match lanes.iter().find(|l| !self.lane_ids.contains(l)) {
                    Some(l) => Err(format!("unknown lane {l:?}")),
                    None => Err(format!(
                        "unknown port {:?} (ports are sites of type port, or via_port_ids of lanes.csv)",
                        ports.iter().find(|p| !self.port_ids.contains(p)).expect("found")
                    )),
                }
            }
            Effect::PriceShock { factor, .. } if !(factor.is_finite() && *factor >= 0.0) => {
                Err("price_factor must be a non-negative number".into())
            }
            Effect::PriceShock { parts, .. } if parts.iter().any(|p| !self.purchased.contains(p)) => {
                let p = parts.iter().find(|p| !self.purchased.contains(p)).expect("found");
                Err(format!("{p:?} is not a purchased part of a finished good"))
            }
            Effect::TransitDelay { countries, days } if countries.is_empty() || *days < 0 => {
                Err("give countries, and non-negative transit_days_add".into())
            }
            Effect::Demand { factor, .. } if !(factor.is_finite() && *factor >= 0.0) => {
                Err("demand_factor must be a non-negative number".into())
            }
            Effect::Demand { parts, .. } => match parts.iter().find(|p| !self.finished.contains(p)) {
                Some(p) => Err(format!("{p:?} is not a finished part with sales history")),
                None => Ok(()),
            },
            Effect::PlantOutage { plants } => plants.iter().try_for_each(|p| self.plant(p).map(|_| ())),
            Effect::EnergyPrice { markets, factor, hedged_share, .. } => {
                let Some(energy) = &self.energy else {
                    return Err("the export has no energy prices and use (energy_prices.csv, energy_use.csv): \
                         an electricity price shock cannot be costed"
                        .into());
                };
                if !(factor.is_finite() && *factor >= 0.0) {
                    return Err("price_factor must be a non-negative number".into());
                }
                if hedged_share.is_some_and(|h| !(0.0..=1.0).contains(&h)) {
                    return Err("hedged_share must lie in [0, 1]".into());
                }
                match markets.iter().find(|m| !energy.markets.contains(m)) {
                    Some(m) => Err(format!(
                        "unknown electricity market {m:?} (energy_prices.csv prices: {})",
                        energy.markets.join(", ")
                    )),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    fn check_action(&self, a: &Action) -> Result<(), String> {
        match a {
            Action::SwitchSupplier { part, from, to, share, .. } => {
                let pi = self
                    .purchased
                    .iter()
                    .position(|p| p == part)
                    .ok_or_else(|| format!("{part:?} is not a purchased part of a finished good"))?;
                let f = self.site(from).ok_or_else(|| format!("unknown supplier site {from:?}"))?;
                self.site(to).ok_or_else(|| {
                    format!("unknown supplier site {to:?} (it needs lead-time history or a sourcing row)")
                })?;
                if !self.sources[pi].iter().any(|s| s.0 == f) {
                    return Err(format!("{from:?} does not supply {part:?}"));
                }
                if !(0.0..=1.0).contains(share) {
                    return Err("share must lie in [0, 1]".into());
                }
                Ok(())
            }
            Action::Expedite { sites, transit_factor, .. } => {
                if let Some(x) = sites.iter().find(|x| self.site(x).is_none()) {
                    return Err(format!("unknown supplier site {x:?}"));
                }
                if !(0.0..=1.0).contains(transit_factor) {
                    return Err("transit_factor must lie in [0, 1]".into());
                }
                Ok(())
            }
            Action::AddShift { plant, work_centers, hours, productivity, .. } => {
                let productivity = match productivity {
                    Some(p) => *p,
                    None => self.productivity_extra.ok_or(
                        "productivity = \"learned\", but no Saturday production order has timestamps \
                         (actual_start, actual_end) to learn it from: give a number",
                    )?,
                };
                if !(hours.is_finite() && *hours >= 0.0 && productivity.is_finite() && productivity >= 0.0) {
                    return Err("hours and productivity must be non-negative numbers".into());
                }
                let plant = match plant {
                    Some(p) => Some(self.plant(p)?),
                    None => None,
                };
                for wc in work_centers {
                    if !self.wcs.iter().any(|w| w.0 == *wc && plant.is_none_or(|p| p == w.1)) {
                        return Err(format!(
                            "unknown work centre {wc:?}{}",
                            match plant {
                                Some(p) => format!(" at {}", self.plants[p]),
                                None => String::new(),
                            }
                        ));
                    }
                }
                Ok(())
            }
            Action::HedgeEnergy { plants, share, premium_eur_per_mwh, .. } => {
                if self.energy.is_none() {
                    return Err("the export has no energy prices and use (energy_prices.csv, energy_use.csv): \
                         a hedge cannot be costed"
                        .into());
                }
                if !((0.0..=1.0).contains(share) && premium_eur_per_mwh.is_finite() && *premium_eur_per_mwh >= 0.0) {
                    return Err("share must lie in [0, 1] and premium_eur_per_mwh be a non-negative number".into());
                }
                plants.iter().try_for_each(|p| self.plant(p).map(|_| ()))
            }
            Action::Allocate { customers, .. } => {
                match customers.iter().find(|c| self.customers.binary_search(c).is_err()) {
                    Some(c) => Err(format!("{c:?} is not a customer in the sales history")),
                    None if customers.is_empty() => Err("name the customers to serve first".into()),
                    None => Ok(()),
                }
            }
            Action::PreBuild { parts, extra_days, .. } | Action::SafetyStock { parts, extra_days, .. } => {
                if !(extra_days.is_finite() && *extra_days >= 0.0) {
                    return Err("extra_days must be a non-negative number".into());
                }
                let (known, what) = match a {
                    Action::PreBuild { .. } => (&self.finished, "a finished part with sales history"),
                    _ => (&self.purchased, "a purchased part of a finished good"),
                };
                match parts.iter().find(|p| !known.contains(p)) {
                    Some(p) => Err(format!("{p:?} is not {what}")),
                    None => Ok(()),
                }
            }
            Action::MoveCapacity { parts, from, to, share, transfer_days, one_off_cost, cost_per_unit, .. } => {
                let (f, t) = (self.plant(from)?, self.plant(to)?);
                if f == t {
                    return Err("from and to are the same plant".into());
                }
                if !(0.0..=1.0).contains(share) || *transfer_days < 0 || *one_off_cost < 0.0 || *cost_per_unit < 0.0 {
                    return Err("share must lie in [0, 1]; transfer_days and costs must not be negative".into());
                }
                let movable = |j: usize| self.home[j] == f && self.loads[j].iter().any(|l| l.0 == t);
                for part in parts {
                    let j = self
                        .finished
                        .iter()
                        .position(|x| x == part)
                        .ok_or_else(|| format!("{part:?} is not a finished part with sales history"))?;
                    if self.home[j] != f {
                        return Err(format!("{part:?} is not made at {from:?}"));
                    }
                    if !movable(j) {
                        return Err(format!(
                            "{part:?} has no routing at {to:?}: moving it would leave its demand unmakeable"
                        ));
                    }
                }
                if parts.is_empty() && !(0..self.finished.len()).any(movable) {
                    return Err(format!("no finished part made at {from:?} has a routing at {to:?}"));
                }
                Ok(())
            }
        }
    }

    /// Days an arrival is held by the events: a site in an affected country ships
    /// nothing during an outage (and at a reduced rate during its ramp); a lane
    /// touching an affected country holds goods in transit.
    fn delay(&self, events: &[Event], site: usize, ship: i32, arrival: i32) -> i32 {
        let s = &self.sites[site];
        let mut delay = 0;
        for e in events {
            let (from, to) = (e.start.0, e.start.0 + e.duration_days);
            match &e.effect {
                Effect::Outage { countries, sites, ramp_days, .. } => {
                    let at_site = countries.contains(&s.country) || sites.contains(&s.id);
                    let on_lane = countries.iter().any(|c| s.transit.contains(c));
                    let closed = e.closes(s.lane.as_deref(), &s.ports);
                    if at_site && ship + delay >= from && ship + delay < to {
                        // Shipping waits for the end, then half the ramp on average.
                        delay += to - (ship + delay) + ramp_days / 2;
                    } else if closed {
                        // A closed lane or port: goods on the road when it closes, or
                        // shipped while it is closed, wait for it to open, then go on.
                        let (a, b) = (ship + delay, arrival + delay);
                        if b.min(to) > a.max(from) {
                            delay += to - a.max(from);
                        }
                    } else if on_lane && !at_site {
                        // Crossing a country where the event is: slowed by the days of the
                        // transit that fall into it.
                        let (a, b) = (ship + delay, arrival + delay);
                        let overlap = b.min(to) - a.max(from);
                        if overlap > 0 {
                            delay += overlap;
                        }
                    }
                }
                Effect::TransitDelay { countries, days } => {
                    let touches = countries.contains(&s.country) || countries.iter().any(|c| s.transit.contains(c));
                    if touches && ship + delay >= from && ship + delay < to {
                        delay += days;
                    }
                }
                Effect::Demand { .. }
                | Effect::PlantOutage { .. }
                | Effect::PriceShock { .. }
                | Effect::EnergyPrice { .. } => {}
            }
        }
        delay
    }

    /// One run of one variant.
    fn run(&self, sc: &Scenario, events: &[Event], actions: &[&Action], run: usize) -> Kpis {
        self.run_logged(sc, events, actions, run, None)
    }

    /// [`Network::run`], noting each late line in `log` when given.
    fn run_logged(
        &self,
        sc: &Scenario,
        events: &[Event],
        actions: &[&Action],
        run: usize,
        mut log: Option<&mut Vec<LateLine>>,
    ) -> Kpis {
        // Which uncertain events happen in this run: one draw per (run, event), shared by the variants.
        // A chained event happens only when its trigger (earlier in the list) did.
        let mut happened: Vec<Event> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            let drawn = e.probability >= 1.0 || stream(sc.seed, run, 4, 0, i).uniform() < e.probability;
            let triggered = e.trigger.as_ref().is_none_or(|t| happened.iter().any(|h| h.id == *t));
            if drawn && triggered {
                let mut e = e.clone();
                if let Some(d) = e.duration {
                    e.duration_days = d.days(stream(sc.seed, run, 8, 0, i).uniform());
                }
                happened.push(e);
            }
        }
        let events = &happened[..];
        // Parameter uncertainty: each run draws each site's median lead time and each
        // finished part's mean demand from their learned uncertainty, the same draws in
        // every variant; what the planners order by stays the learned estimate.
        let spread = if sc.parameter_uncertainty { 1.0 } else { 0.0 };
        let lead_factor: Vec<f64> = (0..self.sites.len())
            .map(|s| (spread * self.sites[s].median_sd_log * stream(sc.seed, run, 5, 0, s).normal()).exp())
            .collect();
        let demand_mean: Vec<f64> = (0..self.finished.len())
            .map(|f| {
                let z = stream(sc.seed, run, 6, 0, f).normal();
                (self.demand[f].0 + spread * self.demand_mean_sd[f] * z).max(0.0)
            })
            .collect();
        let nf = self.finished.len();
        let np = self.purchased.len();
        let (start, end) = (sc.start.0, sc.start.0 + sc.horizon_days);
        // Each finished part's season-and-trend factor on each day of the horizon.
        let horizon = sc.horizon_days.max(0) as usize;
        let months: Vec<usize> = (start..end).map(|day| Date(day).ymd().1 as usize - 1).collect();
        let seasons: Vec<f64> = self.demand_shape.iter().flat_map(|d| d.factors(start, &months)).collect();
        let season_of = |f: usize, day: i32| seasons[f * horizon + (day - start) as usize];
        let mut stock = self.initial.clone();
        let mut fg_stock = self.initial_finished.clone();
        // Open purchase orders: (arrival day, part, qty).
        let mut pipeline: Vec<(i32, usize, f64)> = Vec::new();
        // Per supplier site: the orders this run placed (day, quantity), for its load, and
        // the history's (for the start of the run).
        let mut placed: Vec<Vec<(i32, f64)>> = vec![Vec::new(); self.sites.len()];
        let history: Vec<Option<crate::learn::SiteLoad<'_>>> =
            self.sites.iter().map(|s| self.supplier_load.of(&s.id)).collect();
        // Electricity is costed only when a shock, a hedge or an extra shift can change it.
        let energy = self.energy.as_ref().filter(|_| {
            events.iter().any(|e| matches!(e.effect, Effect::EnergyPrice { .. }))
                || actions.iter().any(|a| matches!(a, Action::AddShift { .. } | Action::HedgeEnergy { .. }))
        });
        // Open sales lines per finished part: (promised day, qty left, qty ordered, value per unit, on time so far).
        let mut open: Vec<std::collections::VecDeque<OpenLine>> = vec![Default::default(); nf];
        let mut order: Vec<usize> = Vec::new();
        let mut shipped: Vec<usize> = Vec::new();
        let nw = self.wcs.len();
        let unknown = nw + np;
        let mut k = Kpis { late_by_cause: vec![0.0; nw + np + 1], ..Kpis::default() };
        // What last held each finished part back (work centre w, part nw + p); unknown until it is short.
        let mut binding = vec![unknown; nf];
        let (mut avail, mut need) = (vec![0.0; nw], vec![0.0; nw]);
        let (mut staffed, mut extra_hours) = (vec![0.0; nw], vec![0.0; nw]);
        // Today's production lines: (finished part, index into its loads, share, made at a moved-to plant).
        let mut makes: Vec<(usize, usize, f64, bool)> = Vec::new();
        // One-off costs of moves inside the horizon.
        for a in actions {
            if let Action::MoveCapacity { effective, one_off_cost, .. } = a
                && effective.0 < end
            {
                k.extra_cost += one_off_cost;
            }
        }
        let (mut ordered_units, mut on_time_units) = (0.0, 0.0);
        let (mut lines, mut lines_on_time) = (0.0, 0.0);
        // Per day of the horizon: units of the lines due that day, and of those shipped complete by then.
        let days = sc.horizon_days as usize;
        let (mut due, mut due_on_time) = (vec![0.0; days], vec![0.0; days]);
        let due_index = |promised: i32| (promised - start).clamp(0, sc.horizon_days - 1) as usize;
        let note_line = |k: &mut Kpis, late_days: Option<i32>, qty: f64, value: f64| {
            if late_days.is_none_or(|d| d > 0) {
                k.late_orders += 1.0;
                k.late_order_value += qty * value;
            }
            if late_days.is_none_or(|d| d > sc.risk_days) {
                k.revenue_at_risk += qty * value;
            }
        };
        let daily_use: Vec<f64> = (0..np)
            .map(|p| {
                (0..nf)
                    .map(|f| {
                        self.demand[f].0
                            * self.demand_shape[f].factor(sc.start.0)
                            * self.needs[f].iter().filter(|n| n.0 == p).map(|n| n.1).sum::<f64>()
                    })
                    .sum()
            })
            .collect();
        // The snapshot's open purchase orders: each arrives after a lead time drawn from its
        // site's distribution, not before the day after the snapshot; the open sales lines are
        // the starting backlog.
        let first_day = self.snapshot.map_or(start, |d| d + 1);
        for (i, &(p, s, ordered, qty)) in self.open_pos.iter().enumerate() {
            let site = &self.sites[s];
            let mut rng = stream(sc.seed, run, 3, 0, i);
            let days = site.draw(ordered, &mut rng, lead_factor[s]);
            let arrive = (ordered + days).max(first_day);
            let ship = arrive - site.transit_days as i32;
            pipeline.push((arrive + self.delay(events, s, ship, arrive), p, qty));
        }
        // Lines count towards the service KPIs when they fall due inside the horizon.
        for &(f, promised, qty, customer) in &self.open_sos {
            open[f].push_back((promised, qty, qty, unknown, customer));
            if promised < end {
                ordered_units += qty;
                lines += 1.0;
                due[due_index(promised)] += qty;
            }
        }
        for day in start..end {
            let date = Date(day);
            let workday = date.weekday() < 5;
            // Arrivals.
            pipeline.retain(|&(arrive, p, q)| {
                if arrive <= day {
                    stock[p] += q;
                    false
                } else {
                    true
                }
            });
            // Demand on workdays.
            if workday {
                for f in 0..nf {
                    let mut rng = stream(sc.seed, run, 1, day, f);
                    let season = season_of(f, day);
                    let (m, sd) = (demand_mean[f] * season, self.demand[f].1 * season);
                    let factor: f64 = events
                        .iter()
                        .filter(|e| e.active(day))
                        .filter_map(|e| match &e.effect {
                            Effect::Demand { parts, factor }
                                if parts.is_empty() || parts.contains(&self.finished[f]) =>
                            {
                                Some(*factor)
                            }
                            _ => None,
                        })
                        .product();
                    let q = (factor * (m + sd * rng.normal())).round().max(0.0);
                    if q > 0.0 {
                        // The line's customer, drawn by the part's customer shares in the history.
                        let u = rng.uniform();
                        let mix = &self.customer_mix[f];
                        let at = mix.partition_point(|c| c.1 <= u).min(mix.len().saturating_sub(1));
                        let customer = mix.get(at).map_or(usize::MAX, |c| c.0);
                        open[f].push_back((day + sc.quoted_days, q, q, unknown, customer));
                        if day + sc.quoted_days < end {
                            ordered_units += q;
                            lines += 1.0;
                            due[due_index(day + sc.quoted_days)] += q;
                        }
                    }
                }
            }
            // Capacity: each work centre's regular minutes unless its plant stands still,
            // plus extra shifts.
            let down = |plant: usize| {
                events.iter().any(|e| {
                    e.active(day)
                        && matches!(&e.effect, Effect::PlantOutage { plants }
                            if plants.is_empty() || plants.contains(&self.plants[plant]))
                })
            };
            let mut regular = 0.0;
            for (w, (_, plant, minutes)) in self.wcs.iter().enumerate() {
                let planned = match self.calendar.get(&(w, day)) {
                    Some(&m) => m,
                    None if workday => *minutes,
                    None => 0.0,
                };
                avail[w] = if down(*plant) { 0.0 } else { planned };
                regular += avail[w];
                staffed[w] = avail[w] / 60.0;
                extra_hours[w] = 0.0;
            }
            let mut minutes = regular;
            for a in actions {
                if let Action::AddShift {
                    weekdays,
                    hours,
                    productivity,
                    from,
                    to,
                    cost_per_hour,
                    plant,
                    work_centers,
                    ..
                } = a
                    && weekdays.contains(&date.weekday())
                    && day >= from.0
                    && day <= to.0
                {
                    // Checked before the run: a learned productivity exists when none is given.
                    let productivity = productivity.or(self.productivity_extra).unwrap_or(1.0);
                    for (w, (id, p, _)) in self.wcs.iter().enumerate() {
                        let in_scope = plant.as_ref().is_none_or(|x| *x == self.plants[*p])
                            && (work_centers.is_empty() || work_centers.contains(id));
                        if in_scope && !down(*p) {
                            avail[w] += hours * 60.0 * productivity;
                            minutes += hours * 60.0 * productivity;
                            k.extra_cost += hours * cost_per_hour;
                            extra_hours[w] += hours;
                        }
                    }
                }
            }
            // Electricity: a shock makes the unhedged share of each work centre's use dearer;
            // extra shifts use electricity at the market price.
            if let Some(en) = energy {
                for (w, (_, plant, _)) in self.wcs.iter().enumerate() {
                    let Some(m) = en.plant_market[*plant] else { continue };
                    let (base, rate) = en.use_per_wc[w];
                    let f = en.factor(events, m, day, false);
                    let price = en.baseline[m] / 1000.0;
                    let contracted = en.hedged(events, *plant, m, day);
                    // Hedges bought in the scenario: their share pays the premium instead of the shock.
                    let mut bought = 0.0;
                    for a in actions {
                        if let Action::HedgeEnergy { plants, share, premium_eur_per_mwh, from, to, .. } = a
                            && day >= from.0
                            && day <= to.0
                            && (plants.is_empty() || plants.contains(&self.plants[*plant]))
                        {
                            let added = share.min(1.0 - contracted - bought).max(0.0);
                            bought += added;
                            k.extra_cost += (base + rate * staffed[w]) * added * premium_eur_per_mwh / 1000.0;
                        }
                    }
                    let unhedged = 1.0 - contracted - bought;
                    k.extra_cost += (base + rate * staffed[w]) * unhedged * price * (f - 1.0);
                    k.extra_cost += rate * extra_hours[w] * price * f;
                }
            }
            // Where each finished part is made today: its home plant, less the shares moved.
            makes.clear();
            for f in 0..nf {
                let mut left = 1.0;
                for a in actions {
                    if let Action::MoveCapacity { parts, from, to, share, effective, transfer_days, .. } = a
                        && day >= effective.0
                        && self.plants[self.home[f]] == *from
                        && (parts.is_empty() || parts.contains(&self.finished[f]))
                        && let Some(target) = self.plants.iter().position(|p| p == to)
                        && let Some(li) = self.loads[f].iter().position(|l| l.0 == target)
                    {
                        let moved = share.min(left);
                        left -= moved;
                        if day >= effective.0 + transfer_days {
                            makes.push((f, li, moved, true));
                        }
                    }
                }
                if let Some(li) = self.loads[f].iter().position(|l| l.0 == self.home[f]) {
                    makes.push((f, li, left, false));
                }
            }
            // What each finished part needs: first the open lines its stock does not
            // cover (urgent), then a buffer of five days' demand; capacity goes to the
            // urgent need of every part before any buffer.
            let mut urgent = vec![0.0; nf];
            let mut want = vec![0.0; nf];
            for f in 0..nf {
                let backlog: f64 = open[f].iter().map(|l| l.1).sum();
                urgent[f] = (backlog - fg_stock[f]).max(0.0);
                let ahead = extra_days(actions, day, &self.finished[f], true);
                let daily = self.demand[f].0 * season_of(f, day);
                want[f] = (backlog + (5.0 + ahead) * daily - fg_stock[f]).max(0.0);
            }
            let buffer: Vec<f64> = (0..nf).map(|f| want[f] - urgent[f]).collect();
            // Scrap: the learned share of each shift kind, weighted by the minutes each contributes.
            let scrap = if minutes > 0.0 {
                (regular * self.scrap_regular + (minutes - regular) * self.scrap_extra) / minutes
            } else {
                0.0
            };
            let mut capacity_limit = vec![0.0; nf];
            let mut tightest = vec![(1.0, nw + np); nf];
            let mut moved_units = vec![0.0; nf];
            for (tier, amount) in [&urgent, &buffer].into_iter().enumerate() {
                // Capacity shared in proportion to need, work centre by work centre.
                need.iter_mut().for_each(|x| *x = 0.0);
                for &(f, li, share, _) in makes.iter() {
                    for &(w, m) in &self.loads[f][li].1 {
                        need[w] += amount[f] * share * m;
                    }
                }
                let scale: Vec<f64> = (0..nw)
                    .map(|w| if need[w] > avail[w] && need[w] > 0.0 { avail[w] / need[w] } else { 1.0 })
                    .collect();
                for &(f, li, share, moved) in makes.iter() {
                    let mut fraction: f64 = 1.0;
                    for &(w, _) in &self.loads[f][li].1 {
                        fraction = fraction.min(scale[w]);
                        if tier == 0 && scale[w] < tightest[f].0 {
                            tightest[f] = (scale[w], w);
                        }
                    }
                    let made = amount[f] * share * fraction;
                    capacity_limit[f] += made;
                    if moved {
                        moved_units[f] += made;
                    }
                    for &(w, m) in &self.loads[f][li].1 {
                        avail[w] = (avail[w] - made * m).max(0.0);
                    }
                }
            }
            for f in 0..nf {
                let mut make = capacity_limit[f].floor();
                let mut short_of = None;
                for &(p, q) in &self.needs[f] {
                    let can = (stock[p] / q).floor();
                    if can < make {
                        make = can;
                        short_of = Some(p);
                    }
                }
                // What holds back the urgent need (the buffer's shortfall delays no line);
                // a day without any shift (a weekend) holds nothing back.
                if make < urgent[f].floor() && (workday || minutes > 0.0) {
                    binding[f] = match short_of {
                        Some(p) => nw + p,
                        None if tightest[f].1 < nw => tightest[f].1,
                        // Short with no work centre rationed: the share being moved.
                        None => nw + np,
                    };
                }
                if make > 0.0 {
                    for &(p, q) in &self.needs[f] {
                        stock[p] -= make * q;
                    }
                    let good = (make * (1.0 - scrap)).round();
                    fg_stock[f] += good;
                    k.output_units += good;
                    if moved_units[f] > 0.0 {
                        let at_target = make * moved_units[f] / capacity_limit[f];
                        for a in actions {
                            if let Action::MoveCapacity { cost_per_unit, from, .. } = a
                                && self.plants[self.home[f]] == *from
                            {
                                k.extra_cost += at_target * cost_per_unit;
                            }
                        }
                    }
                }
            }
            // A line that falls due unshipped is explained by what holds its part back now
            // (or last did): a shortage then, not the catch-up after it.
            for f in 0..nf {
                for line in open[f].iter_mut().take_while(|l| l.0 <= day) {
                    if line.3 == unknown {
                        line.3 = binding[f];
                    }
                }
            }
            // Shipping, first in first out; while an allocation is active, the listed
            // customers' lines first, in the order listed.
            let priority: Option<&Vec<String>> = actions.iter().find_map(|a| match a {
                Action::Allocate { customers, from, to, .. } if day >= from.0 && day <= to.0 => Some(customers),
                _ => None,
            });
            let rank = |customer: usize| {
                priority
                    .and_then(|p| p.iter().position(|c| self.customers.get(customer).is_some_and(|x| x == c)))
                    .unwrap_or(usize::MAX)
            };
            for f in 0..nf {
                order.clear();
                order.extend(0..open[f].len());
                if priority.is_some() {
                    order.sort_by_key(|&i| (rank(open[f][i].4), i));
                }
                shipped.clear();
                for &i in &order {
                    if fg_stock[f] <= 0.0 {
                        break;
                    }
                    let line = &mut open[f][i];
                    let ship = line.1.min(fg_stock[f]);
                    fg_stock[f] -= ship;
                    line.1 -= ship;
                    if line.1 > 0.0 {
                        break;
                    }
                    shipped.push(i);
                    let (promised, _, qty, cause, customer) = *line;
                    let late = day - promised;
                    k.margin += qty * (self.price[f] - self.cost[f]);
                    if promised >= end {
                        // Shipped early, due after the horizon: revenue, no service KPI.
                    } else if late <= 0 {
                        on_time_units += qty;
                        lines_on_time += 1.0;
                        due_on_time[due_index(promised)] += qty;
                    } else {
                        k.late_by_cause[cause] += 1.0;
                        if let Some(log) = log.as_deref_mut() {
                            log.push(LateLine {
                                part: f,
                                promised: Date(promised),
                                qty,
                                shipped: Some(Date(day)),
                                cause,
                                customer,
                            });
                        }
                    }
                    if promised < end {
                        note_line(&mut k, Some(late), qty, self.price[f]);
                    }
                }
                if !shipped.is_empty() {
                    let mut i = 0;
                    open[f].retain(|_| {
                        i += 1;
                        !shipped.contains(&(i - 1))
                    });
                }
            }
            let past_due: f64 = open.iter().flat_map(|o| o.iter().take_while(|l| l.0 < day)).map(|l| l.1).sum();
            k.backlog_peak_units = k.backlog_peak_units.max(past_due);
            // Purchasing on Mondays: order up to a base stock, split by quota.
            if date.weekday() == 0 {
                for p in 0..np {
                    let mut sources: Vec<(usize, f64, f64)> = self.sources[p].clone();
                    for a in actions {
                        if let Action::SwitchSupplier { part, from, to, share, effective, unit_price, .. } = a
                            && *part == self.purchased[p]
                            && day >= effective.0
                        {
                            let (f, t) = (self.site(from).expect("validated"), self.site(to).expect("validated"));
                            if let Some(i) = sources.iter().position(|s| s.0 == f) {
                                let moved = sources[i].1 * share;
                                let price = unit_price.unwrap_or(sources[i].2);
                                sources[i].1 -= moved;
                                match sources.iter().position(|s| s.0 == t) {
                                    Some(j) => sources[j].1 += moved,
                                    None => sources.push((t, moved, price)),
                                }
                            }
                        }
                    }
                    let base_price = self.sources[p].iter().map(|s| s.2).fold(0.0, f64::max);
                    let lead: f64 = sources.iter().map(|s| s.1 * self.sites[s.0].median).sum();
                    // Base stock: use per calendar day (workday use × 5/7) over the lead time
                    // plus the week to the next review, with 30% safety.
                    let extra = extra_days(actions, day, &self.purchased[p], false);
                    let target = daily_use[p] * 5.0 / 7.0 * ((lead + 7.0) * 1.3 + extra);
                    let on_order: f64 = pipeline.iter().filter(|o| o.1 == p).map(|o| o.2).sum();
                    let qty = (target - stock[p] - on_order).max(0.0).ceil();
                    if qty <= 0.0 {
                        continue;
                    }
                    for &(s, share, price) in &sources {
                        if share <= 0.0 {
                            continue;
                        }
                        let site = &self.sites[s];
                        let mut rng = stream(sc.seed, run, 2, day, p * 1000 + s);
                        // The site's load: what it was ordered in the window before today,
                        // the history's orders and this run's.
                        let window = day - crate::learn::LOAD_WINDOW;
                        let extra: f64 = placed[s]
                            .iter()
                            .rev()
                            .take_while(|o| o.0 >= window)
                            .filter(|o| o.0 < day)
                            .map(|o| o.1)
                            .sum();
                        let load = (1.0 + site.load_effect * history[s].map_or(0.0, |h| h.excess(day, extra)))
                            * site.month_factors.get(months[(day - start) as usize]).copied().unwrap_or(1.0);
                        let mut days = site.draw(day, &mut rng, lead_factor[s] * load);
                        let ship = day + (days - site.transit_days as i32).max(0);
                        for a in actions {
                            if let Action::Expedite { sites, transit_factor, from, to, cost_per_order, .. } = a
                                && day >= from.0
                                && day <= to.0
                                && sites.contains(&site.id)
                            {
                                let saved = (site.transit_days * (1.0 - transit_factor)).round() as i32;
                                days = (days - saved).max(ship - day + 1);
                                k.extra_cost += cost_per_order;
                            }
                        }
                        let arrive = day + days;
                        let q = (qty * share).ceil();
                        placed[s].push((day, q));
                        let delay = self.delay(events, s, ship, arrive);
                        // A partial delivery: the first share at the lead time, the rest a
                        // learned gap later (the site's learned share of lines; own stream).
                        // (The order's own stream, after its lead-time draw.)
                        if site.partial_share > 0.0 && rng.uniform() < site.partial_share {
                            let first = (q * site.first_share).round().clamp(0.0, q);
                            pipeline.push((arrive + delay, p, first));
                            pipeline.push((arrive + delay + site.partial_gap_days.round() as i32, p, q - first));
                        } else {
                            pipeline.push((arrive + delay, p, q));
                        }
                        k.extra_cost += q * (price - base_price).max(0.0);
                        // Price shocks on orders placed while they last.
                        let factor: f64 = events
                            .iter()
                            .filter(|e| e.active(day))
                            .filter_map(|e| match &e.effect {
                                Effect::PriceShock { parts, factor, countries, sites }
                                    if (countries.is_empty() && sites.is_empty() && parts.is_empty())
                                        || parts.contains(&self.purchased[p])
                                        || e.hits(&site.id, &site.country, &site.transit) =>
                                {
                                    Some(*factor)
                                }
                                _ => None,
                            })
                            .product();
                        k.extra_cost += q * price * (factor - 1.0);
                        // Electricity price shocks reach supplier prices a learned lag later.
                        if let Some(en) = &self.energy
                            && let Some(m) = en.site_market[s]
                            && let Some(&elasticity) = en.elasticity.get(&(p, s))
                        {
                            let f = en.factor(events, m, day - en.lag, true);
                            k.extra_cost += q * price * elasticity * (f - 1.0);
                        }
                    }
                }
            }
        }
        // Lines due inside the horizon and still open at its end are late (and at risk);
        // lines due later are not yet due.
        for f in 0..nf {
            for &(promised, _, qty, cause, customer) in open[f].iter().filter(|l| l.0 < end) {
                note_line(&mut k, None, qty, self.price[f]);
                let cause = if cause == unknown { binding[f] } else { cause };
                k.late_by_cause[cause] += 1.0;
                if let Some(log) = log.as_deref_mut() {
                    log.push(LateLine { part: f, promised: Date(promised), qty, shipped: None, cause, customer });
                }
            }
        }
        k.fill_rate = if ordered_units > 0.0 { on_time_units / ordered_units } else { 1.0 };
        k.otif = if lines > 0.0 { lines_on_time / lines } else { 1.0 };
        k.margin -= k.extra_cost;
        // Time to survive and to recover, from the scenario's first event (the same day in
        // every variant, the reference included, so the values compare).
        let first = sc.events.iter().map(|e| e.start.0).min().unwrap_or(start).clamp(start, end - 1);
        let served = |d: usize| due[d] <= 0.0 || due_on_time[d] >= sc.service_level * due[d] - 1e-9;
        // Service fails on the first day whose trailing week (that day and the six before)
        // ships less than the service level of what fell due in it: one unlucky day is no failure.
        let failed = |d: usize| {
            let week = d.saturating_sub(6)..=d;
            let (all, on_time): (f64, f64) =
                week.map(|x| (due[x], due_on_time[x])).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            all > 0.0 && on_time < sc.service_level * all - 1e-9
        };
        let from = (first - start) as usize;
        let left = (end - first) as f64;
        match (from..days).find(|&d| failed(d)) {
            None => (k.tts_days, k.ttr_days) = (left, 0.0),
            Some(fail) => {
                k.tts_days = (fail - from) as f64;
                k.ttr_days =
                    (fail..days).find(|&d| d + 7 <= days && (d..d + 7).all(served)).map_or(left, |d| (d - from) as f64);
            }
        }
        k
    }

    /// The late lines of one run of each plan (the reference and every variant), in the
    /// order they were shipped, then the ones still open at the end: what `--explain` lists.
    pub fn explain(&self, sc: &Scenario, run: usize) -> Result<Vec<(String, Vec<LateLine>)>, SimError> {
        self.validate(sc)?;
        if run >= sc.runs {
            return Err(SimError::new(format!("run {run} is not one of the scenario's {} runs", sc.runs)));
        }
        let mut out = Vec::new();
        for (name, with_events, actions) in self.plans(sc) {
            let events: &[Event] = if with_events { &sc.events } else { &[] };
            let mut log = Vec::new();
            self.run_logged(sc, events, &actions, run, Some(&mut log));
            out.push((name, log));
        }
        Ok(out)
    }

    /// The reference (no events, no actions) and each variant: name, with events, actions.
    fn plans<'a>(&self, sc: &'a Scenario) -> Vec<(String, bool, Vec<&'a Action>)> {
        let mut plans: Vec<(String, bool, Vec<&Action>)> = vec![("no_events".into(), false, Vec::new())];
        for (name, ids) in &sc.variants {
            plans.push((name.clone(), true, sc.actions.iter().filter(|a| ids.iter().any(|i| i == a.id())).collect()));
        }
        plans
    }

    /// The customer of index `c` (as [`LateLine::customer`] gives it); empty when unknown.
    pub fn customer(&self, c: usize) -> &str {
        self.customers.get(c).map_or("", String::as_str)
    }

    /// The finished part of index `f` (as [`LateLine::part`] gives it).
    pub fn finished_part(&self, f: usize) -> &str {
        &self.finished[f]
    }

    /// Every run of the reference (no events, no actions) and of each variant.
    pub fn simulate(&self, sc: &Scenario, par: Par) -> Result<Vec<(String, Vec<Kpis>)>, SimError> {
        self.simulate_with(sc, par, &kausa_core::Silent)
    }

    /// [`Network::simulate`], reporting each plan as a stage and each run as it ends.
    pub fn simulate_with(
        &self,
        sc: &Scenario,
        par: Par,
        progress: &dyn kausa_core::Progress,
    ) -> Result<Vec<(String, Vec<Kpis>)>, SimError> {
        self.validate(sc)?;
        let plans = self.plans(sc);
        let mut out: Vec<(String, Vec<Kpis>)> = Vec::new();
        // Plans with the same events and actions (a variant without actions in a scenario
        // without events is the reference) are the same runs: simulated once.
        let mut done: Vec<((bool, Vec<&str>), usize)> = Vec::new();
        for (name, with_events, actions) in plans {
            let events: &[Event] = if with_events { &sc.events } else { &[] };
            let key = (!events.is_empty(), actions.iter().map(|a| a.id()).collect::<Vec<_>>());
            if let Some(&(_, i)) = done.iter().find(|d| d.0 == key) {
                let runs = out[i].1.clone();
                out.push((name, runs));
                continue;
            }
            done.push((key, out.len()));
            progress.stage(&name, Some(sc.runs as u64));
            let runs = par
                .map(sc.runs, |r| {
                    let k = self.run(sc, events, &actions, r);
                    progress.advance(1);
                    k
                })
                .map_err(SimError::new)?;
            out.push((name, runs));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{BomLine, Lane, Part, Pos, Routing, Site, Sourcing, Stock, WorkCenter};

    fn part(id: &str, kind: &str, cost: f64, price: Option<f64>) -> Part {
        Part {
            part_id: id.into(),
            part_type: kind.into(),
            std_cost: Some(cost),
            list_price: price,
            commodity: None,
            pos: Pos::default(),
        }
    }

    /// One finished part F from one purchased part P (1 each) bought from one Polish
    /// site; ample capacity, no scrap, no open orders; stock of P `stock_p`.
    fn single(stock_p: f64) -> Network {
        let export = single_export(stock_p, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        Network::new(&export, &[lead], &[demand], &[]).unwrap()
    }

    fn single_export(stock_p: f64, day: Date) -> Export {
        Export {
            export_date: Some(day),
            sites: vec![
                Site {
                    site_id: "PLANT".into(),
                    site_type: "plant".into(),
                    country: "DE".into(),
                    energy_market: None,
                    pos: Pos::default(),
                },
                Site {
                    site_id: "S-PL".into(),
                    site_type: "supplier".into(),
                    country: "PL".into(),
                    energy_market: None,
                    pos: Pos::default(),
                },
            ],
            parts: vec![part("F", "finished", 60.0, Some(100.0)), part("P", "purchased", 20.0, None)],
            bom: vec![BomLine {
                plant_id: "PLANT".into(),
                parent_part_id: "F".into(),
                component_part_id: "P".into(),
                qty_per: 1.0,
                pos: Pos::default(),
            }],
            routings: vec![Routing {
                plant_id: "PLANT".into(),
                part_id: "F".into(),
                work_center_id: "WC".into(),
                run_min_per_unit: 1.0,
                pos: Pos::default(),
            }],
            work_centers: vec![WorkCenter {
                work_center_id: "WC".into(),
                plant_id: "PLANT".into(),
                std_shifts_per_day: 1.0,
                hours_per_shift: 8.0,
                pos: Pos::default(),
            }],
            sourcing: vec![Sourcing {
                part_id: "P".into(),
                plant_id: "PLANT".into(),
                supplier_site_id: "S-PL".into(),
                quota_share: 1.0,
                planned_lead_time_days: 5.0,
                lane_id: Some("L".into()),
                pos: Pos::default(),
            }],
            lanes: vec![Lane {
                lane_id: "L".into(),
                from_site_id: "S-PL".into(),
                to_site_id: "PLANT".into(),
                mode: "road".into(),
                transit_countries: vec![],
                via_port_ids: vec![],
                planned_transit_days: 2.0,
                pos: Pos::default(),
            }],
            stocks: vec![Stock {
                date: day,
                site_id: "PLANT".into(),
                part_id: "P".into(),
                on_hand: stock_p,
                pos: Pos::default(),
            }],
            ..Export::default()
        }
    }

    fn single_mechanisms() -> (LeadTime, Demand) {
        let lead = LeadTime {
            supplier_site_id: "S-PL".into(),
            lines: 10,
            median_days: 5.0,
            median_interval: (5.0, 5.0),
            sigma_log: 0.0,
            p90_days: 5.0,
            planned_days: Some(5.0),
            late_share: 0.0,
            holiday_days: 0.0,
            holiday_lines: 0,
            ..LeadTime::default()
        };
        let demand = Demand {
            part_id: "F".into(),
            weeks: 52,
            mean_per_week: 50.0,
            mean_interval: (50.0, 50.0),
            sd_per_week: 0.0,
            ..Demand::default()
        };
        (lead, demand)
    }

    fn strike(days: i32) -> Scenario {
        let start = Date::parse("2025-01-06").unwrap();
        assert_eq!(start.weekday(), 0, "a Monday");
        Scenario {
            id: "exact".into(),
            start,
            horizon_days: 28,
            runs: 3,
            seed: 1,
            events: vec![Event {
                id: "strike".into(),
                start,
                duration_days: days,
                duration: None,
                probability: 1.0,
                effect: Effect::Outage {
                    countries: vec!["PL".into()],
                    sites: vec![],
                    lanes: vec![],
                    ports: vec![],
                    ramp_days: 0,
                },
                trigger: None,
            }],
            actions: vec![],
            variants: vec![("strike".into(), vec![])],
            compare_to: "strike".into(),
            quoted_days: 3,
            risk_days: 14,
            item_lines: Default::default(),
            parameter_uncertainty: true,
            service_level: 0.95,
        }
    }

    /// Days learned from a damaged export or a hand-edited model file, however large,
    /// are held to a century: the run ends with the open orders still in transit
    /// instead of overflowing the day counter (a panic in debug builds, wrapped dates
    /// in release ones).
    #[test]
    fn absurd_learned_days_are_held_to_a_century() {
        let export = single_export(0.0, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        let lead = LeadTime {
            median_days: 1e308,
            holiday_days: -1e308,
            partial_share: 1.0,
            first_share: 0.5,
            partial_gap_days: 2_147_483_647.0,
            transit_lines: 1,
            transit_median_days: 1e300,
            ..lead
        };
        let demand = Demand { season: vec![1.0; 12], level_day: i32::MIN, trend_per_year: 0.01, ..demand };
        let net = Network::new(&export, &[lead], &[demand], &[]).unwrap();
        let out = net.simulate(&strike(10), Par::Seq).unwrap();
        for k in &out[0].1 {
            assert_eq!(k.output_units, 0.0, "nothing arrives within the horizon");
        }
    }

    /// Ten units a workday, promised three days after the order; the only supplier strikes
    /// past the horizon, so the 95 units of P are all there is: nine lines ship in full on
    /// the day they are ordered, the tenth (ordered on the tenth workday, day 11) gets 5
    /// units and falls due unshipped on day 14. Everything follows in closed form.
    #[test]
    fn a_single_part_under_a_total_strike_matches_the_closed_form() {
        let net = single(95.0);
        let out = net.simulate(&strike(60), Par::Seq).unwrap();
        for k in &out[1].1 {
            assert_eq!(k.output_units, 95.0);
            // Workdays ordered inside the horizon with a promise before day 28: days 0..=24 less weekends, 19 lines.
            assert_eq!(k.late_orders, 10.0);
            assert_eq!(k.late_order_value, 10.0 * 10.0 * 100.0);
            assert_eq!(k.revenue_at_risk, 10.0 * 10.0 * 100.0, "never shipped");
            assert_eq!(k.fill_rate, 90.0 / 190.0);
            assert_eq!(k.otif, 9.0 / 19.0);
            assert_eq!(k.margin, 90.0 * (100.0 - 60.0));
            // First shortfall: floor(95 / 10) + 1 = 10th workday (day 11) + 3 quoted days.
            assert_eq!(k.tts_days, 14.0);
            assert_eq!(k.ttr_days, 28.0, "never recovers: censored at the horizon");
            // Past due at the end of day 27: lines promised by day 26 (ordered by day 23, 18 lines),
            // 9 shipped, the tenth short by 5.
            assert_eq!(k.backlog_peak_units, 5.0 + 8.0 * 10.0);
            assert_eq!(k.extra_cost, 0.0);
        }
        // Without the strike the Monday orders arrive after five days and nothing is ever late.
        for k in &out[0].1 {
            assert_eq!((k.late_orders, k.fill_rate, k.tts_days, k.ttr_days), (0.0, 1.0, 28.0, 0.0));
        }
    }

    /// The exposure screen on the single-part network: the only supplier down, stock 95,
    /// demand 50 a week (50/7 a calendar day), no finished stock: TTS = 95 / (50/7) days;
    /// over 28 days 200 units are wanted and 105 lost, at a margin of 40 each.
    #[test]
    fn the_exposure_of_a_single_part_is_in_closed_form() {
        let net = single(95.0);
        let screen = net.exposure(28.0, &[], 0.0).unwrap();
        let site = screen.iter().find(|e| e.kind == "site").unwrap();
        assert_eq!(site.name, "S-PL");
        assert!((site.tts_days.unwrap() - 95.0 * 7.0 / 50.0).abs() < 1e-9, "{site:?}");
        assert!((site.lost_units - 105.0).abs() < 1e-9, "{site:?}");
        assert!((site.lost_margin - 105.0 * 40.0).abs() < 1e-6, "{site:?}");
        assert!((site.lost_revenue - 105.0 * 100.0).abs() < 1e-6, "{site:?}");
        assert_eq!(site.rei, 1.0);
        let none = screen.iter().find(|e| e.kind == "none").unwrap();
        assert_eq!((none.tts_days, none.lost_units), (None, 0.0), "undisrupted, supply keeps up");
        // A TTR given for the site replaces the default; over 10 days nothing is lost (TTS 13.3).
        let short = net.exposure(28.0, &[("S-PL".into(), 10.0)], 0.0).unwrap();
        let site = short.iter().find(|e| e.kind == "site").unwrap();
        assert_eq!((site.ttr_days, site.lost_units), (10.0, 0.0));
        assert!(net.exposure(28.0, &[("S-XX".into(), 10.0)], 0.0).is_err());
        assert!(net.exposure(-1.0, &[], 0.0).is_err());
    }

    /// The single-part network with a second plant in CZ that has a routing for F.
    fn two_plants() -> Network {
        let day = Date::parse("2025-01-03").unwrap();
        let mut export = single_export(10_000.0, day);
        export.sites.push(Site {
            site_id: "PLANT2".into(),
            site_type: "plant".into(),
            country: "CZ".into(),
            energy_market: None,
            pos: Pos::default(),
        });
        export.work_centers.push(WorkCenter {
            work_center_id: "WC2".into(),
            plant_id: "PLANT2".into(),
            std_shifts_per_day: 1.0,
            hours_per_shift: 8.0,
            pos: Pos::default(),
        });
        export.routings.push(Routing {
            plant_id: "PLANT2".into(),
            part_id: "F".into(),
            work_center_id: "WC2".into(),
            run_min_per_unit: 2.0,
            pos: Pos::default(),
        });
        let (lead, demand) = single_mechanisms();
        Network::new(&export, &[lead], &[demand], &[]).unwrap()
    }

    /// The single-part network with a learned energy model: PLANT (DE, so DE-LU) at 100
    /// EUR/MWh, its work centre 50 kWh a day plus 20 per staffed hour, half of it hedged;
    /// S-PL (PL, 80 EUR/MWh) passes 30% of its market's price changes on 7 days later.
    fn single_with_energy(stock_p: f64) -> Network {
        use crate::energy::{Energy, Hedge, MarketPrice, PassThrough, WorkCenterEnergy};
        let export = single_export(stock_p, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        let market = |m: &str, p: f64| MarketPrice {
            market: m.into(),
            days: 90,
            baseline_eur_per_mwh: p,
            last: "2025-01-02".into(),
        };
        let energy = Energy {
            lag_days: 7,
            markets: vec![market("DE-LU", 100.0), market("PL", 80.0)],
            use_by_work_center: vec![WorkCenterEnergy {
                plant_id: "PLANT".into(),
                work_center_id: Some("WC".into()),
                days: 90,
                base_kwh_per_day: 50.0,
                kwh_per_hour: 20.0,
                kwh_per_hour_interval: (20.0, 20.0),
                r2: 1.0,
            }],
            pass_through: vec![PassThrough {
                part_id: "P".into(),
                supplier_site_id: "S-PL".into(),
                market: "PL".into(),
                commodity: None,
                lines: 50,
                intercept: 16.0,
                slope: 0.05,
                elasticity: 0.3,
                elasticity_interval: (0.3, 0.3),
            }],
            commodities: vec![],
            hedges: vec![Hedge { plant_id: "PLANT".into(), hedged_share: 0.5, fixed_price_eur_per_mwh: Some(90.0) }],
        };
        Network::new(&export, &[lead], &[demand], &[]).unwrap().with_energy(&export, &energy)
    }

    fn energy_shock(markets: &[&str], factor: f64, pass_through: bool, hedged_share: Option<f64>) -> Effect {
        Effect::EnergyPrice {
            markets: markets.iter().map(|m| m.to_string()).collect(),
            factor,
            pass_through,
            hedged_share,
        }
    }

    /// An electricity shock at the plant's market costs exactly its unhedged use times the
    /// baseline price times the rise: 14 days from a Monday are 10 workdays of 8 staffed
    /// hours and 4 days of base load only. Output does not change.
    #[test]
    fn an_electricity_shock_costs_the_plants_unhedged_use_in_closed_form() {
        let net = single_with_energy(1000.0);
        let mut sc = strike(14);
        let start = sc.start;
        let kwh = 14.0 * 50.0 + 10.0 * 8.0 * 20.0;
        let extra = |sc: &Scenario| {
            let out = net.simulate(sc, Par::Seq).unwrap();
            assert_eq!(out[1].1[0].output_units, out[0].1[0].output_units);
            out[1].1[0].extra_cost - out[0].1[0].extra_cost
        };
        let close = |got: f64, want: f64| assert!((got - want).abs() < 1e-9 * want.abs().max(1.0), "{got} vs {want}");
        sc.events[0].effect = energy_shock(&["DE-LU"], 1.5, false, None);
        close(extra(&sc), kwh * 0.5 * 0.1 * 0.5);
        // Every market when none is named; the scenario's hedged share overrides the contracts'.
        sc.events[0].effect = energy_shock(&[], 1.5, false, Some(0.8));
        close(extra(&sc), kwh * 0.2 * 0.1 * 0.5);
        // A shock elsewhere (the supplier's market, not passed on) costs the plant nothing.
        sc.events[0].effect = energy_shock(&["PL"], 1.5, false, None);
        close(extra(&sc), 0.0);
        // Buying 30% more ahead at a 10 EUR/MWh premium for the shock's days: that share
        // pays the premium instead of the rise.
        sc.events[0].effect = energy_shock(&["DE-LU"], 1.5, false, None);
        sc.actions = vec![Action::HedgeEnergy {
            id: "hedge".into(),
            plants: vec![],
            share: 0.3,
            premium_eur_per_mwh: 10.0,
            from: start,
            to: Date(start.0 + 13),
        }];
        sc.variants = vec![("hedge".into(), vec!["hedge".into()])];
        sc.compare_to = "hedge".into();
        close(extra(&sc), kwh * (0.3 * 0.01 + 0.2 * 0.1 * 0.5));
        // A Saturday shift uses electricity at the market price on top of its labour.
        sc.events[0].effect = energy_shock(&["DE-LU"], 1.0, false, None);
        sc.actions = vec![Action::AddShift {
            id: "sat".into(),
            plant: None,
            work_centers: vec![],
            weekdays: vec![5],
            hours: 8.0,
            productivity: Some(1.0),
            from: start,
            to: Date(start.0 + 27),
            cost_per_hour: 0.0,
        }];
        sc.variants = vec![("sat".into(), vec!["sat".into()])];
        sc.compare_to = "sat".into();
        close(extra(&sc), 4.0 * 8.0 * 20.0 * 0.1);
    }

    /// Suppliers pass a shock on by their elasticity a lag later: the cost equals 0.3 ×
    /// (factor − 1) × the value of the orders placed in the shifted window, which a plain
    /// price shock ×2 over that window measures; without pass-through it is nothing.
    #[test]
    fn suppliers_pass_an_electricity_shock_on_by_their_elasticity_a_lag_later() {
        // Little stock, so that orders are placed every day.
        let net = single_with_energy(20.0);
        let mut sc = strike(14);
        let start = sc.start;
        let extra = |sc: &Scenario| {
            let out = net.simulate(sc, Par::Seq).unwrap();
            out[1].1[0].extra_cost - out[0].1[0].extra_cost
        };
        sc.events[0].effect = energy_shock(&["PL"], 1.6, true, None);
        let passed = extra(&sc);
        sc.events[0].effect = energy_shock(&["PL"], 1.6, false, None);
        assert_eq!(extra(&sc), 0.0);
        sc.events[0].start = Date(start.0 + 7);
        sc.events[0].effect = Effect::PriceShock { countries: vec![], sites: vec![], parts: vec![], factor: 2.0 };
        let value = extra(&sc);
        assert!(value > 1000.0, "{value}");
        assert!((passed - 0.3 * 0.6 * value).abs() < 1e-9 * value, "{passed} vs {}", 0.3 * 0.6 * value);
    }

    /// Partial deliveries: every line in two halves with no days between is the same as
    /// whole lines; with the second half 10 days later, a network living from hand to
    /// mouth ships less on time.
    #[test]
    fn partial_deliveries_hold_back_the_rest_of_a_line() {
        let export = single_export(20.0, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        let with = |share: f64, gap: f64| {
            let lead = LeadTime { partial_share: share, first_share: 0.5, partial_gap_days: gap, ..lead.clone() };
            Network::new(&export, &[lead], std::slice::from_ref(&demand), &[]).unwrap()
        };
        let sc = strike(0);
        let whole = with(0.0, 0.0).simulate(&sc, Par::Seq).unwrap();
        assert_eq!(with(1.0, 0.0).simulate(&sc, Par::Seq).unwrap(), whole);
        let split = with(1.0, 10.0).simulate(&sc, Par::Seq).unwrap();
        let (a, b) = (&whole[0].1[0], &split[0].1[0]);
        assert!(b.fill_rate < a.fill_rate && b.late_orders > a.late_orders, "{a:?}\n{b:?}");
    }

    /// A supplier's load lengthens its lead times: with a year of weekly orders of 50 in
    /// the history, a doubled demand doubles what it is ordered, and a load effect of 2
    /// then makes the network ship fewer lines on time than without one; with the history's
    /// volume, nothing changes.
    #[test]
    fn a_loaded_supplier_delivers_later() {
        let day = Date::parse("2025-01-03").unwrap();
        let mut export = single_export(60.0, day);
        for w in 1..=52 {
            let (po, order) = (format!("PO{w}"), Date(day.0 - 7 * w));
            export.purchase_orders.push(crate::data::PurchaseOrder {
                po_id: po.clone(),
                po_line: "10".into(),
                part_id: "P".into(),
                supplier_site_id: "S-PL".into(),
                plant_id: "PLANT".into(),
                order_date: order,
                requested_date: Date(order.0 + 5),
                first_confirmed_date: None,
                qty: 50.0,
                unit_price: None,
                pos: Pos::default(),
            });
            export.receipts.push(crate::data::Receipt {
                po_id: po,
                po_line: "10".into(),
                ship_date: None,
                receipt_date: Date(order.0 + 5),
                qty_received: 50.0,
                pos: Pos::default(),
            });
        }
        let (lead, demand) = single_mechanisms();
        let with = |effect: f64| {
            let lead = LeadTime { load_effect: effect, ..lead.clone() };
            Network::new(&export, &[lead], std::slice::from_ref(&demand), &[]).unwrap()
        };
        let mut sc = strike(0);
        sc.horizon_days = 56;
        let late = |net: &Network, sc: &Scenario| net.simulate(sc, Par::Seq).unwrap()[1].1[0].late_orders;
        assert_eq!(late(&with(2.0), &sc), late(&with(0.0), &sc), "at the history's volume");
        sc.events[0].duration_days = 56;
        sc.events[0].effect = Effect::Demand { parts: vec![], factor: 2.0 };
        assert!(late(&with(2.0), &sc) > late(&with(0.0), &sc));
    }

    /// The month of an order scales its lead time: January orders taking three times as long
    /// make a tight network late more often than no month effect.
    #[test]
    fn the_month_of_an_order_scales_its_lead_time() {
        let export = single_export(20.0, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        let with = |factors: Vec<f64>| {
            let lead = LeadTime { month_factors: factors, ..lead.clone() };
            Network::new(&export, &[lead], std::slice::from_ref(&demand), &[]).unwrap()
        };
        let sc = strike(0);
        let late = |net: &Network| net.simulate(&sc, Par::Seq).unwrap()[0].1[0].late_orders;
        let slow_january = [3.0].into_iter().chain(std::iter::repeat_n(1.0, 11)).collect();
        assert_eq!(late(&with(vec![1.0; 12])), late(&with(Vec::new())));
        assert!(late(&with(slow_january)) > late(&with(Vec::new())));
    }

    /// Demand follows its learned season: a January twice the other months ships twice as
    /// much in January (ample stock and capacity).
    #[test]
    fn demand_follows_its_season() {
        let export = single_export(100_000.0, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        let seasonal = Demand {
            season: [2.0].into_iter().chain(std::iter::repeat_n(1.0, 11)).collect(),
            trend_per_year: 0.0,
            level_day: Date::parse("2025-01-01").unwrap().0,
            ..demand.clone()
        };
        let output = |d: &Demand| {
            let net = Network::new(&export, std::slice::from_ref(&lead), std::slice::from_ref(d), &[]).unwrap();
            let mut sc = strike(0);
            sc.horizon_days = 25;
            net.simulate(&sc, Par::Seq).unwrap()[0].1[0].output_units
        };
        let (flat, twice) = (output(&demand), output(&seasonal));
        assert!(flat > 0.0 && (twice - 2.0 * flat).abs() <= 0.02 * flat, "{flat} {twice}");
    }

    /// Lane and port closures hold the goods on the lane: closing the only lane, or the
    /// port it passes, gives the same answers, and late lines; an unknown lane or port is refused.
    #[test]
    fn closed_lanes_and_ports_hold_goods() {
        let mut export = single_export(60.0, Date::parse("2025-01-03").unwrap());
        export.lanes[0].via_port_ids = vec!["PORT-X".into()];
        let (lead, demand) = single_mechanisms();
        let net = Network::new(&export, &[lead], &[demand], &[]).unwrap();
        let mut sc = strike(21);
        let closure = |lanes: &[&str], ports: &[&str]| Effect::Outage {
            countries: vec![],
            sites: vec![],
            lanes: lanes.iter().map(|x| x.to_string()).collect(),
            ports: ports.iter().map(|x| x.to_string()).collect(),
            ramp_days: 0,
        };
        sc.events[0].effect = closure(&["L"], &[]);
        let lane = net.simulate(&sc, Par::Seq).unwrap();
        assert!(lane[1].1[0].late_orders > lane[0].1[0].late_orders, "{:?}", lane[1].1[0]);
        sc.events[0].effect = closure(&[], &["PORT-X"]);
        assert_eq!(net.simulate(&sc, Par::Seq).unwrap(), lane);
        sc.events[0].effect = closure(&["L9"], &[]);
        assert!(net.simulate(&sc, Par::Seq).unwrap_err().to_string().contains("unknown lane \"L9\""));
        sc.events[0].effect = closure(&[], &["PORT-Y"]);
        assert!(net.simulate(&sc, Par::Seq).unwrap_err().to_string().contains("unknown port \"PORT-Y\""));
    }

    /// Uncertain event lengths: the inverse distribution functions have the right means; a
    /// length drawn from a single point is the fixed length; a drawn length varies between
    /// runs and is the same in every variant of a run (common random numbers).
    #[test]
    fn uncertain_event_lengths_are_drawn_per_run() {
        let mean =
            |d: DurationDist| (0..10_000).map(|i| f64::from(d.days((f64::from(i) + 0.5) / 1e4))).sum::<f64>() / 1e4;
        assert!((mean(DurationDist::Triangular { min: 7.0, mode: 14.0, max: 42.0 }) - 21.0).abs() < 0.05);
        assert!((mean(DurationDist::Uniform { min: 10.0, max: 20.0 }) - 15.0).abs() < 0.05);
        assert!(!DurationDist::Triangular { min: 7.0, mode: 5.0, max: 9.0 }.valid());
        let net = single(60.0);
        let mut sc = strike(14);
        let fixed = net.simulate(&sc, Par::Seq).unwrap();
        sc.events[0].duration = Some(DurationDist::Uniform { min: 14.0, max: 14.0 });
        assert_eq!(net.simulate(&sc, Par::Seq).unwrap(), fixed);
        sc.events[0].duration = Some(DurationDist::Triangular { min: 0.0, mode: 10.0, max: 28.0 });
        sc.runs = 20;
        sc.variants = vec![("a".into(), vec![]), ("b".into(), vec![])];
        sc.compare_to = "a".into();
        let out = net.simulate(&sc, Par::Seq).unwrap();
        let late: Vec<f64> = out[1].1.iter().map(|k| k.late_orders).collect();
        assert!(late.iter().any(|&l| l != late[0]), "{late:?}");
        assert_eq!(out[1].1, out[2].1);
    }

    /// An extra shift with `productivity = "learned"` runs at the learned Saturday
    /// productivity: the same answers as that number given; refused when none was learned.
    #[test]
    fn extra_shifts_can_run_at_the_learned_productivity() {
        let learned = [crate::learn::Productivity {
            shift_type: "sat".into(),
            orders: 40,
            relative: 0.6,
            interval: (0.55, 0.65),
        }];
        // An hour a unit: 8 units a weekday against a demand of 10, so Saturdays count.
        let mut export = single_export(1000.0, Date::parse("2025-01-03").unwrap());
        export.routings[0].run_min_per_unit = 60.0;
        let (lead, demand) = single_mechanisms();
        let net = Network::new(&export, &[lead], &[demand], &[]).unwrap().with_productivity(&learned);
        let mut sc = strike(0);
        let start = sc.start;
        let shift = |productivity: Option<f64>| Action::AddShift {
            id: "sat".into(),
            plant: None,
            work_centers: vec![],
            weekdays: vec![5],
            hours: 8.0,
            productivity,
            from: start,
            to: Date(start.0 + 27),
            cost_per_hour: 10.0,
        };
        sc.variants = vec![("sat".into(), vec!["sat".into()])];
        sc.compare_to = "sat".into();
        sc.actions = vec![shift(None)];
        let by_learning = net.simulate(&sc, Par::Seq).unwrap();
        sc.actions = vec![shift(Some(0.6))];
        assert_eq!(net.simulate(&sc, Par::Seq).unwrap(), by_learning);
        sc.actions = vec![shift(Some(1.0))];
        let full = net.simulate(&sc, Par::Seq).unwrap();
        let output = |out: &[(String, Vec<Kpis>)]| out[1].1[0].output_units - out[0].1[0].output_units;
        // Four Saturdays of 8 hours: 19.2 units more at 0.6 (rounded per day), 32 at 1.0.
        assert!(
            output(&by_learning) > 0.0 && output(&full) > output(&by_learning),
            "{} {}",
            output(&by_learning),
            output(&full)
        );
        sc.actions = vec![shift(None)];
        let e = single(1000.0).simulate(&sc, Par::Seq).unwrap_err();
        assert!(e.to_string().contains("productivity = \"learned\", but no Saturday production order"), "{e}");
    }

    /// Energy events and actions need a learned energy model and known markets.
    #[test]
    fn energy_scenarios_need_energy_data_and_known_markets() {
        let mut sc = strike(14);
        sc.events[0].effect = energy_shock(&["DE-LU"], 1.5, true, None);
        let e = single(1000.0).simulate(&sc, Par::Seq).unwrap_err();
        assert!(e.to_string().contains("no energy prices and use"), "{e}");
        sc.events[0].effect = energy_shock(&["FR"], 1.5, true, None);
        let e = single_with_energy(1000.0).simulate(&sc, Par::Seq).unwrap_err();
        assert!(
            e.to_string().contains("unknown electricity market \"FR\" (energy_prices.csv prices: DE-LU, PL)"),
            "{e}"
        );
        sc.events[0].effect = energy_shock(&["PL"], 1.5, true, Some(1.5));
        let e = single_with_energy(1000.0).simulate(&sc, Par::Seq).unwrap_err();
        assert!(e.to_string().contains("hedged_share must lie in [0, 1]"), "{e}");
    }

    fn fire(sc: &mut Scenario) {
        sc.events[0].effect = Effect::PlantOutage { plants: vec!["PLANT".into()] };
    }

    fn move_all(id: &str, start: Date, share: f64, transfer_days: i32) -> Action {
        Action::MoveCapacity {
            id: id.into(),
            parts: vec![],
            from: "PLANT".into(),
            to: "PLANT2".into(),
            share,
            effective: start,
            transfer_days,
            one_off_cost: 1000.0,
            cost_per_unit: 2.0,
        }
    }

    /// A fire stops the home plant for the whole horizon: nothing is made. Moving all
    /// of F to PLANT2 from the start makes every unit again (WC2 has room: 240 units a
    /// day at 2 minutes), at the move's costs; a 5-day transfer makes the first orders late.
    #[test]
    fn moving_production_to_the_other_plant_survives_a_fire() {
        let net = two_plants();
        let mut sc = strike(60);
        fire(&mut sc);
        let start = sc.start;
        sc.actions = vec![move_all("move", start, 1.0, 0), move_all("move_slow", start, 1.0, 5)];
        sc.variants = vec![
            ("fire".into(), vec![]),
            ("move".into(), vec!["move".into()]),
            ("slow".into(), vec!["move_slow".into()]),
        ];
        sc.compare_to = "fire".into();
        let out = net.simulate(&sc, Par::Seq).unwrap();
        let (reference, fire, moved, slow) = (&out[0].1[0], &out[1].1[0], &out[2].1[0], &out[3].1[0]);
        assert_eq!(fire.output_units, 0.0);
        assert_eq!(moved.output_units, reference.output_units);
        assert_eq!(moved.late_orders, 0.0);
        assert_eq!(moved.extra_cost, 1000.0 + 2.0 * moved.output_units);
        assert!(slow.late_orders > 0.0 && slow.output_units > 0.0, "{slow:?}");
        // A tenth moved: PLANT2 makes a tenth of what is wanted each day, the burnt plant
        // nothing, the backlog grows; late lines name the work centre that stood still.
        sc.actions = vec![move_all("half", start, 0.1, 0)];
        sc.variants = vec![("half".into(), vec!["half".into()])];
        sc.compare_to = "half".into();
        let out = net.simulate(&sc, Par::Seq).unwrap();
        let half = &out[1].1[0];
        assert!(half.output_units > 0.0 && half.output_units < reference.output_units, "{half:?}");
        assert!(half.late_orders > 0.0, "{half:?}");
        let top = half.late_by_cause.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(net.cause_name(top, &sc.events), "capacity of work centre WC (PLANT)");
    }

    #[test]
    fn bad_plant_actions_are_refused() {
        let net = two_plants();
        let mut sc = strike(60);
        let start = sc.start;
        let check = |sc: &Scenario, needle: &str| {
            let e = net.validate(sc).unwrap_err();
            assert!(e.message.contains(needle), "{e} lacks {needle:?}");
        };
        sc.events[0].effect = Effect::PlantOutage { plants: vec!["PLANT9".into()] };
        check(&sc, "unknown plant \"PLANT9\" (plants: PLANT, PLANT2)");
        fire(&mut sc);
        let mut mv = move_all("mv", start, 0.5, 0);
        if let Action::MoveCapacity { parts, .. } = &mut mv {
            parts.push("X".into());
        }
        sc.actions = vec![mv];
        check(&sc, "\"X\" is not a finished part");
        let mut mv = move_all("mv", start, 0.5, 0);
        if let Action::MoveCapacity { to, .. } = &mut mv {
            *to = "PLANT".into();
        }
        sc.actions = vec![mv];
        check(&sc, "the same plant");
        sc.actions = vec![Action::AddShift {
            id: "sat".into(),
            weekdays: vec![5],
            hours: 8.0,
            productivity: Some(1.0),
            from: start,
            to: start,
            cost_per_hour: 0.0,
            plant: Some("PLANT2".into()),
            work_centers: vec!["WC".into()],
        }];
        check(&sc, "unknown work centre \"WC\" at PLANT2");
    }

    /// A site-scoped outage of the only (Polish) supplier is the country outage, run by run;
    /// a price shock changes only the extra cost, in proportion to factor − 1; an event
    /// triggered by one that does not happen does not happen either.
    #[test]
    fn site_outages_price_shocks_and_chained_events() {
        let net = single(95.0);
        let by_country = net.simulate(&strike(60), Par::Seq).unwrap();
        let mut sc = strike(60);
        sc.events[0].effect = Effect::Outage {
            countries: vec![],
            sites: vec!["S-PL".into()],
            lanes: vec![],
            ports: vec![],
            ramp_days: 0,
        };
        let by_site = net.simulate(&sc, Par::Seq).unwrap();
        assert_eq!(by_country, by_site);
        let shock = |factor: f64| {
            let mut sc = strike(60);
            sc.events[0].effect =
                Effect::PriceShock { countries: vec!["PL".into()], sites: vec![], parts: vec![], factor };
            net.simulate(&sc, Par::Seq).unwrap()
        };
        let (plain, half, double) = (shock(1.0), shock(1.5), shock(2.0));
        for ((p, h), d) in plain[1].1.iter().zip(&half[1].1).zip(&double[1].1) {
            assert_eq!(p.extra_cost, 0.0);
            assert!(h.extra_cost > 0.0);
            assert!((d.extra_cost - 2.0 * h.extra_cost).abs() < 1e-6 * d.extra_cost, "{d:?} {h:?}");
            assert_eq!((h.output_units, h.late_orders, h.fill_rate), (p.output_units, p.late_orders, p.fill_rate));
            assert!((h.margin - (p.margin - h.extra_cost)).abs() < 1e-6 * p.margin.abs());
        }
        // Chained: the strike follows a trigger that never happens (probability 0): nothing changes.
        let mut sc = strike(60);
        let mut first = sc.events[0].clone();
        first.id = "rumour".into();
        first.probability = 0.0;
        first.effect = Effect::Demand { parts: vec![], factor: 1.0 };
        sc.events[0].trigger = Some("rumour".into());
        sc.events.insert(0, first.clone());
        let out = net.simulate(&sc, Par::Seq).unwrap();
        assert_eq!(out[0].1, out[1].1, "the chained strike never happens");
        sc.events[0].probability = 1.0;
        let out = net.simulate(&sc, Par::Seq).unwrap();
        assert_eq!(out[1].1, by_country[1].1, "with its trigger it happens");
        // A trigger must come first.
        sc.events.swap(0, 1);
        let e = net.validate(&sc).unwrap_err();
        assert!(e.message.contains("its trigger \"rumour\" is not an event defined before it"), "{e}");
    }

    /// Building ahead before a plant outage, and holding more purchased stock before a
    /// supplier strike, each save late lines that doing nothing loses.
    #[test]
    fn pre_build_and_safety_stock_buy_time() {
        let net = single(200.0);
        let mut sc = strike(14);
        let start = sc.start;
        sc.events[0].start = Date(start.0 + 7);
        sc.events[0].effect = Effect::PlantOutage { plants: vec![] };
        sc.actions = vec![
            Action::PreBuild {
                id: "ahead".into(),
                parts: vec![],
                extra_days: 15.0,
                from: start,
                to: Date(start.0 + 6),
            },
            Action::SafetyStock {
                id: "stock".into(),
                parts: vec!["P".into()],
                extra_days: 30.0,
                from: start,
                to: Date(start.0 + 13),
            },
        ];
        sc.variants = vec![("nothing".into(), vec![]), ("ahead".into(), vec!["ahead".into()])];
        sc.compare_to = "nothing".into();
        let out = net.simulate(&sc, Par::Seq).unwrap();
        let (nothing, ahead) = (&out[1].1[0], &out[2].1[0]);
        assert!(nothing.late_orders > 0.0, "{nothing:?}");
        assert_eq!(ahead.late_orders, 0.0, "{ahead:?}");
        // A strike from day 14: orders placed in the first two weeks arrive before it.
        let mut sc = sc.clone();
        sc.events[0].start = Date(start.0 + 14);
        sc.events[0].duration_days = 60;
        sc.events[0].effect =
            Effect::Outage { countries: vec!["PL".into()], sites: vec![], lanes: vec![], ports: vec![], ramp_days: 0 };
        sc.horizon_days = 60;
        sc.variants = vec![("nothing".into(), vec![]), ("stock".into(), vec!["stock".into()])];
        let out = net.simulate(&sc, Par::Seq).unwrap();
        let (nothing, stock) = (&out[1].1[0], &out[2].1[0]);
        assert!(stock.late_orders < nothing.late_orders, "{stock:?} vs {nothing:?}");
        assert!(stock.output_units > nothing.output_units);
        let mut bad = sc.clone();
        bad.actions[1] = Action::SafetyStock {
            id: "stock".into(),
            parts: vec!["F".into()],
            extra_days: 3.0,
            from: start,
            to: start,
        };
        assert!(net.validate(&bad).unwrap_err().message.contains("\"F\" is not a purchased part"));
    }

    /// Days the shift calendar covers take its planned hours: two weeks planned at zero
    /// hours make lines late that the standard shifts ship on time.
    #[test]
    fn the_shift_calendar_sets_capacity_on_the_days_it_covers() {
        let mut export = single_export(10_000.0, Date::parse("2025-01-03").unwrap());
        let (lead, demand) = single_mechanisms();
        let plain = Network::new(&export, std::slice::from_ref(&lead), std::slice::from_ref(&demand), &[]).unwrap();
        let sc = strike(0);
        for d in 7..21 {
            export.shift_calendar.push(crate::data::ShiftDay {
                date: Date(sc.start.0 + d),
                plant_id: "PLANT".into(),
                work_center_id: "WC".into(),
                hours_planned: 0.0,
                overtime_hours: 0.0,
                pos: Pos::default(),
            });
        }
        let closed = Network::new(&export, std::slice::from_ref(&lead), std::slice::from_ref(&demand), &[]).unwrap();
        let (a, b) =
            (&plain.simulate(&sc, Par::Seq).unwrap()[0].1[0], &closed.simulate(&sc, Par::Seq).unwrap()[0].1[0]);
        assert_eq!(a.late_orders, 0.0);
        assert!(b.late_orders > 0.0, "{b:?}");
        export.shift_calendar[0].work_center_id = "WC9".into();
        let e = Network::new(&export, &[lead], &[demand], &[]).unwrap_err();
        assert!(e.message.contains("work centre \"WC9\""), "{e}");
    }

    /// Without noise in demand, runs differ only through the learned parameters' uncertainty:
    /// with it drawn (the default) each run has its own demand level, centred on the estimate.
    #[test]
    fn runs_draw_the_learned_parameters_from_their_uncertainty() {
        let export = single_export(100_000.0, Date::parse("2025-01-03").unwrap());
        let (lead, mut demand) = single_mechanisms();
        demand.mean_interval = (40.0, 60.0);
        let net = Network::new(&export, &[lead], &[demand], &[]).unwrap();
        let mut sc = strike(0);
        sc.runs = 400;
        let outputs = |sc: &Scenario| -> Vec<f64> {
            net.simulate(sc, Par::Seq).unwrap()[0].1.iter().map(|k| k.output_units).collect()
        };
        let drawn = outputs(&sc);
        sc.parameter_uncertainty = false;
        let fixed = outputs(&sc);
        assert!(fixed.iter().all(|&x| x == fixed[0]), "no noise, no parameter draws: every run alike");
        let mean = drawn.iter().sum::<f64>() / drawn.len() as f64;
        let sd = (drawn.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / drawn.len() as f64).sqrt();
        // Weekly mean 50 with a 95% interval of ±10: sd 5.1 a week, about 10% of output.
        assert!(sd > 0.05 * mean && (mean - fixed[0]).abs() < 0.03 * fixed[0], "mean {mean} sd {sd} vs {}", fixed[0]);
    }

    /// With enough stock for the whole horizon, the strike changes no KPI run by run.
    #[test]
    fn a_strike_that_stock_covers_changes_nothing() {
        let net = single(1_000.0);
        let out = net.simulate(&strike(60), Par::Seq).unwrap();
        for (a, b) in out[0].1.iter().zip(&out[1].1) {
            assert_eq!(a.values(), b.values());
        }
        assert_eq!(out[1].1[0].tts_days, 28.0);
    }
}
