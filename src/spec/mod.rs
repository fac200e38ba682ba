//! The JSON spec and trace formats (version 1), shared by the CLI and the wasm layer.
//! The public description is `docs/spec.md`; this module is its implementation.
//!
//! [`parse_spec`] validates everything before any computation and refuses a malformed spec with a
//! [`SpecError`] that names the field and what was expected. [`run`] computes the forward pass,
//! the backward pass (when an upstream gradient is given) and the analysis; [`write_trace`]
//! writes the trace.
//!
//! The pieces other spec formats reuse: [`fields`], the strict readers of JSON fields and the
//! error type, and [`model`], the model fields (architecture, `dropout`, `params` or `init`),
//! which [`parse_model`] reads from a nested object. The training spec ([`train`]) is built from
//! them, and so is the classifier spec ([`classifier`]: `"model": "lstm_classifier"`, the
//! course's text classifier on token ids), which [`trace_json`] runs when a spec has `model`,
//! and [`trace_json`] traces a training spec too ([`train_trace`]: the model it describes on one
//! sequence of its task, with the task's loss).

pub mod classifier;
pub mod fields;
pub mod model;
pub mod train;
pub mod train_trace;

pub use fields::SpecError;
pub use model::{parse_model, ModelSpec, ParamSource};

use crate::bptt::{self, Analysis, Backward, Upstream};
use crate::cell::CellKind;
use crate::json::{write_array, write_opt_indices, write_str};
use crate::network::{Architecture, Batch, Dropout, Forward, InitialState, Network};
use fields::{boolean, describe, err, integer, object, seed, tensor, Fields};
use serde_json::Value;

/// The only format version.
pub const VERSION: u64 = 1;
/// Largest `input_size` and `hidden_size`.
pub const MAX_SIZE: usize = 1024;
/// Largest `num_layers`.
pub const MAX_LAYERS: usize = 8;
/// Largest batch.
pub const MAX_BATCH: usize = 1024;
/// Largest number of steps.
pub const MAX_STEPS: usize = 10_000;
/// Largest number of per-step values a trace writes: B·T·L·D·S·H, with S the series written per
/// unit and step ([`series_per_step`]).
pub const MAX_TRACE_VALUES: u128 = 10_000_000;
/// Largest number of parameters, Σ over layers and directions of G·H·(in + H + 2).
pub const MAX_PARAMS: u128 = 20_000_000;
/// Largest cost L·D·(blocks)·H³ of an initialisation that needs spectral work (orthogonal,
/// sparse, eigenvalues, or rescaling to ρ or σ_max).
pub const MAX_INIT_WORK: u128 = 2_000_000_000;

/// Series the trace writes per unit and step for a cell: gates and states, pre-activations, and
/// the carry path (LSTM 6 + 4 + 1, `lstm_no_forget` 5 + 3 + 1, GRU 4 + 4 + 1, plain RNNs 1 + 1).
pub fn series_per_step(cell: CellKind) -> usize {
    let info = cell.info();
    let recorded = info.heatmap_series().count();
    let pre = cell.gates() + usize::from(cell.has_separate_hn());
    recorded + pre + usize::from(info.carry.is_some())
}
/// Largest B·T·L·D·G·H³ with `analysis` on.
pub const MAX_ANALYSIS_WORK: u128 = 20_000_000_000;
/// Largest spec text in bytes.
pub const MAX_SPEC_BYTES: usize = 256 << 20;

/// A validated spec.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The network's shape.
    pub arch: Architecture,
    /// Its parameters.
    pub params: ParamSource,
    /// The input batch.
    pub batch: Batch,
    /// h0 / c0.
    pub state: InitialState,
    /// Upstream gradients.
    pub upstream: Upstream,
    /// Dropout masks, present only in training mode with p > 0.
    pub dropout: Option<Dropout>,
    /// Record Jacobian norms and carry paths.
    pub analysis: bool,
}

const FIELDS: [&str; 19] = [
    "version",
    "cell",
    "input_size",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "params",
    "init",
    "input",
    "lengths",
    "h0",
    "c0",
    "grad_output",
    "grad_h_n",
    "grad_c_n",
    "dropout",
    "train",
    "dropout_seed",
    "analysis",
];

/// Parses and validates a spec from JSON text.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_spec(text: &str) -> Result<Spec, SpecError> {
    parse_spec_value(&read_json(text)?)
}

