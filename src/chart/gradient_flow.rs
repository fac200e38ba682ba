//! Gradient flow: norms against the lag `k` (steps back from the end of the sequence) on a
//! log-scale y axis, so exponential decay or growth is a straight line and its slope is
//! `log10` of the per-step factor.
//!
//! - Each series has a [`LineStyle`]: measurements solid or dotted, theory curves (`ρ^k`,
//!   `(γ σ_max)^k`) dashed, drawn on top of the measurements, thinner, in a darker shade of their
//!   colour with a white halo, so a theory curve that coincides with its measurement stays
//!   visible. The y range covers the measured values' decades, widened by at most 3 decades for
//!   the theory curves, which are clipped to it; fewer decade labels when the plot is short.
//! - The legend is [`GradientFlowChart::legend`]: by default one entry per series; the registry
//!   gives one per cell (its colour) plus one per line style, so no two entries differ by
//!   shade alone.
//! - Values ≤ 0 cannot be drawn on a log axis: they break the line (e.g. a gradient that
//!   underflowed to exactly 0).
//! - inf/NaN: the line stops at the first non-finite value and a red triangle at the top edge
//!   with the text `overflow at k=…` marks where (an exploding network is a result, not an
//!   error).
//!
//! Drawn in two layers ([`Layer`]): the frame (background, x axis, titles, legend; [`layout`]
//! says where and [`Layout::key`] when it changes) and the data (the y axis, whose decades follow
//! the values, the lines, overflow markers).

pub use super::frame::LineStyle;
use super::frame::{self, err, Area, Axes, Entry, Layer, Swatch, ALERT, MUTED};
use super::{ChartError, PixelRect};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One line of the chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Its name (in the default legend, and in overflow markers).
    pub label: String,
    /// Line colour (see [`super::cell_color`], [`super::series_color`]).
    pub color: [u8; 3],
    /// Values indexed by lag `k = 0, 1, …`.
    pub values: Vec<f64>,
    /// Solid or dotted: a measurement; dashed: a theory curve (drawn on top, does not stretch
    /// the y range by more than 3 decades, gets no overflow marker).
    pub style: LineStyle,
}

impl Series {
    /// A theory curve (dashed).
    pub fn is_theory(&self) -> bool {
        self.style == LineStyle::Dashed
    }
}

/// What a legend entry's swatch shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A block of colour (e.g. a cell's).
    Colour,
    /// A short line in this style.
    Line(LineStyle),
}

/// One legend entry.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendItem {
    /// Its text.
    pub label: String,
    /// Its colour.
    pub color: [u8; 3],
    /// Its swatch.
    pub key: Key,
}

/// A log-scale gradient-flow chart.
#[derive(Clone, Debug)]
pub struct GradientFlowChart {
    /// Title above the chart.
    pub title: String,
    /// y-axis title, e.g. `"norm"`.
    pub y_label: String,
    /// x-axis title (default `"lag k (steps back from the end)"`).
    pub x_label: String,
    /// The lines (drawn solid, then dotted, then dashed).
    pub series: Vec<Series>,
    /// The legend, in order.
    pub legend: Vec<LegendItem>,
}

impl GradientFlowChart {
    /// A chart with the default x-axis title and one legend entry per series.
    pub fn new(title: impl Into<String>, y_label: impl Into<String>, series: Vec<Series>) -> Self {
        let legend = series
            .iter()
            .map(|s| LegendItem {
                label: s.label.clone(),
                color: s.color,
                key: Key::Line(s.style),
            })
            .collect();
        GradientFlowChart {
            title: title.into(),
            y_label: y_label.into(),
            x_label: "lag k (steps back from the end)".into(),
            series,
            legend,
        }
    }
}

/// Index of the first inf/NaN, if any.
pub fn first_nonfinite(values: &[f64]) -> Option<usize> {
    values.iter().position(|v| !v.is_finite())
}

fn decades<'a>(series: impl Iterator<Item = &'a Series>) -> Option<(i32, i32)> {
    let mut out: Option<(i32, i32)> = None;
    for s in series {
        let end = first_nonfinite(&s.values).unwrap_or(s.values.len());
        for &v in &s.values[..end] {
            if v > 0.0 {
                let l = v.log10();
                let (a, b) = (l.floor() as i32, l.ceil() as i32);
                out = Some(match out {
                    None => (a, b),
                    Some((lo, hi)) => (lo.min(a), hi.max(b)),
                });
            }
        }
    }
    out
}

