//! The plain (Elman) RNN step, as `torch.nn.RNN`:
//!
//! `h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)`, φ = tanh or relu; and `rnn_linear`, φ = identity
//! (not a PyTorch module, but the case where `∂h_T/∂h_t = W_hh^{T−t}` exactly).
//!
//! Backward: `∂L/∂a_t = ∂L/∂h_t ⊙ φ'(a_t)` with `tanh' = 1 − h²`, `relu' = [a > 0]` (PyTorch's
//! choice at 0), `identity' = 1`.

use super::StepCache;
use crate::linalg::lanes::Lanes;
use crate::linalg::{for_each_unit, tanh, tanh_lanes, Units};

/// The squashing function φ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonlinearity {
    /// tanh
    Tanh,
    /// max(0, a)
    Relu,
    /// a (no squashing)
    Identity,
}

impl Nonlinearity {
    /// φ(a)
    #[inline]
    pub fn apply(self, a: f64) -> f64 {
        match self {
            Nonlinearity::Tanh => tanh(a),
            Nonlinearity::Relu => {
                if a > 0.0 || a.is_nan() {
                    a
                } else {
                    0.0
                }
            }
            Nonlinearity::Identity => a,
        }
    }

    /// φ'(a), given also `h = φ(a)`.
    #[inline]
    pub fn derivative(self, a: f64, h: f64) -> f64 {
        match self {
            Nonlinearity::Tanh => 1.0 - h * h,
            Nonlinearity::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Nonlinearity::Identity => 1.0,
        }
    }
}

/// `gates = h = φ(xp + hp)`; tanh several units at a time where the lanes allow
/// ([`for_each_unit`]: the same bits as one at a time).
pub fn forward(nl: Nonlinearity, xp: &[f64], hp: &[f64], gates: &mut [f64], h: &mut [f64]) {
    let n = h.len();
    if nl == Nonlinearity::Tanh {
        let (xp, hp, gates) = (&xp[..n], &hp[..n], &mut gates[..n]);
        for_each_unit(&mut TanhStep { xp, hp, gates, h });
        return;
    }
    for j in 0..n {
        let hidden = nl.apply(xp[j] + hp[j]);
        gates[j] = hidden;
        h[j] = hidden;
    }
}

/// The operands of one tanh step.
struct TanhStep<'a> {
    xp: &'a [f64],
    hp: &'a [f64],
    gates: &'a mut [f64],
    h: &'a mut [f64],
}

impl Units for TanhStep<'_> {
    #[inline(always)]
    fn units<L: Lanes>(&mut self, from: usize) -> usize {
        let mut j = from;
        while j + L::WIDTH <= self.h.len() {
            let hidden = tanh_lanes(L::load(&self.xp[j..]) + L::load(&self.hp[j..]));
            hidden.store(&mut self.gates[j..]);
            hidden.store(&mut self.h[j..]);
            j += L::WIDTH;
        }
        j
    }
}

/// `da = dh ⊙ φ'(a)`.
/// For tanh, `dh ⊙ (1 − h²)` several units at a time where the lanes allow (the same bits as
/// one at a time).
pub fn backward(nl: Nonlinearity, cache: StepCache<'_>, dh: &[f64], da: &mut [f64]) {
    let n = dh.len();
    if nl == Nonlinearity::Tanh {
        let (gates, da) = (&cache.gates[..n], &mut da[..n]);
        for_each_unit(&mut TanhBack { gates, dh, da });
        return;
    }
    for j in 0..n {
        let a = cache.xp[j] + cache.hp[j];
        da[j] = dh[j] * nl.derivative(a, cache.gates[j]);
    }
}

/// The operands of one tanh backward step.
struct TanhBack<'a> {
    gates: &'a [f64],
    dh: &'a [f64],
    da: &'a mut [f64],
}

impl Units for TanhBack<'_> {
    #[inline(always)]
    fn units<L: Lanes>(&mut self, from: usize) -> usize {
        let one = L::splat(1.0);
        let mut j = from;
        while j + L::WIDTH <= self.da.len() {
            let h = L::load(&self.gates[j..]);
            (L::load(&self.dh[j..]) * (one - h * h)).store(&mut self.da[j..]);
            j += L::WIDTH;
        }
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_several_units_at_a_time_gives_the_bits_of_one_at_a_time() {
        let mut rng = crate::rng::Rng::new(9);
        for n in [1, 6, 13, 32] {
            let mut xp: Vec<f64> = (0..n).map(|_| 4.0 * rng.normal()).collect();
            let hp: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            xp[0] = f64::NAN;
            xp[n / 2] = -0.0;
            let want: Vec<f64> = xp.iter().zip(&hp).map(|(x, h)| tanh(x + h)).collect();
            let mut paths = vec![None];
            #[cfg(target_arch = "x86_64")]
            paths.extend(crate::linalg::path::Path::available().into_iter().map(Some));
            for path in paths {
                let (mut gates, mut h) = (vec![0.0; n], vec![0.0; n]);
                let mut go = || forward(Nonlinearity::Tanh, &xp, &hp, &mut gates, &mut h);
                match path {
                    #[cfg(target_arch = "x86_64")]
                    Some(p) => crate::linalg::path::with_path(p, go),
                    _ => go(),
                }
                for (w, (g, hv)) in want.iter().zip(gates.iter().zip(&h)) {
                    let same = |v: &f64| v.to_bits() == w.to_bits() || (v.is_nan() && w.is_nan());
                    assert!(same(g) && same(hv), "{path:?}, n = {n}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn tanh_backward_several_units_at_a_time_gives_the_bits_of_one_at_a_time() {
        let mut rng = crate::rng::Rng::new(10);
        for n in [1, 6, 13, 32] {
            let mut gates: Vec<f64> = (0..n).map(|_| tanh(rng.normal())).collect();
            let mut dh: Vec<f64> = (0..n).map(|_| 1e3 * rng.normal()).collect();
            gates[n / 2] = f64::NAN;
            dh[0] = f64::INFINITY;
            dh[n - 1] = -0.0;
            let want: Vec<f64> = dh
                .iter()
                .zip(&gates)
                .map(|(d, h)| d * (1.0 - h * h))
                .collect();
            let mut two = vec![0.0; n];
            let mut step = TanhBack {
                gates: &gates,
                dh: &dh,
                da: &mut two,
            };
            let done = step.units::<crate::linalg::lanes::Portable>(0);
            step.units::<f64>(done);
            let mut got = vec![("two", two)];
            let cache = StepCache {
                xp: &gates,
                hp: &gates,
                gates: &gates,
                h_prev: &[],
                c_prev: &[],
                tanh_c: &[],
            };
            let mut paths = vec![None];
            #[cfg(target_arch = "x86_64")]
            paths.extend(crate::linalg::path::Path::available().into_iter().map(Some));
            for path in paths {
                let mut da = vec![0.0; n];
                let mut go = || backward(Nonlinearity::Tanh, cache, &dh, &mut da);
                match path {
                    #[cfg(target_arch = "x86_64")]
                    Some(p) => crate::linalg::path::with_path(p, go),
                    _ => go(),
                }
                got.push((path.map_or("default", |p| p.name()), da));
            }
            for (how, da) in got {
                for (w, v) in want.iter().zip(&da) {
                    let same = v.to_bits() == w.to_bits() || (v.is_nan() && w.is_nan());
                    assert!(same, "{how}, n = {n}: {v} vs {w}");
                }
            }
        }
    }
}
