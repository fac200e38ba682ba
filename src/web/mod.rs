//! The browser shell: a thin `wasm-bindgen` layer over the core. No numerics here.
//!
//! - [`trace`] accepts the same spec as `unrolled trace` and returns the same trace object;
//!   errors become JS `Error`s with the CLI's messages.
//! - [`Lab`] keeps a computed scene in Rust behind a handle; the page reads per-step data as
//!   typed arrays (copied out, so no view dies when wasm memory grows) and asks Rust to draw the
//!   charts on its canvases.
//! - [`packed_layout`], [`import_safetensors`], `Lab::safetensors`, `Trainer::safetensors`:
//!   the packing panel's layout and the `.safetensors` downloads and uploads.
//! - [`sentiment_vocabulary`], [`encode_sentence`], [`TextVocabulary`], `Trainer::explain_sentence`:
//!   the classifier view's typed sentence, opened up; [`inspect_labelled`], the learner's own
//!   file read and split as a training spec's `data.tsv`; `Trainer::test_set`,
//!   `Trainer::test_predictions`, what the model comparison lists.
//! - A panic hook records the panic message ([`last_panic`]) so the page can show it instead of
//!   freezing.

mod canvas;
mod checkpoint;
mod classify;
mod draw;
mod train;

pub use checkpoint::{import_safetensors, packed_layout, vocabulary_json};
pub use classify::{
    encode_sentence, heat_rgba, inspect_labelled, sentiment_classes, sentiment_vocabulary,
    TextVocabulary,
};
pub use train::{Trainer, TrainingCharts};

use crate::chart::registry::{self, Chart, FlowOptions, Options};
use crate::chart::source::Source;
use crate::lab::{self, SceneConfig, SceneResult};
use js_sys::{Float64Array, Uint8ClampedArray};
use std::cell::{OnceCell, RefCell};
use wasm_bindgen::prelude::*;

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the panic hook (runs when the module is instantiated).
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&format!("unrolled panicked: {msg}")));
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
    }));
}

/// The message of the last panic, if one happened (the page shows it).
#[wasm_bindgen]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// Deliberately panics (for the test that the page survives a panic).
#[wasm_bindgen]
pub fn panic_for_test() {
    panic!("deliberate panic for testing");
}

fn js_err(msg: impl std::fmt::Display) -> JsError {
    JsError::new(&msg.to_string())
}

/// Runs a spec (docs/spec.md) given as a JS object; returns the trace as a JS object.
///
/// # Errors
/// A JS `Error` whose message is the CLI's (`field: what was expected`).
#[wasm_bindgen]
pub fn trace(spec: JsValue) -> Result<JsValue, JsError> {
    let text: String = js_sys::JSON::stringify(&spec)
        .map_err(|_| js_err("spec: expected a JSON-serialisable object"))?
        .into();
    let out = crate::spec::trace_json(&text).map_err(js_err)?;
    js_sys::JSON::parse(&out).map_err(|_| js_err("trace: internal JSON error"))
}

/// Runs a spec given as JSON text; returns the trace as JSON text.
///
/// # Errors
/// A JS `Error` with the CLI's message.
#[wasm_bindgen]
pub fn trace_json(spec: &str) -> Result<String, JsError> {
    crate::spec::trace_json(spec).map_err(js_err)
}

/// A computed scene, held in Rust.
#[wasm_bindgen]
pub struct Lab {
    config: SceneConfig,
    result: SceneResult,
    /// Per cell, its `[T][H]` series, built when first read (a slider's update reads few).
    series: Vec<CellSeries>,
}

/// One cell's gate and state series and its pre-activations, each built on first use.
#[derive(Default)]
struct CellSeries {
    gates: OnceCell<Vec<(String, Vec<f64>)>>,
    pre: OnceCell<Vec<(String, Vec<f64>)>>,
}

fn new_series(result: &SceneResult) -> Vec<CellSeries> {
    result.cells.iter().map(|_| CellSeries::default()).collect()
}

