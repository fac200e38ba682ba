//! The training loop: a recurrent model with a linear head trained on a task (or one explicit
//! batch) with mini-batches, clipping and an optimiser, evaluated on a fixed held-out set; or
//! the course's text classifier trained on one explicit batch of sentences ([`Learner`]).
//!
//! One iteration ([`Trainer::step`]), with `θ` every parameter of the model (`rnn.…`, `fc.…`;
//! the classifier's `embedding.…`, `lstm.…`, `fc.…`):
//!
//! ```text
//! (x, y) ← B fresh sequences from the batch stream (or the explicit batch)
//! L      = loss(fc(rnn(x)), y)                 (train::objective: MSE or cross-entropy, mean)
//! g      = ∂L/∂θ                               (bptt through the head)
//! n      = ‖g‖₂ over all tensors;  g ← clip(g)  (clip_grad_norm_ or clip_grad_value_)
//! θ      ← optimizer.step(θ, g)                (SGD, Adam or AdamW, as torch.optim)
//! ```
//!
//! Dropout between layers, when the model has it, uses a fresh mask seed per iteration from the
//! dropout stream. An evaluation ([`Trainer::evaluate`]) runs in evaluation mode (no dropout):
//! the loss and success measure on the held-out set, the spectra of `W_hh` and the gradient flow
//! on the probe batch ([`record`]). The held-out set is `eval_size` sequences drawn from their
//! own stream in chunks of [`HELD_OUT_CHUNK`]; it is the same set at every evaluation, drawn
//! again from the stream's saved start instead of being stored, so a large set costs no memory.
//! The probe batch is `B` sequences from its own stream, drawn once. With an explicit batch, the
//! held-out set and the probe are that batch.
//!
//! The core has no clock: the caller measures training time and passes it in (`seconds`); the
//! CLI measures with `std::time::Instant`, the page's worker with `performance.now()`. Driving
//! the loop in slices (a worker between messages):
//!
//! ```
//! use unrolled::spec::train::parse_train_spec;
//! use unrolled::train::trainer::Trainer;
//!
//! let spec = parse_train_spec(r#"{"model": {"cell": "gru", "hidden_size": 4},
//!     "task": {"name": "adding_sum", "steps": 5}, "iterations": 3, "eval_every": 2,
//!     "eval_size": 8, "batch_size": 4}"#).unwrap();
//! let mut trainer = Trainer::new(spec.config).unwrap();
//! let mut seconds = 0.0; // the caller's clock: time spent in step() only
//! let mut lines = Vec::new();
//! while !trainer.is_done(seconds) {
//!     if trainer.needs_evaluation() {
//!         lines.push(trainer.evaluate(seconds).to_json());
//!     }
//!     trainer.step();
//!     seconds += 0.001;
//! }
//! if trainer.needs_final_evaluation() {
//!     lines.push(trainer.evaluate(seconds).to_json());
//! }
//! let last = trainer.final_record(seconds);
//! assert_eq!((lines.len(), last.iterations), (3, 3)); // iterations 0, 2 and 3
//! ```

pub mod learner;
pub mod problem;
pub mod recipe;
pub mod record;

pub use learner::{Learner, LearnerPass, Sample};
pub use problem::{Data, Problem, Stream, TextData};
pub use recipe::{Recipe, RECIPE};
pub use record::{BlockSpectrum, FinalRecord, LogRecord, Reached, Success};

use crate::init::{init_network, InitConfig};
use crate::network::{Architecture, Dropout};
use crate::rng::Rng;
use crate::spec::SpecError;
use crate::train::classifier::LstmClassifier;
use crate::train::clip::{clip_grads, Clipping};
use crate::train::corpus::Corpus;
use crate::train::linear::Linear;
use crate::train::model::Model;
use crate::train::optim::{AnyOptimizer, Optimizer, OptimizerConfig};
use crate::train::parallel::ChunkPass;
use crate::train::params::ParamSet;
use crate::train::tasks::{argmax, TaskBatch};

/// An iteration's batch as [`Trainer::step`] drew it.
enum Drawn {
    Sequences(TaskBatch),
    Text(TextData),
    /// The problem's explicit batch.
    Given,
}

/// Sequences per chunk of the held-out set (its draws and its forward passes).
pub const HELD_OUT_CHUNK: usize = 32;

