//! The model: nodes with their kinds, parents and fitted mechanisms, and the
//! forward pass that turns noise into values.
//!
//! Every mechanism is written as `x = value(parents, ε)` with its own noise `ε`:
//! a root's noise is its value; an additive-noise model's is the residual
//! `x − f(parents)`; a classifier's is a uniform draw fed through the inverse
//! distribution function of the predicted class probabilities. Noise is drawn
//! from uniforms `u` (`draw_noise`), so two models that share `u` share their
//! random numbers (common random numbers), and a mechanism that two models share
//! contributes exactly nothing to their difference.

use std::borrow::Cow;

use kausa_stats::gbdt::Gbdt;
use kausa_stats::special::normal_quantile;
use serde::{Deserialize, Serialize};

use crate::equation::{EquationNoise, Program};
use crate::{Result, ScmError};

/// What values a node takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// Real values.
    Continuous,
    /// One of a few labelled levels, carried as the codes `0..levels.len()`.
    Categorical {
        /// The label of each code.
        levels: Vec<String>,
    },
}

/// A regression function `f(parents)` of an additive-noise model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Regressor {
    /// Least squares: `intercept + coef · features`.
    Linear {
        /// The intercept.
        intercept: f64,
        /// One coefficient per feature.
        coef: Vec<f64>,
    },
    /// Ridge regression (penalty on the standardised features, chosen by cross-validation).
    Ridge {
        /// The penalty.
        alpha: f64,
        /// The intercept.
        intercept: f64,
        /// One coefficient per feature, on the original scale.
        coef: Vec<f64>,
    },
    /// Gradient-boosted trees.
    Boosted {
        /// The booster.
        model: Gbdt,
    },
}

/// The invertible outer function `g` of a post-nonlinear mechanism `x = g(f + ε)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// `g(z) = z`.
    #[default]
    Identity,
    /// `g(z) = exp(z)`: `log x` is additive in the parents and the noise.
    Log,
}

impl Link {
    /// Whether it is the identity.
    pub fn is_identity(&self) -> bool {
        *self == Link::Identity
    }

    /// `g(z)`.
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Link::Identity => z,
            Link::Log => z.exp(),
        }
    }

    /// `g⁻¹(x)`; NaN where `x` is outside `g`'s range.
    pub fn invert(self, x: f64) -> f64 {
        match self {
            Link::Identity => x,
            Link::Log if x > 0.0 => x.ln(),
            Link::Log => f64::NAN,
        }
    }
}

/// A classifier `P(level | parents)` of a categorical node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Classifier {
    /// Logistic regression: one model for two levels (the probability of the
    /// second), one per level (one versus the rest, normalised) for more.
    Logistic {
        /// The intercept of each model.
        intercepts: Vec<f64>,
        /// The coefficients of each model.
        coefs: Vec<Vec<f64>>,
    },
    /// Gradient-boosted trees with the log loss, laid out as for `Logistic`.
    Boosted {
        /// The boosters.
        models: Vec<Gbdt>,
    },
}

/// How a node's value arises from its parents and its noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mechanism {
    /// A root drawn from its observed values.
    Empirical {
        /// The observed values (codes for a categorical node).
        #[serde(with = "crate::f64s")]
        values: Vec<f64>,
    },
    /// A root drawn from a normal distribution.
    Gaussian {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// `x = g(f(parents) + ε)`, with `ε` drawn from the training residuals and
    /// `g` the link: the identity (an additive-noise model) or `exp` (a
    /// post-nonlinear model with multiplicative noise, for positive quantities).
    Additive {
        /// `f`.
        regressor: Regressor,
        /// The training residuals (on the link's scale), in row order.
        #[serde(with = "crate::f64s")]
        residuals: Vec<f64>,
        /// `g`.
        #[serde(default, skip_serializing_if = "Link::is_identity")]
        link: Link,
    },
    /// A categorical node drawn from its predicted class probabilities.
    Classifier {
        /// The classifier.
        classifier: Classifier,
    },
    /// A domain equation of the parents (in the order of its variables), plus noise.
    Equation {
        /// The expression, as written.
        expr: String,
        /// Its noise.
        noise: EquationNoise,
        /// The compiled expression (rebuilt from `expr` by [`Scm::new`]).
        #[serde(skip)]
        program: Program,
    },
}

