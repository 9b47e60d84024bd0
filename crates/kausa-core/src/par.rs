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

    /// `f(scratch, i, item)` for every item, on this setting's threads: for work
    /// that writes disjoint parts of one output (each item owns its part). A
    /// scratch made by `init` serves many items in turn (rayon makes one per
    /// piece of work it splits off, a few per thread), so the output must not
    /// depend on what an earlier item left in it.
    pub fn each_with<T: Send, S>(
        self,
        items: Vec<T>,
        init: impl Fn() -> S + Sync + Send,
        f: impl Fn(&mut S, usize, T) + Sync + Send,
    ) -> Result<(), String> {
        use rayon::prelude::*;
        match self.pool()? {
            None => {
                let mut scratch = init();
                items.into_iter().enumerate().for_each(|(i, t)| f(&mut scratch, i, t));
            }
            Some(pool) => {
                pool.install(|| items.into_par_iter().enumerate().for_each_init(&init, |s, (i, t)| f(s, i, t)))
            }
        }
        Ok(())
    }

    /// The number of threads this setting allows.
    pub fn degree(self) -> usize {
        match self {
            Par::Seq => 1,
            Par::Threads(n) => n.get(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item writes its own part exactly once, whatever the thread count.
    #[test]
    fn each_with_fills_every_part_once() {
        for par in [Par::Seq, Par::threads(2), Par::threads(3)] {
            let mut out = vec![0usize; 1000];
            let parts: Vec<&mut [usize]> = out.chunks_mut(7).collect();
            par.each_with(parts, || (), |_, i, part| part.iter_mut().for_each(|x| *x += i + 1)).unwrap();
            assert!(out.iter().enumerate().all(|(k, &x)| x == k / 7 + 1), "{par:?}");
        }
    }
}
