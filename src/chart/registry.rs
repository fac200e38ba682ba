//! The chart registry: every chart's data built in one place, from one [`Source`], for the page
//! (a lab scene), for `unrolled render` (a trace) and for the page's SVG downloads alike.
//!
//! The charts ([`NAMES`]):
//! - `gradient-flow`: per cell, by lag `k` ([`crate::trace::by_lag`]): the measured
//!   `‖∂L/∂h_t‖` (solid, the cell's colour) and `‖∂h_last/∂h_t‖₂` (solid, lighter), and the theory
//!   curve of the cell table (dashed): `θ_k = m_0 · b^k` with `b = ρ(W)` for `rnn_linear` (exact
//!   asymptotics) or `b = σ_max(W)` for `rnn_tanh`/`rnn_relu` (Pascanu et al.'s bound, γ = 1),
//!   anchored at lag 0's measured value `m_0 = ‖∂L/∂h_{last}‖` (or `‖∂h_last/∂h_last‖ = 1` when
//!   no gradient was recorded), so theory and measurement start together.
//! - `spectrum`, `singular-values`: eigenvalues and singular values of `W_hh` (one matrix when
//!   every gate block is the same, else one per distinct block).
//! - `gates`: one heatmap per gate block and state (titles and scales from the cell table).
//! - `carry-path`: the carry path `∏f` (LSTM) or `∏z` (GRU) over the later steps, as a heatmap.
//! - `paths`: the carry path's largest unit against the hidden path `‖∂h_last/∂h_t‖₂`, by lag:
//!   the cell state's additive path keeps gradients alive where the path through `h` vanishes.

use super::colormap::Scale;
use super::gradient_flow::{self, GradientFlowChart, Series};
use super::heatmap::{self, transpose, HeatmapChart};
use super::source::{CellRun, Source};
use super::spectrum::{self, BarSeries, EigenSeries, SingularValuesChart, SpectrumChart};
use super::{series_color, ChartError, DrawingArea, DrawingBackend, PixelRect, Shift};
use crate::cell::info::{curve, Carry};
use crate::cell::{CellKind, HeatScale};
use crate::trace::by_lag;

/// The charts the registry builds, by name.
pub const NAMES: [&str; 6] = [
    "gradient-flow",
    "spectrum",
    "singular-values",
    "gates",
    "carry-path",
    "paths",
];

/// Which curves the gradient-flow chart shows (all by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowOptions {
    /// `‖∂L/∂h_t‖` per cell.
    pub gradient: bool,
    /// `‖∂h_last/∂h_t‖` per cell.
    pub jacobian: bool,
    /// Theory curves.
    pub theory: bool,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            gradient: true,
            jacobian: true,
            theory: true,
        }
    }
}

/// How to build a chart by name ([`build`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Curves of `gradient-flow`.
    pub flow: FlowOptions,
    /// An eigenvalue to ring on `spectrum`.
    pub selected: Option<usize>,
    /// The cell of `gates`, `carry-path` and `paths`.
    pub cell: usize,
    /// Draw a title (the page's panels have headings instead; downloads and `render` do).
    pub titled: bool,
}

/// A built chart, ready to draw.
#[derive(Clone, Debug)]
pub enum Chart {
    /// `gradient-flow`, `paths`.
    Flow(GradientFlowChart),
    /// `spectrum`.
    Spectrum(SpectrumChart),
    /// `singular-values`.
    Singular(SingularValuesChart),
    /// `gates`: several heatmaps in a grid.
    Grid(Vec<HeatmapChart>),
    /// `carry-path`.
    Heatmap(HeatmapChart),
}

/// Builds the chart `name` of `src`.
///
/// # Errors
/// An unknown name, a cell index out of range, or what the chart needs and the run lacks.
pub fn build(name: &str, src: &Source, o: &Options) -> Result<Chart, String> {
    let cell = || {
        src.cells
            .get(o.cell)
            .ok_or_else(|| format!("cell: expected an index below {}", src.cells.len()))
    };
    match name {
        "gradient-flow" => gradient_flow(src, o.flow, o.titled).map(Chart::Flow),
        "spectrum" => spectrum(src, o.selected, o.titled).map(Chart::Spectrum),
        "singular-values" => singular_values(src, o.titled).map(Chart::Singular),
        "gates" => Ok(Chart::Grid(gates(cell()?))),
        "carry-path" => carry_path(cell()?).map(Chart::Heatmap),
        "paths" => paths(cell()?, o.titled).map(Chart::Flow),
        other => Err(format!(
            "chart: expected one of {}, got \"{other}\"",
            NAMES.join(", ")
        )),
    }
}

