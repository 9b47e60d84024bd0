//! How strongly do causes act on a target? Arrow strength (Janzing, Balduzzi,
//! Grosse-Wentrup, Schölkopf 2013) and intrinsic causal influence (Janzing,
//! Blöbaum, Mastakouri, Faller, Minorics, Budhathoki 2024), as DoWhy's
//! `arrow_strength` and `intrinsic_causal_influence` define them.

use kausa_core::{Par, Rng};
use kausa_stats::regression::{centred_dot, sum4};

use crate::model::{Link, Mechanism, NodeKind, Regressor, Scm};
use crate::query::{CHUNK, sample};
use crate::shapley::shapley;
use crate::{Result, ScmError};

/// Settings of [`arrow_strength`] and [`intrinsic_influence`].
#[derive(Debug, Clone)]
pub struct InfluenceParams {
    /// Outer draws: parent configurations (arrow strength) or values of the kept noise (influence).
    pub outer: usize,
    /// Inner draws per outer draw.
    pub inner: usize,
    /// Permutations when exact Shapley values are too many.
    pub permutations: usize,
    /// Seed.
    pub seed: u64,
    /// Threads.
    pub par: Par,
}

impl Default for InfluenceParams {
    /// The defaults of [`arrow_strength`]: 1,000 parent configurations, 500 draws each.
    fn default() -> Self {
        InfluenceParams { outer: 1000, inner: 500, permutations: 200, seed: 0, par: Par::Seq }
    }
}

impl InfluenceParams {
    /// The defaults of [`intrinsic_influence`]: 20,000 outer draws of 5 inner ones
    /// (the bias correction makes few inner draws enough; the outer variance needs
    /// many: on the supply-chain model this is as accurate as 10,000 × 50 at a fifth of the cost).
    pub fn intrinsic() -> Self {
        InfluenceParams { outer: 20_000, inner: 5, ..InfluenceParams::default() }
    }
}

/// The strength of each arrow into `target`: how much the target's conditional
/// distribution changes when that parent's arrow is cut (the parent fed an
/// independent draw from its marginal). For a continuous target, the increase
/// of the conditional variance; for a categorical one, the Kullback–Leibler
/// divergence of the class probabilities. Averaged over parent configurations
/// drawn from the model. Returns `(parent, strength)` in parent order.
///
/// Where the target is linear in its parents (least squares or ridge, additive
/// noise) and the parent and all its ancestors are too (or continuous roots),
/// the strength has a closed form, `b² Var(parent)`, with the parent's variance
/// under the model propagated exactly through the linear mechanisms: that is
/// what the sampled estimate converges to (a test checks the two agree), without
/// its Monte-Carlo error.
pub fn arrow_strength(scm: &Scm, target: usize, params: &InfluenceParams) -> Result<Vec<(usize, f64)>> {
    let node = &scm.nodes()[target];
    if node.parents.is_empty() {
        return Err(ScmError::Invalid(format!("{:?} is a root: it has no arrows into it", node.name)));
    }
    if let Some((coef, _)) = linear_part(scm, target)
        && let Some(strengths) =
            node.parents.iter().zip(&coef).map(|(&q, &b)| Some((q, b * b * linear_variance(scm, q)?))).collect()
    {
        return Ok(strengths);
    }
    arrow_strength_sampled(scm, target, params)
}

/// Whether `target` and all its ancestors are linear ([`linear_part`]): then
/// [`arrow_strength`] and [`intrinsic_influence`] into `target` are closed forms,
/// with no draws (their sampling settings are unused) and no Monte-Carlo error.
pub fn influence_is_closed_form(scm: &Scm, target: usize) -> bool {
    scm.ancestors_of(target).iter().all(|&j| linear_part(scm, j).is_some())
}

/// A continuous node's coefficients on its parents and its noise variance,
/// where it is linear: a root (no coefficients; its variance) or an additive
/// least-squares or ridge model of continuous parents on the identity scale.
fn linear_part(scm: &Scm, j: usize) -> Option<(Vec<f64>, f64)> {
    let node = &scm.nodes()[j];
    if node.kind != NodeKind::Continuous {
        return None;
    }
    match &node.mechanism {
        Mechanism::Empirical { values } if !values.is_empty() => Some((Vec::new(), spread_of_draws(values))),
        Mechanism::Gaussian { sd, .. } => Some((Vec::new(), sd * sd)),
        Mechanism::Additive {
            regressor: Regressor::Linear { coef, .. } | Regressor::Ridge { coef, .. },
            residuals,
            link: Link::Identity,
        } if !residuals.is_empty()
            && node.parents.iter().all(|&q| scm.nodes()[q].kind == NodeKind::Continuous)
            && coef.len() == node.parents.len() =>
        {
            Some((coef.clone(), spread_of_draws(residuals)))
        }
        _ => None,
    }
}