impl Mechanism {
    /// A short name: `empirical`, `gaussian`, `linear`, `ridge`, `boosted`, `logistic`, `boosted_classifier`.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::Empirical { .. } => "empirical",
            Mechanism::Gaussian { .. } => "gaussian",
            Mechanism::Additive { regressor: Regressor::Linear { .. }, .. } => "linear",
            Mechanism::Additive { regressor: Regressor::Ridge { .. }, .. } => "ridge",
            Mechanism::Additive { regressor: Regressor::Boosted { .. }, .. } => "boosted",
            Mechanism::Classifier { classifier: Classifier::Logistic { .. } } => "logistic",
            Mechanism::Classifier { classifier: Classifier::Boosted { .. } } => "boosted_classifier",
            Mechanism::Equation { .. } => "equation",
        }
    }

    /// Whether the noise can be recovered from a value and its parents
    /// (what counterfactuals and anomaly attribution need).
    pub fn is_invertible(&self) -> bool {
        !matches!(self, Mechanism::Classifier { .. })
    }

    /// The values its noise is drawn from uniformly: a root's empirical values,
    /// an additive model's residuals, an equation's residual noise.
    pub fn noise_values(&self) -> Option<&[f64]> {
        match self {
            Mechanism::Empirical { values } => Some(values),
            Mechanism::Additive { residuals, .. } => Some(residuals),
            Mechanism::Equation { noise: EquationNoise::Residuals { residuals }, .. } => Some(residuals),
            _ => None,
        }
    }

    /// [`Mechanism::noise_values`], to change.
    pub fn noise_values_mut(&mut self) -> Option<&mut Vec<f64>> {
        match self {
            Mechanism::Empirical { values } => Some(values),
            Mechanism::Additive { residuals, .. } => Some(residuals),
            Mechanism::Equation { noise: EquationNoise::Residuals { residuals }, .. } => Some(residuals),
            _ => None,
        }
    }

    /// Noise drawn from this mechanism's noise distribution at the uniforms `u`.
    pub fn draw_noise(&self, u: &[f64], out: &mut [f64]) {
        match self {
            Mechanism::Empirical { values } => pick_all(values, u, out),
            Mechanism::Additive { residuals, .. } => pick_all(residuals, u, out),
            Mechanism::Gaussian { mean, sd } => {
                out.iter_mut().zip(u).for_each(|(o, &u)| *o = mean + sd * normal_quantile(u.max(f64::MIN_POSITIVE)))
            }
            Mechanism::Classifier { .. } => out.copy_from_slice(u),
            Mechanism::Equation { noise, .. } => match noise {
                EquationNoise::None => out.fill(0.0),
                EquationNoise::Residuals { residuals } => pick_all(residuals, u, out),
                EquationNoise::Normal { sd } => {
                    out.iter_mut().zip(u).for_each(|(o, &u)| *o = sd * normal_quantile(u.max(f64::MIN_POSITIVE)))
                }
            },
        }
    }

    /// The node's values from its parents' feature columns and its noise.
    pub fn evaluate(&self, features: &[Cow<'_, [f64]>], noise: &[f64], out: &mut [f64]) {
        match self {
            Mechanism::Empirical { .. } | Mechanism::Gaussian { .. } => out.copy_from_slice(noise),
            Mechanism::Additive { regressor, link, .. } => {
                regressor.predict(features, out);
                out.iter_mut().zip(noise).for_each(|(o, e)| *o = link.apply(*o + e));
            }
            Mechanism::Classifier { classifier } => {
                let mut probs = vec![0.0; classifier.levels()];
                for (i, o) in out.iter_mut().enumerate() {
                    classifier.probabilities(features, i, &mut probs);
                    *o = inverse_cdf(&probs, noise[i]) as f64;
                }
            }
            Mechanism::Equation { program, .. } => {
                let inputs: Vec<&[f64]> = features.iter().map(|f| &f[..]).collect();
                program.eval(&inputs, out);
                out.iter_mut().zip(noise).for_each(|(o, e)| *o += e);
            }
        }
    }

    /// The noise that produced the observed values `x` from the parents' features,
    /// or `None` for a mechanism whose noise cannot be recovered.
    pub fn abduct(&self, features: &[Cow<'_, [f64]>], x: &[f64]) -> Option<Vec<f64>> {
        match self {
            Mechanism::Empirical { .. } | Mechanism::Gaussian { .. } => Some(x.to_vec()),
            Mechanism::Additive { regressor, link, .. } => {
                let mut out = vec![0.0; x.len()];
                regressor.predict(features, &mut out);
                out.iter_mut().zip(x).for_each(|(o, v)| *o = link.invert(*v) - *o);
                Some(out)
            }
            Mechanism::Classifier { .. } => None,
            Mechanism::Equation { program, .. } => {
                let inputs: Vec<&[f64]> = features.iter().map(|f| &f[..]).collect();
                let mut out = vec![0.0; x.len()];
                program.eval(&inputs, &mut out);
                out.iter_mut().zip(x).for_each(|(o, v)| *o = v - *o);
                Some(out)
            }
        }
    }
}

/// `out[i] = values[⌊u[i] · n⌋]` (`n` values; the last where rounding reaches `n`),
/// compiled for the machine's vector instructions (a gather), checked at run time.
fn pick_all(values: &[f64], u: &[f64], out: &mut [f64]) {
    struct Pick<'a>(&'a [f64], &'a [f64], &'a mut [f64]);
    impl pulp::WithSimd for Pick<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let Pick(values, u, out) = self;
            // Fitted and loaded models have values ([`Scm::validated`] checks files).
            let last = values.len().checked_sub(1).expect("a noise distribution with values");
            let n = values.len() as f64;
            for (o, &u) in out.iter_mut().zip(u) {
                *o = values[((u * n) as usize).min(last)];
            }
        }
    }
    pulp::Arch::new().dispatch(Pick(values, u, out));
}

