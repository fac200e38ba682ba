//! The model fields of a spec: the architecture (`cell`, `input_size`, `hidden_size`,
//! `num_layers`, `bidirectional`), `dropout`, and where the parameters come from (`params` by
//! PyTorch `state_dict` name, or `init`), with their limits.
//!
//! A trace spec has these fields at its top level; [`parse_model`] reads them from a nested
//! object (a training spec's `"model"`), naming fields with its path (`model.hidden_size`). Both
//! go through the same stage functions, so the checks and messages are the same. The trace spec
//! calls the stages one by one, in the order its errors have always been reported.

use super::fields::{describe, err, finite, integer, object, seed, tensor, Fields, SpecError};
use super::{MAX_INIT_WORK, MAX_LAYERS, MAX_PARAMS, MAX_SIZE};
use crate::cell::{info::or_list, CarryGate, CellKind};
use crate::init::{self, InitConfig, Rescale, Scheme};
use crate::network::{Architecture, Network};
use crate::train::params::ParamSet;
use serde_json::Value;

/// The fields of a model object, in the order [`parse_model`] lists them in errors.
pub const MODEL_FIELDS: [&str; 8] = [
    "cell",
    "input_size",
    "hidden_size",
    "num_layers",
    "bidirectional",
    "dropout",
    "params",
    "init",
];

/// The fields of an `init` object.
const INIT_FIELDS: [&str; 12] = [
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
    "carry_bias",
];

/// Where the parameters of a model (by default a recurrent [`Network`]) come from.
#[derive(Clone, Debug)]
pub enum ParamSource<P = Network> {
    /// Given by name in the spec.
    Given(P),
    /// Drawn from this configuration.
    Init(InitConfig),
}

impl ParamSource {
    /// The network: the given parameters, or drawn from the configuration.
    ///
    /// # Errors
    /// When initialisation fails, reported against `init_field` (`init`, `model.init`).
    pub fn network(&self, arch: Architecture, init_field: &str) -> Result<Network, SpecError> {
        match self {
            ParamSource::Given(n) => Ok(n.clone()),
            ParamSource::Init(cfg) => {
                init::init_network(arch, cfg).map_err(|m| SpecError::new(init_field, m))
            }
        }
    }
}

/// A validated model object.
#[derive(Clone, Debug)]
pub struct ModelSpec {
    /// The network's shape.
    pub arch: Architecture,
    /// Dropout probability on each layer's output except the last, in training mode (0: none).
    pub dropout: f64,
    /// Its parameters.
    pub params: ParamSource,
}

/// Parses and validates a model object: exactly the trace spec's model fields
/// ([`MODEL_FIELDS`]), with the same checks and messages, each field named `{field}.{name}`.
///
/// ```
/// let v = serde_json::json!({"cell": "gru", "input_size": 2, "hidden_size": 0});
/// let e = unrolled::spec::parse_model(&v, "model").unwrap_err();
/// assert_eq!(e.to_string(), "model.hidden_size: expected an integer in 1..=1024, got 0");
/// ```
///
/// # Errors
/// A [`SpecError`] naming the first offending field: not an object, an unknown field, then as
/// [`parse_architecture`], [`check_param_count`], [`parse_dropout`], [`parse_param_source`].
pub fn parse_model(v: &Value, field: &str) -> Result<ModelSpec, SpecError> {
    let f = Fields::new(object(v, field, "an object")?, format!("{field}."));
    f.reject_unknown(&MODEL_FIELDS)?;
    let arch = parse_architecture(&f)?;
    check_param_count(&f, arch)?;
    let dropout = parse_dropout(&f)?;
    let params = parse_param_source(&f, arch)?;
    Ok(ModelSpec {
        arch,
        dropout,
        params,
    })
}

