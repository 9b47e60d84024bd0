use faer::{Accum, MatMut, MatRef, Par as FaerPar};
use kausa_core::Par;
use rayon::prelude::*;

use crate::{Result, StatsError};

/// Columns per block of the Gram product; fixed so results do not depend on threads.
const BLOCK: usize = 32;

/// The sample correlation matrix of continuous columns, with the sample size:
/// the sufficient statistic of the Fisher-z test.
///
/// Computed as in `numpy.corrcoef`: centre each column, form the Gram matrix
/// `Xᶜᵀ Xᶜ`, scale by the standard deviations and clip to `[-1, 1]`.
/// The Gram product runs on fixed blocks of columns, each on one thread, so the
/// matrix is bit-for-bit the same whatever [`Par`] is.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    n: usize,
    p: usize,
    r: Vec<f64>,
    /// Population standard deviations (divisor `n`), so covariances can be recovered.
    sd: Vec<f64>,
}

/// 1 for magnitudes within 2^±400 (their squares summed over any realistic number of
/// rows stay finite and normal), else the power of two that brings `magnitude` near 1.
fn power_of_two_scale(magnitude: f64) -> f64 {
    const LIMIT: f64 = f64::from_bits((1023 + 400) << 52); // 2^400
    if !magnitude.is_finite() || magnitude == 0.0 || (1.0 / LIMIT..=LIMIT).contains(&magnitude) {
        return 1.0;
    }
    2f64.powi(-(magnitude.log2().floor() as i32).clamp(-1000, 1000))
}

impl Correlation {
    /// The correlation matrix of `columns` (each of the same length `n ≥ 2`).
    ///
    /// Fails with [`StatsError::Constant`] on a zero-variance column.
    pub fn from_columns(columns: &[&[f64]], par: Par) -> Result<Correlation> {
        let p = columns.len();
        let n = columns.first().map_or(0, |c| c.len());
        if n < 2 {
            return Err(StatsError::TooFewRows { n, k: 0, needed: 2 });
        }
        for (j, col) in columns.iter().enumerate() {
            if col.len() != n {
                return Err(StatsError::Internal(format!("column {j} has {} rows, expected {n}", col.len())));
            }
        }
        let pool = par.pool().map_err(StatsError::Internal)?;
        // Centred copy, column-major, scaled by 1/norm so the Gram matrix is the correlation.
        // Each column is one task, so the bits do not depend on threads.
        let mut x = vec![0.0f64; n * p];
        let centre = |(j, dst): (usize, &mut [f64])| -> Option<f64> {
            let col = columns[j];
            let magnitude = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            // Values far from 1 (1e200, 1e-200) are first scaled by a power of two, which is
            // exact, so that their squares neither overflow nor vanish; correlations do not
            // depend on scale and the standard deviation is scaled back. Other columns are
            // left as they are (and would give the same bits scaled).
            let t = power_of_two_scale(magnitude);
            let mean = col.iter().map(|v| v * t).sum::<f64>() / n as f64;
            for (d, v) in dst.iter_mut().zip(col.iter()) {
                *d = v * t - mean;
            }
            let ss: f64 = dst.iter().map(|v| v * v).sum();
            // A column whose spread is at rounding level of its magnitude is constant.
            let scale = (magnitude * t).max(f64::MIN_POSITIVE);
            if ss.sqrt() <= 1e-12 * scale * (n as f64).sqrt() {
                return None;
            }
            // Subnormal in-memory data can leave a standard deviation that rounds to 0.
            let sd = (ss / n as f64).sqrt() / t;
            if sd == 0.0 {
                return None;
            }
            let inv = 1.0 / ss.sqrt();
            dst.iter_mut().for_each(|v| *v *= inv);
            Some(sd)
        };
        let mut ok: Vec<Option<f64>> = vec![None; p];
        match &pool {
            None => x.chunks_mut(n).enumerate().zip(ok.iter_mut()).for_each(|(c, o)| *o = centre(c)),
            Some(pool) => pool
                .install(|| x.par_chunks_mut(n).enumerate().zip(ok.par_iter_mut()).for_each(|(c, o)| *o = centre(c))),
        }
        if let Some(column) = ok.iter().position(|o| o.is_none()) {
            return Err(StatsError::Constant { column });
        }
        let sd: Vec<f64> = ok.into_iter().flatten().collect();
        let xm = MatRef::from_column_major_slice(&x, n, p);
        let mut r = vec![0.0f64; p * p];
        let blocks: Vec<(usize, &mut [f64])> =
            r.chunks_mut(BLOCK * p).enumerate().map(|(b, chunk)| (b * BLOCK, chunk)).collect();
        let work = |(j0, chunk): (usize, &mut [f64])| {
            let w = chunk.len() / p;
            // Only rows up to the block's last column: the upper triangle is all we read.
            let rows = j0 + w;
            let dst = MatMut::from_column_major_slice_mut(chunk, p, w).subrows_mut(0, rows);
            let rhs = xm.subcols(j0, w);
            let lhs = xm.subcols(0, rows).transpose();
            faer::linalg::matmul::matmul(dst, Accum::Replace, lhs, rhs, 1.0, FaerPar::Seq);
        };
        match &pool {
            None => blocks.into_iter().for_each(work),
            Some(pool) => pool.install(|| blocks.into_par_iter().for_each(work)),
        }
        // Symmetrise from the upper triangle, unit diagonal, clip.
        for j in 0..p {
            r[j * p + j] = 1.0;
            for i in 0..j {
                let v = r[j * p + i].clamp(-1.0, 1.0);
                r[j * p + i] = v;
                r[i * p + j] = v;
            }
        }
        Ok(Correlation { n, p, r, sd })
    }

