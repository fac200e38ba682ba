//! `.safetensors` state_dicts out and in, with PyTorch's names and shapes.
//!
//! **Out.** [`export`] writes any [`ParamSet`] (a recurrent [`Network`]: `weight_ih_l0`, …; a
//! task model: `rnn.…`, `fc.…`; the course's classifier: `embedding.weight`, `lstm.…`,
//! `fc.…`) as a safetensors file: one tensor per parameter, named and shaped as the module's
//! `state_dict()`, little-endian. The dtype is [`ExportDtype::F32`] by default, the course's
//! model's dtype (`torch.float32`; values rounded to nearest, so `|v| > 3.4·10³⁸` becomes ±inf),
//! or [`ExportDtype::F64`], exact. Either loads into a module of either dtype:
//! `load_state_dict` copies each tensor into the parameter with `param.copy_(value)`, which
//! converts. `__metadata__` holds strings: `format` (`pt`, as `safetensors.torch.save_file`
//! writes), `producer`, and the architecture (`cell`, `input_size`, `hidden_size`,
//! `num_layers`, `bidirectional`; for the classifier also `vocab_size`, `embed_dim`,
//! `hidden_dim`, `output_dim`, and, when given, `classes`: the label names in logit order as a
//! JSON list), so a file says how to build the module that loads it and what its logits mean
//! (`docs/safetensors.md`). [`vocabulary_json`] writes a vocabulary (tokens by id) as the JSON
//! list that goes beside the file.
//!
//! **In.** [`read`] parses the bytes (with the `safetensors` crate: header, offsets and sizes
//! checked) into named tensors; [`RawTensor::values`] converts F64, F32, F16 and BF16 to `f64`
//! exactly and refuses other dtypes naming the tensor. [`import_network`] then recognises an
//! `nn.RNN` / `nn.LSTM` / `nn.GRU` state_dict: the names `weight_ih_l{k}[_reverse]`,
//! `weight_hh_…`, `bias_ih_…`, `bias_hh_…`, alone or under a module prefix shared by all of
//! them (`lstm.`, `rnn.`, `encoder.rnn.`; other tensors such as `embedding.weight` or
//! `fc.weight` are listed and left alone). It infers
//!
//! - the cell from the gate blocks of `weight_hh_l0` (`[G·H, H]`): 4 → LSTM, 3 → GRU, 1 → RNN.
//!   `nn.RNN`'s nonlinearity is not in its weights: it is `tanh` (PyTorch's default) unless the
//!   file's `__metadata__` names a cell with the same number of blocks (`rnn_relu`,
//!   `rnn_linear`, `lstm_no_forget`, as our export writes it);
//! - `H` from `weight_hh_l0`, the input size from `weight_ih_l0`, the layers from the largest
//!   `_l{k}`, bidirectional from any `_reverse`; no biases at all is `bias=False` (zeros);
//!
//! and checks every tensor's presence, shape, dtype and values against them. Every message
//! names the tensor: `missing lstm.weight_hh_l1 …`, `lstm.weight_hh_l0: shape [96, 31] …`,
//! `lstm.bias_ih_l0[3]: NaN is not finite`. Limits are the spec's ([`MAX_SIZE`],
//! [`MAX_LAYERS`], [`MAX_PARAMS`]), and a file is at most [`MAX_FILE_BYTES`].
//! [`import_classifier`] reads the course's `LSTMClassifier` (any cell under `lstm.`).

use std::collections::BTreeMap;

use safetensors::{Dtype, SafeTensors};

use crate::cell::CellKind;
use crate::network::{Architecture, Network, PARAM_KINDS};
use crate::spec::classifier::{MAX_CLASSES, MAX_VOCAB};
use crate::spec::{MAX_LAYERS, MAX_PARAMS, MAX_SIZE};
use crate::train::classifier::LstmClassifier;
use crate::train::embedding::Embedding;
use crate::train::linear::Linear;
use crate::train::model::Model;
use crate::train::params::{ParamSet, Tensor};

