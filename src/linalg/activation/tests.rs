//! Error bounds of `exp`, `tanh` and `sigmoid`, measured in ulps against a double-double
//! reference (about 100 bits; itself checked against values computed with mpmath at 300 bits)
//! over dense sweeps of the whole input range, and their special values.

use super::{exp, sigmoid, tanh};
use crate::rng::Rng;

/// `hi + lo`, `|lo| ≤ ulp(hi) / 2`.
#[derive(Clone, Copy, Debug)]
struct Dd(f64, f64);

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd(s, (a - (s - bb)) + (b - bb))
}

fn quick_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd(s, b - (s - a))
}

fn add(x: Dd, y: Dd) -> Dd {
    let s = two_sum(x.0, y.0);
    let t = two_sum(x.1, y.1);
    let s = quick_two_sum(s.0, s.1 + t.0);
    quick_two_sum(s.0, s.1 + t.1)
}

fn neg(x: Dd) -> Dd {
    Dd(-x.0, -x.1)
}

fn mul(x: Dd, y: Dd) -> Dd {
    let p = x.0 * y.0;
    let e = x.0.mul_add(y.0, -p); // exact: fma
    quick_two_sum(p, e + (x.0 * y.1 + x.1 * y.0))
}

fn div(x: Dd, y: Dd) -> Dd {
    let q1 = x.0 / y.0;
    let r = add(x, neg(mul(y, Dd(q1, 0.0))));
    let q2 = r.0 / y.0;
    let r = add(r, neg(mul(y, Dd(q2, 0.0))));
    let q3 = r.0 / y.0;
    add(quick_two_sum(q1, q2), Dd(q3, 0.0))
}

fn dd(x: f64) -> Dd {
    Dd(x, 0.0)
}

/// ln 2 as a double-double.
const LN2: Dd = Dd(std::f64::consts::LN_2, 2.319_046_813_846_299_6e-17);

/// `e^x = m · 2^k` with `m` near 1 as a double-double (so nothing under- or overflows).
fn ref_exp(x: f64) -> (Dd, i32) {
    let k = (x / LN2.0).round();
    let r = add(dd(x), neg(mul(dd(k), LN2)));
    let (mut sum, mut term) = (dd(1.0), dd(1.0));
    for n in 1..=32 {
        term = div(mul(term, r), dd(n as f64));
        sum = add(sum, term);
    }
    (sum, k as i32)
}

fn scale(x: Dd, k: i32) -> Dd {
    let s = 2f64.powi(k);
    Dd(x.0 * s, x.1 * s)
}

/// `tanh x`, for `|x| ≤ 20` (as `m · 2⁰`).
fn ref_tanh(x: f64) -> (Dd, i32) {
    let a = x.abs();
    let t = if a < 1e-4 {
        // x − x³/3 + 2x⁵/15 − 17x⁷/315: the next term is below 1e-33 relative.
        let x2 = mul(dd(a), dd(a));
        let mut p = div(dd(-17.0), dd(315.0));
        for c in [div(dd(2.0), dd(15.0)), div(dd(-1.0), dd(3.0)), dd(1.0)] {
            p = add(mul(p, x2), c);
        }
        mul(p, dd(a))
    } else {
        let (m, k) = ref_exp(2.0 * a);
        let em = add(scale(m, k), dd(-1.0));
        div(em, add(em, dd(2.0)))
    };
    (if x < 0.0 { neg(t) } else { t }, 0)
}

/// `1 / (1 + e^(−x)) = 2^k · m / (1 + m·2^k)` with `e^x = m·2^k` (no overflow, no underflow).
fn ref_sigmoid(x: f64) -> (Dd, i32) {
    let (m, k) = ref_exp(x);
    if k < 0 {
        (div(m, add(dd(1.0), scale(m, k))), k)
    } else {
        let (m, k) = ref_exp(-x);
        (div(dd(1.0), add(dd(1.0), scale(m, k))), 0)
    }
}

/// `|got − m·2^k|` in units in the last place of the f64 nearest `m·2^k` (subnormal ulps below
/// 2⁻¹⁰²²).
fn ulps(got: f64, (m, k): (Dd, i32)) -> f64 {
    let exponent = |v: f64| ((v.abs().to_bits() >> 52) as i32) - 1023;
    let e = exponent(m.0) + k;
    let ulp_scaled = 2f64.powi(e.max(-1022) - 52 - k);
    // got · 2^−k in two exact steps (2^−k alone may overflow).
    let (k1, k2) = (-k / 2, -k - (-k / 2));
    let g = got * 2f64.powi(k1) * 2f64.powi(k2);
    ((g - m.0) - m.1).abs() / ulp_scaled
}

/// `(max ulps, where)` of `f` against `reference` over `xs`.
fn worst(xs: &[f64], f: fn(f64) -> f64, reference: fn(f64) -> (Dd, i32)) -> (f64, f64) {
    xs.iter().fold((0.0, f64::NAN), |(w, at), &x| {
        let u = ulps(f(x), reference(x));
        if u > w {
            (u, x)
        } else {
            (w, at)
        }
    })
}

