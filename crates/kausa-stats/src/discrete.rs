use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use kausa_core::{Column, Dataset, WordHash};

use crate::special::chi2_sf;
use crate::{CiTest, Result, Scratch, Semantics, StatsError};

/// Category codes of discrete columns: the data of the G² and χ² tests.
#[derive(Debug, Clone)]
pub struct DiscreteData {
    n: usize,
    cards: Vec<usize>,
    codes: Vec<Vec<u32>>,
    /// The same codes as bitsets, for counting small tables: built on first use,
    /// `None` when too large.
    bits: OnceLock<Option<LevelBits>>,
    /// The distinct rows over all columns with their multiplicities, built on
    /// first use: `None` when they are more than half the rows.
    distinct: OnceLock<Option<RowView>>,
    /// Tells this data from other data in a caller's scratch (its cached keys and
    /// view); a clone, being the same data, keeps it.
    id: u64,
}

impl DiscreteData {
    /// Takes every column of `data`, which must all be discrete.
    pub fn from_dataset(data: &Dataset, test: &'static str) -> Result<DiscreteData> {
        let mut cards = Vec::with_capacity(data.n_cols());
        let mut codes = Vec::with_capacity(data.n_cols());
        for (j, c) in data.columns().iter().enumerate() {
            match c {
                Column::Discrete { codes: cs, levels, .. } => {
                    cards.push(levels.len());
                    codes.push(cs.clone());
                }
                Column::Continuous { .. } => {
                    return Err(StatsError::WrongKind {
                        column: j,
                        test,
                        reason: "it is continuous; the test needs discrete columns",
                    });
                }
            }
        }
        Ok(DiscreteData::new(data.n_rows(), cards, codes))
    }

    fn new(n: usize, cards: Vec<usize>, codes: Vec<Vec<u32>>) -> DiscreteData {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        DiscreteData { n, cards, codes, bits: OnceLock::new(), distinct: OnceLock::new(), id }
    }

    /// The bitsets, built on first use (the score-based searches never ask).
    fn bits(&self) -> Option<&LevelBits> {
        self.bits.get_or_init(|| LevelBits::new(self.n, &self.cards, &self.codes)).as_ref()
    }

    /// The distinct rows over all columns, built on first use (data with few
    /// columns or strong dependence repeat whole rows: every count may visit each
    /// once, with its multiplicity).
    fn distinct(&self) -> Option<&RowView> {
        self.distinct
            .get_or_init(|| {
                let all: Vec<usize> = (0..self.cards.len()).collect();
                // On many rows, the first few thousand tell cheaply whether rows
                // repeat at all: mostly distinct there, the view is not tried.
                const SAMPLE: usize = 4096;
                if self.n > 4 * SAMPLE && self.distinct_in_first(&all, SAMPLE)? > SAMPLE / 2 {
                    return None;
                }
                self.view(&all, WHOLE_DATA_VIEW)
            })
            .as_ref()
    }

    /// Discrete data from codes: `codes[j][i] < cards[j]` for every column `j`, all columns of one length.
    pub fn from_codes(codes: Vec<Vec<u32>>, cards: Vec<usize>) -> Result<DiscreteData> {
        let n = codes.first().map_or(0, Vec::len);
        if codes.len() != cards.len() {
            return Err(StatsError::Internal(format!("{} columns but {} level counts", codes.len(), cards.len())));
        }
        for (j, (col, &card)) in codes.iter().zip(&cards).enumerate() {
            if col.len() != n || col.iter().any(|&c| c as usize >= card) {
                return Err(StatsError::Internal(format!("column {j}: wrong length or a code beyond {card} levels")));
            }
        }
        Ok(DiscreteData::new(n, cards, codes))
    }

    /// Number of rows.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The codes of column `j`.
    pub fn column(&self, j: usize) -> &[u32] {
        &self.codes[j]
    }

    /// Number of levels of each column.
    pub fn cards(&self) -> &[usize] {
        &self.cards
    }
}

/// The rows a count runs over: the data's, or a view's distinct rows with their
/// multiplicities.
#[derive(Clone, Copy)]
struct Rows<'a> {
    /// Codes indexed by variable (a view holds only its own variables').
    codes: &'a [Vec<u32>],
    n: usize,
    weights: Option<&'a [u32]>,
    /// Whose rows: the data's id, and 0 for all its rows or a view's number
    /// (together they key the prefix cache).
    source: (u64, u64),
}

