//! A scene of trained models: the networks of `unrolled train` specs that carry their trained
//! parameters (`model.params`, as the training view hands them over), each run on the same
//! sequence of their task.
//!
//! The sequence is `task.sample(Rng::new(sequence), 1)`, cut to its own length `n` (the adding
//! problem draws `T ≤ n ≤ T + ⌊T/10⌋`). The loss is the task's own: for the adding tasks
//! `L = (fc(h_{n−1}) − y)²`, for the classification tasks the cross-entropy of `fc(h_{n−1})` (or,
//! for `copy`, of `fc(h_t)` averaged over the steps), so `∂L/∂h_t` is the gradient the trained
//! network's next update would send back in time. Clipping acts on the recurrent network's
//! parameter gradients (the head's are not in the report).
//!
//! The spectrum shown is one block of one model's `W_hh`: block `k` is rows `kH..(k+1)H`, the
//! gate of the cell's table (`W_hh = [W_hi; W_hf; W_hg; W_ho]` for an LSTM, `[W_hr; W_hz; W_hn]`
//! for a GRU, `W_hh` itself for the plain RNNs). By default the first model's block that the
//! cell's state is computed from: `g` (LSTM), `n` (GRU), `W_hh` (RNN).

use super::{by_lag, clip_update, spectrum_of, CellResult, Scene, SceneResult};
use crate::bptt::{self, Upstream};
use crate::cell::info::HeatScale;
use crate::cell::CellKind;
use crate::network::{Batch, InitialState};
use crate::spectral;
use crate::train::model::Model;
use crate::train::objective::{head_pass, HeadPass};
use crate::train::tasks::{Head, Task, TaskBatch};
use crate::train::trainer::{initial_model, Learner, Problem};

/// The trained models as the page sends them.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainedConfig {
    /// One `unrolled train` spec (JSON text) per model, each with `model.params`; all on the same
    /// task, one layer, one direction, the same hidden size.
    pub specs: Vec<String>,
    /// The seed of the sequence the models run on.
    #[serde(default)]
    pub sequence: u64,
    /// The model whose `W_hh` block the spectrum shows (index into `specs`).
    #[serde(default)]
    pub spectrum_model: usize,
    /// The block of `W_hh` shown, or `None` for the one the cell's state is computed from.
    #[serde(default)]
    pub spectrum_block: Option<usize>,
}

/// Trained models, parsed and checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Trained {
    /// One per entrant.
    pub models: Vec<Model>,
    /// The task they were trained on.
    pub task: Task,
    /// The seed of the sequence they run on.
    pub sequence: u64,
    /// Whose `W_hh` the spectrum shows.
    pub spectrum_model: usize,
    /// Which block of it.
    pub spectrum_block: usize,
}

/// The sequence the trained models ran on, and what their head should answer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TaskView {
    /// The task's name.
    pub task: &'static str,
    /// The task's `T`.
    pub task_steps: usize,
    /// `I`, the width of one input step.
    pub input_size: usize,
    /// The regression target (adding tasks), else empty.
    pub target: Vec<f64>,
    /// The class label(s): one (at the end) or one per step (`copy`), else empty.
    pub labels: Vec<usize>,
    /// The model and block the spectrum shows.
    pub spectrum_model: usize,
    /// Which block of its `W_hh`.
    pub spectrum_block: usize,
}

/// What one trained model's head made of the sequence.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct HeadResult {
    /// The task's loss on this sequence.
    pub loss: f64,
    /// The head's outputs: `O` (at the end) or `n × O` (every step).
    pub outputs: Vec<f64>,
    /// The task's success measure on this one sequence (1: solved / right).
    pub success: f64,
}

impl TrainedConfig {
    /// Parses the specs.
    ///
    /// # Errors
    /// A message naming the field: `trained.specs[i].<field>` for a bad spec, and which model
    /// disagrees with the first (task, size, layers).
    pub fn to_trained(&self) -> Result<Trained, String> {
        if self.specs.is_empty() {
            return Err("trained.specs: expected at least one trained model".into());
        }
        let mut models = Vec::with_capacity(self.specs.len());
        let mut task = None;
        for (i, text) in self.specs.iter().enumerate() {
            let field = |f: &str| format!("trained.specs[{i}].{f}");
            let spec = crate::spec::train::parse_train_spec(text)
                .map_err(|e| format!("{}: {}", field(&e.field), e.message))?;
            let config = spec.config;
            let Problem::Task(t) = config.problem else {
                return Err(format!(
                    "{}: expected a task (the lab opens models trained on a task, not on a data batch)",
                    field("data")
                ));
            };
            let arch = config.model.arch;
            if arch.num_layers != 1 || arch.bidirectional {
                let name = if arch.bidirectional {
                    "bidirectional"
                } else {
                    "num_layers"
                };
                return Err(format!(
                    "{}: expected one layer and one direction (the lab shows one chain of cells)",
                    field(&format!("model.{name}"))
                ));
            }
            if let Some(first) = task {
                if first != t {
                    return Err(format!(
                        "{}: expected the task of trained.specs[0]",
                        field("task")
                    ));
                }
            }
            if let Some(m) = models.first() {
                let m: &Model = m;
                if m.rnn.arch.hidden_size != arch.hidden_size {
                    return Err(format!(
                        "{}: expected {} as trained.specs[0], got {}",
                        field("model.hidden_size"),
                        m.rnn.arch.hidden_size,
                        arch.hidden_size
                    ));
                }
            }
            task = Some(t);
            let model = initial_model(&config)
                .map_err(|e| format!("{}: {}", field(&e.field), e.message))?;
            let Learner::Sequence(model) = model else {
                unreachable!("a classifier trains on text, refused above as not a task")
            };
            models.push(model);
        }
        let spectrum_model = self.spectrum_model;
        let Some(shown) = models.get(spectrum_model) else {
            return Err(format!(
                "trained.spectrum_model: expected 0..{}, got {spectrum_model}",
                models.len() - 1
            ));
        };
        let cell = shown.rnn.arch.cell;
        let spectrum_block = match self.spectrum_block {
            Some(k) if k < cell.gates() => k,
            Some(k) => {
                return Err(format!(
                    "trained.spectrum_block: expected 0..{} (the blocks of {}'s W_hh), got {k}",
                    cell.gates() - 1,
                    cell.name()
                ))
            }
            None => state_block(cell),
        };
        Ok(Trained {
            models,
            task: task.expect("at least one spec"),
            sequence: self.sequence,
            spectrum_model,
            spectrum_block,
        })
    }
}

