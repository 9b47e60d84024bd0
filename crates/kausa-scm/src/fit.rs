//! Fitting one mechanism per node, fixed or chosen by cross-validation.

use std::borrow::Cow;

use kausa_core::{Column, Dataset, Par, Rng};
use kausa_stats::gbdt::{Gbdt, GbdtParams, Loss};
use kausa_stats::regression::{centred_dot, dot, logistic_fit, ols_normal, solve_spd, sum4};

use crate::equation::EquationNoise;
use crate::model::{Classifier, Link, Mechanism, Node, NodeKind, Regressor, Scm, design, topological_order};
use crate::{Result, ScmError};

/// The mechanism family of a node: what `fit` fits and what a refit repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    /// Root: the observed values.
    Empirical,
    /// Root: a normal distribution.
    Gaussian,
    /// Additive noise with least squares.
    Linear,
    /// Additive noise with ridge regression at this penalty (`None`: chosen by cross-validation).
    Ridge(Option<f64>),
    /// Additive noise with gradient-boosted trees.
    Boosted,
    /// Categorical: logistic regression.
    Logistic,
    /// Categorical: gradient-boosted trees with the log loss.
    BoostedClassifier,
    /// A domain equation (its noise residuals, if it has them, refitted).
    Equation,
}

impl Family {
    /// The family of a fitted mechanism (a ridge keeps its penalty).
    pub fn of(m: &Mechanism) -> Family {
        match m {
            Mechanism::Empirical { .. } => Family::Empirical,
            Mechanism::Gaussian { .. } => Family::Gaussian,
            Mechanism::Additive { regressor: Regressor::Linear { .. }, .. } => Family::Linear,
            Mechanism::Additive { regressor: Regressor::Ridge { alpha, .. }, .. } => Family::Ridge(Some(*alpha)),
            Mechanism::Additive { regressor: Regressor::Boosted { .. }, .. } => Family::Boosted,
            Mechanism::Classifier { classifier: Classifier::Logistic { .. } } => Family::Logistic,
            Mechanism::Classifier { classifier: Classifier::Boosted { .. } } => Family::BoostedClassifier,
            Mechanism::Equation { .. } => Family::Equation,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::Empirical => "empirical",
            Family::Gaussian => "gaussian",
            Family::Linear => "linear",
            Family::Ridge(_) => "ridge",
            Family::Boosted => "boosted",
            Family::Logistic => "logistic",
            Family::BoostedClassifier => "boosted_classifier",
            Family::Equation => "equation",
        }
    }
}

/// Which mechanisms `fit` uses for continuous non-root nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegressorChoice {
    /// The candidate (linear, ridge, boosted) with the smallest cross-validated squared error.
    Auto,
    /// Least squares.
    Linear,
    /// Ridge.
    Ridge,
    /// Gradient-boosted trees.
    Boosted,
}

/// Least-squares fits of fewer values than this (all columns together) run on
/// the calling thread.
const SEQUENTIAL_FIT_VALUES: usize = 100_000;

/// Settings of [`fit`].
#[derive(Debug, Clone)]
pub struct FitParams {
    /// Continuous non-root nodes.
    pub regressor: RegressorChoice,
    /// Roots: empirical (`false`) or normal (`true`).
    pub gaussian_roots: bool,
    /// Categorical non-root nodes: `None` chooses logistic or boosted by cross-validated log loss.
    pub boosted_classifier: Option<bool>,
    /// The boosters' settings.
    pub boosting: GbdtParams,
    /// Cross-validation folds.
    pub folds: usize,
    /// At most this many rows (a seeded subsample) enter cross-validation.
    pub cv_rows: usize,
    /// Seed of the folds and subsamples.
    pub seed: u64,
    /// Threads (nodes are fitted in parallel).
    pub par: Par,
    /// Empirical distributions (root values, residuals) of more values than this keep
    /// this many quantiles (0: keep all).
    pub max_values: usize,
    /// Continuous nodes with parents fitted on the log scale: `x = exp(f(parents) + ε)`,
    /// a post-nonlinear model with multiplicative noise (positive values only).
    pub log_nodes: Vec<usize>,
}

