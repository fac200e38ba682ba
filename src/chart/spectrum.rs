//! The spectrum of recurrent matrices.
//!
//! - [`draw_layer`]: eigenvalues `λ` in the complex plane, equal aspect, axes through 0, the unit
//!   circle (solid grey: inside it a linear recurrence forgets, outside it explodes), each
//!   series' spectral radius `ρ = max|λ|` as a dashed circle in its colour, and optionally one
//!   selected eigenvalue ringed and written out. One colour per series, so several cells or
//!   gate blocks can overlay.
//! - [`draw_singular_values_layer`]: `σ_1 ≥ σ_2 ≥ …` as bars (grouped when there are several series)
//!   with a dashed line at σ = 1: if `σ_max < 1` the tanh RNN's Jacobian products must vanish
//!   (`‖∂h_T/∂h_t‖ ≤ σ_max^{T−t}`, Pascanu et al. 2013).
//!
//! Both are drawn in two layers ([`Layer`]) from a layout ([`layout`], [`layout_singular_values`]):
//! the frame (axes, ticks, the unit circle, σ = 1's label, the legend's swatches) and the data
//! (points, radius circles, bars, the line σ = 1 over them, the legend's ρ values).

use super::frame::{self, err, Area, Axes, Entry, Layer, LineStyle, Swatch, AXIS, INK, MUTED};
use super::{ChartError, PixelRect};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One set of eigenvalues (one matrix).
#[derive(Clone, Debug)]
pub struct EigenSeries {
    /// Legend text (the spectral radius is appended).
    pub label: String,
    /// Point colour.
    pub color: [u8; 3],
    /// Eigenvalues as `(re, im)`; non-finite ones are skipped.
    pub points: Vec<(f64, f64)>,
}

/// Eigenvalues in the complex plane.
#[derive(Clone, Debug)]
pub struct SpectrumChart {
    /// Title above the chart.
    pub title: String,
    /// The matrices' eigenvalues.
    pub series: Vec<EigenSeries>,
    /// `(series, index)` of an eigenvalue to ring and write out.
    pub selected: Option<(usize, usize)>,
    /// Draw each series' spectral-radius circle (dashed).
    pub show_radius: bool,
}

/// One set of singular values.
#[derive(Clone, Debug)]
pub struct BarSeries {
    /// Legend text.
    pub label: String,
    /// Bar colour.
    pub color: [u8; 3],
    /// `σ_1, σ_2, …` (largest first).
    pub values: Vec<f64>,
}

/// Singular values as bars.
#[derive(Clone, Debug)]
pub struct SingularValuesChart {
    /// Title above the chart.
    pub title: String,
    /// One bar group member per series.
    pub series: Vec<BarSeries>,
}

/// `max |λ|` over the finite points (0 when there are none).
pub fn spectral_radius(points: &[(f64, f64)]) -> f64 {
    points
        .iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .fold(0.0f64, |m, p| m.max(p.0.hypot(p.1)))
}

fn fmt2(v: f64) -> String {
    format!("{v:.2}").replace('-', "−")
}

/// The half-width of the square plot: both axes run from `−lim` to `lim` (the page uses it to
/// turn a pointer position into a complex number).
pub fn plot_limit(chart: &SpectrumChart) -> f64 {
    let rmax = chart
        .series
        .iter()
        .map(|s| spectral_radius(&s.points))
        .fold(1.0f64, f64::max);
    let reach = rmax * 1.12;
    let ticks = frame::nice_ticks(-reach, reach, 6, 0.0);
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        0.5
    };
    (reach / step).ceil() * step
}

/// Where everything of a spectrum chart goes. Built by [`layout`]; the frame is drawn from it
/// alone (the legend's ρ values belong to the data).
#[derive(Clone, Debug)]
pub struct Layout {
    th: frame::Theme,
    size: (i32, i32),
    title: String,
    ax: Axes,
    ticks: Vec<(f64, String)>,
    ytw: i32,
    place: frame::LegendPlace,
    entries: Vec<Entry>,
}

impl Layout {
    /// Equal keys draw the same frame.
    pub fn key(&self) -> u64 {
        let entries: Vec<_> = self.entries.iter().map(Entry::frame_part).collect();
        let l = self;
        frame::key(&(
            l.th, l.size, &l.title, l.ax, &l.ticks, l.ytw, &l.place, entries,
        ))
    }

    /// The (square) plot rectangle.
    pub fn rect(&self) -> PixelRect {
        self.ax.rect()
    }
}

