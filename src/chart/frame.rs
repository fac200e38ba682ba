//! Shared layout for every chart: sizes that scale with the drawing area, a plot rectangle with
//! linear data ↔ pixel maps, ticks, gridlines, titles and legends. Everything is drawn with
//! plotters primitives in pixel coordinates, so every backend gets the same picture.

use super::{ChartError, PixelRect};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;

pub(crate) fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

pub(crate) const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
pub(crate) const INK: RGBColor = RGBColor(34, 34, 34);
pub(crate) const MUTED: RGBColor = RGBColor(96, 96, 96);
pub(crate) const AXIS: RGBColor = RGBColor(140, 140, 140);
pub(crate) const GRID: RGBColor = RGBColor(230, 230, 230);
/// Overflow markers: Okabe–Ito vermillion would clash with `rnn_relu`, so a plain strong red.
pub(crate) const ALERT: RGBColor = RGBColor(200, 0, 0);

pub(crate) fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// Font sizes and spacing for one drawing area: at 640×360 the tick labels are 15 px
/// (plotters' size; ≈13 px em), and everything grows with the smaller of the two ratios.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Theme {
    pub title: f64,
    pub label: f64,
    pub tick: f64,
    pub pad: i32,
    pub s: f64,
}

impl Theme {
    pub fn for_area<DB: DrawingBackend>(area: &Area<DB>) -> Theme {
        let (w, h) = area.dim_in_pixel();
        let s = (w as f64 / 640.0).min(h as f64 / 360.0).clamp(1.0, 4.0);
        Theme {
            title: 20.0 * s,
            label: 17.0 * s,
            tick: 15.0 * s,
            pad: (10.0 * s).round() as i32,
            s,
        }
    }
    pub fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }
    pub fn line(&self, v: f64) -> u32 {
        (v * self.s).round().max(1.0) as u32
    }
}

pub(crate) fn style(size: f64, color: &RGBColor, bold: bool) -> TextStyle<'static> {
    let font = ("sans-serif", size).into_font();
    let font = if bold {
        font.style(FontStyle::Bold)
    } else {
        font
    };
    font.color(color)
}

/// Draws `text` at pixel `at`, anchored by `(h, v)`.
pub(crate) fn text<DB: DrawingBackend>(
    area: &Area<DB>,
    s: &str,
    at: (i32, i32),
    st: &TextStyle,
    h: HPos,
    v: VPos,
) -> Result<(), ChartError> {
    area.draw(&Text::new(s.to_string(), at, st.pos(Pos::new(h, v))))
        .map_err(err)
}

/// Text drawn rotated a quarter turn counter-clockwise (a y-axis label), centred on `at`.
pub(crate) fn vtext<DB: DrawingBackend>(
    area: &Area<DB>,
    s: &str,
    at: (i32, i32),
    st: &TextStyle,
) -> Result<(), ChartError> {
    let st = st
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(s.to_string(), at, st)).map_err(err)
}

pub(crate) fn text_width<DB: DrawingBackend>(area: &Area<DB>, s: &str, st: &TextStyle) -> i32 {
    area.estimate_text_size(s, st)
        .map(|(w, _)| w as i32)
        .unwrap_or((s.chars().count() as f64 * st.font.get_size() * 0.6) as i32)
}

/// The title line at the top; returns the y where the content below it starts.
pub(crate) fn title<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    s: &str,
) -> Result<i32, ChartError> {
    let (w, _) = area.dim_in_pixel();
    if s.is_empty() {
        return Ok(th.pad);
    }
    let y = th.pad + (th.title * 0.5) as i32;
    text(
        area,
        s,
        (w as i32 / 2, y),
        &style(th.title, &INK, true),
        HPos::Center,
        VPos::Center,
    )?;
    Ok(th.pad + (th.title * 1.5) as i32)
}

