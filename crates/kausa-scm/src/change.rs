//! Why did a distribution change? Attribution of the change in a target's mean
//! between two data sets to the mechanisms that changed (Budhathoki, Janzing,
//! Blöbaum, Ng 2021; DoWhy's `distribution_change`).
//!
//! 1. Each mechanism upstream of the target is tested for a change between the
//!    data sets (roots: two-sample Kolmogorov–Smirnov, or χ² for categorical
//!    roots; others: the residuals of one fit to both sets, tested for a
//!    dependence of their mean on the set within the parents (a Chow F test on
//!    the set indicator and its interactions) and for a change of spread
//!    (Brown–Forsythe), Bonferroni-combined; a categorical node: a likelihood-ratio
//!    test of the same terms); Benjamini–Hochberg over the nodes.
//!    (A Kolmogorov–Smirnov test on residuals was tried and dropped: on rounded
//!    data the residuals sit on a few atoms, and the tiny location shifts a
//!    pooled fit leaves under covariate shift separate them completely.)
//! 2. A changed mechanism is fitted on each set separately, an unchanged one on
//!    both together (so the two models share it exactly).
//! 3. The change in the target's mean between the all-old and all-new models is
//!    split by exact Shapley values over the nodes, each coalition's model
//!    sampled with the same uniforms, so an unchanged mechanism gets exactly 0.
//! 4. Optionally, percentile bootstrap intervals: both data sets are resampled,
//!    the mechanisms refitted (with the test decisions of step 1), step 3 repeated
//!    with fresh draws. The reported attribution is then the median of the
//!    replicates (as DoWhy's `confidence_intervals` reports), whose Monte-Carlo
//!    error is about a tenth of one estimate's; without a bootstrap it is the
//!    one estimate on the full data.

use kausa_core::{Par, Rng};
use kausa_stats::regression::{logistic_fit, ols_fit, solve_spd, weighted_gram};
use kausa_stats::special::{chi2_sf, f_sf, ks_two_sample};

use crate::equation::EquationNoise;
use crate::fit::refit_node;
use crate::model::{Classifier, Link, Mechanism, NodeKind, Regressor, Scm, design};
use crate::query::{CHUNK, median, percentile_interval, resample};
use crate::shapley::shapley;
use crate::{Result, ScmError};

/// Settings of [`distribution_change`].
#[derive(Debug, Clone)]
pub struct ChangeParams {
    /// Model draws per coalition.
    pub samples: usize,
    /// Significance level of the mechanism-change tests.
    pub alpha: f64,
    /// Control the false discovery rate over the nodes (Benjamini–Hochberg); else each test at `alpha`.
    pub fdr: bool,
    /// Bootstrap replicates for intervals (0: none).
    pub bootstrap: usize,
    /// Interval level.
    pub level: f64,
    /// Permutations when exact Shapley values are too many.
    pub permutations: usize,
    /// Seed.
    pub seed: u64,
    /// Threads.
    pub par: Par,
}

impl Default for ChangeParams {
    fn default() -> Self {
        ChangeParams {
            samples: 20_000,
            alpha: 0.05,
            fdr: true,
            bootstrap: 100,
            level: 0.95,
            permutations: 200,
            seed: 0,
            par: Par::Seq,
        }
    }
}

/// The mechanism-change test of one node.
#[derive(Debug, Clone, PartialEq)]
pub struct MechanismTest {
    /// The node.
    pub node: usize,
    /// Which test.
    pub test: &'static str,
    /// Its p-value.
    pub p_value: f64,
    /// Whether the mechanism is taken as changed (after the multiple-testing correction).
    pub changed: bool,
}

/// The attribution of a change in the target's mean.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeAttribution {
    /// The target and its ancestors, in topological order.
    pub nodes: Vec<usize>,
    /// Each node's share of the change.
    pub attributions: Vec<f64>,
    /// Each share's bootstrap interval.
    pub intervals: Option<Vec<(f64, f64)>>,
    /// The test of each node's mechanism.
    pub tests: Vec<MechanismTest>,
    /// Mean of the target in the second data set minus the first.
    pub observed_change: f64,
}