impl CellSeries {
    fn gates(&self, c: &lab::CellResult) -> &[(String, Vec<f64>)] {
        self.gates.get_or_init(|| {
            let h = c.net.arch.hidden_size;
            crate::trace::gates(c.cell, &c.forward.runs[0], &c.batch, h)
                .into_iter()
                .map(|s| (s.name.to_string(), s.values))
                .collect()
        })
    }

    fn pre(&self, c: &lab::CellResult) -> &[(String, Vec<f64>)] {
        self.pre.get_or_init(|| {
            let h = c.net.arch.hidden_size;
            crate::trace::preactivations(c.cell, &c.forward.runs[0], &c.batch, h)
                .into_iter()
                .map(|s| (format!("pre_{}", s.name), s.values))
                .collect()
        })
    }

    /// The series `name` (a gate block, a state, `pre_…`, `carry_path`), if the cell has it.
    fn find<'a>(&'a self, c: &'a lab::CellResult, name: &str) -> Option<&'a [f64]> {
        if name == "carry_path" {
            return c
                .analysis
                .as_ref()
                .filter(|a| !a.carry_path.is_empty())
                .map(|a| &a.carry_path[..]);
        }
        let list = if name.starts_with("pre_") {
            self.pre(c)
        } else {
            self.gates(c)
        };
        list.iter().find(|(n, _)| n == name).map(|(_, v)| &v[..])
    }

    /// Every name, in the order gates and states, pre-activations, `carry_path`.
    fn names(&self, c: &lab::CellResult) -> Vec<String> {
        let mut out: Vec<String> = self.gates(c).iter().map(|(n, _)| n.clone()).collect();
        out.extend(self.pre(c).iter().map(|(n, _)| n.clone()));
        if self.find(c, "carry_path").is_some() {
            out.push("carry_path".into());
        }
        out
    }
}

fn parse_config(config: JsValue) -> Result<SceneConfig, JsError> {
    if config.is_undefined() || config.is_null() {
        return Ok(SceneConfig::default());
    }
    serde_wasm_bindgen::from_value(config).map_err(|e| js_err(format!("scene: {e}")))
}

