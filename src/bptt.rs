//! Backpropagation through time, with the per-step quantities the lab shows.
//!
//! Given upstream gradients for the output sequence, `h_n` and `c_n`, [`backward`] returns the
//! gradient of every parameter, the input, `h0` and `c0` (exactly what
//! `torch.autograd.grad((output, h_n, c_n), …, (grad_output, grad_h_n, grad_c_n))` gives), and per
//! layer × direction × sequence × step:
//!
//! - `‖∂L/∂h_t‖₂`: the total derivative, `dh_t = g_t + W_hhᵀ δ_{t+1} + direct_{t+1}` where
//!   `g_t` is the gradient arriving from the output (or the layer above);
//! - `‖∂L/∂c_t‖₂` (LSTMs): `dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o_t ⊙ (1 − tanh² c_t)`, with
//!   `f ≡ 1` for `lstm_no_forget`;
//! - `‖δ_t h_{t−1}ᵀ‖_F = ‖δ_t‖₂ ‖h_{t−1}‖₂`, step t's term of `∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ`, with
//!   `δ_t = ∂L/∂(W_hh h_{t−1} + b_hh)`;
//! - the first step (in the order the backward pass visits them) where `dh_t` is inf or NaN.
//!
//! [`gradients`] is the same pass without those records (a training step reads only the
//! gradients; the norms cost about a tenth of a small LSTM's pass): the same gradients, bit for
//! bit.
//!
//! [`analyse`] needs no loss. Per sequence it records the Jacobian-product norm
//! `‖∂h_last/∂h_t‖₂ = ‖J_last ⋯ J_{t+1}‖₂` with `J_k = ∂s_k/∂s_{k−1}` the state Jacobian (for
//! LSTM `s = (h, c)`, and the product's `h`-to-`h` block, `c_t` held fixed), built one step at a
//! time by applying each step's vector–Jacobian product to the rows of the running product;
//! and the carry path `∏_{k>t} f_k` (LSTM) or `∏_{k>t} z_k` (GRU), per unit — exactly 1 for
//! `lstm_no_forget`, whose `f ≡ 1` ([`crate::cell::CarryGate::One`]).

use crate::cell::{CarryGate, CellKind};
use crate::linalg::{all_finite, matmul, matmul_packed, norm2, PackedRhs};
use crate::network::{Batch, DirectionRun, Forward, LayerParams, Network};
use crate::spectral::spectral_norm_warm;
use std::ops::Range;

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
/// Layers are visited top down; within a layer each direction runs backwards through its steps
/// (`DirectionPass`), and the gradient the layer sends to its input becomes, through the
/// dropout mask, the gradient on the output of the layer below.
///
/// # Shapes
/// As in [`Upstream`]; the forward pass must come from the same network and batch.
pub fn backward(net: &Network, batch: &Batch, fwd: &Forward, up: &Upstream) -> Backward {
    backward_with(net, batch, fwd, up, true)
}

/// [`backward`]'s gradients alone, without the per-step records (the same bits; the flow of
/// each layer × direction is left empty).
pub fn gradients(net: &Network, batch: &Batch, fwd: &Forward, up: &Upstream) -> Backward {
    backward_with(net, batch, fwd, up, false)
}

