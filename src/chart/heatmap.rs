//! Heatmaps: one coloured cell per (row, column) value, rows = units (row 0 on top, as in an
//! image), columns = time steps.
//!
//! In the browser the cells go on a canvas as `ImageData` built by [`rgba`] (one pixel per cell,
//! scaled up by CSS with `image-rendering: pixelated`), never one `fillRect` per cell. [`draw`]
//! draws the whole chart (title, axes, colour legend bar, marked step) natively; with
//! [`HeatmapChart::draw_cells`] off it draws only the frame and returns where the cells belong,
//! so the page can put its `ImageData` there.

use super::colormap::{self, Scale};
use super::frame::{self, err, Area, Axes, Theme, ALERT, AXIS, INK, MUTED};
use super::{register_fonts, ChartError, PixelRect};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// RGBA pixels for `rows × cols` row-major `values`: 4 bytes per cell, row-major, colours from
/// [`colormap::color`] (non-finite values get the flag colours).
///
/// # Shapes
/// `values.len()` must be `rows · cols`; the result is `rows · cols · 4` bytes.
///
/// # Panics
/// When `values.len() != rows * cols`.
///
/// ```
/// use unrolled::chart::{colormap::Scale, heatmap::rgba};
/// let px = rgba(&[0.0, 1.0], 1, 2, Scale::UNIT);
/// assert_eq!(px, vec![0x44, 0x01, 0x54, 255, 0xfd, 0xe7, 0x25, 255]);
/// ```
pub fn rgba(values: &[f64], rows: usize, cols: usize, scale: Scale) -> Vec<u8> {
    assert_eq!(
        values.len(),
        rows * cols,
        "heatmap::rgba: values.len() must be rows * cols"
    );
    let mut out = Vec::with_capacity(values.len() * 4);
    for &v in values {
        out.extend_from_slice(&colormap::color(scale, v));
    }
    out
}

/// Transposes a row-major `rows × cols` matrix: a trace's `[T][H]` slice becomes the `[H][T]`
/// (units down, time across) a heatmap wants.
///
/// # Panics
/// When `values.len() != rows * cols`.
pub fn transpose(values: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(values.len(), rows * cols, "transpose: shape mismatch");
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = values[r * cols + c];
        }
    }
    out
}

/// A titled heatmap.
#[derive(Clone, Debug)]
pub struct HeatmapChart {
    /// Title above the chart.
    pub title: String,
    /// `rows × cols` values, row-major (row = unit, column = time step).
    pub values: Vec<f64>,
    /// Number of rows (units).
    pub rows: usize,
    /// Number of columns (time steps).
    pub cols: usize,
    /// Colour scale; the legend bar shows its range.
    pub scale: Scale,
    /// x-axis title (default `"time step t"`).
    pub x_label: String,
    /// y-axis title (default `"unit"`).
    pub y_label: String,
    /// Title of the colour legend bar (e.g. the gate name); may be empty.
    pub legend_label: String,
    /// A column to outline (the selected step).
    pub marked_col: Option<usize>,
    /// Draw the cells as rectangles (natively); `false` leaves the plot area blank for an
    /// `ImageData` overlay.
    pub draw_cells: bool,
}

impl HeatmapChart {
    /// A chart with the default axis titles, no marked column, cells drawn.
    pub fn new(
        title: impl Into<String>,
        values: Vec<f64>,
        rows: usize,
        cols: usize,
        scale: Scale,
    ) -> Self {
        HeatmapChart {
            title: title.into(),
            values,
            rows,
            cols,
            scale,
            x_label: "time step t".into(),
            y_label: "unit".into(),
            legend_label: String::new(),
            marked_col: None,
            draw_cells: true,
        }
    }
}

