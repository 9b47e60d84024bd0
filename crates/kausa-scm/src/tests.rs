//! Properties of the model on data with a known generating process.

use kausa_core::{Par, Rng};

use crate::*;

/// `a → b → c`, `a → c`: b = 2a + ε_b, c = −a + 0.5 b + ε_c, uniform/normal noise.
fn chain(n: usize, seed: u64) -> (Vec<String>, Vec<Vec<usize>>, Vec<Vec<f64>>) {
    let mut rng = Rng::seed_from_u64(seed);
    let a: Vec<f64> = (0..n).map(|_| rng.uniform_in(-1.0, 3.0)).collect();
    let b: Vec<f64> = a.iter().map(|x| 2.0 * x + rng.normal()).collect();
    let c: Vec<f64> = a.iter().zip(&b).map(|(x, y)| -x + 0.5 * y + 0.5 * rng.normal()).collect();
    (vec!["a".into(), "b".into(), "c".into()], vec![vec![], vec![0], vec![0, 1]], vec![a, b, c])
}

fn linear_fit(names: &[String], parents: &[Vec<usize>], cols: &[Vec<f64>]) -> Scm {
    fit_with(names, parents, cols, RegressorChoice::Linear)
}

fn boosted_fit(names: &[String], parents: &[Vec<usize>], cols: &[Vec<f64>]) -> Scm {
    fit_with(names, parents, cols, RegressorChoice::Boosted)
}

fn fit_with(names: &[String], parents: &[Vec<usize>], cols: &[Vec<f64>], regressor: RegressorChoice) -> Scm {
    let kinds = vec![NodeKind::Continuous; names.len()];
    fit(names, &kinds, parents, cols, &FitParams { regressor, ..FitParams::default() }).unwrap().0
}

fn coef(scm: &Scm, j: usize) -> Vec<f64> {
    match &scm.nodes()[j].mechanism {
        Mechanism::Additive { regressor: Regressor::Linear { coef, .. }, .. } => coef.clone(),
        other => panic!("not linear: {other:?}"),
    }
}

#[test]
fn linear_mechanisms_recover_the_coefficients_and_interventional_means() {
    let (names, parents, cols) = chain(20_000, 1);
    let scm = linear_fit(&names, &parents, &cols);
    assert!((coef(&scm, 1)[0] - 2.0).abs() < 0.03);
    let c = coef(&scm, 2);
    assert!((c[0] + 1.0).abs() < 0.03 && (c[1] - 0.5).abs() < 0.03, "{c:?}");
    // E[c | do(a = 2)] = −2 + 0.5·4 = 0; E[c | do(b = 3)] = −E[a] + 1.5 = 0.5.
    let set = |node, v| [Intervention { node, action: Action::Set(v) }];
    let m = interventional_mean(&scm, 2, &set(0, 2.0), 200_000, 7, Par::Seq).unwrap();
    assert!(m.abs() < 0.02, "{m}");
    let m = interventional_mean(&scm, 2, &set(1, 3.0), 200_000, 7, Par::Seq).unwrap();
    assert!((m - 0.5).abs() < 0.02, "{m}");
    // A soft shift of a by +1 moves c by −1 + 0.5·2 = 0 and b by 2.
    let shift = [Intervention { node: 0, action: Action::Shift(1.0) }];
    let base = sample(&scm, 50_000, &[], 3, Par::Seq).unwrap();
    let moved = sample(&scm, 50_000, &shift, 3, Par::Seq).unwrap();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!((mean(&moved[1]) - mean(&base[1]) - coef(&scm, 1)[0]).abs() < 1e-9);
}

#[test]
fn samples_and_fits_do_not_depend_on_the_thread_count() {
    let (names, parents, cols) = chain(5_000, 2);
    let kinds = vec![NodeKind::Continuous; 3];
    let one = FitParams { par: Par::Seq, ..FitParams::default() };
    let two = FitParams { par: Par::threads(2), ..FitParams::default() };
    let (m1, r1) = fit(&names, &kinds, &parents, &cols, &one).unwrap();
    let (m2, r2) = fit(&names, &kinds, &parents, &cols, &two).unwrap();
    assert_eq!(m1, m2);
    assert_eq!(r1, r2);
    let do_b = [Intervention { node: 1, action: Action::Scale(1.1) }];
    assert_eq!(
        sample(&m1, 10_001, &do_b, 9, Par::Seq).unwrap(),
        sample(&m1, 10_001, &do_b, 9, Par::threads(2)).unwrap()
    );
}