impl DiscreteData {
    fn rows(&self) -> Rows<'_> {
        Rows { codes: &self.codes, n: self.n, weights: None, source: (self.id, 0) }
    }

    /// The mixed-radix key on `vars` (which must fit in `K`) of each of the first `rows` rows.
    fn keys<K: From<u64> + std::ops::Mul<Output = K> + std::ops::Add<Output = K> + Copy>(
        &self,
        vars: &[usize],
        rows: usize,
    ) -> Vec<K> {
        let mut keys = vec![K::from(0); rows];
        for &v in vars {
            let card = K::from(self.cards[v] as u64);
            for (k, &c) in keys.iter_mut().zip(&self.codes[v][..rows]) {
                *k = *k * card + K::from(c as u64);
            }
        }
        keys
    }

    /// How many of the first `rows` rows are distinct on `vars`; `None` past 128-bit keys.
    fn distinct_in_first(&self, vars: &[usize], rows: usize) -> Option<usize> {
        vars.iter().try_fold(1u128, |r, &v| r.checked_mul(self.cards[v] as u128))?;
        let mut keys = self.keys::<u128>(vars, rows.min(self.n));
        keys.sort_unstable();
        keys.dedup();
        Some(keys.len())
    }

    /// The distinct rows of the data on the variables `vars` (ascending), with
    /// how often each occurs; `None` when they are more than half the rows (no gain).
    fn view(&self, vars: &[usize], generation: u64) -> Option<RowView> {
        // Mixed-radix keys of the rows on vars; past 128 bits the view is not made.
        let radix = vars.iter().try_fold(1u128, |r, &v| r.checked_mul(self.cards[v] as u128))?;
        let (mut first, mut weights) = (Vec::new(), Vec::<u32>::new());
        // Files a row under its key's slot; false once the distinct rows are
        // more than half the rows (the view would not pay: stop early).
        let half = self.n / 2;
        let mut slot = |i: usize, j: &mut u32| {
            if *j == u32::MAX {
                *j = weights.len() as u32;
                first.push(i);
                weights.push(0);
            }
            weights[*j as usize] += 1;
            weights.len() <= half
        };
        let few = if radix <= VIEW_DENSE_KEYS {
            // Few possible keys: a slot per key, no hashing.
            let keys = self.keys::<u64>(vars, self.n);
            let mut index = vec![u32::MAX; radix as usize];
            keys.iter().enumerate().all(|(i, &k)| slot(i, &mut index[k as usize]))
        } else if radix <= u64::MAX as u128 {
            hashed_slots(&self.keys::<u64>(vars, self.n), &mut slot)
        } else {
            hashed_slots(&self.keys::<u128>(vars, self.n), &mut slot)
        };
        if !few {
            return None;
        }
        let mut codes = vec![Vec::new(); self.codes.len()];
        for &v in vars {
            codes[v] = first.iter().map(|&i| self.codes[v][i]).collect();
        }
        Some(RowView { vars: vars.to_vec(), codes, weights, source: (self.id, generation) })
    }
}

/// Files each row `i` (of key `keys[i]`) by `slot(i, its key's slot)`, the slots
/// in a hash table; stops at the first `false`, which it returns.
fn hashed_slots<K: std::hash::Hash + Eq + Copy>(keys: &[K], slot: &mut impl FnMut(usize, &mut u32) -> bool) -> bool {
    let mut index: HashMap<K, u32, WordHash> = HashMap::with_capacity_and_hasher(keys.len() / 8, WordHash::default());
    keys.iter().enumerate().all(|(i, &k)| slot(i, index.entry(k).or_insert(u32::MAX)))
}

/// The view number of [`DiscreteData::distinct`] (focused views count up from 1).
const WHOLE_DATA_VIEW: u64 = u64::MAX;

/// Views over at most this many possible value combinations index them directly.
const VIEW_DENSE_KEYS: u128 = 1 << 16;

/// The distinct rows of the data on a set of variables, with their multiplicities:
/// a count over it gives the data's table with fewer rows to visit.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowView {
    vars: Vec<usize>,
    codes: Vec<Vec<u32>>,
    weights: Vec<u32>,
    /// The data's id and the view's number.
    source: (u64, u64),
}

impl RowView {
    /// Whether the view is of `data` and holds every variable of the test.
    fn covers(&self, data: &DiscreteData, x: usize, y: usize, s: &[usize]) -> bool {
        self.source.0 == data.id && [x, y].iter().chain(s).all(|v| self.vars.binary_search(v).is_ok())
    }

    fn rows(&self) -> Rows<'_> {
        Rows { codes: &self.codes, n: self.weights.len(), weights: Some(&self.weights), source: self.source }
    }
}

/// Counts `n_{s,x,y}` of the observed strata `s` of a conditioning set.
///
/// Strata with no observation are not stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ContingencyTable {
    /// Levels of `x`.
    pub cx: usize,
    /// Levels of `y`.
    pub cy: usize,
    /// `strata × cx × cy` counts, stratum-major.
    pub counts: Vec<u32>,
}