/// The block of `W_hh` the cell's new state is computed from: its candidate (the first block
/// that is not a `[0, 1]` gate), or the plain RNN's only block.
pub fn state_block(cell: CellKind) -> usize {
    cell.info()
        .blocks
        .iter()
        .position(|b| b.scale != HeatScale::Unit)
        .unwrap_or(0)
}

impl Trained {
    /// The hidden size every model shares.
    pub fn hidden_size(&self) -> usize {
        self.models[0].rnn.arch.hidden_size
    }

    /// The cells, in the order of the specs.
    pub fn cells(&self) -> Vec<CellKind> {
        self.models.iter().map(|m| m.rnn.arch.cell).collect()
    }

    /// The sequence the models run on, cut to its own length.
    pub fn sample(&self) -> TaskBatch {
        self.task.one_sequence(self.sequence)
    }

    /// The matrix the spectrum shows: block `spectrum_block` of the chosen model's `W_hh`.
    pub fn spectrum_matrix(&self) -> Vec<f64> {
        let layer = &self.models[self.spectrum_model].rnn.layers[0];
        spectral::block(&layer.weight_hh, self.hidden_size(), self.spectrum_block)
    }
}

/// Runs every trained model on the scene's sequence (see the module docs).
///
/// # Errors
/// Never for a checked [`Trained`]; the signature matches the designed scene's.
pub(super) fn compute(s: &Scene, t: &Trained) -> Result<SceneResult, String> {
    let sample = t.sample();
    let cells = t
        .models
        .iter()
        .map(|m| run_model(s, t, m, &sample))
        .collect();
    let task = TaskView {
        task: t.task.name(),
        task_steps: t.task.steps(),
        input_size: t.task.input_size(),
        target: sample.target.clone(),
        labels: sample.labels.clone(),
        spectrum_model: t.spectrum_model,
        spectrum_block: t.spectrum_block,
    };
    let (w, h) = (t.spectrum_matrix(), t.hidden_size());
    let spectrum = spectrum_of(&w, h);
    Ok(SceneResult::new(w, h, spectrum, cells, Some(task)))
}

fn run_model(s: &Scene, t: &Trained, m: &Model, sample: &TaskBatch) -> CellResult {
    let batch: &Batch = &sample.batch;
    let cell = m.rnn.arch.cell;
    let forward = m.rnn.forward(batch, &InitialState::default(), None);
    let HeadPass {
        scored,
        grad_output,
        ..
    } = head_pass(m, sample, t.task.head(), &forward);
    let upstream = Upstream {
        grad_output: Some(grad_output.clone()),
        ..Default::default()
    };
    let mut backward = bptt::backward(&m.rnn, batch, &forward, &upstream);
    let analysis = s
        .analysis
        .then(|| bptt::analyse(&m.rnn, batch, &forward).remove(0));
    let grad_by_lag = by_lag(&backward.flow[0].grad_h_norm, false);
    let jacobian_by_lag = analysis
        .as_ref()
        .map_or_else(Vec::new, |a| by_lag(&a.jacobian_norm, false));
    let theory = cell.info().theory;
    let theory_by_lag = if theory.base().is_none() {
        Vec::new()
    } else {
        // A plain RNN's own W_hh: its ρ and σ_max anchor the theory curve.
        let h = m.rnn.arch.hidden_size;
        let w = &m.rnn.layers[0].weight_hh;
        let rho = spectral::spectral_radius(w, h);
        let sigma = spectral::spectral_norm(w, h, h);
        theory.curve(grad_by_lag[0], rho, sigma, batch.steps)
    };
    let clip = clip_update(m.rnn.arch, &mut backward, s.clipping);
    let success = t.task.success(sample, &scored.outputs);
    CellResult {
        cell,
        net: m.rnn.clone(),
        batch: batch.clone(),
        forward,
        backward,
        analysis,
        grad_by_lag,
        jacobian_by_lag,
        theory_by_lag,
        clip,
        loss_at_end: t.task.head() != Head::ClassEveryStep,
        loss_at_lag0: true,
        reverse: false,
        grad_output,
        head: Some(HeadResult {
            loss: scored.loss,
            outputs: scored.outputs,
            success,
        }),
    }
}
