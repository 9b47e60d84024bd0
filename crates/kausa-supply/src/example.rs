//! The example company "Beispiel-Antriebe GmbH" (fictional), at `tiny` scale:
//! one plant in Baden-Württemberg, eight supplier sites in Germany, Poland and
//! China, 25 parts, one year of history, as the CSV files of an ERP export
//! (SUPPLY-CHAIN.md §6 and §9). The same seed gives byte-identical files.
//!
//! Ground truth of the history: a purchase order's lead time is the lane's
//! planned transit plus the supplier's base time plus a load term, times
//! log-normal noise; Chinese sea freight slows around Chinese New Year.

use std::fmt::Write as _;

use kausa_core::Rng;

use crate::data::Date;
use crate::learn::{Demand, LeadTime, Productivity, Scrap};

/// One file of the export: its name and content.
pub type File = (String, String);

struct Csv {
    name: &'static str,
    text: String,
}

impl Csv {
    fn new(name: &'static str, header: &str) -> Csv {
        Csv { name, text: format!("{header}\n") }
    }

    fn row(&mut self, fields: &[String]) {
        self.text.push_str(&fields.join(","));
        self.text.push('\n');
    }
}

macro_rules! row {
    ($csv:expr, $($f:expr),+ $(,)?) => { $csv.row(&[$($f.to_string()),+]) };
}

/// A supplier site of the example: id, country, what it makes, base days, lane mode, transit countries, planned transit.
const SUPPLIER_SITES: [(&str, &str, &str, f64, &str, &str, f64); 8] = [
    ("S-DE-1", "DE", "castings", 4.0, "road", "DE", 1.0),
    ("S-DE-2", "DE", "bearings", 3.0, "road", "DE", 1.0),
    ("S-DE-3", "DE", "plastics", 5.0, "road", "DE", 2.0),
    ("S-PL-1", "PL", "harnesses", 6.0, "road", "PL|DE", 3.0),
    ("S-PL-2", "PL", "sheet metal", 5.0, "road", "PL|DE", 3.0),
    ("S-PL-3", "PL", "castings", 7.0, "road", "PL|DE", 3.0),
    ("S-CN-1", "CN", "magnets", 10.0, "sea", "CN|DE", 38.0),
    ("S-CN-2", "CN", "electronics", 8.0, "rail", "CN|KZ|PL|DE", 20.0),
];

/// The export files of the tiny example company for `seed`.
pub fn tiny(seed: u64) -> Vec<File> {
    let mut tables = Tables::new();
    let mut rng = Rng::seed_from_u64(seed);
    let plant = "PLANT1";
    let mut files = Vec::new();
    row!(tables.sites, plant, "plant", "Schwaebisch Hall", "DE");
    row!(tables.sites, "PORT-HAM", "port", "Hamburg", "DE");
    for (i, (site, country, what, _, mode, transit, days)) in SUPPLIER_SITES.iter().enumerate() {
        let supplier = format!("SUP-{}", i + 1);
        row!(tables.sites, site, "supplier_site", format!("{what} works {}", i + 1), country);
        row!(tables.suppliers, supplier, format!("{what} supplier {}", i + 1), country);
        row!(tables.supplier_sites, supplier, site);
        row!(tables.lanes, format!("L-{site}"), site, plant, mode, transit, days);
    }
    // Parts: 5 finished motors, 5 semi-finished rotors/stators, 15 purchased.
    let finished: Vec<String> = (1..=5).map(|i| format!("FG-{i:02}")).collect();
    let semi: Vec<String> = (1..=5).map(|i| format!("SF-{i:02}")).collect();
    let bought: Vec<String> = (1..=15).map(|i| format!("P-{i:03}")).collect();
    let mut cost = std::collections::HashMap::new();
    for (k, p) in bought.iter().enumerate() {
        let c = 2.0 + (k as f64 * 3.7) % 20.0;
        cost.insert(p.clone(), c);
        row!(tables.parts, p, format!("purchased part {}", k + 1), "purchased", "PC", format!("{c:.2}"), "");
    }
    for (k, sf) in semi.iter().enumerate() {
        let (a, b) = (&bought[(2 * k) % 15], &bought[(2 * k + 5) % 15]);
        row!(tables.bom, plant, sf, a, 1);
        row!(tables.bom, plant, sf, b, 2);
        let c = cost[a] + 2.0 * cost[b] + 6.0;
        cost.insert(sf.clone(), c);
        row!(tables.parts, sf, format!("rotor/stator {}", k + 1), "semi", "PC", format!("{c:.2}"), "");
        row!(tables.routings, plant, sf, 10, "MACH1", 6 + k);
    }
    for (k, fg) in finished.iter().enumerate() {
        let (s1, s2) = (&semi[k], &semi[(k + 1) % 5]);
        let (p1, p2) = (&bought[(k + 10) % 15], &bought[(3 * k + 1) % 15]);
        for (c, q) in [(s1, 1), (s2, 1), (p1, 4), (p2, 1)] {
            row!(tables.bom, plant, fg, c, q);
        }
        let c = cost[s1] + cost[s2] + 4.0 * cost[p1] + cost[p2] + 25.0;
        row!(
            tables.parts,
            fg,
            format!("gear motor {}", k + 1),
            "finished",
            "PC",
            format!("{c:.2}"),
            format!("{:.2}", c * 1.6)
        );
        row!(tables.routings, plant, fg, 10, "ASSY1", 18 + 2 * k);
        row!(tables.routings, plant, fg, 20, "TEST1", 5);
    }
    for wc in ["MACH1", "ASSY1", "TEST1"] {
        row!(tables.work_centers, wc, plant, 2, 2, 8);
    }
    // Sourcing: every purchased part from one site, five of them dual-sourced (PL + DE).
    let mut source_of: Vec<Vec<(usize, f64)>> = Vec::new();
    for (k, p) in bought.iter().enumerate() {
        let first = k % 8;
        let srcs = if k % 3 == 0 && (3..6).contains(&first) {
            vec![(first, 0.7), ((first + 5) % 3, 0.3)]
        } else {
            vec![(first, 1.0)]
        };
        for &(s, q) in &srcs {
            let (site, _, _, base, _, _, transit) = SUPPLIER_SITES[s];
            row!(
                tables.sourcing,
                p,
                plant,
                site,
                q,
                format!("{:.2}", cost[p]),
                base + transit + 2.0,
                format!("L-{site}")
            );
        }
        source_of.push(srcs);
    }
    // One year of history: 2024.
    let start = Date::from_ymd(2024, 1, 1);
    let days = 366;
    let mut po_n = 0;
    let cny = Date::from_ymd(2024, 2, 10);
    for week in 0..52 {
        for (k, p) in bought.iter().enumerate() {
            for &(s, q) in &source_of[k] {
                let (site, country, _, base, mode, _, transit) = SUPPLIER_SITES[s];
                let order = Date(start.0 + week * 7 + (k % 5) as i32);
                let qty = (q * (80.0 + 40.0 * rng.uniform())).round();
                let load = 0.6 + 0.5 * rng.uniform();
                let mut lead = transit + base + 8.0 * (load - 0.8).max(0.0);
                if country == "CN" && mode == "sea" && (order.0 - cny.0).abs() < 21 {
                    lead += 9.0;
                }
                let lead = (lead * (0.25 * rng.normal()).exp()).round().max(1.0);
                po_n += 1;
                let po = format!("4500{po_n:05}");
                let requested = Date(order.0 + (base + transit + 2.0) as i32);
                let received = Date(order.0 + lead as i32);
                let status = if received.0 < start.0 + days { "closed" } else { "open" };
                row!(
                    tables.pos,
                    po,
                    10,
                    1,
                    p,
                    site,
                    plant,
                    format!("L-{site}"),
                    order,
                    requested,
                    qty,
                    format!("{:.2}", cost[p]),
                    status
                );
                if received.0 < start.0 + days {
                    row!(tables.receipts, po, 10, format!("R{po_n:06}"), received, qty, 0);
                }
            }
        }
    }
    let mut so_n = 0;
    for week in 0..52 {
        for (k, fg) in finished.iter().enumerate() {
            let month = Date(start.0 + week * 7).ymd().1;
            let season = if month >= 10 {
                1.25
            } else if month == 8 {
                0.7
            } else {
                1.0
            };
            let qty = (season * (20.0 + 10.0 * rng.uniform())).round();
            so_n += 1;
            let order = Date(start.0 + week * 7 + (k % 3) as i32);
            let promised = Date(order.0 + 14);
            let price = cost_of(&cost, fg) * 1.6;
            let late = (rng.uniform() < 0.12) as i32 * (1 + rng.index(6) as i32);
            let ship = Date(promised.0 + late);
            let status = if ship.0 < start.0 + days { "closed" } else { "open" };
            row!(
                tables.sales,
                format!("SO{so_n:06}"),
                10,
                format!("C-{:03}", 1 + (so_n * 7) % 40),
                plant,
                fg,
                order,
                promised,
                promised,
                qty,
                format!("{price:.2}"),
                status
            );
            if ship.0 < start.0 + days {
                row!(tables.deliveries, format!("SO{so_n:06}"), 10, format!("D{so_n:06}"), ship, qty);
            }
            // Every eighth order runs on a Saturday shift, which scraps 1.5 points more.
            let saturday = so_n % 8 == 0;
            let scrap = (qty * (0.04 * rng.uniform() + if saturday { 0.015 } else { 0.0 })).round();
            let p_start = Date(promised.0 - 5);
            row!(
                tables.production,
                format!("PR{so_n:06}"),
                fg,
                plant,
                "ASSY1",
                p_start,
                Date(p_start.0 + 2),
                p_start,
                Date(p_start.0 + 2),
                qty,
                qty - scrap,
                scrap,
                if saturday {
                    "sat"
                } else if k % 2 == 0 {
                    "early"
                } else {
                    "late"
                }
            );
        }
    }
    for week in 0..52 {
        let day = Date(start.0 + week * 7);
        for p in bought.iter().chain(&semi).chain(&finished) {
            row!(tables.stocks, day, plant, p, (40.0 + 120.0 * rng.uniform()).round(), 30);
        }
        for d in 0..5 {
            for wc in ["MACH1", "ASSY1", "TEST1"] {
                row!(tables.calendar, Date(day.0 + d), plant, wc, 2, 16, 0);
            }
        }
    }
    let manifest = format!(
        "# The export of the example company \"Beispiel-Antriebe GmbH\" (fictional), tiny scale, seed {seed}.\n\
         format = \"kausa-export/1\"\nexport_date = \"2024-12-31\"\nerp = \"example generator\"\ncurrency = \"EUR\"\ndecimal = \".\"\n"
    );
    tables.into_files(&mut files, manifest, []);
    // The truth behind the history, for tests and for people checking what kausa learns.
    let mut truth = format!(
        "# Ground truth of the example export (seed {seed}).\n\
         # Lead time of a purchase-order line, in days, rounded, at least 1:\n\
         #   (planned_transit + base + 8 * max(load - 0.8, 0)) * exp(0.25 * N(0, 1)), load ~ U(0.6, 1.1),\n\
         #   plus 9 days for sea freight ordered within 21 days of Chinese New Year (2024-02-10).\n\
         # Scrap share of a production order: 4% × U(0, 1) on early and late shifts, plus 1.5 points on Saturdays.\n\
         lead_time_sigma_log = 0.25\nscrap_rate_regular = 0.02\nscrap_rate_saturday = 0.035\n"
    );
    for (site, _, _, base, mode, transit, days) in SUPPLIER_SITES {
        let _ = writeln!(
            truth,
            "\n[supplier_site.{site:?}]\nbase_days = {base}\nplanned_transit_days = {days}\nmode = {mode:?}\ntransit = {transit:?}"
        );
    }
    files.push(("truth.toml".to_string(), truth));
    let mut readme = String::new();
    let _ = writeln!(
        readme,
        "Example ERP export of the fictional \"Beispiel-Antriebe GmbH\" (tiny scale), written by `kausa supply example --seed {seed}`.\n\
         One plant (PLANT1), eight supplier sites (DE, PL, CN), 25 parts, purchase, sales and production history for 2024."
    );
    files.push(("README.txt".to_string(), readme));
    files
}

