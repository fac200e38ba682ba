//! What a run recorded, re-indexed by original time position: `[B][T][H]` arrays of gates,
//! states and pre-activations for one layer × direction (0 at padded positions). The CLI writes
//! these as JSON; the wasm layer hands them to the page as typed arrays.
//!
//! Pre-activations: plain RNN `a = W_ih x + b_ih + W_hh h + b_hh`; LSTM per gate
//! `a_k = W_ik x + b_ik + W_hk h + b_hk`; GRU `r`, `z` likewise, `n`: `W_in x + b_in + r ⊙ hn`
//! with `hn = W_hn h + b_hn` (also given on its own).
//!
//! Lag: charts of the gradient flow read per-step values by the lag `k` (steps back from the
//! direction's last step): `k = n−1−t` forward and `k = t` for the reverse direction, over the
//! sequence's `n` valid steps ([`by_lag`], the only place this reversal is written).

use crate::cell::{CellKind, SeriesInfo};
use crate::network::{Batch, DirectionRun};

/// One named `[B][T][H]` series.
pub struct Series {
    /// Name as the trace format uses it (`i`, `f`, `h`, `hn`, …).
    pub name: &'static str,
    /// `B × T × H` values.
    pub values: Vec<f64>,
}

fn gather(
    run: &DirectionRun,
    batch: &Batch,
    hid: usize,
    mut f: impl FnMut(usize, usize, &mut [f64]),
) -> Vec<f64> {
    let (bsz, steps) = (batch.batch, batch.steps);
    let mut out = vec![0.0; bsz * steps * hid];
    for s in 0..steps {
        for b in 0..bsz {
            if let Some(pos) = batch.position(b, s, run.direction) {
                f(s, b, &mut out[(b * steps + pos) * hid..][..hid]);
            }
        }
    }
    out
}

/// Per-step values of one sequence (its `n` valid steps, by time position) in lag order: lag `k`
/// is step `n−1−k` (forward) or step `k` (reverse direction).
///
/// ```
/// assert_eq!(unrolled::trace::by_lag(&[1.0, 2.0, 3.0], false), [3.0, 2.0, 1.0]);
/// assert_eq!(unrolled::trace::by_lag(&[1.0, 2.0, 3.0], true), [1.0, 2.0, 3.0]);
/// ```
pub fn by_lag(per_step: &[f64], reverse: bool) -> Vec<f64> {
    if reverse {
        per_step.to_vec()
    } else {
        per_step.iter().rev().copied().collect()
    }
}

/// Post-activation gates and states, in the trace's order: LSTM `i f g o c h`, GRU `r z n h`,
/// plain RNNs `h`.
pub fn gates(cell: CellKind, run: &DirectionRun, batch: &Batch, hid: usize) -> Vec<Series> {
    let bsz = batch.batch;
    let gh = cell.gates() * hid;
    let mut out = Vec::new();
    if cell.info().gated() {
        for (k, &SeriesInfo { name, .. }) in cell.blocks().iter().enumerate() {
            let values = gather(run, batch, hid, |s, b, dst| {
                dst.copy_from_slice(&run.gates[(s * bsz + b) * gh + k * hid..][..hid])
            });
            out.push(Series { name, values });
        }
    }
    if cell.has_cell_state() {
        let values = gather(run, batch, hid, |s, b, dst| {
            dst.copy_from_slice(&run.c[((s + 1) * bsz + b) * hid..][..hid])
        });
        out.push(Series { name: "c", values });
    }
    let values = gather(run, batch, hid, |s, b, dst| {
        dst.copy_from_slice(&run.h[((s + 1) * bsz + b) * hid..][..hid])
    });
    out.push(Series { name: "h", values });
    out
}

/// Pre-activations: LSTM `i f g o`, GRU `r z n hn`, plain RNNs `h`.
pub fn preactivations(
    cell: CellKind,
    run: &DirectionRun,
    batch: &Batch,
    hid: usize,
) -> Vec<Series> {
    let bsz = batch.batch;
    let gh = cell.gates() * hid;
    let mut out = Vec::new();
    for (k, &SeriesInfo { name, .. }) in cell.blocks().iter().enumerate() {
        let values = gather(run, batch, hid, |s, b, dst| {
            let row = (s * bsz + b) * gh;
            for j in 0..hid {
                let (x, h) = (run.xp[row + k * hid + j], run.hp[row + k * hid + j]);
                dst[j] = if cell.has_separate_hn() && k == 2 {
                    x + run.gates[row + j] * h
                } else {
                    x + h
                };
            }
        });
        out.push(Series { name, values });
    }
    if cell.has_separate_hn() {
        let values = gather(run, batch, hid, |s, b, dst| {
            dst.copy_from_slice(&run.hp[(s * bsz + b) * gh + 2 * hid..][..hid])
        });
        out.push(Series { name: "hn", values });
    }
    out
}
