//! The lab's scene: everything the page shows, computed from one small configuration.
//!
//! A scene runs one or more cells (single layer, one direction, batch of one) over the same input
//! with the **same recurrent matrix** `W` (`H × H`): `W_hh = W` for the plain RNNs, and `W` in
//! every gate block of `W_hh` for LSTM (`i f g o`), the 1997 LSTM without a forget gate (`i g o`)
//! and GRU (`r z n`), so the cells differ only in their gating. `W` comes from the initialisation scheme and seed, or from eigenvalues the learner
//! placed, and is then rescaled to a target spectral radius `ρ` or largest singular value `σ_max`.
//! `W_ih` and the biases use PyTorch's default `U(−1/√H, 1/√H)` from the same seed.
//!
//! The loss is `L = Σ_j h_{T−1, j}` (taken at the last step) or `L = Σ_t Σ_j h_{t, j}` (every
//! step). Per cell the scene records, by lag `k = T−1−t`: `‖∂L/∂h_t‖₂` and `‖∂h_{T−1}/∂h_t‖₂`, and the
//! theory: `ρ^k` for `rnn_linear` (exact asymptotics of `‖W^k‖`) and the Pascanu et al. bound
//! `(γ σ_max)^k`, γ = max φ' = 1, for `rnn_tanh`/`rnn_relu` — both anchored at lag 0's value.
//! Clipping (by global norm or element-wise) is applied to the parameter gradient and reported as
//! the norm before/after and the cosine between the clipped and the raw update.

use crate::bptt::{self, Analysis, Backward, Upstream};
use crate::cell::CellKind;
use crate::init::{init_network, InitConfig, Scheme};
use crate::network::{Architecture, Batch, Forward, InitialState, Network};
use crate::rng::Rng;
use crate::spectral;
use crate::trace::by_lag;
use crate::train::clip;
pub use crate::train::clip::Clipping;
use crate::train::params::ParamSet;

mod config;
mod export;
pub mod imported;
mod trained;
pub use config::SceneConfig;
pub use imported::{ImportedConfig, ImportedScene, ImportedView};
pub use trained::{state_block, HeadResult, TaskView, Trained, TrainedConfig};

/// The input sequence fed to every cell (input_size 1).
#[derive(Clone, Debug, PartialEq)]
pub enum InputPattern {
    /// 1 at t = 0, then 0.
    Pulse,
    /// N(0, 1) from the scene's seed.
    Noise,
    /// sin(2π t / 25).
    Sine,
    /// Values typed in, repeated to fill T.
    Custom(Vec<f64>),
}

/// Where the loss is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossAt {
    /// `L = Σ_j h_{T−1, j}`.
    Last,
    /// `L = Σ_t Σ_j h_{t, j}`.
    Every,
}

/// How the recurrent matrix is scaled after it is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScaleTarget {
    /// Leave as drawn.
    None,
    /// Rescale to spectral radius ρ.
    SpectralRadius(f64),
    /// Rescale to largest singular value σ_max.
    MaxSingularValue(f64),
}

/// A scene.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Cells to run side by side.
    pub cells: Vec<CellKind>,
    /// H
    pub hidden_size: usize,
    /// T
    pub steps: usize,
    /// Input sequence.
    pub input: InputPattern,
    /// Seed of every draw.
    pub seed: u64,
    /// Scheme for W (ignored when `eigenvalues` is set).
    pub scheme: Scheme,
    /// Eigenvalues placed by the learner (one per unit), or `None`.
    pub eigenvalues: Option<Vec<(f64, f64)>>,
    /// Non-normal part added to the eigenvalue construction.
    pub nonnormal: f64,
    /// Rescaling of W.
    pub scale: ScaleTarget,
    /// Loss placement.
    pub loss: LossAt,
    /// Clipping.
    pub clipping: Clipping,
    /// Record the Jacobian-product norms.
    pub analysis: bool,
    /// Bias of the carry gate (LSTM forget gate `f`, GRU update gate `z`): its part of
    /// `bias_ih` is set to this and its part of `bias_hh` to 0 (`None`: PyTorch's default). A cell
    /// whose carry gate is fixed (`lstm_no_forget`, `f ≡ 1`) has no bias there and ignores it.
    pub carry_bias: Option<f64>,
    /// Trained models to show instead of the designed `W` ([`trained`]): the cells, `H`, `T`,
    /// the input, the loss and `W` then come from them, and only `clipping` and `analysis` of
    /// the fields above still apply.
    pub trained: Option<Trained>,
    /// A network imported from a `.safetensors` file ([`imported`]): the cell and `H` come
    /// from it, `W` is its run's; `steps`, `input`, `seed`, `loss`, `clipping` and `analysis`
    /// still apply.
    pub imported: Option<ImportedScene>,
}

