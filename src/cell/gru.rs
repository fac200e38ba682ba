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
use crate::linalg::{sigmoid, tanh};

/// One step: writes `gates = [r, z, n]` and `h`.
pub fn forward(xp: &[f64], hp: &[f64], h_prev: &[f64], gates: &mut [f64], h: &mut [f64]) {
    let n = h.len();
    for j in 0..n {
        let reset_gate = sigmoid(xp[j] + hp[j]);
        let update_gate = sigmoid(xp[n + j] + hp[n + j]);
        let new_gate = tanh(xp[2 * n + j] + reset_gate * hp[2 * n + j]);
        gates[j] = reset_gate;
        gates[n + j] = update_gate;
        gates[2 * n + j] = new_gate;
        h[j] = new_gate + update_gate * (h_prev[j] - new_gate);
    }
}

/// One backward step: writes `dxp`, `dhp` and the direct `dh_direct = dh ⊙ z`.
pub fn backward(
    cache: StepCache<'_>,
    dh: &[f64],
    dxp: &mut [f64],
    dhp: &mut [f64],
    dh_direct: &mut [f64],
) {
    let n = dh.len();
    let g = cache.gates;
    for j in 0..n {
        let (reset_gate, update_gate, new_gate) = (g[j], g[n + j], g[2 * n + j]);
        let d_new = dh[j] * (1.0 - update_gate);
        let d_update = dh[j] * (cache.h_prev[j] - new_gate);
        dh_direct[j] = dh[j] * update_gate;
        let da_new = d_new * (1.0 - new_gate * new_gate);
        let d_reset = da_new * cache.hp[2 * n + j];
        let da_reset = d_reset * reset_gate * (1.0 - reset_gate);
        let da_update = d_update * update_gate * (1.0 - update_gate);
        dxp[j] = da_reset;
        dxp[n + j] = da_update;
        dxp[2 * n + j] = da_new;
        dhp[j] = da_reset;
        dhp[n + j] = da_update;
        dhp[2 * n + j] = da_new * reset_gate;
    }
}
