//! Linear regression: ordinary least squares and the lasso chosen by BIC along
//! the LARS path (as scikit-learn's `LassoLarsIC(criterion="bic")` computes it).

use crate::{Result, StatsError};

/// The mean of `v`.
pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// `Σ a_i·b_i` in four interleaved partial sums (a fixed order, which the
/// compiler can vectorise; a single running sum cannot be reordered).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[l] += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Least-squares coefficients of `y` on the columns `x` (with an intercept when
/// `intercept`, which is not returned), by Householder QR.
///
/// Fails with [`StatsError::Collinear`] when the columns are linearly dependent.
pub fn ols(x: &[&[f64]], y: &[f64], intercept: bool) -> Result<Vec<f64>> {
    if x.is_empty() {
        return Ok(Vec::new());
    }
    Ok(ols_fit(x, y, intercept)?.coef)
}

/// A least-squares fit with what inference needs.
#[derive(Debug, Clone, PartialEq)]
pub struct OlsFit {
    /// The coefficient of each column of `x`.
    pub coef: Vec<f64>,
    /// The intercept (0 without one).
    pub intercept: f64,
    /// The residual variance `RSS / (n − k − [intercept])`.
    pub sigma2: f64,
    /// The residual degrees of freedom `n − k − [intercept]`.
    pub df: usize,
    /// `(XᵀX)⁻¹` of the (centred, with an intercept) columns, row-major `k×k`:
    /// `sigma2` times it is the classical covariance of `coef`.
    pub xtx_inv: Vec<f64>,
}

impl OlsFit {
    /// The classical standard error of coefficient `j`.
    pub fn se(&self, j: usize) -> f64 {
        let k = self.coef.len();
        (self.sigma2 * self.xtx_inv[j * k + j]).sqrt()
    }
}

/// [`ols`] with the intercept, the residual variance and `(XᵀX)⁻¹`.
pub fn ols_fit(x: &[&[f64]], y: &[f64], intercept: bool) -> Result<OlsFit> {
    let n = y.len();
    let k = x.len();
    if n < k + usize::from(intercept) {
        return Err(StatsError::TooFewRows { n, k, needed: k + usize::from(intercept) });
    }
    // Column-major working copy, centred when there is an intercept.
    let mut a: Vec<Vec<f64>> = x
        .iter()
        .map(|c| {
            let m = if intercept { mean(c) } else { 0.0 };
            c.iter().map(|v| v - m).collect()
        })
        .collect();
    let ym = if intercept { mean(y) } else { 0.0 };
    let mut b: Vec<f64> = y.iter().map(|v| v - ym).collect();
    let mut r_diag = vec![0.0f64; k];
    let scale: f64 = a.iter().map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt()).fold(0.0, f64::max);
    for j in 0..k {
        // Householder reflection zeroing a[j][j+1..].
        let norm = dot(&a[j][j..], &a[j][j..]).sqrt();
        if norm <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            return Err(StatsError::Collinear { columns: (0..=j).collect() });
        }
        let (done, rest) = a.split_at_mut(j + 1);
        let others = rest.iter_mut().map(|c| &mut c[j..]).chain(std::iter::once(&mut b[j..]));
        r_diag[j] = householder(&done[j][j..], norm, others);
    }
    // Back substitution with R (diagonal r_diag, above it a[c][j] for c > j).
    let r = |row: usize, col: usize| if row == col { r_diag[row] } else { a[col][row] };
    let mut coef = vec![0.0f64; k];
    for j in (0..k).rev() {
        let mut s = b[j];
        for c in j + 1..k {
            s -= r(j, c) * coef[c];
        }
        coef[j] = s / r_diag[j];
    }
    // Qᵀy below the first k entries is the residual vector in another basis.
    let df = n - k - usize::from(intercept);
    let rss = dot(&b[k..], &b[k..]);
    let sigma2 = if df > 0 { rss / df as f64 } else { f64::NAN };
    // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ, with R⁻¹ upper triangular by back substitution.
    let mut r_inv = vec![0.0f64; k * k];
    for col in 0..k {
        for row in (0..=col).rev() {
            let mut s = if row == col { 1.0 } else { 0.0 };
            for m in row + 1..=col {
                s -= r(row, m) * r_inv[m * k + col];
            }
            r_inv[row * k + col] = s / r_diag[row];
        }
    }
    let mut xtx_inv = vec![0.0f64; k * k];
    for i in 0..k {
        for j in i..k {
            let v: f64 = (j..k).map(|m| r_inv[i * k + m] * r_inv[j * k + m]).sum();
            xtx_inv[i * k + j] = v;
            xtx_inv[j * k + i] = v;
        }
    }
    let intercept_value = if intercept {
        let mx: Vec<f64> = x.iter().map(|c| mean(c)).collect();
        mean(y) - coef.iter().zip(&mx).map(|(b, m)| b * m).sum::<f64>()
    } else {
        0.0
    };
    Ok(OlsFit { coef, intercept: intercept_value, sigma2, df, xtx_inv })
}

