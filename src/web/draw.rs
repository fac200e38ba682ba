//! Canvas drawing for the page: builds chart data from a computed scene and draws it with the
//! same `crate::chart` code the CLI uses, on an HTML canvas through plotters-canvas. The canvas
//! is sized in device pixels by the page (CSS size × devicePixelRatio); the chart theme scales
//! fonts and strokes with the pixel size, so charts stay crisp on HiDPI screens.

use crate::chart::colormap::Scale;
use crate::chart::gradient_flow::{GradientFlowChart, Series};
use crate::chart::spectrum::{BarSeries, EigenSeries, SingularValuesChart, SpectrumChart};
use crate::chart::{cell_color, heatmap, PixelRect};
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

/// Which curves the gradient-flow chart shows.
pub struct FlowOptions {
    /// ‖∂L/∂h_t‖ per cell.
    pub gradient: bool,
    /// ‖∂h_T/∂h_t‖ per cell.
    pub jacobian: bool,
    /// Theory overlays.
    pub theory: bool,
}

/// The gradient-flow chart data for a scene. On the page the panel heading names the chart, so
/// `titled` is false there and true for downloads.
pub fn flow_chart(r: &SceneResult, opt: &FlowOptions, titled: bool) -> GradientFlowChart {
    let mut series = Vec::new();
    for c in &r.cells {
        let color = cell_color(c.cell);
        let name = c.cell.label();
        if let (true, Some(theory)) = (opt.theory, c.cell.info().theory.label()) {
            series.push(Series {
                label: format!("{name}: {theory}"),
                color,
                values: c.theory_by_lag.clone(),
                dashed: true,
            });
        }
        if opt.gradient {
            series.push(Series {
                label: format!("{name}: ‖∂L/∂h_t‖"),
                color,
                values: c.grad_by_lag.clone(),
                dashed: false,
            });
        }
        if opt.jacobian && !c.jacobian_by_lag.is_empty() {
            series.push(Series {
                label: format!("{name}: ‖∂h_T/∂h_t‖"),
                color: [color[0] / 2 + 64, color[1] / 2 + 64, color[2] / 2 + 64],
                values: c.jacobian_by_lag.clone(),
                dashed: false,
            });
        }
    }
    let title = if titled {
        "Gradient flow back through time"
    } else {
        ""
    };
    GradientFlowChart::new(title, "norm (log scale)", series)
}

/// The spectrum chart data (`titled`: as for [`flow_chart`]).
pub fn spectrum_chart(r: &SceneResult, selected: Option<usize>, titled: bool) -> SpectrumChart {
    SpectrumChart {
        title: if titled { "Eigenvalues of W_hh" } else { "" }.into(),
        series: vec![EigenSeries {
            label: "W_hh".into(),
            color: [0x00, 0x72, 0xB2],
            points: r.eigenvalues.clone(),
        }],
        selected: selected.map(|i| (0, i)),
        show_radius: true,
    }
}

/// The singular-values chart data (`titled`: as for [`flow_chart`]).
pub fn singular_chart(r: &SceneResult, titled: bool) -> SingularValuesChart {
    SingularValuesChart {
        title: if titled {
            "Singular values of W_hh"
        } else {
            ""
        }
        .into(),
        series: vec![BarSeries {
            label: "σ_k(W_hh)".into(),
            color: [0x00, 0x72, 0xB2],
            values: r.singular_values.clone(),
        }],
    }
}

/// Draws the gradient-flow chart on `canvas`; returns the plot rectangle.
pub fn gradient_flow(
    r: &SceneResult,
    canvas: HtmlCanvasElement,
    opt: &FlowOptions,
) -> Result<JsValue, JsError> {
    let area = backend(canvas)?.into_drawing_area();
    let rect = crate::chart::with_pixel_ratio(dpr(), || {
        crate::chart::gradient_flow::draw(&area, &flow_chart(r, opt, false))
    })
    .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(rect_js(rect))
}

