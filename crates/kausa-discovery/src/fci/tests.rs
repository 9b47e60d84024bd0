use kausa_core::{Par, Rng};
use kausa_graph::{Dag, Mark, mag_of_dag, pag_by_enumeration, random_dag};

use super::*;
use crate::DSeparation;

fn oracle_params(compat: Compat) -> FciParams {
    FciParams { alpha: 0.5, compat, ..FciParams::default() }
}

/// Random DAGs where some nodes with two or more children are hidden.
fn latent_cases(seed: u64, n: usize) -> Vec<(Dag, Vec<usize>)> {
    let mut rng = Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    while out.len() < n {
        let p = 5 + rng.below(4) as usize;
        let dag = random_dag(p, 2.0 + rng.uniform() * 1.5, &mut rng);
        let children = |v: usize| (0..p).filter(|&c| dag.parents(c).contains(&v)).count();
        let mut hidden: Vec<usize> = (0..p).filter(|&v| children(v) >= 2).collect();
        rng.shuffle(&mut hidden);
        hidden.truncate(1 + rng.below(2) as usize);
        let observed: Vec<usize> = (0..p).filter(|v| !hidden.contains(v)).collect();
        let mag = mag_of_dag(&dag, &observed);
        if observed.len() >= 4 && mag.n_edges() <= 11 {
            out.push((dag, observed));
        }
    }
    out
}

#[test]
fn oracle_fci_returns_the_true_pag_with_hidden_variables() {
    let (mut confounded, mut pag_bidirected, mut pag_directed) = (0, 0, 0);
    for (case, (dag, observed)) in latent_cases(17, 80).into_iter().enumerate() {
        let mag = mag_of_dag(&dag, &observed);
        let truth = pag_by_enumeration(&mag);
        confounded += mag.edges().iter().filter(|e| e.2 == EdgeType::Bidirected).count();
        pag_bidirected += truth.edges().iter().filter(|e| e.2 == EdgeType::Bidirected).count();
        pag_directed += truth.edges().iter().filter(|e| e.2 == EdgeType::Directed).count();
        let test = DSeparation::with_hidden(dag.clone(), observed.clone());
        // The default mode is the complete FCI. (causal-learn mode is not: for one, its always-on
        // selection-bias rule R5 turns cycles of o-o edges into --- even without selection.)
        let got = fci(&test, &oracle_params(Compat::Pcalg), None, Par::Seq).unwrap();
        assert_eq!(got.graph.edges(), truth.edges(), "case {case}: dag {:?}, observed {observed:?}", dag.edges());
    }
    // The cases must exercise hidden confounding and the orientation rules.
    assert!(
        confounded >= 30 && pag_bidirected >= 5 && pag_directed >= 20,
        "{confounded} {pag_bidirected} {pag_directed}"
    );
}

#[test]
fn oracle_fci_without_hidden_variables_gives_the_pag_of_the_dag() {
    let mut rng = Rng::seed_from_u64(5);
    for case in 0..40 {
        let p = 4 + case % 4;
        let dag = random_dag(p, 2.5, &mut rng);
        let all: Vec<usize> = (0..p).collect();
        let mag = mag_of_dag(&dag, &all);
        if mag.n_edges() > 11 {
            continue;
        }
        let truth = pag_by_enumeration(&mag);
        let test = DSeparation::with_hidden(dag.clone(), all);
        let got = fci(&test, &oracle_params(Compat::Pcalg), None, Par::threads(2)).unwrap();
        assert_eq!(got.graph.edges(), truth.edges(), "case {case}: {:?}", dag.edges());
        // Without hidden variables the Possible-D-SEP step has nothing to remove.
        let quick = FciParams { skip_possible_dsep: true, ..oracle_params(Compat::Pcalg) };
        assert_eq!(fci(&test, &quick, None, Par::Seq).unwrap().graph, got.graph, "case {case}");
    }
}