#[wasm_bindgen]
impl Lab {
    /// Computes a scene (`undefined` = the default scene).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Lab, JsError> {
        let config = parse_config(config)?;
        let result = lab::compute(&config.to_scene().map_err(js_err)?).map_err(js_err)?;
        let series = new_series(&result);
        Ok(Lab {
            config,
            result,
            series,
        })
    }

    /// Recomputes with a new scene configuration.
    pub fn update(&mut self, config: JsValue) -> Result<(), JsError> {
        let config = parse_config(config)?;
        self.result = lab::compute(&config.to_scene().map_err(js_err)?).map_err(js_err)?;
        self.series = new_series(&self.result);
        self.config = config;
        Ok(())
    }

    /// The configuration in effect, as a JS object.
    pub fn config(&self) -> Result<JsValue, JsError> {
        serde_wasm_bindgen::to_value(&self.config).map_err(js_err)
    }

    /// Number of cells in the scene.
    pub fn cell_count(&self) -> usize {
        self.result.cells.len()
    }

    /// Name of cell `i`.
    pub fn cell_name(&self, i: usize) -> Result<String, JsError> {
        Ok(self.cell(i)?.cell.name().to_string())
    }

    fn cell(&self, i: usize) -> Result<&lab::CellResult, JsError> {
        self.result.cells.get(i).ok_or_else(|| {
            js_err(format!(
                "cell: expected an index below {}",
                self.result.cells.len()
            ))
        })
    }

    /// `‖∂L/∂h_t‖` by lag k = T−1−t.
    pub fn grad_by_lag(&self, i: usize) -> Result<Float64Array, JsError> {
        Ok(Float64Array::from(&self.cell(i)?.grad_by_lag[..]))
    }

    /// `‖∂h_{T−1}/∂h_t‖` by lag (empty without analysis).
    pub fn jacobian_by_lag(&self, i: usize) -> Result<Float64Array, JsError> {
        Ok(Float64Array::from(&self.cell(i)?.jacobian_by_lag[..]))
    }

    /// Theory curve by lag (empty for gated cells).
    pub fn theory_by_lag(&self, i: usize) -> Result<Float64Array, JsError> {
        Ok(Float64Array::from(&self.cell(i)?.theory_by_lag[..]))
    }

    /// Names of the `[T][H]` series of cell `i`: gates and states (`i f g o c h`, `r z n h`, `h`),
    /// pre-activations (`pre_…`), and `carry_path` for gated cells.
    pub fn series_names(&self, i: usize) -> Result<Vec<String>, JsError> {
        Ok(self.series[i].names(self.cell(i)?))
    }

    /// The series `name` of cell `i`, or an error naming it.
    fn find(&self, i: usize, name: &str) -> Result<&[f64], JsError> {
        let c = self.cell(i)?;
        self.series[i]
            .find(c, name)
            .ok_or_else(|| js_err(format!("series: no series \"{name}\"")))
    }

    /// The mean of one `[T][H]` series over every step and unit (e.g. a carry gate's), without
    /// copying it out of wasm.
    pub fn series_mean(&self, i: usize, name: &str) -> Result<f64, JsError> {
        Ok(crate::linalg::mean(self.find(i, name)?))
    }

    /// One `[T][H]` series, row-major (step-major), as a copy.
    pub fn series(&self, i: usize, name: &str) -> Result<Float64Array, JsError> {
        let c = self.cell(i)?;
        match self.series[i].find(c, name) {
            Some(v) => Ok(Float64Array::from(v)),
            None => Err(js_err(format!(
                "series: expected one of {}, got \"{name}\"",
                self.series[i].names(c).join(", ")
            ))),
        }
    }

    /// Per-step series of cell `i` (`T` values by time step): `input` (its first feature; `input_k` feature k), `h_norm` (‖h_t‖₂), `grad_h_norm`,
    /// `grad_c_norm` (LSTM), `w_hh_grad_contribution`, `jacobian_norm`, `carry_path_norm`.
    pub fn per_step(&self, i: usize, name: &str) -> Result<Float64Array, JsError> {
        let c = self.cell(i)?;
        let f = &c.backward.flow[0];
        if name == "h_norm" {
            return Ok(Float64Array::from(&c.h_norms()[..]));
        }
        if let Some(k) = input_feature(name) {
            return input_column(c, k).map(|v| Float64Array::from(&v[..]));
        }
        let v: &[f64] = match (name, &c.analysis) {
            ("grad_h_norm", _) => &f.grad_h_norm,
            ("grad_c_norm", _) if c.cell.has_cell_state() => &f.grad_c_norm,
            ("w_hh_grad_contribution", _) => &f.w_hh_grad_contribution,
            ("jacobian_norm", Some(a)) => &a.jacobian_norm,
            ("carry_path_norm", Some(a)) if !a.carry_path_norm.is_empty() => &a.carry_path_norm,
            _ => {
                return Err(js_err(format!(
                    "per_step: no series \"{name}\" for {}",
                    c.cell.name()
                )))
            }
        };
        Ok(Float64Array::from(v))
    }

    /// Eigenvalues of W as `[re0, im0, re1, im1, …]`, by modulus.
    pub fn eigenvalues(&self) -> Float64Array {
        let flat: Vec<f64> = self
            .result
            .eigenvalues
            .iter()
            .flat_map(|e| [e.0, e.1])
            .collect();
        Float64Array::from(&flat[..])
    }

    /// Singular values of W, largest first.
    pub fn singular_values(&self) -> Float64Array {
        Float64Array::from(&self.result.singular_values[..])
    }

    /// W itself, `H × H` row-major.
    pub fn recurrent_matrix(&self) -> Float64Array {
        Float64Array::from(&self.result.w[..])
    }

    /// ρ(W)
    pub fn spectral_radius(&self) -> f64 {
        self.result.spectral_radius
    }

    /// σ_max(W)
    pub fn max_singular_value(&self) -> f64 {
        self.result.max_singular_value
    }

    /// In a scene of trained models, the task's sequence: `{task, task_steps, input_size, target,
    /// labels, spectrum_model, spectrum_block}`; else `null`.
    pub fn task_view(&self) -> Result<JsValue, JsError> {
        self.result.task.as_ref().map_or(Ok(JsValue::NULL), plain)
    }

    /// In a scene of trained models, cell `i`'s head on the sequence: `{loss, outputs,
    /// success}`; else `null`.
    pub fn head(&self, i: usize) -> Result<JsValue, JsError> {
        self.cell(i)?.head.as_ref().map_or(Ok(JsValue::NULL), plain)
    }

    /// Small per-cell facts: `{cell, overflow_forward, overflow_backward, clip: {norm_before,
    /// norm_after, cosine}}` (overflow: first time step with inf/NaN, or null).
    pub fn summary(&self, i: usize) -> Result<JsValue, JsError> {
        let c = self.cell(i)?;
        let o = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = js_sys::Reflect::set(&o, &k.into(), &v);
        };
        let opt = |v: Option<usize>| v.map_or(JsValue::NULL, |x| JsValue::from(x as f64));
        set("cell", c.cell.name().into());
        set(
            "overflow_forward",
            opt(c.forward.runs[0].first_nonfinite[0]),
        );
        set(
            "overflow_backward",
            opt(c.backward.flow[0].first_nonfinite[0]),
        );
        let clip = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&clip, &"norm_before".into(), &c.clip.norm_before.into());
        let _ = js_sys::Reflect::set(&clip, &"norm_after".into(), &c.clip.norm_after.into());
        let _ = js_sys::Reflect::set(&clip, &"cosine".into(), &c.clip.cosine.into());
        set("clip", clip.into());
        Ok(o.into())
    }

    /// A `[T][H]` series as an RGBA image `H` rows (units) × `T` columns (steps), for
    /// `putImageData`. `scale`: `diverging` ([−limit, limit]) or `sequential` ([0, limit]).
    pub fn heatmap_rgba(
        &self,
        i: usize,
        name: &str,
        scale: &str,
        limit: f64,
    ) -> Result<Uint8ClampedArray, JsError> {
        let c = self.cell(i)?;
        let (h, t) = (c.net.arch.hidden_size, c.batch.steps);
        let v = self.find(i, name)?;
        let units_by_time = crate::chart::heatmap::transpose(v, t, h);
        let rgba = draw::heatmap_rgba(&units_by_time, h, t, scale, limit).map_err(js_err)?;
        Ok(Uint8ClampedArray::from(&rgba[..]))
    }

    /// One heatmap (time × unit: a gate block, a state or `carry_path`) as SVG text, for
    /// download, as the chart registry builds it: the title and the scale come from the cell
    /// table, the limit from the data (as [`Lab::heatmap_scale`] reports it).
    pub fn heatmap_svg(
        &self,
        i: usize,
        name: &str,
        width: u32,
        height: u32,
    ) -> Result<String, JsError> {
        self.cell(i)?;
        draw::heatmap_svg(&self.result, i, name, width, height).map_err(js_err)
    }

    /// The colour scale of a `[T][H]` series, as `render` uses it: `{kind: "sequential" |
    /// "diverging", limit}` (sequential from 0 to limit, diverging from −limit to limit).
    pub fn heatmap_scale(&self, i: usize, name: &str) -> Result<JsValue, JsError> {
        let c = self.cell(i)?;
        let v = self.find(i, name)?;
        let (kind, limit) = match crate::chart::registry::scale(c.cell, name, v) {
            crate::chart::colormap::Scale::Diverging { limit } => ("diverging", limit),
            crate::chart::colormap::Scale::Sequential { hi, .. } => ("sequential", hi),
        };
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"kind".into(), &kind.into());
        let _ = js_sys::Reflect::set(&o, &"limit".into(), &limit.into());
        Ok(o.into())
    }

    /// A spec that reproduces cell `i` with the CLI (JSON text).
    pub fn spec_json(&self, i: usize) -> Result<String, JsError> {
        Ok(self.cell(i)?.spec_json())
    }

    /// Cell `i`'s full trace in the documented format (JSON text), `unrolled trace` of
    /// [`Lab::spec_json`].
    pub fn trace_json(&self, i: usize) -> Result<String, JsError> {
        crate::spec::trace_json(&self.cell(i)?.spec_json()).map_err(js_err)
    }

    /// Every recorded quantity of every cell, long-format CSV.
    pub fn csv(&self) -> String {
        let mut out = String::from(lab::CSV_HEADER);
        for c in &self.result.cells {
            c.csv_rows(&mut out);
        }
        out
    }
}

