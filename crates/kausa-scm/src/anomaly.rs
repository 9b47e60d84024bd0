//! Root causes of anomalies: the information-theoretic anomaly score of a
//! target value and its Shapley attribution to the noise of each upstream node
//! (Janzing, Budhathoki, Minorics, Blöbaum 2022; DoWhy's `attribute_anomalies`).
//!
//! The score of a value `x` is `−log P(g(X) ≥ g(x))`, where `g` is the
//! two-sided median-quantile score (DoWhy's `MedianCDFQuantileScorer`) and `X`
//! the target's distribution under the model. The set function of a coalition
//! `S` of upstream nodes fixes their noise at the anomalous row's (recovered)
//! noise, draws the rest from the model, and takes `log P(g(X) ≥ g(x))` with
//! DoWhy's smoothed frequency `(count + ½) / (N + ½)`. The empty coalition gives
//! minus the score, the full one zero, so the contributions sum to the score.

use kausa_core::{Par, Rng};

use crate::model::Scm;
use crate::shapley::shapley;
use crate::{Result, ScmError};

/// Settings of [`attribute_anomalies`].
#[derive(Debug, Clone)]
pub struct AnomalyParams {
    /// Draws from the model's distribution of the upstream noise.
    pub samples: usize,
    /// Permutations when there are too many upstream nodes for exact Shapley values.
    pub permutations: usize,
    /// Seed.
    pub seed: u64,
    /// Threads.
    pub par: Par,
}

impl Default for AnomalyParams {
    fn default() -> Self {
        AnomalyParams { samples: 3000, permutations: 200, seed: 0, par: Par::Seq }
    }
}

/// Anomaly scores of some rows and their attribution to upstream nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyAttribution {
    /// The target and its ancestors, in topological order.
    pub nodes: Vec<usize>,
    /// The information-theoretic anomaly score of each row's target value.
    pub scores: Vec<f64>,
    /// `contributions[row][i]`: the share of row `row`'s score due to `nodes[i]`'s noise.
    pub contributions: Vec<Vec<f64>>,
}

/// The median-quantile score of `x` against the sorted sample `dist`:
/// `1 − 2·min(#below + ½#equal, #above + ½#equal) / (N + 1)`, `x` counted once as equal.
fn quantile_score(dist: &[f64], x: f64) -> f64 {
    let below = dist.partition_point(|&d| d < x) as f64;
    let not_above = dist.partition_point(|&d| d <= x) as f64;
    let equal = not_above - below + 1.0;
    let above = dist.len() as f64 - not_above;
    1.0 - 2.0 * (below + equal / 2.0).min(above + equal / 2.0) / (dist.len() as f64 + 1.0)
}

struct Setup {
    nodes: Vec<usize>,
    /// Recovered noise of each row, per node (indexed by node).
    row_noise: Vec<Vec<f64>>,
    /// Noise draws, per node.
    draws: Vec<Vec<f64>>,
    /// The target's distribution under the model, sorted.
    dist: Vec<f64>,
    /// Each row's quantile score.
    row_scores: Vec<f64>,
}

fn setup(scm: &Scm, target: usize, rows: &[Vec<f64>], params: &AnomalyParams) -> Result<Setup> {
    let nodes = scm.ancestors_of(target);
    let mechanisms = scm.nodes();
    if let Some(&j) = nodes.iter().find(|&&j| !mechanisms[j].mechanism.is_invertible()) {
        return Err(ScmError::NotInvertible { node: mechanisms[j].name.clone() });
    }
    let p = mechanisms.len();
    let mut row_noise = vec![Vec::new(); p];
    for &j in &nodes {
        let features = scm.features(j, rows);
        row_noise[j] = mechanisms[j].mechanism.abduct(&features, &rows[j]).expect("invertible");
    }
    let n = params.samples.max(1);
    let mut rng = Rng::seed_from_u64(params.seed);
    let mut draws = vec![Vec::new(); p];
    for &j in &nodes {
        let u: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let mut e = vec![0.0; n];
        mechanisms[j].mechanism.draw_noise(&u, &mut e);
        draws[j] = e;
    }
    let mut values = vec![Vec::new(); p];
    let none = vec![None; p];
    scm.forward(&nodes, |j| &draws[j], &none, |j| &mechanisms[j].mechanism, &mut values);
    let mut dist = std::mem::take(&mut values[target]);
    dist.sort_by(f64::total_cmp);
    let row_scores = rows[target].iter().map(|&x| quantile_score(&dist, x)).collect();
    Ok(Setup { nodes, row_noise, draws, dist, row_scores })
}

/// `log P(g(X) ≥ g(x_row))` with the noise of the coalition fixed at the row's.
fn log_tail(scm: &Scm, target: usize, s: &Setup, row: usize, mask: u64) -> f64 {
    let p = scm.nodes().len();
    let n = s.dist.len();
    let mut fixed = vec![Vec::new(); p];
    for (i, &j) in s.nodes.iter().enumerate() {
        if mask & (1 << i) != 0 {
            fixed[j] = vec![s.row_noise[j][row]; n];
        }
    }
    let noise = |j: usize| if fixed[j].is_empty() { &s.draws[j][..] } else { &fixed[j][..] };
    let mut values = vec![Vec::new(); p];
    let none = vec![None; p];
    scm.forward(&s.nodes, noise, &none, |j| &scm.nodes()[j].mechanism, &mut values);
    let at_least = values[target].iter().filter(|&&x| quantile_score(&s.dist, x) >= s.row_scores[row]).count();
    ((at_least as f64 + 0.5) / (n as f64 + 0.5)).ln()
}

/// The information-theoretic anomaly score of each row's `target` value.
pub fn anomaly_scores(scm: &Scm, target: usize, rows: &[Vec<f64>], params: &AnomalyParams) -> Result<Vec<f64>> {
    let s = setup(scm, target, rows, params)?;
    Ok(s.row_scores
        .iter()
        .map(|&g| {
            let at_least = s.dist.iter().filter(|&&x| quantile_score(&s.dist, x) >= g).count();
            -((at_least as f64 + 0.5) / (s.dist.len() as f64 + 0.5)).ln()
        })
        .collect())
}

/// The anomaly score of each row (node columns, as observed) and its Shapley
/// attribution to the noise of `target` and each of its ancestors. Every one of
/// those mechanisms must be invertible.
pub fn attribute_anomalies(
    scm: &Scm,
    target: usize,
    rows: &[Vec<f64>],
    params: &AnomalyParams,
) -> Result<AnomalyAttribution> {
    let s = setup(scm, target, rows, params)?;
    let m = rows[target].len();
    let k = s.nodes.len();
    let v = |mask: u64| -> Vec<f64> { (0..m).map(|r| log_tail(scm, target, &s, r, mask)).collect() };
    let phi = shapley(k, m, v, params.permutations, params.seed, params.par)?;
    let contributions = (0..m).map(|r| (0..k).map(|i| phi[i][r]).collect()).collect();
    let scores = (0..m).map(|r| -log_tail(scm, target, &s, r, 0)).collect();
    Ok(AnomalyAttribution { nodes: s.nodes, scores, contributions })
}

#[cfg(test)]
mod tests {
    use super::quantile_score;

    #[test]
    fn quantile_score_matches_dowhy_docstring() {
        // MedianCDFQuantileScorer's example: X = −3..3, x = 2.5 scores 0.625.
        let dist = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0];
        assert!((quantile_score(&dist, 2.5) - 0.625).abs() < 1e-15);
        // The median scores 0 (up to the counting of x itself).
        assert!(quantile_score(&dist, 0.0).abs() < 1e-15);
    }
}
