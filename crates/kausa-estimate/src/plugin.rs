//! The plug-in estimate of an identified estimand on discrete data: every
//! probability in the estimand (the ID algorithm's, or any other [`Expr`]) is
//! replaced by the data's relative frequency, optionally weighted (a bootstrap
//! resample is a weighting of the rows by their counts).

use std::cell::RefCell;
use std::collections::HashMap;

use kausa_identify::{Expr, NodeSet};

use crate::{EstimateError, Result};

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

/// Weighted counts of each combination of values of one set of variables.
type Table = HashMap<Vec<u32>, f64>;

/// Weighted counts of the value combinations of sets of variables, each set's
/// table built once, on first use.
struct Frequencies<'a> {
    data: &'a DiscreteColumns<'a>,
    weights: Option<&'a [f64]>,
    total: f64,
    tables: RefCell<HashMap<Vec<usize>, Table>>,
    /// A node the estimand needs but that has no data.
    missing: RefCell<Option<usize>>,
}

impl Frequencies<'_> {
    fn count(&self, vars: &[usize], at: &[usize]) -> f64 {
        if vars.is_empty() {
            return self.total;
        }
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
            let mut table = Table::new();
            for i in 0..n {
                let w = self.weights.map_or(1.0, |w| w[i]);
                if w != 0.0 {
                    *table.entry(cols.iter().map(|c| c[i]).collect()).or_insert(0.0) += w;
                }
            }
            tables.insert(vars.to_vec(), table);
        }
        let key: Vec<u32> = vars.iter().map(|&v| at[v] as u32).collect();
        tables[vars].get(&key).copied().unwrap_or(0.0)
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
    let n = data.codes.iter().flatten().map(|c| c.len()).next().unwrap_or(0);
    let total = weights.map_or(n as f64, |w| w.iter().sum());
    let freq = Frequencies { data, weights, total, tables: RefCell::new(HashMap::new()), missing: RefCell::new(None) };
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
