//! Identification checked against the truth: random discrete models with
//! latent variables, where `P(y | do(x))` is computed by intervening on the
//! full model and every estimand is evaluated on the observational joint.

use kausa_core::Rng;

use super::*;

/// A random binary model: observed nodes `0..n_obs`, latent nodes after them,
/// each latent a root with two observed children.
struct Model {
    n_obs: usize,
    parents: Vec<Vec<usize>>,
    /// `cpt[v][parent configuration]` = P(v = 1 | parents).
    cpt: Vec<Vec<f64>>,
    order: Vec<usize>,
    admg: Admg,
}

impl Model {
    fn random(n_obs: usize, n_lat: usize, density: f64, rng: &mut Rng) -> Model {
        let n = n_obs + n_lat;
        let mut parents = vec![Vec::new(); n];
        let mut perm: Vec<usize> = (0..n_obs).collect();
        rng.shuffle(&mut perm);
        let mut directed = Vec::new();
        for i in 0..n_obs {
            for j in i + 1..n_obs {
                if rng.uniform() < density {
                    parents[perm[j]].push(perm[i]);
                    directed.push((perm[i], perm[j]));
                }
            }
        }
        let mut bidirected = Vec::new();
        for l in n_obs..n {
            let a = rng.below(n_obs as u64) as usize;
            let mut b = rng.below(n_obs as u64 - 1) as usize;
            if b >= a {
                b += 1;
            }
            parents[a].push(l);
            parents[b].push(l);
            bidirected.push((a, b));
        }
        let cpt =
            parents.iter().map(|ps| (0..1usize << ps.len()).map(|_| 0.1 + 0.8 * rng.uniform()).collect()).collect();
        let mut order: Vec<usize> = (n_obs..n).collect();
        order.extend(perm.iter().copied());
        let admg = Admg::new(n_obs, &directed, &bidirected).unwrap();
        Model { n_obs, parents, cpt, order, admg }
    }

    /// The joint over the observed nodes (index: bit v = value of node v), with
    /// node `x` set to `do_x` when given.
    fn observed_joint(&self, do_x: Option<(usize, usize)>) -> Vec<f64> {
        let n = self.parents.len();
        let mut out = vec![0.0; 1 << self.n_obs];
        for state in 0..1usize << n {
            let mut pr = 1.0;
            for &v in &self.order {
                let val = state >> v & 1;
                let pv = match do_x {
                    Some((x, xv)) if x == v => (val == xv) as usize as f64,
                    _ => {
                        let cfg = self.parents[v].iter().enumerate().fold(0, |c, (k, &u)| c | (state >> u & 1) << k);
                        let p1 = self.cpt[v][cfg];
                        if val == 1 { p1 } else { 1.0 - p1 }
                    }
                };
                pr *= pv;
                if pr == 0.0 {
                    break;
                }
            }
            out[state & ((1 << self.n_obs) - 1)] += pr;
        }
        out
    }
}

/// `P(vars = at | given = at)` from a joint table over `n` binary variables.
fn prob_from(joint: &[f64], vars: &NodeSet, given: &NodeSet, at: &[usize]) -> f64 {
    let matches = |s: usize, set: &NodeSet| set.iter().all(|v| s >> v & 1 == at[v]);
    let both = vars.union(given);
    let num: f64 = (0..joint.len()).filter(|&s| matches(s, &both)).map(|s| joint[s]).sum();
    if given.is_empty() {
        return num;
    }
    let den: f64 = (0..joint.len()).filter(|&s| matches(s, given)).map(|s| joint[s]).sum();
    if den == 0.0 { 0.0 } else { num / den }
}

fn check(model: &Model, x: usize, y: usize, expr: &Expr, what: &str) {
    let p = model.n_obs;
    let joint = model.observed_joint(None);
    let levels = vec![2; p];
    for xv in 0..2 {
        let truth_joint = model.observed_joint(Some((x, xv)));
        for yv in 0..2 {
            let truth = prob_from(&truth_joint, &NodeSet::of(p, [y]), &NodeSet::empty(p), &vec![yv; p]);
            let mut at = vec![0; p];
            at[x] = xv;
            at[y] = yv;
            let got = expr.evaluate(&mut at, &levels, &|v, g, a| prob_from(&joint, v, g, a));
            assert!((got - truth).abs() < 1e-9, "{what}: P(y={yv} | do(x={xv})) = {truth}, estimand gives {got}");
        }
    }
}

