//! Stacked, optionally bidirectional recurrent networks over padded batches, as PyTorch runs them.
//!
//! Layer `l`, direction `d` (0 forward, 1 reverse) has parameters `weight_ih_l{l}[_reverse]`
//! (`G·H × in_l`), `weight_hh_l{l}[_reverse]` (`G·H × H`), `bias_ih_…`, `bias_hh_…` (`G·H`);
//! `in_0 = I`, `in_l = D·H`. Layer `l > 0` reads the concatenated outputs `[h_fwd, h_rev]` of
//! layer `l−1` (after dropout in training mode).
//!
//! Variable lengths follow `pack_padded_sequence(batch_first=True, enforce_sorted=False)`:
//! sequence `b` of length `n_b` is processed for `n_b` steps; the forward direction visits
//! positions `0..n_b`, the reverse direction `n_b−1, …, 0`; outputs at padded positions are 0 and
//! `h_n` is each sequence's state after its own last processed step. Internally every direction
//! runs in *processing order*: at step `s` sequence `b` is active when `s < n_b` and reads
//! position `pos(b, s)`; inactive rows carry their state unchanged, which makes `h_n` simply the
//! state after step `T−1`.

use crate::cell::{CellKind, StepCache};
use crate::linalg::{all_finite, matmul, matmul_packed, tanh, PackedRhs};
use crate::rng::Rng;

/// The parameters of one layer and direction, in PyTorch's shapes (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerParams {
    /// `weight_ih`: `G·H × in`.
    pub weight_ih: Vec<f64>,
    /// `weight_hh`: `G·H × H`.
    pub weight_hh: Vec<f64>,
    /// `bias_ih`: `G·H`.
    pub bias_ih: Vec<f64>,
    /// `bias_hh`: `G·H`.
    pub bias_hh: Vec<f64>,
}

/// The four parameter kinds of a layer, in PyTorch's `state_dict` order.
pub const PARAM_KINDS: [&str; 4] = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"];

impl LayerParams {
    /// Zero parameters of the right sizes.
    pub fn zeros(g: usize, h: usize, input: usize) -> Self {
        LayerParams {
            weight_ih: vec![0.0; g * h * input],
            weight_hh: vec![0.0; g * h * h],
            bias_ih: vec![0.0; g * h],
            bias_hh: vec![0.0; g * h],
        }
    }

    /// The tensor of one kind (`"weight_ih"`, ...).
    pub fn get(&self, kind: &str) -> &[f64] {
        match kind {
            "weight_ih" => &self.weight_ih,
            "weight_hh" => &self.weight_hh,
            "bias_ih" => &self.bias_ih,
            _ => &self.bias_hh,
        }
    }

    /// The four tensors in [`PARAM_KINDS`] order.
    pub fn tensors(&self) -> [&[f64]; 4] {
        [
            &self.weight_ih,
            &self.weight_hh,
            &self.bias_ih,
            &self.bias_hh,
        ]
    }

    /// The four tensors, mutable, in the same order.
    pub fn tensors_mut(&mut self) -> [&mut [f64]; 4] {
        [
            &mut self.weight_ih,
            &mut self.weight_hh,
            &mut self.bias_ih,
            &mut self.bias_hh,
        ]
    }

    /// Sets gate block `k`'s part of `bias_ih` to `value` and of `bias_hh` to 0 (`h` units per
    /// block), so the gate's bias is exactly `value`.
    pub fn set_block_bias(&mut self, k: usize, h: usize, value: f64) {
        self.bias_ih[k * h..(k + 1) * h].fill(value);
        self.bias_hh[k * h..(k + 1) * h].fill(0.0);
    }

    /// Mutable access by kind.
    pub fn get_mut(&mut self, kind: &str) -> &mut Vec<f64> {
        match kind {
            "weight_ih" => &mut self.weight_ih,
            "weight_hh" => &mut self.weight_hh,
            "bias_ih" => &mut self.bias_ih,
            _ => &mut self.bias_hh,
        }
    }
}

/// The architecture: everything but the numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Architecture {
    /// The cell.
    pub cell: CellKind,
    /// I, features per input step.
    pub input_size: usize,
    /// H, hidden units.
    pub hidden_size: usize,
    /// L, stacked layers.
    pub num_layers: usize,
    /// Two directions when true.
    pub bidirectional: bool,
}