/// Attributes the change of `target`'s mean from `before` to `after` (node
/// columns of two data sets) to the mechanisms of its ancestors, each of which
/// keeps the family it has in `scm`.
pub fn distribution_change(
    scm: &Scm,
    target: usize,
    before: &[Vec<f64>],
    after: &[Vec<f64>],
    params: &ChangeParams,
) -> Result<ChangeAttribution> {
    let nodes = scm.ancestors_of(target);
    if before[target].is_empty() || after[target].is_empty() {
        return Err(ScmError::Invalid("both data sets need at least one row".into()));
    }
    let pooled: Vec<Vec<f64>> = before.iter().zip(after).map(|(a, b)| [a.as_slice(), b].concat()).collect();
    let mut tests = Vec::with_capacity(nodes.len());
    for &j in &nodes {
        let (test, p_value) = mechanism_test(scm, j, before, after, &pooled)?;
        tests.push(MechanismTest { node: j, test, p_value, changed: false });
    }
    let p: Vec<f64> = tests.iter().map(|t| t.p_value).collect();
    let changed =
        if params.fdr { benjamini_hochberg(&p, params.alpha) } else { p.iter().map(|&q| q <= params.alpha).collect() };
    tests.iter_mut().zip(&changed).for_each(|(t, &c)| t.changed = c);

    let uniforms = {
        let mut rng = Rng::seed_from_u64(params.seed);
        let n = params.samples.max(1);
        nodes.iter().map(|_| (0..n).map(|_| rng.uniform()).collect::<Vec<f64>>()).collect::<Vec<_>>()
    };
    let full = full_sources(scm, &nodes, &changed, before, after, &pooled, &uniforms)?;
    let mut attributions = attribute(scm, target, &nodes, &changed, &full, params)?;
    let intervals = if params.bootstrap > 0 {
        let packs: Vec<Option<[Packed; 2]>> = nodes
            .iter()
            .map(|&j| match &scm.nodes()[j].mechanism {
                Mechanism::Additive { regressor: Regressor::Linear { .. }, link: Link::Identity, .. } => {
                    Some([Packed::new(scm, j, before), Packed::new(scm, j, after)])
                }
                _ => None,
            })
            .collect();
        let inner = ChangeParams { par: Par::Seq, ..params.clone() };
        let reps = params
            .par
            .map(params.bootstrap, |r| -> Result<Vec<f64>> {
                let rows =
                    [resample(before[0].len(), params.seed, 2 * r), resample(after[0].len(), params.seed, 2 * r + 1)];
                // Fresh draws for each replicate, so the interval carries the Monte-Carlo error too.
                let mut rng = Rng::stream(params.seed ^ 0xd12a_5eed, r as u64);
                let u: Vec<Vec<f64>> = uniforms.iter().map(|v| (0..v.len()).map(|_| rng.uniform()).collect()).collect();
                let sources = replicate_sources(scm, &nodes, &changed, [before, after], &packs, &rows, &u)?;
                attribute(scm, target, &nodes, &changed, &sources, &inner)
            })
            .map_err(ScmError::Threads)?
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        let column = |i: usize| reps.iter().map(|r| r[i]).collect::<Vec<f64>>();
        for (i, a) in attributions.iter_mut().enumerate() {
            *a = median(&column(i));
        }
        Some((0..nodes.len()).map(|i| percentile_interval(&column(i), params.level)).collect())
    } else {
        None
    };
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Ok(ChangeAttribution {
        nodes,
        attributions,
        intervals,
        tests,
        observed_change: mean(&after[target]) - mean(&before[target]),
    })
}

/// The old and new mechanism of each ancestor (indexed by node), with their
/// noise at the shared uniforms.
struct Sources {
    old: Vec<Option<Mechanism>>,
    new: Vec<Option<Mechanism>>,
    noise_old: Vec<Vec<f64>>,
    noise_new: Vec<Vec<f64>>,
}

impl Sources {
    fn empty(p: usize) -> Sources {
        Sources {
            old: vec![None; p],
            new: vec![None; p],
            noise_old: vec![Vec::new(); p],
            noise_new: vec![Vec::new(); p],
        }
    }
}

/// Step 2 on the full data: a changed mechanism fitted on each data set, an
/// unchanged one on both together.
fn full_sources(
    scm: &Scm,
    nodes: &[usize],
    changed: &[bool],
    before: &[Vec<f64>],
    after: &[Vec<f64>],
    pooled: &[Vec<f64>],
    uniforms: &[Vec<f64>],
) -> Result<Sources> {
    let mut s = Sources::empty(scm.nodes().len());
    for (i, &j) in nodes.iter().enumerate() {
        let (o, w, eo, ew) = refit_pair(scm, j, changed[i], [before, after, pooled], &uniforms[i])?;
        (s.old[j], s.new[j], s.noise_old[j], s.noise_new[j]) = (Some(o), Some(w), eo, ew);
    }
    Ok(s)
}

