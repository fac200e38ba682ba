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
/// (plotters' size; ≈13 px em), and everything grows with the smaller of the two ratios, never
/// below 1 (× the [`super::with_pixel_ratio`] ratio, so a HiDPI canvas looks like a 1× one).
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
        let r = super::pixel_ratio();
        let s = (w as f64 / 640.0).min(h as f64 / 360.0).clamp(r, 4.0 * r);
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

/// Width in pixels of the widest tick label (for the margin left of the plot).
pub(crate) fn tick_label_width<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    ticks: &[(f64, String)],
) -> i32 {
    let st = style(th.tick, &MUTED, false);
    ticks
        .iter()
        .map(|(_, s)| text_width(area, s, &st))
        .max()
        .unwrap_or(0)
}

/// Which part of a chart to draw. A chart is drawn as its frame, then its data on top; the page
/// keeps the frame as a cached layer (redrawn only when its `key` changes) and redraws only the
/// data while a slider moves. Natively both are drawn, in that order, on one area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// What depends only on the size, the ranges and the labels: background, title, grid, ticks,
    /// axis titles, the legend's swatches and fixed labels.
    Frame,
    /// What depends on the values: lines, points, bars, markers, legend labels holding numbers.
    Data,
}

/// A key for a layout's frame: equal keys draw the same frame. Hashes the `Debug` text of
/// `parts` (every value the frame is drawn from).
pub(crate) fn key(parts: &impl std::fmt::Debug) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{parts:?}").hash(&mut h);
    h.finish()
}

/// Where a chart's content starts below its title, and its sizes: the theme, the area's width
/// and height in pixels, and the y where the content may start. Binds the fonts (text widths
/// are measured while laying out).
pub(crate) fn measure<DB: DrawingBackend>(
    area: &Area<DB>,
    title_text: &str,
) -> (Theme, i32, i32, i32) {
    super::register_fonts();
    let th = Theme::for_area(area);
    let (w, h) = area.dim_in_pixel();
    let top = title_bottom(area, &th, title_text) + th.px(4.0);
    (th, w as i32, h as i32, top)
}

/// Fills the background and draws the title (the frame's first strokes).
pub(crate) fn begin<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    title_text: &str,
) -> Result<(), ChartError> {
    area.fill(&BACKGROUND).map_err(err)?;
    title(area, th, title_text).map(|_| ())
}

/// The y where the content below a title starts.
pub(crate) fn title_bottom<DB: DrawingBackend>(area: &Area<DB>, th: &Theme, s: &str) -> i32 {
    if s.is_empty() {
        th.pad
    } else {
        th.pad + fit_title(area, th, s).height
    }
}

/// A title as drawn: its lines, their style and the height they take.
struct TitleFit {
    lines: Vec<String>,
    style: TextStyle<'static>,
    height: i32,
}

/// The smallest a title is drawn, as a share of the theme's title size.
const TITLE_MIN: f64 = 0.75;

/// A title that fits the area's width (a phone's chart is narrow): one line at the theme's size,
/// or smaller down to [`TITLE_MIN`]; else two lines at that size, broken at the space nearest
/// the middle (after a comma or colon where there is one); a line still too wide ends in "…".
fn fit_title<DB: DrawingBackend>(area: &Area<DB>, th: &Theme, s: &str) -> TitleFit {
    let room = area.dim_in_pixel().0 as i32 - 2 * th.pad;
    let full = style(th.title, &INK, true);
    let w = text_width(area, s, &full).max(1);
    if w <= room {
        let height = (th.title * 1.5) as i32;
        return TitleFit {
            lines: vec![s.to_string()],
            style: full,
            height,
        };
    }
    let size = th.title * (room as f64 / w as f64);
    if size >= th.title * TITLE_MIN {
        let height = (th.title * 1.5) as i32;
        return TitleFit {
            lines: vec![s.to_string()],
            style: style(size, &INK, true),
            height,
        };
    }
    let small = style(th.title * TITLE_MIN, &INK, true);
    let lines = split_in_two(s)
        .into_iter()
        .map(|l| ellipsize(area, &l, room, &small))
        .collect::<Vec<_>>();
    let height = (th.title * TITLE_MIN * (1.25 * lines.len() as f64 + 0.3)) as i32;
    TitleFit {
        lines,
        style: small,
        height,
    }
}