impl ContingencyTable {
    /// Counts the table of `x`, `y` given `s`.
    ///
    /// Small tables are counted on bitsets (one AND and popcount per 64 rows and
    /// cell), larger ones in one pass over the rows, or over distinct rows with
    /// their multiplicities (a focused view, or the whole data's where those are
    /// few) when that costs less; every way gives the same table.
    pub fn count(data: &DiscreteData, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> ContingencyTable {
        let cells =
            s.iter().try_fold((1 + data.cards[x] * data.cards[y]) as u64, |r, &v| r.checked_mul(data.cards[v] as u64));
        // A row of a view costs about as much as eight words of bitsets.
        let bitset_words = cells.filter(|&c| c <= BITSET_CELLS).map(|c| c as usize * data.n.div_ceil(64));
        let view_pays = |view: &RowView| bitset_words.is_none_or(|w| 8 * view.weights.len() < w);
        // A view of the distinct rows on a superset of the test's variables (see
        // DiscreteTest's focus) serves unless the bitsets cost less.
        if let Some(view) = scratch.view.take() {
            let table = (view.covers(data, x, y, s) && view_pays(&view))
                .then(|| ContingencyTable::count_rows(&data.cards, view.rows(), x, y, s, scratch));
            scratch.view = Some(view);
            if let Some(table) = table {
                return table;
            }
        }
        // Then the data's own distinct rows, where they are few.
        if let Some(view) = data.distinct()
            && view_pays(view)
        {
            return ContingencyTable::count_rows(&data.cards, view.rows(), x, y, s, scratch);
        }
        if cells.is_some_and(|c| c <= BITSET_CELLS)
            && let Some(bits) = data.bits()
        {
            return ContingencyTable::count_bits(data, bits, x, y, s, scratch);
        }
        ContingencyTable::count_rows(&data.cards, data.rows(), x, y, s, scratch)
    }

    /// The bitset count: the rows of each stratum of `s` as the AND of its levels'
    /// bitsets, built depth first in key order and pruned where empty, then each
    /// cell's count as the popcount of stratum ∧ x-level ∧ y-level.
    fn count_bits(
        data: &DiscreteData,
        bits: &LevelBits,
        x: usize,
        y: usize,
        s: &[usize],
        scratch: &mut Scratch,
    ) -> ContingencyTable {
        let (cx, cy) = (data.cards[x], data.cards[y]);
        let counts = scratch.spare_table();
        let buf = &mut scratch.bits;
        buf.clear();
        buf.resize(s.len() * bits.words, 0);
        let job = BitCount { bits, cards: &data.cards, x, y, s, buf, counts };
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = VectorPopcount::try_new() {
            let counts = simd.vectorize(move || job.run());
            return ContingencyTable { cx, cy, counts };
        }
        let counts = pulp::Arch::new().dispatch(job);
        ContingencyTable { cx, cy, counts }
    }

    /// Counts the table of `x`, `y` given `s` in one pass over the rows (each
    /// counting `weight` times).
    fn count_rows(
        cards: &[usize],
        rows: Rows<'_>,
        x: usize,
        y: usize,
        s: &[usize],
        scratch: &mut Scratch,
    ) -> ContingencyTable {
        match rows.weights {
            None => ContingencyTable::count_rows_with(cards, rows, x, y, s, scratch, |_| 1),
            Some(w) => ContingencyTable::count_rows_with(cards, rows, x, y, s, scratch, |i| w[i]),
        }
    }

    fn count_rows_with(
        cards: &[usize],
        rows: Rows<'_>,
        x: usize,
        y: usize,
        s: &[usize],
        scratch: &mut Scratch,
        weight: impl Fn(usize) -> u32 + Copy,
    ) -> ContingencyTable {
        let (cx, cy) = (cards[x], cards[y]);
        let cell = cx * cy;
        let (n, codes) = (rows.n, rows.codes);
        let (xs, ys) = (&codes[x][..n], &codes[y][..n]);
        if s.is_empty() {
            let mut counts = scratch.spare_table();
            counts.resize(cell, 0);
            for i in 0..n {
                counts[xs[i] as usize * cy + ys[i] as usize] += weight(i);
            }
            return ContingencyTable { cx, cy, counts };
        }
        // Mixed-radix stratum key of every row, by Horner's rule over s (the last
        // variable varies fastest). Subsets come in lexicographic order, so the key
        // of s minus its last variable is kept in the scratch and reused (for the
        // same rows: the full data, or one view of it).
        let radix: Option<u64> = s.iter().try_fold(1u64, |r, &v| r.checked_mul(cards[v] as u64));
        let (head, last) = s.split_at(s.len() - 1);
        if scratch.prefix_set.as_slice() != head || scratch.prefix_keys.len() != n || scratch.prefix_rows != rows.source
        {
            let pk = &mut scratch.prefix_keys;
            pk.clear();
            pk.resize(n, 0);
            for &v in head {
                pulp::Arch::new().dispatch(Horner { keys: pk, card: cards[v] as u64, codes: &codes[v][..n] });
            }
            scratch.prefix_set.clear();
            scratch.prefix_set.extend_from_slice(head);
            scratch.prefix_rows = rows.source;
        }
        let (card, lc) = (cards[last[0]] as u64, &codes[last[0]][..n]);
        if let Some(size) = radix.and_then(|r| r.checked_mul(cell as u64)).filter(|&z| z <= (2 * n).max(1 << 12) as u64)
        {
            return ContingencyTable::count_small(scratch, cx, cy, size as usize, card, lc, xs, ys, weight);
        }
        let keys = &mut scratch.u;
        keys.clear();
        keys.extend(scratch.prefix_keys.iter().zip(lc).map(|(k, &c)| k.wrapping_mul(card).wrapping_add(c as u64)));
        let dense_limit = (4 * n).max(1 << 12) as u64;
        match radix {
            Some(strata) if strata <= dense_limit => {
                // Count into a zeroed buffer kept in the scratch, noting the strata touched;
                // only those are copied out (in key order) and cleared again.
                let strata = strata as usize;
                let mut out = scratch.spare_table();
                let Scratch { counts, seen, touched, u: keys, .. } = scratch;
                if counts.len() < strata * cell {
                    counts.resize(strata * cell, 0);
                }
                if seen.len() < strata {
                    seen.resize(strata, false);
                }
                touched.clear();
                for i in 0..n {
                    let k = keys[i] as usize;
                    seen[k] = true;
                    counts[k * cell + xs[i] as usize * cy + ys[i] as usize] += weight(i);
                }
                // Strata seen, found by a scan of the flags (cheaper than a branch per row).
                touched.extend((0..strata).filter(|&k| seen[k]));
                for &k in touched.iter() {
                    let chunk = &mut counts[k * cell..(k + 1) * cell];
                    out.extend_from_slice(chunk);
                    chunk.iter_mut().for_each(|c| *c = 0);
                    seen[k] = false;
                }
                ContingencyTable { cx, cy, counts: out }
            }
            _ => {
                // Too many possible strata (or the key overflowed): index the observed
                // ones, in key order so the sums run in the same order as the dense path.
                let order: Vec<usize> = if radix.is_some() {
                    let mut distinct = keys.clone();
                    distinct.sort_unstable();
                    distinct.dedup();
                    let index: HashMap<u64, usize> = distinct.iter().enumerate().map(|(i, &k)| (k, i)).collect();
                    keys.iter().map(|k| index[k]).collect()
                } else {
                    let rows: Vec<Vec<u32>> = (0..n).map(|i| s.iter().map(|&v| codes[v][i]).collect()).collect();
                    let mut distinct = rows.clone();
                    distinct.sort_unstable();
                    distinct.dedup();
                    let index: HashMap<&[u32], usize> =
                        distinct.iter().enumerate().map(|(i, k)| (k.as_slice(), i)).collect();
                    rows.iter().map(|k| index[k.as_slice()]).collect()
                };
                let strata = order.iter().max().map_or(0, |m| m + 1);
                let mut counts = vec![0u32; strata * cell];
                for i in 0..n {
                    counts[order[i] * cell + xs[i] as usize * cy + ys[i] as usize] += weight(i);
                }
                ContingencyTable { cx, cy, counts }
            }
        }
    }

    /// The row count for tables of at most about `2n` cells: each row's cell index
    /// straight from its prefix key, its last stratum variable's code (`last`) and
    /// its `x`, `y` codes; even and odd rows count into two tables (so that runs of
    /// one cell do not wait on each other's increments), summed per stratum while
    /// the unobserved strata are dropped.
    #[allow(clippy::too_many_arguments)]
    fn count_small(
        scratch: &mut Scratch,
        cx: usize,
        cy: usize,
        size: usize,
        card: u64,
        last: &[u32],
        xs: &[u32],
        ys: &[u32],
        weight: impl Fn(usize) -> u32,
    ) -> ContingencyTable {
        let cell = cx * cy;
        let mut out = scratch.spare_table();
        let Scratch { counts, prefix_keys, .. } = scratch;
        if counts.len() < 2 * size {
            counts.resize(2 * size, 0);
        }
        let (even, odd) = counts[..2 * size].split_at_mut(size);
        let n = xs.len();
        let (keys, last, ys) = (&prefix_keys[..n], &last[..n], &ys[..n]);
        let index = |i: usize| (keys[i] * card + last[i] as u64) as usize * cell + xs[i] as usize * cy + ys[i] as usize;
        let mut i = 0;
        while i + 1 < n {
            even[index(i)] += weight(i);
            odd[index(i + 1)] += weight(i + 1);
            i += 2;
        }
        if i < n {
            even[index(i)] += weight(i);
        }
        for (e, o) in even.chunks_exact_mut(cell).zip(odd.chunks_exact_mut(cell)) {
            // (A fold rather than `any`: without the early exit it vectorises.)
            if e.iter().zip(o.iter()).fold(0, |a, (p, q)| a | p | q) != 0 {
                out.extend(e.iter().zip(o.iter()).map(|(p, q)| p + q));
                e.fill(0);
                o.fill(0);
            }
        }
        ContingencyTable { cx, cy, counts: out }
    }

    /// Number of observed strata.
    pub fn strata(&self) -> usize {
        self.counts.len() / (self.cx * self.cy)
    }

    /// The statistic and its degrees of freedom.
    ///
    /// With `full_df` the degrees of freedom are `(cx−1)(cy−1)·Π|S|` (pcalg);
    /// otherwise each observed stratum contributes `(cx−1−zero rows)(cy−1−zero columns)`
    /// (causal-learn).
    pub fn statistic(&self, kind: DiscreteTestKind) -> (f64, f64) {
        // Most tables are a few levels by a few: those get a copy of the loop with
        // the shape fixed (margins in registers, loops unrolled).
        macro_rules! shapes {
            ($(($a:literal, $b:literal)),*) => {
                match (self.cx, self.cy) {
                    $(($a, $b) => self.statistic_of::<$a, $b>(kind),)*
                    _ => self.statistic_dyn(kind),
                }
            };
        }
        let (stat, df) = shapes!(
            (2, 2),
            (2, 3),
            (2, 4),
            (2, 5),
            (3, 2),
            (3, 3),
            (3, 4),
            (3, 5),
            (4, 2),
            (4, 3),
            (4, 4),
            (4, 5),
            (5, 2),
            (5, 3),
            (5, 4),
            (5, 5)
        );
        let stat = if kind == DiscreteTestKind::GSquare { 2.0 * stat } else { stat };
        // The rearranged sums can come out a rounding error below zero.
        (stat.max(0.0), df)
    }

    fn statistic_of<const CX: usize, const CY: usize>(&self, kind: DiscreteTestKind) -> (f64, f64) {
        let lookup = Lookup::get(kind);
        let (mut stat, mut df) = (0.0, 0.0);
        let mut inv_col = [0.0; CY];
        for t in self.counts.chunks_exact(CX * CY) {
            let (mut row, mut col) = ([0u64; CX], [0u64; CY]);
            for a in 0..CX {
                for b in 0..CY {
                    let v = t[a * CY + b] as u64;
                    row[a] += v;
                    col[b] += v;
                }
            }
            if let Some((s, d)) = stratum(t, &row, &col, &mut inv_col, kind, lookup) {
                stat += s;
                df += d;
            }
        }
        (stat, df)
    }

    fn statistic_dyn(&self, kind: DiscreteTestKind) -> (f64, f64) {
        let (cx, cy) = (self.cx, self.cy);
        let lookup = Lookup::get(kind);
        let (mut stat, mut df) = (0.0, 0.0);
        let (mut row, mut col, mut inv_col) = (vec![0u64; cx], vec![0u64; cy], vec![0.0; cy]);
        for t in self.counts.chunks_exact(cx * cy) {
            row.fill(0);
            col.fill(0);
            for (r, line) in row.iter_mut().zip(t.chunks_exact(cy)) {
                for (c, &v) in col.iter_mut().zip(line) {
                    *r += v as u64;
                    *c += v as u64;
                }
            }
            if let Some((s, d)) = stratum(t, &row, &col, &mut inv_col, kind, lookup) {
                stat += s;
                df += d;
            }
        }
        (stat, df)
    }
}

/// One stratum's statistic and its causal-learn degrees of freedom
/// `(cx−1−zero rows)(cy−1−zero columns)`, from its cells `t` (row-major) and
/// margins; `None` when it adds nothing to either (at most one non-empty row or
/// column: observed equals expected, exactly, and no degree of freedom). The
/// G² is halved (the caller doubles the sum).
#[inline(always)]
fn stratum(
    t: &[u32],
    row: &[u64],
    col: &[u64],
    inv_col: &mut [f64],
    kind: DiscreteTestKind,
    lookup: Lookup,
) -> Option<(f64, f64)> {
    let (cx, cy) = (row.len(), col.len());
    let zr = row.iter().filter(|&&v| v == 0).count();
    let zc = col.iter().filter(|&&v| v == 0).count();
    if zr + 1 >= cx || zc + 1 >= cy {
        return None;
    }
    let total: u64 = row.iter().sum();
    let tf = total as f64;
    // Both statistics in forms without a division or logarithm per cell, summed
    // over the cells of non-empty rows and columns (the others add nothing):
    // Σ (n − E)²/E = N·Σ n²/(r·k) − N and Σ n ln(n/E) = Σ n ln n − Σ r ln r − Σ k ln k + N ln N.
    let stat = match kind {
        DiscreteTestKind::ChiSquare => {
            // An empty row or column has only zero cells: any finite reciprocal
            // serves it, so none needs a branch.
            for (i, &k) in inv_col.iter_mut().zip(col) {
                *i = lookup.reciprocal(k);
            }
            let mut sum = 0.0;
            for (&r, line) in row.iter().zip(t.chunks_exact(cy)) {
                let mut part = 0.0;
                for (&v, &ik) in line.iter().zip(inv_col.iter()) {
                    let c = v as f64;
                    part += c * c * ik;
                }
                sum += part * lookup.reciprocal(r);
            }
            tf * sum - tf
        }
        DiscreteTestKind::GSquare => {
            let cells: f64 = t.iter().map(|&v| lookup.x_ln_x(v as u64)).sum();
            let margins: f64 = row.iter().chain(col).map(|&v| lookup.x_ln_x(v)).sum();
            cells - margins + lookup.x_ln_x(total)
        }
    };
    Some((stat, ((cx - 1 - zr) * (cy - 1 - zc)) as f64))
}

/// `1/k` and `k ln k` (both 0 for 0) from tables for counts below 2^12 (small enough to
/// stay in cache and to build in microseconds), each
/// built on first use by the statistic that needs it (the other left empty).
#[derive(Clone, Copy)]
struct Lookup {
    reciprocal: &'static [f64],
    x_ln_x: &'static [f64],
}

impl Lookup {
    fn get(kind: DiscreteTestKind) -> Lookup {
        static RECIPROCAL: OnceLock<Vec<f64>> = OnceLock::new();
        static X_LN_X: OnceLock<Vec<f64>> = OnceLock::new();
        let table = |f: fn(f64) -> f64| std::iter::once(0.0).chain((1..1u64 << 12).map(|k| f(k as f64))).collect();
        match kind {
            DiscreteTestKind::ChiSquare => {
                Lookup { reciprocal: RECIPROCAL.get_or_init(|| table(|k| 1.0 / k)), x_ln_x: &[] }
            }
            DiscreteTestKind::GSquare => {
                Lookup { reciprocal: &[], x_ln_x: X_LN_X.get_or_init(|| table(|k| k * k.ln())) }
            }
        }
    }