impl Default for Scene {
    /// The scene of [`SceneConfig::default`].
    fn default() -> Self {
        SceneConfig::default()
            .to_scene()
            .expect("the default scene config names known cells and options")
    }
}

/// The range of one numeric field of a [`SceneConfig`]: validation refuses values outside
/// `min..=max`, and the page's control for it uses all four numbers.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Range {
    /// Smallest value allowed.
    pub min: f64,
    /// Largest value allowed.
    pub max: f64,
    /// The default ([`SceneConfig::default`]), or `None` when the field is absent by default.
    pub default: Option<f64>,
    /// A control's step (in powers of ten when `log`).
    pub step: f64,
    /// A control moves in powers of ten (`clip_threshold`).
    pub log: bool,
}

const fn range(min: f64, max: f64, default: Option<f64>, step: f64) -> Range {
    Range {
        min,
        max,
        default,
        step,
        log: false,
    }
}

/// The limits of a scene, one [`Range`] per numeric field, named as the [`SceneConfig`] fields.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Limits {
    /// H.
    pub hidden_size: Range,
    /// T.
    pub steps: Range,
    /// Seed.
    pub seed: Range,
    /// How many values a custom input has.
    pub custom_input: Range,
    /// The modulus `|λ|` of each eigenvalue placed by the learner.
    pub eigenvalues: Range,
    /// Non-normal part.
    pub nonnormal: Range,
    /// Target ρ or σ_max.
    pub scale_value: Range,
    /// Clipping threshold.
    pub clip_threshold: Range,
    /// Carry-gate bias (absent by default: PyTorch's).
    pub carry_bias: Range,
}

/// The scene's limits, declared once: [`validate`] enforces them, [`SceneConfig::default`]
/// takes its defaults from them, and the page reads them from wasm (`scene_limits()`).
pub const LIMITS: Limits = Limits {
    hidden_size: range(2.0, 64.0, Some(32.0), 1.0),
    steps: range(10.0, 1000.0, Some(100.0), 1.0),
    seed: range(0.0, 999_999.0, Some(1.0), 1.0),
    custom_input: range(1.0, 1000.0, None, 1.0),
    eigenvalues: range(0.0, 3.0, None, 0.01),
    nonnormal: range(0.0, 1.5, Some(0.0), 0.01),
    scale_value: range(0.0, 3.0, Some(0.9), 0.01),
    clip_threshold: Range {
        log: true,
        ..range(1e-3, 1e3, Some(1.0), 0.05)
    },
    carry_bias: range(-4.0, 8.0, None, 0.1),
};

impl Range {
    /// The default of a field that has one.
    fn value(&self) -> f64 {
        self.default.expect("a field with a default")
    }

    /// `field: expected an integer in min..=max, got v` unless `v` is in range.
    fn check_int(&self, field: &str, v: u64) -> Result<(), String> {
        if (self.min..=self.max).contains(&(v as f64)) {
            return Ok(());
        }
        let (lo, hi) = (self.min as u64, self.max as u64);
        Err(format!(
            "{field}: expected an integer in {lo}..={hi}, got {v}"
        ))
    }

    /// `field: expected a number in min..=max, got v` unless `v` is in range.
    fn check(&self, field: &str, v: f64) -> Result<(), String> {
        if (self.min..=self.max).contains(&v) {
            return Ok(());
        }
        let (lo, hi) = (self.min, self.max);
        Err(format!(
            "{field}: expected a number in {lo}..={hi}, got {v}"
        ))
    }
}

/// What clipping did to one cell's parameter gradient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipReport {
    /// Global norm of the raw gradient.
    pub norm_before: f64,
    /// Global norm after clipping.
    pub norm_after: f64,
    /// Cosine between clipped and raw gradient (1: same direction).
    pub cosine: f64,
}

