//! In-process timings of the structural-causal-model queries, for
//! `bench/scm_bench.py` (like for like with DoWhy's and antecedent's in-process
//! calls; the `kausa` commands add process start, file reading and model loading).
//!
//! `cargo run --release --example scm_timing -- W1.csv W2.csv ROW.csv REPS THREADS`
//! prints one JSON object: step → median seconds. The CSV files hold the five
//! supply-chain columns (demand, constraint, submitted, confirmed, received) in
//! any order, with a header, numbers only.

use std::time::Instant;

use kausa_core::Par;
use kausa_scm::*;

const NAMES: [&str; 5] = ["demand", "constraint", "submitted", "confirmed", "received"];

fn read(path: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).expect("read the CSV");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let at: Vec<usize> =
        NAMES.iter().map(|n| header.iter().position(|h| h == n).expect("a supply-chain column")).collect();
    let mut cols = vec![Vec::new(); NAMES.len()];
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        for (c, &a) in cols.iter_mut().zip(&at) {
            c.push(fields[a].parse::<f64>().expect("a number"));
        }
    }
    cols
}

fn median(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (w1, w2, row) = (read(&args[1]), read(&args[2]), read(&args[3]));
    let reps: usize = args[4].parse().expect("REPS");
    let par = Par::threads(args[5].parse().expect("THREADS"));
    let names: Vec<String> = NAMES.map(String::from).to_vec();
    let kinds = vec![NodeKind::Continuous; 5];
    let parents = vec![vec![], vec![], vec![0, 1], vec![2], vec![3]];
    let params = FitParams { regressor: RegressorChoice::Linear, par, ..FitParams::default() };
    let mut out = serde_json::Map::new();
    let mut time = |name: &str, secs: f64| {
        out.insert(name.to_string(), serde_json::json!(secs));
    };
    let mut scm = None;
    time("A1 fit", median(reps, || scm = Some(fit(&names, &kinds, &parents, &w1, &params).unwrap().0)));
    let scm = scm.unwrap();
    let soft = [Intervention { node: 0, action: Action::Shift(1.0) }];
    let atomic = [Intervention { node: 1, action: Action::Set(0.0) }];
    time("A2 100k interventional, soft", median(reps, || drop(sample(&scm, 100_000, &soft, 0, par).unwrap())));
    time("A3 100k interventional, atomic", median(reps, || drop(sample(&scm, 100_000, &atomic, 0, par).unwrap())));
    time("A4 100k observational", median(reps, || drop(sample(&scm, 100_000, &[], 0, par).unwrap())));
    let change = ChangeParams { bootstrap: 0, par, ..ChangeParams::default() };
    time(
        "A5 distribution change + tests",
        median(reps, || drop(distribution_change(&scm, 4, &w1, &w2, &change).unwrap())),
    );
    let change = ChangeParams { bootstrap: 100, ..change };
    time("A5b + 100 bootstrap refits", median(reps, || drop(distribution_change(&scm, 4, &w1, &w2, &change).unwrap())));
    let anomaly = AnomalyParams { par, ..AnomalyParams::default() };
    time("A6 anomaly attribution, 1 row", median(reps, || drop(attribute_anomalies(&scm, 4, &row, &anomaly).unwrap())));
    let minus = [Intervention { node: 0, action: Action::Shift(-1.0) }];
    time("A7 counterfactual, 1 row", median(reps, || drop(counterfactual(&scm, &row, &minus).unwrap())));
    let first: Vec<Vec<f64>> = w1.iter().map(|c| c[..c.len().min(1000)].to_vec()).collect();
    time("A8 counterfactual, 1000 rows", median(reps, || drop(counterfactual(&scm, &first, &minus).unwrap())));
    let influence = InfluenceParams { par, ..InfluenceParams::default() };
    time("A9 arrow strength", median(reps, || drop(arrow_strength(&scm, 4, &influence).unwrap())));
    let intrinsic = InfluenceParams { par, ..InfluenceParams::intrinsic() };
    time("A10 intrinsic causal influence", median(reps, || drop(intrinsic_influence(&scm, 4, &intrinsic).unwrap())));
    let (a, b) =
        ([Intervention { node: 0, action: Action::Set(5.0) }], [Intervention { node: 0, action: Action::Set(4.0) }]);
    let effect_params = EffectParams { par, ..EffectParams::default() };
    time(
        "effect + 100 bootstrap refits",
        median(reps, || drop(effect(&scm, 4, &a, &b, Some(&w1), &effect_params).unwrap())),
    );
    // Floors on this machine, one thread: the uniforms any sampler of 100,000
    // rows of five nodes draws from kausa's generator, and the sort behind one
    // node's quantile summary (its column's n values as integer keys in
    // `total_cmp` order, as `fit` sorts them; fits keep every value up to 10,000).
    let mut buf = vec![0.0; 500_000];
    time(
        "floor: 500,000 uniforms",
        median(reps, || {
            let mut rng = kausa_core::Rng::stream(0, 0);
            buf.iter_mut().for_each(|u| *u = rng.uniform());
            std::hint::black_box(&buf);
        }),
    );
    time(
        "floor: sort one column",
        median(reps, || {
            let mut keys: Vec<u64> = w1[3].iter().map(|&x| ordered_bits(x)).collect();
            keys.sort_unstable();
            std::hint::black_box(&keys);
        }),
    );
    println!("{}", serde_json::Value::Object(out));
}
