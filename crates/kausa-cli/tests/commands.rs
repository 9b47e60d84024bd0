use crate::util::{kausa, repo_root, stderr, stdout, temp_dir, write};

#[test]
fn demo_learns_the_graph_back() {
    let o = kausa(&["demo", "discovery", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // 20 variables, 5,000 rows, alpha 0.01: PC recovers the CPDAG up to a few marks.
    let shd = v["comparison"]["shd"].as_u64().unwrap();
    assert!(shd <= 3, "demo SHD {shd}");
    assert!(v["comparison"]["adj_recall"].as_f64().unwrap() >= 0.9);
    let text = stdout(&kausa(&["demo", "discovery"]));
    assert!(text.contains("Against the true CPDAG") && text.contains("SHD"), "{text}");
}

/// The main job: the example company, checked and learned, the Polish strike with three
/// mitigations, a table and a self-contained report.
#[test]
fn demo_runs_the_strike_scenario_on_the_example_company() {
    let dir = temp_dir("demo-supply");
    let o = kausa(&["demo", "--out", dir.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["data_problems"], 0);
    assert_eq!(v["lead_times"], 8);
    let names: Vec<&str> = v["variants"].as_array().unwrap().iter().map(|x| x["variant"].as_str().unwrap()).collect();
    assert_eq!(names, ["no_events", "do_nothing", "switch", "saturday", "switch_saturday"]);
    let fill = |i: usize| v["variants"][i]["kpis"]["fill_rate"]["mean"].as_f64().unwrap();
    assert!(fill(1) < fill(0), "the strike costs service: {} vs {}", fill(1), fill(0));
    let html = std::fs::read_to_string(dir.join("whatif.html")).unwrap();
    assert!(html.contains("strike_pl") && !html.contains("<script"), "a self-contained report");
    let text = stdout(&kausa(&["demo", "--out", dir.to_str().unwrap()]));
    assert!(text.contains("switch_saturday") && text.contains("whatif.html"), "{text}");
}

/// Data from a collider a → c ← b plus c → d, written by hand.
fn collider_csv(sep: char, decimal_comma: bool) -> String {
    let mut s = format!("a{sep}b{sep}c{sep}d\n");
    let mut state = 12345u64;
    let mut normal = || {
        // Box–Muller on a small LCG: enough for a test file.
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let u1 = ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let u2 = ((state >> 11) as f64) / (1u64 << 53) as f64;
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    for _ in 0..2000 {
        let a = normal();
        let b = normal();
        let c = 0.8 * a - 0.7 * b + 0.5 * normal();
        let d = 0.9 * c + 0.5 * normal();
        let row = [a, b, c, d].map(|v| {
            let t = format!("{v:.6}");
            if decimal_comma { t.replace('.', ",") } else { t }
        });
        s.push_str(&row.join(&sep.to_string()));
        s.push('\n');
    }
    s
}

/// Data from a chain a → b → c: its CPDAG leaves both edges undirected.
fn chain_csv() -> String {
    let mut s = String::from("a,b,c\n");
    let mut state = 99u64;
    let mut uniform = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64 - 0.5
    };
    for _ in 0..2000 {
        let a = uniform();
        let b = 0.9 * a + 0.3 * uniform();
        let c = 0.9 * b + 0.3 * uniform();
        s.push_str(&format!("{a:.6},{b:.6},{c:.6}\n"));
    }
    s
}

fn graph_edges(path: &std::path::Path) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["from"].as_str().unwrap().into(), e["to"].as_str().unwrap().into(), e["type"].as_str().unwrap().into())
        })
        .collect()
}

#[test]
fn discover_finds_a_collider_in_every_dialect() {
    let dir = temp_dir("dialects");
    let want: Vec<(String, String, String)> = [("a", "c", "-->"), ("b", "c", "-->"), ("c", "d", "-->")]
        .iter()
        .map(|&(a, b, t)| (a.into(), b.into(), t.into()))
        .collect();
    for (name, text, extra) in [
        ("comma.csv", collider_csv(',', false), vec![]),
        ("semi.csv", collider_csv(';', false), vec![]),
        ("tab.tsv", collider_csv('\t', false), vec![]),
        ("german.csv", collider_csv(';', true), vec!["--decimal", ","]),
    ] {
        let data = write(&dir, name, &text);
        let out = dir.join(format!("{name}.json"));
        let mut args = vec!["discover", data.to_str().unwrap(), "--method", "pc", "--out", out.to_str().unwrap()];
        args.extend(extra);
        let o = kausa(&args);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(graph_edges(&out), want, "{name}");
        assert!(stdout(&o).contains("a     -->   c"), "{}", stdout(&o));
    }
}