/// The JSON value of a spec's text (at most [`MAX_SPEC_BYTES`]), for every spec format.
///
/// # Errors
/// A [`SpecError`] on the field `spec` when the text is too long or not JSON.
pub fn read_json(text: &str) -> Result<Value, SpecError> {
    if text.len() > MAX_SPEC_BYTES {
        return err(
            "spec",
            format!(
                "expected at most {MAX_SPEC_BYTES} bytes, got {}",
                text.len()
            ),
        );
    }
    serde_json::from_str(text).or_else(|e| {
        err(
            "spec",
            format!("expected valid JSON ({e})").replace('\n', " "),
        )
    })
}

/// Parses and validates an already-parsed JSON value.
///
/// The checks run in a fixed order (the order of the statements below), so a spec with several
/// errors is always refused for the same one.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_spec_value(v: &Value) -> Result<Spec, SpecError> {
    let f = Fields::new(object(v, "spec", "a JSON object")?, "");
    f.reject_unknown(&FIELDS)?;
    check_version(&f)?;
    let arch = model::parse_architecture(&f)?;
    let (input, bsz, steps) = input_dims(&f)?;
    model::check_param_count(&f, arch)?;
    check_trace_values(arch, bsz, steps, "input")?;
    let batch = parse_batch(&f, input, arch.input_size, bsz, steps)?;
    let state = parse_initial_state(&f, arch, bsz)?;
    let upstream = parse_upstream(&f, arch, &batch)?;
    let dropout = parse_dropout_mode(&f)?;
    let analysis = parse_analysis(&f, arch, bsz, steps)?;
    let params = model::parse_param_source(&f, arch)?;
    Ok(Spec {
        arch,
        params,
        batch,
        state,
        upstream,
        dropout,
        analysis,
    })
}

pub(crate) fn check_version(f: &Fields) -> Result<(), SpecError> {
    match f.get("version") {
        Some(ver) if ver.as_u64() != Some(VERSION) => {
            err("version", format!("expected 1, got {}", describe(ver)))
        }
        _ => Ok(()),
    }
}

/// `input` and its batch size B and number of steps T, from its outer arrays (the full shape is
/// checked by [`parse_batch`]).
fn input_dims<'a>(f: &Fields<'a>) -> Result<(&'a Value, usize, usize), SpecError> {
    let input = f.required("input")?;
    let Some(a) = input
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= MAX_BATCH)
    else {
        return err(
            "input",
            format!(
                "expected [batch][steps][input_size] with 1..={MAX_BATCH} sequences, got {}",
                describe(input)
            ),
        );
    };
    match a[0].as_array() {
        Some(t) if !t.is_empty() && t.len() <= MAX_STEPS => Ok((input, a.len(), t.len())),
        _ => err(
            "input[0]",
            format!(
                "expected an array of 1..={MAX_STEPS} steps, got {}",
                describe(&a[0])
            ),
        ),
    }
}

/// Refuses a trace of more than [`MAX_TRACE_VALUES`] per-step values (reported against `field`,
/// the batch's).
pub(crate) fn check_trace_values(
    arch: Architecture,
    bsz: usize,
    steps: usize,
    field: &str,
) -> Result<(), SpecError> {
    let ld = arch.num_layers * arch.directions();
    let series = series_per_step(arch.cell);
    let values = (bsz * steps) as u128 * ld as u128 * (series * arch.hidden_size) as u128;
    if values > MAX_TRACE_VALUES {
        return err(
            field,
            format!(
                "batch × steps × layers × directions × hidden_size × {series} series = {values} values to write, over the limit of {MAX_TRACE_VALUES}"
            ),
        );
    }
    Ok(())
}

/// `input` in its full shape `[B][T][I]`, and `lengths`.
fn parse_batch(
    f: &Fields,
    input: &Value,
    input_size: usize,
    bsz: usize,
    steps: usize,
) -> Result<Batch, SpecError> {
    let input = tensor(
        input,
        "input",
        &[bsz, steps, input_size],
        &["sequences", "steps (as input[0])", "numbers, input_size"],
    )?;
    let lengths = f
        .optional("lengths", |lv, name| parse_lengths(lv, name, bsz, steps))?
        .unwrap_or_else(|| vec![steps; bsz]);
    Ok(Batch {
        input,
        batch: bsz,
        steps,
        lengths,
    })
}

