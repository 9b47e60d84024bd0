//! Every reader on damaged input: seeded mutations of valid files (bytes changed,
//! cut, repeated, numbers replaced by edge cases) must give an error or a value,
//! never a panic. Model files are also damaged *inside* a valid envelope (the
//! checksum re-sealed, as someone editing a file by hand would), and every model
//! that loads is then sampled, explained and inverted, which must not panic either.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use kausa_core::{Par, Rng};
use kausa_scm::{
    Action, AnomalyParams, ChangeParams, EquationNoise, FitParams, InfluenceParams, Intervention, NodeKind, Program,
    RegressorChoice,
};

use crate::table::{Missing, ReadOptions, read_table};
use crate::{GraphJson, ModelFile};

/// Mutated inputs tried per seed file: 400, or `$KAUSA_FUZZ_CASES` for a longer search.
fn cases() -> u64 {
    std::env::var("KAUSA_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
}

/// Text that tends to reach a parser's edge cases.
const TOKENS: &[&str] = &[
    "",
    "0",
    "-1",
    "1e400",
    "-0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "\"",
    "\n",
    "\r\n",
    ",",
    ";",
    "\t",
    " ",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "=",
    "#",
    "->",
    "|",
    "é",
    "\u{feff}",
    "18446744073709551616",
    "4294967295",
    "9223372036854775807",
    "1.5",
    "\0",
    "\\",
    "//",
    "/*",
    "true",
    "2025-02-30",
    "0000-01-01",
    "9999-12-31",
    "1e-320",
];

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

fn position(rng: &mut Rng, len: usize) -> usize {
    rng.below(len as u64 + 1) as usize
}

/// The byte ranges of runs of number-like characters.
fn number_runs(b: &[u8]) -> Vec<(usize, usize)> {
    let numberish = |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+');
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut s = i;
            while s > 0 && numberish(b[s - 1]) {
                s -= 1;
            }
            let mut e = i;
            while e < b.len() && numberish(b[e]) {
                e += 1;
            }
            runs.push((s, e));
            i = e;
        } else {
            i += 1;
        }
    }
    runs
}

/// One to four random edits of `seed`.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(8) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len() as u64) as usize;
                b[i] = if rng.below(2) == 0 { rng.next_u64() as u8 } else { *pick(rng, b",;\t\n\r\" -.e0{}[]()=#") };
            }
            1 if !b.is_empty() => {
                let i = rng.below(b.len() as u64) as usize;
                let n = (1 + rng.below(16) as usize).min(b.len() - i);
                b.drain(i..i + n);
            }
            2 if !b.is_empty() => {
                let i = rng.below(b.len() as u64) as usize;
                let n = (1 + rng.below(64) as usize).min(b.len() - i);
                let piece = b[i..i + n].to_vec();
                let at = position(rng, b.len());
                b.splice(at..at, piece);
            }
            3 => {
                let at = position(rng, b.len());
                b.splice(at..at, pick(rng, TOKENS).bytes());
            }
            4 => {
                let at = position(rng, b.len());
                b.truncate(at);
            }
            5 => {
                let text = String::from_utf8_lossy(&b).into_owned();
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.len() > 1 {
                    let i = rng.below(lines.len() as u64) as usize;
                    let j = rng.below(lines.len() as u64) as usize;
                    lines.swap(i, j);
                    b = lines.join("\n").into_bytes();
                }
            }
            _ => {
                let runs = number_runs(&b);
                if !runs.is_empty() {
                    let (s, e) = *pick(rng, &runs);
                    b.splice(s..e, pick(rng, TOKENS).bytes());
                }
            }
        }
    }
    b
}

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kausa-io-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `read` on `seed` and [`cases`] mutations of it written to `name`; panics with
/// every input that made it panic (each kept as a file beside it).
fn fuzz<T>(name: &str, seed: &[u8], read: impl FnMut(&Path) -> T) {
    fuzz_with(name, seed, mutate, read)
}

