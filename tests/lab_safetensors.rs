//! The lab's PyTorch models in and out (`unrolled::lab::imported`, `lab::export`); no torch needed.
//!
//! Fixtures: `tests/fixtures/safetensors/lab/generate.py` (torch) saved `nn.RNN` (tanh; relu
//! stacked), `nn.LSTM` (stacked; the course's classifier's names under `lstm.`, 2 layers,
//! bidirectional) and `nn.GRU` (bidirectional, F64) state_dicts with `save_file`, and computed
//! in float64 from the same weights the spectral radius of every block of every `W_hh` and, on
//! the lab's input and loss, `‖∂L/∂h_t‖` of every layer and direction with
//! `pytorch_lab.grad_h_norms` (`expected.json`). The other way, `cargo run --example lab_export`
//! wrote the lab's two downloads for the scenes of `roundtrip/scenes.json`, and torch rebuilt
//! the module from them with the code docs/safetensors.md shows and recomputed the output and
//! the gradient norms (`roundtrip/pytorch.json`). Running torch again is the e2e test's part
//! (`e2e/tests/pytorch.test.mjs`, when the venv is there).

use base64::Engine;
use serde_json::Value;
use unrolled::io::safetensors::ExportDtype;
use unrolled::lab::{self, ImportedConfig, SceneConfig, SceneResult};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/safetensors/lab"
);

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_slice(&read(path)).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The lab's scene of `file` with `config`'s length, input and loss, showing `run` and `block`.
fn scene(file: &str, mut config: SceneConfig, run: usize, block: Option<usize>) -> SceneResult {
    config.imported = Some(ImportedConfig {
        safetensors: b64(&read(file)),
        run,
        block,
    });
    lab::compute(&config.to_scene().unwrap()).unwrap()
}

fn settings(s: &Value) -> SceneConfig {
    SceneConfig {
        steps: s["T"].as_u64().unwrap() as usize,
        input: s["input"].as_str().unwrap().into(),
        custom_input: s["custom"].as_array().map_or_else(Vec::new, |v| {
            v.iter().map(|x| x.as_f64().unwrap()).collect()
        }),
        loss: s["loss"].as_str().unwrap().into(),
        analysis: false,
        ..Default::default()
    }
}

fn close(got: &[f64], want: &[Value], what: &str) {
    let want: Vec<f64> = want.iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (t, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs() + 1e-14 * scale,
            "{what}[{t}]: lab {g}, PyTorch {w}"
        );
    }
}

/// Every block of every run's `W_hh`: the spectral radius the page shows is PyTorch's
/// (`torch.linalg.eigvals(block).abs().max()`); and on both lab settings every run's
/// `‖∂L/∂h_t‖` is PyTorch's (`pytorch_lab.grad_h_norms`), to 1e-9 relative.
#[test]
fn pytorch_saved_files_show_pytorchs_spectral_radii_and_gradient_norms() {
    let fx = json("expected.json");
    for (name, case) in fx["cases"].as_object().unwrap() {
        let file = format!("{name}.safetensors");
        for (r, blocks) in case["rho"].as_array().unwrap().iter().enumerate() {
            for (k, rho) in blocks.as_array().unwrap().iter().enumerate() {
                let res = scene(&file, SceneConfig::default(), r, Some(k));
                let want = rho.as_f64().unwrap();
                assert!(
                    (res.spectral_radius - want).abs() < 1e-9 * want,
                    "{name} run {r} block {k}: lab ρ {}, PyTorch {want}",
                    res.spectral_radius
                );
            }
        }
        for s in case["runs"].as_array().unwrap() {
            let norms = s["grad_h_norm"].as_array().unwrap();
            for (r, want) in norms.iter().enumerate() {
                let res = scene(&file, settings(s), r, None);
                let got = &res.cells[0].backward.flow[0].grad_h_norm;
                let what = format!("{name} {} {} run {r}", s["input"], s["loss"]);
                close(got, want.as_array().unwrap(), &what);
            }
        }
    }
}

/// The classifier's file: the recurrent module under `lstm.` is opened, its embedding and head
/// are named as left alone, and the runs are named for the page's picker.
#[test]
fn a_prefixed_module_is_opened_and_the_other_tensors_are_listed() {
    let res = scene(
        "classifier_lstm_prefixed.safetensors",
        SceneConfig::default(),
        3,
        Some(1),
    );
    let view = res.imported.as_ref().unwrap();
    let d = &view.description;
    assert_eq!(
        (d.prefix.as_str(), d.cell, d.num_layers, d.bidirectional),
        ("lstm.", "lstm", 2, true)
    );
    assert_eq!(
        d.other_tensors,
        ["embedding.weight", "fc.bias", "fc.weight"]
    );
    let labels: Vec<&str> = view.runs.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        ["layer 0", "layer 0 reverse", "layer 1", "layer 1 reverse"]
    );
    assert_eq!((view.run, view.block), (3, 1));
    assert!(res.cells[0].reverse);
    let src = unrolled::chart::source::Source::scene(&res);
    assert_eq!(src.matrix.name(), "LSTM layer 1 reverse W_hf");
    assert!(!src.cells[0].loss_at_end);
}

