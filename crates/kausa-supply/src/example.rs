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
    let mut rng = Rng::seed_from_u64(seed);
    let plant = "PLANT1";
    let mut files = Vec::new();
    let mut sites = Csv::new("sites", "site_id,site_type,name,country");
    row!(sites, plant, "plant", "Schwaebisch Hall", "DE");
    row!(sites, "PORT-HAM", "port", "Hamburg", "DE");
    let mut suppliers = Csv::new("suppliers", "supplier_id,name,country");
    let mut supplier_sites = Csv::new("supplier_sites", "supplier_id,site_id");
    let mut lanes = Csv::new("lanes", "lane_id,from_site_id,to_site_id,mode,transit_countries,planned_transit_days");
    for (i, (site, country, what, _, mode, transit, days)) in SUPPLIER_SITES.iter().enumerate() {
        let supplier = format!("SUP-{}", i + 1);
        row!(sites, site, "supplier_site", format!("{what} works {}", i + 1), country);
        row!(suppliers, supplier, format!("{what} supplier {}", i + 1), country);
        row!(supplier_sites, supplier, site);
        row!(lanes, format!("L-{site}"), site, plant, mode, transit, days);
    }
    // Parts: 5 finished motors, 5 semi-finished rotors/stators, 15 purchased.
    let mut parts = Csv::new("parts", "part_id,description,part_type,base_uom,std_cost,list_price");
    let finished: Vec<String> = (1..=5).map(|i| format!("FG-{i:02}")).collect();
    let semi: Vec<String> = (1..=5).map(|i| format!("SF-{i:02}")).collect();
    let bought: Vec<String> = (1..=15).map(|i| format!("P-{i:03}")).collect();
    let mut cost = std::collections::HashMap::new();
    for (k, p) in bought.iter().enumerate() {
        let c = 2.0 + (k as f64 * 3.7) % 20.0;
        cost.insert(p.clone(), c);
        row!(parts, p, format!("purchased part {}", k + 1), "purchased", "PC", format!("{c:.2}"), "");
    }
    let mut bom = Csv::new("bom", "plant_id,parent_part_id,component_part_id,qty_per");
    let mut routings = Csv::new("routings", "plant_id,part_id,op_seq,work_center_id,run_min_per_unit");
    for (k, sf) in semi.iter().enumerate() {
        let (a, b) = (&bought[(2 * k) % 15], &bought[(2 * k + 5) % 15]);
        row!(bom, plant, sf, a, 1);
        row!(bom, plant, sf, b, 2);
        let c = cost[a] + 2.0 * cost[b] + 6.0;
        cost.insert(sf.clone(), c);
        row!(parts, sf, format!("rotor/stator {}", k + 1), "semi", "PC", format!("{c:.2}"), "");
        row!(routings, plant, sf, 10, "MACH1", 6 + k);
    }
    for (k, fg) in finished.iter().enumerate() {
        let (s1, s2) = (&semi[k], &semi[(k + 1) % 5]);
        let (p1, p2) = (&bought[(k + 10) % 15], &bought[(3 * k + 1) % 15]);
        for (c, q) in [(s1, 1), (s2, 1), (p1, 4), (p2, 1)] {
            row!(bom, plant, fg, c, q);
        }
        let c = cost[s1] + cost[s2] + 4.0 * cost[p1] + cost[p2] + 25.0;
        row!(
            parts,
            fg,
            format!("gear motor {}", k + 1),
            "finished",
            "PC",
            format!("{c:.2}"),
            format!("{:.2}", c * 1.6)
        );
        row!(routings, plant, fg, 10, "ASSY1", 18 + 2 * k);
        row!(routings, plant, fg, 20, "TEST1", 5);
    }
    let mut work_centers =
        Csv::new("work_centers", "work_center_id,plant_id,machines,std_shifts_per_day,hours_per_shift");
    for wc in ["MACH1", "ASSY1", "TEST1"] {
        row!(work_centers, wc, plant, 2, 2, 8);
    }
    // Sourcing: every purchased part from one site, five of them dual-sourced (PL + DE).
    let mut sourcing =
        Csv::new("sourcing", "part_id,plant_id,supplier_site_id,quota_share,unit_price,planned_lead_time_days,lane_id");
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
            row!(sourcing, p, plant, site, q, format!("{:.2}", cost[p]), base + transit + 2.0, format!("L-{site}"));
        }
        source_of.push(srcs);
    }
    // One year of history: 2024.
    let start = Date::from_ymd(2024, 1, 1);
    let days = 366;
    let mut pos = Csv::new(
        "purchase_orders",
        "po_id,po_line,schedule_line,part_id,supplier_site_id,plant_id,lane_id,order_date,requested_date,qty,unit_price,status",
    );
    let mut receipts = Csv::new("po_receipts", "po_id,po_line,receipt_id,receipt_date,qty_received,qty_rejected");
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
                    pos,
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
                    row!(receipts, po, 10, format!("R{po_n:06}"), received, qty, 0);
                }
            }
        }
    }
    let mut sales = Csv::new(
        "sales_orders",
        "so_id,so_line,customer_id,ship_from_plant_id,part_id,order_date,requested_date,promised_date,qty,unit_price,status",
    );
    let mut deliveries = Csv::new("deliveries", "so_id,so_line,delivery_id,ship_date,qty_shipped");
    let mut production = Csv::new(
        "production_orders",
        "prod_order_id,part_id,plant_id,work_center_id,planned_start,planned_end,actual_start,actual_end,qty_planned,qty_good,qty_scrap,shift_type",
    );
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
                sales,
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
                row!(deliveries, format!("SO{so_n:06}"), 10, format!("D{so_n:06}"), ship, qty);
            }
            // Every eighth order runs on a Saturday shift, which scraps 1.5 points more.
            let saturday = so_n % 8 == 0;
            let scrap = (qty * (0.04 * rng.uniform() + if saturday { 0.015 } else { 0.0 })).round();
            let p_start = Date(promised.0 - 5);
            row!(
                production,
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
    let mut stocks = Csv::new("inventory_snapshots", "date,site_id,part_id,on_hand,safety_stock");
    let mut calendar =
        Csv::new("shift_calendar", "date,plant_id,work_center_id,shifts_planned,hours_planned,overtime_hours");
    for week in 0..52 {
        let day = Date(start.0 + week * 7);
        for p in bought.iter().chain(&semi).chain(&finished) {
            row!(stocks, day, plant, p, (40.0 + 120.0 * rng.uniform()).round(), 30);
        }
        for d in 0..5 {
            for wc in ["MACH1", "ASSY1", "TEST1"] {
                row!(calendar, Date(day.0 + d), plant, wc, 2, 16, 0);
            }
        }
    }
    let manifest = format!(
        "# The export of the example company \"Beispiel-Antriebe GmbH\" (fictional), tiny scale, seed {seed}.\n\
         format = \"kausa-export/1\"\nexport_date = \"2024-12-31\"\nerp = \"example generator\"\ncurrency = \"EUR\"\ndecimal = \".\"\n"
    );
    files.push(("manifest.toml".to_string(), manifest));
    for csv in [
        sites,
        suppliers,
        supplier_sites,
        parts,
        bom,
        routings,
        work_centers,
        sourcing,
        lanes,
        stocks,
        pos,
        receipts,
        production,
        sales,
        deliveries,
        calendar,
    ] {
        files.push((format!("{}.csv", csv.name), csv.text));
    }
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

fn cost_of(cost: &std::collections::HashMap<String, f64>, part: &str) -> f64 {
    cost.get(part).copied().unwrap_or(100.0)
}
