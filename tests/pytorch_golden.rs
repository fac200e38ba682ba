//! Golden tests against PyTorch: every fixture in `tests/fixtures/*.json` was written by
//! `tests/fixtures/generate.py` from `torch.nn.RNN` / `LSTM` / `GRU` in float64 (or, for
//! `rnn_linear` and `lstm_no_forget`, which are not torch modules, from a manual per-step torch
//! loop differentiated by autograd). Each fixture carries the exact torch code that produced it (`torch_snippet`,
//! printed when a comparison fails), a spec per `docs/spec.md`, and the expected output, h_n,
//! c_n, every gradient and every gate series.
//!
//! All values must agree to 1e-9 relative:
//! `|got − want| ≤ 1e-9 · max(|want|, 1e-3 · max|want over the tensor|, 1e-12)`.
//!
//! The snippets share this shape (here `lstm_stacked_bidir`):
//!
//! ```python
//! torch.manual_seed(34)
//! m = torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64)
//! x = torch.randn(3, 4, 2, dtype=torch.float64, requires_grad=True)
//! h0 = torch.zeros(4, 3, 3, dtype=torch.float64, requires_grad=True)  # h0 absent from the spec
//! c0 = torch.zeros(4, 3, 3, dtype=torch.float64, requires_grad=True)  # c0 absent from the spec
//! grad_output = torch.randn(3, 4, 6, dtype=torch.float64)
//! grad_h_n = torch.randn(4, 3, 3, dtype=torch.float64)
//! grad_c_n = torch.randn(4, 3, 3, dtype=torch.float64)
//! lengths = [4, 1, 3]
//! packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
//! y, (h_n, c_n) = m(packed, (h0, c0))
//! output, _ = pad_packed_sequence(y, batch_first=True, total_length=4)
//! grads = torch.autograd.grad((output, h_n, c_n), [x, h0, c0, *m.parameters()],
//!                             (grad_output, grad_h_n, grad_c_n), allow_unused=True)
//! ```

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use unrolled::network::Network;
use unrolled::spec::{parse_spec_value, run};

const REL_TOL: f64 = 1e-9;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Flattens nested JSON arrays (numbers or the strings "NaN", "Infinity", "-Infinity").
fn flatten(v: &Value, shape: &mut Vec<usize>, depth: usize, out: &mut Vec<f64>, what: &str) {
    match v {
        Value::Array(a) => {
            if shape.len() == depth {
                shape.push(a.len());
            } else {
                assert_eq!(
                    shape[depth],
                    a.len(),
                    "{what}: ragged array at depth {depth}"
                );
            }
            for x in a {
                flatten(x, shape, depth + 1, out, what);
            }
        }
        _ => out
            .push(unrolled::json::number(v).unwrap_or_else(|| panic!("{what}: not a number: {v}"))),
    }
}

fn unravel(mut i: usize, shape: &[usize]) -> String {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = i % shape[k];
        i /= shape[k];
    }
    idx.iter().map(|j| format!("[{j}]")).collect()
}

struct Checker<'a> {
    fixture: &'a str,
    snippet: &'a str,
    failures: Vec<String>,
    compared: usize,
}