impl Architecture {
    /// D: 2 when bidirectional, else 1.
    pub fn directions(&self) -> usize {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    /// G·H, rows of each weight matrix.
    pub fn gate_rows(&self) -> usize {
        self.cell.gates() * self.hidden_size
    }

    /// Input width of layer `l`.
    pub fn layer_input_size(&self, layer: usize) -> usize {
        if layer == 0 {
            self.input_size
        } else {
            self.directions() * self.hidden_size
        }
    }

    /// The PyTorch `state_dict` suffix of layer/direction: `l0`, `l0_reverse`, ...
    pub fn suffix(layer: usize, direction: usize) -> String {
        if direction == 1 {
            format!("l{layer}_reverse")
        } else {
            format!("l{layer}")
        }
    }

    /// All parameter names with their shapes, in `state_dict` order.
    pub fn param_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out = Vec::new();
        let gh = self.gate_rows();
        for l in 0..self.num_layers {
            for d in 0..self.directions() {
                let sfx = Self::suffix(l, d);
                out.push((
                    format!("weight_ih_{sfx}"),
                    vec![gh, self.layer_input_size(l)],
                ));
                out.push((format!("weight_hh_{sfx}"), vec![gh, self.hidden_size]));
                out.push((format!("bias_ih_{sfx}"), vec![gh]));
                out.push((format!("bias_hh_{sfx}"), vec![gh]));
            }
        }
        out
    }
}

/// A network: architecture plus parameters for every layer × direction (index `l·D + d`).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// Shape of the network.
    pub arch: Architecture,
    /// Parameters, index `layer · D + direction` (h_n order).
    pub layers: Vec<LayerParams>,
}

impl Network {
    /// A network with all parameters zero.
    pub fn zeros(arch: Architecture) -> Self {
        let layers = (0..arch.num_layers * arch.directions())
            .map(|i| {
                LayerParams::zeros(
                    arch.cell.gates(),
                    arch.hidden_size,
                    arch.layer_input_size(i / arch.directions()),
                )
            })
            .collect();
        Network { arch, layers }
    }

    /// Looks up a parameter by its `state_dict` name.
    pub fn param(&self, name: &str) -> Option<&[f64]> {
        let (kind, idx) = self.parse_name(name)?;
        Some(self.layers[idx].get(kind))
    }

    /// Mutable parameter by `state_dict` name.
    pub fn param_mut(&mut self, name: &str) -> Option<&mut Vec<f64>> {
        let (kind, idx) = self.parse_name(name)?;
        Some(self.layers[idx].get_mut(kind))
    }

    fn parse_name<'a>(&self, name: &'a str) -> Option<(&'a str, usize)> {
        let kind = PARAM_KINDS
            .into_iter()
            .find(|k| name.starts_with(k) && name[k.len()..].starts_with("_l"))?;
        let rest = &name[kind.len() + 2..];
        let (num, dir) = match rest.strip_suffix("_reverse") {
            Some(n) => (n, 1),
            None => (rest, 0),
        };
        if num.is_empty() || !num.bytes().all(|c| c.is_ascii_digit()) || num.len() > 3 {
            return None;
        }
        let layer: usize = num.parse().ok()?;
        if layer >= self.arch.num_layers || dir >= self.arch.directions() {
            return None;
        }
        Some((
            PARAM_KINDS.into_iter().find(|k| *k == kind)?,
            layer * self.arch.directions() + dir,
        ))
    }
}

/// A padded batch: `B` sequences of up to `T` steps and their lengths.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// B × T × I, batch first.
    pub input: Vec<f64>,
    /// B
    pub batch: usize,
    /// T
    pub steps: usize,
    /// Per-sequence length, each in `1..=T`.
    pub lengths: Vec<usize>,
}

impl Batch {
    /// Original time position read by sequence `b` at processing step `s` of `direction`
    /// (`None` when the sequence is already finished).
    #[inline]
    pub fn position(&self, b: usize, s: usize, direction: usize) -> Option<usize> {
        let n = self.lengths[b];
        if s >= n {
            None
        } else if direction == 0 {
            Some(s)
        } else {
            Some(n - 1 - s)
        }
    }
}

