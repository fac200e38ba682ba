//! Charts of training runs: what the training view draws live, its SVG downloads and the native
//! tests draw, from one [`TrainingLog`] (the log records of `unrolled train`, one run per
//! entrant of a race, read back from their JSON lines with [`Point::from_json`]).
//!
//! The charts ([`NAMES`]), each a [`LineChart`]; one colour per cell (the cell table's):
//! - `train-loss`: held-out loss (solid) and training loss (dotted) against training sequences
//!   seen, both axes logarithmic, with the constant predictor's loss dashed (the loss of a model
//!   that learnt nothing about the inputs: it predicts the targets' mean).
//! - `train-success`: the success measure (`test_solved` or `test_accuracy`) against sequences
//!   seen, with the criterion dashed.
//! - `train-flow`: `‖∂L/∂h_t‖` on the probe batch against the lag, log scale: the latest record
//!   solid, the first (the untrained model) dotted.
//! - `train-spectrum`: `ρ(W_hh)` (solid) and `σ_max(W_hh)` (dashed) against sequences seen, with
//!   the line at 1; for cells with several gate blocks, the largest over the blocks of layer 0,
//!   forward direction.
//! - `train-clipping`: the fraction of the iterations since the previous record at which
//!   clipping fired, as marks (one per record).
//! - `train-sweep`: per cell, the best held-out success within a short budget against the
//!   sequence length T, averaged over seeds: where the vanilla RNN falls off.
//!
//! The record at iteration 0 has seen no sequences: on a log axis it is drawn at the left edge.
//! A log y axis spans at most [`MAX_DECADES`] decades below its top; smaller values are drawn on
//! its bottom edge.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::frame::{
    self, bottom_margin, left_margin, place_legend, polyline, pow10_label, rgb, style, text,
    tick_label_width, Axes, Entry, Swatch, INK, MUTED, THICK, THIN,
};
use super::{ChartError, DrawingArea, LineStyle, Marker, PixelRect, Shift};
use crate::cell::CellKind;

/// The charts of a training log, by name.
pub const NAMES: [&str; 6] = [
    "train-loss",
    "train-success",
    "train-flow",
    "train-spectrum",
    "train-clipping",
    "train-sweep",
];

/// What the charts read of one log record.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Training sequences seen.
    pub sequences: f64,
    /// Iterations done.
    pub iteration: f64,
    /// Mean training loss since the previous record.
    pub train_loss: Option<f64>,
    /// Held-out loss.
    pub test_loss: f64,
    /// The success measure.
    pub success: f64,
    /// Iterations since the previous record at which clipping fired.
    pub clip_count: f64,
    /// The largest `ρ` over the blocks of layer 0, forward.
    pub rho: f64,
    /// The largest `σ_max` over the blocks of layer 0, forward.
    pub sigma: f64,
    /// `‖∂L/∂h_t‖` by lag.
    pub grad_by_lag: Vec<f64>,
    /// The held-out accuracy on the long-range sentences (`test_accuracy_long_range`, the
    /// sentiment task), when the record has it.
    pub long_range: Option<f64>,
}

impl Point {
    /// Reads a log record (one JSON line of `unrolled train`, docs/spec.md "Training log").
    ///
    /// # Errors
    /// Not JSON, or a field missing.
    pub fn from_json(line: &str) -> Result<Point, String> {
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("record: {e}"))?;
        let num = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_f64())
                .ok_or_else(|| format!("record: no number \"{k}\""))
        };
        let success = num("test_solved").or_else(|_| num("test_accuracy"))?;
        let (mut rho, mut sigma) = (0.0f64, 0.0f64);
        for b in v
            .get("w_hh")
            .and_then(|w| w.as_array())
            .into_iter()
            .flatten()
        {
            let first = b.get("layer").and_then(|x| x.as_u64()) == Some(0)
                && b.get("direction").and_then(|x| x.as_u64()) == Some(0);
            if first {
                let g = |k: &str| b.get(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
                rho = rho.max(g("spectral_radius"));
                sigma = sigma.max(g("max_singular_value"));
            }
        }
        let grad_by_lag = v
            .get("grad_by_lag")
            .and_then(|x| x.as_array())
            .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
            .unwrap_or_default();
        Ok(Point {
            sequences: num("sequences")?,
            iteration: num("iteration")?,
            train_loss: v.get("train_loss").and_then(|x| x.as_f64()),
            test_loss: num("test_loss")?,
            success,
            clip_count: num("clip_count").unwrap_or(0.0),
            rho,
            sigma,
            grad_by_lag,
            long_range: v
                .get(crate::train::trainer::record::LONG_RANGE_FIELD)
                .and_then(|x| x.as_f64()),
        })
    }
}

