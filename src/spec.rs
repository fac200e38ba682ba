//! The JSON spec and trace formats (version 1), shared by the CLI and the wasm layer.
//! The public description is `docs/spec.md`; this module is its implementation.
//!
//! [`parse_spec`] validates everything before any computation and refuses a malformed spec with a
//! [`SpecError`] that names the field and what was expected. [`run`] computes the forward pass,
//! the backward pass (when an upstream gradient is given) and the analysis; [`write_trace`]
//! writes the trace.

use crate::bptt::{self, Analysis, Backward, Upstream};
use crate::cell::CellKind;
use crate::init::{self, InitConfig, Rescale, Scheme};
use crate::json::{number, write_array, write_opt_indices, write_str};
use crate::network::{Architecture, Batch, Dropout, Forward, InitialState, Network};
use serde_json::Value;
use std::fmt;

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
/// the carry path (LSTM 6 + 4 + 1, GRU 4 + 4 + 1, plain RNNs 1 + 1).
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

/// A malformed spec: which field, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// The field path, e.g. `input[2][0]` or `params.weight_hh_l0`.
    pub field: String,
    /// What was expected (and what was found).
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SpecError {}

/// Escapes control characters (a newline in a key or a string value from the spec) so the
/// error stays one line.
fn one_line(s: String) -> String {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s
    }
}

fn err<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError {
        field: one_line(field.into()),
        message: one_line(message.into()),
    })
}

/// Where the parameters come from.
#[derive(Clone, Debug)]
pub enum ParamSource {
    /// Given by name in the spec.
    Given(Network),
    /// Drawn from this configuration.
    Init(InitConfig),
}

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

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("\"{short}\"")
        }
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

fn integer(v: &Value, field: &str, lo: usize, hi: usize) -> Result<usize, SpecError> {
    match v.as_u64() {
        Some(n) if (lo as u64..=hi as u64).contains(&n) => Ok(n as usize),
        _ => err(
            field,
            format!("expected an integer in {lo}..={hi}, got {}", describe(v)),
        ),
    }
}

fn boolean(v: &Value, field: &str) -> Result<bool, SpecError> {
    v.as_bool().map_or_else(
        || {
            err(
                field,
                format!("expected true or false, got {}", describe(v)),
            )
        },
        Ok,
    )
}

fn seed(v: &Value, field: &str) -> Result<u64, SpecError> {
    match v.as_u64() {
        Some(n) if n <= (1u64 << 53) => Ok(n),
        _ => err(
            field,
            format!(
                "expected an integer in 0..=9007199254740992, got {}",
                describe(v)
            ),
        ),
    }
}

fn finite(v: &Value, field: &str) -> Result<f64, SpecError> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => err(
            field,
            format!("expected a finite number, got {}", describe(v)),
        ),
    }
}

/// Reads nested arrays of exactly `shape` (dimension `k` named `names[k]`) into a flat buffer.
fn tensor(v: &Value, field: &str, shape: &[usize], names: &[&str]) -> Result<Vec<f64>, SpecError> {
    let mut out = Vec::with_capacity(shape.iter().product());
    fill(v, field, shape, names, &mut out)?;
    Ok(out)
}

fn fill(
    v: &Value,
    field: &str,
    shape: &[usize],
    names: &[&str],
    out: &mut Vec<f64>,
) -> Result<(), SpecError> {
    match shape {
        [] => match number(v) {
            Some(x) => {
                out.push(x);
                Ok(())
            }
            None => err(
                field,
                format!(
                    "expected a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {}",
                    describe(v)
                ),
            ),
        },
        [n, rest @ ..] => {
            let Some(a) = v.as_array() else {
                return err(
                    field,
                    format!(
                        "expected an array of {n} ({}), got {}",
                        names[0],
                        describe(v)
                    ),
                );
            };
            if a.len() != *n {
                return err(
                    field,
                    format!(
                        "expected an array of {n} ({}), got {} entries",
                        names[0],
                        a.len()
                    ),
                );
            }
            for (i, x) in a.iter().enumerate() {
                fill(x, &format!("{field}[{i}]"), rest, &names[1..], out)?;
            }
            Ok(())
        }
    }
}

/// Parses and validates a spec from JSON text.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_spec(text: &str) -> Result<Spec, SpecError> {
    if text.len() > MAX_SPEC_BYTES {
        return err(
            "spec",
            format!(
                "expected at most {MAX_SPEC_BYTES} bytes, got {}",
                text.len()
            ),
        );
    }
    let v: Value = serde_json::from_str(text).or_else(|e| {
        err(
            "spec",
            format!("expected valid JSON ({e})").replace('\n', " "),
        )
    })?;
    parse_spec_value(&v)
}

