//! `kausa estimate` end to end: DoWhy's answers on its own data set, and errors.

use std::path::PathBuf;

use crate::util::{kausa, repo_root, stderr, stdout, temp_dir, write};

fn golden(case: &str) -> (PathBuf, PathBuf, serde_json::Value) {
    let dir = repo_root().join("golden/estimate");
    let want = crate::util::read_json(&dir.join(format!("{case}.json")));
    (dir.join(format!("{case}.gml")), dir.join(format!("{case}.csv.gz")), want)
}

fn estimate_json(graph: &std::path::Path, data: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
    args.extend_from_slice(&["--treatment", "v0", "--outcome", "y", "--json"]);
    args.extend_from_slice(extra);
    let o = kausa(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

/// Whether the JSON interval `[lo, hi]` contains `x`.
fn covers(interval: &serde_json::Value, x: f64) -> bool {
    let (lo, hi) = (interval[0].as_f64().unwrap(), interval[1].as_f64().unwrap());
    lo <= x && x <= hi
}

/// On DoWhy's linear data set (its README example), `--compat dowhy` gives DoWhy's
/// `backdoor.linear_regression` estimate, and its analytic interval where DoWhy has one.
#[test]
fn linear_adjustment_equals_dowhy() {
    for case in [
        "dowhy_linear_binary_n1000_s0",
        "dowhy_linear_binary_n1000_s1",
        "dowhy_linear_continuous_n1000_s2",
        "dowhy_linear_binary_overlap_n2000_s3",
    ] {
        let (graph, data, want) = golden(case);
        let got = estimate_json(&graph, &data, &["--compat", "dowhy"]);
        assert_eq!(got["adjustment_set"], want["backdoor_set"], "{case}");
        assert_eq!(got["effect_modifiers"], want["effect_modifiers"], "{case}");
        let (e, w) = (got["effect"].as_f64().unwrap(), want["estimate"].as_f64().unwrap());
        assert!((e - w).abs() < 1e-6 * w.abs(), "{case}: {e} vs DoWhy {w}");
        if let Some(wi) = want["interval"].as_array() {
            for (g, w) in got["interval"].as_array().unwrap().iter().zip(wi) {
                assert!((g.as_f64().unwrap() - w.as_f64().unwrap()).abs() < 1e-6, "{case}: interval {got} vs {want}");
            }
        }
        if case.contains("binary") {
            // The true effect is inside the analytic interval, in both specifications, and the bootstrap's.
            let truth = want["true_effect"].as_f64().unwrap();
            for extra in [&["--compat", "dowhy"][..], &["--bootstrap", "199", "--seed", "3"]] {
                let v = estimate_json(&graph, &data, extra);
                let i = &v["interval"];
                assert!(covers(i, truth), "{case} {extra:?}: {v}");
                if let Some(b) = v["bootstrap"].as_object() {
                    let bi = &b["interval"];
                    assert!(covers(bi, truth), "{case}: {v}");
                }
            }
        }
    }
}

#[test]
fn refutation_sensitivity_and_overlap_are_reported() {
    let (graph, data, _) = golden("dowhy_linear_binary_n1000_s0");
    let v = estimate_json(&graph, &data, &["--refute-sims", "10"]);
    let names: Vec<&str> = v["refutations"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["placebo treatment", "dummy outcome", "random common cause", "data subset"]);
    // A correctly specified linear model on its own data passes every refuter.
    assert!(v["refutations"].as_array().unwrap().iter().all(|r| r["passed"] == true), "{v}");
    assert!(v["sensitivity"]["e_value"].as_f64().unwrap() > 1.0);
    // DoWhy's data set has strong confounding: most propensities are extreme, and kausa says so.
    assert_eq!(v["overlap"]["adequate"], false);
    let none = estimate_json(&graph, &data, &["--no-refute"]);
    assert_eq!(none["refutations"], serde_json::json!([]));
    // One refuter alone gives the same answer as within the full set.
    let one = estimate_json(&graph, &data, &["--refute-sims", "10", "--refuters", "subset"]);
    assert_eq!(one["refutations"].as_array().unwrap().len(), 1);
    assert_eq!(one["refutations"][0], v["refutations"][3]);
}

/// On DoWhy's data set drawn with good overlap (beta = 1: no extreme propensity),
/// every estimator's interval covers the true effect: linear adjustment (analytic
/// and bootstrap), IPW, DML and AIPW with linear and with boosted nuisances, and
/// boosted regression adjustment.
#[test]
fn every_estimator_covers_the_truth_where_overlap_is_good() {
    let case = "dowhy_linear_binary_overlap_n2000_s3";
    let (graph, data, want) = golden(case);
    let truth = want["true_effect"].as_f64().unwrap();
    let runs: [&[&str]; 8] = [
        &["--method", "linear"],
        &["--method", "linear", "--bootstrap", "199", "--seed", "4"],
        &["--method", "ipw"],
        &["--method", "dml"],
        &["--method", "dml", "--learner", "gbt"],
        &["--method", "aipw"],
        &["--method", "aipw", "--learner", "gbt"],
        &["--method", "gbt"],
    ];
    for extra in runs {
        let mut args = extra.to_vec();
        args.push("--no-refute");
        let v = estimate_json(&graph, &data, &args);
        assert_eq!(v["overlap"]["adequate"], true, "{v}");
        assert!(covers(&v["interval"], truth), "{extra:?}: {} {} vs truth {truth}", v["effect"], v["interval"]);
        if let Some(b) = v["bootstrap"].as_object() {
            assert!(covers(&b["interval"], truth), "{extra:?} bootstrap: {v}");
        }
    }
}

/// Every back-door estimator, not only linear adjustment, gets the four refuters
/// (by re-estimating on the altered data) and the E-value; the robustness value
/// where it is defined (the partially linear model).
#[test]
fn refuters_and_sensitivity_beside_every_back_door_estimate() {
    let (graph, data, _) = golden("dowhy_linear_binary_overlap_n2000_s3");
    for method in ["ipw", "dml", "aipw", "gbt"] {
        let v = estimate_json(&graph, &data, &["--method", method, "--refute-sims", "5"]);
        let names: Vec<&str> =
            v["refutations"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["placebo treatment", "dummy outcome", "random common cause", "data subset"], "{method}");
        for r in v["refutations"].as_array().unwrap() {
            assert_eq!(r["passed"], true, "{method}: {r}");
        }
        assert!(v["sensitivity"]["e_value"].as_f64().unwrap() > 1.5, "{method}: {}", v["sensitivity"]);
        assert_eq!(v["sensitivity"]["robustness_value"].is_f64(), method == "dml", "{method}: {}", v["sensitivity"]);
    }
}

/// Cross-fitted estimators against DoubleML 0.11 with linear learners and 5 folds on the
/// same rows (the folds differ): within the larger of the two standard errors.
#[test]
fn cross_fitted_estimates_agree_with_doubleml() {
    for case in ["dowhy_linear_binary_n1000_s0", "dowhy_linear_binary_n1000_s1", "dowhy_linear_continuous_n1000_s2"] {
        let (graph, data, want) = golden(case);
        let mut pairs = vec![("dml", "doubleml_plr")];
        if case.contains("binary") {
            pairs.push(("aipw", "doubleml_irm"));
        }
        for (method, reference) in pairs {
            let got = estimate_json(&graph, &data, &["--method", method, "--no-refute"]);
            let (e, se) = (got["effect"].as_f64().unwrap(), got["se"].as_f64().unwrap());
            let (w, wse) = (want[reference]["estimate"].as_f64().unwrap(), want[reference]["se"].as_f64().unwrap());
            assert!((e - w).abs() <= se.max(wse), "{case} {method}: {e} ± {se} vs DoubleML {w} ± {wse}");
            assert!((se / wse - 1.0).abs() < 0.25, "{case} {method}: standard errors {se} vs {wse}");
        }
    }
}

/// On exactly DoubleML's folds (`--fold-column`, the split drawn by
/// golden/estimate/make_samefolds.py) and with the same linear learners, the
/// cross-fitted estimates are DoubleML's to rounding. The standard errors differ
/// only by kausa's n − 1 divisor of the AIPW score variance (DoubleML divides by n).
#[test]
fn cross_fitted_estimates_equal_doubleml_on_the_same_folds() {
    use std::io::Read;
    for case in ["dowhy_linear_binary_n1000_s0", "dowhy_linear_binary_n1000_s1", "dowhy_linear_continuous_n1000_s2"] {
        let (graph, data, _) = golden(case);
        let want = crate::util::read_json(&repo_root().join(format!("golden/estimate/{case}.samefolds.json")));
        let folds = want["folds"].as_array().unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&data).unwrap()).read_to_string(&mut text).unwrap();
        let mut lines = text.lines();
        let mut with_folds = format!("{},fold\n", lines.next().unwrap());
        for (line, fold) in lines.zip(folds) {
            with_folds.push_str(&format!("{line},{fold}\n"));
        }
        let dir = temp_dir("estimate-samefolds");
        let data = write(&dir, &format!("{case}.csv"), &with_folds);
        let n = folds.len() as f64;
        let mut pairs = vec![("dml", "doubleml_plr", 1.0)];
        if case.contains("binary") {
            pairs.push(("aipw", "doubleml_irm", ((n - 1.0) / n).sqrt()));
        }
        for (method, reference, se_scale) in pairs {
            let got = estimate_json(&graph, &data, &["--method", method, "--fold-column", "fold", "--no-refute"]);
            assert_eq!(got["adjustment_set"], want["covariates"], "{case}: covariates");
            let (e, se) = (got["effect"].as_f64().unwrap(), got["se"].as_f64().unwrap());
            let (w, wse) = (want[reference]["estimate"].as_f64().unwrap(), want[reference]["se"].as_f64().unwrap());
            assert!((e - w).abs() <= 1e-9 * w.abs(), "{case} {method}: {e} vs DoubleML {w}");
            assert!((se * se_scale / wse - 1.0).abs() < 1e-9, "{case} {method}: standard errors {se} vs {wse}");
        }
    }
}

