//! Long-lag tasks, generated on the fly from a seed: the benchmarks on which recurrent networks
//! were shown to forget, each as its paper defines it, with the paper's success criterion and the
//! loss of a predictor that remembers nothing.
//!
//! | name | paper | I | head | target | success | memoryless loss |
//! |---|---|---|---|---|---|---|
//! | `adding` | Hochreiter & Schmidhuber 1997, exp. 4 | 2 | regression at the end | `0.5 + (X₁ + X₂)/4` | [`solved`]: `\|e\| < 0.04` | `≈ 1/24` ([`Adding::baseline_loss`]) |
//! | `adding_sum` | Le, Jaitly & Hinton 2015 | 2 | regression at the end | `X₁ + X₂` | [`solved`] | `1/6` |
//! | `temporal_order` | Hochreiter & Schmidhuber 1997, exp. 6a | 8 | 4 classes at the end | `XX, XY, YX, YY` | [`accuracy`] | `ln 4` |
//! | `copy` | Arjovsky, Shah & Bengio 2016 | 10 | 9 classes at every step | blanks, then the `k` symbols | recall accuracy | `k ln 8 / (T + 2k)` |
//!
//! A sample is a [`TaskBatch`]: a [`Batch`] (`B × T_max × I`, batch first, zero padding, one
//! length per sequence; `T_max` is the batch's longest length) and its targets. Sequences run
//! packed, so "the end" of sequence `b` is its last valid step `n_b − 1`. The losses the
//! baselines are stated in are means over what is scored:
//!
//! - regression: `MSE = (1/B) Σ_b (ŷ_b − y_b)²`;
//! - classification: `CE = mean over the scored (b, t) of −ln p_{b,t}(label_{b,t})`.
//!
//! A memoryless predictor is the best one that ignores the sequence's past: a constant for
//! regression, the class frequencies for `temporal_order`, and for `copy` "blank, then uniform
//! over the 8 symbols". A network that has learnt nothing long-range sits at this loss.
//!
//! Every random draw comes from [`Rng`], so a seed names the same batch on every machine and in
//! the browser. Configurations are validated when built ([`Task::from_name`], or each task's
//! `new`): `steps` is `T`, between a task's own minimum and [`MAX_STEPS`].
//!
//! # References
//! - S. Hochreiter, J. Schmidhuber (1997). Long Short-Term Memory. *Neural Computation* 9(8),
//!   1735–1780. Section 5.4, experiment 4 (the adding problem); section 5.6, experiment 6a
//!   (temporal order, two relevant symbols).
//! - Q. V. Le, N. Jaitly, G. E. Hinton (2015). A Simple Way to Initialize Recurrent Networks of
//!   Rectified Linear Units. arXiv:1504.00941. Section 4.1 (the adding problem).
//! - M. Arjovsky, A. Shah, Y. Bengio (2016). Unitary Evolution Recurrent Neural Networks.
//!   *ICML*. Section 4.1 (the copying memory problem).
//! - Y. Bengio, P. Simard, P. Frasconi (1994). Learning Long-Term Dependencies with Gradient
//!   Descent is Difficult. *IEEE Transactions on Neural Networks* 5(2), 157–166 (the latch:
//!   `copy` with `k = 1`).

mod adding;
mod copy;
mod temporal_order;

pub use adding::{Adding, AddingSum};
pub use copy::CopyMemory;
pub use temporal_order::TemporalOrder;

use crate::network::Batch;
use crate::rng::Rng;
use std::fmt;

/// Largest `steps` (`T`) of every task: the longest lag of Hochreiter & Schmidhuber's adding
/// experiments. Sequences reach `T + T/10` (`adding`, `temporal_order`) or `T + 2k` (`copy`).
pub const MAX_STEPS: usize = 1000;

/// The absolute error under which a regression sequence counts as solved (Hochreiter &
/// Schmidhuber 1997, experiment 4: "the absolute error at the sequence end is below 0.04").
pub const SOLVED_TOLERANCE: f64 = 0.04;

