//! A scene of a network imported from a `.safetensors` file: an `nn.RNN` / `nn.LSTM` / `nn.GRU`
//! state_dict of any depth and directions, as [`crate::io::safetensors::import_network`]
//! recognises it (a module prefix such as `lstm.` allowed; other tensors left alone).
//!
//! It runs on the lab's own input, `T` steps of the pattern `p_t` (pulse, noise, sine or the
//! values typed), the same value on every one of the `I` input features: `x_t = p_t · 𝟏_I`,
//! batch 1, zero initial states. The loss is the lab's, on the top layer's output
//! `y_t = [h_t^fwd; h_t^rev]` (`D·H` wide): `L = Σ_j y_{T−1, j}` (last step) or
//! `L = Σ_t Σ_j y_{t, j}` (every step), so `∂L/∂y` is 1 there and 0 elsewhere. BPTT runs through
//! the whole network (every layer and direction, as `loss.backward()` would).
//!
//! The page shows one run at a time, `r = l·D + d` (layer `l`, direction `d`, h_n order): its
//! gates and states, `‖∂L/∂h_t‖` (the total derivative, through the later steps and the layers
//! above), `‖∂h_last/∂h_t‖₂` and the carry path. Lags count along the run's own processing
//! order: `k = T−1−t` forward, `k = t` for a `_reverse` run. The spectrum shows block `k` of that
//! run's `W_hh` (rows `kH..(k+1)H`), by default the block its new state is computed from
//! ([`super::state_block`]).

use base64::Engine;

use super::{by_lag, clip_update, input_sequence, spectrum_of, CellResult, LossAt, Scene};
use super::{SceneResult, TaskView};
use crate::bptt::{self, Upstream};
use crate::io::safetensors::{self as st, Description};
use crate::network::{Architecture, Batch, InitialState, Network};
use crate::spectral;

/// The largest hidden size the lab opens (its Jacobian analysis costs `T·H³` per run).
pub const MAX_HIDDEN: usize = 256;

/// An imported network as the page sends it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedConfig {
    /// The `.safetensors` file's bytes, base64 (standard alphabet, padded).
    pub safetensors: String,
    /// The run shown: `layer · D + direction`.
    #[serde(default)]
    pub run: usize,
    /// The block of its `W_hh` the spectrum shows, or `None` for the state's block.
    #[serde(default)]
    pub block: Option<usize>,
}

/// An imported network, checked, with the run and block shown.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedScene {
    /// The network.
    pub network: Network,
    /// What the file held (prefix, cell, sizes, ignored tensors, …).
    pub description: Description,
    /// The run shown (`layer · D + direction`).
    pub run: usize,
    /// The block of its `W_hh` the spectrum shows.
    pub block: usize,
}

/// One run's place in the network, for the page's picker.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RunName {
    /// Layer.
    pub layer: usize,
    /// 0 forward, 1 reverse.
    pub direction: usize,
    /// `layer 0`, `layer 1 reverse`.
    pub label: String,
}

/// What the page shows of an imported network besides the run itself.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ImportedView {
    /// The file's description.
    #[serde(flatten)]
    pub description: Description,
    /// The run shown.
    pub run: usize,
    /// The block of its `W_hh` the spectrum shows.
    pub block: usize,
    /// Every run, in h_n order.
    pub runs: Vec<RunName>,
}

impl ImportedConfig {
    /// Decodes and recognises the file, and checks the run and block.
    ///
    /// # Errors
    /// `imported.safetensors: …` for text that is not base64; the importer's message (naming
    /// the tensor) for a file it refuses; `…weight_hh_l0: hidden size …` over [`MAX_HIDDEN`];
    /// `imported.run` / `imported.block` out of range.
    pub fn to_imported(&self) -> Result<ImportedScene, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.safetensors.trim())
            .map_err(|e| format!("imported.safetensors: expected the file as base64 ({e})"))?;
        let imp = open(&bytes)?;
        let arch = imp.network.arch;
        let runs = arch.num_layers * arch.directions();
        if self.run >= runs {
            return Err(format!(
                "imported.run: expected 0..={} (layer · D + direction), got {}",
                runs - 1,
                self.run
            ));
        }
        let cell = arch.cell;
        let block = match self.block {
            Some(k) if k < cell.gates() => k,
            Some(k) => {
                return Err(format!(
                    "imported.block: expected 0..={} (the blocks of {}'s W_hh), got {k}",
                    cell.gates() - 1,
                    cell.name()
                ))
            }
            None => super::state_block(cell),
        };
        Ok(ImportedScene {
            description: imp.description(),
            network: imp.network,
            run: self.run,
            block,
        })
    }
}

/// A file's network as the lab opens it: [`st::import_network`], and `H` at most [`MAX_HIDDEN`].
///
/// # Errors
/// The importer's message (naming the tensor), or `…weight_hh_l0: hidden size …`.
pub fn open(bytes: &[u8]) -> Result<st::Imported, String> {
    let imp = st::import_network(bytes)?;
    let h = imp.network.arch.hidden_size;
    if h > MAX_HIDDEN {
        return Err(format!(
            "{}weight_hh_l0: hidden size {h}: the lab opens networks up to H = {MAX_HIDDEN}",
            imp.prefix
        ));
    }
    Ok(imp)
}

