//! `linalg::matmul` and `matmul_packed` compiled to wasm and run in headless Chromium, against a
//! naive triple loop: with `+simd128` (as `scripts/test-web.sh` and `scripts/build-web.sh` build)
//! every product goes through the f64x2 tiled kernel, which sums each entry in the naive order,
//! so the results must be bitwise equal, NaN and ±inf included. And the activations give the
//! same bits as natively. Run by `scripts/test-web.sh`, once per build of the page: also with
//! `+simd128,+relaxed-simd`, where the kernel's multiply-adds are `f64x2.relaxed_madd` (fused
//! by V8 where the CPU has FMA). There the products are held to the bound that one rounding per
//! term instead of two allows (see [`agree`]), against the naive loop — which is the plain
//! kernel, bit for bit, as the plain build's run checks; the activations and the LSTM step use
//! no multiply-add, so they keep the native bits in both builds (NaN included: see
//! `Lanes::clamp` in src/linalg/lanes.rs).
#![cfg(target_arch = "wasm32")]

use unrolled::linalg::{exp, matmul, matmul_packed, sigmoid, tanh, PackedRhs};
use unrolled::rng::Rng;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

/// `Σ_p |a_ip · b_pj|` for every entry: the scale of the rounding errors of a dot product.
fn magnitudes(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    a_t: bool,
    b: &[f64],
    b_t: bool,
) -> Vec<f64> {
    let abs = |v: &[f64]| v.iter().map(|x| x.abs()).collect::<Vec<_>>();
    naive(m, k, n, &abs(a), a_t, &abs(b), b_t)
}

/// Bitwise equal with the plain tiled kernel. With relaxed SIMD, the naive sum `s` and the
/// kernel's fused one `ŝ` are each within `γ_k·Σ|a·b|` of the exact sum (`γ_k = k·u/(1 − k·u)`,
/// `u = 2⁻⁵³`: the standard bound for a dot product of length `k`, for one or two roundings
/// per term alike), so `|ŝ − s| ≤ 2·γ_k·Σ|a·b|`, plus one rounding of each when `β·C` is
/// added (`2u·(|want| + 1)`); non-finite entries must match. Without simd128
/// (`matrixmultiply`), within rounding.
fn agree(got: f64, want: f64, k: usize, magnitude: f64) -> bool {
    if !got.is_finite() || !want.is_finite() {
        return got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan());
    }
    if cfg!(target_feature = "relaxed-simd") {
        let u = f64::EPSILON / 2.0;
        let gamma = k as f64 * u / (1.0 - k as f64 * u);
        (got - want).abs() <= 2.0 * gamma * magnitude + 2.0 * u * (want.abs() + 1.0)
    } else if cfg!(target_feature = "simd128") {
        got.to_bits() == want.to_bits()
    } else {
        got == want || (got - want).abs() <= 1e-12 * want.abs().max(1.0)
    }
}

/// Every layout, with `β = 0` over a NaN-filled `C` (must not be read) and `β = 2` over 0.5, by
/// `matmul` and by `matmul_packed` with one `PackedRhs` reused twice.
fn check(m: usize, k: usize, n: usize, a: &[f64], b: &[f64]) {
    for a_t in [false, true] {
        for b_t in [false, true] {
            let want = naive(m, k, n, a, a_t, b, b_t);
            let mag = magnitudes(m, k, n, a, a_t, b, b_t);
            let rhs = PackedRhs::new(k, n, b, b_t);
            for round in 0..3 {
                let mut c = vec![f64::NAN; m * n];
                match round {
                    0 => matmul(m, k, n, a, a_t, b, b_t, 0.0, &mut c),
                    _ => matmul_packed(m, a, a_t, &rhs, 0.0, &mut c),
                }
                for ((g, w), s) in c.iter().zip(&want).zip(&mag) {
                    assert!(
                        agree(*g, *w, k, *s),
                        "{m}x{k}x{n} a_t={a_t} b_t={b_t}: {g} vs {w}"
                    );
                }
            }
            let mut c = vec![0.5; m * n];
            matmul_packed(m, a, a_t, &rhs, 2.0, &mut c);
            for ((g, w), s) in c.iter().zip(&want).zip(&mag) {
                assert!(
                    agree(*g, w + 1.0, k, *s),
                    "β=2 {m}x{k}x{n} a_t={a_t} b_t={b_t}"
                );
            }
        }
    }
}

#[wasm_bindgen_test]
fn products_match_the_naive_loop_on_awkward_shapes() {
    let mut rng = Rng::new(21);
    let dims = [1, 2, 3, 4, 5, 7, 8, 9, 17, 33];
    for &m in &dims {
        for &k in &dims {
            for &n in &dims {
                let a: Vec<f64> = (0..m * k).map(|_| rng.normal()).collect();
                let b: Vec<f64> = (0..k * n).map(|_| rng.normal()).collect();
                check(m, k, n, &a, &b);
            }
        }
    }
}

#[wasm_bindgen_test]
fn the_shapes_of_training_match_the_naive_loop() {
    // B × H by H × 4H per step, 4H × T·B by T·B × H for ∂W_hh, T·B × 4H by 4H × I for ∂x.
    let mut rng = Rng::new(22);
    for &(m, k, n) in &[
        (8, 32, 128),
        (8, 128, 32),
        (128, 400, 32),
        (400, 128, 2),
        (1, 32, 128),
        (50, 300, 6),
    ] {
        let a: Vec<f64> = (0..m * k).map(|_| rng.normal()).collect();
        let b: Vec<f64> = (0..k * n).map(|_| rng.normal()).collect();
        check(m, k, n, &a, &b);
    }
}

