//! `exp`, `tanh` and the logistic sigmoid in plain f64 arithmetic: no libm call, so they inline
//! into the cells' loops, and the same bits natively and in wasm (the platform libms differ: glibc
//! natively, a port of musl in wasm), so the browser trains to the native numbers. Written once
//! over [`Lanes`] and branch-free: one value at a time (`exp`, `tanh`, `sigmoid`) or two at a
//! time in wasm simd128 (`*_lanes`), with the same bits for each value.
//!
//! `exp(x) = 2^k · (1 + expm1(r))` with `k = round(x / ln 2)` and `r = x − k·ln 2` (ln 2 in two
//! parts, so `r` is exact to about 2⁻⁶⁰ relative), `|r| ≤ ln 2 / 2`, and `expm1(r)` the Taylor
//! polynomial of degree 13 (truncation below 5·10⁻¹⁸ relative). `tanh(x) = 1 − 2 / (exp(2|x|) + 1)`
//! for `|x| ≥ 0.55` (where that subtraction loses nothing), an odd polynomial of degree 23
//! below, with the sign of `x`. Worst errors, measured against a double-double reference over
//! dense sweeps of the whole input range (the tests, which assert the bounds in brackets):
//! `exp` 0.93 ulp (≤ 1; glibc's: 0.51), `tanh` 1.41 ulp (≤ 2; glibc's: 2.0), `sigmoid`
//! 2.35 ulp (≤ 2.5; PyTorch's formula `1 / (1 + e^(−x))` itself rounds three times: 2.30 ulp
//! with glibc's `exp`). ±0, subnormals, ±inf and NaN give what IEEE `exp`/`tanh` give.

use super::lanes::{Lanes, SHIFT};

/// ln 2, high part: 32 significant bits, so `k · LN2_HI` is exact for `|k| < 2²¹`.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// ln 2 − `LN2_HI`.
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `1/n!` for `n = 2, 3, …, 13`.
const INV_FACT: [f64; 12] = [
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// `e^r − 1` for `|r| ≤ ln 2 / 2`: `r + r²·Σ r^(n−2)/n!`, `n = 2..13`, by Horner's rule
/// (Estrin's scheme, with a shorter dependency chain, measured slower in V8).
#[inline(always)]
fn expm1_reduced<L: Lanes>(r: L) -> L {
    let mut p = L::splat(INV_FACT[11]);
    for &c in INV_FACT[..11].iter().rev() {
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
    let x = x.clamp(-746.0, 710.0);
    // k = round(x / ln 2), r = x − k·ln 2 (exact to about 2⁻⁶⁰ relative).
    let shifted = x * L::splat(std::f64::consts::LOG2_E) + L::splat(SHIFT);
    let k = shifted - L::splat(SHIFT);
    let r = (x - k * L::splat(LN2_HI)) - k * L::splat(LN2_LO);
    let e = L::splat(1.0) + expm1_reduced(r);
    // 2^k in two factors: the first product is exact and normal, the second rounds once (a
    // subnormal result) or overflows to inf, and is exact otherwise.
    let (p, q) = L::pow2_halves(shifted);
    e * p * q
}

/// `(tanh x − x) / x³` as a polynomial in `t = x²` for `0 ≤ x ≤ 0.55`, degree 10 (Chebyshev
/// fit by mpmath, error below 8·10⁻¹⁸), lowest degree first: −1/3, 2/15, …
const TANH_SMALL: [f64; 11] = [
    f64::from_bits(0xbfd5_5555_5555_5555),
    f64::from_bits(0x3fc1_1111_1111_1032),
    f64::from_bits(0xbfab_a1ba_1b9f_ec84),
    f64::from_bits(0x3f96_64f4_8771_3373),
    f64::from_bits(0xbf82_26e3_2f00_cf0c),
    f64::from_bits(0x3f6d_6d33_9333_f329),
    f64::from_bits(0xbf57_d97c_fd13_8c28),
    f64::from_bits(0x3f43_4c5a_8a99_6cd4),
    f64::from_bits(0xbf2e_c109_1436_eb2a),
    f64::from_bits(0x3f16_4fd8_8e99_00a5),
    f64::from_bits(0xbef5_9a83_4187_ce22),
];

/// `tanh(x)` (within 2 ulp; see the module comment).
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    tanh_lanes(x)
}

/// [`tanh`] lane by lane.
#[inline(always)]
pub fn tanh_lanes<L: Lanes>(x: L) -> L {
    let a = x.abs();
    // a + a³·P(a²) below 0.55: the last addition rounds, the rest is below an eighth of an ulp;
    // tiny and subnormal a give a, ±0 gives ±0.
    let s = a * a;
    let mut p = L::splat(TANH_SMALL[10]);
    for &c in TANH_SMALL[..10].iter().rev() {
        p = p * s + L::splat(c);
    }
    let small = a + a * (s * p);
    // 1 − 2/(e^2a + 1) from 0.55: rounds to 1 past a ≈ 19 (and at inf); NaN stays NaN.
    let one = L::splat(1.0);
    let large = one - L::splat(2.0) / (exp_lanes(L::splat(2.0) * a) + one);
    // Both computed, one kept: no branch.
    a.select_lt(0.55, small, large).copysign(x)
}

/// Logistic sigmoid as PyTorch computes it, `1 / (1 + e^(−x))` (within 2.5 ulp).
#[inline(always)]
pub fn sigmoid(x: f64) -> f64 {
    sigmoid_lanes(x)
}

/// [`sigmoid`] lane by lane.
#[inline(always)]
pub fn sigmoid_lanes<L: Lanes>(x: L) -> L {
    let one = L::splat(1.0);
    one / (one + exp_lanes(L::splat(0.0) - x))
}

#[cfg(test)]
mod tests;