/// One or two numbers of `seed` replaced by numeric edge cases: mutations that keep
/// a strict file (a TOML scenario) readable more often, so they reach what uses it.
fn mutate_numbers(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    const NUMBERS: &[&str] =
        &["0", "-1", "1e400", "1e300", "-1e300", "2147483647", "-2147483648", "1e9", "0.0", "-0.5", "99999", "1.5"];
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(2) {
        // Plain numbers only: runs without a second '-' (dates stay dates).
        let runs: Vec<(usize, usize)> =
            number_runs(&b).into_iter().filter(|&(s, e)| b[s..e].iter().filter(|&&c| c == b'-').count() < 2).collect();
        if !runs.is_empty() {
            let (s, e) = *pick(rng, &runs);
            b.splice(s..e, pick(rng, NUMBERS).bytes());
        }
    }
    b
}

/// [`fuzz`] with the mutation `mutate`.
fn fuzz_with<T>(name: &str, seed: &[u8], mutate: fn(&mut Rng, &[u8]) -> Vec<u8>, mut read: impl FnMut(&Path) -> T) {
    let path = dir().join(name);
    let mut rng = Rng::seed_from_u64(blake3::hash(name.as_bytes()).as_bytes()[0] as u64);
    // The seed itself first: a reader that fails on valid input makes the rest moot.
    let mut failures = Vec::new();
    for case in 0..=cases() {
        let input = if case == 0 { seed.to_vec() } else { mutate(&mut rng, seed) };
        std::fs::write(&path, &input).unwrap();
        if catch_unwind(AssertUnwindSafe(|| read(&path))).is_err() {
            let kept = dir().join(format!("{}.panic-{case}", name.replace('/', "-")));
            std::fs::write(&kept, &input).unwrap();
            failures.push(format!("case {case} (kept as {}): {:?}", kept.display(), String::from_utf8_lossy(&input)));
        }
    }
    assert!(failures.is_empty(), "{name}: {} inputs panicked:\n{}", failures.len(), failures.join("\n"));
}

const CSV: &str = "id,temp,supplier,scrap,shift\n\
1,20.5,A,0.1,1\n2,21.0,B,,2\n3,\"19.5\",A,0.3,1\n4,22.1,C,0.2,3\n5,20.9,B,0.15,2\n6,19.9,A,0.12,1\n";

const CSV_DE: &str = "temp;scrap;supplier\n20,5;0,1;A\n21,0;0,2;B\n19,5;0,3;A\n22,1;0,25;C\n";

#[test]
fn tables_never_panic() {
    let options = [
        ReadOptions::default(),
        ReadOptions { missing: Missing::DropRows, ignore: vec!["id".into()], ..ReadOptions::default() },
        ReadOptions {
            discrete: vec!["shift".into()],
            continuous: vec!["id".into()],
            allow_constant: true,
            max_discrete_levels: Some(2),
            ..ReadOptions::default()
        },
        ReadOptions {
            only: Some(vec!["temp".into(), "scrap".into()]),
            also: vec!["shift".into()],
            ..ReadOptions::default()
        },
    ];
    for (i, o) in options.iter().enumerate() {
        fuzz(&format!("t{i}.csv"), CSV.as_bytes(), |p| read_table(p, o).map(|t| t.data.n_rows()));
    }
    let de = ReadOptions { decimal_comma: true, delimiter: Some(b';'), ..ReadOptions::default() };
    fuzz("de.csv", CSV_DE.as_bytes(), |p| read_table(p, &de).map(|t| t.data.n_rows()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, CSV.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    fuzz("t.csv.gz", &gz, |p| read_table(p, &ReadOptions::default()).map(|t| t.data.n_rows()));
}

#[test]
fn parquet_files_never_panic() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in ["pandas_snappy.parquet", "pandas_zstd.parquet", "with_gaps.parquet"] {
        let seed = std::fs::read(fixtures.join(name)).unwrap();
        fuzz(name, &seed, |p| read_table(p, &ReadOptions::default()).map(|t| t.data.n_rows()));
    }
}

const BIF: &str = "network test { }
variable a { type discrete [ 2 ] { lo, hi }; }
variable b { type discrete [ 3 ] { x, y, z }; }
variable c { type discrete [ 2 ] { no, yes }; }
probability ( a ) { table 0.3, 0.7; }
probability ( b | a ) {
  (lo) 0.2, 0.3, 0.5;
  (hi) 0.1, 0.1, 0.8;
}
probability ( c | a, b ) {
  default 0.5, 0.5;
  (lo, x) 0.9, 0.1;
}
";

const GRAPH: &str = r#"{"nodes": ["a", "b", "c", "d"], "edges": [
 {"from": "a", "to": "b", "type": "-->", "weight": 0.5},
 {"from": "b", "to": "c", "type": "o->"},
 {"from": "c", "to": "d", "type": "<->"},
 {"from": "a", "to": "d", "type": "---", "weight": -1.5}], "meta": {"noise_sd": {"b": 2}}}"#;

