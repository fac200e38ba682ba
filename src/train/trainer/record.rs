//! What a run reports: one [`LogRecord`] per evaluation and one [`FinalRecord`] at the end, each
//! written as one line of JSON (docs/spec.md, "Training log").
//!
//! Two measurements are made only at evaluations, on the current parameters:
//!
//! - the spectrum of every recurrent block: for layer `l`, direction `d` and gate block `k` of
//!   `weight_hh` (`W_k`, `H × H`, named from the cell table), the spectral radius
//!   `ρ(W_k) = max |λ(W_k)|` and the largest singular value `σ_max(W_k) = ‖W_k‖₂`, as the lab
//!   computes them ([`spectral::spectral_radius`], [`spectral::spectral_norm`]);
//! - the gradient flow by lag on the probe batch: with `n_b` the length of sequence `b` and
//!   `g_{b,t} = ‖∂L/∂h_t‖₂` (layer 0, forward direction, total derivative), lag `k` is step
//!   `t = n_b − 1 − k`, so lag 0 is the step the loss reads at the end (every sequence aligned at
//!   its own last valid step), and `grad_by_lag[k] = mean over the sequences with n_b > k of
//!   g_{b, n_b−1−k}`: as long as the longest sequence, each entry averaged over the sequences
//!   that reach that far back.

use std::fmt::Write;

use crate::bptt::GradientFlow;
use crate::json::{write_array, write_number, write_str};
use crate::network::{Architecture, Batch, Network};
use crate::spectral;
use crate::trace::by_lag;
use crate::train::params::ParamSet;

/// The spectrum of one `H × H` block of `weight_hh`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockSpectrum {
    /// Layer index.
    pub layer: usize,
    /// 0 forward, 1 reverse.
    pub direction: usize,
    /// The gate block's name in the cell table (LSTM `i f g o`, GRU `r z n`, plain RNNs `h`).
    pub block: &'static str,
    /// `ρ(W_k)`.
    pub spectral_radius: f64,
    /// `σ_max(W_k)`.
    pub max_singular_value: f64,
}

/// The success measure of a record: its log field name and value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Success {
    /// `test_solved` or `test_accuracy`.
    pub field: &'static str,
    /// A fraction in `[0, 1]`.
    pub value: f64,
}

/// One evaluation (see docs/spec.md for each field).
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// Iterations done.
    pub iteration: u64,
    /// Training sequences seen, `iteration · B`.
    pub sequences: u64,
    /// Training time so far, as the caller measured it.
    pub seconds: f64,
    /// Mean training loss over the iterations since the previous record (`None` when there were
    /// none: the record at iteration 0).
    pub train_loss: Option<f64>,
    /// Mean loss on the held-out set.
    pub test_loss: f64,
    /// The success measure on the held-out set.
    pub success: Success,
    /// A corpus's accuracy on its long-range test sentences (`test_accuracy_long_range`), when
    /// it marks them.
    pub long_range: Option<f64>,
    /// Global gradient norm before clipping at the last iteration (`None` before the first).
    pub grad_norm: Option<f64>,
    /// Whether clipping fired at the last iteration (`None` before the first).
    pub clipped: Option<bool>,
    /// Iterations since the previous record at which clipping fired.
    pub clip_count: u64,
    /// The spectrum of every recurrent block, layer by layer, direction by direction, block by
    /// block.
    pub w_hh: Vec<BlockSpectrum>,
    /// `‖∂L/∂h_t‖` on the probe batch by lag (module docs).
    pub grad_by_lag: Vec<f64>,
}

/// When a run first reached its criterion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reached {
    /// At the evaluation after this many iterations.
    pub iteration: u64,
    /// Training sequences seen by then.
    pub sequences: u64,
    /// Training seconds by then.
    pub seconds: f64,
}

/// The totals of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct FinalRecord {
    /// Iterations done.
    pub iterations: u64,
    /// Training sequences seen.
    pub sequences: u64,
    /// Training time, as the caller measured it.
    pub seconds: f64,
    /// Held-out loss at the end.
    pub test_loss: f64,
    /// Held-out success at the end.
    pub success: Success,
    /// The last evaluation's accuracy on a corpus's long-range test sentences, if marked.
    pub long_range: Option<f64>,
    /// The best held-out success of any evaluation.
    pub best: f64,
    /// The success the problem counts as solved ([`super::Problem::criterion`]).
    pub criterion: f64,
    /// The first evaluation at or above the criterion, if any.
    pub reached: Option<Reached>,
}

/// The spectrum of every block of every layer and direction's `weight_hh`.
pub fn w_hh_spectra(net: &Network) -> Vec<BlockSpectrum> {
    let Architecture {
        cell, hidden_size, ..
    } = net.arch;
    let dirs = net.arch.directions();
    let mut out = Vec::with_capacity(net.layers.len() * cell.gates());
    for (idx, p) in net.layers.iter().enumerate() {
        for (k, block) in cell.blocks().iter().enumerate() {
            let w = spectral::block(&p.weight_hh, hidden_size, k);
            out.push(BlockSpectrum {
                layer: idx / dirs,
                direction: idx % dirs,
                block: block.name,
                spectral_radius: spectral::spectral_radius(&w, hidden_size),
                max_singular_value: spectral::spectral_norm(&w, hidden_size, hidden_size),
            });
        }
    }
    out
}

