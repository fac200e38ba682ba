//! The recipe: what a training run uses for everything its spec leaves out.
//!
//! `unrolled train` with only `model`, `task` and `seconds` trains with [`RECIPE`]: Adam at
//! `lr = 10⁻²`, `B = 8` sequences per iteration, gradients clipped to a global norm of 1, the
//! carry gate's bias at 5 (a forget gate that starts open: σ(5) = 0.993, so the cell state keeps
//! 0.993⁵⁰ ≈ 0.7 of itself over 50 steps where σ(1)⁵⁰ ≈ 10⁻⁷), an evaluation on 1000 held-out
//! sequences every 100 iterations. It is one table, set from the sweep in the README ("Training:
//! the recipe"): at `adding` T = 50 and 100 with an LSTM (H = 32) every run with carry bias 0–1
//! stayed on the constant predictor's plateau for 30,000–400,000 sequences whatever the learning
//! rate or batch size, while carry bias 3–5 solved it; B = 8 needed fewer sequences than B = 32.
//! docs/spec.md repeats it for readers.

use crate::train::clip::Clipping;
use crate::train::optim::adam::AdamConfig;
use crate::train::optim::OptimizerConfig;

/// The defaults of a training run (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    /// The optimiser and its learning rate (`optimizer`, when the spec has none).
    pub optimizer: OptimizerConfig,
    /// Sequences per iteration (`batch_size`).
    pub batch_size: usize,
    /// Gradient clipping (`clip`).
    pub clipping: Clipping,
    /// The carry gate's bias (`model.init.carry_bias`) of cells that have a carry gate, when the
    /// spec's `init` sets neither `carry_bias` nor `forget_bias` and gives no `params`.
    pub carry_bias: f64,
    /// Iterations when the spec gives neither `iterations` nor `seconds`.
    pub iterations: u64,
    /// Iterations between evaluations (`eval_every`).
    pub eval_every: u64,
    /// Held-out sequences per evaluation (`eval_size`).
    pub eval_size: usize,
    /// The run's seed (`seed`).
    pub seed: u64,
}

/// The recipe (see the module docs).
pub const RECIPE: Recipe = Recipe {
    optimizer: OptimizerConfig::Adam(AdamConfig {
        lr: 1e-2,
        ..AdamConfig::PYTORCH
    }),
    batch_size: 8,
    clipping: Clipping::Norm(1.0),
    carry_bias: 5.0,
    iterations: 1000,
    eval_every: 100,
    eval_size: 1000,
    seed: 0,
};