/// `Σ v_i` in four interleaved partial sums (like [`dot`]).
pub fn sum4(v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let c = v.chunks_exact(4);
    let r = c.remainder();
    for x in c {
        for l in 0..4 {
            acc[l] += x[l];
        }
    }
    for (l, x) in r.iter().enumerate() {
        acc[l] += x;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// `Σ (a_i − ma)(b_i − mb)` in four interleaved partial sums.
pub fn centred_dot(a: &[f64], ma: f64, b: &[f64], mb: f64) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += (x[l] - ma) * (y[l] - mb);
        }
    }
    for (l, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[l] += (x - ma) * (y - mb);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Least-squares intercept and coefficients of `y` on the columns `x`, from the
/// centred cross-products (sufficient statistics: one pass per pair of columns,
/// no copy of the data) solved by Cholesky.
///
/// The normal equations square the columns' condition number, so where any
/// column is nearly explained by the ones before it (`1 − R² < 10⁻⁴`, where
/// their error could exceed about 10⁻¹² relative) this falls back to the
/// Householder QR of [`ols_fit`], which also reports collinear columns. The
/// test is relative to each column's own spread, so a column far smaller than
/// the others but not explained by them is fitted, where QR alone (relative to
/// the largest column) would call it collinear.
pub fn ols_normal(x: &[&[f64]], y: &[f64]) -> Result<(f64, Vec<f64>)> {
    ols_normal_path(x, y).map(|(intercept, coef, _)| (intercept, coef))
}

/// [`ols_normal`], and whether it fell back to QR.
fn ols_normal_path(x: &[&[f64]], y: &[f64]) -> Result<(f64, Vec<f64>, bool)> {
    let (n, k) = (y.len(), x.len());
    debug_assert!(x.iter().all(|c| c.len() == n), "columns of another length than y");
    if n < k + 1 {
        return Err(StatsError::TooFewRows { n, k, needed: k + 1 });
    }
    let mean = |v: &[f64]| sum4(v) / n as f64;
    let mx: Vec<f64> = x.iter().map(|c| mean(c)).collect();
    let my = mean(y);
    let mut gram = vec![0.0f64; k * k];
    for a in 0..k {
        for b in 0..=a {
            let s = centred_dot(x[a], mx[a], x[b], mx[b]);
            gram[a * k + b] = s;
            gram[b * k + a] = s;
        }
    }
    let rhs: Vec<f64> = (0..k).map(|a| centred_dot(x[a], mx[a], y, my)).collect();
    // A pivot over its diagonal is 1 − R² of that column on the columns before it.
    // A column whose spread is within rounding of its mean (a constant whose
    // computed mean missed it) has a diagonal of noise that this would not see:
    // QR, which measures against the largest column, refuses it.
    let flat = (0..k).any(|a| gram[a * k + a] <= n as f64 * (1e-12 * mx[a]).powi(2));
    let solved = if flat { None } else { cholesky_solve(&gram, k, &rhs, 1e-4) };
    let Some(coef) = solved else {
        let fit = ols_fit(x, y, true)?;
        return Ok((fit.intercept, fit.coef, true));
    };
    let intercept = my - coef.iter().zip(&mx).map(|(b, m)| b * m).sum::<f64>();
    Ok((intercept, coef, false))
}

/// One fit of [`nested_ols`]: a column on the columns before it.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedFit {
    /// The coefficient of each earlier column.
    pub coef: Vec<f64>,
    /// The residual sum of squares (around the column's mean for the first).
    pub rss: f64,
}

/// Least squares (with an intercept) of every column on all the columns before
/// it, from one Householder QR of the centred columns: the reflections of the
/// first `i` columns do not depend on the later ones, so the QR of the whole
/// serves every prefix (`n·p²` work instead of `n·p³/3` for separate fits).
/// The last column is never a predictor, so only the earlier ones must be free
/// of collinearity.
pub fn nested_ols(x: &[&[f64]]) -> Result<Vec<NestedFit>> {
    let k = x.len();
    let n = x.first().map_or(0, |c| c.len());
    if n < k {
        return Err(StatsError::TooFewRows { n, k, needed: k });
    }
    let mut a: Vec<Vec<f64>> = x
        .iter()
        .map(|c| {
            let m = mean(c);
            c.iter().map(|v| v - m).collect()
        })
        .collect();
    let scale: f64 = a.iter().map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt()).fold(0.0, f64::max);
    let mut r_diag = vec![0.0f64; k];
    let mut fits = Vec::with_capacity(k);
    for j in 0..k {
        // Column j has been reflected by the first j reflections: its first j
        // entries are Qᵀx_j on the earlier columns, the rest its residual.
        let rss = dot(&a[j][j..], &a[j][j..]);
        let mut coef = vec![0.0f64; j];
        for row in (0..j).rev() {
            let mut s = a[j][row];
            for c in row + 1..j {
                s -= a[c][row] * coef[c];
            }
            coef[row] = s / r_diag[row];
        }
        fits.push(NestedFit { coef, rss });
        if j + 1 == k {
            break;
        }
        let norm = rss.sqrt();
        if norm <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
            return Err(StatsError::Collinear { columns: (0..=j).collect() });
        }
        let (done, rest) = a.split_at_mut(j + 1);
        r_diag[j] = householder(&done[j][j..], norm, rest.iter_mut().map(|c| &mut c[j..]));
    }
    Ok(fits)
}