/// Node `j`'s old and new mechanism refitted on `[before, after, pooled]` (a
/// changed one on each data set, an unchanged one on both together, so the two
/// are the same), with their noise at the uniforms `u`.
fn refit_pair(
    scm: &Scm,
    j: usize,
    changed: bool,
    data: [&[Vec<f64>]; 3],
    u: &[f64],
) -> Result<(Mechanism, Mechanism, Vec<f64>, Vec<f64>)> {
    let (o, w) = if changed {
        (refit_node(scm, j, data[0])?, refit_node(scm, j, data[1])?)
    } else {
        let m = refit_node(scm, j, data[2])?;
        (m.clone(), m)
    };
    let (mut eo, mut ew) = (vec![0.0; u.len()], vec![0.0; u.len()]);
    o.draw_noise(u, &mut eo);
    w.draw_noise(u, &mut ew);
    Ok((o, w, eo, ew))
}

/// One node's design `[1, features…, y]` in one data set, column-major, packed
/// once so each bootstrap replicate refits a linear mechanism from a weighted
/// cross-product matrix instead of copying rows.
struct Packed {
    n: usize,
    k: usize,
    xy: Vec<f64>,
}

impl Packed {
    fn new(scm: &Scm, j: usize, columns: &[Vec<f64>]) -> Packed {
        let features = design(scm.nodes(), j, |p| &columns[p]);
        let n = columns[j].len();
        let mut xy = Vec::with_capacity(n * (features.len() + 2));
        xy.extend(std::iter::repeat_n(1.0, n));
        features.iter().for_each(|f| xy.extend_from_slice(f));
        xy.extend_from_slice(&columns[j]);
        Packed { n, k: features.len() + 2, xy }
    }

    /// Column `c` (0: the intercept's ones, last: y).
    fn col(&self, c: usize) -> &[f64] {
        &self.xy[c * self.n..(c + 1) * self.n]
    }

    /// Every row's residual under the coefficients `beta` (intercept first).
    fn residuals(&self, beta: &[f64]) -> Vec<f64> {
        let mut out = self.col(self.k - 1).to_vec();
        for (c, b) in beta.iter().enumerate() {
            out.iter_mut().zip(self.col(c)).for_each(|(o, x)| *o -= b * x);
        }
        out
    }
}

/// Least squares from the cross products of `[1, features…, y]` (row-major `k×k`).
fn solve_gram(gram: &[f64], k: usize) -> Option<Vec<f64>> {
    let m = k - 1;
    let a: Vec<f64> = (0..m).flat_map(|r| (0..m).map(move |c| (r, c))).map(|(r, c)| gram[r * k + c]).collect();
    let b: Vec<f64> = (0..m).map(|r| gram[r * k + m]).collect();
    solve_spd(&a, m, &b)
}