#[test]
fn the_y_structure_orients_its_visible_edge() {
    // a -> c <- b, c -> d: FCI gives a o-> c <-o b, c --> d.
    let dag = Dag::new(4, &[(0, 2), (1, 2), (2, 3)]).unwrap();
    let test = DSeparation::with_hidden(dag.clone(), vec![0, 1, 2, 3]);
    let got = fci(&test, &oracle_params(Compat::Pcalg), None, Par::Seq).unwrap();
    assert_eq!(
        got.graph.edges(),
        vec![(0, 2, EdgeType::PartiallyDirected), (1, 2, EdgeType::PartiallyDirected), (2, 3, EdgeType::Directed)]
    );
    assert!(got.graph.end(2, 3) == Some(Mark::Arrow));
}

/// Knowledge that agrees with the truth never contradicts the PAG: every mark the
/// truth's PAG has is kept, and the knowledge's own marks are added.
#[test]
fn oracle_fci_with_tiers_from_the_true_order() {
    for (case, (dag, observed)) in latent_cases(23, 40).into_iter().enumerate() {
        let truth = pag_by_enumeration(&mag_of_dag(&dag, &observed));
        let k_obs = observed.len();
        // Tiers from the causal order: position of each observed node in a topological order.
        let order = dag.topological_order();
        let mut k = Knowledge::new(k_obs);
        for (i, &v) in observed.iter().enumerate() {
            k.set_tier(i, order.iter().position(|&u| u == v).unwrap());
        }
        let test = DSeparation::with_hidden(dag.clone(), observed.clone());
        let got = fci(&test, &oracle_params(Compat::Pcalg), Some(&k), Par::Seq).unwrap();
        for a in 0..k_obs {
            for b in 0..k_obs {
                if a == b || !truth.adjacent(a, b) {
                    continue;
                }
                assert!(got.graph.adjacent(a, b), "case {case}: lost {a} - {b}");
                let (want, have) = (truth.end(a, b).unwrap(), got.graph.end(a, b).unwrap());
                if want != Mark::Circle {
                    assert_eq!(have, want, "case {case}: mark at {b} on {a} - {b}");
                }
                // The tier order says a later node is not a cause of an earlier one.
                if k.is_forbidden(b, a) {
                    assert_eq!(got.graph.end(a, b), Some(Mark::Arrow), "case {case}: knowledge arrowhead at {b}");
                }
            }
        }
    }
}

/// A discrete test that ignores focus hints, keeping the variable sets it was given.
struct Unfocused<'a>(&'a kausa_stats::DiscreteTest, std::sync::Mutex<Vec<Vec<usize>>>);

impl CiTest for Unfocused<'_> {
    fn n_vars(&self) -> usize {
        self.0.n_vars()
    }
    fn n_obs(&self) -> usize {
        self.0.n_obs()
    }
    fn p_value(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> kausa_stats::Result<f64> {
        self.0.p_value(x, y, s, scratch)
    }
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn focus(&self, vars: &[usize], _: &mut Scratch) {
        if !vars.is_empty() {
            self.1.lock().unwrap().push(vars.to_vec());
        }
    }
}