/// `s` in two lines at the space nearest its middle, preferring one after `,` or `:`.
fn split_in_two(s: &str) -> Vec<String> {
    let mid = s.chars().count() as f64 / 2.0;
    let spaces = s.char_indices().filter(|&(_, c)| c == ' ').map(|(i, _)| i);
    let cost = |i: usize| {
        let at = s[..i].chars().count() as f64;
        let after_mark = s[..i].ends_with(',') || s[..i].ends_with(':');
        (at - mid).abs() * if after_mark { 0.5 } else { 1.0 }
    };
    match spaces.min_by(|&a, &b| cost(a).total_cmp(&cost(b))) {
        Some(i) => vec![s[..i].to_string(), s[i + 1..].to_string()],
        None => vec![s.to_string()],
    }
}

/// `s` cut to `room` pixels with a trailing "…" (as it is when it fits).
fn ellipsize<DB: DrawingBackend>(area: &Area<DB>, s: &str, room: i32, st: &TextStyle) -> String {
    if text_width(area, s, st) <= room {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    (1..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>().trim_end()))
        .find(|t| text_width(area, t, st) <= room)
        .unwrap_or_else(|| "…".into())
}

/// The title at the top, fitted to the width ([`fit_title`]); returns the y where the content
/// below it starts.
pub(crate) fn title<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    s: &str,
) -> Result<i32, ChartError> {
    if s.is_empty() {
        return Ok(th.pad);
    }
    let (w, _) = area.dim_in_pixel();
    let fit = fit_title(area, th, s);
    let line = fit.style.font.get_size() * 1.25;
    let n = fit.lines.len() as f64;
    // One line keeps the centre it always had (half a title size below the padding).
    let first = th.pad as f64 + if n > 1.0 { line * 0.5 } else { th.title * 0.5 };
    for (k, l) in fit.lines.iter().enumerate() {
        let y = (first + line * k as f64) as i32;
        text(
            area,
            l,
            (w as i32 / 2, y),
            &fit.style,
            HPos::Center,
            VPos::Center,
        )?;
    }
    Ok(th.pad + fit.height)
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
            let room = self.y1 - th.pad / 2;
            let (label, st) = fit_label(area, y, room, &st);
            let half = text_width(area, &label, &st) / 2;
            // Centred on the plot, moved up or down to stay inside the area.
            let (_, h) = area.dim_in_pixel();
            let cy = ((self.y0 + self.y1) / 2)
                .min(h as i32 - half)
                .max(half + th.pad / 2);
            vtext(area, &label, (cx, cy), &st)?;
        }
        Ok(())
    }
}

/// An axis title that fits in `room` pixels: as it is; without a trailing parenthetical
/// (`"relative to lag 0 (log scale)"` → `"relative to lag 0"`); or smaller, down to 60 %.
pub(crate) fn fit_label<DB: DrawingBackend>(
    area: &Area<DB>,
    label: &str,
    room: i32,
    st: &TextStyle<'static>,
) -> (String, TextStyle<'static>) {
    let mut tries = vec![label.to_string()];
    if let (Some(open), true) = (label.rfind(" ("), label.ends_with(')')) {
        tries.push(label[..open].to_string());
    }
    for t in &tries {
        if text_width(area, t, st) <= room {
            return (t.clone(), st.clone());
        }
    }
    let short = tries.pop().unwrap_or_default();
    let st = shrink_to(area, &short, room, st, &INK, false);
    (short, st)
}

/// `st` for `text` in `room` pixels: as it is where the text fits, else smaller, down to 60 %
/// (drawn in `color`, bold or not: a `TextStyle` does not give them back).
pub(crate) fn shrink_to<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    room: i32,
    st: &TextStyle<'static>,
    color: &RGBColor,
    bold: bool,
) -> TextStyle<'static> {
    let w = text_width(area, text, st).max(1);
    if w <= room {
        return st.clone();
    }
    style(
        st.font.get_size() * (room as f64 / w as f64).max(0.6),
        color,
        bold,
    )
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

/// How a line is drawn: solid, dotted or dashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStyle {
    /// A solid line.
    Solid,
    /// Short dots.
    Dotted,
    /// Dashes.
    Dashed,
}

impl LineStyle {
    /// Dash and gap lengths at 1× (none for a solid line).
    fn dashes(self) -> Option<(f64, f64)> {
        match self {
            LineStyle::Solid => None,
            LineStyle::Dotted => Some((2.0, 3.5)),
            LineStyle::Dashed => Some((7.0, 5.0)),
        }
    }
}

