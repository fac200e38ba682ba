//! The lab's scene of trained models (`lab::trained`): `unrolled train` specs with their trained
//! parameters, run on one sequence of their task with the task's own loss.
//!
//! - the loss, the head's output and `‖∂L/∂h_t‖` are the training objective's on that sequence
//!   (the functions the trainer itself uses, checked against PyTorch and central differences in
//!   tests/train.rs and tests/train_golden.rs);
//! - the sequence is the task's, cut to its own length, and another seed gives another one;
//! - a cell's `spec_json` reproduces its run with `unrolled trace` (parameters, the 2-wide input,
//!   the task loss's upstream gradient);
//! - the spectrum is the chosen block of the chosen model's `W_hh` (by default the block the
//!   state is computed from);
//! - bad hand-offs are errors naming the field, never panics;
//! - `unrolled trace` of such a spec (the training view's parameters download) is the same run:
//!   the lab's first sequence, the task's loss, the training objective's gradients.

use serde_json::{json, Value};
use unrolled::cell::CellKind;
use unrolled::lab::{self, state_block, SceneConfig, TrainedConfig};
use unrolled::spec::train::parse_train_spec_value;
use unrolled::spec::{parse_spec, run as trace, trace_json};
use unrolled::spectral;
use unrolled::train::objective::{evaluate, loss_and_grads};
use unrolled::train::trainer::Trainer;

/// A spec of `cell` trained briefly on the adding problem (T = 20), with its parameters.
fn trained_spec(cell: &str, seed: u64) -> String {
    let mut spec = json!({
        "model": {"cell": cell, "hidden_size": 6},
        "task": {"name": "adding", "steps": 20},
        "iterations": 30, "eval_every": 30, "eval_size": 8, "batch_size": 4, "seed": seed
    });
    let parsed = parse_train_spec_value(&spec).unwrap();
    let mut trainer = Trainer::new(parsed.config).unwrap();
    let mut clock = 0.0;
    trainer.run(
        || {
            clock += 0.01;
            clock
        },
        |_| {},
    );
    spec["model"]["params"] = serde_json::from_str(&trainer.params_json()).unwrap();
    spec.to_string()
}

fn config(specs: Vec<String>, sequence: u64) -> SceneConfig {
    SceneConfig {
        trained: Some(TrainedConfig {
            specs,
            sequence,
            spectrum_model: 0,
            spectrum_block: None,
        }),
        ..SceneConfig::default()
    }
}

fn compute(c: &SceneConfig) -> Result<lab::SceneResult, String> {
    lab::compute(&c.to_scene()?)
}

#[test]
fn each_model_runs_the_task_sequence_with_the_task_loss() {
    let specs = vec![trained_spec("lstm", 1), trained_spec("gru", 2)];
    let c = config(specs, 7);
    let scene = c.to_scene().unwrap();
    let t = scene.trained.as_ref().unwrap();
    assert_eq!(scene.cells, [CellKind::Lstm, CellKind::Gru]);
    assert_eq!(scene.hidden_size, 6);
    let sample = t.sample();
    let n = sample.batch.steps;
    assert!(
        (20..=22).contains(&n),
        "adding at T = 20 draws 20..=22 steps, got {n}"
    );
    assert_eq!(sample.batch.lengths, [n]);
    assert_eq!(sample.batch.input.len(), 2 * n, "value and marker per step");
    assert_eq!(scene.steps, n);
    let r = lab::compute(&scene).unwrap();
    let view = r.task.as_ref().unwrap();
    assert_eq!(
        (view.task, view.task_steps, view.input_size),
        ("adding", 20, 2)
    );
    assert_eq!(view.target, sample.target);
    for (cell, model) in r.cells.iter().zip(&t.models) {
        let head = cell.head.as_ref().unwrap();
        let want = evaluate(model, &sample, t.task.head());
        assert_eq!(head.loss, want.loss);
        assert_eq!(head.outputs, want.outputs);
        let solved = ((head.outputs[0] - sample.target[0]).abs() < 0.04) as u8 as f64;
        assert_eq!(head.success, solved);
        let pass = loss_and_grads(model, &sample, t.task.head(), None);
        assert_eq!(cell.backward.flow[0].grad_h_norm, pass.flow[0].grad_h_norm);
        assert_eq!(cell.grad_by_lag.len(), n);
        assert_eq!(cell.grad_by_lag[0], pass.flow[0].grad_h_norm[n - 1]);
        assert!(
            cell.theory_by_lag.is_empty(),
            "gated cells have no theory curve"
        );
    }
    let other = compute(&config(c.trained.unwrap().specs, 8)).unwrap();
    assert_ne!(
        other.task.unwrap().target,
        view.target,
        "another seed, another sequence"
    );
}