/// [`backward`], with the per-step flow records when `records`.
fn backward_with(
    net: &Network,
    batch: &Batch,
    fwd: &Forward,
    up: &Upstream,
    records: bool,
) -> Backward {
    let arch = net.arch;
    let pass = Pass {
        net,
        batch,
        fwd,
        up,
        records,
    };
    let state_len = arch.num_layers * arch.directions() * batch.batch * arch.hidden_size;
    let mut h0 = vec![0.0; state_len];
    let mut c0 = vec![
        0.0;
        if arch.cell.has_cell_state() {
            state_len
        } else {
            0
        }
    ];
    let mut results: Vec<Option<(LayerParams, GradientFlow)>> = vec![None; net.layers.len()];
    let mut d_out = output_gradient(up, batch, arch.directions() * arch.hidden_size);
    let mut d_input = Vec::new();
    for layer in (0..arch.num_layers).rev() {
        let d_in = pass.layer(layer, &d_out, &mut h0, &mut c0, &mut results);
        if layer > 0 {
            d_out = through_dropout(d_in, fwd, layer - 1);
        } else {
            d_input = d_in;
        }
    }
    let (params, flow) = results
        .into_iter()
        .map(|r| r.expect("every layer visited"))
        .unzip();
    Backward {
        grads: Gradients {
            params,
            input: d_input,
            h0,
            c0,
        },
        flow,
    }
}

/// ∂L/∂output, `B × T × width`, zero at padded positions (and everywhere when not given).
fn output_gradient(up: &Upstream, batch: &Batch, width: usize) -> Vec<f64> {
    let mut d_out = vec![0.0; batch.batch * batch.steps * width];
    if let Some(g) = &up.grad_output {
        for b in 0..batch.batch {
            let n = batch.lengths[b] * width;
            let o = b * batch.steps * width;
            d_out[o..o + n].copy_from_slice(&g[o..o + n]);
        }
    }
    d_out
}

/// The gradient on the output of layer `below`, from the gradient on the input of the layer
/// above it: through the dropout mask between them, if any.
fn through_dropout(mut d_in: Vec<f64>, fwd: &Forward, below: usize) -> Vec<f64> {
    if let Some(Some(mask)) = fwd.dropout_masks.get(below) {
        for (v, m) in d_in.iter_mut().zip(mask) {
            *v *= m;
        }
    }
    d_in
}

/// What every layer × direction of one backward pass reads.
struct Pass<'a> {
    net: &'a Network,
    batch: &'a Batch,
    fwd: &'a Forward,
    up: &'a Upstream,
    /// Whether the per-step flow records are made.
    records: bool,
}

impl Pass<'_> {
    /// Both directions of one layer, given the gradient on its output (`B × T × D·H`): writes
    /// their ∂L/∂h0 and ∂L/∂c0 and stores their parameter gradients and flow records at their
    /// index; returns the gradient on the layer's input, `B × T × in`.
    fn layer(
        &self,
        layer: usize,
        d_out: &[f64],
        h0: &mut [f64],
        c0: &mut [f64],
        results: &mut [Option<(LayerParams, GradientFlow)>],
    ) -> Vec<f64> {
        let arch = self.net.arch;
        let (bsz, hid) = (self.batch.batch, arch.hidden_size);
        let dirs = arch.directions();
        let in_size = arch.layer_input_size(layer);
        let mut d_in = vec![0.0; bsz * self.batch.steps * in_size];
        for dir in 0..dirs {
            let idx = layer * dirs + dir;
            let (run, p) = (&self.fwd.runs[idx], &self.net.layers[idx]);
            let d = DirectionPass::new(self, idx, d_out).run();
            let state = idx * bsz * hid..(idx + 1) * bsz * hid;
            h0[state.clone()].copy_from_slice(&d.dh0);
            if arch.cell.has_cell_state() {
                c0[state].copy_from_slice(&d.dc0);
            }
            let gh = arch.gate_rows();
            let weights = weight_gradients(run, p, &d.dxp, d.dhp(), self.batch, hid, gh);
            add_input_gradient(run, &p.weight_ih, &d.dxp, self.batch, gh, &mut d_in);
            results[idx] = Some((weights, d.flow));
        }
        d_in
    }
}

impl DirectionGrads {
    /// δ_s for every processed step (`dhp`, or `dxp` where they are the same).
    fn dhp(&self) -> &[f64] {
        if self.dhp.is_empty() {
            &self.dxp
        } else {
            &self.dhp
        }
    }
}

