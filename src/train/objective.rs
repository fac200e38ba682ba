//! The training objective: a model's loss on a sample through its head, and the gradient of
//! that loss with respect to every parameter.
//!
//! With `y = rnn(x)` the network's output (`B × T × D·H`, 0 at padded positions) and `n_b` the
//! length of sequence `b`, the head reads (see [`Head`]):
//!
//! - at the end ([`Head::RegressionAtEnd`], [`Head::ClassAtEnd`]): `z_b = fc(y_{b, n_b − 1})`,
//!   the output at each sequence's last valid step, as `out[range(B), lengths − 1]` after
//!   `pad_packed_sequence`. For a bidirectional network that row holds the forward direction's
//!   last state and the reverse direction's state after its first step (it has read only
//!   `x_{n_b − 1}`), exactly as in PyTorch;
//! - at every step ([`Head::ClassEveryStep`]): `z_{b,t} = fc(y_{b,t})` for `t < n_b`.
//!
//! The loss is PyTorch's mean: MSE over the `B × O` outputs (`F.mse_loss`), cross-entropy over
//! the `B` sequences (`F.cross_entropy`) or over the `Σ_b n_b` valid positions (labels at padded
//! positions are ignored). Backward: the head gives `∂L/∂y` at the rows it read (zero
//! elsewhere), which is the `grad_output` of [`bptt::backward`]; the network's and the head's
//! gradients together form a [`Model`] of gradients, named as the model's parameters.

use crate::bptt::{self, GradientFlow, Upstream};
use crate::network::{Batch, Dropout, Forward, InitialState, Network};
use crate::train::linear::Linear;
use crate::train::loss::{cross_entropy, cross_entropy_steps, mse, Loss};
use crate::train::model::Model;
use crate::train::tasks::{Head, TaskBatch};

/// What the head read and how it scored.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The mean loss.
    pub loss: f64,
    /// How many terms the mean is over: `B·O` (regression), `B` (class at the end) or the
    /// number of valid positions (class at every step).
    pub count: usize,
    /// The head's outputs: `B × O` (at the end) or `B × T × O` (at every step; padded positions
    /// hold the bias).
    pub outputs: Vec<f64>,
}

/// The loss and the gradient of every parameter (one training pass).
#[derive(Clone, Debug)]
pub struct Pass {
    /// What the head read and how it scored.
    pub scored: Scored,
    /// `∂L/∂p` for every parameter `p`, named as the model's.
    pub grads: Model,
    /// The per-step gradient records of the network ([`bptt::Backward::flow`]).
    pub flow: Vec<GradientFlow>,
}

/// The loss of `model` on `sample` in evaluation mode (no dropout, no backward pass).
///
/// # Shapes
/// `sample.batch`: `B × T × I`; `sample.target`: `B × O` (regression) or `sample.labels`: `B`
/// (class at the end) or `B × T` (class at every step).
pub fn evaluate(model: &Model, sample: &TaskBatch, head: Head) -> Scored {
    let fwd = model
        .rnn
        .forward(&sample.batch, &InitialState::default(), None);
    score(model, sample, head, &fwd).0
}

/// The loss of `model` on `sample` and its gradient with respect to every parameter, with
/// `dropout` between layers (training mode) when given.
///
/// # Shapes
/// As [`evaluate`].
pub fn loss_and_grads(
    model: &Model,
    sample: &TaskBatch,
    head: Head,
    dropout: Option<Dropout>,
) -> Pass {
    loss_and_grads_with(model, sample, head, dropout, true)
}

/// [`loss_and_grads`] without the per-step gradient records (`flow` empty; the same loss and
/// gradients, bit for bit): what a training step needs.
pub fn loss_and_grads_only(
    model: &Model,
    sample: &TaskBatch,
    head: Head,
    dropout: Option<Dropout>,
) -> Pass {
    loss_and_grads_with(model, sample, head, dropout, false)
}

/// [`loss_and_grads`], with the flow records when `records`.
fn loss_and_grads_with(
    model: &Model,
    sample: &TaskBatch,
    head: Head,
    dropout: Option<Dropout>,
    records: bool,
) -> Pass {
    let batch = &sample.batch;
    let fwd = model.rnn.forward(batch, &InitialState::default(), dropout);
    let HeadPass {
        scored,
        grad_output,
        fc,
    } = head_pass(model, sample, head, &fwd);
    let upstream = Upstream {
        grad_output: Some(grad_output),
        ..Default::default()
    };
    let back = if records {
        bptt::backward(&model.rnn, batch, &fwd, &upstream)
    } else {
        bptt::gradients(&model.rnn, batch, &fwd, &upstream)
    };
    let rnn = Network {
        arch: model.rnn.arch,
        layers: back.grads.params,
    };
    Pass {
        scored,
        grads: Model { rnn, fc },
        flow: back.flow,
    }
}