/// Parses and validates an already-parsed JSON value.
///
/// # Errors
/// A [`SpecError`] naming the first offending field.
pub fn parse_spec_value(v: &Value) -> Result<Spec, SpecError> {
    let Some(obj) = v.as_object() else {
        return err(
            "spec",
            format!("expected a JSON object, got {}", describe(v)),
        );
    };
    for k in obj.keys() {
        if !FIELDS.contains(&k.as_str()) {
            return err(
                k.as_str(),
                format!("unknown field (expected one of {})", FIELDS.join(", ")),
            );
        }
    }
    if let Some(ver) = obj.get("version") {
        if ver.as_u64() != Some(VERSION) {
            return err("version", format!("expected 1, got {}", describe(ver)));
        }
    }
    let cell = match obj.get("cell") {
        None => {
            return err(
                "cell",
                format!("missing (expected one of {})", CellKind::name_list()),
            )
        }
        Some(c) => match c.as_str().and_then(CellKind::from_name) {
            Some(k) => k,
            None => {
                return err(
                    "cell",
                    format!(
                        "expected one of {}, got {}",
                        CellKind::name_list(),
                        describe(c)
                    ),
                )
            }
        },
    };
    let required = |k: &str| obj.get(k).map_or_else(|| err(k, "missing (required)"), Ok);
    let input_size = integer(required("input_size")?, "input_size", 1, MAX_SIZE)?;
    let hidden_size = integer(required("hidden_size")?, "hidden_size", 1, MAX_SIZE)?;
    let num_layers = match obj.get("num_layers") {
        Some(x) => integer(x, "num_layers", 1, MAX_LAYERS)?,
        None => 1,
    };
    let bidirectional = match obj.get("bidirectional") {
        Some(x) => boolean(x, "bidirectional")?,
        None => false,
    };
    let arch = Architecture {
        cell,
        input_size,
        hidden_size,
        num_layers,
        bidirectional,
    };
    let dirs = arch.directions();
    let (hid, ld) = (hidden_size, num_layers * dirs);

    // input: B and T from its outer arrays, then the full shape check.
    let input_v = required("input")?;
    let (bsz, steps) = match input_v.as_array() {
        Some(a) if !a.is_empty() && a.len() <= MAX_BATCH => match a[0].as_array() {
            Some(t) if !t.is_empty() && t.len() <= MAX_STEPS => (a.len(), t.len()),
            _ => {
                return err(
                    "input[0]",
                    format!(
                        "expected an array of 1..={MAX_STEPS} steps, got {}",
                        describe(&a[0])
                    ),
                )
            }
        },
        _ => {
            return err(
                "input",
                format!(
                    "expected [batch][steps][input_size] with 1..={MAX_BATCH} sequences, got {}",
                    describe(input_v)
                ),
            )
        }
    };
    let params_count: u128 = (0..num_layers)
        .map(|l| (dirs * arch.gate_rows()) as u128 * (arch.layer_input_size(l) + hid + 2) as u128)
        .sum();
    if params_count > MAX_PARAMS {
        return err(
            "hidden_size",
            format!(
                "the network would have {params_count} parameters, over the limit of {MAX_PARAMS}: use fewer layers or a smaller hidden_size or input_size"
            ),
        );
    }
    let values = (bsz * steps) as u128 * ld as u128 * (series_per_step(cell) * hid) as u128;
    if values > MAX_TRACE_VALUES {
        return err(
            "input",
            format!(
                "batch × steps × layers × directions × hidden_size × {} series = {values} values to write, over the limit of {MAX_TRACE_VALUES}",
                series_per_step(cell)
            ),
        );
    }
    let work = (bsz * steps) as u128 * ld as u128 * cell.gates() as u128 * hid as u128;
    let input = tensor(
        input_v,
        "input",
        &[bsz, steps, input_size],
        &["sequences", "steps (as input[0])", "numbers, input_size"],
    )?;
    let lengths = match obj.get("lengths") {
        None => vec![steps; bsz],
        Some(lv) => {
            let Some(a) = lv.as_array().filter(|a| a.len() == bsz) else {
                return err(
                    "lengths",
                    format!(
                        "expected an array of {bsz} integers (one per sequence), got {}",
                        describe(lv)
                    ),
                );
            };
            a.iter()
                .enumerate()
                .map(|(i, x)| integer(x, &format!("lengths[{i}]"), 1, steps))
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    let state_shape = [ld, bsz, hid];
    let state_names = ["layers × directions", "sequences", "numbers, hidden_size"];
    let h0 = obj
        .get("h0")
        .map(|x| tensor(x, "h0", &state_shape, &state_names))
        .transpose()?;
    let lstm_only = |k: &str| -> Result<(), SpecError> {
        if obj.contains_key(k) && !cell.has_cell_state() {
            return err(
                k,
                format!(
                    "only an lstm has a cell state; remove {k} for cell {}",
                    cell.name()
                ),
            );
        }
        Ok(())
    };
    lstm_only("c0")?;
    lstm_only("grad_c_n")?;
    let c0 = obj
        .get("c0")
        .map(|x| tensor(x, "c0", &state_shape, &state_names))
        .transpose()?;
    let grad_output = obj
        .get("grad_output")
        .map(|x| {
            tensor(
                x,
                "grad_output",
                &[bsz, steps, dirs * hid],
                &["sequences", "steps", "numbers, directions × hidden_size"],
            )
        })
        .transpose()?;
    let grad_h_n = obj
        .get("grad_h_n")
        .map(|x| tensor(x, "grad_h_n", &state_shape, &state_names))
        .transpose()?;
    let grad_c_n = obj
        .get("grad_c_n")
        .map(|x| tensor(x, "grad_c_n", &state_shape, &state_names))
        .transpose()?;

    let train = match obj.get("train") {
        Some(x) => boolean(x, "train")?,
        None => false,
    };
    let p = match obj.get("dropout") {
        Some(x) => match x.as_f64() {
            Some(p) if (0.0..1.0).contains(&p) => p,
            _ => {
                return err(
                    "dropout",
                    format!("expected a number in [0, 1), got {}", describe(x)),
                )
            }
        },
        None => 0.0,
    };
    let dropout_seed = match obj.get("dropout_seed") {
        Some(x) => seed(x, "dropout_seed")?,
        None => 0,
    };
    let analysis = match obj.get("analysis") {
        Some(x) => boolean(x, "analysis")?,
        None => true,
    };
    if analysis {
        let w = work * (hid * hid) as u128;
        if w > MAX_ANALYSIS_WORK {
            return err(
                "analysis",
                format!(
                    "the Jacobian analysis would cost {w} operations, over the limit of {MAX_ANALYSIS_WORK}: set \"analysis\": false or use a smaller hidden_size"
                ),
            );
        }
    }

    let params = match (obj.get("params"), obj.get("init")) {
        (Some(_), Some(_)) => return err("init", "expected either params or init, not both"),
        (Some(pv), None) => ParamSource::Given(parse_params(pv, arch)?),
        (None, Some(iv)) => {
            let cfg = parse_init(iv, cell, hid)?;
            let spectral = !matches!(
                cfg.scheme,
                Scheme::Pytorch | Scheme::Identity | Scheme::Gaussian
            ) || cfg.rescale.is_some();
            let blocks = cfg.blocks.as_ref().map_or(cell.gates(), Vec::len);
            let cost = (ld * blocks) as u128 * (hid as u128).pow(3);
            if spectral && cost > MAX_INIT_WORK {
                return err(
                    "init",
                    format!(
                        "this initialisation needs eigenvalue or QR work of about {cost} operations (layers × directions × blocks × hidden_size³), over the limit of {MAX_INIT_WORK}: use a smaller hidden_size or the pytorch, identity or gaussian scheme without rescaling"
                    ),
                );
            }
            ParamSource::Init(cfg)
        }
        (None, None) => ParamSource::Init(InitConfig::default()),
    };
    Ok(Spec {
        arch,
        params,
        batch: Batch {
            input,
            batch: bsz,
            steps,
            lengths,
        },
        state: InitialState { h0, c0 },
        upstream: Upstream {
            grad_output,
            grad_h_n,
            grad_c_n,
        },
        dropout: (train && p > 0.0).then_some(Dropout {
            p,
            seed: dropout_seed,
        }),
        analysis,
    })
}

fn parse_params(v: &Value, arch: Architecture) -> Result<Network, SpecError> {
    let Some(obj) = v.as_object() else {
        return err(
            "params",
            format!(
                "expected an object keyed by state_dict name, got {}",
                describe(v)
            ),
        );
    };
    let shapes = arch.param_shapes();
    for k in obj.keys() {
        if !shapes.iter().any(|(n, _)| n == k) {
            let names: Vec<&str> = shapes.iter().map(|(n, _)| n.as_str()).collect();
            return err(
                format!("params.{k}"),
                format!("unknown parameter (expected {})", names.join(", ")),
            );
        }
    }
    let mut net = Network::zeros(arch);
    for (name, shape) in &shapes {
        let field = format!("params.{name}");
        let Some(x) = obj.get(name) else {
            return err(field, format!("missing (expected shape {shape:?})"));
        };
        let names: &[&str] = if shape.len() == 2 {
            &["rows, gates × hidden_size", "numbers, columns"]
        } else {
            &["numbers, gates × hidden_size"]
        };
        let t = tensor(x, &field, shape, names)?;
        *net.param_mut(name).expect("name from param_shapes") = t;
    }
    Ok(net)
}

fn parse_init(v: &Value, cell: CellKind, hid: usize) -> Result<InitConfig, SpecError> {
    let Some(obj) = v.as_object() else {
        return err("init", format!("expected an object, got {}", describe(v)));
    };
    const KEYS: [&str; 11] = [
        "seed",
        "scheme",
        "gain",
        "sigma",
        "eigenvalues",
        "nonnormal",
        "spectral_radius",
        "max_singular_value",
        "blocks",
        "bias",
        "forget_bias",
    ];
    for k in obj.keys() {
        if !KEYS.contains(&k.as_str()) {
            return err(
                format!("init.{k}"),
                format!("unknown field (expected one of {})", KEYS.join(", ")),
            );
        }
    }
    let mut cfg = InitConfig::default();
    if let Some(x) = obj.get("seed") {
        cfg.seed = seed(x, "init.seed")?;
    }
    let num = |k: &str| -> Result<Option<f64>, SpecError> {
        obj.get(k)
            .map(|x| finite(x, &format!("init.{k}")))
            .transpose()
    };
    if let Some(g) = num("gain")? {
        cfg.gain = g;
    }
    cfg.sigma = num("sigma")?;
    if let Some(s) = cfg.sigma {
        if s < 0.0 {
            return err("init.sigma", format!("expected a number ≥ 0, got {s}"));
        }
    }
    cfg.nonnormal = num("nonnormal")?.unwrap_or(0.0);
    cfg.bias = num("bias")?;
    cfg.forget_bias = num("forget_bias")?;
    if cfg.forget_bias.is_some() && !cell.has_cell_state() {
        return err(
            "init.forget_bias",
            format!("only an lstm has a forget gate, cell is {}", cell.name()),
        );
    }
    cfg.rescale = match (num("spectral_radius")?, num("max_singular_value")?) {
        (Some(_), Some(_)) => {
            return err(
                "init.max_singular_value",
                "expected either spectral_radius or max_singular_value, not both",
            )
        }
        (Some(r), None) => Some(Rescale::SpectralRadius(r)),
        (None, Some(s)) => Some(Rescale::MaxSingularValue(s)),
        (None, None) => None,
    };
    let scheme_name = match obj.get("scheme") {
        None => "pytorch",
        Some(s) => match s.as_str().filter(|n| Scheme::NAMES.contains(n)) {
            Some(n) => n,
            None => {
                return err(
                    "init.scheme",
                    format!(
                        "expected one of {}, got {}",
                        Scheme::NAMES.join(", "),
                        describe(s)
                    ),
                )
            }
        },
    };
    if obj.contains_key("eigenvalues") && scheme_name != "eigenvalues" {
        return err(
            "init.eigenvalues",
            "given, but init.scheme is not \"eigenvalues\"",
        );
    }
    cfg.scheme = match scheme_name {
        "pytorch" => Scheme::Pytorch,
        "orthogonal" => Scheme::Orthogonal,
        "identity" => Scheme::Identity,
        "gaussian" => Scheme::Gaussian,
        "sparse" => Scheme::Sparse,
        _ => {
            let Some(ev) = obj.get("eigenvalues") else {
                return err(
                    "init.eigenvalues",
                    format!("missing: scheme \"eigenvalues\" needs {hid} [re, im] pairs"),
                );
            };
            let flat = tensor(
                ev,
                "init.eigenvalues",
                &[hid, 2],
                &["[re, im] pairs, hidden_size", "numbers, [re, im]"],
            )?;
            let pairs: Vec<(f64, f64)> = flat.chunks(2).map(|c| (c[0], c[1])).collect();
            if pairs.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
                return err("init.eigenvalues", "expected finite numbers");
            }
            // Check pairing here so the error names the field.
            crate::spectral::from_eigenvalues(&pairs, 0.0, &mut crate::rng::Rng::new(0)).map_err(
                |e| SpecError {
                    field: "init.eigenvalues".into(),
                    message: e,
                },
            )?;
            Scheme::Eigenvalues(pairs)
        }
    };
    if let Some(bv) = obj.get("blocks") {
        let names: Vec<&str> = cell.blocks().iter().map(|b| b.name).collect();
        let Some(a) = bv.as_array().filter(|a| !a.is_empty()) else {
            return err(
                "init.blocks",
                format!(
                    "expected a non-empty list of gate names from {:?}, got {}",
                    names,
                    describe(bv)
                ),
            );
        };
        let mut idx = Vec::new();
        for (i, x) in a.iter().enumerate() {
            match x.as_str().and_then(|s| names.iter().position(|n| *n == s)) {
                Some(k) => idx.push(k),
                None => {
                    return err(
                        format!("init.blocks[{i}]"),
                        format!(
                            "expected a gate name of {} ({}), got {}",
                            cell.name(),
                            names.join(", "),
                            describe(x)
                        ),
                    )
                }
            }
        }
        cfg.blocks = Some(idx);
    }
    Ok(cfg)
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
    let net = match &spec.params {
        ParamSource::Given(n) => n.clone(),
        ParamSource::Init(cfg) => init::init_network(spec.arch, cfg).map_err(|m| SpecError {
            field: "init".into(),
            message: m,
        })?,
    };
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

/// Parses, runs and writes: JSON spec text in, JSON trace text out.
///
/// # Errors
/// A [`SpecError`] for a malformed spec.
pub fn trace_json(text: &str) -> Result<String, SpecError> {
    Ok(write_trace(&run(parse_spec(text)?)?))
}

fn key(out: &mut String, k: &str) {
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
    key(&mut o, "output");
    write_array(&mut o, &r.forward.output, &[bsz, steps, dirs * hid]);
    key(&mut o, "h_n");
    write_array(&mut o, &r.forward.h_n, &[ld, bsz, hid]);
    if arch.cell.has_cell_state() {
        key(&mut o, "c_n");
        write_array(&mut o, &r.forward.c_n, &[ld, bsz, hid]);
    }
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
    o.push('[');
    for (idx, run) in r.forward.runs.iter().enumerate() {
        if idx > 0 {
            o.push(',');
        }
        let _ = write!(
            o,
            "{{\"layer\":{},\"direction\":{},\"gates\":{{",
            run.layer, run.direction
        );
        let series_obj = |o: &mut String, series: Vec<crate::trace::Series>| {
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
        series_obj(&mut o, crate::trace::gates(arch.cell, run, b, hid));
        key(&mut o, "preactivations");
        o.push('{');
        series_obj(&mut o, crate::trace::preactivations(arch.cell, run, b, hid));
        if let Some(bw) = &r.backward {
            let f = &bw.flow[idx];
            key(&mut o, "grad_h_norm");
            write_array(&mut o, &f.grad_h_norm, &[bsz, steps]);
            if arch.cell.has_cell_state() {
                key(&mut o, "grad_c_norm");
                write_array(&mut o, &f.grad_c_norm, &[bsz, steps]);
            }
            key(&mut o, "w_hh_grad_contribution");
            write_array(&mut o, &f.w_hh_grad_contribution, &[bsz, steps]);
        }
        if let Some(an) = &r.analysis {
            let a = &an[idx];
            key(&mut o, "jacobian_norm");
            write_array(&mut o, &a.jacobian_norm, &[bsz, steps]);
            if !a.carry_path.is_empty() {
                key(&mut o, "carry_path");
                write_array(&mut o, &a.carry_path, &[bsz, steps, hid]);
                key(&mut o, "carry_path_norm");
                write_array(&mut o, &a.carry_path_norm, &[bsz, steps]);
            }
        }
        key(&mut o, "nonfinite");
        o.push_str("{\"forward\":");
        write_opt_indices(&mut o, &run.first_nonfinite);
        o.push_str(",\"backward\":");
        match &r.backward {
            Some(bw) => write_opt_indices(&mut o, &bw.flow[idx].first_nonfinite),
            None => o.push_str("null"),
        }
        o.push_str("}}");
    }
    o.push_str("]}");
    o
}