const SEM: &str = r#"{"nodes": ["a", "b", "c"], "edges": [
 {"from": "a", "to": "b", "type": "-->", "weight": 0.5},
 {"from": "b", "to": "c", "type": "-->", "weight": -2},
 {"from": "a", "to": "c", "type": "-->", "weight": 1}], "meta": {"noise_sd": {"b": 0.5}}}"#;

const GML: &str = r#"graph[directed 1 node[ id "y" label "y"] node[ id "W0" label "W0"] node[ id "v0" label "v0"]
  node [ id "U" label "U" observed "no" ]
  edge[source "v0" target "y"] edge[ source "W0" target "v0"] edge[ source "W0" target "y"]
  edge [ source "U" target "v0" ] edge [ source "U" target "y" ]]"#;

const KNOWLEDGE: &str = r#"tiers = [["supplier", "shift"], ["temperature", "pressure"], ["scrap"]]
required = [["temperature", "scrap"]]
forbidden = ["scrap -> shift", ["pressure", "supplier"]]
"#;

const EQUATIONS: &str = r#"[[equation]]
node = "revenue"
expr = "received * 12.5 - if(received > 10, 3, `unit cost`)"
noise = "none"

[[equation]]
node = "energy"
expr = "exp(log(abs(load) + 1)) ^ 2 / max(1, min(hours, 8))"
noise = "normal"
sd = 0.5
"#;

#[test]
fn graphs_knowledge_networks_and_equations_never_panic() {
    fuzz("g.bif", BIF.as_bytes(), |p| crate::read_bif(p).map(|bn| bn.sample(5, &mut Rng::seed_from_u64(1)).n_rows()));
    fuzz("g.json", GRAPH.as_bytes(), |p| GraphJson::read(p).map(|g| g.nodes.len()));
    fuzz("mixed.json", GRAPH.as_bytes(), |p| GraphJson::read_mixed(p).map(|g| g.to_graph().is_ok()));
    fuzz("edges.csv", b"cause,effect\na,b\nb,c\n\"x y\",c\n", |p| GraphJson::read_edge_list(p).map(|g| g.nodes.len()));
    fuzz("g.gml", GML.as_bytes(), |p| crate::read_gml(p).map(|g| g.edges.len()));
    for noise in [kausa_sim::Noise::Gaussian, kausa_sim::Noise::Laplace] {
        fuzz("sem.json", SEM.as_bytes(), |p| {
            crate::read_linear_sem(p, noise)
                .map(|(names, sem)| sem.sample(5, &mut Rng::seed_from_u64(1)).len() + names.len())
        });
    }
    let names: Vec<String> =
        ["supplier", "shift", "temperature", "pressure", "scrap"].iter().map(|s| s.to_string()).collect();
    fuzz("k.toml", KNOWLEDGE.as_bytes(), |p| crate::read_knowledge(p, &names).is_ok());
    fuzz("eq.toml", EQUATIONS.as_bytes(), |p| crate::read_equations(p).map(|e| e.len()));
}