/// A plot rectangle with linear maps. `yr.0` is drawn at the bottom, `yr.1` at the top (pass a
/// reversed range to put row 0 on top).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axes {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
    pub xr: (f64, f64),
    pub yr: (f64, f64),
}

impl Axes {
    pub fn fx(&self, x: f64) -> f64 {
        self.x0 as f64 + (x - self.xr.0) / (self.xr.1 - self.xr.0) * (self.x1 - self.x0) as f64
    }
    pub fn fy(&self, y: f64) -> f64 {
        self.y1 as f64 - (y - self.yr.0) / (self.yr.1 - self.yr.0) * (self.y1 - self.y0) as f64
    }
    pub fn p(&self, x: f64, y: f64) -> (i32, i32) {
        (self.fx(x).round() as i32, self.fy(y).round() as i32)
    }
    pub fn rect(&self) -> PixelRect {
        PixelRect {
            x: self.x0,
            y: self.y0,
            width: (self.x1 - self.x0).max(0) as u32,
            height: (self.y1 - self.y0).max(0) as u32,
        }
    }

    /// White plot background and a light frame.
    pub fn background<DB: DrawingBackend>(&self, area: &Area<DB>) -> Result<(), ChartError> {
        area.draw(&Rectangle::new(
            [(self.x0, self.y0), (self.x1, self.y1)],
            BACKGROUND.filled(),
        ))
        .map_err(err)
    }

    pub fn frame<DB: DrawingBackend>(&self, area: &Area<DB>, th: &Theme) -> Result<(), ChartError> {
        area.draw(&Rectangle::new(
            [(self.x0, self.y0), (self.x1, self.y1)],
            AXIS.stroke_width(th.line(1.0)),
        ))
        .map_err(err)
    }

    /// Vertical gridlines (optional), tick marks and labels under the plot.
    pub fn x_ticks<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        th: &Theme,
        ticks: &[(f64, String)],
        grid: bool,
    ) -> Result<(), ChartError> {
        let st = style(th.tick, &MUTED, false);
        for (v, label) in ticks {
            let x = self.fx(*v).round() as i32;
            if x < self.x0 - 1 || x > self.x1 + 1 {
                continue;
            }
            if grid {
                area.draw(&PathElement::new(
                    vec![(x, self.y0), (x, self.y1)],
                    GRID.stroke_width(th.line(1.0)),
                ))
                .map_err(err)?;
            }
            area.draw(&PathElement::new(
                vec![(x, self.y1), (x, self.y1 + th.px(5.0))],
                AXIS.stroke_width(th.line(1.0)),
            ))
            .map_err(err)?;
            text(
                area,
                label,
                (x, self.y1 + th.px(7.0)),
                &st,
                HPos::Center,
                VPos::Top,
            )?;
        }
        Ok(())
    }

    /// Horizontal gridlines (optional), tick marks and labels left of the plot.
    pub fn y_ticks<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        th: &Theme,
        ticks: &[(f64, String)],
        grid: bool,
    ) -> Result<(), ChartError> {
        let st = style(th.tick, &MUTED, false);
        for (v, label) in ticks {
            let y = self.fy(*v).round() as i32;
            if y < self.y0 - 1 || y > self.y1 + 1 {
                continue;
            }
            if grid {
                area.draw(&PathElement::new(
                    vec![(self.x0, y), (self.x1, y)],
                    GRID.stroke_width(th.line(1.0)),
                ))
                .map_err(err)?;
            }
            area.draw(&PathElement::new(
                vec![(self.x0 - th.px(5.0), y), (self.x0, y)],
                AXIS.stroke_width(th.line(1.0)),
            ))
            .map_err(err)?;
            text(
                area,
                label,
                (self.x0 - th.px(8.0), y),
                &st,
                HPos::Right,
                VPos::Center,
            )?;
        }
        Ok(())
    }

    /// Axis titles: `x` centred below the tick labels, `y` rotated left of them.
    pub fn labels<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        th: &Theme,
        x: &str,
        y: &str,
        y_tick_width: i32,
    ) -> Result<(), ChartError> {
        let st = style(th.label, &INK, false);
        if !x.is_empty() {
            text(
                area,
                x,
                (
                    (self.x0 + self.x1) / 2,
                    self.y1 + th.px(9.0) + th.tick as i32,
                ),
                &st,
                HPos::Center,
                VPos::Top,
            )?;
        }
        if !y.is_empty() {
            let cx = self.x0 - th.px(12.0) - y_tick_width - (th.label * 0.5) as i32;
            vtext(area, y, (cx, (self.y0 + self.y1) / 2), &st)?;
        }
        Ok(())
    }
}

