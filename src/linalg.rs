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
//! - natively on x86-64 with AVX2 + FMA or AVX-512 (chosen once at run time, [`path`]): our
//!   register-tiled kernel ([`tiled`]; 6 × 8 tiles of `f64x4` on AVX2, 8 × 16 of `f64x8` on
//!   AVX-512, FMA) for the per-step products with `W_hh` packed once per pass
//!   ([`matmul_packed`]), but where a packed panel outgrows the L1 cache with more than 8 rows
//!   (`k` = 4H = 512 at B = 32, the backward step); the `gemm` crate (0.19, its own run-time
//!   AVX2/AVX-512 dispatch) for the products over all steps at once ([`matmul`]: input
//!   projections, input and weight gradients) from 2¹⁷ multiply-adds and more than [`SMALL_M`]
//!   rows; `matrixmultiply` or [`small_m`] below that. Measured per product on this project's
//!   machine (2026-12-01 06:44 UTC, 2-core Xeon with AVX-512, load average 6–8; best of 7, µs;
//!   `matrixmultiply` / `gemm` / ours AVX2 6×8 / ours AVX-512 8×16, `W_hh` packed ahead):
//!   B = 1 step `1×32×128`: 2.01 / 0.36 / 0.26 / 0.22; `1×128×32`: 1.93 / 0.54 / 0.24 / 0.22;
//!   B = 32 step `32×128×512`: 70.0 / 65.4 / 80.0 / 52.0; `32×512×128`: 68.6 / **41.2** / 85.8 /
//!   62.3; over all steps, B = 32: `3200×128×512` 5,826 / **4,297** / 8,180 / 5,162,
//!   `3200×512×128` 5,730 / **3,790** / 8,975 / 6,413, `512×3200×128` (Aᵀ) 6,028 / **5,506** /
//!   13,178 / 10,550. Ours has no blocking of `k`, which is where `gemm` wins. Each product
//!   may differ from the plain loop's by the rounding bound stated in [`tiled`] (FMA).
//! - natively without AVX2 (and on other CPUs), `matrixmultiply` (its SSE2 or NEON kernels),
//!   and for fewer than [`SMALL_M`] rows plain row-by-row loops without packing;
//! - in wasm built with `+simd128` (`scripts/build-web.sh`), our own f64x2 register-tiled kernel
//!   ([`tiled`]), for every shape: `matrixmultiply` has no f64 kernel for wasm32 (its f64 path
//!   there is a 4×4 scalar fallback through a mask buffer). We kept it over the `gemm` crate's
//!   simd128 f64 kernels (0.19, `wasm-simd128-enable`) because it was faster on our shapes, the
//!   small per-step products `B × H` by `H × G·H`: LSTM training in V8 (wasm `Trainer`, H = 32,
//!   B = 8, T = 50) ran at 3,100–3,250 sequences/s with it, 2,580–2,930 with `gemm`, 2,440–2,520
//!   with `matrixmultiply`; at H = 128, B = 32, T = 100: 168, 122 and 116. `gemm` packs `W_hh`
//!   again at every step and dispatches per call; here `W_hh` is packed once per pass.
//! - in wasm without `+simd128`, `matrixmultiply`.
//!
//! The activations' gate loops ([`for_each_unit`]) run on the same lanes (8, 4 or 2 values at
//! a time, no FMA), with the same bits as one value at a time.

mod activation;
pub(crate) mod lanes;
#[cfg(target_arch = "x86_64")]
pub(crate) mod path;
#[cfg(any(
    test,
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
mod tiled;

pub use activation::{exp, sigmoid, tanh};
pub(crate) use activation::{sigmoid_lanes, tanh_lanes};
use lanes::Lanes;

