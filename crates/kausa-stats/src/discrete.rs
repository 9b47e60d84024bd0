use std::collections::HashMap;

use kausa_core::{Column, Dataset};

use crate::special::chi2_sf;
use crate::{CiTest, Result, Scratch, Semantics, StatsError};

/// Category codes of discrete columns: the data of the G² and χ² tests.
#[derive(Debug, Clone)]
pub struct DiscreteData {
    n: usize,
    cards: Vec<usize>,
    codes: Vec<Vec<u32>>,
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
        Ok(DiscreteData { n: data.n_rows(), cards, codes })
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
        Ok(DiscreteData { n, cards, codes })
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
    /// Counts the table of `x`, `y` given `s` in one pass over the rows.
    pub fn count(data: &DiscreteData, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> ContingencyTable {
        let (cx, cy) = (data.cards[x], data.cards[y]);
        let cell = cx * cy;
        let n = data.n;
        let (xs, ys) = (&data.codes[x], &data.codes[y]);
        if s.is_empty() {
            let mut counts = vec![0u32; cell];
            for i in 0..n {
                counts[xs[i] as usize * cy + ys[i] as usize] += 1;
            }
            return ContingencyTable { cx, cy, counts };
        }
        // Mixed-radix stratum key of every row, by Horner's rule over s (the last
        // variable varies fastest). Subsets come in lexicographic order, so the key
        // of s minus its last variable is kept in the scratch and reused.
        let radix: Option<u64> = s.iter().try_fold(1u64, |r, &v| r.checked_mul(data.cards[v] as u64));
        let (head, last) = s.split_at(s.len() - 1);
        if scratch.prefix_set.as_slice() != head || scratch.prefix_keys.len() != n {
            let pk = &mut scratch.prefix_keys;
            pk.clear();
            pk.resize(n, 0);
            for &v in head {
                let card = data.cards[v] as u64;
                for (k, &c) in pk.iter_mut().zip(&data.codes[v]) {
                    *k = k.wrapping_mul(card).wrapping_add(c as u64);
                }
            }
            scratch.prefix_set.clear();
            scratch.prefix_set.extend_from_slice(head);
        }
        let keys = &mut scratch.u;
        keys.clear();
        let (card, codes) = (data.cards[last[0]] as u64, &data.codes[last[0]]);
        keys.extend(scratch.prefix_keys.iter().zip(codes).map(|(k, &c)| k.wrapping_mul(card).wrapping_add(c as u64)));
        let dense_limit = (4 * n).max(1 << 12) as u64;
        match radix {
            Some(strata) if strata <= dense_limit => {
                // Count into a zeroed buffer kept in the scratch, noting the strata touched;
                // only those are copied out (in key order) and cleared again.
                let strata = strata as usize;
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
                    counts[k * cell + xs[i] as usize * cy + ys[i] as usize] += 1;
                }
                // Strata seen, found by a scan of the flags (cheaper than a branch per row).
                touched.extend((0..strata).filter(|&k| seen[k]));
                let mut out = Vec::with_capacity(touched.len() * cell);
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
                    let rows: Vec<Vec<u32>> = (0..n).map(|i| s.iter().map(|&v| data.codes[v][i]).collect()).collect();
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
                    counts[order[i] * cell + xs[i] as usize * cy + ys[i] as usize] += 1;
                }
                ContingencyTable { cx, cy, counts }
            }
        }
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
        let (cx, cy) = (self.cx, self.cy);
        let cell = cx * cy;
        let mut stat = 0.0f64;
        let mut reduced_df = 0.0f64;
        let mut row = vec![0u64; cx];
        let mut col = vec![0u64; cy];
        for t in self.counts.chunks(cell) {
            row.iter_mut().for_each(|v| *v = 0);
            col.iter_mut().for_each(|v| *v = 0);
            let mut total = 0u64;
            for a in 0..cx {
                for b in 0..cy {
                    let c = t[a * cy + b] as u64;
                    row[a] += c;
                    col[b] += c;
                    total += c;
                }
            }
            if total == 0 {
                continue;
            }
            let tf = total as f64;
            for a in 0..cx {
                for b in 0..cy {
                    let c = t[a * cy + b] as f64;
                    let e = row[a] as f64 * col[b] as f64 / tf;
                    match kind {
                        DiscreteTestKind::GSquare => {
                            if c > 0.0 {
                                stat += c * (c / e).ln();
                            }
                        }
                        DiscreteTestKind::ChiSquare => {
                            if e > 0.0 {
                                stat += (c - e) * (c - e) / e;
                            }
                        }
                    }
                }
            }
            let zr = row.iter().filter(|&&v| v == 0).count();
            let zc = col.iter().filter(|&&v| v == 0).count();
            reduced_df += ((cx - 1 - zr) * (cy - 1 - zc)) as f64;
        }
        if kind == DiscreteTestKind::GSquare {
            stat *= 2.0;
        }
        (stat, reduced_df)
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
                Ok(chi2_sf(stat, df))
            }
            Semantics::CausalLearn => {
                let table = ContingencyTable::count(&self.data, x, y, s, scratch);
                let (stat, df) = table.statistic(self.kind);
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
        DiscreteData { n: cols[0].len(), cards, codes: cols }
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
        let big = DiscreteData { n, cards: vec![2, 2, 1 << 40], codes: d.codes.clone() };
        let a = ContingencyTable::count(&d, 0, 1, &[2], &mut sc);
        let b = ContingencyTable::count(&big, 0, 1, &[2], &mut sc);
        assert_eq!(a.statistic(DiscreteTestKind::GSquare), b.statistic(DiscreteTestKind::GSquare));
    }
}