/// Space the left margin needs: y-axis title, widest tick label, tick marks.
pub(crate) fn left_margin(th: &Theme, y_tick_width: i32, has_label: bool) -> i32 {
    th.pad
        + y_tick_width
        + th.px(12.0)
        + if has_label {
            (th.label * 1.2) as i32
        } else {
            0
        }
}

/// Space the bottom margin needs: tick labels and the x-axis title.
pub(crate) fn bottom_margin(th: &Theme, has_label: bool) -> i32 {
    th.pad
        + th.px(9.0)
        + th.tick as i32
        + if has_label {
            (th.label * 1.3) as i32
        } else {
            0
        }
}

/// "Nice" ticks (steps 1, 2, 5 × 10ⁿ, at least `min_step`) covering `[lo, hi]`, at most about
/// `max` of them.
pub(crate) fn nice_ticks(lo: f64, hi: f64, max: usize, min_step: f64) -> Vec<f64> {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let span = (hi - lo).max(1e-300);
    let raw = (span / max.max(1) as f64).max(min_step);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut k = (lo / step).ceil();
    while k * step <= hi + step * 1e-9 {
        let v = k * step;
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    out
}

/// A tick label with as many decimals as the step between ticks needs.
pub(crate) fn fmt_tick(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.1e}").replace(".0e", "e");
    }
    let decimals = if step > 0.0 {
        (-step.log10().floor()).max(0.0) as usize
    } else {
        2
    };
    format!("{v:.decimals$}").replace('-', "−")
}

pub(crate) fn fmt_ticks(ticks: &[f64]) -> Vec<(f64, String)> {
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    ticks.iter().map(|&v| (v, fmt_tick(v, step))).collect()
}