#[test]
fn a_plain_rnn_gets_its_own_theory_curve() {
    let r = compute(&config(vec![trained_spec("rnn_tanh", 3)], 0)).unwrap();
    let c = &r.cells[0];
    let w = &c.net.layers[0].weight_hh;
    let sigma = spectral::spectral_norm(w, 6, 6);
    assert_eq!(r.w, *w, "the RNN's W_hh is its only block");
    let k = 5;
    let want = c.grad_by_lag[0] * sigma.powi(k as i32);
    assert!((c.theory_by_lag[k] - want).abs() <= 1e-12 * want.abs());
}

#[test]
fn a_cells_spec_reproduces_its_run_with_trace() {
    let r = compute(&config(vec![trained_spec("lstm", 4)], 2)).unwrap();
    let c = &r.cells[0];
    let spec = c.spec_json();
    let v: Value = serde_json::from_str(&spec).unwrap();
    assert_eq!(v["input_size"], 2);
    let out = trace(parse_spec(&spec).unwrap()).unwrap();
    let back = out
        .backward
        .expect("the spec carries the upstream gradient");
    assert_eq!(back.flow[0].grad_h_norm, c.backward.flow[0].grad_h_norm);
}

#[test]
fn the_spectrum_shows_the_chosen_block() {
    assert_eq!(state_block(CellKind::Lstm), 2, "g of i f g o");
    assert_eq!(state_block(CellKind::Gru), 2, "n of r z n");
    assert_eq!(state_block(CellKind::LstmNoForget), 1, "g of i g o");
    assert_eq!(state_block(CellKind::RnnTanh), 0);
    let specs = vec![trained_spec("rnn_tanh", 1), trained_spec("lstm", 1)];
    let mut c = config(specs, 0);
    let r = compute(&c).unwrap();
    let lstm_w = r.cells[1].net.layers[0].weight_hh.clone();
    c.trained.as_mut().unwrap().spectrum_model = 1;
    let g = compute(&c).unwrap();
    assert_eq!(g.w, spectral::block(&lstm_w, 6, 2));
    assert_eq!(g.task.as_ref().unwrap().spectrum_block, 2);
    c.trained.as_mut().unwrap().spectrum_block = Some(1);
    let f = compute(&c).unwrap();
    assert_eq!(f.w, spectral::block(&lstm_w, 6, 1));
    let rho = f.eigenvalues[0].0.hypot(f.eigenvalues[0].1);
    assert_eq!(f.spectral_radius, rho);
}