/// One Householder step: the reflection that maps `pivot` (a column from the diagonal
/// down, of norm `norm`) onto the first axis, applied to each slice of `rest` (the same
/// rows of the later columns); returns the diagonal entry of R.
fn householder<'a>(pivot: &[f64], norm: f64, rest: impl Iterator<Item = &'a mut [f64]>) -> f64 {
    let alpha = if pivot[0] > 0.0 { -norm } else { norm };
    let mut v: Vec<f64> = pivot.to_vec();
    v[0] -= alpha;
    let vnorm2 = dot(&v, &v);
    for col in rest {
        let f = 2.0 * dot(&v, col) / vnorm2;
        for (t, vi) in col.iter_mut().zip(&v) {
            *t -= f * vi;
        }
    }
    alpha
}

/// A logistic regression fit: `P(t = 1 | x) = σ(intercept + coef·x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticFit {
    /// The intercept.
    pub intercept: f64,
    /// The coefficient of each column.
    pub coef: Vec<f64>,
    /// Newton steps taken.
    pub iterations: usize,
}

impl LogisticFit {
    /// The fitted probability for row `i` of the columns `x`.
    pub fn probability(&self, x: &[&[f64]], i: usize) -> f64 {
        let eta = self.intercept + self.coef.iter().zip(x).map(|(b, c)| b * c[i]).sum::<f64>();
        1.0 / (1.0 + (-eta).exp())
    }
}

/// Maximum-likelihood logistic regression of the 0/1 outcome `t` on the columns
/// `x` with an intercept, by Newton's method (iteratively reweighted least
/// squares) until the largest step is below 1e-10.
///
/// Fails with [`StatsError::Singular`] when the information matrix is singular
/// (collinear columns) and [`StatsError::Separated`] when the maximum lies at
/// infinity (a column separates the classes).
pub fn logistic_fit(x: &[&[f64]], t: &[f64]) -> Result<LogisticFit> {
    let n = t.len();
    let k = x.len() + 1;
    let mut beta = vec![0.0f64; k];
    let col = |j: usize, i: usize| if j == 0 { 1.0 } else { x[j - 1][i] };
    for iteration in 1..=100 {
        let mut grad = vec![0.0f64; k];
        let mut info = vec![0.0f64; k * k];
        for i in 0..n {
            let eta: f64 = (0..k).map(|j| beta[j] * col(j, i)).sum();
            let p = 1.0 / (1.0 + (-eta).exp());
            let w = p * (1.0 - p);
            let r = t[i] - p;
            for a in 0..k {
                let xa = col(a, i);
                grad[a] += xa * r;
                for b in 0..=a {
                    info[a * k + b] += w * xa * col(b, i);
                }
            }
        }
        for a in 0..k {
            for b in a + 1..k {
                info[a * k + b] = info[b * k + a];
            }
        }
        let Some(z) = solve_spd(&info, k, &grad) else {
            // At the start (all probabilities 1/2) only collinear columns make the information
            // matrix singular; later, probabilities saturating at 0 or 1 (separation) do.
            return Err(if iteration == 1 {
                StatsError::Singular { what: "logistic regression information matrix".into() }
            } else {
                StatsError::Separated
            });
        };
        let step = z.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        beta.iter_mut().zip(&z).for_each(|(b, d)| *b += d);
        if beta.iter().any(|b| b.abs() > 1e6) {
            return Err(StatsError::Separated);
        }
        if step < 1e-10 {
            return Ok(LogisticFit { intercept: beta[0], coef: beta[1..].to_vec(), iterations: iteration });
        }
    }
    Err(StatsError::Separated)
}

/// `Xᵀ diag(w) X` (row-major `k×k`) for the column-major `n×k` matrix `x`:
/// the cross products of a weighted least-squares fit. Rows are taken in blocks
/// that stay in cache, each product summed in eight interleaved partial sums;
/// `pulp` compiles the loop for the vector instructions the machine has, with
/// the same arithmetic (so the same bits) on all.
pub fn weighted_gram(x: &[f64], n: usize, k: usize, w: &[f64]) -> Vec<f64> {
    debug_assert_eq!(x.len(), n * k);
    pulp::Arch::new().dispatch(Gram { x, n, k, w })
}

struct Gram<'a> {
    x: &'a [f64],
    n: usize,
    k: usize,
    w: &'a [f64],
}

impl pulp::WithSimd for Gram<'_> {
    type Output = Vec<f64>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f64> {
        const BLOCK: usize = 512;
        const LANES: usize = 8;
        let Gram { x, n, k, w } = self;
        // acc[(a, b)][lane] for a ≤ b.
        let mut acc = vec![[0.0f64; LANES]; k * k];
        let mut wx = [0.0f64; BLOCK];
        let mut start = 0;
        while start < n {
            let end = (start + BLOCK).min(n);
            let len = end - start;
            for a in 0..k {
                let xa = &x[a * n + start..a * n + end];
                for ((d, v), wi) in wx[..len].iter_mut().zip(xa).zip(&w[start..end]) {
                    *d = v * wi;
                }
                for b in a..k {
                    let xb = &x[b * n + start..b * n + end];
                    // Accumulate in a local copy, which stays in registers.
                    let mut lanes = acc[a * k + b];
                    let (cw, cx) = (wx[..len].chunks_exact(LANES), xb.chunks_exact(LANES));
                    let (rw, rx) = (cw.remainder(), cx.remainder());
                    for (p, q) in cw.zip(cx) {
                        for l in 0..LANES {
                            lanes[l] += p[l] * q[l];
                        }
                    }
                    for (l, (p, q)) in rw.iter().zip(rx).enumerate() {
                        lanes[l] += p * q;
                    }
                    acc[a * k + b] = lanes;
                }
            }
            start = end;
        }
        let mut out = vec![0.0f64; k * k];
        for a in 0..k {
            for b in a..k {
                let l = &acc[a * k + b];
                let v = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
                out[a * k + b] = v;
                out[b * k + a] = v;
            }
        }
        out
    }
}

