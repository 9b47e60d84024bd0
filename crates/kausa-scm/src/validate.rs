//! Does the model fit the data? Per-mechanism fit metrics, and a falsification
//! test of the graph: how many of its local Markov conditions the data violate,
//! against graphs with the node labels permuted (Eulig, Mastakouri, Blöbaum,
//! Hardt, Janzing 2023; DoWhy's `falsify_graph`).

use kausa_core::{Par, Rng};
use kausa_stats::special::ks_two_sample;
use kausa_stats::{CiTest, Scratch};

use crate::model::{Mechanism, Scm};
use crate::{Result, ScmError};

/// How well one mechanism fits data.
#[derive(Debug, Clone, PartialEq)]
pub enum FitMetric {
    /// A root: the two-sample Kolmogorov–Smirnov distance between the data and the
    /// model's distribution, with its p-value.
    Distribution {
        /// The distance `D`.
        ks: f64,
        /// Its p-value.
        p_value: f64,
    },
    /// A regression: the share of variance explained and the root-mean-square error.
    Regression {
        /// `1 − RSS/TSS`.
        r2: f64,
        /// `√(RSS/n)`.
        rmse: f64,
    },
    /// A classifier: accuracy of the most probable level and mean log loss.
    Classification {
        /// Share of rows whose most probable level is the observed one.
        accuracy: f64,
        /// Mean `−log P(observed level)`.
        log_loss: f64,
    },
}

/// Each node's fit metric on the node columns `columns`.
pub fn fit_metrics(scm: &Scm, columns: &[Vec<f64>], seed: u64) -> Vec<FitMetric> {
    let n = columns.first().map_or(0, Vec::len);
    scm.nodes()
        .iter()
        .enumerate()
        .map(|(j, node)| {
            let y = &columns[j];
            let features = scm.features(j, columns);
            match &node.mechanism {
                Mechanism::Empirical { values } => {
                    let (ks, p_value) = ks_two_sample(y, values);
                    FitMetric::Distribution { ks, p_value }
                }
                Mechanism::Gaussian { .. } => {
                    let mut rng = Rng::seed_from_u64(seed ^ j as u64);
                    let u: Vec<f64> = (0..n.max(1000)).map(|_| rng.uniform()).collect();
                    let mut draws = vec![0.0; u.len()];
                    node.mechanism.draw_noise(&u, &mut draws);
                    let (ks, p_value) = ks_two_sample(y, &draws);
                    FitMetric::Distribution { ks, p_value }
                }
                Mechanism::Additive { .. } | Mechanism::Equation { .. } => {
                    // The noise-free prediction: the mechanism at zero noise.
                    let mut pred = vec![0.0; n];
                    let zero = vec![0.0; n];
                    // (With a log link, the prediction at zero noise is the conditional median.)
                    node.mechanism.evaluate(&features, &zero, &mut pred);
                    let mean = y.iter().sum::<f64>() / n as f64;
                    let tss: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
                    let rss: f64 = y.iter().zip(&pred).map(|(v, p)| (v - p) * (v - p)).sum();
                    FitMetric::Regression { r2: 1.0 - rss / tss, rmse: (rss / n as f64).sqrt() }
                }
                Mechanism::Classifier { classifier } => {
                    let mut probs = vec![0.0; classifier.levels()];
                    let (mut hits, mut loss) = (0usize, 0.0);
                    for (i, &c) in y.iter().enumerate() {
                        classifier.probabilities(&features, i, &mut probs);
                        let best = (0..probs.len()).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap_or(0);
                        hits += usize::from(best == c as usize);
                        loss -= probs[c as usize].max(1e-15).ln();
                    }
                    FitMetric::Classification { accuracy: hits as f64 / n as f64, log_loss: loss / n as f64 }
                }
            }
        })
        .collect()
}

