//! Zhang's (2008) orientation rules on a PAG.
//!
//! Notation: `at(a, b)` is the mark at `b` on the edge `a – b`; `*` is any mark.
//! Every rule only turns circles into arrowheads or tails, so it never undoes
//! another rule or a knowledge mark.

use std::collections::VecDeque;

use kausa_graph::{Graph, Mark};

use crate::SepSets as Seps;

fn at(g: &Graph, a: usize, b: usize) -> Option<Mark> {
    g.end(a, b)
}

fn is(g: &Graph, a: usize, b: usize, m: Mark) -> bool {
    g.end(a, b) == Some(m)
}

/// Sets the mark at `b` on `a – b` when it is a circle; reports whether it changed.
fn orient(g: &mut Graph, a: usize, b: usize, m: Mark) -> bool {
    if is(g, a, b, Mark::Circle) {
        g.set_end(a, b, m);
        true
    } else {
        false
    }
}

/// `a --> b`.
fn directed(g: &Graph, a: usize, b: usize) -> bool {
    is(g, b, a, Mark::Tail) && is(g, a, b, Mark::Arrow)
}

/// R0: an unshielded `a *-* b *-* c` with `b` outside the separating set of `a` and `c`
/// becomes `a *-> b <-* c`. Pairs without a separating set (removed by knowledge) give none.
pub(super) fn r0(g: &mut Graph, seps: &Seps) {
    let p = g.n_nodes();
    for b in 0..p {
        let adj: Vec<usize> = g.neighbors(b).collect();
        for (i, &a) in adj.iter().enumerate() {
            for &c in &adj[i + 1..] {
                if g.adjacent(a, c) || seps.contains(a, c, b) != Some(false) {
                    continue;
                }
                orient(g, a, b, Mark::Arrow);
                orient(g, c, b, Mark::Arrow);
            }
        }
    }
}

/// Applies the rules until none fires.
pub(super) fn closure(g: &mut Graph, seps: &Seps, selection_bias: bool) {
    loop {
        let mut changed = false;
        changed |= r1(g);
        changed |= r2(g);
        changed |= r3(g);
        changed |= r4(g, seps);
        if selection_bias {
            changed |= r5(g);
            changed |= r6_r7(g);
        }
        changed |= r8(g);
        changed |= r9(g);
        changed |= r10(g);
        if !changed {
            break;
        }
    }
}

/// R1: `a *-> b o-* c`, `a`, `c` not adjacent ⇒ `b --> c`.
fn r1(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for b in 0..p {
        for a in 0..p {
            if a == b || !is(g, a, b, Mark::Arrow) {
                continue;
            }
            for c in 0..p {
                if c == a || c == b || !g.adjacent(b, c) || g.adjacent(a, c) || !is(g, c, b, Mark::Circle) {
                    continue;
                }
                g.set_end(c, b, Mark::Tail);
                orient(g, b, c, Mark::Arrow);
                changed = true;
            }
        }
    }
    changed
}

/// R2: `a --> b *-> c` or `a *-> b --> c`, and `a *-o c` ⇒ `a *-> c`.
fn r2(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for a in 0..p {
        for c in 0..p {
            if a == c || !is(g, a, c, Mark::Circle) {
                continue;
            }
            let via = (0..p).any(|b| {
                b != a
                    && b != c
                    && g.adjacent(a, b)
                    && g.adjacent(b, c)
                    && ((directed(g, a, b) && is(g, b, c, Mark::Arrow))
                        || (is(g, a, b, Mark::Arrow) && directed(g, b, c)))
            });
            if via {
                changed |= orient(g, a, c, Mark::Arrow);
            }
        }
    }
    changed
}

/// R3: `a *-> b <-* c`, `a *-o d o-* c`, `a`, `c` not adjacent, `d *-o b` ⇒ `d *-> b`.
fn r3(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for b in 0..p {
        for d in 0..p {
            if d == b || !is(g, d, b, Mark::Circle) {
                continue;
            }
            let fires = (0..p).any(|a| {
                a != b
                    && a != d
                    && is(g, a, b, Mark::Arrow)
                    && is(g, a, d, Mark::Circle)
                    && (a + 1..p).any(|c| {
                        c != b && c != d && !g.adjacent(a, c) && is(g, c, b, Mark::Arrow) && is(g, c, d, Mark::Circle)
                    })
            });
            if fires {
                changed |= orient(g, d, b, Mark::Arrow);
            }
        }
    }
    changed
}