#[test]
fn bad_hand_offs_name_the_field() {
    let lstm = trained_spec("lstm", 1);
    let err = |specs: Vec<String>, model: usize, block: Option<usize>| {
        let mut c = config(specs, 0);
        let t = c.trained.as_mut().unwrap();
        t.spectrum_model = model;
        t.spectrum_block = block;
        compute(&c).err().expect("an error")
    };
    let mut other: Value = serde_json::from_str(&lstm).unwrap();
    other["task"]["steps"] = json!(30);
    let e = err(vec![lstm.clone(), other.to_string()], 0, None);
    assert!(e.starts_with("trained.specs[1].task: "), "{e}");
    let mut bigger: Value = serde_json::from_str(&trained_spec("gru", 1)).unwrap();
    bigger["model"]["hidden_size"] = json!(7);
    let e = err(vec![lstm.clone(), bigger.to_string()], 0, None);
    assert!(e.starts_with("trained.specs[1].model."), "{e}");
    let e = err(vec!["{\"model\":{\"cell\":\"lstn\"}}".into()], 0, None);
    assert!(e.starts_with("trained.specs[0]."), "{e}");
    let e = err(vec!["not json".into()], 0, None);
    assert!(e.starts_with("trained.specs[0]."), "{e}");
    let e = err(vec![], 0, None);
    assert!(e.starts_with("trained.specs: "), "{e}");
    let e = err(vec![lstm.clone()], 1, None);
    assert!(e.starts_with("trained.spectrum_model: "), "{e}");
    let e = err(vec![lstm.clone()], 0, Some(4));
    assert!(e.starts_with("trained.spectrum_block: "), "{e}");
    let mut two: Value = serde_json::from_str(&lstm).unwrap();
    two["model"]["num_layers"] = json!(2);
    two["model"].as_object_mut().unwrap().remove("params");
    let e = err(vec![two.to_string()], 0, None);
    assert!(e.starts_with("trained.specs[0].model.num_layers: "), "{e}");
    two["model"]["num_layers"] = json!(1);
    two["model"]["bidirectional"] = json!(true);
    let e = err(vec![two.to_string()], 0, None);
    assert!(
        e.starts_with("trained.specs[0].model.bidirectional: "),
        "{e}"
    );
    let data = json!({
        "model": {"cell": "gru", "hidden_size": 3},
        "data": {"input": [[[0.5], [1.0]]], "target": [[0.2]]}
    });
    let e = err(vec![data.to_string()], 0, None);
    assert!(e.starts_with("trained.specs[0].data: "), "{e}");
}

/// The chart's theory line for a trained RNN is `σ_max^k` of that RNN's own `W_hh`, whichever
/// matrix the spectrum shows (it once followed the shown matrix).
#[test]
fn the_charted_theory_line_uses_the_rnns_own_matrix() {
    use unrolled::chart::registry::{gradient_flow, FlowOptions};
    use unrolled::chart::source::Source;
    let specs = vec![trained_spec("lstm", 1), trained_spec("rnn_tanh", 2)];
    let mut c = config(specs, 0);
    c.trained.as_mut().unwrap().spectrum_block = Some(1); // the LSTM's W_hf on the plane
    let r = compute(&c).unwrap();
    let rnn = &r.cells[1];
    let sigma = spectral::spectral_norm(&rnn.net.layers[0].weight_hh, 6, 6);
    assert!(
        (r.max_singular_value - sigma).abs() > 1e-6,
        "the shown matrix is another one"
    );
    let chart = gradient_flow(&Source::scene(&r), FlowOptions::default(), false).unwrap();
    let theory: Vec<_> = chart.series.iter().filter(|s| s.is_theory()).collect();
    assert_eq!(theory.len(), 1, "only the plain RNN has a theory line");
    let k = 4;
    let want = sigma.powi(k as i32);
    assert!(
        (theory[0].values[k] - want).abs() <= 1e-9 * want,
        "{} vs {want}",
        theory[0].values[k]
    );
}

/// `spec`'s model with its parameters, as the trainer builds it.
fn model_of(spec: &str) -> unrolled::train::model::Model {
    let config = parse_train_spec_value(&serde_json::from_str(spec).unwrap())
        .unwrap()
        .config;
    let trainer = Trainer::new(config).unwrap();
    match trainer.model() {
        unrolled::train::trainer::Learner::Sequence(m) => m.clone(),
        _ => unreachable!("a sequence model"),
    }
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        x => vec![x.as_f64().unwrap()],
    }
}

