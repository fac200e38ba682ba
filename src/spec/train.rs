//! The training spec (version 1): what `unrolled train` reads and the page's worker sends.
//! The public description is docs/spec.md, "Training spec"; this module is its implementation.
//!
//! [`parse_train_spec`] validates everything before any computation, in a fixed order (the
//! order of the statements in [`parse_train_spec_value`]), and refuses a malformed spec with a
//! [`SpecError`] naming the field, as the trace spec does. Fields the spec leaves out come from
//! the [`RECIPE`]; the limits are declared here, once, and [`check_config`] applies them to any
//! [`TrainConfig`] (the trainer calls it too).
//!
//! The work limits count multiply-adds: one sequence's forward pass through the stack costs
//! `w = T_max · Σ_l D·G·H·(in_l + H)` (the input and recurrent products; the head and the
//! element-wise work are smaller), an iteration about `3 B w` (forward, and backward's two
//! products per weight), an evaluation `(eval_size + 3 B) w` with the probe.

use serde_json::{Map, Value};

use super::fields::{
    boolean, describe, err, finite, integer, object, seed, tensor, Fields, SpecError,
};
use super::model::{parse_model, read_params, ParamSource};
use super::{MAX_BATCH, MAX_SIZE};
use crate::cell::CellKind;
use crate::network::{Architecture, Batch};
use crate::train::classifier::{LstmClassifier, TokenBatch};
use crate::train::clip::Clipping;
use crate::train::corpus::Corpus;
use crate::train::model::Model;
use crate::train::optim::adam::AdamConfig;
use crate::train::optim::sgd::SgdConfig;
use crate::train::optim::OptimizerConfig;
use crate::train::params::ParamSet;
use crate::train::sentiment::{self, SENTIMENT_DEFAULTS, TASK_NAME as SENTIMENT};
use crate::train::tasks::{CopyMemory, Head, Task, TaskBatch, MAX_STEPS, TASK_NAMES};
use crate::train::trainer::{
    Budget, Data, Learner, ModelConfig, ModelKind, ModelParams, Problem, Stream, TextData,
    TrainConfig, RECIPE,
};

/// The training spec's version (and the final record's).
pub const VERSION: u64 = 1;
/// Largest `batch_size` (and number of sequences in `data.input`).
pub const MAX_BATCH_SIZE: usize = MAX_BATCH;
/// Largest `eval_size`.
pub const MAX_EVAL_SIZE: usize = 10_000;
/// Largest `iterations` and `eval_every`.
pub const MAX_ITERATIONS: u64 = 10_000_000;
/// Largest `seconds`: a day.
pub const MAX_SECONDS: f64 = 86_400.0;
/// Largest number of values one forward pass keeps per step and unit for backward,
/// `B·T_max·L·D·G·H` (about three times as many f64 are held: 8 bytes each).
pub const MAX_BATCH_VALUES: u128 = 20_000_000;
/// Largest work of one iteration, `3·B·w` multiply-adds (module docs): about a second natively.
pub const MAX_ITERATION_WORK: u128 = 20_000_000_000;
/// Largest work of one evaluation, `(eval_size + 3·B)·w` multiply-adds (module docs).
pub const MAX_EVAL_WORK: u128 = 100_000_000_000;
/// Largest spectral work of one evaluation, `L·D·G·H³` (eigenvalues and a norm per block).
pub const MAX_SPECTRAL_WORK: u128 = 2_000_000_000;

/// A validated training spec.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSpec {
    /// The run.
    pub config: TrainConfig,
    /// Write the trained parameters in the final record (`emit_params`).
    pub emit_params: bool,
}

/// The top-level fields.
pub const TRAIN_FIELDS: [&str; 13] = [
    "version",
    "model",
    "task",
    "data",
    "optimizer",
    "clip",
    "batch_size",
    "seed",
    "iterations",
    "seconds",
    "eval_every",
    "eval_size",
    "emit_params",
];

/// Parses and validates a training spec from JSON text.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_train_spec(text: &str) -> Result<TrainSpec, SpecError> {
    parse_train_spec_value(&super::read_json(text)?)
}

/// Parses and validates an already-parsed training spec.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_train_spec_value(v: &Value) -> Result<TrainSpec, SpecError> {
    let f = Fields::new(object(v, "spec", "a JSON object")?, "");
    f.reject_unknown(&TRAIN_FIELDS)?;
    check_version(&f)?;
    let classifier = f.get("model").is_some_and(super::classifier::is_model_spec);
    let problem = (!classifier).then(|| parse_problem(&f)).transpose()?;
    let run_seed = f.optional("seed", seed)?.unwrap_or(RECIPE.seed);
    let (problem, model) = match problem {
        Some(problem) => {
            let model = parse_train_model(&f, &problem, run_seed)?;
            (problem, model)
        }
        None => parse_classifier_run(&f, run_seed)?,
    };
    let optimizer = parse_optimizer(&f)?;
    let clipping = parse_clip(&f)?;
    let batch_size = for_tasks_only(&f, &problem, "batch_size", MAX_BATCH_SIZE)?;
    let batch_size = batch_size.or(match problem {
        Problem::Corpus(_) => Some(SENTIMENT_DEFAULTS.batch_size),
        _ => None,
    });
    let budget = parse_budget(&f)?;
    let eval_every = f
        .optional("eval_every", |x, name| {
            integer(x, name, 1, MAX_ITERATIONS as usize)
        })?
        .map_or(RECIPE.eval_every, |n| n as u64);
    let eval_size = for_tasks_only(&f, &problem, "eval_size", MAX_EVAL_SIZE)?;
    let emit_params = f.optional("emit_params", boolean)?.unwrap_or(false);
    let config = TrainConfig {
        model,
        problem,
        optimizer,
        clipping,
        batch_size: batch_size.unwrap_or(RECIPE.batch_size),
        seed: run_seed,
        budget,
        eval_every,
        eval_size: eval_size.unwrap_or(RECIPE.eval_size),
    };
    check_config(&config)?;
    Ok(TrainSpec {
        config,
        emit_params,
    })
}

fn check_version(f: &Fields) -> Result<(), SpecError> {
    match f.get("version") {
        Some(ver) if ver.as_u64() != Some(VERSION) => {
            err("version", format!("expected 1, got {}", describe(ver)))
        }
        _ => Ok(()),
    }
}

/// `task` or `data`, exactly one.
fn parse_problem(f: &Fields) -> Result<Problem, SpecError> {
    match (f.get("task"), f.get("data")) {
        (Some(_), Some(_)) => err("data", "expected either task or data, not both"),
        (None, None) => err(
            "task",
            "missing (expected a task, or data with an explicit batch)",
        ),
        (Some(t), None) => parse_task(t).map(Problem::Task),
        (None, Some(d)) => parse_data(d).map(Problem::Data),
    }
}