/// The level at which the cumulative probabilities first exceed `u`.
fn inverse_cdf(probs: &[f64], u: f64) -> usize {
    let mut acc = 0.0;
    for (k, p) in probs.iter().enumerate() {
        acc += p;
        if u < acc {
            return k;
        }
    }
    probs.len() - 1
}

impl Regressor {
    /// `f` at every row of the feature columns.
    pub fn predict(&self, features: &[Cow<'_, [f64]>], out: &mut [f64]) {
        match self {
            Regressor::Linear { intercept, coef } | Regressor::Ridge { intercept, coef, .. } => {
                out.fill(*intercept);
                for (c, f) in coef.iter().zip(features) {
                    out.iter_mut().zip(f.iter()).for_each(|(o, v)| *o += c * v);
                }
            }
            Regressor::Boosted { model } => {
                let cols: Vec<&[f64]> = features.iter().map(|f| &f[..]).collect();
                if cols.is_empty() {
                    out.fill(model.predict_row(&[]));
                } else {
                    out.copy_from_slice(&model.predict(&cols));
                }
            }
        }
    }
}

impl Classifier {
    /// The number of levels.
    pub fn levels(&self) -> usize {
        let models = match self {
            Classifier::Logistic { intercepts, .. } => intercepts.len(),
            Classifier::Boosted { models } => models.len(),
        };
        if models == 1 { 2 } else { models }
    }

