//! Seeded initialisation of a whole network.
//!
//! Draws happen in PyTorch's `state_dict` order (per layer and direction: `weight_ih`,
//! `weight_hh`, `bias_ih`, `bias_hh`), all from one [`Rng`] seeded by [`InitConfig::seed`], so a
//! seed names the same network on every machine and in the browser. Every tensor starts from
//! PyTorch's default `U(−1/√H, 1/√H)`; the scheme then redraws the chosen `H × H` blocks of
//! `weight_hh`:
//!
//! | scheme | block |
//! |---|---|
//! | `pytorch` | `U(−1/√H, 1/√H)` (unchanged) |
//! | `orthogonal` | `gain · Q`, `Q` uniform random orthogonal |
//! | `identity` | `gain · I` (IRNN, Le et al. 2015) |
//! | `gaussian` | `N(0, σ²)`, default `σ = 1/√H` |
//! | `sparse` | 15 incoming `N(0, 1)` weights per unit (all when `H < 15`), rescaled to `ρ = 0.95` (Sutskever et al. 2013; Pascanu et al. 2013's "smart" tanh init) |
//! | `eigenvalues` | `Q B Qᵀ` from the given eigenvalues ([`crate::spectral::from_eigenvalues`]) |
//!
//! then, if asked, rescales each chosen block to a spectral radius or a largest singular value.
//! For gated cells each gate has its own `H × H` block (LSTM `i f g o`, `lstm_no_forget`
//! `i g o`, GRU `r z n`); `blocks`
//! says which ones a scheme acts on (default: all), each block getting its own draw.
//!
//! Biases are PyTorch's default draw unless `bias` sets them all; then `forget_bias` (LSTM) or
//! `carry_bias` (any cell with a carry gate in the cell table: LSTM `f`, GRU `z`) sets the carry
//! block's `bias_ih` to the value and its `bias_hh` to 0.

use crate::network::{Architecture, Network};
use crate::rng::Rng;
use crate::spectral;

/// How `weight_hh` blocks are drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Scheme {
    /// PyTorch's default uniform.
    Pytorch,
    /// `gain · Q`.
    Orthogonal,
    /// `gain · I`.
    Identity,
    /// `N(0, σ²)`.
    Gaussian,
    /// Sparse, 15 incoming weights per unit, ρ = 0.95.
    Sparse,
    /// From these eigenvalues `(re, im)`, one per unit.
    Eigenvalues(Vec<(f64, f64)>),
}

impl Scheme {
    /// Spec names of the schemes.
    pub const NAMES: [&'static str; 6] = [
        "pytorch",
        "orthogonal",
        "identity",
        "gaussian",
        "sparse",
        "eigenvalues",
    ];
}

/// A target for rescaling each chosen block after drawing it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rescale {
    /// Spectral radius ρ.
    SpectralRadius(f64),
    /// Largest singular value σ_max.
    MaxSingularValue(f64),
}

/// Everything that decides the initial parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct InitConfig {
    /// Seed of every draw.
    pub seed: u64,
    /// Scheme for the chosen `weight_hh` blocks.
    pub scheme: Scheme,
    /// Multiplier for `orthogonal` and `identity`.
    pub gain: f64,
    /// Standard deviation for `gaussian` (`None`: 1/√H).
    pub sigma: Option<f64>,
    /// Non-normal part for `eigenvalues`.
    pub nonnormal: f64,
    /// Optional rescaling of each chosen block.
    pub rescale: Option<Rescale>,
    /// Indices of the gate blocks the scheme acts on (`None`: all).
    pub blocks: Option<Vec<usize>>,
    /// Every bias set to this value.
    pub bias: Option<f64>,
    /// LSTM: forget-gate part of `bias_ih` set to this, of `bias_hh` to 0 (ignored by the cells
    /// without a forget-gate block, [`crate::cell::CellKind::forget_block`]; the spec refuses it
    /// there).
    pub forget_bias: Option<f64>,
    /// The carry gate's bias (the cell table's carry block: LSTM forget gate, GRU update gate):
    /// its part of `bias_ih` set to this, of `bias_hh` to 0, so the gate's bias is exactly this.
    /// Ignored by cells without a carry gate (the spec refuses it for them).
    pub carry_bias: Option<f64>,
}