impl Checker<'_> {
    /// Compares `got` (flat, row-major) with the nested JSON `want`.
    fn check(&mut self, tensor: &str, got: &[f64], want: &Value) {
        let (mut shape, mut w) = (Vec::new(), Vec::new());
        flatten(want, &mut shape, 0, &mut w, tensor);
        if got.len() != w.len() {
            self.failures.push(format!(
                "{}: {tensor}: engine has {} values, fixture has {} (shape {shape:?})",
                self.fixture,
                got.len(),
                w.len()
            ));
            return;
        }
        let scale = w
            .iter()
            .filter(|x| x.is_finite())
            .fold(0.0f64, |m, x| m.max(x.abs()));
        for (i, (&g, &e)) in got.iter().zip(&w).enumerate() {
            self.compared += 1;
            let ok = if e.is_finite() {
                (g - e).abs() <= REL_TOL * e.abs().max(1e-3 * scale).max(1e-12)
            } else {
                g == e || (g.is_nan() && e.is_nan())
            };
            if !ok {
                self.failures.push(format!(
                    "{}: {tensor}{}: got {g:e}, want {e:e} (|diff| {:.3e}, rel {:.3e})",
                    self.fixture,
                    unravel(i, &shape),
                    (g - e).abs(),
                    (g - e).abs() / e.abs().max(1e-300)
                ));
            }
        }
    }

    fn finish(self) {
        assert!(self.compared > 0, "{}: nothing compared", self.fixture);
        if !self.failures.is_empty() {
            let shown: Vec<&String> = self.failures.iter().take(25).collect();
            panic!(
                "{}: {} value(s) differ from PyTorch beyond {REL_TOL:e} relative:\n{}\n{}\n\
                 torch code that produced the fixture:\n{}",
                self.fixture,
                self.failures.len(),
                shown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
                if self.failures.len() > shown.len() {
                    "…"
                } else {
                    ""
                },
                self.snippet
            );
        }
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

/// Runs one fixture through `parse_spec_value` → `run` and compares everything it records.
fn golden(name: &str) {
    let path = fixture_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{name}: cannot read {}: {e}", path.display()));
    let fx: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(fx["name"], name, "{name}: fixture name");
    let snippet = fx["torch_snippet"].as_str().expect("torch_snippet");
    let spec = parse_spec_value(&fx["spec"]).unwrap_or_else(|e| panic!("{name}: spec: {e}"));
    let r = run(spec).unwrap_or_else(|e| panic!("{name}: run: {e}"));
    let want = &fx["expected"];
    let arch = r.spec.arch;
    let hid = arch.hidden_size;
    let mut c = Checker {
        fixture: name,
        snippet,
        failures: Vec::new(),
        compared: 0,
    };

    c.check("output", &r.forward.output, &want["output"]);
    c.check("h_n", &r.forward.h_n, &want["h_n"]);
    if arch.cell.has_cell_state() {
        c.check("c_n", &r.forward.c_n, &want["c_n"]);
    } else {
        assert!(
            want.get("c_n").is_none(),
            "{name}: c_n for a cell without one"
        );
    }

    let bw = r
        .backward
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no backward pass ran"));
    let wg = &want["grads"];
    c.check("grads.input", &bw.grads.input, &wg["input"]);
    c.check("grads.h0", &bw.grads.h0, &wg["h0"]);
    if arch.cell.has_cell_state() {
        c.check("grads.c0", &bw.grads.c0, &wg["c0"]);
    }
    let grad_net = Network {
        arch,
        layers: bw.grads.params.clone(),
    };
    let names: BTreeSet<String> = arch.param_shapes().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        keys(&wg["params"]),
        names,
        "{name}: parameter gradient names"
    );
    for pname in &names {
        let got = grad_net.param(pname).expect("named parameter");
        c.check(&format!("grads.params.{pname}"), got, &wg["params"][pname]);
    }

    let wgates = want["gates"].as_array().expect("gates");
    assert_eq!(
        wgates.len(),
        r.forward.runs.len(),
        "{name}: one gate record per layer × direction"
    );
    for (idx, (dir_run, wg)) in r.forward.runs.iter().zip(wgates).enumerate() {
        let dirs = arch.directions();
        assert_eq!(
            (dir_run.layer, dir_run.direction),
            (idx / dirs, idx % dirs),
            "{name}: runs are in h_n order"
        );
        let series = unrolled::trace::gates(arch.cell, dir_run, &r.spec.batch, hid);
        let got_names: BTreeSet<String> = series.iter().map(|s| s.name.to_string()).collect();
        assert_eq!(got_names, keys(wg), "{name}: gate names of run {idx}");
        let sfx = unrolled::network::Architecture::suffix(dir_run.layer, dir_run.direction);
        for s in &series {
            c.check(&format!("gates.{sfx}.{}", s.name), &s.values, &wg[s.name]);
        }
    }
    c.finish();
}

macro_rules! golden_tests {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            #[test]
            fn $name() {
                golden(stringify!($name));
            }
        )*

        /// Every listed fixture exists, and every fixture file on disk has a test above.
        #[test]
        fn fixture_directory_is_complete() {
            let listed: BTreeSet<String> =
                [$(stringify!($name)),*].iter().map(|s| s.to_string()).collect();
            let on_disk: BTreeSet<String> = std::fs::read_dir(fixture_dir())
                .expect("tests/fixtures")
                .filter_map(|e| {
                    let p = e.expect("dir entry").path();
                    (p.extension().and_then(|x| x.to_str()) == Some("json"))
                        .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
                })
                .collect();
            assert!(
                on_disk.len() >= 30,
                "expected at least 30 fixtures in tests/fixtures, found {}: {on_disk:?}",
                on_disk.len()
            );
            assert_eq!(listed, on_disk, "fixture files vs. golden tests");
        }
    };
}

