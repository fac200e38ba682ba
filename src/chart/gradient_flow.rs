//! Gradient flow: norms against the lag `k` (steps back from the end of the sequence) on a
//! log-scale y axis, so exponential decay or growth is a straight line and its slope is
//! `log10` of the per-step factor.
//!
//! - Measured series (e.g. `‖∂L/∂h_t‖`, `‖∂h_last/∂h_t‖`) are solid lines; theory curves
//!   (`ρ^k`, `(γ σ_max)^k`) are dashed. The y range covers the measured values' decades, widened
//!   by at most 3 decades for the theory curves, which are clipped to it.
//! - Values ≤ 0 cannot be drawn on a log axis: they break the line (e.g. a gradient that
//!   underflowed to exactly 0).
//! - inf/NaN: the line stops at the first non-finite value and a red triangle at the top edge
//!   with the text `overflow at k=…` marks where (an exploding network is a result, not an
//!   error).

use super::frame::{self, err, Area, Axes, Entry, Swatch, ALERT, MUTED};
use super::{ChartError, PixelRect};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One line of the chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Line colour (see [`super::cell_color`], [`super::series_color`]).
    pub color: [u8; 3],
    /// Values indexed by lag `k = 0, 1, …`.
    pub values: Vec<f64>,
    /// Dashed (a theory curve) or solid (a measurement).
    pub dashed: bool,
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
    /// The lines, drawn in order (dashed ones first, under the solid ones).
    pub series: Vec<Series>,
}

