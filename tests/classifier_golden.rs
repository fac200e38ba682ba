//! Golden tests of the text classifier against PyTorch: every fixture in
//! `tests/fixtures/classifier/` was written by `tests/fixtures/classifier/generate.py` (torch,
//! float64, eval mode; `torch_version` in each file) and carries the torch code that produced it
//! (`torch_snippet`, printed when a comparison fails) and the classifier spec of `docs/spec.md`.
//! The fixtures are committed, so these tests need no torch.
//!
//! Each spec runs through `unrolled::spec::trace_json`, exactly as `unrolled trace` runs it; the
//! trace's `logits`, `loss`, `features` (what `fc` read) and every `grads.params` tensor by
//! `state_dict` name (the embedding's dense, `[V][E]`) must agree to 1e-9 relative:
//! `|got − want| ≤ 1e-9 · max(|want|, 1e-3 · max|want over the tensor|, 1e-12)`. (Here they agree
//! to 7e-14 or better in that measure; the margin is for other CPUs' fused multiply-adds.) The snippet of
//! `lstm_bidir_2layer_packed`, abridged (the class is the course's `LSTMClassifier` verbatim):
//!
//! ```python
//! torch.manual_seed(701)
//! model = LSTMClassifier(12, 4, 3, 3, num_layers=2, dropout=0.5, bidirectional=True).double().eval()
//! lengths = torch.tensor([3, 5, 1, 4])
//! text = torch.randint(1, 12, (4, 5))
//! text[torch.arange(5) >= lengths[:, None]] = 0  # padding id 0
//! labels = torch.randint(0, 3, (4,))
//! logits = model(text, lengths)
//! loss = F.cross_entropy(logits, labels)
//! loss.backward()
//! ```
//!
//! Cases: the course's shape packed over unsorted lengths including 1; the same batch with the
//! lengths not passed (the padding is read, and the answer differs); unidirectional with one and
//! with two layers (`hidden[-1]` alone); the GRU and vanilla-RNN variants (the course's module
//! with `nn.GRU` / `nn.RNN` under the same attribute `lstm`).
//!
//! Also central finite differences of the embedding's gradient and of one LSTM and one `fc`
//! entry, through the public API on the packed fixture's model; and two training iterations
//! (`train_step_lstm_bidir_2layer`: Adam, `clip_grad_norm_`, the model in eval mode) through
//! the training spec's `data` form and the `Trainer`: each loss, the norm before clipping and
//! every parameter after each step to 1e-9 relative.

use serde_json::{json, Value};
use std::path::PathBuf;
use unrolled::spec::classifier::{parse_classifier_spec_value, run_classifier};
use unrolled::spec::train::parse_train_spec_value;
use unrolled::train::loss::cross_entropy;
use unrolled::train::params::ParamSet;
use unrolled::train::trainer::Trainer;

const REL_TOL: f64 = 1e-9;

const CASES: [&str; 6] = [
    "lstm_bidir_2layer_packed",
    "lstm_bidir_2layer_padded",
    "lstm_unidir_1layer_packed",
    "lstm_unidir_2layer_padded",
    "gru_bidir_2layer_packed",
    "rnn_tanh_bidir_1layer_packed",
];

struct Fixture {
    name: String,
    json: Value,
}

impl Fixture {
    fn load(name: &str) -> Self {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/classifier")
            .join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{name}: cannot read {}: {e}", path.display()));
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(json["name"], name);
        assert!(json["torch_version"].is_string(), "{name}: torch_version");
        Fixture {
            name: name.into(),
            json,
        }
    }

    /// Compares `got` with `want` (nested arrays of the same shape); panics with the snippet.
    fn check(&self, what: &str, got: &Value, want: &Value) {
        assert_eq!(shape(got), shape(want), "{}: {what}: shape", self.name);
        let (got, want) = (flatten(got), flatten(want));
        let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let bound = REL_TOL * w.abs().max(1e-3 * scale).max(1e-12);
            assert!(
                (g - w).abs() <= bound,
                "{}: {what}[{i}]: got {g:e}, want {w:e} (|diff| {:.3e})\n\
                 torch code that produced the fixture:\n{}",
                self.name,
                (g - w).abs(),
                self.json["torch_snippet"].as_str().unwrap_or("?")
            );
        }
    }
}

fn flatten(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flatten).collect(),
        _ => vec![unrolled::json::number(v).unwrap_or_else(|| panic!("not a number: {v}"))],
    }
}

fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => [vec![a.len()], a.first().map(shape).unwrap_or_default()].concat(),
        _ => Vec::new(),
    }
}

fn golden(name: &str) {
    let fx = Fixture::load(name);
    let text = serde_json::to_string(&fx.json["spec"]).unwrap();
    let trace: Value = serde_json::from_str(&unrolled::spec::trace_json(&text).unwrap()).unwrap();
    assert_eq!(trace["model"], "lstm_classifier");
    assert!(trace.get("params").is_none(), "{name}: params were given");
    for k in ["logits", "loss", "features"] {
        fx.check(k, &trace[k], &fx.json[k]);
    }
    let (got, want) = (&trace["grads"]["params"], &fx.json["grads"]);
    let names = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    // serde_json's map is sorted; the order is checked against the state_dict below.
    assert_eq!(names(got), names(want), "{name}: gradient names");
    for (k, w) in want.as_object().unwrap() {
        fx.check(&format!("grads.{k}"), &got[k], w);
    }
    let state_dict: Vec<String> = names(&fx.json["spec"]["params"]);
    assert_eq!(names(want), state_dict);
}