/// The required tables of an export the example writes, each with its header.
struct Tables {
    sites: Csv,
    suppliers: Csv,
    supplier_sites: Csv,
    parts: Csv,
    bom: Csv,
    routings: Csv,
    work_centers: Csv,
    sourcing: Csv,
    lanes: Csv,
    stocks: Csv,
    pos: Csv,
    receipts: Csv,
    production: Csv,
    sales: Csv,
    deliveries: Csv,
    calendar: Csv,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            sites: Csv::new("sites", "site_id,site_type,name,country"),
            suppliers: Csv::new("suppliers", "supplier_id,name,country"),
            supplier_sites: Csv::new("supplier_sites", "supplier_id,site_id"),
            parts: Csv::new("parts", "part_id,description,part_type,base_uom,std_cost,list_price"),
            bom: Csv::new("bom", "plant_id,parent_part_id,component_part_id,qty_per"),
            routings: Csv::new("routings", "plant_id,part_id,op_seq,work_center_id,run_min_per_unit"),
            work_centers: Csv::new(
                "work_centers",
                "work_center_id,plant_id,machines,std_shifts_per_day,hours_per_shift",
            ),
            sourcing: Csv::new(
                "sourcing",
                "part_id,plant_id,supplier_site_id,quota_share,unit_price,planned_lead_time_days,lane_id",
            ),
            lanes: Csv::new("lanes", "lane_id,from_site_id,to_site_id,mode,transit_countries,planned_transit_days"),
            stocks: Csv::new("inventory_snapshots", "date,site_id,part_id,on_hand,safety_stock"),
            pos: Csv::new(
                "purchase_orders",
                "po_id,po_line,schedule_line,part_id,supplier_site_id,plant_id,lane_id,order_date,requested_date,qty,unit_price,status",
            ),
            receipts: Csv::new("po_receipts", "po_id,po_line,receipt_id,receipt_date,qty_received,qty_rejected"),
            production: Csv::new(
                "production_orders",
                "prod_order_id,part_id,plant_id,work_center_id,planned_start,planned_end,actual_start,actual_end,qty_planned,qty_good,qty_scrap,shift_type",
            ),
            sales: Csv::new(
                "sales_orders",
                "so_id,so_line,customer_id,ship_from_plant_id,part_id,order_date,requested_date,promised_date,qty,unit_price,status",
            ),
            deliveries: Csv::new("deliveries", "so_id,so_line,delivery_id,ship_date,qty_shipped"),
            calendar: Csv::new(
                "shift_calendar",
                "date,plant_id,work_center_id,shifts_planned,hours_planned,overtime_hours",
            ),
        }
    }

    /// The manifest, then each table as `<name>.csv`, then the optional ones in `more`.
    fn into_files<const N: usize>(self, files: &mut Vec<File>, manifest: String, more: [Csv; N]) {
        files.push(("manifest.toml".to_string(), manifest));
        let required = [
            self.sites,
            self.suppliers,
            self.supplier_sites,
            self.parts,
            self.bom,
            self.routings,
            self.work_centers,
            self.sourcing,
            self.lanes,
            self.stocks,
            self.pos,
            self.receipts,
            self.production,
            self.sales,
            self.deliveries,
            self.calendar,
        ];
        for csv in required.into_iter().chain(more) {
            files.push((format!("{}.csv", csv.name), csv.text));
        }
    }
}

