use std::num::NonZeroUsize;

/// How much parallelism a computation may use.
///
/// Every heavy entry point in kausa takes a `Par` explicitly: there is no hidden
/// global thread pool.
/// Results never depend on the value: parallel work is split into units whose
/// results are merged in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Par {
    /// Run on the calling thread.
    #[default]
    Seq,
    /// Run on a pool of the given number of threads.
    Threads(NonZeroUsize),
}

impl Par {
    /// `Par::Seq` for 0 or 1 threads, `Par::Threads(n)` otherwise.
    pub fn threads(n: usize) -> Par {
        match NonZeroUsize::new(n) {
            Some(n) if n.get() > 1 => Par::Threads(n),
            _ => Par::Seq,
        }
    }

    /// A thread pool of this setting's size (`None` for `Seq`), or why none could start.
    pub fn pool(self) -> Result<Option<rayon::ThreadPool>, String> {
        match self {
            Par::Seq => Ok(None),
            Par::Threads(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n.get())
                .build()
                .map(Some)
                .map_err(|e| format!("cannot start threads: {e}")),
        }
    }

    /// `(0..n).map(f)` collected in index order, on this setting's threads.
    pub fn map<T: Send>(self, n: usize, f: impl Fn(usize) -> T + Sync) -> Result<Vec<T>, String> {
        use rayon::prelude::*;
        Ok(match self.pool()? {
            None => (0..n).map(f).collect(),
            Some(pool) => pool.install(|| (0..n).into_par_iter().map(&f).collect()),
        })
    }

    /// The number of threads this setting allows.
    pub fn degree(self) -> usize {
        match self {
            Par::Seq => 1,
            Par::Threads(n) => n.get(),
        }
    }
}