/// `--fold-column` errors: another estimator, a graph node as the folds, a missing
/// column, `--folds` beside it.
#[test]
fn fold_column_errors_are_clear() {
    let dir = temp_dir("estimate-fold-errors");
    let graph = write(
        &dir,
        "g.json",
        r#"{"nodes": ["W", "T", "Y"], "edges": [
        {"from": "W", "to": "T", "type": "-->"}, {"from": "W", "to": "Y", "type": "-->"},
        {"from": "T", "to": "Y", "type": "-->"}]}"#,
    );
    let mut rng = kausa_core::Rng::seed_from_u64(3);
    let mut text = String::from("W,T,Y,fold\n");
    for i in 0..200 {
        let w = rng.normal();
        let t = w + rng.normal();
        text.push_str(&format!("{w},{t},{},{}\n", 2.0 * t + w + rng.normal(), i % 4));
    }
    let data = write(&dir, "d.csv", &text);
    let run = |extra: &[&str]| {
        let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
        args.extend_from_slice(&["--treatment", "T", "--outcome", "Y", "--no-refute"]);
        args.extend_from_slice(extra);
        kausa(&args)
    };
    let ok = run(&["--method", "dml", "--fold-column", "fold", "--json"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("4 folds as given"));
    for (extra, want) in [
        (&["--method", "linear", "--fold-column", "fold"][..], "cross-fitted"),
        (&["--method", "dml", "--fold-column", "W"][..], "node of the graph"),
        (&["--method", "dml", "--fold-column", "batch"][..], "no column \"batch\""),
        (&["--method", "dml", "--fold-column", "fold", "--folds", "3"][..], "cannot be used with"),
    ] {
        let o = run(extra);
        assert!(!o.status.success(), "{extra:?} succeeded");
        assert!(stderr(&o).contains(want), "{extra:?}: {}", stderr(&o));
    }
}

