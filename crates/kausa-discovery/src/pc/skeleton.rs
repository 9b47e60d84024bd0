use kausa_core::Progress;
use kausa_stats::{CiTest, Scratch};
use rayon::prelude::*;

use super::{Compat, PcParams, SepSets, Skeleton};
use crate::per_thread::{LazyPool, PerThread};
use crate::subsets::next_combination;
use crate::{Error, Knowledge, Result};

/// What testing one adjacent pair at one level found.
struct PairOutcome {
    removed: bool,
    sepset: Vec<usize>,
    tests: u64,
}

/// Visits the subsets of `items` of size `k` in lexicographic order of positions,
/// stopping when `f` returns `Ok(true)`.
fn for_each_subset(
    items: &[usize],
    k: usize,
    buf: &mut Vec<usize>,
    mut f: impl FnMut(&[usize]) -> Result<bool>,
) -> Result<()> {
    let n = items.len();
    if k > n {
        return Ok(());
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        buf.clear();
        buf.extend(idx.iter().map(|&i| items[i]));
        if f(buf)? || !next_combination(&mut idx, n) {
            return Ok(());
        }
    }
}

/// What testing a share of one level's pairs found (pairs by their index in the level).
#[derive(Default)]
struct Found {
    tests: u64,
    removed: Vec<u32>,
    sets: Vec<(u32, Vec<usize>)>,
    /// The failure of the lowest-numbered pair, so the error does not depend on threads.
    error: Option<(usize, Error)>,
}

impl Found {
    fn merge(mut self, other: Found) -> Found {
        self.tests += other.tests;
        self.removed.extend(other.removed);
        self.sets.extend(other.sets);
        if let Some((j, e)) = other.error
            && self.error.as_ref().is_none_or(|(i, _)| j < *i)
        {
            self.error = Some((j, e));
        }
        self
    }
}

/// Buffers one worker reuses from pair to pair.
#[derive(Default)]
struct Workspace {
    scratch: Scratch,
    buf: Vec<usize>,
    x_side: Vec<usize>,
    y_side: Vec<usize>,
    /// Pairs done but not yet reported to the progress sink.
    unreported: u64,
}

/// Tests the pair `(x, y)` at level `level` from both sides.
fn test_pair(
    test: &dyn CiTest,
    params: &PcParams,
    x: usize,
    y: usize,
    nx: &[usize],
    ny: &[usize],
    level: usize,
    work: &mut Workspace,
) -> Result<PairOutcome> {
    let alpha = params.alpha;
    let mut out = PairOutcome { removed: false, sepset: Vec::new(), tests: 0 };
    if level == 0 {
        // One test with the empty set, the same in both conventions.
        out.tests = 1;
        out.removed = test.accepts(x, y, &[], alpha, params.compat == Compat::Pcalg, &mut work.scratch)?;
        return Ok(out);
    }
    let Workspace { scratch, buf, x_side, y_side, .. } = work;
    x_side.clear();
    x_side.extend(nx.iter().copied().filter(|&v| v != y));
    y_side.clear();
    y_side.extend(ny.iter().copied().filter(|&v| v != x));
    let (x_side, y_side) = (&*x_side, &*y_side);
    // A subset of x's side was already tested from there; the answer would repeat.
    let tested_from_x = |s: &[usize]| s.iter().all(|v| x_side.binary_search(v).is_ok());
    match params.compat {
        Compat::Pcalg => {
            for (a, b, side, skip_seen) in [(x, y, x_side, false), (y, x, y_side, true)] {
                for_each_subset(side, level, buf, |s| {
                    if skip_seen && tested_from_x(s) {
                        return Ok(false);
                    }
                    out.tests += 1;
                    if test.accepts(a, b, s, alpha, true, scratch)? {
                        out.removed = true;
                        out.sepset = s.to_vec();
                        return Ok(true);
                    }
                    Ok(false)
                })?;
                if out.removed {
                    break;
                }
            }
        }
        Compat::CausalLearn => {
            let mut union: Vec<usize> = Vec::new();
            for (a, b, side, skip_seen) in [(x, y, x_side, false), (y, x, y_side, true)] {
                for_each_subset(side, level, buf, |s| {
                    if skip_seen && tested_from_x(s) {
                        return Ok(false);
                    }
                    out.tests += 1;
                    if test.accepts(a, b, s, alpha, false, scratch)? {
                        out.removed = true;
                        union.extend_from_slice(s);
                    }
                    Ok(false)
                })?;
            }
            union.sort_unstable();
            union.dedup();
            out.sepset = union;
        }
    }
    Ok(out)
}