impl Default for FitParams {
    fn default() -> Self {
        FitParams {
            regressor: RegressorChoice::Auto,
            gaussian_roots: false,
            boosted_classifier: None,
            boosting: GbdtParams::default(),
            folds: 5,
            cv_rows: 20_000,
            seed: 0,
            par: Par::Seq,
            log_nodes: Vec::new(),
            max_values: 10_000,
        }
    }
}

/// One candidate mechanism's cross-validated score.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The family.
    pub family: &'static str,
    /// Mean held-out loss (squared error or log loss); `None` when the fit failed.
    pub score: Option<f64>,
}

/// How one node was fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFit {
    /// The node.
    pub node: usize,
    /// The chosen family.
    pub family: &'static str,
    /// What `candidates` score: `"cv_mse"` or `"cv_log_loss"`; empty when there was no choice.
    pub metric: &'static str,
    /// Every candidate tried, in the order tried.
    pub candidates: Vec<Candidate>,
    /// In-sample R² of a regressor (the share of the node's variance its parents explain).
    pub r2: Option<f64>,
}

/// The node columns of `data` for the graph's nodes: continuous values, or level
/// codes for a categorical node (a column of labels, or one named in `categorical`).
pub fn node_columns(
    data: &Dataset,
    names: &[String],
    categorical: &[String],
) -> Result<(Vec<NodeKind>, Vec<Vec<f64>>)> {
    let mut kinds = Vec::with_capacity(names.len());
    let mut cols = Vec::with_capacity(names.len());
    for name in names {
        let j = data.index_of(name).ok_or_else(|| ScmError::MissingColumn { name: name.clone() })?;
        match data.column(j) {
            Column::Discrete { codes, levels, numeric, .. } if numeric.is_none() || categorical.contains(name) => {
                kinds.push(NodeKind::Categorical { levels: levels.clone() });
                cols.push(codes.iter().map(|&c| c as f64).collect());
            }
            column => {
                if categorical.contains(name) {
                    return Err(ScmError::Invalid(format!(
                        "column {name:?} is continuous; a categorical node needs a column of a few levels"
                    )));
                }
                kinds.push(NodeKind::Continuous);
                cols.push(column.to_f64().expect("continuous or numeric levels"));
            }
        }
    }
    Ok((kinds, cols))
}

/// Fits a model of the DAG (`parents[j]` are node `j`'s parents) to the node columns.
pub fn fit(
    names: &[String],
    kinds: &[NodeKind],
    parents: &[Vec<usize>],
    columns: &[Vec<f64>],
    params: &FitParams,
) -> Result<(Scm, Vec<NodeFit>)> {
    fit_with_equations(names, kinds, parents, columns, &vec![None; names.len()], params)
}

