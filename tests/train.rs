//! The training loop end to end, through the training spec (`unrolled::spec::train`) and the
//! [`Trainer`], with a deterministic clock (each `step` counts as 0.01 s), so whole records can
//! be compared.
//!
//! - learning: adding_sum, T = 10, an LSTM with H = 16 and the recipe (Adam 10⁻², B = 32, clip 1,
//!   carry bias 1) must bring the held-out loss below a tenth of the constant predictor's
//!   (`1/6`) within 600 iterations. Measured with seeds 0–3 (release build): a tenth is first
//!   reached at iteration 350, 250, 300 and 250 (evaluating every 50), so 600 leaves a margin of
//!   1.7× for seed 0, the one tested;
//! - determinism: the same spec twice gives the same records, byte for byte;
//! - every log field present and sane, for every cell, stacked and bidirectional;
//! - the `data` form: an explicit batch with variable lengths, regression and classes;
//! - `params` round trip: the final parameters fed back as `model.params` give the same loss;
//! - the gradient of one iteration (loss through the head, then bptt) against central
//!   differences for each head (and the same bits from the training step's pass without the
//!   per-step records): regression at the last valid step with variable lengths, class
//!   at the end, class at every step.

use serde_json::{json, Value};
use unrolled::cell::CellKind;
use unrolled::init::{init_network, InitConfig};
use unrolled::network::{Architecture, Batch};
use unrolled::rng::Rng;
use unrolled::spec::train::{parse_train_spec, parse_train_spec_value};
use unrolled::train::linear::Linear;
use unrolled::train::model::Model;
use unrolled::train::objective::{evaluate, loss_and_grads, loss_and_grads_only};
use unrolled::train::params::ParamSet;
use unrolled::train::tasks::{AddingSum, Head, TaskBatch};
use unrolled::train::trainer::{FinalRecord, LogRecord, Trainer};

/// Runs a spec with the deterministic clock; returns the log records and the final record.
fn run(spec: &Value) -> (Vec<LogRecord>, FinalRecord, Trainer) {
    let spec = parse_train_spec_value(spec).unwrap_or_else(|e| panic!("{e}"));
    let mut trainer = Trainer::new(spec.config).unwrap();
    let mut clock = 0.0;
    let mut records = Vec::new();
    let last = trainer.run(
        || {
            clock += 0.005;
            clock
        },
        |r| records.push(r.clone()),
    );
    (records, last, trainer)
}

fn lines(records: &[LogRecord], last: &FinalRecord) -> Vec<String> {
    let mut out: Vec<String> = records.iter().map(LogRecord::to_json).collect();
    out.push(last.to_json(None));
    out
}

#[test]
fn lstm_learns_adding_sum_below_a_tenth_of_the_constant_predictor() {
    let (records, last, _) = run(&json!({
        // Batch and carry bias spelled out: the test was calibrated with them, not with the recipe.
        "model": {"cell": "lstm", "hidden_size": 16, "init": {"carry_bias": 1}},
        "task": {"name": "adding_sum", "steps": 10},
        "iterations": 600, "eval_every": 100, "eval_size": 256, "seed": 0, "batch_size": 32
    }));
    let tenth = AddingSum::BASELINE_LOSS / 10.0;
    assert!(
        last.test_loss < tenth,
        "test loss {} after 600 iterations, want < {tenth}",
        last.test_loss
    );
    let first = records[1].train_loss.unwrap();
    let final_train = records.last().unwrap().train_loss.unwrap();
    assert!(final_train < first / 10.0, "{first} → {final_train}");
    assert_eq!((last.iterations, last.sequences), (600, 600 * 32));
    assert!((last.seconds - 3.0).abs() < 1e-9, "600 steps of 0.005 s");
}

