//! The standard charts of a run, built from a [`TraceResult`] for one sequence, layer and
//! direction. The CLI's `render` uses these; the page can too, so both show the same thing.

use super::colormap::Scale;
use super::gradient_flow::{GradientFlowChart, Series};
use super::heatmap::{transpose, HeatmapChart};
use super::spectrum::{BarSeries, EigenSeries, SingularValuesChart, SpectrumChart};
use super::{cell_color, series_color, OKABE_ITO};
use crate::cell::{CellKind, HeatScale, SeriesInfo, Theory};
use crate::network::Architecture;
use crate::spec::TraceResult;
use crate::spectral;

/// Which sequence, layer and direction a chart shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pick {
    /// Sequence (batch row) index.
    pub seq: usize,
    /// Layer index.
    pub layer: usize,
    /// 0 forward, 1 reverse.
    pub direction: usize,
}

impl Pick {
    fn check(self, r: &TraceResult) -> Result<usize, String> {
        let arch = r.spec.arch;
        if self.seq >= r.spec.batch.batch {
            return Err(format!(
                "sequence {} out of range (batch {})",
                self.seq, r.spec.batch.batch
            ));
        }
        if self.layer >= arch.num_layers || self.direction >= arch.directions() {
            return Err(format!(
                "layer {} direction {} out of range",
                self.layer, self.direction
            ));
        }
        Ok(self.layer * arch.directions() + self.direction)
    }
}

/// A gate's or state's title from the cell table (`forget gate f`; empty for other names).
pub fn gate_title(cell: CellKind, name: &str) -> &'static str {
    cell.info().series(name).map_or("", |s| s.title)
}

/// The colour scale of a recorded series, from the cell table: viridis on `[0, 1]` for the
/// sigmoid gates `i f o r z` and the carry path, PuOr on `[−1, 1]` for the tanh-range `g h n`,
/// PuOr fitted to the data for the unbounded `c`, ReLU and linear `h`, and anything else
/// (pre-activations).
pub fn gate_scale(cell: CellKind, name: &str, values: &[f64]) -> Scale {
    let kind = match (name, cell.info().series(name)) {
        ("carry_path", _) => crate::cell::info::Carry::SCALE,
        (_, Some(s)) => s.scale,
        (_, None) => HeatScale::Fit,
    };
    Scale::of(kind, values)
}

/// Steps of the picked sequence: `(positions in lag order, length)`. Lag 0 is the direction's
/// last step (position `n−1` forward, 0 reverse).
fn lag_positions(r: &TraceResult, pick: Pick) -> Vec<usize> {
    let n = r.spec.batch.lengths[pick.seq];
    (0..n)
        .map(|k| if pick.direction == 1 { k } else { n - 1 - k })
        .collect()
}

/// Gradient flow of one sequence against the lag: `‖∂L/∂h_t‖` (when a backward pass ran),
/// `‖∂h_last/∂h_t‖` (when analysis ran), and the theory curve: `ρ^k` for `rnn_linear`, the
/// Pascanu bound `σ_max^k` for `rnn_tanh`/`rnn_relu` (of this layer's `W_hh`).
///
/// # Errors
/// When the pick is out of range or the run recorded neither norm.
pub fn gradient_flow(r: &TraceResult, pick: Pick) -> Result<GradientFlowChart, String> {
    let idx = pick.check(r)?;
    let arch = r.spec.arch;
    let steps = r.spec.batch.steps;
    let lags = lag_positions(r, pick);
    let at = |v: &[f64]| -> Vec<f64> { lags.iter().map(|&p| v[pick.seq * steps + p]).collect() };
    let own = cell_color(arch.cell);
    let other = (0..6)
        .map(series_color)
        .find(|c| *c != own)
        .unwrap_or(OKABE_ITO[2]);
    let mut series = Vec::new();
    if let Some(b) = &r.backward {
        series.push(Series {
            label: "‖∂L/∂hₜ‖ (gradient)".into(),
            color: own,
            values: at(&b.flow[idx].grad_h_norm),
            dashed: false,
        });
    }
    if let Some(a) = &r.analysis {
        series.push(Series {
            label: "‖∂h_last/∂hₜ‖ (Jacobian product)".into(),
            color: other,
            values: at(&a[idx].jacobian_norm),
            dashed: false,
        });
    }
    if series.is_empty() {
        return Err(
            "needs a backward pass (grad_output, grad_h_n or grad_c_n) or \"analysis\": true"
                .into(),
        );
    }
    let hid = arch.hidden_size;
    let w = whh(r, pick);
    let k = lags.len();
    match arch.cell.info().theory {
        Theory::Exact => {
            let rho = spectral::spectral_radius(&w[..hid * hid], hid);
            series.push(Series {
                label: format!("ρᵏ  (ρ = {rho:.3})"),
                color: OKABE_ITO[0],
                values: (0..k).map(|i| rho.powi(i as i32)).collect(),
                dashed: true,
            });
        }
        Theory::Bound => {
            let s = spectral::spectral_norm(&w[..hid * hid], hid, hid);
            series.push(Series {
                label: format!("bound σ_maxᵏ  (σ_max = {s:.3})"),
                color: OKABE_ITO[0],
                values: (0..k).map(|i| s.powi(i as i32)).collect(),
                dashed: true,
            });
        }
        Theory::None => {}
    }
    Ok(GradientFlowChart::new(
        format!(
            "Gradient flow back through time: {}, H = {hid}, {k} steps",
            arch.cell.name()
        ),
        "norm (log scale)",
        series,
    ))
}