/// Everything computed for one cell.
pub struct CellResult {
    /// The cell.
    pub cell: CellKind,
    /// The network used.
    pub net: Network,
    /// The batch (one sequence).
    pub batch: Batch,
    /// Forward pass.
    pub forward: Forward,
    /// Backward pass.
    pub backward: Backward,
    /// Jacobian analysis (when asked).
    pub analysis: Option<Analysis>,
    /// `‖∂L/∂h_t‖` by lag k.
    pub grad_by_lag: Vec<f64>,
    /// `‖∂h_{T−1}/∂h_t‖` by lag (empty without analysis).
    pub jacobian_by_lag: Vec<f64>,
    /// Theory curve by lag, anchored at lag 0 of `grad_by_lag` (empty for gated cells).
    pub theory_by_lag: Vec<f64>,
    /// Clipping report.
    pub clip: ClipReport,
    /// The loss reaches this run only through its last processed state (the loss at the last
    /// step, a single-layer run in its forward direction): then `‖∂h_T/∂h_t‖` bounds the decay.
    pub loss_at_end: bool,
    /// The loss enters this run at its lag-0 state (`crate::chart::source::CellRun`'s
    /// `loss_at_lag0`): true for the lab's own cells; for an imported network only in its top
    /// layer, forward, or reverse with the loss at every step.
    pub loss_at_lag0: bool,
    /// The run goes backwards in time (a bidirectional network's `_reverse`): its lag `k` is
    /// `t` (steps from its own last step, `t = 0`), not `T−1−t`.
    pub reverse: bool,
    /// `∂L/∂y`, the upstream gradient of the loss (`T × H`).
    pub grad_output: Vec<f64>,
    /// A trained model's head on the task's sequence (`None` in a designed scene).
    pub head: Option<HeadResult>,
}

/// The scene's result.
pub struct SceneResult {
    /// The recurrent matrix W, `H × H` row-major.
    pub w: Vec<f64>,
    /// Eigenvalues of W (re, im), by modulus.
    pub eigenvalues: Vec<(f64, f64)>,
    /// Singular values of W, largest first.
    pub singular_values: Vec<f64>,
    /// H
    pub hidden_size: usize,
    /// ρ(W)
    pub spectral_radius: f64,
    /// σ_max(W)
    pub max_singular_value: f64,
    /// One per cell.
    pub cells: Vec<CellResult>,
    /// The task's sequence and answer, in a scene of trained models.
    pub task: Option<TaskView>,
    /// The file's network and the run shown, in a scene of an imported network.
    pub imported: Option<ImportedView>,
}

/// Validates a scene against [`LIMITS`].
///
/// # Errors
/// A message naming the field and what was expected.
pub fn validate(s: &Scene) -> Result<(), String> {
    if s.cells.is_empty() {
        return Err("cells: expected at least one cell".into());
    }
    let l = &LIMITS;
    if s.imported.is_none() {
        // An imported network's H is the file's (checked against `imported::MAX_HIDDEN`).
        l.hidden_size
            .check_int("hidden_size", s.hidden_size as u64)?;
    }
    l.steps.check_int("steps", s.steps as u64)?;
    l.seed.check_int("seed", s.seed)?;
    l.nonnormal.check("nonnormal", s.nonnormal)?;
    validate_eigenvalues(s)?;
    validate_input(&s.input)?;
    match s.scale {
        ScaleTarget::SpectralRadius(x) | ScaleTarget::MaxSingularValue(x) => {
            l.scale_value.check("scale_value", x)?
        }
        ScaleTarget::None => {}
    }
    match s.clipping {
        Clipping::Norm(x) | Clipping::Value(x) => l.clip_threshold.check("clip_threshold", x)?,
        Clipping::None => {}
    }
    match s.carry_bias {
        Some(b) => l.carry_bias.check("carry_bias", b),
        None => Ok(()),
    }
}

fn validate_eigenvalues(s: &Scene) -> Result<(), String> {
    let Some(e) = &s.eigenvalues else {
        return Ok(());
    };
    if e.len() != s.hidden_size {
        return Err(format!(
            "eigenvalues: expected {} (one per hidden unit), got {}",
            s.hidden_size,
            e.len()
        ));
    }
    let r = &LIMITS.eigenvalues;
    match e
        .iter()
        .map(|&(re, im)| re.hypot(im))
        .find(|m| !(r.min..=r.max).contains(m))
    {
        Some(m) => Err(format!(
            "eigenvalues: expected each |λ| in {}..={}, got |λ| = {m}",
            r.min, r.max
        )),
        None => Ok(()),
    }
}

fn validate_input(input: &InputPattern) -> Result<(), String> {
    let InputPattern::Custom(v) = input else {
        return Ok(());
    };
    if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
        return Err("input: expected at least one finite number".into());
    }
    let max = LIMITS.custom_input.max;
    if v.len() as f64 > max {
        return Err(format!(
            "custom_input: expected at most {max} values, got {}",
            v.len()
        ));
    }
    Ok(())
}