/// Samples as the first implementation drew them: per chunk, every node's
/// uniforms from the chunk's stream in index order, noise picked one value at a
/// time, then `Scm::forward` in causal order.
fn reference_sample(scm: &Scm, n: usize, interventions: &[Intervention], seed: u64) -> Vec<Vec<f64>> {
    let p = scm.nodes().len();
    let actions = scm.actions(interventions);
    let mut out = vec![Vec::new(); p];
    for c in 0..n.div_ceil(query::CHUNK) {
        let len = query::CHUNK.min(n - c * query::CHUNK);
        let mut rng = Rng::stream(seed, c as u64);
        let u: Vec<Vec<f64>> = (0..p).map(|_| (0..len).map(|_| rng.uniform()).collect()).collect();
        let noise: Vec<Vec<f64>> = (0..p)
            .map(|j| {
                let m = &scm.nodes()[j].mechanism;
                let mut e = vec![0.0; len];
                match m.noise_values() {
                    Some(v) => e.iter_mut().zip(&u[j]).for_each(|(e, &u)| {
                        *e = v[((u * v.len() as f64) as usize).min(v.len() - 1)];
                    }),
                    None => m.draw_noise(&u[j], &mut e),
                }
                e
            })
            .collect();
        let mut values = vec![Vec::new(); p];
        scm.forward(scm.order(), |j| &noise[j], &actions, |j| &scm.nodes()[j].mechanism, &mut values);
        for (o, v) in out.iter_mut().zip(values) {
            o.extend(v);
        }
    }
    out
}