/// Draws `chart` filling `area`; returns the pixel rectangle of the cells.
///
/// # Errors
/// When `values.len() != rows · cols`, or the backend fails.
pub fn draw<DB: DrawingBackend>(
    area: &Area<DB>,
    chart: &HeatmapChart,
) -> Result<PixelRect, ChartError> {
    register_fonts();
    let (rows, cols) = (chart.rows, chart.cols);
    if chart.values.len() != rows * cols {
        return Err(ChartError(format!(
            "heatmap: {} values for {rows} × {cols} cells",
            chart.values.len()
        )));
    }
    let th = Theme::for_area(area);
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    area.fill(&frame::BACKGROUND).map_err(err)?;
    let top = frame::title(area, &th, &chart.title)?
        + th.px(if chart.marked_col.is_some() { 8.0 } else { 2.0 });

    // Ticks at cell centres, labelled with the 0-based index.
    let xt = frame::nice_ticks(0.0, cols.saturating_sub(1) as f64, 8, 1.0);
    let yt = frame::nice_ticks(0.0, rows.saturating_sub(1) as f64, 6, 1.0);
    let tick_st = frame::style(th.tick, &MUTED, false);
    let ytw = yt
        .iter()
        .map(|v| frame::text_width(area, &format!("{v}"), &tick_st))
        .max()
        .unwrap_or(0);

    // Colour bar on the right: bar, tick labels, and its title rotated beside them.
    let (lo, hi) = chart.scale.range();
    let bar_ticks = frame::fmt_ticks(&frame::nice_ticks(lo, hi, 4, 0.0));
    let btw = bar_ticks
        .iter()
        .map(|(_, s)| frame::text_width(area, s, &tick_st))
        .max()
        .unwrap_or(0);
    let bar_w = th.px(14.0);
    let right = th.pad
        + th.px(14.0)
        + bar_w
        + th.px(8.0)
        + btw
        + if chart.legend_label.is_empty() {
            0
        } else {
            th.px(14.0) + th.label as i32
        };

    let left = frame::left_margin(&th, ytw, !chart.y_label.is_empty());
    let bottom = frame::bottom_margin(&th, !chart.x_label.is_empty());
    let ax = Axes {
        x0: left,
        y0: top,
        x1: (w - right).max(left + 10),
        y1: (h - bottom).max(top + 10),
        xr: (0.0, cols.max(1) as f64),
        yr: (rows.max(1) as f64, 0.0),
    };

    if chart.draw_cells {
        draw_cells(area, &ax, chart)?;
    }
    ax.frame(area, &th)?;
    let centred = |t: &[f64]| -> Vec<(f64, String)> {
        t.iter().map(|&v| (v + 0.5, format!("{v}"))).collect()
    };
    ax.x_ticks(area, &th, &centred(&xt), false)?;
    ax.y_ticks(area, &th, &centred(&yt), false)?;
    ax.labels(area, &th, &chart.x_label, &chart.y_label, ytw)?;

    if let Some(c) = chart.marked_col.filter(|&c| c < cols) {
        mark_column(area, &th, &ax, c)?;
    }
    let bx0 = ax.x1 + th.px(14.0);
    let bar = ColourBar {
        x0: bx0,
        width: bar_w,
        ticks: &bar_ticks,
        tick_width: btw,
    };
    draw_colour_bar(area, &th, &ax, chart, &bar)?;
    draw_flags(area, &th, &chart.values, (bx0, ax.y1))?;
    Ok(ax.rect())
}

/// The selected step's column: a dark outline and a pointer above it.
fn mark_column<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    ax: &Axes,
    c: usize,
) -> Result<(), ChartError> {
    let (xa, xb) = (
        ax.fx(c as f64).floor() as i32,
        ax.fx(c as f64 + 1.0).ceil() as i32,
    );
    let (xa, xb) = (xa - th.px(1.0), xb.max(xa + 1) + th.px(1.0));
    area.draw(&Rectangle::new(
        [(xa, ax.y0), (xb, ax.y1)],
        INK.stroke_width(th.line(2.0)),
    ))
    .map_err(err)?;
    let xm = (xa + xb) / 2;
    let s = th.px(6.0);
    area.draw(&Polygon::new(
        vec![
            (xm - s, ax.y0 - s - th.px(2.0)),
            (xm + s, ax.y0 - s - th.px(2.0)),
            (xm, ax.y0 - th.px(1.0)),
        ],
        ALERT.filled(),
    ))
    .map_err(err)?;
    Ok(())
}

/// Where the colour bar goes and what its ticks say (measured by the caller, which sizes the
/// right margin by them).
struct ColourBar<'a> {
    x0: i32,
    width: i32,
    ticks: &'a [(f64, String)],
    tick_width: i32,
}

/// The colour bar right of the cells: the scale's colours bottom to top, its ticks, and the
/// legend label rotated beside them.
fn draw_colour_bar<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    ax: &Axes,
    chart: &HeatmapChart,
    bar: &ColourBar,
) -> Result<(), ChartError> {
    let (bx0, bar_w, btw) = (bar.x0, bar.width, bar.tick_width);
    let (by0, by1) = (ax.y0, ax.y1);
    let (lo, hi) = chart.scale.range();
    let tick_st = frame::style(th.tick, &MUTED, false);
    let n = (by1 - by0).max(1);
    for i in 0..n {
        let v = lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
        let c = colormap::color(chart.scale, v);
        let y = by1 - i - 1;
        area.draw(&Rectangle::new(
            [(bx0, y), (bx0 + bar_w, y + 1)],
            RGBColor(c[0], c[1], c[2]).filled(),
        ))
        .map_err(err)?;
    }
    area.draw(&Rectangle::new(
        [(bx0, by0), (bx0 + bar_w, by1)],
        AXIS.stroke_width(th.line(1.0)),
    ))
    .map_err(err)?;
    let bar_ax = Axes {
        x0: bx0,
        y0: by0,
        x1: bx0 + bar_w,
        y1: by1,
        xr: (0.0, 1.0),
        yr: (lo, if hi > lo { hi } else { lo + 1.0 }),
    };
    for (v, s) in bar.ticks {
        let y = bar_ax.fy(*v).round() as i32;
        area.draw(&PathElement::new(
            vec![(bx0 + bar_w, y), (bx0 + bar_w + th.px(4.0), y)],
            AXIS.stroke_width(th.line(1.0)),
        ))
        .map_err(err)?;
        frame::text(
            area,
            s,
            (bx0 + bar_w + th.px(7.0), y),
            &tick_st,
            HPos::Left,
            VPos::Center,
        )?;
    }
    if !chart.legend_label.is_empty() {
        let cx = bx0 + bar_w + th.px(16.0) + btw + (th.label * 0.5) as i32;
        frame::vtext(
            area,
            &chart.legend_label,
            (cx, (by0 + by1) / 2),
            &frame::style(th.label, &INK, false),
        )?;
    }

    Ok(())
}

