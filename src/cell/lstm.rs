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
use crate::linalg::{sigmoid, tanh};

/// One step: writes `gates = [i, f, g, o]`, `h`, `c` and `tanh_c = tanh(c)` (kept for the
/// backward pass, which needs it once per step and, in the Jacobian analysis, once per row).
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
    // Every operand as a slice of length n, so the loop has no bounds checks and vectorises.
    let ([xi, xf, xg, xo], [hi, hf, hg, ho]) = (blocks(xp, n), blocks(hp, n));
    let (gi, rest) = gates[..4 * n].split_at_mut(n);
    let (gf, rest) = rest.split_at_mut(n);
    let (gg, go) = rest.split_at_mut(n);
    let (c_prev, c, tanh_c) = (&c_prev[..n], &mut c[..n], &mut tanh_c[..n]);
    for j in 0..n {
        let input_gate = sigmoid(xi[j] + hi[j]);
        let forget_gate = sigmoid(xf[j] + hf[j]);
        let cell_gate = tanh(xg[j] + hg[j]);
        let output_gate = sigmoid(xo[j] + ho[j]);
        let cell = forget_gate * c_prev[j] + input_gate * cell_gate;
        gi[j] = input_gate;
        gf[j] = forget_gate;
        gg[j] = cell_gate;
        go[j] = output_gate;
        let t = tanh(cell);
        c[j] = cell;
        tanh_c[j] = t;
        h[j] = output_gate * t;
    }
}

/// The four gate blocks of a pre-activation row, `n` each.
fn blocks(v: &[f64], n: usize) -> [&[f64]; 4] {
    [0, 1, 2, 3].map(|k| &v[k * n..(k + 1) * n])
}

/// One backward step: writes `da` (= ∂L/∂xp = ∂L/∂hp), `dc_prev` and `dc_total`.
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
        let (input_gate, forget_gate, cell_gate, output_gate) =
            (g[j], g[n + j], g[2 * n + j], g[3 * n + j]);
        let tanh_c = cache.tanh_c[j];
        let d_cell = dc[j] + dh[j] * output_gate * (1.0 - tanh_c * tanh_c);
        dc_total[j] = d_cell;
        let d_output = dh[j] * tanh_c;
        let d_input = d_cell * cell_gate;
        let d_cell_gate = d_cell * input_gate;
        let d_forget = d_cell * cache.c_prev[j];
        dc_prev[j] = d_cell * forget_gate;
        da[j] = d_input * input_gate * (1.0 - input_gate);
        da[n + j] = d_forget * forget_gate * (1.0 - forget_gate);
        da[2 * n + j] = d_cell_gate * (1.0 - cell_gate * cell_gate);
        da[3 * n + j] = d_output * output_gate * (1.0 - output_gate);
    }
}