/// Solves `A z = b` for a symmetric positive definite `k×k` matrix `A`
/// (row-major) by Cholesky; `None` when `A` is not numerically positive definite.
pub fn solve_spd(a: &[f64], k: usize, b: &[f64]) -> Option<Vec<f64>> {
    cholesky_solve(a, k, b, 1e-12)
}

/// [`solve_spd`], `None` where a pivot is at most `min_ratio` times its diagonal
/// entry (or not a number).
fn cholesky_solve(a: &[f64], k: usize, b: &[f64], min_ratio: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0f64; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut sum = a[i * k + j];
            for m in 0..j {
                sum -= l[i * k + m] * l[j * k + m];
            }
            if i == j {
                if sum.is_nan() || sum <= min_ratio * a[i * k + i].abs().max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i * k + i] = sum.sqrt();
            } else {
                l[i * k + j] = sum / l[j * k + j];
            }
        }
    }
    let mut z = b.to_vec();
    for i in 0..k {
        for m in 0..i {
            z[i] -= l[i * k + m] * z[m];
        }
        z[i] /= l[i * k + i];
    }
    for i in (0..k).rev() {
        for m in i + 1..k {
            z[i] -= l[m * k + i] * z[m];
        }
        z[i] /= l[i * k + i];
    }
    Some(z)
}

/// The smallest strictly positive value, or `f64::MAX` when there is none.
fn min_pos(v: impl Iterator<Item = f64>) -> f64 {
    v.filter(|&x| x > 0.0).fold(f64::MAX, f64::min)
}

/// Givens rotation as BLAS `drotg`: returns `(r, c, s)` with `c·a + s·b = r`, `−s·a + c·b = 0`.
fn rotg(a: f64, b: f64) -> (f64, f64, f64) {
    let roe = if a.abs() > b.abs() { a } else { b };
    let scale = a.abs() + b.abs();
    if scale == 0.0 {
        return (0.0, 1.0, 0.0);
    }
    let r = scale * ((a / scale).powi(2) + (b / scale).powi(2)).sqrt();
    let r = r.copysign(roe);
    (r, a / r, b / r)
}

/// Removes row and column `go_out` from the lower Cholesky factor `l` (size `n×n`, row-major
/// with stride `stride`), restoring triangularity with Givens rotations (scikit-learn's `cholesky_delete`).
fn cholesky_delete(l: &mut [f64], stride: usize, n: usize, go_out: usize) {
    for i in go_out..n - 1 {
        for c in 0..i + 2 {
            l[i * stride + c] = l[(i + 1) * stride + c];
        }
    }
    for i in go_out..n - 1 {
        let (mut r, mut c, mut s) = rotg(l[i * stride + i], l[i * stride + i + 1]);
        if r < 0.0 {
            r = r.abs();
            c = -c;
            s = -s;
        }
        l[i * stride + i] = r;
        l[i * stride + i + 1] = 0.0;
        for row in i + 1..n - 1 {
            let x = l[row * stride + i];
            let y = l[row * stride + i + 1];
            l[row * stride + i] = c * x + s * y;
            l[row * stride + i + 1] = c * y - s * x;
        }
    }
}

/// Lasso coefficients of `y` on the columns `x`, with an intercept, at the point
/// of the LARS-lasso path that minimises BIC — scikit-learn 1.6+'s
/// `LassoLarsIC(criterion="bic")` with its defaults, step for step:
/// `BIC = n·ln(2πσ̂²) + RSS/σ̂² + ln(n)·df`, where `σ̂²` is the residual variance of
/// the full least-squares fit (divisor `n − k − 1`) and `df` counts coefficients
/// with magnitude above machine epsilon; the first minimum wins.
///
/// Needs `n > k + 1`.
pub fn lasso_lars_bic(x: &[&[f64]], y: &[f64]) -> Result<Vec<f64>> {
    lasso_lars_bic_with(x, y, None)
}