/// Step 2 on bootstrap replicate `rows` (resampled row indices of each data set):
/// empirical roots and linear mechanisms are refitted from row counts without
/// copying the data; other families are refitted on copied rows.
fn replicate_sources(
    scm: &Scm,
    nodes: &[usize],
    changed: &[bool],
    data: [&[Vec<f64>]; 2],
    packs: &[Option<[Packed; 2]>],
    rows: &[Vec<usize>; 2],
    uniforms: &[Vec<f64>],
) -> Result<Sources> {
    let counts: Vec<Vec<f64>> = (0..2)
        .map(|d| {
            let mut c = vec![0.0; data[d][0].len()];
            rows[d].iter().for_each(|&r| c[r] += 1.0);
            c
        })
        .collect();
    let mut copied: Option<[Vec<Vec<f64>>; 3]> = None;
    let mut s = Sources::empty(scm.nodes().len());
    // The row behind uniform `u`: data set `d`'s resample, or (unchanged) both resamples end to end.
    let pick = |d: Option<usize>, u: f64| -> (usize, usize) {
        let at = |d: usize, u: f64| rows[d][((u * rows[d].len() as f64) as usize).min(rows[d].len() - 1)];
        match d {
            Some(d) => (d, at(d, u)),
            None => {
                let total = (rows[0].len() + rows[1].len()) as f64;
                let k = ((u * total) as usize).min(rows[0].len() + rows[1].len() - 1);
                if k < rows[0].len() { (0, rows[0][k]) } else { (1, rows[1][k - rows[0].len()]) }
            }
        }
    };
    for (i, &j) in nodes.iter().enumerate() {
        let sets: [Option<usize>; 2] = if changed[i] { [Some(0), Some(1)] } else { [None, None] };
        let draw = |d: Option<usize>, value: &dyn Fn(usize, usize) -> f64| -> Vec<f64> {
            uniforms[i]
                .iter()
                .map(|&u| {
                    let (set, r) = pick(d, u);
                    value(set, r)
                })
                .collect()
        };
        let mechanism = &scm.nodes()[j].mechanism;
        let (o, w, eo, ew) = match (mechanism, &packs[i]) {
            (Mechanism::Empirical { .. }, _) => {
                let value = |set: usize, r: usize| data[set][j][r];
                let m = Mechanism::Empirical { values: Vec::new() };
                (m.clone(), m, draw(sets[0], &value), draw(sets[1], &value))
            }
            (Mechanism::Additive { regressor: Regressor::Linear { .. }, .. }, Some(pack)) => {
                let k = pack[0].k;
                let gram = |d: usize| weighted_gram(&pack[d].xy, pack[d].n, k, &counts[d]);
                let fail = || ScmError::Fit {
                    node: scm.nodes()[j].name.clone(),
                    reason: "singular cross products in a bootstrap refit".into(),
                };
                let betas: [Vec<f64>; 2] = if changed[i] {
                    [solve_gram(&gram(0), k).ok_or_else(fail)?, solve_gram(&gram(1), k).ok_or_else(fail)?]
                } else {
                    let both: Vec<f64> = gram(0).iter().zip(gram(1)).map(|(a, b)| a + b).collect();
                    let beta = solve_gram(&both, k).ok_or_else(fail)?;
                    [beta.clone(), beta]
                };
                let mech = |beta: &[f64]| Mechanism::Additive {
                    regressor: Regressor::Linear { intercept: beta[0], coef: beta[1..].to_vec() },
                    residuals: Vec::new(),
                    link: Link::Identity,
                };
                let noise = |d: Option<usize>, beta: &[f64]| {
                    let res =
                        |set: usize| if d.is_none_or(|d| d == set) { pack[set].residuals(beta) } else { Vec::new() };
                    let res = [res(0), res(1)];
                    draw(d, &|set, r| res[set][r])
                };
                (mech(&betas[0]), mech(&betas[1]), noise(sets[0], &betas[0]), noise(sets[1], &betas[1]))
            }
            _ => {
                let copied = copied.get_or_insert_with(|| {
                    let take = |cols: &[Vec<f64>], rows: &[usize]| -> Vec<Vec<f64>> {
                        cols.iter().map(|c| rows.iter().map(|&r| c[r]).collect()).collect()
                    };
                    let (b, a) = (take(data[0], &rows[0]), take(data[1], &rows[1]));
                    let pooled = b.iter().zip(&a).map(|(x, y)| [x.as_slice(), y].concat()).collect();
                    [b, a, pooled]
                });
                refit_pair(scm, j, changed[i], [&copied[0], &copied[1], &copied[2]], &uniforms[i])?
            }
        };
        (s.old[j], s.new[j], s.noise_old[j], s.noise_new[j]) = (Some(o), Some(w), eo, ew);
    }
    Ok(s)
}

/// Step 3: split the change by Shapley values over the changed mechanisms.
fn attribute(
    scm: &Scm,
    target: usize,
    nodes: &[usize],
    changed: &[bool],
    src: &Sources,
    params: &ChangeParams,
) -> Result<Vec<f64>> {
    let p = scm.nodes().len();
    let n = src.noise_old[nodes[0]].len();
    let (old, new, noise_old, noise_new) = (&src.old, &src.new, &src.noise_old, &src.noise_new);
    let none = vec![None; p];
    // Only changed mechanisms are players: an unchanged one is shared by both models,
    // adds nothing to any coalition (a null player) and keeps exactly 0, and leaving
    // null players out changes no other player's Shapley value.
    let players: Vec<usize> = (0..nodes.len()).filter(|&i| changed[i]).collect();
    // Draws go through the model in chunks, so the buffers stay small and are reused.
    let mean_under = |mask: u64| -> f64 {
        let mut pick = vec![false; p];
        for (b, &i) in players.iter().enumerate() {
            pick[nodes[i]] = mask & (1 << b) != 0;
        }
        let mech = |j: usize| if pick[j] { new[j].as_ref() } else { old[j].as_ref() }.expect("fitted ancestor");
        let mut values = vec![Vec::new(); p];
        let mut sum = 0.0;
        for start in (0..n).step_by(CHUNK) {
            let range = start..(start + CHUNK).min(n);
            let noise = |j: usize| if pick[j] { &noise_new[j][range.clone()] } else { &noise_old[j][range.clone()] };
            scm.forward(nodes, noise, &none, mech, &mut values);
            sum += values[target].iter().sum::<f64>();
        }
        sum / n as f64
    };
    let mut out = vec![0.0; nodes.len()];
    if players.is_empty() {
        return Ok(out);
    }
    let base = mean_under(0);
    let phi =
        shapley(players.len(), 1, |mask| vec![mean_under(mask) - base], params.permutations, params.seed, params.par)?;
    for (b, &i) in players.iter().enumerate() {
        out[i] = phi[b][0];
    }
    Ok(out)
}