/// Swatches for the flag colours (NaN, ±∞), only those present, in a row under the colour bar
/// starting at `at` (the bar's left edge, the cells' bottom).
fn draw_flags<DB: DrawingBackend>(
    area: &Area<DB>,
    th: &Theme,
    values: &[f64],
    at: (i32, i32),
) -> Result<(), ChartError> {
    let flags: Vec<(&str, [u8; 4])> = [
        (
            "NaN",
            colormap::NAN_COLOR,
            values.iter().any(|v| v.is_nan()),
        ),
        (
            "+∞",
            colormap::POS_INF_COLOR,
            values.contains(&f64::INFINITY),
        ),
        (
            "−∞",
            colormap::NEG_INF_COLOR,
            values.contains(&f64::NEG_INFINITY),
        ),
    ]
    .into_iter()
    .filter(|f| f.2)
    .map(|f| (f.0, f.1))
    .collect();
    let tick_st = frame::style(th.tick, &MUTED, false);
    let mut fx = at.0;
    let fy = at.1 + th.px(9.0) + (th.tick * 0.5) as i32;
    for (label, c) in flags {
        let s = th.px(6.0);
        area.draw(&Rectangle::new(
            [(fx, fy - s), (fx + 2 * s, fy + s)],
            RGBColor(c[0], c[1], c[2]).filled(),
        ))
        .map_err(err)?;
        frame::text(
            area,
            label,
            (fx + 2 * s + th.px(3.0), fy),
            &tick_st,
            HPos::Left,
            VPos::Center,
        )?;
        fx += 2 * s + th.px(8.0) + frame::text_width(area, label, &tick_st);
    }
    Ok(())
}

/// Draws several heatmaps in a grid, `columns` across, row by row; returns each one's cell
/// rectangle (in `area`'s pixels).
///
/// # Errors
/// As [`draw`].
pub fn draw_grid<DB: DrawingBackend>(
    area: &Area<DB>,
    charts: &[HeatmapChart],
    columns: usize,
) -> Result<Vec<PixelRect>, ChartError> {
    area.fill(&frame::BACKGROUND).map_err(err)?;
    let columns = columns.clamp(1, charts.len().max(1));
    let rows = charts.len().div_ceil(columns).max(1);
    let cells = area.split_evenly((rows, columns));
    let mut out = Vec::with_capacity(charts.len());
    for (chart, sub) in charts.iter().zip(&cells) {
        let r = draw(sub, chart)?;
        let (dx, dy) = (
            sub.get_base_pixel().0 - area.get_base_pixel().0,
            sub.get_base_pixel().1 - area.get_base_pixel().1,
        );
        out.push(PixelRect {
            x: r.x + dx,
            y: r.y + dy,
            ..r
        });
    }
    Ok(out)
}

/// Cells as rectangles, runs of equal colour in a row merged into one.
fn draw_cells<DB: DrawingBackend>(
    area: &Area<DB>,
    ax: &Axes,
    chart: &HeatmapChart,
) -> Result<(), ChartError> {
    let (rows, cols) = (chart.rows, chart.cols);
    let px: Vec<[u8; 4]> = chart
        .values
        .iter()
        .map(|&v| colormap::color(chart.scale, v))
        .collect();
    let xs: Vec<i32> = (0..=cols).map(|c| ax.fx(c as f64).round() as i32).collect();
    for r in 0..rows {
        let (ya, yb) = (
            ax.fy(r as f64).round() as i32,
            ax.fy(r as f64 + 1.0).round() as i32,
        );
        let yb = yb.max(ya + 1);
        let row = &px[r * cols..(r + 1) * cols];
        let mut c0 = 0;
        while c0 < cols {
            let mut c1 = c0 + 1;
            while c1 < cols && row[c1] == row[c0] {
                c1 += 1;
            }
            let col = row[c0];
            area.draw(&Rectangle::new(
                [(xs[c0], ya), (xs[c1].max(xs[c0] + 1), yb)],
                RGBColor(col[0], col[1], col[2]).filled(),
            ))
            .map_err(err)?;
            c0 = c1;
        }
    }
    Ok(())
}
