use crate::special::{normal_cdf, two_sided_normal_p};
use crate::{CiTest, Correlation, Result, Scratch, Semantics, StatsError};

/// pcalg's cap on `|r|` before the z-transform (`gaussCItest`).
const PCALG_CUT: f64 = 0.9999999;

/// Fisher's z test of zero partial correlation, for (approximately) Gaussian data.
///
/// With `r` the sample partial correlation of `x` and `y` given `S`,
/// `z = √(n − |S| − 3) · atanh(r)` is standard normal under independence and the
/// p-value is `P(|Z| > |z|)`.
/// The partial correlation comes from the Cholesky factor `L` of the
/// conditioning block `R_SS`: with `L a = R_Sx` and `L b = R_Sy`,
/// `r = (R_xy − a·b) / √((1 − a·a)(1 − b·b))`, which equals the
/// `−P_xy/√(P_xx P_yy)` of the inverse of `R_{xyS}` used by pcalg and causal-learn.
#[derive(Debug, Clone)]
pub struct FisherZ {
    corr: Correlation,
    semantics: Semantics,
    /// For the last level asked about: `(alpha, inclusive, lo, hi)` with every
    /// statistic below `lo` accepted and every one above `hi` rejected.
    bracket: std::sync::OnceLock<(f64, bool, f64, f64)>,
}

impl FisherZ {
    /// A Fisher-z test on the given correlation matrix.
    pub fn new(corr: Correlation, semantics: Semantics) -> FisherZ {
        FisherZ { corr, semantics, bracket: std::sync::OnceLock::new() }
    }

