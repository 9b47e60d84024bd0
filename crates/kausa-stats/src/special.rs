//! Special functions for p-values.
//!
//! `erfc` and `lgamma` come from `libm` (a port of musl's, accurate to about one
//! ulp); the regularised incomplete gamma function is evaluated by its series
//! for `x < a + 1` and by Lentz's continued fraction otherwise (Press et al.,
//! *Numerical Recipes*, §6.2), to a relative accuracy of about 1e-15.

/// `P(|Z| > |z|)` for a standard normal `Z`: the two-sided normal p-value.
pub fn two_sided_normal_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The standard normal distribution function `Φ(z) = erfc(−z/√2)/2`.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile `Φ⁻¹(p)`, `0 < p < 1`: Acklam's rational
/// approximation (relative error below 1.2e-9) refined by one Halley step on
/// `erfc`, to about 1e-15.
pub fn normal_quantile(p: f64) -> f64 {
    debug_assert!(p > 0.0 && p < 1.0);
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley's step: e = Φ(x) − p.
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// The regularised incomplete beta function `I_x(a, b)`, by Lentz's continued
/// fraction (Press et al., *Numerical Recipes*, §6.4).
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        (ln_front.exp()) * beta_fraction(a, b, x) / a
    } else {
        1.0 - (ln_front.exp()) * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// `P(T ≤ t)` for Student's t distribution with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t));
    if t > 0.0 { 1.0 - tail } else { tail }
}

/// The quantile of Student's t distribution with `df` degrees of freedom, by
/// bisection on [`student_t_cdf`] (agrees with SciPy to about 1e-10).
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    debug_assert!(p > 0.0 && p < 1.0);
    if p == 0.5 {
        return 0.0;
    }
    let z = normal_quantile(p);
    // The t quantile lies beyond the normal one: bracket and bisect.
    let (mut lo, mut hi) = if p > 0.5 { (z, z.max(1.0)) } else { (z.min(-1.0), z) };
    while student_t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    while student_t_cdf(lo, df) > p {
        lo *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The upper tail `P(F > f)` of an F distribution with `d1` and `d2` degrees of freedom.
pub fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if f <= 0.0 {
        return 1.0;
    }
    beta_inc(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f))
}

/// The upper tail `P(K > x)` of Kolmogorov's distribution (the limit of
/// `√n · sup |F_n − F|`): `2 Σ (−1)^(k−1) exp(−2k²x²)`.
pub fn kolmogorov_sf(x: f64) -> f64 {
    if x < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * x * x).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-17 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The two-sample Kolmogorov–Smirnov test: the largest distance `D` between the
/// two empirical distribution functions and its asymptotic p-value (with
/// Stephens' small-sample correction `(√m + 0.12 + 0.11/√m)·D`, `m = n₁n₂/(n₁+n₂)`).
/// Ties are handled by stepping over equal values together, so the test is
/// conservative on discrete data.
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> (f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 1.0);
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    let m = na * nb / (na + nb);
    let sm = m.sqrt();
    (d, kolmogorov_sf((sm + 0.12 + 0.11 / sm) * d))
}

/// The upper tail `P(X > x)` of a χ² distribution with `df` degrees of freedom.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(df / 2.0, x / 2.0)
}

/// The regularised upper incomplete gamma function `Q(a, x) = Γ(a, x) / Γ(a)`.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    debug_assert!(a > 0.0);
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 { 1.0 - gamma_p_series(a, x) } else { gamma_q_fraction(a, x) }
}

fn log_prefactor(a: f64, x: f64) -> f64 {
    a * x.ln() - x - libm::lgamma(a)
}

fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..100_000 {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * 1e-17 {
            break;
        }
    }
    (sum.ln() + log_prefactor(a, x)).exp()
}

