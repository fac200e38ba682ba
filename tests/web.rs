//! The browser shell (`src/web`) in a real headless Chromium: `trace` on JS objects, the `Lab`
//! handle's typed arrays and errors, and every chart drawn on a real canvas (read back with
//! `getImageData`). Run by `scripts/test-web.sh`:
//!
//! ```sh
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver \
//!   cargo test --target wasm32-unknown-unknown --test web
//! ```
//!
//! (`webdriver.json` in the crate root gives Chromium `--no-sandbox` and headless flags.)
#![cfg(target_arch = "wasm32")]

use std::collections::HashSet;
use unrolled::web::{self, Lab};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

fn js(text: &str) -> JsValue {
    js_sys::JSON::parse(text).expect("test JSON")
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).expect("Reflect.get")
}

fn array_len(v: &JsValue) -> u32 {
    v.dyn_ref::<js_sys::Array>()
        .unwrap_or_else(|| panic!("expected an array, got {v:?}"))
        .length()
}

/// The message of a `JsError` as the page sees it (`err.message`).
fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    get(&v, "message").as_string().expect("Error.message")
}

/// A 2-unit LSTM over B=1, T=3, I=2 with an upstream gradient, so the backward pass runs.
const LSTM_SPEC: &str = r#"{
  "cell": "lstm", "input_size": 2, "hidden_size": 2,
  "input": [[[0.5, -1.0], [0.25, 0.0], [-0.75, 1.5]]],
  "grad_output": [[[1, 1], [1, 1], [1, 1]]]
}"#;

#[wasm_bindgen_test]
fn trace_returns_the_documented_fields() {
    let t = web::trace(js(LSTM_SPEC)).expect("trace");
    assert_eq!(
        get(&t, "format").as_string().as_deref(),
        Some("unrolled-trace")
    );
    assert_eq!(get(&t, "version").as_f64(), Some(1.0));
    assert_eq!(get(&t, "cell").as_string().as_deref(), Some("lstm"));
    assert_eq!(get(&t, "hidden_size").as_f64(), Some(2.0));
    // output [B][T][D·H], h_n and c_n [L·D][B][H]
    let output = get(&t, "output");
    assert_eq!(array_len(&output), 1);
    assert_eq!(array_len(&get(&output, "0")), 3);
    assert_eq!(array_len(&get(&get(&output, "0"), "0")), 2);
    assert_eq!(array_len(&get(&t, "h_n")), 1);
    assert_eq!(array_len(&get(&t, "c_n")), 1);
    // drawn parameters (the spec gave no params) and gradients by state_dict name
    let params = get(&t, "params");
    assert_eq!(array_len(&get(&params, "weight_hh_l0")), 8);
    let grads = get(&t, "grads");
    assert_eq!(array_len(&get(&grads, "input")), 1);
    assert_eq!(
        array_len(&get(&get(&grads, "params"), "weight_ih_l0")),
        8,
        "grads.params.weight_ih_l0 is [4H][I]"
    );
    // one per-layer record with gates, preactivations, gradient flow and analysis
    let trace = get(&t, "trace");
    assert_eq!(array_len(&trace), 1);
    let l0 = get(&trace, "0");
    assert_eq!(get(&l0, "layer").as_f64(), Some(0.0));
    assert_eq!(get(&l0, "direction").as_f64(), Some(0.0));
    let gates = get(&l0, "gates");
    for g in ["i", "f", "g", "o", "c", "h"] {
        assert_eq!(array_len(&get(&gates, g)), 1, "gates.{g}");
    }
    for k in [
        "preactivations",
        "grad_h_norm",
        "grad_c_norm",
        "w_hh_grad_contribution",
        "jacobian_norm",
        "carry_path",
        "carry_path_norm",
        "nonfinite",
    ] {
        assert!(!get(&l0, k).is_undefined(), "trace[0].{k} is missing");
    }
    // the last step's Jacobian-product norm is ‖I‖ = 1 (to rounding: the bisection gives 1 − ε)
    let jn = get(&get(&l0, "jacobian_norm"), "0");
    let last = get(&jn, "2").as_f64().expect("jacobian_norm[0][2]");
    assert!((last - 1.0).abs() < 1e-12, "{last}");

    // trace_json takes and returns text, with the same content
    let text = web::trace_json(LSTM_SPEC).expect("trace_json");
    let again = js_sys::JSON::stringify(&t).unwrap().as_string().unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&js(&text))
            .unwrap()
            .as_string()
            .unwrap(),
        again
    );
}