    /// A correlation matrix given directly (row-major `p×p`, symmetric, unit
    /// diagonal); standard deviations are taken as 1.
    pub fn from_matrix(n: usize, p: usize, r: Vec<f64>) -> Result<Correlation> {
        if r.len() != p * p {
            return Err(StatsError::Internal(format!("matrix has {} entries, expected {}", r.len(), p * p)));
        }
        Ok(Correlation { n, p, r, sd: vec![1.0; p] })
    }

    /// The population standard deviation (divisor `n`) of column `j`.
    pub fn sd(&self, j: usize) -> f64 {
        self.sd[j]
    }

    /// Number of observations behind the matrix.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of variables.
    pub fn p(&self) -> usize {
        self.p
    }

    /// Entry `(i, j)`.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.r[i * self.p + j]
    }

    /// Finds a perfectly collinear set of columns, if any.
    ///
    /// Runs a Cholesky factorisation in column order; the first column whose
    /// residual variance after regressing on the earlier columns is below `tol`
    /// is a linear combination of them, and the returned set names that column
    /// together with the earlier columns that carry its combination.
    ///
    /// A blocked Cholesky factorisation (faer) screens the matrix first; only
    /// when one of its pivots comes near `tol` does the column-by-column search
    /// run, so the answer is that search's whatever `par` is.
    pub fn collinear_set(&self, tol: f64, par: Par) -> Option<Vec<usize>> {
        if self.smallest_pivot(par).is_some_and(|m| m > 4.0 * tol) {
            return None;
        }
        self.collinear_search(tol)
    }

    /// The smallest squared pivot of the Cholesky factor, `None` if the factorisation fails.
    fn smallest_pivot(&self, par: Par) -> Option<f64> {
        use faer::dyn_stack::{MemBuffer, MemStack};
        use faer::linalg::cholesky::llt::factor::{LltRegularization, cholesky_in_place, cholesky_in_place_scratch};
        let p = self.p;
        let fpar = match par {
            Par::Seq => FaerPar::Seq,
            Par::Threads(t) => FaerPar::rayon(t.get()),
        };
        let mut a = faer::Mat::<f64>::from_fn(p, p, |i, j| self.get(i, j));
        let mut mem = MemBuffer::new(cholesky_in_place_scratch::<f64>(p, fpar, Default::default()));
        cholesky_in_place(a.as_mut(), LltRegularization::default(), fpar, MemStack::new(&mut mem), Default::default())
            .ok()?;
        (0..p).map(|j| a[(j, j)] * a[(j, j)]).reduce(f64::min)
    }

    fn collinear_search(&self, tol: f64) -> Option<Vec<usize>> {
        let p = self.p;
        let mut l = vec![0.0f64; p * p];
        let mut kept: Vec<usize> = Vec::new();
        for j in 0..p {
            // Solve L a = C[kept, j] on the kept (independent) columns.
            let k = kept.len();
            let mut a = vec![0.0f64; k];
            for (ii, &ci) in kept.iter().enumerate() {
                let mut s = self.get(ci, j);
                for m in 0..ii {
                    s -= l[ii * p + m] * a[m];
                }
                a[ii] = s / l[ii * p + ii];
            }
            let resid = 1.0 - a.iter().map(|v| v * v).sum::<f64>();
            if resid <= tol {
                // Back-substitute for the regression coefficients to name the partners.
                let mut beta = vec![0.0f64; k];
                for ii in (0..k).rev() {
                    let mut s = a[ii];
                    for m in ii + 1..k {
                        s -= l[m * p + ii] * beta[m];
                    }
                    beta[ii] = s / l[ii * p + ii];
                }
                let mut set: Vec<usize> =
                    kept.iter().zip(&beta).filter(|(_, b)| b.abs() > 1e-6).map(|(&c, _)| c).collect();
                set.push(j);
                return Some(set);
            }
            let row = k;
            for m in 0..k {
                l[row * p + m] = a[m];
            }
            l[row * p + row] = resid.sqrt();
            kept.push(j);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kausa_core::Rng;

    fn columns(n: usize, p: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = Rng::seed_from_u64(seed);
        let mut cols: Vec<Vec<f64>> = (0..p).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
        for i in 0..n {
            cols[1][i] += 0.8 * cols[0][i];
        }
        cols
    }

    #[test]
    fn matches_naive_formula_and_is_thread_independent() {
        let cols = columns(500, 70, 1);
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let c1 = Correlation::from_columns(&refs, Par::Seq).unwrap();
        let c2 = Correlation::from_columns(&refs, Par::threads(2)).unwrap();
        assert_eq!(c1, c2);
        let n = 500.0;
        for (i, j) in [(0, 1), (3, 60), (69, 2)] {
            let (a, b) = (&cols[i], &cols[j]);
            let ma = a.iter().sum::<f64>() / n;
            let mb = b.iter().sum::<f64>() / n;
            let sab: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
            let saa: f64 = a.iter().map(|x| (x - ma) * (x - ma)).sum();
            let sbb: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
            let r = sab / (saa * sbb).sqrt();
            assert!((c1.get(i, j) - r).abs() < 1e-12, "{i},{j}");
            assert_eq!(c1.get(i, j), c1.get(j, i));
        }
    }

    /// Columns of 1e200 or 1e-200 (a unit mistake, a raw sensor count) have the correlations
    /// of the same columns near 1, and their own standard deviations; before, their squares
    /// overflowed (the column looked independent of everything) or vanished (it looked constant).
    #[test]
    fn huge_and_tiny_columns_correlate_as_their_scaled_versions() {
        let cols = columns(300, 4, 7);
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let want = Correlation::from_columns(&refs, Par::Seq).unwrap();
        for factor in [1e200, 1e-200, 3e300, 1e-300] {
            let mut scaled = cols.clone();
            scaled[1].iter_mut().for_each(|v| *v *= factor);
            let refs: Vec<&[f64]> = scaled.iter().map(|c| c.as_slice()).collect();
            let got = Correlation::from_columns(&refs, Par::Seq).unwrap();
            for i in 0..4 {
                for j in 0..4 {
                    assert!((got.get(i, j) - want.get(i, j)).abs() < 1e-12, "{factor}: r[{i},{j}]");
                }
            }
            assert!((got.sd(1) / (want.sd(1) * factor) - 1.0).abs() < 1e-12, "{factor}: sd {}", got.sd(1));
        }
        // A subnormal column whose standard deviation rounds to 0 is constant.
        let mut sub = cols.clone();
        sub[3] = (0..300).map(|i| if i == 0 { 5e-324 } else { 0.0 }).collect();
        let refs: Vec<&[f64]> = sub.iter().map(|c| c.as_slice()).collect();
        assert_eq!(Correlation::from_columns(&refs, Par::Seq).unwrap_err(), StatsError::Constant { column: 3 });
        // Constant stays constant at any magnitude.
        let mut flat = cols.clone();
        flat[2] = vec![3e250; 300];
        let refs: Vec<&[f64]> = flat.iter().map(|c| c.as_slice()).collect();
        assert_eq!(Correlation::from_columns(&refs, Par::Seq).unwrap_err(), StatsError::Constant { column: 2 });
    }

    #[test]
    fn constant_and_collinear_columns_are_found() {
        let mut cols = columns(200, 5, 2);
        cols[3] = vec![2.5; 200];
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        assert_eq!(Correlation::from_columns(&refs, Par::Seq).unwrap_err(), StatsError::Constant { column: 3 });

        let mut cols = columns(200, 5, 3);
        cols[4] = cols[0].iter().zip(&cols[2]).map(|(a, b)| 2.0 * a - b).collect();
        let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
        let c = Correlation::from_columns(&refs, Par::Seq).unwrap();
        assert_eq!(c.collinear_set(1e-10, Par::Seq), Some(vec![0, 2, 4]));
        let ok = columns(200, 5, 4);
        let refs: Vec<&[f64]> = ok.iter().map(|c| c.as_slice()).collect();
        assert_eq!(Correlation::from_columns(&refs, Par::Seq).unwrap().collinear_set(1e-10, Par::Seq), None);
    }
}
