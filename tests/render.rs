//! Chart rendering, natively: every chart drawn to an SVG string from small real traces and
//! checked for what a reader must see (titles, axis labels, legend, ticks, markers), the
//! colour maps' documented colours, and the CLI's `render` to SVG and PNG.

use plotters::prelude::*;
use std::process::Command;
use unrolled::cell::CellKind;
use unrolled::chart::colormap::{self, Scale, NAN_COLOR, NEG_INF_COLOR, POS_INF_COLOR};
use unrolled::chart::gradient_flow::{self, GradientFlowChart};
use unrolled::chart::heatmap::{self, HeatmapChart};
use unrolled::chart::registry::{self, Chart, FlowOptions};
use unrolled::chart::source::{Pick, Source};
use unrolled::chart::{cell_color, css_hex, LineStyle};
use unrolled::spec::{parse_spec, run, TraceResult};

/// A one-sequence spec with a deterministic input and `grad_h_n` = ones.
fn spec_json(cell: &str, hidden: usize, steps: usize, init: &str) -> String {
    let input: Vec<String> = (0..steps)
        .map(|t| {
            format!(
                "[{:.4},{:.4}]",
                (0.3 * t as f64).sin(),
                (0.17 * t as f64).cos()
            )
        })
        .collect();
    let ones = vec!["1.0"; hidden].join(",");
    format!(
        r#"{{"cell":"{cell}","input_size":2,"hidden_size":{hidden},"input":[[{}]],"init":{init},"grad_h_n":[[[{ones}]]]}}"#,
        input.join(",")
    )
}

fn trace(cell: &str, hidden: usize, steps: usize, init: &str) -> TraceResult {
    run(parse_spec(&spec_json(cell, hidden, steps, init)).expect("valid spec")).expect("runs")
}

/// The registry's charts of a trace's first sequence, layer and direction, titled: what
/// `unrolled render` draws.
mod from_trace {
    use super::*;
    use unrolled::chart::gradient_flow::GradientFlowChart;
    use unrolled::chart::heatmap::HeatmapChart;
    use unrolled::chart::spectrum::{SingularValuesChart, SpectrumChart};

    fn source(r: &TraceResult) -> Source<'_> {
        Source::trace(r, Pick::default()).expect("pick in range")
    }

    pub fn gradient_flow(r: &TraceResult) -> Result<GradientFlowChart, String> {
        registry::gradient_flow(&source(r), FlowOptions::default(), true)
    }

    pub fn spectrum(r: &TraceResult) -> Result<SpectrumChart, String> {
        registry::spectrum(&source(r), None, true)
    }

    pub fn singular_values(r: &TraceResult) -> Result<SingularValuesChart, String> {
        registry::singular_values(&source(r), true)
    }

    pub fn gates(r: &TraceResult) -> Result<Vec<HeatmapChart>, String> {
        Ok(registry::gates(&source(r).cells[0]))
    }

    pub fn carry_path(r: &TraceResult) -> Result<HeatmapChart, String> {
        registry::carry_path(&source(r).cells[0])
    }
}

fn svg<F>(w: u32, h: u32, f: F) -> String
where
    F: FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>),
{
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        f(&root);
        root.present().expect("svg present");
    }
    out
}

/// The contents of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    placed_texts(svg).into_iter().map(|(t, ..)| t).collect()
}

fn has_text(svg: &str, s: &str) -> bool {
    texts(svg).iter().any(|t| t == s)
}

const SUPERSCRIPTS: &str = "⁻⁰¹²³⁴⁵⁶⁷⁸⁹";

fn is_pow10_label(t: &str) -> bool {
    t.len() > 2
        && t.starts_with("10")
        && t[2..].chars().all(|c| SUPERSCRIPTS.contains(c))
        && t[2..].chars().any(|c| c != '⁻')
}

// ---- colour maps -------------------------------------------------------------------------

#[test]
fn colormaps_have_their_documented_colours() {
    assert_eq!(colormap::viridis(0.0), [0x44, 0x01, 0x54, 255]);
    assert_eq!(colormap::viridis(1.0), [0xfd, 0xe7, 0x25, 255]);
    assert_eq!(colormap::viridis(-3.0), colormap::viridis(0.0), "clamped");
    let white = colormap::diverging(0.0);
    assert!(
        white[..3].iter().all(|&c| c >= 240),
        "diverging(0) ≈ white: {white:?}"
    );
    // Diverging ends differ in hue: purple (blue > red) below, brown (red > blue) above.
    let (neg, pos) = (colormap::diverging(-1.0), colormap::diverging(1.0));
    assert!(neg[2] > neg[0] && pos[0] > pos[2]);
    assert_eq!(colormap::viridis(f64::NAN), NAN_COLOR);
    assert_eq!(NAN_COLOR, [255, 0, 255, 255]);
    assert_eq!(POS_INF_COLOR, [0, 0, 0, 255]);
    assert_ne!(NEG_INF_COLOR, POS_INF_COLOR);
    assert_eq!(
        colormap::color(Scale::TANH, f64::NEG_INFINITY),
        NEG_INF_COLOR
    );
}

#[test]
fn rgba_buffer_is_rows_times_cols_pixels_in_row_major_order() {
    let (rows, cols) = (3, 5);
    let mut v: Vec<f64> = (0..rows * cols).map(|i| i as f64 / 14.0).collect();
    v[7] = f64::NAN;
    let px = heatmap::rgba(&v, rows, cols, Scale::UNIT);
    assert_eq!(px.len(), rows * cols * 4);
    assert_eq!(&px[0..4], &colormap::viridis(0.0));
    assert_eq!(&px[(rows * cols - 1) * 4..], &colormap::viridis(1.0));
    assert_eq!(&px[7 * 4..8 * 4], &NAN_COLOR);
    let d = heatmap::rgba(&[-2.0, 0.0, 2.0], 1, 3, Scale::Diverging { limit: 2.0 });
    assert_eq!(&d[4..8], &colormap::diverging(0.0));
    assert_eq!(&d[0..4], &colormap::diverging(-1.0));
}

