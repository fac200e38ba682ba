//! Golden tests of packing against PyTorch: `tests/fixtures/packing/packing.json` was written by
//! `tests/fixtures/packing/generate.py` (torch on CPU, float64; `torch_version` in the file), and
//! each case carries the torch code that produced it (`torch_snippet`, printed on failure).
//! The fixture is committed, so these tests need no torch.
//!
//! Integers (`batch_sizes`, `sorted_indices`, `unsorted_indices`, which row of `data` holds
//! which cell) must agree exactly; the LSTM's `h_n`, `c_n` and outputs to 1e-9 relative
//! (`|got − want| ≤ 1e-9 · max(|want|, 1e-12)`).

use serde_json::Value;
use unrolled::cell::CellKind;
use unrolled::network::{Architecture, Batch, InitialState, Network};
use unrolled::packing::PackedLayout;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/packing/packing.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
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

fn close(what: &str, got: &[f64], want: &[f64], snippet: &Value) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1e-12),
            "{what}[{i}]: got {g:e}, want {w:e}\ntorch code:\n{}",
            snippet.as_str().unwrap()
        );
    }
}

/// Unsorted lengths, ties, length 1, all equal, one sequence, padding past the longest: the
/// layout, `data` and `pad_packed_sequence` exactly. E.g. `unsorted`:
///
/// ```python
/// lengths = torch.tensor([3, 5, 1, 4])
/// x = torch.arange(4 * 5 * 2, dtype=torch.float64).reshape(4, 5, 2)
/// packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
/// padded, out_lengths = pad_packed_sequence(packed, batch_first=True, total_length=5)
/// ```
#[test]
fn layouts_match_pack_padded_sequence() {
    let fx = fixture();
    for c in fx["layouts"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let lengths = ints(&c["lengths"]);
        let steps = c["steps"].as_u64().unwrap() as usize;
        let l = PackedLayout::new(&lengths, Some(steps)).unwrap();
        assert_eq!(
            l.batch_sizes,
            ints(&c["batch_sizes"]),
            "{name}: batch_sizes"
        );
        assert_eq!(
            l.sorted_indices,
            ints(&c["sorted_indices"]),
            "{name}: sorted"
        );
        assert_eq!(l.unsorted_indices, ints(&c["unsorted_indices"]), "{name}");
        let x: Vec<f64> = (0..lengths.len() * steps * 2).map(|v| v as f64).collect();
        let data = l.pack(&x, 2).unwrap();
        assert_eq!(data, flat(&c["data"]), "{name}: data");
        assert_eq!(
            l.unpack(&data, 2).unwrap(),
            flat(&c["padded"]),
            "{name}: padded"
        );
        assert_eq!(ints(&c["out_lengths"]), lengths);
    }
}

/// `torch.sort(lengths, descending=True)` inside `pack_padded_sequence`, tie-heavy batches of
/// 2..=1024 sequences: up to 16 ties keep their order; past 16 libstdc++'s introsort orders them,
/// and [`unrolled::packing::sort_descending`] follows it. E.g.
///
/// ```python
/// torch.manual_seed(954)
/// lengths = torch.randint(1, 6, (17,))
/// x = torch.zeros(len(lengths), 5, 1)
/// packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
/// ```
#[test]
fn ties_are_ordered_as_pytorch_orders_them() {
    let fx = fixture();
    for c in fx["ties"].as_array().unwrap() {
        let lengths = ints(&c["lengths"]);
        let l = PackedLayout::new(&lengths, None).unwrap();
        assert_eq!(
            l.sorted_indices,
            ints(&c["sorted_indices"]),
            "B = {}:\n{}",
            lengths.len(),
            c["torch_snippet"].as_str().unwrap()
        );
        assert_eq!(l.batch_sizes, ints(&c["batch_sizes"]));
    }
}