/// The variance of node `j` under the model, where it and every ancestor are
/// linear ([`linear_part`]): the sum of its noise terms (the noises are independent).
fn linear_variance(scm: &Scm, j: usize) -> Option<f64> {
    Some(linear_noise_terms(scm, j)?.iter().map(|t| t.1).sum())
}

/// [`arrow_strength`] by sampling, for any mechanisms.
pub(crate) fn arrow_strength_sampled(scm: &Scm, target: usize, params: &InfluenceParams) -> Result<Vec<(usize, f64)>> {
    let node = &scm.nodes()[target];
    let (outer, inner) = (params.outer.max(1), params.inner.max(2));
    let pool = 20 * inner;
    let draws = sample(scm, outer + pool, &[], params.seed, Par::Seq)?;
    let p = scm.nodes().len();
    let mut out = Vec::new();
    for &parent in &node.parents {
        let per_row = params
            .par
            .map(outer, |o| {
                // Inner rows: the outer row's parents, with `parent` replaced by draws from its
                // marginal (rows of an independent pool of model draws).
                let mut rng = Rng::stream(params.seed ^ 0xa77_0e5, (parent * outer + o) as u64);
                let mut values = vec![Vec::new(); p];
                for &q in &node.parents {
                    values[q] = if q == parent {
                        (0..inner).map(|_| draws[q][outer + rng.index(pool as u64) as usize]).collect()
                    } else {
                        vec![draws[q][o]; inner]
                    };
                }
                let fixed: Vec<Vec<f64>> = (0..p).map(|q| vec![draws[q][o]; inner]).collect();
                let u: Vec<f64> = (0..inner).map(|_| rng.uniform()).collect();
                let mut noise = vec![0.0; inner];
                node.mechanism.draw_noise(&u, &mut noise);
                let features_cut = scm.features(target, &values);
                let features = scm.features(target, &fixed);
                match (&node.kind, &node.mechanism) {
                    (NodeKind::Categorical { .. }, Mechanism::Classifier { classifier }) => {
                        let k = classifier.levels();
                        let (mut pc, mut pr) = (vec![0.0; k], vec![0.0; k]);
                        classifier.probabilities(&features, 0, &mut pc);
                        (0..inner)
                            .map(|t| {
                                classifier.probabilities(&features_cut, t, &mut pr);
                                pc.iter()
                                    .zip(&pr)
                                    .map(|(a, b)| if *a > 0.0 { a * (a / b.max(1e-300)).ln() } else { 0.0 })
                                    .sum::<f64>()
                            })
                            .sum::<f64>()
                            / inner as f64
                    }
                    _ => {
                        let (mut y, mut y_cut) = (vec![0.0; inner], vec![0.0; inner]);
                        node.mechanism.evaluate(&features, &noise, &mut y);
                        node.mechanism.evaluate(&features_cut, &noise, &mut y_cut);
                        variance(&y_cut) - variance(&y)
                    }
                }
            })
            .map_err(ScmError::Threads)?;
        out.push((parent, per_row.iter().sum::<f64>() / outer as f64));
    }
    Ok(out)
}

/// The variance of a uniform draw from `v` (divisor n: the model draws from
/// these values, so this is its noise's variance exactly, not an estimate).
fn spread_of_draws(v: &[f64]) -> f64 {
    let m = sum4(v) / v.len() as f64;
    centred_dot(v, m, v, m) / v.len() as f64
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
}

/// The intrinsic causal influence of `target` and each ancestor on `target`: the
/// Shapley value, over those nodes' noise terms, of the variance of the target
/// they explain, `ν(S) = Var(E[Y | N_S])`, estimated by nested draws (outer:
/// the noise in `S`; inner: the rest) with the inner-sampling bias removed.
/// The values sum to the model's variance of the target. Continuous targets only.
///
/// Where the target and all its ancestors are linear ([`linear_part`]), the
/// target is `Σ_j c_j N_j` with `c_j` the total effect of node `j`'s noise, so
/// `ν(S) = Σ_{j∈S} c_j² Var(N_j)` is additive and each node's Shapley value is
/// its own term `c_j² Var(N_j)`: what the sampled estimate converges to (a test
/// checks the two agree), without its Monte-Carlo error.
pub fn intrinsic_influence(scm: &Scm, target: usize, params: &InfluenceParams) -> Result<Vec<(usize, f64)>> {
    if matches!(scm.nodes()[target].kind, NodeKind::Categorical { .. }) {
        return Err(ScmError::Invalid(format!(
            "intrinsic causal influence measures variance: {:?} is categorical",
            scm.nodes()[target].name
        )));
    }
    if let Some(terms) = linear_noise_terms(scm, target) {
        return Ok(terms);
    }
    intrinsic_influence_sampled(scm, target, params)
}