#[test]
fn cell_colours_are_distinct_okabe_ito_hex() {
    let all: Vec<String> = CellKind::ALL
        .iter()
        .map(|&k| css_hex(cell_color(k)))
        .collect();
    for (i, a) in all.iter().enumerate() {
        assert!(a.starts_with('#') && a.len() == 7);
        assert!(!all[i + 1..].contains(a), "{a} used twice");
    }
    assert_eq!(css_hex(cell_color(CellKind::Lstm)), "#009e73");
    assert_eq!(
        unrolled::chart::cell_color_css(CellKind::RnnTanh),
        "#0072b2"
    );
}

// ---- gradient flow -----------------------------------------------------------------------

#[test]
fn gradient_flow_has_titles_legend_and_decade_ticks() {
    let r = trace("rnn_tanh", 6, 30, r#"{"seed":3}"#);
    let chart = from_trace::gradient_flow(&r).expect("chart");
    assert_eq!(chart.series.len(), 3, "gradient, Jacobian, Pascanu bound");
    let styles: Vec<LineStyle> = chart.series.iter().map(|s| s.style).collect();
    assert_eq!(
        styles,
        [LineStyle::Solid, LineStyle::Dotted, LineStyle::Dashed]
    );
    assert!(chart.series[2].is_theory() && !chart.series[0].is_theory());
    let s = svg(640, 360, |a| {
        Chart::Flow(chart.clone()).draw(a).expect("draws");
    });
    assert!(has_text(&s, &chart.title), "title");
    assert!(has_text(&s, "lag k (steps back from the end)"));
    assert!(has_text(&s, registry::FLOW_Y_LABEL));
    for item in &chart.legend {
        assert!(has_text(&s, &item.label), "legend {}", item.label);
    }
    let pow: Vec<String> = texts(&s)
        .into_iter()
        .filter(|t| is_pow10_label(t))
        .collect();
    assert!(pow.len() >= 2, "log axis labels: {pow:?}");
    // No other kind of number on the y axis: every label with a superscript is a power of ten.
    for t in texts(&s) {
        if t.chars().any(|c| SUPERSCRIPTS.contains(c)) && t.starts_with("10") {
            assert!(is_pow10_label(&t), "{t}");
        }
    }
    assert!(!s.contains("overflow at k="), "no overflow in a tanh net");
}

#[test]
fn exploding_linear_rnn_gets_an_overflow_marker_not_a_broken_chart() {
    // ρ = 3 over 700 steps: 3^k leaves f64 near k ≈ 646.
    let r = trace(
        "rnn_linear",
        4,
        700,
        r#"{"seed":2,"scheme":"gaussian","spectral_radius":3.0}"#,
    );
    let chart = from_trace::gradient_flow(&r).expect("chart");
    let k = gradient_flow::first_nonfinite(&chart.series[0].values).expect("gradient overflows");
    let s = svg(640, 360, |a| {
        Chart::Flow(chart.clone()).draw(a).expect("draws");
    });
    let labels: Vec<String> = texts(&s)
        .into_iter()
        .filter(|t| t.contains("overflow at k="))
        .collect();
    assert!(!labels.is_empty(), "overflow label");
    assert!(
        labels.iter().any(|t| t.contains(&format!("k={k}"))),
        "{labels:?}"
    );
    assert!(s.contains("<polygon"), "triangle marker");
    assert!(has_text(&s, "theory ρ^k"), "theory curve in legend");
    // The dashed theory curve ρ^k also leaves f64, but that is no network overflow.
    assert_eq!(labels.len(), 1);
}

#[test]
fn gradient_flow_with_no_drawable_values_says_so() {
    let chart = GradientFlowChart::new(
        "empty",
        "norm",
        vec![gradient_flow::Series {
            label: "zeros".into(),
            color: [0, 0, 0],
            values: vec![0.0; 5],
            style: LineStyle::Solid,
        }],
    );
    let s = svg(640, 360, |a| {
        Chart::Flow(chart.clone()).draw(a).expect("draws");
    });
    assert!(has_text(&s, "no finite positive values to draw"));
}

/// Every `<text>`: its content, x, y and font size.
fn placed_texts(svg: &str) -> Vec<(String, f64, f64, f64)> {
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!(" {name}=\"");
        tag.find(&key)
            .and_then(|i| tag[i + key.len()..].split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(a) = rest.find("<text") {
        let after = &rest[a..];
        let open_end = after.find('>').expect("tag end");
        let close = after.find("</text>").expect("closing tag");
        let tag = &after[..open_end];
        let content = after[open_end + 1..close].trim().to_string();
        out.push((
            content,
            attr(tag, "x"),
            attr(tag, "y"),
            attr(tag, "font-size"),
        ));
        rest = &after[close..];
    }
    out
}

/// `(stroke colour, stroke width)` of every `<polyline>`, in drawing order.
fn polylines(svg: &str) -> Vec<(String, f64)> {
    svg.split("<polyline")
        .skip(1)
        .map(|p| {
            let tag = &p[..p.find('>').unwrap_or(p.len())];
            let get = |k: &str| {
                let key = format!("{k}=\"");
                tag.find(&key)
                    .map(|i| {
                        tag[i + key.len()..]
                            .split('"')
                            .next()
                            .unwrap_or("")
                            .to_string()
                    })
                    .unwrap_or_default()
            };
            (get("stroke"), get("stroke-width").parse().unwrap_or(0.0))
        })
        .collect()
}

/// A lab scene with every cell (or the named ones) and its Jacobian analysis, as the page has
/// it once the worker's curves arrived.
fn scene(cells: &[&str], loss: &str, scale: f64) -> unrolled::lab::SceneResult {
    use unrolled::lab::{compute, SceneConfig};
    let config = SceneConfig {
        cells: cells.iter().map(|c| c.to_string()).collect(),
        loss: loss.into(),
        scale_value: scale,
        analysis: true,
        ..SceneConfig::default()
    };
    compute(&config.to_scene().expect("valid")).expect("computes")
}

const EVERY_CELL: [&str; 5] = ["rnn_tanh", "rnn_relu", "rnn_linear", "lstm", "gru"];

/// Relative to lag 0, the worst case is true: with the loss at the last step,
/// `∂L/∂h_t = (∂h_T/∂h_t)ᵀ ∂L/∂h_T`, so `‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ ≤ ‖∂h_T/∂h_t‖₂` at every lag, for
/// every cell (unnormalised, ‖∂L/∂h_T‖ = √H put the measured curve above it). With a loss at
/// every step the bound covers the last step's share only, and the legend says so.
#[test]
fn worst_case_curve_bounds_the_gradient_when_the_loss_is_at_the_last_step() {
    for scale in [0.6, 0.95, 1.3] {
        let r = scene(&EVERY_CELL, "last", scale);
        let chart = registry::gradient_flow(&Source::scene(&r), FlowOptions::default(), false)
            .expect("chart");
        for cell in EVERY_CELL {
            let label = CellKind::from_name(cell).expect("cell").label();
            let of = |style: LineStyle| {
                chart
                    .series
                    .iter()
                    .find(|s| s.style == style && s.label.starts_with(label))
                    .expect("series")
            };
            let (grad, worst) = (of(LineStyle::Solid), of(LineStyle::Dotted));
            assert_eq!(grad.values[0], 1.0, "{cell}");
            assert!(
                (worst.values[0] - 1.0).abs() < 1e-12,
                "{cell}: ‖∂h_T/∂h_T‖ = 1"
            );
            for (k, (g, j)) in grad.values.iter().zip(&worst.values).enumerate() {
                if g.is_finite() && j.is_finite() {
                    assert!(
                        *g <= j * (1.0 + 1e-6) + 1e-300,
                        "{cell} at ρ = {scale}, lag {k}: {g} > {j}"
                    );
                }
            }
        }
        let legend: Vec<&str> = chart.legend.iter().map(|l| l.label.as_str()).collect();
        assert!(legend.contains(&"worst case ‖∂h_T/∂h_t‖₂"), "{legend:?}");
        assert_eq!(chart.y_label, registry::FLOW_Y_LABEL);
    }
    let r = scene(&["rnn_tanh", "lstm"], "every", 0.95);
    let chart =
        registry::gradient_flow(&Source::scene(&r), FlowOptions::default(), false).expect("chart");
    let legend: Vec<&str> = chart.legend.iter().map(|l| l.label.as_str()).collect();
    assert!(
        legend.contains(&"‖∂h_T/∂h_t‖₂ (bounds the last step's loss only)"),
        "{legend:?}"
    );
    assert!(
        !legend.iter().any(|l| l.contains("worst case")),
        "{legend:?}"
    );
}

/// A trace's upstream gradient decides the same: `grad_h_n` alone enters at the last state;
/// `grad_output` at every step does not.
#[test]
fn a_trace_says_worst_case_only_when_the_loss_enters_at_the_end() {
    let worst = |spec: &str| {
        let r = run(parse_spec(spec).expect("spec")).expect("trace");
        let src = Source::trace(&r, Pick::default()).expect("pick");
        let chart = registry::gradient_flow(&src, FlowOptions::default(), true).expect("chart");
        chart
            .legend
            .iter()
            .any(|l| l.label.starts_with("worst case"))
    };
    let input: Vec<String> = (0..12)
        .map(|t| format!("[{:.2}]", (0.4 * t as f64).sin()))
        .collect();
    let spec = |upstream: &str| {
        format!(
            r#"{{"cell":"rnn_tanh","input_size":1,"hidden_size":3,"input":[[{}]],"init":{{"seed":1}},{upstream},"analysis":true}}"#,
            input.join(",")
        )
    };
    assert!(worst(&spec(r#""grad_h_n":[[[1,1,1]]]"#)), "grad_h_n only");
    let mut rows = ["[0,0,0]"; 12];
    rows[11] = "[1,1,1]";
    let last = format!(r#""grad_output":[[{}]]"#, rows.join(","));
    assert!(worst(&spec(&last)), "grad_output at the last step only");
    rows[3] = "[0,1,0]";
    let earlier = format!(r#""grad_output":[[{}]]"#, rows.join(","));
    assert!(!worst(&spec(&earlier)), "grad_output before the end");
}

/// The theory curve is drawn last, dark and dashed over a white halo, so it stays visible where
/// it lies exactly on its measurement (the linear RNN's `ρ^k`).
#[test]
fn theory_curves_are_drawn_on_top_dark_over_a_halo() {
    let r = scene(&["rnn_linear"], "last", 0.9);
    let chart =
        registry::gradient_flow(&Source::scene(&r), FlowOptions::default(), true).expect("chart");
    let s = Chart::Flow(chart).svg(640, 360).expect("draws");
    let lines = polylines(&s);
    let color = css_hex(cell_color(CellKind::RnnLinear)).to_uppercase();
    let dark = {
        let c = cell_color(CellKind::RnnLinear);
        let d = |v: u8| (v as f64 * 0.55).round() as u8;
        css_hex([d(c[0]), d(c[1]), d(c[2])]).to_uppercase()
    };
    let last_measured = lines
        .iter()
        .rposition(|(c, _)| *c == color)
        .expect("measured curves");
    let theory: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].0 == dark).collect();
    assert!(
        theory.len() > 5,
        "dashed: many dashes, got {}",
        theory.len()
    );
    assert!(theory[0] > last_measured, "theory over the measurements");
    let width = lines[theory[0]].1;
    let measured_width = lines[last_measured].1;
    assert!(
        width < measured_width,
        "thinner: {width} vs {measured_width}"
    );
    // Each dash has its halo, drawn just before the dashes: white and wider.
    let halos = lines[last_measured + 1..theory[0]]
        .iter()
        .filter(|(c, w)| c == "#FFFFFF" && *w > width)
        .count();
    assert_eq!(halos, theory.len(), "one halo per dash");
}

/// One legend entry per cell (a block of its colour) and one per line style: no two entries
/// told apart by shade alone.
#[test]
fn flow_legend_has_one_entry_per_cell_and_one_per_line_style() {
    let r = scene(&EVERY_CELL, "last", 0.9);
    let chart =
        registry::gradient_flow(&Source::scene(&r), FlowOptions::default(), true).expect("chart");
    let want: Vec<String> = EVERY_CELL
        .iter()
        .map(|c| CellKind::from_name(c).expect("cell").label().to_string())
        .chain([
            "‖∂L/∂h_t‖".to_string(),
            "worst case ‖∂h_T/∂h_t‖₂".to_string(),
            "bound σ_max^k, theory ρ^k".to_string(),
        ])
        .collect();
    let got: Vec<String> = chart.legend.iter().map(|l| l.label.clone()).collect();
    assert_eq!(got, want);
    let s = Chart::Flow(chart.clone()).svg(960, 540).expect("draws");
    for l in &want {
        assert_eq!(
            texts(&s).iter().filter(|t| *t == l).count(),
            1,
            "{l} once in the legend"
        );
    }
    for cell in EVERY_CELL {
        let c = css_hex(cell_color(CellKind::from_name(cell).expect("cell"))).to_uppercase();
        let swatches = s
            .split("<rect")
            .skip(1)
            .filter(|r| r[..r.find('>').unwrap_or(r.len())].contains(&format!("fill=\"{c}\"")))
            .count();
        assert_eq!(swatches, 1, "{cell}: one colour block");
    }
    // The three line styles are three different strokes: solid, dotted, dashed.
    let styles: Vec<LineStyle> = chart.series.iter().map(|s| s.style).collect();
    for st in [LineStyle::Solid, LineStyle::Dotted, LineStyle::Dashed] {
        assert!(styles.contains(&st), "{st:?}");
    }
}

/// At a phone's size (≈360 × 250, the docked chart) the legend and every label stay inside the
/// chart and the decade labels do not touch: fewer of them when the plot is short.
#[test]
fn flow_chart_fits_a_phone() {
    let r = scene(&["rnn_tanh", "lstm", "gru"], "last", 0.9);
    let chart =
        registry::gradient_flow(&Source::scene(&r), FlowOptions::default(), false).expect("chart");
    for (w, h) in [(360, 250), (340, 220)] {
        let s = Chart::Flow(chart.clone()).svg(w, h).expect("draws");
        let placed = placed_texts(&s);
        for (t, x, y, size) in &placed {
            assert!(
                *x >= 0.0 && *x <= w as f64 && *y >= 0.0 && *y <= h as f64,
                "{t} at ({x}, {y}) outside {w}×{h}"
            );
            assert!(*size > 8.0, "{t}: font {size}");
        }
        let mut ticks: Vec<(f64, f64)> = placed
            .iter()
            .filter(|(t, ..)| is_pow10_label(t))
            .map(|(_, _, y, size)| (*y, *size))
            .collect();
        assert!(ticks.len() >= 2, "{w}×{h}: decade labels {ticks:?}");
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        for p in ticks.windows(2) {
            assert!(
                p[1].0 - p[0].0 >= 1.2 * p[0].1,
                "{w}×{h}: decade labels {:.0} px apart at font {:.0}",
                p[1].0 - p[0].0,
                p[0].1
            );
        }
        for l in &chart.legend {
            assert!(has_text(&s, &l.label), "{w}×{h}: legend {}", l.label);
        }
    }
}

/// The page redraws a chart's frame only when its layout's key changes: new values keep it, even
/// in other decades (the y axis is drawn with the data); another size or length changes it.
#[test]
fn flow_frame_key_follows_the_layout_not_the_values() {
    use plotters::prelude::IntoDrawingArea;
    let key = |chart: &GradientFlowChart, w: u32| {
        let mut out = String::new();
        let area = SVGBackend::with_string(&mut out, (w, 300)).into_drawing_area();
        gradient_flow::layout(&area, chart).key()
    };
    let line = |values: Vec<f64>| gradient_flow::Series {
        label: "a".into(),
        color: [0, 0, 0],
        values,
        style: LineStyle::Solid,
    };
    let a = GradientFlowChart::new("", "y", vec![line(vec![1.0, 0.5, 0.02, 0.003])]);
    let b = GradientFlowChart::new("", "y", vec![line(vec![1.0, 0.4, 0.03, 0.002])]);
    let c = GradientFlowChart::new("", "y", vec![line(vec![1.0, 0.4, 0.03, 2e-9])]);
    let d = GradientFlowChart::new("", "y", vec![line(vec![1.0; 40])]);
    assert_eq!(key(&a, 500), key(&b, 500), "new values, same frame");
    assert_eq!(key(&a, 500), key(&c, 500), "other decades, same frame");
    assert_ne!(key(&a, 500), key(&a, 400), "another size");
    assert_ne!(key(&a, 500), key(&d, 500), "another length: other x ticks");
}

// ---- spectrum ----------------------------------------------------------------------------

#[test]
fn spectrum_draws_one_point_per_eigenvalue_and_the_unit_circle() {
    let hid = 7;
    let r = trace(
        "rnn_tanh",
        hid,
        5,
        r#"{"seed":1,"scheme":"orthogonal","gain":0.9}"#,
    );
    let chart = from_trace::spectrum(&r).expect("chart");
    assert_eq!(chart.series.len(), 1);
    assert_eq!(chart.series[0].points.len(), hid);
    let s = svg(640, 360, |a| {
        Chart::Spectrum(chart.clone()).draw(a).expect("draws");
    });
    assert!(has_text(&s, &chart.title));
    assert!(has_text(&s, "Re λ") && has_text(&s, "Im λ"));
    assert!(has_text(&s, "unit circle |λ| = 1"));
    assert!(texts(&s)
        .iter()
        .any(|t| t.starts_with("W_hh") && t.contains("ρ = 0.90")));
    let color = css_hex(cell_color(CellKind::RnnTanh)).to_uppercase();
    let dots = s.matches(&format!("fill=\"{color}\"")).count();
    assert_eq!(dots, hid + 1, "H eigenvalues plus the legend swatch");
    let unit_circles = s
        .split("<circle")
        .skip(1)
        .map(|c| &c[..c.find('>').unwrap_or(c.len())])
        .filter(|c| c.contains("fill=\"none\"") && c.contains("stroke=\"#8C8C8C\""))
        .count();
    assert_eq!(unit_circles, 1, "the unit circle");
}

#[test]
fn spectrum_overlays_one_colour_per_gate_block_and_rings_the_selection() {
    let hid = 5;
    let r = trace("lstm", hid, 4, r#"{"seed":4}"#);
    let mut chart = from_trace::spectrum(&r).expect("chart");
    assert_eq!(chart.series.len(), 4);
    chart.selected = Some((1, 0));
    let s = svg(640, 360, |a| {
        Chart::Spectrum(chart.clone()).draw(a).expect("draws");
    });
    for series in &chart.series {
        let c = css_hex(series.color).to_uppercase();
        assert!(
            s.matches(&format!("fill=\"{c}\"")).count() > hid,
            "{}",
            series.label
        );
    }
    assert!(
        texts(&s).iter().any(|t| t.starts_with("λ = ")),
        "selected eigenvalue written out"
    );
}

/// The 1997 LSTM's W_hh has three gate blocks, named from the table: no `W_hf` to analyse.
#[test]
fn spectrum_of_lstm_no_forget_has_its_three_blocks() {
    let r = trace("lstm_no_forget", 4, 4, r#"{"seed":4}"#);
    let labels: Vec<String> = from_trace::spectrum(&r)
        .expect("chart")
        .series
        .iter()
        .map(|s| s.label.split(':').next().unwrap().to_string())
        .collect();
    assert_eq!(labels.len(), 3, "{labels:?}");
    for (l, want) in labels.iter().zip([
        "W_hi (input gate i)",
        "W_hg (cell candidate g)",
        "W_ho (output gate o)",
    ]) {
        assert!(l.starts_with(want), "{l} vs {want}");
    }
}

#[test]
fn singular_values_are_bars_with_the_line_at_one() {
    let hid = 6;
    let r = trace("gru", hid, 4, r#"{"seed":5}"#);
    let chart = from_trace::singular_values(&r).expect("chart");
    assert_eq!(chart.series.len(), 3);
    let s = svg(640, 360, |a| {
        Chart::Singular(chart.clone()).draw(a).expect("draws");
    });
    assert!(has_text(&s, &chart.title));
    assert!(has_text(&s, "σ = 1"));
    assert!(has_text(&s, "singular value σₖ"));
    for series in &chart.series {
        assert!(has_text(&s, &series.label));
        let c = css_hex(series.color).to_uppercase();
        let bars = s
            .split("<rect")
            .skip(1)
            .map(|r| &r[..r.find('>').unwrap_or(r.len())])
            .filter(|r| r.contains(&format!("fill=\"{c}\"")))
            .count();
        assert_eq!(bars, hid + 1, "H bars plus the legend swatch");
    }
}

// ---- heatmaps ----------------------------------------------------------------------------

#[test]
fn gate_heatmaps_use_viridis_for_gates_and_diverging_for_states() {
    let r = trace("lstm", 4, 9, r#"{"seed":4}"#);
    let charts = from_trace::gates(&r).expect("charts");
    let names: Vec<&str> = charts.iter().map(|c| c.legend_label.as_str()).collect();
    assert_eq!(names, ["i", "f", "g", "o", "c", "h"]);
    for c in &charts {
        assert_eq!((c.rows, c.cols), (4, 9));
        let sequential = matches!(c.scale, Scale::Sequential { .. });
        assert_eq!(
            sequential,
            ["i", "f", "o"].contains(&c.legend_label.as_str())
        );
    }
    let s = svg(1280, 720, |a| {
        let rects = heatmap::draw_grid(a, &charts, 3).expect("draws");
        assert_eq!(rects.len(), 6);
        assert!(rects[1].x > rects[0].x && rects[3].y > rects[0].y);
    });
    for c in &charts {
        assert!(has_text(&s, &c.title));
    }
    assert!(has_text(&s, "time step t") && has_text(&s, "unit"));
}

#[test]
fn heatmap_marks_the_selected_step_and_flags_nan() {
    let mut values = vec![0.25; 3 * 8];
    values[5] = f64::NAN;
    let mut chart = HeatmapChart::new("A heatmap", values, 3, 8, Scale::UNIT);
    chart.marked_col = Some(4);
    chart.legend_label = "value".into();
    let mut rect = None;
    let s = svg(640, 360, |a| {
        rect = Some(heatmap::draw(a, &chart).expect("draws"));
    });
    let rect = rect.expect("rect");
    assert!(rect.width > 300 && rect.height > 150, "{rect:?}");
    assert!(has_text(&s, "A heatmap") && has_text(&s, "value"));
    assert!(has_text(&s, "NaN"), "flag legend for NaN");
    assert!(!has_text(&s, "+∞"));
    assert!(s.contains("fill=\"#FF00FF\""), "the NaN cell is magenta");
    assert!(s.contains("<polygon"), "marker over the selected step");
    let mut unmarked = chart.clone();
    unmarked.marked_col = None;
    let s2 = svg(640, 360, |a| {
        heatmap::draw(a, &unmarked).expect("draws");
    });
    assert!(!s2.contains("<polygon"));
    // Cells are merged runs of one colour: row 0 is split by the NaN, rows 1 and 2 are one run.
    let c = colormap::viridis(0.25);
    let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", c[0], c[1], c[2]);
    let count = |s: &str| {
        s.split("<rect")
            .map(|r| &r[..r.find('>').unwrap_or(r.len())])
            .filter(|r| r.contains(&fill))
            .count()
    };
    unmarked.draw_cells = false;
    let s3 = svg(640, 360, |a| {
        heatmap::draw(a, &unmarked).expect("draws");
    });
    assert_eq!(count(&s2) - count(&s3), 4, "frame only: no cells");
}

#[test]
fn carry_path_needs_a_gated_cell() {
    let r = trace("rnn_tanh", 3, 4, r#"{"seed":1}"#);
    assert!(from_trace::carry_path(&r).is_err());
    let r = trace("gru", 3, 4, r#"{"seed":1}"#);
    let c = from_trace::carry_path(&r).expect("gru carry");
    assert_eq!((c.rows, c.cols), (3, 4));
    // The last step carries everything: ∏ over no later steps = 1.
    for u in 0..3 {
        assert_eq!(c.values[u * 4 + 3], 1.0);
    }
}

// ---- CLI ---------------------------------------------------------------------------------

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("unrolled-render-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn unrolled(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_unrolled"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn cli_renders_svg_and_png() {
    let dir = tmp("ok");
    let spec = dir.join("lstm.json");
    std::fs::write(&spec, spec_json("lstm", 5, 12, r#"{"seed":4}"#)).expect("write spec");
    let spec = spec.to_str().expect("utf-8");
    for chart in [
        "gradient-flow",
        "spectrum",
        "singular-values",
        "gates",
        "carry-path",
    ] {
        let svg_path = dir.join(format!("{chart}.svg"));
        let o = unrolled(&[
            "render",
            spec,
            "--chart",
            chart,
            "--out",
            svg_path.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{chart}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&svg_path).expect("svg written");
        assert!(text.starts_with("<svg") && text.contains("</svg>"));
    }
    let png = dir.join("flow.png");
    let o = unrolled(&[
        "render",
        spec,
        "--chart",
        "gradient-flow",
        "--out",
        png.to_str().unwrap(),
        "--width",
        "640",
        "--height",
        "360",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&png).expect("png written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((w, h), (640, 360));
    assert!(bytes.len() > 5_000, "a real picture, not a blank one");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_render_refuses_bad_input_with_one_line_and_exit_2() {
    let dir = tmp("bad");
    let spec = dir.join("rnn.json");
    std::fs::write(&spec, spec_json("rnn_tanh", 3, 4, r#"{"seed":1}"#)).expect("write spec");
    let spec = spec.to_str().expect("utf-8");
    let out = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["--chart".into(), "pie".into(), "--out".into(), out("a.svg")],
            "error: --chart:",
        ),
        (
            vec![
                "--chart".into(),
                "spectrum".into(),
                "--out".into(),
                out("a.gif"),
            ],
            "error: --out:",
        ),
        (vec!["--chart".into(), "spectrum".into()], "error: --out:"),
        (
            vec![
                "--chart".into(),
                "carry-path".into(),
                "--out".into(),
                out("c.png"),
            ],
            "error: --chart:",
        ),
        (
            vec![
                "--chart".into(),
                "spectrum".into(),
                "--out".into(),
                out("a.svg"),
                "--width".into(),
                "9".into(),
            ],
            "error: --width:",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["render", spec];
        args.extend(extra.iter().map(String::as_str));
        let o = unrolled(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with(want), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    assert!(
        !dir.join("c.png").exists(),
        "no file written for a refused chart"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- layout at the page's sizes ----------------------------------------------------------

#[test]
fn narrow_charts_keep_legends_outside_the_plot() {
    // The page's spectrum canvas (~340 × 330): the legend goes below, the square plot keeps
    // most of the width.
    let r = trace(
        "rnn_tanh",
        8,
        5,
        r#"{"seed":1,"scheme":"orthogonal","gain":0.9}"#,
    );
    let chart = from_trace::spectrum(&r).expect("chart");
    let mut rect = None;
    let s = svg(340, 330, |a| {
        rect = Some(Chart::Spectrum(chart.clone()).draw(a).expect("draws")[0])
    });
    let rect = rect.expect("rect");
    assert_eq!(rect.width, rect.height, "square");
    assert!(rect.width >= 170, "{rect:?}");
    assert!(has_text(&s, "unit circle |λ| = 1"));
    // Gradient flow with many series at ~520 × 380: legend outside (under) the plot.
    let r = trace("rnn_tanh", 6, 30, r#"{"seed":3}"#);
    let mut chart = from_trace::gradient_flow(&r).expect("chart");
    let base = chart.series.clone();
    for i in 0..3 {
        for b in &base {
            let mut b = b.clone();
            b.label = format!("cell {i}: {}", b.label);
            chart.series.push(b);
        }
        chart.legend.push(gradient_flow::LegendItem {
            label: format!("cell {i}"),
            color: [0, 0, 0],
            key: gradient_flow::Key::Colour,
        });
    }
    let mut rect = None;
    let s = svg(520, 380, |a| {
        rect = Some(Chart::Flow(chart.clone()).draw(a).expect("draws")[0])
    });
    let rect = rect.expect("rect");
    assert!(rect.height >= 150 && rect.width >= 300, "{rect:?}");
    for item in &chart.legend {
        assert!(has_text(&s, &item.label), "legend {}", item.label);
    }
    // One series of singular values: the title says what it is, no legend; σ = 1 labelled.
    let r = trace("rnn_tanh", 6, 4, r#"{"seed":5}"#);
    let chart = from_trace::singular_values(&r).expect("chart");
    assert_eq!(chart.series.len(), 1);
    let s = svg(340, 190, |a| {
        Chart::Singular(chart.clone()).draw(a).expect("draws");
    });
    assert!(
        !has_text(&s, &chart.series[0].label),
        "no legend for one series"
    );
    assert!(has_text(&s, "σ = 1"));
}

// ---- one registry: the page and `render` build the same charts ---------------------------

/// Bitwise equality of two value lists (NaN equals NaN).
fn same_values(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn assert_same_flow(page: &[gradient_flow::Series], cli: &[gradient_flow::Series], what: &str) {
    assert_eq!(page.len(), cli.len(), "{what}: number of series");
    for (p, c) in page.iter().zip(cli) {
        assert_eq!(
            (&p.label, p.color, p.style),
            (&c.label, c.color, c.style),
            "{what}"
        );
        assert!(same_values(&p.values, &c.values), "{what}: {}", p.label);
    }
}

fn assert_same_heatmap(p: &HeatmapChart, c: &HeatmapChart, what: &str) {
    assert_eq!(
        (&p.title, &p.legend_label, p.rows, p.cols, p.scale),
        (&c.title, &c.legend_label, c.rows, c.cols, c.scale),
        "{what}"
    );
    assert!(same_values(&p.values, &c.values), "{what}: {}", p.title);
}

/// A scene with every cell, then each cell's `spec_json` (the page's "download trace") run as
/// `unrolled trace` does: the registry's gradient flow (series, labels, theory curve anchored at
/// lag 0), spectrum, singular values, gate heatmaps, carry path and paths chart are the same
/// numbers for the page's scene and for the CLI's trace.
#[test]
fn page_and_cli_charts_are_built_from_the_same_numbers() {
    use unrolled::lab::{compute, SceneConfig};
    let config = SceneConfig {
        cells: CellKind::ALL.iter().map(|k| k.name().to_string()).collect(),
        hidden_size: 6,
        steps: 24,
        input: "noise".into(),
        scale_value: 1.05,
        carry_bias: Some(1.5),
        ..SceneConfig::default()
    };
    let scene = compute(&config.to_scene().expect("valid")).expect("computes");
    let page = Source::scene(&scene);
    let titled = |src: &Source| registry::gradient_flow(src, FlowOptions::default(), true);
    let page_flow = titled(&page).expect("page flow");
    let page_spectrum = registry::spectrum(&page, None, true).expect("page spectrum");
    let page_sv = registry::singular_values(&page, true).expect("page singular values");
    for (i, c) in scene.cells.iter().enumerate() {
        let what = c.cell.name();
        let r = run(parse_spec(&c.spec_json()).expect("spec")).expect("trace");
        let cli = Source::trace(&r, Pick::default()).expect("pick");
        let cli_flow = titled(&cli).expect("cli flow");
        assert_eq!(page_flow.title, cli_flow.title);
        let prefix = format!("{}: ", c.cell.label());
        let mine: Vec<_> = page_flow
            .series
            .iter()
            .filter(|s| s.label.starts_with(&prefix))
            .cloned()
            .collect();
        assert_same_flow(&mine, &cli_flow.series, what);
        let theory = c.cell.info().theory.label().is_some();
        assert_eq!(cli_flow.series.len(), 2 + usize::from(theory), "{what}");
        if theory {
            let th = cli_flow.series.last().expect("theory");
            assert!(
                th.is_theory() && th.values[0] == 1.0 && cli_flow.series[0].values[0] == 1.0,
                "both start at 1"
            );
            // The scene's theory curve, anchored at the measured lag 0, relative to lag 0.
            let m0 = c.grad_by_lag[0];
            for (a, b) in th.values.iter().zip(&c.theory_by_lag) {
                assert!(
                    (a - b / m0).abs() <= 1e-12 * a.abs(),
                    "{what}: {a} vs {b}/{m0}"
                );
            }
        }
        let m0 = c.grad_by_lag[0];
        let rel: Vec<f64> = c.grad_by_lag.iter().map(|g| g / m0).collect();
        assert!(same_values(&cli_flow.series[0].values, &rel));
        let cli_spectrum = registry::spectrum(&cli, None, true).expect("cli spectrum");
        assert_eq!(page_spectrum.title, cli_spectrum.title);
        assert_eq!(
            cli_spectrum.series.len(),
            1,
            "{what}: equal blocks drawn once"
        );
        let (p, q) = (&page_spectrum.series[0], &cli_spectrum.series[0]);
        assert_eq!((&p.label, p.color), (&q.label, q.color));
        assert_eq!(p.points, q.points, "{what}: eigenvalues");
        let cli_sv = registry::singular_values(&cli, true).expect("cli singular values");
        assert_eq!(page_sv.title, cli_sv.title);
        assert!(same_values(
            &page_sv.series[0].values,
            &cli_sv.series[0].values
        ));
        let (pc, cc) = (&page.cells[i], &cli.cells[0]);
        let (pg, cg) = (registry::gates(pc), registry::gates(cc));
        assert_eq!(pg.len(), cg.len());
        for (p, c) in pg.iter().zip(&cg) {
            assert_same_heatmap(p, c, what);
        }
        match (registry::carry_path(pc), registry::carry_path(cc)) {
            (Ok(p), Ok(c)) => assert_same_heatmap(&p, &c, what),
            (Err(p), Err(c)) => assert_eq!(p, c),
            other => panic!("{what}: carry path differs: {other:?}"),
        }
        match (registry::paths(pc, true), registry::paths(cc, true)) {
            (Ok(p), Ok(c)) => {
                assert_eq!(p.title, c.title);
                assert_same_flow(&p.series, &c.series, what);
            }
            (Err(p), Err(c)) => assert_eq!(p, c),
            other => panic!("{what}: paths differ: {other:?}"),
        }
    }
}

#[test]
fn registry_builds_every_chart_by_name_and_refuses_others() {
    let r = trace("lstm", 4, 6, r#"{"seed":2}"#);
    let src = Source::trace(&r, Pick::default()).expect("pick");
    let opts = registry::Options::default();
    for name in registry::NAMES {
        let chart = registry::build(name, &src, &opts).expect(name);
        let s = chart.svg(640, 360).expect("draws");
        assert!(s.starts_with("<svg"), "{name}");
    }
    let e = registry::build("pie", &src, &opts).expect_err("unknown");
    assert!(
        e.starts_with("chart: expected one of gradient-flow, "),
        "{e}"
    );
    let r = trace("rnn_relu", 3, 4, r#"{"seed":1}"#);
    let src = Source::trace(&r, Pick::default()).expect("pick");
    let e = registry::build("paths", &src, &opts).expect_err("no carry");
    assert_eq!(
        e,
        "needs a cell with a carry path (lstm, lstm_no_forget or gru)"
    );
}

/// The paths chart of a cell with a cell state also draws the gradient reaching it,
/// `‖∂L/∂c_t‖` relative to lag 0 (dotted), from the backward pass's own numbers; the GRU (no
/// `c`) and the constant error carousel's carry path are unchanged by it.
#[test]
fn paths_chart_draws_the_cell_state_gradient_for_lstms_only() {
    let r = scene(&["lstm", "lstm_no_forget", "gru"], "last", 0.9);
    let src = Source::scene(&r);
    for (i, cell) in r.cells.iter().enumerate() {
        let chart = registry::paths(&src.cells[i], false).expect("paths");
        let dotted: Vec<_> = chart
            .series
            .iter()
            .filter(|s| s.style == LineStyle::Dotted)
            .collect();
        if !cell.cell.has_cell_state() {
            assert_eq!(chart.series.len(), 2, "{:?}", cell.cell);
            assert!(dotted.is_empty());
            continue;
        }
        assert_eq!(dotted.len(), 1, "{:?}", cell.cell);
        let g = &cell.backward.flow[0].grad_c_norm;
        let (last, n) = (g[g.len() - 1], g.len());
        let want: Vec<f64> = (0..n).map(|k| g[n - 1 - k] / last).collect();
        assert_eq!(dotted[0].values, want, "{:?}", cell.cell);
        assert_eq!(dotted[0].values[0], 1.0);
        assert!(dotted[0].label.contains("‖∂L/∂c_t‖"), "{}", dotted[0].label);
        let svg = Chart::Flow(chart).svg(640, 360).expect("draws");
        assert!(svg.contains("cell-state gradient"), "legend");
    }
}

/// `unrolled render` of a trace follows the same references as the page: with the loss on the
/// top layer's output at each sequence's last step only, the top layer's reverse run is
/// reached there at its lag `n − 1`, not at lag 0 (exactly 0 there), so its gradient is drawn
/// against its largest value and its legend says so; the top forward run stays relative to lag 0.
#[test]
fn a_trace_draws_a_run_the_loss_reaches_elsewhere_against_its_largest_value() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gru_stacked_bidir.json"
    ))
    .unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let spec = &mut spec["spec"];
    spec.as_object_mut().unwrap().remove("grad_h_n");
    let lengths: Vec<usize> = serde_json::from_value(spec["lengths"].clone()).unwrap();
    for (b, seq) in spec["grad_output"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        for (t, row) in seq.as_array_mut().unwrap().iter_mut().enumerate() {
            for v in row.as_array_mut().unwrap() {
                *v = if t + 1 == lengths[b] { 1.0 } else { 0.0 }.into();
            }
        }
    }
    let r = run(parse_spec(&spec.to_string()).expect("valid spec")).expect("runs");
    let pick = |direction| Pick {
        seq: 1,
        layer: 1,
        direction,
    };
    let reverse = Source::trace(&r, pick(1)).unwrap();
    let reference = registry::gradient_reference(&reverse.cells[0]).expect("a reference");
    assert_eq!(
        reference.lag,
        lengths[1] - 1,
        "reached at t = n − 1, its lag n − 1"
    );
    let chart = registry::gradient_flow(&reverse, FlowOptions::default(), true).unwrap();
    let top = chart.series[0].values.iter().copied().fold(0.0, f64::max);
    assert_eq!(top, 1.0);
    let words = format!("‖∂L/∂h_t‖ ÷ its largest value (lag {})", lengths[1] - 1);
    assert!(chart.legend.iter().any(|e| e.label == words));
    // Its lag counts from t = 0, where it ends, and the axis says so.
    assert_eq!(chart.x_label, registry::REVERSE_LAG_LABEL);
    let forward = Source::trace(&r, pick(0)).unwrap();
    let reference = registry::gradient_reference(&forward.cells[0]).expect("a reference");
    assert_eq!(reference.lag, 0);
    let chart = registry::gradient_flow(&forward, FlowOptions::default(), true).unwrap();
    assert_eq!(chart.y_label, registry::FLOW_Y_LABEL);
    assert_eq!(chart.x_label, "lag k (steps back from the end)");
}