/// `layer 0`, `layer 1 reverse`.
fn run_label(layer: usize, direction: usize) -> String {
    if direction == 1 {
        format!("layer {layer} reverse")
    } else {
        format!("layer {layer}")
    }
}

impl ImportedScene {
    /// The hidden size.
    pub fn hidden_size(&self) -> usize {
        self.network.arch.hidden_size
    }

    /// `(layer, direction)` of the run shown.
    pub fn layer_direction(&self) -> (usize, usize) {
        let d = self.network.arch.directions();
        (self.run / d, self.run % d)
    }

    /// The matrix the spectrum shows: block `block` of the shown run's `W_hh`.
    pub fn spectrum_matrix(&self) -> Vec<f64> {
        let w = &self.network.layers[self.run].weight_hh;
        spectral::block(w, self.hidden_size(), self.block)
    }

    /// The run shown and the rest, for the page.
    pub fn view(&self) -> ImportedView {
        let a: Architecture = self.network.arch;
        let runs = (0..a.num_layers)
            .flat_map(|l| (0..a.directions()).map(move |d| (l, d)))
            .map(|(layer, direction)| RunName {
                layer,
                direction,
                label: run_label(layer, direction),
            })
            .collect();
        ImportedView {
            description: self.description.clone(),
            run: self.run,
            block: self.block,
            runs,
        }
    }
}

/// The lab's input on every feature: `x_t = p_t · 𝟏_I`, batch 1 (see the module docs).
pub fn input_batch(s: &Scene, input_size: usize) -> Batch {
    let p = input_sequence(s);
    Batch {
        input: p
            .iter()
            .flat_map(|&v| std::iter::repeat_n(v, input_size))
            .collect(),
        batch: 1,
        steps: s.steps,
        lengths: vec![s.steps],
    }
}

/// `∂L/∂y`, `T × D·H`: 1 at the last step or at every step.
pub fn grad_output(s: &Scene, arch: Architecture) -> Vec<f64> {
    let width = arch.directions() * arch.hidden_size;
    let mut g = vec![0.0; s.steps * width];
    match s.loss {
        LossAt::Last => g[(s.steps - 1) * width..].fill(1.0),
        LossAt::Every => g.fill(1.0),
    }
    g
}

/// Runs the imported network on the scene's input and keeps the shown run (module docs).
///
/// # Errors
/// Never for a checked [`ImportedScene`]; the signature matches the designed scene's.
pub(super) fn compute(s: &Scene, imp: &ImportedScene) -> Result<SceneResult, String> {
    let net = &imp.network;
    let arch = net.arch;
    let batch = input_batch(s, arch.input_size);
    let grad_output = grad_output(s, arch);
    let upstream = Upstream {
        grad_output: Some(grad_output.clone()),
        ..Default::default()
    };
    let mut forward = net.forward(&batch, &InitialState::default(), None);
    let mut backward = bptt::backward(net, &batch, &forward, &upstream);
    let r = imp.run;
    let analysis = s
        .analysis
        .then(|| bptt::analyse_at(net, &batch, &forward, r));
    let (layer, direction) = imp.layer_direction();
    let reverse = direction == 1;
    let flow = backward.flow.swap_remove(r);
    let grad_by_lag = by_lag(&flow.grad_h_norm, reverse);
    let jacobian_by_lag = analysis
        .as_ref()
        .map_or_else(Vec::new, |a| by_lag(&a.jacobian_norm, reverse));
    let theory = arch.cell.info().theory;
    let theory_by_lag = if theory.base().is_none() {
        Vec::new()
    } else {
        // A plain RNN: the run's own W_hh (the matrix the spectrum shows) anchors the theory.
        let w = imp.spectrum_matrix();
        let h = arch.hidden_size;
        let (rho, sigma) = (
            spectral::spectral_radius(&w, h),
            spectral::spectral_norm(&w, h, h),
        );
        theory.curve(grad_by_lag[0], rho, sigma, s.steps)
    };
    let clip = clip_update(arch, &mut backward, s.clipping);
    // A cell's records are read at index 0: keep the shown run's alone.
    let run = forward.runs.swap_remove(r);
    forward.runs = vec![run];
    backward.flow = vec![flow];
    let cell = CellResult {
        cell: arch.cell,
        net: net.clone(),
        batch,
        forward,
        backward,
        analysis,
        grad_by_lag,
        jacobian_by_lag,
        theory_by_lag,
        clip,
        loss_at_end: s.loss == LossAt::Last && layer + 1 == arch.num_layers && !reverse,
        loss_at_lag0: layer + 1 == arch.num_layers && (!reverse || s.loss == LossAt::Every),
        reverse,
        grad_output,
        head: None,
    };
    let (w, h) = (imp.spectrum_matrix(), imp.hidden_size());
    let spectrum = spectrum_of(&w, h);
    let mut result = SceneResult::new(w, h, spectrum, vec![cell], None::<TaskView>);
    result.imported = Some(imp.view());
    Ok(result)
}
