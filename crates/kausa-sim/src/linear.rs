use kausa_core::Rng;
use kausa_graph::{Dag, random_dag};

/// The distribution of a structural equation's noise term, before scaling by its
/// standard deviation; every kind has mean 0 and variance 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Noise {
    /// Standard normal.
    #[default]
    Gaussian,
    /// Uniform on `[-√3, √3]`.
    Uniform,
    /// Exponential with rate 1, shifted to mean 0 (skewed).
    Exponential,
    /// Laplace with scale `1/√2` (heavy-tailed).
    Laplace,
}

impl Noise {
    /// One draw.
    pub fn draw(self, rng: &mut Rng) -> f64 {
        match self {
            Noise::Gaussian => rng.normal(),
            Noise::Uniform => rng.uniform_in(-3f64.sqrt(), 3f64.sqrt()),
            Noise::Exponential => -(1.0 - rng.uniform()).ln() - 1.0,
            Noise::Laplace => {
                let u = rng.uniform() - 0.5;
                -u.signum() * (1.0 - 2.0 * u.abs()).ln() / 2f64.sqrt()
            }
        }
    }

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Noise::Gaussian => "gaussian",
            Noise::Uniform => "uniform",
            Noise::Exponential => "exp",
            Noise::Laplace => "laplace",
        }
    }
}

/// Why a linear model cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SemError {
    /// A weight or noise level is not a finite number (or a noise level is negative).
    #[error("variable {variable}: {what} must be a finite number{}, got {value}", if *.what == "noise sd" { " ≥ 0" } else { "" })]
    BadNumber {
        /// Index of the variable.
        variable: usize,
        /// `"weight"` or `"noise sd"`.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// The shapes of the weights or noise levels do not match the graph.
    #[error("{0}")]
    Shape(String),
}

/// A linear structural equation model with independent noise.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSem {
    dag: Dag,
    /// `weights[j][k]`: the weight of `dag.parents(j)[k]` in `X_j`.
    weights: Vec<Vec<f64>>,
    noise_sd: Vec<f64>,
    noise: Noise,
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
        LinearSem { dag, weights, noise_sd, noise: Noise::Gaussian }
    }

    /// A model from its parts: `weights[j][k]` is the weight of `dag.parents(j)[k]`
    /// in `X_j`, `noise_sd[j]` the standard deviation of `X_j`'s noise.
    pub fn new(dag: Dag, weights: Vec<Vec<f64>>, noise_sd: Vec<f64>, noise: Noise) -> Result<LinearSem, SemError> {
        let p = dag.n_nodes();
        if weights.len() != p || noise_sd.len() != p {
            return Err(SemError::Shape(format!(
                "{p} variables but {} weight lists and {} noise levels",
                weights.len(),
                noise_sd.len()
            )));
        }
        for j in 0..p {
            if weights[j].len() != dag.parents(j).len() {
                return Err(SemError::Shape(format!(
                    "variable {j} has {} parents but {} weights",
                    dag.parents(j).len(),
                    weights[j].len()
                )));
            }
            if let Some(&w) = weights[j].iter().find(|w| !w.is_finite()) {
                return Err(SemError::BadNumber { variable: j, what: "weight", value: w });
            }
            if !(noise_sd[j].is_finite() && noise_sd[j] >= 0.0) {
                return Err(SemError::BadNumber { variable: j, what: "noise sd", value: noise_sd[j] });
            }
        }
        Ok(LinearSem { dag, weights, noise_sd, noise })
    }

    /// The same model with another noise distribution.
    pub fn with_noise(mut self, noise: Noise) -> LinearSem {
        self.noise = noise;
        self
    }

    /// The noise distribution.
    pub fn noise(&self) -> Noise {
        self.noise
    }

    /// The noise standard deviation of variable `j`.
    pub fn noise_sd(&self, j: usize) -> f64 {
        self.noise_sd[j]
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
                *v = self.noise_sd[j] * self.noise.draw(rng);
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
    fn noise_kinds_have_mean_zero_and_unit_variance() {
        let mut rng = Rng::seed_from_u64(11);
        for noise in [Noise::Gaussian, Noise::Uniform, Noise::Exponential, Noise::Laplace] {
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| noise.draw(&mut rng)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
            let skew = xs.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n as f64 / var.powf(1.5);
            let kurt = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64 / (var * var);
            assert!(mean.abs() < 0.01, "{noise:?} mean {mean}");
            assert!((var - 1.0).abs() < 0.02, "{noise:?} variance {var}");
            // Known shapes: skewness 0/0/2/0, kurtosis 3/1.8/9/6.
            let (s, k) = match noise {
                Noise::Gaussian => (0.0, 3.0),
                Noise::Uniform => (0.0, 1.8),
                Noise::Exponential => (2.0, 9.0),
                Noise::Laplace => (0.0, 6.0),
            };
            assert!((skew - s).abs() < 0.1 && (kurt - k).abs() < 0.1 * k, "{noise:?}: skew {skew}, kurtosis {kurt}");
        }
    }

    #[test]
    fn bad_parts_are_refused() {
        let dag = Dag::new(2, &[(0, 1)]).unwrap();
        assert!(LinearSem::new(dag.clone(), vec![vec![], vec![0.5]], vec![1.0, 1.0], Noise::Uniform).is_ok());
        let e = LinearSem::new(dag.clone(), vec![vec![], vec![f64::NAN]], vec![1.0, 1.0], Noise::Gaussian);
        assert!(e.unwrap_err().to_string().contains("weight must be a finite number"));
        let e = LinearSem::new(dag.clone(), vec![vec![], vec![0.5]], vec![1.0, -1.0], Noise::Gaussian);
        assert!(e.unwrap_err().to_string().contains("noise sd must be a finite number ≥ 0"));
        assert!(LinearSem::new(dag, vec![vec![], vec![]], vec![1.0, 1.0], Noise::Gaussian).is_err());
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