/// What one layer × direction's backward pass through its steps gives.
struct DirectionGrads {
    /// ∂L/∂(W_ih x_s + b_ih) per processed step, `T·B × G·H` (processing order).
    dxp: Vec<f64>,
    /// δ_s = ∂L/∂(W_hh h_{s−1} + b_hh) per processed step, `T·B × G·H`; empty where it is
    /// `dxp` ([`CellKind::dhp_is_dxp`]).
    dhp: Vec<f64>,
    /// ∂L/∂h0 of this layer × direction, `B × H`.
    dh0: Vec<f64>,
    /// ∂L/∂c0, `B × H` (LSTM, else empty).
    dc0: Vec<f64>,
    /// The per-step records.
    flow: GradientFlow,
}

/// One layer × direction, run backwards through its steps: the buffers carried from step to
/// step and the per-step results.
struct DirectionPass<'a> {
    cell: CellKind,
    batch: &'a Batch,
    run: &'a DirectionRun,
    /// `W_hh` (`G·H × H`), prepared once for the product at every step.
    weight_hh: PackedRhs<'a>,
    /// Gradient on the layer's output, `B × T × D·H`.
    d_out: &'a [f64],
    dirs: usize,
    hid: usize,
    gh: usize,
    lstm: bool,
    /// Whether the per-step flow records are made (else `flow` stays empty).
    records: bool,
    /// ∂L/∂h_s and ∂L/∂c_s arriving from later steps (at first: from h_n and c_n), `B × H`.
    dh_carry: Vec<f64>,
    dc_carry: Vec<f64>,
    /// The parts of ∂L/∂h_{s−1} and ∂L/∂c_{s−1} that do not go through `W_hh`, `B × H`.
    direct: Vec<f64>,
    dc_prev: Vec<f64>,
    /// Scratch: the next `dh_carry`, `B × H`; one sequence's ∂L/∂h_s and ∂L/∂c_s, `H`.
    next_dh: Vec<f64>,
    dh: Vec<f64>,
    dc_total: Vec<f64>,
    dxp: Vec<f64>,
    dhp: Vec<f64>,
    flow: GradientFlow,
}

impl<'a> DirectionPass<'a> {
    fn new(pass: &Pass<'a>, idx: usize, d_out: &'a [f64]) -> Self {
        let arch = pass.net.arch;
        let (bsz, steps, hid) = (pass.batch.batch, pass.batch.steps, arch.hidden_size);
        let gh = arch.gate_rows();
        let lstm = arch.cell.has_cell_state();
        let state = idx * bsz * hid..(idx + 1) * bsz * hid;
        let dh_carry = match &pass.up.grad_h_n {
            Some(g) => g[state.clone()].to_vec(),
            None => vec![0.0; bsz * hid],
        };
        let dc_carry = match (&pass.up.grad_c_n, lstm) {
            (Some(g), true) => g[state].to_vec(),
            (None, true) => vec![0.0; bsz * hid],
            _ => Vec::new(),
        };
        let if_lstm = |n: usize| vec![0.0; if lstm { n } else { 0 }];
        let records = pass.records;
        let if_records = |n: usize| if records { n } else { 0 };
        DirectionPass {
            cell: arch.cell,
            batch: pass.batch,
            run: &pass.fwd.runs[idx],
            weight_hh: PackedRhs::new(gh, hid, &pass.net.layers[idx].weight_hh, false),
            d_out,
            dirs: arch.directions(),
            hid,
            gh,
            lstm,
            records,
            dh_carry,
            dc_carry,
            direct: vec![0.0; bsz * hid],
            dc_prev: if_lstm(bsz * hid),
            next_dh: vec![0.0; bsz * hid],
            dh: vec![0.0; hid],
            dc_total: if_lstm(hid),
            dxp: vec![0.0; steps * bsz * gh],
            dhp: if arch.cell.dhp_is_dxp() {
                Vec::new()
            } else {
                vec![0.0; steps * bsz * gh]
            },
            flow: GradientFlow {
                grad_h_norm: vec![0.0; if_records(bsz * steps)],
                grad_c_norm: if_lstm(if_records(bsz * steps)),
                w_hh_grad_contribution: vec![0.0; if_records(bsz * steps)],
                first_nonfinite: vec![None; if_records(bsz)],
            },
        }
    }