fn gamma_q_fraction(a: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..100_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-17 {
            break;
        }
    }
    (h.ln() + log_prefactor(a, x)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Φ` is the inverse of the quantile and gives SciPy's `norm.cdf` (1.15).
    #[test]
    fn normal_cdf_inverts_the_quantile() {
        for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999_999] {
            assert!((normal_cdf(normal_quantile(p)) - p).abs() < 1e-12 * p.max(1e-3), "{p}");
        }
        let scipy = [
            (-4.0, 3.167124183311986e-05),
            (-1.0, 0.15865525393145707),
            (0.0, 0.5),
            (0.7, 0.758036347776927),
            (3.0, 0.9986501019683699),
        ];
        for (z, want) in scipy {
            assert!((normal_cdf(z) - want).abs() < 1e-14 * want, "{z}");
        }
        assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-15);
    }

    #[test]
    fn quantiles_match_scipy() {
        // scipy.stats.norm.ppf / t.ppf / t.cdf.
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-14);
        assert!((normal_quantile(0.001) + 3.090232306167813).abs() < 1e-13);
        let q = student_t_quantile(0.975, 10.0);
        assert!((student_t_cdf(q, 10.0) - 0.975).abs() < 1e-14, "cdf {}", student_t_cdf(q, 10.0));
        assert!((q - 2.2281388519649385).abs() < 1e-10, "{q}");
        assert!((student_t_quantile(0.025, 1000.0) + 1.9623390808264078).abs() < 1e-10);
        assert!((student_t_quantile(0.995, 3.0) - 5.840909309733352).abs() < 1e-10);
        assert!((student_t_cdf(1.5, 7.0) - 0.911350756505015).abs() < 1e-13);
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn normal_p_matches_known_values() {
        // scipy.stats.norm.sf(1.959963984540054) * 2 = 0.05
        assert!(close(two_sided_normal_p(1.959963984540054), 0.05, 1e-13));
        assert!(close(two_sided_normal_p(-2.5758293035489004), 0.01, 1e-13));
        assert_eq!(two_sided_normal_p(0.0), 1.0);
    }

    #[test]
    fn chi2_matches_scipy() {
        // Values from scipy.stats.chi2.sf.
        assert!(close(chi2_sf(3.841458820694124, 1.0), 0.05, 1e-12));
        assert!(close(chi2_sf(6.6348966010212145, 1.0), 0.01, 1e-12));
        assert!(close(chi2_sf(10.0, 4.0), 0.04042768199451279, 1e-12));
        assert!(close(chi2_sf(2.0, 7.0), 0.9598403687301016, 1e-12));
        assert!(close(chi2_sf(150.0, 100.0), 0.0009039320423540184, 1e-10));
        assert!(close(chi2_sf(1000.0, 1000.0), 0.49405285382923964, 1e-10));
        assert_eq!(chi2_sf(0.0, 3.0), 1.0);
    }

    #[test]
    fn f_and_kolmogorov_tails_match_scipy() {
        // scipy.stats.f.sf and scipy.stats.kstwobign.sf.
        assert!(close(f_sf(2.5, 3.0, 40.0), 0.07325435201794978, 1e-11));
        assert!(close(f_sf(0.7, 1.0, 1000.0), 0.4029835792236697, 1e-11));
        assert!(close(f_sf(10.0, 5.0, 12.0), 0.0005873870784259763, 1e-10));
        assert!(close(kolmogorov_sf(0.5), 0.9639452436648751, 1e-12));
        assert!(close(kolmogorov_sf(1.2), 0.11224966667072497, 1e-12));
        assert!(close(kolmogorov_sf(2.0), 0.0006709252557796953, 1e-12));
    }

    #[test]
    fn ks_statistic_matches_scipy() {
        // scipy.stats.ks_2samp(a, b).statistic = 0.4 (at 2.2); with ties the steps merge.
        let (d, p) = ks_two_sample(&[0.1, 0.5, 0.9, 1.3, 2.0, 2.2], &[0.4, 1.0, 1.1, 3.0, 3.5]);
        assert!(close(d, 0.4, 1e-15));
        let m: f64 = 30.0 / 11.0;
        assert!(close(p, kolmogorov_sf((m.sqrt() + 0.12 + 0.11 / m.sqrt()) * 0.4), 1e-15));
        let (d, _) = ks_two_sample(&[1.0, 1.0, 2.0, 2.0], &[1.0, 2.0, 2.0, 2.0]);
        assert!(close(d, 0.25, 1e-15));
        let (d, p) = ks_two_sample(&[3.0, 1.0, 2.0], &[2.0, 3.0, 1.0]);
        assert_eq!((d, p), (0.0, 1.0));
    }
}