/// Where the model's initial parameters come from.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelParams {
    /// The network drawn from this configuration (its `seed` included); the head drawn with
    /// PyTorch's default `nn.Linear` initialisation from the run's [`Stream::Head`] (and a
    /// classifier's embedding, `N(0, 1)`, from its [`Stream::Embedding`]).
    Init(InitConfig),
    /// Given, every tensor by name (`rnn.weight_ih_l0`, …, `fc.bias`; the classifier's
    /// `embedding.weight`, `lstm.…`, `fc.…`), of the model's kind.
    Given(Learner),
}

/// Which model a run trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// A recurrent stack with a linear head on its output ([`Model`]), on a task or `data`
    /// with `input`.
    Sequence,
    /// The text classifier ([`LstmClassifier`]) with this vocabulary size, on `data` with
    /// `text`.
    Classifier {
        /// V, rows of `embedding.weight`.
        vocab_size: usize,
    },
}

/// The model: a recurrent stack and a linear head on its output, or the text classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelConfig {
    /// Which model.
    pub kind: ModelKind,
    /// The recurrent stack; `input_size` must be the problem's (the classifier's: `embed_dim`).
    pub arch: Architecture,
    /// Dropout probability on each layer's output but the last, in training, in `[0, 1)`.
    pub dropout: f64,
    /// The initial parameters.
    pub params: ModelParams,
}

/// When a run stops: after the iteration that reaches either limit given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Stop after this many iterations.
    pub iterations: Option<u64>,
    /// Stop after the iteration at which the training time reaches this many seconds.
    pub seconds: Option<f64>,
}

/// Everything a run needs (a training spec, validated; see docs/spec.md for the fields).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// The model (`model`).
    pub model: ModelConfig,
    /// What is learnt (`task` or `data`).
    pub problem: Problem,
    /// The optimiser (`optimizer`).
    pub optimizer: OptimizerConfig,
    /// Gradient clipping (`clip`).
    pub clipping: Clipping,
    /// Sequences per iteration (`batch_size`; an explicit batch has its own size).
    pub batch_size: usize,
    /// The run's seed (`seed`): every stream's ([`Stream`]).
    pub seed: u64,
    /// When to stop (`iterations`, `seconds`).
    pub budget: Budget,
    /// Iterations between evaluations (`eval_every`), at least 1.
    pub eval_every: u64,
    /// Held-out sequences (`eval_size`; an explicit batch is its own held-out set).
    pub eval_size: usize,
}

impl TrainConfig {
    /// Sequences per iteration: `batch_size`, or the explicit batch's size.
    pub fn sequences_per_iteration(&self) -> usize {
        match &self.problem {
            Problem::Task(_) | Problem::Corpus(_) => self.batch_size,
            Problem::Data(d) => d.sample.batch.batch,
            Problem::Text(d) => d.tokens.batch,
        }
    }
}

/// What one iteration did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
    /// Iterations done, this one included.
    pub iteration: u64,
    /// The training loss on this iteration's batch (before the update).
    pub loss: f64,
    /// Global gradient norm before clipping.
    pub grad_norm: f64,
    /// Whether clipping changed the gradients.
    pub clipped: bool,
}

/// What happened since the previous record.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Window {
    loss_sum: f64,
    iterations: u64,
    clip_count: u64,
}

/// The latest evaluation and the best so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Progress {
    /// Iteration, held-out loss and success of the latest evaluation.
    latest: Option<(u64, f64, f64)>,
    best: Option<f64>,
    reached: Option<Reached>,
    /// The latest evaluation's accuracy on a corpus's long-range test sentences.
    long_range: Option<f64>,
}

/// A training run in progress (see the module docs).
#[derive(Clone, Debug)]
pub struct Trainer {
    config: TrainConfig,
    model: Learner,
    optimizer: AnyOptimizer,
    batches: Rng,
    dropout: Rng,
    /// The held-out stream at its start: cloned at every evaluation.
    held_out: Rng,
    /// The probe batch (none for text: its probe is the text itself).
    probe: Option<TaskBatch>,
    iteration: u64,
    window: Window,
    last_step: Option<StepReport>,
    progress: Progress,
    /// Threads a training pass may use ([`Trainer::set_threads`]).
    threads: usize,
}