/// The names [`Task::from_name`] accepts, in the order of [`Task`]'s variants.
pub const TASK_NAMES: [&str; 4] = ["adding", "adding_sum", "temporal_order", "copy"];

/// A task configuration out of range or unknown: which field, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError {
    /// The field, e.g. `task.steps`.
    pub field: String,
    /// What was expected (and what was found), e.g. `must be ≥ 4 for adding (got 2)`.
    pub message: String,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

impl std::error::Error for TaskError {}

/// `Ok` when `min ≤ value ≤ max`, else the error naming `field` and the `task`.
fn check_range(
    field: &str,
    task: &str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<(), TaskError> {
    let message = if value < min {
        format!("must be ≥ {min} for {task} (got {value})")
    } else if value > max {
        format!("must be ≤ {max} for {task} (got {value})")
    } else {
        return Ok(());
    };
    Err(TaskError {
        field: field.to_string(),
        message,
    })
}

/// What the network's output layer reads and what it is scored on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Head {
    /// One real number read at each sequence's last valid step; loss MSE; targets in
    /// [`TaskBatch::target`].
    RegressionAtEnd,
    /// Class scores read at each sequence's last valid step; loss cross-entropy; one label per
    /// sequence in [`TaskBatch::labels`].
    ClassAtEnd,
    /// Class scores read at every step; loss cross-entropy averaged over all steps; one label
    /// per step in [`TaskBatch::labels`].
    ClassEveryStep,
}

/// One sampled batch and what the network should answer.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskBatch {
    /// The inputs: `B × T_max × I`, zero padding, per-sequence lengths.
    pub batch: Batch,
    /// Regression targets, `B × O` ([`Head::RegressionAtEnd`]); empty otherwise.
    pub target: Vec<f64>,
    /// Class labels: `B` ([`Head::ClassAtEnd`]) or `B × T_max` ([`Head::ClassEveryStep`]);
    /// empty for regression.
    pub labels: Vec<usize>,
}

/// One of the tasks, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Hochreiter & Schmidhuber's adding problem.
    Adding(Adding),
    /// Le, Jaitly & Hinton's fixed-length adding problem.
    AddingSum(AddingSum),
    /// Hochreiter & Schmidhuber's temporal order problem (6a).
    TemporalOrder(TemporalOrder),
    /// Arjovsky, Shah & Bengio's copying memory problem.
    CopyMemory(CopyMemory),
}

impl Task {
    /// The task called `name` (one of [`TASK_NAMES`]) over `steps` = `T`; `k` is `copy`'s number
    /// of symbols to recall (default [`CopyMemory::PAPER_K`]) and is refused for the others.
    ///
    /// # Errors
    /// An unknown name (`task.name`), `steps` out of the task's range (`task.steps`), `k` out of
    /// range or given to a task without one (`task.k`).
    pub fn from_name(name: &str, steps: usize, k: Option<usize>) -> Result<Task, TaskError> {
        if k.is_some() && name != "copy" && TASK_NAMES.contains(&name) {
            return Err(TaskError {
                field: "task.k".into(),
                message: format!("applies only to copy (not to {name})"),
            });
        }
        match name {
            "adding" => Adding::new(steps).map(Task::Adding),
            "adding_sum" => AddingSum::new(steps).map(Task::AddingSum),
            "temporal_order" => TemporalOrder::new(steps).map(Task::TemporalOrder),
            "copy" => {
                CopyMemory::new(steps, k.unwrap_or(CopyMemory::PAPER_K)).map(Task::CopyMemory)
            }
            _ => Err(TaskError {
                field: "task.name".into(),
                message: format!("must be one of {} (got {name:?})", TASK_NAMES.join(", ")),
            }),
        }
    }