/// `n` points evenly over `[lo, hi]`, `n` more uniformly random, and `±2^e` for every binade
/// exponent `e` in `[elo, ehi]` with four random mantissas each.
fn sweep(lo: f64, hi: f64, n: usize, (elo, ehi): (i32, i32), seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut xs: Vec<f64> = (0..=n)
        .map(|i| lo + (hi - lo) * i as f64 / n as f64)
        .collect();
    xs.extend((0..n).map(|_| lo + (hi - lo) * rng.uniform()));
    for e in elo..=ehi {
        for _ in 0..4 {
            let x = 2f64.powi(e) * (1.0 + rng.uniform());
            xs.extend([x, -x]);
        }
    }
    xs.retain(|x| (lo..=hi).contains(x));
    xs
}

#[test]
fn the_reference_agrees_with_mpmath() {
    // (function, x, e^x or tanh x or sigmoid x as hi + lo), mpmath at 300 bits.
    let cases: [(&str, f64, f64, f64); 10] = [
        ("exp", 1.0, std::f64::consts::E, 1.4456468917292502e-16),
        ("exp", -700.5, 5.980196118639791e-305, -2.87e-321),
        (
            "exp",
            709.5,
            1.3549863193146328e+308,
            -1.950359478583155e+290,
        ),
        ("exp", 0.3, 1.3498588075760032, -9.447314673432387e-17),
        ("exp", -0.1, 0.9048374180359595, 5.055984668733208e-17),
        ("tanh", 0.3, 0.2913126124515909, -6.4602656586469586e-18),
        ("tanh", 1e-05, 9.999999999666668e-06, -4.5758701526937e-22),
        ("tanh", 5.0, 0.9999092042625951, 2.298523750966507e-17),
        (
            "sigmoid",
            -30.0,
            9.357622968839299e-14,
            8.837142511495094e-31,
        ),
        ("sigmoid", 2.5, 0.9241418199787564, 8.549720986121e-18),
    ];
    for (f, x, hi, lo) in cases {
        let (m, k) = match f {
            "exp" => ref_exp(x),
            "tanh" => ref_tanh(x),
            _ => ref_sigmoid(x),
        };
        // Compare m·2^k with hi + lo, relative to hi, in the scaled space.
        let s = 2f64.powi(-k / 2) * 2f64.powi(-k - (-k / 2));
        let (h, l) = (hi * s, lo * s);
        let rel = (((m.0 - h) + (m.1 - l)) / h).abs();
        // exp(−700.5)'s lo part is subnormal in f64, so only good to about 1e-17 relative.
        let tol = if x == -700.5 { 1e-16 } else { 1e-30 };
        assert!(rel < tol, "{f}({x}): reference off by {rel:e}");
    }
}

#[test]
fn exp_is_within_one_ulp_over_its_whole_range() {
    // Every finite result, from the smallest subnormal to the largest f64.
    let mut xs = sweep(-745.13, 709.78, 200_000, (-1074, 9), 1);
    xs.extend(sweep(-1.0, 1.0, 100_000, (-60, 0), 2));
    // Around the reduction's boundaries (k + 1/2)·ln 2, where |r| is largest.
    xs.extend((-1075..1024).flat_map(|k| {
        let b = (k as f64 + 0.5) * std::f64::consts::LN_2;
        [
            f64::from_bits(b.to_bits() - 1),
            b,
            f64::from_bits(b.to_bits() + 1),
        ]
    }));
    xs.retain(|x| (-745.13..=709.78).contains(x));
    let (w, at) = worst(&xs, exp, ref_exp);
    eprintln!("exp: worst {w} ulp at {at}");
    assert!(w <= 1.0, "exp: {w} ulp at {at}");
}

#[test]
fn tanh_is_within_two_ulp_over_its_whole_range() {
    // Past |x| = 20 tanh rounds to ±1 (tested below).
    let mut xs = sweep(-20.0, 20.0, 200_000, (-1074, 4), 3);
    xs.extend(sweep(0.5, 0.6, 50_000, (0, 0), 4));
    xs.extend(sweep(-1e-3, 1e-3, 50_000, (-40, -10), 5));
    let (w, at) = worst(&xs, tanh, ref_tanh);
    eprintln!("tanh: worst {w} ulp at {at}");
    assert!(w <= 2.0, "tanh: {w} ulp at {at}");
}