/// Draws the spectrum chart; returns the plot rectangle.
pub fn spectrum(
    r: &SceneResult,
    canvas: HtmlCanvasElement,
    selected: Option<usize>,
) -> Result<JsValue, JsError> {
    let area = backend(canvas)?.into_drawing_area();
    let chart = spectrum_chart(r, selected, false);
    let rect =
        crate::chart::with_pixel_ratio(dpr(), || crate::chart::spectrum::draw(&area, &chart))
            .map_err(|e| JsError::new(&e.to_string()))?;
    let o = rect_js(rect);
    let lim = crate::chart::spectrum::plot_limit(&chart);
    let _ = js_sys::Reflect::set(&o, &"lim".into(), &lim.into());
    Ok(o)
}

/// Draws the singular values.
pub fn singular_values(r: &SceneResult, canvas: HtmlCanvasElement) -> Result<JsValue, JsError> {
    let area = backend(canvas)?.into_drawing_area();
    let rect = crate::chart::with_pixel_ratio(dpr(), || {
        crate::chart::spectrum::draw_singular_values(&area, &singular_chart(r, false))
    })
    .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(rect_js(rect))
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

/// An SVG of one chart (`gradient-flow`, `spectrum`, `singular-values`) for download.
pub fn svg(
    r: &SceneResult,
    chart: &str,
    width: u32,
    height: u32,
    opt: &FlowOptions,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        let res = match chart {
            "gradient-flow" => crate::chart::gradient_flow::draw(&area, &flow_chart(r, opt, true)),
            "spectrum" => crate::chart::spectrum::draw(&area, &spectrum_chart(r, None, true)),
            "singular-values" => {
                crate::chart::spectrum::draw_singular_values(&area, &singular_chart(r, true))
            }
            other => {
                return Err(format!(
                    "chart: expected gradient-flow, spectrum or singular-values, got \"{other}\""
                ))
            }
        };
        res.map_err(|e| e.to_string())?;
        area.present().map_err(|e| format!("chart: {e:?}"))?;
    }
    Ok(out)
}

/// An SVG of one heatmap (cells drawn), for download.
pub fn heatmap_svg(
    title: &str,
    values: Vec<f64>,
    rows: usize,
    cols: usize,
    scale: Scale,
    width: u32,
    height: u32,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        let chart = heatmap::HeatmapChart::new(title, values, rows, cols, scale);
        heatmap::draw(&area, &chart).map_err(|e| e.to_string())?;
        area.present().map_err(|e| format!("chart: {e:?}"))?;
    }
    Ok(out)
}

/// The carry path against the hidden path of one gated cell, by lag: `max_j ∏ f_j` (LSTM) or
/// `max_j ∏ z_j` (GRU) over the later steps, against `‖∂h_T/∂h_t‖₂` — the cell state's
/// additive path keeps gradients alive where the path through `h` vanishes.
pub fn paths_chart(c: &crate::lab::CellResult) -> Option<GradientFlowChart> {
    let a = c.analysis.as_ref()?;
    if a.carry_path_norm.is_empty() {
        return None;
    }
    let t = c.batch.steps;
    let by_lag = |v: &[f64]| (0..t).map(|k| v[t - 1 - k]).collect::<Vec<f64>>();
    let info = c.cell.info();
    let carry = info.carry?;
    let title = format!("{}: {} vs hidden path", info.label, carry.what);
    let carry_label = carry.label(info);
    let color = cell_color(c.cell);
    Some(GradientFlowChart::new(
        title,
        "size (log scale)",
        vec![
            Series {
                label: carry_label,
                color: [0xD5, 0x5E, 0x00],
                values: by_lag(&a.carry_path_norm),
                dashed: false,
            },
            Series {
                label: "hidden path ‖∂h_T/∂h_t‖".into(),
                color,
                values: by_lag(&a.jacobian_norm),
                dashed: false,
            },
        ],
    ))
}

/// Draws [`paths_chart`] (nothing, and `false`, until the analysis is there).
pub fn paths(c: &crate::lab::CellResult, canvas: HtmlCanvasElement) -> Result<bool, JsError> {
    let Some(chart) = paths_chart(c) else {
        return Ok(false);
    };
    let area = backend(canvas)?.into_drawing_area();
    crate::chart::with_pixel_ratio(dpr(), || crate::chart::gradient_flow::draw(&area, &chart))
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(true)
}