/// On the napkin graph only the general ID estimand identifies the effect: the
/// default estimator is then its plug-in, with a bootstrap interval that covers
/// the true effect; a continuous variable in the estimand is refused.
#[test]
fn napkin_effect_through_the_id_estimand() {
    let dir = temp_dir("estimate-napkin");
    let mut rng = kausa_core::Rng::seed_from_u64(5);
    let mut bern = |p: f64| u32::from(rng.uniform() < p);
    let mut text = String::from("W1,W2,X,Y,Z\n");
    for i in 0..50_000 {
        let (u1, u2) = (bern(0.5) as f64, bern(0.5) as f64);
        let w1 = bern(0.05 + 0.3 * u1 + 0.6 * u2);
        let w2 = bern(0.1 + 0.8 * w1 as f64);
        let x = bern(0.05 + 0.6 * w2 as f64 + 0.3 * u1);
        let y = bern(0.05 + 0.4 * x as f64 + 0.5 * u2);
        text.push_str(&format!("{w1},{w2},{x},{y},{}\n", i as f64 * 0.37));
    }
    let data = write(&dir, "napkin.csv", &text);
    let graph = write(
        &dir,
        "napkin.json",
        r#"{"nodes": ["W1", "W2", "X", "Y"], "edges": [
        {"from": "W1", "to": "W2", "type": "-->"}, {"from": "W2", "to": "X", "type": "-->"},
        {"from": "X", "to": "Y", "type": "-->"}, {"from": "W1", "to": "X", "type": "<->"},
        {"from": "W1", "to": "Y", "type": "<->"}]}"#,
    );
    let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
    args.extend_from_slice(&["--treatment", "X", "--outcome", "Y", "--json"]);
    let o = kausa(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["chosen_because"], "identification");
    assert!(v["method"].as_str().unwrap().contains("ID estimand"), "{}", v["method"]);
    let e = v["effect"].as_f64().unwrap();
    assert!((e - 0.4).abs() < 0.03, "effect {e}");
    assert!(covers(&v["interval"], 0.4), "{}", v["interval"]);
    assert_eq!(v["bootstrap"]["resamples"], 200);
    assert!(v["notes"][0].as_str().unwrap().starts_with("estimand: "), "{}", v["notes"]);
    // Refuters re-evaluate the estimand on altered codes: a permuted treatment and a
    // noise outcome give no effect, subsets the same one; no random common cause.
    let refutations = v["refutations"].as_array().unwrap();
    let names: Vec<&str> = refutations.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["placebo treatment", "dummy outcome", "data subset"], "{v}");
    assert!(refutations.iter().all(|r| r["passed"] == true), "{v}");
    assert!(refutations[0]["new_effect"].as_f64().unwrap().abs() < 0.02, "{v}");
    assert!(refutations[1]["new_effect"].as_f64().unwrap().abs() < 0.02, "{v}");
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("no random common cause")));
    // The same graph with a continuous variable in the estimand's place.
    let graph = write(&dir, "napkin-z.json", &std::fs::read_to_string(&graph).unwrap().replace("\"W2\"", "\"Z\""));
    let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
    args.extend_from_slice(&["--treatment", "X", "--outcome", "Y"]);
    let o = kausa(&args);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("\"Z\" has 50000 distinct values"), "{}", stderr(&o));
}

