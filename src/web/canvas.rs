//! A plotters [`DrawingBackend`] on an HTML canvas's 2D context, built for redrawing every frame
//! (it replaces plotters-canvas, which is correct but slow for that):
//!
//! - the context's fill, stroke, line width, font and text alignment are set only when they
//!   change (plotters-canvas formats and sets a colour string for every primitive);
//! - consecutive primitives of one style are one path: the pieces of a dashed line, a row of
//!   dots, the bars of one series, gridlines of one colour are stroked or filled once;
//! - text is measured with `measureText` on a canvas outside the page, once per font and string
//!   (plotters' web font code appends a `<span>` to the page and reads its size, a forced layout
//!   of the whole page per label).
//!
//! Coordinates are the canvas's device pixels; the charts scale themselves
//! ([`crate::chart::with_pixel_ratio`]).

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A canvas operation failed (the message of the JS exception).
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "canvas: {}", self.0)
    }
}

impl std::error::Error for CanvasError {}

fn js_error(e: JsValue) -> DrawingErrorKind<CanvasError> {
    DrawingErrorKind::DrawingError(CanvasError(
        e.as_string()
            .or_else(|| js_sys::Error::from(e).message().as_string())
            .unwrap_or_else(|| "unknown error".into()),
    ))
}

/// The path being collected: everything in it is stroked or filled with one style.
#[derive(Clone, Copy, PartialEq)]
enum Pending {
    None,
    Stroke { rgba: (u8, u8, u8, u16), width: u32 },
    Fill { rgba: (u8, u8, u8, u16) },
}

/// What the context is known to hold (None: not set by us yet).
#[derive(Clone, Default)]
struct Known {
    fill: Option<(u8, u8, u8, u16)>,
    stroke: Option<(u8, u8, u8, u16)>,
    width: Option<u32>,
    font: Option<String>,
    align: Option<&'static str>,
    baseline: Option<&'static str>,
}

thread_local! {
    /// Text widths and heights by (font, text), shared by every canvas of the page.
    static MEASURED: RefCell<HashMap<(String, String), (u32, u32)>> = RefCell::new(HashMap::new());
    /// A detached canvas's context that measures text, and the font it is set to. Setting a
    /// font or drawing text on a canvas in the page recomputes the page's styles when anything
    /// changed since the last frame; on a detached canvas it does not.
    static METER: RefCell<Option<(CanvasRenderingContext2d, String)>> = const { RefCell::new(None) };
}

/// The 2D context of a new canvas that is not in the page.
fn measuring_context(like: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, JsValue> {
    let doc = like
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let c: HtmlCanvasElement = doc.create_element("canvas")?.unchecked_into();
    c.get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .dyn_into()
        .map_err(|_| JsValue::from_str("no 2d context"))
}

fn key(c: BackendColor) -> (u8, u8, u8, u16) {
    let a = (c.alpha.clamp(0.0, 1.0) * 1000.0).round() as u16;
    (c.rgb.0, c.rgb.1, c.rgb.2, a)
}

fn css((r, g, b, a): (u8, u8, u8, u16)) -> String {
    if a >= 1000 {
        format!("rgb({r},{g},{b})")
    } else {
        format!("rgba({r},{g},{b},{})", a as f64 / 1000.0)
    }
}

fn font_of<S: BackendTextStyle>(style: &S) -> String {
    format!(
        "{} {}px {}",
        style.style().as_str(),
        style.size(),
        style.family().as_str()
    )
}

/// The backend. Call [`DrawingBackend::present`] (or drop it) to draw what is still collected.
pub struct Canvas {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    pending: Pending,
    known: Known,
}

impl Canvas {
    /// The backend of `canvas`'s 2D context, or `None` when it has none.
    pub fn new(canvas: HtmlCanvasElement) -> Option<Canvas> {
        let ctx = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        Some(Canvas {
            canvas,
            ctx,
            pending: Pending::None,
            known: Known::default(),
        })
    }

    /// Strokes or fills what was collected.
    fn flush(&mut self) {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => {}
            Pending::Stroke { .. } => self.ctx.stroke(),
            Pending::Fill { .. } => self.ctx.fill(),
        }
    }

    /// Makes `want` the path being collected (stroking or filling the previous one if it differs).
    fn begin(&mut self, want: Pending) {
        if self.pending == want {
            return;
        }
        self.flush();
        match want {
            Pending::None => return,
            Pending::Stroke { rgba, width } => {
                if self.known.stroke != Some(rgba) {
                    self.ctx.set_stroke_style_str(&css(rgba));
                    self.known.stroke = Some(rgba);
                }
                if self.known.width != Some(width) {
                    self.ctx.set_line_width(width as f64);
                    self.known.width = Some(width);
                }
            }
            Pending::Fill { rgba } => self.set_fill(rgba),
        }
        self.ctx.begin_path();
        self.pending = want;
    }

    fn set_fill(&mut self, rgba: (u8, u8, u8, u16)) {
        if self.known.fill != Some(rgba) {
            self.ctx.set_fill_style_str(&css(rgba));
            self.known.fill = Some(rgba);
        }
    }

    fn stroke_of<S: BackendStyle>(style: &S) -> Pending {
        Pending::Stroke {
            rgba: key(style.color()),
            width: style.stroke_width(),
        }
    }

    fn set_font(&mut self, font: String) {
        if self.known.font.as_deref() != Some(font.as_str()) {
            self.ctx.set_font(&font);
            self.known.font = Some(font);
        }
    }
}