/// `‖∂L/∂h_t‖` of one direction's flow averaged by lag from each sequence's last valid step
/// (module docs); `flow` must be a forward direction's.
pub fn grad_by_lag(flow: &GradientFlow, batch: &Batch) -> Vec<f64> {
    let longest = batch.lengths.iter().copied().max().unwrap_or(0);
    let mut sum = vec![0.0; longest];
    let mut count = vec![0usize; longest];
    for (b, &n) in batch.lengths.iter().enumerate() {
        let steps = &flow.grad_h_norm[b * batch.steps..b * batch.steps + n];
        for (k, g) in by_lag(steps, false).into_iter().enumerate() {
            sum[k] += g;
            count[k] += 1;
        }
    }
    sum.iter().zip(&count).map(|(s, &c)| s / c as f64).collect()
}

fn key(o: &mut String, k: &str) {
    o.push(',');
    write_str(o, k);
    o.push(':');
}

fn optional_number(o: &mut String, x: Option<f64>) {
    match x {
        Some(x) => write_number(o, x),
        None => o.push_str("null"),
    }
}

/// `,"test_accuracy_long_range":x` when there is such an accuracy.
fn write_long_range(o: &mut String, x: Option<f64>) {
    if let Some(x) = x {
        key(o, LONG_RANGE_FIELD);
        write_number(o, x);
    }
}

/// The log's name for a corpus's accuracy on its long-range test sentences.
pub const LONG_RANGE_FIELD: &str = "test_accuracy_long_range";

impl LogRecord {
    /// One line of JSON, no newline (docs/spec.md, "Training log").
    pub fn to_json(&self) -> String {
        let mut o = String::with_capacity(256 + 24 * self.grad_by_lag.len());
        let _ = write!(
            o,
            "{{\"iteration\":{},\"sequences\":{}",
            self.iteration, self.sequences
        );
        key(&mut o, "seconds");
        write_number(&mut o, self.seconds);
        key(&mut o, "train_loss");
        optional_number(&mut o, self.train_loss);
        key(&mut o, "test_loss");
        write_number(&mut o, self.test_loss);
        key(&mut o, self.success.field);
        write_number(&mut o, self.success.value);
        write_long_range(&mut o, self.long_range);
        key(&mut o, "grad_norm");
        optional_number(&mut o, self.grad_norm);
        key(&mut o, "clipped");
        o.push_str(match self.clipped {
            Some(true) => "true",
            Some(false) => "false",
            None => "null",
        });
        let _ = write!(o, ",\"clip_count\":{},\"w_hh\":[", self.clip_count);
        for (i, s) in self.w_hh.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            let _ = write!(
                o,
                "{{\"layer\":{},\"direction\":{},\"block\":",
                s.layer, s.direction
            );
            write_str(&mut o, s.block);
            key(&mut o, "spectral_radius");
            write_number(&mut o, s.spectral_radius);
            key(&mut o, "max_singular_value");
            write_number(&mut o, s.max_singular_value);
            o.push('}');
        }
        o.push(']');
        key(&mut o, "grad_by_lag");
        write_array(&mut o, &self.grad_by_lag, &[self.grad_by_lag.len()]);
        o.push('}');
        o
    }
}

impl FinalRecord {
    /// One line of JSON, no newline; with `params`, the parameters by name (docs/spec.md).
    pub fn to_json(&self, params: Option<&dyn ParamSet>) -> String {
        let mut o = String::from("{\"final\":true,\"format\":\"unrolled-train\"");
        let _ = write!(
            o,
            ",\"version\":{},\"iterations\":{},\"sequences\":{}",
            crate::spec::train::VERSION,
            self.iterations,
            self.sequences
        );
        key(&mut o, "seconds");
        write_number(&mut o, self.seconds);
        key(&mut o, "test_loss");
        write_number(&mut o, self.test_loss);
        key(&mut o, self.success.field);
        write_number(&mut o, self.success.value);
        write_long_range(&mut o, self.long_range);
        key(&mut o, &format!("best_{}", self.success.field));
        write_number(&mut o, self.best);
        o.push_str(",\"criterion\":{\"field\":");
        write_str(&mut o, self.success.field);
        key(&mut o, "at_least");
        write_number(&mut o, self.criterion);
        o.push_str("},\"reached\":");
        match self.reached {
            Some(r) => {
                let _ = write!(
                    o,
                    "{{\"iteration\":{},\"sequences\":{},\"seconds\":",
                    r.iteration, r.sequences
                );
                write_number(&mut o, r.seconds);
                o.push('}');
            }
            None => o.push_str("null"),
        }
        if let Some(p) = params {
            key(&mut o, "params");
            write_params(&mut o, p);
        }
        o.push('}');
        o
    }
}

/// Every tensor of `params` by name, as nested arrays in its shape: `{"rnn.weight_ih_l0": …}`.
pub fn write_params(o: &mut String, params: &dyn ParamSet) {
    o.push('{');
    for (i, t) in params.tensors().iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        write_str(o, &t.name);
        o.push(':');
        write_array(o, t.values, &t.shape);
    }
    o.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lengths 3 and 1 over `T = 3`: sequence 0 reads `(1, 2, 3)` backwards from step 2,
    /// sequence 1 has only lag 0 (`10`): lag 0 is `(3 + 10)/2`, lags 1 and 2 sequence 0's alone.
    #[test]
    fn grad_by_lag_aligns_each_sequence_at_its_last_valid_step() {
        let flow = GradientFlow {
            grad_h_norm: vec![1.0, 2.0, 3.0, 10.0, 0.0, 0.0],
            grad_c_norm: Vec::new(),
            w_hh_grad_contribution: Vec::new(),
            first_nonfinite: vec![None, None],
        };
        let batch = Batch {
            input: vec![0.0; 6],
            batch: 2,
            steps: 3,
            lengths: vec![3, 1],
        };
        assert_eq!(grad_by_lag(&flow, &batch), vec![6.5, 2.0, 1.0]);
    }
}
