//! Golden tests of the training core against PyTorch: every fixture in `tests/fixtures/train/`
//! was written by `tests/fixtures/train/generate.py` (torch, float64; `torch_version` in each
//! file) and carries the torch code that produced it (`torch_snippet`, printed when a comparison
//! fails). The fixtures are committed, so these tests need no torch.
//!
//! - Optimisers: a `torch.nn.Linear(3, 2)`'s `weight` and `bias`, six steps of given gradients;
//!   the parameters after every step must agree to 1e-10 relative. The snippets share this shape
//!   (here `sgd_nesterov`):
//!
//! ```python
//! torch.manual_seed(104)
//! m = torch.nn.Linear(3, 2, dtype=torch.float64)
//! opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.8, nesterov=True, foreach=False)
//! grads = [{n: s * torch.randn_like(p) for n, p in m.named_parameters()} for s in [3.0, 1.0, 0.3, 2.0, 0.5, 0.1]]
//! initial = {n: p.detach().clone() for n, p in m.named_parameters()}
//! after = []
//! for g in grads:
//!     for n, p in m.named_parameters():
//!         p.grad = g[n].clone()
//!     opt.step()
//!     after.append({n: p.detach().clone() for n, p in m.named_parameters()})
//! ```
//!
//! - Losses (`F.mse_loss`, `F.cross_entropy`, the latter per row and per step with ignored
//!   positions) and the `Linear` head (output and gradients w.r.t. input, weight and bias):
//!   1e-12 relative.
//!
//! - One training step, twice (`train_step_*`): a module with attributes `rnn` (`nn.LSTM`,
//!   `nn.GRU`, `nn.RNN`, run packed over unsorted lengths) and `fc` (`nn.Linear`) reading the
//!   last valid step (MSE, cross-entropy) or every step (cross-entropy, padded labels ignored),
//!   then `clip_grad_norm_`/`clip_grad_value_` and Adam, AdamW (amsgrad) or SGD (nesterov): the
//!   loss, every gradient by name and the norm before clipping to 1e-9 relative, the parameters
//!   after each step to 1e-9. Through the core pieces (`objective`, `clip_grads`, the
//!   optimiser), and for the heads at the end also through the training spec's `data` form and
//!   the `Trainer`. The snippet (here `train_step_lstm_regression`, abridged):
//!
//! ```python
//! class Net(torch.nn.Module):
//!     def __init__(self):
//!         super().__init__()
//!         self.rnn = torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64)
//!         self.fc = torch.nn.Linear(6, 2, dtype=torch.float64)
//!     def forward(self, x, lengths):
//!         packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
//!         out, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=x.shape[1])
//!         return self.fc(out[torch.arange(x.shape[0]), lengths - 1])
//! for _ in range(2):
//!     opt.zero_grad()
//!     loss = F.mse_loss(model(x, lengths), target)
//!     loss.backward()
//!     torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, foreach=False)
//!     opt.step()
//! ```
//!
//! Relative means `|got − want| ≤ tol · max(|want|, 1e-3 · max|want over the tensor|, 1e-12)`.
//! (Here everything agrees to 1e-14; the margins are for other CPUs' fused multiply-adds.)

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use unrolled::cell::CellKind;
use unrolled::network::{Architecture, Batch};
use unrolled::spec::train::parse_train_spec_value;
use unrolled::train::clip::clip_grads;
use unrolled::train::linear::Linear;
use unrolled::train::loss::{cross_entropy, cross_entropy_steps, mse};
use unrolled::train::model::Model;
use unrolled::train::objective::loss_and_grads;
use unrolled::train::optim::adam::{Adam, AdamConfig};
use unrolled::train::optim::sgd::{Sgd, SgdConfig};
use unrolled::train::optim::Optimizer;
use unrolled::train::params::ParamSet;
use unrolled::train::tasks::{Head, TaskBatch};
use unrolled::train::trainer::Trainer;

const OPTIMIZER_TOL: f64 = 1e-10;
const EXACT_TOL: f64 = 1e-12;

