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
//!
//!   One exception, decided here for the chart, `render`, the downloads and the page's notes
//!   alike ([`Reference`]): a run the loss does not enter at its lag-0 state (a lower layer, or a
//!   reverse direction, of an imported network: `CellRun::loss_at_lag0`) may get almost nothing
//!   there. When lag 0 holds less than [`NEGLIGIBLE`] of the curve's largest value `g_max` (at
//!   lag `k*`), its `‖∂L/∂h_t‖` is drawn as `‖∂L/∂h_t‖ / g_max` (1 at `k*`, never above): a ratio
//!   to lag 0 would divide by (almost) nothing and draw growth that is only where the loss
//!   enters. The axis and the legend then say so ("÷ its largest value (lag k*)").
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

/// The x axis of a reverse run's charts: its lag `k` counts from its own last step, `t = 0`, so
/// lag k is step t (not "steps back from the end" of the sequence).
pub const REVERSE_LAG_LABEL: &str = "lag k = step t (the reverse run ends at t = 0)";
/// Its y-axis title when every curve shown is a gradient drawn against its largest value.
pub const FLOW_Y_LARGEST: &str = "relative to its largest value (log scale)";
/// Its y-axis title when the curves' references differ (the legend names each).
pub const FLOW_Y_MIXED: &str = "relative, ÷ as the legend says (log scale)";

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
    let mut refs = Vec::new();
    for run in &src.cells {
        let (s, r) = flow_series(src, run, opt)?;
        series.extend(s);
        refs.push((run.cell.info().label, r));
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
    let labels = FlowLabels::new(&refs, opt.gradient);
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
    // With the references named (`÷ lag 0`), the qualifier is shorter: the entry still fits a
    // phone's docked chart.
    let worst = match (at_end, labels.others) {
        (true, more) => format!("worst case ‖∂h_T/∂h_t‖₂{more}"),
        (false, "") => "‖∂h_T/∂h_t‖₂ (bounds the last step's loss only)".to_string(),
        (false, more) => format!("‖∂h_T/∂h_t‖₂{more} (last step's loss only)"),
    };
    let pending = opt.jacobian && opt.jacobian_pending;
    let mut others = false;
    for (style, label) in [
        (LineStyle::Solid, labels.gradient.clone()),
        (LineStyle::Dotted, worst),
        (LineStyle::Dashed, theories.join(", ") + labels.others),
    ] {
        let shown = chart.series.iter().any(|s| s.style == style);
        if shown || (style == LineStyle::Dotted && pending) {
            others |= style != LineStyle::Solid;
            legend.push(LegendItem {
                label,
                color: LEGEND_INK,
                key: Key::Line(style),
            });
        }
    }
    chart.legend = legend;
    chart.y_label = labels.axis(others).into();
    if !src.cells.is_empty() && src.cells.iter().all(|c| c.reverse) {
        chart.x_label = REVERSE_LAG_LABEL.into();
    }
    Ok(chart)
}

/// What the gradient-flow chart's words say of its references ([`Reference`]).
struct FlowLabels {
    /// Some gradient curve is drawn against its largest value, every one of them when `all`.
    moved: bool,
    all: bool,
    /// The solid curves' legend entry.
    gradient: String,
    /// Appended to the other entries (`÷ lag 0` when the references differ).
    others: &'static str,
}

