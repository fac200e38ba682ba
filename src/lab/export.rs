//! The lab's network for PyTorch: two `.safetensors` files per cell.
//!
//! - **The model** ([`CellResult::model_safetensors`]): the network's `state_dict` (`weight_ih_l0`,
//!   …, every layer and direction; no prefix), which `nn.LSTM(...).load_state_dict(load_file(p))`
//!   takes as it is (`crate::io::safetensors::export_network`, metadata `cell`, `input_size`,
//!   `hidden_size`, `num_layers`, `bidirectional`).
//! - **The run** ([`CellResult::run_safetensors`], always F64): what the network was run on and what the page
//!   computed from it, shaped as `nn.LSTM` with its default `batch_first=False` reads and writes:
//!   `input` `[T, 1, I]`; `grad_output` `[T, 1, D·H]`, the upstream gradient `∂L/∂y` of the
//!   page's loss (`L = Σ_t ⟨grad_output_t, y_t⟩`, so `y.backward(grad_output)` is its backward
//!   pass); `output` `[T, 1, D·H]`, the top layer's `y_t`; `grad_h_norm` `[L·D, T]`,
//!   `‖∂L/∂h_t‖₂` of every layer and direction (rows in `h_n` order: `l·D + d`) at each time
//!   step `t` (the total derivative: through the later steps of its own direction and through
//!   the layers above). The page's lag `k` is `T−1−t` for a forward run and `t` for a reverse
//!   one.
//!
//! A second file rather than extra tensors in the first, so that the model file loads with
//! `load_state_dict`'s default `strict=True`. `docs/safetensors.md` has the Python that reads
//! both and reproduces `output` and `grad_h_norm`.

use super::CellResult;
use crate::bptt::{self, Upstream};
use crate::io::safetensors::{self as st, ExportDtype};
use crate::network::InitialState;
use crate::train::params::Tensor;

impl CellResult {
    /// The network as a `.safetensors` state_dict (see the module docs).
    ///
    /// # Errors
    /// As [`st::export_network`].
    pub fn model_safetensors(&self, dtype: ExportDtype) -> Result<Vec<u8>, String> {
        st::export_network(&self.net, dtype)
    }

    /// `input`, `grad_output`, `output` and `grad_h_norm` of this cell's run, F64 (see the
    /// module docs). The whole network is run again here: a cell of an imported network keeps
    /// only its shown run's records.
    ///
    /// # Errors
    /// As [`st::export_tensors`].
    pub fn run_safetensors(&self) -> Result<Vec<u8>, String> {
        let arch = self.net.arch;
        let (t, width) = (self.batch.steps, arch.directions() * arch.hidden_size);
        let forward = self
            .net
            .forward(&self.batch, &InitialState::default(), None);
        let upstream = Upstream {
            grad_output: Some(self.grad_output.clone()),
            ..Default::default()
        };
        let backward = bptt::backward(&self.net, &self.batch, &forward, &upstream);
        let norms: Vec<f64> = backward
            .flow
            .iter()
            .flat_map(|f| f.grad_h_norm.iter().copied())
            .collect();
        let tensor = |name: &str, shape: Vec<usize>, values| Tensor {
            name: name.to_string(),
            shape,
            values,
        };
        let tensors = [
            tensor("input", vec![t, 1, arch.input_size], &self.batch.input[..]),
            tensor("grad_output", vec![t, 1, width], &self.grad_output[..]),
            tensor("output", vec![t, 1, width], &forward.output[..]),
            tensor("grad_h_norm", vec![backward.flow.len(), t], &norms[..]),
        ];
        let mut meta = st::network_metadata(&arch);
        meta.push((
            "contents".into(),
            "input [T,1,I], grad_output [T,1,D*H] (dL/dy), output [T,1,D*H], grad_h_norm [L*D,T] (|dL/dh_t| per layer x direction, h_n order, by time step)".into(),
        ));
        st::export_tensors(&tensors, ExportDtype::F64, &meta)
    }
}