/// [`lasso_lars_bic`] with the residual sum of squares of the full least-squares
/// fit given (the noise variance of the criterion), when the caller has it from
/// a fit with the same column space.
pub fn lasso_lars_bic_with(x: &[&[f64]], y: &[f64], full_rss: Option<f64>) -> Result<Vec<f64>> {
    let n = y.len();
    let k = x.len();
    if n <= k + 1 {
        return Err(StatsError::TooFewRows { n, k, needed: k + 2 });
    }
    let xc: Vec<Vec<f64>> = x
        .iter()
        .map(|c| {
            let m = mean(c);
            c.iter().map(|v| v - m).collect()
        })
        .collect();
    let ym = mean(y);
    let yc: Vec<f64> = y.iter().map(|v| v - ym).collect();
    // The Gram matrix is symmetric: one dot product per pair (p·q = q·p exactly).
    let mut gram_copy = vec![0.0f64; k * k];
    for i in 0..k {
        for j in i..k {
            let v = dot(&xc[i], &xc[j]);
            gram_copy[i * k + j] = v;
            gram_copy[j * k + i] = v;
        }
    }
    let cov_copy: Vec<f64> = (0..k).map(|j| dot(&xc[j], &yc)).collect();
    let path = lars_lasso_path(&gram_copy, &cov_copy, k, n);

    // Residual sum of squares; the prediction adds the columns in order, skipping
    // zero coefficients (adding x·0 changes no sum).
    let mut pred = vec![0.0f64; n];
    let mut rss = |coef: &[f64]| -> f64 {
        pred.iter_mut().for_each(|v| *v = 0.0);
        for (c, &w) in xc.iter().zip(coef) {
            if w != 0.0 {
                pred.iter_mut().zip(c).for_each(|(p, x)| *p += x * w);
            }
        }
        yc.iter().zip(&pred).map(|(y, p)| (y - p).powi(2)).sum()
    };
    // Noise variance from the full least-squares fit on the centred data, no intercept.
    let full_rss = match full_rss {
        Some(v) => v,
        None => {
            let refs: Vec<&[f64]> = xc.iter().map(Vec::as_slice).collect();
            rss(&ols(&refs, &yc, false)?)
        }
    };
    let sigma2 = full_rss / (n - k - 1) as f64;
    let ln_n = (n as f64).ln();
    let mut best = (f64::INFINITY, 0usize);
    for (idx, coef) in path.iter().enumerate() {
        let df = coef.iter().filter(|c| c.abs() > f64::EPSILON).count() as f64;
        let bic = n as f64 * (2.0 * std::f64::consts::PI * sigma2).ln() + rss(coef) / sigma2 + ln_n * df;
        if bic < best.0 {
            best = (bic, idx);
        }
    }
    Ok(path[best.1].clone())
}

