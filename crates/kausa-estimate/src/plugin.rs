//! The plug-in estimate of an identified estimand on discrete data: every
//! probability in the estimand (the ID algorithm's, or any other [`Expr`]) is
//! replaced by the data's relative frequency, optionally weighted (a bootstrap
//! resample is a weighting of the rows by their counts).

use std::cell::RefCell;
use std::collections::HashMap;

use kausa_core::Par;
use kausa_identify::{Expr, NodeSet};

use crate::{Bootstrap, Estimate, EstimateError, Result};

/// The most terms the plug-in evaluates for one level of the treatment and the outcome.
const MAX_CELLS: u64 = 20_000_000;

/// Discrete data for the plug-in, indexed like the graph's nodes.
#[derive(Debug, Clone)]
pub struct DiscreteColumns<'a> {
    /// The category codes of each node (`None` for a node without data; the
    /// estimand must not mention it).
    pub codes: Vec<Option<&'a [u32]>>,
    /// The number of levels of each node (0 without data).
    pub levels: Vec<usize>,
}

/// Tables of at most this many cells are dense arrays; larger ones hash the
/// combinations that occur.
const DENSE_CELLS: usize = 1 << 20;

/// Weighted counts of each combination of values of one set of variables.
enum Table {
    /// Indexed by the mixed-radix number of the values (the first variable slowest).
    Dense(Vec<f64>),
    Sparse(HashMap<Vec<u32>, f64>),
}

/// Weighted counts of the value combinations of sets of variables, each set's
/// table built once, on first use.
struct Frequencies<'a> {
    data: &'a DiscreteColumns<'a>,
    weights: Option<&'a [f64]>,
    total: f64,
    /// Tables of at most this many cells are dense.
    dense_cells: usize,
    tables: RefCell<HashMap<Vec<usize>, Table>>,
    /// A node the estimand needs but that has no data.
    missing: RefCell<Option<usize>>,
}

