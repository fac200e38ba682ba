//! The chart registry: every chart's data built in one place, from one [`Source`], for the page
//! (a lab scene), for `unrolled render` (a trace) and for the page's SVG downloads alike.
//!
//! The charts ([`NAMES`]):
//! - `gradient-flow`: per cell, by lag `k` ([`crate::trace::by_lag`]), everything relative to
//!   lag 0, so every curve starts at 1: the measured `‖∂L/∂h_t‖ / ‖∂L/∂h_last‖` (solid), the
//!   worst case `‖∂h_last/∂h_t‖₂` (dotted; 1 at lag 0), and the theory curve of the cell table
//!   (dashed, on top): `b^k` with `b = ρ(W)` for `rnn_linear` (exact asymptotics) or
//!   `b = σ_max(W)` for `rnn_tanh`/`rnn_relu` (Pascanu et al.'s bound, γ = 1). When the loss
//!   reaches a run only through its last state (loss at the last step), `∂L/∂h_t =
//!   (∂h_last/∂h_t)ᵀ ∂L/∂h_last`, so the solid curve never lies above the dotted one: the dotted
//!   one is a true worst case. With a loss at every step (or any upstream gradient before the
//!   end) it bounds only the last step's share, and its legend says so. (Unnormalised: the loss
//!   sums H units, so `‖∂L/∂h_last‖ = √H` and the measured curve would start above the worst
//!   case.) A gradient whose lag-0 value is 0 or not finite is drawn as it is. The legend has
//!   one entry per cell (its colour) and one per line style.
//! - `spectrum`, `singular-values`: eigenvalues and singular values of `W_hh` (one matrix when
//!   every gate block is the same, else one per distinct block).
//! - `gates`: one heatmap per gate block and state (titles and scales from the cell table).
//! - `carry-path`: the carry path `∏f` (LSTM) or `∏z` (GRU) over the later steps, as a heatmap;
//!   for `lstm_no_forget` (f ≡ 1) exactly 1 everywhere, the constant error carousel.
//! - `paths`: the carry path's largest unit against the hidden path `‖∂h_last/∂h_t‖₂`, by lag:
//!   the cell state's additive path keeps gradients alive where the path through `h` vanishes.
//!   For an LSTM (a cell state `c`) also the gradient that reaches it, `‖∂L/∂c_t‖ / ‖∂L/∂c_last‖`
//!   (dotted; 1 at lag 0): `∂L/∂c_t = f_{t+1} ⊙ ∂L/∂c_{t+1} + (∂h_t/∂c_t)ᵀ ∂L/∂h_t`, so with
//!   `f = 1` what reached the cell passes back unchanged (and each step adds what reaches `c`
//!   through `h`).
//!
//! A built [`Chart`] draws natively ([`Chart::draw`], [`Chart::svg`]) or in two layers
//! ([`Chart::layout`], [`Chart::draw_layer`]): the page caches the frame and redraws the data.

use super::colormap::Scale;
use super::gradient_flow::{self, GradientFlowChart, Key, LegendItem, LineStyle, Series};
use super::heatmap::{self, transpose, HeatmapChart};
use super::source::{CellRun, Matrix, Source};
use super::spectrum::{self, BarSeries, EigenSeries, SingularValuesChart, SpectrumChart};
use super::{series_color, ChartError, DrawingArea, DrawingBackend, Layer, PixelRect, Shift};
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
    /// The Jacobian curves are on their way (the page computes them in a worker and draws the
    /// rest first): their legend entry stays, so the legend and the frame do not change back and
    /// forth while a slider moves.
    pub jacobian_pending: bool,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            gradient: true,
            jacobian: true,
            theory: true,
            jacobian_pending: false,
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
    /// A training chart (`super::training`): drawn whole with the data.
    Line(super::training::LineChart),
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

/// The y-axis title of `gradient-flow`.
pub const FLOW_Y_LABEL: &str = "relative to lag 0 (log scale)";