/// The LARS-lasso path (scikit-learn's `lars_path(method="lasso", Gram=...)` with
/// `alpha_min = 0`, `max_iter = 500`, `eps` = machine epsilon): coefficient vectors
/// at each knot, starting with all zeros.
fn lars_lasso_path(gram_copy: &[f64], cov_copy: &[f64], k: usize, n_samples: usize) -> Vec<Vec<f64>> {
    const EPS: f64 = f64::EPSILON;
    let tiny32 = f32::MIN_POSITIVE as f64;
    let equality_tolerance = f32::EPSILON as f64;
    let max_iter = 500usize;
    let max_features = max_iter.min(k);
    let mut gram = gram_copy.to_vec();
    let mut cov: Vec<f64> = cov_copy.to_vec();
    let mut indices: Vec<usize> = (0..k).collect();
    let mut active: Vec<usize> = Vec::new();
    let mut sign_active: Vec<f64> = vec![0.0; max_features.max(1)];
    let mut l = vec![0.0f64; max_features.max(1) * max_features.max(1)];
    let stride = max_features.max(1);
    let mut coefs: Vec<Vec<f64>> = vec![vec![0.0; k]];
    let mut alphas: Vec<f64> = vec![0.0];
    let (mut n_iter, mut n_active) = (0usize, 0usize);
    let mut drop = false;
    let swap_gram = |gram: &mut Vec<f64>, a: usize, b: usize| {
        if a == b {
            return;
        }
        for c in 0..k {
            gram.swap(a * k + c, b * k + c);
        }
        for r in 0..k {
            gram.swap(r * k + a, r * k + b);
        }
    };
    loop {
        let (c_idx, c_signed) = if cov.is_empty() {
            (0, 0.0)
        } else {
            let mut best = 0;
            for (i, v) in cov.iter().enumerate() {
                if v.abs() > cov[best].abs() {
                    best = i;
                }
            }
            (best, cov[best])
        };
        let c = c_signed.abs();
        let alpha = c / n_samples as f64;
        alphas[n_iter] = alpha;
        if alpha <= equality_tolerance {
            break;
        }
        if n_iter >= max_iter || n_active >= k {
            break;
        }
        if !drop {
            sign_active[n_active] = if c_signed > 0.0 {
                1.0
            } else if c_signed < 0.0 {
                -1.0
            } else {
                0.0
            };
            let (m, nn) = (n_active, c_idx + n_active);
            let saved_cov = cov.clone();
            cov.swap(c_idx, 0);
            indices.swap(nn, m);
            swap_gram(&mut gram, m, nn);
            cov.remove(0);
            let cc = gram[n_active * k + n_active];
            for j in 0..n_active {
                l[n_active * stride + j] = gram[n_active * k + j];
            }
            // Forward substitution: L[:na,:na] x = L[na,:na].
            for j in 0..n_active {
                let mut s = l[n_active * stride + j];
                for t in 0..j {
                    s -= l[j * stride + t] * l[n_active * stride + t];
                }
                l[n_active * stride + j] = s / l[j * stride + j];
            }
            let v: f64 = (0..n_active).map(|j| l[n_active * stride + j].powi(2)).sum();
            let diag = (cc - v).abs().sqrt().max(EPS);
            l[n_active * stride + n_active] = diag;
            if diag < 1e-7 {
                // Degenerate regressor: its correlation is zeroed so it is never chosen again.
                // (scikit-learn leaves the swapped indices and Gram rows as they are; so does this.)
                cov = saved_cov;
                cov[c_idx] = 0.0;
                continue;
            }
            active.push(indices[n_active]);
            n_active += 1;
        }
        if n_iter > 0 && alphas[n_iter - 1] < alpha {
            break;
        }
        // least_squares solves (L Lᵀ) x = sign_active.
        let solve = |l: &[f64], rhs: &[f64]| -> Vec<f64> {
            let na = rhs.len();
            let mut z = rhs.to_vec();
            for i in 0..na {
                let mut s = z[i];
                for t in 0..i {
                    s -= l[i * stride + t] * z[t];
                }
                z[i] = s / l[i * stride + i];
            }
            for i in (0..na).rev() {
                let mut s = z[i];
                for t in i + 1..na {
                    s -= l[t * stride + i] * z[t];
                }
                z[i] = s / l[i * stride + i];
            }
            z
        };
        let signs = sign_active[..n_active].to_vec();
        let mut least_squares = solve(&l, &signs);
        let aa;
        if least_squares.len() == 1 && least_squares[0] == 0.0 {
            least_squares[0] = 1.0;
            aa = 1.0;
        } else {
            let mut a = 1.0 / least_squares.iter().zip(&signs).map(|(x, s)| x * s).sum::<f64>().sqrt();
            if !a.is_finite() {
                let mut l2 = l.clone();
                let mut i = 0;
                while !a.is_finite() {
                    for d in 0..n_active {
                        l2[d * stride + d] += 2f64.powi(i) * EPS;
                    }
                    least_squares = solve(&l2, &signs);
                    let tmp = least_squares.iter().zip(&signs).map(|(x, s)| x * s).sum::<f64>().max(EPS);
                    a = 1.0 / tmp.sqrt();
                    i += 1;
                }
            }
            aa = a;
            least_squares.iter_mut().for_each(|x| *x *= aa);
        }
        // Correlation of the equiangular direction with the inactive columns, rounded as numpy's around(·, 15).
        let corr_eq_dir: Vec<f64> = (n_active..k)
            .map(|j| {
                let v: f64 = (0..n_active).map(|i| gram[i * k + j] * least_squares[i]).sum();
                (v * 1e15).round_ties_even() / 1e15
            })
            .collect();
        let g1 = min_pos(cov.iter().zip(&corr_eq_dir).map(|(cv, a)| (c - cv) / (aa - a + tiny32)));
        let g2 = min_pos(cov.iter().zip(&corr_eq_dir).map(|(cv, a)| (c + cv) / (aa + a + tiny32)));
        let mut gamma = g1.min(g2).min(c / aa);
        drop = false;
        let prev = coefs[n_iter].clone();
        let z: Vec<f64> = active.iter().zip(&least_squares).map(|(&j, ls)| -prev[j] / (ls + tiny32)).collect();
        let z_pos = min_pos(z.iter().copied());
        let mut idx: Vec<usize> = Vec::new();
        if z_pos < gamma {
            idx = (0..z.len()).filter(|&i| z[i] == z_pos).rev().collect();
            for &i in &idx {
                sign_active[i] = -sign_active[i];
            }
            gamma = z_pos;
            drop = true;
        }
        n_iter += 1;
        let mut next = vec![0.0f64; k];
        for (&j, ls) in active.iter().zip(&least_squares) {
            next[j] = prev[j] + gamma * ls;
        }
        coefs.push(next);
        alphas.push(0.0);
        for (cv, a) in cov.iter_mut().zip(&corr_eq_dir) {
            *cv -= gamma * a;
        }
        if drop {
            for &ii in &idx {
                cholesky_delete(&mut l, stride, n_active, ii);
            }
            n_active -= 1;
            let drop_idx: Vec<usize> = idx.iter().map(|&ii| active.remove(ii)).collect();
            for &ii in &idx {
                for i in ii..n_active {
                    indices.swap(i, i + 1);
                    swap_gram(&mut gram, i, i + 1);
                }
            }
            let coef = &coefs[n_iter];
            let temp: Vec<f64> = drop_idx
                .iter()
                .map(|&d| cov_copy[d] - (0..k).map(|j| gram_copy[d * k + j] * coef[j]).sum::<f64>())
                .collect();
            let mut new_cov = temp;
            new_cov.extend_from_slice(&cov);
            cov = new_cov;
            let mut kept: Vec<f64> =
                sign_active.iter().enumerate().filter(|(i, _)| !idx.contains(i)).map(|(_, s)| *s).collect();
            kept.push(0.0);
            sign_active = kept;
        }
    }
    coefs.truncate(n_iter + 1);
    coefs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The normal equations agree with Householder QR where the columns are
    /// well apart, and fall back to it (the same answer, bit for bit, and the same
    /// error) where they are not.
    #[test]
    fn ols_normal_agrees_with_qr() {
        let mut rng = Rng::seed_from_u64(21);
        for (n, k, mix) in [(3, 2, 0.0), (50, 1, 0.0), (1001, 3, 0.5), (20_000, 4, 0.9), (5000, 2, 0.999_999)] {
            let mut x: Vec<Vec<f64>> = Vec::new();
            for a in 0..k {
                let col: Vec<f64> = (0..n)
                    .map(
                        |i| if a > 0 { x[0][i] + 7.0 * (1.0 - mix) * rng.normal() } else { 100.0 + 7.0 * rng.normal() },
                    )
                    .collect();
                x.push(col);
            }
            let y: Vec<f64> =
                (0..n).map(|i| 3.0 + (0..k).map(|a| (a as f64 - 1.5) * x[a][i]).sum::<f64>() + rng.normal()).collect();
            let cols: Vec<&[f64]> = x.iter().map(|c| &c[..]).collect();
            let (b0, b, fell_back) = ols_normal_path(&cols, &y).unwrap();
            assert_eq!(fell_back, mix > 0.999, "n={n} k={k}: took the other path");
            let qr = ols_fit(&cols, &y, true).unwrap();
            for (u, v) in b.iter().zip(&qr.coef) {
                assert!((u - v).abs() <= 1e-9 * (1.0 + v.abs()), "n={n} k={k}: {u} vs {v}");
            }
            assert!((b0 - qr.intercept).abs() <= 1e-7 * (1.0 + qr.intercept.abs()), "n={n} k={k}");
            if mix > 0.999 {
                // 1 − R² of the second column is about 1e-12: QR's answer, bit for bit.
                assert_eq!((b0, b), (qr.intercept, qr.coef), "n={n} k={k}");
            }
        }
        // A constant column whose computed mean misses it by a rounding error is
        // refused as QR refuses it, not fitted on its rounding noise.
        let constant = vec![23.43; 179];
        let other: Vec<f64> = (0..179).map(|_| rng.normal()).collect();
        assert_ne!(sum4(&constant) / 179.0, 23.43);
        assert!(matches!(ols_normal(&[&other, &constant], &other), Err(StatsError::Collinear { .. })));
        let a: Vec<f64> = (0..100).map(|_| rng.normal()).collect();
        let twice: Vec<f64> = a.iter().map(|v| 2.0 * v).collect();
        let y: Vec<f64> = (0..100).map(|_| rng.normal()).collect();
        assert!(matches!(ols_normal(&[&a, &twice], &y), Err(StatsError::Collinear { .. })));
        assert!(matches!(ols_normal(&[&a[..2], &twice[..2]], &y[..2]), Err(StatsError::TooFewRows { .. })));
    }

    #[test]
    fn weighted_gram_equals_the_plain_sums() {
        let mut rng = Rng::seed_from_u64(12);
        for (n, k) in [(5, 1), (1037, 4), (3000, 7)] {
            let x: Vec<f64> = (0..n * k).map(|_| rng.normal()).collect();
            let w: Vec<f64> = (0..n).map(|_| rng.below(4) as f64).collect();
            let g = weighted_gram(&x, n, k, &w);
            for a in 0..k {
                for b in 0..k {
                    let want: f64 = (0..n).map(|i| w[i] * x[a * n + i] * x[b * n + i]).sum();
                    assert!((g[a * k + b] - want).abs() < 1e-10 * (1.0 + want.abs()), "n={n} ({a}, {b})");
                }
            }
        }
    }

    #[test]
    fn logistic_fit_recovers_coefficients_and_refuses_separation() {
        let mut rng = Rng::seed_from_u64(17);
        let n = 20_000;
        let x1: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let x2: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let t: Vec<f64> = (0..n)
            .map(|i| {
                let p = 1.0 / (1.0 + (-(0.3 + 1.2 * x1[i] - 0.7 * x2[i])).exp());
                (rng.uniform() < p) as u8 as f64
            })
            .collect();
        let fit = logistic_fit(&[&x1, &x2], &t).unwrap();
        assert!(
            (fit.intercept - 0.3).abs() < 0.06 && (fit.coef[0] - 1.2).abs() < 0.06 && (fit.coef[1] + 0.7).abs() < 0.06,
            "{fit:?}"
        );
        // The score equations hold at the maximum: Σ (t − p) x = 0.
        let g: f64 = (0..n).map(|i| (t[i] - fit.probability(&[&x1, &x2], i)) * x1[i]).sum();
        assert!(g.abs() < 1e-6, "{g}");
        let sep: Vec<f64> = x1.iter().map(|&v| (v > 0.0) as u8 as f64).collect();
        assert_eq!(logistic_fit(&[&x1], &sep), Err(StatsError::Separated));
    }

    #[test]
    fn ols_fit_gives_the_classical_covariance() {
        // y = 1 + 2 x1 − x2 + noise; compare with the normal equations solved directly.
        let mut rng = Rng::seed_from_u64(31);
        let n = 200;
        let x1: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let x2: Vec<f64> = x1.iter().map(|v| 0.5 * v + rng.normal()).collect();
        let y: Vec<f64> = (0..n).map(|i| 1.0 + 2.0 * x1[i] - x2[i] + 0.3 * rng.normal()).collect();
        let fit = ols_fit(&[&x1, &x2], &y, true).unwrap();
        // Centred cross products and their inverse (2×2).
        let (m1, m2, my) = (mean(&x1), mean(&x2), mean(&y));
        let s = |a: &[f64], ma: f64, b: &[f64], mb: f64| (0..n).map(|i| (a[i] - ma) * (b[i] - mb)).sum::<f64>();
        let (s11, s12, s22) = (s(&x1, m1, &x1, m1), s(&x1, m1, &x2, m2), s(&x2, m2, &x2, m2));
        let det = s11 * s22 - s12 * s12;
        let inv = [s22 / det, -s12 / det, -s12 / det, s11 / det];
        for (got, want) in fit.xtx_inv.iter().zip(inv) {
            assert!((got - want).abs() < 1e-12 * want.abs().max(1e-3), "{got} vs {want}");
        }
        let (b1, b2) = (
            inv[0] * s(&x1, m1, &y, my) + inv[1] * s(&x2, m2, &y, my),
            inv[2] * s(&x1, m1, &y, my) + inv[3] * s(&x2, m2, &y, my),
        );
        assert!((fit.coef[0] - b1).abs() < 1e-10 && (fit.coef[1] - b2).abs() < 1e-10);
        let rss: f64 = (0..n).map(|i| (y[i] - fit.intercept - b1 * x1[i] - b2 * x2[i]).powi(2)).sum();
        assert_eq!(fit.df, n - 3);
        assert!((fit.sigma2 - rss / (n - 3) as f64).abs() < 1e-10);
        assert!((fit.se(0) - (fit.sigma2 * inv[0]).sqrt()).abs() < 1e-12);
    }
    use kausa_core::Rng;

    #[test]
    fn ols_recovers_coefficients() {
        let mut rng = Rng::seed_from_u64(1);
        let n = 500;
        let a: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let b: Vec<f64> = (0..n).map(|_| rng.normal() + 3.0).collect();
        let y: Vec<f64> = a.iter().zip(&b).map(|(x, z)| 1.5 * x - 0.5 * z + 4.0).collect();
        let c = ols(&[&a, &b], &y, true).unwrap();
        assert!((c[0] - 1.5).abs() < 1e-12 && (c[1] + 0.5).abs() < 1e-12, "{c:?}");
        let d: Vec<f64> = a.iter().map(|x| 2.0 * x).collect();
        assert!(matches!(ols(&[&a, &d], &y, true), Err(StatsError::Collinear { .. })));
    }

    #[test]
    fn nested_fits_equal_separate_least_squares_fits() {
        let mut rng = Rng::seed_from_u64(8);
        let n = 300;
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for j in 0..7 {
            let c: Vec<f64> = (0..n)
                .map(|i| rng.normal() + cols.iter().map(|c: &Vec<f64>| 0.3 * c[i]).sum::<f64>() + j as f64)
                .collect();
            cols.push(c);
        }
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let nested = nested_ols(&refs).unwrap();
        let m0 = mean(&cols[0]);
        assert!((nested[0].rss - cols[0].iter().map(|v| (v - m0).powi(2)).sum::<f64>()).abs() < 1e-9);
        for i in 1..7 {
            let fit = ols_fit(&refs[..i], &cols[i], true).unwrap();
            for (a, b) in nested[i].coef.iter().zip(&fit.coef) {
                assert!((a - b).abs() < 1e-12, "column {i}: {a} vs {b}");
            }
            let rss = fit.sigma2 * fit.df as f64;
            assert!((nested[i].rss - rss).abs() < 1e-9 * rss, "column {i}: {} vs {rss}", nested[i].rss);
        }
        // The same RSS given to the lasso gives the same path point as computing it.
        let y = &cols[6];
        let x = &refs[..6];
        let given = lasso_lars_bic_with(x, y, Some(nested[6].rss)).unwrap();
        assert_eq!(given, lasso_lars_bic(x, y).unwrap());
        // A predictor that repeats an earlier one is refused; the last column may.
        let mut dup = refs.clone();
        dup.insert(2, refs[1]);
        assert!(matches!(nested_ols(&dup), Err(StatsError::Collinear { .. })));
        let mut last = refs.clone();
        last.push(refs[0]);
        assert!(nested_ols(&last).unwrap()[7].rss < 1e-18 * n as f64);
    }

    #[test]
    fn lasso_bic_keeps_real_effects_and_drops_noise() {
        let mut rng = Rng::seed_from_u64(2);
        let n = 1000;
        let cols: Vec<Vec<f64>> = (0..6).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
        let y: Vec<f64> = (0..n).map(|i| 2.0 * cols[0][i] - 1.0 * cols[3][i] + 0.5 * rng.normal()).collect();
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let c = lasso_lars_bic(&refs, &y).unwrap();
        assert!(c[0] > 1.5 && c[3] < -0.5, "{c:?}");
        assert!(c[1] == 0.0 && c[2] == 0.0 && c[4] == 0.0, "{c:?}");
        // The end of the path is the least-squares fit.
        let path = {
            let xc: Vec<Vec<f64>> = cols
                .iter()
                .map(|c| {
                    let m = mean(c);
                    c.iter().map(|v| v - m).collect()
                })
                .collect();
            let ym = mean(&y);
            let yc: Vec<f64> = y.iter().map(|v| v - ym).collect();
            let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
            let g: Vec<f64> = (0..36).map(|ij| dot(&xc[ij / 6], &xc[ij % 6])).collect();
            let cv: Vec<f64> = (0..6).map(|j| dot(&xc[j], &yc)).collect();
            lars_lasso_path(&g, &cv, 6, n)
        };
        let full = ols(&refs, &y, true).unwrap();
        let last = path.last().unwrap();
        for j in 0..6 {
            assert!((last[j] - full[j]).abs() < 1e-9, "{last:?} vs {full:?}");
        }
    }
}