/// The largest file read: [`MAX_PARAMS`] float64 values and 1 MiB of header.
pub const MAX_FILE_BYTES: usize = MAX_PARAMS as usize * 8 + (1 << 20);

/// The dtype tensors are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExportDtype {
    /// `torch.float32`, the course's model's dtype (half the size; values rounded).
    #[default]
    F32,
    /// `torch.float64`, exact.
    F64,
}

impl ExportDtype {
    /// `"f32"` or `"f64"`, as the wasm layer names them.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "f32" | "F32" | "float32" => Some(ExportDtype::F32),
            "f64" | "F64" | "float64" => Some(ExportDtype::F64),
            _ => None,
        }
    }
}

/// Every tensor of `params` under its `state_dict` name, in `dtype`, with `metadata` as the
/// file's `__metadata__`.
///
/// The header is written here rather than by `safetensors::serialize`, whose `__metadata__`
/// comes from a hash map (its key order changes from run to run) and which panics on a repeated
/// name: the header lists `__metadata__` (keys sorted) and then the tensors in `state_dict`
/// order, padded with spaces to a multiple of 8 bytes as the crate pads it. Tests read every
/// file back with the crate and with PyTorch.
///
/// # Errors
/// Two tensors with the same name.
pub fn export<P: ParamSet + ?Sized>(
    params: &P,
    dtype: ExportDtype,
    metadata: &[(String, String)],
) -> Result<Vec<u8>, String> {
    export_tensors(&params.tensors(), dtype, metadata)
}

/// As [`export`], for any named tensors (in the order given).
///
/// # Errors
/// Two tensors with the same name.
pub fn export_tensors(
    tensors: &[Tensor<&[f64]>],
    dtype: ExportDtype,
    metadata: &[(String, String)],
) -> Result<Vec<u8>, String> {
    let mut names: Vec<&str> = tensors.iter().map(|t| &t.name[..]).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("{}: two tensors with this name", w[0]));
    }
    let (tag, width) = match dtype {
        ExportDtype::F32 => ("F32", 4),
        ExportDtype::F64 => ("F64", 8),
    };
    let meta: BTreeMap<&str, &str> = metadata.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    let mut header = format!("{{\"__metadata__\":{}", json(&meta));
    let mut offset = 0;
    for t in tensors {
        let end = offset + t.values.len() * width;
        header.push_str(&format!(
            ",{}:{{\"dtype\":\"{tag}\",\"shape\":{},\"data_offsets\":[{offset},{end}]}}",
            json(&t.name),
            json(&t.shape)
        ));
        offset = end;
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut out = Vec::with_capacity(8 + header.len() + offset);
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header.bytes());
    for t in tensors {
        for &v in t.values {
            match dtype {
                ExportDtype::F32 => out.extend((v as f32).to_le_bytes()),
                ExportDtype::F64 => out.extend(v.to_le_bytes()),
            }
        }
    }
    Ok(out)
}

