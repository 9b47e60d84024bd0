/// Receives progress reports from long computations.
///
/// Algorithms report stages and units of work; the caller decides what to show
/// (a progress bar in the CLI, nothing in a library call). Reports never change
/// a result. Implementations are called from worker threads, so they must be
/// thread-safe and cheap.
pub trait Progress: Sync {
    /// A new stage begins, with its amount of work when known.
    fn stage(&self, name: &str, total: Option<u64>);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
}
