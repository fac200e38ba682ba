//! Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`.
//!
//! - by global norm: `n = ‖(g_1, …, g_k)‖₂` over all tensors; if `n > max_norm` every gradient is
//!   multiplied by `max_norm / (n + 1e−6)` (PyTorch's formula, including its `1e−6`);
//! - element-wise: every entry clamped to `[−c, c]`.
//!
//! [`clip_grads`] applies either to a whole [`ParamSet`] of gradients and returns a
//! [`ClipRecord`] for the iteration: the global norm before clipping and whether clipping fired
//! (by norm: `max_norm / (n + 1e−6) < 1`; by value: some `|g| > c`).

use crate::linalg::norm2;
use crate::train::params::ParamSet;

/// Gradient clipping applied to an update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clipping {
    /// No clipping.
    None,
    /// By global norm (`clip_grad_norm_`).
    Norm(f64),
    /// Element-wise (`clip_grad_value_`).
    Value(f64),
}

/// What clipping did in one iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipRecord {
    /// Global 2-norm of all gradients before clipping (what `clip_grad_norm_` returns).
    pub norm_before: f64,
    /// True when clipping changed the gradients: by norm, `max_norm / (norm + 1e−6) < 1` with a
    /// finite norm (a non-finite one is left alone, see [`clip_grad_norm`]); by value, some
    /// `|g| > c`. Never for [`Clipping::None`].
    pub fired: bool,
}

/// Clips a whole set of gradients in place as `mode` says and records what happened.
pub fn clip_grads<G: ParamSet + ?Sized>(grads: &mut G, mode: Clipping) -> ClipRecord {
    let mut tensors: Vec<&mut [f64]> = grads.tensors_mut().into_iter().map(|t| t.values).collect();
    let norms: Vec<f64> = tensors.iter().map(|g| norm2(g)).collect();
    let norm_before = norm2(&norms);
    let fired = match mode {
        Clipping::None => false,
        Clipping::Norm(max_norm) => {
            clip_grad_norm(&mut tensors, max_norm);
            norm_before.is_finite() && max_norm / (norm_before + 1e-6) < 1.0
        }
        Clipping::Value(c) => {
            let fired = tensors.iter().any(|g| g.iter().any(|v| v.abs() > c));
            clip_grad_value(&mut tensors, c);
            fired
        }
    };
    ClipRecord { norm_before, fired }
}

/// Clips in place by global norm and returns the norm before clipping (inf/NaN when the
/// gradients are; then nothing is scaled, as with PyTorch's `error_if_nonfinite=False` the result
/// would be NaN anyway: we leave them for the page to show).
pub fn clip_grad_norm(grads: &mut [&mut [f64]], max_norm: f64) -> f64 {
    let norms: Vec<f64> = grads.iter().map(|g| norm2(g)).collect();
    let total = norm2(&norms);
    if total.is_finite() {
        let coef = max_norm / (total + 1e-6);
        if coef < 1.0 {
            for g in grads.iter_mut() {
                g.iter_mut().for_each(|v| *v *= coef);
            }
        }
    }
    total
}

/// Clamps every entry to `[−clip_value, clip_value]` in place (NaN stays NaN).
pub fn clip_grad_value(grads: &mut [&mut [f64]], clip_value: f64) {
    for g in grads.iter_mut() {
        for v in g.iter_mut() {
            *v = v.clamp(-clip_value, clip_value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::CellKind;
    use crate::network::{Architecture, Network};

    #[test]
    fn norm_clipping_matches_pytorch_formula() {
        // ‖(3, 4, 12)‖ = 13 → scaled by 1/(13 + 1e-6).
        let mut a = vec![3.0, 4.0];
        let mut b = vec![12.0];
        let n = clip_grad_norm(&mut [&mut a, &mut b], 1.0);
        assert_eq!(n, 13.0);
        let k = 1.0 / (13.0 + 1e-6);
        assert_eq!(a, vec![3.0 * k, 4.0 * k]);
        assert_eq!(b, vec![12.0 * k]);
        let mut c = vec![0.1];
        assert_eq!(clip_grad_norm(&mut [&mut c], 1.0), 0.1);
        assert_eq!(c, vec![0.1]);
    }

    /// Gradients of a one-unit RNN: `weight_ih`, `weight_hh` from `values`, biases 0.
    fn grads(values: [f64; 2]) -> Network {
        let mut g = Network::zeros(Architecture {
            cell: CellKind::RnnTanh,
            input_size: 1,
            hidden_size: 1,
            num_layers: 1,
            bidirectional: false,
        });
        g.layers[0].weight_ih = vec![values[0]];
        g.layers[0].weight_hh = vec![values[1]];
        g
    }

    #[test]
    fn records_the_norm_before_and_whether_clipping_fired() {
        let mut g = grads([3.0, 4.0]);
        let rec = clip_grads(&mut g, Clipping::Norm(10.0));
        assert_eq!(
            rec,
            ClipRecord {
                norm_before: 5.0,
                fired: false
            }
        );
        assert_eq!(g.layers[0].weight_hh, vec![4.0]);
        let rec = clip_grads(&mut g, Clipping::Norm(1.0));
        assert_eq!(
            rec,
            ClipRecord {
                norm_before: 5.0,
                fired: true
            }
        );
        assert!((norm2(&[g.layers[0].weight_ih[0], g.layers[0].weight_hh[0]]) - 1.0).abs() < 1e-6);
        // 5/(5 + 1e-6) < 1: scaled by a hair, so it fired.
        let mut g = grads([3.0, 4.0]);
        assert!(clip_grads(&mut g, Clipping::Norm(5.0)).fired);
        let mut g = grads([3.0, -4.0]);
        assert!(!clip_grads(&mut g, Clipping::Value(4.0)).fired);
        let rec = clip_grads(&mut g, Clipping::Value(3.5));
        assert_eq!(
            rec,
            ClipRecord {
                norm_before: 5.0,
                fired: true
            }
        );
        assert_eq!(g.layers[0].weight_hh, vec![-3.5]);
        assert!(!clip_grads(&mut g, Clipping::None).fired);
        let mut g = grads([f64::INFINITY, 1.0]);
        let rec = clip_grads(&mut g, Clipping::Norm(1.0));
        assert!(!rec.fired && rec.norm_before.is_infinite());
    }

    #[test]
    fn value_clipping_clamps() {
        let mut a = vec![-3.0, 0.5, 9.0];
        clip_grad_value(&mut [&mut a], 1.0);
        assert_eq!(a, vec![-1.0, 0.5, 1.0]);
    }
}