/// The registry's options from a JS object `{gradient, jacobian, theory, cell}` (each optional:
/// curves default to shown, `cell` to 0).
fn options(opts: &JsValue) -> Options {
    let get = |k: &str| js_sys::Reflect::get(opts, &k.into()).ok();
    let flag = |k: &str| get(k).and_then(|v| v.as_bool()).unwrap_or(true);
    Options {
        flow: FlowOptions {
            gradient: flag("gradient"),
            jacobian: flag("jacobian"),
            theory: flag("theory"),
            jacobian_pending: false,
        },
        cell: get("cell")
            .and_then(|v| v.as_f64())
            .map_or(0, |c| c as usize),
        ..Options::default()
    }
}

#[wasm_bindgen]
impl Lab {
    /// Draws the gradient-flow chart (options `{gradient, jacobian, theory}`, all default true)
    /// on a canvas sized in device pixels; returns the plot rectangle `{x, y, width, height}`.
    /// Until the Jacobian analysis is attached, its legend entry is kept (it is on its way).
    pub fn draw_gradient_flow(
        &self,
        canvas: web_sys::HtmlCanvasElement,
        opts: JsValue,
    ) -> Result<JsValue, JsError> {
        let mut o = options(&opts);
        o.flow.jacobian_pending = self.result.cells.iter().any(|c| c.analysis.is_none());
        draw::chart(&self.result, "gradient-flow", canvas, &o)
    }