/// Builds the scene's recurrent matrix W (`H × H`).
///
/// # Errors
/// When the eigenvalues are not in conjugate pairs.
pub fn recurrent_matrix(s: &Scene) -> Result<Vec<f64>, String> {
    let h = s.hidden_size;
    let cfg = InitConfig {
        seed: s.seed,
        scheme: match &s.eigenvalues {
            Some(e) => Scheme::Eigenvalues(e.clone()),
            None => s.scheme.clone(),
        },
        nonnormal: s.nonnormal,
        ..Default::default()
    };
    let arch = Architecture {
        cell: CellKind::RnnLinear,
        input_size: 1,
        hidden_size: h,
        num_layers: 1,
        bidirectional: false,
    };
    let mut w = init_network(arch, &cfg)
        .map_err(|e| format!("eigenvalues: {e}"))?
        .layers
        .remove(0)
        .weight_hh;
    match s.scale {
        ScaleTarget::SpectralRadius(r) => spectral::rescale_to_spectral_radius(&mut w, h, r),
        ScaleTarget::MaxSingularValue(m) => {
            spectral::rescale_to_max_singular_value(&mut w, h, h, m)
        }
        ScaleTarget::None => {}
    }
    Ok(w)
}

/// The input sequence, `T` values.
pub fn input_sequence(s: &Scene) -> Vec<f64> {
    let mut rng = Rng::new(s.seed.wrapping_add(0x5eed));
    (0..s.steps)
        .map(|t| match &s.input {
            InputPattern::Pulse => {
                if t == 0 {
                    1.0
                } else {
                    0.0
                }
            }
            InputPattern::Noise => rng.normal(),
            InputPattern::Sine => (2.0 * std::f64::consts::PI * t as f64 / 25.0).sin(),
            InputPattern::Custom(v) => v[t % v.len()],
        })
        .collect()
}

/// Computes the scene.
///
/// # Errors
/// A message naming the offending field.
pub fn compute(s: &Scene) -> Result<SceneResult, String> {
    validate(s)?;
    if let Some(t) = &s.trained {
        return trained::compute(s, t);
    }
    if let Some(imp) = &s.imported {
        return imported::compute(s, imp);
    }
    let h = s.hidden_size;
    let w = recurrent_matrix(s)?;
    let spectrum = spectrum_of(&w, h);
    let (rho, sigma) = spectrum.extremes();
    let x = input_sequence(s);
    let cells = s
        .cells
        .iter()
        .map(|&cell| run_cell(s, cell, &w, &x, rho, sigma))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SceneResult::new(w, h, spectrum, cells, None))
}

/// The eigenvalues (by modulus) and singular values (largest first) of an `H × H` matrix.
struct Spectrum {
    eigenvalues: Vec<(f64, f64)>,
    singular_values: Vec<f64>,
}

fn spectrum_of(w: &[f64], h: usize) -> Spectrum {
    Spectrum {
        eigenvalues: spectral::eigenvalues(w, h).unwrap_or_default(),
        singular_values: spectral::singular_values(w, h, h).unwrap_or_default(),
    }
}

impl Spectrum {
    /// `(ρ, σ_max)`; NaN where the decomposition failed.
    fn extremes(&self) -> (f64, f64) {
        let rho = self
            .eigenvalues
            .first()
            .map_or(f64::NAN, |e| e.0.hypot(e.1));
        let sigma = self.singular_values.first().copied().unwrap_or(f64::NAN);
        (rho, sigma)
    }
}

impl SceneResult {
    /// The result of a scene whose matrix is `w` (`H × H`, row-major) with its `spectrum`.
    fn new(
        w: Vec<f64>,
        h: usize,
        spectrum: Spectrum,
        cells: Vec<CellResult>,
        task: Option<TaskView>,
    ) -> Self {
        let (spectral_radius, max_singular_value) = spectrum.extremes();
        SceneResult {
            w,
            eigenvalues: spectrum.eigenvalues,
            singular_values: spectrum.singular_values,
            hidden_size: h,
            spectral_radius,
            max_singular_value,
            cells,
            task,
            imported: None,
        }
    }
}