/// A recorded seed keeps its numbers: `sample` draws exactly what the first
/// implementation drew, on one thread or two, for linear and boosted mechanisms.
#[test]
fn samples_are_the_first_implementations_bit_for_bit() {
    let (names, parents, cols) = chain(3_000, 6);
    // The same chain with its nodes listed children first: causal order is not index order.
    let (rnames, rcols): (Vec<String>, Vec<Vec<f64>>) =
        (0..3).rev().map(|j| (names[j].clone(), cols[j].clone())).unzip();
    let rparents = vec![vec![2, 1], vec![2], vec![]];
    let models = [
        linear_fit(&names, &parents, &cols),
        boosted_fit(&names, &parents, &cols),
        linear_fit(&rnames, &rparents, &rcols),
    ];
    let bits = |cols: Vec<Vec<f64>>| {
        cols.into_iter().map(|c| c.into_iter().map(f64::to_bits).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    for scm in &models {
        for interventions in [
            vec![],
            vec![Intervention { node: 0, action: Action::Shift(1.0) }],
            vec![Intervention { node: 1, action: Action::Set(2.5) }],
        ] {
            for n in [1, 4096, 2 * 4096 + 1] {
                let want = bits(reference_sample(scm, n, &interventions, 11));
                for par in [Par::Seq, Par::threads(2)] {
                    assert_eq!(bits(sample(scm, n, &interventions, 11, par).unwrap()), want, "n={n} {par:?}");
                }
            }
        }
    }
}

#[test]
fn auto_choice_picks_trees_for_a_nonlinear_mechanism() {
    let mut rng = Rng::seed_from_u64(4);
    let n = 4000;
    let x: Vec<f64> = (0..n).map(|_| rng.uniform_in(-3.0, 3.0)).collect();
    let y: Vec<f64> = x.iter().map(|v| (2.0 * v).sin() * 3.0 + 0.3 * rng.normal()).collect();
    let z: Vec<f64> = x.iter().map(|v| 1.5 * v + rng.normal()).collect();
    let names = vec!["x".to_string(), "y".into(), "z".into()];
    let kinds = vec![NodeKind::Continuous; 3];
    let (scm, report) = fit(&names, &kinds, &[vec![], vec![0], vec![0]], &[x, y, z], &FitParams::default()).unwrap();
    assert_eq!(scm.nodes()[1].mechanism.name(), "boosted", "{:?}", report[1]);
    assert_ne!(scm.nodes()[2].mechanism.name(), "boosted", "{:?}", report[2]);
    assert_eq!(report[1].candidates.len(), 3);
    assert!(report[1].r2.unwrap() > 0.9);
}

#[test]
fn counterfactuals_of_a_linear_model_are_exact() {
    let (names, parents, cols) = chain(3_000, 5);
    let scm = linear_fit(&names, &parents, &cols);
    let rows: Vec<Vec<f64>> = cols.iter().map(|c| c[..10].to_vec()).collect();
    let cf = counterfactual(&scm, &rows, &[Intervention { node: 0, action: Action::Shift(-1.0) }]).unwrap();
    let (bb, cc) = (coef(&scm, 1)[0], coef(&scm, 2));
    for i in 0..10 {
        // Noise kept: Δa = −1, Δb = −b₁, Δc = −c₀ + c₁·Δb.
        assert!((cf[0][i] - (rows[0][i] - 1.0)).abs() < 1e-12);
        assert!((cf[1][i] - (rows[1][i] - bb)).abs() < 1e-9);
        assert!((cf[2][i] - (rows[2][i] - cc[0] - cc[1] * bb)).abs() < 1e-9);
    }
    // Intervening on c leaves its ancestors as observed.
    let cf = counterfactual(&scm, &rows, &[Intervention { node: 2, action: Action::Set(0.0) }]).unwrap();
    assert_eq!(cf[0], rows[0]);
    assert_eq!(cf[1], rows[1]);
    assert!(cf[2].iter().all(|&v| v == 0.0));
}

#[test]
fn classifier_nodes_sample_their_fitted_probabilities_and_refuse_counterfactuals() {
    let mut rng = Rng::seed_from_u64(6);
    let n = 6000;
    let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let y: Vec<f64> = x.iter().map(|v| f64::from(rng.uniform() < 1.0 / (1.0 + (-2.0 * v).exp()))).collect();
    let names = vec!["x".to_string(), "y".into()];
    let kinds = vec![NodeKind::Continuous, NodeKind::Categorical { levels: vec!["no".into(), "yes".into()] }];
    let params = FitParams { boosted_classifier: Some(false), ..FitParams::default() };
    let (scm, _) = fit(&names, &kinds, &[vec![], vec![0]], &[x, y.clone()], &params).unwrap();
    // P(y = 1 | do(x = 1)) = σ(2) ≈ 0.881.
    let m = interventional_mean(&scm, 1, &[Intervention { node: 0, action: Action::Set(1.0) }], 100_000, 1, Par::Seq)
        .unwrap();
    assert!((m - 0.8808).abs() < 0.02, "{m}");
    let rows = vec![vec![0.0], vec![1.0]];
    let err = counterfactual(&scm, &rows, &[Intervention { node: 0, action: Action::Set(1.0) }]).unwrap_err();
    assert_eq!(err, ScmError::NotInvertible { node: "y".into() });
}

#[test]
fn cycles_are_refused_with_the_cycle_named() {
    let names = vec!["p".to_string(), "q".into(), "r".into()];
    let kinds = vec![NodeKind::Continuous; 3];
    let cols = vec![vec![1.0, 2.0, 3.0]; 3];
    let err = fit(&names, &kinds, &[vec![2], vec![0], vec![1]], &cols, &FitParams::default()).unwrap_err();
    let ScmError::Cyclic { cycle } = err else { panic!("{err:?}") };
    assert_eq!(cycle.len(), 4);
    assert_eq!(cycle.first(), cycle.last());
}

/// The supply-chain generator of DoWhy's notebook (Budhathoki et al. 2021), unrounded.
fn supply(n: usize, alpha: f64, demand_mean: f64, rng: &mut Rng) -> Vec<Vec<f64>> {
    let gamma = |shape: f64, rng: &mut Rng| -> f64 {
        // Sum of exponentials for integer shapes; a shape-0.1 gamma by Johnk-free approximation is not
        // needed here: use shape 1 for the small noises too (the test only needs non-Gaussian noise).
        (0..shape.round().max(1.0) as usize).map(|_| -rng.uniform().max(1e-300).ln()).sum()
    };
    let demand: Vec<f64> = (0..n).map(|_| gamma(demand_mean, rng)).collect();
    let constraint: Vec<f64> = (0..n).map(|_| gamma(1.0, rng)).collect();
    let submitted: Vec<f64> = demand.iter().zip(&constraint).map(|(d, c)| d - c + gamma(1.0, rng)).collect();
    let confirmed: Vec<f64> = submitted.iter().map(|s| alpha * s + 0.1 * gamma(1.0, rng)).collect();
    let received: Vec<f64> = confirmed.iter().map(|c| c + 0.1 * gamma(1.0, rng)).collect();
    vec![demand, constraint, submitted, confirmed, received]
}

fn supply_model(cols: &[Vec<f64>]) -> Scm {
    let names: Vec<String> = ["demand", "constraint", "submitted", "confirmed", "received"].map(String::from).to_vec();
    linear_fit(&names, &[vec![], vec![], vec![0, 1], vec![2], vec![3]], cols)
}

#[test]
fn distribution_change_finds_the_changed_mechanisms_and_splits_the_change() {
    let mut rng = Rng::seed_from_u64(10);
    let before = supply(3000, 1.0, 2.0, &mut rng);
    let after = supply(3000, 2.0, 4.0, &mut rng);
    let scm = supply_model(&before);
    let params = ChangeParams { bootstrap: 30, par: Par::threads(2), ..ChangeParams::default() };
    let r = distribution_change(&scm, 4, &before, &after, &params).unwrap();
    let changed: Vec<usize> = r.tests.iter().filter(|t| t.changed).map(|t| t.node).collect();
    assert_eq!(changed, vec![0, 3], "{:?}", r.tests);
    // Unchanged mechanisms are shared by both models: exactly zero.
    for (i, &j) in r.nodes.iter().enumerate() {
        if !changed.contains(&j) {
            assert_eq!(r.attributions[i], 0.0, "node {j}");
        }
    }
    // Truth: demand's mean +2 moves received by +2 (old α = 1); then α 1 → 2 doubles submitted's
    // mean, 2·(E_new[s]) − E_new[s]; Shapley splits the interaction. The sum is the model change,
    // which matches the observed change.
    let total: f64 = r.attributions.iter().sum();
    assert!((total - r.observed_change).abs() < 0.1, "{total} vs {}", r.observed_change);
    let intervals = r.intervals.unwrap();
    for (i, &(lo, hi)) in intervals.iter().enumerate() {
        assert!(lo <= r.attributions[i] + 1e-12 && r.attributions[i] <= hi + 1e-12, "{i}: {lo} {hi}");
    }
    let again = distribution_change(&scm, 4, &before, &after, &ChangeParams { par: Par::Seq, ..params }).unwrap();
    assert_eq!(
        again,
        distribution_change(
            &scm,
            4,
            &before,
            &after,
            &ChangeParams { bootstrap: 30, par: Par::threads(2), ..ChangeParams::default() }
        )
        .unwrap()
    );
}

#[test]
fn anomaly_attribution_blames_the_node_whose_noise_was_perturbed() {
    let mut rng = Rng::seed_from_u64(11);
    let cols = supply(3000, 1.0, 2.0, &mut rng);
    let scm = supply_model(&cols);
    // A normal row whose `submitted` noise is pushed up by 8: everything downstream follows.
    let mut row: Vec<Vec<f64>> = cols.iter().map(|c| vec![c[0]]).collect();
    row[2][0] += 8.0;
    row[3][0] += 8.0 * coef(&scm, 3)[0];
    row[4][0] += 8.0 * coef(&scm, 3)[0] * coef(&scm, 4)[0];
    let r = attribute_anomalies(&scm, 4, &row, &AnomalyParams::default()).unwrap();
    let best = (0..r.nodes.len()).max_by(|&a, &b| r.contributions[0][a].total_cmp(&r.contributions[0][b])).unwrap();
    assert_eq!(r.nodes[best], 2, "{:?}", r.contributions);
    let sum: f64 = r.contributions[0].iter().sum();
    assert!((sum - r.scores[0]).abs() < 1e-9, "{sum} vs {}", r.scores[0]);
    assert!(r.scores[0] > 3.0, "{:?}", r.scores);
    let two = attribute_anomalies(&scm, 4, &row, &AnomalyParams { par: Par::threads(2), ..AnomalyParams::default() })
        .unwrap();
    assert_eq!(r, two);
}

#[test]
fn arrow_strength_and_intrinsic_influence_of_a_linear_model_are_its_variance_terms() {
    let (names, parents, cols) = chain(20_000, 12);
    let scm = linear_fit(&names, &parents, &cols);
    let var = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
    };
    let residual_var = |j: usize| match &scm.nodes()[j].mechanism {
        Mechanism::Additive { residuals, .. } => var(residuals),
        _ => unreachable!(),
    };
    let b = coef(&scm, 1)[0];
    let params = InfluenceParams { par: Par::threads(2), ..InfluenceParams::default() };
    // Cutting a → b adds b₁² Var(a) to b's conditional variance.
    let s = arrow_strength(&scm, 1, &params).unwrap();
    let want = b * b * var(&cols[0]);
    assert_eq!(s[0].0, 0);
    assert!((s[0].1 - want).abs() < 0.05 * want, "{s:?} vs {want}");
    // Var(b) = b₁² Var(a) + Var(ε_b), split between a's noise and b's own.
    let params = InfluenceParams { par: Par::threads(2), ..InfluenceParams::intrinsic() };
    let icc = intrinsic_influence(&scm, 1, &params).unwrap();
    assert_eq!(icc.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1]);
    assert!((icc[0].1 - want).abs() < 0.05 * want, "{icc:?} vs {want}");
    assert!((icc[1].1 - residual_var(1)).abs() < 0.05 * residual_var(1), "{icc:?}");
    assert_eq!(icc, intrinsic_influence(&scm, 1, &InfluenceParams::intrinsic()).unwrap());
    assert!(matches!(arrow_strength(&scm, 0, &params), Err(ScmError::Invalid(_))));
}