#[wasm_bindgen_test]
fn malformed_spec_gives_the_cli_message() {
    // `echo '{"cell":"foo",…}' | unrolled trace -` prints exactly this after `error: `.
    let e = web::trace(js(
        r#"{"cell": "foo", "input_size": 1, "hidden_size": 2, "input": [[[0.5]]]}"#,
    ))
    .expect_err("cell foo");
    assert_eq!(
        message(e),
        r#"cell: expected one of rnn_tanh, rnn_relu, rnn_linear, lstm, lstm_no_forget, gru, got "foo""#
    );
    let e = web::trace(js(
        r#"{"cell": "gru", "input_size": 1, "hidden_size": 0, "input": [[[0.5]]]}"#,
    ))
    .expect_err("hidden_size 0");
    assert_eq!(
        message(e),
        "hidden_size: expected an integer in 1..=1024, got 0"
    );
    let e = web::trace_json("{").expect_err("bad JSON");
    assert!(!message(e).is_empty());
}

#[wasm_bindgen_test]
fn lab_default_scene_typed_arrays() {
    let lab = Lab::new(JsValue::UNDEFINED).expect("default scene");
    let config = lab.config().expect("config");
    let t = get(&config, "steps").as_f64().expect("steps") as u32;
    let h = get(&config, "hidden_size").as_f64().expect("hidden_size") as u32;
    assert_eq!((t, h), (100, 32), "the default scene is T=100, H=32");
    assert_eq!(lab.cell_count(), 3);
    let names: Vec<String> = (0..3).map(|i| lab.cell_name(i).unwrap()).collect();
    assert_eq!(names, ["rnn_tanh", "lstm", "gru"]);
    for i in 0..3 {
        assert_eq!(lab.grad_by_lag(i).unwrap().length(), t, "grad_by_lag({i})");
        assert_eq!(
            lab.series(i, "h").unwrap().length(),
            t * h,
            "series({i}, h)"
        );
        assert_eq!(lab.per_step(i, "input").unwrap().length(), t);
        assert_eq!(lab.per_step(i, "grad_h_norm").unwrap().length(), t);
        // ‖h_t‖ per step, computed by the core, agrees with the h series.
        let hs = lab.series(i, "h").unwrap().to_vec();
        let norms = lab.per_step(i, "h_norm").unwrap().to_vec();
        assert_eq!(norms.len(), t as usize);
        for (s, n) in norms.iter().enumerate() {
            let row = &hs[s * h as usize..(s + 1) * h as usize];
            let want = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(
                (n - want).abs() <= 1e-12 * want.max(1.0),
                "h_norm({i})[{s}]"
            );
        }
        let rgba = lab.heatmap_rgba(i, "h", "diverging", 1.0).unwrap();
        assert_eq!(rgba.length(), t * h * 4, "heatmap_rgba({i}) is T·H·4 bytes");
    }
    assert_eq!(lab.series(1, "c").unwrap().length(), t * h);
    // Heatmap scales come from the core (the same ones `unrolled render` uses).
    let scale = |i: usize, n: &str| {
        let v = lab.heatmap_scale(i, n).unwrap();
        (
            get(&v, "kind").as_string().unwrap(),
            get(&v, "limit").as_f64().unwrap(),
        )
    };
    assert_eq!(scale(1, "f"), ("sequential".to_string(), 1.0));
    assert_eq!(scale(0, "h"), ("diverging".to_string(), 1.0));
    assert_eq!(scale(1, "c").0, "diverging");
    assert!(lab.heatmap_scale(0, "nope").is_err());
    assert_eq!(lab.series(2, "z").unwrap().length(), t * h);
    assert_eq!(lab.eigenvalues().length(), 2 * h);
    assert_eq!(lab.singular_values().length(), h);
    assert_eq!(lab.recurrent_matrix().length(), h * h);
    assert!((lab.spectral_radius() - 0.9).abs() < 1e-9);

    let e = lab.series(0, "nope").expect_err("bad series name");
    let m = message(e);
    assert!(m.starts_with("series: expected one of "), "{m}");
    assert!(m.ends_with(r#"got "nope""#), "{m}");
    assert!(lab.grad_by_lag(3).is_err(), "cell index out of range");
    assert!(
        lab.per_step(0, "grad_c_norm").is_err(),
        "no cell state for rnn_tanh"
    );
    assert!(lab.heatmap_rgba(0, "h", "rainbow", 1.0).is_err());
}

#[wasm_bindgen_test]
fn lab_bad_config_is_an_error() {
    assert!(Lab::new(js(r#"{"hidden_size": 0}"#)).is_err());
    assert!(Lab::new(js(r#"{"cells": ["nope"]}"#)).is_err());
}

fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(width);
    c.set_height(height);
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

/// Number of distinct RGBA colours on the canvas.
fn colours(c: &HtmlCanvasElement) -> usize {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let img = ctx
        .get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap();
    let data = img.data();
    data.chunks_exact(4)
        .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]]))
        .collect::<HashSet<_>>()
        .len()
}

fn assert_plot_rect(r: &JsValue, c: &HtmlCanvasElement) {
    for k in ["x", "y", "width", "height"] {
        assert!(get(r, k).as_f64().is_some(), "plot rect has {k}");
    }
    assert!(get(r, "width").as_f64().unwrap() > 0.0);
    assert!(get(r, "width").as_f64().unwrap() <= c.width() as f64);
}

#[wasm_bindgen_test]
fn charts_draw_on_a_real_canvas() {
    let lab = Lab::new(JsValue::UNDEFINED).unwrap();

    let c = canvas(640, 360);
    assert_eq!(colours(&c), 1, "a fresh canvas is blank");
    let r = lab
        .draw_gradient_flow(c.clone(), JsValue::UNDEFINED)
        .unwrap();
    assert_plot_rect(&r, &c);
    assert!(colours(&c) >= 5, "gradient flow: {} colours", colours(&c));

    let c = canvas(400, 400);
    let r = lab.draw_spectrum(c.clone(), 0).unwrap();
    assert_plot_rect(&r, &c);
    assert!(colours(&c) >= 5, "spectrum: {} colours", colours(&c));

    let c = canvas(400, 300);
    let r = lab.draw_singular_values(c.clone()).unwrap();
    assert_plot_rect(&r, &c);
    assert!(colours(&c) >= 5, "singular values: {} colours", colours(&c));

    let c = canvas(500, 200);
    let r = web::draw_heatmap_frame(c.clone(), "h", "h_t", 32, 100, "diverging", 1.0, 10).unwrap();
    assert_plot_rect(&r, &c);
    assert!(colours(&c) >= 5, "heatmap frame: {} colours", colours(&c));
}

fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    ctx.get_image_data(0.0, 0.0, c.width() as f64, c.height() as f64)
        .unwrap()
        .data()
        .to_vec()
}

/// The frame of a chart is a cached layer: a canvas that drew another scene (and so holds
/// another frame, or the same one reused) ends up with exactly the pixels of a fresh canvas that
/// drew only this scene, for every chart; and the layer follows a change of the canvas's size.
#[wasm_bindgen_test]
fn cached_frames_draw_the_same_pixels_as_fresh_ones() {
    let mut lab = Lab::new(JsValue::UNDEFINED).unwrap();
    let other = js(r#"{"scale_value": 1.4, "steps": 40}"#);
    type Draw = fn(&Lab, HtmlCanvasElement);
    let charts: [(&str, Draw); 3] = [
        ("gradient-flow", |l, c| {
            l.draw_gradient_flow(c, JsValue::UNDEFINED).unwrap();
        }),
        ("spectrum", |l, c| {
            l.draw_spectrum(c, 3).unwrap();
        }),
        ("singular-values", |l, c| {
            l.draw_singular_values(c).unwrap();
        }),
    ];
    for (name, draw) in charts {
        // Reused: another scene first, then the default one, twice (the second time the frame
        // comes from the cache).
        let reused = canvas(480, 320);
        lab.update(other.clone()).unwrap();
        draw(&lab, reused.clone());
        lab.update(JsValue::UNDEFINED).unwrap();
        draw(&lab, reused.clone());
        let once = pixels(&reused);
        draw(&lab, reused.clone());
        assert!(
            once == pixels(&reused),
            "{name}: drawn again from the cache"
        );
        let fresh = canvas(480, 320);
        draw(&lab, fresh.clone());
        assert!(
            pixels(&fresh) == once,
            "{name}: a reused canvas draws what a fresh one does"
        );
        // Resized: the layer follows.
        reused.set_width(300);
        reused.set_height(200);
        draw(&lab, reused.clone());
        let small = canvas(300, 200);
        draw(&lab, small.clone());
        assert!(pixels(&small) == pixels(&reused), "{name}: after a resize");
    }
}

#[wasm_bindgen_test]
fn svg_export() {
    let lab = Lab::new(JsValue::UNDEFINED).unwrap();
    for chart in ["gradient-flow", "spectrum", "singular-values"] {
        let s = lab.svg(chart, 600, 300, JsValue::UNDEFINED).unwrap();
        assert!(s.contains("<svg"), "{chart}");
    }
    let s = lab.heatmap_svg(1, "c", 600, 200).unwrap();
    assert!(s.contains("<svg"));
    assert!(lab.svg("pie", 600, 300, JsValue::UNDEFINED).is_err());
    // The per-cell charts of the registry, for cell 1 (LSTM).
    for chart in ["gates", "carry-path", "paths"] {
        let s = lab.svg(chart, 600, 300, js(r#"{"cell": 1}"#)).unwrap();
        assert!(s.contains("<svg"), "{chart}");
    }
    assert!(
        lab.draw_paths(1, canvas(400, 300)).unwrap(),
        "LSTM has paths"
    );
    assert!(
        !lab.draw_paths(0, canvas(400, 300)).unwrap(),
        "RNN tanh has none"
    );
}

fn keys(v: &JsValue) -> Vec<String> {
    let o: &js_sys::Object = v.dyn_ref().expect("an object");
    js_sys::Object::keys(o)
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect()
}

#[wasm_bindgen_test]
fn cell_table_limits_and_default_scene_are_plain_objects() {
    let table = web::cell_table().expect("cell table");
    assert_eq!(array_len(&table), 6);
    let want = [
        "name",
        "label",
        "short",
        "color",
        "torch",
        "blocks",
        "carry",
        "states",
        "theory",
        "gated",
        "saturates",
        "equations",
    ];
    for i in 0..6 {
        let row = get(&table, &i.to_string());
        assert_eq!(keys(&row), want, "cell_table()[{i}]");
        let name = get(&row, "name").as_string().unwrap();
        assert_eq!(get(&row, "color").as_string(), web::cell_color(&name).ok());
    }
    let lstm = get(&table, "3");
    assert_eq!(get(&lstm, "label").as_string().as_deref(), Some("LSTM"));
    let f = get(&get(&lstm, "blocks"), "1");
    assert_eq!(keys(&f), ["name", "title", "scale"]);
    assert_eq!(
        get(&f, "title").as_string().as_deref(),
        Some("forget gate f")
    );
    assert_eq!(get(&f, "scale").as_string().as_deref(), Some("unit"));
    let carry = get(&lstm, "carry");
    assert_eq!(
        keys(&carry),
        ["block", "name", "title", "path", "gate", "constant"]
    );
    assert_eq!(get(&carry, "block").as_f64(), Some(1.0));
    assert_eq!(get(&carry, "path").as_string().as_deref(), Some("∏f"));
    assert!(get(&carry, "constant").is_null());
    // The 1997 LSTM: a carry path with no block behind it, its gate fixed at 1.
    let cec = get(&table, "4");
    assert_eq!(
        get(&cec, "name").as_string().as_deref(),
        Some("lstm_no_forget")
    );
    let carry = get(&cec, "carry");
    assert!(get(&carry, "block").is_null());
    assert_eq!(get(&carry, "constant").as_f64(), Some(1.0));
    assert!(get(&cec, "torch").is_null());
    assert_eq!(get(&lstm, "gated").as_bool(), Some(true));
    let linear = get(&table, "2");
    assert!(get(&linear, "torch").is_null() && get(&linear, "carry").is_null());
    assert_eq!(get(&linear, "theory").as_string().as_deref(), Some("exact"));

    let limits = web::scene_limits().expect("limits");
    let h = get(&limits, "hidden_size");
    assert_eq!(keys(&h), ["min", "max", "default", "step", "log"]);
    let n = |v: &JsValue, k: &str| get(v, k).as_f64();
    assert_eq!(
        (n(&h, "min"), n(&h, "max"), n(&h, "default")),
        (Some(2.0), Some(64.0), Some(32.0))
    );
    assert!(get(&get(&limits, "carry_bias"), "default").is_null());

    let scene = web::default_scene().expect("default scene");
    assert_eq!(n(&scene, "steps"), Some(100.0));
    assert!(get(&scene, "carry_bias").is_null() && get(&scene, "eigenvalues").is_null());
    let lab = Lab::new(scene).expect("the default scene computes");
    assert_eq!(lab.cell_count(), 3);
}

#[wasm_bindgen_test]
fn cell_colours_and_panic_message() {
    assert!(web::cell_color("lstm").unwrap().starts_with('#'));
    assert!(web::cell_color("nope").is_err());
    assert_eq!(web::last_panic(), None);
}

/// The learner's own file through the shell: `inspect_labelled` gives what the core's importer
/// and split give (the same counts and vocabulary as the training spec's `data.tsv`), its errors
/// are the core's, naming the line; `TextVocabulary` encodes with that vocabulary; a trainer on
/// the file answers `test_set` and `test_predictions` in the same order.
#[wasm_bindgen_test]
fn own_data_is_read_split_and_encoded_as_the_spec_reads_it() {
    let tsv = "text\tlabel\na good film\tpos\na bad film\tneg\ngreat fun\tpos\nawful\tneg\nfine\tpos\ndull\tneg\n";
    let v = web::inspect_labelled(tsv.as_bytes(), 0.34, 3.0, 1).expect("a good file");
    assert_eq!(get(&v, "examples").as_f64(), Some(6.0));
    assert_eq!(
        (get(&v, "train").as_f64(), get(&v, "test").as_f64()),
        (Some(4.0), Some(2.0))
    );
    assert_eq!(array_len(&get(&v, "classes")), 2);
    let vocab: Vec<String> = js_sys::Array::from(&get(&v, "vocabulary"))
        .iter()
        .map(|t| t.as_string().unwrap())
        .collect();
    let spec = format!(
        r#"{{"model": {{"model": "lstm_classifier", "embed_dim": 2, "hidden_dim": 2}}, "data": {{"tsv": {}, "test_fraction": 0.34, "split_seed": 3}}, "iterations": 1}}"#,
        serde_json::to_string(tsv).unwrap()
    );
    let trainer = web::Trainer::new(&spec).expect("the same file as a spec");
    let set = trainer.test_set().expect("a corpus");
    assert_eq!(array_len(&get(&set, "texts")), 2);
    assert_eq!(trainer.test_predictions().expect("a corpus").len(), 2);
    let enc = web::TextVocabulary::new(vocab.clone()).expect("its vocabulary");
    let e = enc.encode("A GOOD zebra").unwrap();
    assert_eq!(array_len(&get(&e, "ids")), 3);
    let unknown = js_sys::Array::from(&get(&e, "unknown"));
    assert_eq!(unknown.get(2).as_bool(), Some(true));
    let bad = |bytes: &[u8], fraction: f64| {
        message(web::inspect_labelled(bytes, fraction, 0.0, 1).expect_err("refused"))
    };
    assert_eq!(
        bad(b"good\tpos\nbad\n", 0.2),
        "line 2: expected text<TAB>label, got 1 field"
    );
    assert_eq!(
        bad(b"good\tpos\nbad \xff\tneg\n", 0.2),
        "line 2: not valid UTF-8 text"
    );
    assert_eq!(
        bad(tsv.as_bytes(), 0.9),
        "data.test_fraction: expected a number in 0.05..=0.5, got 0.9"
    );
    assert!(web::TextVocabulary::new(vec!["a".into()]).is_err());
}