/// Initial states, `[L·D][B][H]` each (zeros when absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InitialState {
    /// h0, `L·D × B × H`.
    pub h0: Option<Vec<f64>>,
    /// c0, `L·D × B × H` (LSTM).
    pub c0: Option<Vec<f64>>,
}

/// Dropout between layers (training mode only). The masks are drawn from `seed` layer by layer,
/// each over the whole batch in `B × T × D·H` order; a chunk of a larger batch (`rows`) draws
/// that batch's masks the same way and keeps its own sequences' part, so a batch split into
/// chunks is masked exactly as the whole batch would be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    /// Drop probability in `[0, 1)`.
    pub p: f64,
    /// Seed of the masks.
    pub seed: u64,
    /// Where this batch sits in the batch the masks are drawn for (`None`: it is that batch).
    pub rows: Option<BatchRows>,
}

/// Sequences `start..start + B` of a batch of `total` sequences (B: the chunk's own size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchRows {
    /// The chunk's first sequence in the whole batch.
    pub start: usize,
    /// Sequences in the whole batch.
    pub total: usize,
}

impl Dropout {
    /// Masks with probability `p` from `seed`, for the batch itself.
    pub fn new(p: f64, seed: u64) -> Dropout {
        Dropout {
            p,
            seed,
            rows: None,
        }
    }

    /// One layer's mask (0 or `1/(1−p)` per entry) for a batch of `bsz` sequences of `per_seq`
    /// entries each: the whole batch's `total · per_seq` draws, in order, keeping this chunk's.
    fn layer_mask(&self, rng: &mut Rng, bsz: usize, per_seq: usize) -> Vec<f64> {
        let keep = 1.0 / (1.0 - self.p);
        let BatchRows { start, total } = self.rows.unwrap_or(BatchRows {
            start: 0,
            total: bsz,
        });
        let mine = start * per_seq..(start + bsz) * per_seq;
        let mut mask = Vec::with_capacity(bsz * per_seq);
        for i in 0..total.max(start + bsz) * per_seq {
            let m = if rng.uniform() < self.p { 0.0 } else { keep };
            if mine.contains(&i) {
                mask.push(m);
            }
        }
        mask
    }
}

/// Everything the forward pass of one layer × direction computed, in processing order.
#[derive(Clone, Debug)]
pub struct DirectionRun {
    /// Layer index.
    pub layer: usize,
    /// 0 forward, 1 reverse.
    pub direction: usize,
    /// Input width of this layer.
    pub input_size: usize,
    /// Inputs gathered in processing order, `T × B × in` (0 for inactive rows).
    pub x: Vec<f64>,
    /// `W_ih x + b_ih`, `T × B × G·H`.
    pub xp: Vec<f64>,
    /// `W_hh h_{s−1} + b_hh`, `T × B × G·H`.
    pub hp: Vec<f64>,
    /// Post-activation gates, `T × B × G·H` (0 for inactive rows).
    pub gates: Vec<f64>,
    /// Hidden states, `(T+1) × B × H`; `h[0]` is h0, inactive rows carry.
    pub h: Vec<f64>,
    /// Cell states, `(T+1) × B × H` (LSTM, else empty).
    pub c: Vec<f64>,
    /// `tanh(c)`, `(T+1) × B × H` (LSTM, else empty; row 0 unused).
    pub tanh_c: Vec<f64>,
    /// Per sequence, the original position of the first step whose state is not finite.
    pub first_nonfinite: Vec<Option<usize>>,
}

/// The result of a forward pass.
#[derive(Clone, Debug)]
pub struct Forward {
    /// `B × T × D·H`, 0 at padded positions.
    pub output: Vec<f64>,
    /// `L·D × B × H`.
    pub h_n: Vec<f64>,
    /// `L·D × B × H` (LSTM), else empty.
    pub c_n: Vec<f64>,
    /// One per layer × direction, h_n order.
    pub runs: Vec<DirectionRun>,
    /// Per layer `l < L−1` in training mode with dropout: the mask (0 or 1/(1−p)), `B × T × D·H`.
    pub dropout_masks: Vec<Option<Vec<f64>>>,
}