fn cost_of(cost: &std::collections::HashMap<String, f64>, part: &str) -> f64 {
    cost.get(part).copied().unwrap_or(100.0)
}

/// The company at `full` scale (SUPPLY-CHAIN.md §9): what each supplier site of it is.
struct FullSite {
    id: String,
    country: &'static str,
    commodity: &'static str,
    base: f64,
    mode: &'static str,
    transit: &'static str,
    transit_days: f64,
    sigma: f64,
    /// Share of its order lines delivered in two receipts.
    partial: f64,
    /// Days its first confirmation adds to its nominal lead time (negative: optimistic).
    confirm_bias: f64,
}

/// Mean share of a split line's quantity in its first receipt, in the full company
/// (drawn uniformly from 0.5 to 0.8), and the days to the second (3 to 10, uniformly).
const FULL_FIRST_SHARE: f64 = 0.65;
const FULL_PARTIAL_GAP: (i32, i32) = (3, 10);

/// The supplier sites of the full company: 22 in Germany, 14 in Poland, 10 in Czechia
/// (three of them ship through Poland), 8 in Italy (August closure), 6 in China (three by
/// sea via Hamburg, one via Gdańsk, two by rail through Kazakhstan and Poland).
fn full_sites(rng: &mut Rng) -> Vec<FullSite> {
    let plan: [(&str, usize, &[&str]); 5] = [
        ("DE", 22, &["castings", "bearings", "plastics", "fasteners", "seals", "cables"]),
        ("PL", 14, &["castings", "harnesses", "sheet metal", "plastics"]),
        ("CZ", 10, &["machined parts", "bearings"]),
        ("IT", 8, &["pump housings", "valves"]),
        ("CN", 6, &["magnets", "electronics", "boards"]),
    ];
    let mut out = Vec::new();
    for (country, n, commodities) in plan {
        for i in 0..n {
            let (mode, transit, transit_days) = match (country, i) {
                ("DE", _) => ("road", "DE", 1.0 + (i % 2) as f64),
                ("PL", _) => ("road", "PL|DE", 2.0 + (i % 3) as f64),
                ("CZ", 0..=2) => ("road", "CZ|PL|DE", 3.0),
                ("CZ", _) => ("road", "CZ|DE", 1.0 + (i % 2) as f64),
                ("IT", _) => ("road", "IT|AT|DE", 2.0 + (i % 2) as f64),
                ("CN", 0..=2) => ("sea", "CN|DE", 35.0 + 5.0 * i as f64),
                ("CN", 3) => ("sea", "CN|PL|DE", 42.0),
                _ => ("rail", "CN|KZ|PL|DE", 18.0 + 2.0 * (i - 4) as f64),
            };
            out.push(FullSite {
                id: format!("S-{country}-{:02}", i + 1),
                country,
                commodity: commodities[i % commodities.len()],
                base: (3.0 + 7.0 * rng.uniform()).round(),
                mode,
                transit,
                transit_days,
                sigma: 0.1 + 0.4 * rng.uniform(),
                partial: match country {
                    "PL" => 0.2,
                    "CN" => 0.15,
                    "IT" => 0.1,
                    "CZ" => 0.08,
                    _ => 0.03,
                },
                confirm_bias: (i % 4) as f64 - 2.0,
            });
        }
    }
    out
}

/// The first draws of the full company for `seed`: its supplier sites and each finished
/// part's weekly base demand (what [`full_truth`] needs), and the generator for the rest.
fn full_draws(seed: u64) -> (Rng, Vec<FullSite>, Vec<f64>) {
    let mut rng = Rng::seed_from_u64(seed ^ 0x5eed_f011);
    let sites = full_sites(&mut rng);
    let base: Vec<f64> = (0..FULL_FINISHED).map(|_| (15.0 + 45.0 * rng.uniform()).round()).collect();
    (rng, sites, base)
}

/// Work centres of the full company and their plant (0: PLANT1 Schwäbisch Hall, 1: PLANT2 Plzeň).
const FULL_WORK_CENTERS: [(&str, usize); 10] = [
    ("MACH1", 0),
    ("MACH2", 0),
    ("WIND1", 0),
    ("ASSY1", 0),
    ("ASSY2", 0),
    ("TEST1", 0),
    ("MACH3", 1),
    ("ASSY3", 1),
    ("ASSY4", 1),
    ("TEST2", 1),
];

/// Finished parts of the full company.
const FULL_FINISHED: usize = 40;

