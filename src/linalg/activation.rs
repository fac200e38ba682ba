//! `exp`, `tanh` and the logistic sigmoid in plain f64 arithmetic: no libm call, so they inline
//! into the cells' loops, and the same bits natively and in wasm (the platform libms differ: glibc
//! natively, a port of musl in wasm), so the browser trains to the native numbers.
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

/// ln 2, high part: 32 significant bits, so `k · LN2_HI` is exact for `|k| < 2²¹`.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// ln 2 − `LN2_HI`.
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1.5 · 2⁵²: `(y + SHIFT) − SHIFT` rounds `|y| < 2⁵¹` to the nearest integer (ties to even),
/// the same on every IEEE platform (no `round` call).
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `1/n!` for `n = 13, 12, …, 2`, Horner order.
const INV_FACT: [f64; 12] = [
    1.0 / 6_227_020_800.0,
    1.0 / 479_001_600.0,
    1.0 / 39_916_800.0,
    1.0 / 3_628_800.0,
    1.0 / 362_880.0,
    1.0 / 40_320.0,
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    0.5,
];

/// `e^r − 1` for `|r| ≤ ln 2 / 2`: `r + r²·Σ r^(n−2)/n!`, `n = 2..13`.
#[inline(always)]
fn expm1_reduced(r: f64) -> f64 {
    let mut p = INV_FACT[0];
    for c in &INV_FACT[1..] {
        p = p * r + c;
    }
    r + r * r * p
}

/// `(k, r)` with `x = k·ln 2 + r`, `|r| ≤ ln 2 / 2` (to rounding), for `|x| < 2⁵⁰`.
#[inline(always)]
fn reduce(x: f64) -> (f64, f64) {
    let k = (x * std::f64::consts::LOG2_E + SHIFT) - SHIFT;
    (k, (x - k * LN2_HI) - k * LN2_LO)
}

/// `2^k` for an integer `−1022 ≤ k ≤ 1023`, from its bits.
#[inline(always)]
fn pow2(k: f64) -> f64 {
    f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// `e^x` (within 1 ulp; see the module comment).
#[inline]
pub fn exp(x: f64) -> f64 {
    if x.abs() < 708.0 {
        // k within ±1022: 2^k is normal and so is the result.
        let (k, r) = reduce(x);
        (1.0 + expm1_reduced(r)) * pow2(k)
    } else {
        exp_far(x)
    }
}

/// `e^x` for `|x| ≥ 708` and NaN: overflow to inf, underflow through the subnormals to 0.
#[cold]
fn exp_far(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 710.0 {
        return f64::INFINITY;
    }
    if x < -746.0 {
        return 0.0;
    }
    let (k, r) = reduce(x);
    let e = 1.0 + expm1_reduced(r);
    if k > 0.0 {
        // k up to 1024: 2^k in two factors (the product overflows to inf past the largest f64).
        e * pow2(k - 1.0) * 2.0
    } else {
        // k down to −1076: exact scaling to a normal number, then one rounding to a subnormal.
        e * pow2(k + 60.0) * pow2(-60.0)
    }
}

/// `(tanh x − x) / x³` as a polynomial in `t = x²` for `0 ≤ x ≤ 0.55`, degree 10 (Chebyshev
/// fit by mpmath, error below 8·10⁻¹⁸), highest degree first; its constant term is −1/3.
const TANH_SMALL: [f64; 11] = [
    f64::from_bits(0xbef5_9a83_4187_ce22),
    f64::from_bits(0x3f16_4fd8_8e99_00a5),
    f64::from_bits(0xbf2e_c109_1436_eb2a),
    f64::from_bits(0x3f43_4c5a_8a99_6cd4),
    f64::from_bits(0xbf57_d97c_fd13_8c28),
    f64::from_bits(0x3f6d_6d33_9333_f329),
    f64::from_bits(0xbf82_26e3_2f00_cf0c),
    f64::from_bits(0x3f96_64f4_8771_3373),
    f64::from_bits(0xbfab_a1ba_1b9f_ec84),
    f64::from_bits(0x3fc1_1111_1111_1032),
    f64::from_bits(0xbfd5_5555_5555_5555),
];

/// `tanh(x)` (within 2 ulp; see the module comment).
#[inline]
pub fn tanh(x: f64) -> f64 {
    let a = x.abs();
    let t = if a < 0.55 {
        // a + a³·P(a²): the last addition rounds, the rest is below an eighth of an ulp. Tiny
        // and subnormal a give a (a² underflows or is far below an ulp), ±0 gives ±0.
        let s = a * a;
        let mut p = TANH_SMALL[0];
        for c in &TANH_SMALL[1..] {
            p = p * s + c;
        }
        a + a * (s * p)
    } else if a < 20.0 {
        1.0 - 2.0 / (exp(2.0 * a) + 1.0)
    } else if a >= 20.0 {
        // 1 − tanh 20 < 2⁻⁵⁷: rounds to 1 (and tanh ±inf = ±1).
        1.0
    } else {
        return x; // NaN
    };
    t.copysign(x)
}

/// Logistic sigmoid as PyTorch computes it, `1 / (1 + e^(−x))` (within 2.5 ulp).
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + exp(-x))
}

#[cfg(test)]
mod tests;