#[wasm_bindgen_test]
fn zeros_nan_and_inf_propagate_as_in_the_naive_loop() {
    let (m, k, n) = (5, 6, 7);
    let mut a = vec![0.0; m * k];
    let mut b: Vec<f64> = (0..k * n).map(|i| i as f64 - 20.0).collect();
    check(m, k, n, &a, &b);
    a[3] = f64::NAN;
    a[k + 1] = f64::INFINITY;
    a[2 * k + 2] = f64::NEG_INFINITY;
    b[5] = f64::INFINITY;
    b[n + 6] = 0.0;
    check(m, k, n, &a, &b);
}

#[wasm_bindgen_test]
fn empty_products_scale_c_by_beta() {
    let mut c = vec![3.0; 4];
    matmul(2, 0, 2, &[], false, &[], false, 2.0, &mut c);
    assert_eq!(c, [6.0; 4]);
    let mut c = vec![f64::NAN; 4];
    matmul_packed(2, &[], false, &PackedRhs::new(0, 2, &[], true), 0.0, &mut c);
    assert_eq!(c, [0.0; 4]);
    let mut c = vec![3.0; 4];
    matmul(0, 3, 2, &[], false, &[0.0; 6], false, 0.0, &mut c);
    assert_eq!(c, [3.0; 4]);
}

#[wasm_bindgen_test]
#[allow(clippy::assertions_on_constants)] // a constant of the build, checked where it runs
fn built_with_simd128_as_the_page_is() {
    // scripts/test-web.sh sets +simd128, so the tests above ran the tiled kernel, bitwise.
    assert!(cfg!(target_feature = "simd128"));
}

#[wasm_bindgen_test]
fn the_relaxed_kernel_fuses_or_rounds_twice_and_nothing_else() {
    // (1 + 2⁻³⁰)(1 − 2⁻³⁰) − 1 = −2⁻⁶⁰ exactly; rounded before the add, the product is 1 and
    // the sum 0. The kernel adds −1·1 first, then this term: fused, −2⁻⁶⁰; unfused, 0.
    let e = 2f64.powi(-30);
    let (a, b) = ([1.0, 1.0 + e], [-1.0, 1.0 - e]);
    let mut c = [f64::NAN];
    matmul(1, 2, 1, &a, false, &b, false, 0.0, &mut c);
    let fused = c[0] == -(e * e);
    if cfg!(target_feature = "relaxed-simd") {
        assert!(fused || c[0] == 0.0, "{}", c[0]);
        console_log!("relaxed-simd build: f64x2.relaxed_madd fused here: {fused}");
    } else if cfg!(target_feature = "simd128") {
        assert_eq!(c[0], 0.0, "plain simd128 rounds every product");
    }
}

/// FNV-1a over the bits of `exp`, `tanh` and `sigmoid` on a grid over every regime: the same
/// function as in src/linalg/activation/tests.rs, whose native run gives the constant below.
fn grid_hash() -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for i in 0..=300_000 {
        let x = -750.0 + 1500.0 * i as f64 / 300_000.0;
        for x in [x, x / 1000.0, x * 1e-300] {
            for y in [exp(x), tanh(x), sigmoid(x)] {
                h = (h ^ y.to_bits()).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    h
}

#[wasm_bindgen_test]
fn activations_give_the_native_bits() {
    assert_eq!(grid_hash(), 0x0ac4_970b_6183_cb8c);
}

#[wasm_bindgen_test]
fn the_lstm_step_two_units_at_a_time_gives_the_scalar_bits() {
    // lstm::forward runs f64x2 lanes here; the reference is the step's formula one unit at a
    // time with the scalar activations.
    let mut rng = Rng::new(23);
    for n in [1, 2, 7, 32] {
        let mut xp: Vec<f64> = (0..4 * n).map(|_| 4.0 * rng.normal()).collect();
        let hp: Vec<f64> = (0..4 * n).map(|_| rng.normal()).collect();
        let c_prev: Vec<f64> = (0..n).map(|_| 3.0 * rng.normal()).collect();
        for (i, v) in [800.0, -800.0, 1e-300, -0.0, f64::NAN, f64::INFINITY]
            .into_iter()
            .enumerate()
        {
            if i < 4 * n {
                xp[(7 * i) % (4 * n)] = v;
            }
        }
        let (mut gates, mut h, mut c, mut tanh_c) =
            (vec![0.0; 4 * n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        unrolled::cell::lstm::forward(&xp, &hp, &c_prev, &mut gates, &mut h, &mut c, &mut tanh_c);
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        for j in 0..n {
            let pre = |k: usize| xp[k * n + j] + hp[k * n + j];
            let want = [
                sigmoid(pre(0)),
                sigmoid(pre(1)),
                tanh(pre(2)),
                sigmoid(pre(3)),
            ];
            for (k, w) in want.iter().enumerate() {
                assert!(same(gates[k * n + j], *w), "n = {n}, gate {k} of unit {j}");
            }
            let cell = want[1] * c_prev[j] + want[0] * want[2];
            assert!(
                same(c[j], cell) && same(tanh_c[j], tanh(cell)) && same(h[j], want[3] * tanh(cell))
            );
        }
    }
}