impl Trainer {
    /// A run at iteration 0: the model initialised, the probe batch drawn.
    ///
    /// # Errors
    /// A configuration out of its limits or inconsistent (the problem's input size against the
    /// model's, given parameters against the architecture), or an initialisation that fails,
    /// named by its spec field (`model.init`, `optimizer.lr`, …).
    pub fn new(config: TrainConfig) -> Result<Trainer, SpecError> {
        crate::spec::train::check_config(&config)?;
        let model = initial_model(&config)?;
        let optimizer = config
            .optimizer
            .build()
            .map_err(|m| SpecError::new("optimizer", m))?;
        let seed = config.seed;
        let probe = match &config.problem {
            Problem::Task(t) => Some(t.sample(&mut Stream::Probe.rng(seed), config.batch_size)),
            Problem::Data(d) => Some(d.sample.clone()),
            Problem::Text(_) | Problem::Corpus(_) => None,
        };
        Ok(Trainer {
            model,
            optimizer,
            batches: Stream::Batches.rng(seed),
            dropout: Stream::Dropout.rng(seed),
            held_out: Stream::HeldOut.rng(seed),
            probe,
            iteration: 0,
            window: Window::default(),
            last_step: None,
            progress: Progress::default(),
            threads: 1,
            config,
        })
    }

    /// Lets each training pass split its batch over up to `threads` threads
    /// ([`crate::train::parallel`]: the same run up to rounding, with dropout too). 1, the default, is the one-thread pass; natively only (wasm has no threads).
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The model as it is now.
    pub fn model(&self) -> &Learner {
        &self.model
    }

    /// Iterations done.
    pub fn iteration(&self) -> u64 {
        self.iteration
    }

    /// Training sequences seen.
    pub fn sequences(&self) -> u64 {
        self.iteration * self.config.sequences_per_iteration() as u64
    }

    /// The probe batch of the gradient-flow curve (`None` for text: a run on text probes the
    /// text itself).
    pub fn probe(&self) -> Option<&TaskBatch> {
        self.probe.as_ref()
    }

    /// One iteration: a batch, the loss and its gradients, clipping, the optimiser's update.
    pub fn step(&mut self) -> StepReport {
        let (drawn, dropout) = self.draw();
        let sample = self.sample(&drawn);
        let pass = crate::train::parallel::train_pass(&self.model, sample, dropout, self.threads);
        self.update(pass)
    }

    /// Into how many chunks, at most `workers`, the page splits this run's passes
    /// ([`crate::train::parallel::worth_splitting`] of the batch and its longest sequence; 1:
    /// not split).
    pub fn split_ways(&self, workers: usize) -> usize {
        let c = &self.config;
        crate::train::parallel::worth_splitting(
            c.sequences_per_iteration(),
            c.problem.max_length(),
            workers,
        )
    }

    /// The first half of an iteration split across replicas of this run (the page's workers,
    /// [`crate::train::parallel`]): draws the iteration's batch and dropout seed, as
    /// [`Trainer::step`] does, and returns chunk `index` of `ways`'s pass. Every replica calls it
    /// with its own `index`; then each calls [`Trainer::apply_chunks`] with all the chunks.
    ///
    /// # Errors
    /// `index ≥ ways`, or more `ways` than the batch has sequences.
    pub fn chunk_pass(&mut self, ways: usize, index: usize) -> Result<ChunkPass, String> {
        let size = self.config.sequences_per_iteration();
        if ways == 0 || ways > size || index >= ways {
            return Err(format!(
                "split: chunk {index} of {ways} for a batch of {size} sequences"
            ));
        }
        let (drawn, dropout) = self.draw();
        let sample = self.sample(&drawn);
        Ok(crate::train::parallel::chunk_pass(
            &self.model,
            sample,
            dropout,
            ways,
            index,
        ))
    }

    /// The second half of a split iteration: every chunk of [`Trainer::chunk_pass`], in chunk
    /// order, combined as [`crate::train::parallel::train_pass`] combines its threads' chunks;
    /// then clipping and the optimiser's update, as [`Trainer::step`].
    ///
    /// # Errors
    /// No chunk, or a chunk whose gradients are not this model's tensors.
    pub fn apply_chunks(&mut self, parts: Vec<ChunkPass>) -> Result<StepReport, String> {
        if parts.is_empty() {
            return Err("split: no chunk to apply".into());
        }
        let shapes = self.model.param_shapes();
        if let Some(i) = parts
            .iter()
            .position(|(p, _)| p.grads.param_shapes() != shapes)
        {
            return Err(format!("split: chunk {i} has another model's gradients"));
        }
        Ok(self.update(crate::train::parallel::combine(parts)))
    }