/// The full company's true mechanisms over a forecast window, in the engine's families, so
/// that the engine run on them is the oracle the learned model is checked against: per
/// supplier site the log-normal median and spread of the true lead-time rule (no past
/// events) and its holiday term, per finished part the true weekly demand level and
/// spread in the window, and the true scrap rates.
pub fn full_truth(seed: u64, from: Date, days: i32) -> FullTruth {
    let (_, sites, base) = full_draws(seed);
    let mut rng = Rng::seed_from_u64(seed ^ 0x0e1a_c1e0);
    let leads = sites
        .iter()
        .map(|site| {
            let mut draws: Vec<f64> = (0..20_000)
                .map(|_| {
                    let lead = site.transit_days + site.base;
                    (lead * (site.sigma * rng.normal()).exp()).round().max(1.0)
                })
                .collect();
            draws.sort_by(f64::total_cmp);
            let logs: Vec<f64> = draws.iter().map(|d| d.ln()).collect();
            let m = logs.iter().sum::<f64>() / logs.len() as f64;
            let sd = (logs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / logs.len() as f64).sqrt();
            let median = draws[draws.len() / 2];
            LeadTime {
                supplier_site_id: site.id.clone(),
                lines: draws.len(),
                median_days: median,
                median_interval: (median, median),
                sigma_log: sd,
                p90_days: draws[draws.len() * 9 / 10],
                planned_days: Some(site.base + site.transit_days + 2.0),
                late_share: 0.0,
                // The holiday terms, added to orders placed near the holidays of holidays.csv.
                holiday_days: match (site.country, site.mode) {
                    ("CN", "sea") => 9.0,
                    ("IT", _) => 10.0,
                    _ => 0.0,
                },
                holiday_lines: 0,
                load_effect: FULL_LOAD_EFFECT,
                load_effect_interval: (FULL_LOAD_EFFECT, FULL_LOAD_EFFECT),
                partial_share: site.partial,
                partial_interval: (site.partial, site.partial),
                first_share: FULL_FIRST_SHARE,
                partial_gap_days: f64::from(FULL_PARTIAL_GAP.0 + FULL_PARTIAL_GAP.1) / 2.0,
                ..LeadTime::default()
            }
        })
        .collect();
    // Demand in the window: base × season × 1.03 per year since 2022, times U(0.75, 1.25)
    // (mean 1, standard deviation 0.5 / √12), averaged over the window's weeks.
    let weeks: Vec<f64> = (0..(days / 7).max(1))
        .map(|w| {
            let (year, month, _) = Date(from.0 + 7 * w).ymd();
            let season = match month {
                10..=12 => 1.25,
                8 => 0.7,
                _ => 1.0,
            };
            season * 1.03f64.powf(f64::from(year - 2022) + f64::from(month - 1) / 12.0)
        })
        .collect();
    let level = weeks.iter().sum::<f64>() / weeks.len() as f64;
    let demand = (0..FULL_FINISHED)
        .map(|j| {
            let family = ["A", "B", "C", "D", "E", "F"][j % 6];
            let mean = base[j] * level;
            Demand {
                part_id: format!("FG-{family}{:02}", j / 6 + 1),
                weeks: weeks.len(),
                mean_per_week: mean,
                mean_interval: (mean, mean),
                sd_per_week: mean * 0.5 / 12f64.sqrt(),
                ..Demand::default()
            }
        })
        .collect();
    let scrap = ["early", "late", "sat"]
        .iter()
        .map(|shift| {
            let rate = if *shift == "sat" { 0.035 } else { 0.02 };
            Scrap { shift_type: shift.to_string(), orders: 1, units: 1.0, rate, interval: (rate, rate) }
        })
        .collect();
    // Electricity as generated: each market's price level of the last 90 days, the use
    // rates and the hedges in force at the export date. (No pass-through: the oracle
    // scenarios do not shock electricity prices.)
    let energy_draw = FullEnergy::draw(seed, Date::from_ymd(2022, 1, 1), Date::from_ymd(2025, 1, 1));
    let markets = energy_draw
        .markets
        .iter()
        .map(|(market, _, prices)| {
            let recent = &prices[prices.len() - crate::energy::BASELINE_DAYS as usize..];
            crate::energy::MarketPrice {
                market: market.to_string(),
                days: prices.len(),
                baseline_eur_per_mwh: recent.iter().sum::<f64>() / recent.len() as f64,
                last: "2024-12-31".into(),
            }
        })
        .collect();
    let use_by_work_center = FULL_WORK_CENTERS
        .iter()
        .map(|&(wc, plant)| {
            let (base, rate) = full_energy_use(wc);
            crate::energy::WorkCenterEnergy {
                plant_id: ["PLANT1", "PLANT2"][plant].into(),
                work_center_id: Some(wc.into()),
                days: 0,
                base_kwh_per_day: base,
                kwh_per_hour: rate,
                kwh_per_hour_interval: (rate, rate),
                r2: 1.0,
            }
        })
        .collect();
    let hedge = |plant: &str, share: f64, price: f64| crate::energy::Hedge {
        plant_id: plant.into(),
        hedged_share: share,
        fixed_price_eur_per_mwh: Some(price),
    };
    let energy = crate::energy::Energy {
        lag_days: PASS_THROUGH_LAG,
        markets,
        use_by_work_center,
        pass_through: Vec::new(),
        commodities: Vec::new(),
        hedges: vec![hedge("PLANT1", 0.5, 95.0), hedge("PLANT2", 0.3, 105.0)],
    };
    let productivity = ["early", "late", "sat"]
        .iter()
        .map(|shift| {
            let relative = if *shift == "sat" { FULL_SATURDAY_PRODUCTIVITY } else { 1.0 };
            Productivity { shift_type: shift.to_string(), orders: 1, relative, interval: (relative, relative) }
        })
        .collect();
    FullTruth { leads, demand, scrap, energy, productivity }
}

/// The full company's true mechanisms in the engine's families ([`full_truth`]).
#[derive(Debug, Clone)]
pub struct FullTruth {
    /// Per supplier site: lead time (with its load, holiday and delivery terms).
    pub leads: Vec<LeadTime>,
    /// Per finished part: weekly demand in the window.
    pub demand: Vec<Demand>,
    /// Scrap per shift type.
    pub scrap: Vec<Scrap>,
    /// Electricity.
    pub energy: crate::energy::Energy,
    /// Output per hour by shift type.
    pub productivity: Vec<Productivity>,
}

/// Electricity in the full company: daily prices per market, supplier price
/// pass-through by commodity, use per work centre, hedges. Drawn from its own
/// stream, so that the rest of the export is what it was without it.
struct FullEnergy {
    /// Per market: (id, reference level = mean over 2022–2024, daily prices from `first`).
    markets: Vec<(&'static str, f64, Vec<f64>)>,
    first: i32,
}

/// Markets of the full company: the plants' (DE-LU, CZ) and the suppliers' countries',
/// each with its typical price level (EUR/MWh) and whether the 2022 spike hit it.
const FULL_MARKETS: [(&str, &str, f64, bool); 5] = [
    ("DE", "DE-LU", 100.0, true),
    ("CZ", "CZ", 95.0, true),
    ("PL", "PL", 105.0, true),
    ("IT", "IT", 115.0, true),
    ("CN", "CN", 70.0, false),
];

/// True pass-through of electricity prices into supplier prices, by commodity.
const PASS_THROUGH: [(&str, f64); 14] = [
    ("castings", 0.30),
    ("pump housings", 0.25),
    ("sheet metal", 0.20),
    ("machined parts", 0.15),
    ("valves", 0.12),
    ("plastics", 0.10),
    ("fasteners", 0.10),
    ("bearings", 0.08),
    ("cables", 0.08),
    ("magnets", 0.06),
    ("harnesses", 0.05),
    ("seals", 0.05),
    ("electronics", 0.03),
    ("boards", 0.03),
];

/// How a supplier's lead time grows with its load in the full company: by this share of
/// the load above 1 (load: the site's orders of the last 28 days over its mean for 28 days).
const FULL_LOAD_EFFECT: f64 = 0.8;

/// Output per hour on a Saturday shift relative to a weekday shift, in the full company.
const FULL_SATURDAY_PRODUCTIVITY: f64 = 0.92;

/// `YYYY-MM-DDTHH:MM` of minutes since 1970-01-01.
fn stamp(minutes: i64) -> String {
    let day = Date(minutes.div_euclid(1440) as i32);
    let m = minutes.rem_euclid(1440);
    format!("{day}T{:02}:{:02}", m / 60, m % 60)
}

/// Days by which supplier prices follow electricity prices.
const PASS_THROUGH_LAG: i32 = 60;

/// Electricity use of the full company's work centres: (base kWh a day, kWh per staffed hour).
fn full_energy_use(wc: &str) -> (f64, f64) {
    match &wc[..4] {
        "MACH" => (240.0, 110.0),
        "WIND" => (180.0, 90.0),
        "ASSY" => (120.0, 35.0),
        _ => (150.0, 55.0),
    }
}

impl FullEnergy {
    /// Prices from 120 days before `start` to `end`: level × winter season × the 2022
    /// spike (×2.5 from July to October, European markets) × an AR(1) log-noise.
    fn draw(seed: u64, start: Date, end: Date) -> FullEnergy {
        let mut rng = Rng::seed_from_u64(seed ^ 0x0e1e_c7c0);
        let first = start.0 - 120;
        let spike = (Date::from_ymd(2022, 7, 1).0, Date::from_ymd(2022, 11, 1).0);
        let markets = FULL_MARKETS
            .iter()
            .map(|&(_, market, level, spiked)| {
                let mut z = 0.0;
                let mut prices: Vec<f64> = (first..end.0)
                    .map(|day| {
                        z = 0.95 * z + 0.03 * rng.normal();
                        let (y, ..) = Date(day).ymd();
                        let doy = f64::from(day - Date::from_ymd(y, 1, 1).0);
                        let season = 1.0 + 0.15 * (2.0 * std::f64::consts::PI * (doy - 15.0) / 365.25).cos();
                        let s = if spiked && day >= spike.0 && day < spike.1 { 2.5 } else { 1.0 };
                        (level * season * s * z.exp() * 100.0).round() / 100.0
                    })
                    .collect();
                // The reference level is the mean over the history, so that the elasticity
                // at the mean price equals the pass-through share.
                let history = &prices[(start.0 - first) as usize..];
                let reference = history.iter().sum::<f64>() / history.len() as f64;
                prices.shrink_to_fit();
                (market, reference, prices)
            })
            .collect();
        FullEnergy { markets, first }
    }