impl Drop for Canvas {
    fn drop(&mut self) {
        self.flush();
    }
}

/// A 1-pixel-wide horizontal or vertical line on pixel centres (as plotters-canvas does), so it is
/// sharp rather than two half-covered rows.
fn crisp(from: BackendCoord, to: BackendCoord, width: u32) -> ((f64, f64), (f64, f64)) {
    let (mut a, mut b) = ((from.0 as f64, from.1 as f64), (to.0 as f64, to.1 as f64));
    if width % 2 == 1 {
        if from.0 == to.0 {
            a.0 -= 0.5;
            b.0 -= 0.5;
        }
        if from.1 == to.1 {
            a.1 -= 0.5;
            b.1 -= 0.5;
        }
    }
    (a, b)
}

impl DrawingBackend for Canvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        (self.canvas.width(), self.canvas.height())
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.flush();
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.begin(Pending::Fill { rgba: key(color) });
        self.ctx.rect(point.0 as f64, point.1 as f64, 1.0, 1.0);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.begin(Self::stroke_of(style));
        let (a, b) = crisp(from, to, style.stroke_width());
        self.ctx.move_to(a.0, a.1);
        self.ctx.line_to(b.0, b.1);
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (x, y) = (upper_left.0 as f64, upper_left.1 as f64);
        let (w, h) = (
            (bottom_right.0 - upper_left.0) as f64,
            (bottom_right.1 - upper_left.1) as f64,
        );
        if fill {
            self.begin(Pending::Fill {
                rgba: key(style.color()),
            });
        } else {
            self.begin(Self::stroke_of(style));
        }
        self.ctx.rect(x, y, w, h);
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut points = path.into_iter();
        let Some(first) = points.next() else {
            return Ok(());
        };
        self.begin(Self::stroke_of(style));
        match points.next() {
            // Two points: a line (kept crisp when it is horizontal or vertical).
            Some(second) => {
                let third = points.next();
                if third.is_none() {
                    let (a, b) = crisp(first, second, style.stroke_width());
                    self.ctx.move_to(a.0, a.1);
                    self.ctx.line_to(b.0, b.1);
                } else {
                    self.ctx.move_to(first.0 as f64, first.1 as f64);
                    for p in [second].into_iter().chain(third).chain(points) {
                        self.ctx.line_to(p.0 as f64, p.1 as f64);
                    }
                }
            }
            None => {
                self.ctx.move_to(first.0 as f64, first.1 as f64);
            }
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let mut points = vert.into_iter();
        let Some(first) = points.next() else {
            return Ok(());
        };
        self.begin(Pending::Fill {
            rgba: key(style.color()),
        });
        self.ctx.move_to(first.0 as f64, first.1 as f64);
        for p in points {
            self.ctx.line_to(p.0 as f64, p.1 as f64);
        }
        self.ctx.close_path();
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        if fill {
            self.begin(Pending::Fill {
                rgba: key(style.color()),
            });
        } else {
            self.begin(Self::stroke_of(style));
        }
        let (x, y, r) = (center.0 as f64, center.1 as f64, radius as f64);
        self.ctx.move_to(x + r, y);
        self.ctx
            .arc(x, y, r, 0.0, std::f64::consts::TAU)
            .map_err(js_error)?;
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.flush();
        let angle: f64 = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        };
        let (mut x, mut y) = (pos.0 as f64, pos.1 as f64);
        let before = (angle != 0.0).then(|| self.known.clone());
        if angle != 0.0 {
            self.ctx.save();
            self.ctx.translate(x, y).map_err(js_error)?;
            self.ctx.rotate(angle.to_radians()).map_err(js_error)?;
            (x, y) = (0.0, 0.0);
        }
        let baseline = match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        };
        let align = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        };
        if self.known.baseline != Some(baseline) {
            self.ctx.set_text_baseline(baseline);
            self.known.baseline = Some(baseline);
        }
        if self.known.align != Some(align) {
            self.ctx.set_text_align(align);
            self.known.align = Some(align);
        }
        self.set_fill(key(color));
        self.set_font(font_of(style));
        self.ctx.fill_text(text, x, y).map_err(js_error)?;
        if let Some(before) = before {
            // restore() brings back what the context held before save().
            self.ctx.restore();
            self.known = before;
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        let font = font_of(style);
        let k = (font, text.to_string());
        if let Some(size) = MEASURED.with(|m| m.borrow().get(&k).copied()) {
            return Ok(size);
        }
        let m = METER
            .with(|meter| -> Result<_, JsValue> {
                let mut meter = meter.borrow_mut();
                if meter.is_none() {
                    *meter = Some((measuring_context(&self.canvas)?, String::new()));
                }
                let (ctx, set) = meter.as_mut().expect("just made");
                if *set != k.0 {
                    ctx.set_font(&k.0);
                    set.clone_from(&k.0);
                }
                ctx.measure_text(text)
            })
            .map_err(js_error)?;
        let size = (
            m.width().ceil().max(0.0) as u32,
            (m.font_bounding_box_ascent() + m.font_bounding_box_descent())
                .ceil()
                .max(0.0) as u32,
        );
        MEASURED.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() > 4096 {
                m.clear();
            }
            m.insert(k, size);
        });
        Ok(size)
    }
}
