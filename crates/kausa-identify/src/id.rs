//! The ID algorithm (Shpitser and Pearl 2006): complete identification of
//! `P(y | do(x))` in an ADMG, or a hedge that proves it impossible.
//!
//! The distribution of a sub-problem is kept as a chain of factors in
//! topological order, each the conditional of its variable given all earlier
//! ones: the observational joint at the start (factors `P(v | earlier)`), and
//! after line 7 the factors of the district kept, which are exactly its new
//! conditionals. Only marginalising a set that is not a suffix of the chain
//! (line 2 after line 7) needs the general ratio of sums.

use crate::{Admg, Expr, NodeSet};

/// Why `P(y | do(x))` is not identifiable: two nested sets `F' ⊂ F` of nodes
/// that are both single districts, with `F'` the part of `F` outside `X`
/// (a C-forest pair in Shpitser and Pearl's terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hedge {
    /// The larger district `F`.
    pub f: NodeSet,
    /// The smaller district `F' = F ∩ S`.
    pub f_prime: NodeSet,
}

/// The current distribution of a sub-problem.
#[derive(Clone, Debug)]
enum Dist {
    /// The observational marginal over these variables.
    Joint(NodeSet),
    /// Factors `(v, P(v | everything before v))` in topological order; their
    /// product is the joint over the `v`s (other variables held fixed).
    Chain(Vec<(usize, Expr)>),
}

struct Id<'g> {
    g: &'g Admg,
    p: usize,
}

impl Id<'_> {
    fn empty(&self) -> NodeSet {
        NodeSet::empty(self.p)
    }

    /// The variables of `v` in topological order.
    fn ordered(&self, v: &NodeSet) -> Vec<usize> {
        self.g.topological_order().iter().copied().filter(|&u| v.contains(u)).collect()
    }

    /// `P(u | everything before u in `v`)` under `dist` (over the variables `v`).
    fn conditional(&self, dist: &Dist, v: &NodeSet, u: usize) -> Expr {
        let order = self.ordered(v);
        let pos = order.iter().position(|&w| w == u).expect("u is a variable of the sub-problem");
        let before = NodeSet::of(self.p, order[..pos].iter().copied());
        match dist {
            Dist::Joint(_) => Expr::Prob { vars: NodeSet::of(self.p, [u]), given: before },
            Dist::Chain(factors) => {
                factors.iter().find(|(w, _)| *w == u).map(|(_, f)| f.clone()).expect("a factor per variable")
            }
        }
    }

    /// The joint of `dist` as an expression.
    fn joint(&self, dist: &Dist) -> Expr {
        match dist {
            Dist::Joint(v) => Expr::Prob { vars: v.clone(), given: self.empty() },
            Dist::Chain(factors) => Expr::product(factors.iter().map(|(_, f)| f.clone()).collect()),
        }
    }

    /// `Σ_{v \ keep} dist`, as a distribution over `keep`.
    fn marginal(&self, dist: &Dist, v: &NodeSet, keep: &NodeSet) -> Dist {
        match dist {
            Dist::Joint(_) => Dist::Joint(keep.clone()),
            Dist::Chain(factors) => {
                let order = self.ordered(v);
                let first_dropped = order.iter().position(|&u| !keep.contains(u)).unwrap_or(order.len());
                if order[first_dropped..].iter().all(|&u| !keep.contains(u)) {
                    // A suffix of the chain: its factors sum to one.
                    return Dist::Chain(factors.iter().filter(|(u, _)| keep.contains(*u)).cloned().collect());
                }
                // In general: P(u | earlier kept) = Σ P / Σ P over the right sets.
                let joint = self.joint(dist);
                let kept: Vec<usize> = order.iter().copied().filter(|&u| keep.contains(u)).collect();
                let mut out = Vec::with_capacity(kept.len());
                for (i, &u) in kept.iter().enumerate() {
                    let before = NodeSet::of(self.p, kept[..i].iter().copied());
                    let with_u = before.union(&NodeSet::of(self.p, [u]));
                    let num = Expr::sum(v.difference(&with_u), joint.clone());
                    let den = Expr::sum(v.difference(&before), joint.clone());
                    out.push((u, Expr::Ratio { num: Box::new(num), den: Box::new(den) }));
                }
                Dist::Chain(out)
            }
        }
    }

    /// ID(y, x, P, G[v]).
    fn run(&self, y: &NodeSet, x: &NodeSet, dist: &Dist, v: &NodeSet) -> Result<Expr, Hedge> {
        let g = self.g;
        // Line 1: no intervention.
        if x.is_empty() {
            return Ok(match dist {
                Dist::Joint(_) => Expr::Prob { vars: y.clone(), given: self.empty() },
                Dist::Chain(_) => Expr::sum(v.difference(y), self.joint(dist)),
            });
        }
        // Line 2: only ancestors of Y matter.
        let an_y = g.ancestors(y, v);
        if an_y != *v {
            let d = self.marginal(dist, v, &an_y);
            return self.run(y, &x.intersection(&an_y), &d, &an_y);
        }
        // Line 3: intervene also on what X cuts off from Y.
        let an_y_cut = g.ancestors_where(y, v, &|_, b| !x.contains(b));
        let w = v.difference(x).difference(&an_y_cut);
        if !w.is_empty() {
            return self.run(y, &x.union(&w), dist, v);
        }
        let rest = v.difference(x);
        let districts = g.districts(&rest);
        // Line 4: one sub-problem per district of G[V \ X].
        if districts.len() > 1 {
            let mut factors = Vec::with_capacity(districts.len());
            for s in &districts {
                factors.push(self.run(s, &v.difference(s), dist, v)?);
            }
            return Ok(Expr::sum(v.difference(&y.union(x)), Expr::product(factors)));
        }
        let s = &districts[0];
        let whole = g.districts(v);
        // Line 5: G is one district: a hedge.
        if whole.len() == 1 {
            return Err(Hedge { f: v.clone(), f_prime: s.clone() });
        }
        // Line 6: S is a district of G.
        if whole.iter().any(|d| d == s) {
            let factors = self.ordered(s).into_iter().map(|u| self.conditional(dist, v, u)).collect();
            return Ok(Expr::sum(s.difference(y), Expr::product(factors)));
        }
        // Line 7: S lies inside a larger district S' of G.
        let s2 = whole.iter().find(|d| s.is_subset(d)).expect("districts of G[V \\ X] lie in districts of G");
        let factors: Vec<(usize, Expr)> =
            self.ordered(s2).into_iter().map(|u| (u, self.conditional(dist, v, u))).collect();
        self.run(y, &x.intersection(s2), &Dist::Chain(factors), s2)
    }
}

/// `P(y | do(x))` as an expression in the observational distribution, or the
/// hedge that shows it is not identifiable. `x` and `y` must be disjoint and `y` non-empty.
pub fn identify_id(g: &Admg, x: &NodeSet, y: &NodeSet) -> Result<Expr, Hedge> {
    let id = Id { g, p: g.n_nodes() };
    let all = g.all();
    id.run(y, x, &Dist::Joint(all.clone()), &all).map(|e| e.simplified())
}
