//! `kausa supply`: the example company's export is deterministic and clean;
//! every kind of data-quality problem is reported with its file and line.

use std::path::{Path, PathBuf};

use crate::util::{kausa, stderr, stdout, temp_dir};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn example(name: &str, seed: u64) -> PathBuf {
    let dir = temp_dir(name).join("export");
    let o = kausa(&["supply", "example", s(&dir), "--seed", &seed.to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir
}

/// Edits one file of an export with `f` over its lines.
fn edit(dir: &Path, file: &str, f: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join(file);
    let mut lines: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(String::from).collect();
    f(&mut lines);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn check(dir: &Path) -> (Option<i32>, serde_json::Value, String) {
    let o = kausa(&["supply", "check", s(dir), "--json"]);
    let v = serde_json::from_str(&stdout(&o)).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v, stderr(&o))
}

/// The (file, line, code) of each problem.
fn problems(v: &serde_json::Value) -> Vec<(String, u64, String)> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap().to_string(),
                p["line"].as_u64().unwrap(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_example_export_is_deterministic_and_clean() {
    let (a, b, c) = (example("supply-a", 3), example("supply-b", 3), example("supply-c", 4));
    for entry in std::fs::read_dir(&a).unwrap() {
        let name = entry.unwrap().file_name();
        let (x, y) = (std::fs::read(a.join(&name)).unwrap(), std::fs::read(b.join(&name)).unwrap());
        assert_eq!(x, y, "{name:?} differs between two runs with the same seed");
    }
    assert_ne!(
        std::fs::read(a.join("purchase_orders.csv")).unwrap(),
        std::fs::read(c.join("purchase_orders.csv")).unwrap()
    );
    let (code, v, e) = check(&a);
    assert_eq!(code, Some(0), "{e}");
    assert_eq!((v["errors"].as_u64(), v["warnings"].as_u64()), (Some(0), Some(0)), "{v}");
    assert_eq!(v["tables"].as_array().unwrap().len(), 16);
    assert_eq!(v["not_learnable"].as_array().unwrap().len(), 10);
}

#[test]
fn data_quality_problems_name_file_and_line() {
    let dir = example("supply-bad", 1);
    // bom.csv line 2 gets an unknown component; a cycle SF-01 -> FG-01 -> SF-01 is added at the end.
    edit(&dir, "bom.csv", |l| {
        l[1] = l[1].replacen("P-001", "P-999", 1);
        l.push("PLANT1,SF-01,FG-01,1".into());
    });
    let bom_lines = std::fs::read_to_string(dir.join("bom.csv")).unwrap().lines().count() as u64;
    // P-002 loses its sourcing; a stock row goes negative.
    edit(&dir, "sourcing.csv", |l| l.retain(|x| !x.starts_with("P-002,")));
    edit(&dir, "inventory_snapshots.csv", |l| {
        // date,site_id,part_id,on_hand,safety_stock: line 5's on_hand becomes -5.
        let mut fields: Vec<String> = l[4].split(',').map(String::from).collect();
        fields[3] = "-5".into();
        l[4] = fields.join(",");
    });
    // A receipt for an order that does not exist; the shift calendar is gone.
    edit(&dir, "po_receipts.csv", |l| l.push("NOPE,10,R999999,2024-03-01,5,0".into()));
    let receipts = std::fs::read_to_string(dir.join("po_receipts.csv")).unwrap().lines().count() as u64;
    std::fs::remove_file(dir.join("shift_calendar.csv")).unwrap();
    let (code, v, e) = check(&dir);
    assert_eq!(code, Some(2), "{e}");
    let found = problems(&v);
    let has = |file: &str, line: u64, code: &str| found.iter().any(|p| p.0 == file && p.1 == line && p.2 == code);
    assert!(has("bom.csv", 2, "unknown_id"), "{found:?}");
    assert!(has("bom.csv", bom_lines, "bom_cycle"), "{found:?}");
    assert!(found.iter().any(|p| p.0 == "parts.csv" && p.2 == "no_source"), "{found:?}");
    assert!(has("inventory_snapshots.csv", 5, "negative_stock"), "{found:?}");
    assert!(has("po_receipts.csv", receipts, "unknown_id"), "{found:?}");
    assert!(has("shift_calendar.csv", 0, "missing_file"), "{found:?}");
    let text = stdout(&kausa(&["supply", "check", s(&dir)]));
    assert!(text.contains("bom.csv:2") && text.contains("circular: FG-01 -> SF-01 -> FG-01"), "{text}");
    assert!(e.contains("data-quality errors"), "{e}");
}

#[test]
fn unreadable_exports_stop_at_the_file_line_and_column() {
    let dir = example("supply-unreadable", 1);
    edit(&dir, "parts.csv", |l| l[3] = l[3].replacen("PC,", "PC,abc", 1));
    let (code, _, e) = check(&dir);
    assert_eq!(code, Some(2));
    assert!(
        e.contains("parts.csv:4") && e.contains("\"std_cost\"") && e.contains("\"abc") && e.contains("not a number"),
        "{e}"
    );
    let dir = example("supply-date", 1);
    edit(&dir, "purchase_orders.csv", |l| l[2] = l[2].replacen("2024-", "2024/", 1));
    let (_, _, e) = check(&dir);
    assert!(e.contains("purchase_orders.csv:3") && e.contains("not a date"), "{e}");
    let dir = example("supply-column", 1);
    edit(&dir, "lanes.csv", |l| l[0] = l[0].replace("planned_transit_days", "transit"));
    let (_, _, e) = check(&dir);
    assert!(e.contains("lanes.csv:1") && e.contains("\"planned_transit_days\""), "{e}");
    let dir = example("supply-manifest", 1);
    std::fs::remove_file(dir.join("manifest.toml")).unwrap();
    let (code, _, e) = check(&dir);
    assert_eq!(code, Some(2));
    assert!(e.contains("manifest.toml"), "{e}");
}

/// `kausa supply learn` recovers the example's lead-time rule (truth.toml) and its demand level.
#[test]
fn learned_lead_times_and_demand_match_the_example_truth() {
    let dir = example("supply-learn", 2);
    let truth: toml::Table = toml::from_str(&std::fs::read_to_string(dir.join("truth.toml")).unwrap()).unwrap();
    let o = kausa(&["supply", "learn", s(&dir), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let sites = truth["supplier_site"].as_table().unwrap();
    let leads = v["lead_times"].as_array().unwrap();
    assert_eq!(leads.len(), sites.len());
    for l in leads {
        let site = l["supplier_site"].as_str().unwrap();
        let t = sites[site].as_table().unwrap();
        let base = t["base_days"].as_float().or(t["base_days"].as_integer().map(|i| i as f64)).unwrap();
        let transit =
            t["planned_transit_days"].as_float().or(t["planned_transit_days"].as_integer().map(|i| i as f64)).unwrap();
        // Median of (transit + base + load term) · exp(0.25 N): transit + base + about 0.7.
        let want = transit + base + 0.72;
        let got = l["median_days"].as_f64().unwrap();
        assert!((got - want).abs() <= 0.12 * want + 1.0, "{site}: median {got} vs {want}");
        let sigma = l["sigma_log"].as_f64().unwrap();
        assert!((0.18..0.36).contains(&sigma), "{site}: sd(log) {sigma} vs 0.25 (plus rounding)");
        let (lo, hi) = (l["median_interval"][0].as_f64().unwrap(), l["median_interval"][1].as_f64().unwrap());
        assert!(lo <= got && got <= hi);
    }
    // Demand: 20 + 10 U a week, ×1.25 in Q4 and ×0.7 in August: about 26 a week.
    for d in v["demand"].as_array().unwrap() {
        let mean = d["mean_per_week"].as_f64().unwrap();
        assert!((mean - 26.0).abs() < 1.5, "{d}");
    }
}
