//! Spectral tools for a recurrent matrix `W` (any `H × H` block of `weight_hh`).
//!
//! - eigenvalues `λ_k(W)` (complex, from nalgebra's real Schur form), spectral radius
//!   `ρ(W) = max |λ_k|`;
//! - singular values `σ_k(W)` (nalgebra's SVD), spectral norm `‖W‖₂ = σ_max`;
//! - `W` built from given eigenvalues: `W = Q B Qᵀ`, `B` block-diagonal with real entries and
//!   2×2 rotation-scaling blocks `[[a, −b], [b, a]]` (eigenvalues `a ± ib`), `Q` a random
//!   orthogonal basis; an optional strictly block-upper-triangular part `N` (`B + N`) keeps the
//!   eigenvalues but makes `W` non-normal, so `σ_max > ρ` and products can grow before they decay;
//! - rescaling to a target `ρ` or a target `σ_max`.
//!
//! Why it matters: for the linear RNN `∂h_T/∂h_t = W^{T−t}`, whose norm behaves like `ρ^{T−t}`
//! in the long run; for tanh, `‖∂h_T/∂h_t‖ ≤ (γ σ_max)^{T−t}` with `γ = max|tanh'| = 1`
//! (Pascanu et al., 2013).

use crate::rng::Rng;
use nalgebra::linalg::{Schur, SVD};
use nalgebra::DMatrix;

const EPS: f64 = 1e-15;
const MAX_ITER: usize = 10_000;

fn non_finite_value(m: &[f64]) -> Option<f64> {
    if m.iter().any(|x| x.is_nan()) {
        Some(f64::NAN)
    } else if m.iter().any(|x| x.is_infinite()) {
        Some(f64::INFINITY)
    } else {
        None
    }
}

/// Eigenvalues of the `n × n` row-major matrix `m` as `(re, im)`, sorted by modulus, largest
/// first (conjugate pairs with the positive imaginary part first).
///
/// # Errors
/// When `m` holds inf/NaN, or the Schur iteration does not converge.
pub fn eigenvalues(m: &[f64], n: usize) -> Result<Vec<(f64, f64)>, String> {
    if non_finite_value(m).is_some() {
        return Err("matrix holds inf or NaN: eigenvalues undefined".into());
    }
    let a = DMatrix::from_row_slice(n, n, m);
    let schur = real_schur(a).ok_or("eigenvalue iteration did not converge")?;
    let mut ev: Vec<(f64, f64)> = schur
        .complex_eigenvalues()
        .iter()
        .map(|c| (c.re, c.im))
        .collect();
    ev.sort_by(|x, y| {
        let (mx, my) = (x.0.hypot(x.1), y.0.hypot(y.1));
        my.total_cmp(&mx).then(y.1.total_cmp(&x.1))
    });
    Ok(ev)
}

/// The real Schur form of `a` or of a matrix with the same eigenvalues.
///
/// nalgebra's Francis double-shift iteration has no exceptional shifts and can cycle forever on
/// some matrices, e.g. non-normal ones with two conjugate pairs of equal imaginary part (about
/// 8 in 10⁴ such 4–6-dimensional matrices from [`from_eigenvalues`]). `Aᵀ` and `P A Pᵀ` (`P` the
/// index reversal) have exactly the same eigenvalues, `Q A Qᵀ` (`Q` orthogonal) the same up to
/// rounding; each takes a different iteration path, so they are tried in turn.
fn real_schur(a: DMatrix<f64>) -> Option<Schur<f64, nalgebra::Dyn>> {
    let n = a.nrows();
    let rev = |m: &DMatrix<f64>| DMatrix::from_fn(n, n, |i, j| m[(n - 1 - i, n - 1 - j)]);
    let exact = [a.clone(), a.transpose(), rev(&a), rev(&a.transpose())];
    let rotated = (1..=4u64).map(|seed| {
        let q = DMatrix::from_row_slice(n, n, &random_orthogonal(n, &mut Rng::new(seed)));
        &q * &a * q.transpose()
    });
    exact
        .into_iter()
        .chain(rotated)
        .find_map(|m| Schur::try_new(m, EPS, MAX_ITER))
}

/// Spectral radius `max |λ|` (inf/NaN when `m` is not finite).
pub fn spectral_radius(m: &[f64], n: usize) -> f64 {
    if let Some(v) = non_finite_value(m) {
        return v;
    }
    eigenvalues(m, n)
        .map(|ev| ev.first().map_or(0.0, |e| e.0.hypot(e.1)))
        .unwrap_or(f64::NAN)
}

