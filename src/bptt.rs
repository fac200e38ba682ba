//! Backpropagation through time, with the per-step quantities the lab shows.
//!
//! Given upstream gradients for the output sequence, `h_n` and `c_n`, [`backward`] returns the
//! gradient of every parameter, the input, `h0` and `c0` (exactly what
//! `torch.autograd.grad((output, h_n, c_n), …, (grad_output, grad_h_n, grad_c_n))` gives), and per
//! layer × direction × sequence × step:
//!
//! - `‖∂L/∂h_t‖₂`: the total derivative, `dh_t = g_t + W_hhᵀ δ_{t+1} + direct_{t+1}` where
//!   `g_t` is the gradient arriving from the output (or the layer above);
//! - `‖∂L/∂c_t‖₂` (LSTM): `dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o_t ⊙ (1 − tanh² c_t)`;
//! - `‖δ_t h_{t−1}ᵀ‖_F = ‖δ_t‖₂ ‖h_{t−1}‖₂`, step t's term of `∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ`, with
//!   `δ_t = ∂L/∂(W_hh h_{t−1} + b_hh)`;
//! - the first step (in the order the backward pass visits them) where `dh_t` is inf or NaN.
//!
//! [`analyse`] needs no loss. Per sequence it records the Jacobian-product norm
//! `‖∂h_last/∂h_t‖₂ = ‖J_last ⋯ J_{t+1}‖₂` with `J_k = ∂s_k/∂s_{k−1}` the state Jacobian (for
//! LSTM `s = (h, c)`, and the product's `h`-to-`h` block, `c_t` held fixed), built one step at a
//! time by applying each step's vector–Jacobian product to the rows of the running product;
//! and the carry path `∏_{k>t} f_k` (LSTM) or `∏_{k>t} z_k` (GRU), per unit.

use crate::linalg::{all_finite, matmul, norm2};
use crate::network::{Batch, DirectionRun, Forward, LayerParams, Network};
use crate::spectral::spectral_norm_warm;

/// Upstream gradients; any subset may be given.
#[derive(Clone, Debug, Default)]
pub struct Upstream {
    /// ∂L/∂output, `B × T × D·H` (padded positions ignored).
    pub grad_output: Option<Vec<f64>>,
    /// ∂L/∂h_n, `L·D × B × H`.
    pub grad_h_n: Option<Vec<f64>>,
    /// ∂L/∂c_n, `L·D × B × H` (LSTM).
    pub grad_c_n: Option<Vec<f64>>,
}

impl Upstream {
    /// True when at least one upstream gradient is given.
    pub fn any(&self) -> bool {
        self.grad_output.is_some() || self.grad_h_n.is_some() || self.grad_c_n.is_some()
    }
}

/// Gradients of the loss with respect to everything the forward pass read.
#[derive(Clone, Debug)]
pub struct Gradients {
    /// Per layer × direction, same layout as [`Network::layers`].
    pub params: Vec<LayerParams>,
    /// ∂L/∂input, `B × T × I` (0 at padded positions).
    pub input: Vec<f64>,
    /// ∂L/∂h0, `L·D × B × H`.
    pub h0: Vec<f64>,
    /// ∂L/∂c0, `L·D × B × H` (LSTM, else empty).
    pub c0: Vec<f64>,
}

/// Per-step gradient-flow records of one layer × direction, at original time positions.
#[derive(Clone, Debug)]
pub struct GradientFlow {
    /// ‖∂L/∂h_t‖₂, `B × T`.
    pub grad_h_norm: Vec<f64>,
    /// ‖∂L/∂c_t‖₂, `B × T` (LSTM, else empty).
    pub grad_c_norm: Vec<f64>,
    /// ‖δ_t h_{t−1}ᵀ‖_F, `B × T`.
    pub w_hh_grad_contribution: Vec<f64>,
    /// Per sequence, original position of the first non-finite ∂L/∂h_t the backward pass met.
    pub first_nonfinite: Vec<Option<usize>>,
}

/// The result of [`backward`].
#[derive(Clone, Debug)]
pub struct Backward {
    /// All gradients.
    pub grads: Gradients,
    /// One per layer × direction, h_n order.
    pub flow: Vec<GradientFlow>,
}