/// [`fit`], with some nodes given by domain equations: `equations[j]` is the
/// expression and noise of node `j`, whose parents must be the expression's
/// variables in order of first use (see [`equation_parents`]). Residual noise is
/// computed from the node's column; the other nodes are fitted as usual.
pub fn fit_with_equations(
    names: &[String],
    kinds: &[NodeKind],
    parents: &[Vec<usize>],
    columns: &[Vec<f64>],
    equations: &[Option<(String, EquationNoise)>],
    params: &FitParams,
) -> Result<(Scm, Vec<NodeFit>)> {
    topological_order(names, parents)?;
    let mut shell = shell(names, kinds, parents);
    for (j, eq) in equations.iter().enumerate() {
        if let Some((expr, noise)) = eq {
            let reads = parents[j].iter().map(|&p| (names[p].as_str(), &kinds[p]));
            crate::model::equation_kinds(&kinds[j], reads)
                .map_err(|reason| ScmError::Fit { node: names[j].clone(), reason })?;
            let program = crate::equation::Program::compile(expr)
                .map_err(|e| ScmError::Fit { node: names[j].clone(), reason: e.to_string() })?;
            shell[j].mechanism = Mechanism::Equation { expr: expr.clone(), noise: noise.clone(), program };
        }
    }
    for &j in &params.log_nodes {
        if parents[j].is_empty() || !matches!(kinds[j], NodeKind::Continuous) || equations[j].is_some() {
            return Err(ScmError::Fit {
                node: names[j].clone(),
                reason: "a log link applies to a continuous node with parents, learned (not an equation)".into(),
            });
        }
        // A placeholder that carries the link into fitting and cross-validation.
        shell[j].mechanism = Mechanism::Additive {
            regressor: Regressor::Linear { intercept: 0.0, coef: Vec::new() },
            residuals: Vec::new(),
            link: Link::Log,
        };
    }
    let shell = shell;
    // Least squares on few values is over before threads would have started.
    let values: usize = columns.iter().map(Vec::len).sum();
    let cheap = params.regressor == RegressorChoice::Linear
        && (params.boosted_classifier == Some(false) || shell.iter().all(|n| n.kind == NodeKind::Continuous));
    let par = if cheap && values < SEQUENTIAL_FIT_VALUES { Par::Seq } else { params.par };
    let fits = par.map(names.len(), |j| fit_node(&shell, j, columns, params)).map_err(ScmError::Threads)?;
    let mut nodes = shell;
    let mut reports = Vec::with_capacity(names.len());
    for (j, fitted) in fits.into_iter().enumerate() {
        let (mechanism, report) = fitted?;
        nodes[j].mechanism = mechanism;
        reports.push(report);
    }
    Ok((Scm::new(nodes)?, reports))
}

/// Refits every node of `scm` in its own family (no re-selection) on the node
/// columns `columns` restricted to `rows` (indices may repeat, as in a bootstrap).
pub fn refit(scm: &Scm, columns: &[Vec<f64>], rows: Option<&[usize]>) -> Result<Scm> {
    let gathered: Vec<Vec<f64>>;
    let columns = match rows {
        Some(rows) => {
            gathered = columns.iter().map(|c| rows.iter().map(|&i| c[i]).collect()).collect();
            &gathered
        }
        None => columns,
    };
    let mut out = scm.clone();
    for j in 0..scm.nodes().len() {
        let family = Family::of(&scm.nodes()[j].mechanism);
        *out.mechanism_mut(j) = fit_family(scm.nodes(), j, columns, family, &GbdtParams::default())?;
    }
    Ok(out)
}

/// Refits node `j` of `scm` in its own family on `columns`.
pub(crate) fn refit_node(scm: &Scm, j: usize, columns: &[Vec<f64>]) -> Result<Mechanism> {
    fit_family(scm.nodes(), j, columns, Family::of(&scm.nodes()[j].mechanism), &GbdtParams::default())
}

fn shell(names: &[String], kinds: &[NodeKind], parents: &[Vec<usize>]) -> Vec<Node> {
    names
        .iter()
        .zip(kinds)
        .zip(parents)
        .map(|((name, kind), ps)| Node {
            name: name.clone(),
            kind: kind.clone(),
            parents: ps.clone(),
            mechanism: Mechanism::Gaussian { mean: 0.0, sd: 0.0 },
        })
        .collect()
}