/// Lays `chart` out on `area` (measures the labels; draws nothing).
pub fn layout<DB: DrawingBackend>(area: &Area<DB>, chart: &SpectrumChart) -> Layout {
    let (th, w, h, top) = frame::measure(area, &chart.title);
    let radii: Vec<f64> = chart
        .series
        .iter()
        .map(|s| spectral_radius(&s.points))
        .collect();
    let lim = plot_limit(chart);
    let all = frame::nice_ticks(-lim, lim, 6, 0.0);
    let all_step = if all.len() > 1 { all[1] - all[0] } else { 0.5 };
    let all_ticks = frame::fmt_ticks(&all);

    let mut entries: Vec<Entry> = chart
        .series
        .iter()
        .zip(&radii)
        .map(|(s, r)| Entry {
            data: true,
            ..Entry::new(
                format!("{}  (ρ = {})", s.label, fmt2(*r)),
                frame::rgb(s.color),
                Swatch::Dot,
            )
        })
        .collect();
    entries.push(Entry::new(
        "unit circle |λ| = 1",
        AXIS,
        Swatch::Line(LineStyle::Solid),
    ));
    if chart.show_radius && !chart.series.is_empty() {
        entries.push(Entry::new(
            "spectral radius ρ",
            MUTED,
            Swatch::Line(LineStyle::Dashed),
        ));
    }

    let ytw = frame::tick_label_width(area, &th, &all_ticks);
    let left = frame::left_margin(&th, ytw, true);
    let bottom = frame::bottom_margin(&th, true);
    // The square plot's side for the room a legend takes on the right or below.
    let side_for = |rr: i32, br: i32| {
        let right = if rr > 0 { rr + th.pad } else { 2 * th.pad };
        (h - top - bottom - br).min(w - left - right).max(20)
    };
    // Beside the plot when the area is wide enough for that, otherwise under it.
    let place = frame::place_legend(area, &th, &entries, h - top - bottom, 1.0, |rr, br| {
        let side = side_for(rr, br);
        (side, side)
    });
    let (rr, br) = (place.right_room(&th), place.below_room(&th));
    let side = side_for(rr, br);
    // Centre plot (+ legend) horizontally.
    let used = left + side + rr + th.pad;
    let shift = ((w - used) / 2).max(0);
    let ax = Axes {
        x0: shift + left,
        y0: top,
        x1: shift + left + side,
        y1: top + side,
        xr: (-lim, lim),
        yr: (-lim, lim),
    };
    // Tick labels every 0.5 (or so), or every 1, 2, … when that many would touch.
    let label_w = ytw + th.px(10.0);
    let min_step = label_w as f64 * 2.0 * lim / side as f64;
    let ticks = if min_step > all_step {
        frame::fmt_ticks(&frame::nice_ticks(-lim, lim, 100, min_step))
    } else {
        all_ticks
    };
    Layout {
        th,
        size: (w, h),
        title: chart.title.clone(),
        ax,
        ticks,
        ytw,
        place,
        entries,
    }
}

/// Draws one layer of `chart` as laid out by [`layout`]: the frame (axes, ticks, the unit
/// circle, the legend's swatches) or the data (spectral-radius circles, eigenvalues, the
/// selection, the legend's ρ values).
///
/// # Errors
/// When the backend fails.
pub fn draw_layer<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &SpectrumChart,
    l: &Layout,
    layer: Layer,
) -> Result<(), ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    if layer == Layer::Frame {
        frame::begin(area, th, &l.title)?;
        ax.background(area)?;
        ax.x_ticks(area, th, &l.ticks, true)?;
        ax.y_ticks(area, th, &l.ticks, true)?;
        // Axes through 0.
        let (ox, oy) = ax.p(0.0, 0.0);
        for seg in [
            vec![(ax.x0, oy), (ax.x1, oy)],
            vec![(ox, ax.y0), (ox, ax.y1)],
        ] {
            area.draw(&PathElement::new(seg, AXIS.stroke_width(th.line(1.0))))
                .map_err(err)?;
        }
        // Unit circle.
        let unit = (ax.fx(1.0) - ax.fx(0.0)).round() as i32;
        area.draw(&Circle::new(
            (ox, oy),
            unit,
            AXIS.stroke_width(th.line(2.0)),
        ))
        .map_err(err)?;
        ax.frame(area, th)?;
        ax.labels(area, th, "Re λ", "Im λ", l.ytw)?;
        return l
            .place
            .draw(area, th, &l.entries, ax, ax.x1 + th.px(16.0), Layer::Frame);
    }
    // Spectral-radius circles.
    if chart.show_radius {
        for s in &chart.series {
            let r = spectral_radius(&s.points);
            if r <= 0.0 || !r.is_finite() {
                continue;
            }
            let pts: Vec<(i32, i32)> = (0..=160)
                .map(|i| {
                    let a = i as f64 / 160.0 * std::f64::consts::TAU;
                    ax.p(r * a.cos(), r * a.sin())
                })
                .collect();
            area.draw(&DashedPathElement::new(
                pts,
                th.px(6.0),
                th.px(5.0),
                frame::rgb(s.color).mix(0.8).stroke_width(th.line(1.5)),
            ))
            .map_err(err)?;
        }
    }
    // Eigenvalues: white halos, then the coloured dots (each colour in one go).
    let count: usize = chart.series.iter().map(|s| s.points.len()).sum();
    let r = th.px(match count {
        0..=24 => 5.0,
        25..=96 => 4.0,
        _ => 3.0,
    });
    let finite = |s: &EigenSeries| -> Vec<(f64, f64)> {
        s.points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect()
    };
    for s in &chart.series {
        for (re, im) in finite(s) {
            area.draw(&Circle::new(
                ax.p(re, im),
                r + th.px(1.5),
                frame::BACKGROUND.filled(),
            ))
            .map_err(err)?;
        }
        let c = frame::rgb(s.color);
        for (re, im) in finite(s) {
            area.draw(&Circle::new(ax.p(re, im), r, c.filled()))
                .map_err(err)?;
        }
    }
    if let Some((si, k)) = chart.selected {
        if let Some(&(re, im)) = chart.series.get(si).and_then(|s| s.points.get(k)) {
            if re.is_finite() && im.is_finite() {
                selected(area, chart, l, (re, im), r)?;
            }
        }
    }
    l.place
        .draw(area, th, &l.entries, ax, ax.x1 + th.px(16.0), Layer::Data)
}

