//! The training view's shell: a [`Trainer`] handle the page's worker drives in slices, and a
//! [`TrainingCharts`] handle the page draws the training charts with (`crate::chart::training`,
//! the same charts the SVG downloads and the native tests draw). Converts only.
//!
//! Time: the core has no clock. [`Trainer::run_slice`] reads `performance.now()` (the worker's
//! clock) around each iteration and adds only the time spent in iterations to the run's
//! training seconds, as `unrolled train` does with `Instant`; evaluations are not counted.

use crate::chart::training::{self, Point, Run, TrainingLog};
use crate::spec::train::parse_train_spec;
use crate::train::trainer::{Problem, Trainer as Core};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js_err;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// A training run held in Rust, made from a training spec (docs/spec.md, "Training spec").
#[wasm_bindgen]
pub struct Trainer {
    core: Core,
    seconds: f64,
    finished: bool,
    /// When the current split iteration began ([`Trainer::chunk_pass`]; the worker's clock).
    split_started: Option<f64>,
}

impl Trainer {
    /// The core trainer (for the other shells of `web`).
    pub(super) fn core(&self) -> &Core {
        &self.core
    }
}

#[wasm_bindgen]
impl Trainer {
    /// Validates `spec` (JSON text, as `unrolled train` reads it) and sets the run up.
    ///
    /// # Errors
    /// A JS `Error` whose message is the CLI's: `field: what was expected`.
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str) -> Result<Trainer, JsError> {
        let spec = parse_train_spec(spec).map_err(js_err)?;
        let core = Core::new(spec.config).map_err(js_err)?;
        Ok(Trainer {
            core,
            seconds: 0.0,
            finished: false,
            split_started: None,
        })
    }

    /// Trains for about `max_ms` milliseconds of the worker's clock or `max_iterations`
    /// iterations, whichever comes first (at least one step unless the budget is spent), and
    /// returns the log records that fell due, each one JSON line (docs/spec.md, "Training log").
    /// With `stop_at_record`, returns right after the first record made after an iteration
    /// (one evaluation period: from iteration 0 that is the record at 0 and the next one).
    /// When the budget is spent the last record comes out and [`Trainer::done`] turns true.
    pub fn run_slice(
        &mut self,
        max_ms: f64,
        max_iterations: u32,
        stop_at_record: bool,
    ) -> Vec<String> {
        let start = performance_now();
        let mut out = Vec::new();
        let mut steps = 0u32;
        while !self.finished {
            if self.core.needs_evaluation() {
                out.push(self.core.evaluate(self.seconds).to_json());
                if stop_at_record && self.core.iteration() > 0 {
                    break;
                }
            }
            if self.core.is_done(self.seconds) {
                if self.core.needs_final_evaluation() {
                    out.push(self.core.evaluate(self.seconds).to_json());
                }
                self.finished = true;
                break;
            }
            if steps >= max_iterations || (steps > 0 && performance_now() - start >= max_ms) {
                break;
            }
            let t0 = performance_now();
            self.core.step();
            self.seconds += (performance_now() - t0) / 1000.0;
            steps += 1;
        }
        out
    }

    /// Into how many chunks, at most `workers`, the page splits this run's training passes
    /// (the core's rule, `train::parallel::worth_splitting`; 1: not split).
    pub fn split_ways(&self, workers: u32) -> u32 {
        self.core.split_ways(workers as usize) as u32
    }

    /// An iteration split across replicas of this run (one per worker), first half: draws the
    /// iteration's batch and returns chunk `index` of `ways`'s pass as `[loss, terms, ∂L/∂θ…]`
    /// (the gradients in `state_dict` order). Evaluations due are [`Trainer::run_slice`]'s.
    ///
    /// The owner (`index` 0) keeps the run's clock and decides when its budget is spent; a
    /// replica computes the chunks the owner asks for (its own clock, which also counts the
    /// messages between them, may run a little ahead: a run that ended on its budget was once
    /// reported as an error from a replica).
    ///
    /// # Errors
    /// `index ≥ ways`, more ways than sequences, or, for the owner, a budget already spent.
    pub fn chunk_pass(&mut self, ways: u32, index: u32) -> Result<Vec<f64>, JsError> {
        if index == 0 && (self.finished || self.core.is_done(self.seconds)) {
            return Err(js_err("split: the run's budget is spent"));
        }
        self.split_started = Some(performance_now());
        let (pass, terms) = self
            .core
            .chunk_pass(ways as usize, index as usize)
            .map_err(js_err)?;
        let mut out = vec![pass.loss, terms as f64];
        for t in crate::train::params::ParamSet::tensors(&pass.grads) {
            out.extend_from_slice(t.values);
        }
        Ok(out)
    }

    /// The second half: every replica's chunk (each as [`Trainer::chunk_pass`] returned it), in
    /// chunk order, combined as `unrolled train --threads` combines them, clipped and applied.
    /// The time from the first half to here counts as training time.
    ///
    /// # Errors
    /// A chunk that is not a `Float64Array` of this model's `2 + numel` values, or a terms
    /// count that is not a positive whole number.
    pub fn apply_chunks(&mut self, parts: js_sys::Array) -> Result<(), JsError> {
        let mut chunks = Vec::with_capacity(parts.length() as usize);
        for (i, part) in parts.iter().enumerate() {
            let values = part
                .dyn_into::<js_sys::Float64Array>()
                .map_err(|_| js_err(format!("split: chunk {i} is not a Float64Array")))?
                .to_vec();
            let (head, grads) = values.split_at(values.len().min(2));
            let (loss, terms) = match head {
                [l, n] if *n >= 1.0 && n.fract() == 0.0 => (*l, *n as usize),
                _ => return Err(js_err(format!("split: chunk {i} has no loss and terms"))),
            };
            let grads = self.core.grads_from_flat(grads).map_err(js_err)?;
            let pass = crate::train::trainer::LearnerPass {
                loss,
                grads,
                flow: Vec::new(),
            };
            chunks.push((pass, terms));
        }
        self.core.apply_chunks(chunks).map_err(js_err)?;
        let t0 = self.split_started.take().unwrap_or_else(performance_now);
        self.seconds += (performance_now() - t0) / 1000.0;
        Ok(())
    }

    /// True when the budget is spent (the last record has been returned).
    pub fn done(&self) -> bool {
        self.finished
    }

    /// Iterations done.
    pub fn iteration(&self) -> f64 {
        self.core.iteration() as f64
    }

    /// Training sequences seen.
    pub fn sequences(&self) -> f64 {
        self.core.sequences() as f64
    }

    /// Training seconds so far (time in iterations only).
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// The final record (one JSON line; evaluates first when the current iteration has no
    /// record yet); with `with_params`, the trained parameters by name, as `emit_params` writes
    /// them.
    pub fn final_record(&mut self, with_params: bool) -> String {
        let r = self.core.final_record(self.seconds);
        let m = self.core.model();
        r.to_json(with_params.then_some(m as &dyn crate::train::params::ParamSet))
    }

    /// The parameters as JSON text keyed by name (`rnn.weight_ih_l0`, …, `fc.bias`): what a
    /// spec's `model.params` reads.
    pub fn params_json(&self) -> String {
        self.core.params_json()
    }

    /// What the charts draw as reference lines and what the success and the examples are
    /// called: `{baseline: number | null, criterion, success_field, items ("sequences",
    /// "sentences"), cell, steps: number | null}`.
    pub fn info(&self) -> JsValue {
        let c = self.core.config();
        let o = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&o, &k.into(), &v);
        };
        let (baseline, steps) = match &c.problem {
            Problem::Task(t) => (
                JsValue::from(t.baseline_loss()),
                JsValue::from(t.steps() as f64),
            ),
            Problem::Data(_) | Problem::Text(_) | Problem::Corpus(_) => {
                (JsValue::NULL, JsValue::NULL)
            }
        };
        set("baseline", baseline);
        set("steps", steps);
        set("criterion", c.problem.criterion().into());
        set("success_field", c.problem.success_field().into());
        set("items", c.problem.items().into());
        set("cell", c.model.arch.cell.name().into());
        o.into()
    }
}