    #[inline(always)]
    fn reciprocal(self, k: u64) -> f64 {
        self.reciprocal.get(k as usize).copied().unwrap_or_else(|| 1.0 / k as f64)
    }

    #[inline(always)]
    fn x_ln_x(self, k: u64) -> f64 {
        self.x_ln_x.get(k as usize).copied().unwrap_or_else(|| k as f64 * (k as f64).ln())
    }
}

/// Tables whose `Π|S| · (1 + |X|·|Y|)` is at most this are counted on bitsets:
/// that many passes over `n/64` words cost less than one pass over `n` rows.
const BITSET_CELLS: u64 = 512;

/// Bitsets of more words than this (2 GiB) are not built.
const BITSET_WORDS: usize = 1 << 28;

/// Columns of more levels than this never take the bitset count (a table of
/// theirs has more than [`BITSET_CELLS`] cells), so they get no bitsets.
const BITSET_LEVELS: usize = BITSET_CELLS as usize / 2;

/// The rows of every level of every column as bitsets: bit `i` of level `l` of
/// column `j` is set when row `i` has code `l` in column `j`. Bits past the last
/// row are zero.
#[derive(Debug, Clone)]
struct LevelBits {
    /// Words per bitset, `⌈n/64⌉`.
    words: usize,
    /// Index of each column's first level among the bitsets (unused for columns
    /// of more than [`BITSET_LEVELS`] levels, which have none).
    first: Vec<usize>,
    bits: Vec<u64>,
}

impl LevelBits {
    fn new(n: usize, cards: &[usize], codes: &[Vec<u32>]) -> Option<LevelBits> {
        let words = n.div_ceil(64);
        let levels = cards.iter().filter(|&&c| c <= BITSET_LEVELS).sum::<usize>();
        let total = levels.checked_mul(words).filter(|&t| t <= BITSET_WORDS)?;
        let mut bits = vec![0u64; total];
        let mut first = Vec::with_capacity(cards.len());
        let mut at = 0;
        for (col, &card) in codes.iter().zip(cards) {
            first.push(at);
            if card > BITSET_LEVELS {
                continue;
            }
            for (i, &c) in col.iter().enumerate() {
                bits[(at + c as usize) * words + i / 64] |= 1 << (i % 64);
            }
            at += card;
        }
        Some(LevelBits { words, first, bits })
    }