/// Backpropagation through time over the whole network.
///
/// # Shapes
/// As in [`Upstream`]; the forward pass must come from the same network and batch.
pub fn backward(net: &Network, batch: &Batch, fwd: &Forward, up: &Upstream) -> Backward {
    let arch = net.arch;
    let (bsz, steps, hid) = (batch.batch, batch.steps, arch.hidden_size);
    let dirs = arch.directions();
    let gh = arch.gate_rows();
    let lstm = arch.cell.has_cell_state();
    let mut params: Vec<LayerParams> = Vec::with_capacity(net.layers.len());
    let mut flow: Vec<Option<GradientFlow>> = vec![None; net.layers.len()];
    let mut h0 = vec![0.0; arch.num_layers * dirs * bsz * hid];
    let mut c0 = if lstm {
        vec![0.0; h0.len()]
    } else {
        Vec::new()
    };
    let mut param_grads: Vec<Option<LayerParams>> = vec![None; net.layers.len()];

    // Gradient on the current layer's output, B × T × D·H, zero at padded positions.
    let mut d_out = vec![0.0; bsz * steps * dirs * hid];
    if let Some(g) = &up.grad_output {
        for b in 0..bsz {
            let n = batch.lengths[b] * dirs * hid;
            let o = b * steps * dirs * hid;
            d_out[o..o + n].copy_from_slice(&g[o..o + n]);
        }
    }
    let mut d_input = Vec::new();
    for layer in (0..arch.num_layers).rev() {
        let in_size = arch.layer_input_size(layer);
        let mut d_in = vec![0.0; bsz * steps * in_size];
        for dir in 0..dirs {
            let idx = layer * dirs + dir;
            let run = &fwd.runs[idx];
            let p = &net.layers[idx];
            let state = idx * bsz * hid..(idx + 1) * bsz * hid;
            let mut dh_carry = match &up.grad_h_n {
                Some(g) => g[state.clone()].to_vec(),
                None => vec![0.0; bsz * hid],
            };
            let mut dc_carry = match (&up.grad_c_n, lstm) {
                (Some(g), true) => g[state.clone()].to_vec(),
                (None, true) => vec![0.0; bsz * hid],
                _ => Vec::new(),
            };
            let rows = steps * bsz;
            let mut dxp = vec![0.0; rows * gh];
            let mut dhp = vec![0.0; rows * gh];
            let mut direct = vec![0.0; bsz * hid];
            let mut dc_prev = vec![0.0; if lstm { bsz * hid } else { 0 }];
            let mut dc_total = vec![0.0; if lstm { hid } else { 0 }];
            let mut dh = vec![0.0; hid];
            let mut rec = GradientFlow {
                grad_h_norm: vec![0.0; bsz * steps],
                grad_c_norm: if lstm {
                    vec![0.0; bsz * steps]
                } else {
                    Vec::new()
                },
                w_hh_grad_contribution: vec![0.0; bsz * steps],
                first_nonfinite: vec![None; bsz],
            };
            let mut next_dh = vec![0.0; bsz * hid];
            for s in (0..steps).rev() {
                for b in 0..bsz {
                    let hrow = b * hid..(b + 1) * hid;
                    let Some(pos) = batch.position(b, s, dir) else {
                        // Finished sequences carry their state: the gradient passes unchanged.
                        direct[hrow.clone()].copy_from_slice(&dh_carry[hrow.clone()]);
                        if lstm {
                            dc_prev[hrow.clone()].copy_from_slice(&dc_carry[hrow]);
                        }
                        continue;
                    };
                    let o = (b * steps + pos) * dirs * hid + dir * hid;
                    for j in 0..hid {
                        dh[j] = dh_carry[b * hid + j] + d_out[o + j];
                    }
                    let cache = run.cache(s, b, bsz, hid, gh);
                    let grow = (s * bsz + b) * gh..(s * bsz + b + 1) * gh;
                    let (dcr, dcp) = if lstm {
                        (&dc_carry[hrow.clone()], &mut dc_prev[hrow.clone()])
                    } else {
                        (&[][..], &mut [][..])
                    };
                    arch.cell.backward_step(
                        cache,
                        &dh,
                        dcr,
                        &mut dxp[grow.clone()],
                        &mut dhp[grow.clone()],
                        &mut direct[hrow.clone()],
                        dcp,
                        &mut dc_total,
                    );
                    let at = b * steps + pos;
                    rec.grad_h_norm[at] = norm2(&dh);
                    if lstm {
                        rec.grad_c_norm[at] = norm2(&dc_total);
                    }
                    rec.w_hh_grad_contribution[at] = norm2(&dhp[grow]) * norm2(cache.h_prev);
                    if rec.first_nonfinite[b].is_none() && !all_finite(&dh) {
                        rec.first_nonfinite[b] = Some(pos);
                    }
                }
                // ∂L/∂h_{s−1} = δ_s · W_hh + direct (inactive rows: δ = 0, direct = carry).
                let dhp_s = &dhp[s * bsz * gh..(s + 1) * bsz * gh];
                matmul(
                    bsz,
                    gh,
                    hid,
                    dhp_s,
                    false,
                    &p.weight_hh,
                    false,
                    0.0,
                    &mut next_dh,
                );
                for (v, d) in next_dh.iter_mut().zip(&direct) {
                    *v += d;
                }
                std::mem::swap(&mut dh_carry, &mut next_dh);
                if lstm {
                    std::mem::swap(&mut dc_carry, &mut dc_prev);
                }
            }
            h0[state.clone()].copy_from_slice(&dh_carry);
            if lstm {
                c0[state].copy_from_slice(&dc_carry);
            }
            param_grads[idx] = Some(weight_gradients(run, p, &dxp, &dhp, batch, hid, gh));
            // ∂L/∂x in processing order, scattered back to original positions.
            let mut dx = vec![0.0; rows * in_size];
            matmul(
                rows,
                gh,
                in_size,
                &dxp,
                false,
                &p.weight_ih,
                false,
                0.0,
                &mut dx,
            );
            for s in 0..steps {
                for b in 0..bsz {
                    if let Some(pos) = batch.position(b, s, dir) {
                        let dst = &mut d_in[(b * steps + pos) * in_size..][..in_size];
                        for (v, g) in dst.iter_mut().zip(&dx[(s * bsz + b) * in_size..]) {
                            *v += g;
                        }
                    }
                }
            }
            flow[idx] = Some(rec);
        }
        if layer > 0 {
            if let Some(Some(mask)) = fwd.dropout_masks.get(layer - 1) {
                for (v, m) in d_in.iter_mut().zip(mask) {
                    *v *= m;
                }
            }
            d_out = d_in;
        } else {
            d_input = d_in;
        }
    }
    params.extend(
        param_grads
            .into_iter()
            .map(|p| p.expect("every layer visited")),
    );
    Backward {
        grads: Gradients {
            params,
            input: d_input,
            h0,
            c0,
        },
        flow: flow
            .into_iter()
            .map(|f| f.expect("every layer visited"))
            .collect(),
    }
}