    /// The class probabilities of row `i`.
    pub fn probabilities(&self, features: &[Cow<'_, [f64]>], i: usize, out: &mut [f64]) {
        let one = |m: usize| -> f64 {
            match self {
                Classifier::Logistic { intercepts, coefs } => {
                    let eta = intercepts[m] + coefs[m].iter().zip(features).map(|(c, f)| c * f[i]).sum::<f64>();
                    1.0 / (1.0 + (-eta).exp())
                }
                Classifier::Boosted { models } => {
                    let row: Vec<f64> = features.iter().map(|f| f[i]).collect();
                    models[m].predict_row(&row)
                }
            }
        };
        if out.len() == 2 {
            let p = one(0);
            out[0] = 1.0 - p;
            out[1] = p;
        } else {
            let mut total = 0.0;
            for (k, o) in out.iter_mut().enumerate() {
                *o = one(k).max(1e-12);
                total += *o;
            }
            out.iter_mut().for_each(|o| *o /= total);
        }
    }
}

/// One variable of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Its name (a column of the training data).
    pub name: String,
    /// What values it takes.
    pub kind: NodeKind,
    /// Its parents, as node indices.
    pub parents: Vec<usize>,
    /// How it arises from them.
    pub mechanism: Mechanism,
}

/// How an intervention changes a node.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Action {
    /// `do(X = v)` (for a categorical node, `v` is a level code).
    Set(f64),
    /// `X := X + d`, a soft intervention on the value the mechanism produced.
    Shift(f64),
    /// `X := X · f`.
    Scale(f64),
}

impl Action {
    /// The intervened value given the value the mechanism produced.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Action::Set(v) => v,
            Action::Shift(d) => x + d,
            Action::Scale(f) => x * f,
        }
    }
}

/// An intervention on one node.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Intervention {
    /// The node.
    pub node: usize,
    /// What is done to it.
    pub action: Action,
}

/// A structural causal model: a DAG with one fitted mechanism per node.
///
/// Invariants (checked by [`Scm::new`]): parents are valid node indices, the
/// graph is acyclic, names are unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scm {
    nodes: Vec<Node>,
    /// A topological order (parents before children, ties by index).
    #[serde(skip)]
    order: Vec<usize>,
}

impl Scm {
    /// A model from its nodes, after checking the invariants (and compiling equations).
    pub fn new(mut nodes: Vec<Node>) -> Result<Scm> {
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        for node in nodes.iter_mut() {
            if let Mechanism::Equation { expr, program, .. } = &mut node.mechanism {
                let compiled = Program::compile(expr)
                    .map_err(|e| ScmError::Invalid(format!("the equation of {:?}: {e}", node.name)))?;
                let parents: Vec<&String> = node.parents.iter().filter_map(|&p| names.get(p)).collect();
                if compiled.variables.iter().collect::<Vec<_>>() != parents {
                    return Err(ScmError::Invalid(format!(
                        "the equation of {:?} uses {:?} but the node's parents are {:?}",
                        node.name, compiled.variables, parents
                    )));
                }
                *program = compiled;
            }
        }
        for node in nodes.iter().filter(|n| matches!(n.mechanism, Mechanism::Equation { .. })) {
            let parents = node.parents.iter().filter_map(|&p| nodes.get(p)).map(|p| (p.name.as_str(), &p.kind));
            equation_kinds(&node.kind, parents)
                .map_err(|reason| ScmError::Invalid(format!("node {:?}: {reason}", node.name)))?;
        }
        for (j, node) in nodes.iter().enumerate() {
            if let Some(k) = nodes[..j].iter().position(|n| n.name == node.name) {
                return Err(ScmError::Invalid(format!(
                    "node {:?} appears twice (nodes {} and {})",
                    node.name,
                    k + 1,
                    j + 1
                )));
            }
            if let Some(&p) = node.parents.iter().find(|&&p| p >= nodes.len()) {
                return Err(ScmError::Invalid(format!("node {:?} has parent index {p}, out of range", node.name)));
            }
        }
        let parents: Vec<Vec<usize>> = nodes.iter().map(|n| n.parents.clone()).collect();
        let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        let order = topological_order(&names, &parents)?;
        Ok(Scm { nodes, order })
    }