/// One run (an entrant of a race).
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// The cell it trains (its colour and label come from the cell table).
    pub cell: CellKind,
    /// What the legend calls it (the cell's label unless two runs share a cell).
    pub label: String,
    /// Its records, in order.
    pub points: Vec<Point>,
}

/// Every run of a race or a single run, and what the charts draw as reference lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrainingLog {
    /// The runs.
    pub runs: Vec<Run>,
    /// The constant predictor's loss, when the task has one.
    pub baseline: Option<f64>,
    /// The success counted as solved.
    pub criterion: f64,
    /// `test_solved` or `test_accuracy`.
    pub success_field: String,
    /// The sweep: per cell, `(T, mean best held-out success over the seeds)`, in the order run.
    pub sweep: Vec<(CellKind, Vec<(f64, f64)>)>,
    /// What the problem's examples are called (`Problem::items`: `sequences`, `sentences`); empty
    /// reads as a task's.
    pub items: String,
}

impl TrainingLog {
    /// The x-axis title of the charts against training time: `training sentences seen (log
    /// scale)`, in the problem's own noun.
    fn seen(&self) -> String {
        let items = match self.items.as_str() {
            "" => crate::train::trainer::problem::TASK_ITEMS,
            s => s,
        };
        format!("training {items} seen (log scale)")
    }
}

/// One line (or a row of marks) of a [`LineChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Its colour.
    pub color: [u8; 3],
    /// Solid, dotted or dashed.
    pub style: LineStyle,
    /// Drawn as marks (dots) instead of a line.
    pub marks: bool,
    /// Thin (a secondary quantity: training loss, σ_max, the untrained curve) or thick.
    pub thin: bool,
    /// A marker at every point (the sweep's cells, whose curves may coincide).
    pub marker: Option<Marker>,
    /// `(x, y)` in data units.
    pub points: Vec<(f64, f64)>,
}

/// A line chart with linear or logarithmic axes, reference lines and a legend.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Drawn on top when not empty.
    pub title: String,
    /// The x axis's title.
    pub x_label: String,
    /// The y axis's title.
    pub y_label: String,
    /// Logarithmic x.
    pub x_log: bool,
    /// Logarithmic y.
    pub y_log: bool,
    /// A fixed y range (else from the data).
    pub y_range: Option<(f64, f64)>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Horizontal reference lines `(y, label)`, grey and dashed; the label is drawn on the line
    /// at the right edge, or (when empty) the legend names the line instead.
    pub refs: Vec<(f64, String)>,
    /// Legend entries: `(label, colour, style, swatch)`.
    pub legend: Vec<(String, [u8; 3], LineStyle, Mark)>,
}

/// What a legend entry's swatch shows beside its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A line in the entry's style, as thick as the thick lines.
    Line,
    /// A thin line in the entry's style (a thin line's key).
    Thin,
    /// A dot (a chart of marks).
    Dot,
    /// A line with a marker (a sweep's cell).
    Marker(Marker),
}

/// A legend entry naming a dashed reference line (so its label never sits on a curve).
fn ref_entry(label: String) -> (String, [u8; 3], LineStyle, Mark) {
    (label, GREY, LineStyle::Dashed, Mark::Line)
}

/// The criterion's line and its legend entry, once the criterion is known (none before: a
/// log reset with no task yet has a NaN criterion).
fn criterion_ref(log: &TrainingLog, legend: &mut Legend) -> Vec<(f64, String)> {
    if !log.criterion.is_finite() {
        return Vec::new();
    }
    let pct = (100.0 * log.criterion).round();
    legend.push(ref_entry(format!("dashed: criterion {pct}\u{a0}%")));
    vec![(100.0 * log.criterion, String::new())]
}

