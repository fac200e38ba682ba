//! The classifier spec: a trace spec with `"model": "lstm_classifier"` runs the course's
//! `LSTMClassifier` ([`crate::train::classifier`]) on a batch of token ids and writes its
//! logits, loss, every parameter's gradient and the recurrent network's trace (`docs/spec.md`,
//! "Classifier spec").
//!
//! The model fields ([`MODEL_FIELDS`]) are read by [`parse_classifier_model`], at the top level
//! of a trace spec or from a nested object (a training spec's `"model"`), with the course's
//! names (`vocab_size`, `embed_dim`, `hidden_dim`, `output_dim`) and defaults (`num_layers` 2,
//! `bidirectional` true, `dropout` 0.5). The batch fields (`text`, `lengths`, `labels`) are read
//! by short functions of their own, reused by the training spec's `data`.

use super::fields::{describe, err, integer, object, Fields, SpecError};
use super::model::{self, network_param_count, ParamSource};
use super::{
    check_trace_values, key, parse_analysis, parse_dropout_mode_or, parse_lengths, write_runs,
    write_states, MAX_BATCH, MAX_LAYERS, MAX_PARAMS, MAX_SIZE, MAX_STEPS, VERSION,
};
use crate::bptt::{self, Analysis};
use crate::cell::CellKind;
use crate::json::{write_array, write_number};
use crate::network::{Architecture, Dropout};
use crate::train::classifier::{ClassifierBackward, ClassifierForward, LstmClassifier, TokenBatch};
use crate::train::loss::cross_entropy;
use crate::train::params::ParamSet;
use crate::train::trainer::record::write_params;
use crate::train::trainer::Stream;
use serde_json::Value;

/// The value of `model` that selects the classifier.
pub const MODEL_NAME: &str = "lstm_classifier";
/// Largest `vocab_size`.
pub const MAX_VOCAB: usize = 1_000_000;
/// Largest `output_dim`.
pub const MAX_CLASSES: usize = 1024;

/// The model fields, in the order errors list them.
pub const MODEL_FIELDS: [&str; 11] = [
    "model",
    "cell",
    "vocab_size",
    "embed_dim",
    "hidden_dim",
    "output_dim",
    "num_layers",
    "bidirectional",
    "dropout",
    "params",
    "init",
];

/// The fields of a classifier trace spec besides the model's.
const TRACE_FIELDS: [&str; 7] = [
    "version",
    "text",
    "lengths",
    "labels",
    "train",
    "dropout_seed",
    "analysis",
];

/// A validated classifier model object.
#[derive(Clone, Debug)]
pub struct ClassifierModelSpec {
    /// The recurrent network's shape (`input_size` is `embed_dim`, `hidden_size` `hidden_dim`).
    pub arch: Architecture,
    /// V, rows of `embedding.weight`.
    pub vocab_size: usize,
    /// C, outputs of `fc`.
    pub output_dim: usize,
    /// Dropout between the network's layers in training mode.
    pub dropout: f64,
    /// The parameters, given by `state_dict` name or drawn from `init`.
    pub params: ParamSource<LstmClassifier>,
}

impl ClassifierModelSpec {
    /// The model: the given parameters, or drawn from `init` with seed `s`: the network as the
    /// trace spec draws it, `embedding.weight` from the stream [`Stream::Embedding`] of `s` and
    /// `fc` from [`Stream::Head`] of `s`.
    ///
    /// # Errors
    /// When initialisation fails, reported against `init_field`.
    pub fn model(&self, init_field: &str) -> Result<LstmClassifier, SpecError> {
        match &self.params {
            ParamSource::Given(m) => Ok(m.clone()),
            ParamSource::Init(cfg) => LstmClassifier::init(
                self.arch,
                self.vocab_size,
                self.output_dim,
                cfg,
                &mut Stream::Embedding.rng(cfg.seed),
                &mut Stream::Head.rng(cfg.seed),
            )
            .map_err(|m| SpecError::new(init_field, m)),
        }
    }

    /// An all-zero model of this shape.
    pub fn zeros(&self) -> LstmClassifier {
        LstmClassifier::zeros(self.arch, self.vocab_size, self.output_dim)
    }
}

/// A validated classifier trace spec.
#[derive(Clone, Debug)]
pub struct ClassifierSpec {
    /// The model.
    pub model: ClassifierModelSpec,
    /// The token ids and lengths (all `T` when `lengths` is absent).
    pub tokens: TokenBatch,
    /// Whether `lengths` was given (the network then runs packed).
    pub packed: bool,
    /// One class per sequence, when given: then the loss and the backward pass.
    pub labels: Option<Vec<usize>>,
    /// Dropout masks, present only in training mode with p > 0.
    pub dropout: Option<Dropout>,
    /// Record Jacobian norms and carry paths.
    pub analysis: bool,
}