/// R4: a discriminating path `⟨θ, …, a, b, c⟩` for `b` with `b o-* c`: if `b` is in
/// the separating set of `θ` and `c`, `b --> c`; otherwise `a <-> b <-> c`.
/// The shortest discriminating path is used.
fn r4(g: &mut Graph, seps: &Seps) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for b in 0..p {
        for c in 0..p {
            if b == c || !is(g, c, b, Mark::Circle) {
                continue;
            }
            // a: a <-* b and a --> c.
            for a in 0..p {
                if a == b || a == c || !g.adjacent(a, b) || !is(g, b, a, Mark::Arrow) || !directed(g, a, c) {
                    continue;
                }
                let Some((theta, _)) = discriminating_end(g, a, b, c) else { continue };
                if !is(g, c, b, Mark::Circle) {
                    break;
                }
                match seps.contains(theta, c, b) {
                    Some(true) => {
                        g.set_end(c, b, Mark::Tail);
                        orient(g, b, c, Mark::Arrow);
                    }
                    Some(false) => {
                        orient(g, a, b, Mark::Arrow);
                        g.set_end(c, b, Mark::Arrow);
                        orient(g, b, c, Mark::Arrow);
                    }
                    None => continue,
                }
                changed = true;
                break;
            }
        }
    }
    changed
}

/// Breadth-first search backwards from `a` for the far end `θ` of a discriminating
/// path `⟨θ, …, a, b, c⟩`: every node between `θ` and `b` is a collider on the path
/// and a parent of `c`, and `θ` is not adjacent to `c`.
fn discriminating_end(g: &Graph, a: usize, b: usize, c: usize) -> Option<(usize, usize)> {
    let p = g.n_nodes();
    let mut seen = vec![false; p];
    seen[a] = true;
    seen[b] = true;
    seen[c] = true;
    let mut queue = VecDeque::from([a]);
    while let Some(t) = queue.pop_front() {
        // t is a collider on the path: an arrowhead at t from the next node d.
        for d in 0..p {
            if seen[d] || !g.adjacent(d, t) || !is(g, d, t, Mark::Arrow) {
                continue;
            }
            if !g.adjacent(d, c) {
                return Some((d, t));
            }
            if directed(g, d, c) && is(g, t, d, Mark::Arrow) {
                seen[d] = true;
                queue.push_back(d);
            }
        }
    }
    None
}

/// A potentially directed edge from `u` to `v`: no arrowhead at `u`, no tail at `v`.
fn pd(g: &Graph, u: usize, v: usize) -> bool {
    g.adjacent(u, v) && at(g, v, u) != Some(Mark::Arrow) && at(g, u, v) != Some(Mark::Tail)
}

/// Nodes reachable by an uncovered potentially directed path (or circle path)
/// whose first two nodes are `from`, `start`.
/// The search runs over (previous, current) pairs, so each step keeps the path uncovered.
fn uncovered_pd_reach(g: &Graph, from: usize, start: usize, circle_only: bool) -> Vec<bool> {
    let p = g.n_nodes();
    let mut reach = vec![false; p];
    let mut seen = vec![false; p * p];
    seen[from * p + start] = true;
    reach[start] = true;
    let mut queue = VecDeque::from([(from, start)]);
    while let Some((s, t)) = queue.pop_front() {
        for u in 0..p {
            if u == s || u == t || u == from || g.adjacent(s, u) {
                continue;
            }
            let step = if circle_only {
                g.adjacent(t, u) && is(g, t, u, Mark::Circle) && is(g, u, t, Mark::Circle)
            } else {
                pd(g, t, u)
            };
            if step && !seen[t * p + u] {
                seen[t * p + u] = true;
                reach[u] = true;
                queue.push_back((t, u));
            }
        }
    }
    reach
}

/// R8: `a --> b --> c` or `a --o b --> c`, and `a o-> c` ⇒ `a --> c`.
fn r8(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for a in 0..p {
        for c in 0..p {
            if a == c || !is(g, c, a, Mark::Circle) || !is(g, a, c, Mark::Arrow) {
                continue;
            }
            let via = (0..p).any(|b| {
                b != a
                    && b != c
                    && g.adjacent(a, b)
                    && is(g, b, a, Mark::Tail)
                    && matches!(at(g, a, b), Some(Mark::Arrow | Mark::Circle))
                    && directed(g, b, c)
            });
            if via {
                changed |= orient(g, c, a, Mark::Tail);
            }
        }
    }
    changed
}

/// R9: `a o-> c` and an uncovered potentially directed path `⟨a, b, θ, …, c⟩` with
/// `b`, `c` not adjacent ⇒ `a --> c`.
fn r9(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for a in 0..p {
        for c in 0..p {
            if a == c || !is(g, c, a, Mark::Circle) || !is(g, a, c, Mark::Arrow) {
                continue;
            }
            let fires =
                (0..p).any(|b| b != c && !g.adjacent(b, c) && pd(g, a, b) && uncovered_pd_reach(g, a, b, false)[c]);
            if fires {
                changed |= orient(g, c, a, Mark::Tail);
            }
        }
    }
    changed
}

