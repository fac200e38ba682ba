//! What a run learns — a task drawn afresh at every iteration, or one explicit batch — and the
//! random streams a run draws from.
//!
//! Success is the problem's own measure on the held-out set, a fraction in `[0, 1]`; a run
//! *solves* its problem when that fraction reaches [`Problem::criterion`]:
//!
//! | problem | measure (log field) | solved when |
//! |---|---|---|
//! | `adding`, `adding_sum` | sequences within 0.04 of the target ([`solved`], `test_solved`) | ≥ 0.95 |
//! | `temporal_order` | sequences classified right ([`accuracy`], `test_accuracy`) | ≥ 0.95 |
//! | `copy` | recalled symbols right (`test_accuracy`, the recall accuracy) | ≥ 0.95 |
//! | `data`, regression | outputs within 0.04 of their target (`test_solved`) | ≥ 0.95 |
//! | `data`, classes | sequences classified right (`test_accuracy`) | ≥ 0.95 |
//! | `data`, text | sentences classified right (`test_accuracy`) | ≥ 0.95 |
//! | `sentiment`, a corpus | test sentences classified right (`test_accuracy`) | ≥ 0.95 |
//!
//! Hochreiter & Schmidhuber (1997) stop training on the adding problem once the most recent
//! sequences are all processed correctly; 0.95 on a held-out set is that criterion as a fraction
//! that a finite held-out set and a short run can reach. One threshold for every problem, in one
//! place ([`SOLVED_AT`]); [`Problem::criterion`] names every task so a new one must decide.

use std::sync::Arc;

use crate::rng::Rng;
use crate::train::classifier::TokenBatch;
use crate::train::corpus::Corpus;
use crate::train::tasks::{accuracy, solved, Head, Task, TaskBatch};

/// The success fraction at which a run counts as having solved its problem.
pub const SOLVED_AT: f64 = 0.95;

/// What a task's or an explicit batch's examples are called in words (plural).
pub const TASK_ITEMS: &str = "sequences";
/// What a text problem's examples are called in words (plural).
pub const TEXT_ITEMS: &str = "sentences";

/// An explicit batch, trained on at every iteration and tested on at every evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The sequences and their targets: `target` `B × O` ([`Head::RegressionAtEnd`]) or
    /// `labels` `B` ([`Head::ClassAtEnd`]).
    pub sample: TaskBatch,
    /// What the head reads: one of the two heads at the end.
    pub head: Head,
    /// `I`, the width of one input step.
    pub input_size: usize,
    /// `O`: outputs (regression) or classes.
    pub output_size: usize,
}

/// Sentences of token ids with one class each, for the text classifier
/// ([`crate::train::classifier`]), trained on at every iteration and tested on at every
/// evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct TextData {
    /// The token ids and lengths, `B × T`.
    pub tokens: TokenBatch,
    /// One class per sentence, each below `classes`.
    pub labels: Vec<usize>,
    /// `O`, the number of classes.
    pub classes: usize,
}

impl TextData {
    /// The fraction of the sentences whose highest logit is their label.
    ///
    /// # Shapes
    /// `logits`: `B × O`.
    pub fn accuracy(&self, logits: &[f64]) -> f64 {
        accuracy(&self.labels, logits, self.classes)
    }
}

/// What a run learns.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A task, `B` fresh sequences per iteration.
    Task(Task),
    /// One batch, the same at every iteration.
    Data(Data),
    /// One batch of sentences, the same at every iteration (the text classifier's).
    Text(TextData),
    /// A corpus of sentences (the text classifier's): `B` training sentences drawn per
    /// iteration, the test set scored at every evaluation ([`Corpus`]).
    Corpus(Arc<Corpus>),
}

impl Problem {
    /// What the head reads and is scored on (text: one class per sentence, as
    /// [`Head::ClassAtEnd`]; the classifier's head reads the final states).
    pub fn head(&self) -> Head {
        match self {
            Problem::Task(t) => t.head(),
            Problem::Data(d) => d.head,
            Problem::Text(_) | Problem::Corpus(_) => Head::ClassAtEnd,
        }
    }

    /// `I`, the width of one input step; `None` for token ids (the model's embedding decides).
    pub fn input_size(&self) -> Option<usize> {
        match self {
            Problem::Task(t) => Some(t.input_size()),
            Problem::Data(d) => Some(d.input_size),
            Problem::Text(_) | Problem::Corpus(_) => None,
        }
    }

    /// `O`, the head's output size.
    pub fn output_size(&self) -> usize {
        match self {
            Problem::Task(t) => t.output_size(),
            Problem::Data(d) => d.output_size,
            Problem::Text(d) => d.classes,
            Problem::Corpus(c) => c.classes.len(),
        }
    }