    /// Draws the eigenvalues on the complex plane; `selected` (or -1) rings one eigenvalue.
    /// Returns the plot rectangle and `lim`, the plot's half-width.
    pub fn draw_spectrum(
        &self,
        canvas: web_sys::HtmlCanvasElement,
        selected: i32,
    ) -> Result<JsValue, JsError> {
        let opts = Options {
            selected: usize::try_from(selected).ok(),
            ..Options::default()
        };
        draw::chart(&self.result, "spectrum", canvas, &opts)
    }

    /// Draws the singular values as bars.
    pub fn draw_singular_values(
        &self,
        canvas: web_sys::HtmlCanvasElement,
    ) -> Result<JsValue, JsError> {
        draw::chart(&self.result, "singular-values", canvas, &Options::default())
    }

    /// Draws the carry path (LSTM ∏f, GRU ∏z) against the hidden path ‖∂h_T/∂h_t‖ of cell `i`;
    /// returns false (and draws nothing) for plain RNNs or before the analysis is attached.
    pub fn draw_paths(
        &self,
        i: usize,
        canvas: web_sys::HtmlCanvasElement,
    ) -> Result<bool, JsError> {
        self.cell(i)?;
        let src = Source::scene(&self.result);
        match registry::paths(&src.cells[i], true) {
            Ok(chart) => draw::draw(&Chart::Flow(chart), canvas).map(|_| true),
            Err(_) => Ok(false),
        }
    }

    /// Cell `i`'s mean `tanh′ = 1 − h_t²` over every step and unit ([`CellResult::mean_tanh_slope`]).
    pub fn mean_tanh_slope(&self, i: usize) -> Result<f64, JsError> {
        Ok(self.cell(i)?.mean_tanh_slope())
    }

    /// Cell `i`'s share of active units over every step ([`CellResult::active_share`]).
    pub fn active_share(&self, i: usize) -> Result<f64, JsError> {
        Ok(self.cell(i)?.active_share())
    }