/// JSON text of a header's part (strings escaped as JSON escapes them).
fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `__metadata__` of a recurrent network: `format`, `producer`, `cell`, `input_size`,
/// `hidden_size`, `num_layers`, `bidirectional`.
pub fn network_metadata(arch: &Architecture) -> Vec<(String, String)> {
    let pairs = [
        ("format", "pt".to_string()),
        (
            "producer",
            format!("unrolled {}", env!("CARGO_PKG_VERSION")),
        ),
        ("cell", arch.cell.name().to_string()),
        ("input_size", arch.input_size.to_string()),
        ("hidden_size", arch.hidden_size.to_string()),
        ("num_layers", arch.num_layers.to_string()),
        ("bidirectional", arch.bidirectional.to_string()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A recurrent network's file (names `weight_ih_l0`, …, as `nn.LSTM(...).state_dict()`).
///
/// # Errors
/// As [`export`].
pub fn export_network(net: &Network, dtype: ExportDtype) -> Result<Vec<u8>, String> {
    export(net, dtype, &network_metadata(&net.arch))
}

/// A task model's file (`rnn.…`, `fc.weight`, `fc.bias`), metadata as the network's plus
/// `output_size`.
///
/// # Errors
/// As [`export`].
pub fn export_model(model: &Model, dtype: ExportDtype) -> Result<Vec<u8>, String> {
    let mut meta = network_metadata(&model.rnn.arch);
    meta.push(("output_size".into(), model.fc.out_features.to_string()));
    export(model, dtype, &meta)
}

/// The classifier's file (`embedding.weight`, `lstm.…`, `fc.…`), loadable with
/// `LSTMClassifier(...).load_state_dict(load_file(path))`; metadata as the network's plus the
/// module's arguments `vocab_size`, `embed_dim`, `hidden_dim`, `output_dim`, and with `classes`
/// the label names in logit order (logit `k` is `classes[k]`) as the JSON list `classes`.
///
/// # Errors
/// As [`export`]; `classes: N names for output_dim M` when the count is not the head's.
pub fn export_classifier(
    model: &LstmClassifier,
    dtype: ExportDtype,
    classes: Option<&[String]>,
) -> Result<Vec<u8>, String> {
    let arch = model.arch();
    let mut meta = network_metadata(&arch);
    for (k, v) in [
        ("vocab_size", model.embedding.num_embeddings),
        ("embed_dim", arch.input_size),
        ("hidden_dim", arch.hidden_size),
        ("output_dim", model.fc.out_features),
    ] {
        meta.push((k.into(), v.to_string()));
    }
    if let Some(names) = classes {
        if names.len() != model.fc.out_features {
            return Err(format!(
                "classes: {} names for output_dim {}",
                names.len(),
                model.fc.out_features
            ));
        }
        meta.push(("classes".into(), vocabulary_json(names)));
    }
    export(model, dtype, &meta)
}

/// A list of names, item `i` at index `i`, as JSON: the vocabulary (token `i`) saved beside the
/// model (`vocab.json`; `json.load` gives the list back), or the classes in logit order.
pub fn vocabulary_json(vocab: &[String]) -> String {
    serde_json::to_string(vocab).unwrap_or_else(|_| "[]".into())
}

/// One tensor as the file holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct RawTensor<'a> {
    /// Its name in the file.
    pub name: String,
    /// Its dtype.
    pub dtype: Dtype,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its bytes, little-endian.
    pub data: &'a [u8],
}

/// A parsed file: tensors by name (sorted) and the `__metadata__` strings.
#[derive(Clone, Debug, PartialEq)]
pub struct StateDict<'a> {
    /// Every tensor, sorted by name.
    pub tensors: Vec<RawTensor<'a>>,
    /// `__metadata__`, if any.
    pub metadata: BTreeMap<String, String>,
}

/// Parses safetensors bytes.
///
/// # Errors
/// `file: …` for bytes over [`MAX_FILE_BYTES`] or that are not a safetensors file.
pub fn read(bytes: &[u8]) -> Result<StateDict<'_>, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file: {} bytes, over the limit of {MAX_FILE_BYTES}",
            bytes.len()
        ));
    }
    let not = |e: safetensors::SafeTensorError| format!("file: not a safetensors file ({e})");
    let st = SafeTensors::deserialize(bytes).map_err(not)?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(not)?;
    let mut tensors: Vec<RawTensor> = st
        .tensors()
        .into_iter()
        .map(|(name, v)| RawTensor {
            name,
            dtype: v.dtype(),
            shape: v.shape().to_vec(),
            data: v.data(),
        })
        .collect();
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    let metadata = meta
        .metadata()
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(StateDict { tensors, metadata })
}

impl RawTensor<'_> {
    /// The values as `f64` (exact for every dtype read), checked finite.
    ///
    /// # Errors
    /// A dtype other than F64, F32, F16, BF16, or a value that is not finite; the message
    /// names the tensor (and the element).
    pub fn values(&self) -> Result<Vec<f64>, String> {
        let d = self.data;
        let v: Vec<f64> = match self.dtype {
            Dtype::F64 => d
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                .collect(),
            Dtype::F32 => d
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4])) as f64)
                .collect(),
            Dtype::F16 => halves(d).map(f16_to_f64).collect(),
            Dtype::BF16 => halves(d)
                .map(|h| f32::from_bits((h as u32) << 16) as f64)
                .collect(),
            other => {
                return Err(format!(
                    "{}: dtype {other:?}: expected F64, F32, F16 or BF16",
                    self.name
                ))
            }
        };
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            return Err(format!(
                "{}{}: {} is not finite",
                self.name,
                index_text(&self.shape, i),
                v[i]
            ));
        }
        Ok(v)
    }
}