/// The y axis' decade range `(lo, hi)`: the chart spans `10^lo ..= 10^hi`. From the finite
/// positive values before each series' first inf/NaN: the measured series' decades, widened by
/// at most 3 decades each way for the theory curves (all of them when no measurement has
/// data), and at least one decade each side of a single value. `None` when nothing is drawable.
pub fn decade_range(series: &[Series]) -> Option<(i32, i32)> {
    let measured = decades(series.iter().filter(|s| !s.is_theory()));
    let theory = decades(series.iter().filter(|s| s.is_theory()));
    let (lo, hi) = match (measured, theory) {
        (Some((a, b)), Some((c, d))) => (a.min(c.max(a - 3)), b.max(d.min(b + 3))),
        (Some(m), None) => m,
        (None, Some(t)) => t,
        (None, None) => return None,
    };
    Some(if lo == hi { (lo - 1, hi + 1) } else { (lo, hi) })
}

/// Decade tick step: 1, 2, 5, 10, 20, 50, … so that at most `max` intervals show.
fn decade_step(span: i32, max: i32) -> i32 {
    let max = max.max(1);
    let mut m = [1, 2, 5].iter().cycle();
    let mut mag = 1;
    loop {
        let k = *m.next().unwrap_or(&1);
        let step = k * mag;
        if k == 5 {
            mag *= 10;
        }
        if span <= max * step {
            return step;
        }
    }
}

/// The decade ticks `lo..=hi` every `step` decades, the range widened to multiples of `step`.
fn decade_ticks(lo: i32, hi: i32, step: i32) -> (i32, i32, Vec<(f64, String)>) {
    let lo = lo.div_euclid(step) * step;
    let hi = -((-hi).div_euclid(step) * step);
    let ticks = (lo..=hi)
        .step_by(step as usize)
        .map(|e| (e as f64, frame::pow10_label(e)))
        .collect();
    (lo, hi, ticks)
}

/// Where everything goes: the plot rectangle, the ticks, the legend. Built by [`layout`]; the
/// frame is drawn from it alone.
#[derive(Clone, Debug)]
pub struct Layout {
    th: frame::Theme,
    size: (i32, i32),
    title: String,
    x_label: String,
    y_label: String,
    ax: Axes,
    place: frame::LegendPlace,
    entries: Vec<Entry>,
    xticks: Vec<(f64, String)>,
    yticks: Vec<(f64, String)>,
    ytw: i32,
    /// Minor gridlines at 2..9 × 10^e (few decades only).
    minor: bool,
    /// Nothing to draw.
    empty: bool,
}

impl Layout {
    /// Equal keys draw the same frame.
    pub fn key(&self) -> u64 {
        // Everything the frame is drawn from: not the y range and its ticks (drawn with the data).
        let l = self;
        let ax = (l.ax.x0, l.ax.y0, l.ax.x1, l.ax.y1, l.ax.xr);
        frame::key(&(
            l.size, l.th, &l.title, &l.x_label, &l.y_label, ax, &l.place, &l.entries, &l.xticks,
            l.ytw, l.empty,
        ))
    }

    /// The plot rectangle.
    pub fn rect(&self) -> PixelRect {
        self.ax.rect()
    }
}

/// The legend's entries; in rows, the line styles start a row after the colours.
fn entries(chart: &GradientFlowChart) -> Vec<Entry> {
    let mut prev = None;
    chart
        .legend
        .iter()
        .map(|l| {
            let swatch = match l.key {
                Key::Colour => Swatch::Bar,
                Key::Line(s) => Swatch::Line(s),
            };
            let newline = matches!((prev, l.key), (Some(Key::Colour), Key::Line(_)));
            prev = Some(l.key);
            Entry {
                newline,
                ..Entry::new(l.label.clone(), frame::rgb(l.color), swatch)
            }
        })
        .collect()
}