/// Whether a spec selects a model other than the plain recurrent network (it has `model`).
pub fn is_model_spec(v: &Value) -> bool {
    v.get("model").is_some()
}

/// Reads the model fields of `f` (every field [`MODEL_FIELDS`] names; the caller rejects
/// unknown ones), in a fixed order: `model`, the shape, the parameter count, `dropout`, then
/// `params` or `init`.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_classifier_model(f: &Fields) -> Result<ClassifierModelSpec, SpecError> {
    check_model_name(f, MODEL_NAME)?;
    let (arch, vocab_size, output_dim) = parse_shape(f)?;
    check_classifier_params(f, arch, vocab_size, output_dim)?;
    let dropout = f.optional("dropout", model::dropout)?.unwrap_or(0.5);
    let params = model::parse_model_params(f, arch, || {
        LstmClassifier::zeros(arch, vocab_size, output_dim)
    })?;
    Ok(ClassifierModelSpec {
        arch,
        vocab_size,
        output_dim,
        dropout,
        params,
    })
}

/// `model`: exactly `name`.
fn check_model_name(f: &Fields, name: &str) -> Result<(), SpecError> {
    match f.get("model") {
        Some(v) if v.as_str() == Some(name) => Ok(()),
        Some(v) => err(
            f.field("model"),
            format!("expected \"{name}\", got {}", describe(v)),
        ),
        None => err(f.field("model"), format!("missing (expected \"{name}\")")),
    }
}

/// `cell` (default `lstm`), `vocab_size`, `embed_dim`, `hidden_dim`, `output_dim` (required),
/// `num_layers` (default 2), `bidirectional` (default true).
fn parse_shape(f: &Fields) -> Result<(Architecture, usize, usize), SpecError> {
    let cell = f.optional("cell", model::cell)?.unwrap_or(CellKind::Lstm);
    let size = |k: &str, hi: usize| integer(f.required(k)?, &f.field(k), 1, hi);
    let vocab_size = size("vocab_size", MAX_VOCAB)?;
    let input_size = size("embed_dim", MAX_SIZE)?;
    let hidden_size = size("hidden_dim", MAX_SIZE)?;
    let output_dim = size("output_dim", MAX_CLASSES)?;
    let num_layers = f
        .optional("num_layers", |x, name| integer(x, name, 1, MAX_LAYERS))?
        .unwrap_or(2);
    let bidirectional = f
        .optional("bidirectional", super::fields::boolean)?
        .unwrap_or(true);
    let arch = Architecture {
        cell,
        input_size,
        hidden_size,
        num_layers,
        bidirectional,
    };
    Ok((arch, vocab_size, output_dim))
}

/// Refuses a model of more than [`MAX_PARAMS`] parameters: against `vocab_size` when the
/// embedding alone is over, else against `hidden_dim`.
fn check_classifier_params(
    f: &Fields,
    arch: Architecture,
    vocab: usize,
    classes: usize,
) -> Result<(), SpecError> {
    let embedding = vocab as u128 * arch.input_size as u128;
    let features = (arch.directions() * arch.hidden_size) as u128;
    let count = embedding + network_param_count(arch) + classes as u128 * (features + 1);
    if count <= MAX_PARAMS {
        return Ok(());
    }
    let (field, smaller) = if embedding > MAX_PARAMS {
        ("vocab_size", "a smaller vocab_size or embed_dim")
    } else {
        ("hidden_dim", "fewer layers or a smaller hidden_dim")
    };
    err(
        f.field(field),
        format!("the model would have {count} parameters, over the limit of {MAX_PARAMS}: use {smaller}"),
    )
}