/// Rings the selected eigenvalue and writes it out in the plot corner where its box hides the
/// fewest eigenvalues.
fn selected<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &SpectrumChart,
    l: &Layout,
    (re, im): (f64, f64),
    r: i32,
) -> Result<(), ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    let p = ax.p(re, im);
    area.draw(&Circle::new(
        p,
        r + th.px(5.0),
        INK.stroke_width(th.line(2.0)),
    ))
    .map_err(err)?;
    let sign = if im < 0.0 { "−" } else { "+" };
    let label = format!(
        "λ = {} {sign} {}i,  |λ| = {}",
        fmt2(re),
        fmt2(im.abs()),
        fmt2(re.hypot(im))
    );
    let st = frame::style(th.tick, &INK, true);
    let lwid = frame::text_width(area, &label, &st);
    // In the plot corner (upper left, upper right, lower left, lower right) where its box hides
    // the fewest eigenvalues.
    let (m, hh) = (th.px(8.0), (th.tick * 0.7) as i32);
    let corners = [
        (ax.x0 + m, ax.y0 + m + hh),
        (ax.x1 - m - lwid, ax.y0 + m + hh),
        (ax.x0 + m, ax.y1 - m - hh),
        (ax.x1 - m - lwid, ax.y1 - m - hh),
    ];
    let hidden = |at: (i32, i32)| {
        let (x0, x1) = (at.0 - th.px(4.0) - r, at.0 + lwid + th.px(4.0) + r);
        let (y0, y1) = (at.1 - hh - r, at.1 + hh + r);
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(|p| ax.p(p.0, p.1))
            .filter(|q| q.0 >= x0 && q.0 <= x1 && q.1 >= y0 && q.1 <= y1)
            .count()
    };
    let at = corners
        .iter()
        .copied()
        .min_by_key(|&c| hidden(c))
        .unwrap_or(corners[0]);
    area.draw(&Rectangle::new(
        [
            (at.0 - th.px(4.0), at.1 - hh),
            (at.0 + lwid + th.px(4.0), at.1 + hh),
        ],
        frame::BACKGROUND.mix(0.9).filled(),
    ))
    .map_err(err)?;
    frame::text(area, &label, at, &st, HPos::Left, VPos::Center)
}

/// Where everything of a singular-values chart goes. Built by [`layout_singular_values`].
#[derive(Clone, Debug)]
pub struct BarsLayout {
    th: frame::Theme,
    size: (i32, i32),
    title: String,
    ax: Axes,
    xticks: Vec<(f64, String)>,
    yticks: Vec<(f64, String)>,
    ytw: i32,
    one_w: i32,
    place: frame::LegendPlace,
    entries: Vec<Entry>,
}

impl BarsLayout {
    /// Equal keys draw the same frame. The x axis (one bar per unit, so it changes with H) is
    /// drawn with the data, so dragging H keeps the frame while the y range holds.
    pub fn key(&self) -> u64 {
        let ax = &self.ax;
        let plot = (ax.x0, ax.y0, ax.x1, ax.y1, ax.yr);
        frame::key(&(
            self.size,
            &self.th,
            &self.title,
            plot,
            &self.yticks,
            self.ytw,
            self.one_w,
            &self.place,
            &self.entries,
        ))
    }

    /// The plot rectangle.
    pub fn rect(&self) -> PixelRect {
        self.ax.rect()
    }
}