/// Reads `cell`, `input_size`, `hidden_size` (required), `num_layers` (default 1) and
/// `bidirectional` (default false), in that order.
///
/// # Errors
/// The first missing or malformed one.
pub fn parse_architecture(f: &Fields) -> Result<Architecture, SpecError> {
    let cell = parse_cell(f)?;
    let size = |k: &str| integer(f.required(k)?, &f.field(k), 1, MAX_SIZE);
    let input_size = size("input_size")?;
    let hidden_size = size("hidden_size")?;
    let num_layers = f
        .optional("num_layers", |x, name| integer(x, name, 1, MAX_LAYERS))?
        .unwrap_or(1);
    let bidirectional = f
        .optional("bidirectional", super::fields::boolean)?
        .unwrap_or(false);
    Ok(Architecture {
        cell,
        input_size,
        hidden_size,
        num_layers,
        bidirectional,
    })
}

fn parse_cell(f: &Fields) -> Result<CellKind, SpecError> {
    let Some(c) = f.get("cell") else {
        return err(
            f.field("cell"),
            format!("missing (expected one of {})", CellKind::name_list()),
        );
    };
    cell(c, &f.field("cell"))
}

/// A cell's spec name.
///
/// # Errors
/// `field: expected one of rnn_tanh, …, got …`.
pub fn cell(c: &Value, field: &str) -> Result<CellKind, SpecError> {
    c.as_str().and_then(CellKind::from_name).map_or_else(
        || {
            err(
                field,
                format!(
                    "expected one of {}, got {}",
                    CellKind::name_list(),
                    describe(c)
                ),
            )
        },
        Ok,
    )
}

/// Refuses a network with more than [`MAX_PARAMS`] parameters (reported against `hidden_size`).
///
/// # Errors
/// When it is over the limit.
pub fn check_param_count(f: &Fields, arch: Architecture) -> Result<(), SpecError> {
    let count = network_param_count(arch);
    if count > MAX_PARAMS {
        return err(
            f.field("hidden_size"),
            format!(
                "the network would have {count} parameters, over the limit of {MAX_PARAMS}: use fewer layers or a smaller hidden_size or input_size"
            ),
        );
    }
    Ok(())
}

/// The parameters of a network, Σ over layers and directions of `G·H·(in + H + 2)`.
pub fn network_param_count(arch: Architecture) -> u128 {
    let dirs = arch.directions();
    (0..arch.num_layers)
        .map(|l| {
            (dirs * arch.gate_rows()) as u128
                * (arch.layer_input_size(l) + arch.hidden_size + 2) as u128
        })
        .sum()
}

/// Reads `dropout`, a number in [0, 1) (default 0).
///
/// # Errors
/// When it is not such a number.
pub fn parse_dropout(f: &Fields) -> Result<f64, SpecError> {
    Ok(f.optional("dropout", dropout)?.unwrap_or(0.0))
}

/// A dropout probability, a number in [0, 1).
///
/// # Errors
/// `field: expected a number in [0, 1), got …`.
pub fn dropout(x: &Value, field: &str) -> Result<f64, SpecError> {
    match x.as_f64() {
        Some(p) if (0.0..1.0).contains(&p) => Ok(p),
        _ => err(
            field,
            format!("expected a number in [0, 1), got {}", describe(x)),
        ),
    }
}

/// Reads `params` or `init` (not both; neither: PyTorch's default initialisation with seed 0).
///
/// # Errors
/// Both given, a malformed one, or an `init` over [`MAX_INIT_WORK`].
pub fn parse_param_source(f: &Fields, arch: Architecture) -> Result<ParamSource, SpecError> {
    parse_model_params(f, arch, || Network::zeros(arch))
}

/// As [`parse_param_source`] for a model of any [`ParamSet`] whose recurrent network has shape
/// `arch`: `params` is read into `empty()` by the model's names.
///
/// # Errors
/// Both given, a malformed one (see [`read_params`]), or an `init` over [`MAX_INIT_WORK`].
pub fn parse_model_params<P: ParamSet>(
    f: &Fields,
    arch: Architecture,
    empty: impl FnOnce() -> P,
) -> Result<ParamSource<P>, SpecError> {
    match (f.get("params"), f.get("init")) {
        (Some(_), Some(_)) => err(f.field("init"), "expected either params or init, not both"),
        (Some(pv), None) => {
            let mut model = empty();
            read_params(pv, &f.field("params"), &mut model)?;
            Ok(ParamSource::Given(model))
        }
        (None, Some(iv)) => {
            let field = f.field("init");
            let cfg = parse_init(iv, &field, arch.cell, arch.hidden_size)?;
            check_init_work(&cfg, arch, &field)?;
            Ok(ParamSource::Init(cfg))
        }
        (None, None) => Ok(ParamSource::Init(InitConfig::default())),
    }
}

