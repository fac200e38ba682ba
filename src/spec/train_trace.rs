//! `unrolled trace` of a training spec: the spec the training view downloads with an entrant's
//! trained parameters (`model.params`), or any spec `unrolled train` accepts, traced as the
//! network it describes.
//!
//! The model (`rnn` and `fc`: its `params`, or its initialisation from `seed`) runs on
//! - `task`: one sequence of the task, `task.sample(Rng::new(0), 1)` cut to its own length `n`
//!   (the sequence the lab opens trained models on first), or
//! - `data`: the spec's batch, with its `lengths`,
//!
//! and the task's own loss `L` (MSE of `fc(h_{n−1})` for regression, the mean cross-entropy of
//! `fc(h_{n−1})`, or of `fc(h_t)` at every valid step for `copy`) is taken back through the head:
//! the trace is exactly the trace spec `{params: rnn.*, input, lengths, grad_output: ∂L/∂output}`
//! (no dropout: evaluation mode), with one more field, `head` (the loss, the head's outputs, the
//! targets and the task's success measure). The optimiser, clipping and budget fields are read
//! and checked as `unrolled train` does, and otherwise unused.

use super::fields::{err, SpecError};
use super::train::parse_train_spec_value;
use super::{
    analysis_work, check_trace_values, key, run, write_trace, ParamSource, Spec, MAX_ANALYSIS_WORK,
};
use crate::bptt::Upstream;
use crate::json::{write_array, write_number};
use crate::network::InitialState;
use crate::train::objective::head_pass;
use crate::train::tasks::{Head, TaskBatch};
use crate::train::trainer::{initial_model, Learner, Problem};
use serde_json::Value;

/// True for a training spec: `model` is an object (a trace or classifier spec names its cell
/// or model with a string).
pub fn is_train_spec(v: &Value) -> bool {
    v.get("model").is_some_and(Value::is_object)
}

/// Traces the training spec `v` (module docs).
///
/// # Errors
/// A [`SpecError`] naming the field, as `unrolled train` would, and `model.model` for a text
/// classifier's training spec (traced with its own spec, docs/spec.md "Classifier spec").
pub fn train_trace_json(v: &Value) -> Result<String, SpecError> {
    let config = parse_train_spec_value(v)?.config;
    let Learner::Sequence(model) = initial_model(&config)? else {
        return err(
            "model.model",
            "a training spec of a sequence model (the text classifier is traced with a classifier spec: docs/spec.md)",
        );
    };
    let (sample, field) = match &config.problem {
        Problem::Task(t) => (t.one_sequence(0), "task"),
        Problem::Data(d) => (d.sample.clone(), "data.input"),
        Problem::Text(_) | Problem::Corpus(_) => {
            unreachable!("text trains the classifier, refused above")
        }
    };
    let head = config.problem.head();
    let arch = model.rnn.arch;
    let batch = &sample.batch;
    check_trace_values(arch, batch.batch, batch.steps, field)?;
    check_analysis(arch, batch.batch, batch.steps, field)?;
    let forward = model.rnn.forward(batch, &InitialState::default(), None);
    let pass = head_pass(&model, &sample, head, &forward);
    let success = config.problem.success(&sample, &pass.scored.outputs);
    let spec = Spec {
        arch,
        params: ParamSource::Given(model.rnn.clone()),
        batch: batch.clone(),
        state: InitialState::default(),
        upstream: Upstream {
            grad_output: Some(pass.grad_output),
            ..Upstream::default()
        },
        dropout: None,
        analysis: true,
    };
    let mut out = write_trace(&run(spec)?);
    out.pop(); // the closing brace: `head` follows
    write_head(
        &mut out,
        &sample,
        head,
        pass.scored.loss,
        &pass.scored.outputs,
        success,
    );
    out.push('}');
    Ok(out)
}

/// Refuses a batch whose Jacobian analysis is over [`MAX_ANALYSIS_WORK`].
fn check_analysis(
    arch: crate::network::Architecture,
    bsz: usize,
    steps: usize,
    field: &str,
) -> Result<(), SpecError> {
    let work = analysis_work(arch, bsz, steps);
    if work > MAX_ANALYSIS_WORK {
        return err(
            field,
            format!("tracing this batch's Jacobian analysis would cost {work} operations, over the limit of {MAX_ANALYSIS_WORK}: trace fewer sequences"),
        );
    }
    Ok(())
}

/// `"head": {"loss", "outputs", "target" | "labels", "success"}` (docs/spec.md).
fn write_head(
    out: &mut String,
    sample: &TaskBatch,
    head: Head,
    loss: f64,
    outputs: &[f64],
    success: f64,
) {
    let (b, t) = (sample.batch.batch, sample.batch.steps);
    key(out, "head");
    out.push_str("{\"loss\":");
    write_number(out, loss);
    out.push_str(",\"outputs\":");
    match head {
        Head::ClassEveryStep => write_array(out, outputs, &[b, t, outputs.len() / (b * t)]),
        Head::RegressionAtEnd | Head::ClassAtEnd => {
            write_array(out, outputs, &[b, outputs.len() / b]);
        }
    }
    if head == Head::RegressionAtEnd {
        out.push_str(",\"target\":");
        write_array(out, &sample.target, &[b, sample.target.len() / b]);
    } else {
        out.push_str(",\"labels\":");
        let row = |r: &[usize]| {
            let items: Vec<String> = r.iter().map(usize::to_string).collect();
            format!("[{}]", items.join(","))
        };
        if head == Head::ClassEveryStep {
            let rows: Vec<String> = sample.labels.chunks(t).map(row).collect();
            out.push_str(&format!("[{}]", rows.join(",")));
        } else {
            out.push_str(&row(&sample.labels));
        }
    }
    out.push_str(",\"success\":");
    write_number(out, success);
    out.push('}');
}
