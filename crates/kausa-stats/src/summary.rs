//! Empirical quantiles, as NumPy's default (linear interpolation between order
//! statistics): one definition for every bootstrap interval and summary in kausa.

/// The `p`-quantile of already sorted values.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The `(1 − level)/2` and `(1 + level)/2` quantiles of `values` (level 0: the median twice).
pub fn percentile_interval(values: &[f64], level: f64) -> (f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (quantile(&v, (1.0 - level) / 2.0), quantile(&v, (1.0 + level) / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_as_numpy() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.9]) = [1.75, 2.5, 3.7]
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.9) - 3.7).abs() < 1e-12);
        assert_eq!(percentile_interval(&[4.0, 1.0, 3.0, 2.0], 0.0), (2.5, 2.5));
    }
}