/// Fills every tensor of `target` from an object keyed by the tensors' names
/// ([`ParamSet::tensors`]: `weight_ih_l0`, or in a model `rnn.weight_ih_l0`, `fc.weight`), each
/// as nested arrays in its shape.
///
/// # Errors
/// Not an object; a name `target` does not have (`{field}.{name}: unknown parameter`), a missing
/// one, or a tensor of the wrong shape, named by its path (`{field}.{name}[2]`).
pub fn read_params<P: ParamSet + ?Sized>(
    v: &Value,
    field: &str,
    target: &mut P,
) -> Result<(), SpecError> {
    let obj = object(v, field, "an object keyed by state_dict name")?;
    let shapes = target.param_shapes();
    if let Some(k) = obj.keys().find(|k| !shapes.iter().any(|(n, _)| n == *k)) {
        let names: Vec<&str> = shapes.iter().map(|(n, _)| n.as_str()).collect();
        return err(
            format!("{field}.{k}"),
            format!("unknown parameter (expected {})", names.join(", ")),
        );
    }
    for t in target.tensors_mut() {
        let field = format!("{field}.{}", t.name);
        let Some(x) = obj.get(&t.name) else {
            return err(field, format!("missing (expected shape {:?})", t.shape));
        };
        let values = tensor(x, &field, &t.shape, dimension_names(&t.name, t.shape.len()))?;
        t.values.copy_from_slice(&values);
    }
    Ok(())
}

/// What the dimensions of a parameter are called in messages: an embedding's count tokens and
/// features, a linear head's (names ending in `weight` or `bias` alone) features, a recurrent
/// layer's gates × hidden units.
fn dimension_names(name: &str, rank: usize) -> &'static [&'static str] {
    if name == "embedding.weight" {
        return &["rows, vocab_size", "numbers, embed_dim"];
    }
    let linear = name.ends_with(".weight") || name.ends_with(".bias");
    match (linear, rank) {
        (true, 2) => &["rows, out_features", "numbers, in_features"],
        (true, _) => &["numbers, out_features"],
        (false, 2) => &["rows, gates × hidden_size", "numbers, columns"],
        (false, _) => &["numbers, gates × hidden_size"],
    }
}

/// Refuses an initialisation whose spectral work (orthogonal, sparse, eigenvalues, rescaling)
/// is over [`MAX_INIT_WORK`].
fn check_init_work(cfg: &InitConfig, arch: Architecture, field: &str) -> Result<(), SpecError> {
    let spectral = !matches!(
        cfg.scheme,
        Scheme::Pytorch | Scheme::Identity | Scheme::Gaussian
    ) || cfg.rescale.is_some();
    let ld = arch.num_layers * arch.directions();
    let blocks = cfg.blocks.as_ref().map_or(arch.cell.gates(), Vec::len);
    let cost = (ld * blocks) as u128 * (arch.hidden_size as u128).pow(3);
    if spectral && cost > MAX_INIT_WORK {
        return err(
            field,
            format!(
                "this initialisation needs eigenvalue or QR work of about {cost} operations (layers × directions × blocks × hidden_size³), over the limit of {MAX_INIT_WORK}: use a smaller hidden_size or the pytorch, identity or gaussian scheme without rescaling"
            ),
        );
    }
    Ok(())
}