/// A point marker. Each is a different size, and all but [`Marker::Dot`] are hollow, so marks of
/// several lines at one point stay visible one inside the other (curves that coincide, as two
/// cells that both solve every length of a sweep, are still told apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// A small filled disc.
    Dot,
    /// A ring around it.
    Ring,
    /// A square around the ring.
    Square,
    /// A diamond around the square.
    Diamond,
}

impl Marker {
    /// The `i`-th marker, cycling.
    pub fn nth(i: usize) -> Marker {
        [Marker::Dot, Marker::Ring, Marker::Square, Marker::Diamond][i % 4]
    }
}

/// Draws marker `m` centred on `p`, its size scaled by `scale` (1 on a plot, smaller in a
/// legend row; the dot keeps its size).
pub(crate) fn marker<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    (x, y): (i32, i32),
    m: Marker,
    color: RGBColor,
    scale: f64,
) -> Result<(), ChartError> {
    let stroke = color.stroke_width(th.line(2.0));
    match m {
        Marker::Dot => area.draw(&Circle::new((x, y), th.px(3.5), color.filled())),
        Marker::Ring => area.draw(&Circle::new((x, y), th.px(7.0 * scale), stroke)),
        Marker::Square => {
            let r = th.px(10.0 * scale);
            area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], stroke))
        }
        Marker::Diamond => {
            let r = th.px(14.0 * scale);
            let pts = vec![(x, y - r), (x + r, y), (x, y + r), (x - r, y), (x, y - r)];
            area.draw(&PathElement::new(pts, stroke))
        }
    }
    .map_err(err)
}

/// Draws a polyline in `style` (dash lengths scaled by the theme).
pub(crate) fn polyline<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    points: Vec<(i32, i32)>,
    line: LineStyle,
    st: ShapeStyle,
) -> Result<(), ChartError> {
    match line.dashes() {
        None => area.draw(&PathElement::new(points, st)).map_err(err),
        Some((dash, gap)) => area
            .draw(&DashedPathElement::new(
                points,
                th.px(dash).max(1),
                th.px(gap).max(1),
                st,
            ))
            .map_err(err),
    }
}

/// The width of a thick line (a main quantity) at 1×, and of its legend swatch.
pub(crate) const THICK: f64 = 2.5;
/// The width of a thin line (a secondary quantity) at 1×, and of its legend swatch.
pub(crate) const THIN: f64 = 1.2;

/// What a legend entry's swatch looks like.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A line as thick as a chart's thick lines ([`THICK`]).
    Line(LineStyle),
    /// A line as thin as a chart's thin ones ([`THIN`]).
    Thin(LineStyle),
    /// A line with a marker at its middle.
    Marked(LineStyle, Marker),
    Dot,
    Bar,
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub label: String,
    pub color: RGBColor,
    pub swatch: Swatch,
    /// The label holds numbers of the data (drawn with [`Layer::Data`], not the frame).
    pub data: bool,
    /// Starts a new row when the legend is laid out in rows.
    pub newline: bool,
}

impl Entry {
    pub fn new(label: impl Into<String>, color: RGBColor, swatch: Swatch) -> Entry {
        Entry {
            label: label.into(),
            color,
            swatch,
            data: false,
            newline: false,
        }
    }

    /// What the frame is drawn from: the swatch, and the label unless it belongs to the data.
    pub fn frame_part(&self) -> (&str, RGBColor, Swatch) {
        (
            if self.data { "" } else { &self.label },
            self.color,
            self.swatch,
        )
    }
}

/// Where a swatch ends and its text starts, from the entry's left edge.
fn swatch_span(th: &Theme) -> (i32, i32) {
    (th.px(22.0), th.px(28.0))
}

/// The height of one legend row.
pub(crate) fn legend_row(th: &Theme) -> i32 {
    (th.tick * 1.3).round() as i32
}

/// One entry's width: swatch, gap, text.
fn entry_width<DB: DrawingBackend>(area: &Area<DB>, th: &Theme, e: &Entry) -> i32 {
    swatch_span(th).1 + text_width(area, &e.label, &style(th.tick, &INK, false))
}