golden_tests! {
    /// `torch.nn.RNN(3, 4, nonlinearity='tanh')`, lengths [3, 5, 1], h0 given, all upstreams.
    rnn_tanh_single,
    /// `torch.nn.RNN(2, 3, num_layers=3, nonlinearity='tanh')`, lengths [4, 2], no h0.
    rnn_tanh_stacked,
    /// `torch.nn.RNN(3, 4, bidirectional=True, nonlinearity='tanh')`, lengths [2, 5, 1], h0 given.
    rnn_tanh_bidir,
    /// `torch.nn.RNN(2, 3, num_layers=2, bidirectional=True)`, lengths [4, 1, 6, 3], no h0.
    rnn_tanh_stacked_bidir,
    /// `torch.nn.RNN(3, 5, num_layers=2)` with every parameter ×4 (saturated tanh).
    rnn_tanh_large_weights,
    /// `torch.nn.RNN(2, 3, num_layers=2, bidirectional=True)`, upstream `grad_output` only.
    rnn_tanh_only_grad_output,
    /// `torch.nn.RNN(3, 4, nonlinearity='relu')`, lengths [5, 1, 3], h0 given.
    rnn_relu_single,
    /// `torch.nn.RNN(3, 4, num_layers=3, nonlinearity='relu')`, lengths [2, 5], no h0.
    rnn_relu_stacked,
    /// `torch.nn.RNN(2, 4, bidirectional=True, nonlinearity='relu')`, lengths [1, 4, 2].
    rnn_relu_bidir,
    /// `torch.nn.RNN(2, 3, num_layers=2, bidirectional=True, nonlinearity='relu')`, h0 given.
    rnn_relu_stacked_bidir,
    /// `torch.nn.RNN(3, 4, num_layers=2, nonlinearity='relu')` with every parameter ×3.
    rnn_relu_large_weights,
    /// rnn_linear (manual torch loop + autograd; `nn.RNN(3, 4)` only draws the parameters).
    rnn_linear_single,
    /// rnn_linear, 2 layers, bidirectional, lengths [3, 5, 1], no h0 (manual loop + autograd).
    rnn_linear_stacked_bidir,
    /// rnn_linear with every parameter ×4 (manual loop + autograd; values grow).
    rnn_linear_large_weights,
    /// rnn_linear, 2 layers, upstream `grad_h_n` only (manual loop + autograd).
    rnn_linear_only_grad_h_n,
    /// `torch.nn.LSTM(3, 4)`, lengths [3, 5, 1], h0 and c0 given.
    lstm_single,
    /// `torch.nn.LSTM(2, 3, num_layers=3)`, lengths [4, 3], no h0/c0.
    lstm_stacked,
    /// `torch.nn.LSTM(3, 3, bidirectional=True)`, lengths [1, 5, 2], h0 and c0 given.
    lstm_bidir,
    /// `torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True)`, lengths [4, 1, 3], no h0/c0.
    lstm_stacked_bidir,
    /// `torch.nn.LSTM(3, 4, num_layers=2)` with every parameter ×5 (saturated gates).
    lstm_large_weights,
    /// `torch.nn.LSTM(2, 4)`, h0 given, c0 absent (zeros), upstream output and h_n only.
    lstm_h0_without_c0,
    /// `torch.nn.LSTM(2, 3, num_layers=2, bidirectional=True)`, upstream `grad_h_n` only.
    lstm_only_grad_h_n,
    /// `torch.nn.LSTM(2, 3, num_layers=2)`, upstream `grad_c_n` only.
    lstm_only_grad_c_n,
    /// lstm_no_forget (manual torch loop + autograd, `c = c + i * g`; the parameters are an
    /// `nn.LSTM(3, 4)`'s without the forget rows), lengths [3, 5, 1], h0 and c0 given.
    lstm_no_forget_single,
    /// `torch.nn.GRU(3, 4)`, lengths [5, 2, 1], h0 given.
    gru_single,
    /// `torch.nn.GRU(2, 3, num_layers=3)`, lengths [3, 5], no h0.
    gru_stacked,
    /// `torch.nn.GRU(3, 4, bidirectional=True)`, lengths [4, 1, 3], h0 given.
    gru_bidir,
    /// `torch.nn.GRU(2, 3, num_layers=2, bidirectional=True)`, lengths [2, 5, 1], no h0.
    gru_stacked_bidir,
    /// `torch.nn.GRU(3, 4, num_layers=2)` with every parameter ×5 (saturated gates).
    gru_large_weights,
    /// `torch.nn.GRU(2, 3, num_layers=2, bidirectional=True)`, upstream `grad_h_n` only.
    gru_only_grad_h_n,
}