/// Reads an `init` object (see `docs/spec.md`), fields in a fixed order.
fn parse_init(v: &Value, field: &str, cell: CellKind, hid: usize) -> Result<InitConfig, SpecError> {
    let f = Fields::new(object(v, field, "an object")?, format!("{field}."));
    f.reject_unknown(&INIT_FIELDS)?;
    let num = |k: &str| f.optional(k, finite);
    let mut cfg = InitConfig::default();
    if let Some(s) = f.optional("seed", seed)? {
        cfg.seed = s;
    }
    if let Some(g) = num("gain")? {
        cfg.gain = g;
    }
    cfg.sigma = num("sigma")?;
    if let Some(s) = cfg.sigma.filter(|s| *s < 0.0) {
        return err(f.field("sigma"), format!("expected a number ≥ 0, got {s}"));
    }
    cfg.nonnormal = num("nonnormal")?.unwrap_or(0.0);
    cfg.bias = num("bias")?;
    cfg.forget_bias = num("forget_bias")?;
    if cfg.forget_bias.is_some() && cell.forget_block().is_none() {
        return err(f.field("forget_bias"), no_forget_gate(cell));
    }
    cfg.carry_bias = parse_carry_bias(&f, cell)?;
    cfg.rescale = parse_rescale(&f)?;
    cfg.scheme = parse_scheme(&f, hid)?;
    cfg.blocks = f.optional("blocks", |x, name| parse_blocks(x, name, cell))?;
    Ok(cfg)
}

/// Why `forget_bias` does not apply: `only lstm has a forget gate, cell is gru`, and for a cell
/// whose forget gate is fixed, what it is fixed at.
fn no_forget_gate(cell: CellKind) -> String {
    let with: Vec<&str> = CellKind::ALL
        .iter()
        .filter(|k| k.forget_block().is_some())
        .map(|k| k.name())
        .collect();
    let info = cell.info();
    let fixed = match info.carry {
        Some(c) => match c.gate {
            CarryGate::One { .. } => format!(
                " ({} ≡ 1: there is no forget-gate block to set)",
                c.name(info)
            ),
            CarryGate::Block(_) => String::new(),
        },
        None => String::new(),
    };
    format!(
        "only {} has a forget gate, cell is {}{fixed}",
        or_list(&with),
        cell.name()
    )
}

/// `carry_bias`: for a cell with a carry gate (the cell table's), and not with `forget_bias`
/// (the LSTM's carry gate is its forget gate: one value, one name).
fn parse_carry_bias(f: &Fields, cell: CellKind) -> Result<Option<f64>, SpecError> {
    let Some(b) = f.optional("carry_bias", finite)? else {
        return Ok(None);
    };
    if cell.carry_block().is_none() {
        let gated: Vec<&str> = CellKind::ALL
            .iter()
            .filter(|k| k.carry_block().is_some())
            .map(|k| k.name())
            .collect();
        return err(
            f.field("carry_bias"),
            format!(
                "{} has no carry-gate bias to set (only {} have one)",
                cell.name(),
                gated.join(" and ")
            ),
        );
    }
    if f.contains("forget_bias") {
        return err(
            f.field("carry_bias"),
            "expected either forget_bias or carry_bias, not both",
        );
    }
    Ok(Some(b))
}

/// `spectral_radius` or `max_singular_value`, not both.
fn parse_rescale(f: &Fields) -> Result<Option<Rescale>, SpecError> {
    let radius = f.optional("spectral_radius", finite)?;
    let sigma_max = f.optional("max_singular_value", finite)?;
    match (radius, sigma_max) {
        (Some(_), Some(_)) => err(
            f.field("max_singular_value"),
            "expected either spectral_radius or max_singular_value, not both",
        ),
        (Some(r), None) => Ok(Some(Rescale::SpectralRadius(r))),
        (None, Some(s)) => Ok(Some(Rescale::MaxSingularValue(s))),
        (None, None) => Ok(None),
    }
}

