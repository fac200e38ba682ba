//! A lookup table of token vectors, as PyTorch's `nn.Embedding(num_embeddings, embedding_dim)`
//! (no `padding_idx`, no `max_norm`).
//!
//! With `W` (`weight`) `V × E` and token ids `x_n ∈ 0..V` for `N` positions, the forward pass
//! copies rows: `y_n = W[x_n]` (`N × E`). Backward, from `dy = ∂L/∂y`, the gradient is dense,
//! `V × E`, each token's row the sum over the positions that read it:
//!
//! - `∂L/∂W[v] = Σ_{n : x_n = v} dy_n` (0 for tokens not in the batch).
//!
//! Default initialisation is PyTorch's `reset_parameters`: every entry `N(0, 1)`, drawn from the
//! crate's seeded [`Rng`] row by row (not from PyTorch's generator).

use crate::rng::Rng;
use crate::train::params::{ParamSet, Tensor};

/// A token-vector table with PyTorch's name (`weight`) and shape (`[V, E]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    /// `num_embeddings`, V: the vocabulary size.
    pub num_embeddings: usize,
    /// `embedding_dim`, E: the width of each vector.
    pub embedding_dim: usize,
    /// `weight`: `V × E`, row-major (row `v` is token `v`'s vector).
    pub weight: Vec<f64>,
}

impl Embedding {
    /// PyTorch's default initialisation, `N(0, 1)`, drawn from `rng`.
    pub fn new(num_embeddings: usize, embedding_dim: usize, rng: &mut Rng) -> Self {
        let weight = (0..num_embeddings * embedding_dim)
            .map(|_| rng.normal())
            .collect();
        Embedding {
            num_embeddings,
            embedding_dim,
            weight,
        }
    }

    /// All zeros (e.g. to hold gradients).
    pub fn zeros(num_embeddings: usize, embedding_dim: usize) -> Self {
        Embedding {
            num_embeddings,
            embedding_dim,
            weight: vec![0.0; num_embeddings * embedding_dim],
        }
    }

    /// The vectors of `ids`, one row per id.
    ///
    /// # Shapes
    /// `ids`: `N`, each below `num_embeddings`; returns `N × E`.
    ///
    /// # Panics
    /// On an id out of range (the spec layer refuses those first).
    pub fn forward(&self, ids: &[usize]) -> Vec<f64> {
        let e = self.embedding_dim;
        let mut out = Vec::with_capacity(ids.len() * e);
        for &id in ids {
            assert!(id < self.num_embeddings, "token id {id} out of range");
            out.extend_from_slice(&self.weight[id * e..(id + 1) * e]);
        }
        out
    }

    /// `∂L/∂weight` given `∂L/∂y` for the rows [`Embedding::forward`] returned for `ids`: dense,
    /// each token's row the sum of the rows of `grad_output` at the positions that read it.
    ///
    /// # Shapes
    /// `ids`: `N`; `grad_output`: `N × E`; returns an `Embedding` of the same shape holding the
    /// gradient.
    pub fn backward(&self, ids: &[usize], grad_output: &[f64]) -> Embedding {
        let e = self.embedding_dim;
        assert_eq!(grad_output.len(), ids.len() * e, "grad_output is N × E");
        let mut grads = Embedding::zeros(self.num_embeddings, e);
        for (&id, dy) in ids.iter().zip(grad_output.chunks_exact(e.max(1))) {
            let row = &mut grads.weight[id * e..(id + 1) * e];
            row.iter_mut().zip(dy).for_each(|(g, d)| *g += d);
        }
        grads
    }
}

impl ParamSet for Embedding {
    fn tensors(&self) -> Vec<Tensor<&[f64]>> {
        vec![Tensor {
            name: "weight".into(),
            shape: vec![self.num_embeddings, self.embedding_dim],
            values: &self.weight,
        }]
    }

    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>> {
        vec![Tensor {
            name: "weight".into(),
            shape: vec![self.num_embeddings, self.embedding_dim],
            values: &mut self.weight,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `W = [[1, 2], [3, 4], [5, 6]]`, ids `[2, 0, 2]`: `y = [[5, 6], [1, 2], [5, 6]]`. With
    /// `dy = [[1, 0], [0, 1], [10, 20]]`: row 2 gets `[1, 0] + [10, 20]`, row 0 `[0, 1]`, row 1
    /// nothing.
    #[test]
    fn forward_and_backward_by_hand() {
        let emb = Embedding {
            num_embeddings: 3,
            embedding_dim: 2,
            weight: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        };
        assert_eq!(emb.forward(&[2, 0, 2]), vec![5.0, 6.0, 1.0, 2.0, 5.0, 6.0]);
        let g = emb.backward(&[2, 0, 2], &[1.0, 0.0, 0.0, 1.0, 10.0, 20.0]);
        assert_eq!(g.weight, vec![0.0, 1.0, 0.0, 0.0, 11.0, 20.0]);
        assert_eq!(g.param_shapes(), vec![("weight".to_string(), vec![3, 2])]);
    }

    #[test]
    fn default_init_is_standard_normal_and_seeded() {
        let emb = Embedding::new(200, 100, &mut Rng::new(4));
        let n = emb.weight.len() as f64;
        let mean = emb.weight.iter().sum::<f64>() / n;
        let var = emb.weight.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.03, "var {var}");
        assert_eq!(emb, Embedding::new(200, 100, &mut Rng::new(4)));
    }
}
