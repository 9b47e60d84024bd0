//! Estimands: expressions in the observational distribution.

use crate::NodeSet;

/// An expression in the observational distribution `P(v)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `P(vars | given)`, a marginal or conditional of the observational distribution.
    Prob {
        /// The variables whose probability is taken.
        vars: NodeSet,
        /// The conditioning variables (may be empty).
        given: NodeSet,
    },
    /// `Σ_over body`: the body summed over every value of the variables `over`.
    Sum {
        /// The variables summed out.
        over: NodeSet,
        /// What is summed.
        body: Box<Expr>,
    },
    /// The product of the factors (the empty product is 1).
    Product(Vec<Expr>),
    /// `num / den`.
    Ratio {
        /// Numerator.
        num: Box<Expr>,
        /// Denominator.
        den: Box<Expr>,
    },
}

impl Expr {
    /// `Σ_over body`, or `body` when `over` is empty.
    pub fn sum(over: NodeSet, body: Expr) -> Expr {
        if over.is_empty() { body } else { Expr::Sum { over, body: Box::new(body) } }
    }

    /// The product, flattened, or the single factor itself.
    pub fn product(factors: Vec<Expr>) -> Expr {
        let mut flat = Vec::new();
        for f in factors {
            match f {
                Expr::Product(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        if flat.len() == 1 { flat.pop().expect("one factor") } else { Expr::Product(flat) }
    }

    /// The same expression with the factors that sum to one removed:
    /// `Σ_a P(a | b) f = f` when `f` does not mention `a`, `Σ_a P(a, b | c) = P(b | c)`,
    /// and `e / 1 = e`.
    pub fn simplified(&self) -> Expr {
        match self {
            Expr::Prob { .. } => self.clone(),
            Expr::Product(f) => Expr::product(f.iter().map(Expr::simplified).collect()),
            Expr::Ratio { num, den } => {
                let (num, den) = (num.simplified(), den.simplified());
                if den.is_one() { num } else { Expr::Ratio { num: Box::new(num), den: Box::new(den) } }
            }
            Expr::Sum { over, body } => {
                let mut over = over.clone();
                let mut factors = match body.simplified() {
                    Expr::Product(f) => f,
                    other => vec![other],
                };
                loop {
                    let removable = (0..factors.len()).find(|&i| match &factors[i] {
                        Expr::Prob { vars, .. } => {
                            vars.is_subset(&over)
                                && factors
                                    .iter()
                                    .enumerate()
                                    .all(|(j, f)| j == i || vars.intersection(&f.mentions()).is_empty())
                        }
                        _ => false,
                    });
                    let Some(i) = removable else { break };
                    if let Expr::Prob { vars, .. } = factors.remove(i) {
                        over = over.difference(&vars);
                    }
                }
                if let [Expr::Prob { vars, given }] = factors.as_slice()
                    && over.is_subset(vars)
                {
                    return Expr::Prob { vars: vars.difference(&over), given: given.clone() };
                }
                Expr::sum(over, Expr::product(factors))
            }
        }
    }

    /// Whether the expression is the empty product.
    fn is_one(&self) -> bool {
        matches!(self, Expr::Product(f) if f.is_empty())
    }

    /// The variables the expression depends on (free or summed).
    fn mentions(&self) -> NodeSet {
        match self {
            Expr::Prob { vars, given } => vars.union(given),
            Expr::Sum { over, body } => over.union(&body.mentions()),
            Expr::Product(f) => {
                f.iter().map(Expr::mentions).reduce(|a, b| a.union(&b)).unwrap_or_else(|| NodeSet::empty(1))
            }
            Expr::Ratio { num, den } => num.mentions().union(&den.mentions()),
        }
    }

    /// The expression as a formula, with `names[v]` for node `v`. A summation
    /// variable that is already bound outside (an intervened value, or an
    /// outer sum) is primed inside its sum: `Σ_{X'} P(Y | M, X') P(X')`.
    pub fn to_formula(&self, names: &[String], intervened: &NodeSet) -> String {
        let mut shown: Vec<String> = names.to_vec();
        let mut bound = intervened.clone();
        let mut out = String::new();
        self.write(&mut out, &mut shown, &mut bound, false);
        out
    }

    fn write(&self, out: &mut String, shown: &mut Vec<String>, bound: &mut NodeSet, in_product: bool) {
        let list =
            |set: &NodeSet, shown: &[String]| set.iter().map(|v| shown[v].clone()).collect::<Vec<_>>().join(", ");
        match self {
            Expr::Prob { vars, given } => {
                out.push_str("P(");
                out.push_str(&list(vars, shown));
                if !given.is_empty() {
                    out.push_str(" | ");
                    out.push_str(&list(given, shown));
                }
                out.push(')');
            }
            Expr::Sum { over, body } => {
                let saved: Vec<(usize, String)> = over.iter().map(|v| (v, shown[v].clone())).collect();
                for v in over.iter() {
                    if bound.contains(v) {
                        shown[v] = format!("{}'", shown[v]);
                    }
                }
                let was_bound = bound.clone();
                *bound = bound.union(over);
                if in_product {
                    out.push('[');
                }
                out.push_str("Σ_{");
                out.push_str(&list(over, shown));
                out.push_str("} ");
                body.write(out, shown, bound, false);
                if in_product {
                    out.push(']');
                }
                *bound = was_bound;
                for (v, name) in saved {
                    shown[v] = name;
                }
            }
            Expr::Product(factors) => {
                if factors.is_empty() {
                    out.push('1');
                }
                for (i, f) in factors.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    f.write(out, shown, bound, true);
                }
            }
            Expr::Ratio { num, den } => {
                out.push('(');
                num.write(out, shown, bound, false);
                out.push_str(") / (");
                den.write(out, shown, bound, false);
                out.push(')');
            }
        }
    }

    /// Every variable the expression mentions (free or summed), of `p` nodes.
    pub fn variables(&self, p: usize) -> NodeSet {
        match self {
            Expr::Prob { vars, given } => vars.union(given),
            Expr::Product(factors) => factors.iter().fold(NodeSet::empty(p), |s, f| s.union(&f.variables(p))),
            Expr::Ratio { num, den } => num.variables(p).union(&den.variables(p)),
            Expr::Sum { over, body } => over.union(&body.variables(p)),
        }
    }

    /// The variables the expression depends on: those it mentions outside a sum over them.
    pub fn free_variables(&self, p: usize) -> NodeSet {
        match self {
            Expr::Prob { vars, given } => vars.union(given),
            Expr::Product(factors) => factors.iter().fold(NodeSet::empty(p), |s, f| s.union(&f.free_variables(p))),
            Expr::Ratio { num, den } => num.free_variables(p).union(&den.free_variables(p)),
            Expr::Sum { over, body } => body.free_variables(p).difference(over),
        }
    }

    /// How many terms [`Expr::evaluate`] computes: the product of the levels of
    /// nested summed variables, added over factors (saturating).
    pub fn summed_cells(&self, levels: &[usize]) -> u64 {
        match self {
            Expr::Prob { .. } => 1,
            Expr::Product(factors) => factors.iter().fold(0u64, |t, f| t.saturating_add(f.summed_cells(levels))),
            Expr::Ratio { num, den } => num.summed_cells(levels).saturating_add(den.summed_cells(levels)),
            Expr::Sum { over, body } => {
                over.iter().fold(body.summed_cells(levels), |t, v| t.saturating_mul(levels[v].max(1) as u64))
            }
        }
    }

    /// The value of the expression for the values in `at` (every variable that
    /// is free in the expression must be set), given a way to compute
    /// `P(vars = at[vars] | given = at[given])` and each variable's number of levels.
    /// Exponential in the summed variables: for small models (tests, and the
    /// plug-in estimate on discrete data, see [`Expr::summed_cells`]).
    pub fn evaluate(
        &self,
        at: &mut Vec<usize>,
        levels: &[usize],
        prob: &dyn Fn(&NodeSet, &NodeSet, &[usize]) -> f64,
    ) -> f64 {
        match self {
            Expr::Prob { vars, given } => prob(vars, given, at),
            Expr::Product(factors) => {
                // A zero factor makes the product zero whatever the others are: a
                // conditional in a stratum of probability zero (`prob` may say NaN,
                // undefined) is then not needed.
                let values: Vec<f64> = factors.iter().map(|f| f.evaluate(at, levels, prob)).collect();
                if values.contains(&0.0) { 0.0 } else { values.iter().product() }
            }
            Expr::Ratio { num, den } => {
                // A zero denominator is a stratum the estimand needs but that has
                // probability zero: undefined (NaN), unless a zero factor outside discards it.
                let d = den.evaluate(at, levels, prob);
                if d == 0.0 { f64::NAN } else { num.evaluate(at, levels, prob) / d }
            }
            Expr::Sum { over, body } => {
                let vars = over.to_vec();
                let saved: Vec<usize> = vars.iter().map(|&v| at[v]).collect();
                let mut total = 0.0;
                let mut idx = vec![0usize; vars.len()];
                loop {
                    for (&v, &i) in vars.iter().zip(&idx) {
                        at[v] = i;
                    }
                    total += body.evaluate(at, levels, prob);
                    // Next combination of levels.
                    let mut k = 0;
                    while k < vars.len() {
                        idx[k] += 1;
                        if idx[k] < levels[vars[k]] {
                            break;
                        }
                        idx[k] = 0;
                        k += 1;
                    }
                    if k == vars.len() {
                        break;
                    }
                }
                for (&v, s) in vars.iter().zip(saved) {
                    at[v] = s;
                }
                total
            }
        }
    }
}