/// When only the front door is open, the estimate goes through the mediator.
#[test]
fn front_door_estimate_when_the_back_door_is_shut() {
    let dir = temp_dir("estimate-fd");
    // Shift → Speed → Scrap with a latent cause of Shift and Scrap; true effect 0.8 · 1.5 = 1.2.
    let mut rng = kausa_core::Rng::seed_from_u64(11);
    let mut text = String::from("Shift,Speed,Scrap\n");
    for _ in 0..4000 {
        let u = rng.normal();
        let shift = u + rng.normal();
        let speed = 0.8 * shift + rng.normal();
        text.push_str(&format!("{shift},{speed},{}\n", 1.5 * speed + 2.0 * u + rng.normal()));
    }
    let data = write(&dir, "fd.csv", &text);
    let graph = write(
        &dir,
        "fd.json",
        r#"{"nodes": ["Shift", "Speed", "Scrap"], "edges": [
        {"from": "Shift", "to": "Speed", "type": "-->"}, {"from": "Speed", "to": "Scrap", "type": "-->"},
        {"from": "Shift", "to": "Scrap", "type": "<->"}]}"#,
    );
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
        args.extend_from_slice(&["--treatment", "Shift", "--outcome", "Scrap", "--json"]);
        args.extend_from_slice(extra);
        let o = kausa(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    let v = run(&[]);
    assert_eq!(v["mediators"], serde_json::json!(["Speed"]));
    let i = &v["interval"];
    assert!(covers(i, 1.2), "{v}");
    // Refuters run beside it, but for a random common cause: the front door adjusts for nothing.
    let refutations = v["refutations"].as_array().unwrap();
    let names: Vec<&str> = refutations.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["placebo treatment", "dummy outcome", "data subset"]);
    assert!(refutations.iter().all(|r| r["passed"] == true), "{v}");
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("no random common cause")));
    // The bootstrap interval agrees.
    let v = run(&["--bootstrap", "60"]);
    let b = &v["bootstrap"]["interval"];
    assert!(covers(b, 1.2), "{v}");
}