    /// Gradients laid out as this model's tensors from their values in `state_dict` order (a
    /// chunk's gradients as the page's workers pass them on).
    ///
    /// # Errors
    /// A length other than the model's number of scalars.
    pub fn grads_from_flat(&self, values: &[f64]) -> Result<Learner, String> {
        let mut grads = self.model.clone();
        let n = grads.numel();
        if values.len() != n {
            return Err(format!(
                "split: {} gradient values for a model of {n}",
                values.len()
            ));
        }
        let mut rest = values;
        for t in grads.tensors_mut() {
            let (head, tail) = rest.split_at(t.values.len());
            t.values.copy_from_slice(head);
            rest = tail;
        }
        Ok(grads)
    }

    /// This iteration's batch (none for an explicit one) and dropout masks' seed, each from its
    /// stream.
    fn draw(&mut self) -> (Drawn, Option<Dropout>) {
        let bsz = self.config.batch_size;
        let drawn = match &self.config.problem {
            Problem::Task(t) => Drawn::Sequences(t.sample(&mut self.batches, bsz)),
            Problem::Corpus(c) => Drawn::Text(c.sample(&mut self.batches, bsz)),
            Problem::Data(_) | Problem::Text(_) => Drawn::Given,
        };
        let p = self.config.model.dropout;
        let dropout = (p > 0.0).then(|| Dropout::new(p, self.dropout.next_u64()));
        (drawn, dropout)
    }

    /// The sample an iteration trains on: the drawn batch, or the explicit one.
    fn sample<'a>(&'a self, drawn: &'a Drawn) -> Sample<'a> {
        let head = self.config.problem.head();
        match (drawn, &self.config.problem) {
            (Drawn::Sequences(batch), _) => Sample::Sequences(batch, head),
            (Drawn::Text(text), _) => Sample::Text(text),
            (Drawn::Given, Problem::Data(d)) => Sample::Sequences(&d.sample, head),
            (Drawn::Given, Problem::Text(d)) => Sample::Text(d),
            (Drawn::Given, Problem::Task(_) | Problem::Corpus(_)) => {
                unreachable!("a task's or a corpus's batch is drawn")
            }
        }
    }

    /// Clipping, the optimiser's update and the bookkeeping of an iteration whose pass is done.
    fn update(&mut self, mut pass: LearnerPass) -> StepReport {
        let clip = clip_grads(&mut pass.grads, self.config.clipping);
        self.optimizer.step(&mut self.model, &pass.grads);
        self.iteration += 1;
        self.window.loss_sum += pass.loss;
        self.window.iterations += 1;
        self.window.clip_count += u64::from(clip.fired);
        let report = StepReport {
            iteration: self.iteration,
            loss: pass.loss,
            grad_norm: clip.norm_before,
            clipped: clip.fired,
        };
        self.last_step = Some(report);
        report
    }

    /// Whether the budget is spent, given the training time so far.
    pub fn is_done(&self, seconds: f64) -> bool {
        let Budget {
            iterations,
            seconds: limit,
        } = self.config.budget;
        iterations.is_some_and(|n| self.iteration >= n) || limit.is_some_and(|s| seconds >= s)
    }

    /// Whether an evaluation is due now: at iteration 0 and every `eval_every` iterations, once.
    pub fn needs_evaluation(&self) -> bool {
        self.iteration.is_multiple_of(self.config.eval_every) && !self.evaluated_now()
    }

    /// Whether the run's last iteration still lacks its evaluation (call when done).
    pub fn needs_final_evaluation(&self) -> bool {
        !self.evaluated_now()
    }

    fn evaluated_now(&self) -> bool {
        self.progress
            .latest
            .is_some_and(|(at, _, _)| at == self.iteration)
    }

    /// Evaluates the model now and returns the record; `seconds` is the training time so far.
    /// Starts a new window for `train_loss` and `clip_count`.
    pub fn evaluate(&mut self, seconds: f64) -> LogRecord {
        let (test_loss, success, long_range) = self.held_out_score();
        let record = LogRecord {
            iteration: self.iteration,
            sequences: self.sequences(),
            seconds,
            train_loss: (self.window.iterations > 0)
                .then(|| self.window.loss_sum / self.window.iterations as f64),
            test_loss,
            success: Success {
                field: self.config.problem.success_field(),
                value: success,
            },
            long_range,
            grad_norm: self.last_step.map(|s| s.grad_norm),
            clipped: self.last_step.map(|s| s.clipped),
            clip_count: self.window.clip_count,
            w_hh: record::w_hh_spectra(self.model.rnn()),
            grad_by_lag: self.probe_curve(),
        };
        self.window = Window::default();
        self.note_progress(&record);
        record
    }