fn run_cell(
    s: &Scene,
    cell: CellKind,
    w: &[f64],
    x: &[f64],
    rho: f64,
    sigma: f64,
) -> Result<CellResult, String> {
    let (h, steps) = (s.hidden_size, s.steps);
    let arch = Architecture {
        cell,
        input_size: 1,
        hidden_size: h,
        num_layers: 1,
        bidirectional: false,
    };
    let cfg = InitConfig {
        seed: s.seed,
        ..Default::default()
    };
    let mut net = init_network(arch, &cfg)?;
    for k in 0..cell.gates() {
        spectral::set_block(&mut net.layers[0].weight_hh, h, k, w);
    }
    if let (Some(b), Some(k)) = (s.carry_bias, cell.info().carry.and_then(|c| c.block())) {
        net.layers[0].set_block_bias(k, h, b);
    }
    let batch = Batch {
        input: x.to_vec(),
        batch: 1,
        steps,
        lengths: vec![steps],
    };
    let mut grad_output = vec![0.0; steps * h];
    match s.loss {
        LossAt::Last => grad_output[(steps - 1) * h..].fill(1.0),
        LossAt::Every => grad_output.fill(1.0),
    }
    let upstream = Upstream {
        grad_output: Some(grad_output.clone()),
        ..Default::default()
    };
    let forward = net.forward(&batch, &InitialState::default(), None);
    let mut backward = bptt::backward(&net, &batch, &forward, &upstream);
    let analysis = s
        .analysis
        .then(|| bptt::analyse(&net, &batch, &forward).remove(0));
    let grad_by_lag = by_lag(&backward.flow[0].grad_h_norm, false);
    let jacobian_by_lag = analysis
        .as_ref()
        .map_or_else(Vec::new, |a| by_lag(&a.jacobian_norm, false));
    let theory_by_lag = cell.info().theory.curve(grad_by_lag[0], rho, sigma, steps);
    let clip = clip_update(net.arch, &mut backward, s.clipping);
    Ok(CellResult {
        cell,
        net,
        batch,
        forward,
        backward,
        analysis,
        grad_by_lag,
        jacobian_by_lag,
        theory_by_lag,
        clip,
        loss_at_end: s.loss == LossAt::Last,
        loss_at_lag0: true,
        reverse: false,
        grad_output,
        head: None,
    })
}

/// Applies clipping to a backward pass's parameter gradients in place and reports it.
pub fn clip_update(arch: Architecture, bw: &mut Backward, mode: Clipping) -> ClipReport {
    // The gradients as a network of the same architecture: moved out and back, not copied.
    let mut grads = Network {
        arch,
        layers: std::mem::take(&mut bw.grads.params),
    };
    let flat = |g: &Network| -> Vec<f64> {
        g.tensors()
            .iter()
            .flat_map(|t| t.values.iter().copied())
            .collect()
    };
    let raw = flat(&grads);
    clip::clip_grads(&mut grads, mode);
    let clipped = flat(&grads);
    bw.grads.params = grads.layers;
    let norm_before = crate::linalg::norm2(&raw);
    let norm_after = crate::linalg::norm2(&clipped);
    let cosine = crate::linalg::dot(&raw, &clipped) / (norm_before * norm_after);
    ClipReport {
        norm_before,
        norm_after,
        cosine,
    }
}

impl CellResult {
    /// The mean of `tanh′(a_t) = 1 − h_t²` over every step and unit (for a tanh RNN: 1 where it
    /// is linear, near 0 where its units saturate), the factor by which each step's Jacobian
    /// `diag(1 − h_t²)·W` falls short of `W` on average. NaN where the state overflowed.
    pub fn mean_tanh_slope(&self) -> f64 {
        let (t, h) = (self.batch.steps, self.net.arch.hidden_size);
        let hs = &self.forward.runs[0].h[h..(t + 1) * h];
        hs.iter().map(|v| 1.0 - v * v).sum::<f64>() / hs.len() as f64
    }

    /// The share of units with `h_t > 0` over every step and unit (for a ReLU RNN: the units
    /// that pass the gradient back, `relu′ = 1` there and 0 elsewhere).
    pub fn active_share(&self) -> f64 {
        let (t, h) = (self.batch.steps, self.net.arch.hidden_size);
        let hs = &self.forward.runs[0].h[h..(t + 1) * h];
        hs.iter().filter(|&&v| v > 0.0).count() as f64 / hs.len() as f64
    }

    /// `‖h_t‖₂` per step (the unrolled chain's fill); NaN/inf where the state overflowed.
    pub fn h_norms(&self) -> Vec<f64> {
        let (t, h) = (self.batch.steps, self.net.arch.hidden_size);
        let hs = &self.forward.runs[0].h;
        (0..t)
            .map(|s| crate::linalg::norm2(&hs[(s + 1) * h..(s + 2) * h]))
            .collect()
    }

    /// A spec (docs/spec.md) that reproduces this cell's run with `unrolled trace`: explicit
    /// parameters, the input and the upstream gradient of the scene's loss.
    pub fn spec_json(&self) -> String {
        use crate::json::{write_array, write_str};
        let arch = self.net.arch;
        let (h, t) = (arch.hidden_size, self.batch.steps);
        let mut o = String::new();
        o.push_str("{\"version\":1,\"cell\":");
        write_str(&mut o, arch.cell.name());
        let i = arch.input_size;
        o.push_str(&format!(
            ",\"input_size\":{i},\"hidden_size\":{h},\"params\":{{"
        ));
        for (k, t) in self.net.tensors().iter().enumerate() {
            if k > 0 {
                o.push(',');
            }
            write_str(&mut o, &t.name);
            o.push(':');
            write_array(&mut o, t.values, &t.shape);
        }
        o.push_str("},\"input\":");
        write_array(&mut o, &self.batch.input, &[1, t, i]);
        o.push_str(",\"grad_output\":");
        let g = &self.grad_output;
        write_array(&mut o, g, &[1, t, h]);
        o.push('}');
        o
    }