#[test]
fn domain_equations_sit_beside_learned_mechanisms() {
    // a → b learned; c = 3·b − a given without noise; d = c / 2 given, with residual noise from data.
    let (names, _, mut cols) = chain(5_000, 13);
    let c: Vec<f64> = cols[0].iter().zip(&cols[1]).map(|(a, b)| 3.0 * b - a).collect();
    let mut rng = Rng::seed_from_u64(14);
    let d: Vec<f64> = c.iter().map(|v| v / 2.0 + 0.1 * rng.normal()).collect();
    cols[2] = c;
    cols.push(d);
    let mut names = names;
    names.push("d".into());
    names[2] = "c".into();
    let parents = vec![vec![], vec![0], equation_parents("3 * b - a", &names).unwrap(), vec![2]];
    assert_eq!(parents[2], vec![1, 0]);
    let equations = vec![
        None,
        None,
        Some(("3 * b - a".to_string(), EquationNoise::None)),
        Some(("c / 2".to_string(), EquationNoise::Residuals { residuals: Vec::new() })),
    ];
    let kinds = vec![NodeKind::Continuous; 4];
    let params = FitParams { regressor: RegressorChoice::Linear, ..FitParams::default() };
    let (scm, report) = fit_with_equations(&names, &kinds, &parents, &cols, &equations, &params).unwrap();
    assert_eq!((report[2].family, report[3].family), ("equation", "equation"));
    assert!(report[3].r2.unwrap() > 0.99);
    // E[d | do(a = 1)] = (3·E[b | a = 1] − 1) / 2 with E[b | a] = β₀ + β₁ a.
    let Mechanism::Additive { regressor: Regressor::Linear { intercept, coef }, .. } = &scm.nodes()[1].mechanism else {
        panic!()
    };
    let want = (3.0 * (intercept + coef[0]) - 1.0) / 2.0;
    let got = interventional_mean(&scm, 3, &[Intervention { node: 0, action: Action::Set(1.0) }], 50_000, 1, Par::Seq)
        .unwrap();
    assert!((got - want).abs() < 0.01, "{got} vs {want}");
    // Counterfactuals go through the equations, keeping d's own noise.
    let rows: Vec<Vec<f64>> = cols.iter().map(|c| c[..3].to_vec()).collect();
    let cf = counterfactual(&scm, &rows, &[Intervention { node: 1, action: Action::Shift(1.0) }]).unwrap();
    for i in 0..3 {
        assert!((cf[2][i] - rows[2][i] - 3.0).abs() < 1e-9);
        assert!((cf[3][i] - rows[3][i] - 1.5).abs() < 1e-9);
    }
    // A saved and reloaded model recompiles its equations; a changed expression must match the parents.
    let again = scm.clone().validated().unwrap();
    assert_eq!(again, scm);
    let mut nodes = scm.nodes().to_vec();
    if let Mechanism::Equation { expr, .. } = &mut nodes[2].mechanism {
        *expr = "3 * b".into();
    }
    assert!(matches!(Scm::new(nodes), Err(ScmError::Invalid(m)) if m.contains("parents")));
    // A model file whose root or residual noise has no values is refused, not sampled.
    for j in [0, 1, 3] {
        let mut nodes = scm.nodes().to_vec();
        nodes[j].mechanism.noise_values_mut().expect("a node with noise values").clear();
        let empty = Scm::new(nodes).unwrap().validated();
        assert!(matches!(empty, Err(ScmError::Invalid(m)) if m.contains("no values")), "node {j}");
    }
    // Noise-free equation columns can be filled in from their inputs.
    let mut partial = rows.clone();
    partial[2] = Vec::new();
    scm.fill_equations(&mut partial);
    assert_eq!(partial[2], rows[2]);
}