const OPTIMIZERS: [&str; 16] = [
    "sgd_plain",
    "sgd_momentum",
    "sgd_momentum_dampening",
    "sgd_nesterov",
    "sgd_weight_decay_momentum_dampening",
    "sgd_nesterov_weight_decay",
    "sgd_maximize_weight_decay",
    "adam_defaults",
    "adam_betas_weight_decay",
    "adam_amsgrad",
    "adam_amsgrad_weight_decay_eps",
    "adam_maximize",
    "adam_decoupled_weight_decay",
    "adamw_defaults",
    "adamw_betas_weight_decay",
    "adamw_amsgrad",
];
const LOSSES: [&str; 4] = [
    "mse",
    "cross_entropy",
    "cross_entropy_large_logits",
    "cross_entropy_steps",
];
const LINEARS: [&str; 2] = ["linear_rows", "linear_sequence"];
const TRAIN_STEPS: [&str; 3] = [
    "train_step_lstm_regression",
    "train_step_gru_classes",
    "train_step_rnn_every_step",
];
const TRAIN_TOL: f64 = 1e-9;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/train")
}

/// A fixture and the snippet that produced it.
struct Fixture {
    name: String,
    json: Value,
}

impl Fixture {
    fn load(name: &str) -> Self {
        let path = fixture_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{name}: cannot read {}: {e}", path.display()));
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(json["name"], name, "{name}: fixture name");
        assert!(json["torch_version"].is_string(), "{name}: torch_version");
        Fixture {
            name: name.into(),
            json,
        }
    }

    /// Compares `got` (flat, row-major) with the nested JSON `want`; panics with the snippet.
    fn check(&self, what: &str, got: &[f64], want: &Value, tol: f64) {
        let want = flatten(want);
        assert_eq!(got.len(), want.len(), "{}: {what}: size", self.name);
        let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let bound = tol * w.abs().max(1e-3 * scale).max(1e-12);
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

    fn numbers(&self, key: &str) -> Vec<f64> {
        flatten(&self.json[key])
    }
}

/// Nested JSON arrays of numbers, row-major.
fn flatten(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flatten).collect(),
        _ => vec![unrolled::json::number(v).unwrap_or_else(|| panic!("not a number: {v}"))],
    }
}

fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => [vec![a.len()], shape(&a[0])].concat(),
        _ => Vec::new(),
    }
}

/// A `Linear` from `{"weight": [[…]], "bias": […]}`.
fn linear(v: &Value) -> Linear {
    let dims = shape(&v["weight"]);
    Linear {
        in_features: dims[1],
        out_features: dims[0],
        weight: flatten(&v["weight"]),
        bias: flatten(&v["bias"]),
    }
}