/// Bad files: each refused, the message naming the tensor (`bad/`, saved by PyTorch).
#[test]
fn bad_files_are_refused_naming_the_tensor() {
    let fx = json("expected.json");
    for (name, tensor) in fx["bad"].as_object().unwrap() {
        let config = SceneConfig {
            imported: Some(ImportedConfig {
                safetensors: b64(&read(&format!("bad/{name}.safetensors"))),
                run: 0,
                block: None,
            }),
            ..Default::default()
        };
        let err = config.to_scene().unwrap_err();
        let tensor = tensor.as_str().unwrap();
        assert!(err.contains(tensor), "{name}: {err} should name {tensor}");
    }
    let bad = |c: ImportedConfig| {
        SceneConfig {
            imported: Some(c),
            ..Default::default()
        }
        .to_scene()
        .unwrap_err()
    };
    let good = b64(&read("lstm_stacked.safetensors"));
    let cfg = |run, block| ImportedConfig {
        safetensors: good.clone(),
        run,
        block,
    };
    assert_eq!(
        bad(cfg(2, None)),
        "imported.run: expected 0..=1 (layer · D + direction), got 2"
    );
    assert_eq!(
        bad(cfg(0, Some(4))),
        "imported.block: expected 0..=3 (the blocks of lstm's W_hh), got 4"
    );
    assert!(bad(ImportedConfig {
        safetensors: "not base64!".into(),
        run: 0,
        block: None
    })
    .starts_with("imported.safetensors: expected the file as base64"));
}

/// The lab's two downloads, as PyTorch read them: the files the code writes today are the
/// committed ones (which `generate.py` gave to torch), and torch's output and `‖∂L/∂h_t‖`
/// (`roundtrip/pytorch.json`) are the lab's to 1e-9 relative. This part needs no torch; the e2e
/// test runs torch on the page's own download when it is installed.
#[test]
fn the_labs_downloads_rebuild_in_pytorch_with_the_labs_numbers() {
    let scenes = json("roundtrip/scenes.json");
    let torch = json("roundtrip/pytorch.json");
    for s in scenes.as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let mut config: SceneConfig = serde_json::from_value(s["config"].clone()).unwrap();
        if let Some(file) = s["import"].as_str() {
            config.imported = Some(ImportedConfig {
                safetensors: b64(&read(file)),
                run: s["run"].as_u64().unwrap() as usize,
                block: None,
            });
        }
        let res = lab::compute(&config.to_scene().unwrap()).unwrap();
        let cell = &res.cells[s["cell"].as_u64().unwrap() as usize];
        let model = cell.model_safetensors(ExportDtype::F64).unwrap();
        let run = cell.run_safetensors().unwrap();
        assert!(
            model == read(&format!("roundtrip/{name}-model.safetensors")),
            "{name}: model file changed (cargo run --example lab_export, then generate.py)"
        );
        same_run_file(
            &run,
            &read(&format!("roundtrip/{name}-run.safetensors")),
            name,
        );
        let t = &torch[name];
        let flow = &cell.backward.flow[0].grad_h_norm;
        let r = s["run"].as_u64().unwrap_or(0) as usize;
        close(
            flow,
            t["grad_h_norm"][r].as_array().unwrap(),
            &format!("{name} shown run"),
        );
        let st = unrolled::io::safetensors::read(&run).unwrap();
        let tensor = |n: &str| {
            st.tensors
                .iter()
                .find(|x| x.name == n)
                .unwrap()
                .values()
                .unwrap()
        };
        let rows = t["grad_h_norm"].as_array().unwrap();
        let all: Vec<Value> = rows
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
            .collect();
        close(&tensor("grad_h_norm"), &all, &format!("{name} grad_h_norm"));
        close(
            &tensor("output"),
            t["output"].as_array().unwrap(),
            &format!("{name} output"),
        );
        assert!(t["max_rel_grad_h_norm"].as_f64().unwrap() < 1e-9, "{name}");
    }
}