#[test]
fn trace_of_a_training_spec_is_the_labs_first_sequence_with_the_task_loss() {
    let spec = trained_spec("gru", 5);
    let out: Value = serde_json::from_str(&trace_json(&spec).unwrap()).unwrap();
    let lab = compute(&config(vec![spec.clone()], 0)).unwrap();
    let shown = lab.cells[0].head.as_ref().unwrap();
    assert_eq!(out["head"]["loss"].as_f64().unwrap(), shown.loss);
    assert_eq!(flat(&out["head"]["outputs"]), shown.outputs);
    assert_eq!(flat(&out["head"]["target"]), lab.task.unwrap().target);
    assert_eq!(out["head"]["success"].as_f64().unwrap(), shown.success);
    let model = model_of(&spec);
    let problem = parse_train_spec_value(&serde_json::from_str(&spec).unwrap())
        .unwrap()
        .config
        .problem;
    let unrolled::train::trainer::Problem::Task(task) = problem else {
        unreachable!("the spec has a task")
    };
    let sample = task.one_sequence(0);
    assert_eq!(out["steps"].as_u64().unwrap() as usize, sample.batch.steps);
    assert_eq!(flat(&out["output"]).len(), sample.batch.steps * 6);
    let pass = loss_and_grads(&model, &sample, task.head(), None);
    for (name, want) in [
        ("weight_hh_l0", &pass.grads.rnn.layers[0].weight_hh),
        ("weight_ih_l0", &pass.grads.rnn.layers[0].weight_ih),
        ("bias_hh_l0", &pass.grads.rnn.layers[0].bias_hh),
    ] {
        let got = flat(&out["grads"]["params"][name]);
        assert_eq!(got.len(), want.len(), "{name}");
        for (g, w) in got.iter().zip(want.iter()) {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1e-12),
                "{name}: {g} against the trainer's {w}"
            );
        }
    }
}

#[test]
fn trace_of_a_training_spec_reads_data_and_copy_and_refuses_the_classifier() {
    let data = json!({
        "model": {"cell": "lstm", "hidden_size": 3},
        "data": {"input": [[[1.0], [0.5], [0.0]], [[0.2], [0.0], [0.0]]], "lengths": [3, 1], "labels": [1, 0], "classes": 2},
    });
    let out: Value = serde_json::from_str(&trace_json(&data.to_string()).unwrap()).unwrap();
    assert_eq!(out["lengths"], json!([3, 1]));
    assert_eq!(out["head"]["labels"], json!([1, 0]));
    assert_eq!(out["head"]["outputs"].as_array().unwrap().len(), 2);
    assert_eq!(
        out["head"]["outputs"][0].as_array().unwrap().len(),
        2,
        "two classes"
    );
    let copy = json!({"model": {"cell": "gru", "hidden_size": 4}, "task": {"name": "copy", "steps": 5, "k": 2}});
    let out: Value = serde_json::from_str(&trace_json(&copy.to_string()).unwrap()).unwrap();
    let n = out["steps"].as_u64().unwrap() as usize;
    assert_eq!(
        out["head"]["labels"][0].as_array().unwrap().len(),
        n,
        "a label per step"
    );
    assert_eq!(
        out["head"]["outputs"][0].as_array().unwrap().len(),
        n,
        "logits per step"
    );
    let classifier = json!({
        "model": {"model": "lstm_classifier", "vocab_size": 5, "embed_dim": 2, "hidden_dim": 2, "output_dim": 2},
        "data": {"text": [[1, 2]], "labels": [0]},
    });
    let e = trace_json(&classifier.to_string()).unwrap_err();
    assert_eq!(e.field, "model.model");
    let bad = json!({"model": {"cell": "lstm", "hidden_size": 3}, "task": {"name": "adding", "steps": 0}});
    assert_eq!(
        trace_json(&bad.to_string()).unwrap_err().field,
        "task.steps"
    );
}
