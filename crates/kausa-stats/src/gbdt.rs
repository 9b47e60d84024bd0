//! Gradient-boosted regression trees on binned features (as LightGBM and
//! scikit-learn's `HistGradientBoosting*` do): each feature is cut into at most
//! 255 quantile bins once; every tree grows level by level to `max_depth`
//! from per-bin sums of gradients, choosing the split with the largest
//! reduction of squared error; leaves take the shrunken mean gradient step.
//!
//! Squared loss for regression, log loss for 0/1 classification (leaves take a
//! Newton step). Training is deterministic: per-node histograms are summed in
//! row order, splits compared with ties broken towards the lower feature and bin.

use serde::{Deserialize, Serialize};

use crate::{Result, StatsError};

/// Settings of the booster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GbdtParams {
    /// Number of trees.
    pub trees: usize,
    /// Depth of each tree.
    pub max_depth: usize,
    /// Shrinkage of each tree's contribution.
    pub learning_rate: f64,
    /// Smallest number of rows in a leaf.
    pub min_leaf: usize,
}

impl Default for GbdtParams {
    fn default() -> Self {
        GbdtParams { trees: 100, max_depth: 3, learning_rate: 0.1, min_leaf: 20 }
    }
}

/// The loss a booster minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Squared error: predicts the mean.
    Squared,
    /// Log loss for a 0/1 outcome: predicts the probability of 1.
    Logistic,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    Split { feature: usize, bin: u8, left: usize, right: usize },
    Leaf(f64),
}

/// A fitted booster (serialisable, so a fitted model can be saved and loaded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gbdt {
    loss: Loss,
    base: f64,
    /// Upper edges of each feature's bins (a value goes to the first bin whose edge it does not exceed).
    edges: Vec<Vec<f64>>,
    trees: Vec<Vec<Node>>,
    learning_rate: f64,
}

fn bin_edges(x: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = x.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    if v.len() <= 255 {
        // Midpoints between distinct values.
        return v.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
    }
    let mut edges: Vec<f64> = (1..255).map(|q| v[q * (v.len() - 1) / 255]).collect();
    edges.dedup();
    edges
}

fn bin_of(edges: &[f64], x: f64) -> u8 {
    edges.partition_point(|&e| e < x) as u8
}

impl Gbdt {
    /// Fits a booster of `y` on the columns `x`.
    pub fn fit(x: &[&[f64]], y: &[f64], loss: Loss, params: GbdtParams) -> Result<Gbdt> {
        let n = y.len();
        if x.iter().any(|c| c.len() != n) || n == 0 {
            return Err(StatsError::Internal("gradient boosting: columns of different lengths".into()));
        }
        if loss == Loss::Logistic && y.iter().any(|&v| v != 0.0 && v != 1.0) {
            return Err(StatsError::Internal("gradient boosting: the log loss needs a 0/1 outcome".into()));
        }
        let edges: Vec<Vec<f64>> = x.iter().map(|c| bin_edges(c)).collect();
        let bins: Vec<Vec<u8>> = x.iter().zip(&edges).map(|(c, e)| c.iter().map(|&v| bin_of(e, v)).collect()).collect();
        let mean = y.iter().sum::<f64>() / n as f64;
        let base = match loss {
            Loss::Squared => mean,
            Loss::Logistic => {
                let p = mean.clamp(1e-6, 1.0 - 1e-6);
                (p / (1.0 - p)).ln()
            }
        };
        let mut raw = vec![base; n];
        let mut trees = Vec::with_capacity(params.trees);
        let mut grad = vec![0.0f64; n];
        let mut hess = vec![1.0f64; n];
        for _ in 0..params.trees {
            for i in 0..n {
                match loss {
                    Loss::Squared => grad[i] = y[i] - raw[i],
                    Loss::Logistic => {
                        let p = 1.0 / (1.0 + (-raw[i]).exp());
                        grad[i] = y[i] - p;
                        hess[i] = (p * (1.0 - p)).max(1e-12);
                    }
                }
            }
            let tree = grow(&bins, &edges, &grad, &hess, params);
            for i in 0..n {
                raw[i] += params.learning_rate * leaf_value(&tree, |f| bins[f][i]);
            }
            trees.push(tree);
        }
        Ok(Gbdt { loss, base, edges, trees, learning_rate: params.learning_rate })
    }