fn number(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn flag(v: &Value) -> bool {
    v.as_bool().expect("a boolean")
}

/// `torch.optim.SGD`'s keyword arguments as an [`SgdConfig`]; an unknown one fails the test.
fn sgd_config(kwargs: &Value) -> SgdConfig {
    let kwargs = kwargs.as_object().expect("config");
    let mut c = SgdConfig::new(number(&kwargs["lr"]));
    for (key, v) in kwargs {
        match key.as_str() {
            "lr" => {}
            "momentum" => c.momentum = number(v),
            "dampening" => c.dampening = number(v),
            "weight_decay" => c.weight_decay = number(v),
            "nesterov" => c.nesterov = flag(v),
            "maximize" => c.maximize = flag(v),
            _ => panic!("SGD argument {key} has no field"),
        }
    }
    c
}

/// `torch.optim.Adam`'s (or AdamW's, from `base`) keyword arguments as an [`AdamConfig`].
fn adam_config(kwargs: &Value, base: AdamConfig) -> AdamConfig {
    let mut c = base;
    for (key, v) in kwargs.as_object().expect("config") {
        match key.as_str() {
            "lr" => c.lr = number(v),
            "betas" => c.betas = (number(&v[0]), number(&v[1])),
            "eps" => c.eps = number(v),
            "weight_decay" => c.weight_decay = number(v),
            "amsgrad" => c.amsgrad = flag(v),
            "maximize" => c.maximize = flag(v),
            "decoupled_weight_decay" => c.decoupled_weight_decay = flag(v),
            _ => panic!("Adam argument {key} has no field"),
        }
    }
    c
}

fn optimizer(fx: &Fixture) -> Box<dyn Optimizer> {
    let kwargs = &fx.json["config"];
    match fx.json["optimizer"].as_str().expect("optimizer") {
        "SGD" => Box::new(Sgd::new(sgd_config(kwargs)).unwrap()),
        "Adam" => Box::new(Adam::new(adam_config(kwargs, AdamConfig::default())).unwrap()),
        "AdamW" => Box::new(Adam::new(adam_config(kwargs, AdamConfig::adamw())).unwrap()),
        other => panic!("{}: unknown optimizer {other}", fx.name),
    }
}

/// Runs the fixture's gradients through the optimiser, comparing after every step.
fn golden_optimizer(name: &str) {
    let fx = Fixture::load(name);
    let mut params = linear(&fx.json["params"]);
    let mut opt = optimizer(&fx);
    let grads = fx.json["grads"].as_array().expect("grads");
    let after = fx.json["params_after"].as_array().expect("params_after");
    assert_eq!(grads.len(), after.len());
    for (step, (g, want)) in grads.iter().zip(after).enumerate() {
        opt.step(&mut params, &linear(g));
        for t in params.tensors() {
            let what = format!("step {}: {}", step + 1, t.name);
            fx.check(&what, t.values, &want[&t.name], OPTIMIZER_TOL);
        }
    }
}

fn golden_loss(name: &str) {
    let fx = Fixture::load(name);
    let input = fx.numbers("input");
    let loss = if fx.json.get("target").is_some() {
        mse(&input, &fx.numbers("target"))
    } else {
        let classes = *shape(&fx.json["input"]).last().unwrap();
        let labels: Vec<Option<usize>> = fx
            .numbers("labels")
            .into_iter()
            .map(|y| (y >= 0.0).then_some(y as usize)) // -100: ignore_index
            .collect();
        let loss = cross_entropy_steps(&input, &labels, classes);
        if labels.iter().all(Option::is_some) {
            let plain: Vec<usize> = labels.iter().flatten().copied().collect();
            assert_eq!(cross_entropy(&input, &plain, classes), loss);
        }
        loss
    };
    fx.check("value", &[loss.value], &fx.json["value"], EXACT_TOL);
    fx.check("grad", &loss.grad, &fx.json["grad"], EXACT_TOL);
}

fn golden_linear(name: &str) {
    let fx = Fixture::load(name);
    let fc = linear(&fx.json);
    let input = fx.numbers("input");
    fx.check("output", &fc.forward(&input), &fx.json["output"], EXACT_TOL);
    let bw = fc.backward(&input, &fx.numbers("grad_output"));
    fx.check(
        "grad_input",
        &bw.grad_input,
        &fx.json["grad_input"],
        EXACT_TOL,
    );
    fx.check(
        "grad_weight",
        &bw.grads.weight,
        &fx.json["grad_weight"],
        EXACT_TOL,
    );
    fx.check(
        "grad_bias",
        &bw.grads.bias,
        &fx.json["grad_bias"],
        EXACT_TOL,
    );
}

#[test]
fn optimizers_match_pytorch() {
    for name in OPTIMIZERS {
        golden_optimizer(name);
    }
}

#[test]
fn losses_match_pytorch() {
    for name in LOSSES {
        golden_loss(name);
    }
}

#[test]
fn linear_head_matches_pytorch() {
    for name in LINEARS {
        golden_linear(name);
    }
}

/// The fixture's module as a [`Model`] with its initial parameters.
fn fixture_model(fx: &Fixture) -> Model {
    let j = &fx.json;
    let params = &j["params"];
    let w_ih = shape(&params["rnn.weight_ih_l0"]);
    let arch = Architecture {
        cell: CellKind::from_name(j["cell"].as_str().unwrap()).unwrap(),
        input_size: w_ih[1],
        hidden_size: shape(&params["rnn.weight_hh_l0"])[1],
        num_layers: j["num_layers"].as_u64().unwrap() as usize,
        bidirectional: flag(&j["bidirectional"]),
    };
    let mut m = Model::zeros(arch, shape(&params["fc.weight"])[0]);
    for t in m.tensors_mut() {
        t.values.copy_from_slice(&flatten(&params[&t.name]));
    }
    m
}

/// The fixture's batch, its targets (labels −100, PyTorch's ignore_index at padded positions,
/// become 0: the objective ignores positions past each length) and the head.
fn fixture_sample(fx: &Fixture, classes: usize) -> (TaskBatch, Head) {
    let j = &fx.json;
    let dims = shape(&j["input"]);
    let lengths: Vec<usize> = j["lengths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap() as usize)
        .collect();
    let batch = Batch {
        input: flatten(&j["input"]),
        batch: dims[0],
        steps: dims[1],
        lengths,
    };
    let labels: Vec<usize> = match j.get("labels") {
        Some(l) => flatten(l).iter().map(|&y| y.max(0.0) as usize).collect(),
        None => Vec::new(),
    };
    assert!(labels.iter().all(|&y| y < classes));
    let target = j.get("target").map(flatten).unwrap_or_default();
    let head = match (j["head"].as_str().unwrap(), target.is_empty()) {
        ("every", _) => Head::ClassEveryStep,
        (_, false) => Head::RegressionAtEnd,
        (_, true) => Head::ClassAtEnd,
    };
    (
        TaskBatch {
            batch,
            target,
            labels,
        },
        head,
    )
}

/// The training spec of the fixture's run: the `data` form when the head reads the end, else a
/// stand-in batch (only its optimizer and clip are read).
fn fixture_spec(fx: &Fixture, head: Head) -> Value {
    let j = &fx.json;
    let mut model = json!({"cell": j["cell"], "hidden_size": shape(&j["params"]["rnn.weight_hh_l0"])[1],
        "num_layers": j["num_layers"], "bidirectional": j["bidirectional"]});
    let mut data = json!({"input": j["input"], "lengths": j["lengths"]});
    match head {
        Head::RegressionAtEnd => data["target"] = j["target"].clone(),
        Head::ClassAtEnd => {
            data["labels"] = j["labels"].clone();
            data["classes"] = json!(shape(&j["params"]["fc.weight"])[0]);
        }
        Head::ClassEveryStep => {
            data["labels"] = json!(vec![0; shape(&j["input"])[0]]);
            data["classes"] = json!(shape(&j["params"]["fc.weight"])[0]);
        }
    }
    if head != Head::ClassEveryStep {
        model["params"] = j["params"].clone();
    }
    json!({"model": model, "data": data, "optimizer": j["optimizer"], "clip": j["clip"],
           "iterations": 2})
}

fn golden_train_step(name: &str) {
    let fx = Fixture::load(name);
    let mut model = fixture_model(&fx);
    let (sample, head) = fixture_sample(&fx, model.fc.out_features);
    let spec = parse_train_spec_value(&fixture_spec(&fx, head)).unwrap();
    let mut opt = spec.config.optimizer.build().unwrap();
    let steps = fx.json["steps"].as_array().unwrap();
    for (k, want) in steps.iter().enumerate() {
        let mut pass = loss_and_grads(&model, &sample, head, None);
        let at = |what: &str| format!("step {}: {what}", k + 1);
        fx.check(&at("loss"), &[pass.scored.loss], &want["loss"], TRAIN_TOL);
        for t in pass.grads.tensors() {
            let grad = &want["grads"][&t.name];
            fx.check(&at(&format!("grad {}", t.name)), t.values, grad, TRAIN_TOL);
        }
        let clip = clip_grads(&mut pass.grads, spec.config.clipping);
        fx.check(
            &at("grad_norm"),
            &[clip.norm_before],
            &want["grad_norm"],
            TRAIN_TOL,
        );
        opt.step(&mut model, &pass.grads);
        for t in model.tensors() {
            let p = &want["params_after"][&t.name];
            fx.check(&at(&format!("param {}", t.name)), t.values, p, TRAIN_TOL);
        }
    }
    if head == Head::ClassEveryStep {
        return; // the data form has one label per sequence
    }
    let mut trainer = Trainer::new(spec.config).unwrap();
    for (k, want) in steps.iter().enumerate() {
        let report = trainer.step();
        let at = |what: &str| format!("Trainer step {}: {what}", k + 1);
        fx.check(&at("loss"), &[report.loss], &want["loss"], TRAIN_TOL);
        fx.check(
            &at("grad_norm"),
            &[report.grad_norm],
            &want["grad_norm"],
            TRAIN_TOL,
        );
        for t in trainer.model().tensors() {
            let p = &want["params_after"][&t.name];
            fx.check(&at(&format!("param {}", t.name)), t.values, p, TRAIN_TOL);
        }
    }
}

#[test]
fn training_steps_match_pytorch() {
    for name in TRAIN_STEPS {
        golden_train_step(name);
    }
}

#[test]
fn every_fixture_is_tested() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".json").map(str::to_string)
        })
        .collect();
    let tested: BTreeSet<String> = OPTIMIZERS
        .iter()
        .chain(&LOSSES)
        .chain(&LINEARS)
        .chain(&TRAIN_STEPS)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(on_disk, tested);
}
