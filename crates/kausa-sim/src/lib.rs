//! Data from known causal models.
//!
//! A [`LinearSem`] is a linear structural equation model on a DAG,
//! `X_j = Σ_{i ∈ pa(j)} w_ij X_i + e_j` with independent Gaussian noise `e_j`.
//! It is what `kausa demo` learns back, and the ground truth of many tests:
//! its CPDAG is the best any method that assumes causal sufficiency can recover
//! from observational data.
//!
//! Draws come from [`kausa_core::Rng`], so a seed fixes the data in every version.
#![deny(missing_docs)]

use kausa_core::Rng;
use kausa_graph::{Dag, random_dag};

/// A linear-Gaussian structural equation model.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSem {
    dag: Dag,
    /// `weights[j][k]`: the weight of `dag.parents(j)[k]` in `X_j`.
    weights: Vec<Vec<f64>>,
    noise_sd: Vec<f64>,
}

impl LinearSem {
    /// A random model in the style of the usual benchmarks (and of
    /// `gen_linear.py`): an Erdős–Rényi DAG with expected average degree
    /// `degree`, weights uniform on `±[w_min, w_max]`, noise standard deviations
    /// uniform on `[0.5, 1.5]`.
    pub fn random(p: usize, degree: f64, w_min: f64, w_max: f64, rng: &mut Rng) -> LinearSem {
        let dag = random_dag(p, degree, rng);
        let weights = (0..p)
            .map(|j| {
                dag.parents(j)
                    .iter()
                    .map(|_| {
                        let w = rng.uniform_in(w_min, w_max);
                        if rng.uniform() < 0.5 { -w } else { w }
                    })
                    .collect()
            })
            .collect();
        let noise_sd = (0..p).map(|_| rng.uniform_in(0.5, 1.5)).collect();
        LinearSem { dag, weights, noise_sd }
    }

    /// The causal graph.
    pub fn dag(&self) -> &Dag {
        &self.dag
    }

    /// The weight of the edge `from → to`, if there is one.
    pub fn weight(&self, from: usize, to: usize) -> Option<f64> {
        let k = self.dag.parents(to).iter().position(|&u| u == from)?;
        Some(self.weights[to][k])
    }

    /// Draws `n` observations; returns one column per variable.
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
        let p = self.dag.n_nodes();
        let mut cols = vec![vec![0.0f64; n]; p];
        for &j in self.dag.topological_order() {
            let mut col = vec![0.0f64; n];
            for v in col.iter_mut() {
                *v = self.noise_sd[j] * rng.normal();
            }
            for (k, &u) in self.dag.parents(j).iter().enumerate() {
                let w = self.weights[j][k];
                for (v, x) in col.iter_mut().zip(&cols[u]) {
                    *v += w * x;
                }
            }
            cols[j] = col;
        }
        cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_recovers_the_weights() {
        // For a node with one parent, the least-squares slope estimates the weight.
        let mut rng = Rng::seed_from_u64(3);
        let sem = LinearSem::random(12, 2.0, 0.5, 1.0, &mut rng);
        let data = sem.sample(20_000, &mut rng);
        let mut checked = 0;
        for j in 0..12 {
            if let [u] = sem.dag().parents(j) {
                let (x, y) = (&data[*u], &data[j]);
                let n = x.len() as f64;
                let mx = x.iter().sum::<f64>() / n;
                let my = y.iter().sum::<f64>() / n;
                let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
                let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
                let w = sem.weight(*u, j).unwrap();
                // Standard error of the slope is below 0.02 at this n and these noise levels.
                assert!((sxy / sxx - w).abs() < 0.06, "node {j}: {} vs {w}", sxy / sxx);
                checked += 1;
            }
        }
        assert!(checked > 0);
    }

    #[test]
    fn seed_fixes_the_data() {
        let draw = || {
            let mut rng = Rng::seed_from_u64(5);
            let sem = LinearSem::random(6, 2.0, 0.25, 1.0, &mut rng);
            sem.sample(10, &mut rng)
        };
        assert_eq!(draw(), draw());
    }
}
