//! Data-quality checks of an export: every problem names the file and line.

use std::collections::{HashMap, HashSet};

use crate::data::{Export, OPTIONAL, Pos, REQUIRED};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The model cannot be built correctly until it is fixed.
    Error,
    /// The model can be built, but something is off.
    Warning,
}

/// One data-quality problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// How bad.
    pub severity: Severity,
    /// Where (file and line; line 0 for a whole file).
    pub pos: Pos,
    /// A short code (`unknown_id`, `bom_cycle`, `no_source`, `negative_stock`, …).
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

fn ids<'a, T>(rows: &'a [T], id: impl Fn(&'a T) -> &'a str) -> HashSet<&'a str> {
    rows.iter().map(id).collect()
}

fn error(out: &mut Vec<Problem>, pos: &Pos, code: &'static str, message: String) {
    out.push(Problem { severity: Severity::Error, pos: pos.clone(), code, message });
}

fn warning(out: &mut Vec<Problem>, pos: &Pos, code: &'static str, message: String) {
    out.push(Problem { severity: Severity::Warning, pos: pos.clone(), code, message });
}

fn unknown(out: &mut Vec<Problem>, pos: &Pos, what: &str, id: &str, known: &HashSet<&str>) {
    if !known.contains(id) {
        error(out, pos, "unknown_id", format!("unknown {what} {id:?}"));
    }
}

