//! Canvas drawing for the page: asks the chart registry (`crate::chart::registry`, the same one
//! `unrolled render` uses) for a chart of the scene and draws it on an HTML canvas through
//! [`super::canvas::Canvas`]. Converts only: JS values in, plot rectangles out. The canvas is
//! sized in device pixels by the page (CSS size × devicePixelRatio); the chart theme scales fonts
//! and strokes with the pixel size, so charts stay crisp on HiDPI screens.
//!
//! A chart's frame (axes, grid, ticks, titles, legend) is drawn once into a layer canvas that
//! belongs to the page's canvas (an expando property `__unrolledLayers` holding a detached
//! `<canvas>` and the key of the frame on it) and copied in with `drawImage`; only when the
//! layout's key changes (size, ranges, labels) is the frame drawn again. The data is drawn over
//! it every time.

use crate::chart::colormap::Scale;
use crate::chart::registry::{self, Chart, Options};
use crate::chart::source::Source;
use crate::chart::{heatmap, Layer, PixelRect};
use crate::lab::SceneResult;
use plotters::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::canvas::Canvas;

/// RGBA pixels for a `rows × cols` value grid.
pub fn heatmap_rgba(
    values: &[f64],
    rows: usize,
    cols: usize,
    scale: &str,
    limit: f64,
) -> Result<Vec<u8>, String> {
    let s = match scale {
        "diverging" => Scale::Diverging { limit },
        "sequential" => Scale::Sequential { lo: 0.0, hi: limit },
        other => {
            return Err(format!(
                "scale: expected diverging or sequential, got \"{other}\""
            ))
        }
    };
    Ok(heatmap::rgba(values, rows, cols, s))
}

fn rect_js(r: PixelRect) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in [
        ("x", r.x as f64),
        ("y", r.y as f64),
        ("width", r.width as f64),
        ("height", r.height as f64),
    ] {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    }
    o.into()
}

/// Device pixels per CSS pixel: canvases are sized CSS size × this, and charts scale with it.
fn dpr() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio())
}

fn backend(canvas: HtmlCanvasElement) -> Result<Canvas, JsError> {
    Canvas::new(canvas).ok_or_else(|| JsError::new("canvas: no 2d context"))
}

const LAYERS: &str = "__unrolledLayers";

/// The frame layer of `canvas`: a detached canvas (created on first use, sized like it) and the
/// key of the frame it holds (`None` when it holds none).
struct Layers {
    frame: HtmlCanvasElement,
    key: Option<f64>,
}

fn layers(canvas: &HtmlCanvasElement) -> Result<Layers, JsError> {
    let slot = js_sys::Reflect::get(canvas, &LAYERS.into()).unwrap_or(JsValue::UNDEFINED);
    let get = |k: &str| js_sys::Reflect::get(&slot, &k.into()).ok();
    let found = if slot.is_object() {
        get("frame").and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
    } else {
        None
    };
    let (frame, mut key) = match found {
        Some(f) => (f, get("key").and_then(|k| k.as_f64())),
        None => {
            let doc = canvas
                .owner_document()
                .ok_or_else(|| JsError::new("canvas: no document"))?;
            let make = || -> Result<HtmlCanvasElement, JsError> {
                Ok(doc
                    .create_element("canvas")
                    .map_err(|_| JsError::new("canvas: cannot create a layer"))?
                    .unchecked_into())
            };
            let f = make()?;
            let slot = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&slot, &"frame".into(), &f);
            let _ = js_sys::Reflect::set(canvas, &LAYERS.into(), &slot);
            (f, None)
        }
    };
    if frame.width() != canvas.width() || frame.height() != canvas.height() {
        frame.set_width(canvas.width());
        frame.set_height(canvas.height());
        key = None;
    }
    Ok(Layers { frame, key })
}

fn remember(canvas: &HtmlCanvasElement, key: f64) {
    if let Ok(slot) = js_sys::Reflect::get(canvas, &LAYERS.into()) {
        let _ = js_sys::Reflect::set(&slot, &"key".into(), &key.into());
    }
}

fn context(canvas: &HtmlCanvasElement) -> Result<web_sys::CanvasRenderingContext2d, JsError> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| JsError::new("canvas: no 2d context"))
}