/// Lays `chart` out on `area` (measures the labels; draws nothing).
pub fn layout<DB: DrawingBackend>(area: &Area<DB>, chart: &GradientFlowChart) -> Layout {
    let (th, w, h, top) = frame::measure(area, &chart.title);
    let range = decade_range(&chart.series);
    let (lo0, hi0) = range.unwrap_or((-1, 1));
    let n = chart
        .series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0);
    let xmax = n.saturating_sub(1).max(1) as f64;
    let left_of = |ytw: i32| frame::left_margin(&th, ytw, !chart.y_label.is_empty());
    let bottom = frame::bottom_margin(&th, !chart.x_label.is_empty());
    // The legend goes outside the plot, never over the lines: one column on the right when
    // that leaves the better plot, otherwise in columns under the axis title.
    let entries = entries(chart);
    let right_of = |room: i32| {
        if room > 0 {
            room + th.pad
        } else {
            th.pad + th.px(12.0)
        }
    };
    let place_for = |left: i32| {
        frame::place_legend(area, &th, &entries, h - top - bottom, 1.8, |rr, br| {
            (w - left - right_of(rr), h - top - bottom - br)
        })
    };
    // At most 8 decade intervals, and no more than the plot's height holds without the labels
    // touching (a phone's short chart shows every second or fifth decade).
    // The tick labels' width, at least that of a two-digit exponent (`10⁻⁸⁸`), so the plot does
    // not shift (and the frame stays as it is) while the range moves by a few decades.
    let reserve = frame::tick_label_width(area, &th, &[(0.0, frame::pow10_label(-88))]);
    let label_w = |ticks: &[(f64, String)]| frame::tick_label_width(area, &th, ticks).max(reserve);
    let (mut lo, mut hi, mut yticks) = decade_ticks(lo0, hi0, decade_step(hi0 - lo0, 8));
    let mut ytw = label_w(&yticks);
    let mut place = place_for(left_of(ytw));
    let plot_h = |place: &frame::LegendPlace| h - bottom - place.below_room(&th) - top;
    let fit = ((plot_h(&place) as f64 / (th.tick * 1.6)).floor() as i32).clamp(1, 8);
    if (hi - lo) / decade_step(hi0 - lo0, 8) > fit {
        (lo, hi, yticks) = decade_ticks(lo0, hi0, decade_step(hi0 - lo0, fit));
        ytw = label_w(&yticks);
        place = place_for(left_of(ytw));
    }
    let step = if yticks.len() > 1 {
        (yticks[1].0 - yticks[0].0) as i32
    } else {
        1
    };
    let left = left_of(ytw);
    let ax = Axes {
        x0: left,
        y0: top,
        x1: (w - right_of(place.right_room(&th))).max(left + 10),
        y1: (h - bottom - place.below_room(&th)).max(top + 10),
        xr: (0.0, xmax),
        yr: (lo as f64, hi as f64),
    };
    // x ticks: at most 8, fewer when the labels would crowd a narrow plot.
    let widest = frame::text_width(
        area,
        &format!("{}", xmax as usize),
        &frame::style(th.tick, &MUTED, false),
    );
    let max_x = (((ax.x1 - ax.x0) / (2 * widest + th.px(8.0)).max(1)) as usize).clamp(2, 8);
    let xticks = frame::fmt_ticks(&frame::nice_ticks(0.0, xmax, max_x, 1.0));
    Layout {
        th,
        size: (w, h),
        title: chart.title.clone(),
        x_label: chart.x_label.clone(),
        y_label: chart.y_label.clone(),
        ax,
        place,
        entries,
        xticks,
        yticks,
        ytw,
        minor: step == 1 && hi - lo <= 5,
        empty: range.is_none(),
    }
}

/// Draws one layer of `chart` as laid out by [`layout`].
///
/// # Errors
/// When the backend fails.
pub fn draw_layer<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &GradientFlowChart,
    l: &Layout,
    layer: Layer,
) -> Result<(), ChartError> {
    match layer {
        Layer::Frame => draw_frame(area, l),
        Layer::Data => draw_data(area, chart, l),
    }
}

fn draw_frame<DB: DrawingBackend>(area: &Area<DB>, l: &Layout) -> Result<(), ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    frame::begin(area, th, &l.title)?;
    ax.background(area)?;
    ax.x_ticks(area, th, &l.xticks, true)?;
    if l.empty {
        frame::text(
            area,
            "no finite positive values to draw",
            ((ax.x0 + ax.x1) / 2, (ax.y0 + ax.y1) / 2),
            &frame::style(th.label, &MUTED, false),
            HPos::Center,
            VPos::Center,
        )?;
    }
    ax.frame(area, th)?;
    ax.labels(area, th, &l.x_label, &l.y_label, l.ytw)?;
    l.place
        .draw(area, th, &l.entries, ax, ax.x1 + th.px(16.0), Layer::Frame)
}

