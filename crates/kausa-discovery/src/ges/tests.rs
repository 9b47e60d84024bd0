use kausa_core::{Par, Rng};
use kausa_sim::LinearSem;
use kausa_stats::{Correlation, GaussianBic};

use super::*;

/// The population correlation matrix of a linear SEM, as a `Correlation` with `n` nominal rows.
fn implied(sem: &LinearSem, n: usize) -> Correlation {
    let dag = sem.dag();
    let p = dag.n_nodes();
    let mut cov = vec![0.0f64; p * p];
    let order = dag.topological_order().to_vec();
    for (pos, &j) in order.iter().enumerate() {
        for &k in &order[..pos] {
            let c: f64 = dag.parents(j).iter().map(|&u| sem.weight(u, j).unwrap() * cov[u * p + k]).sum();
            cov[j * p + k] = c;
            cov[k * p + j] = c;
        }
        let mut v = sem.noise_sd(j).powi(2);
        for &u in dag.parents(j) {
            for &w in dag.parents(j) {
                v += sem.weight(u, j).unwrap() * sem.weight(w, j).unwrap() * cov[u * p + w];
            }
        }
        cov[j * p + j] = v;
    }
    let r: Vec<f64> =
        (0..p * p).map(|i| cov[i] / (cov[(i / p) * p + i / p] * cov[(i % p) * p + i % p]).sqrt()).collect();
    Correlation::from_matrix(n, p, r).unwrap()
}

#[test]
fn subsets_come_by_size_then_lexicographically() {
    assert_eq!(
        subsets(&[4, 7, 9]),
        vec![vec![], vec![4], vec![7], vec![9], vec![4, 7], vec![4, 9], vec![7, 9], vec![4, 7, 9]]
    );
    assert_eq!(subsets(&[]), vec![Vec::<usize>::new()]);
}

/// With the population covariance (a huge nominal n), BIC is consistent: GES must
/// return exactly the true CPDAG (Chickering 2002, Theorem 4), whatever the threads.
#[test]
fn population_bic_recovers_the_true_cpdag() {
    let mut rng = Rng::seed_from_u64(7);
    for case in 0..30 {
        let p = 4 + case % 7;
        let sem = LinearSem::random(p, [1.5, 2.0, 3.0][case % 3], 0.5, 1.0, &mut rng);
        let score = GaussianBic::new(implied(&sem, 10_000_000_000), 0.5);
        let truth = sem.dag().cpdag();
        let one = ges(&score, &GesParams::default(), Par::Seq).unwrap();
        assert_eq!(one.graph.edges(), truth.edges(), "case {case}, p={p}");
        let two = ges(&score, &GesParams::default(), Par::threads(2)).unwrap();
        assert_eq!(one, two, "case {case}: threads changed the result");
    }
}

#[test]
fn extension_of_a_cpdag_is_in_its_class() {
    let mut rng = Rng::seed_from_u64(3);
    for _ in 0..50 {
        let dag = kausa_graph::random_dag(9, 2.5, &mut rng);
        let cpdag = dag.cpdag();
        let ext = extend_to_dag(&cpdag, &cpdag.adjacency_lists()).unwrap();
        assert_eq!(ext.cpdag(), cpdag);
    }
}

/// The incremental search's invariant, checked at every step in tests: the
/// candidates held for each pair are those a fresh computation gives.
pub(super) fn assert_candidates_current(
    g: &Graph,
    view: &View,
    cache: &Cache<'_>,
    cands: &[Vec<InsertCandidate>],
    params: &GesParams,
) {
    let p = g.n_nodes();
    for y in 0..p {
        let mut want = vec![Vec::new(); p];
        if params.max_parents.is_none_or(|m| view.parents[y].len() <= m) {
            for (x, list) in insert_row(g, view, cache, y) {
                want[x] = list.into_iter().map(|c| (c.ch, c.t, c.nat)).collect();
            }
        }
        for (x, want) in want.into_iter().enumerate() {
            let have: Vec<_> = cands[y * p + x].iter().map(|c| (c.ch, c.t.clone(), c.nat.clone())).collect();
            assert_eq!(have, want, "stale candidates for {x} -> {y}");
        }
    }
}

