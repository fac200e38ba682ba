//! The plain (Elman) RNN step, as `torch.nn.RNN`:
//!
//! `h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)`, φ = tanh or relu; and `rnn_linear`, φ = identity
//! (not a PyTorch module, but the case where `∂h_T/∂h_t = W_hh^{T−t}` exactly).
//!
//! Backward: `∂L/∂a_t = ∂L/∂h_t ⊙ φ'(a_t)` with `tanh' = 1 − h²`, `relu' = [a > 0]` (PyTorch's
//! choice at 0), `identity' = 1`.

use super::StepCache;
use crate::linalg::tanh;

/// The squashing function φ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nonlinearity {
    /// tanh
    Tanh,
    /// max(0, a)
    Relu,
    /// a (no squashing)
    Identity,
}

impl Nonlinearity {
    /// φ(a)
    #[inline]
    pub fn apply(self, a: f64) -> f64 {
        match self {
            Nonlinearity::Tanh => tanh(a),
            Nonlinearity::Relu => {
                if a > 0.0 || a.is_nan() {
                    a
                } else {
                    0.0
                }
            }
            Nonlinearity::Identity => a,
        }
    }

    /// φ'(a), given also `h = φ(a)`.
    #[inline]
    pub fn derivative(self, a: f64, h: f64) -> f64 {
        match self {
            Nonlinearity::Tanh => 1.0 - h * h,
            Nonlinearity::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Nonlinearity::Identity => 1.0,
        }
    }
}

/// `gates = h = φ(xp + hp)`.
pub fn forward(nl: Nonlinearity, xp: &[f64], hp: &[f64], gates: &mut [f64], h: &mut [f64]) {
    for j in 0..h.len() {
        let hidden = nl.apply(xp[j] + hp[j]);
        gates[j] = hidden;
        h[j] = hidden;
    }
}

/// `da = dh ⊙ φ'(a)`.
pub fn backward(nl: Nonlinearity, cache: StepCache<'_>, dh: &[f64], da: &mut [f64]) {
    for j in 0..dh.len() {
        let a = cache.xp[j] + cache.hp[j];
        da[j] = dh[j] * nl.derivative(a, cache.gates[j]);
    }
}
