//! Steps that must run one after another, run in parallel by speculation.
//!
//! FCI's Possible-D-SEP step visits edges in order, and removing one edge changes
//! what later edges test. Removals are rare, so later edges are tried in
//! parallel against the current graph; their trials are committed in order up to
//! the first that changes the graph, and the ones after it are tried again on
//! the new graph. The committed trials are exactly those a sequential run makes,
//! so the answer does not depend on the number of threads.

use kausa_stats::Scratch;
use rayon::prelude::*;

use crate::Result;
use crate::per_thread::PerThread;

/// Runs `trial` for the items `0..n` as if one at a time in order, each seeing the
/// state that the commits of the items before it left.
///
/// - `trial(state, i, scratch)` tries item `i` against `state` and must not
///   depend on anything else (the scratch is working memory only);
/// - `commit(state, i, outcome)` applies it, returning whether it changed what
///   later trials read (then they are tried again);
/// - `spare(state, outcome)` receives a trial that ran against a state that
///   changed before its turn (to keep what stays valid, such as p-values).
///
/// On one thread (`pool` is `None`) each trial is committed before the next runs.
/// With a pool, trials run in windows of growing size (twice the threads at
/// first, doubling while no commit changes the state).
pub(crate) fn in_order<S: Sync, T: Send>(
    pool: Option<&rayon::ThreadPool>,
    state: &mut S,
    n: usize,
    trial: impl Fn(&S, usize, &mut Scratch) -> T + Sync,
    mut commit: impl FnMut(&mut S, usize, T) -> Result<bool>,
    mut spare: impl FnMut(&mut S, T),
) -> Result<()> {
    let Some(pool) = pool else {
        let mut scratch = Scratch::default();
        for i in 0..n {
            let outcome = trial(state, i, &mut scratch);
            commit(state, i, outcome)?;
        }
        return Ok(());
    };
    // One scratch per worker, kept from window to window.
    let scratches: PerThread<Scratch> = PerThread::new(pool.current_num_threads());
    let first_window = 2 * pool.current_num_threads().max(1);
    let (mut start, mut window) = (0, first_window);
    while start < n {
        let end = (start + window).min(n);
        let shared: &S = state;
        let outcomes: Vec<T> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .with_max_len(1)
                .map(|i| scratches.with(|scratch| trial(shared, i, scratch)))
                .collect()
        });
        let mut next = end;
        let mut outcomes = outcomes.into_iter().enumerate();
        for (k, outcome) in outcomes.by_ref() {
            if commit(state, start + k, outcome)? {
                next = start + k + 1;
                break;
            }
        }
        for (_, outcome) in outcomes {
            spare(state, outcome);
        }
        window = if next == end { 2 * window } else { first_window };
        start = next;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state-dependent sequence: item i "removes" itself (changes the state) when
    /// its value, plus the number of removals so far, is divisible by 3.
    fn run(pool: Option<&rayon::ThreadPool>, n: usize) -> (Vec<(usize, usize)>, usize) {
        let mut state = (Vec::new(), 0usize);
        let mut spared = 0;
        in_order(
            pool,
            &mut state,
            n,
            |s, i, _| (i, (i * 7 + s.1) % 3 == 0),
            |s, i, (j, removes)| {
                assert_eq!(i, j);
                if removes {
                    s.0.push((i, s.1));
                    s.1 += 1;
                }
                Ok(removes)
            },
            |_, _| spared += 1,
        )
        .unwrap();
        (state.0, spared)
    }

    #[test]
    fn speculative_runs_commit_what_a_sequential_run_does() {
        let (seq, spared) = run(None, 200);
        assert_eq!(spared, 0);
        assert!(seq.len() > 20, "the state changes often: {}", seq.len());
        for threads in [2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (par, spared) = run(Some(&pool), 200);
            assert_eq!(par, seq, "{threads} threads");
            assert!(spared > 0, "later trials were redone after a change");
        }
    }
}