/// `scheme` (default `pytorch`), and `eigenvalues`, given exactly when the scheme needs them.
fn parse_scheme(f: &Fields, hid: usize) -> Result<Scheme, SpecError> {
    let name = f
        .optional("scheme", |s, field| {
            s.as_str()
                .filter(|n| Scheme::NAMES.contains(n))
                .map_or_else(
                    || {
                        err(
                            field,
                            format!(
                                "expected one of {}, got {}",
                                Scheme::NAMES.join(", "),
                                describe(s)
                            ),
                        )
                    },
                    Ok,
                )
        })?
        .unwrap_or("pytorch");
    if f.contains("eigenvalues") && name != "eigenvalues" {
        return err(
            f.field("eigenvalues"),
            format!("given, but {} is not \"eigenvalues\"", f.field("scheme")),
        );
    }
    Ok(match name {
        "pytorch" => Scheme::Pytorch,
        "orthogonal" => Scheme::Orthogonal,
        "identity" => Scheme::Identity,
        "gaussian" => Scheme::Gaussian,
        "sparse" => Scheme::Sparse,
        _ => Scheme::Eigenvalues(parse_eigenvalues(f, hid)?),
    })
}

/// `hid` finite `[re, im]` pairs, complex ones in conjugate pairs.
fn parse_eigenvalues(f: &Fields, hid: usize) -> Result<Vec<(f64, f64)>, SpecError> {
    let field = f.field("eigenvalues");
    let Some(ev) = f.get("eigenvalues") else {
        return err(
            field,
            format!("missing: scheme \"eigenvalues\" needs {hid} [re, im] pairs"),
        );
    };
    let flat = tensor(
        ev,
        &field,
        &[hid, 2],
        &["[re, im] pairs, hidden_size", "numbers, [re, im]"],
    )?;
    let pairs: Vec<(f64, f64)> = flat.chunks(2).map(|c| (c[0], c[1])).collect();
    if pairs.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
        return err(field, "expected finite numbers");
    }
    // Check pairing here so the error names the field.
    crate::spectral::from_eigenvalues(&pairs, 0.0, &mut crate::rng::Rng::new(0))
        .map_err(|e| SpecError::new(field, e))?;
    Ok(pairs)
}