fn halves(d: &[u8]) -> impl Iterator<Item = u16> + '_ {
    d.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
}

/// IEEE half precision to `f64` (exact).
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// `[r, c]` of flat index `i` in `shape` (row-major).
fn index_text(shape: &[usize], mut i: usize) -> String {
    let mut idx = vec![0; shape.len()];
    for (k, &n) in shape.iter().enumerate().rev() {
        idx[k] = i % n.max(1);
        i /= n.max(1);
    }
    format!("{idx:?}")
}

/// A recurrent tensor's place: `prefix` + `kind` + `_l{layer}` + `_reverse`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    prefix: String,
    kind: usize,
    layer: usize,
    direction: usize,
}

/// Reads `…weight_hh_l3_reverse` as a slot (prefix ends with `.` or is empty).
fn parse_slot(name: &str) -> Option<Slot> {
    let (prefix, base) = match name.rfind('.') {
        Some(p) => (&name[..=p], &name[p + 1..]),
        None => ("", name),
    };
    let kind = PARAM_KINDS
        .iter()
        .position(|k| base.starts_with(k) && base[k.len()..].starts_with("_l"))?;
    let rest = &base[PARAM_KINDS[kind].len() + 2..];
    let (num, direction) = match rest.strip_suffix("_reverse") {
        Some(n) => (n, 1),
        None => (rest, 0),
    };
    if num.is_empty() || num.len() > 6 || !num.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Slot {
        prefix: prefix.to_string(),
        kind,
        layer: num.parse().ok()?,
        direction,
    })
}

/// A recurrent network found in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The module prefix of its names (`""`, `"lstm."`, …).
    pub prefix: String,
    /// The network, ready to run.
    pub network: Network,
    /// False when the file has no biases (`bias=False`; the network's are zero).
    pub bias: bool,
    /// Where the cell came from: `"gates"` (the block count) or `"metadata"`.
    pub cell_from: &'static str,
    /// The distinct dtypes of its tensors (`"F32"`, …).
    pub dtypes: Vec<String>,
    /// The file's other tensors (not this module's), by name.
    pub other_tensors: Vec<String>,
    /// The file's `__metadata__`.
    pub metadata: BTreeMap<String, String>,
}

/// Recognises the recurrent module of a safetensors file and builds the network.
///
/// # Errors
/// Bytes that are not safetensors, no recurrent names, several prefixes, a missing tensor,
/// a wrong shape, an unsupported dtype, a value that is not finite, a size over the limits;
/// the message names the tensor.
pub fn import_network(bytes: &[u8]) -> Result<Imported, String> {
    recognise(&read(bytes)?, None)
}