impl<'a> Frequencies<'a> {
    fn new(data: &'a DiscreteColumns<'a>, weights: Option<&'a [f64]>, dense_cells: usize) -> Frequencies<'a> {
        let n = data.codes.iter().flatten().map(|c| c.len()).next().unwrap_or(0);
        let total = weights.map_or(n as f64, |w| w.iter().sum());
        Frequencies {
            data,
            weights,
            total,
            dense_cells,
            tables: RefCell::new(HashMap::new()),
            missing: RefCell::new(None),
        }
    }

    fn count(&self, vars: &[usize], at: &[usize]) -> f64 {
        if vars.is_empty() {
            return self.total;
        }
        let levels = &self.data.levels;
        let mut tables = self.tables.borrow_mut();
        if !tables.contains_key(vars) {
            let mut cols = Vec::with_capacity(vars.len());
            for &v in vars {
                match self.data.codes[v] {
                    Some(c) => cols.push(c),
                    None => {
                        *self.missing.borrow_mut() = Some(v);
                        return f64::NAN;
                    }
                }
            }
            let n = cols[0].len();
            let weight = |i: usize| self.weights.map_or(1.0, |w| w[i]);
            let cells =
                vars.iter().try_fold(1usize, |c, &v| c.checked_mul(levels[v])).filter(|&c| c <= self.dense_cells);
            let table = match cells {
                Some(cells) => {
                    let mut counts = vec![0.0; cells];
                    for i in 0..n {
                        let k = cols.iter().zip(vars).fold(0usize, |k, (c, &v)| k * levels[v] + c[i] as usize);
                        counts[k] += weight(i);
                    }
                    Table::Dense(counts)
                }
                None => {
                    let mut table = HashMap::new();
                    for i in 0..n {
                        let w = weight(i);
                        if w != 0.0 {
                            *table.entry(cols.iter().map(|c| c[i]).collect::<Vec<u32>>()).or_insert(0.0) += w;
                        }
                    }
                    Table::Sparse(table)
                }
            };
            tables.insert(vars.to_vec(), table);
        }
        match &tables[vars] {
            Table::Dense(counts) => counts[vars.iter().fold(0usize, |k, &v| k * levels[v] + at[v])],
            Table::Sparse(table) => {
                let key: Vec<u32> = vars.iter().map(|&v| at[v] as u32).collect();
                table.get(&key).copied().unwrap_or(0.0)
            }
        }
    }

    /// `P(vars = at | given = at)`, NaN when no row has `given = at`.
    fn prob(&self, vars: &NodeSet, given: &NodeSet, at: &[usize]) -> f64 {
        let den = self.count(&given.to_vec(), at);
        if den == 0.0 { f64::NAN } else { self.count(&vars.union(given).to_vec(), at) / den }
    }
}

/// `E[Y | do(X = a)]` for every level `a` of the treatment `x`, from `expr`, an
/// estimand of `P(y | do(x))`; `y_values[b]` is the number the outcome's level `b`
/// stands for. Rows count with `weights` when given.
///
/// Fails when a stratum the estimand needs never occurs in the data (positivity),
/// when the estimand mentions a node without data, and when its sums are too large
/// to evaluate (the plug-in enumerates every combination of the summed variables).
pub fn plugin_means(
    expr: &Expr,
    data: &DiscreteColumns,
    x: usize,
    y: usize,
    y_values: &[f64],
    weights: Option<&[f64]>,
) -> Result<Vec<f64>> {
    let cells = expr.summed_cells(&data.levels);
    if cells > MAX_CELLS {
        return Err(EstimateError::Data(format!(
            "the estimand sums over {cells} combinations of values, more than the plug-in evaluates ({MAX_CELLS})"
        )));
    }
    if y_values.len() != data.levels[y] {
        return Err(EstimateError::Data(format!("{} outcome values for {} levels", y_values.len(), data.levels[y])));
    }
    let freq = Frequencies::new(data, weights, DENSE_CELLS);
    let prob = |v: &NodeSet, g: &NodeSet, at: &[usize]| freq.prob(v, g, at);
    // Variables left free besides x and y (the napkin's W2): the estimand holds at
    // each of their values, so the plug-in averages it over their observed values
    // where it is defined, weighted by their frequencies.
    let p = data.levels.len();
    let mut free = expr.free_variables(p);
    free.remove(x);
    free.remove(y);
    let free = free.to_vec();
    let combos: u64 = free.iter().fold(1u64, |t, &v| t.saturating_mul(data.levels[v].max(1) as u64));
    if combos.saturating_mul(cells) > MAX_CELLS {
        return Err(EstimateError::Data(format!(
            "the estimand is free in {} variables besides the treatment and outcome, with {combos} combinations \
             of values: more than the plug-in evaluates",
            free.len()
        )));
    }
    let mut at = vec![0usize; p];
    let mut means = Vec::with_capacity(data.levels[x]);
    for a in 0..data.levels[x] {
        at[x] = a;
        let (mut sum, mut weight) = (0.0, 0.0);
        let mut idx = vec![0usize; free.len()];
        loop {
            for (&v, &i) in free.iter().zip(&idx) {
                at[v] = i;
            }
            let w = freq.count(&free, &at);
            if w > 0.0 {
                let mut mean = 0.0;
                for (b, &value) in y_values.iter().enumerate() {
                    at[y] = b;
                    let p = expr.evaluate(&mut at, &data.levels, &prob);
                    if p != 0.0 {
                        mean += value * p;
                    }
                }
                if mean.is_finite() {
                    sum += w * mean;
                    weight += w;
                }
            }
            // Next combination of the free variables' levels.
            let mut k = 0;
            while k < free.len() {
                idx[k] += 1;
                if idx[k] < data.levels[free[k]] {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
            if k == free.len() {
                break;
            }
        }
        if let Some(v) = *freq.missing.borrow() {
            return Err(EstimateError::Data(format!("the estimand needs node {v}, which has no data")));
        }
        if weight == 0.0 {
            return Err(EstimateError::Data(format!(
                "no overlap: the estimand at treatment level {a} needs a combination of values that never \
                 occurs in the data (positivity fails there)"
            )));
        }
        means.push(sum / weight);
    }
    Ok(means)
}

/// Settings of [`plugin_effect`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PluginParams {
    /// Bootstrap resamples for the interval.
    pub reps: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Confidence level.
    pub level: f64,
    /// Threads for the resamples.
    pub par: Par,
}

/// The plug-in effect of the treatment's highest level against its lowest, with a
/// percentile interval from the Bayesian bootstrap (exponential row weights: every
/// stratum of the data keeps its rows, so a replicate is defined wherever the
/// estimate is), and `E[Y | do(X = a)]` for every level `a` (see [`plugin_means`]).
pub fn plugin_effect(
    expr: &Expr,
    data: &DiscreteColumns,
    x: usize,
    y: usize,
    y_values: &[f64],
    params: PluginParams,
) -> Result<(Estimate, Vec<f64>)> {
    let hi = data.levels[x]
        .checked_sub(1)
        .filter(|&h| h > 0)
        .ok_or_else(|| EstimateError::Data("the treatment has one level: there is nothing to compare".into()))?;
    let contrast = |w: Option<&[f64]>| -> Result<(f64, Vec<f64>)> {
        let m = plugin_means(expr, data, x, y, y_values, w)?;
        Ok((m[hi] - m[0], m))
    };
    let (effect, means) = contrast(None)?;
    let n = data.codes.iter().flatten().map(|c| c.len()).next().unwrap_or(0);
    let b = Bootstrap::run_bayesian(n, params.reps, params.seed, params.par, |w| Ok(contrast(Some(w))?.0))?;
    let estimate = Estimate {
        method: "plug-in of the ID estimand (relative frequencies of discrete data)",
        effect,
        se: b.se(),
        interval: b.percentile_interval(params.level),
        level: params.level,
        n,
        df: f64::INFINITY,
        notes: vec![format!("interval: Bayesian bootstrap, {} replicates, seed {}", params.reps, params.seed)],
    };
    Ok((estimate, means))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Rng;

    #[test]
    fn dense_and_hashed_tables_count_the_same() {
        let mut rng = Rng::seed_from_u64(2);
        let levels = vec![3, 2, 5, 4];
        let cols: Vec<Vec<u32>> =
            levels.iter().map(|&l| (0..500).map(|_| rng.below(l as u64) as u32).collect()).collect();
        let data = DiscreteColumns { codes: cols.iter().map(|c| Some(c.as_slice())).collect(), levels };
        let weights: Vec<f64> = (0..500).map(|_| rng.below(3) as f64).collect();
        let dense = Frequencies::new(&data, Some(&weights), usize::MAX);
        let hashed = Frequencies::new(&data, Some(&weights), 0);
        for vars in [&[0][..], &[1, 3], &[0, 2, 3], &[3, 2, 1, 0]] {
            for _ in 0..20 {
                let at: Vec<usize> = data.levels.iter().map(|&l| rng.below(l as u64) as usize).collect();
                let want: f64 =
                    (0..500).filter(|&i| vars.iter().all(|&v| cols[v][i] as usize == at[v])).map(|i| weights[i]).sum();
                assert_eq!(dense.count(vars, &at), want);
                assert_eq!(hashed.count(vars, &at), want);
            }
        }
    }
}