/// Lays `chart` out on `area` (measures the labels; draws nothing).
pub fn layout_singular_values<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &SingularValuesChart,
) -> BarsLayout {
    let (th, w, h, top) = frame::measure(area, &chart.title);
    let n = chart
        .series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0);
    let vmax = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter())
        .filter(|v| v.is_finite())
        .fold(1.0f64, |m, &v| m.max(v));
    let ymax = {
        let t = frame::nice_ticks(0.0, vmax * 1.12, 5, 0.0);
        let step = if t.len() > 1 { t[1] - t[0] } else { 0.5 };
        (vmax * 1.12 / step).ceil() * step
    };
    let yticks = frame::fmt_ticks(&frame::nice_ticks(0.0, ymax, 5, 0.0));
    let ytw = frame::tick_label_width(area, &th, &yticks);
    let left = frame::left_margin(&th, ytw, true);
    let bottom = frame::bottom_margin(&th, true);
    // Right of the plot: the "σ = 1" label, then (several series only) the legend; one series
    // needs no legend, the title says what it is.
    let one_st = frame::style(th.tick, &INK, false);
    let one_w = th.px(6.0) + frame::text_width(area, "σ = 1", &one_st);
    let entries: Vec<Entry> = if chart.series.len() > 1 {
        chart
            .series
            .iter()
            .map(|s| Entry::new(s.label.clone(), frame::rgb(s.color), Swatch::Bar))
            .collect()
    } else {
        Vec::new()
    };
    let place = frame::place_legend(area, &th, &entries, h - top - bottom, 2.5, |rr, br| {
        (w - left - one_w - rr - th.pad, h - top - bottom - br)
    });
    let ax = Axes {
        x0: left,
        y0: top,
        x1: (w - th.pad - one_w - place.right_room(&th)).max(left + 10),
        y1: (h - bottom - place.below_room(&th)).max(top + 10),
        xr: (0.5, n.max(1) as f64 + 0.5),
        yr: (0.0, ymax),
    };
    let xticks: Vec<(f64, String)> = frame::nice_ticks(1.0, n.max(1) as f64, 10, 1.0)
        .into_iter()
        .map(|v| (v, format!("{v}")))
        .collect();
    BarsLayout {
        th,
        size: (w, h),
        title: chart.title.clone(),
        ax,
        xticks,
        yticks,
        ytw,
        one_w,
        place,
        entries,
    }
}

/// Draws one layer of `chart` as laid out by [`layout_singular_values`]: the frame (axes,
/// ticks, the "σ = 1" label, the legend) or the data (the bars and the line σ = 1 over them).
///
/// # Errors
/// When the backend fails.
pub fn draw_singular_values_layer<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &SingularValuesChart,
    l: &BarsLayout,
    layer: Layer,
) -> Result<(), ChartError> {
    let (th, ax) = (&l.th, &l.ax);
    let y1 = ax.fy(1.0).round() as i32;
    if layer == Layer::Frame {
        frame::begin(area, th, &l.title)?;
        ax.background(area)?;
        ax.y_ticks(area, th, &l.yticks, true)?;
        frame::text(
            area,
            "σ = 1",
            (ax.x1 + th.px(6.0), y1),
            &frame::style(th.tick, &INK, false),
            HPos::Left,
            VPos::Center,
        )?;
        ax.frame(area, th)?;
        ax.labels(area, th, "k (largest first)", "singular value σₖ", l.ytw)?;
        return l.place.draw(
            area,
            th,
            &l.entries,
            ax,
            ax.x1 + l.one_w + th.px(16.0),
            Layer::Frame,
        );
    }
    ax.x_ticks(area, th, &l.xticks, false)?;
    let g = chart.series.len().max(1) as f64;
    let group = 0.8;
    let ymax = ax.yr.1;
    for (si, s) in chart.series.iter().enumerate() {
        let c = frame::rgb(s.color);
        for (k, &v) in s.values.iter().enumerate() {
            if !v.is_finite() {
                continue;
            }
            let xa = (k + 1) as f64 - group / 2.0 + group * si as f64 / g;
            let (pa, pb) = (
                ax.fx(xa).round() as i32,
                ax.fx(xa + group / g).round() as i32,
            );
            let (_, py) = ax.p(0.0, v.min(ymax));
            area.draw(&Rectangle::new(
                [(pa, py), (pb.max(pa + 1), ax.y1)],
                c.filled(),
            ))
            .map_err(err)?;
        }
    }
    // σ = 1, over the bars.
    area.draw(&DashedPathElement::new(
        vec![(ax.x0, y1), (ax.x1, y1)],
        th.px(7.0),
        th.px(5.0),
        INK.stroke_width(th.line(1.5)),
    ))
    .map_err(err)?;
    Ok(())
}