    /// Every step, last processed first.
    fn run(mut self) -> DirectionGrads {
        for s in (0..self.batch.steps).rev() {
            for b in 0..self.batch.batch {
                self.sequence_step(s, b);
            }
            self.carry_to_previous_step(s);
        }
        DirectionGrads {
            dxp: self.dxp,
            dhp: self.dhp,
            dh0: self.dh_carry,
            dc0: self.dc_carry,
            flow: self.flow,
        }
    }

    /// Processed step `s` of sequence `b`: the cell's backward step and its records, or, for a
    /// finished sequence, the gradient passed on unchanged.
    fn sequence_step(&mut self, s: usize, b: usize) {
        let (bsz, steps, hid, gh) = (self.batch.batch, self.batch.steps, self.hid, self.gh);
        let hrow = b * hid..(b + 1) * hid;
        let Some(pos) = self.batch.position(b, s, self.run.direction) else {
            // Finished sequences carry their state: the gradient passes unchanged.
            self.direct[hrow.clone()].copy_from_slice(&self.dh_carry[hrow.clone()]);
            if self.lstm {
                self.dc_prev[hrow.clone()].copy_from_slice(&self.dc_carry[hrow]);
            }
            return;
        };
        let o = (b * steps + pos) * self.dirs * hid + self.run.direction * hid;
        for j in 0..hid {
            self.dh[j] = self.dh_carry[b * hid + j] + self.d_out[o + j];
        }
        let run = self.run;
        let cache = run.cache(s, b, bsz, hid, gh);
        let grow = (s * bsz + b) * gh..(s * bsz + b + 1) * gh;
        let (dcr, dcp) = if self.lstm {
            (
                &self.dc_carry[hrow.clone()],
                &mut self.dc_prev[hrow.clone()],
            )
        } else {
            (&[][..], &mut [][..])
        };
        let dhp = if self.dhp.is_empty() {
            &mut [][..]
        } else {
            &mut self.dhp[grow.clone()]
        };
        self.cell.backward_step(
            cache,
            &self.dh,
            dcr,
            &mut self.dxp[grow.clone()],
            dhp,
            &mut self.direct[hrow],
            dcp,
            &mut self.dc_total,
        );
        if self.records {
            self.record(b, pos, grow, cache.h_prev);
        }
    }

    /// The flow records of sequence `b` at original position `pos`, after its backward step
    /// (`grow`: the step's rows of δ).
    fn record(&mut self, b: usize, pos: usize, grow: Range<usize>, h_prev: &[f64]) {
        let at = b * self.batch.steps + pos;
        self.flow.grad_h_norm[at] = norm2(&self.dh);
        if self.lstm {
            self.flow.grad_c_norm[at] = norm2(&self.dc_total);
        }
        self.flow.w_hh_grad_contribution[at] = norm2(&self.delta_h()[grow]) * norm2(h_prev);
        if self.flow.first_nonfinite[b].is_none() && !all_finite(&self.dh) {
            self.flow.first_nonfinite[b] = Some(pos);
        }
    }

    /// δ_s for every processed step: `dhp`, or `dxp` where they are the same.
    fn delta_h(&self) -> &[f64] {
        if self.dhp.is_empty() {
            &self.dxp
        } else {
            &self.dhp
        }
    }