    /// Attaches an analysis computed elsewhere (the page's worker runs the same scene with
    /// `analysis: true`): `jacobian_norm` (T), `carry_path` (T·H) and `carry_path_norm` (T), the
    /// last two empty for cells without a carry gate.
    ///
    /// # Errors
    /// When the lengths do not match the scene.
    pub fn attach_analysis(&mut self, a: Analysis) -> Result<(), String> {
        let (t, h) = (self.batch.steps, self.net.arch.hidden_size);
        let carried = self.cell.info().carry.is_some();
        let (want_cp, want_cpn) = if carried { (t * h, t) } else { (0, 0) };
        let got = (
            a.jacobian_norm.len(),
            a.carry_path.len(),
            a.carry_path_norm.len(),
        );
        if got != (t, want_cp, want_cpn) {
            return Err(format!(
                "analysis: expected lengths {t}, {want_cp}, {want_cpn}, got {}, {}, {}",
                got.0, got.1, got.2
            ));
        }
        self.jacobian_by_lag = by_lag(&a.jacobian_norm, self.reverse);
        self.analysis = Some(a);
        Ok(())
    }

    /// Long-format CSV rows `cell,step,series,unit,value` of every recorded quantity.
    pub fn csv_rows(&self, out: &mut String) {
        use std::fmt::Write;
        let cell = self.cell.name();
        let (h, t) = (self.net.arch.hidden_size, self.batch.steps);
        let run = &self.forward.runs[0];
        let gates = crate::trace::gates(self.cell, run, &self.batch, h);
        let pre = crate::trace::preactivations(self.cell, run, &self.batch, h);
        let named = gates
            .iter()
            .map(|s| ("", s))
            .chain(pre.iter().map(|s| ("pre_", s)));
        for (prefix, s) in named {
            for step in 0..t {
                for unit in 0..h {
                    let v = s.values[step * h + unit];
                    let _ = writeln!(out, "{cell},{step},{prefix}{},{unit},{v:?}", s.name);
                }
            }
        }
        let mut per_step = |name: &str, v: &[f64]| {
            for (step, x) in v.iter().enumerate() {
                let _ = writeln!(out, "{cell},{step},{name},,{x:?}");
            }
        };
        per_step("input", &self.batch.input);
        per_step("grad_h_norm", &self.backward.flow[0].grad_h_norm);
        if self.cell.has_cell_state() {
            per_step("grad_c_norm", &self.backward.flow[0].grad_c_norm);
        }
        per_step(
            "w_hh_grad_contribution",
            &self.backward.flow[0].w_hh_grad_contribution,
        );
        if let Some(a) = &self.analysis {
            per_step("jacobian_norm", &a.jacobian_norm);
        }
    }
}