/// Legend entries: `(label, colour, style, mark)`.
type Legend = Vec<(String, [u8; 3], LineStyle, Mark)>;

const GREY: [u8; 3] = [110, 110, 110];

fn legend_for(log: &TrainingLog) -> Legend {
    log.runs
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                super::cell_color(r.cell),
                LineStyle::Solid,
                Mark::Line,
            )
        })
        .collect()
}

fn over_sequences(
    log: &TrainingLog,
    f: impl Fn(&Point) -> Option<f64>,
    style: LineStyle,
) -> Vec<Line> {
    // A secondary quantity (training loss, σ_max) is drawn thin and solid: dotted and dashed
    // lines are drawn dash by dash, too slow to redraw live.
    let thin = style != LineStyle::Solid;
    log.runs
        .iter()
        .map(|r| Line {
            color: super::cell_color(r.cell),
            style: LineStyle::Solid,
            marks: false,
            thin,
            marker: None,
            points: r
                .points
                .iter()
                .filter_map(|p| f(p).map(|y| (p.sequences, y)))
                .collect(),
        })
        .collect()
}

/// The sweep: one curve per cell, each in its own dash pattern and with its own marker (sizes
/// that nest, see [`Marker`]), so curves that coincide (two cells that both solve every length)
/// stay told apart; the criterion's line named in the legend.
fn sweep_chart(log: &TrainingLog, title: String) -> LineChart {
    const DASHES: [LineStyle; 3] = [LineStyle::Solid, LineStyle::Dashed, LineStyle::Dotted];
    let mut legend = Vec::new();
    let mut lines = Vec::new();
    for (i, (cell, pts)) in log.sweep.iter().enumerate() {
        let (color, style, marker) = (super::cell_color(*cell), DASHES[i % 3], Marker::nth(i));
        legend.push((cell.label().to_string(), color, style, Mark::Marker(marker)));
        lines.push(Line {
            color,
            style,
            marks: false,
            thin: false,
            marker: Some(marker),
            points: pts.iter().map(|&(t, v)| (t, 100.0 * v)).collect(),
        });
    }
    let refs = criterion_ref(log, &mut legend);
    LineChart {
        title,
        x_label: "sequence length T".into(),
        y_label: "best held-out success (%)".into(),
        x_log: false,
        y_log: false,
        y_range: Some((0.0, 100.0)),
        lines,
        refs,
        legend,
    }
}

/// Builds the chart `name` of `log`.
///
/// # Errors
/// An unknown name.
pub fn build(name: &str, log: &TrainingLog, titled: bool) -> Result<LineChart, String> {
    let title = |s: &str| if titled { s.to_string() } else { String::new() };
    let legend = legend_for(log);
    Ok(match name {
        "train-loss" => loss_chart(log, title("Loss"), legend),
        "train-success" => success_chart(log, title("Success"), legend),
        "train-flow" => flow_chart(log, title("Gradient flow, as training goes"), legend),
        "train-spectrum" => spectrum_chart(log, title("Spectrum of W_hh over training"), legend),
        "train-clipping" => clipping_chart(log, title("Clipping"), legend),
        "train-sweep" => sweep_chart(log, title("Success against the sequence length")),
        other => {
            return Err(format!(
                "chart: expected one of {}, got \"{other}\"",
                NAMES.join(", ")
            ))
        }
    })
}

/// A grey legend entry that explains a line's weight, not a cell: its swatch is drawn at that
/// weight (`thin`: as thin as the thin lines).
fn key(label: &str, thin: bool) -> (String, [u8; 3], LineStyle, Mark) {
    let mark = if thin { Mark::Thin } else { Mark::Line };
    (label.into(), GREY, LineStyle::Solid, mark)
}

/// A chart against the training sequences seen (log x axis), the shape of all but two.
fn over_training(
    log: &TrainingLog,
    title: String,
    y_label: String,
    y: (bool, Option<(f64, f64)>),
    lines: Vec<Line>,
    refs: Vec<(f64, String)>,
    legend: Legend,
) -> LineChart {
    LineChart {
        title,
        x_label: log.seen(),
        y_label,
        x_log: true,
        y_log: y.0,
        y_range: y.1,
        lines,
        refs,
        legend,
    }
}

