//! Losses with PyTorch's semantics (`reduction="mean"`), each returning its value and its
//! gradient with respect to its input.
//!
//! - [`mse`], `F.mse_loss(x, y)`: `L = (1/N) Σ_i (x_i − y_i)²`, `∂L/∂x_i = 2 (x_i − y_i) / N`.
//! - [`cross_entropy`], `F.cross_entropy(z, labels)` over `N` rows of `C` logits:
//!   `L = −(1/N) Σ_n log_softmax(z_n)[y_n]`, `∂L/∂z_n = (softmax(z_n) − onehot(y_n)) / N`.
//! - [`cross_entropy_steps`], the per-step form for sequence outputs `B × T' × C`:
//!   `F.cross_entropy(z.reshape(-1, C), labels.reshape(-1))`, the mean over the `B·T'` positions
//!   used. A position labelled `None` is PyTorch's `ignore_index`: it adds nothing and is not
//!   counted (so with every position ignored the loss is `0/0 = NaN`, as in PyTorch).
//!
//! [`log_softmax`] is the numerically stable `z_c − m − log Σ_k exp(z_k − m)`, `m = max_k z_k`.

use crate::linalg::exp;

/// A loss value and its gradient with respect to the loss's input.
#[derive(Clone, Debug, PartialEq)]
pub struct Loss {
    /// The (mean) loss.
    pub value: f64,
    /// `∂L/∂input`, the input's shape.
    pub grad: Vec<f64>,
}

/// Mean squared error between `input` and `target` (same shape), as `F.mse_loss`.
pub fn mse(input: &[f64], target: &[f64]) -> Loss {
    assert_eq!(
        input.len(),
        target.len(),
        "mse: input and target differ in size"
    );
    let n = input.len() as f64;
    let diff: Vec<f64> = input.iter().zip(target).map(|(x, y)| x - y).collect();
    let value = diff.iter().map(|d| d * d).sum::<f64>() / n;
    let grad = diff.iter().map(|d| 2.0 / n * d).collect();
    Loss { value, grad }
}

/// `log_softmax` of one row of logits, stable for large logits.
pub fn log_softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logits.iter().map(|z| exp(z - max)).sum();
    let log_sum = sum.ln();
    logits.iter().map(|z| z - max - log_sum).collect()
}

/// Cross-entropy over `N` rows of `classes` logits with one label per row, as
/// `F.cross_entropy(logits, labels)`.
///
/// # Shapes
/// `logits`: `N × C`; `labels`: `N`, each in `0..C`.
pub fn cross_entropy(logits: &[f64], labels: &[usize], classes: usize) -> Loss {
    let labels: Vec<Option<usize>> = labels.iter().map(|&y| Some(y)).collect();
    cross_entropy_steps(logits, &labels, classes)
}

/// Cross-entropy at every position of a sequence output, as
/// `F.cross_entropy(logits.reshape(-1, C), labels.reshape(-1))`; `None` labels are ignored.
///
/// # Shapes
/// `logits`: `B × T' × C` (or any `N × C`); `labels`: `B × T'` (`N`), each `None` or in `0..C`.
pub fn cross_entropy_steps(logits: &[f64], labels: &[Option<usize>], classes: usize) -> Loss {
    assert_eq!(logits.len(), labels.len() * classes, "logits are N × C");
    let used = labels.iter().flatten().count() as f64;
    let mut grad = vec![0.0; logits.len()];
    let mut total = 0.0;
    let rows = logits
        .chunks_exact(classes)
        .zip(grad.chunks_exact_mut(classes));
    for ((row, g), label) in rows.zip(labels) {
        let Some(y) = *label else { continue };
        assert!(y < classes, "label {y} is not below C = {classes}");
        let log_p = log_softmax(row);
        total -= log_p[y];
        for (gc, lp) in g.iter_mut().zip(&log_p) {
            *gc = exp(*lp) / used;
        }
        g[y] -= 1.0 / used;
    }
    Loss {
        value: total / used,
        grad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x = (1, 3)`, `y = (0, 0)`: `L = (1 + 9)/2 = 5`, `∂L/∂x = 2x/2 = (1, 3)`.
    #[test]
    fn mse_by_hand() {
        let l = mse(&[1.0, 3.0], &[0.0, 0.0]);
        assert_eq!(l.value, 5.0);
        assert_eq!(l.grad, vec![1.0, 3.0]);
    }

    /// Two equal logits: `log_softmax = −ln 2` each, so `L = ln 2` and `∂L/∂z = (½ − 1, ½)`.
    #[test]
    fn cross_entropy_by_hand_and_stable_for_huge_logits() {
        let l = cross_entropy(&[5.0, 5.0], &[0], 2);
        assert!((l.value - 2f64.ln()).abs() < 1e-15);
        assert_eq!(l.grad, vec![-0.5, 0.5]);
        let big = cross_entropy(&[1000.0, 1000.0], &[1], 2);
        assert!((big.value - 2f64.ln()).abs() < 1e-15);
        assert_eq!(log_softmax(&[1e308, 0.0]), vec![0.0, -1e308]);
    }

    #[test]
    fn ignored_positions_add_nothing_and_are_not_counted() {
        let l = cross_entropy_steps(&[5.0, 5.0, 1.0, 9.0], &[Some(0), None], 2);
        assert!((l.value - 2f64.ln()).abs() < 1e-15);
        assert_eq!(l.grad, vec![-0.5, 0.5, 0.0, 0.0]);
        assert!(cross_entropy_steps(&[1.0, 2.0], &[None], 2).value.is_nan());
    }
}
