//! The LSTM step, as `torch.nn.LSTM` (gate blocks stacked i, f, g, o):
//!
//! ```text
//! i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
//! f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate
//! g = tanh(W_ig x + b_ig + W_hg h + b_hg)   cell gate (candidate)
//! o = σ(W_io x + b_io + W_ho h + b_ho)      output gate
//! c_t = f ⊙ c_{t−1} + i ⊙ g
//! h_t = o ⊙ tanh(c_t)
//! ```
//!
//! Backward, from `dh = ∂L/∂h_t` and `dc = ∂L/∂c_t` (from step t+1):
//! `dc_total = dc + dh ⊙ o ⊙ (1 − tanh²c_t)`, `do = dh ⊙ tanh c_t`, `di = dc_total ⊙ g`,
//! `dg = dc_total ⊙ i`, `df = dc_total ⊙ c_{t−1}`, `dc_{t−1} = dc_total ⊙ f`; pre-activation
//! gradients multiply by σ' = s(1 − s) and tanh' = 1 − g².

use super::StepCache;
use crate::linalg::lanes::Lanes;
use crate::linalg::{for_each_unit, sigmoid_lanes, tanh_lanes, Units};

/// One step: writes `gates = [i, f, g, o]`, `h`, `c` and `tanh_c = tanh(c)` (kept for the
/// backward pass, which needs it once per step and, in the Jacobian analysis, once per row).
/// Several units at a time where the lanes allow ([`for_each_unit`]: the same bits as one at a
/// time).
pub fn forward(
    xp: &[f64],
    hp: &[f64],
    c_prev: &[f64],
    gates: &mut [f64],
    h: &mut [f64],
    c: &mut [f64],
    tanh_c: &mut [f64],
) {
    let n = h.len();
    let (xp, hp, c_prev) = (&xp[..4 * n], &hp[..4 * n], &c_prev[..n]);
    let mut step = Step {
        xp,
        hp,
        c_prev,
        gates: &mut gates[..4 * n],
        h,
        c: &mut c[..n],
        tanh_c: &mut tanh_c[..n],
    };
    for_each_unit(&mut step);
}

/// The operands of one step, `n` units (`4n` for the gate rows).
struct Step<'a> {
    xp: &'a [f64],
    hp: &'a [f64],
    c_prev: &'a [f64],
    gates: &'a mut [f64],
    h: &'a mut [f64],
    c: &'a mut [f64],
    tanh_c: &'a mut [f64],
}

impl Units for Step<'_> {
    #[inline(always)]
    fn units<L: Lanes>(&mut self, from: usize) -> usize {
        let n = self.h.len();
        let mut j = from;
        while j + L::WIDTH <= n {
            // (No closures here: everything must inline into the `#[target_feature]` caller.)
            let mut pre = [L::splat(0.0); 4];
            for (k, v) in pre.iter_mut().enumerate() {
                *v = L::load(&self.xp[k * n + j..]) + L::load(&self.hp[k * n + j..]);
            }
            let input_gate = sigmoid_lanes(pre[0]);
            let forget_gate = sigmoid_lanes(pre[1]);
            let cell_gate = tanh_lanes(pre[2]);
            let output_gate = sigmoid_lanes(pre[3]);
            let cell = forget_gate * L::load(&self.c_prev[j..]) + input_gate * cell_gate;
            let t = tanh_lanes(cell);
            for (k, gate) in [input_gate, forget_gate, cell_gate, output_gate]
                .into_iter()
                .enumerate()
            {
                gate.store(&mut self.gates[k * n + j..]);
            }
            cell.store(&mut self.c[j..]);
            t.store(&mut self.tanh_c[j..]);
            (output_gate * t).store(&mut self.h[j..]);
            j += L::WIDTH;
        }
        j
    }
}

/// One backward step: writes `da` (= ∂L/∂xp = ∂L/∂hp), `dc_prev` and `dc_total`, several units
/// at a time where the lanes allow (products and sums only, in the order written: the same bits
/// as one at a time).
pub fn backward(
    cache: StepCache<'_>,
    dh: &[f64],
    dc: &[f64],
    da: &mut [f64],
    dc_prev: &mut [f64],
    dc_total: &mut [f64],
) {
    let n = dh.len();
    let mut step = BackStep {
        gates: &cache.gates[..4 * n],
        tanh_c: &cache.tanh_c[..n],
        c_prev: &cache.c_prev[..n],
        dh,
        dc: &dc[..n],
        da: &mut da[..4 * n],
        dc_prev: &mut dc_prev[..n],
        dc_total: &mut dc_total[..n],
    };
    for_each_unit(&mut step);
}

/// The operands of one backward step, `n` units (`4n` for the gate rows).
struct BackStep<'a> {
    gates: &'a [f64],
    tanh_c: &'a [f64],
    c_prev: &'a [f64],
    dh: &'a [f64],
    dc: &'a [f64],
    da: &'a mut [f64],
    dc_prev: &'a mut [f64],
    dc_total: &'a mut [f64],
}