/// Draws what `layer` holds of one legend entry, with its left edge at `x` and its row centred
/// on `y`: the swatch and a fixed label with the frame, a label of the data with the data.
fn entry<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    e: &Entry,
    (x, y): (i32, i32),
    layer: Layer,
) -> Result<(), ChartError> {
    let (sw, tx) = swatch_span(th);
    let (sx0, sx1) = (x, x + sw);
    if layer == Layer::Frame {
        match e.swatch {
            Swatch::Line(line) | Swatch::Thin(line) => {
                let w = if matches!(e.swatch, Swatch::Thin(_)) {
                    THIN
                } else {
                    THICK
                };
                let s = e.color.stroke_width(th.line(w));
                polyline(area, th, vec![(sx0, y), (sx1, y)], line, s)?;
            }
            Swatch::Marked(line, m) => {
                let s = e.color.stroke_width(th.line(2.5));
                polyline(area, th, vec![(sx0, y), (sx1, y)], line, s)?;
                marker(area, th, ((sx0 + sx1) / 2, y), m, e.color, 0.55)?;
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
    }
    if e.data != (layer == Layer::Data) {
        return Ok(());
    }
    text(
        area,
        &e.label,
        (x + tx, y),
        &style(th.tick, &INK, false),
        HPos::Left,
        VPos::Center,
    )
}

/// A legend laid out outside the plot: every entry's place in a box.
#[derive(Clone, Debug)]
pub(crate) struct LegendBox {
    /// The sizes it is drawn at (a compact legend uses smaller ones than the chart).
    pub th: Theme,
    /// Each entry's left edge and row top, from the box's top-left corner.
    pub at: Vec<(i32, i32)>,
    pub width: i32,
    pub height: i32,
    pub row_h: i32,
}

/// One entry a row, top to bottom (beside the plot).
pub(crate) fn legend_column<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    entries: &[Entry],
) -> LegendBox {
    let row_h = legend_row(th);
    LegendBox {
        th: *th,
        at: (0..entries.len() as i32).map(|i| (0, i * row_h)).collect(),
        width: entries
            .iter()
            .map(|e| entry_width(area, th, e))
            .max()
            .unwrap_or(0),
        height: row_h * entries.len() as i32,
        row_h,
    }
}

/// Entries left to right in rows no wider than `max_w` (under the plot), each as wide as its
/// text, so short labels share a row; an entry marked `newline` starts a row.
pub(crate) fn legend_rows<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    entries: &[Entry],
    max_w: i32,
) -> LegendBox {
    let (row_h, gap) = (legend_row(th), th.px(14.0));
    let (mut x, mut row, mut width) = (0, 0, 0);
    let mut at = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let w = entry_width(area, th, e);
        if i > 0 && (e.newline || x + w > max_w) {
            row += 1;
            x = 0;
        }
        at.push((x, row * row_h));
        width = width.max(x + w);
        x += w + gap;
    }
    LegendBox {
        th: *th,
        at,
        width,
        height: if entries.is_empty() {
            0
        } else {
            (row + 1) * row_h
        },
        row_h,
    }
}

/// Draws `layer`'s part of `entries` in `legend` with its top-left corner at `at`.
pub(crate) fn legend_at<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[Entry],
    legend: &LegendBox,
    at: (i32, i32),
    layer: Layer,
) -> Result<(), ChartError> {
    for (e, &(x, y)) in entries.iter().zip(&legend.at) {
        let pos = (at.0 + x, at.1 + y + legend.row_h / 2);
        entry(area, &legend.th, e, pos, layer)?;
    }
    Ok(())
}

/// Where a legend goes: beside the plot (one column) or under it (rows).
#[derive(Clone, Debug)]
pub(crate) enum LegendPlace {
    None,
    Right(LegendBox),
    Below(LegendBox),
}