/// `lengths`: `bsz` integers, each in `1..=steps`.
pub(crate) fn parse_lengths(
    lv: &Value,
    field: &str,
    bsz: usize,
    steps: usize,
) -> Result<Vec<usize>, SpecError> {
    let Some(a) = lv.as_array().filter(|a| a.len() == bsz) else {
        return err(
            field,
            format!(
                "expected an array of {bsz} integers (one per sequence), got {}",
                describe(lv)
            ),
        );
    };
    a.iter()
        .enumerate()
        .map(|(i, x)| integer(x, &format!("{field}[{i}]"), 1, steps))
        .collect()
}

/// A state-shaped field, `[L·D][B][H]`, if present.
fn state_tensor(
    f: &Fields,
    key: &str,
    arch: Architecture,
    bsz: usize,
) -> Result<Option<Vec<f64>>, SpecError> {
    let shape = [arch.num_layers * arch.directions(), bsz, arch.hidden_size];
    let names = ["layers × directions", "sequences", "numbers, hidden_size"];
    f.optional(key, |x, name| tensor(x, name, &shape, &names))
}

/// Refuses `key` (`c0`, `grad_c_n`) for a cell without a cell state.
fn lstm_only(f: &Fields, key: &str, cell: CellKind) -> Result<(), SpecError> {
    if f.contains(key) && !cell.has_cell_state() {
        return err(
            f.field(key),
            format!(
                "only {} has a cell state; remove {key} for cell {}",
                CellKind::cell_state_list(),
                cell.name()
            ),
        );
    }
    Ok(())
}

/// `h0` and `c0`.
fn parse_initial_state(
    f: &Fields,
    arch: Architecture,
    bsz: usize,
) -> Result<InitialState, SpecError> {
    let h0 = state_tensor(f, "h0", arch, bsz)?;
    lstm_only(f, "c0", arch.cell)?;
    let c0 = state_tensor(f, "c0", arch, bsz)?;
    Ok(InitialState { h0, c0 })
}

/// `grad_output`, `grad_h_n` and `grad_c_n`.
fn parse_upstream(f: &Fields, arch: Architecture, batch: &Batch) -> Result<Upstream, SpecError> {
    lstm_only(f, "grad_c_n", arch.cell)?;
    let (bsz, steps, hid) = (batch.batch, batch.steps, arch.hidden_size);
    let grad_output = f.optional("grad_output", |x, name| {
        tensor(
            x,
            name,
            &[bsz, steps, arch.directions() * hid],
            &["sequences", "steps", "numbers, directions × hidden_size"],
        )
    })?;
    Ok(Upstream {
        grad_output,
        grad_h_n: state_tensor(f, "grad_h_n", arch, bsz)?,
        grad_c_n: state_tensor(f, "grad_c_n", arch, bsz)?,
    })
}

/// `train`, `dropout` and `dropout_seed`: the dropout masks, only in training mode with p > 0.
fn parse_dropout_mode(f: &Fields) -> Result<Option<Dropout>, SpecError> {
    parse_dropout_mode_or(f, 0.0)
}

/// As [`parse_dropout_mode`], with `default` the probability when `dropout` is absent.
pub(crate) fn parse_dropout_mode_or(
    f: &Fields,
    default: f64,
) -> Result<Option<Dropout>, SpecError> {
    let train = f.optional("train", boolean)?.unwrap_or(false);
    let p = f.optional("dropout", model::dropout)?.unwrap_or(default);
    let mask_seed = f.optional("dropout_seed", seed)?.unwrap_or(0);
    Ok((train && p > 0.0).then_some(Dropout::new(p, mask_seed)))
}

/// The Jacobian analysis's work for a batch, `B·T·L·D·G·H³` (compared with
/// [`MAX_ANALYSIS_WORK`]).
pub(crate) fn analysis_work(arch: Architecture, bsz: usize, steps: usize) -> u128 {
    let (h, ld) = (
        arch.hidden_size as u128,
        arch.num_layers * arch.directions(),
    );
    (bsz * steps * ld * arch.cell.gates()) as u128 * h * h * h
}

