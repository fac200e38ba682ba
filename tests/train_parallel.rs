//! A training pass split over threads (`unrolled::train::parallel`) against the one-thread
//! pass: the same loss and every gradient to 1e-12 relative, for each head (regression at the
//! end with variable lengths, a class at the end, a class at every step with padding) and for
//! the text classifier, with dropout too (each chunk masks its part of the whole batch's masks);
//! a whole run with `set_threads(2)` logs the one-thread run's records to 1e-9; the page's split
//! (replicas that each compute a chunk and each apply all of them) gives the threads' parameters
//! bit for bit; the CLI's `--threads` refuses what it cannot use.

use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};
use unrolled::network::{BatchRows, Dropout, InitialState};
use unrolled::rng::Rng;
use unrolled::spec::train::parse_train_spec_value;
use unrolled::train::parallel::{
    chunks, rows, train_pass, worth_splitting, ChunkPass, MIN_CHUNK_STEPS,
};
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
fn a_pass_with_dropout_split_over_threads_is_the_one_thread_pass() {
    let t = trainer(task_spec(
        "lstm",
        json!({"name": "adding", "steps": 10}),
        3,
        true,
    ));
    let Problem::Task(gen) = &t.config().problem else {
        panic!("a task")
    };
    let batch = gen.sample(&mut Rng::new(2), 7);
    let d = Some(Dropout::new(0.5, 77));
    let sample = Sample::Sequences(&batch, Head::RegressionAtEnd);
    let one = t.model().train_pass(sample, d);
    let undropped = t.model().train_pass(sample, None);
    assert!(
        (one.loss - undropped.loss).abs() > 1e-6,
        "dropout changes the pass"
    );
    for threads in [2, 3, 7] {
        let split = train_pass(t.model(), sample, d, threads);
        assert_close(
            &split,
            &one,
            1e-12,
            &format!("dropout on {threads} threads"),
        );
    }
}

#[test]
fn the_classifier_with_dropout_split_over_threads_is_the_one_thread_pass() {
    let t = trainer(json!({
        "model": {"model": "lstm_classifier", "embed_dim": 8, "hidden_dim": 6, "dropout": 0.5},
        "task": {"name": "sentiment"}, "batch_size": 9, "seed": 1, "iterations": 1
    }));
    let Problem::Corpus(c) = &t.config().problem else {
        panic!("the shipped corpus")
    };
    let text = c.sample(&mut Rng::new(4), 9);
    let d = Some(Dropout::new(0.5, 12));
    let one = t.model().train_pass(Sample::Text(&text), d);
    for threads in [2, 4] {
        let split = train_pass(t.model(), Sample::Text(&text), d, threads);
        assert_close(
            &split,
            &one,
            1e-12,
            &format!("dropout on {threads} threads"),
        );
    }
}

#[test]
fn a_chunk_masks_its_part_of_the_whole_batchs_dropout() {
    let t = trainer(task_spec(
        "gru",
        json!({"name": "adding", "steps": 6}),
        3,
        true,
    ));
    let Problem::Task(gen) = &t.config().problem else {
        panic!("a task")
    };
    let batch = gen.sample(&mut Rng::new(3), 7);
    let net = &t.model().sequence().unwrap().rnn;
    let none = InitialState::default();
    let whole = net.forward(&batch.batch, &none, Some(Dropout::new(0.4, 8)));
    for r in chunks(7, 3) {
        let part = rows(&batch, Head::RegressionAtEnd, r.clone());
        let d = Dropout {
            rows: Some(BatchRows {
                start: r.start,
                total: 7,
            }),
            ..Dropout::new(0.4, 8)
        };
        let mine = net.forward(&part.batch, &none, Some(d));
        let per = whole.dropout_masks[0].as_ref().unwrap().len() / 7;
        for (layer, (m, w)) in mine
            .dropout_masks
            .iter()
            .zip(&whole.dropout_masks)
            .enumerate()
        {
            let (m, w) = (m.as_ref().unwrap(), w.as_ref().unwrap());
            assert_eq!(
                m[..],
                w[r.start * per..r.end * per],
                "layer {layer}, rows {r:?}"
            );
        }
    }
}

/// The parameters of a trainer, every tensor's values in order.
fn params(t: &Trainer) -> Vec<f64> {
    t.model()
        .tensors()
        .iter()
        .flat_map(|x| x.values.to_vec())
        .collect()
}