/// Singular values of the `rows × cols` row-major matrix, largest first.
///
/// # Errors
/// When the matrix holds inf/NaN or the SVD does not converge.
pub fn singular_values(m: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>, String> {
    if non_finite_value(m).is_some() {
        return Err("matrix holds inf or NaN: singular values undefined".into());
    }
    let a = DMatrix::from_row_slice(rows, cols, m);
    let svd = SVD::try_new(a, false, false, EPS, MAX_ITER).ok_or("SVD did not converge")?;
    let mut s: Vec<f64> = svd.singular_values.iter().copied().collect();
    s.sort_by(|a, b| b.total_cmp(a));
    Ok(s)
}

/// Spectral norm `‖M‖₂ = σ_max`, computed as `√λ_max(MᵀM)` on the scaled matrix: Householder
/// tridiagonalisation of the Gram matrix (backward stable, so `λ_max` is accurate to a few ulps
/// relative) and Sturm-sequence bisection for its largest eigenvalue only. Cheaper than an SVD
/// and than a full eigen-decomposition. Returns inf/NaN for non-finite input.
pub fn spectral_norm(m: &[f64], rows: usize, cols: usize) -> f64 {
    if let Some(v) = non_finite_value(m) {
        return v;
    }
    let scale = m.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if scale == 0.0 {
        return 0.0;
    }
    let a = DMatrix::from_iterator(cols, rows, m.iter().map(|x| x / scale)).transpose();
    let gram = if rows >= cols {
        a.transpose() * &a
    } else {
        &a * a.transpose()
    };
    if gram.nrows() == 1 {
        return scale * gram[(0, 0)].max(0.0).sqrt();
    }
    let (d, e) = nalgebra::linalg::SymmetricTridiagonal::new(gram).unpack_tridiagonal();
    scale
        * largest_tridiagonal_eigenvalue(d.as_slice(), e.as_slice())
            .max(0.0)
            .sqrt()
}

/// Largest eigenvalue of the symmetric tridiagonal matrix with diagonal `d` and off-diagonal
/// `e`, by bisection on Sturm counts (the number of eigenvalues below `x`), to full precision.
fn largest_tridiagonal_eigenvalue(d: &[f64], e: &[f64]) -> f64 {
    let n = d.len();
    // Gershgorin bounds.
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..n {
        let r = if i > 0 { e[i - 1].abs() } else { 0.0 } + if i + 1 < n { e[i].abs() } else { 0.0 };
        lo = lo.min(d[i] - r);
        hi = hi.max(d[i] + r);
    }
    let below = |x: f64| -> usize {
        let mut count = 0;
        let mut q = 1.0f64;
        for i in 0..n {
            let off = if i > 0 { e[i - 1] * e[i - 1] } else { 0.0 };
            q = d[i] - x - if i > 0 { off / q } else { 0.0 };
            if q == 0.0 {
                q = -f64::EPSILON * (x.abs() + 1.0);
            }
            if q < 0.0 {
                count += 1;
            }
        }
        count
    };
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi || hi - lo <= 2.0 * f64::EPSILON * hi.abs().max(lo.abs()) {
            break;
        }
        if below(mid) == n {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Spectral norm of a square `n × n` matrix by power iteration on `MᵀM`, warm-started from
/// `v` (updated to the dominant right singular vector, for the next call on a similar matrix).
///
/// Stops when the eigen-residual `‖MᵀM v − λ v‖ ≤ 1e−11 · λ` (then λ is within 1e−11·λ of an
/// eigenvalue of `MᵀM`, and the warm start plus a small fixed perturbation keeps it on the
/// dominant one); after 8 iterations (clustered singular values converge slowly) it computes the
/// exact value with [`spectral_norm`]. Used per step by
/// the Jacobian analysis, where consecutive products share their dominant direction.
pub fn spectral_norm_warm(m: &[f64], n: usize, v: &mut [f64]) -> f64 {
    if let Some(x) = non_finite_value(m) {
        return x;
    }
    let scale = m.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    if scale == 0.0 {
        return 0.0;
    }
    // Perturb the warm start so no direction is missing from it.
    let vn = crate::linalg::norm2(v);
    for (i, x) in v.iter_mut().enumerate() {
        let jitter = 1e-3 * (((i * 7919 + 13) % 97) as f64 / 97.0 + 0.1);
        *x = if vn > 0.0 && vn.is_finite() {
            *x / vn + jitter
        } else {
            1.0 + jitter
        };
    }
    let mut mv = vec![0.0; n];
    let mut w = vec![0.0; n];
    let inv = 1.0 / scale;
    for _ in 0..8 {
        let nv = crate::linalg::norm2(v);
        v.iter_mut().for_each(|x| *x /= nv);
        // mv = (M/scale) v ; w = (M/scale)ᵀ mv
        for i in 0..n {
            mv[i] = crate::linalg::dot(&m[i * n..(i + 1) * n], v) * inv;
        }
        w.fill(0.0);
        for i in 0..n {
            let a = mv[i] * inv;
            for (wj, &mij) in w.iter_mut().zip(&m[i * n..(i + 1) * n]) {
                *wj += a * mij;
            }
        }
        let lambda = crate::linalg::dot(v, &w);
        let resid: f64 = w
            .iter()
            .zip(v.iter())
            .map(|(a, b)| (a - lambda * b) * (a - lambda * b))
            .sum::<f64>()
            .sqrt();
        v.copy_from_slice(&w);
        if lambda > 0.0 && resid <= 1e-11 * lambda {
            return scale * lambda.sqrt();
        }
    }
    spectral_norm(m, n, n)
}

/// A random `n × n` orthogonal matrix (QR of a Gaussian matrix, signs fixed so the
/// distribution is uniform), row-major.
pub fn random_orthogonal(n: usize, rng: &mut Rng) -> Vec<f64> {
    let g: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
    let qr = DMatrix::from_row_slice(n, n, &g).qr();
    let (mut q, r) = (qr.q(), qr.r());
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }
    row_major(&q)
}

fn row_major(m: &DMatrix<f64>) -> Vec<f64> {
    m.transpose().as_slice().to_vec()
}

/// Builds an `n × n` matrix with the given eigenvalues (see the module docs), `n = eigs.len()`.
///
/// `nonnormal` scales the random strictly block-upper-triangular part (0: a normal matrix,
/// whose singular values are the moduli of its eigenvalues).
///
/// # Errors
/// When a complex eigenvalue has no conjugate partner, or a value is not finite.
pub fn from_eigenvalues(
    eigs: &[(f64, f64)],
    nonnormal: f64,
    rng: &mut Rng,
) -> Result<Vec<f64>, String> {
    let n = eigs.len();
    if eigs.iter().any(|e| !e.0.is_finite() || !e.1.is_finite()) {
        return Err("expected finite eigenvalues".into());
    }
    // Blocks: (start, size, re, im).
    let mut blocks: Vec<(f64, f64)> = Vec::new();
    let mut used = vec![false; n];
    for i in 0..n {
        if used[i] {
            continue;
        }
        let (re, im) = eigs[i];
        used[i] = true;
        if im == 0.0 {
            blocks.push((re, 0.0));
            continue;
        }
        let tol = 1e-9 * (1.0 + re.abs() + im.abs());
        let partner = (0..n)
            .find(|&k| !used[k] && (eigs[k].0 - re).abs() <= tol && (eigs[k].1 + im).abs() <= tol);
        match partner {
            Some(k) => {
                used[k] = true;
                blocks.push((re, im.abs()));
            }
            None => {
                return Err(format!(
                    "expected complex eigenvalues in conjugate pairs, {re}{im:+}i has no partner {re}{:+}i",
                    -im
                ))
            }
        }
    }
    let mut b = vec![0.0; n * n];
    let mut start = Vec::with_capacity(blocks.len());
    let mut at = 0;
    for &(re, im) in &blocks {
        start.push(at);
        if im == 0.0 {
            b[at * n + at] = re;
            at += 1;
        } else {
            b[at * n + at] = re;
            b[at * n + at + 1] = -im;
            b[(at + 1) * n + at] = im;
            b[(at + 1) * n + at + 1] = re;
            at += 2;
        }
    }
    // Strictly block-upper part: rows of block k, columns of later blocks.
    let mut block_of = vec![0usize; n];
    for (k, &s) in start.iter().enumerate() {
        let size = if blocks[k].1 == 0.0 { 1 } else { 2 };
        for v in block_of.iter_mut().skip(s).take(size) {
            *v = k;
        }
    }
    let q = random_orthogonal(n, rng);
    if nonnormal != 0.0 {
        for i in 0..n {
            for j in 0..n {
                if block_of[j] > block_of[i] {
                    b[i * n + j] += nonnormal * rng.normal();
                }
            }
        }
    }
    // W = Q B Qᵀ
    let qm = DMatrix::from_row_slice(n, n, &q);
    let bm = DMatrix::from_row_slice(n, n, &b);
    Ok(row_major(&(&qm * bm * qm.transpose())))
}

/// Multiplies `m` in place so its spectral radius becomes `target` (unchanged when ρ = 0).
pub fn rescale_to_spectral_radius(m: &mut [f64], n: usize, target: f64) {
    let rho = spectral_radius(m, n);
    if rho.is_finite() && rho > 0.0 {
        let k = target / rho;
        m.iter_mut().for_each(|v| *v *= k);
    }
}

/// Multiplies `m` in place so its largest singular value becomes `target` (unchanged when 0).
pub fn rescale_to_max_singular_value(m: &mut [f64], rows: usize, cols: usize, target: f64) {
    let s = spectral_norm(m, rows, cols);
    if s.is_finite() && s > 0.0 {
        let k = target / s;
        m.iter_mut().for_each(|v| *v *= k);
    }
}

/// Copies the `H × H` block `k` (gate `k`'s rows) out of a `G·H × H` `weight_hh`.
pub fn block(weight_hh: &[f64], hidden: usize, k: usize) -> Vec<f64> {
    weight_hh[k * hidden * hidden..(k + 1) * hidden * hidden].to_vec()
}

/// Writes the `H × H` block `k` of a `G·H × H` `weight_hh`.
pub fn set_block(weight_hh: &mut [f64], hidden: usize, k: usize, m: &[f64]) {
    weight_hh[k * hidden * hidden..(k + 1) * hidden * hidden].copy_from_slice(m);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_of_built_matrix_come_back() {
        let mut rng = Rng::new(3);
        let want = [
            (0.9, 0.3),
            (0.9, -0.3),
            (-0.5, 0.0),
            (0.2, 0.0),
            (0.0, 1.1),
            (0.0, -1.1),
        ];
        for nonnormal in [0.0, 2.0] {
            let w = from_eigenvalues(&want, nonnormal, &mut rng).unwrap();
            let got = eigenvalues(&w, 6).unwrap();
            for e in want {
                assert!(
                    got.iter()
                        .any(|g| (g.0 - e.0).abs() < 1e-8 && (g.1 - e.1).abs() < 1e-8),
                    "{e:?} not in {got:?}"
                );
            }
            let s = singular_values(&w, 6, 6).unwrap();
            if nonnormal == 0.0 {
                assert!((s[0] - 1.1).abs() < 1e-10);
            } else {
                assert!(s[0] > 1.5, "non-normal part should raise σ_max: {s:?}");
            }
            assert!((spectral_norm(&w, 6, 6) - s[0]).abs() < 1e-10 * s[0]);
        }
    }

    #[test]
    fn warm_power_iteration_matches_exact_norm() {
        let mut rng = Rng::new(11);
        let mut v = vec![0.0; 8];
        for trial in 0..50 {
            let mut m: Vec<f64> = (0..64).map(|_| rng.normal()).collect();
            if trial % 5 == 0 {
                // Nearly repeated top singular values: the hard case for power iteration.
                m = from_eigenvalues(
                    &[
                        (1.0, 0.0),
                        (0.999, 0.0),
                        (0.5, 0.1),
                        (0.5, -0.1),
                        (0.2, 0.0),
                        (0.1, 0.0),
                        (0.0, 0.0),
                        (-0.3, 0.0),
                    ],
                    0.0,
                    &mut rng,
                )
                .unwrap();
            }
            let exact = singular_values(&m, 8, 8).unwrap()[0];
            let got = spectral_norm_warm(&m, 8, &mut v);
            assert!((got - exact).abs() <= 1e-9 * exact, "{got} vs {exact}");
        }
        assert!(
            spectral_norm_warm(&[f64::INFINITY, 0.0, 0.0, 0.0], 2, &mut [0.0, 0.0]).is_infinite()
        );
        assert_eq!(spectral_norm_warm(&[0.0; 4], 2, &mut [0.0, 0.0]), 0.0);
    }

    #[test]
    fn unpaired_complex_eigenvalue_is_an_error() {
        let mut rng = Rng::new(0);
        let e = from_eigenvalues(&[(0.5, 0.5), (0.5, 0.4)], 0.0, &mut rng).unwrap_err();
        assert!(e.contains("conjugate"), "{e}");
    }

    #[test]
    fn rescaling_hits_targets() {
        let mut rng = Rng::new(9);
        let mut w: Vec<f64> = (0..25).map(|_| rng.normal()).collect();
        rescale_to_spectral_radius(&mut w, 5, 0.7);
        assert!((spectral_radius(&w, 5) - 0.7).abs() < 1e-12);
        rescale_to_max_singular_value(&mut w, 5, 5, 1.3);
        assert!((singular_values(&w, 5, 5).unwrap()[0] - 1.3).abs() < 1e-12);
    }

    #[test]
    fn orthogonal_is_orthogonal_and_norms_handle_overflow() {
        let mut rng = Rng::new(1);
        let q = random_orthogonal(7, &mut rng);
        let s = singular_values(&q, 7, 7).unwrap();
        assert!(s.iter().all(|v| (v - 1.0).abs() < 1e-12));
        assert!(spectral_norm(&[f64::INFINITY, 0.0, 0.0, 1.0], 2, 2).is_infinite());
        assert!(spectral_norm(&[f64::NAN, 0.0, 0.0, 1.0], 2, 2).is_nan());
        assert!((spectral_norm(&[1e300, 0.0, 0.0, 1.0], 2, 2) - 1e300).abs() < 1e286);
        assert!(eigenvalues(&[f64::NAN], 1).is_err());
    }
}
