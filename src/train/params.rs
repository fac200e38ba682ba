//! Parameters as one set: every tensor of a model by its PyTorch name, as
//! `model.named_parameters()` lists them.
//!
//! A [`ParamSet`] hands out its tensors in `state_dict` order as [`Tensor`]s: the name
//! (`weight_hh_l0_reverse`; inside a model `rnn.weight_hh_l0_reverse`, `fc.weight`), the shape
//! and the row-major values, borrowed from where the set keeps them. The gradients of a set are a
//! set of the same type (as `p.grad` has the shape of `p`): a [`Network`] of gradients is
//! `Network { arch, layers: backward.grads.params }`. [`visit`] walks a set and its gradients
//! side by side, `(name, p, ∂L/∂p)` for every `p`: the optimisers, clipping and the exports all
//! go through it or through [`ParamSet::tensors`].
//!
//! Views in the tensor's shape come from `ndarray` without a copy
//! ([`ParamSet::param_view`], [`Tensor::view`]).

use ndarray::{ArrayViewD, ArrayViewMutD, IxDyn};

use crate::network::{Architecture, Network};

/// One tensor of a parameter set: its PyTorch name, shape and row-major values
/// (`&[f64]` or `&mut [f64]`, borrowed from where the set keeps them).
#[derive(Debug)]
pub struct Tensor<S> {
    /// PyTorch's name, e.g. `rnn.weight_ih_l0` or `fc.bias`.
    pub name: String,
    /// PyTorch's shape, e.g. `[G·H, I]`.
    pub shape: Vec<usize>,
    /// The values, row-major; `values.len()` is the product of `shape`.
    pub values: S,
}

impl<'a> Tensor<&'a [f64]> {
    /// The values as an n-dimensional array in the tensor's shape (no copy).
    pub fn view(&self) -> ArrayViewD<'a, f64> {
        ArrayViewD::from_shape(IxDyn(&self.shape), self.values).expect("shape matches values")
    }
}

impl<'a> Tensor<&'a mut [f64]> {
    /// The values as a mutable n-dimensional array in the tensor's shape (no copy).
    pub fn into_view_mut(self) -> ArrayViewMutD<'a, f64> {
        ArrayViewMutD::from_shape(IxDyn(&self.shape), self.values).expect("shape matches values")
    }
}

/// Anything holding one tensor per parameter of a model: the model itself, or its gradients.
///
/// # Examples
/// ```
/// use unrolled::train::linear::Linear;
/// use unrolled::train::params::ParamSet;
///
/// let mut fc = Linear::zeros(3, 2);
/// let shapes = vec![("weight".to_string(), vec![2, 3]), ("bias".to_string(), vec![2])];
/// assert_eq!(fc.param_shapes(), shapes);
/// fc.param_view_mut("weight").unwrap()[[1, 2]] = 5.0;
/// assert_eq!(fc.weight[5], 5.0); // the view is the row-major buffer itself
/// ```
pub trait ParamSet {
    /// Every tensor, in `state_dict` order.
    fn tensors(&self) -> Vec<Tensor<&[f64]>>;

    /// Every tensor, mutable, in the same order.
    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>>;

    /// Names and shapes in `state_dict` order.
    fn param_shapes(&self) -> Vec<(String, Vec<usize>)> {
        self.tensors()
            .into_iter()
            .map(|t| (t.name, t.shape))
            .collect()
    }

    /// The tensor `name` in its shape, without a copy (`None` for an unknown name).
    ///
    /// # Shapes
    /// As [`ParamSet::param_shapes`] gives, e.g. `[G·H, in]` for `weight_ih_l0`.
    fn param_view(&self, name: &str) -> Option<ArrayViewD<'_, f64>> {
        let tensor = self.tensors().into_iter().find(|t| t.name == name)?;
        Some(tensor.view())
    }

    /// The tensor `name` in its shape, mutable, without a copy.
    fn param_view_mut(&mut self, name: &str) -> Option<ArrayViewMutD<'_, f64>> {
        let tensor = self.tensors_mut().into_iter().find(|t| t.name == name)?;
        Some(tensor.into_view_mut())
    }

    /// Number of scalars over all tensors.
    fn numel(&self) -> usize {
        self.tensors().iter().map(|t| t.values.len()).sum()
    }
}