/// `10` with a superscript exponent: `10⁻³`, `10⁰`, `10¹²`.
pub(crate) fn pow10_label(e: i32) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from("10");
    if e < 0 {
        s.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        s.push(SUP[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// What a legend entry's swatch looks like.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    Line { dashed: bool },
    Dot,
    Bar,
}

pub(crate) struct Entry {
    pub label: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Corner {
    UpperRight,
    LowerRight,
    UpperLeft,
    LowerLeft,
}

/// The legend box's size in pixels for these entries.
pub(crate) fn legend_size<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    entries: &[Entry],
) -> (i32, i32) {
    let st = style(th.tick, &INK, false);
    let w = entries
        .iter()
        .map(|e| text_width(area, &e.label, &st))
        .max()
        .unwrap_or(0);
    let row = (th.tick * 1.35) as i32;
    (w + th.px(44.0), row * entries.len() as i32 + th.px(10.0))
}

/// Draws a legend box with its top-left corner at `at`.
pub(crate) fn legend_at<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    entries: &[Entry],
    at: (i32, i32),
    boxed: bool,
) -> Result<(), ChartError> {
    if entries.is_empty() {
        return Ok(());
    }
    let (w, h) = legend_size(area, th, entries);
    if boxed {
        area.draw(&Rectangle::new(
            [at, (at.0 + w, at.1 + h)],
            BACKGROUND.mix(0.9).filled(),
        ))
        .map_err(err)?;
        area.draw(&Rectangle::new(
            [at, (at.0 + w, at.1 + h)],
            RGBColor(200, 200, 200).stroke_width(th.line(1.0)),
        ))
        .map_err(err)?;
    }
    let st = style(th.tick, &INK, false);
    let row = (th.tick * 1.35) as i32;
    for (i, e) in entries.iter().enumerate() {
        let y = at.1 + th.px(5.0) + row * i as i32 + row / 2;
        let (sx0, sx1) = (at.0 + th.px(8.0), at.0 + th.px(32.0));
        match e.swatch {
            Swatch::Line { dashed } => {
                let s = e.color.stroke_width(th.line(2.5));
                if dashed {
                    area.draw(&DashedPathElement::new(
                        vec![(sx0, y), (sx1, y)],
                        th.px(6.0),
                        th.px(4.0),
                        s,
                    ))
                    .map_err(err)?;
                } else {
                    area.draw(&PathElement::new(vec![(sx0, y), (sx1, y)], s))
                        .map_err(err)?;
                }
            }
            Swatch::Dot => {
                area.draw(&Circle::new(
                    ((sx0 + sx1) / 2, y),
                    th.px(5.0),
                    e.color.filled(),
                ))
                .map_err(err)?;
            }
            Swatch::Bar => {
                let hh = th.px(6.0);
                area.draw(&Rectangle::new(
                    [(sx0 + th.px(4.0), y - hh), (sx1 - th.px(4.0), y + hh)],
                    e.color.filled(),
                ))
                .map_err(err)?;
            }
        }
        text(
            area,
            &e.label,
            (at.0 + th.px(38.0), y),
            &st,
            HPos::Left,
            VPos::Center,
        )?;
    }
    Ok(())
}

/// Draws a legend inside the plot in `corner`.
pub(crate) fn legend<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    ax: &Axes,
    entries: &[Entry],
    corner: Corner,
) -> Result<(), ChartError> {
    let (w, h) = legend_size(area, th, entries);
    let m = th.px(8.0);
    let x = match corner {
        Corner::UpperRight | Corner::LowerRight => ax.x1 - m - w,
        _ => ax.x0 + m,
    };
    let y = match corner {
        Corner::UpperRight | Corner::UpperLeft => ax.y0 + m,
        _ => ax.y1 - m - h,
    };
    legend_at(area, th, entries, (x, y), true)
}

/// The corner whose legend-sized box covers the fewest of `points` (pixel coordinates).
pub(crate) fn emptiest_corner(ax: &Axes, size: (i32, i32), points: &[(i32, i32)]) -> Corner {
    let boxes = [
        (Corner::UpperRight, (ax.x1 - size.0, ax.y0)),
        (Corner::LowerRight, (ax.x1 - size.0, ax.y1 - size.1)),
        (Corner::UpperLeft, (ax.x0, ax.y0)),
        (Corner::LowerLeft, (ax.x0, ax.y1 - size.1)),
    ];
    let pad = 12;
    boxes
        .iter()
        .map(|&(c, (x, y))| {
            let n = points
                .iter()
                .filter(|p| {
                    p.0 >= x - pad
                        && p.0 <= x + size.0 + pad
                        && p.1 >= y - pad
                        && p.1 <= y + size.1 + pad
                })
                .count();
            (n, c)
        })
        .min_by_key(|(n, _)| *n)
        .map_or(Corner::UpperRight, |(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5, 1.0),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(0.0, 3.0, 10, 1.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(
            nice_ticks(-1.0, 1.0, 4, 0.0),
            vec![-1.0, -0.5, 0.0, 0.5, 1.0]
        );
    }

    #[test]
    fn powers_of_ten_use_superscripts() {
        assert_eq!(pow10_label(-3), "10⁻³");
        assert_eq!(pow10_label(0), "10⁰");
        assert_eq!(pow10_label(12), "10¹²");
    }
}
