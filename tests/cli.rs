//! End-to-end tests of the `unrolled` command line: the real binary as a subprocess.
//!
//! Valid specs must produce one strictly valid JSON trace with the documented fields and shapes;
//! malformed ones must exit with status 2, print nothing on stdout and exactly one line
//! `error: <field>: …` on stderr that names the offending field, without panicking.

use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CELLS: [&str; 6] = [
    "rnn_tanh",
    "rnn_relu",
    "rnn_linear",
    "lstm",
    "lstm_no_forget",
    "gru",
];

/// The cells with a cell state `c` (`c0`, `c_n`, `grad_c_n`, `grads.c0`, `grad_c_norm`).
fn stateful(cell: &str) -> bool {
    matches!(cell, "lstm" | "lstm_no_forget")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_unrolled"))
}

/// Runs the binary with `args`, feeding `stdin` (or nothing).
fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn unrolled");
    let writer = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let data = data.to_vec();
        // The binary may refuse the spec before reading all of it: ignore a broken pipe.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        })
    });
    let out = child.wait_with_output().expect("wait for unrolled");
    if let Some(w) = writer {
        w.join().expect("stdin writer");
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `trace -` on `spec` and returns the parsed trace, asserting success.
fn trace_text(spec: &str) -> Value {
    let out = run(&["trace", "-"], Some(spec.as_bytes()));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {stderr}\nspec: {spec}",
        out.status.code()
    );
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    assert!(stdout.ends_with('\n') && stdout.trim_end().lines().count() == 1);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("trace is not valid JSON: {e}"))
}

fn trace(spec: &Value) -> Value {
    trace_text(&spec.to_string())
}

/// Asserts the documented refusal: status 2, nothing on stdout, one `error: ` line on stderr
/// that contains every string of `names`, no panic. Returns the line.
fn assert_refused(out: &Output, names: &[&str], what: &str) -> String {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!stderr.contains("panicked"), "{what}: panicked: {stderr}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: expected exit 2, stderr: {stderr}"
    );
    assert!(stdout.is_empty(), "{what}: stdout not empty: {stdout}");
    assert!(
        stderr.ends_with('\n') && stderr.lines().count() == 1,
        "{what}: expected exactly one stderr line, got {stderr:?}"
    );
    let line = stderr.trim_end().to_string();
    assert!(line.starts_with("error: "), "{what}: {line}");
    for n in names {
        assert!(
            line.contains(n),
            "{what}: message does not name {n:?}: {line}"
        );
    }
    line
}

fn refused_text(spec: &str, names: &[&str], what: &str) -> String {
    let out = run(&["trace", "-"], Some(spec.as_bytes()));
    assert_refused(&out, names, what)
}

fn refused(spec: &Value, names: &[&str], what: &str) -> String {
    refused_text(&spec.to_string(), names, what)
}

/// A small valid spec: B = 2, T = 3, I = 2, H = 3.
fn base(cell: &str) -> Value {
    json!({
        "cell": cell,
        "input_size": 2,
        "hidden_size": 3,
        "input": [
            [[0.5, -1.0], [0.25, 0.0], [-0.75, 1.5]],
            [[1.0, 0.5], [-0.5, 0.25], [0.0, -1.0]]
        ]
    })
}

fn with(mut spec: Value, key: &str, v: Value) -> Value {
    spec[key] = v;
    spec
}

fn without(mut spec: Value, key: &str) -> Value {
    spec.as_object_mut().unwrap().remove(key);
    spec
}

fn filled(shape: &[usize], x: f64) -> Value {
    match shape {
        [] => json!(x),
        [n, rest @ ..] => Value::Array((0..*n).map(|_| filled(rest, x)).collect()),
    }
}

/// Asserts `v` is a rectangular nested array of `shape` whose leaves are numbers (or the
/// non-finite strings).
fn assert_shape(v: &Value, shape: &[usize], what: &str) {
    match shape {
        [] => assert!(
            v.is_number() || matches!(v.as_str(), Some("NaN" | "Infinity" | "-Infinity")),
            "{what}: leaf {v} is not a number"
        ),
        [n, rest @ ..] => {
            let a = v
                .as_array()
                .unwrap_or_else(|| panic!("{what}: expected an array, got {v}"));
            assert_eq!(a.len(), *n, "{what}: wrong length");
            for x in a {
                assert_shape(x, rest, what);
            }
        }
    }
}

fn flat(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat).collect(),
        _ => vec![v.as_f64().unwrap_or_else(|| panic!("not finite: {v}"))],
    }
}

fn gates(cell: &str) -> usize {
    match cell {
        "lstm" => 4,
        "lstm_no_forget" | "gru" => 3,
        _ => 1,
    }
}

fn param_names(layers: usize, bidirectional: bool) -> Vec<String> {
    let mut names = Vec::new();
    for k in 0..layers {
        for suffix in if bidirectional {
            &["", "_reverse"][..]
        } else {
            &[""][..]
        } {
            for p in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
                names.push(format!("{p}_l{k}{suffix}"));
            }
        }
    }
    names
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Checks every documented trace field and shape for a spec built from `base`.
fn check_trace(t: &Value, cell: &str, layers: usize, bidir: bool, backward: bool, analysis: bool) {
    let (b, steps, i, h) = (2, 3, 2, 3);
    let d = if bidir { 2 } else { 1 };
    let g = gates(cell);
    let lstm = stateful(cell);
    assert_eq!(t["format"], "unrolled-trace");
    assert_eq!(t["version"], 1);
    assert_eq!(t["cell"], cell);
    assert_eq!(t["input_size"], i);
    assert_eq!(t["hidden_size"], h);
    assert_eq!(t["num_layers"], layers);
    assert_eq!(t["bidirectional"], bidir);
    assert_eq!(t["lengths"], json!([steps, steps]));
    assert_shape(&t["output"], &[b, steps, d * h], "output");
    assert_shape(&t["h_n"], &[layers * d, b, h], "h_n");
    assert_eq!(t.get("c_n").is_some(), lstm, "c_n only for the lstms");
    if lstm {
        assert_shape(&t["c_n"], &[layers * d, b, h], "c_n");
    }
    // The spec had no params, so the drawn ones are echoed with PyTorch's names and shapes.
    let params = &t["params"];
    assert_eq!(keys(params), {
        let mut n = param_names(layers, bidir);
        n.sort();
        n
    });
    for k in 0..layers {
        let in_k = if k == 0 { i } else { d * h };
        for suffix in if bidir { &["", "_reverse"][..] } else { &[""] } {
            assert_shape(
                &params[format!("weight_ih_l{k}{suffix}")],
                &[g * h, in_k],
                "weight_ih",
            );
            assert_shape(
                &params[format!("weight_hh_l{k}{suffix}")],
                &[g * h, h],
                "weight_hh",
            );
            assert_shape(&params[format!("bias_ih_l{k}{suffix}")], &[g * h], "bias");
            assert_shape(&params[format!("bias_hh_l{k}{suffix}")], &[g * h], "bias");
        }
    }
    assert_eq!(t.get("grads").is_some(), backward, "grads iff backward");
    if backward {
        let gr = &t["grads"];
        // h0 and c0 appear when the spec gave them (checked in grads_of_h0_and_c0_iff_given).
        let mut want = vec!["input", "params"];
        if gr.get("h0").is_some() {
            want.push("h0");
            assert_shape(&gr["h0"], &[layers * d, b, h], "grads.h0");
        }
        if gr.get("c0").is_some() {
            assert!(lstm, "grads.c0 only for the lstms");
            want.push("c0");
            assert_shape(&gr["c0"], &[layers * d, b, h], "grads.c0");
        }
        assert_eq!(keys(gr), sorted(&want));
        assert_shape(&gr["input"], &[b, steps, i], "grads.input");
        assert_eq!(keys(&gr["params"]), keys(params));
        for (name, p) in params.as_object().unwrap() {
            let dims = if name.starts_with("weight") {
                vec![p.as_array().unwrap().len(), p[0].as_array().unwrap().len()]
            } else {
                vec![p.as_array().unwrap().len()]
            };
            assert_shape(&gr["params"][name], &dims, name);
        }
    }
    let runs = t["trace"].as_array().expect("trace list");
    assert_eq!(runs.len(), layers * d);
    let (gate_names, pre_names): (&[&str], &[&str]) = match cell {
        "lstm" => (&["i", "f", "g", "o", "c", "h"], &["i", "f", "g", "o"]),
        "lstm_no_forget" => (&["i", "g", "o", "c", "h"], &["i", "g", "o"]),
        "gru" => (&["r", "z", "n", "h"], &["r", "z", "n", "hn"]),
        _ => (&["h"], &["h"]),
    };
    for (idx, r) in runs.iter().enumerate() {
        assert_eq!(r["layer"], idx / d, "h_n order");
        assert_eq!(r["direction"], idx % d, "h_n order");
        assert_eq!(keys(&r["gates"]), sorted(gate_names));
        assert_eq!(keys(&r["preactivations"]), sorted(pre_names));
        for (name, s) in r["gates"]
            .as_object()
            .unwrap()
            .iter()
            .chain(r["preactivations"].as_object().unwrap())
        {
            assert_shape(s, &[b, steps, h], name);
        }
        for f in ["grad_h_norm", "w_hh_grad_contribution"] {
            assert_eq!(r.get(f).is_some(), backward, "{f} iff backward");
            if backward {
                assert_shape(&r[f], &[b, steps], f);
            }
        }
        assert_eq!(r.get("grad_c_norm").is_some(), backward && lstm);
        assert_eq!(r.get("jacobian_norm").is_some(), analysis);
        let carry = analysis && (lstm || cell == "gru");
        assert_eq!(r.get("carry_path").is_some(), carry);
        assert_eq!(r.get("carry_path_norm").is_some(), carry);
        if analysis {
            assert_shape(&r["jacobian_norm"], &[b, steps], "jacobian_norm");
            // ‖∂h_last/∂h_last‖ = 1 at each sequence's last step (index 0 for reverse).
            let last = if idx % d == 0 { steps - 1 } else { 0 };
            for s in 0..b {
                let j = r["jacobian_norm"][s][last].as_f64().unwrap();
                assert!((j - 1.0).abs() < 1e-12, "jacobian_norm at last step: {j}");
            }
        }
        if carry {
            assert_shape(&r["carry_path"], &[b, steps, h], "carry_path");
            assert_shape(&r["carry_path_norm"], &[b, steps], "carry_path_norm");
        }
        // Per sequence; without a backward pass `backward` is null as a whole.
        let backward_nf = if backward {
            json!([null, null])
        } else {
            Value::Null
        };
        assert_eq!(
            r["nonfinite"],
            json!({"forward": [null, null], "backward": backward_nf})
        );
    }
}