/// Held-out loss (thick) and training loss (thin), with the constant predictor's line.
fn loss_chart(log: &TrainingLog, title: String, mut legend: Legend) -> LineChart {
    let mut lines = over_sequences(log, |p| Some(p.test_loss), LineStyle::Solid);
    lines.extend(over_sequences(log, |p| p.train_loss, LineStyle::Dotted));
    legend.push(key("thick: held-out", false));
    legend.push(key("thin: training", true));
    let refs = match log.baseline {
        Some(b) => {
            legend.push(ref_entry("dashed: constant predictor".into()));
            vec![(b, String::new())]
        }
        None => Vec::new(),
    };
    let y_label = "loss (log scale)".into();
    over_training(log, title, y_label, (true, None), lines, refs, legend)
}

/// The task's success measure in %, overall (thick) and on the long-range subset (thin) when
/// the records have one, with the criterion's line.
fn success_chart(log: &TrainingLog, title: String, mut legend: Legend) -> LineChart {
    let what = if log.success_field == "test_accuracy" {
        "held-out accuracy"
    } else {
        "held-out sequences solved"
    };
    let mut lines = over_sequences(log, |p| Some(100.0 * p.success), LineStyle::Solid);
    let long = over_sequences(log, |p| p.long_range.map(|v| 100.0 * v), LineStyle::Dotted);
    if long.iter().any(|l| !l.points.is_empty()) {
        legend.push(key("thick: all", false));
        legend.push(key("thin: long-range", true));
        lines.extend(long);
    }
    let refs = criterion_ref(log, &mut legend);
    let y = (false, Some((0.0, 100.0)));
    over_training(log, title, format!("{what} (%)"), y, lines, refs, legend)
}

/// ‖∂L/∂h_t‖ by lag on the probe batch: the latest record (thick) and the first (thin).
fn flow_chart(log: &TrainingLog, title: String, mut legend: Legend) -> LineChart {
    let curve = |p: &Point| {
        p.grad_by_lag
            .iter()
            .enumerate()
            .map(|(k, &g)| (k as f64, g))
            .collect()
    };
    let line = |color, thin, points| Line {
        color,
        style: LineStyle::Solid,
        marks: false,
        thin,
        marker: None,
        points,
    };
    let mut lines = Vec::new();
    for r in &log.runs {
        let color = super::cell_color(r.cell);
        if let (Some(first), Some(last)) = (r.points.first(), r.points.last()) {
            if r.points.len() > 1 {
                lines.push(line(color, true, curve(first)));
            }
            lines.push(line(color, false, curve(last)));
        }
    }
    legend.push(key("thick: now", false));
    legend.push(key("thin: at the start", true));
    LineChart {
        title,
        x_label: "lag k: steps back from the end".into(),
        y_label: "‖∂L/∂h_t‖ (log scale)".into(),
        x_log: false,
        y_log: true,
        y_range: None,
        lines,
        refs: Vec::new(),
        legend,
    }
}

/// ρ(W_hh) (thick) and σ_max(W_hh) (thin) over training, with the line at 1.
fn spectrum_chart(log: &TrainingLog, title: String, mut legend: Legend) -> LineChart {
    let mut lines = over_sequences(log, |p| Some(p.rho), LineStyle::Solid);
    lines.extend(over_sequences(log, |p| Some(p.sigma), LineStyle::Dashed));
    legend.push(key("thick: ρ(W_hh)", false));
    legend.push(key("thin: σ_max(W_hh)", true));
    let refs = vec![(1.0, "1".to_string())];
    over_training(
        log,
        title,
        "ρ and σ_max".into(),
        (false, None),
        lines,
        refs,
        legend,
    )
}