#[test]
fn sigmoid_is_within_two_ulp_over_its_whole_range() {
    // From where σ(x) = e^x is subnormal up to where it rounds to 1 (above 745, tested below).
    // Worst where σ(x) = e^x / (1 + e^x) falls a binade below e^x, so that exp's error counts
    // twice in σ's ulps: x in [−6, −2] (1.89 ulp near −3.45). PyTorch's 1 / (1 + e^(−x)) rounds
    // three times: 2.30 ulp here near x = −36.7, where 1 + e^(−x) passes 2⁵³.
    let mut xs = sweep(-745.13, 745.0, 200_000, (-1074, 9), 6);
    xs.extend(sweep(-40.0, 40.0, 100_000, (-60, 5), 7));
    xs.extend(sweep(-6.0, 0.0, 100_000, (-60, 2), 9));
    xs.extend(sweep(-4.0, -2.0, 100_000, (1, 1), 10));
    let (w, at) = worst(&xs, sigmoid, ref_sigmoid);
    eprintln!("sigmoid: worst {w} ulp at {at}");
    assert!(w <= 2.0, "sigmoid: {w} ulp at {at}");
}

#[test]
fn special_values_are_as_ieee_exp_and_tanh_and_the_sigmoids_limits() {
    let min_sub = f64::from_bits(1);
    assert_eq!(exp(0.0), 1.0);
    assert_eq!(exp(-0.0), 1.0);
    assert_eq!(exp(min_sub), 1.0);
    assert_eq!(exp(-min_sub), 1.0);
    assert_eq!(exp(f64::INFINITY), f64::INFINITY);
    assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
    assert!(exp(f64::NAN).is_nan());
    // Overflow and underflow exactly where the rounded e^x does (thresholds from mpmath).
    assert!(exp(709.782712893384).is_finite());
    assert_eq!(exp(709.7827128933841), f64::INFINITY);
    assert_eq!(exp(-745.1332191019411), min_sub);
    assert_eq!(exp(-745.1332191019412).to_bits(), 0);
    assert_eq!(exp(-1e300).to_bits(), 0);
    assert_eq!(exp(1e300), f64::INFINITY);

    assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(tanh(min_sub), min_sub);
    assert_eq!(tanh(-min_sub), -min_sub);
    assert_eq!(tanh(f64::MIN_POSITIVE), f64::MIN_POSITIVE);
    for x in [20.0, 20.5, 1e10, f64::MAX, f64::INFINITY] {
        assert_eq!(tanh(x), 1.0);
        assert_eq!(tanh(-x), -1.0);
    }
    assert!(tanh(f64::NAN).is_nan());
    assert!(tanh(-f64::NAN).is_nan());

    assert_eq!(sigmoid(0.0), 0.5);
    assert_eq!(sigmoid(-0.0), 0.5);
    assert_eq!(sigmoid(f64::INFINITY), 1.0);
    assert_eq!(sigmoid(f64::NEG_INFINITY), 0.0);
    assert_eq!(sigmoid(40.0), 1.0);
    assert_eq!(sigmoid(f64::MAX), 1.0);
    // Below −709.78, where e^(−x) overflows (PyTorch's formula gives 0 there), σ(x) is e^x
    // to the bit (1 + e^x rounds to 1), tiny, then subnormal, then 0 where e^x rounds to 0.
    for x in [-709.79, -720.0, -740.0, -745.0, -745.1332191019411] {
        assert_eq!(sigmoid(x), exp(x), "sigmoid({x})");
        assert!(sigmoid(x) > 0.0);
    }
    assert_eq!(sigmoid(-745.1332191019411), min_sub);
    assert_eq!(sigmoid(-745.1332191019412).to_bits(), 0);
    assert_eq!(sigmoid(-800.0).to_bits(), 0);
    assert_eq!(sigmoid(-f64::MAX).to_bits(), 0);
    assert_eq!(sigmoid(f64::NEG_INFINITY).to_bits(), 0);
    // Subnormal and tiny x: ½ exactly.
    for x in [min_sub, -min_sub, f64::MIN_POSITIVE, 1e-300, -1e-300] {
        assert_eq!(sigmoid(x), 0.5);
    }
    assert!(sigmoid(f64::NAN).is_nan());
    assert!(sigmoid(-f64::NAN).is_nan());
}

#[test]
fn tanh_is_odd_and_bounded_and_exp_is_monotone_on_a_grid() {
    let mut rng = Rng::new(8);
    for _ in 0..100_000 {
        let x = 30.0 * (2.0 * rng.uniform() - 1.0);
        assert_eq!(tanh(-x).to_bits(), (-tanh(x)).to_bits());
        assert!(tanh(x).abs() <= 1.0);
        let s = sigmoid(x);
        assert!((0.0..=1.0).contains(&s));
    }
    let mut prev = 0.0;
    for i in 0..=200_000 {
        let y = exp(-745.0 + 1455.0 * i as f64 / 200_000.0);
        assert!(y >= prev);
        prev = y;
    }
}

/// FNV-1a over the bits of `exp`, `tanh` and `sigmoid` on a grid over every regime; the same
/// function and constant are in tests/web_linalg.rs, which checks the wasm build gives it too.
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

#[test]
fn the_grid_hash_is_the_one_wasm_must_give() {
    assert_eq!(grid_hash(), 0x0ac4_970b_6183_cb8c);
}