/// The name of the path products and activations run on in this process (`baseline`, `avx2`,
/// `avx512` on x86-64, `portable` elsewhere), or the one-line error when `UNROLLED_SIMD` names
/// no path this CPU has.
pub fn simd_path() -> Result<&'static str, String> {
    #[cfg(target_arch = "x86_64")]
    return path::from_env_checked().map(|_| path::current().name());
    #[allow(unreachable_code)]
    Ok("portable")
}

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
    match Kernel::for_product(m, k, n) {
        Kernel::Unpacked => matmul_unpacked(m, k, n, a, a_t, b, b_t, beta, c),
        #[cfg(target_arch = "x86_64")]
        Kernel::Gemm => matmul_gemm(m, k, n, a, a_t, b, b_t, beta, c),
        #[cfg_attr(
            not(any(
                target_arch = "x86_64",
                all(target_arch = "wasm32", target_feature = "simd128")
            )),
            allow(unreachable_patterns)
        )]
        kernel => matmul_packed(m, a, a_t, &PackedRhs::with(kernel, k, n, b, b_t), beta, c),
    }
}

/// The kernel a product runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// `matrixmultiply`, or [`small_m`] for a few rows: B not packed ahead.
    Unpacked,
    /// The tiled kernel on wasm simd128's `f64x2`.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
    /// The tiled kernel on AVX2's `f64x4` with FMA.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// The tiled kernel on AVX-512's `f64x8`.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// The `gemm` crate.
    #[cfg(target_arch = "x86_64")]
    Gemm,
}

impl Kernel {
    /// The kernel for products with a `B` prepared once for many (the per-step recurrences).
    fn for_packed() -> Kernel {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return Kernel::Simd128;
        #[cfg(target_arch = "x86_64")]
        return match path::current() {
            path::Path::Baseline => Kernel::Unpacked,
            path::Path::Avx2 => Kernel::Avx2,
            path::Path::Avx512 => Kernel::Avx512,
        };
        #[allow(unreachable_code)]
        Kernel::Unpacked
    }

    /// The kernel for one product with `B` used once (input projections, weight and input
    /// gradients over all steps at once: large `m`, `k` or `n`): `gemm` where the tiled kernel
    /// would run (its cache blocking wins there; see the module comment), else as for
    /// [`Kernel::for_packed`].
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn for_product(m: usize, k: usize, n: usize) -> Kernel {
        match Kernel::for_packed() {
            // (Small products: `gemm`'s set-up costs more than it saves; GRU at B = 1 ran 30 %
            // slower with it for every product.)
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 | Kernel::Avx512 if m <= SMALL_M || m * k * n < 1 << 17 => {
                Kernel::Unpacked
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 | Kernel::Avx512 => Kernel::Gemm,
            kernel => kernel,
        }
    }
}

/// The right-hand side `B` (`k×n`) of [`matmul_packed`], prepared once for many products: packed
/// into the tiled kernel's column panels where that kernel runs (wasm with simd128, x86-64 with
/// AVX2 or AVX-512), else borrowed as given (`matrixmultiply` packs per product).
#[derive(Clone, Debug)]
pub struct PackedRhs<'a> {
    #[cfg_attr(
        not(any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        )),
        allow(dead_code)
    )]
    kernel: Kernel,
    #[cfg(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ))]
    packed: Option<tiled::Packed>,
    b: &'a [f64],
    b_t: bool,
    k: usize,
    n: usize,
}

impl<'a> PackedRhs<'a> {
    /// `B`: `b` is `k×n` row-major, or with `b_t` the `n×k` row-major storage of its transpose.
    ///
    /// # Panics
    /// If `b` is shorter than `k·n`.
    pub fn new(k: usize, n: usize, b: &'a [f64], b_t: bool) -> Self {
        PackedRhs::with(Kernel::for_packed(), k, n, b, b_t)
    }