/// A non-empty list of the cell's gate names, as block indices.
fn parse_blocks(v: &Value, field: &str, cell: CellKind) -> Result<Vec<usize>, SpecError> {
    let names: Vec<&str> = cell.blocks().iter().map(|b| b.name).collect();
    let Some(a) = v.as_array().filter(|a| !a.is_empty()) else {
        return err(
            field,
            format!(
                "expected a non-empty list of gate names from {:?}, got {}",
                names,
                describe(v)
            ),
        );
    };
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_str()
                .and_then(|s| names.iter().position(|n| *n == s))
                .map_or_else(
                    || {
                        err(
                            format!("{field}[{i}]"),
                            format!(
                                "expected a gate name of {} ({}), got {}",
                                cell.name(),
                                names.join(", "),
                                describe(x)
                            ),
                        )
                    },
                    Ok,
                )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model_err(v: Value) -> String {
        parse_model(&v, "model").unwrap_err().to_string()
    }

    #[test]
    fn parse_model_reads_every_model_field() {
        let m = parse_model(
            &json!({
                "cell": "lstm", "input_size": 2, "hidden_size": 3, "num_layers": 2,
                "bidirectional": true, "dropout": 0.25,
                "init": {"scheme": "orthogonal", "seed": 4, "forget_bias": 1.0}
            }),
            "model",
        )
        .unwrap();
        assert_eq!(m.arch.cell, CellKind::Lstm);
        assert_eq!(
            (m.arch.input_size, m.arch.hidden_size, m.arch.num_layers),
            (2, 3, 2)
        );
        assert!(m.arch.bidirectional);
        assert_eq!(m.dropout, 0.25);
        let ParamSource::Init(cfg) = &m.params else {
            panic!("init expected")
        };
        assert_eq!((cfg.seed, cfg.forget_bias), (4, Some(1.0)));
        assert!(matches!(cfg.scheme, Scheme::Orthogonal));
        let net = m.params.network(m.arch, "model.init").unwrap();
        assert_eq!(net.layers.len(), 4);
    }

    #[test]
    fn carry_bias_is_read_for_gated_cells_only_and_not_with_forget_bias() {
        let model = |cell: &str, init: Value| json!({"cell": cell, "input_size": 1, "hidden_size": 2, "init": init});
        let m = parse_model(&model("gru", json!({"carry_bias": 1.5})), "model").unwrap();
        let ParamSource::Init(cfg) = &m.params else {
            panic!("init expected")
        };
        assert_eq!(cfg.carry_bias, Some(1.5));
        let net = m.params.network(m.arch, "model.init").unwrap();
        assert_eq!(net.layers[0].bias_ih[2..4], [1.5, 1.5]); // z, block 1
        assert_eq!(
            model_err(model("rnn_tanh", json!({"carry_bias": 1}))),
            "model.init.carry_bias: rnn_tanh has no carry-gate bias to set (only lstm and gru have one)"
        );
        assert_eq!(
            model_err(model("lstm_no_forget", json!({"carry_bias": 1}))),
            "model.init.carry_bias: lstm_no_forget has no carry-gate bias to set (only lstm and gru have one)"
        );
        assert_eq!(
            model_err(model("lstm", json!({"carry_bias": 1, "forget_bias": 1}))),
            "model.init.carry_bias: expected either forget_bias or carry_bias, not both"
        );
        assert_eq!(
            model_err(model("lstm", json!({"carry_bias": "x"}))),
            "model.init.carry_bias: expected a finite number, got \"x\""
        );
    }

    #[test]
    fn parse_model_names_fields_with_its_path() {
        let ok = json!({"cell": "gru", "input_size": 2, "hidden_size": 3});
        let with = |k: &str, v: Value| {
            let mut m = ok.clone();
            m[k] = v;
            m
        };
        assert_eq!(model_err(json!(3)), "model: expected an object, got 3");
        assert_eq!(
            model_err(with("input", json!([]))),
            "model.input: unknown field (expected one of cell, input_size, hidden_size, \
             num_layers, bidirectional, dropout, params, init)"
        );
        assert!(model_err(json!({"input_size": 2})).starts_with("model.cell: missing"));
        assert_eq!(
            model_err(json!({"cell": "gru", "hidden_size": 3})),
            "model.input_size: missing (required)"
        );
        assert_eq!(
            model_err(with("num_layers", json!(9))),
            "model.num_layers: expected an integer in 1..=8, got 9"
        );
        assert_eq!(
            model_err(with("dropout", json!(1))),
            "model.dropout: expected a number in [0, 1), got 1"
        );
        assert_eq!(
            model_err(with("init", json!({"seed": -1}))),
            "model.init.seed: expected an integer in 0..=9007199254740992, got -1"
        );
        assert_eq!(
            model_err(with("init", json!({"eigenvalues": [[1, 0]]}))),
            "model.init.eigenvalues: given, but model.init.scheme is not \"eigenvalues\""
        );
        assert_eq!(
            model_err(with("init", json!({"blocks": ["z", "f"]}))),
            "model.init.blocks[1]: expected a gate name of gru (r, z, n), got \"f\""
        );
        assert_eq!(
            model_err(with("init", json!({"forget_bias": 1.0}))),
            "model.init.forget_bias: only lstm has a forget gate, cell is gru"
        );
        let cec = json!({"cell": "lstm_no_forget", "input_size": 2, "hidden_size": 3,
                         "init": {"forget_bias": 1.0}});
        assert_eq!(
            model_err(cec.clone()),
            "model.init.forget_bias: only lstm has a forget gate, cell is lstm_no_forget \
             (f ≡ 1: there is no forget-gate block to set)"
        );
        let mut cec = cec;
        cec["init"] = json!({"blocks": ["f"]});
        assert_eq!(
            model_err(cec),
            "model.init.blocks[0]: expected a gate name of lstm_no_forget (i, g, o), got \"f\""
        );
        assert!(model_err(with("params", json!({"w": 1})))
            .starts_with("model.params.w: unknown parameter"));
        let mut both = with("params", json!({}));
        both["init"] = json!({});
        assert_eq!(
            model_err(both),
            "model.init: expected either params or init, not both"
        );
        assert!(model_err(
            json!({"cell": "lstm", "input_size": 1024, "hidden_size": 1024, "num_layers": 8})
        )
        .starts_with("model.hidden_size: the network would have"));
    }
}