/// The p-value for "node `j`'s mechanism is the same in both data sets".
fn mechanism_test(
    scm: &Scm,
    j: usize,
    before: &[Vec<f64>],
    after: &[Vec<f64>],
    pooled: &[Vec<f64>],
) -> Result<(&'static str, f64)> {
    let node = &scm.nodes()[j];
    let n1 = before[j].len();
    let categorical = matches!(node.kind, NodeKind::Categorical { .. });
    if node.parents.is_empty() {
        return Ok(if categorical {
            ("chi2", homogeneity(&before[j], &after[j]))
        } else {
            ("ks", ks_two_sample(&before[j], &after[j]).1)
        });
    }
    let group: Vec<f64> = (0..pooled[j].len()).map(|i| f64::from(i >= n1)).collect();
    let features = design(scm.nodes(), j, |p| &pooled[p]);
    let x: Vec<&[f64]> = features.iter().map(|f| &f[..]).collect();
    let interactions: Vec<Vec<f64>> = x.iter().map(|c| c.iter().zip(&group).map(|(v, g)| v * g).collect()).collect();
    let mut wide: Vec<&[f64]> = x.clone();
    wide.push(&group);
    wide.extend(interactions.iter().map(|c| c.as_slice()));
    let fail = |reason: String| ScmError::Fit { node: node.name.clone(), reason };
    if categorical {
        // Likelihood-ratio test of the set indicator and its interactions, per logistic model.
        let levels = match &node.mechanism {
            Mechanism::Classifier { classifier } => classifier.levels(),
            _ => 2,
        };
        let targets: Vec<Vec<f64>> = if levels <= 2 {
            vec![pooled[j].iter().map(|&c| f64::from(c == 1.0)).collect()]
        } else {
            (0..levels).map(|k| pooled[j].iter().map(|&c| f64::from(c as usize == k)).collect()).collect()
        };
        let mut lr = 0.0;
        for t in &targets {
            let ll = |cols: &[&[f64]]| -> Result<f64> {
                let fit = logistic_fit(cols, t).map_err(|e| fail(format!("mechanism-change test: {e}")))?;
                let c = Classifier::Logistic { intercepts: vec![fit.intercept], coefs: vec![fit.coef] };
                let f: Vec<std::borrow::Cow<'_, [f64]>> = cols.iter().map(|c| std::borrow::Cow::Borrowed(*c)).collect();
                let mut probs = [0.0; 2];
                Ok((0..t.len())
                    .map(|i| {
                        c.probabilities(&f, i, &mut probs);
                        probs[t[i] as usize].max(1e-300).ln()
                    })
                    .sum())
            };
            lr += 2.0 * (ll(&wide)? - ll(&x)?);
        }
        let df = (targets.len() * (x.len() + 1)) as f64;
        return Ok(("logistic_lr", chi2_sf(lr.max(0.0), df)));
    }
    let residuals = match refit_node(scm, j, pooled)? {
        Mechanism::Additive { residuals, .. } => residuals,
        Mechanism::Equation { noise: EquationNoise::Residuals { residuals }, .. } => residuals,
        // A rule given without data noise is not learned, so it cannot change.
        Mechanism::Equation { .. } => return Ok(("equation (given)", 1.0)),
        _ => return Err(fail("a continuous non-root node needs an additive-noise mechanism".into())),
    };
    let rss = |cols: &[&[f64]]| -> Result<(f64, usize)> {
        let fit = ols_fit(cols, &residuals, true).map_err(|e| fail(format!("mechanism-change test: {e}")))?;
        Ok((fit.sigma2 * fit.df as f64, fit.df))
    };
    let (rss0, _) = rss(&x)?;
    let (rss1, df1) = rss(&wide)?;
    let q = (wide.len() - x.len()) as f64;
    let f = if rss1 > 0.0 && df1 > 0 { ((rss0 - rss1) / q) / (rss1 / df1 as f64) } else { 0.0 };
    let chow = f_sf(f.max(0.0), q, df1 as f64);
    let spread = brown_forsythe(&residuals[..n1], &residuals[n1..]);
    Ok(("chow_f+brown_forsythe", (2.0 * chow.min(spread)).min(1.0)))
}