/// Parses and validates a classifier trace spec (an object with `"model": "lstm_classifier"`).
///
/// # Errors
/// A [`SpecError`] naming the first offending field, in a fixed order: unknown fields,
/// `version`, the model fields up to `dropout`, `text`, the trace size, `lengths`, `labels`,
/// `train`/`dropout_seed`, `analysis`, then `params` or `init`.
pub fn parse_classifier_spec_value(v: &Value) -> Result<ClassifierSpec, SpecError> {
    let f = Fields::new(object(v, "spec", "a JSON object")?, "");
    let known: Vec<&str> = MODEL_FIELDS.iter().chain(&TRACE_FIELDS).copied().collect();
    f.reject_unknown(&known)?;
    super::check_version(&f)?;
    let model = parse_classifier_model(&f)?;
    let (ids, bsz, steps) = parse_text(&f, model.vocab_size, MAX_BATCH, MAX_STEPS)?;
    check_trace_values(model.arch, bsz, steps, "text")?;
    let lengths = f.optional("lengths", |lv, name| parse_lengths(lv, name, bsz, steps))?;
    let labels = f.optional("labels", |x, name| {
        parse_labels(x, name, bsz, model.output_dim)
    })?;
    let dropout = parse_dropout_mode_or(&f, model.dropout)?;
    let analysis = parse_analysis(&f, model.arch, bsz, steps)?;
    Ok(ClassifierSpec {
        packed: lengths.is_some(),
        tokens: TokenBatch {
            ids,
            batch: bsz,
            steps,
            lengths: lengths.unwrap_or_else(|| vec![steps; bsz]),
        },
        labels,
        dropout,
        analysis,
        model,
    })
}

/// `text`: `[B][T]` token ids, each in `0..vocab`, with B in `1..=max_batch` and T in
/// `1..=max_steps`; returns the ids row-major, B and T.
///
/// # Errors
/// The first malformed row or id, by its path (`text[1][2]`, `data.text[1][2]`).
pub(crate) fn parse_text(
    f: &Fields,
    vocab: usize,
    max_batch: usize,
    max_steps: usize,
) -> Result<(Vec<usize>, usize, usize), SpecError> {
    let text = f.required("text")?;
    let field = f.field("text");
    let Some(rows) = text
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= max_batch)
    else {
        return err(
            field,
            format!(
                "expected [batch][steps] token ids with 1..={max_batch} sequences, got {}",
                describe(text)
            ),
        );
    };
    let steps = match rows[0].as_array() {
        Some(t) if !t.is_empty() && t.len() <= max_steps => t.len(),
        _ => {
            return err(
                format!("{field}[0]"),
                format!(
                    "expected an array of 1..={max_steps} token ids, got {}",
                    describe(&rows[0])
                ),
            )
        }
    };
    let mut ids = Vec::with_capacity(rows.len() * steps);
    for (b, row) in rows.iter().enumerate() {
        ids.extend(token_row(row, &field, b, steps, vocab)?);
    }
    Ok((ids, rows.len(), steps))
}

/// Row `b` of `text` (named `field`): `steps` token ids, each in `0..vocab`.
fn token_row(
    row: &Value,
    field: &str,
    b: usize,
    steps: usize,
    vocab: usize,
) -> Result<Vec<usize>, SpecError> {
    let Some(a) = row.as_array().filter(|a| a.len() == steps) else {
        return err(
            format!("{field}[{b}]"),
            format!(
                "expected an array of {steps} token ids (as {field}[0]; pad shorter sentences), got {}",
                describe(row)
            ),
        );
    };
    a.iter()
        .enumerate()
        .map(|(t, x)| match x.as_u64() {
            Some(id) if id < vocab as u64 => Ok(id as usize),
            _ => err(
                format!("{field}[{b}][{t}]"),
                format!(
                    "expected a token id, an integer in 0..={} (below vocab_size {vocab}), got {}",
                    vocab - 1,
                    describe(x)
                ),
            ),
        })
        .collect()
}

/// `labels`: `bsz` class indices, each in `0..classes`.
pub(crate) fn parse_labels(
    v: &Value,
    field: &str,
    bsz: usize,
    classes: usize,
) -> Result<Vec<usize>, SpecError> {
    let Some(a) = v.as_array().filter(|a| a.len() == bsz) else {
        return err(
            field,
            format!(
                "expected an array of {bsz} class indices (one per sequence), got {}",
                describe(v)
            ),
        );
    };
    a.iter()
        .enumerate()
        .map(|(i, x)| integer(x, &format!("{field}[{i}]"), 0, classes - 1))
        .collect()
}

/// Everything a classifier spec produced.
pub struct ClassifierTrace {
    /// The parsed spec.
    pub spec: ClassifierSpec,
    /// The parameters used.
    pub model: LstmClassifier,
    /// The forward pass.
    pub forward: ClassifierForward,
    /// With labels: the loss and the backward pass.
    pub scored: Option<(f64, ClassifierBackward)>,
    /// The network's analysis, when asked for.
    pub analysis: Option<Vec<Analysis>>,
}

