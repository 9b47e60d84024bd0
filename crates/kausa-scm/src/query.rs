//! Queries that run the model forward: samples (observational and under
//! interventions), interventional effects, counterfactuals.

use kausa_core::{Par, Rng};

use crate::fit::refit;
use crate::model::{Action, Intervention, Scm, design};
use crate::{Result, ScmError};

/// Rows per unit of parallel sampling; each chunk draws from its own stream, so
/// samples do not depend on the thread count.
pub(crate) const CHUNK: usize = 4096;

/// `n` rows drawn from the model under `interventions` (none: observational),
/// as one column per node. The same seed gives the same noise whatever the
/// interventions, so two calls differ only by what was done (common random numbers).
///
/// Rows come in chunks of [`CHUNK`]; chunk `c` draws from stream `c` of `seed`,
/// node by node in index order (each a contiguous run of the chunk's stream), so
/// samples do not depend on the thread count. Each chunk is written straight into
/// its rows of the output columns.
pub fn sample(scm: &Scm, n: usize, interventions: &[Intervention], seed: u64, par: Par) -> Result<Vec<Vec<f64>>> {
    let p = scm.nodes().len();
    let actions = scm.actions(interventions);
    let mut out: Vec<Vec<f64>> = (0..p).map(|_| vec![0.0; n]).collect();
    let mut parts: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(CHUNK)).map(|_| Vec::with_capacity(p)).collect();
    for column in &mut out {
        for (part, rows) in parts.iter_mut().zip(column.chunks_mut(CHUNK)) {
            part.push(rows);
        }
    }
    // One chunk is not worth starting threads for.
    let par = if parts.len() > 1 { par } else { Par::Seq };
    let most = CHUNK.min(n);
    par.each_with(
        parts,
        || (vec![0.0; p * most], vec![0.0; most]),
        |(uniforms, noise), c, mut columns| {
            let len = columns.first().map_or(0, |rows| rows.len());
            let mut rng = Rng::stream(seed, c as u64);
            uniforms[..p * len].iter_mut().for_each(|u| *u = rng.uniform());
            for &j in scm.order() {
                let mechanism = &scm.nodes()[j].mechanism;
                mechanism.draw_noise(&uniforms[j * len..(j + 1) * len], &mut noise[..len]);
                let rows = std::mem::take(&mut columns[j]);
                {
                    let features = design(scm.nodes(), j, |q| &*columns[q]);
                    mechanism.evaluate(&features, &noise[..len], rows);
                }
                if let Some(action) = actions[j] {
                    rows.iter_mut().for_each(|x| *x = action.apply(*x));
                }
                columns[j] = rows;
            }
        },
    )
    .map_err(ScmError::Threads)?;
    Ok(out)
}

/// The mean of `target` under `interventions`, from `n` model draws.
pub fn interventional_mean(
    scm: &Scm,
    target: usize,
    interventions: &[Intervention],
    n: usize,
    seed: u64,
    par: Par,
) -> Result<f64> {
    let cols = sample(scm, n, interventions, seed, par)?;
    Ok(cols[target].iter().sum::<f64>() / n as f64)
}

/// Settings of [`effect`].
#[derive(Debug, Clone)]
pub struct EffectParams {
    /// Model draws per evaluation (paired across the two interventions).
    pub samples: usize,
    /// Bootstrap refits of the model (0: none); needs the training columns. Each
    /// replicate draws `min(samples, 20,000)` pairs.
    pub bootstrap: usize,
    /// Interval level.
    pub level: f64,
    /// Seed of the draws and resamples.
    pub seed: u64,
    /// Threads.
    pub par: Par,
}

impl Default for EffectParams {
    fn default() -> Self {
        EffectParams { samples: 100_000, bootstrap: 100, level: 0.95, seed: 0, par: Par::Seq }
    }
}

/// An interventional mean difference `E[Y | do(a)] − E[Y | do(b)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// `E[Y | do(a)]`.
    pub mean_a: f64,
    /// `E[Y | do(b)]`.
    pub mean_b: f64,
    /// The difference.
    pub effect: f64,
    /// Monte-Carlo standard error of the difference (paired draws).
    pub mc_se: f64,
    /// Percentile bootstrap interval from refits on resampled training rows.
    pub interval: Option<(f64, f64)>,
    /// The bootstrap replicates of the difference.
    pub replicates: Vec<f64>,
}