    fn market(&self, country: &str) -> &(&'static str, f64, Vec<f64>) {
        let i = FULL_MARKETS.iter().position(|m| m.0 == country).expect("a market per supplier country");
        &self.markets[i]
    }

    /// A purchase price: `cost · (1 + π · (E(order − lag) / E_ref − 1))`, with 0.5% noise.
    fn unit_price(&self, cost: f64, commodity: &str, country: &str, order: Date, rng: &mut Rng) -> f64 {
        let pi = PASS_THROUGH.iter().find(|c| c.0 == commodity).map_or(0.0, |c| c.1);
        let (_, reference, prices) = self.market(country);
        let e = prices[(order.0 - PASS_THROUGH_LAG - self.first) as usize];
        cost * (1.0 + pi * (e / reference - 1.0)) * (1.0 + 0.005 * rng.normal())
    }

    /// `energy_prices.csv`, `energy_use.csv` (every work centre every day; staffed hours
    /// as in the shift calendar) and `energy_contracts.csv`.
    fn tables(&self, wcs: &[(&str, usize)], start: Date, weeks: i32, seed: u64) -> (Csv, Csv, Csv) {
        let mut rng = Rng::seed_from_u64(seed ^ 0x0e1e_c7a5);
        let mut prices = Csv::new("energy_prices", "date,market,carrier,price_eur_per_mwh");
        for (market, _, series) in &self.markets {
            for (i, p) in series.iter().enumerate() {
                row!(prices, Date(self.first + i as i32), market, "electricity", format!("{p:.2}"));
            }
        }
        let mut used = Csv::new("energy_use", "date,plant_id,work_center_id,electricity_kwh,gas_kwh,peak_kw");
        let plants = ["PLANT1", "PLANT2"];
        for day in start.0..start.0 + 7 * weeks {
            // The shift calendar staffs the first five days of each week from `start`, 16 hours.
            let hours = if (day - start.0) % 7 < 5 { 16.0 } else { 0.0 };
            for &(wc, plant) in wcs {
                let (base, rate) = full_energy_use(wc);
                let kwh = base + rate * hours * (0.95 + 0.1 * rng.uniform()) + 10.0 * rng.normal();
                row!(used, Date(day), plants[plant], wc, format!("{kwh:.1}"), "", "");
            }
        }
        let mut contracts =
            Csv::new("energy_contracts", "plant_id,carrier,valid_from,valid_to,hedged_share,fixed_price_eur_per_mwh");
        row!(contracts, "PLANT1", "electricity", Date::from_ymd(2022, 1, 1), Date::from_ymd(2023, 12, 31), 0.6, 85);
        row!(contracts, "PLANT1", "electricity", Date::from_ymd(2024, 1, 1), Date::from_ymd(2025, 12, 31), 0.5, 95);
        row!(contracts, "PLANT2", "electricity", Date::from_ymd(2024, 1, 1), Date::from_ymd(2025, 12, 31), 0.3, 105);
        (prices, used, contracts)
    }