    /// Restores the derived fields after deserialisation, checking the invariants
    /// (and that every fitted noise distribution has values to draw from).
    ///
    /// A model file's checksum shows it was not changed by accident; this shows
    /// that what it holds fits together — every mechanism's parameters match the
    /// node's kind and the features its parents give, every tree ends in leaves,
    /// every number is finite — so a hand-edited (and re-sealed) file is an
    /// error here, not a panic or a wrong answer later.
    pub fn validated(self) -> Result<Scm> {
        if self.nodes.is_empty() {
            return Err(ScmError::Invalid("the model has no nodes".into()));
        }
        let scm = Scm::new(self.nodes)?;
        for j in 0..scm.nodes.len() {
            check_mechanism(&scm.nodes, j)
                .map_err(|m| ScmError::Invalid(format!("node {:?}: {m}", scm.nodes[j].name)))?;
        }
        Ok(scm)
    }

    /// The nodes, in their index order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Mutable access to one node's mechanism (the structure stays fixed).
    pub fn mechanism_mut(&mut self, j: usize) -> &mut Mechanism {
        &mut self.nodes[j].mechanism
    }

    /// A topological order of the nodes.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The node called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// The node names.
    pub fn names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    /// `target` and its ancestors, in topological order.
    pub fn ancestors_of(&self, target: usize) -> Vec<usize> {
        let mut keep = vec![false; self.nodes.len()];
        let mut stack = vec![target];
        keep[target] = true;
        while let Some(j) = stack.pop() {
            for &p in &self.nodes[j].parents {
                if !keep[p] {
                    keep[p] = true;
                    stack.push(p);
                }
            }
        }
        self.order.iter().copied().filter(|&j| keep[j]).collect()
    }

    /// Whether `node` is `from` or lies downstream of it.
    pub fn descendants_of(&self, from: &[usize]) -> Vec<bool> {
        let mut mark = vec![false; self.nodes.len()];
        from.iter().for_each(|&j| mark[j] = true);
        for &j in &self.order {
            if self.nodes[j].parents.iter().any(|&p| mark[p]) {
                mark[j] = true;
            }
        }
        mark
    }

    /// The feature columns node `j`'s mechanism reads: a continuous parent as
    /// it is, a categorical parent with `k` levels as `k − 1` indicators.
    pub fn features<'a>(&self, j: usize, values: &'a [Vec<f64>]) -> Vec<Cow<'a, [f64]>> {
        design(&self.nodes, j, |p| &values[p])
    }

    /// Runs the model forward over `nodes` (a topologically ordered subset whose
    /// parents outside the subset already hold values in `values`): each node's
    /// value comes from `mechanism(j)` and `noise(j)`, then its intervention, if any.
    pub fn forward<'m, 'n>(
        &'m self,
        nodes: &[usize],
        noise: impl Fn(usize) -> &'n [f64],
        actions: &[Option<Action>],
        mechanism: impl Fn(usize) -> &'m Mechanism,
        values: &mut [Vec<f64>],
    ) {
        for &j in nodes {
            let e = noise(j);
            let mut out = vec![0.0; e.len()];
            {
                let features = design(&self.nodes, j, |p| &values[p]);
                mechanism(j).evaluate(&features, e, &mut out);
            }
            if let Some(action) = actions[j] {
                out.iter_mut().for_each(|x| *x = action.apply(*x));
            }
            values[j] = out;
        }
    }

    /// Fills the empty columns of noise-free equation nodes from their equations
    /// (in topological order, so equations of equations work).
    pub fn fill_equations(&self, columns: &mut [Vec<f64>]) {
        let n = columns.iter().map(Vec::len).max().unwrap_or(0);
        for &j in &self.order {
            if columns[j].is_empty() && matches!(self.nodes[j].mechanism, Mechanism::Equation { .. }) {
                let mut out = vec![0.0; n];
                {
                    let features = design(&self.nodes, j, |p| &columns[p]);
                    self.nodes[j].mechanism.evaluate(&features, &vec![0.0; n], &mut out);
                }
                columns[j] = out;
            }
        }
    }

    /// The actions per node of a list of interventions.
    pub fn actions(&self, interventions: &[Intervention]) -> Vec<Option<Action>> {
        let mut actions = vec![None; self.nodes.len()];
        for i in interventions {
            actions[i.node] = Some(i.action);
        }
        actions
    }
}

