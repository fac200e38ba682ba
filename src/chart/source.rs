//! What every chart is built from: one intermediate, [`Source`], that a lab scene (the page,
//! [`Source::scene`]) and a trace (`unrolled render`, [`Source::trace`]) both convert into, so
//! the [`super::registry`] builds each chart once for both.
//!
//! A source borrows what a run recorded: per cell, one sequence of one layer × direction
//! ([`CellRun`]: its per-step norms, its analysis, its forward run for the heatmaps), and the
//! recurrent matrix ([`Matrix`]: a scene's shared `W` with its spectrum already computed, or one
//! layer's `W_hh` whose distinct `H × H` gate blocks are analysed when a chart asks).

use crate::bptt::Analysis;
use crate::cell::info::Base;
use crate::cell::CellKind;
use crate::lab::SceneResult;
use crate::network::{Architecture, Batch, DirectionRun};
use crate::spec::TraceResult;
use crate::spectral;

/// Which sequence, layer and direction of a trace the charts show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pick {
    /// Sequence (batch row) index.
    pub seq: usize,
    /// Layer index.
    pub layer: usize,
    /// 0 forward, 1 reverse.
    pub direction: usize,
}

/// One cell's run as the charts read it: one sequence of one layer × direction.
///
/// # Shapes
/// Per-step slices hold the sequence's `len` valid steps by time position; `carry_path` is
/// `len × H` (step-major).
pub struct CellRun<'a> {
    /// The cell.
    pub cell: CellKind,
    /// H
    pub hidden: usize,
    /// Valid steps `n` of the sequence.
    pub len: usize,
    /// The reverse direction (its lag 0 is step 0).
    pub reverse: bool,
    /// `‖∂L/∂h_t‖`, when a backward pass ran.
    pub grad_h_norm: Option<&'a [f64]>,
    /// `‖∂L/∂c_t‖`, the gradient reaching the cell state (LSTMs), when a backward pass ran.
    pub grad_c_norm: Option<&'a [f64]>,
    /// `‖∂h_last/∂h_t‖`, when the analysis ran.
    pub jacobian_norm: Option<&'a [f64]>,
    /// The carry path (LSTM `∏f`, GRU `∏z` over the later steps), when the analysis ran on a
    /// cell with a carry gate.
    pub carry_path: Option<&'a [f64]>,
    /// Its largest unit per step (same condition).
    pub carry_path_norm: Option<&'a [f64]>,
    /// The forward run, for the gate and state heatmaps.
    pub run: &'a DirectionRun,
    /// Its batch.
    pub batch: &'a Batch,
    /// The sequence's row in the batch.
    pub seq: usize,
    /// This run's own `W_hh`, when it is not the source's matrix (the lab's trained models:
    /// each has its own, and the spectrum shows one chosen block): a theory curve uses it.
    pub own_w_hh: Option<&'a [f64]>,
    /// The loss reaches this run only through its last hidden state (loss at the last step; no
    /// upstream gradient at earlier steps, from a layer above or into the cell state). Then
    /// `∂L/∂h_t = (∂h_last/∂h_t)ᵀ ∂L/∂h_last` and `‖∂h_last/∂h_t‖₂` bounds the gradient's
    /// decay from lag 0.
    pub loss_at_end: bool,
    /// The loss (an upstream gradient) enters this run at its lag-0 state, its last processed
    /// step: its lag-0 gradient is the loss's own, and a ratio to it says how much of that
    /// reaches back. Not so for a lower layer or a reverse direction that the loss reaches at
    /// other steps (see [`super::registry::Reference`]).
    pub loss_at_lag0: bool,
}

/// The recurrent matrix a source's spectrum charts show.
pub enum Matrix<'a> {
    /// A lab scene's `W`, shared by every cell and gate block, with its spectrum.
    Computed {
        /// What it is: `W_hh`, or for the lab's trained models the chosen block, such as
        /// `LSTM W_hf`.
        label: String,
        /// Eigenvalues `(re, im)`.
        eigenvalues: &'a [(f64, f64)],
        /// Singular values, largest first.
        singular_values: &'a [f64],
    },
    /// One layer's `W_hh` (`G·H × H`) from a trace.
    Layer {
        /// The matrix.
        w: &'a [f64],
        /// Its cell (names the blocks).
        cell: CellKind,
        /// H
        hidden: usize,
        /// The spec field it came from, for errors (`params.weight_hh_l0`).
        field: String,
    },
}

