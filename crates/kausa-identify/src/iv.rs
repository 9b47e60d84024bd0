//! Instrumental variables.
//!
//! A node `z` is an instrument for the effect of `x` on `y` when it is
//! m-connected to `x` (relevance) and m-separated from `y` once the edges out
//! of `x` are dropped (every path from `z` to `y` runs through `x`, and `z`
//! shares no latent cause with `y`). With a linear effect, `β = cov(y, z) / cov(x, z)`.

use crate::{Admg, NodeSet};

/// The single-node instruments for the effect of `x` on `y`, ascending.
pub fn instruments(g: &Admg, x: &NodeSet, y: &NodeSet) -> Vec<usize> {
    let p = g.n_nodes();
    let none = NodeSet::empty(p);
    let near_x = g.m_reachable(x, &none, &|_, _| true);
    let near_y = g.m_reachable(y, &none, &|a, _| !x.contains(a));
    near_x.difference(&near_y).difference(x).difference(y).iter().collect()
}