/// Visits every parameter with its gradient, `f(name, p, ∂L/∂p)`, in `state_dict` order.
///
/// # Panics
/// If `grads` does not list the same names and sizes as `params` (a programming error).
pub fn visit<P, G>(params: &mut P, grads: &G, mut f: impl FnMut(&str, &mut [f64], &[f64]))
where
    P: ParamSet + ?Sized,
    G: ParamSet + ?Sized,
{
    let grads = grads.tensors();
    let params = params.tensors_mut();
    assert_eq!(params.len(), grads.len(), "parameters and gradients differ");
    for (p, g) in params.into_iter().zip(grads) {
        assert!(
            p.name == g.name && p.values.len() == g.values.len(),
            "parameter {} has gradient {}",
            p.name,
            g.name
        );
        f(&p.name, p.values, g.values);
    }
}

/// Names a network's tensors: [`Architecture::param_shapes`] zipped with the layers' tensors
/// (both run layer by layer, direction by direction, in `PARAM_KINDS` order).
fn name_layers<S>(arch: &Architecture, values: impl IntoIterator<Item = S>) -> Vec<Tensor<S>> {
    let tensors: Vec<Tensor<S>> = arch
        .param_shapes()
        .into_iter()
        .zip(values)
        .map(|((name, shape), values)| Tensor {
            name,
            shape,
            values,
        })
        .collect();
    assert_eq!(tensors.len(), 4 * arch.num_layers * arch.directions());
    tensors
}

/// The tensors of a submodule as its parent names them: `prefix` and a dot before each name
/// (`weight` in attribute `fc` is `fc.weight`).
pub fn prefixed<S>(prefix: &str, tensors: Vec<Tensor<S>>) -> Vec<Tensor<S>> {
    let rename = |t: Tensor<S>| Tensor {
        name: format!("{prefix}.{}", t.name),
        ..t
    };
    tensors.into_iter().map(rename).collect()
}

impl ParamSet for Network {
    fn tensors(&self) -> Vec<Tensor<&[f64]>> {
        name_layers(&self.arch, self.layers.iter().flat_map(|l| l.tensors()))
    }

    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>> {
        let layers = self.layers.iter_mut().flat_map(|l| l.tensors_mut());
        name_layers(&self.arch, layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::CellKind;

    fn lstm_stacked_bidir() -> Network {
        let mut net = Network::zeros(Architecture {
            cell: CellKind::Lstm,
            input_size: 3,
            hidden_size: 2,
            num_layers: 2,
            bidirectional: true,
        });
        let mut k = 0.0;
        for t in net.tensors_mut() {
            for v in t.values {
                *v = k;
                k += 1.0;
            }
        }
        net
    }

    #[test]
    fn names_and_shapes_are_the_architectures() {
        let net = lstm_stacked_bidir();
        assert_eq!(net.param_shapes(), net.arch.param_shapes());
        for t in net.tensors() {
            assert_eq!(t.values, net.param(&t.name).unwrap());
            assert_eq!(t.values.len(), t.shape.iter().product::<usize>());
        }
        assert_eq!(
            net.numel(),
            2 * (8 * 3 + 8 * 2 + 8 + 8) + 2 * (8 * 4 + 8 * 2 + 8 + 8)
        );
    }

    #[test]
    fn views_alias_the_buffers() {
        let mut net = lstm_stacked_bidir();
        // weight_ih_l1_reverse is [8, 4]; its element [2, 3] is flat index 11.
        let flat = net.param("weight_ih_l1_reverse").unwrap()[11];
        let view = net.param_view("weight_ih_l1_reverse").unwrap();
        assert_eq!(view.shape(), &[8, 4]);
        assert_eq!(view[[2, 3]], flat);
        assert_eq!(
            view.as_ptr(),
            net.param("weight_ih_l1_reverse").unwrap().as_ptr()
        );
        net.param_view_mut("weight_ih_l1_reverse").unwrap()[[2, 3]] = -1.0;
        assert_eq!(net.param("weight_ih_l1_reverse").unwrap()[11], -1.0);
        assert!(net.param_view("weight_ih_l2").is_none());
    }

    #[test]
    fn visit_pairs_each_parameter_with_its_gradient() {
        let mut net = lstm_stacked_bidir();
        let grads = lstm_stacked_bidir();
        let mut names = Vec::new();
        visit(&mut net, &grads, |name, p, g| {
            names.push(name.to_string());
            assert_eq!(&*p, g);
            p.iter_mut().zip(g).for_each(|(p, g)| *p -= g);
        });
        let shapes: Vec<String> = net.arch.param_shapes().into_iter().map(|s| s.0).collect();
        assert_eq!(names, shapes);
        assert!(net
            .tensors()
            .iter()
            .all(|t| t.values.iter().all(|&v| v == 0.0)));
    }
}