#[test]
fn the_same_spec_gives_the_same_records_and_another_seed_does_not() {
    let spec = |seed: u64| {
        json!({
            "model": {"cell": "gru", "hidden_size": 5, "num_layers": 2, "dropout": 0.2},
            "task": {"name": "adding", "steps": 12},
            "iterations": 7, "eval_every": 3, "eval_size": 40, "batch_size": 5, "seed": seed
        })
    };
    let (a, fa, _) = run(&spec(3));
    let (b, fb, _) = run(&spec(3));
    assert_eq!(lines(&a, &fa), lines(&b, &fb));
    let (c, fc, _) = run(&spec(4));
    assert_ne!(lines(&a, &fa), lines(&c, &fc));
}

/// Checks one log line against docs/spec.md; returns it parsed.
fn check_log_line(line: &str, cell: CellKind, layers: usize, dirs: usize) -> Value {
    let v: Value = serde_json::from_str(line).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let success = if v.get("test_solved").is_some() {
        "test_solved"
    } else {
        "test_accuracy"
    };
    let mut want = [
        "iteration",
        "sequences",
        "seconds",
        "train_loss",
        "test_loss",
        success,
        "grad_norm",
        "clipped",
        "clip_count",
        "w_hh",
        "grad_by_lag",
    ];
    // serde_json's map is sorted; the order written is checked in tests/cli.rs.
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want, "{line}");
    let fraction = v[success].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&fraction));
    assert!(v["test_loss"].as_f64().unwrap() > 0.0);
    let w_hh = v["w_hh"].as_array().unwrap();
    assert_eq!(w_hh.len(), layers * dirs * cell.gates());
    let mut i = 0;
    for l in 0..layers {
        for d in 0..dirs {
            for block in cell.blocks() {
                let s = &w_hh[i];
                assert_eq!(
                    (s["layer"].as_u64(), s["direction"].as_u64()),
                    (Some(l as u64), Some(d as u64))
                );
                assert_eq!(s["block"], block.name);
                let rho = s["spectral_radius"].as_f64().unwrap();
                let sigma = s["max_singular_value"].as_f64().unwrap();
                assert!(
                    rho > 0.0 && rho <= sigma * (1.0 + 1e-9),
                    "ρ {rho} ≤ σ_max {sigma}"
                );
                i += 1;
            }
        }
    }
    let curve = v["grad_by_lag"].as_array().unwrap();
    assert!(curve.iter().all(|g| g.as_f64().unwrap() >= 0.0));
    assert!(curve[0].as_f64().unwrap() > 0.0);
    v
}

#[test]
fn every_log_field_is_present_and_sane() {
    let tasks = [
        json!({"name": "temporal_order", "steps": 10}),
        json!({"name": "copy", "steps": 4, "k": 2}),
        json!({"name": "adding", "steps": 10}),
    ];
    for (i, cell) in CellKind::ALL.into_iter().enumerate() {
        let (layers, bidirectional) = [(1, false), (2, true), (2, false)][i % 3];
        let dirs = if bidirectional { 2 } else { 1 };
        let task = &tasks[i % 3];
        let (records, last, trainer) = run(&json!({
            "model": {"cell": cell.name(), "hidden_size": 3, "num_layers": layers,
                      "bidirectional": bidirectional},
            "task": task, "iterations": 5, "eval_every": 2, "eval_size": 9, "batch_size": 4,
            "clip": {"max_norm": 0.01}
        }));
        let its: Vec<u64> = records.iter().map(|r| r.iteration).collect();
        assert_eq!(its, vec![0, 2, 4, 5], "{}", cell.name());
        let probe = trainer.probe().expect("a task has a probe batch");
        let longest = *probe.batch.lengths.iter().max().unwrap();
        // Success is hits over the scored items (9 sequences, times k = 2 for copy), exactly.
        let items = if i % 3 == 1 { 18.0 } else { 9.0 };
        for r in &records {
            let v = check_log_line(&r.to_json(), cell, layers, dirs);
            let fraction = r.success.value;
            assert_eq!(fraction, (fraction * items).round() / items, "{fraction}");
            assert_eq!(v["sequences"], r.iteration * 4);
            assert_eq!(v["grad_by_lag"].as_array().unwrap().len(), longest);
            if r.iteration == 0 {
                for k in ["train_loss", "grad_norm", "clipped"] {
                    assert!(v[k].is_null(), "{k} at iteration 0");
                }
                assert_eq!(v["clip_count"], 0);
            } else {
                // max_norm 0.01: clipping fires at every iteration.
                let since = if r.iteration == 5 { 1 } else { 2 };
                assert_eq!(v["clip_count"], since, "{}", cell.name());
                assert_eq!(v["clipped"], true);
                assert!(v["grad_norm"].as_f64().unwrap() > 0.01);
                assert!(v["train_loss"].as_f64().unwrap() > 0.0);
            }
        }
        let f: Value = serde_json::from_str(&last.to_json(None)).unwrap();
        assert_eq!(f["final"], true);
        assert_eq!(f["iterations"], 5);
        assert_eq!(f["test_loss"].as_f64(), Some(records[3].test_loss));
        assert!(f.get("params").is_none());
    }
}

