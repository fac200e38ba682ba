//! The classifier view's shell: the shipped sentiment vocabulary, a typed sentence encoded with
//! it (unknown words marked), and [`Trainer::explain_sentence`], one sentence through the model
//! being trained (`crate::train::explain` computes). Converts only.

use crate::train::explain::explain;
use crate::train::sentiment::{corpus, CLASSES};
use crate::train::text::tokenize;
use crate::train::trainer::Learner;
use wasm_bindgen::prelude::*;

use super::{js_err, plain, Trainer};

/// The sentiment corpus's vocabulary, tokens by id (`<pad>`, `<unk>`, then by frequency).
#[wasm_bindgen]
pub fn sentiment_vocabulary() -> Vec<String> {
    corpus().vocab.tokens().to_vec()
}

/// The sentiment task's class names by id (`negative`, `positive`).
#[wasm_bindgen]
pub fn sentiment_classes() -> Vec<String> {
    CLASSES.iter().map(|c| c.to_string()).collect()
}

/// What [`encode_sentence`] returns.
#[derive(serde::Serialize)]
struct Encoded {
    tokens: Vec<String>,
    ids: Vec<usize>,
    unknown: Vec<bool>,
}

/// `text` as the classifier reads it with the sentiment vocabulary: `{tokens, ids, unknown}`
/// (the tokeniser's tokens as typed, lower-cased; their ids; true where the vocabulary does not
/// hold the token and the model reads `<unk>`).
///
/// # Errors
/// Only when the object cannot be built.
#[wasm_bindgen]
pub fn encode_sentence(text: &str) -> Result<JsValue, JsError> {
    let c = corpus();
    let tokens = tokenize(text);
    let ids = tokens.iter().map(|t| c.vocab.id(t)).collect();
    let unknown = tokens.iter().map(|t| !c.vocab.contains(t)).collect();
    plain(&Encoded {
        tokens,
        ids,
        unknown,
    })
}

#[wasm_bindgen]
impl Trainer {
    /// One sentence (`ids`, token ids) through the classifier being trained, in eval mode:
    /// `{logits, probabilities, prediction, margin, series, runs: [{layer, direction, states:
    /// {i, f, g, o, c, h: [T][H]}, grad_h_norm: [T]}], saliency: [T], grad_embedding_norm: [T]}`
    /// (`crate::train::explain`: gradients are of the predicted class's log-odds `margin`).
    ///
    /// # Errors
    /// When the model is not the classifier (`model`), or the ids do not fit (`ids[k]`).
    pub fn explain_sentence(&self, ids: Vec<u32>) -> Result<JsValue, JsError> {
        let Learner::Classifier(model) = self.core().model() else {
            return Err(js_err("model: expected the classifier"));
        };
        let ids: Vec<usize> = ids.into_iter().map(|v| v as usize).collect();
        let x = explain(model, &ids).map_err(js_err)?;
        // `states` is a map: a plain object, not a JS `Map`.
        let ser = serde_wasm_bindgen::Serializer::new()
            .serialize_missing_as_null(true)
            .serialize_maps_as_objects(true);
        serde::Serialize::serialize(&x, &ser).map_err(js_err)
    }
}

/// A `[T][H]` series of cell `cell`'s `name` (a gate block or a state, step-major, flattened)
/// as an RGBA image of `H` rows (units) × `T` columns (words), coloured as the lab's heatmaps
/// (the cell table's scale for `name`): `{rgba, kind: "sequential" | "diverging", limit}`.
///
/// # Errors
/// An unknown cell (`cell`), or `values` not `steps × hidden` long (`values`).
#[wasm_bindgen]
pub fn heat_rgba(
    values: Vec<f64>,
    steps: usize,
    hidden: usize,
    cell: &str,
    name: &str,
) -> Result<JsValue, JsError> {
    use crate::chart::colormap::Scale;
    let kind = crate::cell::CellKind::from_name(cell)
        .ok_or_else(|| js_err(format!("cell: unknown cell \"{cell}\"")))?;
    if values.len() != steps * hidden {
        return Err(js_err(format!(
            "values: expected {steps} × {hidden} numbers, got {}",
            values.len()
        )));
    }
    let units = crate::chart::heatmap::transpose(&values, steps, hidden);
    let scale = crate::chart::registry::scale(kind, name, &units);
    let rgba = crate::chart::heatmap::rgba(&units, hidden, steps, scale);
    let (kind, limit) = match scale {
        Scale::Diverging { limit } => ("diverging", limit),
        Scale::Sequential { hi, .. } => ("sequential", hi),
    };
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v);
    };
    set("rgba", js_sys::Uint8ClampedArray::from(&rgba[..]).into());
    set("kind", kind.into());
    set("limit", limit.into());
    Ok(o.into())
}