/// `analysis` (default true), refused when its Jacobian work is over [`MAX_ANALYSIS_WORK`].
pub(crate) fn parse_analysis(
    f: &Fields,
    arch: Architecture,
    bsz: usize,
    steps: usize,
) -> Result<bool, SpecError> {
    let analysis = f.optional("analysis", boolean)?.unwrap_or(true);
    let w = analysis_work(arch, bsz, steps);
    if analysis && w > MAX_ANALYSIS_WORK {
        return err(
            "analysis",
            format!(
                "the Jacobian analysis would cost {w} operations, over the limit of {MAX_ANALYSIS_WORK}: set \"analysis\": false or use a smaller hidden_size"
            ),
        );
    }
    Ok(analysis)
}

/// Everything a spec produced.
pub struct TraceResult {
    /// The parsed spec.
    pub spec: Spec,
    /// The parameters used.
    pub net: Network,
    /// Forward pass.
    pub forward: Forward,
    /// Backward pass, when an upstream gradient was given.
    pub backward: Option<Backward>,
    /// Analysis, when asked for.
    pub analysis: Option<Vec<Analysis>>,
}

/// Runs a validated spec.
///
/// # Errors
/// When initialisation fails (reported against `init`).
pub fn run(spec: Spec) -> Result<TraceResult, SpecError> {
    let net = spec.params.network(spec.arch, "init")?;
    let forward = net.forward(&spec.batch, &spec.state, spec.dropout);
    let backward = spec
        .upstream
        .any()
        .then(|| bptt::backward(&net, &spec.batch, &forward, &spec.upstream));
    let analysis = spec
        .analysis
        .then(|| bptt::analyse(&net, &spec.batch, &forward));
    Ok(TraceResult {
        spec,
        net,
        forward,
        backward,
        analysis,
    })
}

/// Parses, runs and writes: JSON spec text in, JSON trace text out. A spec whose `model` is an
/// object is a training spec ([`train_trace`]); one whose `model` names a model is a classifier
/// spec ([`classifier`]).
///
/// # Errors
/// A [`SpecError`] for a malformed spec.
pub fn trace_json(text: &str) -> Result<String, SpecError> {
    let v = read_json(text)?;
    if train_trace::is_train_spec(&v) {
        return train_trace::train_trace_json(&v);
    }
    if classifier::is_model_spec(&v) {
        return classifier::classifier_trace_json(&v);
    }
    Ok(write_trace(&run(parse_spec_value(&v)?)?))
}

pub(crate) fn key(out: &mut String, k: &str) {
    out.push(',');
    write_str(out, k);
    out.push(':');
}

/// Writes the trace as one JSON object (see `docs/spec.md`).
pub fn write_trace(r: &TraceResult) -> String {
    use std::fmt::Write;
    let arch = r.spec.arch;
    let b = &r.spec.batch;
    let (bsz, steps, hid) = (b.batch, b.steps, arch.hidden_size);
    let dirs = arch.directions();
    let ld = arch.num_layers * dirs;
    let mut o = String::with_capacity(1 << 16);
    let _ = write!(
        o,
        "{{\"format\":\"unrolled-trace\",\"version\":{VERSION},\"cell\":\"{}\",\"input_size\":{},\"hidden_size\":{},\"num_layers\":{},\"bidirectional\":{},\"batch\":{bsz},\"steps\":{steps},\"lengths\":{:?}",
        arch.cell.name(),
        arch.input_size,
        hid,
        arch.num_layers,
        arch.bidirectional,
        b.lengths
    );
    write_states(&mut o, arch, b, &r.forward);
    let write_params = |o: &mut String, layers: &[crate::network::LayerParams]| {
        o.push('{');
        for (i, (name, shape)) in arch.param_shapes().iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_str(o, name);
            o.push(':');
            let idx = i / 4;
            let kind = crate::network::PARAM_KINDS[i % 4];
            write_array(o, layers[idx].get(kind), shape);
        }
        o.push('}');
    };
    if matches!(r.spec.params, ParamSource::Init(_)) {
        key(&mut o, "params");
        write_params(&mut o, &r.net.layers);
    }
    if let Some(bw) = &r.backward {
        key(&mut o, "grads");
        o.push_str("{\"input\":");
        write_array(&mut o, &bw.grads.input, &[bsz, steps, arch.input_size]);
        // As torch.autograd.grad: only the initial states the spec gave are inputs.
        if r.spec.state.h0.is_some() {
            key(&mut o, "h0");
            write_array(&mut o, &bw.grads.h0, &[ld, bsz, hid]);
        }
        if arch.cell.has_cell_state() && r.spec.state.c0.is_some() {
            key(&mut o, "c0");
            write_array(&mut o, &bw.grads.c0, &[ld, bsz, hid]);
        }
        key(&mut o, "params");
        write_params(&mut o, &bw.grads.params);
        o.push('}');
    }
    key(&mut o, "trace");
    write_runs(
        &mut o,
        arch,
        b,
        &r.forward,
        r.backward.as_ref().map(|bw| bw.flow.as_slice()),
        r.analysis.as_deref(),
    );
    o.push('}');
    o
}