/// Points of the complex plane, `(re, im)`.
pub type Points = Vec<(f64, f64)>;

/// One labelled matrix's values (eigenvalues or singular values).
pub struct Labelled<T> {
    /// `W_hh`, or `W_hf (forget gate f)` when a layer's gate blocks differ.
    pub label: String,
    /// The values.
    pub values: T,
}

/// A run, ready for the chart registry.
pub struct Source<'a> {
    /// H
    pub hidden: usize,
    /// One or more cells (a scene's cells side by side; a trace's one picked run).
    pub cells: Vec<CellRun<'a>>,
    /// The recurrent matrix.
    pub matrix: Matrix<'a>,
}

/// `‖∂L/∂c_t‖` of a cell with a cell state, when the backward pass recorded it.
fn cell_grad(cell: CellKind, v: &[f64]) -> Option<&[f64]> {
    (cell.has_cell_state() && !v.is_empty()).then_some(v)
}

fn analysis_parts(a: Option<&Analysis>) -> [Option<&[f64]>; 3] {
    match a {
        Some(a) => [
            Some(&a.jacobian_norm[..]),
            (!a.carry_path.is_empty()).then_some(&a.carry_path[..]),
            (!a.carry_path_norm.is_empty()).then_some(&a.carry_path_norm[..]),
        ],
        None => [None, None, None],
    }
}