/// Levels with fewer tests than this to make (at most; early exits make fewer)
/// run on the calling thread unless the pool is already started: starting
/// threads and handing them work would cost more.
const PARALLEL_TESTS: u64 = 256;

/// `n` choose `k`, saturating.
fn subsets_of(n: usize, k: usize) -> u64 {
    if k > n {
        return 0;
    }
    // C(n, i)·(n − i) is divisible by i + 1, so every step is exact.
    (0..k.min(n - k))
        .try_fold(1u64, |c, i| c.checked_mul((n - i) as u64).map(|m| m / (i as u64 + 1)))
        .unwrap_or(u64::MAX)
}

/// The skeleton phase of PC-stable, on `pool`'s threads where a level has work enough.
pub(crate) fn run(
    test: &dyn CiTest,
    params: &PcParams,
    knowledge: Option<&Knowledge>,
    lazy: &LazyPool,
    progress: &dyn Progress,
) -> Result<Skeleton> {
    let p = test.n_vars();
    let mut adj = vec![true; p * p];
    (0..p).for_each(|i| adj[i * p + i] = false);
    let mut locked = vec![false; p * p];
    if let Some(k) = knowledge {
        for a in 0..p {
            for b in 0..p {
                if a == b {
                    continue;
                }
                if k.is_forbidden(a, b) && k.is_forbidden(b, a) {
                    adj[a * p + b] = false;
                }
                if k.is_required(a, b) {
                    locked[a * p + b] = true;
                    locked[b * p + a] = true;
                }
            }
        }
    }
    // One workspace per thread, kept from level to level.
    let mut workspaces: PerThread<Workspace> = PerThread::new(lazy.threads());
    let mut degree: Vec<usize> = (0..p).map(|x| (0..p).filter(|&y| adj[x * p + y]).count()).collect();
    let mut sepsets = SepSets::new(p);
    let mut n_tests = 0u64;
    let mut level = 0usize;
    let mut max_level = 0usize;
    loop {
        if params.max_depth.is_some_and(|m| level > m) {
            break;
        }
        // Level 0 tests the empty set only: it needs no neighbour lists.
        let row = |x: usize| -> Vec<usize> {
            if level == 0 { Vec::new() } else { (0..p).filter(|&y| adj[x * p + y]).collect() }
        };
        let pool = lazy.when(p >= 256)?;
        let nbrs: Vec<Vec<usize>> = match pool {
            Some(pool) if p >= 256 && level > 0 => pool.install(|| (0..p).into_par_iter().map(row).collect()),
            _ => (0..p).map(row).collect(),
        };
        // Pairs with something to test at this level, in order.
        let (a, l, d) = (&adj, &locked, &degree);
        let row_pairs = |x: usize| {
            (x + 1..p)
                .filter(move |&y| a[x * p + y] && !l[x * p + y])
                .filter(move |&y| d[x] > level || d[y] > level)
                .map(move |y| (x, y))
        };
        let pairs: Vec<(usize, usize)> = match pool {
            Some(pool) if p >= 256 => pool.install(|| (0..p).into_par_iter().flat_map_iter(row_pairs).collect()),
            _ => (0..p).flat_map(row_pairs).collect(),
        };
        if pairs.is_empty() {
            break;
        }
        // Each side of a pair tests the subsets of its other neighbours of the level's size.
        let most = |x: usize| subsets_of(nbrs[x].len().saturating_sub(1), level);
        let tests = if level == 0 {
            pairs.len() as u64
        } else {
            pairs.iter().fold(0u64, |t, &(x, y)| t.saturating_add(most(x)).saturating_add(most(y)))
        };
        let pool = lazy.when(tests >= PARALLEL_TESTS)?;
        max_level = level;
        progress.stage(&format!("PC level {level}"), Some(pairs.len() as u64));
        // Progress is reported in batches: a shared counter touched per pair costs more than the test.
        let reported = std::sync::atomic::AtomicU64::new(0);
        // Results are folded compactly (indices of removed pairs, non-empty separating sets only):
        // one big result vector per level would spend the parallel time in page faults.
        let step = |mut acc: Found, ws: &mut Workspace, i: usize| -> Found {
            let (x, y) = pairs[i];
            match test_pair(test, params, x, y, &nbrs[x], &nbrs[y], level, ws) {
                Ok(outcome) => {
                    acc.tests += outcome.tests;
                    if outcome.removed {
                        acc.removed.push(i as u32);
                        if !outcome.sepset.is_empty() {
                            acc.sets.push((i as u32, outcome.sepset));
                        }
                    }
                }
                Err(e) => {
                    if acc.error.as_ref().is_none_or(|(j, _)| i < *j) {
                        acc.error = Some((i, e));
                    }
                }
            }
            ws.unreported += 1;
            if ws.unreported == 256 {
                progress.advance(256);
                reported.fetch_add(256, std::sync::atomic::Ordering::Relaxed);
                ws.unreported = 0;
            }
            acc
        };
        workspaces.each(|ws| ws.unreported = 0);
        let workspaces = &workspaces;
        let mut found = match pool {
            None => workspaces.with(|ws| (0..pairs.len()).fold(Found::default(), |acc, i| step(acc, ws, i))),
            // Level 0: many pairs of one cheap test each, in fixed chunks (rayon's
            // adaptive splitting spent more on splitting and merging than on tests).
            Some(pool) if level == 0 => pool.install(|| {
                const CHUNK: usize = 8192;
                let parts: Vec<Found> = (0..pairs.len().div_ceil(CHUNK))
                    .into_par_iter()
                    .map(|c| {
                        let rows = c * CHUNK..((c + 1) * CHUNK).min(pairs.len());
                        workspaces.with(|ws| rows.fold(Found::default(), |acc, i| step(acc, ws, i)))
                    })
                    .collect();
                parts.into_iter().fold(Found::default(), Found::merge)
            }),
            Some(pool) => pool.install(|| {
                (0..pairs.len())
                    .into_par_iter()
                    .fold(Found::default, |acc, i| workspaces.with(|ws| step(acc, ws, i)))
                    .reduce(Found::default, Found::merge)
            }),
        };
        progress.advance(pairs.len() as u64 - reported.load(std::sync::atomic::Ordering::Relaxed));
        if let Some((_, e)) = found.error {
            return Err(e);
        }
        n_tests += found.tests;
        found.removed.sort_unstable();
        found.sets.sort_unstable_by_key(|&(i, _)| i);
        let mut sets = found.sets.into_iter().peekable();
        for i in found.removed {
            let (x, y) = pairs[i as usize];
            adj[x * p + y] = false;
            adj[y * p + x] = false;
            degree[x] -= 1;
            degree[y] -= 1;
            let set =
                if sets.peek().is_some_and(|&(j, _)| j == i) { sets.next().expect("peeked").1 } else { Vec::new() };
            sepsets.insert(x, y, set);
        }
        level += 1;
        // Another level only if some node keeps more than `level` neighbours.
        if !(0..p).any(|x| degree[x] > level) {
            break;
        }
    }
    Ok(Skeleton { p, adj, sepsets, n_tests, max_level })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_counts() {
        assert_eq!([subsets_of(5, 0), subsets_of(5, 2), subsets_of(5, 5), subsets_of(3, 4)], [1, 10, 1, 0]);
        assert_eq!(subsets_of(40, 20), 137_846_528_820);
        assert_eq!(subsets_of(200, 100), u64::MAX);
    }

    #[test]
    fn subsets_in_lexicographic_order() {
        let mut seen = Vec::new();
        let mut buf = Vec::new();
        for_each_subset(&[3, 5, 7, 9], 2, &mut buf, |s| {
            seen.push(s.to_vec());
            Ok(false)
        })
        .unwrap();
        assert_eq!(seen, vec![vec![3, 5], vec![3, 7], vec![3, 9], vec![5, 7], vec![5, 9], vec![7, 9]]);
        let mut count = 0;
        for_each_subset(&[1, 2, 3], 0, &mut buf, |s| {
            assert!(s.is_empty());
            count += 1;
            Ok(false)
        })
        .unwrap();
        assert_eq!(count, 1);
        for_each_subset(&[1, 2], 3, &mut buf, |_| panic!("no subset of size 3")).unwrap();
        let mut first = None;
        for_each_subset(&[1, 2, 3], 1, &mut buf, |s| {
            first = Some(s.to_vec());
            Ok(true)
        })
        .unwrap();
        assert_eq!(first, Some(vec![1]));
    }
}