/// Every problem found in `export`, errors first, then by file and line.
pub fn check(export: &Export) -> Vec<Problem> {
    let mut out = Vec::new();
    for table in REQUIRED {
        if !export.present.iter().any(|p| p == table) {
            error(
                &mut out,
                &Pos { file: format!("{table}.csv"), line: 0 },
                "missing_file",
                "a required table is missing".into(),
            );
        }
    }
    let sites = ids(&export.sites, |s| s.site_id.as_str());
    let parts = ids(&export.parts, |p| p.part_id.as_str());
    let suppliers = ids(&export.suppliers, |s| s.supplier_id.as_str());
    let lanes = ids(&export.lanes, |l| l.lane_id.as_str());
    let work_centers = ids(&export.work_centers, |w| w.work_center_id.as_str());
    let supplier_sites: HashSet<&str> = export.supplier_sites.iter().map(|s| s.site_id.as_str()).collect();
    let plants: HashSet<&str> =
        export.sites.iter().filter(|s| s.site_type == "plant").map(|s| s.site_id.as_str()).collect();
    // Duplicate ids in master data.
    let dup = |out: &mut Vec<Problem>, file: &str, keys: Vec<(&str, &Pos)>| {
        let mut first: HashMap<&str, &Pos> = HashMap::new();
        for (k, pos) in keys {
            if let Some(p) = first.get(k) {
                error(out, pos, "duplicate_id", format!("{file} id {k:?} appears again (first at line {})", p.line));
            } else {
                first.insert(k, pos);
            }
        }
    };
    dup(&mut out, "sites", export.sites.iter().map(|r| (r.site_id.as_str(), &r.pos)).collect());
    dup(&mut out, "suppliers", export.suppliers.iter().map(|r| (r.supplier_id.as_str(), &r.pos)).collect());
    dup(&mut out, "parts", export.parts.iter().map(|r| (r.part_id.as_str(), &r.pos)).collect());
    dup(&mut out, "lanes", export.lanes.iter().map(|r| (r.lane_id.as_str(), &r.pos)).collect());
    dup(&mut out, "work_centers", export.work_centers.iter().map(|r| (r.work_center_id.as_str(), &r.pos)).collect());
    for r in &export.supplier_sites {
        unknown(&mut out, &r.pos, "supplier", &r.supplier_id, &suppliers);
        unknown(&mut out, &r.pos, "site", &r.site_id, &sites);
    }
    for r in &export.bom {
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        unknown(&mut out, &r.pos, "part", &r.parent_part_id, &parts);
        unknown(&mut out, &r.pos, "part", &r.component_part_id, &parts);
    }
    for r in &export.routings {
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        unknown(&mut out, &r.pos, "part", &r.part_id, &parts);
        unknown(&mut out, &r.pos, "work centre", &r.work_center_id, &work_centers);
    }
    for r in &export.work_centers {
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
    }
    for r in &export.sourcing {
        unknown(&mut out, &r.pos, "part", &r.part_id, &parts);
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        unknown(&mut out, &r.pos, "supplier site", &r.supplier_site_id, &supplier_sites);
        if let Some(l) = &r.lane_id {
            unknown(&mut out, &r.pos, "lane", l, &lanes);
        }
    }
    for r in &export.lanes {
        unknown(&mut out, &r.pos, "site", &r.from_site_id, &sites);
        unknown(&mut out, &r.pos, "site", &r.to_site_id, &sites);
    }
    for r in &export.shift_calendar {
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        unknown(&mut out, &r.pos, "work centre", &r.work_center_id, &work_centers);
        if r.hours_planned < 0.0 || r.overtime_hours < 0.0 || r.hours_planned + r.overtime_hours > 24.0 * 7.0 {
            error(&mut out, &r.pos, "bad_hours", "planned and overtime hours must be non-negative".into());
        }
    }
    let countries: HashSet<&str> = export.sites.iter().map(|s| s.country.as_str()).collect();
    for r in &export.holidays {
        if !crate::data::is_country_code(&r.country) {
            error(&mut out, &r.pos, "unknown_id", format!("{:?} is not an ISO 3166 country code", r.country));
        } else if !countries.contains(r.country.as_str()) {
            warning(
                &mut out,
                &r.pos,
                "unused_holiday",
                format!("no site is in {:?}: the holiday changes nothing", r.country),
            );
        }
    }
    // Energy: metered plants and work centres exist, prices and use are not negative,
    // hedged shares are shares, and the plants' markets are priced.
    for r in &export.energy_use {
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        if let Some(wc) = &r.work_center_id {
            unknown(&mut out, &r.pos, "work centre", wc, &work_centers);
        }
        if r.electricity_kwh < 0.0 {
            error(&mut out, &r.pos, "negative_energy", format!("electricity_kwh {} is negative", r.electricity_kwh));
        }
    }
    for r in &export.energy_prices {
        if r.price_eur_per_mwh < 0.0 {
            warning(
                &mut out,
                &r.pos,
                "negative_price",
                format!(
                    "{} costs {} EUR/MWh on {}: negative prices happen, but check it",
                    r.market, r.price_eur_per_mwh, r.date
                ),
            );
        }
    }
    for r in &export.energy_contracts {
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        if !(0.0..=1.0).contains(&r.hedged_share) {
            error(&mut out, &r.pos, "bad_share", format!("hedged_share {} must lie in [0, 1]", r.hedged_share));
        }
        if r.valid_to.0 < r.valid_from.0 {
            error(
                &mut out,
                &r.pos,
                "bad_dates",
                format!("valid_to {} is before valid_from {}", r.valid_to, r.valid_from),
            );
        }
    }
    if !export.energy_prices.is_empty() {
        let priced: HashSet<&str> = export.energy_prices.iter().map(|p| p.market.as_str()).collect();
        for s in export.sites.iter().filter(|s| s.site_type == "plant") {
            let market = s.market();
            if !priced.contains(market.as_str()) {
                warning(
                    &mut out,
                    &s.pos,
                    "unpriced_market",
                    format!(
                        "plant {} buys from the electricity market {market:?}, which energy_prices.csv does not price: its energy is not costed",
                        s.site_id
                    ),
                );
            }
        }
    }
    for r in &export.stocks {
        unknown(&mut out, &r.pos, "site", &r.site_id, &sites);
        unknown(&mut out, &r.pos, "part", &r.part_id, &parts);
    }
    for r in &export.purchase_orders {
        unknown(&mut out, &r.pos, "part", &r.part_id, &parts);
        unknown(&mut out, &r.pos, "supplier site", &r.supplier_site_id, &supplier_sites);
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
    }
    let po_lines: HashMap<(&str, &str), &crate::data::PurchaseOrder> =
        export.purchase_orders.iter().map(|r| ((r.po_id.as_str(), r.po_line.as_str()), r)).collect();
    for r in &export.receipts {
        match po_lines.get(&(r.po_id.as_str(), r.po_line.as_str())) {
            None => {
                unknown(&mut out, &r.pos, "purchase-order line", &format!("{}/{}", r.po_id, r.po_line), &HashSet::new())
            }
            Some(po) if r.receipt_date < po.order_date => out.push(Problem {
                severity: Severity::Error,
                pos: r.pos.clone(),
                code: "date_order",
                message: format!(
                    "received on {} before it was ordered on {} ({})",
                    r.receipt_date, po.order_date, po.pos
                ),
            }),
            _ => {}
        }
    }
    for r in &export.production_orders {
        unknown(&mut out, &r.pos, "part", &r.part_id, &parts);
        unknown(&mut out, &r.pos, "plant", &r.plant_id, &plants);
        unknown(&mut out, &r.pos, "work centre", &r.work_center_id, &work_centers);
        if r.qty_good < 0.0 || r.qty_scrap < 0.0 {
            error(&mut out, &r.pos, "negative_quantity", "good and scrapped quantities cannot be negative".into());
        }
        if !matches!(r.shift_type.as_str(), "early" | "late" | "night" | "sat" | "ot") {
            error(
                &mut out,
                &r.pos,
                "bad_value",
                format!("shift_type {:?} is not early, late, night, sat or ot", r.shift_type),
            );
        }
    }
    for r in &export.sales_orders {
        unknown(&mut out, &r.pos, "plant", &r.ship_from_plant_id, &plants);
        unknown(&mut out, &r.pos, "part", &r.part_id, &parts);
    }
    let so_lines: HashSet<(&str, &str)> =
        export.sales_orders.iter().map(|r| (r.so_id.as_str(), r.so_line.as_str())).collect();
    for r in &export.deliveries {
        if !so_lines.contains(&(r.so_id.as_str(), r.so_line.as_str())) {
            out.push(Problem {
                severity: Severity::Error,
                pos: r.pos.clone(),
                code: "unknown_id",
                message: format!("unknown sales-order line \"{}/{}\"", r.so_id, r.so_line),
            });
        }
    }
    // Negative stocks.
    for r in &export.stocks {
        if r.on_hand < 0.0 {
            out.push(Problem {
                severity: Severity::Error,
                pos: r.pos.clone(),
                code: "negative_stock",
                message: format!(
                    "stock of {:?} at {:?} on {} is negative ({})",
                    r.part_id, r.site_id, r.date, r.on_hand
                ),
            });
        }
    }
    // Bought parts without a source; quotas that do not add up.
    let mut sourced: HashMap<&str, f64> = HashMap::new();
    let mut quota: HashMap<(&str, &str), (f64, &Pos)> = HashMap::new();
    for r in &export.sourcing {
        *sourced.entry(r.part_id.as_str()).or_default() += 1.0;
        let q = quota.entry((r.part_id.as_str(), r.plant_id.as_str())).or_insert((0.0, &r.pos));
        q.0 += r.quota_share;
    }
    for p in &export.parts {
        if matches!(p.part_type.as_str(), "raw" | "purchased") && !sourced.contains_key(p.part_id.as_str()) {
            out.push(Problem {
                severity: Severity::Error,
                pos: p.pos.clone(),
                code: "no_source",
                message: format!(
                    "{} part {:?} has no row in sourcing.csv: no supplier can deliver it",
                    p.part_type, p.part_id
                ),
            });
        }
        if !matches!(p.part_type.as_str(), "raw" | "purchased" | "semi" | "finished") {
            out.push(Problem {
                severity: Severity::Error,
                pos: p.pos.clone(),
                code: "bad_value",
                message: format!("part_type {:?} is not raw, purchased, semi or finished", p.part_type),
            });
        }
    }
    let mut quotas: Vec<_> = quota.into_iter().collect();
    quotas.sort_by_key(|(_, (_, pos))| pos.line);
    for ((part, plant), (sum, pos)) in quotas {
        if (sum - 1.0).abs() > 0.01 {
            warning(
                &mut out,
                pos,
                "quota_sum",
                format!("quota shares of {part:?} for {plant:?} add up to {sum:.3}, not 1"),
            );
        }
    }
    // Made parts without a routing.
    let routed: HashSet<(&str, &str)> =
        export.routings.iter().map(|r| (r.plant_id.as_str(), r.part_id.as_str())).collect();
    let made: HashSet<(&str, &str, &Pos)> =
        export.bom.iter().map(|b| (b.plant_id.as_str(), b.parent_part_id.as_str(), &b.pos)).collect();
    let mut reported = HashSet::new();
    let mut made: Vec<_> = made.into_iter().collect();
    made.sort_by_key(|m| m.2.line);
    for (plant, part, pos) in made {
        if !routed.contains(&(plant, part)) && reported.insert((plant, part)) {
            warning(
                &mut out,
                pos,
                "no_routing",
                format!(
                    "{part:?} is assembled in {plant:?} (bom.csv) but has no routing: its capacity is not modelled"
                ),
            );
        }
    }
    bom_cycles(export, &mut out);
    out.sort_by(|a, b| a.severity.cmp(&b.severity).then(a.pos.file.cmp(&b.pos.file)).then(a.pos.line.cmp(&b.pos.line)));
    out
}