/// An equation reads numbers and gives one: its node and its parents are continuous
/// (a categorical node's codes would enter it as indicator columns). The reason, if not.
pub(crate) fn equation_kinds<'a>(
    kind: &NodeKind,
    mut parents: impl Iterator<Item = (&'a str, &'a NodeKind)>,
) -> std::result::Result<(), String> {
    if let Some((name, _)) = parents.find(|(_, k)| !matches!(k, NodeKind::Continuous)) {
        return Err(format!("an equation cannot read the categorical node {name:?}"));
    }
    if !matches!(kind, NodeKind::Continuous) {
        return Err("an equation node must be continuous".into());
    }
    Ok(())
}

/// The feature columns a parent of this kind gives: itself, or an indicator for
/// each level but the first (see [`design`]).
fn feature_width(kind: &NodeKind) -> usize {
    match kind {
        NodeKind::Continuous => 1,
        NodeKind::Categorical { levels } => levels.len().saturating_sub(1),
    }
}

/// Whether node `j`'s mechanism fits its node (see [`Scm::validated`]).
fn check_mechanism(nodes: &[Node], j: usize) -> std::result::Result<(), String> {
    use kausa_stats::gbdt::Loss;
    let node = &nodes[j];
    let features: usize = node.parents.iter().map(|&p| feature_width(&nodes[p].kind)).sum();
    let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
    let levels = match &node.kind {
        NodeKind::Continuous => None,
        NodeKind::Categorical { levels } => Some(levels.len()),
    };
    let continuous = |what: &str| match levels {
        Some(k) => Err(format!("{what} gives continuous values, but the node is categorical ({k} levels)")),
        None => Ok(()),
    };
    let noise = |values: &[f64]| {
        if values.is_empty() {
            Err("no values to draw its noise from".to_string())
        } else if !finite(values) {
            Err("a noise value that is not a finite number".to_string())
        } else {
            Ok(())
        }
    };
    let coefficients = |intercept: f64, coef: &[f64]| {
        if coef.len() != features {
            Err(format!("{} coefficients for the {features} features its parents give", coef.len()))
        } else if !intercept.is_finite() || !finite(coef) {
            Err("a coefficient that is not a finite number".to_string())
        } else {
            Ok(())
        }
    };
    match &node.mechanism {
        Mechanism::Empirical { values } => {
            noise(values)?;
            if let Some(k) = levels
                && let Some(v) = values.iter().find(|&&v| v < 0.0 || v.fract() != 0.0 || v >= k as f64)
            {
                return Err(format!("the value {v} is not the code of one of its {k} levels"));
            }
            Ok(())
        }
        Mechanism::Gaussian { mean, sd } => {
            continuous("a normal distribution")?;
            if !mean.is_finite() || !sd.is_finite() || *sd < 0.0 {
                return Err(format!("a normal distribution needs a finite mean and sd ≥ 0, not {mean} and {sd}"));
            }
            Ok(())
        }
        Mechanism::Additive { regressor, residuals, .. } => {
            continuous("a regression")?;
            noise(residuals)?;
            match regressor {
                Regressor::Linear { intercept, coef } => coefficients(*intercept, coef),
                Regressor::Ridge { alpha, intercept, coef } if alpha.is_finite() && *alpha >= 0.0 => {
                    coefficients(*intercept, coef)
                }
                Regressor::Ridge { alpha, .. } => Err(format!("a ridge penalty of {alpha}")),
                Regressor::Boosted { model } => model.check(features, Loss::Squared),
            }
        }
        Mechanism::Classifier { classifier } => {
            let Some(k) = levels.filter(|&k| k >= 2) else {
                return Err("a classifier needs a categorical node of at least two levels".into());
            };
            // One model for two levels (the second's probability), one per level for more.
            let want = if k == 2 { 1 } else { k };
            match classifier {
                Classifier::Logistic { intercepts, coefs } => {
                    if intercepts.len() != want || coefs.len() != want {
                        return Err(format!(
                            "{} logistic intercepts and {} coefficient rows for {k} levels (want {want})",
                            intercepts.len(),
                            coefs.len()
                        ));
                    }
                    intercepts.iter().zip(coefs).try_for_each(|(&i, c)| coefficients(i, c))
                }
                Classifier::Boosted { models } => {
                    if models.len() != want {
                        return Err(format!("{} boosters for {k} levels (want {want})", models.len()));
                    }
                    models.iter().try_for_each(|m| m.check(features, Loss::Logistic))
                }
            }
        }
        Mechanism::Equation { noise: n, .. } => match n {
            EquationNoise::None => Ok(()),
            EquationNoise::Residuals { residuals } => noise(residuals),
            EquationNoise::Normal { sd } if sd.is_finite() && *sd >= 0.0 => Ok(()),
            EquationNoise::Normal { sd } => Err(format!("equation noise with sd {sd}")),
        },
    }
}