/// `∂L/∂W_ih = Σ δx_s x_sᵀ`, `∂L/∂W_hh = Σ δh_s h_{s−1}ᵀ`, biases the sums, as two products over
/// all steps at once.
fn weight_gradients(
    run: &DirectionRun,
    p: &LayerParams,
    dxp: &[f64],
    dhp: &[f64],
    batch: &Batch,
    hid: usize,
    gh: usize,
) -> LayerParams {
    let rows = batch.steps * batch.batch;
    let in_size = run.input_size;
    let mut g = LayerParams::zeros(gh / hid, hid, in_size);
    debug_assert_eq!(g.weight_ih.len(), p.weight_ih.len());
    matmul(
        gh,
        rows,
        in_size,
        dxp,
        true,
        &run.x,
        false,
        0.0,
        &mut g.weight_ih,
    );
    let h_prev = &run.h[..rows * hid];
    // A finished sequence carries its last state, whose δ is 0; if that state is not finite,
    // mask it so 0·inf does not turn a finite gradient into NaN.
    let masked: Vec<f64>;
    let h_used = if all_finite(h_prev) {
        h_prev
    } else {
        masked = mask_inactive(h_prev, batch, run.direction, hid);
        &masked
    };
    matmul(
        gh,
        rows,
        hid,
        dhp,
        true,
        h_used,
        false,
        0.0,
        &mut g.weight_hh,
    );
    for r in 0..rows {
        for k in 0..gh {
            g.bias_ih[k] += dxp[r * gh + k];
            g.bias_hh[k] += dhp[r * gh + k];
        }
    }
    g
}

/// A copy of the per-step states with the rows of finished sequences zeroed.
fn mask_inactive(h: &[f64], batch: &Batch, direction: usize, hid: usize) -> Vec<f64> {
    let mut out = h.to_vec();
    for s in 0..batch.steps {
        for b in 0..batch.batch {
            if batch.position(b, s, direction).is_none() {
                out[(s * batch.batch + b) * hid..][..hid].fill(0.0);
            }
        }
    }
    out
}

/// Loss-free per-step analysis of one layer × direction, at original time positions.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// ‖∂h_last/∂h_t‖₂, `B × T`.
    pub jacobian_norm: Vec<f64>,
    /// LSTM ∏f, GRU ∏z over the later steps, `B × T × H` (empty for plain RNNs).
    pub carry_path: Vec<f64>,
    /// max over units of `carry_path`, `B × T` (empty for plain RNNs).
    pub carry_path_norm: Vec<f64>,
}