impl Default for InitConfig {
    fn default() -> Self {
        InitConfig {
            seed: 0,
            scheme: Scheme::Pytorch,
            gain: 1.0,
            sigma: None,
            nonnormal: 0.0,
            rescale: None,
            blocks: None,
            bias: None,
            forget_bias: None,
            carry_bias: None,
        }
    }
}

/// The sparse "smart" block: each row gets `min(15, H)` N(0,1) weights at random columns, then
/// the block is rescaled to spectral radius 0.95.
pub fn sparse_block(h: usize, rng: &mut Rng) -> Vec<f64> {
    let mut m = vec![0.0; h * h];
    let k = h.min(15);
    let mut cols: Vec<usize> = (0..h).collect();
    for row in 0..h {
        // Partial Fisher–Yates: the first k entries become a random subset.
        for i in 0..k {
            let j = i + rng.below(h - i);
            cols.swap(i, j);
        }
        for &c in &cols[..k] {
            m[row * h + c] = rng.normal();
        }
    }
    spectral::rescale_to_spectral_radius(&mut m, h, 0.95);
    m
}

/// Initialises a network.
///
/// # Errors
/// When the eigenvalue list has the wrong length or unpaired complex values, or a block index
/// is out of range.
pub fn init_network(arch: Architecture, cfg: &InitConfig) -> Result<Network, String> {
    let h = arch.hidden_size;
    let g = arch.cell.gates();
    if let Scheme::Eigenvalues(e) = &cfg.scheme {
        if e.len() != h {
            return Err(format!(
                "expected {h} eigenvalues (one per hidden unit), got {}",
                e.len()
            ));
        }
    }
    if let Some(bl) = &cfg.blocks {
        if let Some(bad) = bl.iter().find(|&&k| k >= g) {
            return Err(format!("block index {bad} out of range 0..{g}"));
        }
    }
    let mut rng = Rng::new(cfg.seed);
    let mut net = Network::zeros(arch);
    let bound = 1.0 / (h as f64).sqrt();
    for p in net.layers.iter_mut() {
        for v in p.weight_ih.iter_mut() {
            *v = rng.uniform_in(-bound, bound);
        }
        for v in p.weight_hh.iter_mut() {
            *v = rng.uniform_in(-bound, bound);
        }
        for k in 0..g {
            if cfg.blocks.as_ref().is_some_and(|bl| !bl.contains(&k)) {
                continue;
            }
            let mut blk = match &cfg.scheme {
                Scheme::Pytorch => spectral::block(&p.weight_hh, h, k),
                Scheme::Orthogonal => spectral::random_orthogonal(h, &mut rng)
                    .into_iter()
                    .map(|v| v * cfg.gain)
                    .collect(),
                Scheme::Identity => {
                    let mut m = vec![0.0; h * h];
                    for i in 0..h {
                        m[i * h + i] = cfg.gain;
                    }
                    m
                }
                Scheme::Gaussian => {
                    let sd = cfg.sigma.unwrap_or(bound);
                    (0..h * h).map(|_| sd * rng.normal()).collect()
                }
                Scheme::Sparse => sparse_block(h, &mut rng),
                Scheme::Eigenvalues(e) => spectral::from_eigenvalues(e, cfg.nonnormal, &mut rng)?,
            };
            match cfg.rescale {
                Some(Rescale::SpectralRadius(r)) => {
                    spectral::rescale_to_spectral_radius(&mut blk, h, r)
                }
                Some(Rescale::MaxSingularValue(s)) => {
                    spectral::rescale_to_max_singular_value(&mut blk, h, h, s)
                }
                None => {}
            }
            spectral::set_block(&mut p.weight_hh, h, k, &blk);
        }
        for v in p.bias_ih.iter_mut().chain(p.bias_hh.iter_mut()) {
            *v = rng.uniform_in(-bound, bound);
        }
        if let Some(b) = cfg.bias {
            p.bias_ih.fill(b);
            p.bias_hh.fill(b);
        }
        if let (Some(fb), Some(k)) = (cfg.forget_bias, arch.cell.forget_block()) {
            p.set_block_bias(k, h, fb);
        }
        if let (Some(cb), Some(block)) = (cfg.carry_bias, arch.cell.carry_block()) {
            p.set_block_bias(block, h, cb);
        }
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::CellKind;

    fn arch(cell: CellKind, h: usize) -> Architecture {
        Architecture {
            cell,
            input_size: 3,
            hidden_size: h,
            num_layers: 2,
            bidirectional: true,
        }
    }

    #[test]
    fn seeded_and_in_pytorch_range() {
        let a = init_network(arch(CellKind::Lstm, 8), &InitConfig::default()).unwrap();
        let b = init_network(arch(CellKind::Lstm, 8), &InitConfig::default()).unwrap();
        assert_eq!(a, b);
        let bound = 1.0 / 8f64.sqrt();
        for p in &a.layers {
            assert!(p.weight_hh.iter().all(|v| v.abs() <= bound));
        }
        let c = init_network(
            arch(CellKind::Lstm, 8),
            &InitConfig {
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn schemes_shape_the_chosen_blocks_only() {
        let h = 20;
        let cfg = InitConfig {
            scheme: Scheme::Sparse,
            blocks: Some(vec![2]),
            ..Default::default()
        };
        let net = init_network(arch(CellKind::Lstm, h), &cfg).unwrap();
        let w = &net.layers[0].weight_hh;
        let g = spectral::block(w, h, 2);
        assert!((spectral::spectral_radius(&g, h) - 0.95).abs() < 1e-10);
        for row in 0..h {
            assert_eq!(
                g[row * h..(row + 1) * h]
                    .iter()
                    .filter(|v| **v != 0.0)
                    .count(),
                15
            );
        }
        let i = spectral::block(w, h, 0);
        assert!(i
            .iter()
            .all(|v| *v != 0.0 && v.abs() <= 1.0 / (h as f64).sqrt()));

        let cfg = InitConfig {
            scheme: Scheme::Orthogonal,
            gain: 1.0,
            rescale: Some(Rescale::MaxSingularValue(2.0)),
            ..Default::default()
        };
        let net = init_network(arch(CellKind::Gru, 6), &cfg).unwrap();
        for k in 0..3 {
            let b = spectral::block(&net.layers[1].weight_hh, 6, k);
            let s = spectral::singular_values(&b, 6, 6).unwrap();
            assert!(s.iter().all(|v| (v - 2.0).abs() < 1e-12));
        }
        let cfg = InitConfig {
            scheme: Scheme::Identity,
            gain: 1.0,
            bias: Some(0.0),
            ..Default::default()
        };
        let net = init_network(arch(CellKind::RnnRelu, 4), &cfg).unwrap();
        assert_eq!(net.layers[0].weight_hh[0], 1.0);
        assert_eq!(net.layers[0].weight_hh[1], 0.0);
        assert!(net.layers[0].bias_hh.iter().all(|b| *b == 0.0));
    }

    /// The carry block (LSTM `f`, GRU `z`: block 1 of the cell table) gets `bias_ih = b`,
    /// `bias_hh = 0`; the other blocks keep their draw; cells without a carry gate are untouched.
    #[test]
    fn carry_bias_sets_the_carry_block_of_every_gated_cell() {
        let h = 3;
        for cell in CellKind::ALL {
            let cfg = InitConfig {
                carry_bias: Some(2.5),
                ..Default::default()
            };
            let net = init_network(arch(cell, h), &cfg).unwrap();
            let plain = init_network(arch(cell, h), &InitConfig::default()).unwrap();
            let Some(block) = cell.carry_block() else {
                assert_eq!(net, plain, "{}", cell.name());
                continue;
            };
            for (p, q) in net.layers.iter().zip(&plain.layers) {
                for k in 0..cell.gates() {
                    let rows = k * h..(k + 1) * h;
                    if k == block {
                        assert!(p.bias_ih[rows.clone()].iter().all(|&b| b == 2.5));
                        assert!(p.bias_hh[rows].iter().all(|&b| b == 0.0));
                    } else {
                        assert_eq!(p.bias_ih[rows.clone()], q.bias_ih[rows.clone()]);
                        assert_eq!(p.bias_hh[rows.clone()], q.bias_hh[rows]);
                    }
                }
                assert_eq!(p.weight_hh, q.weight_hh);
            }
        }
    }

    #[test]
    fn bad_configs_are_errors() {
        let cfg = InitConfig {
            scheme: Scheme::Eigenvalues(vec![(0.5, 0.0)]),
            ..Default::default()
        };
        assert!(init_network(arch(CellKind::RnnTanh, 2), &cfg).is_err());
        let cfg = InitConfig {
            blocks: Some(vec![3]),
            ..Default::default()
        };
        assert!(init_network(arch(CellKind::Gru, 2), &cfg).is_err());
    }
}