/// `{"name", "steps", "k"}`.
fn parse_task(v: &Value) -> Result<Task, SpecError> {
    let f = Fields::new(object(v, "task", "an object")?, "task.");
    f.reject_unknown(&["name", "steps", "k"])?;
    let name = f.required("name")?;
    if name.as_str() == Some(SENTIMENT) {
        return err(
            "task.name",
            "sentiment trains the text classifier: \"model\": {\"model\": \"lstm_classifier\", …}",
        );
    }
    let Some(name) = name.as_str() else {
        return err(
            "task.name",
            format!(
                "expected one of {}, got {}",
                TASK_NAMES.join(", "),
                describe(name)
            ),
        );
    };
    let steps = integer(f.required("steps")?, "task.steps", 1, MAX_STEPS)?;
    let k = f.optional("k", |x, field| integer(x, field, 1, CopyMemory::MAX_K))?;
    Task::from_name(name, steps, k).map_err(|e| SpecError::new(e.field, e.message))
}

/// `{"input", "lengths", "target" | "labels" + "classes"}`.
fn parse_data(v: &Value) -> Result<Data, SpecError> {
    let f = Fields::new(object(v, "data", "an object")?, "data.");
    if f.contains("text") {
        return err(
            "data.text",
            "token ids need the text classifier: \"model\": {\"model\": \"lstm_classifier\", …}",
        );
    }
    f.reject_unknown(&["input", "lengths", "target", "labels", "classes"])?;
    let (bsz, steps, input_size) = data_dims(&f)?;
    let input = tensor(
        f.required("input")?,
        "data.input",
        &[bsz, steps, input_size],
        &["sequences", "steps", "numbers, input size"],
    )?;
    all_finite(&input, "data.input", &[bsz, steps, input_size])?;
    let lengths = f
        .optional("lengths", |x, name| {
            super::parse_lengths(x, name, bsz, steps)
        })?
        .unwrap_or_else(|| vec![steps; bsz]);
    let batch = Batch {
        input,
        batch: bsz,
        steps,
        lengths,
    };
    let (head, output_size, target, labels) = parse_targets(&f, bsz)?;
    Ok(Data {
        sample: TaskBatch {
            batch,
            target,
            labels,
        },
        head,
        input_size,
        output_size,
    })
}

/// `B`, `T` and `I` of `data.input`, from its first sequence and step.
fn data_dims(f: &Fields) -> Result<(usize, usize, usize), SpecError> {
    let input = f.required("input")?;
    let outer = |v: &Value, field: &str, what: &str, max: usize| -> Result<usize, SpecError> {
        match v.as_array() {
            Some(a) if (1..=max).contains(&a.len()) => Ok(a.len()),
            _ => err(
                field,
                format!(
                    "expected an array of 1..={max} {what} ([sequences][steps][input size]), got {}",
                    describe(v)
                ),
            ),
        }
    };
    let bsz = outer(input, "data.input", "sequences", MAX_BATCH_SIZE)?;
    let steps = outer(&input[0], "data.input[0]", "steps", MAX_STEPS)?;
    let width = outer(&input[0][0], "data.input[0][0]", "numbers", MAX_SIZE)?;
    Ok((bsz, steps, width))
}

/// Refuses the first non-finite value, by its path.
fn all_finite(values: &[f64], field: &str, shape: &[usize]) -> Result<(), SpecError> {
    let Some(i) = values.iter().position(|x| !x.is_finite()) else {
        return Ok(());
    };
    let mut path = String::from(field);
    let mut rest = i;
    for (k, _) in shape.iter().enumerate() {
        let stride: usize = shape[k + 1..].iter().product();
        path.push_str(&format!("[{}]", rest / stride));
        rest %= stride;
    }
    err(path, format!("expected a finite number, got {}", values[i]))
}

/// `target` `[B][O]` (regression at the end) or `labels` `[B]` with `classes` (classes at the
/// end): the head, `O`, the targets and the labels.
fn parse_targets(f: &Fields, bsz: usize) -> Result<(Head, usize, Vec<f64>, Vec<usize>), SpecError> {
    match (f.get("target"), f.get("labels")) {
        (Some(_), Some(_)) => err("data.labels", "expected either target or labels, not both"),
        (None, None) => err(
            "data.target",
            "missing (expected target [sequences][outputs] or labels [sequences] with classes)",
        ),
        (Some(t), None) => {
            if f.contains("classes") {
                return err("data.classes", "applies only to labels (not to target)");
            }
            let (outputs, target) = parse_target(t, bsz)?;
            Ok((Head::RegressionAtEnd, outputs, target, Vec::new()))
        }
        (None, Some(l)) => {
            let classes = integer(f.required("classes")?, "data.classes", 1, MAX_SIZE)?;
            let labels = parse_labels(l, bsz, classes)?;
            Ok((Head::ClassAtEnd, classes, Vec::new(), labels))
        }
    }
}

/// `data.target`, `[B][O]` finite numbers: `O` and the values.
fn parse_target(t: &Value, bsz: usize) -> Result<(usize, Vec<f64>), SpecError> {
    let outputs = match t.as_array().and_then(|a| a.first()).map(Value::as_array) {
        Some(Some(row)) if (1..=MAX_SIZE).contains(&row.len()) => row.len(),
        _ => {
            return err(
                "data.target",
                format!(
                    "expected [sequences][outputs] with 1..={MAX_SIZE} outputs, got {}",
                    describe(t)
                ),
            )
        }
    };
    let names = ["sequences (as data.input)", "numbers, outputs"];
    let target = tensor(t, "data.target", &[bsz, outputs], &names)?;
    all_finite(&target, "data.target", &[bsz, outputs])?;
    Ok((outputs, target))
}

/// `data.labels`, `B` integers in `0..classes`.
fn parse_labels(l: &Value, bsz: usize, classes: usize) -> Result<Vec<usize>, SpecError> {
    let Some(a) = l.as_array().filter(|a| a.len() == bsz) else {
        return err(
            "data.labels",
            format!(
                "expected an array of {bsz} integers (one per sequence), got {}",
                describe(l)
            ),
        );
    };
    a.iter()
        .enumerate()
        .map(|(i, x)| integer(x, &format!("data.labels[{i}]"), 0, classes - 1))
        .collect()
}

