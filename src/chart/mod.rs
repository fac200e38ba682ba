//! Charts of what a run recorded: pure Rust drawing, generic over plotters' [`DrawingBackend`],
//! so the same code draws on an HTML canvas (the page's backend, `src/web/canvas.rs`) and to
//! SVG/PNG natively. No wasm or web types here (ring 2 of the house style).
//!
//! The line charts are laid out first (labels measured, plot and legend placed) and drawn in two
//! [`Layer`]s from that layout: the frame (background, title, grid, ticks, axis titles, the
//! legend's swatches and fixed labels) and the data. Natively both go on one area in that order;
//! the page keeps the frame as a cached image, redrawn only when the layout's key changes, and
//! draws the data over it on every change. One drawing code path per chart either way.
//!
//! What each chart shows:
//! - [`heatmap`]: one value per (unit, time step) cell, e.g. a gate's activation `[T][H]` drawn
//!   with time across and units down. [`heatmap::rgba`] makes the pixel buffer the page puts on
//!   a canvas as `ImageData` (one pixel per cell, scaled by CSS); [`heatmap::draw`] draws a
//!   titled heatmap with axes, a colour legend bar and an optional marked (selected) step, and
//!   returns where the cells went so the page can put its `ImageData` there instead.
//! - [`gradient_flow`]: how far back a signal still reaches. Norms such as `‖∂L/∂h_t‖` and
//!   `‖∂h_last/∂h_t‖` against the lag `k` (steps back from the end) on a log axis, so
//!   exponential vanishing or explosion is a straight line; line styles (solid, dotted) tell
//!   quantities apart and colours cells; theory curves (`ρ^k`, `σ_max^k`) dashed on top; an
//!   inf/NaN ends the line with an "overflow at k=…" marker.
//! - [`spectrum`]: the eigenvalues of `W_hh` blocks in the complex plane with the unit circle
//!   (inside it: a linear recurrence forgets; outside: it explodes) and each block's spectral
//!   radius dashed; and [`spectrum::draw_singular_values_layer`], the singular values as bars against
//!   the line σ = 1 (the Pascanu et al. bound `σ_max^k`).
//! - [`registry`]: every chart's data, built once from a [`source::Source`] that both a lab scene
//!   (the page) and a trace (`unrolled render`) convert into, so the page, its SVG downloads and
//!   `render` show the same thing.
//! - [`colormap`]: viridis and PuOr to RGBA, with flag colours for NaN and ±∞.
//!
//! Colours: one fixed Okabe–Ito colour per cell kind ([`cell_color`], [`css_hex`]), used by
//! every chart and by the page, so "LSTM" is the same green everywhere.
//!
//! Text is drawn in the family `"sans-serif"`. Natively that name is bound to the bundled
//! DejaVu Sans (`assets/fonts/`, compiled in with `include_bytes!`, so no system fonts are
//! needed at run time; [`register_fonts`] runs on the first draw); in the browser the canvas
//! uses its own sans-serif.

pub mod colormap;
mod frame;
pub mod gradient_flow;
pub mod heatmap;
#[cfg(not(target_arch = "wasm32"))]
pub mod raster;
pub mod registry;
pub mod source;
pub mod spectrum;
pub mod training;

use crate::cell::CellKind;
pub use frame::{Layer, LineStyle, Marker};
pub use plotters::coord::Shift;
pub use plotters::prelude::{DrawingArea, DrawingBackend};

/// The Okabe–Ito colourblind-safe palette (Okabe & Ito, 2008), in its usual order: black,
/// orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
pub const OKABE_ITO: [[u8; 3]; 8] = [
    [0x00, 0x00, 0x00],
    [0xE6, 0x9F, 0x00],
    [0x56, 0xB4, 0xE9],
    [0x00, 0x9E, 0x73],
    [0xF0, 0xE4, 0x42],
    [0x00, 0x72, 0xB2],
    [0xD5, 0x5E, 0x00],
    [0xCC, 0x79, 0xA7],
];

