//! The classifier view's shell: the shipped sentiment vocabulary, a typed sentence encoded with
//! a vocabulary (unknown words marked), a file of the learner's own labelled texts read and split
//! exactly as a training spec's `data.tsv` is ([`inspect_labelled`]), and the trainer's answers
//! about its model: [`Trainer::explain_sentence`], one sentence through it
//! (`crate::train::explain` computes), and its predictions on the test set. Converts only.

use crate::train::corpus::Corpus;
use crate::train::explain::explain;
use crate::train::import::parse_labelled_bytes;
use crate::train::sentiment::{corpus, CLASSES};
use crate::train::text::{tokenize, Vocabulary};
use crate::train::trainer::{Learner, Problem};
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
    encode_with(&corpus().vocab, text)
}

/// A vocabulary held in Rust (tokens by id, as its JSON form lists them), to encode typed
/// sentences as a model trained with it reads them.
#[wasm_bindgen]
pub struct TextVocabulary {
    vocab: Vocabulary,
}

#[wasm_bindgen]
impl TextVocabulary {
    /// The vocabulary of `tokens` (`["<pad>", "<unk>", …]`).
    ///
    /// # Errors
    /// A list that does not start with the specials, repeats or holds an empty token.
    #[wasm_bindgen(constructor)]
    pub fn new(tokens: Vec<String>) -> Result<TextVocabulary, JsError> {
        let vocab =
            Vocabulary::from_tokens(tokens).map_err(|m| js_err(format!("vocabulary: {m}")))?;
        Ok(TextVocabulary { vocab })
    }

    /// `text` as the classifier reads it: `{tokens, ids, unknown}` as [`encode_sentence`].
    ///
    /// # Errors
    /// Only when the object cannot be built.
    pub fn encode(&self, text: &str) -> Result<JsValue, JsError> {
        encode_with(&self.vocab, text)
    }

    /// The tokens by id.
    pub fn tokens(&self) -> Vec<String> {
        self.vocab.tokens().to_vec()
    }
}

fn encode_with(vocab: &Vocabulary, text: &str) -> Result<JsValue, JsError> {
    let tokens = tokenize(text);
    let ids = tokens.iter().map(|t| vocab.id(t)).collect();
    let unknown = tokens.iter().map(|t| !vocab.contains(t)).collect();
    plain(&Encoded {
        tokens,
        ids,
        unknown,
    })
}

/// What [`inspect_labelled`] returns.
#[derive(serde::Serialize)]
struct LabelledView {
    examples: usize,
    classes: Vec<String>,
    /// Examples per class, by id.
    class_counts: Vec<usize>,
    train: usize,
    test: usize,
    /// Test examples per class, by id.
    test_counts: Vec<usize>,
    /// The training part's vocabulary, tokens by id (what the model is trained with).
    vocabulary: Vec<String>,
    /// The longest text, in tokens.
    longest: usize,
}

/// A file of labelled texts (`text<TAB>label` or CSV `text,label`, as bytes) read, split and
/// tokenised exactly as a training spec's `data: {tsv, test_fraction, split_seed, min_count}`
/// (`crate::train::import`, `crate::train::corpus`): `{examples, classes, class_counts, train,
/// test, test_counts, vocabulary, longest}`.
///
/// # Errors
/// The core's import error naming the line (`line 7: expected text<TAB>label, got 1 field`), or
/// a field out of its range (`data.test_fraction: …`).
#[wasm_bindgen]
pub fn inspect_labelled(
    bytes: &[u8],
    test_fraction: f64,
    split_seed: f64,
    min_count: usize,
) -> Result<JsValue, JsError> {
    use crate::spec::train::{MIN_COUNT, TEST_FRACTION};
    if !TEST_FRACTION.contains(&test_fraction) {
        let (lo, hi) = (TEST_FRACTION.start(), TEST_FRACTION.end());
        return Err(js_err(format!(
            "data.test_fraction: expected a number in {lo}..={hi}, got {test_fraction}"
        )));
    }
    if !MIN_COUNT.contains(&min_count) {
        return Err(js_err("data.min_count: out of range"));
    }
    if !(split_seed >= 0.0 && split_seed.fract() == 0.0 && split_seed < 2f64.powi(53)) {
        return Err(js_err(format!(
            "data.split_seed: expected an integer ≥ 0, got {split_seed}"
        )));
    }
    let labelled = parse_labelled_bytes(bytes).map_err(js_err)?;
    let c = Corpus::from_labelled(&labelled, test_fraction, split_seed as u64, min_count);
    c.check().map_err(js_err)?;
    let counts = |labels: &[usize]| {
        let mut n = vec![0; c.classes.len()];
        for &y in labels {
            n[y] += 1;
        }
        n
    };
    plain(&LabelledView {
        examples: labelled.texts.len(),
        class_counts: counts(&labelled.labels),
        train: c.train.len(),
        test: c.test.len(),
        test_counts: counts(&c.test.labels),
        vocabulary: c.vocab.tokens().to_vec(),
        longest: c.train.longest().max(c.test.longest()),
        classes: c.classes,
    })
}

/// What [`Trainer::test_set`] returns.
#[derive(serde::Serialize)]
struct TestSet<'a> {
    texts: &'a [String],
    labels: &'a [usize],
    long_range: &'a [bool],
    classes: &'a [String],
}

#[wasm_bindgen]
impl Trainer {
    /// The held-out sentences the run scores: `{texts, labels, long_range, classes}`
    /// (`long_range` empty when the data does not mark them).
    ///
    /// # Errors
    /// When the run does not train on a corpus (`data`).
    pub fn test_set(&self) -> Result<JsValue, JsError> {
        let Problem::Corpus(c) = &self.core().config().problem else {
            return Err(js_err("data: expected the sentiment task or data.tsv"));
        };
        plain(&TestSet {
            texts: &c.test.texts,
            labels: &c.test.labels,
            long_range: &c.test.long_range,
            classes: &c.classes,
        })
    }

    /// The class the model predicts now for each held-out sentence, in [`Trainer::test_set`]'s
    /// order (evaluation mode).
    ///
    /// # Errors
    /// When the run does not train on a corpus (`data`).
    pub fn test_predictions(&self) -> Result<Vec<u32>, JsError> {
        let p = self
            .core()
            .test_predictions()
            .ok_or_else(|| js_err("data: expected the sentiment task or data.tsv"))?;
        Ok(p.into_iter().map(|k| k as u32).collect())
    }

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