/// The model object: the trace spec's model fields ([`parse_model`]), `input_size` optional
/// (the problem's) and `params` by the model's names (`rnn.…`, `fc.…`); with `init`, its seed
/// defaults to the run's init stream and the recipe's carry bias applies.
fn parse_train_model(
    f: &Fields,
    problem: &Problem,
    run_seed: u64,
) -> Result<ModelConfig, SpecError> {
    let obj = object(f.required("model")?, "model", "an object")?;
    let input_size = problem
        .input_size()
        .expect("a task or data with input: text goes to parse_classifier_run");
    let mut rest: Map<String, Value> = obj.clone();
    let params = rest.remove("params");
    rest.entry("input_size").or_insert(input_size.into());
    let spec = parse_model(&Value::Object(rest), "model")?;
    if spec.arch.input_size != input_size {
        return err(
            "model.input_size",
            format!(
                "expected {input_size} (the {} input size) or nothing, got {}",
                problem_name(problem),
                spec.arch.input_size
            ),
        );
    }
    let params = match (params, spec.params) {
        (Some(_), _) if obj.contains_key("init") => {
            return err("model.init", "expected either params or init, not both")
        }
        (Some(pv), _) => {
            let mut model = Model::zeros(spec.arch, problem.output_size());
            read_params(&pv, "model.params", &mut model)?;
            for t in model.tensors() {
                all_finite(t.values, &format!("model.params.{}", t.name), &t.shape)?;
            }
            ModelParams::Given(Learner::Sequence(model))
        }
        (None, ParamSource::Init(cfg)) => {
            ModelParams::Init(recipe_init(cfg, obj.get("init"), spec.arch.cell, run_seed))
        }
        (None, ParamSource::Given(_)) => unreachable!("params were taken out of the object"),
    };
    Ok(ModelConfig {
        kind: ModelKind::Sequence,
        arch: spec.arch,
        dropout: spec.dropout,
        params,
    })
}

/// "the task's" / "data's", for messages.
fn problem_name(problem: &Problem) -> String {
    match problem {
        Problem::Task(t) => format!("{} task's", t.name()),
        Problem::Data(_) | Problem::Text(_) => "data's".into(),
        Problem::Corpus(_) => format!("{SENTIMENT} task's"),
    }
}

/// The fields of `data` for the text classifier.
const TEXT_DATA_FIELDS: [&str; 3] = ["text", "lengths", "labels"];

/// A run of the text classifier: the model object (the classifier spec's model fields, named
/// `model.…`) and `data` (`text`, `lengths`, `labels`); no `task`. With `init`, its seed
/// defaults to the run's init stream (no recipe carry bias: the course's initialisation);
/// `params` must be finite.
fn parse_classifier_run(f: &Fields, run_seed: u64) -> Result<(Problem, ModelConfig), SpecError> {
    use super::classifier::{parse_classifier_model, MODEL_FIELDS};
    let given = object(f.required("model")?, "model", "an object")?;
    Fields::new(given, "model.").reject_unknown(&MODEL_FIELDS)?;
    let corpus = parse_classifier_task(f, run_seed)?;
    let mut obj = given.clone();
    if let Some(c) = &corpus {
        let source = if f.contains("task") {
            "the sentiment"
        } else {
            "the data.tsv"
        };
        corpus_model_defaults(&mut obj, c, source)?;
    }
    let m = Fields::new(&obj, "model.");
    let spec = parse_classifier_model(&m)?;
    let problem = match corpus {
        Some(c) => Problem::Corpus(c),
        None => Problem::Text(parse_text_data(
            f.required("data")?,
            spec.vocab_size,
            spec.output_dim,
        )?),
    };
    let params = match spec.params {
        ParamSource::Given(model) => {
            for t in model.tensors() {
                all_finite(t.values, &format!("model.params.{}", t.name), &t.shape)?;
            }
            ModelParams::Given(Learner::Classifier(model))
        }
        ParamSource::Init(mut cfg) => {
            if obj.get("init").and_then(|i| i.get("seed")).is_none() {
                cfg.seed = Stream::Init.seed(run_seed);
            }
            ModelParams::Init(cfg)
        }
    };
    let model = ModelConfig {
        kind: ModelKind::Classifier {
            vocab_size: spec.vocab_size,
        },
        arch: spec.arch,
        dropout: spec.dropout,
        params,
    };
    Ok((problem, model))
}

/// The classifier's `task` (`{"name": "sentiment"}`: the shipped corpus), `data` with `tsv` (a
/// corpus of the learner's own labelled texts), or `data` with token ids (`None`), exactly one.
fn parse_classifier_task(
    f: &Fields,
    run_seed: u64,
) -> Result<Option<std::sync::Arc<Corpus>>, SpecError> {
    let task =
        match (f.get("task"), f.get("data")) {
            (Some(_), Some(_)) => return err("data", "expected either task or data, not both"),
            (None, None) => return err(
                "task",
                "missing (expected {\"name\": \"sentiment\"}, or data with tsv, or with text, lengths, labels)",
            ),
            (None, Some(d)) if d.get("tsv").is_some() => {
                return parse_tsv_data(d, run_seed).map(|c| Some(std::sync::Arc::new(c)))
            }
            (None, Some(_)) => return Ok(None),
            (Some(t), None) => Fields::new(object(t, "task", "an object")?, "task."),
        };
    task.reject_unknown(&["name"])?;
    let name = task.required("name")?;
    if name.as_str() != Some(SENTIMENT) {
        return err(
            "task.name",
            format!(
                "expected \"{SENTIMENT}\" (the text classifier's task), got {}",
                describe(name)
            ),
        );
    }
    Ok(Some(sentiment::corpus()))
}

/// `data.test_fraction`'s range: the share of each class held out for evaluation.
pub const TEST_FRACTION: std::ops::RangeInclusive<f64> = 0.05..=0.5;
/// `data.test_fraction` when it is absent.
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;
/// `data.min_count`'s range.
pub const MIN_COUNT: std::ops::RangeInclusive<usize> = 1..=100;

/// The fields of `data` with `tsv`.
const TSV_DATA_FIELDS: [&str; 4] = ["tsv", "test_fraction", "split_seed", "min_count"];

/// `data: {"tsv": text, "test_fraction": 0.2, "split_seed": seed, "min_count": 1}`: labelled
/// texts (`text<TAB>label` or CSV, `train::import`), split stratified by `split_seed` (default:
/// the run's seed), tokenised with the vocabulary of the training part (tokens seen at least
/// `min_count` times; the rest are `<unk>`).
fn parse_tsv_data(v: &Value, run_seed: u64) -> Result<Corpus, SpecError> {
    let d = Fields::new(object(v, "data", "an object")?, "data.");
    d.reject_unknown(&TSV_DATA_FIELDS)?;
    let Some(text) = d.required("tsv")?.as_str() else {
        return err("data.tsv", "expected the file's text, a string");
    };
    let labelled = crate::train::import::parse_labelled(text)
        .map_err(|e| SpecError::new("data.tsv", e.to_string()))?;
    let fraction = d
        .optional("test_fraction", finite)?
        .unwrap_or(DEFAULT_TEST_FRACTION);
    if !TEST_FRACTION.contains(&fraction) {
        let (lo, hi) = (TEST_FRACTION.start(), TEST_FRACTION.end());
        return err(
            "data.test_fraction",
            format!("expected a number in {lo}..={hi}, got {fraction}"),
        );
    }
    let split_seed = d.optional("split_seed", seed)?.unwrap_or(run_seed);
    let min_count = d
        .optional("min_count", |v, name| {
            integer(v, name, *MIN_COUNT.start(), *MIN_COUNT.end())
        })?
        .unwrap_or(1);
    let corpus = Corpus::from_labelled(&labelled, fraction, split_seed, min_count);
    corpus.check().map_err(|m| SpecError::new("data.tsv", m))?;
    Ok(corpus)
}