/// The records of a race (or one run), kept on the page's side to draw the training charts.
#[wasm_bindgen]
pub struct TrainingCharts {
    log: TrainingLog,
}

impl Default for TrainingCharts {
    fn default() -> TrainingCharts {
        TrainingCharts::new()
    }
}

#[wasm_bindgen]
impl TrainingCharts {
    /// An empty log whose criterion is not known yet (no criterion line is drawn until
    /// [`TrainingCharts::reset`] gives one).
    #[wasm_bindgen(constructor)]
    pub fn new() -> TrainingCharts {
        TrainingCharts {
            log: TrainingLog {
                criterion: f64::NAN,
                ..TrainingLog::default()
            },
        }
    }

    /// Forgets every run; sets the reference lines (`baseline` NaN for none) and what the
    /// examples are called (`items`, as [`Trainer::info`] or `train_limits().items` say).
    pub fn reset(&mut self, baseline: f64, criterion: f64, success_field: &str, items: &str) {
        self.log = TrainingLog {
            runs: Vec::new(),
            sweep: Vec::new(),
            baseline: baseline.is_finite().then_some(baseline),
            criterion,
            success_field: success_field.to_string(),
            items: items.to_string(),
        };
    }

    /// Adds a run of `cell` called `label`; returns its index.
    ///
    /// # Errors
    /// An unknown cell.
    pub fn add_run(&mut self, cell: &str, label: &str) -> Result<usize, JsError> {
        let cell = crate::cell::CellKind::from_name(cell)
            .ok_or_else(|| js_err(format!("cell: unknown cell \"{cell}\"")))?;
        self.log.runs.push(Run {
            cell,
            label: label.to_string(),
            points: Vec::new(),
        });
        Ok(self.log.runs.len() - 1)
    }

