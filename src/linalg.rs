//! Dense row-major matrix helpers over plain `&[f64]` slices.
//!
//! `matmul` computes `C = A·B + β·C` where `A` is `m×k` and `B` is `k×n`, either of them
//! optionally given as the row-major storage of its transpose; `matmul_packed` does the same with
//! a `B` prepared once by [`PackedRhs`] for many products (the per-step recurrences with `W_hh`).
//! All products in the core go through here, so that the numeric code reads as maths. So do
//! the activations' `exp`, `tanh` and sigmoid ([`activation`]: the same bits natively and in
//! wasm).
//!
//! Which kernel runs:
//! - natively, `matrixmultiply` (its AVX2/FMA, AVX or SSE2 kernels, chosen at run time), and
//!   for fewer than [`SMALL_M`] rows (a batch of one) plain row-by-row loops without packing;
//! - in wasm built with `+simd128` (`scripts/build-web.sh`), our own f64x2 register-tiled kernel
//!   ([`tiled`]), for every shape: `matrixmultiply` has no f64 kernel for wasm32 (its f64 path
//!   there is a 4×4 scalar fallback through a mask buffer). We kept it over the `gemm` crate's
//!   simd128 f64 kernels (0.19, `wasm-simd128-enable`) because it was faster on our shapes, the
//!   small per-step products `B × H` by `H × G·H`: LSTM training in V8 (wasm `Trainer`, H = 32,
//!   B = 8, T = 50) ran at 3,100–3,250 sequences/s with it, 2,580–2,930 with `gemm`, 2,440–2,520
//!   with `matrixmultiply`; at H = 128, B = 32, T = 100: 168, 122 and 116. `gemm` packs `W_hh`
//!   again at every step and dispatches per call; here `W_hh` is packed once per pass.
//! - in wasm without `+simd128`, `matrixmultiply` as natively.

mod activation;
pub(crate) mod lanes;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod tiled;

pub use activation::{exp, sigmoid, tanh};
pub(crate) use activation::{sigmoid_lanes, tanh_lanes};

/// `C (m×n) = op(A) (m×k) · op(B) (k×n) + beta · C`.
///
/// `a_t = false`: `a` is `m×k` row-major; `a_t = true`: `a` is the `k×m` row-major matrix whose
/// transpose is used. Likewise for `b` (`k×n`, or `n×k` when `b_t`). With `beta == 0`, `c` is
/// overwritten without being read.
///
/// # Panics
/// If a slice is shorter than its shape says (a programming error inside the crate).
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    a_t: bool,
    b: &[f64],
    b_t: bool,
    beta: f64,
    c: &mut [f64],
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    matmul_packed(m, a, a_t, &PackedRhs::new(k, n, b, b_t), beta, c);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    matmul_unpacked(m, k, n, a, a_t, b, b_t, beta, c);
}

/// The right-hand side `B` (`k×n`) of [`matmul_packed`], prepared once for many products: in
/// wasm with simd128, packed into the tiled kernel's column panels; elsewhere, borrowed as given
/// (`matrixmultiply` packs per product).
#[derive(Clone, Debug)]
pub struct PackedRhs<'a> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    packed: tiled::Packed,
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    _b: std::marker::PhantomData<&'a [f64]>,
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    b: &'a [f64],
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    b_t: bool,
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    k: usize,
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    n: usize,
}

impl<'a> PackedRhs<'a> {
    /// `B`: `b` is `k×n` row-major, or with `b_t` the `n×k` row-major storage of its transpose.
    ///
    /// # Panics
    /// If `b` is shorter than `k·n`.
    pub fn new(k: usize, n: usize, b: &'a [f64], b_t: bool) -> Self {
        assert!(b.len() >= k * n);
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return PackedRhs {
            packed: tiled::Packed::new(k, n, b, b_t),
            _b: std::marker::PhantomData,
        };
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        PackedRhs { b, b_t, k, n }
    }
}