fn fit_node(nodes: &[Node], j: usize, columns: &[Vec<f64>], params: &FitParams) -> Result<(Mechanism, NodeFit)> {
    if matches!(nodes[j].mechanism, Mechanism::Equation { .. }) {
        let mut mechanism = fit_family(nodes, j, columns, Family::Equation, &params.boosting)?;
        let r2 = match &mechanism {
            Mechanism::Equation { noise: EquationNoise::Residuals { residuals }, .. } => {
                Some(r_squared(&columns[j], residuals))
            }
            _ => None,
        };
        compress(&mut mechanism, params.max_values);
        return Ok((mechanism, NodeFit { node: j, family: "equation", metric: "", candidates: Vec::new(), r2 }));
    }
    on_link_scale(&columns[j], link_of(&nodes[j]))
        .map_err(|reason| ScmError::Fit { node: nodes[j].name.clone(), reason })?;
    let categorical = matches!(nodes[j].kind, NodeKind::Categorical { .. });
    let root = nodes[j].parents.is_empty();
    let (families, metric): (Vec<Family>, &'static str) = if root {
        let family = if params.gaussian_roots && !categorical { Family::Gaussian } else { Family::Empirical };
        (vec![family], "")
    } else if categorical {
        match params.boosted_classifier {
            Some(false) => (vec![Family::Logistic], ""),
            Some(true) => (vec![Family::BoostedClassifier], ""),
            None => (vec![Family::Logistic, Family::BoostedClassifier], "cv_log_loss"),
        }
    } else {
        match params.regressor {
            RegressorChoice::Linear => (vec![Family::Linear], ""),
            RegressorChoice::Ridge => (vec![Family::Ridge(None)], ""),
            RegressorChoice::Boosted => (vec![Family::Boosted], ""),
            RegressorChoice::Auto => (vec![Family::Linear, Family::Ridge(None), Family::Boosted], "cv_mse"),
        }
    };
    let mut candidates = Vec::new();
    let mut family = families[0];
    if families.len() > 1 {
        let mut best = f64::INFINITY;
        for &f in &families {
            let score = cross_validate(nodes, j, columns, f, params);
            if let Some(s) = score
                && s < best
            {
                best = s;
                family = f;
            }
            candidates.push(Candidate { family: f.name(), score });
        }
        if !best.is_finite() {
            return Err(ScmError::Fit {
                node: nodes[j].name.clone(),
                reason: "no candidate mechanism could be fitted".into(),
            });
        }
    }
    if family == Family::Ridge(None) {
        family = Family::Ridge(Some(ridge_cv(nodes, j, columns, params).map_or(1e-3, |(_, alpha)| alpha)));
    }
    let mut mechanism = fit_family(nodes, j, columns, family, &params.boosting)?;
    let r2 = match &mechanism {
        Mechanism::Additive { residuals, link, .. } => {
            on_link_scale(&columns[j], *link).ok().map(|y| r_squared(&y, residuals))
        }
        _ => None,
    };
    let family = mechanism.name();
    compress(&mut mechanism, params.max_values);
    Ok((mechanism, NodeFit { node: j, family, metric, candidates, r2 }))
}

/// Replaces an empirical distribution of more than `max` values by its `max`
/// mid-quantiles (the `(k + ½)/max` quantiles, `k = 0..max`), sorted: the
/// distribution moves by at most `1/max` in Kolmogorov distance, and a model of
/// 100,000 rows loads ten times faster (level codes of a categorical root keep
/// their shares to within `1/max` too).
fn compress(m: &mut Mechanism, max: usize) {
    let Some(values) = m.noise_values_mut() else { return };
    if max == 0 || values.len() <= max {
        return;
    }
    // Sorted as integers in `f64::total_cmp`'s order (faster than comparing floats).
    let mut keys: Vec<u64> = values.iter().map(|v| ordered_bits(*v)).collect();
    keys.sort_unstable();
    let n = keys.len();
    *values = (0..max).map(|k| from_ordered_bits(keys[(((2 * k + 1) * n) / (2 * max)).min(n - 1)])).collect();
}

/// The bits of `v` as an integer in the order of [`f64::total_cmp`] (public for the
/// timing example, which times the sort `fit` makes of them).
pub fn ordered_bits(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The inverse of [`ordered_bits`].
fn from_ordered_bits(b: u64) -> f64 {
    f64::from_bits(if b >> 63 == 1 { b & !(1 << 63) } else { !b })
}

/// The link of a node's (placeholder or fitted) additive mechanism.
fn link_of(node: &Node) -> Link {
    match node.mechanism {
        Mechanism::Additive { link, .. } => link,
        _ => Link::Identity,
    }
}

/// `y` on the link's scale (`log y` for the log link), or why it cannot be.
fn on_link_scale(y: &[f64], link: Link) -> std::result::Result<Cow<'_, [f64]>, String> {
    if link.is_identity() {
        return Ok(Cow::Borrowed(y));
    }
    let t: Vec<f64> = y.iter().map(|&v| link.invert(v)).collect();
    match t.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(format!("a log link needs positive values, and row {} holds {}", i + 1, y[i])),
        None => Ok(Cow::Owned(t)),
    }
}