/// R10: `a o-> c`, `b --> c <-- d`, uncovered potentially directed paths from `a`
/// to `b` and from `a` to `d` whose second nodes `μ`, `ω` differ and are not
/// adjacent (`μ` may be `b`, `ω` may be `d`) ⇒ `a --> c`.
fn r10(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for a in 0..p {
        for c in 0..p {
            if a == c || !is(g, c, a, Mark::Circle) || !is(g, a, c, Mark::Arrow) {
                continue;
            }
            let parents: Vec<usize> = (0..p).filter(|&v| v != a && directed(g, v, c)).collect();
            if parents.len() < 2 {
                continue;
            }
            // For each first step a → μ, the parents of c it reaches.
            let firsts: Vec<(usize, Vec<bool>)> =
                (0..p).filter(|&m| m != c && pd(g, a, m)).map(|m| (m, uncovered_pd_reach(g, a, m, false))).collect();
            let fires = parents.iter().enumerate().any(|(i, &b)| {
                parents[i + 1..].iter().any(|&d| {
                    firsts.iter().any(|(mu, rb)| {
                        rb[b] && firsts.iter().any(|(omega, rd)| rd[d] && mu != omega && !g.adjacent(*mu, *omega))
                    })
                })
            });
            if fires {
                changed |= orient(g, c, a, Mark::Tail);
            }
        }
    }
    changed
}

/// R5 (selection bias): `a o-o b` with an uncovered circle path `⟨a, c, …, d, b⟩`,
/// `a`, `d` not adjacent and `b`, `c` not adjacent ⇒ `a --- b` and the path `---`.
fn r5(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    let circle =
        |g: &Graph, u: usize, v: usize| g.adjacent(u, v) && is(g, u, v, Mark::Circle) && is(g, v, u, Mark::Circle);
    for a in 0..p {
        for b in a + 1..p {
            if !circle(g, a, b) {
                continue;
            }
            for c in 0..p {
                if c == b || !circle(g, a, c) || g.adjacent(b, c) {
                    continue;
                }
                // Reach b along an uncovered circle path from (a, c), last inner node not adjacent to a.
                if let Some(path) = uncovered_circle_path(g, a, c, b) {
                    g.set_end(a, b, Mark::Tail);
                    g.set_end(b, a, Mark::Tail);
                    let mut prev = a;
                    for &v in &path {
                        g.set_end(prev, v, Mark::Tail);
                        g.set_end(v, prev, Mark::Tail);
                        prev = v;
                    }
                    changed = true;
                    break;
                }
            }
        }
    }
    changed
}

/// An uncovered circle path `⟨a, c, …, d, b⟩` (returned without `a`), with `d` not adjacent to `a`.
fn uncovered_circle_path(g: &Graph, a: usize, c: usize, b: usize) -> Option<Vec<usize>> {
    let p = g.n_nodes();
    let circle = |u: usize, v: usize| g.adjacent(u, v) && is(g, u, v, Mark::Circle) && is(g, v, u, Mark::Circle);
    let mut prev: Vec<Option<(usize, usize)>> = vec![None; p * p];
    let mut queue = VecDeque::from([(a, c)]);
    let mut seen = vec![false; p * p];
    seen[a * p + c] = true;
    while let Some((s, t)) = queue.pop_front() {
        for u in 0..p {
            if u == s || u == a || !circle(t, u) || g.adjacent(s, u) || seen[t * p + u] {
                continue;
            }
            if u == b {
                if g.adjacent(t, a) {
                    continue;
                }
                let mut path = vec![b, t];
                let mut state = (s, t);
                loop {
                    path.push(state.0);
                    match prev[state.0 * p + state.1] {
                        Some(back) => state = back,
                        None => break,
                    }
                }
                path.pop(); // a
                path.reverse();
                return Some(path);
            }
            seen[t * p + u] = true;
            prev[t * p + u] = Some((s, t));
            queue.push_back((t, u));
        }
    }
    None
}

/// R6: `a --- b o-* c` ⇒ `b --* c`; R7: `a --o b o-* c`, `a`, `c` not adjacent ⇒ `b --* c`.
fn r6_r7(g: &mut Graph) -> bool {
    let p = g.n_nodes();
    let mut changed = false;
    for b in 0..p {
        for c in 0..p {
            if b == c || !is(g, c, b, Mark::Circle) {
                continue;
            }
            let fires = (0..p).any(|a| {
                a != b
                    && a != c
                    && g.adjacent(a, b)
                    && is(g, b, a, Mark::Tail)
                    && (is(g, a, b, Mark::Tail) || (is(g, a, b, Mark::Circle) && !g.adjacent(a, c)))
            });
            if fires {
                changed |= orient(g, c, b, Mark::Tail);
            }
        }
    }
    changed
}