fn title(titled: bool, text: impl FnOnce() -> String) -> String {
    if titled {
        text()
    } else {
        String::new()
    }
}

fn lighter(c: [u8; 3]) -> [u8; 3] {
    [c[0] / 2 + 64, c[1] / 2 + 64, c[2] / 2 + 64]
}

/// The gradient-flow chart: per cell, gradient, Jacobian product and theory (see the module
/// docs), in that order.
///
/// # Errors
/// When a cell recorded neither norm, or the theory's matrix holds inf/NaN.
pub fn gradient_flow(
    src: &Source,
    opt: FlowOptions,
    titled: bool,
) -> Result<GradientFlowChart, String> {
    let mut series = Vec::new();
    for run in &src.cells {
        series.extend(flow_series(src, run, opt)?);
    }
    let len = src.cells.first().map_or(0, |c| c.len);
    let h = src.hidden;
    let title = title(titled, || {
        format!("Gradient flow back through time (H = {h}, T = {len})")
    });
    Ok(GradientFlowChart::new(title, "norm (log scale)", series))
}

fn flow_series(src: &Source, run: &CellRun, opt: FlowOptions) -> Result<Vec<Series>, String> {
    let info = run.cell.info();
    let color = info.color;
    let grad = run.grad_h_norm.map(|v| by_lag(v, run.reverse));
    let jac = run.jacobian_norm.map(|v| by_lag(v, run.reverse));
    let Some(anchor) = grad.as_ref().or(jac.as_ref()).map(|v| v[0]) else {
        return Err(
            "needs a backward pass (grad_output, grad_h_n or grad_c_n) or \"analysis\": true"
                .into(),
        );
    };
    let line = |what: &str, color, values, dashed| Series {
        label: format!("{}: {what}", info.label),
        color,
        values,
        dashed,
    };
    let mut out = Vec::new();
    if let (true, Some(g)) = (opt.gradient, grad) {
        out.push(line("‖∂L/∂h_t‖", color, g, false));
    }
    if let (true, Some(j)) = (opt.jacobian, jac) {
        out.push(line("‖∂h_T/∂h_t‖", lighter(color), j, false));
    }
    if let (true, Some(label), Some(base)) = (opt.theory, info.theory.label(), info.theory.base()) {
        let b = src.matrix.base(base)?;
        out.push(line(label, color, curve(anchor, b, run.len), true));
    }
    Ok(out)
}

/// The eigenvalues of `W_hh` in the complex plane; `selected` rings one of the first matrix's.
///
/// # Errors
/// When a block holds inf/NaN (named by its spec field).
pub fn spectrum(
    src: &Source,
    selected: Option<usize>,
    titled: bool,
) -> Result<SpectrumChart, String> {
    let parts = src.matrix.eigenvalues()?;
    let series = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| EigenSeries {
            label: p.label,
            color: series_color(i),
            points: p.values,
        })
        .collect();
    let h = src.hidden;
    Ok(SpectrumChart {
        title: title(titled, || format!("Eigenvalues of W_hh (H = {h})")),
        series,
        selected: selected.map(|i| (0, i)),
        show_radius: true,
    })
}

/// The singular values of `W_hh` as bars.
///
/// # Errors
/// As [`spectrum()`].
pub fn singular_values(src: &Source, titled: bool) -> Result<SingularValuesChart, String> {
    let parts = src.matrix.singular_values()?;
    let series = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| BarSeries {
            label: p.label,
            color: series_color(i),
            values: p.values,
        })
        .collect();
    let h = src.hidden;
    Ok(SingularValuesChart {
        title: title(titled, || format!("Singular values of W_hh (H = {h})")),
        series,
    })
}

/// The colour scale of a recorded `[T][H]` series of `cell` (`carry_path`, a gate block or a
/// state; anything else, e.g. a pre-activation, is fitted like an unbounded state).
pub fn scale(cell: CellKind, name: &str, values: &[f64]) -> Scale {
    let kind = match (name, cell.info().series(name)) {
        ("carry_path", _) => Carry::SCALE,
        (_, Some(s)) => s.scale,
        (_, None) => HeatScale::Fit,
    };
    Scale::of(kind, values)
}

fn heatmap_chart(run: &CellRun, name: &str, title: String, step_major: &[f64]) -> HeatmapChart {
    let values = transpose(step_major, run.len, run.hidden);
    let scale = scale(run.cell, name, &values);
    let mut c = HeatmapChart::new(title, values, run.hidden, run.len, scale);
    c.legend_label = name.into();
    c
}