/// A 2-layer bidirectional LSTM run packed and padded: `h_n`, `c_n`, the output, and the
/// packed output's rows in `data` order.
///
/// ```python
/// torch.manual_seed(901)
/// lstm = nn.LSTM(3, 2, num_layers=2, bidirectional=True, batch_first=True).double()
/// lengths = torch.tensor([3, 5, 1, 4])
/// x = torch.randn(4, 5, 3, dtype=torch.float64)
/// packed_out, (h_packed, c_packed) = lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
/// out_packed, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=5)
/// out_padded, (h_padded, c_padded) = lstm(x)  # lengths not passed: padding read
/// ```
#[test]
fn lstm_final_states_packed_and_padded_match_pytorch() {
    let fx = fixture();
    let c = &fx["lstm"];
    let mut net = Network::zeros(Architecture {
        cell: CellKind::Lstm,
        input_size: 3,
        hidden_size: 2,
        num_layers: 2,
        bidirectional: true,
    });
    for (name, v) in c["params"].as_object().unwrap() {
        *net.param_mut(name).unwrap() = flat(v);
    }
    let lengths = ints(&c["lengths"]);
    let snippet = &c["torch_snippet"];
    for (way, lens) in [("packed", lengths.clone()), ("padded", vec![5; 4])] {
        let batch = Batch {
            input: flat(&c["x"]),
            batch: 4,
            steps: 5,
            lengths: lens,
        };
        let f = net.forward(&batch, &InitialState::default(), None);
        let want = &c[way];
        close(&format!("{way}.h_n"), &f.h_n, &flat(&want["h_n"]), snippet);
        close(&format!("{way}.c_n"), &f.c_n, &flat(&want["c_n"]), snippet);
        close(
            &format!("{way}.output"),
            &f.output,
            &flat(&want["output"]),
            snippet,
        );
        if way == "packed" {
            let l = PackedLayout::new(&lengths, Some(5)).unwrap();
            let data = l.pack(&f.output, 4).unwrap();
            close("packed.data", &data, &flat(&want["data"]), snippet);
        }
    }
    let (p, u) = (flat(&c["packed"]["h_n"]), flat(&c["padded"]["h_n"]));
    assert_ne!(p, u, "padding read changes h_n");
}

/// The panel's classifier numbers: [`unrolled::packing::classifier_packing`] on the course's
/// model gives PyTorch's logits and final features both ways (the classifier fixtures
/// `lstm_bidir_2layer_packed` and `_padded`, same model and text, lengths passed or not):
///
/// ```python
/// logits = model(text, lengths)   # packed
/// logits = model(text)            # padding read
/// ```
#[test]
fn classifier_packed_and_padded_match_pytorch() {
    use unrolled::train::classifier::{LstmClassifier, TokenBatch};
    use unrolled::train::params::ParamSet;
    let read = |name: &str| -> Value {
        let path = format!(
            "{}/tests/fixtures/classifier/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let (packed, padded) = (
        read("lstm_bidir_2layer_packed"),
        read("lstm_bidir_2layer_padded"),
    );
    let spec = &packed["spec"];
    let arch = Architecture {
        cell: CellKind::Lstm,
        input_size: 4,
        hidden_size: 3,
        num_layers: 2,
        bidirectional: true,
    };
    let mut model = LstmClassifier::zeros(arch, 12, 3);
    for t in model.tensors_mut() {
        t.values.copy_from_slice(&flat(&spec["params"][&t.name]));
    }
    let tokens = TokenBatch {
        ids: ints(&spec["text"]),
        batch: 4,
        steps: 5,
        lengths: ints(&spec["lengths"]),
    };
    let p = unrolled::packing::classifier_packing(&model, &tokens).unwrap();
    let snippet = &packed["torch_snippet"];
    close(
        "packed.logits",
        &p.packed.logits,
        &flat(&packed["logits"]),
        snippet,
    );
    close(
        "packed.features",
        &p.packed.features,
        &flat(&packed["features"]),
        snippet,
    );
    close(
        "padded.logits",
        &p.padded.logits,
        &flat(&padded["logits"]),
        snippet,
    );
    close(
        "padded.features",
        &p.padded.features,
        &flat(&padded["features"]),
        snippet,
    );
    assert_eq!(p.layout.sorted_indices, [1, 3, 0, 2]);
    assert_eq!((p.num_layers, p.directions, p.hidden_size), (2, 2, 3));
    assert_eq!(p.packed.h_n.len(), 2 * 2 * 4 * 3);
}