    /// The shortest `T` the task called `name` accepts (what [`Task::from_name`] checks), or
    /// `None` for an unknown name.
    pub fn min_steps(name: &str) -> Option<usize> {
        match name {
            "adding" => Some(Adding::MIN_STEPS),
            "adding_sum" => Some(AddingSum::MIN_STEPS),
            "temporal_order" => Some(TemporalOrder::MIN_STEPS),
            "copy" => Some(CopyMemory::MIN_STEPS),
            _ => None,
        }
    }

    /// The name [`Task::from_name`] knows it by.
    pub fn name(&self) -> &'static str {
        match self {
            Task::Adding(_) => TASK_NAMES[0],
            Task::AddingSum(_) => TASK_NAMES[1],
            Task::TemporalOrder(_) => TASK_NAMES[2],
            Task::CopyMemory(_) => TASK_NAMES[3],
        }
    }

    /// `T`, the task's length parameter (the shortest sequence it draws).
    pub fn steps(&self) -> usize {
        match self {
            Task::Adding(t) => t.steps(),
            Task::AddingSum(t) => t.steps(),
            Task::TemporalOrder(t) => t.steps(),
            Task::CopyMemory(t) => t.steps(),
        }
    }

    /// The longest sequence the task draws, `T_max`: `T + ⌊T/10⌋` (`adding`, `temporal_order`),
    /// `T` (`adding_sum`), `T + 2k` (`copy`).
    pub fn max_length(&self) -> usize {
        match self {
            Task::Adding(t) => t.max_length(),
            Task::AddingSum(t) => t.steps(),
            Task::TemporalOrder(t) => t.max_length(),
            Task::CopyMemory(t) => t.length(),
        }
    }

    /// Width `I` of one input step.
    pub fn input_size(&self) -> usize {
        match self {
            Task::Adding(_) | Task::AddingSum(_) => adding::INPUT_SIZE,
            Task::TemporalOrder(_) => TemporalOrder::INPUT_SIZE,
            Task::CopyMemory(_) => CopyMemory::INPUT_SIZE,
        }
    }

    /// Width `O` of the output layer: 1 for regression, else the number of classes.
    pub fn output_size(&self) -> usize {
        match self {
            Task::Adding(_) | Task::AddingSum(_) => 1,
            Task::TemporalOrder(_) => TemporalOrder::CLASSES,
            Task::CopyMemory(_) => CopyMemory::OUTPUT_SIZE,
        }
    }

    /// What the output layer reads and is scored on.
    pub fn head(&self) -> Head {
        match self {
            Task::Adding(_) | Task::AddingSum(_) => Head::RegressionAtEnd,
            Task::TemporalOrder(_) => Head::ClassAtEnd,
            Task::CopyMemory(_) => Head::ClassEveryStep,
        }
    }

    /// `batch_size` fresh sequences drawn from `rng`.
    ///
    /// # Shapes
    /// `batch.input`: `B × T_max × I`; `target`: `B × 1` (regression); `labels`: `B`
    /// ([`Head::ClassAtEnd`]) or `B × T_max` ([`Head::ClassEveryStep`]).
    pub fn sample(&self, rng: &mut Rng, batch_size: usize) -> TaskBatch {
        match self {
            Task::Adding(t) => t.sample(rng, batch_size),
            Task::AddingSum(t) => t.sample(rng, batch_size),
            Task::TemporalOrder(t) => t.sample(rng, batch_size),
            Task::CopyMemory(t) => t.sample(rng, batch_size),
        }
    }

    /// The one sequence drawn from `Rng::new(seed)`, cut to its own length `n` (the sequence the
    /// lab opens trained models on, and `unrolled trace` runs a training spec on).
    pub fn one_sequence(&self, seed: u64) -> TaskBatch {
        let mut s = self.sample(&mut Rng::new(seed), 1);
        let n = s.batch.lengths[0];
        s.batch.input.truncate(n * self.input_size());
        s.batch.steps = n;
        if self.head() == Head::ClassEveryStep {
            s.labels.truncate(n);
        }
        s
    }

    /// The loss (MSE or mean cross-entropy, natural log) of the best predictor that remembers
    /// nothing: what a network that has learnt nothing long-range scores.
    pub fn baseline_loss(&self) -> f64 {
        match self {
            Task::Adding(t) => t.baseline_loss(),
            Task::AddingSum(_) => AddingSum::BASELINE_LOSS,
            Task::TemporalOrder(_) => TemporalOrder::BASELINE_LOSS,
            Task::CopyMemory(t) => t.baseline_loss(),
        }
    }

    /// What [`Task::success`] measures: `"solved"`, `"accuracy"` or `"recall accuracy"`.
    pub fn success_name(&self) -> &'static str {
        match self.head() {
            Head::RegressionAtEnd => "solved",
            Head::ClassAtEnd => "accuracy",
            Head::ClassEveryStep => "recall accuracy",
        }
    }

    /// The task's success measure, a fraction in `[0, 1]`: [`solved`] for the adding tasks,
    /// [`accuracy`] for `temporal_order`, [`CopyMemory::recall_accuracy`] for `copy`.
    ///
    /// # Shapes
    /// `outputs`: what the head read, `B × O` at the end or `B × T_max × O` at every step.
    ///
    /// # Panics
    /// When `outputs` does not have that shape.
    pub fn success(&self, sample: &TaskBatch, outputs: &[f64]) -> f64 {
        match self {
            Task::Adding(_) | Task::AddingSum(_) => solved(&sample.target, outputs),
            Task::TemporalOrder(_) => accuracy(&sample.labels, outputs, TemporalOrder::CLASSES),
            Task::CopyMemory(t) => t.recall_accuracy(sample, outputs),
        }
    }
}

