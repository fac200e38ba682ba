//! `.safetensors` out and in (`unrolled::io::safetensors`).
//!
//! Goldens: `tests/fixtures/safetensors/generate.py` (torch, `safetensors.torch.save_file`; the
//! snippet of each case is in `fixtures.json` and printed on failure) wrote state_dicts of
//! `nn.LSTM`, `nn.GRU`, `nn.RNN` (without a prefix, under `rnn.`, under `encoder.rnn.`, 2
//! layers, bidirectional, `bias=False`, F64, F32, F16, BF16) and of the course's
//! `LSTMClassifier`, with their outputs on a fixed packed batch. Imported and run by the core,
//! F64 files reproduce torch's float64 outputs to 1e-9 relative; F32 files reproduce torch's
//! float64 run of the same float32 weights to 1e-9 relative and torch's own float32 run to
//! 1e-5 absolute (float32 rounding over a few steps; the values are of order 1). F16 and BF16
//! values convert exactly. The other way, the files our exporter wrote
//! (`cargo run --example safetensors_export`, committed) were loaded by the course's module with
//! the lines of docs/safetensors.md, and torch's logits must match ours (1e-9 relative from the
//! F64 file, 1e-5 absolute from the F32 file in a float32 model).

use serde_json::Value;
use unrolled::cell::CellKind;
use unrolled::init::InitConfig;
use unrolled::io::safetensors::{
    export, export_classifier, export_model, export_network, import_classifier, import_network,
    read, recognise, vocabulary_json, ExportDtype,
};
use unrolled::network::{Architecture, Batch, InitialState, Network};
use unrolled::rng::Rng;
use unrolled::train::classifier::{LstmClassifier, TokenBatch};
use unrolled::train::model::Model;
use unrolled::train::params::ParamSet;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/safetensors");

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

fn fixtures() -> Value {
    serde_json::from_slice(&file("fixtures.json")).unwrap()
}

fn case<'a>(fx: &'a Value, list: &str, name: &str) -> &'a Value {
    fx[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        _ => vec![v.as_f64().unwrap()],
    }
}

fn ints(v: &Value) -> Vec<usize> {
    flat(v).into_iter().map(|x| x as usize).collect()
}

/// `|got − want| ≤ rel · max(|want|, 1e-12) + abs`.
fn close(c: &Value, what: &str, got: &[f64], want: &[f64], rel: f64, abs: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * w.abs().max(1e-12) + abs,
            "{}: {what}[{i}]: got {g:e}, want {w:e}\ntorch code:\n{}",
            c["name"],
            c["torch_snippet"].as_str().unwrap()
        );
    }
}

/// Runs an imported network on the case's `x` and lengths: `(output, h_n)`.
fn run(net: &Network, c: &Value) -> (Vec<f64>, Vec<f64>) {
    let lengths = ints(&c["lengths"]);
    let batch = Batch {
        input: flat(&c["x"]),
        batch: lengths.len(),
        steps: 5,
        lengths,
    };
    let f = net.forward(&batch, &InitialState::default(), None);
    (f.output, f.h_n)
}

/// ```python
/// torch.manual_seed(801)
/// rnn = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True).double()
/// save_file(rnn.state_dict(), PATH)
/// ```
/// and its packed outputs; likewise `nn.RNN` under `encoder.rnn.` and `nn.LSTM(bias=False)`.
#[test]
fn f64_files_from_pytorch_reproduce_its_outputs() {
    let fx = fixtures();
    for (name, cell, prefix, layers, bi, bias) in [
        ("lstm_2layer_bidir_f64", CellKind::Lstm, "", 2, true, true),
        (
            "rnn_nested_prefix_f64",
            CellKind::RnnTanh,
            "encoder.rnn.",
            2,
            true,
            true,
        ),
        ("lstm_no_bias_f64", CellKind::Lstm, "", 1, false, false),
    ] {
        let c = case(&fx, "read", name);
        let imp = import_network(&file(&format!("{name}.safetensors"))).unwrap();
        let a = imp.network.arch;
        assert_eq!(
            (a.cell, a.num_layers, a.bidirectional),
            (cell, layers, bi),
            "{name}"
        );
        assert_eq!(
            (&imp.prefix[..], imp.bias, imp.cell_from),
            (prefix, bias, "gates")
        );
        assert_eq!(imp.dtypes, ["F64"]);
        let (out, h_n) = run(&imp.network, c);
        close(c, "output", &out, &flat(&c["output"]), 1e-9, 0.0);
        close(c, "h_n", &h_n, &flat(&c["h_n"]), 1e-9, 0.0);
    }
}

