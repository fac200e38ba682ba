//! x86-64 lanes: AVX2's `f64x4` ([`Avx2`], `__m256d`) and AVX-512's `f64x8` ([`Avx512`],
//! `__m512d`). Every operation is the IEEE operation lane by lane, as for `f64`, so the
//! activations give the same bits on either as one value at a time; only [`Lanes::mul_add`]
//! differs: here it is the fused multiply-add (one rounding), which only the tiled product uses.
//! The table lookups of `exp` (`exp2_parts*`) are done lane by lane with the scalar code on AVX2
//! (it has no 64-bit arithmetic shift), and on AVX-512 by a gather and the same integer steps:
//! exact either way, so the scalar bits.
//!
//! Safety: the intrinsics need the CPU features, which these types do not check. Values of these
//! types are made only inside functions entered through `linalg::path` after
//! `is_x86_feature_detected!` said yes (`avx2` and `fma` for [`Avx2`], `avx512f` for
//! [`Avx512`]); each such function carries `#[target_feature]`, and everything here is
//! `#[inline(always)]`, so it is compiled into those functions with their features.

use super::{Lanes, EXP2_TABLE, SHIFT};
use core::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Sub};

/// AVX2's four f64 lanes (with FMA for [`Lanes::mul_add`]).
#[derive(Clone, Copy)]
pub struct Avx2(__m256d);

/// AVX-512's eight f64 lanes.
#[derive(Clone, Copy)]
pub struct Avx512(__m512d);

/// The four arithmetic operators by one intrinsic each.
macro_rules! arith {
    ($t:ident, $add:ident, $sub:ident, $mul:ident, $div:ident) => {
        arith!(@op $t, Add, add, $add);
        arith!(@op $t, Sub, sub, $sub);
        arith!(@op $t, Mul, mul, $mul);
        arith!(@op $t, Div, div, $div);
    };
    (@op $t:ident, $tr:ident, $f:ident, $intr:ident) => {
        impl $tr for $t {
            type Output = Self;
            #[inline(always)]
            fn $f(self, o: Self) -> Self {
                // SAFETY: see the module comment (the CPU has the feature).
                $t(unsafe { $intr(self.0, o.0) })
            }
        }
    };
}
arith!(
    Avx2,
    _mm256_add_pd,
    _mm256_sub_pd,
    _mm256_mul_pd,
    _mm256_div_pd
);
arith!(
    Avx512,
    _mm512_add_pd,
    _mm512_sub_pd,
    _mm512_mul_pd,
    _mm512_div_pd
);

/// `f(lane)` for each lane of `shifted`, transposed into four vectors: the scalar table
/// lookups of [`Lanes::exp2_parts`] (the same bits as one value at a time). (Loops, not
/// closures: everything here must inline into the `#[target_feature]` caller.)
#[inline(always)]
fn per_lane<const W: usize>(shifted: [f64; W], f: fn(f64) -> [f64; 4]) -> [[f64; W]; 4] {
    let mut out = [[0.0; W]; 4];
    for (l, &x) in shifted.iter().enumerate() {
        for (part, v) in out.iter_mut().zip(f(x)) {
            part[l] = v;
        }
    }
    out
}

/// Four vectors from four arrays of lanes.
#[inline(always)]
fn loads<L: Lanes, const W: usize>(p: [[f64; W]; 4]) -> [L; 4] {
    [
        L::load(&p[0]),
        L::load(&p[1]),
        L::load(&p[2]),
        L::load(&p[3]),
    ]
}

impl Lanes for Avx2 {
    const WIDTH: usize = 4;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        // SAFETY: see the module comment.
        Avx2(unsafe { _mm256_set1_pd(x) })
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        let s = &s[..4];
        // SAFETY: `s` holds four f64; the unaligned load needs no alignment.
        Avx2(unsafe { _mm256_loadu_pd(s.as_ptr()) })
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..4];
        // SAFETY: `s` holds four f64; the unaligned store needs no alignment.
        unsafe { _mm256_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see the module comment (FMA is checked with AVX2).
        Avx2(unsafe { _mm256_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the module comment.
        Avx2(unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), self.0) })
    }
    #[inline(always)]
    fn clamp(self, lo: f64, hi: f64) -> Self {
        // max(a, b) = a > b ? a : b, min(a, b) = a < b ? a : b: with x second, NaN stays, and
        // otherwise this is `f64::clamp`'s `x < lo ? lo : x > hi ? hi : x`.
        // SAFETY: see the module comment.
        unsafe {
            let x = _mm256_max_pd(_mm256_set1_pd(lo), self.0);
            Avx2(_mm256_min_pd(_mm256_set1_pd(hi), x))
        }
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        // SAFETY: see the module comment.
        unsafe {
            let m = _mm256_set1_pd(-0.0);
            Avx2(_mm256_or_pd(
                _mm256_andnot_pd(m, self.0),
                _mm256_and_pd(m, sign.0),
            ))
        }
    }
    #[inline(always)]
    fn select_lt(self, bound: f64, yes: Self, no: Self) -> Self {
        // SAFETY: see the module comment.
        unsafe {
            let lt = _mm256_cmp_pd::<_CMP_LT_OQ>(self.0, _mm256_set1_pd(bound));
            Avx2(_mm256_blendv_pd(no.0, yes.0, lt))
        }
    }
    #[inline(always)]
    fn exp2_parts(shifted: Self) -> [Self; 4] {
        let mut s = [0.0; 4];
        shifted.store(&mut s);
        loads(per_lane(s, f64::exp2_parts))
    }
    #[inline(always)]
    fn exp2_parts_small(shifted: Self) -> [Self; 4] {
        let mut s = [0.0; 4];
        shifted.store(&mut s);
        loads(per_lane(s, f64::exp2_parts_small))
    }
}