    /// The prediction for one row given by its feature values.
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        let bins: Vec<u8> = row.iter().zip(&self.edges).map(|(&v, e)| bin_of(e, v)).collect();
        let raw = self.base + self.learning_rate * self.trees.iter().map(|t| leaf_value(t, |f| bins[f])).sum::<f64>();
        match self.loss {
            Loss::Squared => raw,
            Loss::Logistic => 1.0 / (1.0 + (-raw).exp()),
        }
    }

    /// Checks a booster read from a file against what its caller will feed it:
    /// `features` feature columns and the loss `loss`; at most 255 sorted bin
    /// edges per feature; splits on those features with both children after
    /// the split (so every prediction reaches a leaf); finite numbers.
    pub fn check(&self, features: usize, loss: Loss) -> std::result::Result<(), String> {
        if self.loss != loss {
            return Err(format!("a booster with the {:?} loss where the {loss:?} loss belongs", self.loss));
        }
        if self.edges.len() != features {
            return Err(format!("a booster of {} features where the parents give {features}", self.edges.len()));
        }
        if !self.base.is_finite() || !self.learning_rate.is_finite() {
            return Err("a booster with a non-finite base or learning rate".into());
        }
        for (f, e) in self.edges.iter().enumerate() {
            if e.len() > 255 || e.iter().any(|v| v.is_nan()) || e.windows(2).any(|w| w[0] > w[1]) {
                return Err(format!("the bin edges of feature {} are not at most 255 sorted numbers", f + 1));
            }
        }
        for (t, tree) in self.trees.iter().enumerate() {
            let bad = |what: &str| Err(format!("tree {} of the booster {what}", t + 1));
            if tree.is_empty() {
                return bad("is empty");
            }
            for (k, node) in tree.iter().enumerate() {
                match *node {
                    Node::Leaf(v) if !v.is_finite() => return bad("has a non-finite leaf"),
                    Node::Leaf(_) => {}
                    Node::Split { feature, left, right, .. } => {
                        if feature >= features {
                            return bad(&format!("splits on feature {}, of {features}", feature + 1));
                        }
                        if left <= k || right <= k || left >= tree.len() || right >= tree.len() {
                            return bad(&format!("has node {} pointing outside the nodes after it", k + 1));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Predictions for every row of the columns `x`.
    pub fn predict(&self, x: &[&[f64]]) -> Vec<f64> {
        let n = x.first().map_or(0, |c| c.len());
        let mut row = vec![0.0; x.len()];
        (0..n)
            .map(|i| {
                for (r, c) in row.iter_mut().zip(x) {
                    *r = c[i];
                }
                self.predict_row(&row)
            })
            .collect()
    }
}

fn leaf_value(tree: &[Node], bin: impl Fn(usize) -> u8) -> f64 {
    let mut k = 0;
    loop {
        match &tree[k] {
            Node::Leaf(v) => return *v,
            Node::Split { feature, bin: b, left, right } => k = if bin(*feature) <= *b { *left } else { *right },
        }
    }
}

/// One tree, grown level by level.
fn grow(bins: &[Vec<u8>], edges: &[Vec<f64>], grad: &[f64], hess: &[f64], params: GbdtParams) -> Vec<Node> {
    let n = grad.len();
    let mut nodes: Vec<Node> = vec![Node::Leaf(0.0)];
    // Rows of each open node.
    let mut open: Vec<(usize, Vec<usize>)> = vec![(0, (0..n).collect())];
    for depth in 0..=params.max_depth {
        let mut next = Vec::new();
        for (id, rows) in open {
            let (g, h): (f64, f64) = rows.iter().fold((0.0, 0.0), |(a, b), &i| (a + grad[i], b + hess[i]));
            let leaf = g / h.max(1e-12);
            if depth == params.max_depth || rows.len() < 2 * params.min_leaf {
                nodes[id] = Node::Leaf(leaf);
                continue;
            }
            // Best split over features and bins: gain = G_L²/H_L + G_R²/H_R − G²/H.
            let mut best: Option<(f64, usize, u8)> = None;
            for (f, fb) in bins.iter().enumerate() {
                let nb = edges[f].len() + 1;
                let mut hg = vec![0.0f64; nb];
                let mut hh = vec![0.0f64; nb];
                let mut hc = vec![0usize; nb];
                for &i in &rows {
                    let b = fb[i] as usize;
                    hg[b] += grad[i];
                    hh[b] += hess[i];
                    hc[b] += 1;
                }
                let (mut gl, mut hl, mut cl) = (0.0, 0.0, 0usize);
                for b in 0..nb.saturating_sub(1) {
                    gl += hg[b];
                    hl += hh[b];
                    cl += hc[b];
                    let cr = rows.len() - cl;
                    if cl < params.min_leaf || cr < params.min_leaf {
                        continue;
                    }
                    let (gr, hr) = (g - gl, h - hl);
                    let gain = gl * gl / hl.max(1e-12) + gr * gr / hr.max(1e-12) - g * g / h.max(1e-12);
                    if gain > 1e-12 && best.is_none_or(|(bg, _, _)| gain > bg) {
                        best = Some((gain, f, b as u8));
                    }
                }
            }
            let Some((_, feature, bin)) = best else {
                nodes[id] = Node::Leaf(leaf);
                continue;
            };
            let (l, r): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&i| bins[feature][i] <= bin);
            let (left, right) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::Leaf(0.0));
            nodes.push(Node::Leaf(0.0));
            nodes[id] = Node::Split { feature, bin, left, right };
            next.push((left, l));
            next.push((right, r));
        }
        if next.is_empty() {
            break;
        }
        open = next;
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Rng;

    #[test]
    fn learns_a_nonlinear_function_and_probabilities() {
        let mut rng = Rng::seed_from_u64(3);
        let n = 4000;
        let a: Vec<f64> = (0..n).map(|_| rng.uniform_in(-2.0, 2.0)).collect();
        let b: Vec<f64> = (0..n).map(|_| rng.uniform_in(-2.0, 2.0)).collect();
        let f = |x: f64, z: f64| (2.0 * x).sin() + if z > 0.5 { 1.0 } else { -0.5 } * x;
        let y: Vec<f64> = (0..n).map(|i| f(a[i], b[i]) + 0.1 * rng.normal()).collect();
        let model =
            Gbdt::fit(&[&a, &b], &y, Loss::Squared, GbdtParams { trees: 300, ..GbdtParams::default() }).unwrap();
        // Out of sample: mean squared error well below the variance of f.
        let (mut se, mut var, mut m) = (0.0, 0.0, 0.0);
        let test: Vec<(f64, f64)> = (0..1000).map(|_| (rng.uniform_in(-2.0, 2.0), rng.uniform_in(-2.0, 2.0))).collect();
        for &(x, z) in &test {
            m += f(x, z) / 1000.0;
        }
        for &(x, z) in &test {
            se += (model.predict_row(&[x, z]) - f(x, z)).powi(2) / 1000.0;
            var += (f(x, z) - m).powi(2) / 1000.0;
        }
        assert!(se < 0.05 * var, "mse {se} against variance {var}");
        // Classification: probabilities close to the truth.
        let t: Vec<f64> = (0..n).map(|i| (rng.uniform() < 1.0 / (1.0 + (-2.0 * a[i]).exp())) as u8 as f64).collect();
        let c = Gbdt::fit(&[&a, &b], &t, Loss::Logistic, GbdtParams::default()).unwrap();
        let err: f64 =
            test.iter().map(|&(x, z)| (c.predict_row(&[x, z]) - 1.0 / (1.0 + (-2.0 * x).exp())).abs()).sum::<f64>()
                / 1000.0;
        assert!(err < 0.06, "mean absolute probability error {err}");
        // Deterministic.
        assert_eq!(Gbdt::fit(&[&a, &b], &t, Loss::Logistic, GbdtParams::default()).unwrap(), c);
    }
}