/// `1 − Σr² / Σ(y − ȳ)²`.
fn r_squared(y: &[f64], residuals: &[f64]) -> f64 {
    let m = sum4(y) / y.len() as f64;
    1.0 - dot(residuals, residuals) / centred_dot(y, m, y, m)
}

/// The parents of an equation node: the expression's variables, in order of first
/// use, as indices into `names`; an unknown name is an error naming it.
pub fn equation_parents(expr: &str, names: &[String]) -> std::result::Result<Vec<usize>, String> {
    let program = crate::equation::Program::compile(expr).map_err(|e| e.to_string())?;
    program
        .variables
        .iter()
        .map(|v| {
            names.iter().position(|n| n == v).ok_or_else(|| format!("{v:?} in {expr:?} is not a node of the graph"))
        })
        .collect()
}

/// Fits node `j` in `family` on the node columns.
pub(crate) fn fit_family(
    nodes: &[Node],
    j: usize,
    columns: &[Vec<f64>],
    family: Family,
    boosting: &GbdtParams,
) -> Result<Mechanism> {
    let y = &columns[j];
    let err = |reason: String| ScmError::Fit { node: nodes[j].name.clone(), reason };
    if y.is_empty() {
        return Err(err("no rows".into()));
    }
    let features = design(nodes, j, |p| &columns[p]);
    let x: Vec<&[f64]> = features.iter().map(|f| &f[..]).collect();
    Ok(match family {
        Family::Empirical => Mechanism::Empirical { values: y.clone() },
        Family::Gaussian => {
            let n = y.len() as f64;
            let mean = y.iter().sum::<f64>() / n;
            let sd = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            Mechanism::Gaussian { mean, sd }
        }
        Family::Linear | Family::Ridge(_) | Family::Boosted => {
            let link = link_of(&nodes[j]);
            let y = on_link_scale(y, link).map_err(err)?;
            let regressor = fit_regressor(&x, &y, family, boosting).map_err(err)?;
            let mut residuals = vec![0.0; y.len()];
            regressor.predict(&features, &mut residuals);
            residuals.iter_mut().zip(y.iter()).for_each(|(r, v)| *r = v - *r);
            Mechanism::Additive { regressor, residuals, link }
        }
        Family::Equation => {
            let Mechanism::Equation { expr, noise, program } = &nodes[j].mechanism else {
                return Err(err("not an equation node".into()));
            };
            let noise = match noise {
                EquationNoise::Residuals { .. } => {
                    let mut pred = vec![0.0; y.len()];
                    program.eval(&x, &mut pred);
                    let residuals: Vec<f64> = y.iter().zip(&pred).map(|(v, p)| v - p).collect();
                    if let Some(i) = residuals.iter().position(|r| !r.is_finite()) {
                        return Err(err(format!(
                            "the equation is not finite on data row {} (a log or square root of a negative number, or a division by zero?)",
                            i + 1
                        )));
                    }
                    EquationNoise::Residuals { residuals }
                }
                other => other.clone(),
            };
            Mechanism::Equation { expr: expr.clone(), noise, program: program.clone() }
        }
        Family::Logistic | Family::BoostedClassifier => {
            let NodeKind::Categorical { levels } = &nodes[j].kind else {
                return Err(err("a classifier needs a categorical node".into()));
            };
            Mechanism::Classifier { classifier: fit_classifier(&x, y, levels.len(), family, boosting).map_err(err)? }
        }
    })
}

fn fit_regressor(
    x: &[&[f64]],
    y: &[f64],
    family: Family,
    boosting: &GbdtParams,
) -> std::result::Result<Regressor, String> {
    match family {
        Family::Linear => {
            let (intercept, coef) = ols_normal(x, y).map_err(|e| format!("least squares failed: {e}"))?;
            Ok(Regressor::Linear { intercept, coef })
        }
        Family::Ridge(alpha) => ridge(x, y, alpha.unwrap_or(1.0)),
        Family::Boosted => {
            let params = GbdtParams { min_leaf: boosting.min_leaf.min(y.len().div_ceil(4).max(1)), ..*boosting };
            let model = Gbdt::fit(x, y, Loss::Squared, params).map_err(|e| format!("gradient boosting failed: {e}"))?;
            Ok(Regressor::Boosted { model })
        }
        _ => unreachable!("not a regressor family"),
    }
}

