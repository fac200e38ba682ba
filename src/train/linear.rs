//! A linear head, as PyTorch's `nn.Linear(in_features, out_features)`.
//!
//! Over a batch of `N` rows: `y = x Wᵀ + b`, with `x` `N × in`, `W` (`weight`) `out × in`,
//! `b` (`bias`) `out`. Backward, from `dy = ∂L/∂y`:
//!
//! - `∂L/∂x = dy W` (`N × in`),
//! - `∂L/∂W = dyᵀ x` (`out × in`),
//! - `∂L/∂b = Σ_rows dy` (`out`).
//!
//! Default initialisation is PyTorch's `reset_parameters`: `kaiming_uniform_(weight, a=√5)`,
//! i.e. `U(−bound, bound)` with `bound = √3 · gain / √in` and `gain = √(2 / (1 + a²)) = √(1/3)`,
//! so `bound = 1/√in`; and `bias ~ U(−1/√in, 1/√in)`. The draws come from the crate's seeded
//! [`Rng`] (weight row by row, then bias), not from PyTorch's generator.

use crate::linalg::matmul;
use crate::rng::Rng;
use crate::train::params::{ParamSet, Tensor};

/// A fully connected layer with PyTorch's names and shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// `in_features`: width of each input row.
    pub in_features: usize,
    /// `out_features`: width of each output row.
    pub out_features: usize,
    /// `weight`: `out × in`, row-major.
    pub weight: Vec<f64>,
    /// `bias`: `out`.
    pub bias: Vec<f64>,
}

/// What [`Linear::backward`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearBackward {
    /// `∂L/∂x`, `N × in`.
    pub grad_input: Vec<f64>,
    /// `∂L/∂weight` and `∂L/∂bias`, as a `Linear` of the same shape.
    pub grads: Linear,
}

impl Linear {
    /// PyTorch's default initialisation, drawn from `rng`.
    pub fn new(in_features: usize, out_features: usize, rng: &mut Rng) -> Self {
        let bound = Self::init_bound(in_features);
        let mut draw =
            |n: usize| -> Vec<f64> { (0..n).map(|_| rng.uniform_in(-bound, bound)).collect() };
        let weight = draw(out_features * in_features);
        let bias = draw(out_features);
        Linear {
            in_features,
            out_features,
            weight,
            bias,
        }
    }

    /// All zeros (e.g. to hold gradients).
    pub fn zeros(in_features: usize, out_features: usize) -> Self {
        Linear {
            in_features,
            out_features,
            weight: vec![0.0; out_features * in_features],
            bias: vec![0.0; out_features],
        }
    }

    /// The half-width of the default uniform init: kaiming_uniform's `√3 · gain / √fan_in` with
    /// `a = √5`, which is `1/√in` (0 when `in = 0`, as PyTorch's bias bound).
    pub fn init_bound(in_features: usize) -> f64 {
        if in_features == 0 {
            return 0.0;
        }
        let a = 5f64.sqrt();
        let gain = (2.0 / (1.0 + a * a)).sqrt();
        3f64.sqrt() * gain / (in_features as f64).sqrt()
    }

    /// `y = x Wᵀ + b` for every row of `input`.
    ///
    /// # Shapes
    /// `input`: `N × in`; returns `N × out`.
    pub fn forward(&self, input: &[f64]) -> Vec<f64> {
        let rows = self.rows(input);
        let mut output: Vec<f64> = (0..rows).flat_map(|_| self.bias.iter().copied()).collect();
        let (i, o) = (self.in_features, self.out_features);
        matmul(
            rows,
            i,
            o,
            input,
            false,
            &self.weight,
            true,
            1.0,
            &mut output,
        );
        output
    }

