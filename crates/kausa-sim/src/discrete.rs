use kausa_core::{Column, Dataset, Rng};
use kausa_graph::Dag;

/// Largest deviation from 1 allowed in the sum of a CPT row before it is
/// refused; smaller deviations (rounded tables like 0.333/0.333/0.334) are
/// renormalised.
pub const ROW_SUM_TOLERANCE: f64 = 1e-3;

/// Why a Bayesian network cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BnError {
    /// The parent lists form a cycle.
    #[error("the parent lists form a cycle through {0:?}")]
    Cyclic(String),
    /// A probability is negative or not a number.
    #[error("variable {variable:?}: probability {value} in row {row} is not a number in [0, 1]")]
    BadProbability {
        /// The variable.
        variable: String,
        /// The parent configuration (row), 0-based.
        row: usize,
        /// The value.
        value: f64,
    },
    /// A row does not sum to 1.
    #[error("variable {variable:?}: the probabilities of row {row} sum to {sum}, not 1")]
    RowSum {
        /// The variable.
        variable: String,
        /// The parent configuration (row), 0-based.
        row: usize,
        /// The sum found.
        sum: f64,
    },
    /// Sizes do not fit together.
    #[error("{0}")]
    Shape(String),
}

/// A discrete Bayesian network: variables with named states, a DAG, and one
/// conditional probability table per variable.
///
/// `cpt[j]` holds one row per configuration of `parents[j]` (in the order the
/// parents are listed; the last parent varies fastest), each row a distribution
/// over `states[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscreteBn {
    names: Vec<String>,
    states: Vec<Vec<String>>,
    parents: Vec<Vec<usize>>,
    cpt: Vec<Vec<f64>>,
    dag: Dag,
}

