//! Canvas drawing for the page: asks the chart registry (`crate::chart::registry`, the same one
//! `unrolled render` uses) for a chart of the scene and draws it on an HTML canvas through
//! plotters-canvas. Converts only: JS values in, plot rectangles out. The canvas is sized in
//! device pixels by the page (CSS size × devicePixelRatio); the chart theme scales fonts and
//! strokes with the pixel size, so charts stay crisp on HiDPI screens.

use crate::chart::colormap::Scale;
use crate::chart::registry::{self, Chart, Options};
use crate::chart::source::Source;
use crate::chart::{heatmap, PixelRect};
use crate::lab::SceneResult;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

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

fn backend(canvas: HtmlCanvasElement) -> Result<CanvasBackend, JsError> {
    CanvasBackend::with_canvas_object(canvas).ok_or_else(|| JsError::new("canvas: no 2d context"))
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
pub fn draw(chart: &Chart, canvas: HtmlCanvasElement) -> Result<JsValue, JsError> {
    let area = backend(canvas)?.into_drawing_area();
    let rects = crate::chart::with_pixel_ratio(dpr(), || chart.draw(&area))
        .map_err(|e| JsError::new(&e.to_string()))?;
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