/// The fraction of sequences whose prediction is within [`SOLVED_TOLERANCE`] of the target
/// (0 for an empty batch).
///
/// # Shapes
/// `target`, `prediction`: `B` (one output per sequence).
///
/// # Panics
/// When the lengths differ.
pub fn solved(target: &[f64], prediction: &[f64]) -> f64 {
    assert_eq!(target.len(), prediction.len(), "one prediction per target");
    let hits = target
        .iter()
        .zip(prediction)
        .filter(|(y, p)| (*p - *y).abs() < SOLVED_TOLERANCE)
        .count();
    fraction(hits, target.len())
}

/// The fraction of rows whose highest score is at the label (0 for an empty batch).
///
/// # Shapes
/// `labels`: `N`; `scores`: `N × classes` (logits or probabilities: the argmax is the same).
///
/// # Panics
/// When the shapes disagree.
pub fn accuracy(labels: &[usize], scores: &[f64], classes: usize) -> f64 {
    assert_eq!(
        scores.len(),
        labels.len() * classes,
        "scores are N × classes"
    );
    let hits = labels
        .iter()
        .zip(scores.chunks_exact(classes))
        .filter(|(label, row)| argmax(row) == **label)
        .count();
    fraction(hits, labels.len())
}

/// Index of the largest score (the first one on ties; NaN never wins).
pub fn argmax(scores: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] || scores[best].is_nan() {
            best = i;
        }
    }
    best
}

fn fraction(hits: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        hits as f64 / total as f64
    }
}

/// A zero batch of `lengths.len()` sequences padded to the longest (or to `min_steps` when
/// there are none).
fn zero_batch(lengths: Vec<usize>, input_size: usize, min_steps: usize) -> Batch {
    let steps = lengths.iter().copied().max().unwrap_or(min_steps);
    Batch {
        input: vec![0.0; lengths.len() * steps * input_size],
        batch: lengths.len(),
        steps,
        lengths,
    }
}

/// Sequence `b`'s padded rows, `T_max × I`.
fn sequence_mut(batch: &mut Batch, b: usize) -> &mut [f64] {
    let width = batch.input.len() / batch.batch.max(1);
    &mut batch.input[b * width..(b + 1) * width]
}

