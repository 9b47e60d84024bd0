use kausa_graph::Dag;
use kausa_stats::{CiTest, Scratch, StatsError};

/// A perfect independence test: d-separation in a known DAG.
///
/// Its p-value is 1 when `x` and `y` are d-separated given `s` and 0 otherwise,
/// so any `alpha` strictly between 0 and 1 reads it correctly. With it, a
/// discovery algorithm must return exactly the true equivalence class; the
/// tests use it to check the algorithms apart from sampling noise.
#[derive(Debug, Clone)]
pub struct DSeparation(pub Dag);

impl CiTest for DSeparation {
    fn n_vars(&self) -> usize {
        self.0.n_nodes()
    }

    fn n_obs(&self) -> usize {
        usize::MAX
    }

    fn name(&self) -> &'static str {
        "d-separation"
    }

    fn p_value(&self, x: usize, y: usize, s: &[usize], _: &mut Scratch) -> Result<f64, StatsError> {
        Ok(if self.0.d_separated(x, y, s) { 1.0 } else { 0.0 })
    }
}