/// Four sequences of lengths 6, 3, 5, 1: the target is the first input of each (a memory of up
/// to 5 steps), read at each one's own last step.
fn explicit_regression() -> Value {
    let mut rng = Rng::new(9);
    let lengths = [6, 3, 5, 1];
    let input: Vec<Vec<Vec<f64>>> = lengths
        .iter()
        .map(|&n| {
            (0..6)
                .map(|t| {
                    let x = if t < n {
                        rng.uniform_in(-1.0, 1.0)
                    } else {
                        0.0
                    };
                    vec![x, f64::from(t == 0)]
                })
                .collect()
        })
        .collect();
    let target: Vec<Vec<f64>> = input.iter().map(|s| vec![s[0][0], -s[0][0]]).collect();
    json!({"input": input, "lengths": lengths, "target": target})
}

#[test]
fn an_explicit_batch_is_learnt_and_tested_on() {
    let spec = json!({
        "model": {"cell": "lstm", "hidden_size": 8},
        "data": explicit_regression(),
        "iterations": 300, "eval_every": 300,
        "optimizer": {"name": "adam", "lr": 0.02}
    });
    let (records, last, trainer) = run(&spec);
    let (first, end) = (records[0].test_loss, last.test_loss);
    assert!(end < first / 100.0, "loss {first} → {end}");
    assert_eq!(last.success.field, "test_solved");
    assert_eq!(last.sequences, 300 * 4);
    assert_eq!(trainer.model().sequence().unwrap().fc.out_features, 2);
    // Classes: the label is the sign of the first input.
    let data = explicit_regression();
    let labels: Vec<usize> = data["target"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| usize::from(t[0].as_f64().unwrap() > 0.0))
        .collect();
    let spec = json!({
        "model": {"cell": "gru", "hidden_size": 6},
        "data": {"input": data["input"], "lengths": data["lengths"], "labels": labels,
                 "classes": 2},
        "iterations": 150, "eval_every": 150, "optimizer": {"name": "adam", "lr": 0.02}
    });
    let (records, last, _) = run(&spec);
    assert!(last.test_loss < records[0].test_loss / 10.0);
    assert_eq!(
        (last.success.field, last.success.value),
        ("test_accuracy", 1.0)
    );
    assert_eq!(last.reached.map(|r| r.iteration), Some(150));
}

#[test]
fn emitted_params_fed_back_reproduce_the_loss() {
    let spec = json!({
        "model": {"cell": "gru", "hidden_size": 4, "bidirectional": true},
        "task": {"name": "temporal_order", "steps": 12},
        "iterations": 20, "eval_every": 20, "eval_size": 16, "batch_size": 8, "seed": 5
    });
    let (_, last, trainer) = run(&spec);
    let text = trainer.params_json();
    assert!(
        text.starts_with("{\"rnn.weight_ih_l0\":[["),
        "state_dict order"
    );
    assert!(text.contains("],\"fc.weight\":[[") && text.contains("]],\"fc.bias\":["));
    let params: Value = serde_json::from_str(&text).unwrap();
    let mut names: Vec<String> = params.as_object().unwrap().keys().cloned().collect();
    let mut want: Vec<String> = trainer
        .model()
        .param_shapes()
        .into_iter()
        .map(|s| s.0)
        .collect();
    names.sort();
    want.sort();
    assert_eq!(names, want);
    let mut again = spec.clone();
    again["model"]["params"] = params;
    again["iterations"] = json!(0);
    let (records, restart, restarted) = run(&again);
    assert_eq!(records.len(), 1);
    assert_eq!(restarted.model(), trainer.model());
    assert_eq!(restart.test_loss, last.test_loss);
    assert_eq!(restart.success, last.success);
}