/// The gradient-flow chart: per cell, gradient, Jacobian product and theory (see the module
/// docs), in that order; the legend one entry per cell and one per line style.
///
/// # Errors
/// When a cell recorded neither norm, or the theory's matrix holds inf/NaN.
pub fn gradient_flow(
    src: &Source,
    opt: FlowOptions,
    titled: bool,
) -> Result<GradientFlowChart, String> {
    let mut series = Vec::new();
    let mut theories: Vec<&str> = Vec::new();
    for run in &src.cells {
        series.extend(flow_series(src, run, opt)?);
        if let (true, Some(label)) = (opt.theory, run.cell.info().theory.label()) {
            if !theories.contains(&label) {
                theories.push(label);
            }
        }
    }
    let len = src.cells.first().map_or(0, |c| c.len);
    let h = src.hidden;
    let title = title(titled, || {
        format!("Gradient flow back through time (H = {h}, T = {len})")
    });
    let mut chart = GradientFlowChart::new(title, FLOW_Y_LABEL, series);
    let mut legend: Vec<LegendItem> = src
        .cells
        .iter()
        .map(|run| LegendItem {
            label: run.cell.info().label.into(),
            color: run.cell.info().color,
            key: Key::Colour,
        })
        .collect();
    let at_end = src.cells.iter().all(|c| c.loss_at_end);
    let worst = if at_end {
        "worst case ‖∂h_T/∂h_t‖₂".to_string()
    } else {
        "‖∂h_T/∂h_t‖₂ (bounds the last step's loss only)".to_string()
    };
    let pending = opt.jacobian && opt.jacobian_pending;
    for (style, label) in [
        (LineStyle::Solid, "‖∂L/∂h_t‖".to_string()),
        (LineStyle::Dotted, worst),
        (LineStyle::Dashed, theories.join(", ")),
    ] {
        let shown = chart.series.iter().any(|s| s.style == style);
        if shown || (style == LineStyle::Dotted && pending) {
            legend.push(LegendItem {
                label,
                color: LEGEND_INK,
                key: Key::Line(style),
            });
        }
    }
    chart.legend = legend;
    Ok(chart)
}

/// The colour of a line-style legend entry (the chart's ink).
const LEGEND_INK: [u8; 3] = [34, 34, 34];

/// `v` divided by its lag-0 value, when that is finite and positive (else `v` as it is).
fn relative(v: Vec<f64>) -> Vec<f64> {
    match v.first() {
        Some(&m) if m.is_finite() && m > 0.0 => v.into_iter().map(|x| x / m).collect(),
        _ => v,
    }
}

fn flow_series(src: &Source, run: &CellRun, opt: FlowOptions) -> Result<Vec<Series>, String> {
    let info = run.cell.info();
    let color = info.color;
    let grad = run.grad_h_norm.map(|v| relative(by_lag(v, run.reverse)));
    let jac = run.jacobian_norm.map(|v| by_lag(v, run.reverse));
    if grad.is_none() && jac.is_none() {
        return Err(
            "needs a backward pass (grad_output, grad_h_n or grad_c_n) or \"analysis\": true"
                .into(),
        );
    }
    let line = |what: &str, values, style| Series {
        label: format!("{}: {what}", info.label),
        color,
        values,
        style,
    };
    let mut out = Vec::new();
    if let (true, Some(g)) = (opt.gradient, grad) {
        out.push(line("‖∂L/∂h_t‖", g, LineStyle::Solid));
    }
    if let (true, Some(j)) = (opt.jacobian, jac) {
        out.push(line("‖∂h_T/∂h_t‖₂", j, LineStyle::Dotted));
    }
    if let (true, Some(label), Some(base)) = (opt.theory, info.theory.label(), info.theory.base()) {
        let b = match run.own_w_hh {
            Some(w) => Matrix::Layer {
                w,
                cell: run.cell,
                hidden: run.hidden,
                field: "weight_hh_l0".into(),
            }
            .base(base)?,
            None => src.matrix.base(base)?,
        };
        out.push(line(label, curve(1.0, b, run.len), LineStyle::Dashed));
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
        title: title(titled, || {
            format!("Eigenvalues of {} (H = {h})", src.matrix.name())
        }),
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
        title: title(titled, || {
            format!("Singular values of {} (H = {h})", src.matrix.name())
        }),
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
        format!(
            "needs a cell with a carry path ({})",
            crate::cell::info::or_list(&names)
        )
    })
}

const NEEDS_ANALYSIS: &str = "needs the Jacobian analysis (\"analysis\": true in the spec)";

/// The carry path (LSTM `∏f`, GRU `∏z` over the later steps; exactly 1 for `lstm_no_forget`,
/// f ≡ 1) as a heatmap, viridis on `[0, 1]`.
///
/// # Errors
/// When the cell has no carry path or the analysis did not run.
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

/// The colour of the cell-state gradient in `paths` (Okabe–Ito reddish purple).
const CELL_GRADIENT: [u8; 3] = [0xCC, 0x79, 0xA7];