    /// The totals; evaluates first when the current iteration has no record yet (call
    /// [`Trainer::evaluate`] before to have that record too).
    pub fn final_record(&mut self, seconds: f64) -> FinalRecord {
        if !self.evaluated_now() {
            self.evaluate(seconds);
        }
        let (_, test_loss, success) = self.progress.latest.expect("evaluated above");
        let long_range = self.progress.long_range;
        FinalRecord {
            iterations: self.iteration,
            sequences: self.sequences(),
            seconds,
            test_loss,
            success: Success {
                field: self.config.problem.success_field(),
                value: success,
            },
            long_range,
            best: self.progress.best.unwrap_or(success),
            criterion: self.config.problem.criterion(),
            reached: self.progress.reached,
        }
    }

    /// The parameters as a JSON object keyed by name (`rnn.weight_ih_l0`, …, `fc.bias`), each as
    /// nested arrays in its shape: what `model.params` reads.
    pub fn params_json(&self) -> String {
        let mut o = String::new();
        record::write_params(&mut o, &self.model as &dyn ParamSet);
        o
    }

    /// Trains to the end of the budget and returns the final record, handing every log record
    /// to `emit` as it is made (at iteration 0, every `eval_every` and at the end). `now()` is
    /// the caller's monotonic clock in seconds; only the time spent in [`Trainer::step`] counts
    /// as training time.
    pub fn run(
        &mut self,
        mut now: impl FnMut() -> f64,
        mut emit: impl FnMut(&LogRecord),
    ) -> FinalRecord {
        let mut seconds = 0.0;
        loop {
            if self.needs_evaluation() {
                emit(&self.evaluate(seconds));
            }
            if self.is_done(seconds) {
                break;
            }
            let start = now();
            self.step();
            seconds += now() - start;
        }
        if self.needs_final_evaluation() {
            emit(&self.evaluate(seconds));
        }
        self.final_record(seconds)
    }

    /// Mean loss and success over the held-out set (module docs): the loss weighted by the terms
    /// each chunk's mean is over, the success as hits over all scored items; and a corpus's
    /// accuracy on its long-range test sentences, when it marks them.
    fn held_out_score(&self) -> (f64, f64, Option<f64>) {
        let problem = &self.config.problem;
        let head = problem.head();
        let task = match problem {
            Problem::Task(t) => t,
            Problem::Data(d) => {
                let (loss, _, outputs) = self.model.evaluate(Sample::Sequences(&d.sample, head));
                return (loss, problem.success(&d.sample, &outputs), None);
            }
            Problem::Text(d) => {
                let (loss, _, logits) = self.model.evaluate(Sample::Text(d));
                return (loss, d.accuracy(&logits), None);
            }
            Problem::Corpus(c) => return self.corpus_score(c),
        };
        let mut rng = self.held_out.clone();
        let (mut loss_sum, mut count, mut hits) = (0.0, 0usize, 0.0);
        let items = problem.success_items();
        let mut left = self.config.eval_size;
        while left > 0 {
            let size = left.min(HELD_OUT_CHUNK);
            let sample = task.sample(&mut rng, size);
            let (loss, terms, outputs) = self.model.evaluate(Sample::Sequences(&sample, head));
            loss_sum += loss * terms as f64;
            count += terms;
            // The fraction is hits / (size · items): count the hits exactly.
            let fraction = problem.success(&sample, &outputs);
            hits += (fraction * (size * items) as f64).round();
            left -= size;
        }
        let scored_items = (self.config.eval_size * items) as f64;
        (loss_sum / count as f64, hits / scored_items, None)
    }

    /// A corpus's test set in chunks of [`HELD_OUT_CHUNK`]: the mean loss, the accuracy, and
    /// the accuracy on the sentences marked long-range (`None` when none are).
    fn corpus_score(&self, c: &Corpus) -> (f64, f64, Option<f64>) {
        let test = &c.test;
        let (loss_sum, predictions) = self.corpus_pass(c);
        let (mut hits, mut long, mut long_hits) = (0usize, 0usize, 0usize);
        for (i, (&p, &y)) in predictions.iter().zip(&test.labels).enumerate() {
            let right = p == y;
            hits += usize::from(right);
            if test.long_range.get(i) == Some(&true) {
                long += 1;
                long_hits += usize::from(right);
            }
        }
        let n = test.len() as f64;
        let long_range = (long > 0).then(|| long_hits as f64 / long as f64);
        (loss_sum / n, hits as f64 / n, long_range)
    }