#[test]
fn only_model_task_and_seconds_use_the_recipe() {
    // The README's example: only model, task and seconds.
    let spec = parse_train_spec(include_str!("../examples/train_adding_sum.json")).unwrap();
    let c = &spec.config;
    let r = unrolled::train::trainer::RECIPE;
    assert_eq!(c.optimizer, r.optimizer);
    assert_eq!(
        (c.batch_size, c.eval_every, c.eval_size),
        (r.batch_size, r.eval_every, r.eval_size)
    );
    assert_eq!(c.clipping, r.clipping);
    assert_eq!((c.budget.iterations, c.budget.seconds), (None, Some(10.0)));
    let trainer = Trainer::new(spec.config.clone()).unwrap();
    let f = &trainer.model().rnn().layers[0];
    let h = c.model.arch.hidden_size;
    let carry = c.model.arch.cell.carry_block().unwrap() * h..;
    let carry = carry.start..carry.start + h;
    assert!(
        f.bias_ih[carry.clone()].iter().all(|&b| b == r.carry_bias),
        "forget gate bias"
    );
    assert!(f.bias_hh[carry].iter().all(|&b| b == 0.0));
}

// ---------------------------------------------------------------------------------------------
// Gradients of one iteration against central differences.

const EPS: f64 = 1e-6;

fn model(cell: CellKind, layers: usize, bidirectional: bool, input: usize, out: usize) -> Model {
    let arch = Architecture {
        cell,
        input_size: input,
        hidden_size: 3,
        num_layers: layers,
        bidirectional,
    };
    let mut rnn = init_network(
        arch,
        &InitConfig {
            seed: 11,
            ..Default::default()
        },
    )
    .unwrap();
    for p in &mut rnn.layers {
        p.weight_hh.iter_mut().for_each(|v| *v *= 1.5);
    }
    let fc = Linear::new(arch.directions() * 3, out, &mut Rng::new(12));
    Model { rnn, fc }
}

fn sample(lengths: &[usize], input: usize, rng: &mut Rng) -> Batch {
    let steps = *lengths.iter().max().unwrap();
    let mut x = vec![0.0; lengths.len() * steps * input];
    for (b, &n) in lengths.iter().enumerate() {
        for v in &mut x[b * steps * input..(b * steps + n) * input] {
            *v = rng.normal();
        }
    }
    Batch {
        input: x,
        batch: lengths.len(),
        steps,
        lengths: lengths.to_vec(),
    }
}

/// Every gradient entry of `loss_and_grads` against `(L(θ + ε) − L(θ − ε)) / 2ε`, within
/// `1e−6 · max(1, largest |entry| of the tensor)` (see tests/gradcheck.rs for the margin).
fn check_gradients(name: &str, m: &Model, s: &TaskBatch, head: Head) {
    let pass = loss_and_grads(m, s, head, None);
    assert_eq!(pass.scored, evaluate(m, s, head), "{name}: same forward");
    // A training step's pass (no per-step records) gives the same loss and gradients, bit for
    // bit, and no records.
    let only = loss_and_grads_only(m, s, head, None);
    assert_eq!(
        only.scored, pass.scored,
        "{name}: same loss without records"
    );
    assert_eq!(
        only.grads, pass.grads,
        "{name}: same gradients without records"
    );
    assert!(only.flow.iter().all(|f| f.grad_h_norm.is_empty()));
    for t in pass.grads.tensors() {
        let scale = t.values.iter().fold(1.0f64, |a, g| a.max(g.abs()));
        for k in 0..t.values.len() {
            let at = |delta: f64| {
                let mut p = m.clone();
                p.tensors_mut()
                    .into_iter()
                    .find(|u| u.name == t.name)
                    .unwrap()
                    .values[k] += delta;
                evaluate(&p, s, head).loss
            };
            let numeric = (at(EPS) - at(-EPS)) / (2.0 * EPS);
            let err = (numeric - t.values[k]).abs();
            assert!(
                err < 1e-6 * scale,
                "{name}: {}[{k}]: {} vs {numeric}",
                t.name,
                t.values[k]
            );
        }
    }
}