/// One heatmap per gate block and state (LSTM `i f g o c h`, GRU `r z n h`, plain RNNs `h`),
/// units down and time across.
pub fn gates(run: &CellRun) -> Vec<HeatmapChart> {
    let info = run.cell.info();
    let (steps, hid) = (run.batch.steps, run.hidden);
    crate::trace::gates(run.cell, run.run, run.batch, hid)
        .into_iter()
        .map(|s| {
            let title = info.series(s.name).map_or(s.name, |i| i.title);
            let th = &s.values[run.seq * steps * hid..][..run.len * hid];
            heatmap_chart(run, s.name, title.into(), th)
        })
        .collect()
}

fn carried(cell: CellKind) -> Result<Carry, String> {
    cell.info().carry.ok_or_else(|| {
        let names: Vec<&str> = CellKind::ALL
            .iter()
            .filter(|k| k.info().carry.is_some())
            .map(|k| k.name())
            .collect();
        format!("needs a cell with a carry gate ({})", names.join(" or "))
    })
}

const NEEDS_ANALYSIS: &str = "needs the Jacobian analysis (\"analysis\": true in the spec)";

/// The carry path (LSTM `∏f`, GRU `∏z` over the later steps) as a heatmap, viridis on `[0, 1]`.
///
/// # Errors
/// When the cell has no carry gate or the analysis did not run.
pub fn carry_path(run: &CellRun) -> Result<HeatmapChart, String> {
    let carry = carried(run.cell)?;
    let values = run.carry_path.ok_or(NEEDS_ANALYSIS)?;
    let mut c = heatmap_chart(run, "carry_path", carry.title(run.cell.info()), values);
    c.legend_label = "carry".into();
    Ok(c)
}

/// One heatmap by series name: a gate block, a state, or `carry_path`.
///
/// # Errors
/// As [`carry_path`], or an unknown name.
pub fn heatmap(run: &CellRun, name: &str) -> Result<HeatmapChart, String> {
    if name == "carry_path" {
        return carry_path(run);
    }
    let all = gates(run);
    let names: Vec<String> = all.iter().map(|c| c.legend_label.clone()).collect();
    all.into_iter()
        .find(|c| c.legend_label == name)
        .ok_or_else(|| {
            format!(
                "series: expected one of {}, carry_path, got \"{name}\"",
                names.join(", ")
            )
        })
}

/// The carry path's largest unit against the hidden path, by lag (see the module docs).
///
/// # Errors
/// When the cell has no carry gate or the analysis did not run.
pub fn paths(run: &CellRun, titled: bool) -> Result<GradientFlowChart, String> {
    let info = run.cell.info();
    let carry = carried(run.cell)?;
    let (Some(cp), Some(jac)) = (run.carry_path_norm, run.jacobian_norm) else {
        return Err(NEEDS_ANALYSIS.into());
    };
    let title = title(titled, || {
        format!("{}: {} vs hidden path", info.label, carry.what)
    });
    let series = vec![
        Series {
            label: carry.label(info),
            color: [0xD5, 0x5E, 0x00],
            values: by_lag(cp, run.reverse),
            dashed: false,
        },
        Series {
            label: "hidden path ‖∂h_T/∂h_t‖".into(),
            color: info.color,
            values: by_lag(jac, run.reverse),
            dashed: false,
        },
    ];
    Ok(GradientFlowChart::new(title, "size (log scale)", series))
}

impl Chart {
    /// Draws the chart filling `area`; returns the plot rectangles (one per heatmap of a grid).
    ///
    /// # Errors
    /// When the backend fails.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<PixelRect>, ChartError> {
        match self {
            Chart::Flow(c) => gradient_flow::draw(area, c).map(|r| vec![r]),
            Chart::Spectrum(c) => spectrum::draw(area, c).map(|r| vec![r]),
            Chart::Singular(c) => spectrum::draw_singular_values(area, c).map(|r| vec![r]),
            Chart::Grid(c) => heatmap::draw_grid(area, c, c.len().div_ceil(2)),
            Chart::Heatmap(c) => heatmap::draw(area, c).map(|r| vec![r]),
        }
    }

    /// The size `render` draws it at unless told: a grid of several heatmaps gets more room.
    pub fn default_size(&self) -> (u32, u32) {
        match self {
            Chart::Grid(g) if g.len() > 1 => (1280, 720),
            _ => (960, 540),
        }
    }

    /// The chart as SVG text, `width × height` pixels.
    ///
    /// # Errors
    /// When drawing fails.
    pub fn svg(&self, width: u32, height: u32) -> Result<String, ChartError> {
        use plotters::prelude::{IntoDrawingArea, SVGBackend};
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            self.draw(&area)?;
            area.present().map_err(|e| ChartError(format!("{e:?}")))?;
        }
        Ok(out)
    }
}