/// Fills the model fields a corpus decides or the task defaults (`vocab_size`, `output_dim`;
/// `embed_dim`, `hidden_dim`), refusing a given `vocab_size` or `output_dim` that differs.
fn corpus_model_defaults(
    obj: &mut Map<String, Value>,
    c: &Corpus,
    source: &str,
) -> Result<(), SpecError> {
    let fixed = [
        (
            "vocab_size",
            c.vocab.len(),
            format!("{source} vocabulary's size"),
        ),
        ("output_dim", c.classes.len(), format!("{source} classes")),
    ];
    for (key, want, what) in fixed {
        match obj.get(key).and_then(Value::as_u64) {
            Some(n) if n != want as u64 => {
                return err(
                    format!("model.{key}"),
                    format!("expected {want} ({what}) or nothing, got {n}"),
                )
            }
            _ => {
                obj.entry(key).or_insert(want.into());
            }
        }
    }
    obj.entry("embed_dim")
        .or_insert(SENTIMENT_DEFAULTS.embed_dim.into());
    obj.entry("hidden_dim")
        .or_insert(SENTIMENT_DEFAULTS.hidden_dim.into());
    Ok(())
}

/// `data` for the classifier: `text` `[B][T]` token ids below `vocab`, `lengths` (default all
/// `T`), `labels` `[B]` below `classes` (required).
fn parse_text_data(v: &Value, vocab: usize, classes: usize) -> Result<TextData, SpecError> {
    use super::classifier::{parse_labels, parse_text};
    let f = Fields::new(object(v, "data", "an object")?, "data.");
    f.reject_unknown(&TEXT_DATA_FIELDS)?;
    let (ids, bsz, steps) = parse_text(&f, vocab, MAX_BATCH_SIZE, MAX_STEPS)?;
    let lengths = f
        .optional("lengths", |x, name| {
            super::parse_lengths(x, name, bsz, steps)
        })?
        .unwrap_or_else(|| vec![steps; bsz]);
    let labels = parse_labels(f.required("labels")?, "data.labels", bsz, classes)?;
    Ok(TextData {
        tokens: TokenBatch {
            ids,
            batch: bsz,
            steps,
            lengths,
        },
        labels,
        classes,
    })
}

/// The init configuration with the run's defaults: the seed from the init stream unless
/// `init.seed` is given, the recipe's carry bias unless `carry_bias` or `forget_bias` is.
fn recipe_init(
    mut cfg: crate::init::InitConfig,
    init: Option<&Value>,
    cell: CellKind,
    run_seed: u64,
) -> crate::init::InitConfig {
    let given = |k: &str| init.and_then(|i| i.get(k)).is_some();
    if !given("seed") {
        cfg.seed = Stream::Init.seed(run_seed);
    }
    if cell.info().carry.is_some() && !given("carry_bias") && !given("forget_bias") {
        cfg.carry_bias = Some(RECIPE.carry_bias);
    }
    cfg
}

/// The optimizer's fields, by name, as PyTorch's arguments.
const SGD_FIELDS: [&str; 7] = [
    "name",
    "lr",
    "momentum",
    "dampening",
    "weight_decay",
    "nesterov",
    "maximize",
];
const ADAM_FIELDS: [&str; 8] = [
    "name",
    "lr",
    "betas",
    "eps",
    "weight_decay",
    "amsgrad",
    "maximize",
    "decoupled_weight_decay",
];
const OPTIMIZER_NAMES: [&str; 3] = ["sgd", "adam", "adamw"];

/// `optimizer`: `{"name": "sgd" | "adam" | "adamw", …}` with PyTorch's argument names and
/// defaults (the recipe's optimiser when absent).
fn parse_optimizer(f: &Fields) -> Result<OptimizerConfig, SpecError> {
    let Some(v) = f.get("optimizer") else {
        return Ok(RECIPE.optimizer);
    };
    let o = Fields::new(object(v, "optimizer", "an object")?, "optimizer.");
    let name = o.required("name")?;
    let Some(name) = name.as_str().filter(|n| OPTIMIZER_NAMES.contains(n)) else {
        return err(
            "optimizer.name",
            format!(
                "expected one of {}, got {}",
                OPTIMIZER_NAMES.join(", "),
                describe(name)
            ),
        );
    };
    match name {
        "sgd" => parse_sgd(&o).map(OptimizerConfig::Sgd),
        "adam" => parse_adam(&o, AdamConfig::PYTORCH, &ADAM_FIELDS).map(OptimizerConfig::Adam),
        _ => parse_adam(&o, AdamConfig::adamw(), &ADAM_FIELDS[..7]).map(OptimizerConfig::Adam),
    }
}

/// A number `> 0` (`lr`, `max_norm`, `clip_value`).
fn positive(v: &Value, field: &str) -> Result<f64, SpecError> {
    match finite(v, field)? {
        x if x > 0.0 => Ok(x),
        x => err(field, format!("expected a number > 0, got {x}")),
    }
}

/// A number `≥ 0` (`momentum`, `weight_decay`, `eps`).
fn non_negative(v: &Value, field: &str) -> Result<f64, SpecError> {
    match finite(v, field)? {
        x if x >= 0.0 => Ok(x),
        x => err(field, format!("expected a number ≥ 0, got {x}")),
    }
}

/// `torch.optim.SGD`'s arguments (its default `lr` is 10⁻³).
fn parse_sgd(o: &Fields) -> Result<SgdConfig, SpecError> {
    o.reject_unknown(&SGD_FIELDS)?;
    let mut c = SgdConfig::new(AdamConfig::PYTORCH.lr);
    c.lr = o.optional("lr", positive)?.unwrap_or(c.lr);
    c.momentum = o.optional("momentum", non_negative)?.unwrap_or(c.momentum);
    c.dampening = o.optional("dampening", finite)?.unwrap_or(c.dampening);
    c.weight_decay = o
        .optional("weight_decay", non_negative)?
        .unwrap_or(c.weight_decay);
    c.nesterov = o.optional("nesterov", boolean)?.unwrap_or(c.nesterov);
    c.maximize = o.optional("maximize", boolean)?.unwrap_or(c.maximize);
    if c.nesterov && (c.momentum <= 0.0 || c.dampening != 0.0) {
        return err(
            "optimizer.nesterov",
            "nesterov momentum requires a momentum > 0 and dampening 0",
        );
    }
    Ok(c)
}