/// ```python
/// model.rnn = nn.GRU(3, 5, num_layers=2, bidirectional=True, batch_first=True)
/// model.fc = nn.Linear(10, 2)
/// save_file(model.state_dict(), PATH)   # float32
/// ```
#[test]
fn f32_file_with_prefix_reproduces_pytorch() {
    let fx = fixtures();
    let c = case(&fx, "read", "gru_prefixed_f32");
    let imp = import_network(&file("gru_prefixed_f32.safetensors")).unwrap();
    assert_eq!(imp.prefix, "rnn.");
    assert_eq!(imp.network.arch.cell, CellKind::Gru);
    assert_eq!(imp.other_tensors, ["fc.bias", "fc.weight"]);
    assert_eq!(imp.dtypes, ["F32"]);
    let (out, h_n) = run(&imp.network, c);
    close(
        c,
        "output (f64 run)",
        &out,
        &flat(&c["output_f64"]),
        1e-9,
        0.0,
    );
    close(c, "h_n (f64 run)", &h_n, &flat(&c["h_n_f64"]), 1e-9, 0.0);
    close(c, "output (f32 run)", &out, &flat(&c["output"]), 0.0, 1e-5);
    close(c, "h_n (f32 run)", &h_n, &flat(&c["h_n"]), 0.0, 1e-5);
}

/// `nn.GRU(2, 3).half()` and `.bfloat16()`: every value converts exactly.
#[test]
fn f16_and_bf16_convert_exactly() {
    let fx = fixtures();
    for name in ["gru_f16", "gru_bf16"] {
        let c = case(&fx, "read", name);
        let imp = import_network(&file(&format!("{name}.safetensors"))).unwrap();
        for (k, v) in c["values"].as_object().unwrap() {
            assert_eq!(imp.network.param(k).unwrap(), &flat(v)[..], "{name}: {k}");
        }
    }
}

fn tokens(c: &Value) -> TokenBatch {
    let lengths = ints(&c["lengths"]);
    let ids = ints(&c["text"]);
    TokenBatch {
        batch: lengths.len(),
        steps: ids.len() / lengths.len(),
        ids,
        lengths,
    }
}

/// The course's module in float32 (`LSTMClassifier(9, 4, 3, 2)`, `save_file(model.state_dict(),
/// PATH)`): logits on a packed batch.
#[test]
fn course_classifier_from_pytorch_reproduces_its_logits() {
    let fx = fixtures();
    let c = case(&fx, "read", "classifier_f32");
    let m = import_classifier(&file("classifier_f32.safetensors")).unwrap();
    let logits = m.forward(&tokens(c), None).logits;
    close(
        c,
        "logits (f64 run)",
        &logits,
        &flat(&c["logits_f64"]),
        1e-9,
        0.0,
    );
    close(
        c,
        "logits (f32 run)",
        &logits,
        &flat(&c["logits"]),
        0.0,
        1e-5,
    );
}