    /// Gradients with respect to the input, weight and bias, given `∂L/∂y`.
    ///
    /// # Shapes
    /// `input`: `N × in` (as given to [`Linear::forward`]); `grad_output`: `N × out`.
    pub fn backward(&self, input: &[f64], grad_output: &[f64]) -> LinearBackward {
        let rows = self.rows(input);
        let (i, o) = (self.in_features, self.out_features);
        assert_eq!(grad_output.len(), rows * o, "grad_output is N × out");
        let mut grad_input = vec![0.0; rows * i];
        matmul(
            rows,
            o,
            i,
            grad_output,
            false,
            &self.weight,
            false,
            0.0,
            &mut grad_input,
        );
        let mut grads = Linear::zeros(i, o);
        matmul(
            o,
            rows,
            i,
            grad_output,
            true,
            input,
            false,
            0.0,
            &mut grads.weight,
        );
        for row in grad_output.chunks_exact(o) {
            grads.bias.iter_mut().zip(row).for_each(|(b, g)| *b += g);
        }
        LinearBackward { grad_input, grads }
    }

    fn rows(&self, input: &[f64]) -> usize {
        let i = self.in_features.max(1);
        assert_eq!(input.len() % i, 0, "input is N × in_features");
        input.len() / i
    }
}

impl ParamSet for Linear {
    fn tensors(&self) -> Vec<Tensor<&[f64]>> {
        vec![
            Tensor {
                name: "weight".into(),
                shape: vec![self.out_features, self.in_features],
                values: &self.weight,
            },
            Tensor {
                name: "bias".into(),
                shape: vec![self.out_features],
                values: &self.bias,
            },
        ]
    }

    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>> {
        vec![
            Tensor {
                name: "weight".into(),
                shape: vec![self.out_features, self.in_features],
                values: &mut self.weight,
            },
            Tensor {
                name: "bias".into(),
                shape: vec![self.out_features],
                values: &mut self.bias,
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x = [[1, 2]]`, `W = [[1, 0], [0, 1], [1, 1]]`, `b = [0.5, 0, −1]`:
    /// `y = [1.5, 2, 2]`; with `dy = [1, 0, 1]`: `dx = dy W = [2, 1]`, `dW = dyᵀ x`, `db = dy`.
    #[test]
    fn forward_and_backward_by_hand() {
        let fc = Linear {
            in_features: 2,
            out_features: 3,
            weight: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            bias: vec![0.5, 0.0, -1.0],
        };
        assert_eq!(fc.forward(&[1.0, 2.0]), vec![1.5, 2.0, 2.0]);
        let bw = fc.backward(&[1.0, 2.0], &[1.0, 0.0, 1.0]);
        assert_eq!(bw.grad_input, vec![2.0, 1.0]);
        assert_eq!(bw.grads.weight, vec![1.0, 2.0, 0.0, 0.0, 1.0, 2.0]);
        assert_eq!(bw.grads.bias, vec![1.0, 0.0, 1.0]);
    }

    #[test]
    fn default_init_is_uniform_within_one_over_sqrt_in() {
        let bound = 1.0 / 50f64.sqrt();
        assert!((Linear::init_bound(50) - bound).abs() < 1e-15);
        let fc = Linear::new(50, 40, &mut Rng::new(3));
        assert_eq!((fc.weight.len(), fc.bias.len()), (2000, 40));
        assert!(fc.weight.iter().chain(&fc.bias).all(|v| v.abs() < bound));
        // U(−c, c): mean 0, variance c²/3; the draws fill the interval.
        let n = fc.weight.len() as f64;
        let mean = fc.weight.iter().sum::<f64>() / n;
        let var = fc.weight.iter().map(|v| v * v).sum::<f64>() / n;
        assert!(mean.abs() < 0.05 * bound, "mean {mean}");
        assert!((var / (bound * bound / 3.0) - 1.0).abs() < 0.1, "var {var}");
        let max = fc.weight.iter().fold(0f64, |m, v| m.max(v.abs()));
        assert!(max > 0.99 * bound);
        assert_eq!(fc, Linear::new(50, 40, &mut Rng::new(3)));
    }
}
