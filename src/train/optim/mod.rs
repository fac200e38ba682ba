//! Optimisers, exactly as `torch.optim` updates a parameter from its gradient (the
//! single-tensor path, float64): [`sgd::Sgd`] as `torch.optim.SGD`, [`adam::Adam`] as
//! `torch.optim.Adam` and, with decoupled weight decay, `torch.optim.AdamW`.
//!
//! An optimiser keeps its state per parameter, keyed by the parameter's PyTorch name, and one
//! [`Optimizer::step`] updates every parameter of a [`ParamSet`] from the gradients in a set of
//! the same names (`optimizer.step()` after `loss.backward()`).

pub mod adam;
pub mod sgd;

use crate::train::params::ParamSet;
use adam::{Adam, AdamConfig};
use sgd::{Sgd, SgdConfig};

/// One update of every parameter from its gradient.
///
/// # Examples
/// ```
/// use unrolled::train::linear::Linear;
/// use unrolled::train::optim::sgd::{Sgd, SgdConfig};
/// use unrolled::train::optim::Optimizer;
///
/// let mut fc = Linear::zeros(1, 1);
/// let mut grads = Linear::zeros(1, 1);
/// grads.weight[0] = 2.0;
/// let mut sgd = Sgd::new(SgdConfig::new(0.1)).unwrap();
/// sgd.step(&mut fc, &grads); // p ← p − γ g
/// assert_eq!(fc.weight, vec![-0.2]);
/// ```
pub trait Optimizer {
    /// Updates `params` in place from `grads` (same names and shapes), as `optimizer.step()`.
    ///
    /// # Panics
    /// If `grads` does not list the same tensors as `params`.
    fn step(&mut self, params: &mut dyn ParamSet, grads: &dyn ParamSet);
}

/// Which optimiser, with its arguments: what a training spec's `optimizer` names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerConfig {
    /// `torch.optim.SGD`.
    Sgd(SgdConfig),
    /// `torch.optim.Adam`, or `torch.optim.AdamW` when `decoupled_weight_decay` is set.
    Adam(AdamConfig),
}

impl OptimizerConfig {
    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match self {
            OptimizerConfig::Sgd(c) => c.lr,
            OptimizerConfig::Adam(c) => c.lr,
        }
    }

    /// An optimiser with no state yet.
    ///
    /// # Errors
    /// As [`SgdConfig::validate`] and [`AdamConfig::validate`].
    pub fn build(&self) -> Result<AnyOptimizer, String> {
        Ok(match *self {
            OptimizerConfig::Sgd(c) => AnyOptimizer::Sgd(Sgd::new(c)?),
            OptimizerConfig::Adam(c) => AnyOptimizer::Adam(Adam::new(c)?),
        })
    }
}

/// One of the optimisers, with its state.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyOptimizer {
    /// SGD and its momentum buffers.
    Sgd(Sgd),
    /// Adam or AdamW and its moment averages.
    Adam(Adam),
}

impl Optimizer for AnyOptimizer {
    fn step(&mut self, params: &mut dyn ParamSet, grads: &dyn ParamSet) {
        match self {
            AnyOptimizer::Sgd(o) => o.step(params, grads),
            AnyOptimizer::Adam(o) => o.step(params, grads),
        }
    }
}