/// The share of iterations clipped in each evaluation period, as marks.
fn clipping_chart(log: &TrainingLog, title: String, mut legend: Legend) -> LineChart {
    let clipped = |points: &[Point]| {
        let mut prev = 0.0;
        points
            .iter()
            .filter_map(|p| {
                let n = p.iteration - prev;
                prev = p.iteration;
                (n > 0.0).then(|| (p.sequences, 100.0 * p.clip_count / n))
            })
            .collect()
    };
    let lines = log
        .runs
        .iter()
        .map(|r| Line {
            color: super::cell_color(r.cell),
            style: LineStyle::Solid,
            marks: true,
            thin: false,
            marker: None,
            points: clipped(&r.points),
        })
        .collect();
    for e in &mut legend {
        e.3 = Mark::Dot;
    }
    let y = (false, Some((0.0, 100.0)));
    let y_label = "iterations clipped (%)".into();
    over_training(log, title, y_label, y, lines, Vec::new(), legend)
}

/// A data range on one axis: `(lo, hi)` in drawn units (log10 for a log axis).
fn range(values: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        if !v.is_finite() || (log && v <= 0.0) {
            continue;
        }
        let v = if log { v.log10() } else { v };
        lo = lo.min(v);
        hi = hi.max(v);
    }
    lo.is_finite().then_some((lo, hi))
}

fn ticks(lo: f64, hi: f64, log: bool) -> Vec<(f64, String)> {
    if log {
        let (a, b) = (lo.ceil() as i32, hi.floor() as i32);
        let step = ((b - a) / 6 + 1).max(1);
        (a..=b)
            .filter(|e| (e - a) % step == 0)
            .map(|e| (e as f64, pow10_label(e)))
            .collect()
    } else {
        frame::fmt_ticks(&frame::nice_ticks(lo, hi, 6, 0.0))
    }
}

/// Where a chart's parts go on one area: the frame is drawn from it once per key.
#[derive(Clone, Debug)]
pub struct Layout {
    th: frame::Theme,
    ax: Axes,
    xt: Vec<(f64, String)>,
    yt: Vec<(f64, String)>,
    ytw: i32,
    entries: Vec<Entry>,
    legend: frame::LegendPlace,
    size: (u32, u32),
}

impl Layout {
    /// Equal keys draw the same frame.
    pub fn key(&self, c: &LineChart) -> u64 {
        let a = &self.ax;
        frame::key(&(
            self.size,
            (a.x0, a.y0, a.x1, a.y1),
            (
                a.xr.0.to_bits(),
                a.xr.1.to_bits(),
                a.yr.0.to_bits(),
                a.yr.1.to_bits(),
            ),
            &self.xt,
            &self.yt,
            &c.title,
            &c.x_label,
            &c.y_label,
            &c.legend,
            c.refs
                .iter()
                .map(|r| (r.0.to_bits(), &r.1))
                .collect::<Vec<_>>(),
            self.th.s.to_bits(),
        ))
    }

    /// The plot rectangle.
    pub fn rect(&self) -> PixelRect {
        self.ax.rect()
    }
}

/// The y range in drawn units; a linear range is widened to round ticks so it changes seldom
/// while a run goes on (and the cached frame with it).
/// The most decades a log y axis spans: a vanished gradient (a plain RNN's can reach 10⁻⁷⁶)
/// would otherwise squash every other curve against the top; values further down are drawn on
/// the bottom edge.
pub const MAX_DECADES: f64 = 16.0;

fn y_range(c: &LineChart) -> (f64, f64) {
    let tr = |v: f64| if c.y_log { v.log10() } else { v };
    if let Some((a, b)) = c.y_range {
        return (tr(a), tr(b));
    }
    let refs = c.refs.iter().map(|r| r.0);
    let all = c.lines.iter().flat_map(|l| l.points.iter()).map(|p| p.1);
    let r = range(all.chain(refs), c.y_log).unwrap_or((0.0, 1.0));
    if c.y_log {
        let top = r.1.ceil().max(r.0.floor() + 1.0);
        (r.0.floor().max(top - MAX_DECADES), top)
    } else {
        let span = (r.1 - r.0).max(0.1);
        let step = 10f64.powf((span / 2.0).log10().floor()) / 2.0;
        (
            (r.0 / step).floor() * step - step,
            (r.1 / step).ceil() * step + step,
        )
    }
}

