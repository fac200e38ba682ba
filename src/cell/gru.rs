//! The GRU step, as `torch.nn.GRU` (gate blocks stacked r, z, n):
//!
//! ```text
//! r = σ(W_ir x + b_ir + W_hr h + b_hr)               reset gate
//! z = σ(W_iz x + b_iz + W_hz h + b_hz)               update gate
//! n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      new gate (b_hn inside r ⊙ (…))
//! h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}                    computed as n + z ⊙ (h_{t−1} − n), as PyTorch does
//! ```
//!
//! Backward, from `dh = ∂L/∂h_t`: `dn = dh ⊙ (1 − z)`, `dz = dh ⊙ (h_{t−1} − n)`, the direct path
//! `∂L/∂h_{t−1} += dh ⊙ z`; `da_n = dn ⊙ (1 − n²)`, `dr = da_n ⊙ (W_hn h + b_hn)`; the hidden
//! projection of the n block gets `da_n ⊙ r`, the input projection gets `da_n`.

use super::StepCache;
use crate::linalg::lanes::Lanes;
use crate::linalg::{for_each_unit, sigmoid_lanes, tanh_lanes, Units};

/// One step: writes `gates = [r, z, n]` and `h`, several units at a time where the lanes allow
/// ([`for_each_unit`]: the same bits as one at a time).
pub fn forward(xp: &[f64], hp: &[f64], h_prev: &[f64], gates: &mut [f64], h: &mut [f64]) {
    let n = h.len();
    let mut step = Step {
        xp: &xp[..3 * n],
        hp: &hp[..3 * n],
        h_prev: &h_prev[..n],
        gates: &mut gates[..3 * n],
        h,
    };
    for_each_unit(&mut step);
}

/// The operands of one step, `n` units (`3n` for the gate rows).
struct Step<'a> {
    xp: &'a [f64],
    hp: &'a [f64],
    h_prev: &'a [f64],
    gates: &'a mut [f64],
    h: &'a mut [f64],
}

impl Units for Step<'_> {
    #[inline(always)]
    fn units<L: Lanes>(&mut self, from: usize) -> usize {
        let n = self.h.len();
        let mut j = from;
        while j + L::WIDTH <= n {
            // (No closures here: everything must inline into the `#[target_feature]` caller.)
            let (mut xp, mut hp) = ([L::splat(0.0); 3], [L::splat(0.0); 3]);
            for k in 0..3 {
                xp[k] = L::load(&self.xp[k * n + j..]);
                hp[k] = L::load(&self.hp[k * n + j..]);
            }
            let reset_gate = sigmoid_lanes(xp[0] + hp[0]);
            let update_gate = sigmoid_lanes(xp[1] + hp[1]);
            let new_gate = tanh_lanes(xp[2] + reset_gate * hp[2]);
            for (k, gate) in [reset_gate, update_gate, new_gate].into_iter().enumerate() {
                gate.store(&mut self.gates[k * n + j..]);
            }
            let h = new_gate + update_gate * (L::load(&self.h_prev[j..]) - new_gate);
            h.store(&mut self.h[j..]);
            j += L::WIDTH;
        }
        j
    }
}

/// One backward step: writes `dxp`, `dhp` and the direct `dh_direct = dh ⊙ z`, several units at
/// a time where the lanes allow (products and sums only, in the order written: the same bits as
/// one at a time).
pub fn backward(
    cache: StepCache<'_>,
    dh: &[f64],
    dxp: &mut [f64],
    dhp: &mut [f64],
    dh_direct: &mut [f64],
) {
    let n = dh.len();
    let mut step = BackStep {
        gates: &cache.gates[..3 * n],
        hp_new: &cache.hp[2 * n..3 * n],
        h_prev: &cache.h_prev[..n],
        dh,
        dxp: &mut dxp[..3 * n],
        dhp: &mut dhp[..3 * n],
        dh_direct: &mut dh_direct[..n],
    };
    for_each_unit(&mut step);
}

/// The operands of one backward step, `n` units (`3n` for the gate rows); `hp_new` is the new
/// gate's block of the hidden projection, `W_hn h + b_hn`.
struct BackStep<'a> {
    gates: &'a [f64],
    hp_new: &'a [f64],
    h_prev: &'a [f64],
    dh: &'a [f64],
    dxp: &'a mut [f64],
    dhp: &'a mut [f64],
    dh_direct: &'a mut [f64],
}

