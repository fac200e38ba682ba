//! The scene as the page sends it and the URL hash stores it: names and numbers, converted to a
//! [`Scene`] by [`SceneConfig::to_scene`] (which names the field of any unknown name).

use super::{Clipping, ImportedConfig, ImportedScene, InputPattern, LossAt, ScaleTarget, Scene};
use super::{Trained, TrainedConfig, LIMITS};
use crate::cell::CellKind;
use crate::init::Scheme;

/// The scene as the page sends it (and as the URL hash stores it): plain names and numbers.
/// Every field has a default, so `{}` is the default scene.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SceneConfig {
    /// Cell names (`rnn_tanh`, `rnn_relu`, `rnn_linear`, `lstm`, `lstm_no_forget`, `gru`).
    pub cells: Vec<String>,
    /// H (limits of every number: [`LIMITS`]).
    pub hidden_size: usize,
    /// T.
    pub steps: usize,
    /// `pulse`, `noise`, `sine` or `custom`.
    pub input: String,
    /// Values for `custom`, repeated to fill T.
    pub custom_input: Vec<f64>,
    /// Seed.
    pub seed: u64,
    /// `pytorch`, `orthogonal`, `identity`, `gaussian`, `sparse`.
    pub init: String,
    /// Eigenvalues placed by the learner, `[re, im]` per unit (overrides `init`).
    pub eigenvalues: Option<Vec<[f64; 2]>>,
    /// Non-normal part (0 = normal W).
    pub nonnormal: f64,
    /// `rho`, `sigma` or `none`: which quantity `scale_value` sets.
    pub scale: String,
    /// Target ρ or σ_max.
    pub scale_value: f64,
    /// `last` or `every`.
    pub loss: String,
    /// `none`, `norm` or `value`.
    pub clip: String,
    /// Clipping threshold.
    pub clip_threshold: f64,
    /// Record Jacobian-product norms.
    pub analysis: bool,
    /// Carry-gate bias (LSTM f, GRU z; not `lstm_no_forget`, whose f ≡ 1), or `None` for
    /// PyTorch's default.
    pub carry_bias: Option<f64>,
    /// Trained models (`unrolled train` specs with their parameters) to show instead of a
    /// designed `W`: `cells`, `hidden_size`, `steps`, `input`, `init`, `eigenvalues`,
    /// `nonnormal`, `scale`, `loss` and `carry_bias` are then ignored (see `lab::trained`).
    pub trained: Option<TrainedConfig>,
    /// A network imported from a `.safetensors` file to show instead of a designed `W`:
    /// `cells`, `hidden_size`, `init`, `eigenvalues`, `nonnormal`, `scale` and `carry_bias` are
    /// then the file's or ignored; `steps`, `input`, `seed` and `loss` apply (see
    /// `lab::imported`).
    pub imported: Option<ImportedConfig>,
}

impl Default for SceneConfig {
    /// The default scene: RNN tanh, LSTM and GRU, a pulse, orthogonal `W` at ρ = 0.9, loss at
    /// the last step; the numbers are [`LIMITS`]' defaults.
    fn default() -> Self {
        let l = &LIMITS;
        SceneConfig {
            cells: [CellKind::RnnTanh, CellKind::Lstm, CellKind::Gru]
                .map(|k| k.name().to_string())
                .to_vec(),
            hidden_size: l.hidden_size.value() as usize,
            steps: l.steps.value() as usize,
            input: "pulse".into(),
            custom_input: Vec::new(),
            seed: l.seed.value() as u64,
            init: "orthogonal".into(),
            eigenvalues: None,
            nonnormal: l.nonnormal.value(),
            scale: "rho".into(),
            scale_value: l.scale_value.value(),
            loss: "last".into(),
            clip: "none".into(),
            clip_threshold: l.clip_threshold.value(),
            analysis: true,
            carry_bias: l.carry_bias.default,
            trained: None,
            imported: None,
        }
    }
}