/// As [`import_network`] on a parsed file; `prefix` (e.g. `Some("lstm.")`) picks the module
/// when the file holds several.
///
/// # Errors
/// As [`import_network`].
pub fn recognise(sd: &StateDict, prefix: Option<&str>) -> Result<Imported, String> {
    let prefix = match prefix {
        Some(p) => p.to_string(),
        None => single_prefix(sd)?,
    };
    if let Some(t) = sd.tensors.iter().find(|t| {
        t.name
            .strip_prefix(&prefix)
            .is_some_and(|b| b.starts_with("weight_hr_l"))
    }) {
        return Err(format!(
            "{}: LSTM projections (proj_size > 0) are not supported",
            t.name
        ));
    }
    let slots: BTreeMap<Slot, &RawTensor> = sd
        .tensors
        .iter()
        .filter_map(|t| parse_slot(&t.name).map(|s| (s, t)))
        .filter(|(s, _)| s.prefix == prefix)
        .collect();
    if slots.is_empty() {
        return Err(format!("file: no recurrent weights under \"{prefix}\""));
    }
    let arch = infer_arch(&prefix, &slots, &sd.metadata)?;
    let bias = slots.keys().any(|s| s.kind >= 2);
    check_names(&prefix, &slots, &arch, bias)?;
    let network = fill(&slots, arch)?;
    let mut dtypes: Vec<String> = slots.values().map(|t| format!("{:?}", t.dtype)).collect();
    dtypes.sort();
    dtypes.dedup();
    let other_tensors = sd
        .tensors
        .iter()
        .filter(|t| !slots.values().any(|s| s.name == t.name))
        .map(|t| t.name.clone())
        .collect();
    let cell_from = if sd.metadata.get("cell").map(String::as_str) == Some(arch.cell.name()) {
        "metadata"
    } else {
        "gates"
    };
    Ok(Imported {
        prefix,
        network,
        bias,
        cell_from,
        dtypes,
        other_tensors,
        metadata: sd.metadata.clone(),
    })
}