#[test]
fn a_log_link_gives_invertible_multiplicative_mechanisms() {
    // y = exp(0.5 x + ε): counterfactual y scales by exp(0.5 Δx), whatever the row's noise.
    let mut rng = Rng::seed_from_u64(15);
    let n = 4000;
    let x: Vec<f64> = (0..n).map(|_| rng.uniform_in(0.0, 4.0)).collect();
    let y: Vec<f64> = x.iter().map(|v| (0.5 * v + 0.3 * rng.normal()).exp()).collect();
    let names = vec!["x".to_string(), "y".into()];
    let kinds = vec![NodeKind::Continuous; 2];
    let params = FitParams { regressor: RegressorChoice::Linear, log_nodes: vec![1], ..FitParams::default() };
    let (scm, report) = fit(&names, &kinds, &[vec![], vec![0]], &[x.clone(), y.clone()], &params).unwrap();
    let Mechanism::Additive { regressor: Regressor::Linear { coef, .. }, link: Link::Log, .. } =
        &scm.nodes()[1].mechanism
    else {
        panic!("{:?}", scm.nodes()[1].mechanism)
    };
    assert!((coef[0] - 0.5).abs() < 0.02, "{coef:?}");
    assert!(report[1].r2.unwrap() > 0.7, "{:?}", report[1]); // 0.33 / (0.33 + 0.09) on the log scale
    let rows = vec![x[..5].to_vec(), y[..5].to_vec()];
    let cf = counterfactual(&scm, &rows, &[Intervention { node: 0, action: Action::Shift(2.0) }]).unwrap();
    for i in 0..5 {
        assert!((cf[1][i] / rows[1][i] - (2.0 * coef[0]).exp()).abs() < 1e-9);
    }
    // Draws stay positive and their median follows exp(f).
    let draws = sample(&scm, 20_000, &[Intervention { node: 0, action: Action::Set(2.0) }], 3, Par::Seq).unwrap();
    assert!(draws[1].iter().all(|&v| v > 0.0));
    let mut d = draws[1].clone();
    d.sort_by(f64::total_cmp);
    assert!((d[d.len() / 2].ln() - 1.0).abs() < 0.03, "{}", d[d.len() / 2]);
    // Non-positive values cannot take a log link; neither can a root.
    let mut bad = y.clone();
    bad[7] = 0.0;
    let err = fit(&names, &kinds, &[vec![], vec![0]], &[x.clone(), bad], &params).unwrap_err();
    assert!(matches!(&err, ScmError::Fit { reason, .. } if reason.contains("row 8")), "{err:?}");
    let root = FitParams { log_nodes: vec![0], ..params };
    assert!(fit(&names, &kinds, &[vec![], vec![0]], &[x, y], &root).is_err());
}

