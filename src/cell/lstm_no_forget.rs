//! The LSTM of Hochreiter & Schmidhuber (1997), without a forget gate: the pure constant error
//! carousel. Not a PyTorch module (the forget gate came with Gers, Schmidhuber & Cummins, 2000,
//! and `torch.nn.LSTM` always has it); like `rnn_linear`, included because it is the case the
//! theory is about. Gate blocks stacked i, g, o — PyTorch's LSTM order with the `f` block left
//! out, so `weight_ih_l0` is `[3H, I]`, `weight_hh_l0` `[3H, H]` and the biases `[3H]`:
//!
//! ```text
//! i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
//! g = tanh(W_ig x + b_ig + W_hg h + b_hg)   cell gate (candidate)
//! o = σ(W_io x + b_io + W_ho h + b_ho)      output gate
//! c_t = c_{t−1} + i ⊙ g                     (f ≡ 1)
//! h_t = o ⊙ tanh(c_t)
//! ```
//!
//! Along the cell state `∂c_t/∂c_{t−1} = I` exactly (h_{t−1} held fixed), so the carry path is 1
//! at every lag: an error reaching `c_t` arrives at `c_0` undiminished. The price is a cell state
//! that never forgets: `c_t` only ever adds `i ⊙ g ∈ (−1, 1)` and can grow with `t`.
//!
//! Backward, from `dh = ∂L/∂h_t` and `dc = ∂L/∂c_t` (from step t+1):
//! `dc_total = dc + dh ⊙ o ⊙ (1 − tanh²c_t)`, `do = dh ⊙ tanh c_t`, `di = dc_total ⊙ g`,
//! `dg = dc_total ⊙ i`, `dc_{t−1} = dc_total` (the LSTM's `dc_total ⊙ f` with `f = 1`);
//! pre-activation gradients multiply by σ' = s(1 − s) and tanh' = 1 − g².

use super::StepCache;
use crate::linalg::{sigmoid, tanh};

/// One step: writes `gates = [i, g, o]`, `h`, `c` and `tanh_c = tanh(c)` (kept for the backward
/// pass).
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
    for j in 0..n {
        let input_gate = sigmoid(xp[j] + hp[j]);
        let cell_gate = tanh(xp[n + j] + hp[n + j]);
        let output_gate = sigmoid(xp[2 * n + j] + hp[2 * n + j]);
        let cell = c_prev[j] + input_gate * cell_gate;
        gates[j] = input_gate;
        gates[n + j] = cell_gate;
        gates[2 * n + j] = output_gate;
        let t = tanh(cell);
        c[j] = cell;
        tanh_c[j] = t;
        h[j] = output_gate * t;
    }
}