fn whh(r: &TraceResult, pick: Pick) -> Vec<f64> {
    let name = format!(
        "weight_hh_{}",
        Architecture::suffix(pick.layer, pick.direction)
    );
    r.net.param(&name).map(<[f64]>::to_vec).unwrap_or_default()
}

fn block_label(cell: CellKind, block: &SeriesInfo) -> String {
    if cell.info().gated() {
        format!("W_h{} ({})", block.name, block.title)
    } else {
        "W_hh".into()
    }
}

fn block_color(cell: CellKind, k: usize) -> [u8; 3] {
    if cell.gates() == 1 {
        cell_color(cell)
    } else {
        series_color(k)
    }
}

/// The spec field of the picked layer's `W_hh` (`params.weight_hh_l0_reverse`). Only given
/// parameters can hold inf/NaN (drawn ones are finite).
fn whh_name(pick: Pick) -> String {
    let sfx = crate::network::Architecture::suffix(pick.layer, pick.direction);
    format!("params.weight_hh_{sfx}")
}

/// Eigenvalues of every `H × H` gate block of this layer's `W_hh`, one colour per block.
///
/// # Errors
/// When the pick is out of range or a block holds inf/NaN.
pub fn spectrum(r: &TraceResult, pick: Pick) -> Result<SpectrumChart, String> {
    pick.check(r)?;
    let cell = r.spec.arch.cell;
    let hid = r.spec.arch.hidden_size;
    let w = whh(r, pick);
    let mut series = Vec::new();
    for (k, block) in cell.blocks().iter().enumerate() {
        let points = spectral::eigenvalues(&spectral::block(&w, hid, k), hid)
            .map_err(|e| format!("{}: {e}", whh_name(pick)))?;
        series.push(EigenSeries {
            label: block_label(cell, block),
            color: block_color(cell, k),
            points,
        });
    }
    Ok(SpectrumChart {
        title: format!("Eigenvalues of W_hh ({}, H = {hid})", cell.name()),
        series,
        selected: None,
        show_radius: true,
    })
}

/// Singular values of every `H × H` gate block of this layer's `W_hh`.
///
/// # Errors
/// When the pick is out of range or a block holds inf/NaN.
pub fn singular_values(r: &TraceResult, pick: Pick) -> Result<SingularValuesChart, String> {
    pick.check(r)?;
    let cell = r.spec.arch.cell;
    let hid = r.spec.arch.hidden_size;
    let w = whh(r, pick);
    let mut series = Vec::new();
    for (k, block) in cell.blocks().iter().enumerate() {
        let values = spectral::singular_values(&spectral::block(&w, hid, k), hid, hid)
            .map_err(|e| format!("{}: {e}", whh_name(pick)))?;
        series.push(BarSeries {
            label: block_label(cell, block),
            color: block_color(cell, k),
            values,
        });
    }
    Ok(SingularValuesChart {
        title: format!("Singular values of W_hh ({}, H = {hid})", cell.name()),
        series,
    })
}

/// One heatmap per recorded gate/state series (`i f g o c h`, `r z n h`, or `h`), units down and
/// time across, for the picked sequence's valid steps.
///
/// # Errors
/// When the pick is out of range.
pub fn gates(r: &TraceResult, pick: Pick) -> Result<Vec<HeatmapChart>, String> {
    let idx = pick.check(r)?;
    let arch = r.spec.arch;
    let (steps, hid) = (r.spec.batch.steps, arch.hidden_size);
    let n = r.spec.batch.lengths[pick.seq];
    let run = &r.forward.runs[idx];
    let series = crate::trace::gates(arch.cell, run, &r.spec.batch, hid);
    Ok(series
        .iter()
        .map(|s| {
            let th = &s.values[pick.seq * steps * hid..][..n * hid];
            let values = transpose(th, n, hid);
            let scale = gate_scale(arch.cell, s.name, &values);
            let mut c = HeatmapChart::new(gate_title(arch.cell, s.name), values, hid, n, scale);
            c.legend_label = s.name.into();
            c
        })
        .collect())
}

/// The carry path (LSTM `∏ f_k`, GRU `∏ z_k` over the later steps) as a heatmap, viridis on
/// `[0, 1]`.
///
/// # Errors
/// When the pick is out of range, the cell has no carry path, or analysis did not run.
pub fn carry_path(r: &TraceResult, pick: Pick) -> Result<HeatmapChart, String> {
    let idx = pick.check(r)?;
    let arch = r.spec.arch;
    let info = arch.cell.info();
    let Some(carry) = info.carry else {
        return Err("needs an lstm or gru cell".into());
    };
    let a = r
        .analysis
        .as_ref()
        .ok_or("needs \"analysis\": true in the spec")?;
    let (steps, hid) = (r.spec.batch.steps, arch.hidden_size);
    let n = r.spec.batch.lengths[pick.seq];
    let th = &a[idx].carry_path[pick.seq * steps * hid..][..n * hid];
    let mut c = HeatmapChart::new(
        carry.title(info),
        transpose(th, n, hid),
        hid,
        n,
        Scale::UNIT,
    );
    c.legend_label = "carry".into();
    Ok(c)
}