/// A uniform integer in `lo..=hi`.
fn uniform_int(rng: &mut Rng, lo: usize, hi: usize) -> usize {
    lo + rng.below(hi - lo + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sizes_agree_with_samples() {
        for name in TASK_NAMES {
            let task = Task::from_name(name, 100, None).unwrap();
            assert_eq!(task.name(), name);
            assert_eq!(task.steps(), 100);
            let s = task.sample(&mut Rng::new(1), 3);
            let b = &s.batch;
            assert_eq!(b.input.len(), 3 * b.steps * task.input_size(), "{name}");
            assert!(b.lengths.iter().all(|&n| (100..=b.steps).contains(&n)));
            assert!(b.steps <= task.max_length(), "{name}");
            match task.head() {
                Head::RegressionAtEnd => assert_eq!(s.target.len(), 3 * task.output_size()),
                Head::ClassAtEnd => assert_eq!(s.labels.len(), 3),
                Head::ClassEveryStep => assert_eq!(s.labels.len(), 3 * b.steps),
            }
            let labels_in_range = s.labels.iter().all(|&l| l < task.output_size());
            assert!(labels_in_range, "{name}");
        }
    }

    #[test]
    fn bad_names_and_params_are_errors_that_name_the_field() {
        let e = Task::from_name("addition", 100, None).unwrap_err();
        assert_eq!(e.field, "task.name");
        assert!(e
            .to_string()
            .contains("adding, adding_sum, temporal_order, copy"));
        let e = Task::from_name("adding", 3, None).unwrap_err();
        assert_eq!(e.to_string(), "task.steps must be ≥ 4 for adding (got 3)");
        let e = Task::from_name("temporal_order", 9, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "task.steps must be ≥ 10 for temporal_order (got 9)"
        );
        let e = Task::from_name("adding_sum", MAX_STEPS + 1, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "task.steps must be ≤ 1000 for adding_sum (got 1001)"
        );
        assert_eq!(
            Task::from_name("copy", 0, None).unwrap_err().field,
            "task.steps"
        );
        assert_eq!(
            Task::from_name("copy", 10, Some(0)).unwrap_err().field,
            "task.k"
        );
        let e = Task::from_name("adding", 100, Some(3)).unwrap_err();
        assert_eq!(e.to_string(), "task.k applies only to copy (not to adding)");
        assert!(Task::from_name("copy", 1, Some(1)).is_ok());
        assert!(Task::from_name("adding", MAX_STEPS, None).is_ok());
    }

    #[test]
    fn same_seed_same_batch_other_seed_other_batch() {
        for name in TASK_NAMES {
            let task = Task::from_name(name, 50, None).unwrap();
            let a = task.sample(&mut Rng::new(7), 4);
            assert_eq!(a, task.sample(&mut Rng::new(7), 4), "{name}");
            assert_ne!(a, task.sample(&mut Rng::new(8), 4), "{name}");
        }
    }

    #[test]
    fn success_measures_count_hits() {
        // |0.53 − 0.5| = 0.03 < 0.04 solved; |0.45 − 0.5| = 0.05 not.
        assert_eq!(solved(&[0.5, 0.5], &[0.53, 0.45]), 0.5);
        assert_eq!(solved(&[], &[]), 0.0);
        // Rows' argmaxes: 1, 0 (first of a tie), 2 → two of three right.
        let scores = [0.1, 0.9, 0.0, 0.5, 0.5, 0.0, 0.0, 0.2, 0.3];
        assert_eq!(accuracy(&[1, 0, 1], &scores, 3), 2.0 / 3.0);
        assert_eq!(argmax(&[f64::NAN, -1.0]), 1);
        assert_eq!(
            Task::from_name("copy", 5, None).unwrap().success_name(),
            "recall accuracy"
        );
    }

    #[test]
    fn an_empty_batch_is_empty() {
        for name in TASK_NAMES {
            let s = Task::from_name(name, 20, None)
                .unwrap()
                .sample(&mut Rng::new(0), 0);
            assert!(s.batch.input.is_empty() && s.batch.lengths.is_empty());
            assert!(s.target.is_empty() && s.labels.is_empty());
        }
    }
}
