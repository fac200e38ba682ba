//! PNG output (native only): the chart's SVG rasterised by resvg, with the bundled DejaVu Sans
//! as the only font (`sans-serif` is bound to it), so a PNG looks exactly like its SVG and needs
//! no system fonts.

use super::{FONT_BOLD, FONT_REGULAR};
use resvg::{tiny_skia, usvg};

/// Rasterises SVG text to PNG bytes at the SVG's own size.
///
/// # Errors
/// When the SVG does not parse or the image cannot be encoded.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, String> {
    let mut opt = usvg::Options::default();
    {
        let db = opt.fontdb_mut();
        db.load_font_data(FONT_REGULAR.to_vec());
        db.load_font_data(FONT_BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
    }
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("svg: {e}"))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "png: empty image".to_string())?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| format!("png: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_text_becomes_a_png_of_the_same_size_with_ink() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="white"/><text x="4" y="28" font-family="sans-serif" font-size="24">λ = 0.9</text></svg>"#;
        let png = svg_to_png(svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 120);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 40);
        // Text was drawn: decode by re-rendering the same tree and counting dark pixels.
        let mut opt = usvg::Options::default();
        opt.fontdb_mut().load_font_data(FONT_REGULAR.to_vec());
        opt.fontdb_mut().set_sans_serif_family("DejaVu Sans");
        let tree = usvg::Tree::from_str(svg, &opt).unwrap();
        let mut pm = tiny_skia::Pixmap::new(120, 40).unwrap();
        resvg::render(&tree, tiny_skia::Transform::default(), &mut pm.as_mut());
        let dark = pm.pixels().iter().filter(|p| p.red() < 100).count();
        assert!(dark > 50, "text should leave ink, got {dark} dark pixels");
    }
}