#[test]
fn large_empirical_distributions_keep_their_quantiles() {
    let (names, parents, cols) = chain(25_000, 16);
    let kinds = vec![NodeKind::Continuous; 3];
    let params = FitParams { regressor: RegressorChoice::Linear, max_values: 1000, ..FitParams::default() };
    let (scm, _) = fit(&names, &kinds, &parents, &cols, &params).unwrap();
    let Mechanism::Empirical { values } = &scm.nodes()[0].mechanism else { panic!() };
    assert_eq!(values.len(), 1000);
    assert!(values.windows(2).all(|w| w[0] <= w[1]));
    let (d, _) = kausa_stats::special::ks_two_sample(values, &cols[0]);
    assert!(d <= 1.0 / 1000.0 + 1e-12, "{d}");
    let Mechanism::Additive { residuals, .. } = &scm.nodes()[2].mechanism else { panic!() };
    assert_eq!(residuals.len(), 1000);
    // The same model, all values kept, answers the same up to Monte-Carlo error.
    let full = fit(&names, &kinds, &parents, &cols, &FitParams { max_values: 0, ..params }).unwrap().0;
    let m = |s: &Scm| interventional_mean(s, 2, &[], 100_000, 5, Par::Seq).unwrap();
    assert!((m(&scm) - m(&full)).abs() < 0.01);
}

#[test]
fn refutation_finds_a_missed_curve_and_passes_a_right_model() {
    let mut rng = Rng::seed_from_u64(17);
    let n = 3000;
    let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let good: Vec<f64> = x.iter().map(|v| 2.0 * v + rng.normal()).collect();
    let curved: Vec<f64> = x.iter().map(|v| v * v + 0.3 * rng.normal()).collect();
    let names = vec!["x".to_string(), "good".into(), "curved".into()];
    let parents = vec![vec![], vec![0], vec![0]];
    let cols = vec![x, good, curved];
    let scm = linear_fit(&names, &parents, &cols);
    let r = refute_mechanisms(&scm, &cols);
    assert_eq!(r.iter().map(|m| m.node).collect::<Vec<_>>(), vec![1, 2]);
    assert!(r[0].p_value > 0.01, "{r:?}");
    assert!(r[1].p_value < 1e-6 && r[1].worst == (0, "curvature"), "{r:?}");
}

#[test]
fn bootstrap_refits_of_other_families_copy_rows_and_keep_unchanged_mechanisms_at_zero() {
    // Ridge mechanisms take the row-copying refit path of the bootstrap (linear ones use counts).
    let mut rng = Rng::seed_from_u64(18);
    let before = supply(1500, 1.0, 2.0, &mut rng);
    let after = supply(1500, 2.0, 4.0, &mut rng);
    let names: Vec<String> = ["demand", "constraint", "submitted", "confirmed", "received"].map(String::from).to_vec();
    let kinds = vec![NodeKind::Continuous; 5];
    let params = FitParams { regressor: RegressorChoice::Ridge, ..FitParams::default() };
    let (scm, _) = fit(&names, &kinds, &[vec![], vec![], vec![0, 1], vec![2], vec![3]], &before, &params).unwrap();
    assert_eq!(scm.nodes()[3].mechanism.name(), "ridge");
    let r = distribution_change(&scm, 4, &before, &after, &ChangeParams { bootstrap: 12, ..ChangeParams::default() })
        .unwrap();
    let intervals = r.intervals.clone().unwrap();
    for (i, t) in r.tests.iter().enumerate() {
        if t.changed {
            assert!(intervals[i].1 - intervals[i].0 > 0.0 && r.attributions[i] > 1.0, "{:?}", r);
        } else {
            assert_eq!((r.attributions[i], intervals[i]), (0.0, (0.0, 0.0)), "node {}", t.node);
        }
    }
    assert_eq!(r.tests.iter().filter(|t| t.changed).map(|t| t.node).collect::<Vec<_>>(), vec![0, 3]);
}

#[test]
fn intrinsic_influence_of_linear_mechanisms_is_the_sampled_estimates_limit() {
    // a → b → c and a → c: a's noise reaches c by two paths; each node's closed
    // form c_j² Var(N_j) matches the nested-sampling estimate, and they sum to
    // c's variance under the model.
    let (names, parents, cols) = chain(20_000, 14);
    let scm = linear_fit(&names, &parents, &cols);
    let params = InfluenceParams { par: Par::threads(2), ..InfluenceParams::intrinsic() };
    for target in [1, 2] {
        assert!(influence_is_closed_form(&scm, target));
        let closed = intrinsic_influence(&scm, target, &params).unwrap();
        let sampled = influence::intrinsic_influence_sampled(&scm, target, &params).unwrap();
        let total: f64 = closed.iter().map(|x| x.1).sum();
        assert_eq!(closed.iter().map(|x| x.0).collect::<Vec<_>>(), (0..=target).collect::<Vec<_>>());
        for ((q, a), (r, b)) in closed.iter().zip(&sampled) {
            assert_eq!(q, r);
            assert!((a - b).abs() < 0.03 * total, "{target}: node {q}: closed {a} vs sampled {b}");
        }
        let draws = sample(&scm, 200_000, &[], 5, Par::threads(2)).unwrap().swap_remove(target);
        let m = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / draws.len() as f64;
        assert!((total - var).abs() < 0.02 * var, "{target}: {total} vs sampled variance {var}");
    }
    // Through a boosted mechanism there is no closed form: the sampled estimate it is.
    let boosted = boosted_fit(&names, &parents, &cols);
    assert!(!influence_is_closed_form(&boosted, 2));
    assert_eq!(
        intrinsic_influence(&boosted, 2, &params).unwrap(),
        influence::intrinsic_influence_sampled(&boosted, 2, &params).unwrap()
    );
}

