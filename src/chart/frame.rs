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

/// Starts a chart: binds the fonts, fills the background, draws the title. Returns the theme,
/// the area's width and height in pixels, and the y where the content may start.
pub(crate) fn begin<DB: DrawingBackend>(
    area: &Area<DB>,
    title_text: &str,
) -> Result<(Theme, i32, i32, i32), ChartError> {
    super::register_fonts();
    let th = Theme::for_area(area);
    let (w, h) = area.dim_in_pixel();
    area.fill(&BACKGROUND).map_err(err)?;
    let top = title(area, &th, title_text)? + th.px(4.0);
    Ok((th, w as i32, h as i32, top))
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

/// Draws one legend entry with its left edge at `x` and its row centred on `y`.
fn entry<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    e: &Entry,
    (x, y): (i32, i32),
) -> Result<(), ChartError> {
    let (sw, tx) = swatch_span(th);
    let (sx0, sx1) = (x, x + sw);
    match e.swatch {
        Swatch::Line { dashed } => {
            let s = e.color.stroke_width(th.line(2.5));
            if dashed {
                area.draw(&DashedPathElement::new(
                    vec![(sx0, y), (sx1, y)],
                    th.px(6.0),
                    th.px(3.0),
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
        (x + tx, y),
        &style(th.tick, &INK, false),
        HPos::Left,
        VPos::Center,
    )
}

/// A legend laid out outside the plot as a grid: `cols` equal columns, filled row by row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LegendGrid {
    /// The sizes it is drawn at (a compact legend uses smaller ones than the chart).
    pub th: Theme,
    pub cols: usize,
    pub rows: usize,
    /// Column pitch (widest entry plus the gap between columns).
    pub col_w: i32,
    /// Widest entry.
    pub entry_w: i32,
    pub row_h: i32,
}

impl LegendGrid {
    /// Width of the drawn legend (no trailing gap).
    pub fn width(&self) -> i32 {
        if self.cols == 0 {
            0
        } else {
            self.col_w * (self.cols as i32 - 1) + self.entry_w
        }
    }
    pub fn height(&self) -> i32 {
        self.row_h * self.rows as i32
    }
}

/// The grid with as many columns as fit in `max_w` (at least one), balanced so the last row is
/// not needlessly short; `max_cols` caps the columns (1 = a single column).
pub(crate) fn legend_grid<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    entries: &[Entry],
    max_w: i32,
    max_cols: usize,
) -> LegendGrid {
    let n = entries.len();
    let entry_w = entries
        .iter()
        .map(|e| entry_width(area, th, e))
        .max()
        .unwrap_or(0);
    let col_w = entry_w + th.px(14.0);
    let fit = if col_w > 0 {
        ((max_w - entry_w) / col_w + 1).max(1) as usize
    } else {
        1
    };
    let cols = fit.min(max_cols.max(1)).min(n.max(1));
    let rows = n.div_ceil(cols);
    let cols = if rows > 0 { n.div_ceil(rows) } else { 0 };
    LegendGrid {
        th: *th,
        cols,
        rows,
        col_w,
        entry_w,
        row_h: legend_row(th),
    }
}

/// Draws `entries` in `grid` with its top-left corner at `at`.
pub(crate) fn legend_grid_at<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[Entry],
    grid: &LegendGrid,
    at: (i32, i32),
) -> Result<(), ChartError> {
    for (i, e) in entries.iter().enumerate() {
        let (r, c) = (i / grid.cols.max(1), i % grid.cols.max(1));
        let x = at.0 + c as i32 * grid.col_w;
        let y = at.1 + r as i32 * grid.row_h + grid.row_h / 2;
        entry(area, &grid.th, e, (x, y))?;
    }
    Ok(())
}

/// Where a legend goes: beside the plot (one column) or under it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LegendPlace {
    None,
    Right(LegendGrid),
    Below(LegendGrid),
}

impl LegendPlace {
    /// Room the legend takes from the right of the plot area (including the gap before it).
    pub fn right_room(&self, th: &Theme) -> i32 {
        match self {
            LegendPlace::Right(g) => g.width() + th.px(16.0),
            _ => 0,
        }
    }
    /// Room the legend takes under the plot area (including the gap above it).
    pub fn below_room(&self, th: &Theme) -> i32 {
        match self {
            LegendPlace::Below(g) => g.height() + th.px(6.0),
            _ => 0,
        }
    }
    /// Draws it: beside, top-aligned with the plot at `right_x`; below, with its bottom at the
    /// area's bottom padding, centred under the plot (kept inside the area).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        th: &Theme,
        entries: &[Entry],
        ax: &Axes,
        right_x: i32,
    ) -> Result<(), ChartError> {
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        match self {
            LegendPlace::None => Ok(()),
            LegendPlace::Right(g) => legend_grid_at(area, entries, g, (right_x, ax.y0)),
            LegendPlace::Below(g) => {
                let x = ((ax.x0 + ax.x1) / 2 - g.width() / 2)
                    .min(w - th.pad - g.width())
                    .max(th.pad);
                let y = h - th.pad - g.height();
                legend_grid_at(area, entries, g, (x, y))
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
    let score = |p: LegendPlace| {
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
        let right = LegendPlace::Right(legend_grid(area, t, entries, i32::MAX, 1));
        let below = LegendPlace::Below(legend_grid(
            area,
            t,
            entries,
            w as i32 - 2 * th.pad,
            usize::MAX,
        ));
        let right_ok = matches!(right, LegendPlace::Right(g) if g.height() <= max_right_h);
        let (sr, sb) = (score(right), score(below));
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

    #[test]
    fn powers_of_ten_use_superscripts() {
        assert_eq!(pow10_label(-3), "10⁻³");
        assert_eq!(pow10_label(0), "10⁰");
        assert_eq!(pow10_label(12), "10¹²");
    }
}