impl<'a> Source<'a> {
    /// A lab scene: every cell over the whole sequence, and the shared `W`.
    pub fn scene(r: &'a SceneResult) -> Source<'a> {
        let cells = r
            .cells
            .iter()
            .map(|c| {
                let [jacobian_norm, carry_path, carry_path_norm] =
                    analysis_parts(c.analysis.as_ref());
                CellRun {
                    cell: c.cell,
                    hidden: r.hidden_size,
                    len: c.batch.steps,
                    reverse: c.reverse,
                    grad_h_norm: Some(&c.backward.flow[0].grad_h_norm),
                    grad_c_norm: cell_grad(c.cell, &c.backward.flow[0].grad_c_norm),
                    jacobian_norm,
                    carry_path,
                    carry_path_norm,
                    run: &c.forward.runs[0],
                    batch: &c.batch,
                    seq: 0,
                    own_w_hh: r.task.is_some().then_some(&c.net.layers[0].weight_hh[..]),
                    loss_at_end: c.loss_at_end,
                    loss_at_lag0: c.loss_at_lag0,
                }
            })
            .collect();
        Source {
            hidden: r.hidden_size,
            cells,
            matrix: Matrix::Computed {
                label: scene_matrix_label(r),
                eigenvalues: &r.eigenvalues,
                singular_values: &r.singular_values,
            },
        }
    }

    /// A trace: the picked sequence, layer and direction, and that layer's `W_hh`.
    ///
    /// # Errors
    /// When the pick is out of range.
    pub fn trace(r: &'a TraceResult, pick: Pick) -> Result<Source<'a>, String> {
        let idx = pick.check(r)?;
        let arch = r.spec.arch;
        let (steps, hid) = (r.spec.batch.steps, arch.hidden_size);
        let n = r.spec.batch.lengths[pick.seq];
        let step = |v: &'a [f64]| &v[pick.seq * steps..][..n];
        let unit = |v: &'a [f64]| &v[pick.seq * steps * hid..][..n * hid];
        let [jacobian_norm, carry_path, carry_path_norm] =
            analysis_parts(r.analysis.as_ref().map(|a| &a[idx]));
        let sfx = Architecture::suffix(pick.layer, pick.direction);
        let name = format!("weight_hh_{sfx}");
        let w = r
            .net
            .param(&name)
            .ok_or_else(|| format!("{name}: missing"))?;
        let cell = CellRun {
            cell: arch.cell,
            hidden: hid,
            len: n,
            reverse: pick.direction == 1,
            grad_h_norm: r.backward.as_ref().map(|b| step(&b.flow[idx].grad_h_norm)),
            grad_c_norm: r
                .backward
                .as_ref()
                .and_then(|b| cell_grad(arch.cell, &b.flow[idx].grad_c_norm))
                .map(step),
            jacobian_norm: jacobian_norm.map(step),
            carry_path: carry_path.map(unit),
            carry_path_norm: carry_path_norm.map(step),
            run: &r.forward.runs[idx],
            batch: &r.spec.batch,
            seq: pick.seq,
            own_w_hh: None,
            loss_at_end: loss_at_end(r, pick),
            loss_at_lag0: loss_at_lag0(r, pick),
        };
        Ok(Source {
            hidden: hid,
            cells: vec![cell],
            matrix: Matrix::Layer {
                w,
                cell: arch.cell,
                hidden: hid,
                field: format!("params.{name}"),
            },
        })
    }
}

/// Whether the upstream gradients of a trace reach the picked run only through its last hidden
/// state: the top layer, `grad_output` zero at every other step of the sequence (for this
/// direction), no `grad_c_n` into it.
fn loss_at_end(r: &TraceResult, pick: Pick) -> bool {
    let arch = r.spec.arch;
    let (batch, up) = (&r.spec.batch, &r.spec.upstream);
    let (dirs, hid) = (arch.directions(), arch.hidden_size);
    if pick.layer + 1 != arch.num_layers {
        return false;
    }
    let n = batch.lengths[pick.seq];
    let Some(last) = n
        .checked_sub(1)
        .and_then(|s| batch.position(pick.seq, s, pick.direction))
    else {
        return true;
    };
    if let Some(g) = &up.grad_output {
        let width = dirs * hid;
        for t in (0..n).filter(|&t| t != last) {
            let at = (pick.seq * batch.steps + t) * width + pick.direction * hid;
            if g[at..at + hid].iter().any(|&v| v != 0.0) {
                return false;
            }
        }
    }
    if let Some(c) = &up.grad_c_n {
        let at = ((pick.layer * dirs + pick.direction) * batch.batch + pick.seq) * hid;
        if c[at..at + hid].iter().any(|&v| v != 0.0) {
            return false;
        }
    }
    true
}

/// Whether an upstream gradient of a trace enters the picked run at its lag-0 state (its last
/// processed step): `grad_h_n` of the run, or `grad_output` there when it is the top layer.
fn loss_at_lag0(r: &TraceResult, pick: Pick) -> bool {
    let arch = r.spec.arch;
    let (batch, up) = (&r.spec.batch, &r.spec.upstream);
    let (dirs, hid) = (arch.directions(), arch.hidden_size);
    let nonzero = |g: &[f64], at: usize| g[at..at + hid].iter().any(|&v| v != 0.0);
    let state = ((pick.layer * dirs + pick.direction) * batch.batch + pick.seq) * hid;
    if up.grad_h_n.as_deref().is_some_and(|g| nonzero(g, state)) {
        return true;
    }
    let n = batch.lengths[pick.seq];
    let last = n
        .checked_sub(1)
        .and_then(|s| batch.position(pick.seq, s, pick.direction));
    match (pick.layer + 1 == arch.num_layers, last, &up.grad_output) {
        (true, Some(t), Some(g)) => nonzero(
            g,
            (pick.seq * batch.steps + t) * dirs * hid + pick.direction * hid,
        ),
        _ => false,
    }
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

impl Matrix<'_> {
    /// The distinct `H × H` blocks as `(label, block index)`: one `W_hh` when every block is the
    /// same matrix (a scene, a plain RNN, a page's spec), else one per distinct gate block.
    fn parts(&self) -> Vec<(String, usize)> {
        let Matrix::Layer {
            w, cell, hidden, ..
        } = self
        else {
            return vec![("W_hh".into(), 0)];
        };
        let size = hidden * hidden;
        let block = |k: usize| &w[k * size..(k + 1) * size];
        let distinct: Vec<usize> = (0..cell.gates())
            .filter(|&k| (0..k).all(|j| block(j) != block(k)))
            .collect();
        if distinct.len() == 1 {
            return vec![("W_hh".into(), 0)];
        }
        let blocks = cell.blocks();
        let label = |k: usize| format!("W_h{} ({})", blocks[k].name, blocks[k].title);
        distinct.into_iter().map(|k| (label(k), k)).collect()
    }

    /// Eigenvalues of each distinct matrix, largest modulus first.
    ///
    /// # Errors
    /// When a block holds inf/NaN (named by its spec field).
    pub fn eigenvalues(&self) -> Result<Vec<Labelled<Points>>, String> {
        match self {
            Matrix::Computed {
                eigenvalues, label, ..
            } => Ok(vec![labelled(label, eigenvalues.to_vec())]),
            Matrix::Layer { .. } => self.per_block(spectral::eigenvalues),
        }
    }

    /// Singular values of each distinct matrix, largest first.
    ///
    /// # Errors
    /// As [`Matrix::eigenvalues`].
    pub fn singular_values(&self) -> Result<Vec<Labelled<Vec<f64>>>, String> {
        match self {
            Matrix::Computed {
                singular_values,
                label,
                ..
            } => Ok(vec![labelled(label, singular_values.to_vec())]),
            Matrix::Layer { .. } => self.per_block(|w, h| spectral::singular_values(w, h, h)),
        }
    }

    /// A theory curve's base for the first matrix: `ρ` (its largest eigenvalue's modulus) or
    /// `σ_max` (its largest singular value); NaN when there are none. Computes only what `base`
    /// needs.
    ///
    /// # Errors
    /// As [`Matrix::eigenvalues`].
    pub fn base(&self, base: Base) -> Result<f64, String> {
        Ok(match base {
            Base::SpectralRadius => self.eigenvalues()?[0]
                .values
                .first()
                .map_or(f64::NAN, |e| e.0.hypot(e.1)),
            Base::MaxSingularValue => self.singular_values()?[0]
                .values
                .first()
                .copied()
                .unwrap_or(f64::NAN),
        })
    }

    /// `f` of each distinct block of a layer's `W_hh` (a scene's `W` is never asked).
    fn per_block<T>(
        &self,
        f: impl Fn(&[f64], usize) -> Result<T, String>,
    ) -> Result<Vec<Labelled<T>>, String> {
        let (w, hidden, field) = match self {
            Matrix::Layer {
                w, hidden, field, ..
            } => (*w, *hidden, field.as_str()),
            Matrix::Computed { .. } => return Ok(Vec::new()),
        };
        let value = |(label, k): (String, usize)| {
            let values =
                f(&spectral::block(w, hidden, k), hidden).map_err(|e| format!("{field}: {e}"))?;
            Ok(Labelled { label, values })
        };
        self.parts().into_iter().map(value).collect()
    }
}

fn labelled<T>(label: &str, values: T) -> Labelled<T> {
    Labelled {
        label: label.into(),
        values,
    }
}

/// A scene's matrix in words: `W_hh`, or the trained model's block the spectrum shows
/// (`RNN tanh W_hh`, `LSTM W_hf`).
fn scene_matrix_label(r: &SceneResult) -> String {
    if let (Some(imp), Some(c)) = (&r.imported, r.cells.first()) {
        let info = c.cell.info();
        let run = &imp.runs[imp.run].label;
        return match info.blocks {
            [_] => format!("{} {run} W_hh", info.label),
            blocks => format!("{} {run} W_h{}", info.label, blocks[imp.block].name),
        };
    }
    let Some(task) = &r.task else {
        return "W_hh".into();
    };
    let info = r.cells[task.spectrum_model].cell.info();
    match info.blocks {
        [_] => format!("{} W_hh", info.label),
        blocks => format!("{} W_h{}", info.label, blocks[task.spectrum_block].name),
    }
}

impl Matrix<'_> {
    /// The matrix's name in a chart title: a scene's label, or `W_hh`.
    pub fn name(&self) -> &str {
        match self {
            Matrix::Computed { label, .. } => label,
            Matrix::Layer { .. } => "W_hh",
        }
    }
}
