//! Writes the files of `tests/fixtures/safetensors/` that our exporter makes and PyTorch then
//! loads (`tests/fixtures/safetensors/generate.py` reads them):
//!
//! ```text
//! cargo run --example safetensors_export     # then run generate.py
//! ```
//!
//! The model is the course's `LSTMClassifier(10, 4, 3, 3)`
//! (2 layers, bidirectional) drawn with seed 31, written in F32 and F64, with its vocabulary.

use unrolled::cell::CellKind;
use unrolled::init::InitConfig;
use unrolled::io::safetensors::{export_classifier, vocabulary_json, ExportDtype};
use unrolled::network::Architecture;
use unrolled::rng::Rng;
use unrolled::train::classifier::LstmClassifier;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/safetensors");
    let model = classifier();
    for (dtype, name) in [(ExportDtype::F32, "f32"), (ExportDtype::F64, "f64")] {
        // No `classes`: the committed files predate that metadata, and tests/safetensors.rs
        // checks they are still written byte for byte.
        let bytes = export_classifier(&model, dtype, None).unwrap();
        let path = format!("{dir}/unrolled_classifier_{name}.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        println!("{path}: {} bytes", bytes.len());
    }
    let vocab: Vec<String> = [
        "<pad>", "<unk>", "the", "cat", "sat", "on", "mat", "a", "dog", "ran",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    std::fs::write(
        format!("{dir}/unrolled_vocab.json"),
        vocabulary_json(&vocab),
    )
    .unwrap();
}

/// The course's classifier, `LSTMClassifier(10, 4, 3, 3)`, drawn with seed 31 (the same as
/// `tests/safetensors.rs` draws it).
fn classifier() -> LstmClassifier {
    let arch = Architecture {
        cell: CellKind::Lstm,
        input_size: 4,
        hidden_size: 3,
        num_layers: 2,
        bidirectional: true,
    };
    let init = InitConfig {
        seed: 31,
        ..Default::default()
    };
    LstmClassifier::init(arch, 10, 3, &init, &mut Rng::new(32), &mut Rng::new(33)).unwrap()
}