    /// The longest sequence a batch can hold.
    pub fn max_length(&self) -> usize {
        match self {
            Problem::Task(t) => t.max_length(),
            Problem::Data(d) => d.sample.batch.steps,
            Problem::Text(d) => d.tokens.steps,
            Problem::Corpus(c) => c.train.longest().max(c.test.longest()),
        }
    }

    /// The success measure on `sample` given the head's `outputs` (see the module docs).
    ///
    /// # Shapes
    /// `outputs`: `B × O` (at the end) or `B × T × O` (at every step).
    pub fn success(&self, sample: &TaskBatch, outputs: &[f64]) -> f64 {
        match self {
            Problem::Text(d) => d.accuracy(outputs),
            Problem::Corpus(_) => accuracy(&sample.labels, outputs, self.output_size()),
            Problem::Task(t) => t.success(sample, outputs),
            Problem::Data(d) => match d.head {
                Head::RegressionAtEnd => solved(&sample.target, outputs),
                Head::ClassAtEnd | Head::ClassEveryStep => {
                    accuracy(&sample.labels, outputs, d.output_size)
                }
            },
        }
    }

    /// How many items the success measure scores per sequence: 1 (a sequence's output or
    /// class), `k` (copy's recalled symbols), `O` (an explicit batch's regression outputs). A
    /// batch's success is then a count of hits over `B` times this.
    pub fn success_items(&self) -> usize {
        match self {
            Problem::Task(Task::Adding(_) | Task::AddingSum(_) | Task::TemporalOrder(_)) => 1,
            Problem::Task(Task::CopyMemory(t)) => t.k(),
            Problem::Data(d) => match d.head {
                Head::RegressionAtEnd => d.output_size,
                Head::ClassAtEnd | Head::ClassEveryStep => 1,
            },
            Problem::Text(_) | Problem::Corpus(_) => 1,
        }
    }

    /// What its examples are called in words, plural ("training sentences seen"):
    /// [`TEXT_ITEMS`] for text, else [`TASK_ITEMS`].
    pub fn items(&self) -> &'static str {
        match self {
            Problem::Task(_) | Problem::Data(_) => TASK_ITEMS,
            Problem::Text(_) | Problem::Corpus(_) => TEXT_ITEMS,
        }
    }

    /// The log's name for the success measure: `test_solved` (regression) or `test_accuracy`.
    pub fn success_field(&self) -> &'static str {
        match self.head() {
            Head::RegressionAtEnd => "test_solved",
            Head::ClassAtEnd | Head::ClassEveryStep => "test_accuracy",
        }
    }

    /// The success at which the problem counts as solved (the module docs' table).
    pub fn criterion(&self) -> f64 {
        match self {
            Problem::Task(
                Task::Adding(_) | Task::AddingSum(_) | Task::TemporalOrder(_) | Task::CopyMemory(_),
            ) => SOLVED_AT,
            Problem::Data(_) | Problem::Text(_) | Problem::Corpus(_) => SOLVED_AT,
        }
    }
}

/// The independent random streams of a run, each an [`Rng`] seeded from the run's seed: the
/// initial network (unless `model.init.seed` names its own), the head's initial weights, the
/// training batches, the held-out set, the probe batch, the dropout masks and a classifier's
/// embedding. Stream `k`'s seed is the `k`-th draw of `Rng::new(seed)`, so the streams do not
/// overlap and adding a draw to one leaves the others as they were.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The network's parameters.
    Init,
    /// The head's parameters.
    Head,
    /// The training batches.
    Batches,
    /// The held-out set.
    HeldOut,
    /// The probe batch of the gradient-flow curve.
    Probe,
    /// The dropout masks, one seed per iteration.
    Dropout,
    /// A classifier's embedding table ([`crate::train::classifier`]).
    Embedding,
}

impl Stream {
    /// This stream's seed within a run seeded `seed`.
    pub fn seed(self, seed: u64) -> u64 {
        let index = match self {
            Stream::Init => 0,
            Stream::Head => 1,
            Stream::Batches => 2,
            Stream::HeldOut => 3,
            Stream::Probe => 4,
            Stream::Dropout => 5,
            Stream::Embedding => 6,
        };
        let mut master = Rng::new(seed);
        for _ in 0..index {
            master.next_u64();
        }
        master.next_u64()
    }

    /// This stream's generator within a run seeded `seed`.
    pub fn rng(self, seed: u64) -> Rng {
        Rng::new(self.seed(seed))
    }
}