#[test]
fn arrow_strength_of_linear_mechanisms_is_the_sampled_estimates_limit() {
    // c has a direct parent a and a parent b correlated with a: each closed form
    // b² Var(parent), with Var(b) propagated from a, matches the sampled estimate.
    let (names, parents, cols) = chain(20_000, 13);
    let scm = linear_fit(&names, &parents, &cols);
    let params = InfluenceParams { outer: 2000, par: Par::threads(2), ..InfluenceParams::default() };
    for target in [1, 2] {
        let closed = arrow_strength(&scm, target, &params).unwrap();
        let sampled = influence::arrow_strength_sampled(&scm, target, &params).unwrap();
        assert_eq!(closed.len(), scm.nodes()[target].parents.len());
        for ((q, a), (r, b)) in closed.iter().zip(&sampled) {
            assert_eq!(q, r);
            assert!((a - b).abs() < 0.03 * a, "{target} <- {q}: closed {a} vs sampled {b}");
        }
    }
    // Var(b) under the model: 4 Var(a) + Var(ε_b) (a uniform on [−1, 3], ε_b standard normal).
    let want = coef(&scm, 2)[1].powi(2) * (coef(&scm, 1)[0].powi(2) * 16.0 / 12.0 + 1.0);
    let got = arrow_strength(&scm, 2, &params).unwrap()[1].1;
    assert!((got - want).abs() < 0.03 * want, "{got} vs {want}");
    // A boosted mechanism has no closed form: the sampled estimate it is.
    let boosted = boosted_fit(&names, &parents, &cols);
    assert_eq!(
        arrow_strength(&boosted, 2, &params).unwrap(),
        influence::arrow_strength_sampled(&boosted, 2, &params).unwrap()
    );
}