    /// The statistic `|z|` of `x ⟂ y | s` in this test's semantics (NaN passes through).
    fn statistic(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> Result<f64> {
        let n = self.corr.n();
        let k = s.len();
        if n < k + 4 {
            return Err(StatsError::TooFewRows { n, k, needed: k + 4 });
        }
        let r = self.partial_correlation(x, y, s, scratch)?;
        let dof = ((n - k - 3) as f64).sqrt();
        Ok(match self.semantics {
            Semantics::Pcalg => {
                let r = if r.is_nan() { 0.0 } else { r.abs().min(PCALG_CUT) };
                dof * 0.5 * (2.0 * r / (1.0 - r)).ln_1p()
            }
            Semantics::CausalLearn => {
                let mut r = r;
                if r.abs() >= 1.0 {
                    r = (1.0 - f64::EPSILON) * r.signum();
                }
                dof * (0.5 * ((1.0 + r) / (1.0 - r)).ln()).abs()
            }
        })
    }

    /// The p-value of the statistic, exactly as each reference computes it.
    fn p_of(&self, z: f64) -> f64 {
        match self.semantics {
            Semantics::Pcalg => two_sided_normal_p(z),
            // causal-learn evaluates 2 * (1 - Φ(z)); keep its rounding.
            Semantics::CausalLearn => 2.0 * (1.0 - normal_cdf(z)),
        }
    }

    /// Statistics below `lo` are accepted and above `hi` rejected at `alpha`, by
    /// bisection on the exact decision, with a relative margin of 1e-9 on either
    /// side (rounding in the p-value is far smaller); `None` when the decision
    /// does not flip once between 0 and 40.
    fn bracket(&self, alpha: f64, inclusive: bool) -> Option<(f64, f64)> {
        let accept = |z: f64| {
            let p = self.p_of(z);
            if inclusive { p >= alpha } else { p > alpha }
        };
        if !accept(0.0) || accept(40.0) {
            return None;
        }
        let (mut a, mut r) = (0.0f64, 40.0f64);
        for _ in 0..200 {
            let mid = 0.5 * (a + r);
            if mid == a || mid == r {
                break;
            }
            if accept(mid) { a = mid } else { r = mid }
        }
        let (lo, hi) = (a * (1.0 - 1e-9), r * (1.0 + 1e-9));
        (accept(lo) && !accept(hi)).then_some((lo, hi))
    }

    /// The correlation matrix the test reads.
    pub fn correlation(&self) -> &Correlation {
        &self.corr
    }

    /// The sample partial correlation of `x` and `y` given `s`.
    pub fn partial_correlation(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> Result<f64> {
        let c = &self.corr;
        let k = s.len();
        match k {
            0 => Ok(c.get(x, y)),
            1 => {
                let z = s[0];
                let (rxy, rxz, ryz) = (c.get(x, y), c.get(x, z), c.get(y, z));
                let den = ((1.0 - ryz * ryz) * (1.0 - rxz * rxz)).sqrt();
                if den.is_nan() || den <= 0.0 {
                    return Err(StatsError::SingularConditioningSet { x, y, set: s.to_vec() });
                }
                Ok((rxy - rxz * ryz) / den)
            }
            _ => {
                let singular = || StatsError::SingularConditioningSet { x, y, set: s.to_vec() };
                let l = &mut scratch.f;
                l.clear();
                l.resize(k * k, 0.0);
                // Cholesky of R_SS, row-major lower triangle.
                for i in 0..k {
                    for j in 0..=i {
                        let mut sum = c.get(s[i], s[j]);
                        for m in 0..j {
                            sum -= l[i * k + m] * l[j * k + m];
                        }
                        if i == j {
                            if sum <= 1e-14 {
                                return Err(singular());
                            }
                            l[i * k + i] = sum.sqrt();
                        } else {
                            l[i * k + j] = sum / l[j * k + j];
                        }
                    }
                }
                let ab = &mut scratch.g;
                ab.clear();
                ab.resize(2 * k, 0.0);
                for i in 0..k {
                    let (mut sa, mut sb) = (c.get(s[i], x), c.get(s[i], y));
                    for m in 0..i {
                        sa -= l[i * k + m] * ab[m];
                        sb -= l[i * k + m] * ab[k + m];
                    }
                    ab[i] = sa / l[i * k + i];
                    ab[k + i] = sb / l[i * k + i];
                }
                let (mut aa, mut bb, mut abd) = (0.0, 0.0, 0.0);
                for i in 0..k {
                    aa += ab[i] * ab[i];
                    bb += ab[k + i] * ab[k + i];
                    abd += ab[i] * ab[k + i];
                }
                let den = ((1.0 - aa) * (1.0 - bb)).sqrt();
                if den.is_nan() || den <= 0.0 {
                    return Err(singular());
                }
                Ok((c.get(x, y) - abd) / den)
            }
        }
    }
}

impl CiTest for FisherZ {
    fn n_vars(&self) -> usize {
        self.corr.p()
    }

    fn n_obs(&self) -> usize {
        self.corr.n()
    }

    fn name(&self) -> &'static str {
        "fisherz"
    }

    fn p_value(&self, x: usize, y: usize, s: &[usize], scratch: &mut Scratch) -> Result<f64> {
        Ok(self.p_of(self.statistic(x, y, s, scratch)?))
    }

    /// Compares the statistic with the critical value, and computes the p-value
    /// only near it: the same decisions as comparing `p_value`, without the
    /// special function for almost every test.
    fn accepts(
        &self,
        x: usize,
        y: usize,
        s: &[usize],
        alpha: f64,
        inclusive: bool,
        scratch: &mut Scratch,
    ) -> Result<bool> {
        let z = self.statistic(x, y, s, scratch)?;
        let &(a, inc, lo, hi) = self.bracket.get_or_init(|| {
            let (lo, hi) = self.bracket(alpha, inclusive).unwrap_or((f64::NAN, f64::NAN));
            (alpha, inclusive, lo, hi)
        });
        if a == alpha && inc == inclusive {
            if z < lo {
                return Ok(true);
            }
            if z > hi {
                return Ok(false);
            }
        }
        let p = self.p_of(z);
        Ok(if inclusive { p >= alpha } else { p > alpha })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::{Par, Rng};

    #[test]
    fn accepts_decides_as_the_p_value_does() {
        let mut rng = Rng::seed_from_u64(21);
        let n = 300;
        let cols: Vec<Vec<f64>> = (0..6).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
        let mut cols = cols;
        for i in 0..n {
            cols[1][i] += 0.15 * cols[0][i];
            cols[2][i] += 0.1 * cols[1][i];
        }
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let corr = Correlation::from_columns(&refs, Par::Seq).unwrap();
        let mut sc = Scratch::default();
        for semantics in [Semantics::Pcalg, Semantics::CausalLearn] {
            for alpha in [0.01, 0.05, 0.2] {
                for inclusive in [true, false] {
                    // A fresh test per level, so the fast path is the one exercised.
                    let t = FisherZ::new(corr.clone(), semantics);
                    for x in 0..6 {
                        for y in x + 1..6 {
                            for s in [vec![], vec![(y + 1) % 6], vec![(y + 1) % 6, (y + 2) % 6]] {
                                if s.contains(&x) || s.contains(&y) {
                                    continue;
                                }
                                let p = t.p_value(x, y, &s, &mut sc).unwrap();
                                let want = if inclusive { p >= alpha } else { p > alpha };
                                assert_eq!(t.accepts(x, y, &s, alpha, inclusive, &mut sc).unwrap(), want);
                                // At alpha equal to this very p-value the two conventions part ways.
                                let exact = FisherZ::new(corr.clone(), semantics);
                                assert!(exact.accepts(x, y, &s, p, true, &mut sc).unwrap());
                                assert!(!exact.accepts(x, y, &s, p, false, &mut sc).unwrap());
                            }
                        }
                    }
                }
            }
        }
    }

    /// Partial correlation by brute force: regress x and y on s, correlate residuals.
    fn residual_corr(cols: &[Vec<f64>], x: usize, y: usize, s: &[usize]) -> f64 {
        let n = cols[0].len();
        let resid = |t: usize| -> Vec<f64> {
            // Gram–Schmidt on [1, s...] then project t out.
            let mut basis: Vec<Vec<f64>> = vec![vec![1.0 / (n as f64).sqrt(); n]];
            for &j in s {
                let mut v = cols[j].clone();
                for b in &basis {
                    let d: f64 = v.iter().zip(b).map(|(a, c)| a * c).sum();
                    v.iter_mut().zip(b).for_each(|(a, c)| *a -= d * c);
                }
                let nn = v.iter().map(|a| a * a).sum::<f64>().sqrt();
                v.iter_mut().for_each(|a| *a /= nn);
                basis.push(v);
            }
            let mut v = cols[t].clone();
            for b in &basis {
                let d: f64 = v.iter().zip(b).map(|(a, c)| a * c).sum();
                v.iter_mut().zip(b).for_each(|(a, c)| *a -= d * c);
            }
            v
        };
        let (rx, ry) = (resid(x), resid(y));
        let sxy: f64 = rx.iter().zip(&ry).map(|(a, b)| a * b).sum();
        let sxx: f64 = rx.iter().map(|a| a * a).sum();
        let syy: f64 = ry.iter().map(|a| a * a).sum();
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn partial_correlation_matches_residual_regression() {
        let mut rng = Rng::seed_from_u64(11);
        let n = 400;
        let mut cols: Vec<Vec<f64>> = (0..6).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
        for i in 0..n {
            cols[2][i] += 0.7 * cols[0][i] - 0.4 * cols[1][i];
            cols[3][i] += 0.5 * cols[2][i];
            cols[4][i] += 0.9 * cols[3][i] + 0.3 * cols[0][i];
        }
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let t = FisherZ::new(Correlation::from_columns(&refs, Par::Seq).unwrap(), Semantics::Pcalg);
        let mut sc = Scratch::default();
        for s in [&[][..], &[2], &[2, 3], &[1, 2, 3, 5]] {
            let got = t.partial_correlation(0, 4, s, &mut sc).unwrap();
            let want = residual_corr(&cols, 0, 4, s);
            assert!((got - want).abs() < 1e-12, "S={s:?}: {got} vs {want}");
        }
    }

    #[test]
    fn p_values_follow_fisher_z() {
        let r = Correlation::from_matrix(103, 2, vec![1.0, 0.2, 0.2, 1.0]).unwrap();
        let t = FisherZ::new(r.clone(), Semantics::Pcalg);
        let mut sc = Scratch::default();
        let p = t.p_value(0, 1, &[], &mut sc).unwrap();
        // z = sqrt(100) * atanh(0.2) = 2.0273255405408219; p = erfc(z / sqrt 2).
        assert!((p - 0.04262913119099844).abs() < 1e-14, "{p}");
        let q = FisherZ::new(r, Semantics::CausalLearn).p_value(0, 1, &[], &mut sc).unwrap();
        assert!((p - q).abs() < 1e-13);
        let t = FisherZ::new(Correlation::from_matrix(3, 2, vec![1.0, 0.2, 0.2, 1.0]).unwrap(), Semantics::Pcalg);
        assert!(matches!(t.p_value(0, 1, &[], &mut sc), Err(StatsError::TooFewRows { .. })));
    }
}