/// The expression language of domain equations: compiled, then evaluated.
#[test]
fn equation_expressions_never_panic() {
    let seeds = [
        "received * 12.5 - if(received > 10, 3, `unit cost`)",
        "exp(log(abs(load) + 1)) ^ 2 / max(1, min(hours, 8)) <= sqrt(x) * -y",
        "((a + b) * (c - d)) / (e ^ -f) >= 1 < 2",
    ];
    let mut rng = Rng::seed_from_u64(9);
    let mut failures = Vec::new();
    for seed in seeds {
        for case in 0..=cases() * 4 {
            let input = if case == 0 { seed.as_bytes().to_vec() } else { mutate(&mut rng, seed.as_bytes()) };
            let text = String::from_utf8_lossy(&input).into_owned();
            let run = catch_unwind(AssertUnwindSafe(|| {
                if let Ok(program) = Program::compile(&text) {
                    let columns: Vec<Vec<f64>> =
                        (0..program.variables.len()).map(|j| vec![j as f64 - 1.0, 0.5, f64::MAX]).collect();
                    let inputs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
                    let mut out = vec![0.0; 3];
                    program.eval(&inputs, &mut out);
                }
            }));
            if run.is_err() {
                failures.push(format!("{text:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} expressions panicked:\n{}", failures.len(), failures.join("\n"));
}

/// The example company's tiny export, written to `name` under the test folder.
fn tiny_export(name: &str) -> (PathBuf, kausa_supply::Export) {
    let dir = dir().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in kausa_supply::example::tiny(1) {
        std::fs::write(dir.join(file), text).unwrap();
    }
    let export = crate::read_export(&dir).unwrap();
    (dir, export)
}

/// Scenarios are read and then simulated on the tiny example company (at most two
/// runs of 60 days, so that a mutated `runs = 1000000` stays quick): dates, durations,
/// factors and shares from the file reach the simulator's day and quantity arithmetic.
#[test]
fn scenarios_never_panic_when_read_or_simulated() {
    let (_, export) = tiny_export("scenario-export");
    let (leads, demand, scrap) =
        (kausa_supply::lead_times(&export, 1), kausa_supply::demand(&export, 1), kausa_supply::scrap(&export, 1));
    let net = kausa_supply::sim::Network::new(&export, &leads, &demand, &scrap)
        .unwrap()
        .with_energy(&export, &kausa_supply::energy::learn(&export, 1))
        .with_productivity(&kausa_supply::productivity(&export, 1));
    let seeds = [
        ("pl-strike.toml", include_str!("../../../examples/pl-strike.toml")),
        ("cn-delay.toml", include_str!("../../../examples/cn-delay-full.toml")),
    ];
    for ((name, text), mutate) in
        seeds.iter().flat_map(|s| [(s, mutate as fn(&mut Rng, &[u8]) -> Vec<u8>), (s, mutate_numbers)])
    {
        // The full-scale scenarios name sites as S-CN-01 to S-CN-06; the tiny company has S-CN-1 and S-CN-2.
        let text = text.replace(", \"S-CN-03\", \"S-CN-04\", \"S-CN-05\", \"S-CN-06\"", "").replace("S-CN-0", "S-CN-");
        let mut simulated = 0;
        fuzz_with(name, text.as_bytes(), mutate, |p| {
            let mut sc = crate::read_scenario(p)?;
            sc.runs = sc.runs.min(2);
            sc.horizon_days = sc.horizon_days.min(60);
            let out = net.simulate(&sc, Par::Seq);
            simulated += usize::from(out.is_ok());
            Ok::<_, crate::Error>(out.map(|r| r.len()))
        });
        // The seed and some mutations get as far as a finished simulation.
        assert!(simulated > 1, "{name}: {simulated} scenarios simulated");
    }
}

#[test]
fn erp_exports_never_panic() {
    let (export, _) = tiny_export("export");
    for (file, text) in kausa_supply::example::tiny(1) {
        fuzz(&format!("export/{file}"), text.as_bytes(), |_| {
            crate::read_export(&export).map(|e| e.purchase_orders.len())
        });
        std::fs::write(export.join(&file), text).unwrap();
    }
}

/// Models of every mechanism kind: empirical and normal roots, least squares, ridge,
/// boosted trees, a log link, logistic and boosted classifiers, and equations.
fn seed_models() -> Vec<ModelFile> {
    let mut rng = Rng::seed_from_u64(4);
    let n = 300;
    let a: Vec<f64> = (0..n).map(|_| rng.uniform_in(1.0, 3.0)).collect();
    let k: Vec<f64> = (0..n).map(|_| rng.below(3) as f64).collect();
    let b: Vec<f64> = a.iter().zip(&k).map(|(x, c)| 2.0 * x + c + rng.normal()).collect();
    let c: Vec<f64> = b.iter().map(|x| (0.3 * x + 0.2 * rng.normal()).exp()).collect();
    let y: Vec<f64> = b.iter().map(|x| f64::from(rng.uniform() < 1.0 / (1.0 + (4.0 - x).exp()))).collect();
    let d: Vec<f64> = b.iter().zip(&a).map(|(x, z)| x - z).collect();
    let names: Vec<String> = ["a", "k", "b", "c", "y", "d"].iter().map(|s| s.to_string()).collect();
    let kinds = vec![
        NodeKind::Continuous,
        NodeKind::Categorical { levels: vec!["p".into(), "q".into(), "r".into()] },
        NodeKind::Continuous,
        NodeKind::Continuous,
        NodeKind::Categorical { levels: vec!["no".into(), "yes".into()] },
        NodeKind::Continuous,
    ];
    let parents = vec![vec![], vec![], vec![0, 1], vec![2], vec![2, 1], vec![2, 0]];
    let equations = vec![
        None,
        None,
        None,
        None,
        None,
        Some(("b - a".to_string(), EquationNoise::Residuals { residuals: Vec::new() })),
    ];
    let cols = vec![a, k, b, c, y, d];
    let variants = [
        FitParams {
            regressor: RegressorChoice::Linear,
            boosted_classifier: Some(false),
            log_nodes: vec![3],
            ..FitParams::default()
        },
        FitParams {
            regressor: RegressorChoice::Boosted,
            boosted_classifier: Some(true),
            gaussian_roots: true,
            ..FitParams::default()
        },
        FitParams { regressor: RegressorChoice::Ridge, max_values: 20, ..FitParams::default() },
    ];
    variants
        .iter()
        .map(|params| {
            let (model, _) =
                kausa_scm::fit_with_equations(&names, &kinds, &parents, &cols, &equations, params).unwrap();
            let data = crate::model_file::fingerprint("fuzz.csv", &names, &cols);
            let provenance = crate::Provenance {
                kausa_version: env!("CARGO_PKG_VERSION").into(),
                seed: 0,
                rng: "xoshiro256++".into(),
                data,
                graph: "g.json".into(),
                graph_origin: "given".into(),
                graph_blake3: String::new(),
                equations: None,
                fit_report: serde_json::Value::Null,
            };
            ModelFile { provenance, model }
        })
        .collect()
}

/// One edit of a JSON value at a random place: a number, string, array or object changed.
fn mutate_json(rng: &mut Rng, v: &mut serde_json::Value) {
    use serde_json::Value;
    // Count the places, pick one, walk to it.
    fn places(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(places).sum(),
            Value::Object(o) => o.values().map(places).sum(),
            _ => 0,
        }
    }
    fn nth(v: &mut Value, mut k: usize) -> Result<&mut Value, usize> {
        if k == 0 {
            return Ok(v);
        }
        k -= 1;
        let children: Vec<&mut Value> = match v {
            Value::Array(a) => a.iter_mut().collect(),
            Value::Object(o) => o.values_mut().collect(),
            _ => return Err(k),
        };
        for child in children {
            match nth(child, k) {
                Ok(found) => return Ok(found),
                Err(rest) => k = rest,
            }
        }
        Err(k)
    }
    let k = rng.below(places(v) as u64) as usize;
    let Ok(target) = nth(v, k) else { return };
    let numbers = [
        0.0,
        -1.0,
        1.0,
        2.0,
        3.0,
        7.0,
        0.5,
        -0.5,
        1e6,
        1e308,
        -1e308,
        4294967295.0,
        2147483647.0,
        -2147483648.0,
        1e-310,
    ];
    match target {
        Value::Number(_) | Value::Null | Value::Bool(_) => {
            *target = serde_json::json!(*pick(rng, &numbers));
            if rng.below(3) == 0 {
                *target = serde_json::json!(*pick(rng, &numbers) as i64);
            }
        }
        Value::String(s) => match rng.below(4) {
            0 => {
                let keep = s.chars().count().saturating_sub(1 + rng.below(12) as usize);
                *s = s.chars().take(keep).collect();
            }
            1 => {
                let tail: &&str = pick(rng, &["A", "AAAA", "AAAAAAAAAAA=", "==", "x"]);
                s.push_str(tail);
            }
            2 => s.clear(),
            _ => *s = pick(rng, &["linear", "boosted", "empirical", "a", "b", "1/0", "a +", "log(-1)"]).to_string(),
        },
        Value::Array(a) => match rng.below(4) {
            0 if !a.is_empty() => {
                let i = rng.below(a.len() as u64) as usize;
                a.remove(i);
            }
            1 if !a.is_empty() => {
                let i = rng.below(a.len() as u64) as usize;
                let copy = a[i].clone();
                a.push(copy);
            }
            2 => a.clear(),
            _ => a.push(serde_json::json!(*pick(rng, &numbers) as i64)),
        },
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            if !keys.is_empty() {
                o.remove(pick(rng, &keys));
            }
        }
    }
}

/// What a user may do with a model that loaded: sample it (observationally and
/// under each kind of intervention), invert it, explain an anomaly.
fn use_model(model: &kausa_scm::Scm) {
    let p = model.nodes().len();
    let _ = kausa_scm::sample(model, 50, &[], 1, Par::Seq);
    let rows = kausa_scm::sample(model, 20, &[], 2, Par::Seq);
    for j in 0..p {
        for action in [Action::Set(1.0), Action::Shift(0.5), Action::Scale(1.1)] {
            let _ = kausa_scm::sample(model, 20, &[Intervention { node: j, action }], 3, Par::Seq);
        }
    }
    if let Ok(rows) = rows {
        let _ = kausa_scm::counterfactual(model, &rows, &[Intervention { node: 0, action: Action::Set(2.0) }]);
        let one: Vec<Vec<f64>> = rows.iter().map(|c| c[..1].to_vec()).collect();
        let params = AnomalyParams { samples: 200, ..AnomalyParams::default() };
        let _ = kausa_scm::attribute_anomalies(model, p - 1, &one, &params);
        let influence = InfluenceParams { outer: 20, inner: 5, permutations: 10, ..InfluenceParams::default() };
        let _ = kausa_scm::arrow_strength(model, p - 1, &influence);
        let _ = kausa_scm::intrinsic_influence(model, p - 1, &influence);
        if let Ok(after) = kausa_scm::sample(model, 20, &[], 4, Par::Seq) {
            let change = ChangeParams { samples: 200, bootstrap: 2, permutations: 10, ..ChangeParams::default() };
            let _ = kausa_scm::distribution_change(model, p - 1, &rows, &after, &change);
        }
    }
}

#[test]
fn model_files_never_panic_even_when_resealed() {
    for (m, model) in seed_models().into_iter().enumerate() {
        let path = dir().join(format!("m{m}.kausa"));
        crate::write_model(&path, &model).unwrap();
        assert_eq!(crate::read_model(&path).unwrap().model, model.model, "model {m} reads back");
        let text = std::fs::read_to_string(&path).unwrap();
        // Damaged bytes: mostly refused by the checksum, but the envelope's parser sees them all.
        fuzz(&format!("bytes{m}.kausa"), text.as_bytes(), |p| crate::read_model(p).map(|f| use_model(&f.model)));
        fuzz_resealed(&path, &text, cases() * 2, |p| {
            if let Ok(file) = crate::read_model(p) {
                use_model(&file.model);
            }
        });
    }
}

/// A supply model damaged inside a re-sealed envelope: read, built into the network
/// with the export it was learned from, and simulated under a strike.
#[test]
fn supply_models_never_panic_even_when_resealed() {
    use kausa_supply::sim::Network;
    let (export_dir, export) = tiny_export("supply-export");
    let model = crate::SupplyModel {
        kausa_version: env!("CARGO_PKG_VERSION").into(),
        seed: 1,
        export: "export".into(),
        export_blake3: crate::export_fingerprint(&export_dir, &export).unwrap(),
        lead_times: kausa_supply::lead_times(&export, 1),
        demand: kausa_supply::demand(&export, 1),
        scrap: kausa_supply::scrap(&export, 1),
        energy: kausa_supply::energy::learn(&export, 1),
        productivity: kausa_supply::productivity(&export, 1),
    };
    let scenario_path = dir().join("strike.toml");
    std::fs::write(
        &scenario_path,
        "format = \"kausa-scenario/1\"\n[scenario]\nid = \"s\"\nstart = 2025-01-06\nhorizon_days = 30\nruns = 2\nseed = 1\n\
         [[event]]\nid = \"strike\"\nkind = \"strike\"\nstart = 2025-01-08\nduration_days = 10\n[event.scope]\ncountries = [\"PL\"]\n",
    )
    .unwrap();
    let scenario = crate::read_scenario(&scenario_path).unwrap();
    let simulate = |m: &crate::SupplyModel| -> Result<usize, String> {
        let net = Network::new(&export, &m.lead_times, &m.demand, &m.scrap)
            .map_err(|e| e.to_string())?
            .with_energy(&export, &m.energy)
            .with_productivity(&m.productivity);
        net.simulate(&scenario, Par::Seq).map(|r| r.len()).map_err(|e| e.to_string())
    };
    assert_eq!(simulate(&model), Ok(2), "the undamaged model simulates");
    let path = dir().join("supply.kausa-supply");
    crate::write_supply_model(&path, &model).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    fuzz_resealed(&path, &text, cases(), |p| {
        let _ = crate::read_supply_model(p).map(|m| simulate(&m));
    });
}

/// Runs `read` on `cases` copies of the file `text` (in its envelope) whose body has
/// one to three [`mutate_json`] edits and a fresh checksum, written to `path`; panics
/// with every body that made it panic.
fn fuzz_resealed(path: &Path, text: &str, cases: u64, mut read: impl FnMut(&Path)) {
    let envelope: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut rng = Rng::seed_from_u64(blake3::hash(text.as_bytes()).as_bytes()[0] as u64);
    let mut failures = Vec::new();
    for case in 0..cases {
        let mut body = envelope["body"].clone();
        for _ in 0..1 + rng.below(3) {
            mutate_json(&mut rng, &mut body);
        }
        let body = body.to_string();
        let sealed = format!(
            "{{\"format\":{},\"format_version\":{},\"kausa_version\":\"x\",\"checksum\":\"{}\",\"body\":{body}}}",
            envelope["format"],
            envelope["format_version"],
            crate::model_file::checksum(&body)
        );
        std::fs::write(path, &sealed).unwrap();
        if catch_unwind(AssertUnwindSafe(|| read(path))).is_err() {
            failures.push(format!("case {case}: {body}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} re-sealed bodies panicked:\n{}",
        path.display(),
        failures.len(),
        failures.join("\n")
    );
}