/// Ridge regression on standardised features, penalty `alpha · n`.
fn ridge(x: &[&[f64]], y: &[f64], alpha: f64) -> std::result::Result<Regressor, String> {
    let n = y.len() as f64;
    let k = x.len();
    let mean = |v: &[f64]| sum4(v) / n;
    let my = mean(y);
    let mx: Vec<f64> = x.iter().map(|c| mean(c)).collect();
    // Tested on the values: a constant's computed mean may miss it by a rounding
    // error, and then its spread would be noise rather than 0.
    if let Some(a) = x.iter().position(|c| c.iter().all(|&v| v == c[0])) {
        return Err(format!("feature {} is constant", a + 1));
    }
    let sx: Vec<f64> = x.iter().zip(&mx).map(|(c, &m)| (centred_dot(c, m, c, m) / n).sqrt()).collect();
    let mut gram = vec![0.0; k * k];
    let mut rhs = vec![0.0; k];
    for a in 0..k {
        for b in 0..=a {
            let s = centred_dot(x[a], mx[a], x[b], mx[b]) / (sx[a] * sx[b]);
            gram[a * k + b] = s;
            gram[b * k + a] = s;
        }
        gram[a * k + a] += alpha * n;
        rhs[a] = centred_dot(x[a], mx[a], y, my) / sx[a];
    }
    let z = solve_spd(&gram, k, &rhs).ok_or("ridge normal equations are singular")?;
    let coef: Vec<f64> = z.iter().zip(&sx).map(|(b, s)| b / s).collect();
    let intercept = my - coef.iter().zip(&mx).map(|(b, m)| b * m).sum::<f64>();
    Ok(Regressor::Ridge { alpha, intercept, coef })
}

fn fit_classifier(
    x: &[&[f64]],
    y: &[f64],
    levels: usize,
    family: Family,
    boosting: &GbdtParams,
) -> std::result::Result<Classifier, String> {
    let targets: Vec<Vec<f64>> = if levels <= 2 {
        vec![y.iter().map(|&c| f64::from(c == 1.0)).collect()]
    } else {
        (0..levels).map(|k| y.iter().map(|&c| f64::from(c as usize == k)).collect()).collect()
    };
    match family {
        Family::Logistic => {
            let mut intercepts = Vec::new();
            let mut coefs = Vec::new();
            for t in &targets {
                let fit = logistic_fit(x, t).map_err(|e| format!("logistic regression failed: {e}"))?;
                intercepts.push(fit.intercept);
                coefs.push(fit.coef);
            }
            Ok(Classifier::Logistic { intercepts, coefs })
        }
        Family::BoostedClassifier => {
            let params = GbdtParams { min_leaf: boosting.min_leaf.min(y.len().div_ceil(4).max(1)), ..*boosting };
            let models = targets
                .iter()
                .map(|t| Gbdt::fit(x, t, Loss::Logistic, params).map_err(|e| format!("gradient boosting failed: {e}")))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Ok(Classifier::Boosted { models })
        }
        _ => unreachable!("not a classifier family"),
    }
}

/// The rows of a seeded subsample of at most `cap` rows, shuffled, and each row's fold.
fn folds(n: usize, cap: usize, k: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rows: Vec<usize> = (0..n).collect();
    Rng::seed_from_u64(seed).shuffle(&mut rows);
    rows.truncate(cap.min(n));
    let fold = (0..rows.len()).map(|i| i % k).collect();
    (rows, fold)
}