/// A categorical effect modifier enters as indicators, and `--by` gives the effect per level.
#[test]
fn conditional_effects_by_subgroup() {
    let dir = temp_dir("estimate-by");
    let mut rng = kausa_core::Rng::seed_from_u64(5);
    let mut text = String::from("plant,W,T,Y\n");
    for _ in 0..4000 {
        let plant = if rng.uniform() < 0.5 { "Nord" } else { "Sued" };
        let w = rng.normal();
        // A logistic propensity, so that the weighting estimators' model is right.
        let t = (rng.uniform() < 1.0 / (1.0 + (-1.6 * w).exp())) as u8;
        let effect = if plant == "Nord" { 1.0 } else { 3.0 };
        text.push_str(&format!("{plant},{w},{t},{}\n", effect * t as f64 + 2.0 * w + rng.normal()));
    }
    let data = write(&dir, "by.csv", &text);
    let graph = write(
        &dir,
        "by.json",
        r#"{"nodes": ["plant", "W", "T", "Y"], "edges": [
        {"from": "W", "to": "T", "type": "-->"}, {"from": "W", "to": "Y", "type": "-->"},
        {"from": "T", "to": "Y", "type": "-->"}, {"from": "plant", "to": "Y", "type": "-->"}]}"#,
    );
    let o = kausa(&[
        "estimate",
        "--graph",
        graph.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--treatment",
        "T",
        "--outcome",
        "Y",
        "--by",
        "plant",
        "--no-refute",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["effect_modifiers"], serde_json::json!(["plant=Sued"]));
    for (sub, truth) in v["subgroups"].as_array().unwrap().iter().zip([1.0, 3.0]) {
        let i = &sub["interval"];
        assert!(covers(i, truth), "{sub}");
    }
    let i = &v["interval"];
    let share_sued = text.lines().filter(|l| l.starts_with("Sued")).count() as f64 / 4000.0;
    let ate = 1.0 + 2.0 * share_sued;
    assert!(covers(i, ate), "{v}");
    // The other consistent estimators of the average effect, with analytic and bootstrap intervals, cover it too.
    let call = |extra: &[&str]| {
        let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
        args.extend_from_slice(&["--treatment", "T", "--outcome", "Y", "--no-refute", "--json"]);
        args.extend_from_slice(extra);
        kausa(&args)
    };
    let run = |extra: &[&str]| -> serde_json::Value {
        let o = call(extra);
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    for extra in [&["--method", "aipw", "--bootstrap", "40"][..], &["--method", "ipw", "--bootstrap", "40"]] {
        let v = run(extra);
        for i in [&v["interval"], &v["bootstrap"]["interval"]] {
            assert!(covers(i, ate), "{extra:?}: {v}");
        }
    }
    // With boosted nuisances the interval is the influence function's; the bootstrap is refused.
    let v = run(&["--method", "aipw", "--learner", "gbt"]);
    let i = &v["interval"];
    assert!(covers(i, ate), "boosted AIPW: {v}");
    let o = call(&["--method", "aipw", "--learner", "gbt", "--bootstrap", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("analytic (influence-function) interval"), "{}", stderr(&o));
    // The boosted plug-in (one model per arm) carries the trees' smoothing bias, which its bootstrap
    // interval does not show (as the README says): it lands near the effect, not necessarily around it.
    let v = run(&["--method", "gbt", "--bootstrap", "40"]);
    assert!((v["effect"].as_f64().unwrap() - ate).abs() < 0.1 * ate, "{v}");
    assert!(v["interval"][0].as_f64().unwrap() < v["interval"][1].as_f64().unwrap());
}

#[test]
fn bootstrap_is_reproducible_whatever_the_threads() {
    let (graph, data, _) = golden("dowhy_linear_binary_n1000_s0");
    let one = estimate_json(&graph, &data, &["--bootstrap", "50", "--seed", "9", "--threads", "1"]);
    let two = estimate_json(&graph, &data, &["--bootstrap", "50", "--seed", "9", "--threads", "2"]);
    assert_eq!(one["bootstrap"], two["bootstrap"]);
    assert_eq!(one["effect"], two["effect"]);
}

#[test]
fn weighting_and_instruments_on_dowhy_data() {
    let (graph, data, want) = golden("dowhy_linear_binary_n1000_s0");
    let ipw = estimate_json(&graph, &data, &["--method", "ipw"]);
    assert_eq!(ipw["method"], "inverse probability weighting (stabilised)");
    assert!(ipw["effect"].as_f64().unwrap().is_finite());
    // Z0 and Z1 are the graph's instruments; 2SLS is consistent for the (constant part of the) effect.
    let iv = estimate_json(&graph, &data, &["--method", "iv"]);
    assert_eq!(iv["instruments"], serde_json::json!(["Z0", "Z1"]));
    let truth = want["true_effect"].as_f64().unwrap();
    let i = &iv["interval"];
    assert!(covers(i, truth), "{iv}");
    // The four refuters run on 2SLS too; the placebo permutes the instruments with
    // the treatment, so the first stage holds and the effect vanishes.
    let refutations = iv["refutations"].as_array().unwrap();
    assert_eq!(refutations.len(), 4, "{iv}");
    assert!(refutations.iter().all(|r| r["passed"] == true), "{iv}");
    let placebo = refutations[0]["new_effect"].as_f64().unwrap();
    assert!(placebo.abs() < 0.1 * truth.abs(), "{iv}");
}

#[test]
fn estimate_errors_name_what_is_wrong() {
    let (graph, data, _) = golden("dowhy_linear_binary_n1000_s0");
    let dir = temp_dir("estimate-bad");
    // Runs `kausa estimate` on (graph, data) and returns its message, checking exit code 2.
    let refused = |graph: &std::path::Path, data: &std::path::Path, treatment: &str, extra: &[&str]| -> String {
        let mut args = vec!["estimate", "--graph", graph.to_str().unwrap(), "--data", data.to_str().unwrap()];
        args.extend_from_slice(&["--treatment", treatment, "--outcome", "y"]);
        args.extend_from_slice(extra);
        let o = kausa(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
        stderr(&o)
    };
    let m = refused(&graph, &data, "v9", &[]);
    assert!(m.contains("the treatment \"v9\" is not a node of the graph"), "{m}");
    // W0 → v0 → y, W0 → y.
    let small_graph = write(
        &dir,
        "g.json",
        r#"{"nodes": ["W0", "v0", "y"], "edges": [{"from": "W0", "to": "v0", "type": "-->"},
        {"from": "W0", "to": "y", "type": "-->"}, {"from": "v0", "to": "y", "type": "-->"}]}"#,
    );
    // A graph node with no column in the data.
    let small = write(&dir, "small.csv", "v0,y,W0\n0,1.0,0.5\n1,2.0,0.1\n0,1.5,0.3\n1,2.5,0.9\n");
    let m = refused(&graph, &small, "v0", &[]);
    assert!(m.contains("small.csv: no column \"W1\" (adjustment set)"), "{m}");
    // A treatment that never varies.
    let flat = write(&dir, "flat.csv", "v0,y,W0\n1,1.0,0.5\n1,2.0,0.1\n1,1.5,0.3\n1,2.5,0.9\n");
    let m = refused(&small_graph, &flat, "v0", &[]);
    assert!(m.contains("flat.csv: column \"v0\" (column 1) is constant"), "{m}");
    // Not identifiable: X --> Y with a latent common cause, no instrument.
    let bow = write(
        &dir,
        "bow.json",
        r#"{"nodes": ["v0", "y"], "edges": [{"from": "v0", "to": "y", "type": "-->"},
        {"from": "v0", "to": "y", "type": "<->"}]}"#,
    );
    let m = refused(&bow, &data, "v0", &[]);
    assert!(m.contains("not identifiable from this graph"), "{m}");
    // No overlap: a covariate that decides the treatment.
    let mut text = String::from("v0,y,W0\n");
    for i in 0..200 {
        let w = i as f64 / 10.0;
        text.push_str(&format!("{},{},{w}\n", (w > 10.0) as u8, w * 0.5 + (i % 7) as f64));
    }
    let sep = write(&dir, "sep.csv", &text);
    let m = refused(&small_graph, &sep, "v0", &["--method", "ipw"]);
    assert!(m.contains("no overlap"), "{m}");
}