/// Runs a validated classifier spec.
///
/// # Errors
/// When initialisation fails (reported against `init`).
pub fn run_classifier(spec: ClassifierSpec) -> Result<ClassifierTrace, SpecError> {
    let model = spec.model.model("init")?;
    let forward = model.forward(&spec.tokens, spec.dropout);
    let scored = spec.labels.as_ref().map(|labels| {
        let loss = cross_entropy(&forward.logits, labels, model.fc.out_features);
        let back = model.backward(&spec.tokens, &forward, &loss.grad);
        (loss.value, back)
    });
    let analysis = spec
        .analysis
        .then(|| bptt::analyse(&model.lstm, &forward.embedded, &forward.rnn));
    Ok(ClassifierTrace {
        spec,
        model,
        forward,
        scored,
        analysis,
    })
}

/// Parses, runs and writes a classifier spec.
///
/// # Errors
/// A [`SpecError`] for a malformed spec.
pub fn classifier_trace_json(v: &Value) -> Result<String, SpecError> {
    Ok(write_classifier_trace(&run_classifier(
        parse_classifier_spec_value(v)?,
    )?))
}

/// Writes the classifier's trace as one JSON object (see `docs/spec.md`).
pub fn write_classifier_trace(r: &ClassifierTrace) -> String {
    let mut o = String::with_capacity(1 << 16);
    write_header(&mut o, &r.spec);
    let (bsz, width) = (r.spec.tokens.batch, r.model.fc.in_features);
    key(&mut o, "logits");
    write_array(&mut o, &r.forward.logits, &[bsz, r.spec.model.output_dim]);
    key(&mut o, "features");
    write_array(&mut o, &r.forward.features, &[bsz, width]);
    if let Some((loss, _)) = &r.scored {
        key(&mut o, "loss");
        write_number(&mut o, *loss);
    }
    let arch = r.spec.model.arch;
    write_states(&mut o, arch, &r.forward.embedded, &r.forward.rnn);
    if matches!(r.spec.model.params, ParamSource::Init(_)) {
        key(&mut o, "params");
        write_params(&mut o, &r.model);
    }
    if let Some((_, back)) = &r.scored {
        write_grads(&mut o, &r.spec, back);
    }
    key(&mut o, "trace");
    write_runs(
        &mut o,
        arch,
        &r.forward.embedded,
        &r.forward.rnn,
        r.scored.as_ref().map(|(_, back)| back.flow.as_slice()),
        r.analysis.as_deref(),
    );
    o.push('}');
    o
}

/// `{"format", "version", "model"` and the echo of the shape, `packed`, `batch`, `steps`,
/// `lengths` (filled in).
fn write_header(o: &mut String, spec: &ClassifierSpec) {
    use std::fmt::Write;
    let (m, t) = (&spec.model, &spec.tokens);
    let _ = write!(
        o,
        "{{\"format\":\"unrolled-trace\",\"version\":{VERSION},\"model\":\"{MODEL_NAME}\",\"cell\":\"{}\",\"vocab_size\":{},\"embed_dim\":{},\"hidden_dim\":{},\"output_dim\":{},\"num_layers\":{},\"bidirectional\":{},\"packed\":{},\"batch\":{},\"steps\":{},\"lengths\":{:?}",
        m.arch.cell.name(),
        m.vocab_size,
        m.arch.input_size,
        m.arch.hidden_size,
        m.output_dim,
        m.arch.num_layers,
        m.arch.bidirectional,
        spec.packed,
        t.batch,
        t.steps,
        t.lengths
    );
}

