//! Adam and AdamW, as `torch.optim.Adam` and `torch.optim.AdamW` (the single-tensor path).
//!
//! For each parameter `p` with gradient `g` (`−g` when maximising), at its step `t = 1, 2, …`,
//! with learning rate `γ`, betas `β₁, β₂`, `ε` and weight decay `λ`:
//!
//! ```text
//! p ← p (1 − γ λ)                      (AdamW: decoupled weight decay, first)
//! g ← g + λ p                          (Adam: L2 penalty added to the gradient)
//! m ← m + (1 − β₁)(g − m)              (exp_avg, PyTorch's lerp)
//! v ← β₂ v + (1 − β₂) g²               (exp_avg_sq)
//! v̂ ← max(v̂, v)                        (amsgrad: max_exp_avg_sq; then used for v below)
//! denom = √v / √(1 − β₂ᵗ) + ε
//! p ← p − (γ / (1 − β₁ᵗ)) · m / denom
//! ```
//!
//! `ε` is added after the bias correction of `√v`, and the bias correction of `m` is folded
//! into the step size, exactly where PyTorch puts them.

use std::collections::BTreeMap;

use super::Optimizer;
use crate::train::params::{visit, ParamSet};

/// `torch.optim.Adam`'s arguments (and AdamW's, through [`AdamConfig::adamw`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate `γ` (`lr`), at least 0; default `1e-3`.
    pub lr: f64,
    /// `(β₁, β₂)` (`betas`), the decay rates of the moment averages, each in `[0, 1)`; default
    /// `(0.9, 0.999)`.
    pub betas: (f64, f64),
    /// `ε` (`eps`), added to the denominator after bias correction, at least 0; default `1e-8`.
    pub eps: f64,
    /// Weight decay `λ` (`weight_decay`), at least 0: an L2 penalty `λ p` added to the gradient,
    /// or with `decoupled_weight_decay` the shrink `p ← p (1 − γ λ)`. Default 0 (AdamW: `1e-2`).
    pub weight_decay: f64,
    /// AMSGrad (`amsgrad`): normalise by the largest `v` seen so far. Default false.
    pub amsgrad: bool,
    /// Decoupled weight decay (`decoupled_weight_decay`), which makes Adam AdamW. Default false
    /// (AdamW: true).
    pub decoupled_weight_decay: bool,
    /// Maximise the objective (`maximize`): use `−g`. Default false.
    pub maximize: bool,
}

impl Default for AdamConfig {
    /// `torch.optim.Adam`'s defaults.
    fn default() -> Self {
        Self::PYTORCH
    }
}

impl AdamConfig {
    /// `torch.optim.Adam`'s defaults (a constant, so other constants can start from it).
    pub const PYTORCH: AdamConfig = AdamConfig {
        lr: 1e-3,
        betas: (0.9, 0.999),
        eps: 1e-8,
        weight_decay: 0.0,
        amsgrad: false,
        decoupled_weight_decay: false,
        maximize: false,
    };

    /// `torch.optim.AdamW`'s defaults: Adam's, with `weight_decay = 1e-2`, decoupled.
    pub fn adamw() -> Self {
        AdamConfig {
            weight_decay: 1e-2,
            decoupled_weight_decay: true,
            ..Default::default()
        }
    }

    /// The checks of `Adam.__init__`, with its messages.
    ///
    /// # Errors
    /// A negative (or NaN) `lr`, `eps` or `weight_decay`; a beta outside `[0, 1)`.
    pub fn validate(&self) -> Result<(), String> {
        let at_least_zero = |v: f64| (0.0..).contains(&v);
        if !at_least_zero(self.lr) {
            return Err(format!("Invalid learning rate: {}", self.lr));
        }
        if !at_least_zero(self.eps) {
            return Err(format!("Invalid epsilon value: {}", self.eps));
        }
        for (index, beta) in [self.betas.0, self.betas.1].into_iter().enumerate() {
            if !(0.0..1.0).contains(&beta) {
                return Err(format!("Invalid beta parameter at index {index}: {beta}"));
            }
        }
        if !at_least_zero(self.weight_decay) {
            return Err(format!("Invalid weight_decay value: {}", self.weight_decay));
        }
        Ok(())
    }
}

/// Adam's state for one parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState {
    /// Steps taken, `t`.
    pub step: u64,
    /// `m`, the running average of the gradient.
    pub exp_avg: Vec<f64>,
    /// `v`, the running average of the squared gradient.
    pub exp_avg_sq: Vec<f64>,
    /// `v̂`, the largest `v` so far (amsgrad; empty otherwise).
    pub max_exp_avg_sq: Vec<f64>,
}

/// Adam (or AdamW) with its state.
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// The hyperparameters (`lr` may be changed between steps, as a schedule does).
    pub config: AdamConfig,
    /// State per parameter name, created at its first step.
    pub state: BTreeMap<String, AdamState>,
}