/// The head's part of a training pass: its score of the network's forward pass, `∂L/∂y` (the
/// network's `grad_output`, `B × T × D·H`, zero where the head did not read) and the head's own
/// gradients.
pub struct HeadPass {
    /// What the head read and how it scored.
    pub scored: Scored,
    /// `∂L/∂y`.
    pub grad_output: Vec<f64>,
    /// `∂L/∂fc.weight`, `∂L/∂fc.bias`.
    pub fc: Linear,
}

/// Scores a forward pass of `model.rnn` on `sample` and takes the loss back through the head.
pub fn head_pass(model: &Model, sample: &TaskBatch, head: Head, fwd: &Forward) -> HeadPass {
    let batch = &sample.batch;
    let (scored, grad_logits) = score(model, sample, head, fwd);
    let width = model.fc.in_features;
    let (grad_output, fc) = match head {
        Head::ClassEveryStep => {
            let back = model.head_backward(fwd, &grad_logits);
            (back.grad_input, back.grads)
        }
        Head::RegressionAtEnd | Head::ClassAtEnd => {
            let rows = last_valid_rows(&fwd.output, batch, width);
            let back = model.fc.backward(&rows, &grad_logits);
            (
                to_last_valid_rows(&back.grad_input, batch, width),
                back.grads,
            )
        }
    };
    HeadPass {
        scored,
        grad_output,
        fc,
    }
}

/// The head's outputs, the loss and `∂L/∂outputs`.
fn score(model: &Model, sample: &TaskBatch, head: Head, fwd: &Forward) -> (Scored, Vec<f64>) {
    let batch = &sample.batch;
    let classes = model.fc.out_features;
    let (outputs, loss, count) = match head {
        Head::RegressionAtEnd => {
            let rows = last_valid_rows(&fwd.output, batch, model.fc.in_features);
            let outputs = model.fc.forward(&rows);
            let loss = mse(&outputs, &sample.target);
            (outputs, loss, sample.target.len())
        }
        Head::ClassAtEnd => {
            let rows = last_valid_rows(&fwd.output, batch, model.fc.in_features);
            let outputs = model.fc.forward(&rows);
            let loss = cross_entropy(&outputs, &sample.labels, classes);
            (outputs, loss, sample.labels.len())
        }
        Head::ClassEveryStep => {
            let outputs = model.head(fwd);
            let labels = valid_labels(&sample.labels, batch);
            let count = labels.iter().flatten().count();
            let loss = cross_entropy_steps(&outputs, &labels, classes);
            (outputs, loss, count)
        }
    };
    let Loss { value, grad } = loss;
    let scored = Scored {
        loss: value,
        count,
        outputs,
    };
    (scored, grad)
}

/// The rows of `output` (`B × T × width`) at each sequence's last valid step: `B × width`.
pub fn last_valid_rows(output: &[f64], batch: &Batch, width: usize) -> Vec<f64> {
    let mut rows = Vec::with_capacity(batch.batch * width);
    for (b, &n) in batch.lengths.iter().enumerate() {
        let at = (b * batch.steps + n - 1) * width;
        rows.extend_from_slice(&output[at..at + width]);
    }
    rows
}

/// `B × width` rows placed at each sequence's last valid step of a zero `B × T × width` array
/// (the adjoint of [`last_valid_rows`]).
pub fn to_last_valid_rows(rows: &[f64], batch: &Batch, width: usize) -> Vec<f64> {
    let mut out = vec![0.0; batch.batch * batch.steps * width];
    for (b, &n) in batch.lengths.iter().enumerate() {
        let at = (b * batch.steps + n - 1) * width;
        out[at..at + width].copy_from_slice(&rows[b * width..(b + 1) * width]);
    }
    out
}

/// Per-step labels (`B × T`) with the padded positions (`t ≥ n_b`) ignored.
fn valid_labels(labels: &[usize], batch: &Batch) -> Vec<Option<usize>> {
    let steps = batch.steps;
    labels
        .iter()
        .enumerate()
        .map(|(i, &y)| (i % steps < batch.lengths[i / steps]).then_some(y))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sequences of lengths 2 and 1 over `T = 3`, one feature: rows `[b][n_b − 1]`.
    #[test]
    fn last_valid_rows_and_their_adjoint() {
        let batch = Batch {
            input: vec![0.0; 6],
            batch: 2,
            steps: 3,
            lengths: vec![2, 1],
        };
        let output = [1.0, 2.0, 0.0, 4.0, 0.0, 0.0];
        assert_eq!(last_valid_rows(&output, &batch, 1), vec![2.0, 4.0]);
        let back = to_last_valid_rows(&[7.0, 8.0], &batch, 1);
        assert_eq!(back, vec![0.0, 7.0, 0.0, 8.0, 0.0, 0.0]);
        let labels = valid_labels(&[1, 2, 3, 4, 5, 6], &batch);
        assert_eq!(labels, vec![Some(1), Some(2), None, Some(4), None, None]);
    }
}