/// `torch.optim.Adam`'s or `AdamW`'s arguments, starting from `base` (their defaults).
fn parse_adam(o: &Fields, base: AdamConfig, known: &[&str]) -> Result<AdamConfig, SpecError> {
    o.reject_unknown(known)?;
    let mut c = base;
    c.lr = o.optional("lr", positive)?.unwrap_or(c.lr);
    if let Some(b) = o.optional("betas", |x, field| {
        tensor(x, field, &[2], &["numbers, [beta1, beta2]"])
    })? {
        for (i, &beta) in b.iter().enumerate() {
            if !(0.0..1.0).contains(&beta) {
                return err(
                    format!("optimizer.betas[{i}]"),
                    format!("expected a number in [0, 1), got {beta}"),
                );
            }
        }
        c.betas = (b[0], b[1]);
    }
    c.eps = o.optional("eps", non_negative)?.unwrap_or(c.eps);
    c.weight_decay = o
        .optional("weight_decay", non_negative)?
        .unwrap_or(c.weight_decay);
    c.amsgrad = o.optional("amsgrad", boolean)?.unwrap_or(c.amsgrad);
    c.maximize = o.optional("maximize", boolean)?.unwrap_or(c.maximize);
    c.decoupled_weight_decay = o
        .optional("decoupled_weight_decay", boolean)?
        .unwrap_or(c.decoupled_weight_decay);
    Ok(c)
}

/// `clip`: `{"max_norm": x}`, `{"clip_value": x}` or `"none"` (the recipe's when absent).
fn parse_clip(f: &Fields) -> Result<Clipping, SpecError> {
    let Some(v) = f.get("clip") else {
        return Ok(RECIPE.clipping);
    };
    if v.as_str() == Some("none") {
        return Ok(Clipping::None);
    }
    let expected = "expected {\"max_norm\": x}, {\"clip_value\": x} or \"none\"";
    let Some(obj) = v.as_object() else {
        return err("clip", format!("{expected}, got {}", describe(v)));
    };
    let c = Fields::new(obj, "clip.");
    c.reject_unknown(&["max_norm", "clip_value"])?;
    let max_norm = c.optional("max_norm", positive)?;
    let clip_value = c.optional("clip_value", positive)?;
    match (max_norm, clip_value) {
        (Some(_), Some(_)) => err(
            "clip.clip_value",
            "expected either max_norm or clip_value, not both",
        ),
        (Some(n), None) => Ok(Clipping::Norm(n)),
        (None, Some(c)) => Ok(Clipping::Value(c)),
        (None, None) => err("clip", format!("{expected}, got an empty object")),
    }
}

/// `key` (`batch_size`, `eval_size`): an integer in `1..=max`, refused with `data` (whose batch
/// is fixed and is its own held-out set).
fn for_tasks_only(
    f: &Fields,
    problem: &Problem,
    key: &str,
    max: usize,
) -> Result<Option<usize>, SpecError> {
    let value = f.optional(key, |x, name| integer(x, name, 1, max))?;
    if value.is_some() && matches!(problem, Problem::Data(_) | Problem::Text(_)) {
        return err(
            key,
            "applies only to a task (with data the batch and the held-out set are data.input)",
        );
    }
    if value.is_some() && key == "eval_size" && matches!(problem, Problem::Corpus(_)) {
        return err(
            key,
            "applies only to a sequence task (sentiment is scored on its whole test split)",
        );
    }
    Ok(value)
}

/// `iterations` and `seconds` (the recipe's iterations when neither is given).
fn parse_budget(f: &Fields) -> Result<Budget, SpecError> {
    let iterations = f
        .optional("iterations", |x, name| {
            integer(x, name, 0, MAX_ITERATIONS as usize)
        })?
        .map(|n| n as u64);
    let seconds = f.optional("seconds", |x, name| match finite(x, name)? {
        s if s > 0.0 && s <= MAX_SECONDS => Ok(s),
        s => err(
            name,
            format!("expected a number of seconds in (0, {MAX_SECONDS}], got {s}"),
        ),
    })?;
    Ok(Budget {
        iterations: if seconds.is_none() {
            iterations.or(Some(RECIPE.iterations))
        } else {
            iterations
        },
        seconds,
    })
}

/// Applies the limits to a configuration and checks that its parts agree (the problem's input
/// size and the model's, given parameters and the architecture).
///
/// # Errors
/// The first limit exceeded or disagreement, named by its spec field.
pub fn check_config(c: &TrainConfig) -> Result<(), SpecError> {
    check_ranges(c)?;
    let arch = c.model.arch;
    match (c.model.kind, &c.problem, c.problem.input_size()) {
        (ModelKind::Sequence, _, Some(i)) if i != arch.input_size => {
            return err(
                "model.input_size",
                format!(
                    "expected {i} (the problem's input size), got {}",
                    arch.input_size
                ),
            )
        }
        (ModelKind::Sequence, _, Some(_)) => {}
        (ModelKind::Sequence, _, None) => {
            return err("data.text", "token ids need the text classifier")
        }
        (ModelKind::Classifier { vocab_size }, Problem::Text(d), _) => check_text(d, vocab_size)?,
        (ModelKind::Classifier { vocab_size }, Problem::Corpus(corpus), _) => {
            check_corpus(corpus, vocab_size)?
        }
        (ModelKind::Classifier { .. }, _, _) => {
            return err(
                "model.model",
                "lstm_classifier trains on data with text, lengths and labels",
            )
        }
    }
    if let ModelParams::Given(m) = &c.model.params {
        let classes = c.problem.output_size();
        let want: Vec<_> = match c.model.kind {
            ModelKind::Sequence => Model::zeros(arch, classes).param_shapes(),
            ModelKind::Classifier { vocab_size } => {
                LstmClassifier::zeros(arch, vocab_size, classes).param_shapes()
            }
        };
        if m.param_shapes() != want {
            return err(
                "model.params",
                "expected the tensors of the model's architecture and the problem's output size",
            );
        }
    }
    check_work(c)
}

/// A batch of sentences built in code (the parser builds only consistent ones): sizes, token
/// ids below the vocabulary size, lengths and labels that agree.
fn check_text(d: &TextData, vocab: usize) -> Result<(), SpecError> {
    let t = &d.tokens;
    let (bsz, steps) = (t.batch, t.steps);
    if !(1..=MAX_BATCH_SIZE).contains(&bsz) || !(1..=MAX_STEPS).contains(&steps) {
        return err(
            "data.text",
            format!("expected 1..={MAX_BATCH_SIZE} sentences of 1..={MAX_STEPS} tokens, got {bsz} of {steps}"),
        );
    }
    if t.ids.len() != bsz * steps || t.ids.iter().any(|&id| id >= vocab) {
        return err(
            "data.text",
            format!("expected [sentences][tokens] token ids, each below vocab_size {vocab}"),
        );
    }
    if t.lengths.len() != bsz || t.lengths.iter().any(|n| !(1..=steps).contains(n)) {
        return err(
            "data.lengths",
            format!("expected {bsz} lengths, each in 1..={steps}"),
        );
    }
    if d.labels.len() != bsz || d.labels.iter().any(|&y| y >= d.classes) {
        return err(
            "data.labels",
            format!("expected {bsz} labels, each below {}", d.classes),
        );
    }
    Ok(())
}