impl Units for BackStep<'_> {
    #[inline(always)]
    fn units<L: Lanes>(&mut self, from: usize) -> usize {
        let n = self.dh.len();
        let one = L::splat(1.0);
        let mut j = from;
        while j + L::WIDTH <= n {
            // (No closures here: everything must inline into the `#[target_feature]` caller.)
            let mut gates = [L::splat(0.0); 4];
            for (k, v) in gates.iter_mut().enumerate() {
                *v = L::load(&self.gates[k * n + j..]);
            }
            let [input_gate, forget_gate, cell_gate, output_gate] = gates;
            let (dh, tanh_c) = (L::load(&self.dh[j..]), L::load(&self.tanh_c[j..]));
            let d_cell = L::load(&self.dc[j..]) + dh * output_gate * (one - tanh_c * tanh_c);
            d_cell.store(&mut self.dc_total[j..]);
            let d_output = dh * tanh_c;
            let d_input = d_cell * cell_gate;
            let d_cell_gate = d_cell * input_gate;
            let d_forget = d_cell * L::load(&self.c_prev[j..]);
            (d_cell * forget_gate).store(&mut self.dc_prev[j..]);
            let da = [
                d_input * input_gate * (one - input_gate),
                d_forget * forget_gate * (one - forget_gate),
                d_cell_gate * (one - cell_gate * cell_gate),
                d_output * output_gate * (one - output_gate),
            ];
            for (k, v) in da.into_iter().enumerate() {
                v.store(&mut self.da[k * n + j..]);
            }
            j += L::WIDTH;
        }
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::lanes::Portable;

    /// One step's outputs `[gates, h, c, tanh_c]`, two units at a time then one, or one at a time.
    fn run(n: usize, xp: &[f64], hp: &[f64], c_prev: &[f64], two: bool) -> Vec<Vec<f64>> {
        let (mut gates, mut h, mut c, mut tanh_c) =
            (vec![0.0; 4 * n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut step = Step {
            xp,
            hp,
            c_prev,
            gates: &mut gates,
            h: &mut h,
            c: &mut c,
            tanh_c: &mut tanh_c,
        };
        let done = if two { step.units::<Portable>(0) } else { 0 };
        assert_eq!(done, if two { n - n % 2 } else { 0 });
        step.units::<f64>(done);
        vec![gates, h, c, tanh_c]
    }

    #[test]
    fn several_units_at_a_time_give_the_bits_of_one_at_a_time() {
        let mut rng = crate::rng::Rng::new(4);
        for n in [1, 2, 7, 13, 32] {
            // Saturated, tiny, zero and non-finite pre-activations among ordinary ones.
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
            let one = run(n, &xp, &hp, &c_prev, false);
            let mut others = vec![("two", run(n, &xp, &hp, &c_prev, true))];
            // And `forward` on every x86-64 path this CPU has (AVX2: four, AVX-512: eight).
            #[cfg(target_arch = "x86_64")]
            for path in crate::linalg::path::Path::available() {
                let (mut gates, mut h, mut c, mut tanh_c) =
                    (vec![0.0; 4 * n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                crate::linalg::path::with_path(path, || {
                    forward(&xp, &hp, &c_prev, &mut gates, &mut h, &mut c, &mut tanh_c)
                });
                others.push((path.name(), vec![gates, h, c, tanh_c]));
            }
            for (how, other) in others {
                for (a, b) in one.iter().flatten().zip(other.iter().flatten()) {
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{how}, n = {n}: {a} vs {b}"
                    );
                }
            }
        }
    }

    /// `backward`'s outputs `[da, dc_prev, dc_total]` from `BackStep`: two units at a time
    /// (the portable two-lane stand-in) then one, or one at a time.
    fn back(n: usize, inputs: &[Vec<f64>], two: bool) -> Vec<Vec<f64>> {
        let [gates, tanh_c, c_prev, dh, dc] = inputs else {
            unreachable!()
        };
        let (mut da, mut dc_prev, mut dc_total) = (vec![0.0; 4 * n], vec![0.0; n], vec![0.0; n]);
        let mut step = BackStep {
            gates,
            tanh_c,
            c_prev,
            dh,
            dc,
            da: &mut da,
            dc_prev: &mut dc_prev,
            dc_total: &mut dc_total,
        };
        let done = if two { step.units::<Portable>(0) } else { 0 };
        step.units::<f64>(done);
        vec![da, dc_prev, dc_total]
    }

    #[test]
    fn backward_several_units_at_a_time_gives_the_bits_of_one_at_a_time() {
        use crate::cell::lanes_check::{assert_same_bits, on_every_path, poke_specials};
        let mut rng = crate::rng::Rng::new(5);
        for n in [1, 2, 7, 13, 32] {
            let mut normal = |len: usize, scale: f64| -> Vec<f64> {
                (0..len).map(|_| scale * rng.normal()).collect()
            };
            // Gates in their ranges, gradients of every size, and inf, NaN, −0 among them.
            let mut inputs = vec![
                normal(4 * n, 1.0)
                    .iter()
                    .map(|v| crate::linalg::sigmoid(*v))
                    .collect(),
                normal(n, 1.0)
                    .iter()
                    .map(|v| crate::linalg::tanh(*v))
                    .collect(),
                normal(n, 3.0),
                normal(n, 1e3),
                normal(n, 1e-3),
            ];
            poke_specials(&mut inputs);
            let mut others = vec![("two", back(n, &inputs, true))];
            others.extend(on_every_path(|| {
                let (mut da, mut dc_prev, mut dc_total) =
                    (vec![0.0; 4 * n], vec![0.0; n], vec![0.0; n]);
                let cache = StepCache {
                    xp: &[],
                    hp: &[],
                    gates: &inputs[0],
                    h_prev: &[],
                    c_prev: &inputs[2],
                    tanh_c: &inputs[1],
                };
                backward(
                    cache,
                    &inputs[3],
                    &inputs[4],
                    &mut da,
                    &mut dc_prev,
                    &mut dc_total,
                );
                vec![da, dc_prev, dc_total]
            }));
            assert_same_bits(n, &back(n, &inputs, false), &others);
        }
    }
}
