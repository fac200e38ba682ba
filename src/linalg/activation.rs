//! `exp`, `tanh` and the logistic sigmoid in plain f64 arithmetic: no libm call, so they inline
//! into the cells' loops, and the same bits natively and in wasm (the platform libms differ: glibc
//! natively, a port of musl in wasm), so the browser trains to the native numbers. Written once
//! over [`Lanes`] and branch-free: one value at a time (`exp`, `tanh`, `sigmoid`) or two at a
//! time in wasm simd128 (`*_lanes`), with the same bits for each value.
//!
//! `exp(x) = 2^m · 2^(j/128) · e^r` with `k = 128·m + j = round(x · 128 / ln 2)` and
//! `r = x − k·ln 2/128` (ln 2/128 in two parts, so `r` is exact to about 2⁻⁷⁰ relative),
//! `|r| ≤ ln 2 / 256`; `2^(j/128)` from a table of 128 double-doubles (`lanes::EXP2_TABLE`, mpmath),
//! `e^r − 1` the Taylor polynomial of degree 5 (truncation below 6·10⁻¹⁹), put together as
//! `hi + (hi·expm1(r) + lo)`, and `2^m` applied as two factors so that neither the factor nor a
//! subnormal result is lost. `tanh(x)` from one `E = e^(2|x|) − 1` (the same reduction, degree 6,
//! `E = 2^m·((hi − 2^−m) + (expm1(r) + ((hi − 1)·expm1(r) + lo)))`, where nothing large
//! cancels): `E / (E + 2)` below `|x| = 0.55`, with the rounding error of `E + 2` (exact by
//! Fast2Sum) corrected to first order, `1 − 2 / (E + 2)` from there, one division, the sign of
//! `x`. The sigmoid is `n / (1 + e)` with `e = e^(−|x|)`, `n = 1` for `x ≥ 0` and `e` below, the
//! rounding error `δ` of `1 + e` (exact by Fast2Sum) taken off the quotient as `q − q·δ`; below
//! `x = −709.78` it gives the tiny or subnormal `e^x` (PyTorch's `1 / (1 + e^(−x))` gives 0 there).
//! Worst errors, measured against a double-double reference over dense sweeps of the whole input
//! range (the tests, which assert the bounds in brackets; docs/activations.md): `exp` 0.75 ulp
//! (≤ 1; glibc's: 0.51), `tanh` 1.76 ulp (≤ 2; glibc's: 2.0), `sigmoid` 1.89 ulp (≤ 2; PyTorch's
//! formula: 2.30 over the same sweeps, with glibc's `exp` too). ±0, subnormals, ±inf and NaN
//! give what IEEE `exp`/`tanh` give, and `σ(±0) = ½`, `σ(inf) = 1`, `σ(−inf) = 0`.

use super::lanes::{Lanes, SHIFT};

/// 128 / ln 2.
const INV_STEP: f64 = 128.0 / std::f64::consts::LN_2;
/// ln 2 / 128, high part: 35 significant bits, so `k · STEP_HI` is exact for `|k| < 2¹⁸`.
const STEP_HI: f64 = f64::from_bits(0x3f76_2e42_fef8_0000);
/// ln 2 / 128 − `STEP_HI`.
const STEP_LO: f64 = f64::from_bits(0x3d41_cf79_abc9_e3b4);

/// `k = round(x · 128 / ln 2)` as `k + SHIFT` (its low bits hold `k`) and `r = x − k·ln 2/128`
/// (`|r| ≤ ln 2 / 256`, exact to about 2⁻⁷⁰ relative: `x − k·STEP_HI` is exact).
#[inline(always)]
fn reduce<L: Lanes>(x: L) -> (L, L) {
    let shifted = x * L::splat(INV_STEP) + L::splat(SHIFT);
    let k = shifted - L::splat(SHIFT);
    let r = (x - k * L::splat(STEP_HI)) - k * L::splat(STEP_LO);
    (shifted, r)
}

/// `e^r − 1` for `|r| ≤ ln 2 / 256` to the absolute accuracy `e^x` needs: the Taylor
/// polynomial `r + r²/2 + … + r⁵/120` (truncation below 6·10⁻¹⁹), by Horner's rule.
#[inline(always)]
fn expm1_reduced<L: Lanes>(r: L) -> L {
    let mut p = L::splat(1.0 / 120.0);
    for c in [1.0 / 24.0, 1.0 / 6.0, 0.5] {
        p = p * r + L::splat(c);
    }
    r + r * r * p
}

