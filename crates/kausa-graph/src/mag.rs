//! Maximal ancestral graphs (MAGs) and their Markov equivalence classes (PAGs),
//! computed from definitions: the ground truth FCI is checked against.
//!
//! A DAG with latent variables projects to a MAG over the observed variables
//! (Richardson and Spirtes 2002): two observed variables are adjacent when no set
//! of other observed variables d-separates them, and an edge is `a --> b` when
//! `a` is an ancestor of `b`, `a <-> b` when neither is an ancestor of the other
//! (no selection variables). The PAG of the MAG's equivalence class has the
//! marks shared by every Markov-equivalent MAG and circles elsewhere; it is
//! found here by enumerating the MAGs on the same skeleton, which is exact and
//! only feasible for small graphs (a dozen edges).

use crate::{Dag, EdgeType, Graph, Mark};

/// The MAG over `observed` (DAG node indices; MAG node `k` is `observed[k]`).
pub fn mag_of_dag(dag: &Dag, observed: &[usize]) -> Graph {
    let k = observed.len();
    let anc = ancestors(dag);
    let mut g = Graph::empty(k);
    for a in 0..k {
        for b in a + 1..k {
            let others: Vec<usize> = (0..k).filter(|&c| c != a && c != b).map(|c| observed[c]).collect();
            let separable = (0..1u64 << others.len()).any(|mask| {
                let z: Vec<usize> = (0..others.len()).filter(|&i| mask >> i & 1 == 1).map(|i| others[i]).collect();
                dag.d_separated(observed[a], observed[b], &z)
            });
            if separable {
                continue;
            }
            let (u, v) = (observed[a], observed[b]);
            if anc[v][u] {
                g.set_edge(a, b, EdgeType::Directed);
            } else if anc[u][v] {
                g.set_edge(b, a, EdgeType::Directed);
            } else {
                g.set_edge(a, b, EdgeType::Bidirected);
            }
        }
    }
    g
}

/// `anc[v][u]`: `u` is an ancestor of `v` (or `u == v`).
fn ancestors(dag: &Dag) -> Vec<Vec<bool>> {
    let p = dag.n_nodes();
    let mut anc = vec![vec![false; p]; p];
    for &v in dag.topological_order() {
        anc[v][v] = true;
        for &u in dag.parents(v) {
            for w in 0..p {
                if anc[u][w] {
                    anc[v][w] = true;
                }
            }
        }
    }
    anc
}

/// Ancestor relation of a mixed graph along its directed edges: `anc[v][u]` when `u ⇝ v` or `u == v`.
fn mixed_ancestors(g: &Graph) -> Vec<Vec<bool>> {
    let p = g.n_nodes();
    let mut anc = vec![vec![false; p]; p];
    for v in 0..p {
        anc[v][v] = true;
        let mut stack = vec![v];
        while let Some(t) = stack.pop() {
            for u in 0..p {
                if g.is_directed(u, t) && !anc[v][u] {
                    anc[v][u] = true;
                    stack.push(u);
                }
            }
        }
    }
    anc
}

/// m-separation of `x` and `y` given `z` in a mixed graph of `-->` and `<->` edges:
/// no path on which every collider is an ancestor of `z` and no non-collider is in `z`.
pub fn m_separated(g: &Graph, x: usize, y: usize, z: &[usize]) -> bool {
    let p = g.n_nodes();
    let anc = mixed_ancestors(g);
    let in_z: Vec<bool> = (0..p).map(|v| z.contains(&v)).collect();
    let an_z: Vec<bool> = (0..p).map(|v| z.iter().any(|&w| anc[w][v])).collect();
    // States: (node, whether the edge we arrived by has an arrowhead at the node).
    let mut seen = vec![[false; 2]; p];
    let mut stack = Vec::new();
    for w in 0..p {
        if g.adjacent(x, w) {
            let head = g.end(x, w) == Some(Mark::Arrow);
            if w == y {
                return false;
            }
            if !seen[w][head as usize] {
                seen[w][head as usize] = true;
                stack.push((w, head, x));
            }
        }
    }
    while let Some((t, head_at_t, from)) = stack.pop() {
        for w in 0..p {
            if w == from || !g.adjacent(t, w) {
                continue;
            }
            let leaves_with_head = g.end(w, t) == Some(Mark::Arrow); // arrowhead at t on t–w
            let collider = head_at_t && leaves_with_head;
            let pass = if collider { an_z[t] } else { !in_z[t] };
            if !pass {
                continue;
            }
            if w == y {
                return false;
            }
            let head = g.end(t, w) == Some(Mark::Arrow);
            if !seen[w][head as usize] {
                seen[w][head as usize] = true;
                stack.push((w, head, t));
            }
        }
    }
    true
}

