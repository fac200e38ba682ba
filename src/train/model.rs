//! A model to train: a recurrent network `rnn` and a linear head `fc`, named as a PyTorch module
//! with those two attributes names them (`rnn.weight_hh_l0`, …, `fc.weight`, `fc.bias`).
//!
//! The head reads the network's output at every position: with `y` the output `B × T × D·H`,
//! the logits are `z_{b,t} = fc(y_{b,t})`, `B × T × C`, and backward gives `∂L/∂y = ∂L/∂z · W`
//! (the `grad_output` that [`crate::bptt::backward`] takes) and the head's own gradients. At
//! padded positions `y = 0` and `z = bias`: their loss gradient must be 0 (an ignored label), or
//! it would reach `fc.bias`.

use crate::network::{Architecture, Forward, Network};
use crate::train::linear::{Linear, LinearBackward};
use crate::train::params::{prefixed, ParamSet, Tensor};

/// A recurrent network with a linear head; also holds the gradients of such a model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The recurrent network (attribute `rnn`).
    pub rnn: Network,
    /// The head (attribute `fc`), `D·H → C`.
    pub fc: Linear,
}

impl Model {
    /// All zeros, with `classes` outputs (e.g. to hold gradients).
    pub fn zeros(arch: Architecture, classes: usize) -> Self {
        let features = arch.directions() * arch.hidden_size;
        Model {
            rnn: Network::zeros(arch),
            fc: Linear::zeros(features, classes),
        }
    }

    /// Logits at every position of the network's output.
    ///
    /// # Shapes
    /// `fwd.output`: `B × T × D·H`; returns `B × T × C`.
    pub fn head(&self, fwd: &Forward) -> Vec<f64> {
        self.fc.forward(&fwd.output)
    }

    /// Back through the head: `grad_input` is `∂L/∂output` for the network's backward pass,
    /// `grads` the head's gradients.
    ///
    /// # Shapes
    /// `grad_logits`: `B × T × C`; `grad_input`: `B × T × D·H`.
    pub fn head_backward(&self, fwd: &Forward, grad_logits: &[f64]) -> LinearBackward {
        self.fc.backward(&fwd.output, grad_logits)
    }
}

impl ParamSet for Model {
    fn tensors(&self) -> Vec<Tensor<&[f64]>> {
        let mut all = prefixed("rnn", self.rnn.tensors());
        all.extend(prefixed("fc", self.fc.tensors()));
        all
    }

    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>> {
        let mut all = prefixed("rnn", self.rnn.tensors_mut());
        all.extend(prefixed("fc", self.fc.tensors_mut()));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bptt::{backward, Upstream};
    use crate::cell::CellKind;
    use crate::init::{init_network, InitConfig};
    use crate::network::{Batch, InitialState};
    use crate::rng::Rng;
    use crate::train::loss::cross_entropy_steps;

    fn gru_bidir() -> (Model, Batch, Vec<Option<usize>>) {
        let arch = Architecture {
            cell: CellKind::Gru,
            input_size: 2,
            hidden_size: 3,
            num_layers: 1,
            bidirectional: true,
        };
        let config = InitConfig {
            seed: 5,
            ..Default::default()
        };
        let model = Model {
            rnn: init_network(arch, &config).unwrap(),
            fc: Linear::new(6, 4, &mut Rng::new(6)),
        };
        let mut rng = Rng::new(7);
        let batch = Batch {
            input: (0..2 * 3 * 2).map(|_| rng.normal()).collect(),
            batch: 2,
            steps: 3,
            lengths: vec![3, 2],
        };
        let labels = vec![Some(1), Some(3), Some(0), Some(2), Some(2), None];
        (model, batch, labels)
    }

    fn loss(model: &Model, batch: &Batch, labels: &[Option<usize>]) -> f64 {
        let fwd = model.rnn.forward(batch, &InitialState::default(), None);
        cross_entropy_steps(&model.head(&fwd), labels, 4).value
    }

    #[test]
    fn names_are_prefixed_like_a_pytorch_module() {
        let (model, _, _) = gru_bidir();
        let mut want: Vec<(String, Vec<usize>)> = model
            .rnn
            .arch
            .param_shapes()
            .into_iter()
            .map(|(n, s)| (format!("rnn.{n}"), s))
            .collect();
        want.push(("fc.weight".into(), vec![4, 6]));
        want.push(("fc.bias".into(), vec![4]));
        assert_eq!(model.param_shapes(), want);
        let view = model.param_view("rnn.weight_hh_l0_reverse").unwrap();
        assert_eq!(view.shape(), &[9, 3]);
        assert_eq!(view.as_ptr(), model.rnn.layers[1].weight_hh.as_ptr());
    }

    /// The head's backward feeds bptt; the assembled gradients match central differences.
    #[test]
    fn head_and_network_gradients_match_finite_differences() {
        let (model, batch, labels) = gru_bidir();
        let fwd = model.rnn.forward(&batch, &InitialState::default(), None);
        let ce = cross_entropy_steps(&model.head(&fwd), &labels, 4);
        let head = model.head_backward(&fwd, &ce.grad);
        let up = Upstream {
            grad_output: Some(head.grad_input),
            ..Default::default()
        };
        let grads = Model {
            rnn: Network {
                arch: model.rnn.arch,
                layers: backward(&model.rnn, &batch, &fwd, &up).grads.params,
            },
            fc: head.grads,
        };
        for t in grads.tensors() {
            for k in [0, t.values.len() - 1] {
                let at = |delta: f64| {
                    let mut m = model.clone();
                    m.tensors_mut()
                        .into_iter()
                        .find(|s| s.name == t.name)
                        .unwrap()
                        .values[k] += delta;
                    loss(&m, &batch, &labels)
                };
                let numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
                let err = (numeric - t.values[k]).abs();
                assert!(err < 1e-7, "{}[{k}]: {} vs {numeric}", t.name, t.values[k]);
            }
        }
    }
}