    /// The truth.toml section.
    fn truth(&self) -> String {
        let mut t = format!(
            "\n# Electricity: daily price = level x (1 + 0.15 cos(2 pi (day of year - 15) / 365.25)) x 2.5 from 2022-07-01 to\n\
             # 2022-10-31 (European markets) x exp(AR(1) noise, 0.95, 0.03). Supplier price of a purchase-order line =\n\
             # std cost x (1 + pass_through[commodity] x (E(order - {PASS_THROUGH_LAG} days) / E_ref - 1)) x (1 + 0.005 N(0, 1)),\n\
             # E of the supplier's country's market, E_ref its mean over 2022-2024. Use per work centre and day, kWh =\n\
             # base + kwh_per_hour x staffed hours x U(0.95, 1.05) + 10 N(0, 1).\n[energy]\npass_through_lag_days = {PASS_THROUGH_LAG}\n"
        );
        for (market, reference, _) in &self.markets {
            let _ = writeln!(t, "reference_eur_per_mwh.{market:?} = {reference:.4}");
        }
        for (c, pi) in PASS_THROUGH {
            let _ = writeln!(t, "pass_through.{c:?} = {pi}");
        }
        for wc in ["MACH", "WIND", "ASSY", "TEST"] {
            let (base, rate) = full_energy_use(wc);
            let _ = writeln!(t, "use.{wc:?} = {{ base_kwh_per_day = {base}, kwh_per_hour = {rate} }}");
        }
        t
    }
}

/// The export files of the full-scale example company for `seed`: two plants
/// (Schwäbisch Hall, DE, with six work centres; Plzeň, CZ, with four; family A's
/// gear motors routed in both), 60 supplier sites, 40 finished parts in six
/// families, 50 semi-finished parts in two levels, 130 purchased parts, twelve of
/// them dual-sourced, and three years of daily history (2022–2024) with injected
/// past events. The ground truth is `truth.toml`.
pub fn full(seed: u64) -> Vec<File> {
    let mut tables = Tables::new();
    let (mut rng, sites, base) = full_draws(seed);
    let plants = [("PLANT1", "Schwaebisch Hall", "DE"), ("PLANT2", "Plzen", "CZ")];
    let wcs = FULL_WORK_CENTERS;
    let mut files = Vec::new();
    for (id, name, country) in plants {
        row!(tables.sites, id, "plant", name, country);
    }
    row!(tables.sites, "PORT-HAM", "port", "Hamburg", "DE");
    row!(tables.sites, "PORT-GDN", "port", "Gdansk", "PL");
    for (i, s) in sites.iter().enumerate() {
        row!(tables.sites, s.id, "supplier_site", format!("{} works {}", s.commodity, i + 1), s.country);
        row!(tables.suppliers, format!("SUP-{:02}", i + 1), format!("{} supplier {}", s.commodity, i + 1), s.country);
        row!(tables.supplier_sites, format!("SUP-{:02}", i + 1), s.id);
    }
    // Finished parts: 40 in families A–F; A–D are made at PLANT1, E–F at PLANT2, A also at PLANT2.
    let families = ["A", "B", "C", "D", "E", "F"];
    let finished: Vec<(String, usize)> =
        (0..FULL_FINISHED).map(|i| (format!("FG-{}{:02}", families[i % 6], i / 6 + 1), i % 6)).collect();
    let home_of = |family: usize| usize::from(family >= 4);
    let semi: Vec<String> = (1..=50).map(|i| format!("SF-{i:03}")).collect();
    let bought: Vec<String> = (1..=130).map(|i| format!("P-{i:04}")).collect();
    // Weekly demand base per finished part.
    // Bills of materials: level-2 semis (SF-041..050) from two purchased parts; level-1
    // semis (SF-001..040) from two purchased parts and, every fourth, a level-2 semi;
    // finished parts from two level-1 semis of their family's pool and two or three
    // purchased parts. Purchased parts are dealt out in turn, so each is used.
    let mut next_bought = 0usize;
    let mut take = |n: usize| -> Vec<usize> {
        (0..n)
            .map(|_| {
                next_bought += 1;
                (next_bought * 37) % 130
            })
            .collect()
    };
    let mut bom: Vec<(String, String, f64)> = Vec::new();
    for s in &semi[40..] {
        for p in take(2) {
            bom.push((s.clone(), bought[p].clone(), 1.0));
        }
    }
    for (k, s) in semi[..40].iter().enumerate() {
        for p in take(2) {
            bom.push((s.clone(), bought[p].clone(), (1 + k % 3) as f64));
        }
        if k % 4 == 0 {
            bom.push((s.clone(), semi[40 + k / 4].clone(), 1.0));
        }
    }
    for (j, (fg, family)) in finished.iter().enumerate() {
        for t in 0..2 {
            bom.push((fg.clone(), semi[(family * 7 + 3 * j + t) % 40].clone(), 1.0));
        }
        for p in take(2 + j % 2) {
            bom.push((fg.clone(), bought[p].clone(), (1 + (j + p) % 4) as f64));
        }
    }
    // Costs bottom-up.
    let mut cost = std::collections::HashMap::new();
    for (k, p) in bought.iter().enumerate() {
        cost.insert(p.clone(), 1.0 + (k as f64 * 7.3) % 39.0);
    }
    for part in semi[40..].iter().chain(&semi[..40]).chain(finished.iter().map(|f| &f.0)) {
        let c: f64 = bom.iter().filter(|b| b.0 == *part).map(|b| b.2 * cost_of(&cost, &b.1)).sum();
        let labour = if part.starts_with("FG") { 30.0 } else { 6.0 };
        cost.insert(part.clone(), c + labour);
    }
    // At full scale parts carry their commodity group (a purchased part's is its first source's).
    tables.parts = Csv::new("parts", "part_id,description,part_type,base_uom,std_cost,list_price,commodity_group");
    let commodity_of = |k: usize| sites[(k * 7) % sites.len()].commodity;
    for (k, p) in bought.iter().enumerate() {
        let (c, what) = (format!("{:.2}", cost[p]), commodity_of(k));
        row!(tables.parts, p, format!("purchased part {}", k + 1), "purchased", "PC", c, "", what);
    }
    for (k, s) in semi.iter().enumerate() {
        let what = if k < 40 { "rotor/stator/board" } else { "core" };
        row!(tables.parts, s, format!("{what} {}", k + 1), "semi", "PC", format!("{:.2}", cost[s]), "", "");
    }
    for (fg, family) in &finished {
        let c = cost[fg];
        let what = ["gear motor", "gear motor", "servo motor", "pump", "pump", "drive controller"][*family];
        let (c, list) = (format!("{c:.2}"), format!("{:.2}", c * 1.6));
        row!(tables.parts, fg, format!("{what} {fg}"), "finished", "PC", c, list, "");
    }
    // Routings, sized for the work centres' loads (2 shifts of 8 hours): assembly runs at
    // about 70% of its minutes (at the base demand), test and machining at about 60%.
    let daily = |j: usize| base[j] / 5.0;
    let assy_of = |j: usize, family: usize| if home_of(family) == 0 { 3 + j % 2 } else { 7 + j % 2 };
    let test_of = |family: usize| if home_of(family) == 0 { 5 } else { 9 };
    let mut assy_units = [0.0; 10];
    for (j, (_, family)) in finished.iter().enumerate() {
        assy_units[assy_of(j, *family)] += daily(j);
        assy_units[test_of(*family)] += daily(j);
    }
    let capacity = 2.0 * 8.0 * 60.0;
    let mut minutes_of = std::collections::HashMap::new();
    for (j, (fg, family)) in finished.iter().enumerate() {
        let (a, t) = (assy_of(j, *family), test_of(*family));
        let m_a = 0.7 * capacity / assy_units[a] * (0.9 + 0.2 * rng.uniform());
        let m_t = 0.6 * capacity / assy_units[t];
        minutes_of.insert(fg.clone(), (m_a, m_t));
        row!(tables.routings, plants[home_of(*family)].0, fg, 10, wcs[a].0, format!("{m_a:.2}"));
        row!(tables.routings, plants[home_of(*family)].0, fg, 20, wcs[t].0, format!("{m_t:.2}"));
        if *family == 0 {
            // Family A is also routed at PLANT2 (the move_capacity option).
            row!(tables.routings, "PLANT2", fg, 10, wcs[7 + j % 2].0, format!("{m_a:.2}"));
            row!(tables.routings, "PLANT2", fg, 20, "TEST2", format!("{m_t:.2}"));
        }
    }
    // Semis: machined or wound at the plant of the first finished part that uses them.
    let mut semi_use = vec![0.0; 50];
    let mut semi_home = vec![0usize; 50];
    for (j, (fg, family)) in finished.iter().enumerate().rev() {
        for b in bom.iter().filter(|b| b.0 == *fg && b.1.starts_with("SF")) {
            let k: usize = b.1[3..].parse::<usize>().expect("SF-nnn") - 1;
            semi_use[k] += daily(j) * b.2;
            semi_home[k] = home_of(*family);
        }
    }
    for k in 0..40 {
        for b in bom.iter().filter(|b| b.0 == semi[k] && b.1.starts_with("SF")) {
            let l: usize = b.1[3..].parse::<usize>().expect("SF-nnn") - 1;
            semi_use[l] += semi_use[k] * b.2;
            semi_home[l] = semi_home[k];
        }
    }
    let semi_wc = |k: usize| if semi_home[k] == 1 { 6 } else { k % 3 };
    let mut wc_units = [0.0; 10];
    for k in 0..50 {
        wc_units[semi_wc(k)] += semi_use[k];
    }
    for k in 0..50 {
        let w = semi_wc(k);
        let m = 0.6 * capacity / wc_units[w] * (0.8 + 0.4 * rng.uniform());
        row!(tables.routings, plants[semi_home[k]].0, semi[k], 10, wcs[w].0, format!("{m:.2}"));
    }
    for (wc, p) in wcs {
        row!(tables.work_centers, wc, plants[p].0, 2, 2, 8);
    }
    for (parent, child, q) in &bom {
        let plant = finished
            .iter()
            .find(|f| f.0 == *parent)
            .map_or_else(|| semi.iter().position(|s| s == parent).map_or(0, |k| semi_home[k]), |f| home_of(f.1));
        row!(tables.bom, plants[plant].0, parent, child, q);
        if finished.iter().any(|f| f.0 == *parent && f.1 == 0) {
            row!(tables.bom, "PLANT2", parent, child, q);
        }
    }
    // Sourcing: each purchased part from a site whose turn it is; twelve Polish-sourced
    // parts dual-sourced with a Czech or German site (60/40).
    // At full scale lanes name the ports they pass: Hamburg for sea freight landing in
    // Germany, Gdańsk for the one through Poland.
    tables.lanes =
        Csv::new("lanes", "lane_id,from_site_id,to_site_id,mode,transit_countries,via_port_ids,planned_transit_days");
    for s in &sites {
        let port = match (s.mode, s.transit) {
            ("sea", "CN|PL|DE") => "PORT-GDN",
            ("sea", _) => "PORT-HAM",
            _ => "",
        };
        row!(tables.lanes, format!("L-{}", s.id), s.id, "PLANT1", s.mode, s.transit, port, s.transit_days);
    }
    let mut source_of: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut dual = 0;
    for (k, p) in bought.iter().enumerate() {
        let first = (k * 7) % sites.len();
        let srcs = if sites[first].country == "PL" && dual < 12 && k % 2 == 0 {
            dual += 1;
            let second = if dual % 2 == 0 { 36 + dual % 10 } else { dual % 22 };
            vec![(first, 0.6), (second, 0.4)]
        } else {
            vec![(first, 1.0)]
        };
        for &(s, q) in &srcs {
            let site = &sites[s];
            row!(
                tables.sourcing,
                p,
                "PLANT1",
                site.id,
                q,
                format!("{:.2}", cost[p]),
                site.base + site.transit_days + 2.0,
                format!("L-{}", site.id)
            );
        }
        source_of.push(srcs);
    }
    // Weekly use of each purchased part (finished parts' demand through the BOM).
    let mut use_of = vec![0.0; 130];
    {
        let mut stack: Vec<(String, f64)> =
            finished.iter().enumerate().map(|(j, (fg, _))| (fg.clone(), base[j])).collect();
        while let Some((part, qty)) = stack.pop() {
            for b in bom.iter().filter(|b| b.0 == part) {
                match bought.iter().position(|p| *p == b.1) {
                    Some(k) => use_of[k] += qty * b.2,
                    None => stack.push((b.1.clone(), qty * b.2)),
                }
            }
        }
    }
    // Three years of history, 2022–2024, with the injected past events of truth.toml.
    let start = Date::from_ymd(2022, 1, 1);
    let end = Date::from_ymd(2025, 1, 1);
    let weeks = (end.0 - start.0) / 7;
    let cny = [Date::from_ymd(2022, 2, 1), Date::from_ymd(2023, 1, 22), Date::from_ymd(2024, 2, 10)];
    let blockade = (Date::from_ymd(2023, 3, 6), 10);
    let fire = ("S-IT-03", Date::from_ymd(2023, 6, 12), 60);
    let port = (Date::from_ymd(2022, 4, 4), 21);
    let energy = FullEnergy::draw(seed, start, end);
    // At full scale purchase orders carry the supplier's first confirmed date, and some
    // lines come in two receipts (their own stream, so the rest is what it was).
    tables.pos = Csv::new(
        "purchase_orders",
        "po_id,po_line,schedule_line,part_id,supplier_site_id,plant_id,lane_id,order_date,requested_date,first_confirmed_date,qty,unit_price,status",
    );
    let mut split_rng = Rng::seed_from_u64(seed ^ 0x0e1e_5b17);
    // Receipts carry their ship date (the lane's share of the line's lead time back from the receipt).
    tables.receipts =
        Csv::new("po_receipts", "po_id,po_line,receipt_id,ship_date,receipt_date,qty_received,qty_rejected");
    let mut price_rng = Rng::seed_from_u64(seed ^ 0x0e1e_c7e5);
    // Order quantities first (they follow the season of demand), so that each line's
    // load — its site's orders of the 28 days before, over the site's mean for 28 days —
    // is known when its lead time is drawn.
    let season_of = |day: Date| match day.ymd().1 {
        10..=12 => 1.25,
        8 => 0.7,
        _ => 1.0,
    };
    let mut quantities = Vec::new();
    let mut orders: Vec<(&str, i32, f64)> = Vec::new();
    for week in 0..weeks {
        for k in 0..bought.len() {
            for &(s, q) in &source_of[k] {
                let order = Date(start.0 + week * 7 + (k % 5) as i32);
                let qty = (q * use_of[k] * season_of(order) * (0.8 + 0.4 * rng.uniform())).round().max(1.0);
                quantities.push(qty);
                orders.push((sites[s].id.as_str(), order.0, qty));
            }
        }
    }
    // The same measure of load as the learner's, over the whole history.
    let loads = crate::learn::Loads::new(orders.into_iter(), f64::from(end.0 - start.0));
    let mut quantities = quantities.into_iter();
    let mut po_n = 0;
    for week in 0..weeks {
        for (k, p) in bought.iter().enumerate() {
            for &(s, _) in &source_of[k] {
                let site = &sites[s];
                let order = Date(start.0 + week * 7 + (k % 5) as i32);
                let qty = quantities.next().expect("one quantity per line");
                let mut lead = site.transit_days + site.base;
                if site.country == "CN" && site.mode == "sea" && cny.iter().any(|c| (order.0 - c.0).abs() < 21) {
                    lead += 9.0;
                }
                if site.country == "IT" && order.ymd().1 == 8 {
                    lead += 10.0;
                }
                let lead = lead * (1.0 + FULL_LOAD_EFFECT * loads.excess(&site.id, order.0, 0.0));
                let mut lead = lead * (site.sigma * rng.normal()).exp();
                if site.transit.contains("PL") && (order.0 - blockade.0.0).abs() <= 30 {
                    let ship = order.0 + site.base as i32;
                    if ship >= blockade.0.0 && ship < blockade.0.0 + blockade.1 {
                        lead += 4.0;
                    }
                }
                if site.id == fire.0 && order.0 >= fire.1.0 - 10 && order.0 < fire.1.0 + fire.2 {
                    lead = lead.max((fire.1.0 + fire.2 - order.0) as f64 + site.transit_days);
                }
                if site.mode == "sea" && order.0 >= port.0.0 - 7 && order.0 < port.0.0 + port.1 {
                    lead += (port.0.0 + port.1 - order.0).max(0) as f64;
                }
                let lead = lead.round().max(1.0);
                po_n += 1;
                let po = format!("45{po_n:07}");
                let requested = Date(order.0 + (site.base + site.transit_days + 2.0) as i32);
                let received = Date(order.0 + lead as i32);
                let status = if received.0 < end.0 { "closed" } else { "open" };
                // The line's lead time split between the supplier and the lane in proportion
                // to base days and planned transit.
                let transit = (lead * site.transit_days / (site.transit_days + site.base)).round() as i32;
                let ship_of = |receipt: Date| Date((receipt.0 - transit).max(order.0));
                row!(
                    tables.pos,
                    po,
                    10,
                    1,
                    p,
                    site.id,
                    "PLANT1",
                    format!("L-{}", site.id),
                    order,
                    requested,
                    Date(order.0 + (site.transit_days + site.base + site.confirm_bias).round().max(1.0) as i32),
                    qty,
                    format!("{:.2}", energy.unit_price(cost[p], commodity_of(k), site.country, order, &mut price_rng)),
                    status
                );
                if split_rng.uniform() < site.partial && qty >= 2.0 {
                    let first = (qty * (0.5 + 0.3 * split_rng.uniform())).round().clamp(1.0, qty - 1.0);
                    let gap = FULL_PARTIAL_GAP.0
                        + split_rng.index((FULL_PARTIAL_GAP.1 - FULL_PARTIAL_GAP.0 + 1) as u64) as i32;
                    if received.0 < end.0 {
                        let shipped = ship_of(received);
                        row!(tables.receipts, po, 10, format!("R{po_n:07}"), shipped, received, first, 0);
                    }
                    if received.0 + gap < end.0 {
                        let second = Date(received.0 + gap);
                        let shipped = ship_of(second);
                        row!(tables.receipts, po, 10, format!("R{po_n:07}B"), shipped, second, qty - first, 0);
                    }
                } else if received.0 < end.0 {
                    let shipped = ship_of(received);
                    row!(tables.receipts, po, 10, format!("R{po_n:07}"), shipped, received, qty, 0);
                }
            }
        }
    }
    let (mut so_n, mut pr_n) = (0, 0);
    let mut run_rng = Rng::seed_from_u64(seed ^ 0x0e1e_0dd0);
    for week in 0..weeks {
        let monday = Date(start.0 + week * 7);
        let (year, month, _) = monday.ymd();
        let season = match month {
            10..=12 => 1.25,
            8 => 0.7,
            _ => 1.0,
        };
        let trend = 1.03f64.powf(f64::from(year - 2022) + f64::from(month - 1) / 12.0);
        for (j, (fg, family)) in finished.iter().enumerate() {
            let total = (base[j] * season * trend * (0.75 + 0.5 * rng.uniform())).round();
            let plant = plants[home_of(*family)].0;
            let price = cost[fg] * 1.6;
            // The week's demand in lines of a few customers each.
            let n_lines = 3 + rng.index(8) as usize;
            let mut left = total;
            for l in 0..n_lines {
                let qty = if l + 1 == n_lines { left } else { (total / n_lines as f64).round().min(left) };
                left -= qty;
                if qty <= 0.0 {
                    continue;
                }
                so_n += 1;
                let order = Date(monday.0 + rng.index(5) as i32);
                let promised = Date(order.0 + 14);
                let late = (rng.uniform() < 0.08) as i32 * (1 + rng.index(6) as i32);
                let ship = Date(promised.0 + late);
                let status = if ship.0 < end.0 { "closed" } else { "open" };
                let so = format!("SO{so_n:07}");
                row!(
                    tables.sales,
                    so,
                    10,
                    format!("C-{:03}", 1 + rng.index(150)),
                    plant,
                    fg,
                    order,
                    promised,
                    promised,
                    qty,
                    format!("{price:.2}"),
                    status
                );
                if ship.0 < end.0 {
                    row!(tables.deliveries, so, 10, format!("D{so_n:07}"), ship, qty);
                }
            }
            // One production order a week; every eighth runs on a Saturday shift.
            pr_n += 1;
            let saturday = pr_n % 8 == 0;
            let scrap = (total * (0.04 * rng.uniform() + if saturday { 0.015 } else { 0.0 })).round();
            let p_start = Date(monday.0 + 7);
            let wc = wcs[assy_of(j, *family)].0;
            // Actual start and end as timestamps: the run takes the routing's minutes per
            // unit divided by the shift's productivity (3% noise, its own stream).
            let begin = i64::from(p_start.0) * 1440 + 6 * 60;
            let productivity = if saturday { FULL_SATURDAY_PRODUCTIVITY } else { 1.0 };
            let run = total * minutes_of[fg].0 / productivity * (1.0 + 0.03 * run_rng.normal());
            row!(
                tables.production,
                format!("PR{pr_n:07}"),
                fg,
                plant,
                wc,
                p_start,
                Date(p_start.0 + 2),
                stamp(begin),
                stamp(begin + run.round().max(0.0) as i64),
                total,
                total - scrap,
                scrap,
                if saturday {
                    "sat"
                } else if j % 2 == 0 {
                    "early"
                } else {
                    "late"
                }
            );
        }
    }
    // Weekly stock snapshots: purchased parts about three weeks of use, semis one, finished two.
    for week in 0..weeks {
        let day = Date(start.0 + week * 7);
        for (k, p) in bought.iter().enumerate() {
            let weeks_of_use = 2.0 + 2.0 * rng.uniform();
            row!(tables.stocks, day, "PLANT1", p, (use_of[k] * weeks_of_use).round(), (use_of[k]).round());
        }
        for (k, s) in semi.iter().enumerate() {
            row!(tables.stocks, day, plants[semi_home[k]].0, s, (semi_use[k] * 5.0 * rng.uniform()).round(), 0);
        }
        for (j, (fg, family)) in finished.iter().enumerate() {
            // About two weeks of demand: the open orders of the last fortnight are covered.
            row!(tables.stocks, day, plants[home_of(*family)].0, fg, (base[j] * (1.5 + rng.uniform())).round(), 0);
        }
        for d in 0..5 {
            for (wc, p) in wcs {
                row!(tables.calendar, Date(day.0 + d), plants[p].0, wc, 2, 16, 0);
            }
        }
    }
    // The holiday calendar (optional table): Chinese New Year and the Italian August closure.
    let mut holidays = Csv::new("holidays", "country,region,date,name");
    for (y, m, d) in [(2022, 2, 1), (2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17)] {
        row!(holidays, "CN", "", Date::from_ymd(y, m, d), "Chinese New Year");
    }
    for y in 2022..=2026 {
        row!(holidays, "IT", "", Date::from_ymd(y, 8, 15), "Ferragosto (August closure)");
    }
    let manifest = format!(
        "# The export of the example company \"Beispiel-Antriebe GmbH\" (fictional), full scale, seed {seed}.\n\
         format = \"kausa-export/1\"\nexport_date = \"2024-12-31\"\nerp = \"example generator\"\ncurrency = \"EUR\"\ndecimal = \".\"\n"
    );
    let (prices, used, contracts) = energy.tables(&wcs, start, weeks, seed);
    tables.into_files(&mut files, manifest, [holidays, prices, used, contracts]);
    let mut truth = format!(
        "# Ground truth of the full example export (seed {seed}).\n\
         # Lead time of a purchase-order line, in days, rounded, at least 1:\n\
         #   (planned_transit + base + holiday) * (1 + load_effect * max(load - 1, 0)) * exp(sigma_site * N(0, 1)), load: the\n\
         #   site's ordered quantity of the 28 days before the order over its mean for 28 days (2022-2024); quantities follow\n\
         #   the season of demand;\n\
         #   holiday: +9 days for sea freight ordered within 21 days of Chinese New Year, +10 for Italian sites in August;\n\
         #   past events: a Polish border blockade ({}, {} days) adds 4 days to lanes through Poland shipping then;\n\
         #   a fire at {} ({}, {} days) holds its orders until it is over; a Shanghai port closure ({}, {} days) holds sea freight.\n\
         # Weekly demand of a finished part: round(base * season * 1.03^years * U(0.75, 1.25)), season 1.25 in Q4, 0.7 in August,\n\
         #   split into 3-10 lines promised 14 days after the order.\n\
         # Scrap share of a production order: 4% x U(0, 1), plus 1.5 points on Saturday shifts.\n\
         # Ship dates: the receipt date less the line's lead time x planned transit / (planned transit + base days), rounded.\n\
         # Deliveries: a line comes in two receipts with the site's partial share (PL 0.2, CN 0.15, IT 0.1, CZ 0.08, DE 0.03),\n\
         #   the first with U(0.5, 0.8) of the quantity, the rest 3-10 days later; the first confirmed date is the order date\n\
         #   plus transit, base days and confirm_bias_days.\n\
         # Run time of a production order: units x routing minutes / productivity x (1 + 0.03 N(0, 1)).\n\
         scrap_rate_regular = 0.02\nscrap_rate_saturday = 0.035\nproductivity_saturday = {FULL_SATURDAY_PRODUCTIVITY}\nload_effect = {FULL_LOAD_EFFECT}\n",
        blockade.0, blockade.1, fire.0, fire.1, fire.2, port.0, port.1
    );
    for s in &sites {
        let _ = writeln!(
            truth,
            "\n[supplier_site.{:?}]\ncountry = {:?}\ncommodity = {:?}\nbase_days = {}\nplanned_transit_days = {}\nmode = {:?}\ntransit = {:?}\nsigma_log = {:.4}\npartial_share = {}\nconfirm_bias_days = {}",
            s.id, s.country, s.commodity, s.base, s.transit_days, s.mode, s.transit, s.sigma, s.partial, s.confirm_bias
        );
    }
    for (j, (fg, _)) in finished.iter().enumerate() {
        let _ = writeln!(truth, "\n[finished.{fg:?}]\nbase_per_week = {}", base[j]);
    }
    truth.push_str(&energy.truth());
    files.push(("truth.toml".to_string(), truth));
    let readme = format!(
        "Example ERP export of the fictional \"Beispiel-Antriebe GmbH\" (full scale), written by `kausa supply example --scale full --seed {seed}`.\n\
         Two plants (PLANT1 Schwaebisch Hall, PLANT2 Plzen), 60 supplier sites (DE, PL, CZ, IT, CN), 220 parts, history 2022-2024.\n"
    );
    files.push(("README.txt".to_string(), readme));
    files
}