fn present<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), JsError> {
    area.present()
        .map_err(|e| JsError::new(&format!("canvas: {e:?}")))
}

/// Draws the registry's chart `name` of the scene on `canvas` (untitled: the panel has a
/// heading); returns the plot rectangle, and for `spectrum` also `lim`, the plot's half-width.
pub fn chart(
    r: &SceneResult,
    name: &str,
    canvas: HtmlCanvasElement,
    opts: &Options,
) -> Result<JsValue, JsError> {
    let chart = registry::build(name, &Source::scene(r), opts).map_err(|e| JsError::new(&e))?;
    draw(&chart, canvas)
}

/// Draws a built chart on `canvas`; returns its plot rectangle (and `lim` for a spectrum).
///
/// The frame is drawn on a detached canvas only when its layout's key changed (text drawn there
/// needs no style recomputation of the page), and copied in; the data is drawn over it.
pub fn draw(chart: &Chart, canvas: HtmlCanvasElement) -> Result<JsValue, JsError> {
    let js = |e: crate::chart::ChartError| JsError::new(&e.to_string());
    let rects = crate::chart::with_pixel_ratio(dpr(), || -> Result<_, JsError> {
        let area = backend(canvas.clone())?.into_drawing_area();
        let layout = chart.layout(&area);
        if let Some(key) = layout.key() {
            // f64 holds the key's top 52 bits exactly: enough to tell frames apart.
            let key = (key >> 12) as f64;
            let l = layers(&canvas)?;
            if l.key != Some(key) {
                let frame = backend(l.frame.clone())?.into_drawing_area();
                chart
                    .draw_layer(&frame, &layout, Layer::Frame)
                    .map_err(js)?;
                present(&frame)?;
                remember(&canvas, key);
            }
            context(&canvas)?
                .draw_image_with_html_canvas_element(&l.frame, 0.0, 0.0)
                .map_err(|_| JsError::new("canvas: cannot copy the frame"))?;
        }
        // Heatmaps have no separate frame: drawn whole here.
        let rects = chart.draw_layer(&area, &layout, Layer::Data).map_err(js)?;
        present(&area)?;
        Ok(rects)
    })?;
    let o = rect_js(rects[0]);
    if let Chart::Spectrum(c) = chart {
        let lim = crate::chart::spectrum::plot_limit(c);
        let _ = js_sys::Reflect::set(&o, &"lim".into(), &lim.into());
    }
    Ok(o)
}

/// Draws a heatmap frame (axes, legend, marked step) without cells: the page overlays the
/// `ImageData`. Returns the plot rectangle.
#[allow(clippy::too_many_arguments)]
pub fn heatmap_frame(
    canvas: HtmlCanvasElement,
    title: &str,
    legend: &str,
    rows: usize,
    cols: usize,
    scale: Scale,
    marked: Option<usize>,
) -> Result<JsValue, JsError> {
    let area = backend(canvas)?.into_drawing_area();
    let mut chart = heatmap::HeatmapChart::new(title, vec![0.0; rows * cols], rows, cols, scale);
    chart.legend_label = legend.to_string();
    chart.marked_col = marked;
    chart.draw_cells = false;
    let rect = crate::chart::with_pixel_ratio(dpr(), || heatmap::draw(&area, &chart))
        .map_err(|e| JsError::new(&e.to_string()))?;
    present(&area)?;
    Ok(rect_js(rect))
}

/// The registry's chart `name` of the scene as SVG text (titled), for download.
pub fn svg(
    r: &SceneResult,
    name: &str,
    width: u32,
    height: u32,
    opts: &Options,
) -> Result<String, String> {
    let opts = Options {
        titled: true,
        ..*opts
    };
    let chart = registry::build(name, &Source::scene(r), &opts)?;
    chart.svg(width, height).map_err(|e| e.to_string())
}

/// One heatmap of cell `i` (a gate block, a state or `carry_path`) as SVG text, for download.
pub fn heatmap_svg(
    r: &SceneResult,
    i: usize,
    name: &str,
    width: u32,
    height: u32,
) -> Result<String, String> {
    let src = Source::scene(r);
    let run = src.cells.get(i).ok_or("cell: no such cell")?;
    let chart = Chart::Heatmap(registry::heatmap(run, name)?);
    chart.svg(width, height).map_err(|e| e.to_string())
}
