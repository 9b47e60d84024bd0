//! The tables of an ERP export (SUPPLY-CHAIN.md §6), one struct per row; each row
//! keeps where it came from, so every problem can name the file and line.

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Pos {
    /// The file, as named in the export folder.
    pub file: String,
    /// 1-based line (the header is line 1).
    pub line: u64,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A date as days since 1970-01-01 (ISO `YYYY-MM-DD` in files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let y: i32 = it.next()?.parse().ok()?;
        let m: u32 = it.next()?.parse().ok()?;
        let d: u32 = it.next()?.parse().ok()?;
        // Four-digit years, as ISO 8601 writes them (9999-12-31 is a common "open" date);
        // wider ones would overflow the day arithmetic.
        if !(0..=9999).contains(&y) {
            return None;
        }
        let days_in = |m: u32| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=12).contains(&m) || d == 0 || d > days_in(m) {
            return None;
        }
        Some(Date::from_ymd(y, m, d))
    }

    /// The date of a civil year, month and day (Howard Hinnant's algorithm).
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Date {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
        Date(era * 146_097 + doe - 719_468)
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        (yoe + era * 400 + i32::from(m <= 2), m, d)
    }

    /// Minutes since 1970-01-01 00:00 of a timestamp `YYYY-MM-DDTHH:MM[:SS]` (or with a
    /// space for the `T`); `None` for a plain date or anything else.
    pub fn parse_minutes(s: &str) -> Option<i64> {
        let s = s.trim();
        let (date, time) = s.split_once('T').or_else(|| s.split_once(' '))?;
        let day = Date::parse(date)?;
        let mut hm = time.split(':');
        let h: i64 = hm.next()?.parse().ok()?;
        let m: i64 = hm.next()?.parse().ok()?;
        if !(0..24).contains(&h) || !(0..60).contains(&m) {
            return None;
        }
        Some(i64::from(day.0) * 1440 + h * 60 + m)
    }

    /// Day of the week, 0 = Monday.
    pub fn weekday(self) -> u32 {
        (self.0 + 3).rem_euclid(7) as u32
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// `sites.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Id.
    pub site_id: String,
    /// `supplier_site`, `plant`, `warehouse`, `port` or `customer_site`.
    pub site_type: String,
    /// ISO 3166-1 country.
    pub country: String,
    /// The electricity market it buys from (`DE-LU`, `CZ`, …), when the export says.
    pub energy_market: Option<String>,
    /// Where the row is.
    pub pos: Pos,
}

impl Site {
    /// The site's electricity market: the export's, else its country's (`DE-LU` for
    /// Germany and Luxembourg, which share one bidding zone; the country code elsewhere).
    pub fn market(&self) -> String {
        match &self.energy_market {
            Some(m) => m.clone(),
            None if self.country == "DE" || self.country == "LU" => "DE-LU".to_string(),
            None => self.country.clone(),
        }
    }
}

/// `suppliers.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Supplier {
    /// Id.
    pub supplier_id: String,
    /// Name.
    pub name: String,
    /// Country.
    pub country: String,
    /// Where the row is.
    pub pos: Pos,
}

/// `supplier_sites.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplierSite {
    /// The supplier.
    pub supplier_id: String,
    /// Its site.
    pub site_id: String,
    /// Where the row is.
    pub pos: Pos,
}

/// `parts.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Id.
    pub part_id: String,
    /// `raw`, `purchased`, `semi` or `finished`.
    pub part_type: String,
    /// Standard cost per base unit.
    pub std_cost: Option<f64>,
    /// List price (finished goods).
    pub list_price: Option<f64>,
    /// Commodity group (castings, electronics, …; column `commodity_group`, or `commodity`), when the export says.
    pub commodity: Option<String>,
    /// Where the row is.
    pub pos: Pos,
}

