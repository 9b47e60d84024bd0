//! A thread pool started only when work is large enough, and working memory
//! kept per pool thread across parallel loops.

use std::sync::{Mutex, OnceLock};

use kausa_core::Par;

use crate::{Error, Result};

/// The pool a [`Par`] allows, started on first use: small problems finish on
/// the calling thread in less time than starting threads takes.
pub(crate) struct LazyPool {
    par: Par,
    pool: OnceLock<std::result::Result<Option<rayon::ThreadPool>, String>>,
}

impl LazyPool {
    pub(crate) fn new(par: Par) -> LazyPool {
        LazyPool { par, pool: OnceLock::new() }
    }

    /// The number of threads work may be split for.
    pub(crate) fn threads(&self) -> usize {
        self.par.degree()
    }

    /// The pool when `worth` (starting it if needed) or when already started;
    /// `None` on one thread.
    pub(crate) fn when(&self, worth: bool) -> Result<Option<&rayon::ThreadPool>> {
        if !worth && self.pool.get().is_none() {
            return Ok(None);
        }
        match self.pool.get_or_init(|| self.par.pool()) {
            Ok(pool) => Ok(pool.as_ref()),
            Err(e) => Err(Error::Internal(e.clone())),
        }
    }
}

/// One `T` per thread of a pool, reused by every item that thread runs (a fresh
/// one per share of a loop would fault in and zero its buffers again).
pub(crate) struct PerThread<T> {
    slots: Vec<Mutex<T>>,
}

impl<T: Default + Send> PerThread<T> {
    /// Slots for `threads` threads.
    pub(crate) fn new(threads: usize) -> PerThread<T> {
        let n = threads.max(1);
        PerThread { slots: (0..n).map(|_| Mutex::new(T::default())).collect() }
    }

    /// Runs `f` with the current thread's `T`. Should `f` itself run parallel
    /// work that lands on this thread (a test using rayon inside), the nested
    /// item gets a fresh `T` instead of waiting on its own thread's.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let i = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        match self.slots[i].try_lock() {
            Ok(mut held) => f(&mut held),
            // A panic left it (and its invariants, such as buffers kept zeroed) half
            // done, or nested work holds it: a fresh one.
            Err(_) => f(&mut T::default()),
        }
    }

    /// Every slot, between parallel loops.
    pub(crate) fn each(&mut self, mut f: impl FnMut(&mut T)) {
        for slot in &mut self.slots {
            let slot = slot.get_mut().unwrap_or_else(|e| e.into_inner());
            f(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn nested_parallel_work_does_not_wait_on_its_own_thread() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut slots: PerThread<Vec<usize>> = PerThread::new(2);
        let total: usize = pool.install(|| {
            (0..64)
                .into_par_iter()
                .map(|i| {
                    slots.with(|v| {
                        v.push(i);
                        // Parallel work inside: its items may run on this thread too.
                        (0..8).into_par_iter().map(|j| slots.with(|_| j)).sum::<usize>()
                    })
                })
                .sum()
        });
        assert_eq!(total, 64 * 28);
        // Outer items stolen while their thread waited inside another got fresh
        // slots; the others kept what they pushed.
        let mut kept = 0;
        slots.each(|v| kept += v.len());
        assert!((1..=64).contains(&kept), "{kept}");
    }
}