/// Feature columns of node `j` given a way to look up any node's values.
pub(crate) fn design<'a>(nodes: &[Node], j: usize, column: impl Fn(usize) -> &'a [f64]) -> Vec<Cow<'a, [f64]>> {
    let mut out = Vec::new();
    for &p in &nodes[j].parents {
        let col = column(p);
        match &nodes[p].kind {
            NodeKind::Continuous => out.push(Cow::Borrowed(col)),
            NodeKind::Categorical { levels } => {
                for level in 1..levels.len() {
                    out.push(Cow::Owned(col.iter().map(|&c| f64::from(c as usize == level)).collect()));
                }
            }
        }
    }
    out
}

/// A topological order by Kahn's algorithm (smallest index first), or the error
/// naming a cycle.
pub(crate) fn topological_order(names: &[String], parents: &[Vec<usize>]) -> Result<Vec<usize>> {
    let p = names.len();
    let mut indegree: Vec<usize> = parents.iter().map(|ps| ps.len()).collect();
    let mut children = vec![Vec::new(); p];
    for (j, ps) in parents.iter().enumerate() {
        for &q in ps {
            children[q].push(j);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..p).filter(|&j| indegree[j] == 0).collect();
    let mut order = Vec::with_capacity(p);
    while let Some(j) = ready.pop_first() {
        order.push(j);
        for &c in &children[j] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.insert(c);
            }
        }
    }
    if order.len() < p {
        // Walk parents among the unplaced nodes until one repeats: that is a cycle.
        let placed: Vec<bool> = (0..p).map(|j| order.contains(&j)).collect();
        let mut at = (0..p).find(|&j| !placed[j]).unwrap_or(0);
        let mut path = vec![at];
        loop {
            at = parents[at].iter().copied().find(|&q| !placed[q]).unwrap_or(at);
            if let Some(pos) = path.iter().position(|&v| v == at) {
                let mut cycle: Vec<String> = path[pos..].iter().rev().map(|&v| names[v].clone()).collect();
                cycle.push(cycle[0].clone());
                return Err(ScmError::Cyclic { cycle });
            }
            path.push(at);
        }
    }
    Ok(order)
}