    /// The rows where column `j` has level `l`.
    #[inline(always)]
    fn level(&self, j: usize, l: usize) -> &[u64] {
        let at = (self.first[j] + l) * self.words;
        &self.bits[at..at + self.words]
    }
}

/// [`ContingencyTable::count_bits`] as a `pulp` operation, so that the popcounts
/// compile to the machine's instructions for them.
struct BitCount<'a> {
    bits: &'a LevelBits,
    cards: &'a [usize],
    x: usize,
    y: usize,
    s: &'a [usize],
    /// `s.len()` bitsets: row `d` holds the rows of the current levels of `s[..=d]`.
    buf: &'a mut [u64],
    /// An empty buffer for the counts.
    counts: Vec<u32>,
}

// The macro expands to pulp's `unsafe` calls of functions compiled for these
// features, made only after `try_new` has checked the CPU at run time: the one
// place kausa's own crates contain unsafe code (the workspace forbids it; the
// lint does not look into other crates' macros). pulp checks `avx512vl` with
// `avx512f`; every CPU with `avx512bw`, checked too, has VL.
#[cfg(target_arch = "x86_64")]
pulp::simd_type! {
    /// x86-64 with AVX-512 and its vector popcount (`vpopcntq`, eight words per
    /// instruction), which pulp's `V4` leaves out.
    struct VectorPopcount {
        sse2: "sse2",
        popcnt: "popcnt",
        avx2: "avx2",
        avx512f: "avx512f",
        avx512vl: "avx512vl",
        avx512bw: "avx512bw",
        avx512vpopcntdq: "avx512vpopcntdq",
    }
}