/// The run file the lab writes today against the committed one: the same metadata and tensors
/// (names, dtypes, shapes), the values to 1e-12 relative to each tensor's largest. Not byte for
/// byte: the outputs and gradient norms in it come from products, which round in the last bits
/// by the CPU's path (FMA or not, `gemm`'s blocking; `linalg`), and the committed file was
/// written on one CPU. The model file holds weights only, so it is compared byte for byte.
fn same_run_file(got: &[u8], want: &[u8], name: &str) {
    let (got, want) = (
        unrolled::io::safetensors::read(got).unwrap(),
        unrolled::io::safetensors::read(want).unwrap(),
    );
    assert_eq!(got.metadata, want.metadata, "{name}: run file metadata");
    assert_eq!(
        got.tensors.len(),
        want.tensors.len(),
        "{name}: run file tensors"
    );
    for (g, w) in got.tensors.iter().zip(&want.tensors) {
        let what = format!("{name}: run file's {}", w.name);
        assert_eq!(
            (&g.name, g.dtype, &g.shape),
            (&w.name, w.dtype, &w.shape),
            "{what}"
        );
        let (gv, wv) = (g.values().unwrap(), w.values().unwrap());
        let scale = wv.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (t, (a, b)) in gv.iter().zip(&wv).enumerate() {
            assert!((a - b).abs() <= 1e-12 * scale, "{what}[{t}]: {a} vs {b}");
        }
    }
}

/// docs/safetensors.md shows the Python the fixtures ran, verbatim.
#[test]
fn the_docs_show_the_tested_python() {
    let code = String::from_utf8(read("pytorch_lab.py")).unwrap();
    let start = code.find("# --- snippet start ---\n").unwrap() + 24;
    let end = code.find("# --- snippet end ---").unwrap();
    let snippet = &code[start..end];
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/safetensors.md"))
        .unwrap();
    assert!(
        docs.contains(&format!("```python\n{snippet}```")),
        "docs/safetensors.md must show tests/fixtures/safetensors/lab/pytorch_lab.py's snippet verbatim"
    );
}

/// A 2-layer bidirectional GRU PyTorch saved (`tests/fixtures/safetensors/notes/`): with the
/// loss at the last step, layer 1 reverse gets exactly 0 at its lag 0 and layer 0 reverse
/// 1.8e−13 of its largest value. The chart registry draws those two against their largest
/// value (never above 1) and says so; the top layer's forward run stays relative to lag 0.
#[test]
fn a_direction_the_loss_reaches_elsewhere_is_drawn_against_its_largest_value() {
    use unrolled::chart::registry::{self, FlowOptions};
    use unrolled::chart::source::Source;
    let notes = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/safetensors/notes"
    );
    let fx: Value =
        serde_json::from_slice(&std::fs::read(format!("{notes}/expected.json")).unwrap()).unwrap();
    let file = std::fs::read(format!("{notes}/gru_bidir2.safetensors")).unwrap();
    let chart_of = |run: usize| {
        let config = SceneConfig {
            steps: fx["T"].as_u64().unwrap() as usize,
            input: "pulse".into(),
            loss: "last".into(),
            imported: Some(ImportedConfig {
                safetensors: b64(&file),
                run,
                block: None,
            }),
            ..Default::default()
        };
        let res = lab::compute(&config.to_scene().unwrap()).unwrap();
        let src = Source::scene(&res);
        let reference = registry::gradient_reference(&src.cells[0]);
        let chart = registry::gradient_flow(&src, FlowOptions::default(), false).unwrap();
        (reference, chart)
    };
    for run in [1usize, 3] {
        let argmax = fx["runs"][run.to_string()]["argmax"].as_u64().unwrap() as usize;
        let (reference, chart) = chart_of(run);
        assert_eq!(reference.map(|r| r.lag), Some(argmax), "run {run}");
        let solid = &chart.series[0].values;
        let top = solid
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        assert_eq!(top, 1.0, "run {run}: at most 1, 1 at lag {argmax}");
        assert_eq!(solid[argmax], 1.0);
        assert_eq!(chart.y_label, registry::FLOW_Y_MIXED);
        let legend: Vec<&str> = chart.legend.iter().map(|e| e.label.as_str()).collect();
        let words = format!("‖∂L/∂h_t‖ ÷ its largest value (lag {argmax})");
        assert!(legend.contains(&words.as_str()), "{legend:?}");
    }
    let (reference, chart) = chart_of(2);
    assert_eq!(reference.map(|r| r.lag), Some(0));
    assert_eq!(chart.y_label, registry::FLOW_Y_LABEL);
    assert_eq!(chart.series[0].values[0], 1.0);
}
