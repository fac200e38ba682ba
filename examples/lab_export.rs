//! Writes the lab's PyTorch downloads for the scenes of
//! `tests/fixtures/safetensors/lab/roundtrip/scenes.json` (the model file and the run file of one
//! cell each, from the code the page's download buttons call), for PyTorch to read back:
//!
//! ```text
//! cargo run --example lab_export     # then tests/fixtures/safetensors/lab/generate.py
//! ```

use base64::Engine;
use unrolled::io::safetensors::ExportDtype;
use unrolled::lab::{self, ImportedConfig, SceneConfig};

fn main() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/safetensors/lab"
    );
    let scenes: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(format!("{dir}/roundtrip/scenes.json")).unwrap())
            .unwrap();
    for s in &scenes {
        let mut config: SceneConfig = serde_json::from_value(s["config"].clone()).unwrap();
        if let Some(file) = s["import"].as_str() {
            let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
            config.imported = Some(ImportedConfig {
                safetensors: base64::engine::general_purpose::STANDARD.encode(bytes),
                run: s["run"].as_u64().unwrap() as usize,
                block: None,
            });
        }
        let result = lab::compute(&config.to_scene().unwrap()).unwrap();
        let cell = &result.cells[s["cell"].as_u64().unwrap() as usize];
        let name = s["name"].as_str().unwrap();
        for (kind, bytes) in [
            ("model", cell.model_safetensors(ExportDtype::F64).unwrap()),
            ("run", cell.run_safetensors().unwrap()),
        ] {
            let path = format!("{dir}/roundtrip/{name}-{kind}.safetensors");
            std::fs::write(&path, &bytes).unwrap();
            println!("{path}: {} bytes", bytes.len());
        }
    }
}