impl pulp::WithSimd for BitCount<'_> {
    type Output = Vec<u32>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<u32> {
        self.run()
    }
}

impl BitCount<'_> {
    /// The count, inlined into each caller so that it compiles with that
    /// caller's instruction set.
    #[inline(always)]
    fn run(self) -> Vec<u32> {
        let BitCount { bits, cards, x, y, s, buf, mut counts } = self;
        let (cx, cy, w) = (cards[x], cards[y], bits.words);
        if s.is_empty() {
            cells(bits, x, y, cx, cy, None, &mut counts);
            return counts;
        }
        // Depth-first over the levels of s, the last variable fastest (key order).
        let k = s.len();
        let mut level = vec![0usize; k];
        let mut d = 0;
        loop {
            if level[d] == cards[s[d]] {
                if d == 0 {
                    return counts;
                }
                d -= 1;
                level[d] += 1;
                continue;
            }
            let (done, rest) = buf.split_at_mut(d * w);
            let row = &mut rest[..w];
            let from = bits.level(s[d], level[d]);
            let mut any = 0u64;
            if d == 0 {
                for (r, &f) in row.iter_mut().zip(from) {
                    *r = f;
                    any |= f;
                }
            } else {
                for ((r, &f), &p) in row.iter_mut().zip(from).zip(&done[(d - 1) * w..]) {
                    *r = f & p;
                    any |= *r;
                }
            }
            if any == 0 {
                level[d] += 1;
            } else if d + 1 == k {
                cells(bits, x, y, cx, cy, Some(row), &mut counts);
                level[d] += 1;
            } else {
                d += 1;
                level[d] = 0;
            }
        }
    }
}

/// One step of Horner's rule over the rows, `key ← key·card + code`, as a `pulp`
/// operation (a vector multiply where the machine has one).
struct Horner<'a> {
    keys: &'a mut [u64],
    card: u64,
    codes: &'a [u32],
}

impl pulp::WithSimd for Horner<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        for (k, &c) in self.keys.iter_mut().zip(self.codes) {
            *k = k.wrapping_mul(self.card).wrapping_add(c as u64);
        }
    }
}

/// Appends the `cx × cy` cell counts of one stratum (all rows when `None`).
/// Inlined into [`BitCount`] so that it compiles with the machine's popcount.
#[inline(always)]
fn cells(bits: &LevelBits, x: usize, y: usize, cx: usize, cy: usize, stratum: Option<&[u64]>, counts: &mut Vec<u32>) {
    for a in 0..cx {
        let xa = bits.level(x, a);
        for b in 0..cy {
            let yb = bits.level(y, b);
            let c: u32 = match stratum {
                None => xa.iter().zip(yb).map(|(&p, &q)| (p & q).count_ones()).sum(),
                Some(t) => t.iter().zip(xa).zip(yb).map(|((&t, &p), &q)| (t & p & q).count_ones()).sum(),
            };
            counts.push(c);
        }
    }
}

/// Which statistic a [`DiscreteTest`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscreteTestKind {
    /// The likelihood-ratio statistic `G² = 2 Σ n log(n / E)`.
    GSquare,
    /// Pearson's `χ² = Σ (n − E)² / E`.
    ChiSquare,
}

/// The G² or χ² test of conditional independence for discrete data.
///
/// Under independence the statistic is asymptotically χ² distributed.
/// The two [`Semantics`] differ in the degrees of freedom:
/// - `Pcalg` (R pcalg `gSquareDis`, `adaptDF = FALSE`): `df = (|X|−1)(|Y|−1)·Π_{s∈S}|s|`,
///   and when `n < 10·df` the test is not trusted and returns `p = 1` (independence).
/// - `CausalLearn`: each observed stratum of `S` contributes
///   `(|X|−1−r₀)(|Y|−1−c₀)` with `r₀`, `c₀` its empty rows and columns; `df = 0` gives `p = 1`.
#[derive(Debug, Clone)]
pub struct DiscreteTest {
    data: DiscreteData,
    kind: DiscreteTestKind,
    semantics: Semantics,
}

impl DiscreteTest {
    /// A test on `data`.
    pub fn new(data: DiscreteData, kind: DiscreteTestKind, semantics: Semantics) -> DiscreteTest {
        DiscreteTest { data, kind, semantics }
    }
}

impl CiTest for DiscreteTest {
    fn n_vars(&self) -> usize {
        self.data.cards.len()
    }

    fn focus(&self, vars: &[usize], scratch: &mut Scratch) {
        scratch.view = None;
        if !vars.is_empty() {
            scratch.views_made += 1;
            scratch.view = self.data.view(vars, scratch.views_made);
        }
    }

    fn n_obs(&self) -> usize {
        self.data.n
    }