/// A corpus built in code: well-formed sets, and the model's vocabulary size its vocabulary's.
fn check_corpus(corpus: &Corpus, vocab: usize) -> Result<(), SpecError> {
    if vocab != corpus.vocab.len() {
        return err(
            "model.vocab_size",
            format!(
                "expected {} (the corpus's vocabulary), got {vocab}",
                corpus.vocab.len()
            ),
        );
    }
    corpus.check().map_err(|m| SpecError::new("task", m))
}

fn check_ranges(c: &TrainConfig) -> Result<(), SpecError> {
    let range = |field: &str, v: u128, lo: u128, hi: u128| {
        if (lo..=hi).contains(&v) {
            Ok(())
        } else {
            err(
                field,
                format!("expected an integer in {lo}..={hi}, got {v}"),
            )
        }
    };
    range(
        "batch_size",
        c.batch_size as u128,
        1,
        MAX_BATCH_SIZE as u128,
    )?;
    range("eval_size", c.eval_size as u128, 1, MAX_EVAL_SIZE as u128)?;
    range(
        "eval_every",
        c.eval_every as u128,
        1,
        MAX_ITERATIONS as u128,
    )?;
    let Budget {
        iterations,
        seconds,
    } = c.budget;
    if let Some(n) = iterations {
        range("iterations", n as u128, 0, MAX_ITERATIONS as u128)?;
    }
    match seconds {
        Some(s) if !(s > 0.0 && s <= MAX_SECONDS) => err(
            "seconds",
            format!("expected a number of seconds in (0, {MAX_SECONDS}], got {s}"),
        ),
        None if iterations.is_none() => err("iterations", "missing (or give seconds)"),
        _ => Ok(()),
    }?;
    if !(0.0..1.0).contains(&c.model.dropout) {
        return err(
            "model.dropout",
            format!("expected a number in [0, 1), got {}", c.model.dropout),
        );
    }
    match c.clipping {
        Clipping::Norm(x) if !(x.is_finite() && x > 0.0) => {
            err("clip.max_norm", format!("expected a number > 0, got {x}"))
        }
        Clipping::Value(x) if !(x.is_finite() && x > 0.0) => {
            err("clip.clip_value", format!("expected a number > 0, got {x}"))
        }
        _ => Ok(()),
    }?;
    match &c.problem {
        Problem::Data(d) => check_data(d),
        Problem::Task(_) | Problem::Text(_) | Problem::Corpus(_) => Ok(()),
    }
}

/// An explicit batch built in code (the parser builds only consistent ones): sizes, lengths,
/// targets and labels that agree.
fn check_data(d: &Data) -> Result<(), SpecError> {
    let b = &d.sample.batch;
    let (bsz, steps) = (b.batch, b.steps);
    if !(1..=MAX_BATCH_SIZE).contains(&bsz) || !(1..=MAX_STEPS).contains(&steps) {
        return err(
            "data.input",
            format!("expected 1..={MAX_BATCH_SIZE} sequences of 1..={MAX_STEPS} steps, got {bsz} of {steps}"),
        );
    }
    if b.input.len() != bsz * steps * d.input_size {
        return err(
            "data.input",
            "expected [sequences][steps][input size] values",
        );
    }
    if b.lengths.len() != bsz || b.lengths.iter().any(|n| !(1..=steps).contains(n)) {
        return err(
            "data.lengths",
            format!("expected {bsz} lengths, each in 1..={steps}"),
        );
    }
    let s = &d.sample;
    let (want_target, want_labels) = match d.head {
        Head::RegressionAtEnd => (bsz * d.output_size, 0),
        Head::ClassAtEnd => (0, bsz),
        Head::ClassEveryStep => (0, bsz * steps),
    };
    if s.target.len() != want_target {
        return err("data.target", format!("expected {want_target} values"));
    }
    if s.labels.len() != want_labels || s.labels.iter().any(|&y| y >= d.output_size) {
        return err(
            "data.labels",
            format!(
                "expected {want_labels} labels, each below {}",
                d.output_size
            ),
        );
    }
    Ok(())
}

/// One sequence's forward multiply-adds, `T_max · Σ_l D·G·H·(in_l + H)`.
fn sequence_work(arch: Architecture, steps: usize) -> u128 {
    let gh = (arch.directions() * arch.gate_rows()) as u128;
    let per_step: u128 = (0..arch.num_layers)
        .map(|l| gh * (arch.layer_input_size(l) + arch.hidden_size) as u128)
        .sum();
    steps as u128 * per_step
}

