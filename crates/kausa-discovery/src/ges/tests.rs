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
        let ext = extend_to_dag(&cpdag).unwrap();
        assert_eq!(ext.cpdag(), cpdag);
    }
}