/// The Brown–Forsythe test of equal spread in two samples: a one-way analysis
/// of variance of the absolute deviations from each sample's median.
fn brown_forsythe(a: &[f64], b: &[f64]) -> f64 {
    let deviations = |v: &[f64]| -> Vec<f64> {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let m = s.len();
        let median = if m % 2 == 1 { s[m / 2] } else { 0.5 * (s[m / 2 - 1] + s[m / 2]) };
        v.iter().map(|x| (x - median).abs()).collect()
    };
    let (za, zb) = (deviations(a), deviations(b));
    let (na, nb) = (za.len() as f64, zb.len() as f64);
    if na + nb < 3.0 {
        return 1.0;
    }
    let (ma, mb) = (za.iter().sum::<f64>() / na, zb.iter().sum::<f64>() / nb);
    let m = (na * ma + nb * mb) / (na + nb);
    let between = na * (ma - m).powi(2) + nb * (mb - m).powi(2);
    let within: f64 =
        za.iter().map(|z| (z - ma).powi(2)).sum::<f64>() + zb.iter().map(|z| (z - mb).powi(2)).sum::<f64>();
    if within <= 0.0 {
        return if between > 0.0 { 0.0 } else { 1.0 };
    }
    f_sf(between / (within / (na + nb - 2.0)), 1.0, na + nb - 2.0)
}

/// Pearson's χ² test that two samples of level codes come from one distribution.
fn homogeneity(a: &[f64], b: &[f64]) -> f64 {
    let levels = a.iter().chain(b).fold(0.0f64, |m, &c| m.max(c)) as usize + 1;
    let mut counts = vec![[0.0f64; 2]; levels];
    a.iter().for_each(|&c| counts[c as usize][0] += 1.0);
    b.iter().for_each(|&c| counts[c as usize][1] += 1.0);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let mut stat = 0.0;
    let mut used = 0;
    for c in &counts {
        let total = c[0] + c[1];
        if total == 0.0 {
            continue;
        }
        used += 1;
        for (obs, n) in [(c[0], na), (c[1], nb)] {
            let expected = total * n / (na + nb);
            stat += (obs - expected) * (obs - expected) / expected;
        }
    }
    if used < 2 { 1.0 } else { chi2_sf(stat, (used - 1) as f64) }
}

/// Which hypotheses Benjamini–Hochberg rejects at false discovery rate `alpha`.
pub fn benjamini_hochberg(p: &[f64], alpha: f64) -> Vec<bool> {
    let m = p.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let cutoff = (0..m).rev().find(|&r| p[idx[r]] <= (r + 1) as f64 / m as f64 * alpha);
    let mut out = vec![false; m];
    if let Some(c) = cutoff {
        idx[..=c].iter().for_each(|&i| out[i] = true);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benjamini_hochberg_matches_statsmodels() {
        // statsmodels.stats.multitest.multipletests(p, 0.05, "fdr_bh")[0]
        let p = [0.01, 0.04, 0.03, 0.005, 0.5];
        assert_eq!(benjamini_hochberg(&p, 0.05), vec![true, true, true, true, false]);
        let p = [0.02, 0.3, 0.04, 0.9];
        assert_eq!(benjamini_hochberg(&p, 0.05), vec![false, false, false, false]);
    }

    #[test]
    fn brown_forsythe_matches_scipy_levene_median() {
        // scipy.stats.levene(a, b, center="median").pvalue
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let b = [2.0, 4.5, 5.0, 5.5, 8.0, 1.0];
        assert!((brown_forsythe(&a, &b) - 0.8772032751754317).abs() < 1e-12, "{}", brown_forsythe(&a, &b));
    }

    #[test]
    fn homogeneity_detects_a_shift_and_not_a_permutation() {
        let a: Vec<f64> = (0..300).map(|i| (i % 3) as f64).collect();
        let mut b = a.clone();
        b.reverse();
        assert!(homogeneity(&a, &b) > 0.99);
        let c: Vec<f64> = (0..300).map(|i| if i % 5 == 0 { 1.0 } else { 0.0 }).collect();
        assert!(homogeneity(&a, &c) < 1e-10);
    }
}