/// The PAG of a MAG's Markov equivalence class, by enumerating every MAG on the
/// same skeleton that has the same m-separations. Exponential (3 orientations per
/// edge): for graphs of up to about 12 edges.
pub fn pag_by_enumeration(mag: &Graph) -> Graph {
    let p = mag.n_nodes();
    let edges: Vec<(usize, usize)> =
        (0..p).flat_map(|a| (a + 1..p).map(move |b| (a, b))).filter(|&(a, b)| mag.adjacent(a, b)).collect();
    assert!(edges.len() <= 14, "enumeration of 3^{} MAGs is too large", edges.len());
    // The m-separation statements of the truth, over all pairs and conditioning sets.
    let mut statements = Vec::new();
    for a in 0..p {
        for b in a + 1..p {
            let others: Vec<usize> = (0..p).filter(|&c| c != a && c != b).collect();
            for mask in 0..1u64 << others.len() {
                let z: Vec<usize> = (0..others.len()).filter(|&i| mask >> i & 1 == 1).map(|i| others[i]).collect();
                statements.push((a, b, z.clone(), m_separated(mag, a, b, &z)));
            }
        }
    }
    // Unshielded colliders of the truth: a necessary condition, checked first.
    let collider =
        |g: &Graph, a: usize, b: usize, c: usize| g.end(a, b) == Some(Mark::Arrow) && g.end(c, b) == Some(Mark::Arrow);
    let triples: Vec<(usize, usize, usize)> = (0..p)
        .flat_map(|b| (0..p).flat_map(move |a| (a + 1..p).map(move |c| (a, b, c))))
        .filter(|&(a, b, c)| a != b && c != b && mag.adjacent(a, b) && mag.adjacent(c, b) && !mag.adjacent(a, c))
        .collect();
    let mut marks: Option<Vec<Option<Mark>>> = None; // per (edge, end): shared mark so far
    let mut g = mag.clone();
    for code in 0..3u64.pow(edges.len() as u32) {
        let mut c = code;
        for &(a, b) in &edges {
            let t = match c % 3 {
                0 => EdgeType::Directed,
                1 => EdgeType::Bidirected,
                _ => EdgeType::Directed,
            };
            if c % 3 == 2 {
                g.set_edge(b, a, t);
            } else {
                g.set_edge(a, b, t);
            }
            c /= 3;
        }
        if triples.iter().any(|&(a, b, cc)| collider(&g, a, b, cc) != collider(mag, a, b, cc)) {
            continue;
        }
        if !is_ancestral(&g) {
            continue;
        }
        if statements.iter().any(|(a, b, z, sep)| m_separated(&g, *a, *b, z) != *sep) {
            continue;
        }
        let ends: Vec<Option<Mark>> = edges.iter().flat_map(|&(a, b)| [g.end(b, a), g.end(a, b)]).collect();
        marks = Some(match marks {
            None => ends,
            Some(prev) => prev.iter().zip(&ends).map(|(m, e)| if m == e { *m } else { Some(Mark::Circle) }).collect(),
        });
    }
    let marks = marks.expect("the MAG itself is in its class");
    let mut pag = Graph::empty(p);
    for (k, &(a, b)) in edges.iter().enumerate() {
        pag.set_edge(a, b, EdgeType::Nondirected);
        pag.set_end(b, a, marks[2 * k].expect("an edge end"));
        pag.set_end(a, b, marks[2 * k + 1].expect("an edge end"));
    }
    pag
}

/// A mixed graph is ancestral when it has no directed cycle and no `a <-> b` with `a` an ancestor of `b`.
fn is_ancestral(g: &Graph) -> bool {
    let p = g.n_nodes();
    let anc = mixed_ancestors(g);
    for a in 0..p {
        for b in 0..p {
            if a == b {
                continue;
            }
            if g.is_directed(a, b) && anc[a][b] {
                return false; // b is an ancestor of a: a directed cycle
            }
            if g.edge_type(a, b) == Some(EdgeType::Bidirected) && (anc[a][b] || anc[b][a]) {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confounded_pair_and_its_pag() {
        // L -> A, L -> B, A -> C with L latent: the MAG is A <-> B, A -> C.
        let dag = Dag::new(4, &[(0, 1), (0, 2), (1, 3)]).unwrap();
        let mag = mag_of_dag(&dag, &[1, 2, 3]);
        assert_eq!(mag.edges(), vec![(0, 1, EdgeType::Bidirected), (0, 2, EdgeType::Directed)]);
        // Its class: B o-o A o-o C ... every orientation without a collider at A is equivalent.
        let pag = pag_by_enumeration(&mag);
        assert_eq!(pag.edges(), vec![(0, 1, EdgeType::Nondirected), (0, 2, EdgeType::Nondirected)]);
    }

    #[test]
    fn y_structure_gives_a_visible_directed_edge() {
        // a -> c <- b, c -> d: the classic case where FCI orients c --> d.
        let dag = Dag::new(4, &[(0, 2), (1, 2), (2, 3)]).unwrap();
        let mag = mag_of_dag(&dag, &[0, 1, 2, 3]);
        let pag = pag_by_enumeration(&mag);
        assert_eq!(
            pag.edges(),
            vec![(0, 2, EdgeType::PartiallyDirected), (1, 2, EdgeType::PartiallyDirected), (2, 3, EdgeType::Directed)]
        );
    }

    #[test]
    fn m_separation_agrees_with_d_separation_on_dags() {
        let mut rng = kausa_core::Rng::seed_from_u64(5);
        for _ in 0..20 {
            let dag = crate::random_dag(7, 2.0, &mut rng);
            let g = dag.to_graph();
            for x in 0..7 {
                for y in x + 1..7 {
                    for mask in 0..32u64 {
                        let z: Vec<usize> = (0..7)
                            .filter(|&v| v != x && v != y)
                            .enumerate()
                            .filter(|(i, _)| mask >> i & 1 == 1)
                            .map(|(_, v)| v)
                            .collect();
                        assert_eq!(m_separated(&g, x, y, &z), dag.d_separated(x, y, &z));
                    }
                }
            }
        }
    }
}
