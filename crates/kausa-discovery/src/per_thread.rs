//! Working memory kept per pool thread across parallel loops.

use std::sync::Mutex;

/// One `T` per thread of a pool, reused by every item that thread runs (a fresh
/// one per share of a loop would fault in and zero its buffers again).
pub(crate) struct PerThread<T> {
    slots: Vec<Mutex<T>>,
}

impl<T: Default + Send> PerThread<T> {
    /// Slots for a pool (one slot for the caller's thread when `None`).
    pub(crate) fn new(pool: Option<&rayon::ThreadPool>) -> PerThread<T> {
        let n = pool.map_or(1, |p| p.current_num_threads().max(1));
        PerThread { slots: (0..n).map(|_| Mutex::new(T::default())).collect() }
    }

    /// Runs `f` with the current thread's `T`. Should `f` itself run parallel
    /// work that lands on this thread (a test using rayon inside), the nested
    /// item gets a fresh `T` instead of waiting on its own thread's.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let i = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        match self.slots[i].try_lock() {
            Ok(mut held) => f(&mut held),
            Err(std::sync::TryLockError::Poisoned(e)) => f(&mut e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => f(&mut T::default()),
        }
    }

    /// Every slot, between parallel loops.
    pub(crate) fn each(&mut self, mut f: impl FnMut(&mut T)) {
        for slot in &mut self.slots {
            f(slot.get_mut().unwrap_or_else(|e| e.into_inner()));
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
        let mut slots: PerThread<Vec<usize>> = PerThread::new(Some(&pool));
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