impl Network {
    /// Runs the network over a batch.
    ///
    /// # Shapes
    /// `batch.input`: `B × T × I`; states `L·D × B × H`. Output `B × T × D·H`.
    /// The caller (the spec layer) has validated all shapes.
    pub fn forward(
        &self,
        batch: &Batch,
        state: &InitialState,
        dropout: Option<Dropout>,
    ) -> Forward {
        let arch = self.arch;
        let (bsz, steps, hid) = (batch.batch, batch.steps, arch.hidden_size);
        let dirs = arch.directions();
        let mut layer_input = batch.input.clone();
        let mut runs = Vec::with_capacity(arch.num_layers * dirs);
        let mut dropout_masks = Vec::new();
        let mut h_n = vec![0.0; arch.num_layers * dirs * bsz * hid];
        let mut c_n = if arch.cell.has_cell_state() {
            vec![0.0; h_n.len()]
        } else {
            Vec::new()
        };
        let mut mask_rng = dropout.map(|d| Rng::new(d.seed));
        let mut output = Vec::new();
        for layer in 0..arch.num_layers {
            let in_size = arch.layer_input_size(layer);
            let mut layer_out = vec![0.0; bsz * steps * dirs * hid];
            for dir in 0..dirs {
                let idx = layer * dirs + dir;
                let h0 = state
                    .h0
                    .as_ref()
                    .map(|v| &v[idx * bsz * hid..(idx + 1) * bsz * hid]);
                let c0 = state
                    .c0
                    .as_ref()
                    .map(|v| &v[idx * bsz * hid..(idx + 1) * bsz * hid]);
                let run = self.run_direction(layer, dir, in_size, &layer_input, batch, h0, c0);
                for b in 0..bsz {
                    for s in 0..steps {
                        if let Some(p) = batch.position(b, s, dir) {
                            let src = &run.h[((s + 1) * bsz + b) * hid..][..hid];
                            let o = (b * steps + p) * dirs * hid + dir * hid;
                            layer_out[o..o + hid].copy_from_slice(src);
                        }
                    }
                }
                let last = &run.h[steps * bsz * hid..];
                h_n[idx * bsz * hid..(idx + 1) * bsz * hid].copy_from_slice(last);
                if arch.cell.has_cell_state() {
                    let last_c = &run.c[steps * bsz * hid..];
                    c_n[idx * bsz * hid..(idx + 1) * bsz * hid].copy_from_slice(last_c);
                }
                runs.push(run);
            }
            if layer + 1 < arch.num_layers {
                let mask = match (dropout, mask_rng.as_mut()) {
                    (Some(d), Some(rng)) if d.p > 0.0 => {
                        let m = d.layer_mask(rng, bsz, steps * dirs * hid);
                        for (v, k) in layer_out.iter_mut().zip(&m) {
                            *v *= k;
                        }
                        Some(m)
                    }
                    _ => None,
                };
                dropout_masks.push(mask);
                layer_input = layer_out;
            } else {
                output = layer_out;
            }
        }
        Forward {
            output,
            h_n,
            c_n,
            runs,
            dropout_masks,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_direction(
        &self,
        layer: usize,
        dir: usize,
        in_size: usize,
        layer_input: &[f64],
        batch: &Batch,
        h0: Option<&[f64]>,
        c0: Option<&[f64]>,
    ) -> DirectionRun {
        let arch = self.arch;
        let cell = arch.cell;
        let p = &self.layers[layer * arch.directions() + dir];
        let (bsz, steps, hid) = (batch.batch, batch.steps, arch.hidden_size);
        let gh = arch.gate_rows();
        let rows = steps * bsz;
        // Gather the inputs in processing order.
        let mut x = vec![0.0; rows * in_size];
        for s in 0..steps {
            for b in 0..bsz {
                if let Some(pos) = batch.position(b, s, dir) {
                    let src = &layer_input[(b * steps + pos) * in_size..][..in_size];
                    x[(s * bsz + b) * in_size..][..in_size].copy_from_slice(src);
                }
            }
        }
        // All input projections at once: xp = x · W_ihᵀ + b_ih (the biases copied in, with no
        // zeroing pass first).
        let mut xp = p.bias_ih.repeat(rows);
        matmul(
            rows,
            in_size,
            gh,
            &x,
            false,
            &p.weight_ih,
            true,
            1.0,
            &mut xp,
        );

        // b_hh in every row; h_{s−1} · W_hhᵀ is added at each step.
        let mut hp = p.bias_hh.repeat(rows);
        let mut gates = vec![0.0; rows * gh];
        let mut h = vec![0.0; (steps + 1) * bsz * hid];
        if let Some(h0) = h0 {
            h[..bsz * hid].copy_from_slice(h0);
        }
        let lstm = cell.has_cell_state();
        let mut c = if lstm {
            vec![0.0; (steps + 1) * bsz * hid]
        } else {
            Vec::new()
        };
        let mut tanh_c = if lstm {
            vec![0.0; (steps + 1) * bsz * hid]
        } else {
            Vec::new()
        };
        if let (true, Some(c0)) = (lstm, c0) {
            c[..bsz * hid].copy_from_slice(c0);
        }
        let mut first_nonfinite = vec![None; bsz];
        let empty: &[f64] = &[];
        // h_{s−1} · W_hhᵀ at every step: W_hhᵀ (H × G·H) prepared once.
        let w_hh_t = PackedRhs::new(hid, gh, &p.weight_hh, true);
        for s in 0..steps {
            let hps = &mut hp[s * bsz * gh..(s + 1) * bsz * gh];
            let (h_before, h_after) = h.split_at_mut((s + 1) * bsz * hid);
            let h_prev = &h_before[s * bsz * hid..];
            matmul_packed(bsz, h_prev, false, &w_hh_t, 1.0, hps);
            let (c_before, c_after) = if lstm {
                let (a, b) = c.split_at_mut((s + 1) * bsz * hid);
                (&a[s * bsz * hid..], &mut b[..bsz * hid])
            } else {
                (empty, &mut [][..])
            };
            let tc_after = if lstm {
                &mut tanh_c[(s + 1) * bsz * hid..(s + 2) * bsz * hid]
            } else {
                &mut [][..]
            };
            for b in 0..bsz {
                let hrow = b * hid..(b + 1) * hid;
                let grow = (s * bsz + b) * gh..(s * bsz + b + 1) * gh;
                let Some(pos) = batch.position(b, s, dir) else {
                    h_after[hrow.clone()].copy_from_slice(&h_prev[hrow.clone()]);
                    if lstm {
                        c_after[hrow.clone()].copy_from_slice(&c_before[hrow.clone()]);
                        for j in hrow {
                            tc_after[j] = tanh(c_after[j]);
                        }
                    }
                    continue;
                };
                let (cp, cn, tn) = if lstm {
                    (
                        &c_before[hrow.clone()],
                        &mut c_after[hrow.clone()],
                        &mut tc_after[hrow.clone()],
                    )
                } else {
                    (empty, &mut [][..], &mut [][..])
                };
                cell.forward_step(
                    &xp[grow.clone()],
                    &hps[b * gh..(b + 1) * gh],
                    &h_prev[hrow.clone()],
                    cp,
                    &mut gates[grow],
                    &mut h_after[hrow.clone()],
                    cn,
                    tn,
                );
                if first_nonfinite[b].is_none() && !all_finite(&h_after[hrow]) {
                    first_nonfinite[b] = Some(pos);
                }
            }
        }
        DirectionRun {
            layer,
            direction: dir,
            input_size: in_size,
            x,
            xp,
            hp,
            gates,
            h,
            c,
            tanh_c,
            first_nonfinite,
        }
    }
}

impl DirectionRun {
    /// The backward step's cache for sequence `b` at processing step `s`.
    pub fn cache(&self, s: usize, b: usize, bsz: usize, hid: usize, gh: usize) -> StepCache<'_> {
        let g = (s * bsz + b) * gh..(s * bsz + b + 1) * gh;
        let hp = (s * bsz + b) * hid..(s * bsz + b + 1) * hid;
        let hc = ((s + 1) * bsz + b) * hid..((s + 1) * bsz + b + 1) * hid;
        let lstm = !self.c.is_empty();
        StepCache {
            xp: &self.xp[g.clone()],
            hp: &self.hp[g.clone()],
            gates: &self.gates[g],
            h_prev: &self.h[hp.clone()],
            c_prev: if lstm { &self.c[hp] } else { &[] },
            tanh_c: if lstm { &self.tanh_c[hc] } else { &[] },
        }
    }
}