/// The fixed colour of a cell kind (its row of the cell table, [`CellKind::info`]), from
/// [`OKABE_ITO`]: `rnn_tanh` blue `#0072B2`, `rnn_relu` vermillion `#D55E00`, `rnn_linear` reddish
/// purple `#CC79A7`, `lstm` bluish green `#009E73`, `gru` orange `#E69F00`.
pub fn cell_color(kind: CellKind) -> [u8; 3] {
    kind.info().color
}

/// A colour as a CSS hex string, `[0, 114, 178]` → `"#0072b2"`.
pub use crate::cell::info::css_hex;

/// [`cell_color`] as a CSS hex string, for the page.
pub fn cell_color_css(kind: CellKind) -> String {
    css_hex(cell_color(kind))
}

/// The colour of series number `i` when one chart shows several things of one cell (gate blocks,
/// several norms): the Okabe–Ito colours without black and yellow (too faint on white), cycling.
pub fn series_color(i: usize) -> [u8; 3] {
    const ORDER: [usize; 6] = [5, 6, 3, 1, 7, 2];
    OKABE_ITO[ORDER[i % ORDER.len()]]
}

/// A drawing failed: the backend's error, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "chart: {}", self.0)
    }
}

impl std::error::Error for ChartError {}

/// Where a chart put its plotting area, in the drawing area's pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelRect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

thread_local! {
    static PIXEL_RATIO: std::cell::Cell<f64> = const { std::cell::Cell::new(1.0) };
}

/// The ratio set by [`with_pixel_ratio`] (1 outside it).
pub(crate) fn pixel_ratio() -> f64 {
    PIXEL_RATIO.with(|r| r.get())
}

/// Runs `f` (which draws charts) with `ratio` device pixels per CSS pixel: the charts' fonts,
/// lines and spacing never go below `ratio` × their base size, so a canvas sized
/// CSS size × devicePixelRatio looks the same as at ratio 1, only sharper. Without it (and
/// natively) the ratio is 1. Non-finite or non-positive ratios count as 1; the previous ratio
/// is restored afterwards.
///
/// ```
/// use unrolled::chart::with_pixel_ratio;
/// assert_eq!(with_pixel_ratio(2.0, || 7), 7);
/// ```
pub fn with_pixel_ratio<R>(ratio: f64, f: impl FnOnce() -> R) -> R {
    let ratio = if ratio.is_finite() && ratio > 0.0 {
        ratio
    } else {
        1.0
    };
    let before = PIXEL_RATIO.with(|r| r.replace(ratio));
    let out = f();
    PIXEL_RATIO.with(|r| r.set(before));
    out
}

/// DejaVu Sans, bundled (`assets/fonts/`, with its licence).
#[cfg(not(target_arch = "wasm32"))]
pub const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, bundled.
#[cfg(not(target_arch = "wasm32"))]
pub const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Binds the family `"sans-serif"` (normal and bold) to the bundled DejaVu Sans. Idempotent;
/// every `draw` calls it, so callers need not. Native builds only: in wasm the canvas draws text.
#[cfg(not(target_arch = "wasm32"))]
pub fn register_fonts() {
    use plotters::style::{register_font, FontStyle};
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let (regular, bold) = (FONT_REGULAR, FONT_BOLD);
        // The bytes are a known-good TrueType file; a failure would only lose text.
        let _ = register_font("sans-serif", FontStyle::Normal, regular);
        let _ = register_font("sans-serif", FontStyle::Bold, bold);
    });
}

/// No-op in the browser: the canvas has its own fonts.
#[cfg(target_arch = "wasm32")]
pub fn register_fonts() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_colours_are_okabe_ito_and_distinct() {
        let colours: Vec<[u8; 3]> = CellKind::ALL.iter().map(|&k| cell_color(k)).collect();
        for (i, c) in colours.iter().enumerate() {
            assert!(OKABE_ITO.contains(c), "{c:?}");
            assert!(!colours[..i].contains(c), "{c:?} twice");
        }
    }
}