#[test]
fn every_cell_forward_backward_and_analysis() {
    for cell in CELLS {
        for (layers, bidir) in [(1, false), (2, true)] {
            let d = if bidir { 2 } else { 1 };
            let mut spec = base(cell);
            spec["num_layers"] = json!(layers);
            spec["bidirectional"] = json!(bidir);
            spec["grad_output"] = filled(&[2, 3, d * 3], 1.0);
            let t = trace(&spec);
            check_trace(&t, cell, layers, bidir, true, true);
            // Gradients actually flow.
            assert!(flat(&t["grads"]["input"]).iter().any(|g| *g != 0.0));
        }
    }
}

#[test]
fn every_upstream_gradient_alone_starts_a_backward_pass() {
    for cell in CELLS {
        let t = trace(&with(base(cell), "grad_h_n", filled(&[1, 2, 3], 1.0)));
        check_trace(&t, cell, 1, false, true, true);
    }
    let spec = with(base("lstm"), "grad_c_n", filled(&[1, 2, 3], 1.0));
    let t = trace(&with(spec, "c0", filled(&[1, 2, 3], 0.0)));
    check_trace(&t, "lstm", 1, false, true, true);
    assert!(flat(&t["grads"]["c0"]).iter().any(|g| *g != 0.0));
}

/// `grads.h0` and `grads.c0` are there exactly when the spec gave h0 and c0 (as with
/// `torch.autograd.grad`, whose inputs they are).
#[test]
fn grads_of_h0_and_c0_iff_given() {
    let up = |s: Value| with(s, "grad_h_n", filled(&[1, 2, 3], 1.0));
    let t = trace(&up(base("lstm")));
    assert!(t["grads"].get("h0").is_none() && t["grads"].get("c0").is_none());
    let t = trace(&with(up(base("lstm")), "h0", filled(&[1, 2, 3], 0.1)));
    assert!(t["grads"].get("h0").is_some() && t["grads"].get("c0").is_none());
    let t = trace(&with(
        with(up(base("lstm")), "h0", filled(&[1, 2, 3], 0.1)),
        "c0",
        filled(&[1, 2, 3], 0.1),
    ));
    assert!(t["grads"].get("h0").is_some() && t["grads"].get("c0").is_some());
    let t = trace(&with(up(base("gru")), "h0", filled(&[1, 2, 3], 0.1)));
    assert!(t["grads"].get("h0").is_some() && t["grads"].get("c0").is_none());
}

#[test]
fn no_upstream_gradient_means_no_backward_fields() {
    for cell in CELLS {
        let t = trace(&base(cell));
        check_trace(&t, cell, 1, false, false, true);
    }
}

#[test]
fn analysis_false_omits_jacobian_fields() {
    for cell in CELLS {
        let t = trace(&with(
            with(base(cell), "analysis", json!(false)),
            "grad_output",
            filled(&[2, 3, 3], 1.0),
        ));
        check_trace(&t, cell, 1, false, true, false);
    }
}

#[test]
fn lengths_h0_c0_dropout_and_version_are_accepted() {
    let mut spec = base("lstm");
    spec["version"] = json!(1);
    spec["num_layers"] = json!(2);
    spec["lengths"] = json!([1, 3]);
    spec["h0"] = filled(&[2, 2, 3], 0.5);
    spec["c0"] = filled(&[2, 2, 3], -0.5);
    spec["dropout"] = json!(0.5);
    spec["train"] = json!(true);
    spec["dropout_seed"] = json!(7);
    spec["grad_output"] = filled(&[2, 3, 3], 1.0);
    let t = trace(&spec);
    assert_eq!(t["lengths"], json!([1, 3]));
    // Padded positions are 0 in the output.
    assert!(flat(&t["output"][0][1]).iter().all(|v| *v == 0.0));
    assert!(flat(&t["output"][0][0]).iter().any(|v| *v != 0.0));
    // h0 was used: changing it changes the output.
    let mut other = spec.clone();
    other["h0"] = filled(&[2, 2, 3], 0.0);
    assert_ne!(trace(&other)["output"], t["output"]);
    // Non-finite inputs are numbers too.
    let mut nan = base("gru");
    nan["input"][0][0][0] = json!("NaN");
    let t = trace(&nan);
    assert_eq!(t["trace"][0]["nonfinite"]["forward"], json!([0, null]));
}

#[test]
fn stdin_and_file_path_give_the_same_trace() {
    let spec = with(base("gru"), "grad_output", filled(&[2, 3, 3], 1.0)).to_string();
    let path: PathBuf =
        std::env::temp_dir().join(format!("unrolled-cli-{}.json", std::process::id()));
    std::fs::write(&path, &spec).unwrap();
    let from_file = run(&["trace", path.to_str().unwrap()], None);
    let _ = std::fs::remove_file(&path);
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    let from_stdin = run(&["trace", "-"], Some(spec.as_bytes()));
    assert!(from_stdin.status.success());
    assert_eq!(text(&from_file.stdout), text(&from_stdin.stdout));
    let t: Value = serde_json::from_slice(&from_file.stdout).unwrap();
    check_trace(&t, "gru", 1, false, true, true);
    // The shipped example runs too.
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/lstm_small.json");
    let out = run(&["trace", example], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["lengths"], json!([4, 2]));
}

#[test]

fn params_round_trip_gives_identical_output() {
    for cell in CELLS {
        let mut spec = base(cell);
        spec["num_layers"] = json!(2);
        spec["bidirectional"] = json!(true);
        spec["init"] = json!({"seed": 11});
        spec["grad_output"] = filled(&[2, 3, 6], 1.0);
        let first_text = run(&["trace", "-"], Some(spec.to_string().as_bytes())).stdout;
        let mut first: Value = serde_json::from_slice(&first_text).unwrap();
        let params = first.as_object_mut().unwrap().remove("params").unwrap();
        let mut again = without(spec, "init");
        again["params"] = params;
        let second = trace(&again);
        assert!(
            second.get("params").is_none(),
            "params echoed only for init"
        );
        if let Some(d) = first_difference(&first, &second, String::new()) {
            panic!("{cell}: feeding the params back changed the trace at {d}");
        }
    }
}

/// The path of the first place where `a` and `b` differ, with both values.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Some(format!("{at}: keys {:?} vs {:?}", keys(a), keys(b)));
            }
            x.iter().find_map(|(k, v)| match y.get(k) {
                Some(w) => first_difference(v, w, format!("{at}.{k}")),
                None => Some(format!("{at}.{k}: missing")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, format!("{at}[{i}]"))),
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}

/// Numbers in a spec are read exactly: x = 0.41457815847049884 through h = 1·x + 0 comes back as
/// the same shortest representation. (serde_json without its `float_roundtrip` feature reads
/// about one such number in ten one ulp off.)
#[test]

fn spec_numbers_are_read_exactly() {
    let xs = [
        "0.41457815847049884",
        "-0.028467832109515534",
        "0.1",
        "2.2250738585072014e-308",
        "0.30000000000000004",
    ];
    for x in xs {
        let spec = format!(
            "{{\"cell\": \"rnn_linear\", \"input_size\": 1, \"hidden_size\": 1, \"analysis\": false,
              \"params\": {{\"weight_ih_l0\": [[1.0]], \"weight_hh_l0\": [[0.0]], \"bias_ih_l0\": [0.0], \"bias_hh_l0\": [0.0]}},
              \"input\": [[[{x}]]]}}"
        );
        let out = run(&["trace", "-"], Some(spec.as_bytes()));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        let echoed = stdout
            .split("\"output\":[[[")
            .nth(1)
            .and_then(|r| r.split(']').next())
            .unwrap();
        let want: f64 = x.parse().unwrap();
        assert_eq!(
            echoed,
            format!("{want:?}"),
            "input {x} was read as {echoed}"
        );
    }
}

