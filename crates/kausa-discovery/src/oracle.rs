use kausa_graph::Dag;
use kausa_stats::{CiTest, Scratch, StatsError};

/// A perfect independence test: d-separation in a known DAG, possibly among
/// only some of its nodes (the others are hidden).
///
/// Its p-value is 1 when `x` and `y` are d-separated given `s` and 0 otherwise,
/// so any `alpha` strictly between 0 and 1 reads it correctly. With it, a
/// discovery algorithm must return exactly the true equivalence class (CPDAG
/// without hidden nodes, PAG with them); the tests use it to check the
/// algorithms apart from sampling noise, and `kausa graph` to compute true graphs.
#[derive(Debug, Clone)]
pub struct DSeparation {
    dag: Dag,
    /// Test variable `k` is DAG node `observed[k]`.
    observed: Vec<usize>,
}

impl DSeparation {
    /// d-separation among all nodes of `dag`.
    pub fn new(dag: Dag) -> DSeparation {
        let observed = (0..dag.n_nodes()).collect();
        DSeparation { dag, observed }
    }

    /// d-separation among the nodes `observed` of `dag` (in that order); the others are hidden.
    pub fn with_hidden(dag: Dag, observed: Vec<usize>) -> DSeparation {
        DSeparation { dag, observed }
    }
}

impl CiTest for DSeparation {
    fn n_vars(&self) -> usize {
        self.observed.len()
    }

    fn n_obs(&self) -> usize {
        usize::MAX
    }

    fn name(&self) -> &'static str {
        "d-separation"
    }

    fn p_value(&self, x: usize, y: usize, s: &[usize], _: &mut Scratch) -> Result<f64, StatsError> {
        let z: Vec<usize> = s.iter().map(|&v| self.observed[v]).collect();
        Ok(if self.dag.d_separated(self.observed[x], self.observed[y], &z) { 1.0 } else { 0.0 })
    }
}