    fn name(&self) -> &'static str {
        match self.kind {
            DiscreteTestKind::GSquare => "gsq",
            DiscreteTestKind::ChiSquare => "chisq",
        }
    }

    fn p_value(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> Result<f64> {
        let cards = &self.data.cards;
        match self.semantics {
            Semantics::Pcalg => {
                let df = s.iter().fold(((cards[x] - 1) * (cards[y] - 1)) as f64, |d, &v| d * cards[v] as f64);
                if (self.data.n as f64) < 10.0 * df || df == 0.0 {
                    return Ok(1.0);
                }
                let table = ContingencyTable::count(&self.data, x, y, s, scratch);
                let (stat, _) = table.statistic(self.kind);
                scratch.table = table.counts;
                Ok(chi2_sf(stat, df))
            }
            Semantics::CausalLearn => {
                let table = ContingencyTable::count(&self.data, x, y, s, scratch);
                let (stat, df) = table.statistic(self.kind);
                scratch.table = table.counts;
                if df == 0.0 { Ok(1.0) } else { Ok(chi2_sf(stat, df)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Rng;

    fn data(cols: Vec<Vec<u32>>, cards: Vec<usize>) -> DiscreteData {
        DiscreteData::from_codes(cols, cards).unwrap()
    }

    #[test]
    fn bitset_and_row_counts_are_the_same_table() {
        // Columns of 2–5 levels, one skewed so that many strata are empty, and a
        // row count that is not a multiple of 64.
        let mut rng = Rng::seed_from_u64(11);
        let n = 1000 + 37;
        let cards = vec![2, 3, 5, 2, 4, 3, 7, 6];
        let mut cols: Vec<Vec<u32>> =
            cards.iter().map(|&c| (0..n).map(|_| rng.below(c as u64) as u32).collect()).collect();
        for i in 0..n {
            cols[4][i] = if rng.uniform() < 0.9 { cols[0][i] } else { 3 };
        }
        let d = data(cols, cards);
        let bits = d.bits().unwrap();
        let mut sc = Scratch::default();
        // The row count's three ways: cells indexed straight (up to 2n cells), a
        // dense stratum buffer ([2, 4, 6, 7]: 840 strata), hashed strata
        // ([2, 3, 4, 5, 6, 7]: 5,040 strata, more than 4n).
        let sets: [&[usize]; 9] =
            [&[], &[2], &[4], &[2, 3], &[0, 4, 5], &[2, 4, 5], &[0, 2, 3, 4, 5], &[2, 4, 6, 7], &[2, 3, 4, 5, 6, 7]];
        for (x, y) in [(0, 1), (1, 0), (2, 5), (3, 1)] {
            for s in sets.iter().filter(|s| !s.contains(&x) && !s.contains(&y)) {
                let rows = ContingencyTable::count_rows(&d.cards, d.rows(), x, y, s, &mut sc);
                let bitset = ContingencyTable::count_bits(&d, bits, x, y, s, &mut sc);
                assert_eq!(rows, bitset, "x {x}, y {y}, s {s:?}");
                assert_eq!(rows.counts.iter().sum::<u32>() as usize, n);
                // The distinct rows on the test's variables and one more, with their
                // multiplicities: the same table again, through a focused test too.
                let mut vars: Vec<usize> = [x, y].iter().chain(s.iter()).copied().collect();
                vars.push(if vars.contains(&6) { 1 - x.min(1) } else { 6 });
                vars.sort_unstable();
                vars.dedup();
                if let Some(view) = d.view(&vars, 7) {
                    assert!(view.covers(&d, x, y, s) && view.weights.len() < n);
                    assert_eq!(ContingencyTable::count_rows(&d.cards, view.rows(), x, y, s, &mut sc), rows);
                }
                let test = DiscreteTest::new(d.clone(), DiscreteTestKind::GSquare, Semantics::CausalLearn);
                let plain = test.p_value(x, y, s, &mut Scratch::default()).unwrap();
                let mut focused = Scratch::default();
                test.focus(&vars, &mut focused);
                assert_eq!(test.p_value(x, y, s, &mut focused).unwrap(), plain);
            }
        }
    }

    #[test]
    fn weighted_counts_over_a_view_take_every_way() {
        // Skewed columns of 10 levels: few distinct rows, so views exist, and wide
        // strata keys, so the weighted count runs its straight, dense and hashed ways.
        let mut rng = Rng::seed_from_u64(17);
        let n = 2000;
        let cols: Vec<Vec<u32>> = (0..6)
            .map(|_| (0..n).map(|_| if rng.uniform() < 0.92 { 0 } else { 1 + rng.below(9) as u32 }).collect())
            .collect();
        let d = data(cols, vec![10; 6]);
        let view = d.view(&[0, 1, 2, 3, 4, 5], 1).expect("few distinct rows");
        assert!(view.weights.len() < n / 2 && view.weights.iter().sum::<u32>() as usize == n);
        let mut sc = Scratch::default();
        // The data's own distinct rows serve every count made without a focus.
        let whole = d.distinct().expect("few distinct rows over all columns");
        assert_eq!(whole.weights.len(), view.weights.len());
        for s in [&[2][..], &[2, 3], &[2, 3, 4], &[2, 3, 4, 5]] {
            let full = ContingencyTable::count_rows(&d.cards, d.rows(), 0, 1, s, &mut sc);
            assert_eq!(ContingencyTable::count_rows(&d.cards, view.rows(), 0, 1, s, &mut sc), full, "{s:?}");
            assert_eq!(ContingencyTable::count(&d, 0, 1, s, &mut sc), full, "{s:?}");
        }
        // Data whose rows are mostly distinct get no such view, whether told by
        // all rows or, past 16,384 rows, by the first 4,096; rows that repeat
        // get it either way.
        for rows in [n, 20_000] {
            let spread: Vec<Vec<u32>> =
                (0..4).map(|j| (0..rows).map(|i| ((i >> (4 * j)) % 16) as u32).collect()).collect();
            assert!(data(spread, vec![16; 4]).distinct().is_none(), "{rows} rows");
            let repeated: Vec<Vec<u32>> =
                (0..4).map(|j| (0..rows).map(|i| ((i % 60) >> j) as u32 % 2).collect()).collect();
            let whole = data(repeated, vec![2; 4]);
            assert_eq!(whole.distinct().map(|v| v.weights.iter().sum::<u32>() as usize), Some(rows), "{rows} rows");
        }
        // A view of other data is never used, even over the same variables.
        let other = data(
            vec![vec![0; n]; 6]
                .into_iter()
                .enumerate()
                .map(|(j, c)| c.iter().map(|_| (j % 2) as u32).collect())
                .collect(),
            vec![10; 6],
        );
        assert!(!view.covers(&other, 0, 1, &[2]) && view.covers(&d, 0, 1, &[2]));
    }

    #[test]
    fn rearranged_statistics_equal_the_direct_sums() {
        // Σ (n − E)²/E and 2 Σ n ln(n/E) cell by cell, on random tables with empty
        // cells, rows, columns and strata.
        let mut rng = Rng::seed_from_u64(12);
        for _ in 0..200 {
            let (cx, cy, strata) = (2 + rng.below(4) as usize, 2 + rng.below(4) as usize, 1 + rng.below(6) as usize);
            let counts: Vec<u32> =
                (0..cx * cy * strata).map(|_| if rng.uniform() < 0.3 { 0 } else { rng.below(400) as u32 }).collect();
            let t = ContingencyTable { cx, cy, counts };
            let (mut chi, mut g) = (0.0, 0.0);
            for s in t.counts.chunks(cx * cy) {
                let row = |a: usize| (0..cy).map(|b| s[a * cy + b] as f64).sum::<f64>();
                let col = |b: usize| (0..cx).map(|a| s[a * cy + b] as f64).sum::<f64>();
                let total: f64 = s.iter().map(|&v| v as f64).sum();
                for a in 0..cx {
                    for b in 0..cy {
                        let (n, e) = (s[a * cy + b] as f64, row(a) * col(b) / total);
                        if e > 0.0 {
                            chi += (n - e) * (n - e) / e;
                        }
                        if n > 0.0 {
                            g += 2.0 * n * (n / e).ln();
                        }
                    }
                }
            }
            let (c, _) = t.statistic(DiscreteTestKind::ChiSquare);
            let (h, _) = t.statistic(DiscreteTestKind::GSquare);
            // The copies with the shape fixed sum exactly as the general loop does.
            for kind in [DiscreteTestKind::ChiSquare, DiscreteTestKind::GSquare] {
                let (general, df) = t.statistic_dyn(kind);
                let general = if kind == DiscreteTestKind::GSquare { 2.0 * general } else { general };
                assert_eq!(t.statistic(kind), (general.max(0.0), df), "{kind:?} {cx}x{cy}");
            }
            assert!((c - chi).abs() <= 1e-9 * chi.max(1.0), "{c} vs {chi}");
            assert!((h - g).abs() <= 1e-9 * g.max(1.0), "{h} vs {g}");
        }
    }

    #[test]
    fn g_square_on_a_known_table() {
        // x, y with counts [[30, 10], [10, 30]]: G² = 2 Σ n log(n/E) with E = 20.
        let mut xs = vec![];
        let mut ys = vec![];
        for (a, b, c) in [(0, 0, 30), (0, 1, 10), (1, 0, 10), (1, 1, 30)] {
            for _ in 0..c {
                xs.push(a);
                ys.push(b);
            }
        }
        let d = data(vec![xs, ys], vec![2, 2]);
        let mut sc = Scratch::default();
        let t = ContingencyTable::count(&d, 0, 1, &[], &mut sc);
        let (g, df) = t.statistic(DiscreteTestKind::GSquare);
        let want = 2.0 * (60.0 * (1.5f64).ln() + 20.0 * (0.5f64).ln());
        assert!((g - want).abs() < 1e-12);
        assert_eq!(df, 1.0);
        let (x2, _) = t.statistic(DiscreteTestKind::ChiSquare);
        assert!((x2 - 20.0).abs() < 1e-12);
    }

    #[test]
    fn strata_paths_agree_and_pvalues_behave() {
        let mut rng = Rng::seed_from_u64(5);
        let n = 3000;
        let z: Vec<u32> = (0..n).map(|_| rng.below(3) as u32).collect();
        let x: Vec<u32> = z.iter().map(|&z| if rng.uniform() < 0.8 { z % 2 } else { rng.below(2) as u32 }).collect();
        let y: Vec<u32> =
            z.iter().map(|&z| if rng.uniform() < 0.8 { (z + 1) % 2 } else { rng.below(2) as u32 }).collect();
        let d = data(vec![x, y, z], vec![2, 2, 3]);
        let mut sc = Scratch::default();
        for sem in [Semantics::Pcalg, Semantics::CausalLearn] {
            let t = DiscreteTest::new(d.clone(), DiscreteTestKind::GSquare, sem);
            // x and y are dependent marginally and independent given z.
            assert!(t.p_value(0, 1, &[], &mut sc).unwrap() < 1e-6);
            assert!(t.p_value(0, 1, &[2], &mut sc).unwrap() > 0.001);
        }
        // Hash path (huge radix) and dense path give the same strata counts.
        let big = DiscreteData::new(n, vec![2, 2, 1 << 40], d.codes.clone());
        let a = ContingencyTable::count(&d, 0, 1, &[2], &mut sc);
        let b = ContingencyTable::count(&big, 0, 1, &[2], &mut sc);
        assert_eq!(a.statistic(DiscreteTestKind::GSquare), b.statistic(DiscreteTestKind::GSquare));
    }
}