#[test]
fn seeds_name_networks() {
    let a = trace(&with(base("lstm"), "init", json!({"seed": 3})));
    let b = trace(&with(base("lstm"), "init", json!({"seed": 3})));
    let c = trace(&with(base("lstm"), "init", json!({"seed": 4})));
    assert_eq!(a["params"], b["params"]);
    assert_ne!(a["params"], c["params"]);
    // No init at all is {"scheme": "pytorch", "seed": 0}.
    let d = trace(&base("lstm"));
    let e = trace(&with(
        base("lstm"),
        "init",
        json!({"scheme": "pytorch", "seed": 0}),
    ));
    assert_eq!(d, e);
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn det3(m: &[Vec<f64>]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Spectral radius of a 2×2 matrix.
fn radius2(m: &[Vec<f64>]) -> f64 {
    let (t, d) = (m[0][0] + m[1][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]);
    let disc = t * t / 4.0 - d;
    if disc >= 0.0 {
        (t / 2.0 + disc.sqrt())
            .abs()
            .max((t / 2.0 - disc.sqrt()).abs())
    } else {
        d.sqrt()
    }
}

/// Largest singular value of a 2×2 matrix.
fn sigma2(m: &[Vec<f64>]) -> f64 {
    let ata = [
        vec![
            m[0][0] * m[0][0] + m[1][0] * m[1][0],
            m[0][0] * m[0][1] + m[1][0] * m[1][1],
        ],
        vec![
            m[0][1] * m[0][0] + m[1][1] * m[1][0],
            m[0][1] * m[0][1] + m[1][1] * m[1][1],
        ],
    ];
    radius2(&ata).sqrt()
}

fn drawn(cell: &str, hidden: usize, init: Value) -> Value {
    let mut spec = base(cell);
    spec["hidden_size"] = json!(hidden);
    spec["init"] = init;
    trace(&spec)["params"].clone()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * (1.0 + b.abs())
}

#[test]
fn every_init_scheme() {
    let bound = 1.0 / 3f64.sqrt();
    // pytorch: U(-1/sqrt(H), 1/sqrt(H)) everywhere.
    let p = drawn("gru", 3, json!({"scheme": "pytorch", "seed": 1}));
    for (name, v) in p.as_object().unwrap() {
        assert!(flat(v).iter().all(|x| x.abs() <= bound), "{name}");
    }
    // identity with gain and bias.
    let p = drawn(
        "rnn_relu",
        3,
        json!({"scheme": "identity", "gain": 0.7, "bias": 0.0}),
    );
    assert_eq!(
        p["weight_hh_l0"],
        json!([[0.7, 0.0, 0.0], [0.0, 0.7, 0.0], [0.0, 0.0, 0.7]])
    );
    assert!(flat(&p["bias_ih_l0"])
        .iter()
        .chain(&flat(&p["bias_hh_l0"]))
        .all(|b| *b == 0.0));
    // orthogonal: W Wᵀ = gain² I.
    let w = matrix(
        &drawn(
            "rnn_tanh",
            3,
            json!({"scheme": "orthogonal", "gain": 2.0, "seed": 5}),
        )["weight_hh_l0"],
    );
    for r in 0..3 {
        for c in 0..3 {
            let dot: f64 = (0..3).map(|k| w[r][k] * w[c][k]).sum();
            assert!(
                close(dot, if r == c { 4.0 } else { 0.0 }),
                "W Wᵀ[{r}][{c}] = {dot}"
            );
        }
    }
    // gaussian with sigma 0: all zeros.
    let p = drawn("rnn_tanh", 3, json!({"scheme": "gaussian", "sigma": 0.0}));
    assert!(flat(&p["weight_hh_l0"]).iter().all(|x| *x == 0.0));
    let p = drawn("rnn_tanh", 3, json!({"scheme": "gaussian", "sigma": 10.0}));
    assert!(flat(&p["weight_hh_l0"]).iter().any(|x| x.abs() > 1.0));
    // sparse: spectral radius 0.95.
    let w = matrix(&drawn("rnn_tanh", 2, json!({"scheme": "sparse", "seed": 2}))["weight_hh_l0"]);
    assert!(close(radius2(&w), 0.95), "sparse radius {}", radius2(&w));
    // eigenvalues with a conjugate pair (and a non-normal part): trace and determinant are
    // those of the eigenvalues.
    for nonnormal in [0.0, 2.0] {
        let w = matrix(
            &drawn(
                "rnn_linear",
                3,
                json!({"scheme": "eigenvalues", "eigenvalues": [[0.5, 0.3], [0.9, 0.0], [0.5, -0.3]], "nonnormal": nonnormal, "seed": 9}),
            )["weight_hh_l0"],
        );
        let tr = w[0][0] + w[1][1] + w[2][2];
        assert!(close(tr, 1.9), "trace {tr}");
        assert!(close(det3(&w), (0.25 + 0.09) * 0.9), "det {}", det3(&w));
    }
    // spectral_radius and max_singular_value rescaling.
    let w = matrix(
        &drawn(
            "rnn_tanh",
            2,
            json!({"scheme": "gaussian", "spectral_radius": 1.5, "seed": 3}),
        )["weight_hh_l0"],
    );
    assert!(close(radius2(&w), 1.5), "radius {}", radius2(&w));
    let w = matrix(
        &drawn(
            "rnn_tanh",
            2,
            json!({"scheme": "pytorch", "max_singular_value": 0.25, "seed": 3}),
        )["weight_hh_l0"],
    );
    assert!(close(sigma2(&w), 0.25), "sigma {}", sigma2(&w));
    // blocks: only the forget-gate block of an LSTM becomes the identity; forget_bias.
    let p = drawn(
        "lstm",
        3,
        json!({"scheme": "identity", "blocks": ["f"], "forget_bias": 1.0, "seed": 4}),
    );
    let w = matrix(&p["weight_hh_l0"]);
    for (r, row) in w.iter().enumerate() {
        for (c, x) in row.iter().enumerate() {
            if (3..6).contains(&r) {
                assert_eq!(*x, if r - 3 == c { 1.0 } else { 0.0 });
            } else {
                assert!(
                    x.abs() <= bound && *x != 0.0,
                    "block outside f changed: {x}"
                );
            }
        }
    }
    let (bi, bh) = (flat(&p["bias_ih_l0"]), flat(&p["bias_hh_l0"]));
    assert!(bi[3..6].iter().all(|b| *b == 1.0) && bh[3..6].iter().all(|b| *b == 0.0));
    assert!(bi[..3].iter().all(|b| b.abs() <= bound && *b != 1.0));
    // GRU block names.
    let p = drawn(
        "gru",
        2,
        json!({"scheme": "eigenvalues", "eigenvalues": [[0.0, 1.0], [0.0, -1.0]], "blocks": ["n"]}),
    );
    let w = matrix(&p["weight_hh_l0"]);
    let n = vec![w[4].clone(), w[5].clone()];
    assert!(close(radius2(&n), 1.0) && close(n[0][0] + n[1][1], 0.0));
}

/// The 1997 LSTM through the CLI: its trace has three gate blocks, a cell state and a carry
/// path of exactly 1 (f ≡ 1); `forget_bias` is refused with the reason; `render` draws its
/// carry path and paths charts.
#[test]
fn lstm_no_forget_trace_refusal_and_render() {
    let spec = with(
        with(base("lstm_no_forget"), "grad_c_n", filled(&[1, 2, 3], 1.0)),
        "c0",
        filled(&[1, 2, 3], 0.5),
    );
    let t = trace(&spec);
    check_trace(&t, "lstm_no_forget", 1, false, true, true);
    assert_eq!(
        t["params"]["weight_hh_l0"].as_array().unwrap().len(),
        9,
        "[3H, H]: i g o"
    );
    let r = &t["trace"][0];
    assert!(flat(&r["carry_path"]).iter().all(|v| *v == 1.0));
    assert!(flat(&r["carry_path_norm"]).iter().all(|v| *v == 1.0));
    // c_t = c_{t−1} + i ⊙ g: each step adds i ⊙ g to the cell state.
    let (c, i, g) = (
        &r["gates"]["c"][0],
        &r["gates"]["i"][0],
        &r["gates"]["g"][0],
    );
    for u in 0..3 {
        let mut prev = 0.5;
        for s in 0..3 {
            let want = prev + i[s][u].as_f64().unwrap() * g[s][u].as_f64().unwrap();
            assert_eq!(c[s][u].as_f64().unwrap(), want);
            prev = want;
        }
    }
    let line = refused(
        &with(base("lstm_no_forget"), "init", json!({"forget_bias": 1.0})),
        &["init.forget_bias", "lstm_no_forget", "f ≡ 1"],
        "forget_bias for lstm_no_forget",
    );
    assert!(line.contains("only lstm has a forget gate"), "{line}");
    refused(
        &with(base("lstm_no_forget"), "init", json!({"blocks": ["f"]})),
        &["init.blocks[0]", "i, g, o"],
        "no f block",
    );
    let dir = std::env::temp_dir().join(format!("unrolled-cli-cec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    for chart in ["carry-path", "paths", "gates", "gradient-flow"] {
        let svg = dir.join(format!("{chart}.svg"));
        let out = run(
            &[
                "render",
                path.to_str().unwrap(),
                "--chart",
                chart,
                "--out",
                svg.to_str().unwrap(),
            ],
            None,
        );
        assert!(out.status.success(), "{chart}: {}", text(&out.stderr));
        let body = std::fs::read_to_string(&svg).unwrap();
        assert!(body.starts_with("<svg"), "{chart}");
        if chart == "carry-path" || chart == "paths" {
            assert!(body.contains("f ≡ 1"), "{chart} says f ≡ 1");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exploding_linear_rnn_is_a_result_not_an_error() {
    let steps = 1000;
    let spec = json!({
        "cell": "rnn_linear",
        "input_size": 1,
        "hidden_size": 2,
        "init": {"scheme": "eigenvalues", "eigenvalues": [[3.0, 0.0], [3.0, 0.0]], "seed": 1},
        "input": [(0..steps).map(|_| json!([1.0])).collect::<Vec<_>>()],
        "grad_output": filled(&[1, steps, 2], 1.0),
    });
    let out = run(&["trace", "-"], Some(spec.to_string().as_bytes()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\"Infinity\"") || stdout.contains("\"-Infinity\""));
    assert!(stdout.contains("\"NaN\""));
    let t: Value = serde_json::from_str(&stdout).expect("strictly valid JSON");
    let nf = &t["trace"][0]["nonfinite"];
    let first = nf["forward"][0].as_u64().expect("forward non-finite step");
    // 3^t overflows f64 after about 646 steps.
    assert!(
        (500..steps as u64).contains(&first),
        "first non-finite step {first}"
    );
    assert!(!nf["backward"][0].is_null(), "backward non-finite: {nf}");
    // The output before that step is finite and growing.
    assert!(t["output"][0][10][0].as_f64().unwrap().abs() > 1.0);
}

// ---------------------------------------------------------------- malformed specs

#[test]
fn malformed_json_and_top_level() {
    refused_text("{\"cell\": ", &["spec", "JSON"], "bad JSON");
    refused_text("", &["spec"], "empty text");
    refused_text("[1, 2]", &["spec", "object"], "not an object");
    refused_text("42", &["spec"], "a number");
    refused_text(&"[".repeat(100_000), &["spec"], "nesting bomb");
    refused(
        &with(base("lstm"), "hiden_size", json!(3)),
        &["hiden_size", "unknown field"],
        "unknown field",
    );
    refused(
        &with(base("lstm"), "version", json!(2)),
        &["version"],
        "version 2",
    );
    refused(
        &with(base("lstm"), "version", json!("1")),
        &["version"],
        "version string",
    );
    refused_text("{\"cell\":\"lstm\"} trailing", &["spec"], "trailing text");
    let out = run(&["trace", "-"], Some(b"{\"cell\": \"\xff\"}"));
    assert_refused(&out, &["SPEC", "UTF-8"], "invalid UTF-8");
}

#[test]
fn malformed_cell_and_sizes() {
    refused(
        &with(base("lstm"), "cell", json!("transformer")),
        &["cell", "transformer"],
        "unknown cell",
    );
    refused(
        &with(base("lstm"), "cell", json!(4)),
        &["cell"],
        "cell number",
    );
    for f in ["cell", "input_size", "hidden_size", "input"] {
        let line = refused(&without(base("gru"), f), &[f, "missing"], "missing field");
        assert!(line.starts_with(&format!("error: {f}:")), "{line}");
    }
    for f in ["input_size", "hidden_size"] {
        for v in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!(100_000),
            json!("3"),
            json!(null),
            json!(1e30),
        ] {
            let line = refused(&with(base("rnn_tanh"), f, v.clone()), &[f], "bad size");
            assert!(line.starts_with(&format!("error: {f}:")), "{v}: {line}");
        }
    }
    for v in [json!(0), json!(9), json!(-2), json!(2.5), json!(true)] {
        refused(
            &with(base("lstm"), "num_layers", v),
            &["num_layers"],
            "bad num_layers",
        );
    }
    refused(
        &with(base("lstm"), "bidirectional", json!("yes")),
        &["bidirectional"],
        "bool",
    );
    refused(&with(base("lstm"), "train", json!(1)), &["train"], "bool");
    refused(
        &with(base("lstm"), "analysis", json!(null)),
        &["analysis"],
        "bool",
    );
}

#[test]
fn malformed_input() {
    let b = |input: Value| with(base("rnn_tanh"), "input", input);
    refused(&b(json!([])), &["input"], "empty input");
    refused(&b(json!([[]])), &["input[0]"], "empty sequence");
    refused(&b(json!({"a": 1})), &["input"], "input object");
    refused(
        &b(json!([[[1, 2], [3, 4], [5, 6]], [[1, 2], [3, 4]]])),
        &["input[1]"],
        "ragged T",
    );
    refused(
        &b(json!([[[1, 2], [3], [5, 6]], [[1, 2], [3, 4], [5, 6]]])),
        &["input[0][1]"],
        "ragged I",
    );
    refused(
        &b(json!([[[1, 2, 3], [3, 4, 5], [5, 6, 7]]])),
        &["input[0][0]"],
        "wrong I",
    );
    for bad in [
        json!("x"),
        json!(null),
        json!(true),
        json!([1]),
        json!({}),
        json!("inf"),
    ] {
        let mut spec = base("rnn_tanh");
        spec["input"][1][2][1] = bad.clone();
        refused(&spec, &["input[1][2][1]"], &format!("element {bad}"));
    }
    refused(
        &b(json!([[[[1], [2]], [[1], [2]], [[1], [2]]]])),
        &["input[0][0][0]"],
        "nested too deep",
    );
    refused(
        &b(json!([[1, 2, 3]])),
        &["input[0][0]"],
        "nested too shallow",
    );
}

#[test]
fn malformed_params() {
    let mut spec = base("gru");
    spec["init"] = json!({"seed": 0});
    let t = trace(&spec);
    let good = t["params"].clone();
    let p = |params: Value| with(base("gru"), "params", params);
    let mut wrong = good.clone();
    wrong["weight_hh_l0"] = filled(&[9, 2], 0.0);
    refused(
        &p(wrong),
        &["params.weight_hh_l0"],
        "wrong weight_hh columns",
    );
    let mut wrong = good.clone();
    wrong["weight_ih_l0"] = filled(&[8, 2], 0.0);
    refused(&p(wrong), &["params.weight_ih_l0"], "wrong weight_ih rows");
    let mut wrong = good.clone();
    wrong["bias_ih_l0"] = filled(&[9, 1], 0.0);
    refused(&p(wrong), &["params.bias_ih_l0"], "bias as a matrix");
    let mut wrong = good.clone();
    wrong["bias_hh_l0"][4] = json!("x");
    refused(&p(wrong), &["params.bias_hh_l0[4]"], "bias element");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("bias_hh_l0");
    refused(
        &p(missing),
        &["params.bias_hh_l0", "missing"],
        "missing parameter",
    );
    let mut extra = good.clone();
    extra["weight_hh_l1"] = filled(&[9, 3], 0.0);
    refused(
        &p(extra),
        &["params.weight_hh_l1", "unknown"],
        "layer 1 of a 1-layer net",
    );
    let mut extra = good.clone();
    extra["weight_hh_l0_reverse"] = filled(&[9, 3], 0.0);
    refused(
        &p(extra),
        &["params.weight_hh_l0_reverse", "unknown"],
        "reverse of unidirectional",
    );
    refused(&p(json!([1, 2])), &["params"], "params not an object");
    let mut both = p(good);
    both["init"] = json!({"seed": 0});
    refused(&both, &["params", "init"], "params and init");
}

#[test]
fn malformed_lengths_states_and_gradients() {
    let s = |k: &str, v: Value| with(base("lstm"), k, v);
    refused(&s("lengths", json!([3])), &["lengths"], "lengths count");
    refused(
        &s("lengths", json!([3, 3, 3])),
        &["lengths"],
        "lengths count",
    );
    refused(&s("lengths", json!(3)), &["lengths"], "lengths not array");
    refused(&s("lengths", json!([0, 3])), &["lengths[0]"], "length 0");
    refused(&s("lengths", json!([3, 4])), &["lengths[1]"], "length > T");
    refused(
        &s("lengths", json!([1.5, 3])),
        &["lengths[0]"],
        "length float",
    );
    refused(
        &s("lengths", json!(["3", 3])),
        &["lengths[0]"],
        "length string",
    );
    refused(&s("h0", filled(&[1, 2, 2], 0.0)), &["h0"], "h0 H");
    refused(&s("h0", filled(&[2, 2, 3], 0.0)), &["h0"], "h0 L·D");
    refused(&s("h0", filled(&[1, 3, 3], 0.0)), &["h0"], "h0 B");
    refused(&s("c0", filled(&[1, 1, 3], 0.0)), &["c0"], "c0 B");
    refused(
        &s("grad_c_n", filled(&[1, 2], 0.0)),
        &["grad_c_n"],
        "grad_c_n shape",
    );
    refused(&s("grad_h_n", json!(null)), &["grad_h_n"], "grad_h_n null");
    refused(
        &with(base("gru"), "c0", filled(&[1, 2, 3], 0.0)),
        &["c0", "lstm"],
        "c0 for gru",
    );
    refused(
        &with(base("rnn_tanh"), "grad_c_n", filled(&[1, 2, 3], 0.0)),
        &["grad_c_n", "lstm"],
        "grad_c_n for rnn",
    );
    refused(
        &s("grad_output", filled(&[2, 3, 2], 1.0)),
        &["grad_output"],
        "grad_output H",
    );
    refused(
        &s("grad_output", filled(&[2, 2, 3], 1.0)),
        &["grad_output"],
        "grad_output T",
    );
    // Bidirectional: grad_output is [B][T][2H].
    let mut bi = with(base("gru"), "bidirectional", json!(true));
    bi["grad_output"] = filled(&[2, 3, 3], 1.0);
    refused(&bi, &["grad_output[0][0]"], "grad_output D·H");
    for v in [
        json!(1),
        json!(1.0),
        json!(-0.1),
        json!("0.5"),
        json!("NaN"),
    ] {
        refused(&s("dropout", v), &["dropout"], "bad dropout");
    }
    refused(
        &s("dropout_seed", json!(-1)),
        &["dropout_seed"],
        "negative seed",
    );
}

#[test]
fn malformed_init() {
    let i = |init: Value| with(base("rnn_tanh"), "init", init);
    refused(
        &i(json!({"seed": 0, "shceme": "pytorch"})),
        &["init.shceme", "unknown"],
        "unknown init field",
    );
    refused(
        &i(json!({"scheme": "xavier"})),
        &["init.scheme", "xavier"],
        "unknown scheme",
    );
    refused(&i(json!({"scheme": 1})), &["init.scheme"], "scheme number");
    refused(&i(json!("pytorch")), &["init"], "init not an object");
    refused(&i(json!({"seed": -1})), &["init.seed"], "negative seed");
    refused(&i(json!({"seed": 0.5})), &["init.seed"], "float seed");
    refused(&i(json!({"gain": "big"})), &["init.gain"], "gain string");
    refused(
        &i(json!({"scheme": "gaussian", "sigma": -1.0})),
        &["init.sigma"],
        "negative sigma",
    );
    refused(
        &i(json!({"spectral_radius": 1.0, "max_singular_value": 1.0})),
        &["max_singular_value", "spectral_radius"],
        "both rescalings",
    );
    refused(
        &i(json!({"forget_bias": 1.0})),
        &["init.forget_bias"],
        "forget_bias for rnn",
    );
    refused(
        &i(json!({"blocks": ["f"]})),
        &["init.blocks[0]"],
        "lstm block for rnn",
    );
    refused(&i(json!({"blocks": []})), &["init.blocks"], "empty blocks");
    let ev = |e: Value| i(json!({"scheme": "eigenvalues", "eigenvalues": e}));
    refused(
        &ev(json!([[0.5, 0.3], [0.5, 0.3], [0.1, 0.0]])),
        &["init.eigenvalues", "conjugate"],
        "unpaired complex",
    );
    refused(
        &ev(json!([[0.5, 0.0], [0.5, 0.0]])),
        &["init.eigenvalues"],
        "too few",
    );
    refused(
        &ev(json!([[0.5, 0.0], [0.5, 0.0], [0.5, 0.0], [0.5, 0.0]])),
        &["init.eigenvalues"],
        "too many",
    );
    refused(
        &ev(json!([[0.5], [0.5], [0.5]])),
        &["init.eigenvalues[0]"],
        "not pairs",
    );
    refused(
        &ev(json!([[0.5, 0.0], [0.5, 0.0], ["Infinity", 0.0]])),
        &["init.eigenvalues"],
        "infinite",
    );
    refused(
        &i(json!({"scheme": "eigenvalues"})),
        &["init.eigenvalues", "missing"],
        "no eigenvalues",
    );
    refused(
        &i(json!({"eigenvalues": [[0.5, 0.0]]})),
        &["init.eigenvalues", "scheme"],
        "eigenvalues without scheme",
    );
}

#[test]
fn control_characters_in_names_stay_on_one_line() {
    refused_text(
        "{\"cell\": \"ls\\ntm\", \"input_size\": 1, \"hidden_size\": 1, \"input\": [[[1]]]}",
        &["cell", "ls\\ntm"],
        "newline in cell",
    );
    refused_text(
        "{\"a\\nb\\rc\": 1, \"cell\": \"lstm\"}",
        &["unknown field"],
        "newline in a field name",
    );
    refused_text(
        "{\"cell\": \"lstm\", \"input_size\": 1, \"hidden_size\": 1, \"input\": [[[1]]], \"init\": {\"x\\n\": 1}}",
        &["init.x"],
        "newline in an init field name",
    );
    let out = run(&["tr\nace"], None);
    assert_refused(&out, &["command"], "newline in command");
}

#[test]
fn specs_over_the_size_limits_are_refused_quickly() {
    // B·T·L·D·G·H = 10000 · 4 · 1024 > 2·10⁷.
    let big = json!({
        "cell": "lstm", "input_size": 1, "hidden_size": 1024, "analysis": false,
        "input": [(0..10_000).map(|_| json!([0.5])).collect::<Vec<_>>()],
    });
    // B·T·G·H³ = 100 · 1024³ > 2·10¹⁰ with the analysis on.
    let costly = json!({
        "cell": "rnn_tanh", "input_size": 1, "hidden_size": 1024,
        "input": [(0..100).map(|_| json!([0.5])).collect::<Vec<_>>()],
    });
    for (spec, field) in [(big, "input"), (costly, "analysis")] {
        let start = Instant::now();
        let line = refused(&spec, &[field, "limit"], "over the limit");
        let took = start.elapsed();
        assert!(took < Duration::from_millis(1000), "took {took:?}: {line}");
    }
    // The same costly spec without analysis is fine.
    let t = trace(&json!({
        "cell": "rnn_tanh", "input_size": 1, "hidden_size": 4, "analysis": false,
        "input": [(0..100).map(|_| json!([0.5])).collect::<Vec<_>>()],
    }));
    assert!(t["trace"][0].get("jacobian_norm").is_none());
    // Batch and step limits.
    let many = json!({
        "cell": "rnn_tanh", "input_size": 1, "hidden_size": 1,
        "input": (0..1025).map(|_| json!([[0.5]])).collect::<Vec<_>>(),
    });
    refused(&many, &["input", "1024"], "B > 1024");
    let long = json!({
        "cell": "rnn_tanh", "input_size": 1, "hidden_size": 1,
        "input": [(0..10_001).map(|_| json!([0.5])).collect::<Vec<_>>()],
    });
    refused(&long, &["input[0]", "10000"], "T > 10000");
}

// ---------------------------------------------------------------- command line

#[test]
fn command_line_errors() {
    assert_refused(&run(&[], None), &["command", "missing"], "no arguments");
    assert_refused(
        &run(&["frobnicate"], None),
        &["command", "frobnicate"],
        "unknown command",
    );
    assert_refused(&run(&["trace"], None), &["SPEC"], "trace without a path");
    assert_refused(
        &run(&["trace", "a.json", "b.json"], None),
        &["SPEC"],
        "two paths",
    );
    let missing = "/nonexistent/unrolled/spec.json";
    assert_refused(
        &run(&["trace", missing], None),
        &["SPEC", missing],
        "missing file",
    );
    let dir = env!("CARGO_MANIFEST_DIR");
    assert_refused(&run(&["trace", dir], None), &["SPEC"], "a directory");
    let out = run(&["--help"], None);
    assert!(out.status.success() && text(&out.stdout).contains("unrolled trace SPEC"));
    let out = run(&["--version"], None);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("unrolled {}", env!("CARGO_PKG_VERSION"))
    );
}

const BENCH: [&str; 13] = [
    "bench",
    "--cell",
    "gru",
    "--input-size",
    "2",
    "--hidden-size",
    "3",
    "--steps",
    "4",
    "--batch",
    "2",
    "--iters",
    "2",
];

#[test]
fn bench_prints_one_json_line() {
    for (analysis, records, threads) in [(false, false, 1), (true, true, 1), (false, false, 2)] {
        let mut args = BENCH.to_vec();
        if analysis {
            args.push("--analysis");
        }
        if records {
            args.push("--records");
        }
        let n = threads.to_string();
        if threads > 1 {
            args.extend(["--threads", &n]);
        }
        let out = run(&args, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        let r: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            keys(&r),
            sorted(&[
                "engine",
                "cell",
                "batch",
                "steps",
                "input_size",
                "hidden_size",
                "records",
                "analysis",
                "path",
                "threads",
                "iters",
                "median_us",
                "min_us",
                "checksum_finite"
            ])
        );
        assert_eq!(r["engine"], "unrolled-native");
        assert_eq!(r["cell"], "gru");
        assert_eq!(
            (
                &r["batch"],
                &r["steps"],
                &r["input_size"],
                &r["hidden_size"]
            ),
            (&json!(2), &json!(4), &json!(2), &json!(3))
        );
        assert_eq!(r["iters"], 2);
        assert_eq!(r["threads"], threads);
        assert_eq!(r["analysis"], analysis);
        assert_eq!(r["records"], records);
        #[cfg(target_arch = "x86_64")]
        assert!(
            ["baseline", "avx2", "avx512"].contains(&r["path"].as_str().unwrap()),
            "{r}"
        );
        assert_eq!(r["checksum_finite"], true);
        let median = r["median_us"].as_f64().unwrap();
        assert!(median > 0.0 && median >= r["min_us"].as_f64().unwrap());
    }
}

/// `unrolled COMMAND --help` prints the usage (exit 0), as `unrolled --help` does.
#[test]
fn every_command_answers_help() {
    for command in ["trace", "train", "bench", "render"] {
        for flag in ["--help", "-h"] {
            let out = run(&[command, flag], None);
            assert!(
                out.status.success(),
                "{command} {flag}: {}",
                text(&out.stderr)
            );
            assert!(text(&out.stdout).starts_with("usage:"), "{command} {flag}");
        }
    }
}

/// A path `UNROLLED_SIMD` does not name is refused (exit 2, one line naming the variable), not
/// measured on another path; a good one is used and `bench` says which.
#[test]
fn a_bad_unrolled_simd_is_refused() {
    let out = bin()
        .args(BENCH)
        .env("UNROLLED_SIMD", "avx9")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_refused(
        &out,
        &["UNROLLED_SIMD", "avx9", "expected baseline, avx2 or avx512"],
        "bad UNROLLED_SIMD",
    );
    let out = bin()
        .args(BENCH)
        .env("UNROLLED_SIMD", "baseline")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    #[cfg(target_arch = "x86_64")]
    assert_eq!(r["path"], "baseline");
}

#[test]
fn bench_flag_errors() {
    let without = |flag: &str| -> Vec<&str> {
        let mut a = BENCH.to_vec();
        let at = a.iter().position(|x| *x == flag).unwrap();
        a.drain(at..at + 2);
        a
    };
    for flag in [
        "--cell",
        "--input-size",
        "--hidden-size",
        "--steps",
        "--batch",
    ] {
        assert_refused(
            &run(&without(flag), None),
            &[flag, "missing"],
            "missing flag",
        );
    }
    let replace = |flag: &str, value: &str| -> Vec<String> {
        let mut a: Vec<String> = BENCH.iter().map(|s| s.to_string()).collect();
        let at = a.iter().position(|x| x == flag).unwrap();
        a[at + 1] = value.to_string();
        a
    };
    for (flag, value) in [
        ("--cell", "transformer"),
        ("--input-size", "0"),
        ("--hidden-size", "2000"),
        ("--steps", "abc"),
        ("--batch", "-1"),
        ("--iters", "0"),
        ("--iters", "1.5"),
    ] {
        let args = replace(flag, value);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_refused(&run(&args, None), &[flag, value], "bad flag value");
    }
    let mut args = BENCH.to_vec();
    args.push("--fast");
    args.push("1");
    assert_refused(&run(&args, None), &["--fast", "unknown"], "unknown flag");
    let mut args = BENCH.to_vec();
    args.push("--batch");
    assert_refused(&run(&args, None), &["--batch"], "flag without value");
    assert_refused(
        &run(
            &[
                "bench",
                "--cell",
                "lstm",
                "--input-size",
                "1024",
                "--hidden-size",
                "1024",
                "--steps",
                "10000",
                "--batch",
                "1024",
            ],
            None,
        ),
        &["--batch", "too large"],
        "too much work",
    );
}

/// Specs inside the batch/step/size limits that would still write gigabytes or run for minutes
/// are refused at once: too many parameters, spectral initialisation of huge blocks, and the
/// Jacobian analysis cost of `bench --analysis`.
#[test]
fn runaway_work_is_refused_quickly() {
    let zeros = vec![0.0; 1024];
    let huge = json!({"cell": "lstm", "input_size": 1024, "hidden_size": 1024, "num_layers": 8,
        "bidirectional": true, "analysis": false, "input": [[zeros]]});
    let t = Instant::now();
    let line = refused(&huge, &["hidden_size", "limit"], "too many parameters");
    assert!(line.contains("parameters"), "{line}");
    assert!(t.elapsed() < Duration::from_secs(2));
    let init = json!({"cell": "lstm", "input_size": 2, "hidden_size": 1024, "analysis": false,
        "init": {"scheme": "gaussian", "spectral_radius": 1.1}, "input": [[[0.0, 0.0]]]});
    let t = Instant::now();
    refused(&init, &["init", "limit"], "spectral init of 1024² blocks");
    assert!(t.elapsed() < Duration::from_secs(2));
    // The same size without spectral work is fine.
    let plain = json!({"cell": "rnn_tanh", "input_size": 2, "hidden_size": 1024, "analysis": false,
        "init": {"scheme": "gaussian"}, "input": [[[0.0, 0.0]]]});
    assert_eq!(trace(&plain)["hidden_size"], json!(1024));
    let out = run(
        &[
            "bench",
            "--cell",
            "lstm",
            "--input-size",
            "8",
            "--hidden-size",
            "1024",
            "--steps",
            "1000",
            "--batch",
            "1",
            "--analysis",
            "--iters",
            "1",
        ],
        None,
    );
    assert_refused(
        &out,
        &["--analysis", "limit"],
        "bench --analysis too costly",
    );
}

/// An overflowed state is reported as NaN or inf in every per-step norm, never as 0.
#[test]
fn nan_states_give_nan_norms_not_zero() {
    let spec = json!({"cell": "rnn_tanh", "input_size": 1, "hidden_size": 2,
        "input": [[[1.0], ["NaN"], [2.0]]], "grad_output": [[[1, 1], [1, 1], [1, 1]]]});
    let v = trace(&spec);
    let tr = &v["trace"][0];
    assert_eq!(tr["grad_h_norm"][0][0], json!("NaN"));
    assert_eq!(tr["grad_h_norm"][0][1], json!("NaN"));
    assert_eq!(tr["w_hh_grad_contribution"][0][1], json!("NaN"));
    assert_eq!(tr["nonfinite"]["forward"], json!([1]));
}

/// A repeated bench option is refused (instead of the last one silently winning), and `render`
/// blames non-finite given weights on their parameter, not on the chart.
#[test]
fn repeated_bench_flags_and_non_finite_weights_in_render_name_their_field() {
    let out = run(
        &[
            "bench",
            "--cell",
            "lstm",
            "--input-size",
            "4",
            "--hidden-size",
            "4",
            "--steps",
            "5",
            "--batch",
            "1",
            "--batch",
            "2",
        ],
        None,
    );
    assert_refused(&out, &["--batch", "twice"], "repeated --batch");
    let dir = std::env::temp_dir().join(format!("unrolled-cli-nan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = json!({"cell": "rnn_tanh", "input_size": 1, "hidden_size": 2,
        "params": {"weight_ih_l0": [[1.0], [1.0]], "weight_hh_l0": [["NaN", 0.0], [0.0, 1.0]],
            "bias_ih_l0": [0.0, 0.0], "bias_hh_l0": [0.0, 0.0]},
        "input": [[[1.0], [2.0]]]});
    let path = dir.join("nan.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let svg = dir.join("s.svg");
    let out = run(
        &[
            "render",
            path.to_str().unwrap(),
            "--chart",
            "spectrum",
            "--out",
            svg.to_str().unwrap(),
        ],
        None,
    );
    assert_refused(
        &out,
        &["params.weight_hh_l0", "NaN"],
        "render spectrum of NaN weights",
    );
    assert!(!svg.exists(), "no file is written for a refused chart");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// `unrolled trace` with `"model": "lstm_classifier"`: the course's text classifier.

/// V = 8, E = 3, H = 2, C = 3, the course's defaults otherwise; three sentences of T = 4.
fn classifier_base() -> Value {
    json!({
        "model": "lstm_classifier", "vocab_size": 8, "embed_dim": 3, "hidden_dim": 2,
        "output_dim": 3, "text": [[1, 2, 3, 0], [4, 5, 6, 7], [2, 0, 0, 0]],
        "lengths": [3, 4, 1], "labels": [0, 2, 1], "init": {"seed": 5}
    })
}

#[test]
fn classifier_trace_fields_and_shapes() {
    let t = trace(&classifier_base());
    assert_eq!(t["format"], "unrolled-trace");
    assert_eq!(
        (&t["version"], &t["model"], &t["cell"]),
        (&json!(1), &json!("lstm_classifier"), &json!("lstm"))
    );
    assert_eq!(
        (&t["num_layers"], &t["bidirectional"], &t["packed"]),
        (&json!(2), &json!(true), &json!(true))
    );
    assert_eq!(t["lengths"], json!([3, 4, 1]));
    assert_shape(&t["logits"], &[3, 3], "logits");
    assert_shape(&t["features"], &[3, 4], "features");
    assert!(t["loss"].as_f64().unwrap() > 0.0);
    assert_shape(&t["output"], &[3, 4, 4], "output");
    assert_shape(&t["h_n"], &[4, 3, 2], "h_n");
    assert_shape(&t["c_n"], &[4, 3, 2], "c_n");
    assert_shape(&t["grads"]["embedded"], &[3, 4, 3], "grads.embedded");
    let mut names: Vec<String> = vec![
        "embedding.weight".into(),
        "fc.weight".into(),
        "fc.bias".into(),
    ];
    names.extend(param_names(2, true).iter().map(|n| format!("lstm.{n}")));
    names.sort();
    assert_eq!(keys(&t["params"]), names, "drawn params are written");
    assert_eq!(keys(&t["grads"]["params"]), names);
    assert_shape(
        &t["grads"]["params"]["embedding.weight"],
        &[8, 3],
        "embedding grad",
    );
    assert_shape(&t["grads"]["params"]["fc.weight"], &[3, 4], "fc grad");
    let runs = t["trace"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for r in runs {
        assert_eq!(keys(&r["gates"]), sorted(&["i", "f", "g", "o", "c", "h"]));
        assert_shape(&r["grad_h_norm"], &[3, 4], "grad_h_norm");
        assert_shape(&r["jacobian_norm"], &[3, 4], "jacobian_norm");
    }
    // The features are h_n of the last layer: forward, then reverse.
    for b in 0..3 {
        let f = flat(&t["features"][b]);
        assert_eq!(f[..2], flat(&t["h_n"][2][b])[..]);
        assert_eq!(f[2..], flat(&t["h_n"][3][b])[..]);
    }
    // Given the drawn parameters back, the same trace (without params).
    let mut again = without(classifier_base(), "init");
    again["params"] = t["params"].clone();
    let t2 = trace(&again);
    assert_eq!(t2["logits"], t["logits"]);
    assert_eq!(t2["grads"], t["grads"]);
    assert!(t2.get("params").is_none());
}

#[test]
fn classifier_example_runs() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/classifier_small.json"
    );
    let out = run(&["trace", example], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["model"], "lstm_classifier");
    assert_shape(&t["logits"], &[3, 2], "logits");
    assert_shape(
        &t["grads"]["params"]["embedding.weight"],
        &[12, 4],
        "embedding grad",
    );
}

#[test]
fn classifier_without_labels_lengths_or_eval_mode() {
    let spec = without(without(classifier_base(), "labels"), "lengths");
    let t = trace(&spec);
    assert_eq!(
        (&t["packed"], &t["lengths"]),
        (&json!(false), &json!([4, 4, 4]))
    );
    assert!(t.get("loss").is_none() && t.get("grads").is_none());
    assert!(t["trace"][0].get("grad_h_norm").is_none());
    let packed = trace(&without(classifier_base(), "labels"));
    assert_ne!(
        t["logits"], packed["logits"],
        "reading the padding changes the answer"
    );
    // Training mode: dropout between the layers, the masks from dropout_seed.
    let train = |seed: u64| {
        let s = with(
            with(classifier_base(), "train", json!(true)),
            "dropout_seed",
            json!(seed),
        );
        trace(&s)["logits"].clone()
    };
    let eval = trace(&classifier_base())["logits"].clone();
    assert_ne!(train(1), eval);
    assert_eq!(train(1), train(1));
    assert_ne!(train(1), train(2));
    let single = with(
        with(classifier_base(), "num_layers", json!(1)),
        "bidirectional",
        json!(false),
    );
    let t = trace(&single);
    assert_shape(&t["features"], &[3, 2], "unidirectional features");
    assert_shape(
        &t["grads"]["params"]["fc.weight"],
        &[3, 2],
        "fc takes hidden_dim",
    );
    let gru = trace(&with(classifier_base(), "cell", json!("gru")));
    assert_eq!(
        keys(&gru["trace"][0]["gates"]),
        sorted(&["r", "z", "n", "h"])
    );
    assert!(gru.get("c_n").is_none());
}

#[test]
fn malformed_classifier_specs_name_their_field() {
    let b = classifier_base;
    refused(
        &with(b(), "model", json!("transformer")),
        &["model", "lstm_classifier"],
        "model",
    );
    refused(
        &without(b(), "vocab_size"),
        &["vocab_size", "missing"],
        "no vocab_size",
    );
    refused(&without(b(), "text"), &["text", "missing"], "no text");
    let mut bad_id = b();
    bad_id["text"][1][2] = json!(8);
    refused(&bad_id, &["text[1][2]", "vocab_size 8"], "token id");
    refused(
        &with(b(), "text", json!([[1, 2], [1, 2, 3]])),
        &["text[1]"],
        "ragged",
    );
    refused(
        &with(b(), "lengths", json!([3, 5, 1])),
        &["lengths[1]", "1..=4"],
        "length",
    );
    refused(
        &with(b(), "lengths", json!([3, 4])),
        &["lengths"],
        "lengths count",
    );
    refused(
        &with(b(), "labels", json!([0, 3, 1])),
        &["labels[1]", "0..=2"],
        "label",
    );
    refused(
        &with(b(), "input", json!([])),
        &["input", "unknown field"],
        "trace-spec field",
    );
    refused(
        &with(without(b(), "init"), "params", json!({"fc.weight": [[1]]})),
        &["params.embedding.weight"],
        "params",
    );
}

// ---------------------------------------------------------------------------------------------
// `unrolled train`: JSON lines, determinism, the params round trip, the budget and every
// refusal of a malformed training spec.

/// A small training spec: adding_sum over 5 steps, a GRU with H = 4.
fn train_base() -> Value {
    json!({
        "model": {"cell": "gru", "hidden_size": 4},
        "task": {"name": "adding_sum", "steps": 5},
        "iterations": 4, "eval_every": 2, "eval_size": 8, "batch_size": 4
    })
}

/// Runs `train -` on `spec`, asserting success; returns the output lines, parsed.
fn train_lines(spec: &Value) -> Vec<Value> {
    let out = run(&["train", "-"], Some(spec.to_string().as_bytes()));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "stderr: {stderr}\nspec: {spec}");
    assert!(stderr.is_empty(), "unexpected stderr: {stderr}");
    assert!(stdout.ends_with('\n'));
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The keys of one line in the order they are written.
fn written_keys(line: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(line).unwrap();
    let mut keys: Vec<(usize, String)> = v
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (line.find(&format!("\"{k}\":")).unwrap(), k.clone()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn train_writes_a_json_line_per_evaluation_then_a_final_record() {
    let spec = with(train_base(), "emit_params", json!(true));
    let out = run(&["train", "-"], Some(spec.to_string().as_bytes()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let raw: Vec<&str> = stdout.lines().collect();
    assert_eq!(raw.len(), 4, "iterations 0, 2, 4 and the final record");
    let log_keys = [
        "iteration",
        "sequences",
        "seconds",
        "train_loss",
        "test_loss",
        "test_solved",
        "grad_norm",
        "clipped",
        "clip_count",
        "w_hh",
        "grad_by_lag",
    ];
    let mut seconds = 0.0;
    for (i, line) in raw[..3].iter().enumerate() {
        assert_eq!(written_keys(line), log_keys, "{line}");
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["iteration"], 2 * i);
        assert_eq!(v["sequences"], 8 * i);
        let s = v["seconds"].as_f64().unwrap();
        assert!(s >= seconds);
        seconds = s;
        assert_eq!(v["w_hh"].as_array().unwrap().len(), 3, "gru: r, z, n");
        assert_eq!(v["grad_by_lag"].as_array().unwrap().len(), 5);
    }
    let last: Value = serde_json::from_str(raw[3]).unwrap();
    let final_keys = [
        "final",
        "format",
        "version",
        "iterations",
        "sequences",
        "seconds",
        "test_loss",
        "test_solved",
        "best_test_solved",
        "criterion",
        "reached",
        "params",
    ];
    assert_eq!(written_keys(raw[3]), final_keys);
    assert_eq!(last["final"], true);
    assert_eq!(
        (&last["format"], &last["version"]),
        (&json!("unrolled-train"), &json!(1))
    );
    assert_eq!(
        (&last["iterations"], &last["sequences"]),
        (&json!(4), &json!(16))
    );
    assert_eq!(
        last["criterion"],
        json!({"field": "test_solved", "at_least": 0.95})
    );
    assert_eq!(last["seconds"].as_f64(), Some(seconds));
    let params = last["params"].as_object().unwrap();
    assert_eq!(params.len(), 6);
    assert_eq!(shape(&params["rnn.weight_hh_l0"]), vec![12, 4]);
    assert_eq!(shape(&params["fc.weight"]), vec![1, 4]);
    assert!(train_lines(&train_base())
        .last()
        .unwrap()
        .get("params")
        .is_none());
}

fn shape(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => [vec![a.len()], shape(&a[0])].concat(),
        _ => Vec::new(),
    }
}

/// The lines with every `seconds` (the only measured value) removed.
fn without_seconds(lines: Vec<Value>) -> Vec<Value> {
    fn strip(v: &mut Value) {
        if let Value::Object(m) = v {
            m.remove("seconds");
            m.values_mut().for_each(strip);
        }
    }
    lines
        .into_iter()
        .map(|mut v| {
            strip(&mut v);
            v
        })
        .collect()
}

#[test]
fn train_is_deterministic_but_for_the_measured_seconds_from_a_file_or_stdin() {
    let spec = json!({
        "model": {"cell": "lstm", "hidden_size": 3, "num_layers": 2, "dropout": 0.3,
                  "bidirectional": true},
        "task": {"name": "temporal_order", "steps": 10},
        "iterations": 3, "eval_every": 1, "eval_size": 5, "batch_size": 3, "seed": 8,
        "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9}, "clip": {"clip_value": 0.05}
    });
    let dir = std::env::temp_dir().join(format!("unrolled-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let out = run(&["train", path.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let from_file: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(from_file.len(), 5);
    assert_eq!(
        without_seconds(from_file),
        without_seconds(train_lines(&spec))
    );
}

#[test]
fn train_emitted_params_fed_back_give_the_same_test_loss() {
    let spec = with(train_base(), "emit_params", json!(true));
    let last = train_lines(&spec).pop().unwrap();
    let mut again = with(train_base(), "iterations", json!(0));
    again["model"]["params"] = last["params"].clone();
    let lines = train_lines(&again);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["test_loss"], last["test_loss"]);
    assert_eq!(lines[1]["test_loss"], last["test_loss"]);
}

/// The text classifier on four sentences whose class is whether token 1 or token 9 opens them.
fn train_classifier_base() -> Value {
    json!({
        "model": {"model": "lstm_classifier", "vocab_size": 10, "embed_dim": 4,
                  "hidden_dim": 4, "output_dim": 2, "num_layers": 1},
        "data": {"text": [[1, 2, 3, 0], [9, 5, 0, 0], [1, 6, 7, 8], [9, 2, 0, 0]],
                 "lengths": [3, 2, 4, 2], "labels": [0, 1, 0, 1]},
        "optimizer": {"name": "adam", "lr": 0.05}, "iterations": 40, "eval_every": 20
    })
}

/// `"task": {"name": "sentiment"}`: a short run of a small classifier on the shipped data; its
/// held-out loss falls, every record has the long-range accuracy, and a wrong `vocab_size` is
/// refused naming the field.
#[test]
fn train_sentiment_learns_and_names_a_wrong_vocab_size() {
    let spec = json!({
        "model": {"model": "lstm_classifier", "embed_dim": 8, "hidden_dim": 8},
        "task": {"name": "sentiment"}, "batch_size": 16, "iterations": 60, "eval_every": 60,
        "seed": 3
    });
    let lines = train_lines(&spec);
    assert_eq!(lines.len(), 3, "records at 0 and 60, then the final one");
    let (first, last) = (&lines[0], &lines[1]);
    assert!(
        last["test_loss"].as_f64() < first["test_loss"].as_f64(),
        "{first}\n{last}"
    );
    for l in &lines {
        let acc = l["test_accuracy_long_range"]
            .as_f64()
            .expect("long-range accuracy");
        assert!((0.0..=1.0).contains(&acc));
    }
    assert_eq!(lines[2]["sequences"], 960);
    let bad = with(
        spec.clone(),
        "model",
        json!({"model": "lstm_classifier", "vocab_size": 10}),
    );
    let line = refused_train(&bad, &["model.vocab_size"], "vocab_size");
    assert!(
        line.contains("(the sentiment vocabulary's size) or nothing, got 10"),
        "{line}"
    );
    let bad = with(spec, "task", json!({"name": "sentiments"}));
    refused_train(&bad, &["task.name", "sentiment"], "task name");
}

#[test]
fn train_classifier_learns_its_batch_and_round_trips_its_params() {
    let spec = with(train_classifier_base(), "emit_params", json!(true));
    let lines = train_lines(&spec);
    assert_eq!(lines.len(), 4, "iterations 0, 20, 40 and the final record");
    let last = lines.last().unwrap();
    assert_eq!(last["test_accuracy"], 1.0);
    assert!(lines[2]["test_loss"].as_f64() < lines[0]["test_loss"].as_f64());
    assert_eq!(
        lines[0]["w_hh"].as_array().unwrap().len(),
        4 * 2,
        "i f g o, two directions"
    );
    assert_eq!(lines[0]["grad_by_lag"].as_array().unwrap().len(), 4);
    let mut names = keys(&last["params"]);
    names.retain(|n| !n.starts_with("lstm."));
    assert_eq!(names, sorted(&["embedding.weight", "fc.bias", "fc.weight"]));
    assert_shape(&last["params"]["embedding.weight"], &[10, 4], "embedding");
    let mut again = with(train_classifier_base(), "iterations", json!(0));
    again["model"]["params"] = last["params"].clone();
    let lines = train_lines(&again);
    assert_eq!(lines[0]["test_loss"], last["test_loss"]);
    let mut bad = train_classifier_base();
    bad["data"]["text"][2][1] = json!(10);
    let out = run(&["train", "-"], Some(bad.to_string().as_bytes()));
    assert_refused(&out, &["data.text[2][1]", "vocab_size 10"], "token id");
}

#[test]
fn train_stops_after_the_iteration_that_crosses_the_seconds_budget() {
    let spec = json!({
        "model": {"cell": "lstm", "hidden_size": 8},
        "task": {"name": "adding", "steps": 20},
        "seconds": 0.3, "eval_every": 1000000, "eval_size": 4
    });
    let started = Instant::now();
    let lines = train_lines(&spec);
    assert!(started.elapsed() < Duration::from_secs(60));
    let last = lines.last().unwrap();
    assert!(last["seconds"].as_f64().unwrap() >= 0.3);
    assert!(last["iterations"].as_u64().unwrap() >= 1);
    assert_eq!(lines.len(), 3, "iteration 0, the end, the final record");
}

#[test]
fn malformed_training_specs_name_their_field() {
    let base = train_base();
    let m = |k: &str, v: Value| {
        let mut s = train_base();
        s["model"][k] = v;
        s
    };
    let t = |k: &str, v: Value| {
        let mut s = train_base();
        s["task"][k] = v;
        s
    };
    let o = |v: Value| with(train_base(), "optimizer", v);
    let data = json!({"input": [[[0.5], [1.0]], [[1.5], [0.0]]], "labels": [0, 1],
                      "classes": 2});
    let d = |k: &str, v: Value| {
        let mut s = without(train_base(), "task");
        s["data"] = data.clone();
        s["data"][k] = v;
        s
    };
    let dx = |k: &str| {
        let mut s = d("labels", json!([0, 1]));
        s["data"].as_object_mut().unwrap().remove(k);
        s
    };
    let mut params = train_lines(&with(train_base(), "emit_params", json!(true)))
        .pop()
        .unwrap()["params"]
        .clone();
    let p = |name: &str, v: Value| {
        let mut all = params.clone();
        all[name] = v;
        m("params", all)
    };
    let cases: Vec<(Value, &[&str], &str)> = vec![
        (
            with(base.clone(), "epochs", json!(3)),
            &["epochs", "unknown field"],
            "unknown top-level field",
        ),
        (
            with(base.clone(), "version", json!(2)),
            &["version"],
            "version",
        ),
        (
            with(base.clone(), "data", data.clone()),
            &["data", "not both"],
            "task and data",
        ),
        (
            without(base.clone(), "task"),
            &["task", "missing"],
            "neither task nor data",
        ),
        (
            without(base.clone(), "model"),
            &["model", "missing"],
            "no model",
        ),
        (
            t("name", json!("add")),
            &["task.name", "adding_sum"],
            "unknown task",
        ),
        (
            t("name", json!(3)),
            &["task.name"],
            "task name not a string",
        ),
        (t("steps", json!(0)), &["task.steps"], "steps 0"),
        (
            t("steps", json!(1001)),
            &["task.steps", "1000"],
            "steps over the limit",
        ),
        (
            with(base.clone(), "task", json!({"name": "adding", "steps": 3})),
            &["task.steps", "≥ 4"],
            "steps under the task's minimum",
        ),
        (
            t("k", json!(2)),
            &["task.k", "only to copy"],
            "k for adding_sum",
        ),
        (
            t("lag", json!(2)),
            &["task.lag", "unknown field"],
            "unknown task field",
        ),
        (
            m("input_size", json!(3)),
            &["model.input_size", "expected 2"],
            "input_size mismatch",
        ),
        (m("cell", json!("lstmx")), &["model.cell"], "unknown cell"),
        (
            m("hidden_size", json!(0)),
            &["model.hidden_size"],
            "hidden_size 0",
        ),
        (
            m("epochs", json!(1)),
            &["model.epochs", "unknown field"],
            "unknown model field",
        ),
        (
            with(
                base.clone(),
                "model",
                json!({"cell": "lstm", "hidden_size": 2, "init": {"carry_bias": 1, "forget_bias": 1}}),
            ),
            &["model.init.carry_bias"],
            "carry and forget bias",
        ),
        (
            with(
                base.clone(),
                "model",
                json!({"cell": "rnn_tanh", "hidden_size": 2, "init": {"carry_bias": 1}}),
            ),
            &["model.init.carry_bias", "no carry-gate bias"],
            "carry_bias without a carry gate",
        ),
        (
            p("fc.weight", json!([[1.0, 2.0]])),
            &["model.params.fc.weight[0]"],
            "fc.weight of the wrong shape",
        ),
        (
            p("rnn.bias_hh_l0", json!(vec![0.0; 11])),
            &["model.params.rnn.bias_hh_l0"],
            "short bias",
        ),
        (
            p("rnn.weight_hh_l0", json!(vec![json!(["NaN", 0, 0, 0]); 12])),
            &["model.params.rnn.weight_hh_l0[0][0]", "finite"],
            "NaN weight",
        ),
        (
            p("weight_ih_l0", json!([[0.0]])),
            &["model.params.weight_ih_l0", "unknown parameter"],
            "unprefixed name",
        ),
        (
            {
                params.as_object_mut().unwrap().remove("fc.bias");
                m("params", params.clone())
            },
            &["model.params.fc.bias", "missing"],
            "missing tensor",
        ),
        (
            o(json!({"name": "rmsprop"})),
            &["optimizer.name", "sgd, adam, adamw"],
            "unknown optimizer",
        ),
        (
            o(json!({"lr": 0.1})),
            &["optimizer.name", "missing"],
            "optimizer without a name",
        ),
        (
            o(json!({"name": "adam", "lr": 0})),
            &["optimizer.lr", "> 0"],
            "lr 0",
        ),
        (
            o(json!({"name": "sgd", "lr": -0.1})),
            &["optimizer.lr", "> 0"],
            "negative lr",
        ),
        (
            o(json!({"name": "sgd", "betas": [0.9, 0.99]})),
            &["optimizer.betas", "unknown field"],
            "betas for sgd",
        ),
        (
            o(json!({"name": "adamw", "decoupled_weight_decay": true})),
            &["optimizer.decoupled_weight_decay"],
            "adamw is decoupled already",
        ),
        (
            o(json!({"name": "adam", "betas": [0.9, 1.0]})),
            &["optimizer.betas[1]", "[0, 1)"],
            "beta 1",
        ),
        (
            o(json!({"name": "adam", "betas": [0.9]})),
            &["optimizer.betas"],
            "one beta",
        ),
        (
            o(json!({"name": "sgd", "momentum": -0.5})),
            &["optimizer.momentum", "≥ 0"],
            "negative momentum",
        ),
        (
            o(json!({"name": "sgd", "nesterov": true})),
            &["optimizer.nesterov", "momentum"],
            "nesterov without momentum",
        ),
        (
            o(json!({"name": "adam", "eps": "small"})),
            &["optimizer.eps"],
            "eps a string",
        ),
        (
            with(
                base.clone(),
                "clip",
                json!({"max_norm": 1, "clip_value": 1}),
            ),
            &["clip.clip_value", "not both"],
            "both clips",
        ),
        (
            with(base.clone(), "clip", json!({})),
            &["clip", "max_norm"],
            "empty clip",
        ),
        (
            with(base.clone(), "clip", json!("off")),
            &["clip", "none"],
            "clip off",
        ),
        (
            with(base.clone(), "clip", json!({"max_norm": 0})),
            &["clip.max_norm", "> 0"],
            "max_norm 0",
        ),
        (
            with(base.clone(), "clip", json!({"max_norm": 1, "norm_type": 1})),
            &["clip.norm_type", "unknown field"],
            "norm_type",
        ),
        (
            with(base.clone(), "batch_size", json!(0)),
            &["batch_size", "1..=1024"],
            "batch_size 0",
        ),
        (
            with(base.clone(), "batch_size", json!(1025)),
            &["batch_size", "1..=1024"],
            "batch_size over",
        ),
        (
            with(base.clone(), "eval_size", json!(10001)),
            &["eval_size", "1..=10000"],
            "eval_size over",
        ),
        (
            with(base.clone(), "eval_every", json!(0)),
            &["eval_every"],
            "eval_every 0",
        ),
        (
            with(base.clone(), "iterations", json!(-1)),
            &["iterations"],
            "negative iterations",
        ),
        (
            with(base.clone(), "iterations", json!(10_000_001)),
            &["iterations", "10000000"],
            "iterations over",
        ),
        (
            with(base.clone(), "seconds", json!(0)),
            &["seconds"],
            "no seconds",
        ),
        (
            with(base.clone(), "seconds", json!(86401)),
            &["seconds", "86400"],
            "seconds over a day",
        ),
        (
            with(base.clone(), "seed", json!(-1)),
            &["seed"],
            "negative seed",
        ),
        (
            with(base.clone(), "emit_params", json!("yes")),
            &["emit_params"],
            "emit_params a string",
        ),
        (
            d("lengths", json!([0, 2])),
            &["data.lengths[0]", "1..=2"],
            "length 0",
        ),
        (
            d("lengths", json!([2])),
            &["data.lengths", "2 integers"],
            "one length for two sequences",
        ),
        (
            d("labels", json!([0, 2])),
            &["data.labels[1]", "0..=1"],
            "label out of range",
        ),
        (
            dx("classes"),
            &["data.classes", "missing"],
            "labels without classes",
        ),
        (
            d("target", json!([[1.0], [2.0]])),
            &["data.labels", "not both"],
            "target and labels",
        ),
        (
            dx("labels"),
            &["data.target", "missing"],
            "neither target nor labels",
        ),
        (
            d("input", json!([[[0.5], ["NaN"]], [[1.5], [0.0]]])),
            &["data.input[0][1][0]", "finite"],
            "NaN input",
        ),
        (
            d("input", json!([[[0.5], [1.0]], [[1.5]]])),
            &["data.input[1]"],
            "ragged input",
        ),
        (
            d("input", json!([])),
            &["data.input", "sequences"],
            "no sequences",
        ),
        (
            d("extra", json!(1)),
            &["data.extra", "unknown field"],
            "unknown data field",
        ),
        (
            {
                let mut s = d("labels", json!([0, 1]));
                s["batch_size"] = json!(2);
                s
            },
            &["batch_size", "applies only to a task"],
            "batch_size with data",
        ),
        (
            {
                let mut s = d("labels", json!([0, 1]));
                s["model"]["input_size"] = json!(2);
                s
            },
            &["model.input_size", "expected 1"],
            "input_size against data",
        ),
        (
            with(
                base.clone(),
                "model",
                json!({"cell": "lstm", "hidden_size": 256}),
            )
            .pipe(|s| {
                let mut s = with(s, "task", json!({"name": "adding", "steps": 1000}));
                s["batch_size"] = json!(1024);
                s
            }),
            &["batch_size", "over the limit"],
            "a batch too large to keep",
        ),
        (
            with(
                base.clone(),
                "model",
                json!({"cell": "lstm", "hidden_size": 1024, "bidirectional": true}),
            )
            .pipe(|s| {
                let mut s = with(s, "eval_size", json!(1));
                s["batch_size"] = json!(1);
                s
            }),
            &["model.hidden_size", "spectra"],
            "spectra too costly",
        ),
    ];
    for (spec, names, what) in cases {
        refused_train(&spec, names, what);
    }
    let out = run(&["train", "-"], Some(b"{"));
    assert_refused(&out, &["spec", "JSON"], "not JSON");
    let out = run(&["train"], None);
    assert_refused(&out, &["SPEC"], "no spec path");
}

fn refused_train(spec: &Value, names: &[&str], what: &str) -> String {
    let out = run(&["train", "-"], Some(spec.to_string().as_bytes()));
    assert_refused(&out, names, what)
}

/// `value.pipe(f)` = `f(value)`, to build a case in place.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl Pipe for Value {}