/// `output`, `h_n` and (for cells with a cell state) `c_n` of `fwd`, each after a comma.
pub(crate) fn write_states(o: &mut String, arch: Architecture, b: &Batch, fwd: &Forward) {
    let (bsz, steps, hid) = (b.batch, b.steps, arch.hidden_size);
    let ld = arch.num_layers * arch.directions();
    key(o, "output");
    write_array(o, &fwd.output, &[bsz, steps, arch.directions() * hid]);
    key(o, "h_n");
    write_array(o, &fwd.h_n, &[ld, bsz, hid]);
    if arch.cell.has_cell_state() {
        key(o, "c_n");
        write_array(o, &fwd.c_n, &[ld, bsz, hid]);
    }
}

/// The `trace` list: one object per layer × direction of `fwd` (see `docs/spec.md`), with the
/// gradient records `flow` of a backward pass and the analysis when given.
pub(crate) fn write_runs(
    o: &mut String,
    arch: Architecture,
    b: &Batch,
    fwd: &Forward,
    flow: Option<&[bptt::GradientFlow]>,
    analysis: Option<&[Analysis]>,
) {
    o.push('[');
    for (idx, run) in fwd.runs.iter().enumerate() {
        if idx > 0 {
            o.push(',');
        }
        let flow = flow.map(|f| &f[idx]);
        write_run(o, arch, b, run, flow, analysis.map(|a| &a[idx]));
    }
    o.push(']');
}

/// One entry of the `trace` list.
fn write_run(
    o: &mut String,
    arch: Architecture,
    b: &Batch,
    run: &crate::network::DirectionRun,
    flow: Option<&bptt::GradientFlow>,
    analysis: Option<&Analysis>,
) {
    use std::fmt::Write;
    let (bsz, steps, hid) = (b.batch, b.steps, arch.hidden_size);
    let series_obj = |o: &mut String, series: Vec<crate::trace::Series>| {
        o.push('{');
        for (i, s) in series.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            write_str(o, s.name);
            o.push(':');
            write_array(o, &s.values, &[bsz, steps, hid]);
        }
        o.push('}');
    };
    let _ = write!(
        o,
        "{{\"layer\":{},\"direction\":{},\"gates\":",
        run.layer, run.direction
    );
    series_obj(o, crate::trace::gates(arch.cell, run, b, hid));
    key(o, "preactivations");
    series_obj(o, crate::trace::preactivations(arch.cell, run, b, hid));
    if let Some(f) = flow {
        key(o, "grad_h_norm");
        write_array(o, &f.grad_h_norm, &[bsz, steps]);
        if arch.cell.has_cell_state() {
            key(o, "grad_c_norm");
            write_array(o, &f.grad_c_norm, &[bsz, steps]);
        }
        key(o, "w_hh_grad_contribution");
        write_array(o, &f.w_hh_grad_contribution, &[bsz, steps]);
    }
    if let Some(a) = analysis {
        key(o, "jacobian_norm");
        write_array(o, &a.jacobian_norm, &[bsz, steps]);
        if !a.carry_path.is_empty() {
            key(o, "carry_path");
            write_array(o, &a.carry_path, &[bsz, steps, hid]);
            key(o, "carry_path_norm");
            write_array(o, &a.carry_path_norm, &[bsz, steps]);
        }
    }
    key(o, "nonfinite");
    o.push_str("{\"forward\":");
    write_opt_indices(o, &run.first_nonfinite);
    o.push_str(",\"backward\":");
    match flow {
        Some(f) => write_opt_indices(o, &f.first_nonfinite),
        None => o.push_str("null"),
    }
    o.push_str("}}");
}