#[test]
fn threads_do_not_change_the_result() {
    let dir = temp_dir("threads");
    let data = write(&dir, "d.csv", &collider_csv(',', false));
    let mut outs = Vec::new();
    for t in ["1", "2", "4"] {
        let o = kausa(&["discover", data.to_str().unwrap(), "--threads", t, "--json"]);
        assert!(o.status.success());
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        outs.push((v["graph"]["edges"].clone(), v["stats"]["ci_tests"].clone()));
    }
    assert!(outs.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn dot_output_and_compare() {
    let dir = temp_dir("dot");
    let data = write(&dir, "d.csv", &collider_csv(',', false));
    let o = kausa(&["discover", data.to_str().unwrap(), "--format", "dot"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("digraph kausa {"));
    assert!(stdout(&o).contains("\"a\" -> \"c\" [dir=both, arrowtail=none, arrowhead=normal]"));

    let learned = dir.join("learned.json");
    assert!(kausa(&["discover", data.to_str().unwrap(), "--out", learned.to_str().unwrap()]).status.success());
    let truth = write(
        &dir,
        "truth.json",
        r#"{"nodes": ["d", "c", "b", "a"], "edges": [{"from": "a", "to": "c", "type": "-->"},
            {"from": "b", "to": "c", "type": "-->"}, {"from": "d", "to": "c", "type": "-->"}]}"#,
    );
    let o = kausa(&["compare", truth.to_str().unwrap(), learned.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["shd"], 1);
    assert_eq!(v["orientation_diffs"], 1);
    assert_eq!(v["adj_precision"], 1.0);
    let text = stdout(&kausa(&["compare", truth.to_str().unwrap(), learned.to_str().unwrap()]));
    assert!(text.contains("SHD 1"), "{text}");
}

#[test]
fn knowledge_orients_edges() {
    let dir = temp_dir("knowledge-ok");
    let data = write(&dir, "d.csv", &collider_csv(',', false));
    // Tiers that agree with the data, plus a forbidden edge between non-adjacent nodes:
    // knowledge consistent with the data must leave the learned orientation intact.
    let k = write(&dir, "k.toml", "tiers = [[\"a\", \"b\"], [\"c\"], [\"d\"]]\nforbidden = [\"a -> d\"]\n");
    let out = dir.join("g.json");
    let o = kausa(&[
        "discover",
        data.to_str().unwrap(),
        "--knowledge",
        k.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = graph_edges(&out);
    assert!(e.contains(&("c".into(), "d".into(), "-->".into())), "{e:?}");
}

#[test]
fn tiers_orient_what_the_data_leave_open() {
    let dir = temp_dir("knowledge-tiers");
    let data = write(&dir, "chain.csv", &chain_csv());
    let plain = dir.join("plain.json");
    assert!(kausa(&["discover", data.to_str().unwrap(), "--out", plain.to_str().unwrap()]).status.success());
    let undirected: Vec<(String, String, String)> =
        [("a", "b", "---"), ("b", "c", "---")].iter().map(|&(a, b, t)| (a.into(), b.into(), t.into())).collect();
    assert_eq!(graph_edges(&plain), undirected, "the data alone cannot orient a chain");
    // a is upstream of b and c: tiers orient a -> b, and Meek's R1 then orients b -> c.
    let k = write(&dir, "k.toml", "tiers = [[\"a\"], [\"b\", \"c\"]]\n");
    let out = dir.join("tiers.json");
    let o = kausa(&[
        "discover",
        data.to_str().unwrap(),
        "--knowledge",
        k.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let directed: Vec<(String, String, String)> =
        [("a", "b", "-->"), ("b", "c", "-->")].iter().map(|&(a, b, t)| (a.into(), b.into(), t.into())).collect();
    assert_eq!(graph_edges(&out), directed);
    // Requiring c -> b instead: Meek's R1 then orients b -> a (c and a are not adjacent).
    let k = write(&dir, "k2.toml", "required = [\"c -> b\"]\n");
    let out = dir.join("required.json");
    let o = kausa(&[
        "discover",
        data.to_str().unwrap(),
        "--knowledge",
        k.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let reversed: Vec<(String, String, String)> =
        [("b", "a", "-->"), ("c", "b", "-->")].iter().map(|&(a, b, t)| (a.into(), b.into(), t.into())).collect();
    assert_eq!(graph_edges(&out), reversed);
}

#[test]
fn parquet_input_with_ignored_columns() {
    let fixture = repo_root().join("crates/kausa-io/tests/fixtures/pandas_zstd.parquet");
    let o = kausa(&["discover", fixture.to_str().unwrap(), "--ignore", "shift,supplier", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["graph"]["nodes"], serde_json::json!(["temp", "speed", "ok", "scrap"]));
    // The same frame as CSV (where "ok" is the text True/False) gives the same graph.
    let ignore = "shift,supplier,ok";
    let o = kausa(&["discover", fixture.to_str().unwrap(), "--ignore", ignore, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let csv = repo_root().join("crates/kausa-io/tests/fixtures/pandas_values.csv");
    let o2 = kausa(&["discover", csv.to_str().unwrap(), "--ignore", ignore, "--json"]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let v2: serde_json::Value = serde_json::from_slice(&o2.stdout).unwrap();
    assert_eq!(v["graph"]["edges"], v2["graph"]["edges"]);
}

#[test]
fn fci_finds_a_hidden_common_cause() {
    let dir = temp_dir("fci-hidden");
    // a -> b <- L -> c <- d with L hidden: the PAG is a o-> b <-> c <-o d.
    let model = write(
        &dir,
        "sem.json",
        r#"{"nodes": ["a", "b", "L", "c", "d"], "edges": [
            {"from": "a", "to": "b", "type": "-->", "weight": 0.8},
            {"from": "L", "to": "b", "type": "-->", "weight": 0.8},
            {"from": "L", "to": "c", "type": "-->", "weight": 0.8},
            {"from": "d", "to": "c", "type": "-->", "weight": 0.8}]}"#,
    );
    let csv = dir.join("data.csv");
    let o = kausa(&["sample", model.to_str().unwrap(), "--n", "5000", "--seed", "2", "--out", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("pag.json");
    let o =
        kausa(&["discover", csv.to_str().unwrap(), "--method", "fci", "--ignore", "L", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let want: Vec<(String, String, String)> = [("a", "b", "o->"), ("b", "c", "<->"), ("d", "c", "o->")]
        .iter()
        .map(|&(a, b, t)| (a.into(), b.into(), t.into()))
        .collect();
    assert_eq!(graph_edges(&out), want);
    assert!(stdout(&o).contains("b     <->   c"), "{}", stdout(&o));
    // PC, which assumes no hidden causes, must get this wrong: it cannot output <->.
    let o = kausa(&["discover", csv.to_str().unwrap(), "--ignore", "L", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["graph"]["edges"].to_string().contains("<->"));
}

#[test]
fn bootstrap_reports_edge_frequencies_whatever_the_threads() {
    let dir = temp_dir("bootstrap");
    let data = write(&dir, "d.csv", &collider_csv(',', false));
    let run = |threads: &str, method: &str| {
        let o = kausa(&[
            "discover",
            data.to_str().unwrap(),
            "--method",
            method,
            "--bootstrap",
            "30",
            "--seed",
            "4",
            "--threads",
            threads,
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["bootstrap"].clone()
    };
    for method in ["pc", "ges", "fci"] {
        let one = run("1", method);
        assert_eq!(one, run("2", method), "{method}: threads changed the bootstrap");
        assert_eq!(one["resamples"], 30);
        assert_eq!(one["failed"], 0);
        let pairs = one["pairs"].as_array().unwrap();
        // The strong collider a -> c <- b is found in (nearly) every resample.
        let ac = pairs.iter().find(|p| p["a"] == "a" && p["b"] == "c").unwrap();
        assert!(ac["adjacency"].as_f64().unwrap() >= 0.95, "{method}: {ac}");
        let top = &ac["edges"][0];
        assert_eq!((top["from"].as_str(), top["to"].as_str()), (Some("a"), Some("c")), "{method}: {ac}");
        // Shares of one pair add up to its adjacency frequency.
        for p in pairs {
            let sum: f64 = p["edges"].as_array().unwrap().iter().map(|e| e["frequency"].as_f64().unwrap()).sum();
            assert!((sum - p["adjacency"].as_f64().unwrap()).abs() < 1e-9, "{p}");
        }
    }
    let o = kausa(&["discover", data.to_str().unwrap(), "--bootstrap", "20"]);
    let text = stdout(&o);
    assert!(text.contains("bootstrap: 20 resamples") && text.contains("this edge  any edge"), "{text}");
    assert!(text.contains("a     -->   c"), "{text}");
}

/// Mixed data: a categorical machine setting, two sensors, a categorical outcome.
fn mixed_csv() -> String {
    let mut s = String::from("setting,temp,pressure,grade\n");
    let mut state = 7u64;
    let mut uniform = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    for _ in 0..3000 {
        let setting = (uniform() * 3.0) as usize;
        let temp = [0.0, 1.2, -1.0][setting] + (uniform() - 0.5) * 2.0;
        let pressure = 0.9 * temp + (uniform() - 0.5) * 1.5;
        let grade = if uniform() < [0.15, 0.85, 0.5][setting] { "A" } else { "B" };
        s.push_str(&format!("{},{temp:.5},{pressure:.5},{grade}\n", ["low", "mid", "high"][setting]));
    }
    s
}

#[test]
fn mixed_data_use_the_degenerate_gaussian_test_and_score() {
    let dir = temp_dir("mixed");
    let data = write(&dir, "mixed.csv", &mixed_csv());
    let adjacent = |v: &serde_json::Value| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = v["graph"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let (a, b) = (e["from"].as_str().unwrap().to_string(), e["to"].as_str().unwrap().to_string());
                if a < b { (a, b) } else { (b, a) }
            })
            .collect();
        out.sort();
        out
    };
    let want: Vec<(String, String)> = [("grade", "setting"), ("pressure", "temp"), ("setting", "temp")]
        .iter()
        .map(|&(a, b)| (a.into(), b.into()))
        .collect();
    for (method, key, name) in [("pc", "test", "dg"), ("fci", "test", "dg"), ("ges", "score", "dg")] {
        let o = kausa(&["discover", data.to_str().unwrap(), "--method", method, "--json"]);
        assert!(o.status.success(), "{method}: {}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["graph"]["meta"][key], name, "{method}");
        assert_eq!(adjacent(&v), want, "{method}: {}", v["graph"]);
    }
}