impl GradientFlowChart {
    /// A chart with the default x-axis title.
    pub fn new(title: impl Into<String>, y_label: impl Into<String>, series: Vec<Series>) -> Self {
        GradientFlowChart {
            title: title.into(),
            y_label: y_label.into(),
            x_label: "lag k (steps back from the end)".into(),
            series,
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
/// positive values before each series' first inf/NaN: the solid series' decades, widened by
/// at most 3 decades each way for the dashed ones (all of them when no solid series has data),
/// and at least one decade each side of a single value. `None` when nothing is drawable.
pub fn decade_range(series: &[Series]) -> Option<(i32, i32)> {
    let measured = decades(series.iter().filter(|s| !s.dashed));
    let theory = decades(series.iter().filter(|s| s.dashed));
    let (lo, hi) = match (measured, theory) {
        (Some((a, b)), Some((c, d))) => (a.min(c.max(a - 3)), b.max(d.min(b + 3))),
        (Some(m), None) => m,
        (None, Some(t)) => t,
        (None, None) => return None,
    };
    Some(if lo == hi { (lo - 1, hi + 1) } else { (lo, hi) })
}

/// Decade tick step: 1, 2, 5, 10, 20, 50, … so that at most 8 intervals show.
fn decade_step(span: i32) -> i32 {
    let mut m = [1, 2, 5].iter().cycle();
    let mut mag = 1;
    loop {
        let k = *m.next().unwrap_or(&1);
        let step = k * mag;
        if k == 5 {
            mag *= 10;
        }
        if span <= 8 * step {
            return step;
        }
    }
}

/// Draws `chart` filling `area`; returns the plot rectangle.
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &GradientFlowChart,
) -> Result<PixelRect, ChartError> {
    let (th, w, h, top) = frame::begin(area, &chart.title)?;

    let range = decade_range(&chart.series);
    let (mut lo, mut hi) = range.unwrap_or((-1, 1));
    let step = decade_step(hi - lo);
    lo = lo.div_euclid(step) * step;
    hi = -((-hi).div_euclid(step) * step);
    let yticks: Vec<(f64, String)> = (lo..=hi)
        .step_by(step as usize)
        .map(|e| (e as f64, frame::pow10_label(e)))
        .collect();
    let ytw = frame::tick_label_width(area, &th, &yticks);

    let n = chart
        .series
        .iter()
        .map(|s| s.values.len())
        .max()
        .unwrap_or(0);
    let xmax = n.saturating_sub(1).max(1) as f64;
    let left = frame::left_margin(&th, ytw, !chart.y_label.is_empty());
    let bottom = frame::bottom_margin(&th, !chart.x_label.is_empty());

    // The legend goes outside the plot, never over the lines: one column on the right when
    // that leaves the better plot, otherwise in columns under the axis title.
    let entries: Vec<Entry> = chart
        .series
        .iter()
        .map(|s| Entry {
            label: s.label.clone(),
            color: frame::rgb(s.color),
            swatch: Swatch::Line { dashed: s.dashed },
        })
        .collect();
    let right_of = |room: i32| {
        if room > 0 {
            room + th.pad
        } else {
            th.pad + th.px(12.0)
        }
    };
    let place = frame::place_legend(area, &th, &entries, h - top - bottom, 1.8, |rr, br| {
        (w - left - right_of(rr), h - top - bottom - br)
    });
    let ax = Axes {
        x0: left,
        y0: top,
        x1: (w - right_of(place.right_room(&th))).max(left + 10),
        y1: (h - bottom - place.below_room(&th)).max(top + 10),
        xr: (0.0, xmax),
        yr: (lo as f64, hi as f64),
    };
    ax.background(area)?;

    // Minor gridlines at 2..9 × 10^e when the decades are few enough to show them.
    if step == 1 && hi - lo <= 5 {
        for e in lo..hi {
            for m in 2..10 {
                let y = ax.fy(e as f64 + (m as f64).log10()).round() as i32;
                area.draw(&PathElement::new(
                    vec![(ax.x0, y), (ax.x1, y)],
                    RGBColor(243, 243, 243).stroke_width(th.line(1.0)),
                ))
                .map_err(err)?;
            }
        }
    }
    let xt = frame::fmt_ticks(&frame::nice_ticks(0.0, xmax, 8, 1.0));
    ax.x_ticks(area, &th, &xt, true)?;
    ax.y_ticks(area, &th, &yticks, true)?;

    if range.is_none() {
        frame::text(
            area,
            "no finite positive values to draw",
            ((ax.x0 + ax.x1) / 2, (ax.y0 + ax.y1) / 2),
            &frame::style(th.label, &MUTED, false),
            HPos::Center,
            VPos::Center,
        )?;
    }

    // Lines: dashed first, so measurements sit on top.
    let mut order: Vec<&Series> = chart.series.iter().filter(|s| s.dashed).collect();
    order.extend(chart.series.iter().filter(|s| !s.dashed));
    for s in &order {
        let color = frame::rgb(s.color);
        let style = color.stroke_width(th.line(if s.dashed { 2.0 } else { 2.5 }));
        for seg in segments(&ax, s) {
            if s.dashed {
                area.draw(&DashedPathElement::new(seg, th.px(7.0), th.px(5.0), style))
                    .map_err(err)?;
            } else if seg.len() == 1 {
                area.draw(&Circle::new(seg[0], th.px(2.5), color.filled()))
                    .map_err(err)?;
            } else {
                area.draw(&PathElement::new(seg, style)).map_err(err)?;
            }
        }
    }
    ax.frame(area, &th)?;
    ax.labels(area, &th, &chart.x_label, &chart.y_label, ytw)?;

    // Overflow markers: one per lag where a measured series first holds inf/NaN (a theory
    // curve that leaves f64 just stops).
    let mut overflows: Vec<(usize, Vec<&str>)> = Vec::new();
    for s in chart.series.iter().filter(|s| !s.dashed) {
        if let Some(k) = first_nonfinite(&s.values) {
            match overflows.iter_mut().find(|o| o.0 == k) {
                Some(o) => o.1.push(&s.label),
                None => overflows.push((k, vec![&s.label])),
            }
        }
    }
    overflows.sort_by_key(|o| o.0);
    let alert_st = frame::style(th.tick, &ALERT, true);
    for (i, (k, names)) in overflows.iter().enumerate() {
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
        let label = if overflows.len() > 1 {
            format!("{}: overflow at k={k}", names.join(", "))
        } else {
            format!("overflow at k={k}")
        };
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

    place.draw(area, &th, &entries, &ax, ax.x1 + th.px(16.0))?;
    Ok(ax.rect())
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

    fn s(values: Vec<f64>, dashed: bool) -> Series {
        Series {
            label: String::new(),
            color: [0, 0, 0],
            values,
            dashed,
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
    fn decade_steps_keep_at_most_eight_intervals() {
        assert_eq!(decade_step(3), 1);
        assert_eq!(decade_step(8), 1);
        assert_eq!(decade_step(9), 2);
        assert_eq!(decade_step(30), 5);
        assert_eq!(decade_step(300), 50);
    }
}