/// The carry path's largest unit against the hidden path, by lag, and for an LSTM the gradient
/// reaching its cell state (see the module docs).
///
/// # Errors
/// When the cell has no carry path or the analysis did not run.
pub fn paths(run: &CellRun, titled: bool) -> Result<GradientFlowChart, String> {
    let info = run.cell.info();
    let carry = carried(run.cell)?;
    let (Some(cp), Some(jac)) = (run.carry_path_norm, run.jacobian_norm) else {
        return Err(NEEDS_ANALYSIS.into());
    };
    let title = title(titled, || {
        format!("{}: {} vs hidden path", info.label, carry.what)
    });
    let mut series = vec![
        Series {
            label: carry.label(info),
            color: [0xD5, 0x5E, 0x00],
            values: by_lag(cp, run.reverse),
            style: LineStyle::Solid,
        },
        Series {
            label: "hidden path ‖∂h_T/∂h_t‖".into(),
            color: info.color,
            values: by_lag(jac, run.reverse),
            style: LineStyle::Solid,
        },
    ];
    let cell = run.grad_c_norm.map(|g| Series {
        label: "cell-state gradient ‖∂L/∂c_t‖ ÷ lag 0".into(),
        color: CELL_GRADIENT,
        values: relative(by_lag(g, run.reverse)),
        style: LineStyle::Dotted,
    });
    series.extend(cell);
    Ok(GradientFlowChart::new(title, "size (log scale)", series))
}

/// Where a built chart's parts go on one area ([`Chart::layout`]).
#[derive(Clone, Debug)]
pub enum Layout {
    /// `gradient-flow`, `paths`.
    Flow(gradient_flow::Layout),
    /// `spectrum`.
    Spectrum(spectrum::Layout),
    /// `singular-values`.
    Singular(spectrum::BarsLayout),
    /// A training chart (and the chart, which its frame's key reads).
    Line(super::training::Layout, super::training::LineChart),
    /// Heatmaps: drawn whole with the data (the page caches their frames itself).
    Whole,
}

impl Layout {
    /// Equal keys draw the same frame; `None` when the chart has no separate frame.
    pub fn key(&self) -> Option<u64> {
        match self {
            Layout::Flow(l) => Some(l.key()),
            Layout::Spectrum(l) => Some(l.key()),
            Layout::Singular(l) => Some(l.key()),
            Layout::Line(l, c) => Some(l.key(c)),
            Layout::Whole => None,
        }
    }
}

impl Chart {
    /// Draws the chart filling `area`: its frame, then its data; returns the plot rectangles
    /// (one per heatmap of a grid).
    ///
    /// # Errors
    /// When the backend fails.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<Vec<PixelRect>, ChartError> {
        let layout = self.layout(area);
        self.draw_layer(area, &layout, Layer::Frame)?;
        self.draw_layer(area, &layout, Layer::Data)
    }

    /// Lays the chart out on `area`: measures its labels, places its plot and legend; draws
    /// nothing.
    pub fn layout<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Layout {
        match self {
            Chart::Flow(c) => Layout::Flow(gradient_flow::layout(area, c)),
            Chart::Spectrum(c) => Layout::Spectrum(spectrum::layout(area, c)),
            Chart::Singular(c) => Layout::Singular(spectrum::layout_singular_values(area, c)),
            Chart::Line(c) => Layout::Line(super::training::layout(area, c), c.clone()),
            Chart::Grid(_) | Chart::Heatmap(_) => Layout::Whole,
        }
    }

    /// Draws one layer as `layout` (of this chart, on an area of the same size) places it;
    /// returns the plot rectangles.
    ///
    /// # Errors
    /// When the backend fails, or `layout` belongs to another kind of chart.
    pub fn draw_layer<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        layout: &Layout,
        layer: Layer,
    ) -> Result<Vec<PixelRect>, ChartError> {
        match (self, layout) {
            (Chart::Flow(c), Layout::Flow(l)) => {
                gradient_flow::draw_layer(area, c, l, layer).map(|_| vec![l.rect()])
            }
            (Chart::Spectrum(c), Layout::Spectrum(l)) => {
                spectrum::draw_layer(area, c, l, layer).map(|_| vec![l.rect()])
            }
            (Chart::Singular(c), Layout::Singular(l)) => {
                spectrum::draw_singular_values_layer(area, c, l, layer).map(|_| vec![l.rect()])
            }
            (Chart::Grid(c), Layout::Whole) if layer == Layer::Data => {
                heatmap::draw_grid(area, c, c.len().div_ceil(2))
            }
            (Chart::Heatmap(c), Layout::Whole) if layer == Layer::Data => {
                heatmap::draw(area, c).map(|r| vec![r])
            }
            (Chart::Line(c), Layout::Line(l, _)) => {
                super::training::draw_layer(area, c, l, layer).map(|r| vec![r])
            }
            (Chart::Grid(_) | Chart::Heatmap(_), Layout::Whole) => Ok(Vec::new()),
            _ => Err(ChartError("layout: of another chart".into())),
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