impl Units for BackStep<'_> {
    #[inline(always)]
    fn units<L: Lanes>(&mut self, from: usize) -> usize {
        let n = self.dh.len();
        let one = L::splat(1.0);
        let mut j = from;
        while j + L::WIDTH <= n {
            // (No closures here: everything must inline into the `#[target_feature]` caller.)
            let mut gates = [L::splat(0.0); 3];
            for (k, v) in gates.iter_mut().enumerate() {
                *v = L::load(&self.gates[k * n + j..]);
            }
            let [reset_gate, update_gate, new_gate] = gates;
            let dh = L::load(&self.dh[j..]);
            let d_new = dh * (one - update_gate);
            let d_update = dh * (L::load(&self.h_prev[j..]) - new_gate);
            (dh * update_gate).store(&mut self.dh_direct[j..]);
            let da_new = d_new * (one - new_gate * new_gate);
            let d_reset = da_new * L::load(&self.hp_new[j..]);
            let da_reset = d_reset * reset_gate * (one - reset_gate);
            let da_update = d_update * update_gate * (one - update_gate);
            for (k, v) in [da_reset, da_update, da_new].into_iter().enumerate() {
                v.store(&mut self.dxp[k * n + j..]);
            }
            for (k, v) in [da_reset, da_update, da_new * reset_gate]
                .into_iter()
                .enumerate()
            {
                v.store(&mut self.dhp[k * n + j..]);
            }
            j += L::WIDTH;
        }
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `forward`'s `[gates, h]`, on the current path.
    fn run(n: usize, xp: &[f64], hp: &[f64], h_prev: &[f64]) -> Vec<f64> {
        let (mut gates, mut h) = (vec![0.0; 3 * n], vec![0.0; n]);
        forward(xp, hp, h_prev, &mut gates, &mut h);
        gates.extend(h);
        gates
    }

    #[test]
    fn several_units_at_a_time_give_the_bits_of_one_at_a_time() {
        let mut rng = crate::rng::Rng::new(8);
        for n in [1, 5, 13, 32] {
            let mut xp: Vec<f64> = (0..3 * n).map(|_| 4.0 * rng.normal()).collect();
            let hp: Vec<f64> = (0..3 * n).map(|_| rng.normal()).collect();
            let h_prev: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            for (i, v) in [800.0, -800.0, 1e-300, -0.0, f64::NAN]
                .into_iter()
                .enumerate()
            {
                xp[(5 * i) % (3 * n)] = v;
            }
            // One at a time.
            let (mut gates, mut h) = (vec![0.0; 3 * n], vec![0.0; n]);
            let mut step = Step {
                xp: &xp,
                hp: &hp,
                h_prev: &h_prev,
                gates: &mut gates,
                h: &mut h,
            };
            step.units::<f64>(0);
            gates.extend(h);
            let mut others = vec![("default", run(n, &xp, &hp, &h_prev))];
            #[cfg(target_arch = "x86_64")]
            for path in crate::linalg::path::Path::available() {
                let got = crate::linalg::path::with_path(path, || run(n, &xp, &hp, &h_prev));
                others.push((path.name(), got));
            }
            for (how, other) in others {
                for (a, b) in gates.iter().zip(&other) {
                    let same = a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
                    assert!(same, "{how}, n = {n}: {a} vs {b}");
                }
            }
        }
    }

    /// `backward`'s outputs `[dxp, dhp, dh_direct]` from `BackStep`: two units at a time (the
    /// portable two-lane stand-in) then one, or one at a time.
    fn back(n: usize, inputs: &[Vec<f64>], two: bool) -> Vec<Vec<f64>> {
        let [gates, hp, h_prev, dh] = inputs else {
            unreachable!()
        };
        let (mut dxp, mut dhp, mut dh_direct) = (vec![0.0; 3 * n], vec![0.0; 3 * n], vec![0.0; n]);
        let mut step = BackStep {
            gates,
            hp_new: &hp[2 * n..],
            h_prev,
            dh,
            dxp: &mut dxp,
            dhp: &mut dhp,
            dh_direct: &mut dh_direct,
        };
        let done = if two {
            step.units::<crate::linalg::lanes::Portable>(0)
        } else {
            0
        };
        step.units::<f64>(done);
        vec![dxp, dhp, dh_direct]
    }

    #[test]
    fn backward_several_units_at_a_time_gives_the_bits_of_one_at_a_time() {
        use crate::cell::lanes_check::{assert_same_bits, on_every_path, poke_specials};
        let mut rng = crate::rng::Rng::new(6);
        for n in [1, 2, 5, 13, 32] {
            let mut normal = |len: usize, scale: f64| -> Vec<f64> {
                (0..len).map(|_| scale * rng.normal()).collect()
            };
            // Gates in their ranges, gradients of every size, and inf, NaN, −0 among them.
            let mut gates: Vec<f64> = normal(3 * n, 1.0)
                .iter()
                .map(|v| crate::linalg::sigmoid(*v))
                .collect();
            for v in &mut gates[2 * n..] {
                *v = 2.0 * *v - 1.0;
            }
            let mut inputs = vec![gates, normal(3 * n, 2.0), normal(n, 1.0), normal(n, 1e3)];
            poke_specials(&mut inputs);
            let mut others = vec![("two", back(n, &inputs, true))];
            others.extend(on_every_path(|| {
                let (mut dxp, mut dhp, mut dh_direct) =
                    (vec![0.0; 3 * n], vec![0.0; 3 * n], vec![0.0; n]);
                let cache = StepCache {
                    xp: &[],
                    hp: &inputs[1],
                    gates: &inputs[0],
                    h_prev: &inputs[2],
                    c_prev: &[],
                    tanh_c: &[],
                };
                backward(cache, &inputs[3], &mut dxp, &mut dhp, &mut dh_direct);
                vec![dxp, dhp, dh_direct]
            }));
            assert_same_bits(n, &back(n, &inputs, false), &others);
        }
    }
}
