use kausa_core::{Par, Rng};
use kausa_graph::{Dag, EdgeType, random_dag};

use super::*;
use crate::DSeparation;

fn params(compat: Compat) -> PcParams {
    PcParams { alpha: 0.5, compat, ..PcParams::default() }
}

#[test]
fn oracle_pc_recovers_the_true_cpdag_on_random_dags() {
    let mut rng = Rng::seed_from_u64(2024);
    for case in 0..60 {
        let p = 5 + case % 26;
        let degree = [1.5, 2.0, 3.0, 4.0][case % 4];
        let dag = random_dag(p, degree, &mut rng);
        let truth = dag.cpdag();
        for compat in [Compat::Pcalg, Compat::CausalLearn] {
            let got = pc(&DSeparation::new(dag.clone()), &params(compat), None, Par::Seq).unwrap();
            assert_eq!(got.graph.edges(), truth.edges(), "case {case}, p={p}, {compat:?}");
        }
    }
}

#[test]
fn result_does_not_depend_on_threads() {
    // p = 300 takes the paths for many variables: pairs listed in parallel, level 0
    // in several fixed chunks.
    let mut rng = Rng::seed_from_u64(7);
    for (p, degree) in [(25, 3.0), (300, 2.0)] {
        let dag = random_dag(p, degree, &mut rng);
        for compat in [Compat::Pcalg, Compat::CausalLearn] {
            let one = pc(&DSeparation::new(dag.clone()), &params(compat), None, Par::Seq).unwrap();
            let two = pc(&DSeparation::new(dag.clone()), &params(compat), None, Par::threads(2)).unwrap();
            assert_eq!(one, two, "p = {p}");
        }
    }
}

#[test]
fn max_depth_limits_the_conditioning_sets() {
    // 0 → 2 ← 1, 2 → 3, plus 0 → 3, 1 → 3: separating 2 and 3 is impossible,
    // separating 0 and 1 needs the empty set only.
    let dag = Dag::new(4, &[(0, 2), (1, 2), (2, 3), (0, 3), (1, 3)]).unwrap();
    let r =
        pc(&DSeparation::new(dag.clone()), &PcParams { max_depth: Some(0), ..params(Compat::Pcalg) }, None, Par::Seq)
            .unwrap();
    assert_eq!(r.max_level, 0);
    assert!(!r.graph.adjacent(0, 1));
}

#[test]
fn knowledge_is_respected() {
    // Chain 0 → 1 → 2 → 3: the CPDAG is fully undirected; tiers orient it.
    let dag = Dag::new(4, &[(0, 1), (1, 2), (2, 3)]).unwrap();
    let mut k = Knowledge::new(4);
    for v in 0..4 {
        k.set_tier(v, v);
    }
    for compat in [Compat::Pcalg, Compat::CausalLearn] {
        let r = pc(&DSeparation::new(dag.clone()), &params(compat), Some(&k), Par::Seq).unwrap();
        assert_eq!(
            r.graph.edges(),
            vec![(0, 1, EdgeType::Directed), (1, 2, EdgeType::Directed), (2, 3, EdgeType::Directed)]
        );
    }
    // A required edge that the data would remove stays; a forbidden pair goes.
    let mut k = Knowledge::new(4);
    k.require(0, 3);
    k.forbid(1, 2);
    k.forbid(2, 1);
    let r = pc(&DSeparation::new(dag.clone()), &params(Compat::Pcalg), Some(&k), Par::Seq).unwrap();
    assert!(r.graph.is_directed(0, 3));
    assert!(!r.graph.adjacent(1, 2));
    // Only one direction required: the data orient the rest consistently.
    let mut k = Knowledge::new(4);
    k.require(2, 3);
    let r = pc(&DSeparation::new(dag.clone()), &params(Compat::Pcalg), Some(&k), Par::Seq).unwrap();
    assert!(r.graph.is_directed(2, 3));
    assert!(r.graph.is_undirected(0, 1) && r.graph.is_undirected(1, 2));
}

#[test]
fn knowledge_with_r4_orients_what_meek_r1_r3_cannot() {
    // With the true DAG's tiers, PC + knowledge must return the DAG itself.
    let mut rng = Rng::seed_from_u64(99);
    for _ in 0..20 {
        let dag = random_dag(12, 3.0, &mut rng);
        let mut k = Knowledge::new(12);
        for (t, &v) in dag.topological_order().iter().enumerate() {
            k.set_tier(v, t);
        }
        let r = pc(&DSeparation::new(dag.clone()), &params(Compat::Pcalg), Some(&k), Par::Seq).unwrap();
        assert_eq!(r.graph.edges(), dag.to_graph().edges());
    }
}

#[test]
fn contradictory_knowledge_and_bad_alpha_are_errors() {
    let dag = Dag::new(3, &[(0, 1)]).unwrap();
    let mut k = Knowledge::new(3);
    k.require(0, 1);
    k.require(1, 0);
    assert!(matches!(
        pc(&DSeparation::new(dag.clone()), &params(Compat::Pcalg), Some(&k), Par::Seq),
        Err(Error::Knowledge(_))
    ));
    let bad = PcParams { alpha: 1.5, ..PcParams::default() };
    assert!(matches!(pc(&DSeparation::new(dag.clone()), &bad, None, Par::Seq), Err(Error::Param(_))));
}