    /// Appends a log record (one JSON line) to run `run`.
    ///
    /// # Errors
    /// No such run, or a record that does not parse.
    pub fn push(&mut self, run: usize, record: &str) -> Result<(), JsError> {
        let p = Point::from_json(record).map_err(js_err)?;
        self.log
            .runs
            .get_mut(run)
            .ok_or_else(|| js_err("run: no such run"))?
            .points
            .push(p);
        Ok(())
    }

    /// Adds a point of the sweep: `cell` at sequence length `steps` reached `success` (the mean
    /// best held-out success over the seeds).
    ///
    /// # Errors
    /// An unknown cell.
    pub fn sweep_point(&mut self, cell: &str, steps: f64, success: f64) -> Result<(), JsError> {
        let kind = crate::cell::CellKind::from_name(cell)
            .ok_or_else(|| js_err(format!("cell: unknown cell \"{cell}\"")))?;
        match self.log.sweep.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, pts)) => pts.push((steps, success)),
            None => self.log.sweep.push((kind, vec![(steps, success)])),
        }
        Ok(())
    }

    /// Draws chart `name` (`train-loss`, `train-success`, `train-flow`, `train-spectrum`,
    /// `train-clipping`, `train-sweep`) on a canvas sized in device pixels; returns the plot rectangle.
    ///
    /// # Errors
    /// An unknown chart or a canvas without a 2d context.
    pub fn draw(&self, name: &str, canvas: web_sys::HtmlCanvasElement) -> Result<JsValue, JsError> {
        let chart = training::build(name, &self.log, false).map_err(js_err)?;
        super::draw::draw(&crate::chart::registry::Chart::Line(chart), canvas)
    }

    /// Chart `name` as SVG text, titled, for download.
    ///
    /// # Errors
    /// An unknown chart.
    pub fn svg(&self, name: &str, width: u32, height: u32) -> Result<String, JsError> {
        let chart = training::build(name, &self.log, true).map_err(js_err)?;
        training::svg(&chart, width, height).map_err(js_err)
    }
}

/// What the training view's controls may hold, declared by the core once: `{tasks: [names],
/// min_steps: {task: shortest T}, steps, hidden_size, batch_size, seed, lr, test_fraction: {min, max,
/// default} (data.tsv's), carry_bias: {min, max}, criterion (the success every task counts as
/// solved, `SOLVED_AT`), tolerance (the adding problem's and a regression's: an answer within it of
/// the target is solved, `SOLVED_TOLERANCE`), items: {task, text} (what their examples are called), recipe: {lr, batch_size,
/// carry_bias, clip_norm, eval_every, eval_size, seed}}`. `lr` is the page's range (Adam learns
/// nothing useful outside it); `carry_bias` is the lab's.
#[wasm_bindgen]
pub fn train_limits() -> Result<JsValue, JsError> {
    use crate::train::trainer::RECIPE;
    let lr = RECIPE.optimizer.lr();
    let clip = match RECIPE.clipping {
        crate::train::clip::Clipping::Norm(n) => n,
        _ => 1.0,
    };
    let cb = &crate::lab::LIMITS.carry_bias;
    use crate::spec::train::{DEFAULT_TEST_FRACTION, TEST_FRACTION};
    use crate::train::tasks::{Task, TASK_NAMES};
    let min_steps: serde_json::Map<String, serde_json::Value> = TASK_NAMES
        .iter()
        .map(|&t| (t.to_string(), Task::min_steps(t).into()))
        .collect();
    let v = serde_json::json!({
        "tasks": TASK_NAMES,
        "min_steps": min_steps,
        "steps": {"min": 1, "max": crate::train::tasks::MAX_STEPS},
        "hidden_size": {"min": 1, "max": crate::spec::MAX_SIZE},
        "batch_size": {"min": 1, "max": crate::spec::train::MAX_BATCH_SIZE},
        "seed": {"min": 0, "max": 999_999},
        "lr": {"min": 1e-5, "max": 1.0},
        "test_fraction": {"min": TEST_FRACTION.start(), "max": TEST_FRACTION.end(), "default": DEFAULT_TEST_FRACTION},
        "carry_bias": {"min": cb.min, "max": cb.max},
        "criterion": crate::train::trainer::problem::SOLVED_AT,
        "tolerance": crate::train::tasks::SOLVED_TOLERANCE,
        "items": {"task": crate::train::trainer::problem::TASK_ITEMS, "text": crate::train::trainer::problem::TEXT_ITEMS},
        "recipe": {"lr": lr, "batch_size": RECIPE.batch_size, "carry_bias": RECIPE.carry_bias,
                   "clip_norm": clip, "eval_every": RECIPE.eval_every, "eval_size": RECIPE.eval_size,
                   "seed": RECIPE.seed},
    });
    js_sys::JSON::parse(&v.to_string()).map_err(|_| js_err("limits: internal JSON error"))
}
