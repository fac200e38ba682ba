//! f64 lanes: numeric code written once over [`Lanes`] runs one value at a time (`f64`, and for
//! the tails), two at a time (wasm simd128's `f64x2`), or natively on x86-64 four or eight at a
//! time (AVX2's `f64x4`, AVX-512's `f64x8`: [`x86`], chosen at run time by `linalg::path`).
//! Every operation is the IEEE operation lane by lane, so all give the same bits for each
//! value — but for [`Lanes::mul_add`], which x86-64 and the relaxed-SIMD build fuse. A portable
//! two-lane stand-in lets the two-lane code paths be tested natively.

use std::ops::{Add, Div, Mul, Sub};

/// 1.5 · 2⁵²: `(y + SHIFT) − SHIFT` rounds `|y| < 2⁵¹` to the nearest integer (ties to even),
/// and the low bits of `y + SHIFT` then hold that integer.
pub const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `WIDTH` f64 values in lanes, with the operations the kernels and activations use.
pub trait Lanes:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// Values per vector.
    const WIDTH: usize;
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
    /// `s[..WIDTH]`.
    fn load(s: &[f64]) -> Self;
    /// Writes the lanes to `s[..WIDTH]`.
    fn store(self, s: &mut [f64]);
    /// `self · b + c`, rounded twice (the product, then the sum) except in the build with
    /// relaxed SIMD (`+relaxed-simd`), whose `f64x2.relaxed_madd` the engine may fuse into one
    /// rounding (V8 does where the CPU has FMA; relaxed SIMD leaves the choice to it).
    /// The x86-64 lanes fuse it always (FMA). Only the tiled kernel uses it: the activations
    /// round every operation, on every lanes.
    #[cfg_attr(
        not(any(
            target_arch = "x86_64",
            all(target_arch = "wasm32", target_feature = "simd128")
        )),
        allow(dead_code)
    )]
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    /// `|x|`.
    fn abs(self) -> Self;
    /// `x` clamped to `[lo, hi]`, NaN kept.
    fn clamp(self, lo: f64, hi: f64) -> Self;
    /// `|x|` with the sign of `sign` (for `x ≥ 0`).
    fn copysign(self, sign: Self) -> Self;
    /// Per lane: `yes` where `self < bound`, else `no` (NaN: `no`).
    fn select_lt(self, bound: f64, yes: Self, no: Self) -> Self;
    /// For `shifted = k + SHIFT` with an integer `k = 128·m + j` (`0 ≤ j < 128`,
    /// `|m| ≤ 2100`): `[2^(j/128)` as a double-double `hi + lo` ([`EXP2_TABLE`]),
    /// `2^⌊m/2⌋`, `2^(m−⌊m/2⌋)]` (garbage, never a trap, for other inputs).
    fn exp2_parts(shifted: Self) -> [Self; 4];
    /// For `shifted = k + SHIFT`, `k = 128·m + j` with `0 ≤ m ≤ 1000`: `[2^(j/128)` as `hi + lo`,
    /// `2^m`, `2^−m]` (garbage, never a trap, for other inputs).
    fn exp2_parts_small(shifted: Self) -> [Self; 4];
}

/// `2^k` from its bits, for `−1022 ≤ k ≤ 1023` (wrapping outside).
#[inline(always)]
fn pow2(k: i64) -> f64 {
    f64::from_bits((k.wrapping_add(1023) as u64) << 52)
}

/// `k` from `shifted = k + SHIFT`.
#[inline(always)]
fn unshift(shifted: f64) -> i64 {
    (shifted.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64)
}

/// `2^(j/128)` for `j = 0, …, 127` as double-doubles `[hi, lo]` (`hi` the f64 nearest, `lo`
/// the f64 nearest the rest; mpmath at 300 bits).
pub const EXP2_TABLE: [[f64; 2]; 128] = include!("exp2_table.in");