/// `k` (from `shifted = k + SHIFT`) and `2^((k mod 128)/128)` as `[hi, lo]`, gathered from
/// [`EXP2_TABLE`] lane by lane: the integer steps of `f64::exp2_parts`, so the same bits.
#[inline(always)]
unsafe fn table512(shifted: Avx512) -> (__m512i, [Avx512; 2]) {
    let k = _mm512_sub_epi64(
        _mm512_castpd_si512(shifted.0),
        _mm512_set1_epi64(SHIFT.to_bits() as i64),
    );
    let j2 = _mm512_slli_epi64::<1>(_mm512_and_si512(k, _mm512_set1_epi64(127)));
    let base = EXP2_TABLE.as_ptr().cast::<f64>();
    // SAFETY: 0 ≤ 2j + 1 ≤ 255, inside the 128 pairs of the table.
    let hi = unsafe { _mm512_i64gather_pd::<8>(j2, base) };
    let lo = unsafe { _mm512_i64gather_pd::<8>(_mm512_add_epi64(j2, _mm512_set1_epi64(1)), base) };
    (k, [Avx512(hi), Avx512(lo)])
}

/// `2^m` from its bits, lane by lane (`−1022 ≤ m ≤ 1023`; wrapping outside, as `pow2`).
#[inline(always)]
unsafe fn pow2_512(m: __m512i) -> Avx512 {
    let biased = _mm512_add_epi64(m, _mm512_set1_epi64(1023));
    Avx512(_mm512_castsi512_pd(_mm512_slli_epi64::<52>(biased)))
}