impl FlowLabels {
    /// From each cell's gradient reference (`gradient`: those curves are shown).
    fn new(refs: &[(&str, Option<Reference>)], gradient: bool) -> FlowLabels {
        let away = |r: &Option<Reference>| r.is_some_and(|r| r.lag > 0);
        let moved = gradient && refs.iter().any(|(_, r)| away(r));
        let all = moved && refs.iter().all(|(_, r)| away(r));
        let words: Vec<String> = refs.iter().map(|(_, r)| Reference::words(*r)).collect();
        let gradient = match (moved, words.iter().all(|w| *w == words[0])) {
            (false, _) => "‖∂L/∂h_t‖".to_string(),
            (true, true) => format!("‖∂L/∂h_t‖ ÷ {}", words[0]),
            (true, false) => {
                let each: Vec<String> = refs
                    .iter()
                    .zip(&words)
                    .map(|((cell, _), w)| format!("{cell}: {w}"))
                    .collect();
                format!("‖∂L/∂h_t‖ ÷ {}", each.join(", "))
            }
        };
        FlowLabels {
            moved,
            all,
            gradient,
            others: if moved { " ÷ lag 0" } else { "" },
        }
    }

    /// The y-axis title, `others`: curves other than the gradients are shown.
    fn axis(&self, others: bool) -> &'static str {
        match (self.moved, self.all && !others) {
            (false, _) => FLOW_Y_LABEL,
            (true, true) => FLOW_Y_LARGEST,
            (true, false) => FLOW_Y_MIXED,
        }
    }
}

/// The colour of a line-style legend entry (the chart's ink).
const LEGEND_INK: [u8; 3] = [34, 34, 34];

/// Below this share of a curve's largest value, its lag-0 value is negligible (module docs).
pub const NEGLIGIBLE: f64 = 1e-6;

/// What a gradient curve (by lag) is divided by: its lag-0 value, or, for a run the loss does
/// not enter at lag 0 and that gets a negligible share there, its largest value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reference {
    /// The lag whose value divides the curve: 0, or where the curve is largest.
    pub lag: usize,
    /// That value (finite, positive).
    pub value: f64,
}

impl Reference {
    /// The reference of `by_lag` (module docs); `loss_at_lag0`: the loss enters the run at its
    /// lag-0 state. `None` when the curve is drawn as it is: lag 0 (or, when that is the
    /// reference, every value) is 0 or not finite.
    pub fn of(by_lag: &[f64], loss_at_lag0: bool) -> Option<Reference> {
        let first = *by_lag.first()?;
        if !first.is_finite() {
            return None;
        }
        let lag0 = (first > 0.0).then_some(Reference {
            lag: 0,
            value: first,
        });
        if loss_at_lag0 {
            return lag0;
        }
        let (lag, value) = by_lag
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .fold((0, 0.0), |a, (k, &v)| if v > a.1 { (k, v) } else { a });
        match value > 0.0 && first < NEGLIGIBLE * value {
            true => Some(Reference { lag, value }),
            false => lag0,
        }
    }

    /// The curve divided by this reference (`None`: as it is).
    fn apply(r: Option<Reference>, v: Vec<f64>) -> Vec<f64> {
        match r {
            Some(r) => v.into_iter().map(|x| x / r.value).collect(),
            None => v,
        }
    }

    /// The reference in words, after "÷": `lag 0`, `its largest value (lag 59)`.
    fn words(r: Option<Reference>) -> String {
        match r {
            Some(Reference { lag, .. }) if lag > 0 => format!("its largest value (lag {lag})"),
            _ => "lag 0".into(),
        }
    }
}

/// The reference of a run's `‖∂L/∂h_t‖` (`None` without a backward pass, or drawn as it is).
pub fn gradient_reference(run: &CellRun) -> Option<Reference> {
    let g = run.grad_h_norm?;
    Reference::of(&by_lag(g, run.reverse), run.loss_at_lag0)
}