/// Mean held-out loss of `family` for node `j`, or `None` when a fold fails.
fn cross_validate(nodes: &[Node], j: usize, columns: &[Vec<f64>], family: Family, params: &FitParams) -> Option<f64> {
    if family == Family::Ridge(None) {
        return ridge_cv(nodes, j, columns, params).map(|(score, _)| score);
    }
    let n = columns[j].len();
    let k = params.folds.clamp(2, n.max(2));
    let (rows, fold) = folds(n, params.cv_rows, k, params.seed ^ j as u64);
    let mut loss = 0.0;
    let mut count = 0usize;
    for f in 0..k {
        let pick = |test: bool| -> Vec<Vec<f64>> {
            let chosen: Vec<usize> =
                rows.iter().zip(&fold).filter(|(_, g)| (**g == f) == test).map(|(r, _)| *r).collect();
            columns.iter().map(|c| chosen.iter().map(|&i| c[i]).collect()).collect()
        };
        let (train, test) = (pick(false), pick(true));
        if test[j].is_empty() {
            continue;
        }
        let m = fit_family(nodes, j, &train, family, &params.boosting).ok()?;
        let features = design(nodes, j, |p| &test[p]);
        loss += held_out_loss(&m, &features, &test[j])?;
        count += test[j].len();
    }
    (count > 0).then(|| loss / count as f64)
}

/// Summed squared error (regressors) or log loss (classifiers) on held-out rows.
fn held_out_loss(m: &Mechanism, features: &[Cow<'_, [f64]>], y: &[f64]) -> Option<f64> {
    match m {
        Mechanism::Additive { regressor, link, .. } => {
            let mut pred = vec![0.0; y.len()];
            regressor.predict(features, &mut pred);
            let y = on_link_scale(y, *link).ok()?;
            Some(pred.iter().zip(y.iter()).map(|(p, v)| (p - v) * (p - v)).sum())
        }
        Mechanism::Classifier { classifier } => {
            let mut probs = vec![0.0; classifier.levels()];
            let mut sum = 0.0;
            for (i, &c) in y.iter().enumerate() {
                classifier.probabilities(features, i, &mut probs);
                sum -= probs[c as usize].max(1e-15).ln();
            }
            Some(sum)
        }
        _ => None,
    }
}

/// The ridge penalty with the smallest cross-validated squared error on a fixed
/// grid, and that error.
fn ridge_cv(nodes: &[Node], j: usize, columns: &[Vec<f64>], params: &FitParams) -> Option<(f64, f64)> {
    let mut best: Option<(f64, f64)> = None;
    for alpha in [1e-4, 1e-3, 1e-2, 1e-1, 1.0] {
        if let Some(s) = cross_validate(nodes, j, columns, Family::Ridge(Some(alpha)), params)
            && best.is_none_or(|(b, _)| s < b)
        {
            best = Some((s, alpha));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constant feature is refused by its values, also where its computed mean
    /// misses it by a rounding error (and its spread would be noise, not 0).
    #[test]
    fn ridge_refuses_a_constant_feature() {
        let constant = vec![23.43; 179];
        assert_ne!(sum4(&constant) / 179.0, 23.43);
        let y: Vec<f64> = (0..179).map(f64::from).collect();
        let other: Vec<f64> = y.iter().map(|v| v.sin()).collect();
        assert!(matches!(ridge(&[&other, &constant], &y, 1.0), Err(m) if m == "feature 2 is constant"));
        assert!(ridge(&[&other], &y, 1.0).is_ok());
    }

    /// The integer keys order floats exactly as `total_cmp` does (signed zeros,
    /// infinities and NaNs included) and give back the same bits.
    #[test]
    fn ordered_bits_follow_total_cmp() {
        let mut rng = Rng::seed_from_u64(3);
        let mut v: Vec<f64> = (0..2000).map(|_| rng.normal() * 10f64.powi(rng.below(20) as i32 - 10)).collect();
        v.extend([0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, -f64::NAN, f64::MIN_POSITIVE, -5e-324]);
        for &x in &v {
            assert_eq!(from_ordered_bits(ordered_bits(x)).to_bits(), x.to_bits());
        }
        let mut by_float = v.clone();
        by_float.sort_by(f64::total_cmp);
        let mut by_key = v.clone();
        by_key.sort_by_key(|&x| ordered_bits(x));
        let bits = |w: &[f64]| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&by_float), bits(&by_key));
    }
}