impl SceneConfig {
    /// Converts the names to a [`Scene`]; [`compute`] then validates sizes and numbers.
    ///
    /// # Errors
    /// An unknown name, with the field and what was expected.
    pub fn to_scene(&self) -> Result<Scene, String> {
        let cells = self
            .cells
            .iter()
            .map(|c| {
                CellKind::from_name(c).ok_or_else(|| {
                    format!("cells: expected {}, got \"{c}\"", CellKind::expected_list())
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let input = match self.input.as_str() {
            "pulse" => InputPattern::Pulse,
            "noise" => InputPattern::Noise,
            "sine" => InputPattern::Sine,
            "custom" => InputPattern::Custom(self.custom_input.clone()),
            other => {
                return Err(format!(
                    "input: expected pulse, noise, sine or custom, got \"{other}\""
                ))
            }
        };
        let scheme = match self.init.as_str() {
            "pytorch" => Scheme::Pytorch,
            "orthogonal" => Scheme::Orthogonal,
            "identity" => Scheme::Identity,
            "gaussian" => Scheme::Gaussian,
            "sparse" => Scheme::Sparse,
            other => {
                return Err(format!(
                "init: expected pytorch, orthogonal, identity, gaussian or sparse, got \"{other}\""
            ))
            }
        };
        let scale = match self.scale.as_str() {
            "rho" => ScaleTarget::SpectralRadius(self.scale_value),
            "sigma" => ScaleTarget::MaxSingularValue(self.scale_value),
            "none" => ScaleTarget::None,
            other => {
                return Err(format!(
                    "scale: expected rho, sigma or none, got \"{other}\""
                ))
            }
        };
        let loss = match self.loss.as_str() {
            "last" => LossAt::Last,
            "every" => LossAt::Every,
            other => return Err(format!("loss: expected last or every, got \"{other}\"")),
        };
        let clipping = match self.clip.as_str() {
            "none" => Clipping::None,
            "norm" => Clipping::Norm(self.clip_threshold),
            "value" => Clipping::Value(self.clip_threshold),
            other => {
                return Err(format!(
                    "clip: expected none, norm or value, got \"{other}\""
                ))
            }
        };
        let scene = Scene {
            cells,
            hidden_size: self.hidden_size,
            steps: self.steps,
            input,
            seed: self.seed,
            scheme,
            eigenvalues: self
                .eigenvalues
                .as_ref()
                .map(|e| e.iter().map(|p| (p[0], p[1])).collect()),
            nonnormal: self.nonnormal,
            scale,
            loss,
            clipping,
            analysis: self.analysis,
            carry_bias: self.carry_bias,
            trained: None,
            imported: None,
        };
        match (&self.trained, &self.imported) {
            (Some(_), Some(_)) => {
                Err("imported: expected either trained or imported models, not both".into())
            }
            (Some(t), None) => Ok(with_trained(scene, t.to_trained()?)),
            (None, Some(i)) => Ok(with_imported(scene, i.to_imported()?)),
            (None, None) => Ok(scene), // sizes and numbers are checked by `compute` (`validate`)
        }
    }
}

/// The scene of trained models: what they fix (cells, sizes, input, loss, `W`) taken from them,
/// what still applies (clipping, analysis) kept.
fn with_trained(scene: Scene, t: Trained) -> Scene {
    Scene {
        cells: t.cells(),
        hidden_size: t.hidden_size(),
        steps: t.sample().batch.steps,
        input: InputPattern::Pulse,
        eigenvalues: None,
        nonnormal: 0.0,
        scale: ScaleTarget::None,
        loss: LossAt::Last,
        carry_bias: None,
        trained: Some(t),
        ..scene
    }
}

/// The scene of an imported network: its cell and `H`, its own `W`; the lab's length, input,
/// seed, loss and clipping kept.
fn with_imported(scene: Scene, imp: ImportedScene) -> Scene {
    Scene {
        cells: vec![imp.network.arch.cell],
        hidden_size: imp.hidden_size(),
        eigenvalues: None,
        nonnormal: 0.0,
        scale: ScaleTarget::None,
        carry_bias: None,
        imported: Some(imp),
        ..scene
    }
}
