//! Shapley values of a set function over `k` players.
//!
//! Exact (every coalition) up to [`MAX_EXACT`] players, else averaged over seeded
//! random permutations. The set function returns a vector (one value per
//! anomalous row, say), so one pass serves many rows. Coalitions are
//! evaluated in parallel; each value depends only on its coalition, so the
//! result does not depend on the thread count.

use kausa_core::{Par, Rng};

use crate::{Result, ScmError};

/// Players up to which every coalition is evaluated.
pub(crate) const MAX_EXACT: usize = 12;

/// Shapley values `φ[player][output]` of `v` (a coalition is a bit mask of
/// players, so at most 64 players).
pub fn shapley(
    k: usize,
    outputs: usize,
    v: impl Fn(u64) -> Vec<f64> + Sync,
    permutations: usize,
    seed: u64,
    par: Par,
) -> Result<Vec<Vec<f64>>> {
    if k > 64 {
        return Err(ScmError::Invalid(format!(
            "a Shapley attribution shares among at most 64 nodes (the target and its ancestors); this one has {k}"
        )));
    }
    if k <= MAX_EXACT { exact(k, outputs, v, par) } else { sampled(k, outputs, v, permutations, seed, par) }
}

fn exact(k: usize, outputs: usize, v: impl Fn(u64) -> Vec<f64> + Sync, par: Par) -> Result<Vec<Vec<f64>>> {
    let masks = 1usize << k;
    let values = par.map(masks, |m| v(m as u64)).map_err(ScmError::Threads)?;
    // weight(s) = s! (k − s − 1)! / k!
    let mut weight = vec![0.0f64; k];
    for (s, w) in weight.iter_mut().enumerate() {
        let mut x = 1.0 / k as f64;
        // 1/k · 1/C(k−1, s)
        for t in 0..s {
            x *= (t + 1) as f64 / (k - 1 - t) as f64;
        }
        *w = x;
    }
    let mut phi = vec![vec![0.0; outputs]; k];
    for m in 0..masks {
        let size = (m as u64).count_ones() as usize;
        for (i, p) in phi.iter_mut().enumerate() {
            if m & (1 << i) != 0 {
                continue;
            }
            let with = &values[m | (1 << i)];
            let without = &values[m];
            for o in 0..outputs {
                p[o] += weight[size] * (with[o] - without[o]);
            }
        }
    }
    Ok(phi)
}

fn sampled(
    k: usize,
    outputs: usize,
    v: impl Fn(u64) -> Vec<f64> + Sync,
    permutations: usize,
    seed: u64,
    par: Par,
) -> Result<Vec<Vec<f64>>> {
    let permutations = permutations.max(1);
    let parts = par
        .map(permutations, |r| {
            let mut order: Vec<usize> = (0..k).collect();
            Rng::stream(seed ^ 0x5a9_1e7, r as u64).shuffle(&mut order);
            let mut phi = vec![vec![0.0; outputs]; k];
            let mut mask = 0u64;
            let mut before = v(mask);
            for &i in &order {
                mask |= 1 << i;
                let after = v(mask);
                for o in 0..outputs {
                    phi[i][o] += after[o] - before[o];
                }
                before = after;
            }
            phi
        })
        .map_err(ScmError::Threads)?;
    let mut phi = vec![vec![0.0; outputs]; k];
    for part in parts {
        for (p, q) in phi.iter_mut().zip(part) {
            p.iter_mut().zip(q).for_each(|(a, b)| *a += b);
        }
    }
    phi.iter_mut().flatten().for_each(|x| *x /= permutations as f64);
    Ok(phi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coalitions are 64-bit masks: a 65th player is refused, not folded onto the first.
    #[test]
    fn more_than_64_players_are_refused() {
        let v = |m: u64| vec![m.count_ones() as f64];
        assert_eq!(shapley(64, 1, v, 2, 0, Par::Seq).unwrap().len(), 64);
        assert!(matches!(shapley(65, 1, v, 2, 0, Par::Seq), Err(ScmError::Invalid(m)) if m.contains("at most 64")));
    }

    #[test]
    fn exact_values_of_a_known_game() {
        // v(S) = (Σ_{i∈S} w_i)² has φ_i = w_i · Σw (each pair's cross term split evenly).
        let w = [1.0, 2.0, 3.0, 0.5];
        let v = |m: u64| {
            let s: f64 = (0..4).filter(|i| m & (1 << i) != 0).map(|i| w[i]).sum();
            vec![s * s]
        };
        let phi = shapley(4, 1, v, 0, 0, Par::Seq).unwrap();
        let total: f64 = w.iter().sum();
        for i in 0..4 {
            assert!((phi[i][0] - w[i] * total).abs() < 1e-12, "{i}: {}", phi[i][0]);
        }
    }

    #[test]
    fn permutations_are_exact_for_additive_games_and_efficient() {
        let k = 14;
        let v = |m: u64| {
            vec![
                (0..k).filter(|i| m & (1 << i) != 0).map(|i| i as f64).sum::<f64>(),
                if m == (1 << k) - 1 { 7.0 } else { 0.0 },
            ]
        };
        let phi = shapley(k, 2, v, 50, 3, Par::Seq).unwrap();
        for (i, p) in phi.iter().enumerate() {
            assert!((p[0] - i as f64).abs() < 1e-12);
        }
        // Efficiency holds for every permutation estimate.
        assert!((phi.iter().map(|p| p[1]).sum::<f64>() - 7.0).abs() < 1e-12);
        assert_eq!(phi, shapley(k, 2, v, 50, 3, Par::threads(2)).unwrap());
    }
}