/// `C (m×n) = op(A) (m×k) · B + beta · C`, with `B` (`k×n`) prepared by [`PackedRhs::new`];
/// `a`, `a_t`, `beta` and `c` as for [`matmul`], which gives the same result.
///
/// # Panics
/// If a slice is shorter than its shape says.
pub fn matmul_packed(m: usize, a: &[f64], a_t: bool, b: &PackedRhs, beta: f64, c: &mut [f64]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    SCRATCH.with_borrow_mut(|scratch| {
        tiled::matmul_packed::<lanes::Simd128>(m, a, a_t, &b.packed, beta, c, scratch)
    });
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    matmul_unpacked(m, b.k, b.n, a, a_t, b.b, b.b_t, beta, c);
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
thread_local! {
    /// The packed left-hand side of the tiled kernel, kept between products.
    static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `c = beta · c`, with `beta = 0` writing zeros without reading `c` (so NaN does not stay).
pub(crate) fn scale(beta: f64, c: &mut [f64]) {
    if beta == 0.0 {
        c.fill(0.0);
    } else {
        c.iter_mut().for_each(|v| *v *= beta);
    }
}

/// [`matmul`] by `matrixmultiply`, or by [`small_m`] for fewer than [`SMALL_M`] rows.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[allow(clippy::too_many_arguments)]
fn matmul_unpacked(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    a_t: bool,
    b: &[f64],
    b_t: bool,
    beta: f64,
    c: &mut [f64],
) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        scale(beta, &mut c[..m * n]);
        return;
    }
    if m <= SMALL_M && !a_t {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { small_m_avx2(m, k, n, a, b, b_t, beta, c) };
            return;
        }
        small_m(m, k, n, a, b, b_t, beta, c);
        return;
    }
    let (rsa, csa) = if a_t {
        (1, m as isize)
    } else {
        (k as isize, 1)
    };
    let (rsb, csb) = if b_t {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    // SAFETY: the assert above guarantees every index the strides reach is in bounds.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// Below this many output rows, products are done row by row without packing: for the per-step
/// recurrences with a batch of one, `matrixmultiply`'s packing of `W_hh` on every call costs
/// more than the arithmetic.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
const SMALL_M: usize = 4;

/// [`small_m`] compiled for AVX2: the same loops, twice the SIMD width (no FMA contraction, so
/// the arithmetic is the same as the baseline build's).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn small_m_avx2(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    b: &[f64],
    b_t: bool,
    beta: f64,
    c: &mut [f64],
) {
    small_m(m, k, n, a, b, b_t, beta, c)
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn small_m(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    b: &[f64],
    b_t: bool,
    beta: f64,
    c: &mut [f64],
) {
    for i in 0..m {
        let arow = &a[i * k..(i + 1) * k];
        let crow = &mut c[i * n..(i + 1) * n];
        if beta == 0.0 {
            crow.fill(0.0);
        } else if beta != 1.0 {
            crow.iter_mut().for_each(|v| *v *= beta);
        }
        if b_t {
            // B stored n×k: each output is a dot product of two contiguous rows.
            for (j, out) in crow.iter_mut().enumerate() {
                *out += dot(arow, &b[j * k..(j + 1) * k]);
            }
        } else {
            // B stored k×n: accumulate scaled rows of B (contiguous, vectorises).
            for (p, &x) in arow.iter().enumerate() {
                let brow = &b[p * n..(p + 1) * n];
                for (out, &y) in crow.iter_mut().zip(brow) {
                    *out += x * y;
                }
            }
        }
    }
}

/// Dot product with four independent accumulators (lets the compiler use SIMD lanes).
#[inline(always)]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [0.0f64; 4];
    let xc = x.chunks_exact(4);
    let yc = y.chunks_exact(4);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        acc[0] += a[0] * b[0];
        acc[1] += a[1] * b[1];
        acc[2] += a[2] * b[2];
        acc[3] += a[3] * b[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (a, b) in xr.iter().zip(yr) {
        s += a * b;
    }
    s
}

/// Arithmetic mean (NaN for an empty slice, or where any entry is NaN).
pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Euclidean norm of a vector. Any NaN gives NaN, otherwise any ±inf gives inf (an overflowed
/// state is reported as such, never as a small number).
pub fn norm2(v: &[f64]) -> f64 {
    if v.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    let max = max_abs(v);
    if max.is_infinite() {
        return f64::INFINITY;
    }
    if max == 0.0 {
        return 0.0;
    }
    // Scaled to avoid overflow for huge finite entries.
    let s: f64 = v.iter().map(|x| (x / max) * (x / max)).sum();
    max * s.sqrt()
}

/// `max |v_i|`, NaN when any entry is NaN (unlike `f64::max`, which skips NaN); 0 when empty.
pub fn max_abs(v: &[f64]) -> f64 {
    // (A comparison, not `f64::max`: the values are not NaN here, and `f64::max` is a libm
    // call in wasm, whose own `max` instruction treats NaN differently.)
    v.iter().fold(0.0f64, |m, &x| {
        let a = x.abs();
        if x.is_nan() || m.is_nan() {
            f64::NAN
        } else if a > m {
            a
        } else {
            m
        }
    })
}

/// `true` when every value is finite.
pub fn all_finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, k: usize, n: usize, a: &[f64], a_t: bool, b: &[f64], b_t: bool) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    let x = if a_t { a[p * m + i] } else { a[i * k + p] };
                    let y = if b_t { b[j * k + p] } else { b[p * n + j] };
                    c[i * n + j] += x * y;
                }
            }
        }
        c
    }

    #[test]
    fn norms_report_overflow_as_inf_or_nan_never_as_zero() {
        assert!(norm2(&[f64::NAN, f64::NAN]).is_nan());
        assert!(norm2(&[1.0, f64::NAN]).is_nan());
        assert!(norm2(&[f64::INFINITY, f64::NAN]).is_nan());
        assert_eq!(norm2(&[f64::NEG_INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(norm2(&[3.0, 4.0]), 5.0);
        assert_eq!(norm2(&[]), 0.0);
        assert!(max_abs(&[f64::NAN, 2.0]).is_nan());
        assert_eq!(max_abs(&[-3.0, 2.0]), 3.0);
    }

    #[test]
    fn matmul_matches_naive_for_all_layouts_and_sizes() {
        let mut rng = crate::rng::Rng::new(5);
        for &(m, k, n) in &[(1, 7, 5), (3, 9, 4), (4, 1, 3), (5, 6, 7), (17, 13, 11)] {
            let a: Vec<f64> = (0..m * k).map(|_| rng.normal()).collect();
            let b: Vec<f64> = (0..k * n).map(|_| rng.normal()).collect();
            for a_t in [false, true] {
                for b_t in [false, true] {
                    let want = naive(m, k, n, &a, a_t, &b, b_t);
                    let mut c = vec![1.0; m * n];
                    matmul(m, k, n, &a, a_t, &b, b_t, 1.0, &mut c);
                    for (g, w) in c.iter().zip(&want) {
                        assert!((g - (w + 1.0)).abs() < 1e-12, "{m}x{k}x{n} {a_t} {b_t}");
                    }
                    matmul(m, k, n, &a, a_t, &b, b_t, 0.0, &mut c);
                    for (g, w) in c.iter().zip(&want) {
                        assert!((g - w).abs() < 1e-12);
                    }
                }
            }
        }
    }
}