fn paired(
    scm: &Scm,
    target: usize,
    a: &[Intervention],
    b: &[Intervention],
    params: &EffectParams,
) -> Result<(f64, f64, f64)> {
    let ya = sample(scm, params.samples, a, params.seed, params.par)?.swap_remove(target);
    let yb = sample(scm, params.samples, b, params.seed, params.par)?.swap_remove(target);
    let n = ya.len() as f64;
    let ma = ya.iter().sum::<f64>() / n;
    let mb = yb.iter().sum::<f64>() / n;
    let d = ma - mb;
    let var = ya.iter().zip(&yb).map(|(x, y)| (x - y - d) * (x - y - d)).sum::<f64>() / (n - 1.0).max(1.0);
    Ok((ma, mb, (var / n).sqrt()))
}

/// The interventional mean difference of `target` between `a` and `b`, with a
/// bootstrap interval when `training` (the node columns the model was fitted
/// on) is given: each replicate refits every mechanism in its family on a
/// resample of the rows and repeats the paired draws.
pub fn effect(
    scm: &Scm,
    target: usize,
    a: &[Intervention],
    b: &[Intervention],
    training: Option<&[Vec<f64>]>,
    params: &EffectParams,
) -> Result<Effect> {
    let (mean_a, mean_b, mc_se) = paired(scm, target, a, b, params)?;
    let mut replicates = Vec::new();
    let mut interval = None;
    if let Some(columns) = training
        && params.bootstrap > 0
    {
        let n = columns[0].len();
        // Each replicate draws at most 20,000 pairs: its Monte-Carlo error then joins the
        // interval (it is small beside the refit's for all but tiny effects).
        let inner = EffectParams { samples: params.samples.min(20_000), par: Par::Seq, ..params.clone() };
        let reps = params
            .par
            .map(params.bootstrap, |r| -> Result<f64> {
                let rows = resample(n, params.seed, r);
                let model = refit(scm, columns, Some(&rows))?;
                let (ma, mb, _) = paired(&model, target, a, b, &inner)?;
                Ok(ma - mb)
            })
            .map_err(ScmError::Threads)?;
        replicates = reps.into_iter().collect::<Result<Vec<f64>>>()?;
        interval = Some(percentile_interval(&replicates, params.level));
    }
    Ok(Effect { mean_a, mean_b, effect: mean_a - mean_b, mc_se, interval, replicates })
}

/// The rows of bootstrap replicate `r` (drawn with replacement).
pub(crate) fn resample(n: usize, seed: u64, r: usize) -> Vec<usize> {
    let mut rng = Rng::stream(seed ^ 0x5eed_b007, r as u64);
    (0..n).map(|_| rng.index(n as u64) as usize).collect()
}

/// The median (the middle of the [`percentile_interval`] of level 0).
pub(crate) fn median(values: &[f64]) -> f64 {
    percentile_interval(values, 0.0).0
}

pub(crate) use kausa_stats::summary::percentile_interval;

/// Counterfactual values of the observed rows (`observed[j]` is node `j`'s
/// column) had `interventions` been applied: abduction (each affected node's
/// noise recovered from its observed value and parents), action, prediction.
///
/// Only the intervened nodes and their descendants change; their mechanisms
/// must be invertible, or the error names the first that is not.
pub fn counterfactual(scm: &Scm, observed: &[Vec<f64>], interventions: &[Intervention]) -> Result<Vec<Vec<f64>>> {
    let targets: Vec<usize> = interventions.iter().map(|i| i.node).collect();
    let affected = scm.descendants_of(&targets);
    let nodes = scm.nodes();
    let actions = scm.actions(interventions);
    let rows = observed.first().map_or(0, Vec::len);
    let mut noise = vec![Vec::new(); nodes.len()];
    for &j in scm.order() {
        if !affected[j] {
            continue;
        }
        noise[j] = match actions[j] {
            // The action overrides whatever the mechanism gives: no noise needed.
            Some(Action::Set(_)) => vec![0.0; rows],
            _ => {
                let features = scm.features(j, observed);
                nodes[j]
                    .mechanism
                    .abduct(&features, &observed[j])
                    .ok_or_else(|| ScmError::NotInvertible { node: nodes[j].name.clone() })?
            }
        };
    }
    let mut values: Vec<Vec<f64>> = observed.to_vec();
    let order: Vec<usize> = scm.order().iter().copied().filter(|&j| affected[j]).collect();
    scm.forward(&order, |j| &noise[j], &actions, |j| &nodes[j].mechanism, &mut values);
    Ok(values)
}
