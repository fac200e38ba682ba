//! A training pass split over threads (`unrolled::train::parallel`) against the one-thread
//! pass: the same loss and every gradient to 1e-12 relative, for each head (regression at the
//! end with variable lengths, a class at the end, a class at every step with padding) and for
//! the text classifier; a pass with dropout is not split (bit for bit the one-thread pass); a
//! whole run with `set_threads(2)` logs the one-thread run's records to 1e-9; the CLI's
//! `--threads` refuses what it cannot use.

use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};
use unrolled::network::Dropout;
use unrolled::rng::Rng;
use unrolled::spec::train::parse_train_spec_value;
use unrolled::train::parallel::{chunks, train_pass};
use unrolled::train::params::ParamSet;
use unrolled::train::tasks::Head;
use unrolled::train::trainer::{LearnerPass, Problem, Sample, Trainer};

/// A trainer for `spec`, at iteration 0 (its model, its problem).
fn trainer(spec: serde_json::Value) -> Trainer {
    Trainer::new(parse_train_spec_value(&spec).unwrap().config).unwrap()
}

/// `a` against `b`: the loss and every gradient entry within `tol` of the tensor's largest.
fn assert_close(a: &LearnerPass, b: &LearnerPass, tol: f64, what: &str) {
    assert!(
        (a.loss - b.loss).abs() <= tol * b.loss.abs().max(1e-300),
        "{what}: loss {} vs {}",
        a.loss,
        b.loss
    );
    for (x, y) in a.grads.tensors().iter().zip(b.grads.tensors()) {
        assert_eq!(x.name, y.name);
        let scale = y
            .values
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(1e-300);
        for (i, (p, q)) in x.values.iter().zip(y.values).enumerate() {
            assert!(
                (p - q).abs() <= tol * scale,
                "{what}: {}[{i}] {p} vs {q}",
                x.name
            );
        }
    }
}

fn task_spec(cell: &str, task: serde_json::Value, layers: usize, bidir: bool) -> serde_json::Value {
    json!({
        "model": {"cell": cell, "hidden_size": 6, "num_layers": layers, "bidirectional": bidir},
        "task": task, "batch_size": 7, "seed": 3, "iterations": 1
    })
}

#[test]
fn chunks_cover_the_batch_in_near_equal_contiguous_ranges() {
    for size in 1..20 {
        for k in 1..=size {
            let c = chunks(size, k);
            assert_eq!(c.len(), k);
            assert_eq!(c[0].start, 0);
            assert_eq!(c[k - 1].end, size);
            assert!(c.windows(2).all(|w| w[0].end == w[1].start));
            let (lo, hi) = c.iter().fold((usize::MAX, 0), |(l, h), r| {
                (l.min(r.len()), h.max(r.len()))
            });
            assert!(hi - lo <= 1 && lo >= 1, "{size} in {k}: {c:?}");
        }
    }
}

#[test]
fn every_head_split_over_threads_is_the_one_thread_pass() {
    let cases = [
        // adding: lengths T..T+T/10, so the chunks hold sequences of different lengths.
        (
            "lstm",
            json!({"name": "adding", "steps": 20}),
            2,
            true,
            Head::RegressionAtEnd,
        ),
        (
            "gru",
            json!({"name": "temporal_order", "steps": 30}),
            1,
            false,
            Head::ClassAtEnd,
        ),
        (
            "rnn_tanh",
            json!({"name": "copy", "steps": 12, "k": 3}),
            2,
            true,
            Head::ClassEveryStep,
        ),
    ];
    for (cell, task, layers, bidir, head) in cases {
        let t = trainer(task_spec(cell, task.clone(), layers, bidir));
        let Problem::Task(gen) = &t.config().problem else {
            panic!("a task")
        };
        assert_eq!(t.config().problem.head(), head);
        let batch = gen.sample(&mut Rng::new(9), 7);
        let one = t.model().train_pass(Sample::Sequences(&batch, head), None);
        for threads in [2, 3, 7, 16] {
            let split = train_pass(t.model(), Sample::Sequences(&batch, head), None, threads);
            assert_close(
                &split,
                &one,
                1e-12,
                &format!("{cell} {task} on {threads} threads"),
            );
        }
    }
}

#[test]
fn the_classifier_split_over_threads_is_the_one_thread_pass() {
    let t = trainer(json!({
        "model": {"model": "lstm_classifier", "embed_dim": 8, "hidden_dim": 6, "dropout": 0.0},
        "task": {"name": "sentiment"}, "batch_size": 9, "seed": 1, "iterations": 1
    }));
    let Problem::Corpus(c) = &t.config().problem else {
        panic!("the shipped corpus")
    };
    let text = c.sample(&mut Rng::new(4), 9);
    let one = t.model().train_pass(Sample::Text(&text), None);
    for threads in [2, 4] {
        let split = train_pass(t.model(), Sample::Text(&text), None, threads);
        assert_close(
            &split,
            &one,
            1e-12,
            &format!("classifier on {threads} threads"),
        );
    }
}

#[test]
fn a_pass_with_dropout_is_not_split() {
    let t = trainer(task_spec(
        "lstm",
        json!({"name": "adding", "steps": 10}),
        2,
        false,
    ));
    let Problem::Task(gen) = &t.config().problem else {
        panic!("a task")
    };
    let batch = gen.sample(&mut Rng::new(2), 7);
    let d = Some(Dropout { p: 0.5, seed: 77 });
    let one = t
        .model()
        .train_pass(Sample::Sequences(&batch, Head::RegressionAtEnd), d);
    let two = train_pass(
        t.model(),
        Sample::Sequences(&batch, Head::RegressionAtEnd),
        d,
        2,
    );
    assert_close(&two, &one, 0.0, "dropout on 2 threads");
}

#[test]
fn a_run_on_two_threads_logs_the_one_thread_records() {
    let spec = json!({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"name": "adding", "steps": 15}, "batch_size": 8, "seed": 5,
        "optimizer": {"name": "adam", "lr": 0.01}, "clip": {"max_norm": 1.0},
        "iterations": 60, "eval_every": 20, "eval_size": 32
    });
    let run = |threads| {
        let mut t = trainer(spec.clone());
        t.set_threads(threads);
        let mut losses = Vec::new();
        let mut clock = 0.0;
        t.run(
            || {
                clock += 0.001;
                clock
            },
            |r| losses.push(r.test_loss),
        );
        losses
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.len(), 4);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9 * x.abs(), "{a:?} vs {b:?}");
    }
}

#[test]
fn the_cli_refuses_a_thread_count_it_cannot_use() {
    for args in [
        vec!["--threads", "0"],
        vec!["--threads", "x"],
        vec!["--threads"],
        vec!["--threads", "2", "--threads", "2"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_unrolled"))
            .arg("train")
            .arg("-")
            .args(&args)
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(b"{}"); // it may exit before reading
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: --threads: ") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
}