/// Lays the chart out on `area`: ranges, ticks, the plot and the legend; draws nothing.
pub fn layout<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &LineChart) -> Layout {
    let (th, w, h, top) = frame::measure(area, &c.title);
    let all = c.lines.iter().flat_map(|l| l.points.iter());
    // x: sequences 0 (the start) is drawn at the left edge of a log axis.
    let xr = range(all.map(|p| p.0), c.x_log).unwrap_or((0.0, 1.0));
    let xr = if c.x_log {
        (xr.0.floor(), xr.1.ceil().max(xr.0.floor() + 1.0))
    } else {
        (xr.0.min(0.0), xr.1.max(xr.0 + 1.0))
    };
    let yr = y_range(c);
    let xt = ticks(xr.0, xr.1, c.x_log);
    let yt = ticks(yr.0, yr.1, c.y_log);
    let ytw = tick_label_width(area, &th, &yt);
    let x0 = left_margin(&th, ytw, !c.y_label.is_empty());
    let entries: Vec<Entry> = c
        .legend
        .iter()
        .map(|(l, col, st, marks)| {
            Entry::new(
                l.clone(),
                rgb(*col),
                match marks {
                    Mark::Dot => Swatch::Dot,
                    Mark::Line => Swatch::Line(*st),
                    Mark::Thin => Swatch::Thin(*st),
                    Mark::Marker(m) => Swatch::Marked(*st, *m),
                },
            )
        })
        .collect();
    let bottom = bottom_margin(&th, !c.x_label.is_empty());
    let plot = |right: i32, below: i32| (w - th.pad - right - x0, h - bottom - below - top);
    let legend = place_legend(area, &th, &entries, h / 2, 2.0, plot);
    let right = legend.right_room(&th);
    let ax = Axes {
        x0,
        y0: top,
        x1: w - th.pad - right,
        y1: h - bottom - legend.below_room(&th),
        xr,
        yr,
    };
    Layout {
        th,
        ax,
        xt,
        yt,
        ytw,
        entries,
        legend,
        size: area.dim_in_pixel(),
    }
}

/// Draws one layer of the chart as `l` places it: the frame (background, title, grid, ticks,
/// axis titles, reference lines, legend) or the data (lines and marks).
///
/// # Errors
/// When the backend fails.
pub fn draw_layer<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &LineChart,
    l: &Layout,
    layer: super::Layer,
) -> Result<PixelRect, ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    let (xr, yr) = (ax.xr, ax.yr);
    let tr = |v: f64, log: bool| if log { v.log10() } else { v };
    let at = |(x, y): (f64, f64)| -> Option<(i32, i32)> {
        let xv = if c.x_log {
            if x <= 0.0 {
                xr.0
            } else {
                x.log10()
            }
        } else {
            x
        };
        if !y.is_finite() || (c.y_log && y <= 0.0) {
            return None;
        }
        let yv = tr(y, c.y_log).clamp(yr.0.min(yr.1), yr.0.max(yr.1));
        Some(ax.p(xv, yv))
    };
    let right_x = ax.x1 + th.px(16.0);
    if layer == super::Layer::Frame {
        frame::begin(area, th, &c.title)?;
        ax.background(area)?;
        ax.x_ticks(area, th, &l.xt, true)?;
        ax.y_ticks(area, th, &l.yt, true)?;
        ax.frame(area, th)?;
        ax.labels(area, th, &c.x_label, &c.y_label, l.ytw)?;
        for (y, label) in &c.refs {
            if let Some((_, py)) = at((1.0, *y)) {
                polyline(
                    area,
                    th,
                    vec![(ax.x0, py), (ax.x1, py)],
                    LineStyle::Dashed,
                    rgb(GREY).stroke_width(th.line(1.5)),
                )?;
                if label.is_empty() {
                    continue; // named in the legend
                }
                text(
                    area,
                    label,
                    (ax.x1 - th.px(4.0), py - th.px(3.0)),
                    &style(th.tick * 0.9, &MUTED, false),
                    HPos::Right,
                    VPos::Bottom,
                )?;
            }
        }
        l.legend
            .draw(area, th, &l.entries, ax, right_x, super::Layer::Frame)?;
        return Ok(ax.rect());
    }
    for line in &c.lines {
        let pts: Vec<(i32, i32)> = line.points.iter().filter_map(|&p| at(p)).collect();
        let color = rgb(line.color);
        let width = if line.thin { THIN } else { THICK };
        if line.marks {
            for &p in &pts {
                area.draw(&Circle::new(p, th.px(3.5), color.filled()))
                    .map_err(frame::err)?;
            }
        } else if pts.len() == 1 && line.marker.is_none() {
            area.draw(&Circle::new(pts[0], th.px(3.0), color.filled()))
                .map_err(frame::err)?;
        } else if pts.len() > 1 {
            polyline(
                area,
                th,
                pts.clone(),
                line.style,
                color.stroke_width(th.line(width)),
            )?;
        }
        if let Some(m) = line.marker {
            for &p in &pts {
                frame::marker(area, th, p, m, color, 1.0)?;
            }
        }
    }
    if c.lines.iter().all(|l| l.points.is_empty()) {
        text(
            area,
            "no records yet",
            ((ax.x0 + ax.x1) / 2, (ax.y0 + ax.y1) / 2),
            &style(th.label, &INK, false),
            HPos::Center,
            VPos::Center,
        )?;
    }
    l.legend
        .draw(area, th, &l.entries, ax, right_x, super::Layer::Data)?;
    Ok(ax.rect())
}