impl DiscreteBn {
    /// Builds and checks a network; rows that sum to within [`ROW_SUM_TOLERANCE`]
    /// of 1 are renormalised.
    pub fn new(
        names: Vec<String>,
        states: Vec<Vec<String>>,
        parents: Vec<Vec<usize>>,
        mut cpt: Vec<Vec<f64>>,
    ) -> Result<DiscreteBn, BnError> {
        let p = names.len();
        if states.len() != p || parents.len() != p || cpt.len() != p {
            return Err(BnError::Shape(format!(
                "{p} variables but {} state lists, {} parent lists and {} tables",
                states.len(),
                parents.len(),
                cpt.len()
            )));
        }
        let edges: Vec<(usize, usize)> =
            parents.iter().enumerate().flat_map(|(j, ps)| ps.iter().map(move |&u| (u, j))).collect();
        if let Some(&(u, j)) = edges.iter().find(|&&(u, j)| u >= p || u == j) {
            return Err(BnError::Shape(format!("variable {j} has an impossible parent {u}")));
        }
        let dag = Dag::new(p, &edges).map_err(|_| {
            // Name one variable on a cycle: one that never becomes a source.
            let mut indeg: Vec<usize> = parents.iter().map(Vec::len).collect();
            let mut stack: Vec<usize> = (0..p).filter(|&j| indeg[j] == 0).collect();
            while let Some(u) = stack.pop() {
                for (j, ps) in parents.iter().enumerate() {
                    if ps.contains(&u) {
                        indeg[j] -= 1;
                        if indeg[j] == 0 {
                            stack.push(j);
                        }
                    }
                }
            }
            let on_cycle = (0..p).find(|&j| indeg[j] > 0).unwrap_or(0);
            BnError::Cyclic(names[on_cycle].clone())
        })?;
        for j in 0..p {
            let k = states[j].len();
            if k < 1 {
                return Err(BnError::Shape(format!("variable {:?} has no states", names[j])));
            }
            let rows: usize = parents[j].iter().map(|&u| states[u].len()).product();
            if cpt[j].len() != rows * k {
                return Err(BnError::Shape(format!(
                    "variable {:?}: the table has {} entries, expected {rows} rows of {k}",
                    names[j],
                    cpt[j].len()
                )));
            }
            for (r, row) in cpt[j].chunks_mut(k).enumerate() {
                if let Some(&value) = row.iter().find(|v| !(v.is_finite() && (0.0..=1.0).contains(*v))) {
                    return Err(BnError::BadProbability { variable: names[j].clone(), row: r, value });
                }
                let sum: f64 = row.iter().sum();
                if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
                    return Err(BnError::RowSum { variable: names[j].clone(), row: r, sum });
                }
                row.iter_mut().for_each(|v| *v /= sum);
            }
        }
        Ok(DiscreteBn { names, states, parents, cpt, dag })
    }

    /// Number of variables.
    pub fn n_vars(&self) -> usize {
        self.names.len()
    }

    /// Variable names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The states of variable `j`.
    pub fn states(&self, j: usize) -> &[String] {
        &self.states[j]
    }

    /// The parents of variable `j`, in the table's order.
    pub fn parents(&self, j: usize) -> &[usize] {
        &self.parents[j]
    }

    /// The distribution of `j` given its parents' states (state indices in the table's parent order).
    pub fn distribution(&self, j: usize, parent_states: &[usize]) -> &[f64] {
        let k = self.states[j].len();
        let row = self.parents[j].iter().zip(parent_states).fold(0, |acc, (&u, &s)| acc * self.states[u].len() + s);
        &self.cpt[j][row * k..(row + 1) * k]
    }

    /// The causal graph.
    pub fn dag(&self) -> &Dag {
        &self.dag
    }

    /// Draws `n` observations by forward sampling. Each column is discrete with
    /// the sampled state names as levels (as reading the data back from a file gives).
    pub fn sample(&self, n: usize, rng: &mut Rng) -> Dataset {
        let p = self.n_vars();
        let mut codes = vec![vec![0usize; n]; p];
        let mut parent_states = Vec::new();
        for i in 0..n {
            for &j in self.dag.topological_order() {
                parent_states.clear();
                parent_states.extend(self.parents[j].iter().map(|&u| codes[u][i]));
                let dist = self.distribution(j, &parent_states);
                let u = rng.uniform();
                let mut acc = 0.0;
                let mut state = dist.len() - 1;
                for (s, &pr) in dist.iter().enumerate() {
                    acc += pr;
                    if u < acc {
                        state = s;
                        break;
                    }
                }
                codes[j][i] = state;
            }
        }
        let columns = (0..p)
            .map(|j| {
                let labels: Vec<&str> = codes[j].iter().map(|&c| self.states[j][c].as_str()).collect();
                Column::discrete_from_labels(self.names[j].clone(), &labels)
            })
            .collect();
        Dataset::new(columns).expect("columns of equal length with distinct names")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two causes of a common effect: rain → wet ← sprinkler.
    fn wet_grass() -> DiscreteBn {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        DiscreteBn::new(
            s(&["rain", "sprinkler", "wet"]),
            vec![s(&["no", "yes"]), s(&["off", "on"]), s(&["dry", "wet"])],
            vec![vec![], vec![], vec![0, 1]],
            vec![vec![0.8, 0.2], vec![0.6, 0.4], vec![0.99, 0.01, 0.1, 0.9, 0.2, 0.8, 0.01, 0.99]],
        )
        .unwrap()
    }

    #[test]
    fn frequencies_match_the_tables() {
        let bn = wet_grass();
        let n = 100_000;
        let data = bn.sample(n, &mut Rng::seed_from_u64(1));
        let code = |j: usize| match data.column(j) {
            Column::Discrete { codes, levels, .. } => (codes.clone(), levels.clone()),
            _ => unreachable!(),
        };
        let (rain, lr) = code(0);
        let (spr, ls) = code(1);
        let (wet, lw) = code(2);
        assert_eq!(
            (lr, ls, lw),
            (vec!["no".to_string(), "yes".into()], vec!["off".into(), "on".into()], vec!["dry".into(), "wet".into()])
        );
        let frac = |f: &dyn Fn(usize) -> bool, g: &dyn Fn(usize) -> bool| {
            let base = (0..n).filter(|&i| g(i)).count() as f64;
            (0..n).filter(|&i| g(i) && f(i)).count() as f64 / base
        };
        // P(rain) = 0.2; P(wet | rain, sprinkler off) = 0.8; P(wet | no rain, sprinkler on) = 0.9.
        let all = |_| true;
        assert!((frac(&|i| rain[i] == 1, &all) - 0.2).abs() < 0.005);
        assert!((frac(&|i| wet[i] == 1, &|i| rain[i] == 1 && spr[i] == 0) - 0.8).abs() < 0.01);
        assert!((frac(&|i| wet[i] == 1, &|i| rain[i] == 0 && spr[i] == 1) - 0.9).abs() < 0.01);
        // The two causes are independent.
        assert!((frac(&|i| spr[i] == 1, &|i| rain[i] == 1) - 0.4).abs() < 0.01);
        assert_eq!(bn.dag().parents(2), &[0, 1]);
    }

    #[test]
    fn bad_networks_are_refused() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let two = || vec![s(&["a", "b"]), s(&["a", "b"])];
        let e = DiscreteBn::new(s(&["x", "y"]), two(), vec![vec![1], vec![0]], vec![vec![0.5; 4], vec![0.5; 4]]);
        assert!(matches!(e, Err(BnError::Cyclic(_))), "{e:?}");
        let e = DiscreteBn::new(s(&["x", "y"]), two(), vec![vec![], vec![0]], vec![vec![0.5, 0.6], vec![0.5; 4]]);
        assert_eq!(e.unwrap_err().to_string(), "variable \"x\": the probabilities of row 0 sum to 1.1, not 1");
        let e = DiscreteBn::new(s(&["x", "y"]), two(), vec![vec![], vec![0]], vec![vec![0.5, 0.5], vec![0.5; 3]]);
        assert!(e.unwrap_err().to_string().contains("expected 2 rows of 2"));
        let e = DiscreteBn::new(s(&["x", "y"]), two(), vec![vec![], vec![0]], vec![vec![1.5, -0.5], vec![0.5; 4]]);
        assert!(matches!(e, Err(BnError::BadProbability { .. })));
        // Rounded tables are accepted and renormalised.
        let bn =
            DiscreteBn::new(s(&["x", "y"]), two(), vec![vec![], vec![0]], vec![vec![0.3333, 0.6666], vec![0.5; 4]])
                .unwrap();
        assert!((bn.distribution(0, &[]).iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn the_seed_fixes_the_sample() {
        let bn = wet_grass();
        assert_eq!(bn.sample(50, &mut Rng::seed_from_u64(9)), bn.sample(50, &mut Rng::seed_from_u64(9)));
    }
}