/// `(j, c_j² Var(N_j))` for `target` and each ancestor `j` in causal order, where
/// all of them are linear: `c_j`, the total effect of `N_j` on the target, is
/// the sum over directed paths of the products of their coefficients.
fn linear_noise_terms(scm: &Scm, target: usize) -> Option<Vec<(usize, f64)>> {
    let nodes = scm.ancestors_of(target);
    let parts: Vec<(Vec<f64>, f64)> = nodes.iter().map(|&v| linear_part(scm, v)).collect::<Option<_>>()?;
    let mut pos = vec![usize::MAX; scm.nodes().len()];
    nodes.iter().enumerate().for_each(|(i, &v)| pos[v] = i);
    // Swept from the target (last) back: when node i is reached, every child of
    // it among the ancestors has added its share, so c[i] is complete.
    let mut c = vec![0.0; nodes.len()];
    *c.last_mut()? = 1.0;
    for i in (0..nodes.len()).rev() {
        for (&q, b) in scm.nodes()[nodes[i]].parents.iter().zip(&parts[i].0) {
            c[pos[q]] += b * c[i];
        }
    }
    Some(nodes.iter().zip(&c).zip(&parts).map(|((&j, c), (_, var))| (j, c * c * var)).collect())
}

/// [`intrinsic_influence`] by nested sampling, for any mechanisms.
pub(crate) fn intrinsic_influence_sampled(
    scm: &Scm,
    target: usize,
    params: &InfluenceParams,
) -> Result<Vec<(usize, f64)>> {
    let nodes = scm.ancestors_of(target);
    let p = scm.nodes().len();
    let (outer, inner) = (params.outer.max(2), params.inner.max(2));
    let mut rng = Rng::seed_from_u64(params.seed);
    // Noise for every node: one draw per outer row and one per (outer, inner) cell.
    let mut noise_outer = vec![Vec::new(); p];
    let mut noise_inner = vec![Vec::new(); p];
    for &j in &nodes {
        let m = &scm.nodes()[j].mechanism;
        let u: Vec<f64> = (0..outer).map(|_| rng.uniform()).collect();
        noise_outer[j] = vec![0.0; outer];
        m.draw_noise(&u, &mut noise_outer[j]);
        let u: Vec<f64> = (0..outer * inner).map(|_| rng.uniform()).collect();
        noise_inner[j] = vec![0.0; outer * inner];
        m.draw_noise(&u, &mut noise_inner[j]);
    }
    let none = vec![None; p];
    let explained = |mask: u64| -> Vec<f64> {
        let keep: Vec<bool> = {
            let mut k = vec![false; p];
            nodes.iter().enumerate().for_each(|(i, &j)| k[j] = mask & (1 << i) != 0);
            k
        };
        let mut cond_mean = vec![0.0; outer];
        let mut within = 0.0;
        let rows_per_chunk = (CHUNK / inner).max(1);
        let mut values = vec![Vec::new(); p];
        for first in (0..outer).step_by(rows_per_chunk) {
            let last = (first + rows_per_chunk).min(outer);
            let cells = (last - first) * inner;
            let kept: Vec<Vec<f64>> = (0..p)
                .map(|j| {
                    if keep[j] {
                        (first..last).flat_map(|o| std::iter::repeat_n(noise_outer[j][o], inner)).collect()
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            let noise = |j: usize| {
                if keep[j] { &kept[j][..] } else { &noise_inner[j][first * inner..first * inner + cells] }
            };
            scm.forward(&nodes, noise, &none, |j| &scm.nodes()[j].mechanism, &mut values);
            for (o, ys) in (first..last).zip(values[target].chunks(inner)) {
                cond_mean[o] = ys.iter().sum::<f64>() / inner as f64;
                within += variance(ys);
            }
        }
        // Var of the inner means overstates Var(E[Y | N_S]) by E[Var(Y | N_S)] / inner.
        vec![variance(&cond_mean) - within / outer as f64 / inner as f64]
    };
    let base = explained(0)[0];
    let phi = shapley(nodes.len(), 1, |m| vec![explained(m)[0] - base], params.permutations, params.seed, params.par)?;
    Ok(nodes.iter().zip(phi).map(|(&j, v)| (j, v[0])).collect())
}