/// GES written the slow way: every step scans every Insert (then every Delete)
/// in causal-learn's order, checks its conditions from scratch, and keeps the
/// first maximum. The incremental search must agree with it edge for edge.
fn ges_by_full_scans(score: &dyn LocalScore) -> Graph {
    let p = score.n_vars();
    let mut pd = Pdag::empty(p);
    let mut total: f64 = (0..p).map(|j| score.local(j, &[])).sum();
    let mut search = Search::default();
    loop {
        let view = View::new(&pd);
        let g = &pd.g;
        let mut best: Option<(f64, usize, usize, Vec<usize>)> = None;
        for x in 0..p {
            for y in (0..p).filter(|&y| y != x && !g.adjacent(x, y)) {
                let na: Vec<usize> = view.nbrs[y].iter().copied().filter(|&t| g.adjacent(t, x)).collect();
                let t0: Vec<usize> = view.nbrs[y].iter().copied().filter(|&t| !g.adjacent(t, x)).collect();
                for t in subsets(&t0) {
                    let nat = sorted_union(&[&na, &t]);
                    if !is_clique(g, &nat) || semi_directed_path(&view, y, x, &nat, &mut search).is_some() {
                        continue;
                    }
                    let without = sorted_union(&[&nat, &view.parents[y]]);
                    let ch = score.local(y, &sorted_union(&[&without, &[x]])) - score.local(y, &without);
                    if ch > best.as_ref().map_or(-1e7, |b| b.0) {
                        best = Some((ch, x, y, t));
                    }
                }
            }
        }
        let Some((ch, x, y, t)) = best else { break };
        if (total + ch) - total <= 0.0 {
            break;
        }
        pd.insert(x, y, &t).unwrap();
        total += ch;
    }
    let cache = Cache { score, maps: (0..p).map(|_| Mutex::new(HashMap::new())).collect() };
    loop {
        let view = View::new(&pd);
        let Some(c) = first_max((0..p).map(|x| best_delete_from(&pd, &view, &cache, x, -1e7)).collect()) else {
            break;
        };
        if (total + c.ch) - total <= 0.0 {
            break;
        }
        pd.delete(c.x, c.y, &c.set).unwrap();
        total += c.ch;
    }
    pd.g
}

/// Small samples and a light penalty give many edges, undirected
/// neighbourhoods with several `T` subsets, and operators that fail the
/// semi-directed-path test: the cases the incremental bookkeeping must get right.
#[test]
fn incremental_search_equals_full_scans() {
    let mut rng = Rng::seed_from_u64(21);
    let mut edges_seen = 0;
    for case in 0..40 {
        let p = 10 + case % 21;
        let sem = LinearSem::random(p, [2.0, 3.0, 5.0][case % 3], 0.3, 1.0, &mut rng);
        let cols = sem.sample([40, 100, 400][case % 3], &mut rng);
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let corr = Correlation::from_columns(&refs, Par::Seq).unwrap();
        let score = GaussianBic::new(corr, [0.5, 0.2, 0.1][case % 3]);
        let want = ges_by_full_scans(&score);
        let got = ges(&score, &GesParams::default(), Par::Seq).unwrap();
        assert_eq!(got.graph.edges(), want.edges(), "case {case}, p={p}");
        assert_eq!(ges(&score, &GesParams::default(), Par::threads(2)).unwrap(), got, "case {case}: threads");
        edges_seen += want.n_edges();
    }
    assert!(edges_seen > 300, "the cases are too sparse to exercise the search: {edges_seen} edges");
}

#[test]
fn a_witness_path_is_rechecked_against_the_current_graph() {
    // 0 → 1 — 2 → 3: a semi-directed path from 0 to 3, unless 1 or 2 blocks it.
    let mut pd = Pdag::empty(4);
    for (a, b, t) in [(0, 1, EdgeType::Directed), (1, 2, EdgeType::Undirected), (2, 3, EdgeType::Directed)] {
        pd.g.set_edge(a, b, t);
        pd.link(a, b);
    }
    let mut search = Search::default();
    let path = semi_directed_path(&View::new(&pd), 0, 3, &[], &mut search).unwrap();
    assert_eq!(path, vec![3, 2, 1, 0]);
    assert!(semi_directed_path(&View::new(&pd), 0, 3, &[2], &mut search).is_none());
    assert!(still_a_path(&pd.g, &path, &[]));
    assert!(!still_a_path(&pd.g, &path, &[1]), "a blocked inner node breaks it");
    pd.g.set_edge(2, 1, EdgeType::Directed);
    assert!(!still_a_path(&pd.g, &path, &[]), "an edge against the path breaks it");
    assert!(semi_directed_path(&View::new(&pd), 0, 3, &[], &mut search).is_none());
}