#[test]
fn regression_at_the_last_valid_step_with_variable_lengths() {
    let mut rng = Rng::new(1);
    let m = model(CellKind::Lstm, 2, true, 2, 2);
    let batch = sample(&[4, 2, 5], 2, &mut rng);
    let target = (0..6).map(|_| rng.normal()).collect();
    let s = TaskBatch {
        batch,
        target,
        labels: Vec::new(),
    };
    check_gradients("lstm regression", &m, &s, Head::RegressionAtEnd);
}

#[test]
fn class_at_the_end() {
    let mut rng = Rng::new(2);
    let m = model(CellKind::Gru, 1, false, 3, 4);
    let s = TaskBatch {
        batch: sample(&[3, 5, 1, 4], 3, &mut rng),
        target: Vec::new(),
        labels: vec![0, 3, 1, 2],
    };
    check_gradients("gru class at end", &m, &s, Head::ClassAtEnd);
}

/// Labels at padded positions (here `7`, out of range) must be ignored, not read.
#[test]
fn class_at_every_step() {
    let mut rng = Rng::new(3);
    let m = model(CellKind::RnnTanh, 2, true, 2, 3);
    let batch = sample(&[4, 2], 2, &mut rng);
    let labels = vec![0, 2, 1, 1, 2, 0, 7, 7];
    let s = TaskBatch {
        batch,
        target: Vec::new(),
        labels,
    };
    check_gradients("rnn_tanh class every step", &m, &s, Head::ClassEveryStep);
    let scored = evaluate(&m, &s, Head::ClassEveryStep);
    assert_eq!(scored.count, 6);
}

/// `Trainer::test_predictions` (the page's model comparison lists the sentences two models
/// disagree on) is the evaluation's own reading of the test set: its hits over the test labels
/// are the record's `test_accuracy` and, on the long-range sentences, `test_accuracy_long_range`;
/// a run that is not on a corpus has none.
#[test]
fn test_predictions_are_what_the_evaluation_scored() {
    let spec = json!({"model": {"model": "lstm_classifier", "embed_dim": 8, "hidden_dim": 8},
                      "task": {"name": "sentiment"}, "batch_size": 16, "iterations": 30, "eval_every": 30});
    let (records, _, trainer) = run(&spec);
    let r = records.last().unwrap();
    let unrolled::train::trainer::Problem::Corpus(c) = &trainer.config().problem else {
        panic!("a corpus")
    };
    let p = trainer.test_predictions().unwrap();
    assert_eq!((p.len(), c.test.texts.len()), (1000, 1000));
    let right: Vec<bool> = p.iter().zip(&c.test.labels).map(|(a, b)| a == b).collect();
    let hits = right.iter().filter(|&&x| x).count();
    assert_eq!(hits as f64 / 1000.0, r.success.value);
    let long: Vec<bool> = right
        .iter()
        .zip(&c.test.long_range)
        .filter(|(_, &l)| l)
        .map(|(&x, _)| x)
        .collect();
    let long_hits = long.iter().filter(|&&x| x).count();
    assert_eq!(Some(long_hits as f64 / long.len() as f64), r.long_range);
    let task = json!({"model": {"cell": "lstm", "hidden_size": 4}, "task": {"name": "adding_sum", "steps": 5},
                      "iterations": 2, "eval_every": 2, "eval_size": 8});
    let (_, _, other) = run(&task);
    assert_eq!(other.test_predictions(), None);
}