    /// `B` prepared for `kernel`.
    #[cfg_attr(
        not(any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        )),
        allow(unused_variables)
    )]
    fn with(kernel: Kernel, k: usize, n: usize, b: &'a [f64], b_t: bool) -> Self {
        assert!(b.len() >= k * n);
        let lanes = match kernel {
            Kernel::Unpacked => 0,
            #[cfg(target_arch = "x86_64")]
            Kernel::Gemm => 0,
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kernel::Simd128 => lanes::Simd128::WIDTH,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => lanes::Avx2::WIDTH,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => lanes::Avx512::WIDTH,
        };
        PackedRhs {
            kernel,
            #[cfg(any(
                target_arch = "x86_64",
                all(target_arch = "wasm32", target_feature = "simd128")
            ))]
            packed: (lanes > 0).then(|| tiled::Packed::new(k, n, b, b_t, 2 * lanes)),
            b,
            b_t,
            k,
            n,
        }
    }
}

/// `C (m×n) = op(A) (m×k) · B + beta · C`, with `B` (`k×n`) prepared by [`PackedRhs::new`];
/// `a`, `a_t`, `beta` and `c` as for [`matmul`], which gives the same result (to rounding: the
/// AVX kernels fuse multiply and add; see [`tiled`]).
///
/// # Panics
/// If a slice is shorter than its shape says.
pub fn matmul_packed(m: usize, a: &[f64], a_t: bool, b: &PackedRhs, beta: f64, c: &mut [f64]) {
    #[cfg(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ))]
    if let Some(packed) = &b.packed {
        // Natively, a panel longer than the L1 cache holds with more than one block of rows
        // (the backward step at B = 32, H = 128: k = 4H): `gemm`, which blocks `k`.
        #[cfg(target_arch = "x86_64")]
        if m > 8 && b.k * packed.nr() * 8 > 32 * 1024 {
            matmul_gemm(m, b.k, b.n, a, a_t, b.b, b.b_t, beta, c);
            return;
        }
        SCRATCH.with_borrow_mut(|s| tiled_on(b.kernel, m, a, a_t, packed, beta, c, s));
        return;
    }
    matmul_unpacked(m, b.k, b.n, a, a_t, b.b, b.b_t, beta, c);
}

/// The tiled kernel on `kernel`'s lanes.
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
#[allow(clippy::too_many_arguments)]
fn tiled_on(
    kernel: Kernel,
    m: usize,
    a: &[f64],
    a_t: bool,
    b: &tiled::Packed,
    beta: f64,
    c: &mut [f64],
    scratch: &mut Vec<f64>,
) {
    match kernel {
        Kernel::Unpacked => unreachable!("B is packed only for a tiled kernel"),
        #[cfg(target_arch = "x86_64")]
        Kernel::Gemm => unreachable!("B is packed only for a tiled kernel"),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kernel::Simd128 => {
            tiled::matmul_packed::<lanes::Simd128, 4>(m, a, a_t, b, beta, c, scratch)
        }
        // SAFETY: `Kernel::Avx2`/`Avx512` come from `path::current()`, which only gives a path
        // this CPU supports.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { x86::tiled_avx2(m, a, a_t, b, beta, c, scratch) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { x86::tiled_avx512(m, a, a_t, b, beta, c, scratch) },
    }
}