/// Replicas of the page's split run: each computes its chunk, each applies all the chunks.
fn split_iteration(replicas: &mut [Trainer]) {
    let ways = replicas.len();
    let parts: Vec<ChunkPass> = replicas
        .iter_mut()
        .enumerate()
        .map(|(i, t)| t.chunk_pass(ways, i).unwrap())
        .collect();
    for t in replicas.iter_mut() {
        // Through the flat form the page's workers pass the gradients on in.
        let flat: Vec<ChunkPass> = parts
            .iter()
            .map(|(p, n)| {
                let values: Vec<f64> = p
                    .grads
                    .tensors()
                    .iter()
                    .flat_map(|x| x.values.to_vec())
                    .collect();
                let grads = t.grads_from_flat(&values).unwrap();
                let pass = LearnerPass {
                    loss: p.loss,
                    grads,
                    flow: Vec::new(),
                };
                (pass, *n)
            })
            .collect();
        t.apply_chunks(flat).unwrap();
    }
}

#[test]
fn replicas_applying_each_others_chunks_train_as_the_threads_do() {
    for spec in [
        json!({
            "model": {"model": "lstm_classifier", "embed_dim": 8, "hidden_dim": 6, "dropout": 0.5},
            "task": {"name": "sentiment"}, "batch_size": 9, "seed": 2, "iterations": 6,
            "optimizer": {"name": "adam", "lr": 0.01}
        }),
        json!({
            "model": {"cell": "lstm", "hidden_size": 5, "num_layers": 2, "dropout": 0.3},
            "task": {"name": "adding", "steps": 8}, "batch_size": 8, "seed": 4,
            "iterations": 6, "clip": {"max_norm": 0.5}
        }),
    ] {
        for ways in [2, 3] {
            let mut replicas: Vec<Trainer> = (0..ways).map(|_| trainer(spec.clone())).collect();
            let mut threads = trainer(spec.clone());
            threads.set_threads(ways);
            let mut one = trainer(spec.clone());
            for it in 0..6 {
                split_iteration(&mut replicas);
                threads.step();
                one.step();
                let want = params(&threads);
                for (i, r) in replicas.iter().enumerate() {
                    assert_eq!(params(r), want, "replica {i} of {ways}, iteration {it}");
                }
                for (p, q) in want.iter().zip(params(&one)) {
                    assert!((p - q).abs() <= 1e-9 * q.abs().max(1e-3), "{p} vs {q}");
                }
            }
        }
    }
}

#[test]
fn a_split_iteration_refuses_what_it_cannot_do() {
    let mut t = trainer(task_spec(
        "gru",
        json!({"name": "adding", "steps": 6}),
        1,
        false,
    ));
    for (ways, index) in [(0, 0), (2, 2), (8, 0)] {
        let e = t.chunk_pass(ways, index).unwrap_err();
        assert!(e.starts_with("split: "), "{e}");
    }
    assert!(t
        .apply_chunks(Vec::new())
        .unwrap_err()
        .starts_with("split: "));
    let n = t.model().numel();
    assert!(t.grads_from_flat(&vec![0.0; n + 1]).is_err());
    assert_eq!(t.grads_from_flat(&vec![0.0; n]).unwrap().numel(), n);
    let other = trainer(task_spec(
        "lstm",
        json!({"name": "adding", "steps": 6}),
        1,
        false,
    ));
    let part = other.model().train_pass(
        Sample::Sequences(
            &rows(t.probe().unwrap(), Head::RegressionAtEnd, 0..7),
            Head::RegressionAtEnd,
        ),
        None,
    );
    assert!(t.apply_chunks(vec![(part, 7)]).is_err());
    assert_eq!(t.iteration(), 0, "nothing applied");
}

#[test]
fn the_page_splits_only_chunks_big_enough() {
    let m = MIN_CHUNK_STEPS;
    assert_eq!(
        worth_splitting(2, m, 2),
        2,
        "one sequence of MIN_CHUNK_STEPS a chunk"
    );
    assert_eq!(worth_splitting(2, m - 1, 2), 1);
    assert_eq!(
        worth_splitting(4, 10 * m, 8),
        4,
        "never more chunks than sequences"
    );
    assert_eq!(worth_splitting(1, 1, 8), 1);
    assert_eq!(worth_splitting(64, m, 3), 3);
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