    /// Carries the gradient from processed step `s` to step `s − 1`.
    fn carry_to_previous_step(&mut self, s: usize) {
        let (bsz, gh) = (self.batch.batch, self.gh);
        // ∂L/∂h_{s−1} = δ_s · W_hh + direct (inactive rows: δ = 0, direct = carry).
        let delta = if self.dhp.is_empty() {
            &self.dxp
        } else {
            &self.dhp
        };
        let dhp_s = &delta[s * bsz * gh..(s + 1) * bsz * gh];
        matmul_packed(bsz, dhp_s, false, &self.weight_hh, 0.0, &mut self.next_dh);
        for (v, d) in self.next_dh.iter_mut().zip(&self.direct) {
            *v += d;
        }
        std::mem::swap(&mut self.dh_carry, &mut self.next_dh);
        if self.lstm {
            std::mem::swap(&mut self.dc_carry, &mut self.dc_prev);
        }
    }
}

/// `∂L/∂x = δx · W_ih` in processing order, added into `d_in` (`B × T × in`) at the original
/// positions.
fn add_input_gradient(
    run: &DirectionRun,
    weight_ih: &[f64],
    dxp: &[f64],
    batch: &Batch,
    gh: usize,
    d_in: &mut [f64],
) {
    let (bsz, steps, in_size) = (batch.batch, batch.steps, run.input_size);
    let rows = steps * bsz;
    let mut dx = vec![0.0; rows * in_size];
    matmul(
        rows, gh, in_size, dxp, false, weight_ih, false, 0.0, &mut dx,
    );
    for s in 0..steps {
        for b in 0..bsz {
            if let Some(pos) = batch.position(b, s, run.direction) {
                let dst = &mut d_in[(b * steps + pos) * in_size..][..in_size];
                for (v, g) in dst.iter_mut().zip(&dx[(s * bsz + b) * in_size..]) {
                    *v += g;
                }
            }
        }
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
    /// LSTM ∏f, GRU ∏z over the later steps, `B × T × H` (all 1 for `lstm_no_forget`; empty for
    /// plain RNNs).
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

/// [`analyse`] of one layer × direction only (index `idx` in h_n order), for a view that shows
/// one run of a deeper network.
///
/// # Panics
/// When `idx` is not a run of `fwd`.
pub fn analyse_at(net: &Network, batch: &Batch, fwd: &Forward, idx: usize) -> Analysis {
    analyse_run(net, batch, &fwd.runs[idx])
}

fn analyse_run(net: &Network, batch: &Batch, run: &DirectionRun) -> Analysis {
    let arch = net.arch;
    let cell = arch.cell;
    let (bsz, steps, hid) = (batch.batch, batch.steps, arch.hidden_size);
    let gh = arch.gate_rows();
    let lstm = cell.has_cell_state();
    let carry_gate = cell.info().carry.map(|c| c.gate); // LSTM f, GRU z, f ≡ 1
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
    // The right-hand side of the per-step product, prepared once.
    let rhs = match shared_block {
        Some(w) => PackedRhs::new(hid, hid, w, false),
        None => PackedRhs::new(gh, hid, &p.weight_hh, false),
    };
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
            if let Some(gate) = carry_gate {
                let at = (b * steps + pos) * hid;
                out.carry_path[at..at + hid].copy_from_slice(&carry);
                out.carry_path_norm[b * steps + pos] = crate::linalg::max_abs(&carry);
                match gate {
                    CarryGate::Block(k) => {
                        for j in 0..hid {
                            carry[j] *= cache.gates[k * hid + j];
                        }
                    }
                    CarryGate::One { .. } => {} // × 1: the path stays exactly 1
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
            if shared_block.is_some() {
                // Every gate block of W_hh is the same W: Σ_k δ_k W = (Σ_k δ_k) W.
                for j in 0..hid {
                    for u in 0..hid {
                        summed[j * hid + u] = (0..gates)
                            .map(|k| dhp_rows[j * gh + k * hid + u])
                            .sum::<f64>();
                    }
                }
                matmul_packed(hid, &summed, false, &rhs, 0.0, &mut rh);
            } else {
                matmul_packed(hid, &dhp_rows, false, &rhs, 0.0, &mut rh);
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
