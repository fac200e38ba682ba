//! The standard benchmark workload: forward plus the full backward pass with loss = sum of all
//! outputs (so `grad_output` is all ones), parameters from PyTorch's default init (seed 0),
//! inputs N(0, 1) (seed 1). The backward pass is a training step's ([`bptt::gradients`]: every
//! gradient, the work `torch.autograd` does), or with `records` the lab's ([`bptt::backward`]:
//! the same gradients plus the per-step gradient-flow records, about 7 % more at B = 1). The
//! CLI's `bench`, the browser benchmark and the PyTorch/TF.js comparison scripts all run this
//! same work.

use crate::bptt::{self, Backward, Upstream};
use crate::cell::CellKind;
use crate::init::{init_network, InitConfig};
use crate::network::{Architecture, Batch, InitialState, Network};
use crate::rng::Rng;

/// One benchmark configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Workload {
    /// The cell.
    pub cell: CellKind,
    /// B
    pub batch: usize,
    /// T
    pub steps: usize,
    /// I
    pub input_size: usize,
    /// H
    pub hidden_size: usize,
    /// Also compute the per-step analysis (Jacobian-product norms, carry paths).
    pub analysis: bool,
    /// Also make the per-step gradient-flow records (norms of `∂L/∂h_t`, `∂L/∂c_t`, …).
    pub records: bool,
}

/// A prepared problem: network, batch and upstream gradient.
pub struct Problem {
    /// The network (single layer, one direction).
    pub net: Network,
    /// The input batch.
    pub batch: Batch,
    /// `grad_output` = ones.
    pub upstream: Upstream,
    analysis: bool,
    records: bool,
}

impl Workload {
    /// Builds the problem.
    pub fn prepare(&self) -> Problem {
        let arch = Architecture {
            cell: self.cell,
            input_size: self.input_size,
            hidden_size: self.hidden_size,
            num_layers: 1,
            bidirectional: false,
        };
        let net = init_network(arch, &InitConfig::default()).expect("default init");
        let mut rng = Rng::new(1);
        let n = self.batch * self.steps * self.input_size;
        let batch = Batch {
            input: (0..n).map(|_| rng.normal()).collect(),
            batch: self.batch,
            steps: self.steps,
            lengths: vec![self.steps; self.batch],
        };
        let upstream = Upstream {
            grad_output: Some(vec![1.0; self.batch * self.steps * self.hidden_size]),
            ..Default::default()
        };
        Problem {
            net,
            batch,
            upstream,
            analysis: self.analysis,
            records: self.records,
        }
    }
}

impl Problem {
    /// Runs forward + backward (+ records and analysis when asked) once and returns the sum of the
    /// parameter gradients (so the work cannot be optimised away).
    pub fn run(&self) -> f64 {
        let fwd = self
            .net
            .forward(&self.batch, &InitialState::default(), None);
        let bw: Backward = if self.records {
            bptt::backward(&self.net, &self.batch, &fwd, &self.upstream)
        } else {
            bptt::gradients(&self.net, &self.batch, &fwd, &self.upstream)
        };
        let mut check = bw.grads.input.iter().sum::<f64>();
        for p in &bw.grads.params {
            check += p.weight_hh.iter().sum::<f64>();
        }
        if self.analysis {
            let a = bptt::analyse(&self.net, &self.batch, &fwd);
            check += a[0].jacobian_norm.iter().sum::<f64>();
        }
        check
    }
}