/// Draws the chart filling `area`: its frame, then its data; returns the plot rectangle.
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &LineChart,
) -> Result<PixelRect, ChartError> {
    let l = layout(area, c);
    draw_layer(area, c, &l, super::Layer::Frame)?;
    draw_layer(area, c, &l, super::Layer::Data)
}

/// The chart as SVG text.
///
/// # Errors
/// When drawing fails.
pub fn svg(c: &LineChart, width: u32, height: u32) -> Result<String, ChartError> {
    use plotters::prelude::{IntoDrawingArea, SVGBackend};
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw(&area, c)?;
        area.present().map_err(|e| ChartError(format!("{e:?}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> TrainingLog {
        let rec = |it: u64, loss: f64, solved: f64| {
            format!(
                r#"{{"iteration":{it},"sequences":{},"seconds":0.1,"train_loss":{},"test_loss":{loss},"test_solved":{solved},"grad_norm":1.0,"clipped":true,"clip_count":{},"w_hh":[{{"layer":0,"direction":0,"block":"h","spectral_radius":0.9,"max_singular_value":1.2}}],"grad_by_lag":[1.0,0.5,0.25]}}"#,
                it * 32,
                if it == 0 {
                    "null".to_string()
                } else {
                    format!("{loss}")
                },
                it / 2
            )
        };
        let points = (0..5)
            .map(|i| Point::from_json(&rec(i * 10, 0.05 / (i + 1) as f64, 0.2 * i as f64)).unwrap())
            .collect();
        TrainingLog {
            runs: vec![Run {
                cell: CellKind::Lstm,
                label: "LSTM".into(),
                points,
            }],
            baseline: Some(0.0392),
            criterion: 0.95,
            success_field: "test_solved".into(),
            sweep: vec![(CellKind::Lstm, vec![(10.0, 1.0), (20.0, 0.5)])],
            items: String::new(),
        }
    }

    #[test]
    fn records_read_back_from_their_json_lines() {
        let l = log();
        let p = &l.runs[0].points[1];
        assert_eq!((p.sequences, p.iteration, p.clip_count), (320.0, 10.0, 5.0));
        assert_eq!((p.rho, p.sigma), (0.9, 1.2));
        assert_eq!(l.runs[0].points[0].train_loss, None);
    }

    #[test]
    fn every_chart_draws_to_svg_with_its_reference_lines() {
        let l = log();
        for name in NAMES {
            let c = build(name, &l, true).unwrap();
            let s = svg(&c, 640, 360).unwrap();
            assert!(s.contains("<svg"), "{name}");
        }
        let s = svg(&build("train-loss", &l, true).unwrap(), 640, 360).unwrap();
        assert!(s.contains("constant predictor"));
        let s = svg(&build("train-success", &l, true).unwrap(), 640, 360).unwrap();
        assert!(s.contains("criterion 95\u{a0}%"));
        assert!(
            !s.contains("long-range"),
            "no long-range line without the field"
        );
        let mut l2 = log();
        for p in &mut l2.runs[0].points {
            p.long_range = Some(0.5);
        }
        let c = build("train-success", &l2, true).unwrap();
        assert_eq!(c.lines.len(), 2, "all and long-range");
        assert!(c.legend.iter().any(|e| e.0 == "thin: long-range"));
        assert!(build("nope", &l, true).is_err());
    }

    #[test]
    fn reference_lines_are_named_in_the_legend_not_on_the_curves() {
        let l = log();
        let loss = build("train-loss", &l, true).unwrap();
        assert_eq!(loss.refs, vec![(0.0392, String::new())]);
        let last = loss.legend.last().unwrap();
        assert_eq!(
            (last.0.as_str(), last.2),
            ("dashed: constant predictor", LineStyle::Dashed)
        );
        let success = build("train-success", &l, true).unwrap();
        assert!(success
            .legend
            .iter()
            .any(|e| e.0 == "dashed: criterion 95\u{a0}%"));
    }

    /// The legend's "thick" and "thin" keys are drawn at the two weights they name (each swatch
    /// is the polyline drawn just before its label).
    #[test]
    fn thick_and_thin_keys_look_like_their_lines() {
        let s = svg(&build("train-loss", &log(), true).unwrap(), 1280, 720).unwrap();
        let swatch = |label: &str| -> f64 {
            let at = s.find(label).unwrap_or_else(|| panic!("{label}"));
            let line = &s[s[..at].rfind("<polyline").unwrap()..at];
            let w = line.split("stroke-width=\"").nth(1).unwrap();
            w.split('"').next().unwrap().parse().unwrap()
        };
        let (thick, thin) = (swatch("thick: held-out"), swatch("thin: training"));
        assert!(thin < thick, "thin {thin}, thick {thick}");
    }

    /// The x axis names the problem's own examples: sentences for the classifier.
    #[test]
    fn the_x_axis_says_what_was_seen() {
        let mut l = log();
        assert_eq!(
            build("train-loss", &l, false).unwrap().x_label,
            "training sequences seen (log scale)"
        );
        l.items = crate::train::trainer::problem::TEXT_ITEMS.into();
        for name in [
            "train-loss",
            "train-success",
            "train-spectrum",
            "train-clipping",
        ] {
            let c = build(name, &l, false).unwrap();
            assert_eq!(c.x_label, "training sentences seen (log scale)", "{name}");
        }
    }

    #[test]
    fn no_criterion_is_drawn_before_one_is_known() {
        let l = TrainingLog {
            criterion: f64::NAN,
            ..TrainingLog::default()
        };
        for name in ["train-success", "train-sweep"] {
            let c = build(name, &l, true).unwrap();
            assert!(c.refs.is_empty(), "{name}");
            let s = svg(&c, 640, 360).unwrap();
            assert!(!s.contains("criterion"), "{name}: no \"criterion 0 %\"");
        }
    }

    #[test]
    fn sweep_curves_that_coincide_keep_their_own_marks() {
        let mut l = log();
        l.sweep = vec![
            (CellKind::Lstm, vec![(10.0, 1.0), (20.0, 1.0)]),
            (CellKind::Gru, vec![(10.0, 1.0), (20.0, 1.0)]),
        ];
        let c = build("train-sweep", &l, true).unwrap();
        let marks: Vec<_> = c.lines.iter().map(|l| (l.style, l.marker)).collect();
        assert_eq!(
            marks,
            vec![
                (LineStyle::Solid, Some(Marker::Dot)),
                (LineStyle::Dashed, Some(Marker::Ring))
            ]
        );
        assert_eq!(c.legend[1].3, Mark::Marker(Marker::Ring));
        assert!(svg(&c, 640, 360).unwrap().contains("<circle"));
    }

    #[test]
    fn a_vanished_gradient_does_not_squash_the_others() {
        let mut l = log();
        let mut plain = l.runs[0].clone();
        plain.cell = CellKind::RnnTanh;
        for p in &mut plain.points {
            p.grad_by_lag = vec![1.0, 1e-40, 1e-76];
        }
        l.runs.push(plain);
        let c = build("train-flow", &l, true).unwrap();
        let (lo, hi) = y_range(&c);
        assert_eq!(hi, 0.0, "the top decade holds lag 0");
        assert_eq!(lo, -MAX_DECADES, "not -76: the gated curve keeps its room");
    }
}