#[test]
fn focused_tests_change_no_answer() {
    // Discrete data from a dense random DAG (each node a noisy function of its
    // parents' codes), so that Possible-D-Sep sets are large and tests get focused.
    use std::collections::HashSet;

    use kausa_stats::{DiscreteData, DiscreteTest, DiscreteTestKind, Semantics};
    let (p, n) = (14, 4000);
    let (codes, cards) = dense_discrete(31, p, n, 0);
    let data = DiscreteData::from_codes(codes.clone(), cards).unwrap();
    for compat in [Compat::Pcalg, Compat::CausalLearn] {
        let semantics = if compat == Compat::Pcalg { Semantics::Pcalg } else { Semantics::CausalLearn };
        let test = DiscreteTest::new(data.clone(), DiscreteTestKind::ChiSquare, semantics);
        let params = FciParams { alpha: 0.2, compat, ..FciParams::default() };
        let focused = fci(&test, &params, None, Par::Seq).unwrap();
        let plain_test = Unfocused(&test, Default::default());
        let plain = fci(&plain_test, &params, None, Par::Seq).unwrap();
        // Some focused set has at most n/2 distinct rows: a view was made and served tests.
        let sets = plain_test.1.into_inner().unwrap();
        let distinct = |vars: &Vec<usize>| {
            (0..n).map(|i| vars.iter().map(|&v| codes[v][i]).collect::<Vec<u32>>()).collect::<HashSet<_>>().len()
        };
        assert!(
            sets.iter().any(|v| 2 * distinct(v) <= n),
            "{compat:?}: no view would have been made ({} sets)",
            sets.len()
        );
        assert_eq!(focused.graph.edges(), plain.graph.edges(), "{compat:?}");
        assert_eq!(focused.n_tests, plain.n_tests, "{compat:?}");
    }
}

/// Discrete data from a dense random DAG, each node a noisy function of its
/// parents' codes; the first `hidden` nodes in causal order are left out.
fn dense_discrete(seed: u64, p: usize, n: usize, hidden: usize) -> (Vec<Vec<u32>>, Vec<usize>) {
    let mut rng = Rng::seed_from_u64(seed);
    let dag = random_dag(p, 4.0, &mut rng);
    let cards: Vec<usize> = (0..p).map(|_| 2 + rng.below(3) as usize).collect();
    let mut codes: Vec<Vec<u32>> = vec![vec![0; n]; p];
    for &v in dag.topological_order() {
        for i in 0..n {
            let from_parents: u32 = dag.parents(v).iter().map(|&u| codes[u][i]).sum();
            codes[v][i] =
                if rng.uniform() < 0.7 { from_parents % cards[v] as u32 } else { rng.below(cards[v] as u64) as u32 };
        }
    }
    let gone: Vec<usize> = dag.topological_order()[..hidden].to_vec();
    let keep = |v: &usize| !gone.contains(v);
    (
        codes.into_iter().enumerate().filter(|(v, _)| keep(v)).map(|(_, c)| c).collect(),
        cards.into_iter().enumerate().filter(|(v, _)| keep(v)).map(|(_, c)| c).collect(),
    )
}

#[test]
fn possible_dsep_removals_do_not_depend_on_threads() {
    // Hidden causes and sampling noise make the Possible-D-SEP step remove edges,
    // so speculative trials after a removal must be tried again; the answer,
    // separating sets and test counts must be those of the sequential run, in
    // both modes.
    use kausa_stats::{DiscreteData, DiscreteTest, DiscreteTestKind, Semantics};
    let mut removals = [0, 0];
    for seed in 0..4 {
        let (codes, cards) = dense_discrete(100 + seed, 16, 2000, 3);
        let data = DiscreteData::from_codes(codes, cards).unwrap();
        for compat in [Compat::Pcalg, Compat::CausalLearn] {
            let semantics = if compat == Compat::Pcalg { Semantics::Pcalg } else { Semantics::CausalLearn };
            let test = DiscreteTest::new(data.clone(), DiscreteTestKind::ChiSquare, semantics);
            let params = FciParams { alpha: 0.2, compat, ..FciParams::default() };
            let seq = fci(&test, &params, None, Par::Seq).unwrap();
            removals[(compat == Compat::CausalLearn) as usize] += seq.removed_by_pds;
            for threads in [2, 3] {
                let par = fci(&test, &params, None, Par::threads(threads)).unwrap();
                assert_eq!(par, seq, "seed {seed}, {compat:?}, {threads} threads");
            }
        }
    }
    // Both modes' steps remove edges (so both retry trials after a removal).
    assert!(removals.iter().all(|&r| r >= 5), "the step must remove edges: {removals:?}");
}