impl Lanes for f64 {
    const WIDTH: usize = 1;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        s[0]
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        s[0] = self;
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f64::abs(self)
    }
    #[inline(always)]
    fn clamp(self, lo: f64, hi: f64) -> Self {
        f64::clamp(self, lo, hi)
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        f64::copysign(self, sign)
    }
    #[inline(always)]
    fn select_lt(self, bound: f64, yes: Self, no: Self) -> Self {
        if self < bound {
            yes
        } else {
            no
        }
    }
    #[inline(always)]
    fn exp2_parts(shifted: Self) -> [Self; 4] {
        let k = unshift(shifted);
        let [hi, lo] = EXP2_TABLE[(k & 127) as usize];
        let m = k >> 7;
        let half = m >> 1;
        [hi, lo, pow2(half), pow2(m.wrapping_sub(half))]
    }
    #[inline(always)]
    fn exp2_parts_small(shifted: Self) -> [Self; 4] {
        let k = unshift(shifted);
        let [hi, lo] = EXP2_TABLE[(k & 127) as usize];
        let m = k >> 7;
        [hi, lo, pow2(m), pow2(m.wrapping_neg())]
    }
}

/// Two lanes in plain f64 arithmetic: the two-lane paths, testable natively.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub struct Portable(pub [f64; 2]);

#[cfg(test)]
mod portable {
    use super::{Lanes, Portable};
    use std::ops::{Add, Div, Mul, Sub};

