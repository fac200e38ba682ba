//! The model a run trains, and one training pass of it on its problem: a recurrent network with
//! a linear head on its output ([`Model`], `rnn.…`, `fc.…`) on a task or an explicit batch, or
//! the course's text classifier ([`LstmClassifier`], `embedding.…`, `lstm.…`, `fc.…`) on
//! sentences of token ids. Both are one [`ParamSet`], so the optimisers, clipping and the
//! exports treat them alike.

use crate::bptt::GradientFlow;
use crate::network::{Dropout, Network};
use crate::train::classifier::LstmClassifier;
use crate::train::loss::cross_entropy;
use crate::train::model::Model;
use crate::train::objective::{evaluate, loss_and_grads, loss_and_grads_only};
use crate::train::params::{ParamSet, Tensor};
use crate::train::tasks::{Head, TaskBatch};

use super::problem::TextData;

/// A model to train (or the gradients of one: the same type, as `p.grad` has the shape of `p`).
#[derive(Clone, Debug, PartialEq)]
pub enum Learner {
    /// A recurrent network with a linear head on its output.
    Sequence(Model),
    /// The text classifier.
    Classifier(LstmClassifier),
}

/// The sample a pass reads: sequences with their targets, or sentences with their labels.
#[derive(Clone, Copy, Debug)]
pub enum Sample<'a> {
    /// For a [`Learner::Sequence`], scored by `head`.
    Sequences(&'a TaskBatch, Head),
    /// For a [`Learner::Classifier`].
    Text(&'a TextData),
}

/// One training pass: the loss, every gradient and the network's gradient records.
#[derive(Clone, Debug)]
pub struct LearnerPass {
    /// The mean loss.
    pub loss: f64,
    /// `∂L/∂p` for every parameter, named as the model's.
    pub grads: Learner,
    /// The network's per-step gradient records, one per layer × direction.
    pub flow: Vec<GradientFlow>,
}

impl Learner {
    /// The recurrent network.
    pub fn rnn(&self) -> &Network {
        match self {
            Learner::Sequence(m) => &m.rnn,
            Learner::Classifier(m) => &m.lstm,
        }
    }

    /// The network-with-head model, if this is one.
    pub fn sequence(&self) -> Option<&Model> {
        match self {
            Learner::Sequence(m) => Some(m),
            Learner::Classifier(_) => None,
        }
    }

    /// The text classifier, if this is one.
    pub fn classifier(&self) -> Option<&LstmClassifier> {
        match self {
            Learner::Classifier(m) => Some(m),
            Learner::Sequence(_) => None,
        }
    }

    /// The loss on `sample` and its gradient with respect to every parameter, with `dropout`
    /// between the network's layers when given.
    ///
    /// # Panics
    /// When the sample is not the model's kind (the trainer's configuration pairs them).
    pub fn pass(&self, sample: Sample, dropout: Option<Dropout>) -> LearnerPass {
        self.pass_with(sample, dropout, true)
    }

    /// [`Learner::pass`] for a training step: the same loss and gradients, bit for bit, without
    /// the sequence model's per-step gradient records (its `flow` is left empty; they cost about
    /// a tenth of a small LSTM's pass and a step does not read them).
    pub fn train_pass(&self, sample: Sample, dropout: Option<Dropout>) -> LearnerPass {
        self.pass_with(sample, dropout, false)
    }

    fn pass_with(&self, sample: Sample, dropout: Option<Dropout>, records: bool) -> LearnerPass {
        match (self, sample) {
            (Learner::Sequence(m), Sample::Sequences(batch, head)) => {
                let p = if records {
                    loss_and_grads(m, batch, head, dropout)
                } else {
                    loss_and_grads_only(m, batch, head, dropout)
                };
                LearnerPass {
                    loss: p.scored.loss,
                    grads: Learner::Sequence(p.grads),
                    flow: p.flow,
                }
            }
            (Learner::Classifier(m), Sample::Text(d)) => {
                let p = m.loss_and_grads(&d.tokens, &d.labels, dropout);
                LearnerPass {
                    loss: p.loss.value,
                    grads: Learner::Classifier(p.backward.grads),
                    flow: p.backward.flow,
                }
            }
            _ => panic!("a sample of another model's kind"),
        }
    }

    /// The loss on `sample` in evaluation mode, the number of terms its mean is over and the
    /// outputs the success measure reads.
    ///
    /// # Panics
    /// As [`Learner::pass`].
    pub fn evaluate(&self, sample: Sample) -> (f64, usize, Vec<f64>) {
        match (self, sample) {
            (Learner::Sequence(m), Sample::Sequences(batch, head)) => {
                let s = evaluate(m, batch, head);
                (s.loss, s.count, s.outputs)
            }
            (Learner::Classifier(m), Sample::Text(d)) => {
                let logits = m.forward(&d.tokens, None).logits;
                let loss = cross_entropy(&logits, &d.labels, d.classes).value;
                (loss, d.labels.len(), logits)
            }
            _ => panic!("a sample of another model's kind"),
        }
    }
}

impl ParamSet for Learner {
    fn tensors(&self) -> Vec<Tensor<&[f64]>> {
        match self {
            Learner::Sequence(m) => m.tensors(),
            Learner::Classifier(m) => m.tensors(),
        }
    }

    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>> {
        match self {
            Learner::Sequence(m) => m.tensors_mut(),
            Learner::Classifier(m) => m.tensors_mut(),
        }
    }
}