/// `bom.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct BomLine {
    /// The plant.
    pub plant_id: String,
    /// The assembly.
    pub parent_part_id: String,
    /// The component.
    pub component_part_id: String,
    /// Components per assembly.
    pub qty_per: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `routings.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// The plant.
    pub plant_id: String,
    /// The part made.
    pub part_id: String,
    /// The work centre.
    pub work_center_id: String,
    /// Run minutes per unit.
    pub run_min_per_unit: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `work_centers.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkCenter {
    /// Id.
    pub work_center_id: String,
    /// Its plant.
    pub plant_id: String,
    /// Shifts a day.
    pub std_shifts_per_day: f64,
    /// Hours a shift.
    pub hours_per_shift: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `sourcing.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sourcing {
    /// The part.
    pub part_id: String,
    /// The plant it is bought for.
    pub plant_id: String,
    /// The supplier's site.
    pub supplier_site_id: String,
    /// Share of the part's volume.
    pub quota_share: f64,
    /// Planned lead time.
    pub planned_lead_time_days: f64,
    /// The lane, when given.
    pub lane_id: Option<String>,
    /// Where the row is.
    pub pos: Pos,
}

/// `lanes.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// Id.
    pub lane_id: String,
    /// From.
    pub from_site_id: String,
    /// To.
    pub to_site_id: String,
    /// `road`, `rail`, `sea`, `air` or `multimodal`.
    pub mode: String,
    /// Countries crossed (ISO codes, `|`-separated in files).
    pub transit_countries: Vec<String>,
    /// Ports passed (site ids, `|`-separated in files).
    pub via_port_ids: Vec<String>,
    /// Planned transit time.
    pub planned_transit_days: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `inventory_snapshots.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stock {
    /// The day.
    pub date: Date,
    /// The site.
    pub site_id: String,
    /// The part.
    pub part_id: String,
    /// Quantity on hand.
    pub on_hand: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `purchase_orders.csv` (one row per schedule line).
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseOrder {
    /// Order id.
    pub po_id: String,
    /// Line.
    pub po_line: String,
    /// The part.
    pub part_id: String,
    /// The supplier's site.
    pub supplier_site_id: String,
    /// The plant receiving it.
    pub plant_id: String,
    /// When ordered.
    pub order_date: Date,
    /// When wanted.
    pub requested_date: Date,
    /// The supplier's first confirmed delivery date, when the export has it.
    pub first_confirmed_date: Option<Date>,
    /// Quantity.
    pub qty: f64,
    /// Price per unit, when the export has it.
    pub unit_price: Option<f64>,
    /// Where the row is.
    pub pos: Pos,
}

/// `po_receipts.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// Order id.
    pub po_id: String,
    /// Line.
    pub po_line: String,
    /// When the supplier shipped it, when the export has it.
    pub ship_date: Option<Date>,
    /// When received.
    pub receipt_date: Date,
    /// Quantity received.
    pub qty_received: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `production_orders.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductionOrder {
    /// Order id.
    pub prod_order_id: String,
    /// The part made.
    pub part_id: String,
    /// The plant.
    pub plant_id: String,
    /// The work centre.
    pub work_center_id: String,
    /// Good units.
    pub qty_good: f64,
    /// Scrapped units.
    pub qty_scrap: f64,
    /// `early`, `late`, `night`, `sat` or `ot`.
    pub shift_type: String,
    /// Minutes from `actual_start` to `actual_end`, when both are timestamps.
    pub run_minutes: Option<f64>,
    /// Where the row is.
    pub pos: Pos,
}

/// `sales_orders.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SalesOrder {
    /// Order id.
    pub so_id: String,
    /// Line.
    pub so_line: String,
    /// The plant shipping it.
    pub ship_from_plant_id: String,
    /// The customer (empty when the export has no customer column).
    pub customer_id: String,
    /// The part.
    pub part_id: String,
    /// When ordered.
    pub order_date: Date,
    /// When promised.
    pub promised_date: Date,
    /// Quantity.
    pub qty: f64,
    /// Price per unit.
    pub unit_price: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `deliveries.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Order id.
    pub so_id: String,
    /// Line.
    pub so_line: String,
    /// When shipped.
    pub ship_date: Date,
    /// Quantity shipped.
    pub qty_shipped: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// A whole export: the tables read, and the optional files that were absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Export {
    /// The export date from the manifest.
    pub export_date: Option<Date>,
    /// The ERP system named in the manifest.
    pub erp: Option<String>,
    /// The currency of money columns.
    pub currency: Option<String>,
    /// `sites.csv`.
    pub sites: Vec<Site>,
    /// `suppliers.csv`.
    pub suppliers: Vec<Supplier>,
    /// `supplier_sites.csv`.
    pub supplier_sites: Vec<SupplierSite>,
    /// `parts.csv`.
    pub parts: Vec<Part>,
    /// `bom.csv`.
    pub bom: Vec<BomLine>,
    /// `routings.csv`.
    pub routings: Vec<Routing>,
    /// `work_centers.csv`.
    pub work_centers: Vec<WorkCenter>,
    /// `sourcing.csv`.
    pub sourcing: Vec<Sourcing>,
    /// `lanes.csv`.
    pub lanes: Vec<Lane>,
    /// `inventory_snapshots.csv`.
    pub stocks: Vec<Stock>,
    /// `purchase_orders.csv`.
    pub purchase_orders: Vec<PurchaseOrder>,
    /// `po_receipts.csv`.
    pub receipts: Vec<Receipt>,
    /// `production_orders.csv`.
    pub production_orders: Vec<ProductionOrder>,
    /// `sales_orders.csv`.
    pub sales_orders: Vec<SalesOrder>,
    /// `deliveries.csv`.
    pub deliveries: Vec<Delivery>,
    /// `shift_calendar.csv`: planned hours per work centre and day.
    pub shift_calendar: Vec<ShiftDay>,
    /// `holidays.csv` (optional): public holidays and closures by country.
    pub holidays: Vec<Holiday>,
    /// `energy_prices.csv` (optional): day-ahead prices by market.
    pub energy_prices: Vec<EnergyPrice>,
    /// `energy_use.csv` (optional): metered energy by plant and work centre.
    pub energy_use: Vec<EnergyUse>,
    /// `energy_contracts.csv` (optional): hedged shares at fixed prices.
    pub energy_contracts: Vec<EnergyContract>,
    /// Tables (file stems) present in the folder, required or optional.
    pub present: Vec<String>,
    /// The files read, relative to the export folder: `manifest.toml`, then one per table present.
    pub files: Vec<String>,
}

/// `shift_calendar.csv`: a work centre's planned hours on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftDay {
    /// The day.
    pub date: Date,
    /// The plant.
    pub plant_id: String,
    /// The work centre.
    pub work_center_id: String,
    /// Planned hours (all shifts).
    pub hours_planned: f64,
    /// Planned overtime hours on top.
    pub overtime_hours: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `holidays.csv`: a public holiday or closure.
#[derive(Debug, Clone, PartialEq)]
pub struct Holiday {
    /// ISO country code.
    pub country: String,
    /// The day (for a closure of several days, its middle, or one row per day).
    pub date: Date,
    /// Its name.
    pub name: String,
    /// Where the row is.
    pub pos: Pos,
}

/// `energy_prices.csv`: a market's price on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyPrice {
    /// The day.
    pub date: Date,
    /// The market (bidding zone), e.g. `DE-LU`.
    pub market: String,
    /// `electricity` or `gas`.
    pub carrier: String,
    /// Price in EUR per MWh.
    pub price_eur_per_mwh: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `energy_use.csv`: metered electricity of a plant (or one of its work centres) on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyUse {
    /// The day.
    pub date: Date,
    /// The plant.
    pub plant_id: String,
    /// The work centre, when metered separately.
    pub work_center_id: Option<String>,
    /// Electricity used, kWh.
    pub electricity_kwh: f64,
    /// Where the row is.
    pub pos: Pos,
}

/// `energy_contracts.csv`: the share of a plant's energy bought ahead at a fixed price.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyContract {
    /// The plant.
    pub plant_id: String,
    /// `electricity` or `gas`.
    pub carrier: String,
    /// First day covered.
    pub valid_from: Date,
    /// Last day covered.
    pub valid_to: Date,
    /// Share of consumption at the fixed price, in [0, 1].
    pub hedged_share: f64,
    /// The fixed price, EUR per MWh.
    pub fixed_price_eur_per_mwh: Option<f64>,
    /// Where the row is.
    pub pos: Pos,
}

/// The required tables (SUPPLY-CHAIN.md §6, marked R), by file stem.
pub const REQUIRED: [&str; 16] = [
    "sites",
    "suppliers",
    "supplier_sites",
    "parts",
    "bom",
    "routings",
    "work_centers",
    "sourcing",
    "lanes",
    "inventory_snapshots",
    "purchase_orders",
    "po_receipts",
    "production_orders",
    "sales_orders",
    "deliveries",
    "shift_calendar",
];

/// The optional tables, each with what kausa cannot learn without it.
pub const OPTIONAL: [(&str, &str); 10] = [
    ("machine_events", "breakdowns and maintenance are not modelled: capacity is the planned capacity"),
    ("customers", "customers are anonymous: no key-account priorities or per-customer penalties"),
    ("demand_forecast", "demand is learned from sales history only, without the planners' forecast"),
    ("workforce_rules", "overtime and Saturday shifts have no works-council limits or premiums"),
    ("energy_use", "electricity use per work centre is not learned: price shocks and extra shifts cost no energy"),
    ("energy_prices", "electricity price shocks cannot be costed or passed on to supplier prices"),
    ("energy_contracts", "hedged shares are unknown: energy shocks hit the whole consumption"),
    (
        "holidays",
        "holiday delays (Chinese New Year, August closures) are not learned: lead times are averaged over the year",
    ),
    ("past_events", "past disruptions are not used as natural experiments for lead-time effects"),
    ("fx_rates", "prices in other currencies are taken at par with EUR"),
];

/// The ISO 3166-1 alpha-2 country codes (249, as in the tz database's `iso3166.tab`), sorted.
const ISO_COUNTRIES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

/// Whether `code` is an ISO 3166-1 alpha-2 country code (upper case).
pub fn is_country_code(code: &str) -> bool {
    ISO_COUNTRIES.binary_search(&code).is_ok()
}