/// A cell's curves, and its gradient's [`Reference`].
fn flow_series(
    src: &Source,
    run: &CellRun,
    opt: FlowOptions,
) -> Result<(Vec<Series>, Option<Reference>), String> {
    let info = run.cell.info();
    let color = info.color;
    let reference = gradient_reference(run);
    let grad = run
        .grad_h_norm
        .map(|v| Reference::apply(reference, by_lag(v, run.reverse)));
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
    Ok((out, reference))
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
    let cell = run.grad_c_norm.map(|g| {
        let g = by_lag(g, run.reverse);
        let r = Reference::of(&g, run.loss_at_lag0);
        Series {
            label: format!("cell-state gradient ‖∂L/∂c_t‖ ÷ {}", Reference::words(r)),
            color: CELL_GRADIENT,
            values: Reference::apply(r, g),
            style: LineStyle::Dotted,
        }
    });
    series.extend(cell);
    let mut chart = GradientFlowChart::new(title, "size (log scale)", series);
    if run.reverse {
        chart.x_label = REVERSE_LAG_LABEL.into();
    }
    Ok(chart)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A curve the loss enters at lag 0 keeps lag 0 as its reference, however far it grows
    /// (an exploding linear RNN: lag 0 holds 1e−176 of its largest value and is still where the
    /// loss enters).
    #[test]
    fn a_curve_the_loss_enters_at_lag_0_is_relative_to_lag_0() {
        let exploding: Vec<f64> = (0..1000).map(|k| 1.5f64.powi(k)).collect();
        let r = Reference::of(&exploding, true).unwrap();
        assert_eq!((r.lag, r.value), (0, 1.0));
        assert_eq!(
            Reference::of(&[0.0, 1.0], true),
            None,
            "nothing to divide by"
        );
        assert_eq!(Reference::of(&[f64::INFINITY, 1.0], true), None);
    }

    /// A run the loss reaches at other steps (a reverse direction, a lower layer): when lag 0
    /// holds a negligible share (below 1e−6), the largest value is the reference; else lag 0.
    #[test]
    fn a_negligible_lag_0_elsewhere_fed_is_replaced_by_the_largest_value() {
        let zero = [0.0, 0.0, 3.0, 2.0, f64::NAN];
        assert_eq!(
            Reference::of(&zero, false),
            Some(Reference { lag: 2, value: 3.0 })
        );
        let tiny = [1.8e-13, 1e-3, 1.87, 0.5];
        assert_eq!(
            Reference::of(&tiny, false),
            Some(Reference {
                lag: 2,
                value: 1.87
            })
        );
        let fair = [1e-5, 1.0, 2.0];
        assert_eq!(Reference::of(&fair, false).map(|r| r.lag), Some(0));
        assert_eq!(
            Reference::of(&[0.0, 0.0], false),
            None,
            "all zero: as it is"
        );
        // The same curve fed at lag 0 would be divided by 0: drawn as it is.
        assert_eq!(Reference::of(&zero, true), None);
    }

    /// The words follow the references: the axis, the solid entry, the others.
    #[test]
    fn the_labels_say_what_each_curve_is_relative_to() {
        let away = Some(Reference {
            lag: 59,
            value: 2.0,
        });
        let lag0 = Some(Reference { lag: 0, value: 1.0 });
        let one = FlowLabels::new(&[("GRU", away)], true);
        assert_eq!(one.gradient, "‖∂L/∂h_t‖ ÷ its largest value (lag 59)");
        assert_eq!(one.others, " ÷ lag 0");
        assert_eq!(one.axis(true), FLOW_Y_MIXED);
        assert_eq!(one.axis(false), FLOW_Y_LARGEST);
        let two = FlowLabels::new(&[("GRU", away), ("LSTM", lag0)], true);
        assert_eq!(
            two.gradient,
            "‖∂L/∂h_t‖ ÷ GRU: its largest value (lag 59), LSTM: lag 0"
        );
        assert_eq!(two.axis(false), FLOW_Y_MIXED);
        let usual = FlowLabels::new(&[("GRU", lag0), ("LSTM", None)], true);
        assert_eq!((usual.gradient.as_str(), usual.others), ("‖∂L/∂h_t‖", ""));
        assert_eq!(usual.axis(true), FLOW_Y_LABEL);
        let hidden = FlowLabels::new(&[("GRU", away)], false);
        assert_eq!(hidden.axis(true), FLOW_Y_LABEL, "no gradient curve shown");
    }
}