/// The y axis: decade gridlines (and minor ones at 2..9 × 10^e for a few decades), tick marks
/// and labels. Drawn with the data: the decades change with the values on most steps of a
/// slider, and drawing a few labels costs less than drawing the whole frame again. The
/// gridlines stop a pixel short of the plot's frame, which the frame layer drew.
fn draw_y_axis<DB: DrawingBackend>(area: &Area<DB>, l: &Layout) -> Result<(), ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    let inset = th.line(1.0) as i32;
    let (x0, x1) = (ax.x0 + inset, ax.x1 - inset);
    if l.minor {
        let (lo, hi) = (ax.yr.0 as i32, ax.yr.1 as i32);
        for e in lo..hi {
            for m in 2..10 {
                let y = ax.fy(e as f64 + (m as f64).log10()).round() as i32;
                area.draw(&PathElement::new(
                    vec![(x0, y), (x1, y)],
                    RGBColor(243, 243, 243).stroke_width(th.line(1.0)),
                ))
                .map_err(err)?;
            }
        }
    }
    for (v, _) in &l.yticks {
        let y = ax.fy(*v).round() as i32;
        if y > ax.y0 && y < ax.y1 {
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                frame::GRID.stroke_width(th.line(1.0)),
            ))
            .map_err(err)?;
        }
    }
    ax.y_ticks(area, th, &l.yticks, false)
}

/// A theory curve's ink: the colour at 55 %, so it reads dark over its own measurement.
fn darker(c: [u8; 3]) -> RGBColor {
    let d = |v: u8| (v as f64 * 0.55).round() as u8;
    RGBColor(d(c[0]), d(c[1]), d(c[2]))
}

fn draw_data<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &GradientFlowChart,
    l: &Layout,
) -> Result<(), ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    draw_y_axis(area, l)?;
    // Solid, then dotted, then the theory curves on top.
    for line in [LineStyle::Solid, LineStyle::Dotted, LineStyle::Dashed] {
        for s in chart.series.iter().filter(|s| s.style == line) {
            let color = frame::rgb(s.color);
            for seg in segments(ax, s) {
                if seg.len() == 1 {
                    if line != LineStyle::Dashed {
                        area.draw(&Circle::new(seg[0], th.px(2.5), color.filled()))
                            .map_err(err)?;
                    }
                } else if line == LineStyle::Dashed {
                    let halo = frame::BACKGROUND.stroke_width(th.line(2.0) + th.line(2.5));
                    frame::polyline(area, th, seg.clone(), line, halo)?;
                    let ink = darker(s.color).stroke_width(th.line(2.0));
                    frame::polyline(area, th, seg, line, ink)?;
                } else {
                    let st = color.stroke_width(th.line(2.5));
                    frame::polyline(area, th, seg, line, st)?;
                }
            }
        }
    }

    // Overflow markers: one per lag where a measured series first holds inf/NaN (a theory
    // curve that leaves f64 just stops).
    let mut overflows: Vec<(usize, Vec<&str>)> = Vec::new();
    for s in chart.series.iter().filter(|s| !s.is_theory()) {
        if let Some(k) = first_nonfinite(&s.values) {
            match overflows.iter_mut().find(|o| o.0 == k) {
                Some(o) => o.1.push(&s.label),
                None => overflows.push((k, vec![&s.label])),
            }
        }
    }
    overflows.sort_by_key(|o| o.0);
    let alert_st = frame::style(th.tick, &ALERT, true);
    let markers: Vec<(Vec<String>, i32)> = overflows
        .iter()
        .map(|(k, names)| {
            let x = ax.fx(*k as f64).round() as i32;
            let room = (x - ax.x0).max(ax.x1 - x) - th.px(8.0);
            (marker_forms(*k, names, overflows.len() > 1), room)
        })
        .collect();
    let level = marker_level(area, &markers, &alert_st);
    for (i, ((k, _), (forms, room))) in overflows.iter().zip(&markers).enumerate() {
        let x = ax.fx(*k as f64).round() as i32;
        area.draw(&DashedPathElement::new(
            vec![(x, ax.y0), (x, ax.y1)],
            th.px(4.0),
            th.px(4.0),
            ALERT.mix(0.6).stroke_width(th.line(1.0)),
        ))
        .map_err(err)?;
        let t = th.px(8.0);
        area.draw(&Polygon::new(
            vec![
                (x - t, ax.y0 + t + th.px(4.0)),
                (x + t, ax.y0 + t + th.px(4.0)),
                (x, ax.y0 - th.px(2.0)),
            ],
            ALERT.filled(),
        ))
        .map_err(err)?;
        let label = forms[level.min(forms.len() - 1)].clone();
        let alert_st = frame::shrink_to(area, &label, *room, &alert_st, &ALERT, true);
        let y = ax.y0 + t + th.px(12.0) + i as i32 * (th.tick * 1.3) as i32;
        let lw = frame::text_width(area, &label, &alert_st);
        let right_of = x + th.px(6.0) + lw < ax.x1;
        let (lx, hp, bx) = if right_of {
            (x + th.px(6.0), HPos::Left, x + th.px(6.0))
        } else {
            (x - th.px(6.0), HPos::Right, x - th.px(6.0) - lw)
        };
        area.draw(&Rectangle::new(
            [
                (bx - 2, y - (th.tick * 0.6) as i32),
                (bx + lw + 2, y + (th.tick * 0.6) as i32),
            ],
            frame::BACKGROUND.mix(0.85).filled(),
        ))
        .map_err(err)?;
        frame::text(area, &label, (lx, y), &alert_st, hp, VPos::Center)?;
    }
    Ok(())
}