/// A part that (through its components) contains itself can never be built.
fn bom_cycles(export: &Export, out: &mut Vec<Problem>) {
    let mut children: HashMap<(&str, &str), Vec<(&str, &Pos)>> = HashMap::new();
    for b in &export.bom {
        children
            .entry((b.plant_id.as_str(), b.parent_part_id.as_str()))
            .or_default()
            .push((b.component_part_id.as_str(), &b.pos));
    }
    let mut keys: Vec<(&str, &str)> = children.keys().copied().collect();
    keys.sort_unstable();
    // Iterative depth-first search per plant; colour 1 = on the stack, 2 = done.
    let mut colour: HashMap<(&str, &str), u8> = HashMap::new();
    let mut seen_cycles: HashSet<Vec<&str>> = HashSet::new();
    for start in keys {
        if colour.contains_key(&start) {
            continue;
        }
        let mut stack: Vec<((&str, &str), usize)> = vec![(start, 0)];
        let mut path: Vec<&str> = vec![start.1];
        colour.insert(start, 1);
        while let Some((node, next)) = stack.last_mut() {
            let kids = children.get(node).map_or(&[][..], |v| v.as_slice());
            if *next >= kids.len() {
                colour.insert(*node, 2);
                stack.pop();
                path.pop();
                continue;
            }
            let (child, pos) = kids[*next];
            *next += 1;
            let key = (node.0, child);
            match colour.get(&key) {
                Some(1) => {
                    let from = path.iter().position(|p| *p == child).unwrap_or(0);
                    let mut cycle: Vec<&str> = path[from..].to_vec();
                    cycle.push(child);
                    let mut canonical = cycle[..cycle.len() - 1].to_vec();
                    canonical.sort_unstable();
                    if seen_cycles.insert(canonical) {
                        out.push(Problem {
                            severity: Severity::Error,
                            pos: pos.clone(),
                            code: "bom_cycle",
                            message: format!(
                                "the bill of materials of plant {:?} is circular: {}",
                                node.0,
                                cycle.join(" -> ")
                            ),
                        });
                    }
                }
                Some(_) => {}
                None => {
                    colour.insert(key, 1);
                    stack.push((key, 0));
                    path.push(child);
                }
            }
        }
    }
}

/// What kausa cannot learn because optional tables are absent.
pub fn unlearnable(export: &Export) -> Vec<(&'static str, &'static str)> {
    OPTIONAL.iter().filter(|(t, _)| !export.present.iter().any(|p| p == t)).copied().collect()
}