impl LegendPlace {
    /// Room the legend takes from the right of the plot area (including the gap before it).
    pub fn right_room(&self, th: &Theme) -> i32 {
        match self {
            LegendPlace::Right(g) => g.width + th.px(16.0),
            _ => 0,
        }
    }
    /// Room the legend takes under the plot area (including the gap above it).
    pub fn below_room(&self, th: &Theme) -> i32 {
        match self {
            LegendPlace::Below(g) => g.height + th.px(6.0),
            _ => 0,
        }
    }
    /// Draws `layer`'s part of it: beside, top-aligned with the plot at `right_x`; below, with
    /// its bottom at the area's bottom padding, centred under the plot (kept inside the area).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        th: &Theme,
        entries: &[Entry],
        ax: &Axes,
        right_x: i32,
        layer: Layer,
    ) -> Result<(), ChartError> {
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        match self {
            LegendPlace::None => Ok(()),
            LegendPlace::Right(g) => legend_at(area, entries, g, (right_x, ax.y0), layer),
            LegendPlace::Below(g) => {
                let x = ((ax.x0 + ax.x1) / 2 - g.width / 2)
                    .min(w - th.pad - g.width)
                    .max(th.pad);
                let y = h - th.pad - g.height;
                legend_at(area, entries, g, (x, y), layer)
            }
        }
    }
}

/// Picks the legend place that leaves the best plot: `plot(right_room, below_room)` gives the
/// plot's `(width, height)` for the room a legend takes, `aspect` is the plot's preferred
/// width / height; the place whose plot holds the largest rectangle of that aspect wins (ties
/// go to the right). A right-hand legend taller than `max_right_h` is not considered.
pub(crate) fn place_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    entries: &[Entry],
    max_right_h: i32,
    aspect: f64,
    plot: impl Fn(i32, i32) -> (i32, i32),
) -> LegendPlace {
    if entries.is_empty() {
        return LegendPlace::None;
    }
    let (w, _) = area.dim_in_pixel();
    let score = |p: &LegendPlace| {
        let (pw, ph) = plot(p.right_room(th), p.below_room(th));
        (pw as f64).min(ph as f64 * aspect)
    };
    // The chart's own sizes; a compact legend (smaller text, tighter rows) only when it leaves
    // a much better plot (a narrow area with many entries).
    let compact = Theme {
        tick: th.tick * 0.8,
        s: th.s * 0.8,
        ..*th
    };
    let best = |t: &Theme| {
        let right = LegendPlace::Right(legend_column(area, t, entries));
        let below = LegendPlace::Below(legend_rows(area, t, entries, w as i32 - 2 * th.pad));
        let right_ok = matches!(&right, LegendPlace::Right(g) if g.height <= max_right_h);
        let (sr, sb) = (score(&right), score(&below));
        if right_ok && sr >= sb {
            (sr, right)
        } else {
            (sb, below)
        }
    };
    let (normal, compact) = (best(th), best(&compact));
    if compact.0 > 1.5 * normal.0 {
        compact.1
    } else {
        normal.1
    }
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

    /// A title too wide for a phone's chart (lesson 3's 1997 LSTM, 340 px) is drawn in two lines
    /// that each fit, not as one line cut at both ends; a short one keeps its one line and height.
    #[test]
    fn a_long_title_breaks_into_two_lines_that_fit() {
        crate::chart::register_fonts();
        let mut out = String::new();
        let area =
            plotters::prelude::SVGBackend::with_string(&mut out, (340, 260)).into_drawing_area();
        let th = Theme::for_area(&area);
        let room = 340 - 2 * th.pad;
        let long = "LSTM, no forget gate (1997): constant error carousel ∏f, f ≡ 1 (later steps)";
        let fit = fit_title(&area, &th, long);
        assert_eq!(fit.lines.len(), 2, "{:?}", fit.lines);
        for l in &fit.lines {
            assert!(
                text_width(&area, l, &fit.style) <= room,
                "{l:?} wider than {room}"
            );
        }
        assert_eq!(fit.lines.join(" "), long, "nothing dropped at this width");
        assert!(title_bottom(&area, &th, long) > title_bottom(&area, &th, "GRU"));
        let short = fit_title(&area, &th, "GRU");
        assert_eq!(short.lines, vec!["GRU"]);
        assert_eq!(short.height, (th.title * 1.5) as i32);
        // Narrower still, a line that cannot fit ends in an ellipsis.
        let tiny = fit_title(&area, &th, &long.repeat(3));
        assert!(tiny.lines.iter().any(|l| l.ends_with('…')));
        for l in &tiny.lines {
            assert!(text_width(&area, l, &tiny.style) <= room);
        }
    }

    #[test]
    fn powers_of_ten_use_superscripts() {
        assert_eq!(pow10_label(-3), "10⁻³");
        assert_eq!(pow10_label(0), "10⁰");
        assert_eq!(pow10_label(12), "10¹²");
    }
}