impl Adam {
    /// An optimiser with no state yet.
    ///
    /// # Errors
    /// As [`AdamConfig::validate`].
    pub fn new(config: AdamConfig) -> Result<Self, String> {
        config.validate()?;
        Ok(Adam {
            config,
            state: BTreeMap::new(),
        })
    }

    /// Updates one parameter (the loop body of `_single_tensor_adam`).
    fn update(&mut self, name: &str, param: &mut [f64], grad: &[f64]) {
        let c = self.config;
        let (beta1, beta2) = c.betas;
        let st = self.state.entry(name.into()).or_insert_with(|| AdamState {
            step: 0,
            exp_avg: vec![0.0; grad.len()],
            exp_avg_sq: vec![0.0; grad.len()],
            max_exp_avg_sq: if c.amsgrad {
                vec![0.0; grad.len()]
            } else {
                Vec::new()
            },
        });
        st.step += 1;
        let mut g: Vec<f64> = grad
            .iter()
            .map(|&g| if c.maximize { -g } else { g })
            .collect();
        if c.weight_decay != 0.0 {
            if c.decoupled_weight_decay {
                param
                    .iter_mut()
                    .for_each(|p| *p *= 1.0 - c.lr * c.weight_decay);
            } else {
                g.iter_mut()
                    .zip(&*param)
                    .for_each(|(g, p)| *g += c.weight_decay * p);
            }
        }
        for ((m, v), g) in st.exp_avg.iter_mut().zip(&mut st.exp_avg_sq).zip(&g) {
            *m = lerp(*m, *g, 1.0 - beta1);
            *v = *v * beta2 + (1.0 - beta2) * g * g;
        }
        let v = if c.amsgrad {
            let vmax = st.max_exp_avg_sq.iter_mut().zip(&st.exp_avg_sq);
            vmax.for_each(|(vmax, v)| *vmax = maximum(*vmax, *v));
            &st.max_exp_avg_sq
        } else {
            &st.exp_avg_sq
        };
        let t = st.step as f64;
        let step_size = c.lr / (1.0 - libm::pow(beta1, t));
        let bias_correction2_sqrt = (1.0 - libm::pow(beta2, t)).sqrt();
        for ((p, m), v) in param.iter_mut().zip(&st.exp_avg).zip(v) {
            let denom = v.sqrt() / bias_correction2_sqrt + c.eps;
            *p += -step_size * m / denom;
        }
    }
}

impl Optimizer for Adam {
    fn step(&mut self, params: &mut dyn ParamSet, grads: &dyn ParamSet) {
        visit(params, grads, |name, p, g| self.update(name, p, g));
    }
}

/// `torch.lerp(start, end, weight)`: `start + w (end − start)` for `w < ½`, else
/// `end − (end − start)(1 − w)` (PyTorch's two forms, each exact at its end).
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    let diff = end - start;
    if weight.abs() < 0.5 {
        start + weight * diff
    } else {
        end - diff * (1.0 - weight)
    }
}

/// `torch.maximum`: NaN when either is NaN (`f64::max` would drop it).
fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
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

    /// First step with `g = 4`: `m = 0.4`, `v = 0.016`, `m̂ = 4`, `√v̂ = 4`, so
    /// `p ← p − γ · 4 / (4 + ε)`: Adam's first step has size `≈ γ` whatever `|g|`.
    #[test]
    fn first_step_moves_by_the_learning_rate() {
        let mut p = scalar(1.0);
        let mut opt = Adam::new(AdamConfig::default()).unwrap();
        opt.step(&mut p, &scalar(4.0));
        let want = 1.0 - 1e-3 * 4.0 / (4.0 + 1e-8);
        assert!((p.weight[0] - want).abs() < 1e-15, "{}", p.weight[0]);
        assert_eq!(opt.state["weight"].step, 1);
        assert_eq!(p.bias, vec![0.0]);
    }

    /// AdamW shrinks first: with `g = 0` only `p ← p (1 − γ λ)` acts (`m = v = 0`).
    #[test]
    fn adamw_decays_the_weights_apart_from_the_gradient() {
        let mut p = scalar(2.0);
        let config = AdamConfig {
            lr: 0.1,
            ..AdamConfig::adamw()
        };
        Adam::new(config).unwrap().step(&mut p, &scalar(0.0));
        assert_eq!(p.weight, vec![2.0 * (1.0 - 0.1 * 0.01)]);
    }

    #[test]
    fn validation_follows_pytorch() {
        let bad_beta = AdamConfig {
            betas: (0.9, 1.0),
            ..Default::default()
        };
        let msg = bad_beta.validate().unwrap_err();
        assert_eq!(msg, "Invalid beta parameter at index 1: 1");
        let bad_eps = AdamConfig {
            eps: -1.0,
            ..Default::default()
        };
        assert!(bad_eps.validate().is_err());
        assert!(AdamConfig::adamw().validate().is_ok());
    }
}