/// An overflow marker's words, longest first: with several markers, the series' names
/// (`RNN linear: ‖∂L/∂h_t‖: overflow at k=899`), then without the cell's name
/// (`‖∂L/∂h_t‖: …`); always last `overflow at k=899`.
fn marker_forms(k: usize, names: &[&str], named: bool) -> Vec<String> {
    let mut forms = Vec::new();
    if named {
        forms.push(format!("{}: overflow at k={k}", names.join(", ")));
        let short: Vec<&str> = names
            .iter()
            .map(|n| n.rsplit(": ").next().unwrap_or(n))
            .collect();
        forms.push(format!("{}: overflow at k={k}", short.join(", ")));
    }
    forms.push(format!("overflow at k={k}"));
    forms
}

/// Which of the markers' forms ([`marker_forms`]) every marker can use in its room (a phone's
/// chart is narrow): the longest that fits them all, so they read alike.
fn marker_level<DB: DrawingBackend>(
    area: &frame::Area<DB>,
    markers: &[(Vec<String>, i32)],
    st: &TextStyle,
) -> usize {
    markers
        .iter()
        .map(|(forms, room)| {
            let fits = forms
                .iter()
                .position(|t| frame::text_width(area, t, st) <= *room);
            fits.unwrap_or(forms.len() - 1)
        })
        .max()
        .unwrap_or(0)
}