#[test]
fn every_estimand_equals_the_interventional_truth() {
    let mut rng = Rng::seed_from_u64(2006);
    let (mut identified, mut hedges, mut adjusted, mut front, mut ratios) = (0, 0, 0, 0, 0);
    for case in 0..400 {
        let model = Model::random(4 + case % 4, case % 5, 0.45, &mut rng);
        let p = model.n_obs;
        let x = rng.below(p as u64) as usize;
        let y = (x + 1 + rng.below(p as u64 - 1) as usize) % p;
        let (xs, ys) = (NodeSet::of(p, [x]), NodeSet::of(p, [y]));
        let id = identify_id(&model.admg, &xs, &ys);
        if let Some(adj) = adjustment(&model.admg, &xs, &ys) {
            adjusted += 1;
            for (name, z) in [("canonical", &adj.canonical), ("minimal", &adj.minimal)] {
                assert!(is_valid_adjustment(&model.admg, &xs, &ys, z));
                check(&model, x, y, &Adjustment::estimand(p, &xs, &ys, z), &format!("case {case}: {name} adjustment"));
            }
            if let Some(o) = &adj.optimal {
                check(&model, x, y, &Adjustment::estimand(p, &xs, &ys, o), &format!("case {case}: optimal adjustment"));
            }
            assert!(id.is_ok(), "case {case}: adjustable but ID failed");
        }
        if let Some((_, e)) = front_door(&model.admg, &xs, &ys) {
            front += 1;
            check(&model, x, y, &e, &format!("case {case}: front door"));
        }
        match id {
            Ok(e) => {
                identified += 1;
                ratios += has_ratio(&e) as usize;
                check(&model, x, y, &e, &format!("case {case}: ID"));
            }
            Err(h) => {
                hedges += 1;
                assert!(h.f_prime.is_subset(&h.f) && h.f_prime != h.f, "case {case}: {h:?}");
                assert_eq!(model.admg.districts(&h.f).len(), 1);
                assert_eq!(model.admg.districts(&h.f_prime).len(), 1);
            }
        }
    }
    // Enough of each kind, including estimands from line 7 followed by line 2 (a ratio of sums).
    assert!(
        identified > 150 && hedges > 15 && adjusted > 100 && front > 3 && ratios > 2,
        "{identified} identified, {hedges} hedges, {adjusted} adjustable, {front} front door, {ratios} with ratios"
    );
}

fn has_ratio(e: &Expr) -> bool {
    match e {
        Expr::Prob { .. } => false,
        Expr::Ratio { .. } => true,
        Expr::Sum { body, .. } => has_ratio(body),
        Expr::Product(f) => f.iter().any(has_ratio),
    }
}

#[test]
fn textbook_graphs() {
    let names: Vec<String> = ["X", "M", "Y", "W", "Z"].iter().map(|s| s.to_string()).collect();
    let one = |v| NodeSet::of(5, [v]);
    // Front door: X --> M --> Y, X <-> Y.
    let g = Admg::new(5, &[(0, 1), (1, 2)], &[(0, 2)]).unwrap();
    assert!(adjustment(&g, &one(0), &one(2)).is_none());
    let (m, e) = front_door(&g, &one(0), &one(2)).unwrap();
    assert_eq!(m.to_vec(), vec![1]);
    assert_eq!(e.to_formula(&names, &one(0)), "Σ_{M} P(M | X) [Σ_{X'} P(Y | X', M) P(X')]");
    assert!(identify_id(&g, &one(0), &one(2)).is_ok());
    // Bow arc: X --> Y, X <-> Y: a hedge.
    let g = Admg::new(5, &[(0, 2)], &[(0, 2)]).unwrap();
    let h = identify_id(&g, &one(0), &one(2)).unwrap_err();
    assert_eq!((h.f.to_vec(), h.f_prime.to_vec()), (vec![0, 2], vec![2]));
    // Instrument: Z --> X --> Y, X <-> Y.
    let g = Admg::new(5, &[(4, 0), (0, 2)], &[(0, 2)]).unwrap();
    assert_eq!(instruments(&g, &one(0), &one(2)), vec![4]);
    assert!(identify_id(&g, &one(0), &one(2)).is_err());
    // Confounding through W: W --> X --> Y, W --> Y; W is the adjustment set.
    let g = Admg::new(5, &[(3, 0), (0, 2), (3, 2)], &[]).unwrap();
    let a = adjustment(&g, &one(0), &one(2)).unwrap();
    assert_eq!((a.minimal.to_vec(), a.optimal.unwrap().to_vec()), (vec![3], vec![3]));
    assert_eq!(
        Adjustment::estimand(5, &one(0), &one(2), &one(3)).to_formula(&names, &one(0)),
        "Σ_{W} P(Y | X, W) P(W)"
    );
}