impl Lanes for Avx512 {
    const WIDTH: usize = 8;
    #[inline(always)]
    fn splat(x: f64) -> Self {
        // SAFETY: see the module comment.
        Avx512(unsafe { _mm512_set1_pd(x) })
    }
    #[inline(always)]
    fn load(s: &[f64]) -> Self {
        let s = &s[..8];
        // SAFETY: `s` holds eight f64; the unaligned load needs no alignment.
        Avx512(unsafe { _mm512_loadu_pd(s.as_ptr()) })
    }
    #[inline(always)]
    fn store(self, s: &mut [f64]) {
        let s = &mut s[..8];
        // SAFETY: `s` holds eight f64; the unaligned store needs no alignment.
        unsafe { _mm512_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see the module comment.
        Avx512(unsafe { _mm512_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the module comment.
        Avx512(unsafe { _mm512_abs_pd(self.0) })
    }
    #[inline(always)]
    fn clamp(self, lo: f64, hi: f64) -> Self {
        // As for Avx2: x second, so NaN stays.
        // SAFETY: see the module comment.
        unsafe {
            let x = _mm512_max_pd(_mm512_set1_pd(lo), self.0);
            Avx512(_mm512_min_pd(_mm512_set1_pd(hi), x))
        }
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        // (Integer bit operations: the f64 ones are AVX-512DQ.)
        // SAFETY: see the module comment.
        unsafe {
            let m = _mm512_set1_epi64(i64::MIN);
            let mag = _mm512_andnot_si512(m, _mm512_castpd_si512(self.0));
            let sgn = _mm512_and_si512(m, _mm512_castpd_si512(sign.0));
            Avx512(_mm512_castsi512_pd(_mm512_or_si512(mag, sgn)))
        }
    }
    #[inline(always)]
    fn select_lt(self, bound: f64, yes: Self, no: Self) -> Self {
        // SAFETY: see the module comment.
        unsafe {
            let lt = _mm512_cmp_pd_mask::<_CMP_LT_OQ>(self.0, _mm512_set1_pd(bound));
            Avx512(_mm512_mask_blend_pd(lt, no.0, yes.0))
        }
    }
    #[inline(always)]
    fn exp2_parts(shifted: Self) -> [Self; 4] {
        // SAFETY: see the module comment.
        unsafe {
            let (k, [hi, lo]) = table512(shifted);
            let m = _mm512_srai_epi64::<7>(k);
            let half = _mm512_srai_epi64::<1>(m);
            [hi, lo, pow2_512(half), pow2_512(_mm512_sub_epi64(m, half))]
        }
    }
    #[inline(always)]
    fn exp2_parts_small(shifted: Self) -> [Self; 4] {
        // SAFETY: see the module comment.
        unsafe {
            let (k, [hi, lo]) = table512(shifted);
            let m = _mm512_srai_epi64::<7>(k);
            let neg = _mm512_sub_epi64(_mm512_setzero_si512(), m);
            [hi, lo, pow2_512(m), pow2_512(neg)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Avx2, Avx512};
    use crate::linalg::activation::{exp, exp_lanes, sigmoid, sigmoid_lanes, tanh, tanh_lanes};
    use crate::linalg::lanes::Lanes;
    use crate::linalg::path::Path;

    /// `f` on `xs` with lanes `L`, `L::WIDTH` values at a time (`xs.len()` a multiple of it).
    #[inline(always)]
    fn by_lanes<L: Lanes>(xs: &[f64], f: fn(L) -> L) -> Vec<f64> {
        let mut out = vec![0.0; xs.len()];
        for (x, o) in xs
            .chunks_exact(L::WIDTH)
            .zip(out.chunks_exact_mut(L::WIDTH))
        {
            f(L::load(x)).store(o);
        }
        out
    }

    /// `[exp, tanh, sigmoid]` of `xs` on AVX2.
    #[target_feature(enable = "avx2,fma")]
    fn on_avx2(xs: &[f64]) -> [Vec<f64>; 3] {
        [
            by_lanes::<Avx2>(xs, exp_lanes),
            by_lanes::<Avx2>(xs, tanh_lanes),
            by_lanes::<Avx2>(xs, sigmoid_lanes),
        ]
    }

    /// `[exp, tanh, sigmoid]` of `xs` on AVX-512.
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn on_avx512(xs: &[f64]) -> [Vec<f64>; 3] {
        [
            by_lanes::<Avx512>(xs, exp_lanes),
            by_lanes::<Avx512>(xs, tanh_lanes),
            by_lanes::<Avx512>(xs, sigmoid_lanes),
        ]
    }

    /// Inputs over the whole range: a dense sweep of magnitudes from subnormal to overflow,
    /// both signs, and the special values, a multiple of eight in number.
    fn inputs() -> Vec<f64> {
        let mut xs = vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            -5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            709.78,
            -745.2,
            -708.5,
            0.55,
            0.549_999_999_999_999_9,
            19.06,
            1e-8,
            -36.7,
        ];
        let mut rng = crate::rng::Rng::new(21);
        for _ in 0..40_000 {
            let e = rng.uniform() * 24.0 - 14.0; // |x| from 2^-14·… to 2^10
            let x = e.exp2() * (1.0 + rng.uniform());
            xs.push(if rng.uniform() < 0.5 { -x } else { x });
        }
        for i in 0..4_000 {
            xs.push(-800.0 + 0.4 * i as f64 + 1e-3);
        }
        xs.truncate(xs.len() / 8 * 8);
        xs
    }

    #[test]
    fn avx_lanes_give_the_bits_of_one_value_at_a_time() {
        let xs = inputs();
        let one: [Vec<f64>; 3] = [
            xs.iter().map(|&x| exp(x)).collect(),
            xs.iter().map(|&x| tanh(x)).collect(),
            xs.iter().map(|&x| sigmoid(x)).collect(),
        ];
        let mut checked = 0;
        for path in Path::available() {
            // SAFETY: `available` lists only paths this CPU supports.
            let got = match path {
                Path::Baseline => continue,
                Path::Avx2 => unsafe { on_avx2(&xs) },
                Path::Avx512 => unsafe { on_avx512(&xs) },
            };
            for (f, (want, got)) in ["exp", "tanh", "sigmoid"].iter().zip(one.iter().zip(&got)) {
                for ((x, w), g) in xs.iter().zip(want).zip(got) {
                    let same = w.to_bits() == g.to_bits() || (w.is_nan() && g.is_nan());
                    assert!(same, "{path:?} {f}({x:e}): {g:e} vs {w:e} one at a time");
                }
            }
            checked += 1;
        }
        eprintln!("checked {checked} AVX paths");
    }
}