    /// What the gradient-flow chart divides cell `i`'s `‖∂L/∂h_t‖` by, as the chart registry
    /// decides it (`registry::Reference`): `{lag, value}`, lag 0 or (a run the loss reaches at
    /// other steps, with a negligible lag 0) the curve's largest value; `null` when the curve is
    /// drawn as it is.
    pub fn flow_reference(&self, i: usize) -> Result<JsValue, JsError> {
        self.cell(i)?;
        let src = Source::scene(&self.result);
        let Some(r) = registry::gradient_reference(&src.cells[i]) else {
            return Ok(JsValue::NULL);
        };
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"lag".into(), &(r.lag as f64).into());
        let _ = js_sys::Reflect::set(&o, &"value".into(), &r.value.into());
        Ok(o.into())
    }

    /// The gradient-flow chart as the registry builds it for [`Lab::draw_gradient_flow`] (same
    /// `opts`), as data: `{y_label, legend: [text], series: [{label, style: "solid" | "dotted" |
    /// "dashed", values}]}`, each series' values by lag as plotted (non-finite ones `null`).
    pub fn flow_chart_data(&self, opts: JsValue) -> Result<JsValue, JsError> {
        let src = Source::scene(&self.result);
        let chart = registry::gradient_flow(&src, options(&opts).flow, false).map_err(js_err)?;
        let style = |s: crate::chart::LineStyle| match s {
            crate::chart::LineStyle::Solid => "solid",
            crate::chart::LineStyle::Dotted => "dotted",
            crate::chart::LineStyle::Dashed => "dashed",
        };
        let series: Vec<serde_json::Value> = chart
            .series
            .iter()
            .map(|s| serde_json::json!({"label": s.label, "style": style(s.style), "values": s.values}))
            .collect();
        let legend: Vec<&str> = chart.legend.iter().map(|e| e.label.as_str()).collect();
        let v = serde_json::json!({"y_label": chart.y_label, "legend": legend, "series": series});
        js_sys::JSON::parse(&v.to_string()).map_err(|_| js_err("chart: internal JSON error"))
    }

    /// One chart as SVG text, titled, for download: any of the registry's charts
    /// (`gradient-flow`, `spectrum`, `singular-values`, `gates`, `carry-path`, `paths`); `opts`
    /// as for [`Lab::draw_gradient_flow`], plus `cell` (index) for the per-cell charts.
    pub fn svg(
        &self,
        chart: &str,
        width: u32,
        height: u32,
        opts: JsValue,
    ) -> Result<String, JsError> {
        draw::svg(&self.result, chart, width, height, &options(&opts)).map_err(js_err)
    }
}

/// Draws a heatmap's axes, colour legend and marked step (no cells: the page overlays the
/// RGBA image from [`Lab::heatmap_rgba`]); returns the plot rectangle.
/// `scale`: `diverging` (limit) or `sequential` (0..limit).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn draw_heatmap_frame(
    canvas: web_sys::HtmlCanvasElement,
    title: &str,
    legend: &str,
    rows: usize,
    cols: usize,
    scale: &str,
    limit: f64,
    marked: i32,
) -> Result<JsValue, JsError> {
    let s = match scale {
        "diverging" => crate::chart::colormap::Scale::Diverging { limit },
        _ => crate::chart::colormap::Scale::Sequential { lo: 0.0, hi: limit },
    };
    draw::heatmap_frame(
        canvas,
        title,
        legend,
        rows,
        cols,
        s,
        usize::try_from(marked).ok(),
    )
}

/// `input` is feature 0 of the input, `input_k` feature `k`.
fn input_feature(name: &str) -> Option<usize> {
    match name {
        "input" => Some(0),
        _ => name.strip_prefix("input_")?.parse().ok(),
    }
}

/// Feature `k` of a cell's input, one value per step.
fn input_column(c: &lab::CellResult, k: usize) -> Result<Vec<f64>, JsError> {
    let width = c.net.arch.input_size;
    if k >= width {
        return Err(js_err(format!(
            "per_step: expected input_0..input_{}, got input_{k}",
            width - 1
        )));
    }
    Ok(c.batch
        .input
        .iter()
        .skip(k)
        .step_by(width)
        .copied()
        .collect())
}

/// As [`plain`], with maps (a `#[serde(flatten)]`ed struct, a `BTreeMap`) as plain objects,
/// not JS `Map`s.
fn plain_object<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new()
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    value.serialize(&s).map_err(js_err)
}

/// Small metadata to a plain JS object; `None` becomes `null` (not `undefined`).
fn plain<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    let s = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    value.serialize(&s).map_err(js_err)
}