/// The model `cargo run --example safetensors_export` writes (seeds as there).
fn exported_model() -> LstmClassifier {
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

/// Our files, loaded by PyTorch with docs/safetensors.md's lines:
///
/// ```python
/// with safe_open(PATH, "pt") as f:
///     meta = f.metadata()
/// vocab = json.load(open(VOCAB))
/// model = LSTMClassifier(len(vocab), int(meta["embed_dim"]), int(meta["hidden_dim"]), int(meta["output_dim"]),
///                        num_layers=int(meta["num_layers"]), bidirectional=meta["bidirectional"] == "true")
/// model.load_state_dict(load_file(PATH))
/// model.eval()
/// logits = model(text, lengths)
/// ```
#[test]
fn our_export_loads_into_the_course_module() {
    let fx = fixtures();
    let model = exported_model();
    for (dtype, name, rel, abs) in [
        (ExportDtype::F64, "f64", 1e-9, 0.0),
        (ExportDtype::F32, "f32", 0.0, 1e-5),
    ] {
        let committed = file(&format!("unrolled_classifier_{name}.safetensors"));
        assert_eq!(
            export_classifier(&model, dtype, None).unwrap(),
            committed,
            "{name}"
        );
        let c = case(&fx, "written", &format!("unrolled_classifier_{name}"));
        let logits = model.forward(&tokens(c), None).logits;
        close(c, "logits", &logits, &flat(&c["logits"]), rel, abs);
        assert_eq!(c["metadata"]["format"], "pt");
        assert_eq!(c["metadata"]["vocab_size"], "10");
    }
    let vocab = String::from_utf8(file("unrolled_vocab.json")).unwrap();
    let list: Vec<String> = serde_json::from_str(&vocab).unwrap();
    assert_eq!(vocabulary_json(&list), vocab);
    assert_eq!(list.len(), 10);
}

/// The classes, in logit order, ride in the metadata as a JSON list (`json.loads(meta["classes"])`
/// in Python gives `["negative", "positive"]`, logit 0 first); a count other than the head's
/// `output_dim` is refused naming the field.
#[test]
fn classifier_export_carries_its_classes_in_logit_order() {
    let model = exported_model();
    let k = model.fc.out_features;
    let names: Vec<String> = (0..k).map(|i| format!("class {i}")).collect();
    let bytes = export_classifier(&model, ExportDtype::F32, Some(&names)).unwrap();
    let meta = read(&bytes).unwrap().metadata;
    let back: Vec<String> = serde_json::from_str(&meta["classes"]).unwrap();
    assert_eq!(back, names);
    assert_eq!(meta["output_dim"], k.to_string());
    let plain = export_classifier(&model, ExportDtype::F32, None).unwrap();
    assert!(!read(&plain).unwrap().metadata.contains_key("classes"));
    let err = export_classifier(&model, ExportDtype::F32, Some(&names[..1])).unwrap_err();
    assert_eq!(err, format!("classes: 1 names for output_dim {k}"));
}

fn net(cell: CellKind, layers: usize, bi: bool) -> Network {
    let arch = Architecture {
        cell,
        input_size: 3,
        hidden_size: 4,
        num_layers: layers,
        bidirectional: bi,
    };
    let init = InitConfig {
        seed: 7,
        ..Default::default()
    };
    unrolled::init::init_network(arch, &init).unwrap()
}

/// Out then in: bit-exact in F64 for every cell (the metadata names the cells that share a
/// block count: `rnn_relu`, `rnn_linear`, `lstm_no_forget`), within float32 rounding in F32.
#[test]
fn round_trip_is_exact_in_f64() {
    for cell in CellKind::ALL {
        let n = net(cell, 2, true);
        let back = import_network(&export_network(&n, ExportDtype::F64).unwrap()).unwrap();
        assert_eq!(back.network, n, "{cell:?}");
        assert_eq!(back.cell_from, "metadata");
        let back = import_network(&export_network(&n, ExportDtype::F32).unwrap()).unwrap();
        for (a, b) in back.network.tensors().iter().zip(n.tensors()) {
            for (x, y) in a.values.iter().zip(b.values) {
                assert_eq!(*x, *y as f32 as f64);
            }
        }
    }
    let m = exported_model();
    let back = import_classifier(&export_classifier(&m, ExportDtype::F64, None).unwrap()).unwrap();
    assert_eq!(back, m);
    let model = Model {
        rnn: net(CellKind::Gru, 1, false),
        fc: unrolled::train::linear::Linear::new(4, 2, &mut Rng::new(3)),
    };
    let bytes = export_model(&model, ExportDtype::F64).unwrap();
    let imp = import_network(&bytes).unwrap();
    assert_eq!((imp.prefix.as_str(), &imp.network), ("rnn.", &model.rnn));
    assert_eq!(imp.other_tensors, ["fc.bias", "fc.weight"]);
    assert_eq!(imp.metadata["output_size"], "2");
}

/// A file from named tensors (F64), for the error cases.
fn bytes_of(tensors: &[(&str, Vec<usize>)], meta: &[(&str, &str)]) -> Vec<u8> {
    struct Raw(Vec<(String, Vec<usize>, Vec<f64>)>);
    impl ParamSet for Raw {
        fn tensors(&self) -> Vec<unrolled::train::params::Tensor<&[f64]>> {
            self.0
                .iter()
                .map(|(n, s, v)| unrolled::train::params::Tensor {
                    name: n.clone(),
                    shape: s.clone(),
                    values: &v[..],
                })
                .collect()
        }
        fn tensors_mut(&mut self) -> Vec<unrolled::train::params::Tensor<&mut [f64]>> {
            Vec::new()
        }
    }
    let raw = Raw(tensors
        .iter()
        .map(|(n, s)| (n.to_string(), s.clone(), vec![0.5; s.iter().product()]))
        .collect());
    let meta: Vec<(String, String)> = meta
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    export(&raw, ExportDtype::F64, &meta).unwrap()
}

/// An `nn.LSTM(3, 24, num_layers=2)` state_dict under `lstm.`, with one tensor changed.
fn lstm_tensors() -> Vec<(&'static str, Vec<usize>)> {
    vec![
        ("lstm.weight_ih_l0", vec![96, 3]),
        ("lstm.weight_hh_l0", vec![96, 24]),
        ("lstm.bias_ih_l0", vec![96]),
        ("lstm.bias_hh_l0", vec![96]),
        ("lstm.weight_ih_l1", vec![96, 24]),
        ("lstm.weight_hh_l1", vec![96, 24]),
        ("lstm.bias_ih_l1", vec![96]),
        ("lstm.bias_hh_l1", vec![96]),
    ]
}

fn error_with(edit: impl FnOnce(&mut Vec<(&'static str, Vec<usize>)>)) -> String {
    let mut t = lstm_tensors();
    edit(&mut t);
    import_network(&bytes_of(&t, &[])).unwrap_err()
}

#[test]
fn every_validation_error_names_the_tensor() {
    assert!(import_network(&bytes_of(&lstm_tensors(), &[])).is_ok());
    let cases: Vec<(String, &str)> = vec![
        (
            error_with(|t| t.retain(|(n, _)| *n != "lstm.weight_hh_l1")),
            "missing lstm.weight_hh_l1: a 2-layer lstm with biases has it",
        ),
        (
            error_with(|t| t[5].1 = vec![96, 31]),
            "lstm.weight_hh_l1: shape [96, 31], expected [4H, H] = [96, 24] (lstm, H = 24)",
        ),
        (
            error_with(|t| t[1].1 = vec![96, 31]),
            "lstm.weight_hh_l0: shape [96, 31]: expected [G·H, H] with G = 4 (LSTM), 3 (GRU) or 1 (RNN) gate blocks",
        ),
        (
            error_with(|t| t[0].1 = vec![95, 3]),
            "lstm.weight_ih_l0: shape [95, 3]: expected [96, I] with I in 1..=1024 (lstm, H = 24 from lstm.weight_hh_l0)",
        ),
        (
            error_with(|t| t[4].1 = vec![96, 3]),
            "lstm.weight_ih_l1: shape [96, 3], expected [4H, H] = [96, 24] (lstm, H = 24)",
        ),
        (
            error_with(|t| t[2].1 = vec![24]),
            "lstm.bias_ih_l0: shape [24], expected [4H] = [96] (lstm, H = 24)",
        ),
        (
            error_with(|t| t.retain(|(n, _)| *n != "lstm.bias_hh_l1")),
            "missing lstm.bias_hh_l1: a 2-layer lstm with biases has it",
        ),
        (
            error_with(|t| t.retain(|(n, _)| *n != "lstm.weight_hh_l0")),
            "missing lstm.weight_hh_l0 (it gives the hidden size)",
        ),
        (
            error_with(|t| t.push(("lstm.weight_hh_l0_reverse", vec![96, 24]))),
            "missing lstm.weight_ih_l0_reverse: a 2-layer bidirectional lstm with biases has it",
        ),
        (
            error_with(|t| t.push(("lstm.weight_ih_l9", vec![96, 24]))),
            "lstm.weight_ih_l9: layer 9: expected at most 8 layers",
        ),
        (
            error_with(|t| t.push(("lstm.weight_hr_l0", vec![12, 24]))),
            "lstm.weight_hr_l0: LSTM projections (proj_size > 0) are not supported",
        ),
        (
            error_with(|t| t.push(("rnn.weight_ih_l0", vec![4, 3]))),
            "file: recurrent weights under several prefixes (\"lstm.\", \"rnn.\"): keep one module's",
        ),
        (
            import_network(&bytes_of(&[("fc.weight", vec![2, 3])], &[])).unwrap_err(),
            "file: no recurrent weights (names such as weight_ih_l0 or lstm.weight_ih_l0); found fc.weight",
        ),
        (
            error_with(|t| {
                t[1].1 = vec![2048, 2048];
                t[0].1 = vec![2048, 3];
            }),
            "lstm.weight_hh_l0: hidden size 2048: expected at most 1024",
        ),
        (
            import_network(&bytes_of(&lstm_tensors(), &[("cell", "gru")])).unwrap_err(),
            "__metadata__.cell: \"gru\" has 3 gate blocks, but lstm.weight_hh_l0 has 4",
        ),
    ];
    for (got, want) in cases {
        assert!(got.starts_with(want), "got  {got}\nwant {want}");
    }
}

/// A repeated name is refused on export (the `safetensors` crate's own writer panics on it).
#[test]
fn export_refuses_a_repeated_name() {
    let t = [("a.weight", vec![2]), ("a.weight", vec![2])];
    let e = std::panic::catch_unwind(|| bytes_of(&t, &[])).unwrap_err();
    let msg = e.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("a.weight: two tensors with this name"),
        "{msg}"
    );
}

/// A NaN and an integer tensor: refused naming the tensor (and the element).
#[test]
fn values_and_dtypes_are_checked() {
    let mut n = net(CellKind::Gru, 1, false);
    n.param_mut("bias_hh_l0").unwrap()[4] = f64::NAN;
    let e = import_network(&export_network(&n, ExportDtype::F64).unwrap()).unwrap_err();
    assert_eq!(e, "bias_hh_l0[4]: NaN is not finite");
    n.param_mut("bias_hh_l0").unwrap()[4] = 0.0;
    n.param_mut("weight_hh_l0").unwrap()[5] = f64::INFINITY;
    let e = import_network(&export_network(&n, ExportDtype::F64).unwrap()).unwrap_err();
    assert_eq!(e, "weight_hh_l0[1, 1]: inf is not finite");
    // An I64 tensor: rewrite the dtype in the header of an F64 file (same width).
    let n = net(CellKind::Gru, 1, false);
    let mut bytes = export_network(&n, ExportDtype::F64).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8(bytes[8..8 + header_len].to_vec()).unwrap();
    let at = header.find("\"bias_hh_l0\":{\"dtype\":\"F64\"").unwrap() + 23;
    bytes[8 + at..8 + at + 3].copy_from_slice(b"I64");
    let e = import_network(&bytes).unwrap_err();
    assert_eq!(e, "bias_hh_l0: dtype I64: expected F64, F32, F16 or BF16");
}

/// Bytes that are not a safetensors file: never a panic, always `file: …` (or a tensor's
/// message when a corruption leaves a valid file).
#[test]
fn malformed_bytes_are_refused_without_panicking() {
    let good = export_network(&net(CellKind::Lstm, 2, true), ExportDtype::F32).unwrap();
    assert!(import_network(&[])
        .unwrap_err()
        .starts_with("file: not a safetensors file"));
    assert!(import_network(b"PK\x03\x04 a zip").is_err());
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(import_network(&huge).unwrap_err().starts_with("file: "));
    for cut in (0..good.len()).step_by(7) {
        assert!(import_network(&good[..cut]).is_err(), "truncated at {cut}");
    }
    let mut rng = Rng::new(9);
    let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    for _ in 0..3000 {
        let mut b = good.clone();
        let at = (rng.uniform() * (8 + header_len) as f64) as usize;
        b[at] = (rng.uniform() * 256.0) as u8;
        if let Err(e) = import_network(&b) {
            assert!(!e.is_empty());
        }
    }
    let sd = read(&good).unwrap();
    assert!(recognise(&sd, Some("lstm."))
        .unwrap_err()
        .starts_with("file: no recurrent"));
}