    fn map2(a: Portable, b: Portable, f: impl Fn(f64, f64) -> f64) -> Portable {
        Portable([f(a.0[0], b.0[0]), f(a.0[1], b.0[1])])
    }
    impl Add for Portable {
        type Output = Self;
        fn add(self, o: Self) -> Self {
            map2(self, o, |a, b| a + b)
        }
    }
    impl Sub for Portable {
        type Output = Self;
        fn sub(self, o: Self) -> Self {
            map2(self, o, |a, b| a - b)
        }
    }
    impl Mul for Portable {
        type Output = Self;
        fn mul(self, o: Self) -> Self {
            map2(self, o, |a, b| a * b)
        }
    }
    impl Div for Portable {
        type Output = Self;
        fn div(self, o: Self) -> Self {
            map2(self, o, |a, b| a / b)
        }
    }
    impl Lanes for Portable {
        const WIDTH: usize = 2;
        fn splat(x: f64) -> Self {
            Portable([x, x])
        }
        fn load(s: &[f64]) -> Self {
            Portable([s[0], s[1]])
        }
        fn store(self, s: &mut [f64]) {
            s[..2].copy_from_slice(&self.0);
        }
        fn abs(self) -> Self {
            Portable(self.0.map(f64::abs))
        }
        fn clamp(self, lo: f64, hi: f64) -> Self {
            Portable(self.0.map(|x| x.clamp(lo, hi)))
        }
        fn copysign(self, sign: Self) -> Self {
            map2(self, sign, f64::copysign)
        }
        fn select_lt(self, bound: f64, yes: Self, no: Self) -> Self {
            let pick = |i: usize| if self.0[i] < bound { yes.0[i] } else { no.0[i] };
            Portable([pick(0), pick(1)])
        }
        fn exp2_parts(shifted: Self) -> [Self; 4] {
            let (a, b) = (f64::exp2_parts(shifted.0[0]), f64::exp2_parts(shifted.0[1]));
            std::array::from_fn(|i| Portable([a[i], b[i]]))
        }
        fn exp2_parts_small(shifted: Self) -> [Self; 4] {
            let (a, b) = (
                f64::exp2_parts_small(shifted.0[0]),
                f64::exp2_parts_small(shifted.0[1]),
            );
            std::array::from_fn(|i| Portable([a[i], b[i]]))
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub mod x86;
#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use simd128::Simd128;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use super::{Lanes, EXP2_TABLE, SHIFT};
    use core::arch::wasm32::*;
    use std::ops::{Add, Div, Mul, Sub};

    /// wasm simd128's `f64x2`.
    #[derive(Clone, Copy)]
    pub struct Simd128(v128);

    impl Add for Simd128 {
        type Output = Self;
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            Simd128(f64x2_add(self.0, o.0))
        }
    }
    impl Sub for Simd128 {
        type Output = Self;
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            Simd128(f64x2_sub(self.0, o.0))
        }
    }
    impl Mul for Simd128 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            Simd128(f64x2_mul(self.0, o.0))
        }
    }
    impl Div for Simd128 {
        type Output = Self;
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            Simd128(f64x2_div(self.0, o.0))
        }
    }

    impl Lanes for Simd128 {
        const WIDTH: usize = 2;
        #[inline(always)]
        fn splat(x: f64) -> Self {
            Simd128(f64x2_splat(x))
        }
        #[inline(always)]
        fn load(s: &[f64]) -> Self {
            let s = &s[..2];
            // SAFETY: `s` holds two f64 (16 bytes); v128.load needs no alignment.
            Simd128(unsafe { v128_load(s.as_ptr().cast()) })
        }
        #[inline(always)]
        fn store(self, s: &mut [f64]) {
            let s = &mut s[..2];
            // SAFETY: `s` holds two f64 (16 bytes); v128.store needs no alignment.
            unsafe { v128_store(s.as_mut_ptr().cast(), self.0) }
        }
        #[cfg(target_feature = "relaxed-simd")]
        #[inline(always)]
        fn mul_add(self, b: Self, c: Self) -> Self {
            Simd128(f64x2_relaxed_madd(self.0, b.0, c.0))
        }
        #[inline(always)]
        fn abs(self) -> Self {
            Simd128(f64x2_abs(self.0))
        }
        #[inline(always)]
        fn clamp(self, lo: f64, hi: f64) -> Self {
            // pmax(x, lo) = x < lo ? lo : x and pmin(x, hi) = hi < x ? hi : x: NaN stays.
            let x = f64x2_pmax(self.0, f64x2_splat(lo));
            let x = f64x2_pmin(x, f64x2_splat(hi));
            // With relaxed SIMD, LLVM lowers that compare-and-select to f64x2.relaxed_max/min,
            // which may give the bound for NaN (they did in V8 on x86-64: tanh(NaN) came out 1):
            // NaN is put back explicitly (a lane-wide mask, so any lowering selects the same).
            #[cfg(target_feature = "relaxed-simd")]
            let x = v128_bitselect(x, self.0, f64x2_eq(self.0, self.0));
            Simd128(x)
        }
        #[inline(always)]
        fn copysign(self, sign: Self) -> Self {
            Simd128(v128_bitselect(sign.0, self.0, f64x2_splat(-0.0)))
        }
        #[inline(always)]
        fn select_lt(self, bound: f64, yes: Self, no: Self) -> Self {
            Simd128(v128_bitselect(
                yes.0,
                no.0,
                f64x2_lt(self.0, f64x2_splat(bound)),
            ))
        }
        #[inline(always)]
        fn exp2_parts(shifted: Self) -> [Self; 4] {
            let (k, [hi, lo]) = table(shifted);
            let m = i64x2_shr(k, 7);
            let half = i64x2_shr(m, 1);
            [hi, lo, pow2(half), pow2(i64x2_sub(m, half))]
        }
        #[inline(always)]
        fn exp2_parts_small(shifted: Self) -> [Self; 4] {
            let (k, [hi, lo]) = table(shifted);
            let m = i64x2_shr(k, 7);
            [hi, lo, pow2(m), pow2(i64x2_neg(m))]
        }
    }

    /// `k` (from `shifted = k + SHIFT`) and `2^((k mod 128)/128)` as `[hi, lo]`, lane by lane.
    #[inline(always)]
    fn table(shifted: Simd128) -> (v128, [Simd128; 2]) {
        let k = i64x2_sub(shifted.0, i64x2_splat(SHIFT.to_bits() as i64));
        let j0 = (i64x2_extract_lane::<0>(k) & 127) as usize;
        let j1 = (i64x2_extract_lane::<1>(k) & 127) as usize;
        let (t0, t1) = (EXP2_TABLE[j0], EXP2_TABLE[j1]);
        (
            k,
            [Simd128(f64x2(t0[0], t1[0])), Simd128(f64x2(t0[1], t1[1]))],
        )
    }

    /// `2^m` from its bits, lane by lane (`−1022 ≤ m ≤ 1023`; wrapping outside).
    #[inline(always)]
    fn pow2(m: v128) -> Simd128 {
        Simd128(i64x2_shl(i64x2_add(m, i64x2_splat(1023)), 52))
    }
}