/// The x86-64 entry points: the generic code compiled with the features of each path.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::lanes::{Avx2, Avx512};
    use super::{tiled, Units};

    /// The tiled kernel on `f64x4`, 6 × 8 tiles.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn tiled_avx2(
        m: usize,
        a: &[f64],
        a_t: bool,
        b: &tiled::Packed,
        beta: f64,
        c: &mut [f64],
        scratch: &mut Vec<f64>,
    ) {
        tiled::matmul_packed::<Avx2, 6>(m, a, a_t, b, beta, c, scratch)
    }

    /// The tiled kernel on `f64x8`, 8 × 16 tiles.
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) fn tiled_avx512(
        m: usize,
        a: &[f64],
        a_t: bool,
        b: &tiled::Packed,
        beta: f64,
        c: &mut [f64],
        scratch: &mut Vec<f64>,
    ) {
        tiled::matmul_packed::<Avx512, 8>(m, a, a_t, b, beta, c, scratch)
    }

    /// `u`'s units four at a time; returns where it stopped.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn units_avx2<U: Units>(u: &mut U) -> usize {
        u.units::<Avx2>(0)
    }

    /// `u`'s units eight, then four at a time; returns where it stopped.
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) fn units_avx512<U: Units>(u: &mut U) -> usize {
        let done = u.units::<Avx512>(0);
        u.units::<Avx2>(done)
    }
}

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
thread_local! {
    /// The packed left-hand side of the tiled kernel, kept between products.
    static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An elementwise loop over a cell's units written once over [`Lanes`] (the activations' gate
/// loops), so that [`for_each_unit`] can run it on the widest lanes available.
pub(crate) trait Units {
    /// Units `from..`, `L::WIDTH` at a time while a whole vector fits; returns where it stopped.
    fn units<L: Lanes>(&mut self, from: usize) -> usize;
}

/// Runs every unit of `u`: on AVX-512 (8 lanes, then 4) or AVX2 (4) where the CPU has them
/// ([`path`]), on simd128 (2) in wasm built with it, and the rest one at a time. Each lane is
/// the same IEEE arithmetic as one value at a time (no FMA), so the bits do not depend on it.
#[inline]
pub(crate) fn for_each_unit<U: Units>(u: &mut U) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = u.units::<lanes::Simd128>(0);
    // SAFETY: `path::current()` only gives a path this CPU supports.
    #[cfg(target_arch = "x86_64")]
    let done = match path::current() {
        path::Path::Baseline => 0,
        path::Path::Avx2 => unsafe { x86::units_avx2(u) },
        path::Path::Avx512 => unsafe { x86::units_avx512(u) },
    };
    #[cfg(not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )))]
    let done = 0;
    u.units::<f64>(done);
}

/// `c = beta · c`, with `beta = 0` writing zeros without reading `c` (so NaN does not stay).
pub(crate) fn scale(beta: f64, c: &mut [f64]) {
    if beta == 0.0 {
        c.fill(0.0);
    } else {
        c.iter_mut().for_each(|v| *v *= beta);
    }
}

/// The empty products: nothing to do (`m` or `n` is 0), or `c = beta · c` (`k` is 0). True when
/// one of them was done.
fn trivial(m: usize, k: usize, n: usize, beta: f64, c: &mut [f64]) -> bool {
    if k == 0 && m != 0 && n != 0 {
        scale(beta, &mut c[..m * n]);
    }
    m == 0 || n == 0 || k == 0
}

/// The (row, column) strides of row-major `a` (`m × k`) and `b` (`k × n`), read transposed when
/// `a_t` / `b_t`.
fn strides(m: usize, k: usize, n: usize, a_t: bool, b_t: bool) -> ((isize, isize), (isize, isize)) {
    let a = if a_t {
        (1, m as isize)
    } else {
        (k as isize, 1)
    };
    let b = if b_t {
        (1, k as isize)
    } else {
        (n as isize, 1)
    };
    (a, b)
}