/// A refutation of one additive-noise mechanism: its noise should be independent
/// of its parents. Tested by the correlation of the residual with each parent's
/// square (a missed curvature) and of the squared residual with each parent (noise
/// that grows with a cause), Fisher-z, Bonferroni over the tests of the node.
#[derive(Debug, Clone, PartialEq)]
pub struct MechanismRefutation {
    /// The node.
    pub node: usize,
    /// The smallest Bonferroni-adjusted p-value.
    pub p_value: f64,
    /// The parent and the kind of dependence behind it (`curvature` or `spread`).
    pub worst: (usize, &'static str),
}

/// Refutation tests of every additive-noise (or residual-noise equation) mechanism on `columns`.
pub fn refute_mechanisms(scm: &Scm, columns: &[Vec<f64>]) -> Vec<MechanismRefutation> {
    let corr = |a: &[f64], b: &[f64]| -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (x, y) in a.iter().zip(b) {
            sab += (x - ma) * (y - mb);
            saa += (x - ma) * (x - ma);
            sbb += (y - mb) * (y - mb);
        }
        if saa <= 0.0 || sbb <= 0.0 { 0.0 } else { sab / (saa * sbb).sqrt() }
    };
    let n = columns.first().map_or(0, Vec::len);
    let mut out = Vec::new();
    for (j, node) in scm.nodes().iter().enumerate() {
        if node.parents.is_empty() || n < 10 {
            continue;
        }
        let features = scm.features(j, columns);
        let Some(residuals) = node.mechanism.abduct(&features, &columns[j]) else { continue };
        if !matches!(node.mechanism, Mechanism::Additive { .. } | Mechanism::Equation { .. }) {
            continue;
        }
        let r2: Vec<f64> = residuals.iter().map(|r| r * r).collect();
        let tests = 2 * node.parents.len();
        let mut best = (1.0f64, (node.parents[0], "curvature"));
        for &p in &node.parents {
            let x = &columns[p];
            let x2: Vec<f64> = x.iter().map(|v| v * v).collect();
            for (r, kind) in [(corr(&residuals, &x2), "curvature"), (corr(&r2, x), "spread")] {
                let z = 0.5 * ((1.0 + r) / (1.0 - r)).ln() * ((n as f64) - 3.0).sqrt();
                let pv = (kausa_stats::special::two_sided_normal_p(if z.is_finite() { z } else { 40.0 })
                    * tests as f64)
                    .min(1.0);
                if pv < best.0 {
                    best = (pv, (p, kind));
                }
            }
        }
        out.push(MechanismRefutation { node: j, p_value: best.0, worst: best.1 });
    }
    out
}

/// Settings of [`falsify`].
#[derive(Debug, Clone)]
pub struct FalsifyParams {
    /// Level of each conditional-independence test.
    pub alpha: f64,
    /// Graphs with permuted node labels to compare against.
    pub permutations: usize,
    /// Seed of the permutations.
    pub seed: u64,
    /// Threads.
    pub par: Par,
}

impl Default for FalsifyParams {
    fn default() -> Self {
        FalsifyParams { alpha: 0.05, permutations: 100, seed: 0, par: Par::Seq }
    }
}

/// The result of [`falsify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Falsification {
    /// Local Markov conditions of the graph tested (`X ⊥ Y | parents(X)` for each
    /// non-descendant `Y` of `X` that is not a parent).
    pub tests: usize,
    /// Conditions that could not be tested: their conditioning set is singular
    /// (a variable is an exact function of others, as a noise-free equation is).
    pub untestable: usize,
    /// How many the data reject at `alpha`.
    pub violations: usize,
    /// The violated conditions, as `(x, y)`.
    pub violated: Vec<(usize, usize)>,
    /// The share of violations of each permuted graph (with at least one condition).
    pub permuted_shares: Vec<f64>,
    /// `(1 + #permuted graphs violating no larger a share) / (1 + #permuted)`: small
    /// when the graph explains the data's independences better than random labellings.
    pub p_value: f64,
    /// Share of the permuted graphs in the graph's Markov equivalence class (they
    /// imply the same independences, so the test cannot tell them apart).
    pub equivalent_share: f64,
}

fn non_descendants(parents: &[Vec<usize>], x: usize) -> Vec<bool> {
    let p = parents.len();
    let mut desc = vec![false; p];
    desc[x] = true;
    // Repeat until stable: fine for the graph sizes a model has.
    let mut changed = true;
    while changed {
        changed = false;
        for j in 0..p {
            if !desc[j] && parents[j].iter().any(|&q| desc[q]) {
                desc[j] = true;
                changed = true;
            }
        }
    }
    desc.iter().map(|d| !d).collect()
}