/// A model read from a file is checked against its nodes (`Scm::validated`): each
/// part that does not fit is an error naming the node, not a panic, a prediction
/// that never ends, or a silently wrong answer later.
#[test]
fn loaded_models_whose_parts_do_not_fit_their_nodes_are_refused() {
    let mut rng = Rng::seed_from_u64(21);
    let n = 400;
    let a: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let k: Vec<f64> = (0..n).map(|_| rng.below(3) as f64).collect();
    let b: Vec<f64> = a.iter().zip(&k).map(|(x, c)| x + c + rng.normal()).collect();
    let y: Vec<f64> = b.iter().map(|x| f64::from(*x + rng.normal() > 1.0)).collect();
    let names: Vec<String> = ["a", "k", "b", "y"].iter().map(|s| s.to_string()).collect();
    let kinds = vec![
        NodeKind::Continuous,
        NodeKind::Categorical { levels: vec!["p".into(), "q".into(), "r".into()] },
        NodeKind::Continuous,
        NodeKind::Categorical { levels: vec!["no".into(), "yes".into()] },
    ];
    let parents = vec![vec![], vec![], vec![0, 1], vec![2]];
    let cols = vec![a, k, b, y];
    let fitted = |regressor, boosted| {
        let params = FitParams { regressor, boosted_classifier: Some(boosted), ..FitParams::default() };
        fit(&names, &kinds, &parents, &cols, &params).unwrap().0
    };
    let (linear, boosted) = (fitted(RegressorChoice::Linear, false), fitted(RegressorChoice::Boosted, true));
    assert_eq!(linear.clone().validated().unwrap(), linear);
    assert_eq!(boosted.clone().validated().unwrap(), boosted);
    let refused = |scm: &Scm, j: usize, edit: &dyn Fn(&mut Mechanism)| -> String {
        let mut scm = scm.clone();
        edit(scm.mechanism_mut(j));
        scm.validated().unwrap_err().to_string()
    };
    // b reads a and k's two indicators: three coefficients.
    let err = refused(&linear, 2, &|m| {
        let Mechanism::Additive { regressor: Regressor::Linear { coef, .. }, .. } = m else { panic!() };
        coef.pop();
    });
    assert!(err.contains("\"b\": 2 coefficients for the 3 features"), "{err}");
    let err = refused(&linear, 2, &|m| {
        let Mechanism::Additive { regressor: Regressor::Linear { intercept, .. }, .. } = m else { panic!() };
        *intercept = f64::NAN;
    });
    assert!(err.contains("not a finite number"), "{err}");
    // k's values are codes of its three levels.
    let err = refused(&linear, 1, &|m| m.noise_values_mut().unwrap().push(3.0));
    assert!(err.contains("\"k\": the value 3 is not the code of one of its 3 levels"), "{err}");
    let err = refused(&linear, 1, &|m| *m = Mechanism::Gaussian { mean: 1.0, sd: 1.0 });
    assert!(err.contains("categorical"), "{err}");
    // Two levels take one logistic model.
    let err = refused(&linear, 3, &|m| {
        let Mechanism::Classifier { classifier: Classifier::Logistic { intercepts, coefs } } = m else { panic!() };
        intercepts.push(0.0);
        coefs.push(vec![1.0]);
    });
    assert!(err.contains("2 logistic intercepts and 2 coefficient rows for 2 levels (want 1)"), "{err}");
    // A tree whose split points back at itself would never end a prediction.
    let looped = |m: &mut Mechanism| {
        let model = match m {
            Mechanism::Additive { regressor: Regressor::Boosted { model }, .. } => model,
            Mechanism::Classifier { classifier: Classifier::Boosted { models } } => &mut models[0],
            _ => panic!(),
        };
        let mut json = serde_json::to_value(&*model).unwrap();
        let root = &mut json["trees"][0][0]["Split"];
        assert!(root.is_object(), "the first tree splits");
        root["right"] = serde_json::json!(0);
        *model = serde_json::from_value(json).unwrap();
    };
    for j in [2, 3] {
        let err = refused(&boosted, j, &looped);
        assert!(err.contains("tree 1 of the booster has node 1 pointing outside the nodes after it"), "{err}");
    }
    // A booster of other features than the parents give, or of the other loss.
    let err = refused(&boosted, 2, &|m| {
        let Mechanism::Additive { regressor: Regressor::Boosted { model }, .. } = m else { panic!() };
        let mut json = serde_json::to_value(&*model).unwrap();
        json["edges"].as_array_mut().unwrap().pop();
        *model = serde_json::from_value(json).unwrap();
    });
    assert!(err.contains("\"b\": a booster of 2 features where the parents give 3"), "{err}");
    let err = refused(&boosted, 3, &|m| {
        let other = boosted.nodes()[2].mechanism.clone();
        let Mechanism::Additive { regressor: Regressor::Boosted { model }, .. } = other else { panic!() };
        let Mechanism::Classifier { classifier: Classifier::Boosted { models } } = m else { panic!() };
        models[0] = model;
    });
    assert!(err.contains("Squared loss where the Logistic loss belongs"), "{err}");
    let err = refused(&linear, 2, &|m| {
        let Mechanism::Additive { regressor, .. } = m else { panic!() };
        let Regressor::Linear { intercept, coef } = regressor.clone() else { panic!() };
        *regressor = Regressor::Ridge { alpha: -1.0, intercept, coef };
    });
    assert!(err.contains("a ridge penalty of -1"), "{err}");
    let err = refused(&linear, 0, &|m| *m = Mechanism::Gaussian { mean: 0.0, sd: -1.0 });
    assert!(err.contains("sd ≥ 0"), "{err}");
    let err = refused(&linear, 0, &|m| m.noise_values_mut().unwrap()[0] = f64::INFINITY);
    assert!(err.contains("\"a\": a noise value that is not a finite number"), "{err}");
    // No model at all.
    let empty: Scm = serde_json::from_str(r#"{"nodes": []}"#).unwrap();
    assert!(empty.validated().unwrap_err().to_string().contains("no nodes"));
}

/// A model file whose equation reads a categorical node, or whose equation node
/// is categorical, is refused on loading as `fit_with_equations` refuses to fit one.
#[test]
fn loaded_equations_with_categorical_variables_are_refused() {
    let mut rng = Rng::seed_from_u64(22);
    let a: Vec<f64> = (0..100).map(|_| rng.below(2) as f64).collect();
    let d: Vec<f64> = a.iter().map(|c| 2.0 * c + rng.normal()).collect();
    let names = vec!["a".to_string(), "d".into()];
    let equations = vec![None, Some(("2 * a".to_string(), EquationNoise::Residuals { residuals: Vec::new() }))];
    let kinds = vec![NodeKind::Continuous; 2];
    let (scm, _) =
        fit_with_equations(&names, &kinds, &[vec![], vec![0]], &[a, d], &equations, &FitParams::default()).unwrap();
    let categorical = |j: usize| {
        let mut json = serde_json::to_value(&scm).unwrap();
        json["nodes"][j]["kind"] = serde_json::json!({"type": "categorical", "levels": ["no", "yes"]});
        serde_json::from_value::<Scm>(json).unwrap().validated().unwrap_err().to_string()
    };
    assert_eq!(serde_json::to_value(&scm).unwrap()["nodes"][0]["kind"], serde_json::json!({"type": "continuous"}));
    let err = categorical(0);
    assert!(err.contains("node \"d\": an equation cannot read the categorical node \"a\""), "{err}");
    let err = categorical(1);
    assert!(err.contains("node \"d\": an equation node must be continuous"), "{err}");
}
