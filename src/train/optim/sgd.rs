//! Stochastic gradient descent, as `torch.optim.SGD` (its single-tensor path).
//!
//! For each parameter `p` with gradient `g` (`−g` when maximising), learning rate `γ`, momentum
//! `μ`, dampening `τ` and weight decay `λ`:
//!
//! ```text
//! g ← g + λ p                          (when λ ≠ 0)
//! b ← g                                (first step: a copy, without dampening)
//! b ← μ b + (1 − τ) g                  (later steps)
//! g ← g + μ b  (nesterov)   or   g ← b (when μ ≠ 0)
//! p ← p − γ g
//! ```

use std::collections::BTreeMap;

use super::Optimizer;
use crate::train::params::{visit, ParamSet};

/// `torch.optim.SGD`'s arguments. `lr` has no default, as in PyTorch: build with
/// [`SgdConfig::new`] and set the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate `γ` (`lr`), at least 0.
    pub lr: f64,
    /// Momentum factor `μ` (`momentum`), at least 0; 0 (the default) keeps no buffer.
    pub momentum: f64,
    /// Dampening `τ` (`dampening`) of the gradient added to the buffer after the first step;
    /// default 0.
    pub dampening: f64,
    /// L2 penalty `λ` (`weight_decay`) added to the gradient as `λ p`; at least 0, default 0.
    pub weight_decay: f64,
    /// Nesterov momentum (`nesterov`): step along `g + μ b` instead of `b`; needs `μ > 0` and
    /// `τ = 0`. Default false.
    pub nesterov: bool,
    /// Maximise the objective (`maximize`): use `−g`. Default false.
    pub maximize: bool,
}

impl SgdConfig {
    /// PyTorch's defaults with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        SgdConfig {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }

    /// The checks of `SGD.__init__`, with its messages.
    ///
    /// # Errors
    /// A negative (or NaN) `lr`, `momentum` or `weight_decay`; nesterov without momentum or with
    /// dampening.
    pub fn validate(&self) -> Result<(), String> {
        let at_least_zero = |v: f64| (0.0..).contains(&v);
        if !at_least_zero(self.lr) {
            return Err(format!("Invalid learning rate: {}", self.lr));
        }
        if !at_least_zero(self.momentum) {
            return Err(format!("Invalid momentum value: {}", self.momentum));
        }
        if !at_least_zero(self.weight_decay) {
            return Err(format!("Invalid weight_decay value: {}", self.weight_decay));
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err("Nesterov momentum requires a momentum and zero dampening".into());
        }
        Ok(())
    }
}

/// SGD with its momentum buffers.
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    /// The hyperparameters (`lr` may be changed between steps, as a schedule does).
    pub config: SgdConfig,
    /// `momentum_buffer` per parameter name, created at its first step (empty without momentum).
    pub momentum_buffer: BTreeMap<String, Vec<f64>>,
}

impl Sgd {
    /// An optimiser with no state yet.
    ///
    /// # Errors
    /// As [`SgdConfig::validate`].
    pub fn new(config: SgdConfig) -> Result<Self, String> {
        config.validate()?;
        Ok(Sgd {
            config,
            momentum_buffer: BTreeMap::new(),
        })
    }

    /// Updates one parameter (the loop body of `_single_tensor_sgd`).
    fn update(&mut self, name: &str, param: &mut [f64], grad: &[f64]) {
        let c = self.config;
        let mut d: Vec<f64> = grad
            .iter()
            .map(|&g| if c.maximize { -g } else { g })
            .collect();
        if c.weight_decay != 0.0 {
            d.iter_mut()
                .zip(&*param)
                .for_each(|(g, p)| *g += c.weight_decay * p);
        }
        if c.momentum != 0.0 {
            let buf = match self.momentum_buffer.get_mut(name) {
                Some(buf) => {
                    for (b, g) in buf.iter_mut().zip(&d) {
                        *b = *b * c.momentum + (1.0 - c.dampening) * g;
                    }
                    buf
                }
                None => self.momentum_buffer.entry(name.into()).or_insert(d.clone()),
            };
            if c.nesterov {
                d.iter_mut()
                    .zip(&*buf)
                    .for_each(|(g, b)| *g += c.momentum * b);
            } else {
                d.copy_from_slice(buf);
            }
        }
        param.iter_mut().zip(&d).for_each(|(p, g)| *p += -c.lr * g);
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &mut dyn ParamSet, grads: &dyn ParamSet) {
        visit(params, grads, |name, p, g| self.update(name, p, g));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::linear::Linear;

    fn scalar(v: f64) -> Linear {
        Linear {
            in_features: 1,
            out_features: 1,
            weight: vec![v],
            bias: vec![0.0],
        }
    }

    /// `p = 1`, `g = 1` twice, `γ = 0.1`, `μ = 0.9`, `τ = 0.5`: the first buffer is `g = 1`
    /// (no dampening), `p = 0.9`; then `b = 0.9 · 1 + 0.5 · 1 = 1.4`, `p = 0.9 − 0.14 = 0.76`.
    #[test]
    fn first_momentum_step_copies_the_gradient_without_dampening() {
        let mut p = scalar(1.0);
        let g = scalar(1.0);
        let mut opt = Sgd::new(SgdConfig {
            momentum: 0.9,
            dampening: 0.5,
            ..SgdConfig::new(0.1)
        })
        .unwrap();
        opt.step(&mut p, &g);
        assert_eq!(p.weight, vec![0.9]);
        assert_eq!(opt.momentum_buffer["weight"], vec![1.0]);
        opt.step(&mut p, &g);
        assert!((opt.momentum_buffer["weight"][0] - 1.4).abs() < 1e-15);
        assert!((p.weight[0] - 0.76).abs() < 1e-15);
        assert_eq!(opt.momentum_buffer.len(), 2);
    }

    #[test]
    fn validation_follows_pytorch() {
        assert!(SgdConfig::new(-1.0).validate().is_err());
        assert!(SgdConfig::new(f64::NAN).validate().is_err());
        let nesterov = SgdConfig {
            nesterov: true,
            ..SgdConfig::new(0.1)
        };
        assert!(nesterov.validate().is_err());
        let with_momentum = SgdConfig {
            momentum: 0.9,
            ..nesterov
        };
        assert!(with_momentum.validate().is_ok());
        let damped = SgdConfig {
            dampening: 0.1,
            ..with_momentum
        };
        assert!(damped.validate().is_err());
    }
}
