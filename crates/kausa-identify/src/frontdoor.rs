//! The front-door criterion (Pearl 1995).
//!
//! `M` satisfies it relative to `(X, Y)` when (i) every directed path from `X`
//! to `Y` meets `M`, (ii) no back-door path from `X` to `M` is open (given
//! nothing), and (iii) every back-door path from `M` to `Y` is blocked by `X`.
//! (ii) and (iii) hold for a set exactly when they hold for each of its nodes,
//! and (i) only gets easier as `M` grows, so a front-door set exists exactly
//! when the set of all nodes that pass (ii) and (iii) one by one satisfies (i)
//! (the observation behind Jeong, Tian and Bareinboim 2022). The set reported
//! keeps of those only the nodes on causal paths from `X` to `Y`.
//! Then `P(y | do(x)) = Σ_m P(m | x) Σ_x' P(y | m, x') P(x')`.

use crate::adjust::proper_causal_nodes;
use crate::{Admg, Expr, NodeSet};

/// A front-door set for the effect of `x` on `y`, with its estimand, if one exists.
pub fn front_door(g: &Admg, x: &NodeSet, y: &NodeSet) -> Option<(NodeSet, Expr)> {
    let p = g.n_nodes();
    let cn = proper_causal_nodes(g, x, y);
    if cn.is_empty() {
        // No causal path: there is nothing to identify through a mediator.
        return None;
    }
    let none = NodeSet::empty(p);
    // (ii): back-door paths from X start with an edge into X: drop X's outgoing edges.
    let from_x = g.m_reachable(x, &none, &|a, _| !x.contains(a));
    let candidates = g.all().difference(x).difference(y).difference(&from_x);
    let mut m = NodeSet::empty(p);
    for v in candidates.iter() {
        // (iii) for v: no path from v into Y, starting with an edge into v, open given X.
        let one = NodeSet::of(p, [v]);
        if !g.m_connected(&one, y, x, &|a, _| a != v) {
            m.insert(v);
        }
    }
    // (i): no directed path from X to Y avoids M.
    let open = g.all().difference(&m);
    let mut start = NodeSet::empty(p);
    for u in x.iter() {
        g.children(u).iter().filter(|&&c| open.contains(c)).for_each(|&c| start.insert(c));
    }
    if !g.descendants(&start, &open).intersection(y).is_empty() {
        return None;
    }
    let m = m.intersection(&cn);
    let estimand = Expr::sum(
        m.clone(),
        Expr::product(vec![
            Expr::Prob { vars: m.clone(), given: x.clone() },
            Expr::sum(
                x.clone(),
                Expr::product(vec![
                    Expr::Prob { vars: y.clone(), given: m.union(x) },
                    Expr::Prob { vars: x.clone(), given: none },
                ]),
            ),
        ]),
    );
    Some((m, estimand))
}