/// The CSV header matching [`CellResult::csv_rows`].
pub const CSV_HEADER: &str = "cell,step,series,unit,value\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scene_runs_and_linear_theory_is_exact_for_normal_w() {
        let r = compute(&Scene::default()).unwrap();
        assert_eq!(r.cells.len(), 3);
        assert!((r.spectral_radius - 0.9).abs() < 1e-12);
        // Orthogonal W rescaled: normal, so σ_max = ρ.
        assert!((r.max_singular_value - 0.9).abs() < 1e-12);
        let s = Scene {
            cells: vec![CellKind::RnnLinear],
            ..Default::default()
        };
        let r = compute(&s).unwrap();
        let c = &r.cells[0];
        // Normal W with all |λ| = 0.9: ‖W^k‖ = 0.9^k exactly.
        for k in [0usize, 1, 10, 50, 99] {
            let want = 0.9f64.powi(k as i32);
            assert!((c.jacobian_by_lag[k] - want).abs() < 1e-9 * want, "k={k}");
        }
        assert_eq!(c.theory_by_lag.len(), 100);
    }

    #[test]
    fn clipping_reports_norms_and_direction() {
        let s = Scene {
            cells: vec![CellKind::RnnLinear],
            scale: ScaleTarget::SpectralRadius(1.2),
            clipping: Clipping::Norm(1.0),
            ..Default::default()
        };
        let r = compute(&s).unwrap();
        let c = r.cells[0].clip;
        assert!(c.norm_before > 1.0);
        assert!((c.norm_after - 1.0).abs() < 1e-5);
        assert!((c.cosine - 1.0).abs() < 1e-12);
        let s = Scene {
            clipping: Clipping::Value(1e-3),
            ..s
        };
        let c = compute(&s).unwrap().cells[0].clip;
        assert!(c.cosine < 1.0);
    }

    #[test]
    fn carry_bias_keeps_the_lstm_forget_path_open() {
        let base = Scene {
            cells: vec![CellKind::Lstm, CellKind::Gru],
            ..Default::default()
        };
        let open = Scene {
            carry_bias: Some(5.0),
            ..base.clone()
        };
        let (a, b) = (compute(&base).unwrap(), compute(&open).unwrap());
        let p = &b.cells[0].net.layers[0];
        assert!(p.bias_ih[32..64].iter().all(|&v| v == 5.0));
        assert!(p.bias_hh[32..64].iter().all(|&v| v == 0.0));
        // σ(5) ≈ 0.993: the carry path survives 50 steps far better than with the default.
        for c in 0..2 {
            let path = |r: &SceneResult| r.cells[c].analysis.as_ref().unwrap().carry_path_norm[49];
            assert!(
                path(&b) > 0.5 && path(&a) < 1e-3,
                "{} {}",
                path(&b),
                path(&a)
            );
        }
    }

    /// The 1997 LSTM beside PyTorch's: the same W in its three blocks, no forget gate, so its
    /// carry path stays exactly 1 where the default LSTM's ∏f (f ≈ σ(0) = 0.5) has vanished; the
    /// carry-gate bias has no block to set in it.
    #[test]
    fn lstm_without_forget_gate_keeps_its_carry_path_at_one() {
        let base = Scene {
            cells: vec![CellKind::Lstm, CellKind::LstmNoForget],
            ..Default::default()
        };
        let r = compute(&base).unwrap();
        let path = |r: &SceneResult, c: usize| {
            r.cells[c]
                .analysis
                .as_ref()
                .unwrap()
                .carry_path_norm
                .clone()
        };
        assert!(path(&r, 0)[49] < 1e-3, "{}", path(&r, 0)[49]);
        assert!(path(&r, 1).iter().all(|v| *v == 1.0));
        let p = &r.cells[1].net.layers[0];
        assert_eq!(p.weight_hh.len(), 3 * 32 * 32);
        for k in 0..3 {
            assert_eq!(spectral::block(&p.weight_hh, 32, k), r.w);
        }
        let open = compute(&Scene {
            carry_bias: Some(5.0),
            ..base
        })
        .unwrap();
        assert_eq!(open.cells[1].net, r.cells[1].net, "nothing to bias");
        assert_ne!(open.cells[0].net, r.cells[0].net);
        assert!(open.cells[1]
            .spec_json()
            .contains("\"cell\":\"lstm_no_forget\""));
    }

    #[test]
    fn mean_slope_and_active_share_summarise_the_recorded_states() {
        let s = Scene {
            cells: vec![CellKind::RnnTanh, CellKind::RnnRelu],
            ..Default::default()
        };
        let r = compute(&s).unwrap();
        for c in &r.cells {
            // The `h` series as the page reads it: `[T][H]`, step-major.
            let h = crate::trace::gates(c.cell, &c.forward.runs[0], &c.batch, 32)
                .pop()
                .unwrap()
                .values;
            assert_eq!(h.len(), c.batch.steps * 32);
            let slope = h.iter().map(|v| 1.0 - v * v).sum::<f64>() / h.len() as f64;
            let active = h.iter().filter(|&&v| v > 0.0).count() as f64 / h.len() as f64;
            assert!((c.mean_tanh_slope() - slope).abs() <= 1e-12, "{:?}", c.cell);
            assert_eq!(c.active_share(), active, "{:?}", c.cell);
            assert!(active > 0.0 && active < 1.0 && slope > 0.0 && slope <= 1.0);
        }
    }

    #[test]
    fn h_norms_are_the_norms_of_the_states_and_flag_overflow() {
        let r = compute(&Scene::default()).unwrap();
        let c = &r.cells[1];
        let h = crate::trace::gates(c.cell, &c.forward.runs[0], &c.batch, 32)
            .pop()
            .unwrap()
            .values;
        for (t, n) in c.h_norms().iter().enumerate() {
            let want = h[t * 32..(t + 1) * 32]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            assert!((n - want).abs() <= 1e-12 * want.max(1.0));
        }
        let s = Scene {
            cells: vec![CellKind::RnnLinear],
            steps: 1000,
            scale: ScaleTarget::MaxSingularValue(3.0),
            analysis: false,
            ..Default::default()
        };
        let r = compute(&s).unwrap();
        assert!(r.cells[0].h_norms()[999].is_nan() || r.cells[0].h_norms()[999].is_infinite());
        assert!(r.cells[0].forward.runs[0].first_nonfinite[0].is_some());
    }

    #[test]
    fn analysis_computed_elsewhere_attaches_by_lag() {
        let s = Scene {
            analysis: false,
            ..Default::default()
        };
        let mut page = compute(&s).unwrap();
        let worker = compute(&Scene::default()).unwrap();
        for (p, w) in page.cells.iter_mut().zip(&worker.cells) {
            assert!(p.jacobian_by_lag.is_empty());
            let a = w.analysis.clone().unwrap();
            let mut short = a.clone();
            short.jacobian_norm.pop();
            assert!(p
                .attach_analysis(short)
                .unwrap_err()
                .starts_with("analysis: expected"));
            p.attach_analysis(a).unwrap();
            assert_eq!(p.jacobian_by_lag, w.jacobian_by_lag);
        }
    }

    #[test]
    fn limits_name_scene_config_fields_and_hold_its_defaults() {
        let limits = serde_json::to_value(LIMITS).unwrap();
        let config = serde_json::to_value(SceneConfig::default()).unwrap();
        for (field, r) in limits.as_object().unwrap() {
            let value = config.get(field).unwrap_or_else(|| panic!("{field}"));
            match r["default"].as_f64() {
                Some(d) => assert_eq!(value.as_f64(), Some(d), "{field}"),
                None => assert!(
                    value.is_null() || value == &serde_json::json!([]),
                    "{field}"
                ),
            }
            assert_eq!(
                r.as_object().unwrap().len(),
                5,
                "{field}: min max default step log"
            );
        }
        assert_eq!(limits["clip_threshold"]["log"], true);
    }

    /// A change to the default scene config.
    type Edit<'a> = &'a dyn Fn(&mut SceneConfig);

    #[test]
    fn every_limit_is_enforced_at_its_edges() {
        let refused = |f: Edit| {
            let mut c = SceneConfig {
                cells: vec!["rnn_linear".into()],
                steps: 10,
                hidden_size: 2,
                analysis: false,
                ..Default::default()
            };
            f(&mut c);
            compute(&c.to_scene().unwrap()).err()
        };
        let cases: [(Edit, &str); 9] = [
            (
                &|c| c.hidden_size = 1,
                "hidden_size: expected an integer in 2..=64, got 1",
            ),
            (
                &|c| c.steps = 1001,
                "steps: expected an integer in 10..=1000, got 1001",
            ),
            (
                &|c| c.seed = 1_000_000,
                "seed: expected an integer in 0..=999999, got 1000000",
            ),
            (
                &|c| c.nonnormal = 1.6,
                "nonnormal: expected a number in 0..=1.5, got 1.6",
            ),
            (
                &|c| c.scale_value = f64::NAN,
                "scale_value: expected a number in 0..=3, got NaN",
            ),
            (
                &|c| {
                    c.clip = "norm".into();
                    c.clip_threshold = 0.0
                },
                "clip_threshold: expected a number in 0.001..=1000, got 0",
            ),
            (
                &|c| c.carry_bias = Some(-5.0),
                "carry_bias: expected a number in -4..=8, got -5",
            ),
            (
                &|c| c.eigenvalues = Some(vec![[0.5, 0.0], [3.5, 0.0]]),
                "eigenvalues: expected each |λ| in 0..=3, got |λ| = 3.5",
            ),
            (
                &|c| {
                    c.input = "custom".into();
                    c.custom_input = vec![1.0; 1001]
                },
                "custom_input: expected at most 1000 values, got 1001",
            ),
        ];
        for (f, want) in cases {
            assert_eq!(refused(f).as_deref(), Some(want));
        }
        let edges: [Edit; 4] = [
            &|c| c.hidden_size = 64,
            &|c| c.seed = 999_999,
            &|c| c.carry_bias = Some(8.0),
            &|c| c.eigenvalues = Some(vec![[0.0, 3.0], [0.0, -3.0]]),
        ];
        for f in edges {
            assert_eq!(refused(f), None);
        }
    }

    #[test]
    fn bad_scenes_are_refused() {
        let s = Scene {
            hidden_size: 0,
            ..Default::default()
        };
        assert!(compute(&s).err().unwrap().starts_with("hidden_size"));
        let s = Scene {
            eigenvalues: Some(vec![(0.5, 0.0)]),
            ..Default::default()
        };
        assert!(compute(&s).err().unwrap().starts_with("eigenvalues"));
    }
}