/// One backward step: writes `da` (= ∂L/∂xp = ∂L/∂hp), `dc_prev` (= `dc_total`: the carousel
/// passes the cell gradient back unchanged) and `dc_total`.
pub fn backward(
    cache: StepCache<'_>,
    dh: &[f64],
    dc: &[f64],
    da: &mut [f64],
    dc_prev: &mut [f64],
    dc_total: &mut [f64],
) {
    let n = dh.len();
    let g = cache.gates;
    for j in 0..n {
        let (input_gate, cell_gate, output_gate) = (g[j], g[n + j], g[2 * n + j]);
        let tanh_c = cache.tanh_c[j];
        let d_cell = dc[j] + dh[j] * output_gate * (1.0 - tanh_c * tanh_c);
        dc_total[j] = d_cell;
        dc_prev[j] = d_cell;
        let d_output = dh[j] * tanh_c;
        let d_input = d_cell * cell_gate;
        let d_cell_gate = d_cell * input_gate;
        da[j] = d_input * input_gate * (1.0 - input_gate);
        da[n + j] = d_cell_gate * (1.0 - cell_gate * cell_gate);
        da[2 * n + j] = d_output * output_gate * (1.0 - output_gate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One step by hand, H = 1, pre-activations `xp + hp = [a_i, a_g, a_o]` chosen so the gates
    /// are simple fractions:
    ///
    /// ```text
    /// a_i = 0          ⇒ i = σ(0) = 1/2
    /// a_g = atanh(1/2) ⇒ g = 1/2
    /// a_o = ln 3       ⇒ o = σ(ln 3) = 3/4
    /// c_{t−1} = 1      ⇒ c_t = 1 + (1/2)(1/2) = 5/4       (an LSTM would have f·1 + 1/4)
    /// h_t = (3/4) tanh(5/4) = 0.75 × 0.848283639957513 = 0.636212729968135
    /// ```
    ///
    /// Backward with `dh = 1`, `dc = 2`:
    ///
    /// ```text
    /// dc_total = 2 + 1 × 3/4 × (1 − tanh²(5/4)) = 2 + 0.75 × 0.280414866180 = 2.210311149635
    /// dc_{t−1} = dc_total                       (f ≡ 1: the carousel)
    /// ∂L/∂a_i  = dc_total × g × i(1 − i)        = dc_total × 1/2 × 1/4
    /// ∂L/∂a_g  = dc_total × i × (1 − g²)        = dc_total × 1/2 × 3/4
    /// ∂L/∂a_o  = dh × tanh(5/4) × o(1 − o)      = 0.848283639957513 × 3/16
    /// ```
    #[test]
    fn one_step_by_hand() {
        let xp = [0.0, 0.5f64.atanh(), 3f64.ln()];
        let hp = [0.0; 3];
        let (mut gates, mut h, mut c, mut tc) = ([0.0; 3], [0.0], [0.0], [0.0]);
        forward(&xp, &hp, &[1.0], &mut gates, &mut h, &mut c, &mut tc);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * b.abs().max(1.0);
        assert_eq!(gates[0], 0.5);
        assert!(close(gates[1], 0.5), "{}", gates[1]);
        assert!(close(gates[2], 0.75), "{}", gates[2]);
        assert!(close(c[0], 1.25), "{}", c[0]);
        let tanh_c = 0.848_283_639_957_512_9;
        assert!(close(tc[0], tanh_c));
        assert!(close(h[0], 0.636_212_729_968_134_6), "{}", h[0]);

        let cache = StepCache {
            xp: &xp,
            hp: &hp,
            gates: &gates,
            h_prev: &[0.0],
            c_prev: &[1.0],
            tanh_c: &tc,
        };
        let (mut da, mut dc_prev, mut dc_total) = ([0.0; 3], [0.0], [0.0]);
        backward(cache, &[1.0], &[2.0], &mut da, &mut dc_prev, &mut dc_total);
        let d_cell = 2.0 + 0.75 * (1.0 - tanh_c * tanh_c);
        assert!(close(d_cell, 2.210_311_149_635_324_5), "{d_cell}");
        assert!(close(dc_total[0], d_cell));
        assert_eq!(dc_prev[0], dc_total[0], "the carousel: dc_{{t−1}} = dc_t");
        assert!(close(da[0], d_cell * 0.5 * 0.25));
        assert!(close(da[1], d_cell * 0.5 * 0.75));
        assert!(close(da[2], tanh_c * 3.0 / 16.0));
    }

    /// With no gradient through `h_t` (`dh = 0`), the step's cell-to-cell map is the identity:
    /// `dc_{t−1} = dc_t` bit for bit, whatever the gates.
    #[test]
    fn the_cell_path_is_the_identity() {
        let xp = [0.3, -1.2, 2.0, -0.7, 0.1, 4.0];
        let hp = [-2.5, 0.4, 0.9, 1.1, -3.0, 0.2];
        let c_prev = [7.5, -0.25];
        let (mut gates, mut h, mut c, mut tc) = ([0.0; 6], [0.0; 2], [0.0; 2], [0.0; 2]);
        forward(&xp, &hp, &c_prev, &mut gates, &mut h, &mut c, &mut tc);
        let cache = StepCache {
            xp: &xp,
            hp: &hp,
            gates: &gates,
            h_prev: &[0.0; 2],
            c_prev: &c_prev,
            tanh_c: &tc,
        };
        let dc = [1.0e-7, -3.5e4];
        let (mut da, mut dc_prev, mut dc_total) = ([0.0; 6], [0.0; 2], [0.0; 2]);
        backward(cache, &[0.0; 2], &dc, &mut da, &mut dc_prev, &mut dc_total);
        assert_eq!(dc_prev, dc);
        assert_eq!(dc_total, dc);
        // The output gate sees no gradient without dh.
        assert_eq!(&da[4..], &[0.0, 0.0]);
    }
}