/// `"grads": {"embedded": [B][T][E], "params": {name: …}}`.
fn write_grads(o: &mut String, spec: &ClassifierSpec, back: &ClassifierBackward) {
    let t = &spec.tokens;
    key(o, "grads");
    o.push_str("{\"embedded\":");
    write_array(
        o,
        &back.grad_embedded,
        &[t.batch, t.steps, spec.model.arch.input_size],
    );
    key(o, "params");
    write_params(o, &back.grads as &dyn ParamSet);
    o.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// V = 6, E = 2, H = 3, C = 2; two sentences of T = 3.
    fn base() -> Value {
        json!({"model": "lstm_classifier", "vocab_size": 6, "embed_dim": 2, "hidden_dim": 3,
               "output_dim": 2, "text": [[1, 2, 3], [4, 0, 0]], "analysis": false})
    }

    fn with(k: &str, v: Value) -> Value {
        let mut s = base();
        s[k] = v;
        s
    }

    fn refusal(v: Value) -> String {
        parse_classifier_spec_value(&v).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_the_courses() {
        let s = parse_classifier_spec_value(&base()).unwrap();
        let a = s.model.arch;
        assert_eq!(a.cell, CellKind::Lstm);
        assert_eq!((a.input_size, a.hidden_size, a.num_layers), (2, 3, 2));
        assert!(a.bidirectional);
        assert_eq!(s.model.dropout, 0.5);
        assert_eq!((s.model.vocab_size, s.model.output_dim), (6, 2));
        assert_eq!(s.tokens.ids, vec![1, 2, 3, 4, 0, 0]);
        assert_eq!(s.tokens.lengths, vec![3, 3]);
        assert!(!s.packed && s.labels.is_none() && s.dropout.is_none());
        // Training mode: masks with the default p = 0.5 and the given seed.
        let mut t = base();
        t["train"] = json!(true);
        t["dropout_seed"] = json!(9);
        let d = parse_classifier_spec_value(&t).unwrap().dropout.unwrap();
        assert_eq!((d.p, d.seed), (0.5, 9));
    }

    #[test]
    fn drawn_models_follow_the_init_seed() {
        let model = |seed: u64| {
            let s = parse_classifier_spec_value(&with("init", json!({"seed": seed}))).unwrap();
            s.model.model("init").unwrap()
        };
        assert_eq!(model(3), model(3));
        assert_ne!(model(3).embedding, model(4).embedding);
        let s = parse_classifier_spec_value(&base()).unwrap();
        let m = s.model.model("init").unwrap();
        let net = crate::init::init_network(s.model.arch, &Default::default()).unwrap();
        assert_eq!(m.lstm, net); // the network as the trace spec draws it
        let e = crate::train::embedding::Embedding::new(6, 2, &mut Stream::Embedding.rng(0));
        assert_eq!(m.embedding, e);
    }

    #[test]
    fn malformed_fields_are_named() {
        let cases = [
            (
                with("model", json!("lstm")),
                "model: expected \"lstm_classifier\", got \"lstm\"",
            ),
            (with("cell", json!("tcn")), "cell: expected one of"),
            (
                with("vocab_size", json!(0)),
                "vocab_size: expected an integer in 1..=1000000, got 0",
            ),
            (
                with("output_dim", json!(1025)),
                "output_dim: expected an integer in 1..=1024",
            ),
            (
                with("dropout", json!(1)),
                "dropout: expected a number in [0, 1), got 1",
            ),
            (with("input", json!([])), "input: unknown field"),
            (
                with("text", json!([])),
                "text: expected [batch][steps] token ids",
            ),
            (
                with("text", json!([[]])),
                "text[0]: expected an array of 1..=10000 token ids",
            ),
            (
                with("text", json!([[1, 2], [1, 2, 3]])),
                "text[1]: expected an array of 2 token ids",
            ),
            (
                with("text", json!([[1, 6]])),
                "text[0][1]: expected a token id, an integer in 0..=5 (below vocab_size 6), got 6",
            ),
            (
                with("text", json!([[1, -1]])),
                "text[0][1]: expected a token id",
            ),
            (
                with("text", json!([[1, 1.5]])),
                "text[0][1]: expected a token id",
            ),
            (
                with("lengths", json!([3])),
                "lengths: expected an array of 2 integers",
            ),
            (
                with("lengths", json!([3, 0])),
                "lengths[1]: expected an integer in 1..=3, got 0",
            ),
            (
                with("lengths", json!([4, 1])),
                "lengths[0]: expected an integer in 1..=3, got 4",
            ),
            (
                with("labels", json!([0])),
                "labels: expected an array of 2 class indices",
            ),
            (
                with("labels", json!([0, 2])),
                "labels[1]: expected an integer in 0..=1, got 2",
            ),
            (
                with("params", json!({})),
                "params.embedding.weight: missing (expected shape [6, 2])",
            ),
            (
                with("params", json!({"lstm.weight_ih_l2": []})),
                "params.lstm.weight_ih_l2: unknown parameter",
            ),
            (
                json!({"vocab_size": 1_000_000, "embed_dim": 1024, "hidden_dim": 1, "output_dim": 1, "model": "lstm_classifier"}),
                "vocab_size: the model would have",
            ),
        ];
        for (spec, want) in cases {
            let got = refusal(spec);
            assert!(
                got.starts_with(want),
                "{got}\n  does not start with\n{want}"
            );
        }
        let mut both = with("params", json!({}));
        both["init"] = json!({});
        assert_eq!(
            refusal(both),
            "init: expected either params or init, not both"
        );
        let mut shape = with("params", json!({}));
        let full = parse_classifier_spec_value(&base())
            .unwrap()
            .model
            .model("init")
            .unwrap();
        let mut text = String::new();
        write_params(&mut text, &full);
        shape["params"] = serde_json::from_str(&text).unwrap();
        shape["params"]["embedding.weight"][5] = json!([1.0]);
        assert_eq!(
            refusal(shape),
            "params.embedding.weight[5]: expected an array of 2 (numbers, embed_dim), got 1 entries"
        );
    }
}