/// [`matmul`] by `matrixmultiply`, or by [`small_m`] for fewer than [`SMALL_M`] rows.
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
    if trivial(m, k, n, beta, c) {
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
    let ((rsa, csa), (rsb, csb)) = strides(m, k, n, a_t, b_t);
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

/// [`matmul`] by the `gemm` crate.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
fn matmul_gemm(
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
    if trivial(m, k, n, beta, c) {
        return;
    }
    let ((rsa, csa), (rsb, csb)) = strides(m, k, n, a_t, b_t);
    // SAFETY: the caller's assert guarantees every index the strides reach is in bounds.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            beta != 0.0,
            a.as_ptr(),
            csa,
            rsa,
            b.as_ptr(),
            csb,
            rsb,
            beta,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

/// Below this many output rows, products are done row by row without packing: for the per-step
/// recurrences with a batch of one, `matrixmultiply`'s packing of `W_hh` on every call costs
/// more than the arithmetic.
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
    let max = max_abs(v);
    if max.is_nan() {
        return f64::NAN;
    }
    if max.is_infinite() {
        return f64::INFINITY;
    }
    if max == 0.0 {
        return 0.0;
    }
    if (1e-140..=1e140).contains(&max) {
        // The squares can neither overflow nor lose anything that matters beside max² (what
        // underflows is below 10⁻²⁸ of it): the plain sum of squares, one pass, no division.
        return dot(v, v).sqrt();
    }
    // Scaled to avoid overflow (or underflow) for huge (or tiny) entries.
    let s: f64 = v.iter().map(|x| (x / max) * (x / max)).sum();
    max * s.sqrt()
}

/// `max |v_i|`, NaN when any entry is NaN (unlike `f64::max`, which skips NaN); 0 when empty.
pub fn max_abs(v: &[f64]) -> f64 {
    // (A comparison, not `f64::max`: `f64::max` is a libm call in wasm, whose own `max`
    // instruction treats NaN differently; NaN is tracked on the side, without a branch.)
    let (mut m, mut nan) = (0.0f64, false);
    for &x in v {
        let a = x.abs();
        nan |= x.is_nan();
        m = if a > m { a } else { m };
    }
    if nan {
        f64::NAN
    } else {
        m
    }
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

    /// Every product path this machine has: on x86-64 the paths of [`path`] (each forced in
    /// turn), elsewhere the one there is.
    fn on_every_path(mut f: impl FnMut(&str)) {
        #[cfg(target_arch = "x86_64")]
        for p in path::Path::available() {
            path::with_path(p, || f(p.name()));
        }
        #[cfg(not(target_arch = "x86_64"))]
        f("default");
    }

    /// `C = op(A)·op(B) + β·C` on the current path, through [`matmul`] and through
    /// [`matmul_packed`], against the naive sum: within `2·γ_k·Σ_p |a_ip·b_pj|` (the bound for a
    /// fused or unfused sum in any order, `γ_k = k·u/(1 − k·u)`), plus the rounding of `β·c`.
    #[allow(clippy::too_many_arguments)]
    fn check_product(
        name: &str,
        (m, k, n): (usize, usize, usize),
        a: &[f64],
        b: &[f64],
        a_t: bool,
        b_t: bool,
        beta: f64,
    ) {
        let want = naive(m, k, n, a, a_t, b, b_t);
        let abs_a: Vec<f64> = a.iter().map(|x| x.abs()).collect();
        let abs_b: Vec<f64> = b.iter().map(|x| x.abs()).collect();
        let mag = naive(m, k, n, &abs_a, a_t, &abs_b, b_t);
        let u = f64::EPSILON / 2.0;
        let gamma = (k + 2) as f64 * u / (1.0 - (k + 2) as f64 * u);
        let c0: Vec<f64> = (0..m * n)
            .map(|i| {
                if beta == 0.0 {
                    f64::NAN
                } else {
                    (i % 7) as f64 - 3.0
                }
            })
            .collect();
        let packed = PackedRhs::new(k, n, b, b_t);
        for (how, packed_b) in [("matmul", false), ("matmul_packed", true)] {
            let mut c = c0.clone();
            if packed_b {
                matmul_packed(m, a, a_t, &packed, beta, &mut c);
            } else {
                matmul(m, k, n, a, a_t, b, b_t, beta, &mut c);
            }
            for (i, ((g, w), s)) in c.iter().zip(&want).zip(&mag).enumerate() {
                let base = if beta == 0.0 { 0.0 } else { beta * c0[i] };
                let tol = 2.0 * gamma * (s + base.abs());
                assert!(
                    (g - (w + base)).abs() <= tol,
                    "{name} {how} {m}x{k}x{n} a_t={a_t} b_t={b_t} β={beta} [{i}]: {g} vs {}",
                    w + base
                );
            }
        }
    }

    #[test]
    fn every_path_matches_the_naive_product_on_every_shape_class() {
        let mut rng = crate::rng::Rng::new(6);
        let shapes = [
            (1, 1, 1),      // tiny
            (1, 32, 128),   // a batch of one: one row, four panels at a time
            (2, 32, 96),    // two rows, two panels at a time
            (3, 9, 4),      // odd, narrower than a panel
            (5, 6, 7),      // odd rows (a partial block), partial panel
            (8, 17, 40),    // whole blocks, panels and a partial one
            (17, 13, 11),   // odd everything
            (50, 300, 21),  // tall with a long k: several row groups, the last partial
            (300, 5, 3),    // tall and thin
            (3, 5, 300),    // wide
            (32, 128, 512), // B = 32, H = 128: the recurrence of an LSTM
        ];
        on_every_path(|name| {
            for &(m, k, n) in &shapes {
                let a: Vec<f64> = (0..m * k).map(|_| rng.normal()).collect();
                let b: Vec<f64> = (0..k * n).map(|_| rng.normal()).collect();
                for (a_t, b_t) in [(false, false), (false, true), (true, false), (true, true)] {
                    for beta in [0.0, 1.0, 0.5] {
                        check_product(name, (m, k, n), &a, &b, a_t, b_t, beta);
                    }
                }
            }
        });
    }

    #[test]
    fn every_path_propagates_nan_and_inf_and_scales_empty_products() {
        on_every_path(|name| {
            let (m, k, n) = (5, 6, 19);
            let mut a: Vec<f64> = (0..m * k).map(|i| i as f64 * 0.25 - 3.0).collect();
            let b: Vec<f64> = (0..k * n).map(|i| 1.0 - i as f64 * 0.125).collect();
            a[k + 2] = f64::NAN;
            a[3 * k] = f64::INFINITY;
            for pack in [false, true] {
                let mut c = vec![f64::NAN; m * n];
                if pack {
                    matmul_packed(m, &a, false, &PackedRhs::new(k, n, &b, false), 0.0, &mut c);
                } else {
                    matmul(m, k, n, &a, false, &b, false, 0.0, &mut c);
                }
                let want = naive(m, k, n, &a, false, &b, false);
                for (i, (g, w)) in c.iter().zip(&want).enumerate() {
                    let same = g == w || (g.is_nan() && w.is_nan());
                    assert!(same, "{name} pack={pack} [{i}]: {g} vs {w}");
                }
                assert!(
                    c[..n].iter().all(|v| v.is_finite()),
                    "{name}: β = 0 keeps no NaN"
                );
            }
            // k = 0: C = β·C.
            let mut c = vec![3.0; 4];
            matmul(2, 0, 2, &[], false, &[], false, 2.0, &mut c);
            assert_eq!(c, [6.0; 4], "{name}");
            let mut c = vec![f64::NAN; 4];
            matmul_packed(
                2,
                &[],
                false,
                &PackedRhs::new(0, 2, &[], false),
                0.0,
                &mut c,
            );
            assert_eq!(c, [0.0; 4], "{name}");
        });
    }

    #[test]
    fn norms_report_overflow_as_inf_or_nan_never_as_zero() {
        assert!(norm2(&[f64::NAN, f64::NAN]).is_nan());
        assert!(norm2(&[1.0, f64::NAN]).is_nan());
        assert!(norm2(&[f64::INFINITY, f64::NAN]).is_nan());
        assert_eq!(norm2(&[f64::NEG_INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(norm2(&[3.0, 4.0]), 5.0);
        let close = |x: f64, y: f64| (x / y - 1.0).abs() < 1e-15;
        assert!(
            close(norm2(&[3e200, 4e200]), 5e200),
            "huge entries: scaled, no overflow"
        );
        assert!(
            close(norm2(&[3e-200, 4e-200]), 5e-200),
            "tiny entries: scaled, no underflow"
        );
        assert!((norm2(&[1e140, 1e140, 1.0]) / (2f64.sqrt() * 1e140) - 1.0).abs() < 1e-15);
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
