//! The packing panel's layout and the `.safetensors` downloads and uploads: converts only
//! (`crate::packing`, `crate::io::safetensors` compute).

use crate::io::safetensors::{self as st, ExportDtype};
use crate::packing::{PackedLayout, RunGrid};
use crate::train::classifier::TokenBatch;
use crate::train::trainer::Learner;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use super::{js_err, plain, plain_object, Lab, Trainer};

/// What [`packed_layout`] returns.
#[derive(serde::Serialize)]
struct LayoutView {
    layout: PackedLayout,
    /// `B × T`, the row of `data` of each cell (null past the length).
    data_index: Vec<Option<usize>>,
    /// Which cells run: packed, and padded (every position).
    runs: Runs,
}

#[derive(serde::Serialize)]
struct Runs {
    packed: RunGrid,
    padded: RunGrid,
}

/// `pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)`'s layout of
/// `lengths` padded to `steps` (absent: the longest): `{layout: {lengths, steps, batch_sizes,
/// sorted_indices, unsorted_indices}, data_index, runs: {packed, padded}}`, each run grid
/// `{packed, forward, reverse}` with `B × T` entries: the step of the sequence's own run at
/// which the position is read, or null.
///
/// # Errors
/// A JS `Error` naming the field (`lengths[2]: expected an integer in 1..=5, got 0`).
#[wasm_bindgen]
pub fn packed_layout(lengths: Vec<u32>, steps: Option<u32>) -> Result<JsValue, JsError> {
    let lengths: Vec<usize> = lengths.into_iter().map(|n| n as usize).collect();
    let layout = PackedLayout::new(&lengths, steps.map(|s| s as usize)).map_err(js_err)?;
    let view = LayoutView {
        data_index: layout.data_index(),
        runs: Runs {
            packed: layout.runs(true),
            padded: layout.runs(false),
        },
        layout,
    };
    plain(&view)
}

fn dtype(name: &str) -> Result<ExportDtype, JsError> {
    ExportDtype::from_name(name).ok_or_else(|| {
        js_err(format!(
            "dtype: expected \"f32\" or \"f64\", got \"{name}\""
        ))
    })
}

fn bytes(r: Result<Vec<u8>, String>) -> Result<Uint8Array, JsError> {
    r.map(|b| Uint8Array::from(&b[..])).map_err(js_err)
}

/// What [`import_safetensors`] returns: the description and the parameters.
#[derive(serde::Serialize)]
struct ImportView {
    #[serde(flatten)]
    description: st::Description,
    /// The network's parameters keyed by name without the prefix, as a spec's `params`.
    params: serde_json::Value,
}

/// Reads a `.safetensors` file holding an `nn.RNN` / `nn.LSTM` / `nn.GRU` state_dict (any
/// prefix) as the lab opens it (`lab::imported::open`: also H at most 256): `{prefix, cell,
/// cell_from, input_size, hidden_size, num_layers, bidirectional, bias, dtypes, other_tensors,
/// metadata, params}`.
///
/// # Errors
/// A JS `Error` naming the tensor (`missing lstm.weight_hh_l1 …`, `file: not a safetensors
/// file …`).
#[wasm_bindgen]
pub fn import_safetensors(bytes: &[u8]) -> Result<JsValue, JsError> {
    let imp = crate::lab::imported::open(bytes).map_err(js_err)?;
    let mut text = String::new();
    crate::train::trainer::record::write_params(&mut text, &imp.network);
    let view = ImportView {
        description: imp.description(),
        params: serde_json::from_str(&text).map_err(js_err)?,
    };
    plain_object(&view)
}

/// A vocabulary (tokens by id) as the JSON list saved beside the classifier.
#[wasm_bindgen]
pub fn vocabulary_json(tokens: Vec<String>) -> String {
    st::vocabulary_json(&tokens)
}

#[wasm_bindgen]
impl Lab {
    /// Cell `i`'s network as a `.safetensors` state_dict (`weight_ih_l0`, …); `dtype` `"f32"`
    /// (the course's) or `"f64"` (exact).
    pub fn safetensors(&self, i: usize, dtype_name: &str) -> Result<Uint8Array, JsError> {
        let dtype = dtype(dtype_name)?;
        bytes(self.cell(i)?.model_safetensors(dtype))
    }

    /// Cell `i`'s run as a second `.safetensors` file, F64: `input` `[T, 1, I]`,
    /// `grad_output` and `output` `[T, 1, D·H]`, `grad_h_norm` `[L·D, T]` (`lab::export`).
    pub fn run_safetensors(&self, i: usize) -> Result<Uint8Array, JsError> {
        bytes(self.cell(i)?.run_safetensors())
    }

    /// In a scene of an imported network, the file's description, the run and block shown and
    /// every run's name: `{prefix, cell, …, other_tensors, run, block, runs: [{layer,
    /// direction, label}]}`; else `null`.
    pub fn imported_view(&self) -> Result<JsValue, JsError> {
        self.result
            .imported
            .as_ref()
            .map_or(Ok(JsValue::NULL), plain_object)
    }
}

#[wasm_bindgen]
impl Trainer {
    /// The model being trained as a `.safetensors` state_dict: a task model (`rnn.…`,
    /// `fc.…`) or the classifier (`embedding.weight`, `lstm.…`, `fc.…`; `classes`, the label
    /// names in logit order, go into its metadata when given, non-empty).
    pub fn safetensors(
        &self,
        dtype_name: &str,
        classes: Option<Vec<String>>,
    ) -> Result<Uint8Array, JsError> {
        let dtype = dtype(dtype_name)?;
        let classes = classes.filter(|c| !c.is_empty());
        bytes(match self.core().model() {
            Learner::Sequence(m) => st::export_model(m, dtype),
            Learner::Classifier(c) => st::export_classifier(c, dtype, classes.as_deref()),
        })
    }

    /// The classifier run on a batch (`ids`: `B × steps` token ids, row-major) packed and
    /// padded: `{layout, num_layers, directions, hidden_size, packed, padded}`, each run
    /// `{packed, h_n, c_n, features, logits, predictions}` (`h_n`: `L·D × B × H`).
    ///
    /// # Errors
    /// When the model is not the classifier, or ids / lengths do not fit (naming the field).
    pub fn classifier_packing(
        &self,
        ids: Vec<u32>,
        steps: u32,
        lengths: Vec<u32>,
    ) -> Result<JsValue, JsError> {
        let Learner::Classifier(model) = self.core().model() else {
            return Err(js_err("model: expected the classifier"));
        };
        let steps = steps as usize;
        if steps == 0 || ids.len() != lengths.len() * steps {
            return Err(js_err("text: expected lengths.len() × steps ids"));
        }
        let tokens = TokenBatch {
            ids: ids.into_iter().map(|v| v as usize).collect(),
            batch: lengths.len(),
            steps,
            lengths: lengths.into_iter().map(|v| v as usize).collect(),
        };
        plain(&crate::packing::classifier_packing(model, &tokens).map_err(js_err)?)
    }
}