/// The local Markov conditions of a DAG given by parent lists.
fn local_markov(parents: &[Vec<usize>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for x in 0..parents.len() {
        let nd = non_descendants(parents, x);
        for (y, &ok) in nd.iter().enumerate() {
            if ok && !parents[x].contains(&y) {
                out.push((x, y));
            }
        }
    }
    out
}

/// The local Markov conditions tested, the violated ones, and how many could not
/// be tested (a singular conditioning set: a variable that is an exact function of others).
fn violations(parents: &[Vec<usize>], test: &dyn CiTest, alpha: f64) -> (usize, Vec<(usize, usize)>, usize) {
    let conditions = local_markov(parents);
    let mut scratch = Scratch::default();
    let mut bad = Vec::new();
    let mut untestable = 0;
    for &(x, y) in &conditions {
        match test.accepts(x, y, &parents[x], alpha, false, &mut scratch) {
            Ok(true) => {}
            Ok(false) => bad.push((x, y)),
            Err(_) => untestable += 1,
        }
    }
    (conditions.len() - untestable, bad, untestable)
}

/// Skeleton and unshielded colliders: equal for Markov-equivalent DAGs.
type EquivalenceKey = (Vec<(usize, usize)>, Vec<(usize, usize, usize)>);

fn equivalence_key(parents: &[Vec<usize>]) -> EquivalenceKey {
    let adjacent = |a: usize, b: usize| parents[a].contains(&b) || parents[b].contains(&a);
    let mut skeleton: Vec<(usize, usize)> =
        parents.iter().enumerate().flat_map(|(j, ps)| ps.iter().map(move |&q| (q.min(j), q.max(j)))).collect();
    skeleton.sort_unstable();
    let mut colliders = Vec::new();
    for (j, ps) in parents.iter().enumerate() {
        for (i, &a) in ps.iter().enumerate() {
            for &b in &ps[i + 1..] {
                if !adjacent(a, b) {
                    colliders.push((a.min(b), j, a.max(b)));
                }
            }
        }
    }
    colliders.sort_unstable();
    (skeleton, colliders)
}

/// Tests the local Markov conditions of the model's graph with `test` (whose
/// variables are the model's nodes, in order) and compares the share violated
/// with that of graphs whose node labels are randomly permuted.
pub fn falsify(scm: &Scm, test: &dyn CiTest, params: &FalsifyParams) -> Result<Falsification> {
    let parents: Vec<Vec<usize>> = scm.nodes().iter().map(|n| n.parents.clone()).collect();
    let p = parents.len();
    if test.n_vars() != p {
        return Err(ScmError::Invalid(format!("the test has {} variables, the model {p} nodes", test.n_vars())));
    }
    let (tests, violated, untestable) = violations(&parents, test, params.alpha);
    let share = |v: usize, t: usize| if t == 0 { 0.0 } else { v as f64 / t as f64 };
    let own = share(violated.len(), tests);
    let key = equivalence_key(&parents);
    let permuted = params
        .par
        .map(params.permutations, |r| -> Result<(Option<f64>, bool)> {
            let mut label: Vec<usize> = (0..p).collect();
            Rng::stream(params.seed ^ 0x0fa1_51f7, r as u64).shuffle(&mut label);
            let mut g = vec![Vec::new(); p];
            for (j, ps) in parents.iter().enumerate() {
                g[label[j]] = ps.iter().map(|&q| label[q]).collect();
            }
            let (t, bad, _) = violations(&g, test, params.alpha);
            Ok(((t > 0).then(|| share(bad.len(), t)), equivalence_key(&g) == key))
        })
        .map_err(ScmError::Threads)?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
    let permuted_shares: Vec<f64> = permuted.iter().filter_map(|r| r.0).collect();
    let as_good = permuted_shares.iter().filter(|&&s| s <= own).count();
    Ok(Falsification {
        tests,
        untestable,
        violations: violated.len(),
        violated,
        p_value: (1 + as_good) as f64 / (1 + permuted_shares.len()) as f64,
        equivalent_share: permuted.iter().filter(|r| r.1).count() as f64 / permuted.len().max(1) as f64,
        permuted_shares,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_markov_conditions_of_a_collider_and_a_chain() {
        // a → c ← b: a ⊥ b (both ways), nothing else.
        assert_eq!(local_markov(&[vec![], vec![], vec![0, 1]]), vec![(0, 1), (1, 0)]);
        // a → b → c: c ⊥ a | b; a has no non-descendant.
        assert_eq!(local_markov(&[vec![], vec![0], vec![1]]), vec![(2, 0)]);
        // Chains in either direction are equivalent; a collider is not.
        assert_eq!(equivalence_key(&[vec![], vec![0], vec![1]]), equivalence_key(&[vec![1], vec![2], vec![]]));
        assert_ne!(equivalence_key(&[vec![], vec![0], vec![1]]), equivalence_key(&[vec![], vec![0, 2], vec![]]));
    }
}