#[test]
fn lstm_classifier_matches_pytorch() {
    for name in &CASES[..4] {
        golden(name);
    }
}

#[test]
fn gru_and_rnn_variants_match_pytorch() {
    for name in &CASES[4..] {
        golden(name);
    }
}

/// The names come out in the module's `state_dict` order (serde_json sorts the fixture's keys,
/// so the order is checked here against PyTorch's naming scheme).
#[test]
fn parameters_are_in_state_dict_order() {
    let fx = Fixture::load("lstm_bidir_2layer_packed");
    let spec = parse_classifier_spec_value(&fx.json["spec"]).unwrap();
    let model = run_classifier(spec).unwrap().model;
    let names: Vec<String> = model.param_shapes().into_iter().map(|(n, _)| n).collect();
    let mut want = vec!["embedding.weight".to_string()];
    for sfx in ["l0", "l0_reverse", "l1", "l1_reverse"] {
        for kind in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
            want.push(format!("lstm.{kind}_{sfx}"));
        }
    }
    want.extend(["fc.weight".to_string(), "fc.bias".to_string()]);
    assert_eq!(names, want);
}

/// Packed and padded runs of the same model and batch differ (the padding is read), and in the
/// packed run the padding id, which occurs only at padded positions, gets no gradient.
#[test]
fn packing_changes_the_answer_and_hides_the_padding() {
    let packed = Fixture::load("lstm_bidir_2layer_packed");
    let padded = Fixture::load("lstm_bidir_2layer_padded");
    assert_eq!(packed.json["spec"]["params"], padded.json["spec"]["params"]);
    assert_ne!(
        flatten(&packed.json["logits"]),
        flatten(&padded.json["logits"])
    );
    let row0 = |fx: &Fixture| flatten(&fx.json["grads"]["embedding.weight"][0]);
    assert!(row0(&packed).iter().all(|g| *g == 0.0));
    assert!(row0(&padded).iter().any(|g| *g != 0.0));
}

/// Central differences, step 1e-6, of the loss with respect to embedding entries of tokens the
/// batch reads, one `lstm.weight_hh_l1_reverse` entry and one `fc.weight` entry, against the
/// backward pass: to 1e-7 absolute (the loss is O(1); the differences' own error is ~1e-10).
#[test]
fn gradients_match_finite_differences() {
    let fx = Fixture::load("lstm_bidir_2layer_packed");
    let spec = parse_classifier_spec_value(&fx.json["spec"]).unwrap();
    let labels = spec.labels.clone().unwrap();
    let tokens = spec.tokens.clone();
    let model = spec.model.model("init").unwrap();
    let grads = model.loss_and_grads(&tokens, &labels, None).backward.grads;
    let loss = |m: &unrolled::train::classifier::LstmClassifier| {
        cross_entropy(&m.forward(&tokens, None).logits, &labels, 3).value
    };
    let e = model.embedding.embedding_dim;
    let read = tokens.ids[0]; // the first token of sentence 0
    let probes = [
        ("embedding.weight", read * e),
        ("embedding.weight", read * e + e - 1),
        ("embedding.weight", tokens.ids[5 + 2] * e + 1),
        ("lstm.weight_hh_l1_reverse", 7),
        ("fc.weight", 4),
    ];
    for (name, k) in probes {
        let analytic = grads
            .param_view(name)
            .unwrap()
            .iter()
            .nth(k)
            .copied()
            .unwrap();
        let at = |delta: f64| {
            let mut m = model.clone();
            m.tensors_mut()
                .into_iter()
                .find(|t| t.name == name)
                .unwrap()
                .values[k] += delta;
            loss(&m)
        };
        let numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
        assert!(analytic != 0.0, "{name}[{k}]: a probe with zero gradient");
        assert!(
            (numeric - analytic).abs() < 1e-7,
            "{name}[{k}]: backward {analytic:e}, central difference {numeric:e}"
        );
    }
}

/// Two iterations of the course's module trained by the `Trainer` from the training spec's
/// `data` form, against `torch.optim.Adam` and `clip_grad_norm_` (snippet in the fixture).
#[test]
fn training_steps_match_pytorch() {
    let fx = Fixture::load("train_step_lstm_bidir_2layer");
    let spec = parse_train_spec_value(&fx.json["spec"]).unwrap();
    let mut trainer = Trainer::new(spec.config).unwrap();
    for (k, want) in fx.json["steps"].as_array().unwrap().iter().enumerate() {
        let report = trainer.step();
        fx.check(
            &format!("step {k}: loss"),
            &json!(report.loss),
            &want["loss"],
        );
        fx.check(
            &format!("step {k}: grad_norm"),
            &json!(report.grad_norm),
            &want["grad_norm"],
        );
        let mut params = String::new();
        unrolled::train::trainer::record::write_params(&mut params, trainer.model());
        let got: Value = serde_json::from_str(&params).unwrap();
        for (name, w) in want["params_after"].as_object().unwrap() {
            fx.check(&format!("step {k}: {name}"), &got[name], w);
        }
    }
}