/// The one prefix the recurrent names share.
fn single_prefix(sd: &StateDict) -> Result<String, String> {
    let mut prefixes: Vec<String> = sd
        .tensors
        .iter()
        .filter_map(|t| parse_slot(&t.name))
        .map(|s| s.prefix)
        .collect();
    prefixes.sort();
    prefixes.dedup();
    match prefixes.len() {
        1 => Ok(prefixes.remove(0)),
        0 => {
            let names: Vec<&str> = sd.tensors.iter().take(5).map(|t| &t.name[..]).collect();
            Err(format!(
                "file: no recurrent weights (names such as weight_ih_l0 or lstm.weight_ih_l0); found {}",
                if names.is_empty() { "no tensors".into() } else { names.join(", ") }
            ))
        }
        _ => Err(format!(
            "file: recurrent weights under several prefixes ({}): keep one module's",
            prefixes
                .iter()
                .map(|p| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn tensor<'a>(slots: &BTreeMap<Slot, &'a RawTensor<'a>>, s: &Slot) -> Option<&'a RawTensor<'a>> {
    slots.get(s).copied()
}

fn slot(prefix: &str, kind: usize, layer: usize, direction: usize) -> Slot {
    Slot {
        prefix: prefix.to_string(),
        kind,
        layer,
        direction,
    }
}

fn name_of(s: &Slot) -> String {
    let sfx = Architecture::suffix(s.layer, s.direction);
    format!("{}{}_{sfx}", s.prefix, PARAM_KINDS[s.kind])
}

/// Cell, sizes, layers and directions from the names and `weight_hh_l0` / `weight_ih_l0`.
fn infer_arch(
    prefix: &str,
    slots: &BTreeMap<Slot, &RawTensor>,
    metadata: &BTreeMap<String, String>,
) -> Result<Architecture, String> {
    let deepest = slots.keys().max_by_key(|s| s.layer).map_or(0, |s| s.layer);
    if deepest >= MAX_LAYERS {
        let s = slots.keys().find(|s| s.layer == deepest).cloned();
        return Err(format!(
            "{}: layer {deepest}: expected at most {MAX_LAYERS} layers",
            s.map(|s| name_of(&s)).unwrap_or_default()
        ));
    }
    let bidirectional = slots.keys().any(|s| s.direction == 1);
    let hh = slot(prefix, 1, 0, 0);
    let w_hh = tensor(slots, &hh).ok_or_else(|| missing(&hh, "the hidden size"))?;
    let (rows, hidden) = match w_hh.shape[..] {
        [r, h] if h > 0 && r % h == 0 && [1, 3, 4].contains(&(r / h)) => (r, h),
        _ => {
            return Err(format!(
            "{}: shape {:?}: expected [G·H, H] with G = 4 (LSTM), 3 (GRU) or 1 (RNN) gate blocks",
            w_hh.name, w_hh.shape
        ))
        }
    };
    if hidden > MAX_SIZE {
        return Err(format!(
            "{}: hidden size {hidden}: expected at most {MAX_SIZE}",
            w_hh.name
        ));
    }
    let cell = cell_of(rows / hidden, metadata, &w_hh.name)?;
    let ih = slot(prefix, 0, 0, 0);
    let w_ih = tensor(slots, &ih).ok_or_else(|| missing(&ih, "the input size"))?;
    let input = match w_ih.shape[..] {
        [r, i] if r == rows && (1..=MAX_SIZE).contains(&i) => i,
        _ => {
            return Err(format!(
            "{}: shape {:?}: expected [{}, I] with I in 1..={MAX_SIZE} ({}, H = {hidden} from {})",
            w_ih.name,
            w_ih.shape,
            rows,
            cell.name(),
            w_hh.name
        ))
        }
    };
    let arch = Architecture {
        cell,
        input_size: input,
        hidden_size: hidden,
        num_layers: deepest + 1,
        bidirectional,
    };
    let count: u128 = arch
        .param_shapes()
        .iter()
        .map(|(_, s)| s.iter().product::<usize>() as u128)
        .sum();
    if count > MAX_PARAMS {
        return Err(format!(
            "{prefix}*: {count} parameters, over the limit of {MAX_PARAMS}"
        ));
    }
    Ok(arch)
}

fn missing(s: &Slot, what: &str) -> String {
    format!("missing {} (it gives {what})", name_of(s))
}

/// The cell: by block count, refined by `__metadata__.cell` when that names a cell with the
/// same count.
fn cell_of(
    gates: usize,
    metadata: &BTreeMap<String, String>,
    w_hh: &str,
) -> Result<CellKind, String> {
    let by_gates = match gates {
        4 => CellKind::Lstm,
        3 => CellKind::Gru,
        _ => CellKind::RnnTanh,
    };
    let Some(named) = metadata.get("cell") else {
        return Ok(by_gates);
    };
    match CellKind::from_name(named) {
        Some(c) if c.gates() == gates => Ok(c),
        Some(c) => Err(format!(
            "__metadata__.cell: \"{named}\" has {} gate blocks, but {w_hh} has {gates}",
            c.gates()
        )),
        None => Ok(by_gates),
    }
}

/// Every tensor the architecture needs is there (biases only when `bias`), and nothing more.
fn check_names(
    prefix: &str,
    slots: &BTreeMap<Slot, &RawTensor>,
    arch: &Architecture,
    bias: bool,
) -> Result<(), String> {
    let kinds = if bias { 4 } else { 2 };
    for l in 0..arch.num_layers {
        for d in 0..arch.directions() {
            for k in 0..kinds {
                let s = slot(prefix, k, l, d);
                if !slots.contains_key(&s) {
                    return Err(format!(
                        "missing {}: a {}-layer {}{} {} has it",
                        name_of(&s),
                        arch.num_layers,
                        if arch.bidirectional {
                            "bidirectional "
                        } else {
                            ""
                        },
                        arch.cell.name(),
                        if bias {
                            "with biases"
                        } else {
                            "without biases"
                        }
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The network with every tensor checked against its expected shape and read.
fn fill(slots: &BTreeMap<Slot, &RawTensor>, arch: Architecture) -> Result<Network, String> {
    let mut net = Network::zeros(arch);
    let shapes: BTreeMap<String, Vec<usize>> = arch.param_shapes().into_iter().collect();
    for (s, t) in slots {
        let key = name_of(&Slot {
            prefix: String::new(),
            ..s.clone()
        });
        let want = &shapes[&key];
        if &t.shape != want {
            return Err(format!(
                "{}: shape {:?}, expected {} = {want:?} ({}, H = {}{})",
                t.name,
                t.shape,
                symbolic(s, &arch),
                arch.cell.name(),
                arch.hidden_size,
                if s.kind == 0 && s.layer == 0 {
                    format!(", I = {}", arch.input_size)
                } else {
                    String::new()
                }
            ));
        }
        let values = t.values()?;
        if let Some(p) = net.param_mut(&key) {
            *p = values;
        }
    }
    Ok(net)
}

/// A tensor's shape in letters: `[4H, H]`, `[3H, 2H]`, `[H]`, …
fn symbolic(s: &Slot, arch: &Architecture) -> String {
    let g = arch.cell.gates();
    let gh = if g == 1 {
        "H".to_string()
    } else {
        format!("{g}H")
    };
    match s.kind {
        0 if s.layer == 0 => format!("[{gh}, I]"),
        0 if arch.bidirectional => format!("[{gh}, 2H]"),
        0 | 1 => format!("[{gh}, H]"),
        _ => format!("[{gh}]"),
    }
}

/// The course's `LSTMClassifier` from a file: `embedding.weight` `[V, E]`, the recurrent
/// module under `lstm.` (any cell) with input size `E`, `fc.weight` `[C, D·H]`, `fc.bias`
/// `[C]`.
///
/// # Errors
/// As [`import_network`], plus the classifier's tensors missing or misshapen, or `V`, `C`
/// over the spec's limits; the message names the tensor.
pub fn import_classifier(bytes: &[u8]) -> Result<LstmClassifier, String> {
    let sd = read(bytes)?;
    let net = recognise(&sd, Some("lstm."))?.network;
    let arch = net.arch;
    let get = |name: &str| {
        sd.tensors
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| format!("missing {name}: the classifier has it"))
    };
    let emb = get("embedding.weight")?;
    let vocab = match emb.shape[..] {
        [v, e] if e == arch.input_size && (1..=MAX_VOCAB).contains(&v) => v,
        _ => {
            return Err(format!(
                "embedding.weight: shape {:?}, expected [V, {}] with V in 1..={MAX_VOCAB} (E from lstm.weight_ih_l0)",
                emb.shape, arch.input_size
            ))
        }
    };
    let features = arch.directions() * arch.hidden_size;
    let fc_w = get("fc.weight")?;
    let classes = match fc_w.shape[..] {
        [c, f] if f == features && (1..=MAX_CLASSES).contains(&c) => c,
        _ => {
            return Err(format!(
                "fc.weight: shape {:?}, expected [C, {features}] (D·H) with C in 1..={MAX_CLASSES}",
                fc_w.shape
            ))
        }
    };
    let fc_b = get("fc.bias")?;
    if fc_b.shape != [classes] {
        return Err(format!(
            "fc.bias: shape {:?}, expected [{classes}] (C from fc.weight)",
            fc_b.shape
        ));
    }
    Ok(LstmClassifier {
        embedding: Embedding {
            weight: emb.values()?,
            ..Embedding::zeros(vocab, arch.input_size)
        },
        lstm: net,
        fc: Linear {
            weight: fc_w.values()?,
            bias: fc_b.values()?,
            ..Linear::zeros(features, classes)
        },
    })
}

/// What the page shows of an imported network (plain data).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Description {
    /// The module prefix (`""`, `"lstm."`).
    pub prefix: String,
    /// The cell's name (`lstm`, `gru`, `rnn_tanh`, …).
    pub cell: &'static str,
    /// Where the cell came from: `"gates"` or `"metadata"`.
    pub cell_from: &'static str,
    /// I
    pub input_size: usize,
    /// H
    pub hidden_size: usize,
    /// L
    pub num_layers: usize,
    /// D = 2
    pub bidirectional: bool,
    /// False for `bias=False`.
    pub bias: bool,
    /// The recurrent tensors' dtypes.
    pub dtypes: Vec<String>,
    /// The file's other tensors.
    pub other_tensors: Vec<String>,
    /// `__metadata__`.
    pub metadata: BTreeMap<String, String>,
}

impl Imported {
    /// The description the page shows.
    pub fn description(&self) -> Description {
        let a = self.network.arch;
        Description {
            prefix: self.prefix.clone(),
            cell: a.cell.name(),
            cell_from: self.cell_from,
            input_size: a.input_size,
            hidden_size: a.hidden_size,
            num_layers: a.num_layers,
            bidirectional: a.bidirectional,
            bias: self.bias,
            dtypes: self.dtypes.clone(),
            other_tensors: self.other_tensors.clone(),
            metadata: self.metadata.clone(),
        }
    }
}