/// The drawable pieces of one series in pixels: positive values before the first inf/NaN,
/// broken at values ≤ 0, clipped (in log space) to the y range.
fn segments(ax: &Axes, s: &Series) -> Vec<Vec<(i32, i32)>> {
    let end = first_nonfinite(&s.values).unwrap_or(s.values.len());
    let (ylo, yhi) = ax.yr;
    let mut out = Vec::new();
    let mut cur: Vec<(i32, i32)> = Vec::new();
    let mut prev: Option<(f64, f64)> = None;
    let flush = |cur: &mut Vec<(i32, i32)>, out: &mut Vec<Vec<(i32, i32)>>| {
        if !cur.is_empty() {
            out.push(std::mem::take(cur));
        }
    };
    for (k, &v) in s.values[..end].iter().enumerate() {
        if v <= 0.0 {
            flush(&mut cur, &mut out);
            prev = None;
            continue;
        }
        let p = (k as f64, v.log10());
        let inside = |y: f64| y >= ylo && y <= yhi;
        match prev {
            None => {
                if inside(p.1) {
                    cur.push(ax.p(p.0, p.1));
                }
            }
            Some(q) => {
                // Clip the segment q→p to ylo ≤ y ≤ yhi.
                let (mut t0, mut t1) = (0.0f64, 1.0f64);
                let dy = p.1 - q.1;
                for (bound, below) in [(ylo, true), (yhi, false)] {
                    if dy == 0.0 {
                        if (below && q.1 < bound) || (!below && q.1 > bound) {
                            t0 = 1.0;
                            t1 = 0.0;
                        }
                        continue;
                    }
                    let t = (bound - q.1) / dy;
                    let entering = if below { dy > 0.0 } else { dy < 0.0 };
                    if entering {
                        t0 = t0.max(t);
                    } else {
                        t1 = t1.min(t);
                    }
                }
                if t0 <= t1 {
                    let at = |t: f64| ax.p(q.0 + (p.0 - q.0) * t, q.1 + dy * t);
                    if t0 > 0.0 || cur.is_empty() {
                        flush(&mut cur, &mut out);
                        cur.push(at(t0));
                    }
                    cur.push(at(t1));
                    if t1 < 1.0 {
                        flush(&mut cur, &mut out);
                    }
                } else {
                    flush(&mut cur, &mut out);
                }
            }
        }
        prev = Some(p);
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a phone's chart two markers' words (`RNN linear: ‖∂L/∂h_t‖: overflow at k=899`) ran
    /// off the plot's left edge: they now fit the room, the cell's name going first, and every
    /// marker takes the same form.
    #[test]
    fn overflow_marker_words_fit_the_room_and_read_alike() {
        crate::chart::register_fonts();
        let mut out = String::new();
        let area = SVGBackend::with_string(&mut out, (340, 260)).into_drawing_area();
        let st = frame::style(15.0, &ALERT, true);
        let need = |t: &str| frame::text_width(&area, t, &st);
        let a = marker_forms(899, &["RNN linear: ‖∂L/∂h_t‖"], true);
        let b = marker_forms(901, &["RNN linear: ‖∂h_T/∂h_t‖₂"], true);
        assert_eq!(a[0], "RNN linear: ‖∂L/∂h_t‖: overflow at k=899");
        assert_eq!(a[1], "‖∂L/∂h_t‖: overflow at k=899");
        assert_eq!(
            marker_level(&area, &[(a.clone(), 1000), (b.clone(), 1000)], &st),
            0
        );
        // Room for a's short form but not b's: both drop to the last form.
        let room = need(&a[1]) + 1;
        assert!(need(&b[1]) > room);
        assert_eq!(
            marker_level(&area, &[(a.clone(), room), (b.clone(), room)], &st),
            2
        );
        let tight = need("overflow at k=899") - 10;
        let small = frame::shrink_to(&area, "overflow at k=899", tight, &st, &ALERT, true);
        assert!(frame::text_width(&area, "overflow at k=899", &small) <= tight + 1);
        assert_eq!(marker_forms(7, &["x"], false), vec!["overflow at k=7"]);
    }

    fn s(values: Vec<f64>, dashed: bool) -> Series {
        Series {
            label: String::new(),
            color: [0, 0, 0],
            values,
            style: if dashed {
                LineStyle::Dashed
            } else {
                LineStyle::Solid
            },
        }
    }

    #[test]
    fn decade_range_covers_measurements_and_caps_theory() {
        assert_eq!(
            decade_range(&[s(vec![1.0, 0.05, 0.002], false)]),
            Some((-3, 0))
        );
        assert_eq!(decade_range(&[s(vec![1.0, 1.0], false)]), Some((-1, 1)));
        assert_eq!(
            decade_range(&[s(vec![1.0, 0.5], false), s(vec![1.0, 1e-20], true)]),
            Some((-4, 0))
        );
        assert_eq!(decade_range(&[s(vec![0.0, -1.0, f64::NAN], false)]), None);
        assert_eq!(
            decade_range(&[s(vec![10.0, f64::INFINITY, 1e-9], false)]),
            Some((0, 2))
        );
    }

    #[test]
    fn decade_steps_keep_at_most_the_intervals_that_fit() {
        assert_eq!(decade_step(3, 8), 1);
        assert_eq!(decade_step(8, 8), 1);
        assert_eq!(decade_step(9, 8), 2);
        assert_eq!(decade_step(30, 8), 5);
        assert_eq!(decade_step(300, 8), 50);
        assert_eq!(decade_step(8, 3), 5, "a short plot: three intervals");
        assert_eq!(decade_step(8, 0), 10, "at least one interval");
    }
}