    /// A corpus's test set through the model in evaluation mode, in chunks of
    /// [`HELD_OUT_CHUNK`]: the sum of the sentences' losses and each sentence's predicted class
    /// (its highest logit).
    fn corpus_pass(&self, c: &Corpus) -> (f64, Vec<usize>) {
        let test = &c.test;
        let (mut loss_sum, mut predictions) = (0.0, Vec::with_capacity(test.len()));
        let all: Vec<usize> = (0..test.len()).collect();
        for chunk in all.chunks(HELD_OUT_CHUNK) {
            let text = test.batch(chunk, c.classes.len());
            let (loss, _, logits) = self.model.evaluate(Sample::Text(&text));
            loss_sum += loss * chunk.len() as f64;
            predictions.extend(logits.chunks_exact(text.classes).map(argmax));
        }
        (loss_sum, predictions)
    }

    /// The class the model predicts now for each test sentence of a corpus (evaluation mode, the
    /// test set's order), or `None` when the run does not train on a corpus.
    pub fn test_predictions(&self) -> Option<Vec<usize>> {
        match &self.config.problem {
            Problem::Corpus(c) => Some(self.corpus_pass(c).1),
            Problem::Task(_) | Problem::Data(_) | Problem::Text(_) => None,
        }
    }

    /// `‖∂L/∂h_t‖` by lag on the probe batch, layer 0, forward direction.
    fn probe_curve(&self) -> Vec<f64> {
        let first: TextData;
        let text = match &self.config.problem {
            Problem::Text(d) => Some(d),
            Problem::Corpus(c) => {
                let n = self.config.batch_size.min(c.train.len());
                first = c.train.batch(&(0..n).collect::<Vec<_>>(), c.classes.len());
                Some(&first)
            }
            Problem::Task(_) | Problem::Data(_) => None,
        };
        match (text, &self.model, &self.probe) {
            (Some(d), Learner::Classifier(m), _) => {
                let pass = m.loss_and_grads(&d.tokens, &d.labels, None);
                record::grad_by_lag(&pass.backward.flow[0], &pass.forward.embedded)
            }
            (_, _, Some(probe)) => {
                let head = self.config.problem.head();
                let pass = self.model.pass(Sample::Sequences(probe, head), None);
                record::grad_by_lag(&pass.flow[0], &probe.batch)
            }
            _ => unreachable!("a probe batch for every problem but text"),
        }
    }

    fn note_progress(&mut self, r: &LogRecord) {
        let value = r.success.value;
        let p = &mut self.progress;
        p.latest = Some((r.iteration, r.test_loss, value));
        p.long_range = r.long_range;
        p.best = Some(p.best.map_or(value, |b| b.max(value)));
        if p.reached.is_none() && value >= self.config.problem.criterion() {
            p.reached = Some(Reached {
                iteration: r.iteration,
                sequences: r.sequences,
                seconds: r.seconds,
            });
        }
    }
}

/// The initial model: given, or the network from its init configuration, the head from the
/// head stream and a classifier's embedding from the embedding stream.
pub(crate) fn initial_model(config: &TrainConfig) -> Result<Learner, SpecError> {
    let arch = config.model.arch;
    let classes = config.problem.output_size();
    let cfg = match &config.model.params {
        ModelParams::Given(m) => return Ok(m.clone()),
        ModelParams::Init(cfg) => cfg,
    };
    let failed = |m: String| SpecError::new("model.init", m);
    let mut head_rng = Stream::Head.rng(config.seed);
    Ok(match config.model.kind {
        ModelKind::Sequence => {
            let rnn = init_network(arch, cfg).map_err(failed)?;
            let features = arch.directions() * arch.hidden_size;
            let fc = Linear::new(features, classes, &mut head_rng);
            Learner::Sequence(Model { rnn, fc })
        }
        ModelKind::Classifier { vocab_size } => {
            let mut embedding_rng = Stream::Embedding.rng(config.seed);
            let m = LstmClassifier::init(
                arch,
                vocab_size,
                classes,
                cfg,
                &mut embedding_rng,
                &mut head_rng,
            );
            Learner::Classifier(m.map_err(failed)?)
        }
    })
}