/// `e^r − 1` for `|r| ≤ ln 2 / 256` to the relative accuracy `tanh` needs near 0: degree 6
/// (truncation below 2·10⁻¹⁹ relative; degree 5 would leave 2·10⁻¹⁶, an ulp).
#[inline(always)]
fn expm1_reduced_relative<L: Lanes>(r: L) -> L {
    let mut p = L::splat(1.0 / 720.0);
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5] {
        p = p * r + L::splat(c);
    }
    r + r * r * p
}

/// `e^x` (within 1 ulp; see the module comment).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_lanes(x)
}

/// [`exp`] lane by lane.
#[inline(always)]
pub fn exp_lanes<L: Lanes>(x: L) -> L {
    // Past these e^x is inf or rounds to 0 (clamp keeps NaN).
    let (shifted, r) = reduce(x.clamp(-746.0, 710.0));
    let [hi, lo, p, q] = L::exp2_parts(shifted);
    // 2^(j/128) · e^r = hi + (hi · expm1(r) + lo): one rounding that matters, the last.
    let e = hi + (hi * expm1_reduced(r) + lo);
    // 2^m in two factors: the first product is exact and normal, the second rounds once (a
    // subnormal result) or overflows to inf, and is exact otherwise.
    e * p * q
}

/// `tanh(x)` (within 2 ulp; see the module comment).
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    tanh_lanes(x)
}

/// [`tanh`] lane by lane.
#[inline(always)]
pub fn tanh_lanes<L: Lanes>(x: L) -> L {
    let a = x.abs();
    // E = e^(2a) − 1 = 2^m · ((2^(j/128) − 2^−m) + 2^(j/128) · expm1(r)); 2a clamped at 40,
    // past which tanh rounds to 1 (clamp keeps NaN). `hi − 2^−m` is exact for m ≤ 52, and
    // `hi · expm1(r)` is taken as `expm1(r) + (hi − 1) · expm1(r)`, so for small a (m = 0,
    // j small) nothing large cancels.
    let (shifted, r) = reduce((L::splat(2.0) * a).clamp(0.0, 40.0));
    let [hi, lo, two_m, two_neg_m] = L::exp2_parts_small(shifted);
    let p = expm1_reduced_relative(r);
    let one = L::splat(1.0);
    let em1 = ((hi - two_neg_m) + (p + ((hi - one) * p + lo))) * two_m;
    // tanh a = E / (E + 2) below 0.55, 1 − 2 / (E + 2) from there (where that subtraction loses
    // nothing): one division. Tiny and subnormal a give a, ±0 gives ±0.
    let two = L::splat(2.0);
    let d = em1 + two;
    let q = a.select_lt(0.55, em1, two) / d;
    // Below 0.55 (E < 4), d's rounding error δ = E − (d − 2) is exact, and E / (d + δ) is
    // q − q·δ/d = q − q·δ·(1 − q)/2 to first order: one more half ulp saved.
    let delta = em1 - (d - two);
    let small = q - (q * delta) * ((one - q) * L::splat(0.5));
    a.select_lt(0.55, small, one - q).copysign(x)
}

/// The logistic sigmoid `1 / (1 + e^(−x))` (within 2 ulp; see the module comment).
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    sigmoid_lanes(x)
}

/// [`sigmoid`] lane by lane.
#[inline(always)]
pub fn sigmoid_lanes<L: Lanes>(x: L) -> L {
    let one = L::splat(1.0);
    // σ(x) = n / (1 + e) with e = e^(−|x|) ≤ 1: n = 1 for x ≥ 0, n = e below (e^x / (1 + e^x)),
    // so nothing overflows and the tail below −709.78 is e^x itself, not 0.
    let e = exp_lanes(L::splat(0.0) - x.abs());
    let d = one + e;
    // d's rounding error δ = e − (d − 1) is exact (Fast2Sum: e ≤ 1), and n / (d + δ) is
    // q − q·δ/d to first order. |q·δ| is at most an ulp of q (|δ| ≤ 2⁻⁵³ for d in [1, 2]), and
    // q − q·δ (dividing by 1, not by d) moves q to its neighbour where the exact correction
    // would: one multiplication and one subtraction bring the worst error under 2 ulp.
    let delta = e - (d - one);
    let q = x.select_lt(0.0, e, one) / d;
    q - q * delta
}

#[cfg(test)]
mod tests;