/// The memory and work limits of an iteration and an evaluation.
fn check_work(c: &TrainConfig) -> Result<(), SpecError> {
    let arch = c.model.arch;
    let steps = c.problem.max_length();
    let bsz = c.sequences_per_iteration() as u128;
    let batch_field = match c.problem {
        Problem::Task(_) | Problem::Corpus(_) => "batch_size",
        Problem::Data(_) => "data.input",
        Problem::Text(_) => "data.text",
    };
    let values =
        bsz * steps as u128 * (arch.num_layers * arch.directions() * arch.gate_rows()) as u128;
    if values > MAX_BATCH_VALUES {
        return err(
            batch_field,
            format!(
                "sequences × steps × layers × directions × gates × hidden_size = {values} values kept for backward, over the limit of {MAX_BATCH_VALUES}: use a smaller batch_size, task.steps or model"
            ),
        );
    }
    let w = sequence_work(arch, steps);
    if 3 * bsz * w > MAX_ITERATION_WORK {
        return err(
            batch_field,
            format!(
                "an iteration would cost about {} multiply-adds, over the limit of {MAX_ITERATION_WORK}: use a smaller batch_size, task.steps or model",
                3 * bsz * w
            ),
        );
    }
    let held_out = match &c.problem {
        Problem::Task(_) => c.eval_size as u128,
        Problem::Corpus(corpus) => corpus.test.len() as u128,
        Problem::Data(_) | Problem::Text(_) => 0,
    };
    if (held_out + 3 * bsz) * w > MAX_EVAL_WORK {
        return err(
            "eval_size",
            format!(
                "an evaluation would cost about {} multiply-adds, over the limit of {MAX_EVAL_WORK}: use a smaller eval_size",
                (held_out + 3 * bsz) * w
            ),
        );
    }
    let spectral = (arch.num_layers * arch.directions() * arch.cell.gates()) as u128
        * (arch.hidden_size as u128).pow(3);
    if spectral > MAX_SPECTRAL_WORK {
        return err(
            "model.hidden_size",
            format!(
                "the spectra of W_hh at every evaluation would cost about {spectral} operations (layers × directions × gates × hidden_size³), over the limit of {MAX_SPECTRAL_WORK}"
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> TrainConfig {
        let spec = json!({"model": {"cell": "gru", "hidden_size": 2},
            "data": {"input": [[[1.0], [2.0]], [[3.0], [0.0]]], "lengths": [2, 1],
                     "target": [[1.0], [2.0]]}});
        parse_train_spec_value(&spec).unwrap().config
    }

    fn refused(change: impl FnOnce(&mut TrainConfig)) -> String {
        let mut c = config();
        change(&mut c);
        check_config(&c).unwrap_err().to_string()
    }

    fn data(c: &mut TrainConfig) -> &mut Data {
        match &mut c.problem {
            Problem::Data(d) => d,
            Problem::Task(_) | Problem::Text(_) | Problem::Corpus(_) => unreachable!(),
        }
    }

    /// A configuration built in code is checked as the parser checks a spec: an error naming
    /// the field, never a panic later in the trainer.
    #[test]
    fn configurations_built_in_code_are_checked() {
        assert!(check_config(&config()).is_ok());
        let e = refused(|c| c.clipping = Clipping::Norm(-1.0));
        assert_eq!(e, "clip.max_norm: expected a number > 0, got -1");
        let e = refused(|c| c.clipping = Clipping::Value(f64::NAN));
        assert!(e.starts_with("clip.clip_value"), "{e}");
        let e = refused(|c| data(c).sample.target.push(3.0));
        assert_eq!(e, "data.target: expected 2 values");
        let e = refused(|c| data(c).sample.batch.lengths[1] = 3);
        assert_eq!(e, "data.lengths: expected 2 lengths, each in 1..=2");
        let e = refused(|c| {
            let d = data(c);
            d.head = Head::ClassAtEnd;
            d.sample.target.clear();
            d.sample.labels = vec![0, 1];
        });
        assert_eq!(e, "data.labels: expected 2 labels, each below 1");
        let e = refused(|c| c.model.arch.input_size = 2);
        assert!(e.starts_with("model.input_size: expected 1"), "{e}");
        let e = refused(|c| c.eval_every = 0);
        assert_eq!(e, "eval_every: expected an integer in 1..=10000000, got 0");
        let e = refused(|c| c.budget.iterations = None);
        assert_eq!(e, "iterations: missing (or give seconds)");
    }

    #[test]
    fn the_recipe_fills_what_the_spec_leaves_out() {
        let spec = json!({"model": {"cell": "lstm", "hidden_size": 2},
                          "task": {"name": "copy", "steps": 3, "k": 1}});
        let c = parse_train_spec_value(&spec).unwrap().config;
        assert_eq!(c.optimizer, RECIPE.optimizer);
        assert_eq!(c.clipping, RECIPE.clipping);
        assert_eq!(c.budget.iterations, Some(RECIPE.iterations));
        assert_eq!(
            (c.batch_size, c.eval_size),
            (RECIPE.batch_size, RECIPE.eval_size)
        );
        assert_eq!(c.model.arch.input_size, 10);
        let ModelParams::Init(init) = &c.model.params else {
            panic!("init expected")
        };
        assert_eq!(init.carry_bias, Some(RECIPE.carry_bias));
        assert_eq!(init.seed, Stream::Init.seed(0));
        // Given: init.seed and the forget bias win; a plain RNN has no carry gate.
        let spec = json!({"model": {"cell": "lstm", "hidden_size": 2,
                                    "init": {"seed": 3, "forget_bias": 2}},
                          "task": {"name": "copy", "steps": 3}, "seconds": 2,
                          "optimizer": {"name": "sgd"}, "clip": "none"});
        let c = parse_train_spec_value(&spec).unwrap().config;
        let ModelParams::Init(init) = &c.model.params else {
            panic!("init expected")
        };
        assert_eq!(
            (init.seed, init.carry_bias, init.forget_bias),
            (3, None, Some(2.0))
        );
        assert_eq!(c.optimizer, OptimizerConfig::Sgd(SgdConfig::new(1e-3)));
        assert_eq!((c.clipping, c.budget.iterations), (Clipping::None, None));
        let spec = json!({"model": {"cell": "rnn_relu", "hidden_size": 2},
                          "task": {"name": "adding", "steps": 4}});
        let c = parse_train_spec_value(&spec).unwrap().config;
        let ModelParams::Init(init) = &c.model.params else {
            panic!("init expected")
        };
        assert_eq!(init.carry_bias, None);
    }

    fn classifier_spec() -> Value {
        json!({"model": {"model": "lstm_classifier", "vocab_size": 5, "embed_dim": 2,
                         "hidden_dim": 2, "output_dim": 2},
               "data": {"text": [[1, 2, 0], [3, 4, 4]], "lengths": [2, 3], "labels": [0, 1]},
               "seed": 7})
    }

    #[test]
    fn classifier_runs_read_the_classifier_model_and_text_data() {
        let c = parse_train_spec_value(&classifier_spec()).unwrap().config;
        assert_eq!(c.model.kind, ModelKind::Classifier { vocab_size: 5 });
        assert_eq!(
            (c.model.arch.num_layers, c.model.arch.bidirectional),
            (2, true)
        );
        assert_eq!(c.model.dropout, 0.5);
        let ModelParams::Init(init) = &c.model.params else {
            panic!("init expected")
        };
        // The run's init stream, and the course's initialisation: no recipe carry bias.
        assert_eq!((init.seed, init.carry_bias), (Stream::Init.seed(7), None));
        let Problem::Text(d) = &c.problem else {
            panic!("text expected")
        };
        assert_eq!(d.tokens.ids, vec![1, 2, 0, 3, 4, 4]);
        assert_eq!(
            (d.tokens.lengths.clone(), d.labels.clone(), d.classes),
            (vec![2, 3], vec![0, 1], 2)
        );
        assert_eq!(c.sequences_per_iteration(), 2);
        type Change = fn(&mut Value);
        let refusal = |change: Change| {
            let mut v = classifier_spec();
            change(&mut v);
            parse_train_spec_value(&v).unwrap_err().to_string()
        };
        let cases: [(Change, &str); 8] = [
            (
                |v| v["task"] = json!({"name": "adding", "steps": 4}),
                "data: expected either task or data, not both",
            ),
            (
                |v| v["model"]["input_size"] = json!(2),
                "model.input_size: unknown field",
            ),
            (
                |v| v["model"]["model"] = json!("gpt"),
                "model.model: expected \"lstm_classifier\"",
            ),
            (
                |v| v["data"]["text"][1][2] = json!(5),
                "data.text[1][2]: expected a token id, an integer in 0..=4",
            ),
            (
                |v| v["data"]["labels"] = json!([0, 2]),
                "data.labels[1]: expected an integer in 0..=1, got 2",
            ),
            (
                |v| v["data"]["input"] = json!([]),
                "data.input: unknown field (expected one of text, lengths, labels)",
            ),
            (
                |v| v["batch_size"] = json!(2),
                "batch_size: applies only to a task",
            ),
            (
                |v| v["model"]["params"] = json!({}),
                "model.params.embedding.weight: missing",
            ),
        ];
        for (change, want) in cases {
            let got = refusal(change);
            assert!(
                got.starts_with(want),
                "{got}\n  does not start with\n{want}"
            );
        }
        let plain = json!({"model": {"cell": "gru", "hidden_size": 2},
                           "data": {"text": [[1]], "labels": [0]}});
        let e = parse_train_spec_value(&plain).unwrap_err().to_string();
        assert!(
            e.starts_with("data.text: token ids need the text classifier"),
            "{e}"
        );
    }

    /// `"task": {"name": "sentiment"}`: the shipped corpus, the model's vocabulary and classes
    /// from it, the task's default sizes and batch; mismatches name their field.
    #[test]
    fn data_tsv_is_a_corpus_of_the_learners_own_texts() {
        let tsv = "text\tlabel\n".to_string()
            + &(0..40)
                .map(|i| {
                    let (w, l) = if i % 2 == 0 {
                        ("good", "pos")
                    } else {
                        ("bad", "neg")
                    };
                    format!("the film number {i} was {w}\t{l}\n")
                })
                .collect::<String>();
        let spec = json!({"model": {"model": "lstm_classifier", "hidden_dim": 4, "embed_dim": 3},
                          "data": {"tsv": tsv, "test_fraction": 0.25}, "seed": 3, "iterations": 5});
        let c = parse_train_spec_value(&spec).unwrap().config;
        let Problem::Corpus(corpus) = &c.problem else {
            panic!("a corpus")
        };
        assert_eq!((corpus.train.len(), corpus.test.len()), (30, 10));
        assert_eq!(corpus.classes, ["neg", "pos"]);
        assert_eq!(
            c.model.kind,
            ModelKind::Classifier {
                vocab_size: corpus.vocab.len()
            }
        );
        let mut trainer = crate::train::trainer::Trainer::new(c).unwrap();
        let mut clock = 0.0;
        trainer.run(
            || {
                clock += 0.001;
                clock
            },
            |_| {},
        );
        let refusal = |change: &dyn Fn(&mut Value)| {
            let mut s = spec.clone();
            change(&mut s);
            parse_train_spec_value(&s).unwrap_err().to_string()
        };
        assert_eq!(
            refusal(&|s| s["data"]["tsv"] = json!("a\tpos\nb\n")),
            "data.tsv: line 2: expected text<TAB>label, got 1 field"
        );
        assert_eq!(
            refusal(&|s| s["data"]["test_fraction"] = json!(0.9)),
            "data.test_fraction: expected a number in 0.05..=0.5, got 0.9"
        );
        assert!(
            refusal(&|s| s["data"]["text"] = json!([[1]])).starts_with("data.text: unknown field")
        );
        assert!(refusal(&|s| s["model"]["vocab_size"] = json!(3))
            .starts_with("model.vocab_size: expected"));
    }

    #[test]
    fn the_sentiment_task_fills_the_model_from_the_corpus() {
        let spec = json!({"model": {"model": "lstm_classifier"}, "task": {"name": "sentiment"}});
        let c = parse_train_spec_value(&spec).unwrap().config;
        let corpus = sentiment::corpus();
        assert_eq!(
            c.model.kind,
            ModelKind::Classifier {
                vocab_size: corpus.vocab.len()
            }
        );
        assert_eq!(c.model.arch.input_size, SENTIMENT_DEFAULTS.embed_dim);
        assert_eq!(c.model.arch.hidden_size, SENTIMENT_DEFAULTS.hidden_dim);
        assert_eq!(c.batch_size, SENTIMENT_DEFAULTS.batch_size);
        assert_eq!(c.problem.output_size(), 2);
        let v = corpus.vocab.len();
        let refusal = |change: fn(&mut Value)| {
            let mut s = spec.clone();
            change(&mut s);
            parse_train_spec_value(&s).unwrap_err().to_string()
        };
        assert_eq!(
            refusal(|s| s["model"]["vocab_size"] = json!(5)),
            format!("model.vocab_size: expected {v} (the sentiment vocabulary's size) or nothing, got 5")
        );
        assert_eq!(
            refusal(|s| s["model"]["output_dim"] = json!(3)),
            "model.output_dim: expected 2 (the sentiment classes) or nothing, got 3"
        );
        assert_eq!(
            refusal(|s| s["task"]["name"] = json!("adding")),
            "task.name: expected \"sentiment\" (the text classifier's task), got \"adding\""
        );
        assert_eq!(
            refusal(|s| s["task"]["steps"] = json!(3)),
            "task.steps: unknown field (expected one of name)"
        );
        assert!(refusal(|s| s["eval_size"] = json!(3))
            .starts_with("eval_size: applies only to a sequence task"));
        assert!(
            refusal(|s| s["model"] = json!({"cell": "lstm", "hidden_size": 2}))
                .starts_with("task.name: sentiment trains the text classifier")
        );
        let mut c2 = c.clone();
        c2.model.kind = ModelKind::Classifier { vocab_size: 7 };
        assert_eq!(
            check_config(&c2).unwrap_err().to_string(),
            format!("model.vocab_size: expected {v} (the corpus's vocabulary), got 7")
        );
    }

    /// A configuration built in code that pairs a model with the other kind's problem is refused.
    #[test]
    fn models_and_problems_of_different_kinds_are_refused() {
        let text = parse_train_spec_value(&classifier_spec()).unwrap().config;
        let mut c = config();
        c.problem = text.problem.clone();
        assert_eq!(
            check_config(&c).unwrap_err().to_string(),
            "data.text: token ids need the text classifier"
        );
        let mut c = text.clone();
        c.problem = config().problem;
        assert!(check_config(&c)
            .unwrap_err()
            .to_string()
            .starts_with("model.model: lstm_classifier trains on data"));
        let mut c = text;
        if let Problem::Text(d) = &mut c.problem {
            d.tokens.ids[0] = 5;
        }
        assert_eq!(
            check_config(&c).unwrap_err().to_string(),
            "data.text: expected [sentences][tokens] token ids, each below vocab_size 5"
        );
    }
}
