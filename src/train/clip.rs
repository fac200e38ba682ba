//! Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`.
//!
//! - by global norm: `n = ‖(g_1, …, g_k)‖₂` over all tensors; if `n > max_norm` every gradient is
//!   multiplied by `max_norm / (n + 1e−6)` (PyTorch's formula, including its `1e−6`);
//! - element-wise: every entry clamped to `[−c, c]`.

use crate::linalg::norm2;

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

    #[test]
    fn value_clipping_clamps() {
        let mut a = vec![-3.0, 0.5, 9.0];
        clip_grad_value(&mut [&mut a], 1.0);
        assert_eq!(a, vec![-1.0, 0.5, 1.0]);
    }
}