/// Jacobian-product norms and carry paths for every layer × direction.
pub fn analyse(net: &Network, batch: &Batch, fwd: &Forward) -> Vec<Analysis> {
    fwd.runs
        .iter()
        .map(|run| analyse_run(net, batch, run))
        .collect()
}

fn analyse_run(net: &Network, batch: &Batch, run: &DirectionRun) -> Analysis {
    let arch = net.arch;
    let cell = arch.cell;
    let (bsz, steps, hid) = (batch.batch, batch.steps, arch.hidden_size);
    let gh = arch.gate_rows();
    let lstm = cell.has_cell_state();
    let carry_gate = cell.info().carry.map(|c| c.block); // LSTM f, GRU z
    let p = &net.layers[run.layer * arch.directions() + run.direction];
    let mut out = Analysis {
        jacobian_norm: vec![0.0; bsz * steps],
        carry_path: if carry_gate.is_some() {
            vec![0.0; bsz * steps * hid]
        } else {
            Vec::new()
        },
        carry_path_norm: if carry_gate.is_some() {
            vec![0.0; bsz * steps]
        } else {
            Vec::new()
        },
    };
    // R: H rows, each the cotangent (∂h_last,j/∂h_s, ∂h_last,j/∂c_s).
    let mut rh = vec![0.0; hid * hid];
    let mut rc = vec![0.0; if lstm { hid * hid } else { 0 }];
    let mut dhp_rows = vec![0.0; hid * gh];
    let mut dxp_row = vec![0.0; gh];
    let mut direct = vec![0.0; hid * hid];
    let mut dc_prev = vec![0.0; if lstm { hid * hid } else { 0 }];
    let mut dc_total = vec![0.0; if lstm { hid } else { 0 }];
    let mut carry = vec![0.0; hid];
    let mut power_vec = vec![0.0; hid];
    let gates = cell.gates();
    let block = hid * hid;
    let shared_block = (gates > 1
        && (1..gates).all(|k| p.weight_hh[k * block..(k + 1) * block] == p.weight_hh[..block]))
    .then(|| &p.weight_hh[..block]);
    let mut summed = vec![0.0; if shared_block.is_some() { block } else { 0 }];
    for b in 0..bsz {
        power_vec.fill(0.0);
        let n = batch.lengths[b];
        rh.fill(0.0);
        for j in 0..hid {
            rh[j * hid + j] = 1.0;
        }
        rc.fill(0.0);
        carry.fill(1.0);
        for s in (0..n).rev() {
            let pos = batch.position(b, s, run.direction).expect("active step");
            out.jacobian_norm[b * steps + pos] = spectral_norm_warm(&rh, hid, &mut power_vec);
            let cache = run.cache(s, b, bsz, hid, gh);
            if let Some(k) = carry_gate {
                let at = (b * steps + pos) * hid;
                out.carry_path[at..at + hid].copy_from_slice(&carry);
                out.carry_path_norm[b * steps + pos] = crate::linalg::max_abs(&carry);
                for j in 0..hid {
                    carry[j] *= cache.gates[k * hid + j];
                }
            }
            if s == 0 {
                break;
            }
            for j in 0..hid {
                let row = j * hid..(j + 1) * hid;
                let (dc, dcp) = if lstm {
                    (&rc[row.clone()], &mut dc_prev[row.clone()])
                } else {
                    (&[][..], &mut [][..])
                };
                cell.backward_step(
                    cache,
                    &rh[row.clone()],
                    dc,
                    &mut dxp_row,
                    &mut dhp_rows[j * gh..(j + 1) * gh],
                    &mut direct[row],
                    dcp,
                    &mut dc_total,
                );
            }
            if let Some(w) = shared_block {
                // Every gate block of W_hh is the same W: Σ_k δ_k W = (Σ_k δ_k) W.
                for j in 0..hid {
                    for u in 0..hid {
                        summed[j * hid + u] = (0..gates)
                            .map(|k| dhp_rows[j * gh + k * hid + u])
                            .sum::<f64>();
                    }
                }
                matmul(hid, hid, hid, &summed, false, w, false, 0.0, &mut rh);
            } else {
                matmul(
                    hid,
                    gh,
                    hid,
                    &dhp_rows,
                    false,
                    &p.weight_hh,
                    false,
                    0.0,
                    &mut rh,
                );
            }
            for (v, d) in rh.iter_mut().zip(&direct) {
                *v += d;
            }
            if lstm {
                std::mem::swap(&mut rc, &mut dc_prev);
            }
        }
    }
    out
}