/// The cell table (`crate::cell::info::table`), one plain object per cell in the order the page
/// lists them: `{name, label, short, color, torch, blocks: [{name, title, scale}], carry: null |
/// {block, name, title, path, gate, constant}, states: [{name, title, scale}], theory, gated,
/// saturates, equations}`; a carry's `block` is null and its `constant` 1 when the gate is fixed
/// (`lstm_no_forget`, f ≡ 1).
#[wasm_bindgen]
pub fn cell_table() -> Result<JsValue, JsError> {
    plain(&crate::cell::info::table())
}

/// The scene's limits (`lab::LIMITS`): an object keyed by the scene config's field names, each
/// `{min, max, default, step, log}` (`default` null when the field is absent by default).
#[wasm_bindgen]
pub fn scene_limits() -> Result<JsValue, JsError> {
    plain(&lab::LIMITS)
}

/// The default scene config (what `new Lab()` computes), as a plain object.
#[wasm_bindgen]
pub fn default_scene() -> Result<JsValue, JsError> {
    plain(&SceneConfig::default())
}

/// The fixed colour of a cell kind as CSS hex (the same colour every chart uses).
#[wasm_bindgen]
pub fn cell_color(cell: &str) -> Result<String, JsError> {
    crate::cell::CellKind::from_name(cell)
        .map(crate::chart::cell_color_css)
        .ok_or_else(|| js_err(format!("cell: unknown cell \"{cell}\"")))
}

#[wasm_bindgen]
impl Lab {
    /// Attaches analysis computed elsewhere (the page's worker runs the same scene with
    /// `analysis: true`) to cell `i`: `jacobian_norm` (T), `carry_path` (T·H, empty for plain
    /// RNNs) and `carry_path_norm` (T, empty for plain RNNs).
    ///
    /// # Errors
    /// When the lengths do not match the scene.
    pub fn attach_analysis(
        &mut self,
        i: usize,
        jacobian_norm: &[f64],
        carry_path: &[f64],
        carry_path_norm: &[f64],
    ) -> Result<(), JsError> {
        let n = self.result.cells.len();
        let c = self
            .result
            .cells
            .get_mut(i)
            .ok_or_else(|| js_err(format!("cell: expected an index below {n}")))?;
        c.attach_analysis(crate::bptt::Analysis {
            jacobian_norm: jacobian_norm.to_vec(),
            carry_path: carry_path.to_vec(),
            carry_path_norm: carry_path_norm.to_vec(),
        })
        .map_err(js_err)?;
        Ok(())
    }

    /// True when cell `i` has its Jacobian analysis.
    pub fn has_analysis(&self, i: usize) -> bool {
        self.result
            .cells
            .get(i)
            .is_some_and(|c| c.analysis.is_some())
    }
}

/// The benchmark workload (`unrolled bench`): forward plus the full backward pass, loss = sum of
/// outputs, PyTorch default init (seed 0), N(0, 1) inputs (seed 1).
#[wasm_bindgen]
pub struct Bench {
    problem: crate::workload::Problem,
}

#[wasm_bindgen]
impl Bench {
    /// Prepares the workload.
    #[wasm_bindgen(constructor)]
    pub fn new(
        cell: &str,
        batch: usize,
        steps: usize,
        input_size: usize,
        hidden_size: usize,
    ) -> Result<Bench, JsError> {
        let cell = crate::cell::CellKind::from_name(cell).ok_or_else(|| {
            js_err(format!(
                "cell: expected one of {}, got \"{cell}\"",
                crate::cell::CellKind::name_list()
            ))
        })?;
        for (name, v, hi) in [
            ("batch", batch, 1024),
            ("steps", steps, 10_000),
            ("input_size", input_size, 1024),
            ("hidden_size", hidden_size, 1024),
        ] {
            if !(1..=hi).contains(&v) {
                return Err(js_err(format!(
                    "{name}: expected an integer in 1..={hi}, got {v}"
                )));
            }
        }
        let w = crate::workload::Workload {
            cell,
            batch,
            steps,
            input_size,
            hidden_size,
            analysis: false,
            records: false,
        };
        Ok(Bench {
            problem: w.prepare(),
        })
    }

    /// Runs forward + backward once; returns a checksum of the gradients.
    pub fn run(&self) -> f64 {
        self.problem.run()
    }
}
