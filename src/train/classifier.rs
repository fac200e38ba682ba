//! The course's text classifier, PyTorch's `LSTMClassifier`, on the core's network:
//!
//! ```python
//! class LSTMClassifier(nn.Module):
//!     def __init__(self, vocab_size, embed_dim, hidden_dim, output_dim, num_layers=2, dropout=0.5, bidirectional=True):
//!         super().__init__()
//!         self.embedding = nn.Embedding(vocab_size, embed_dim)
//!         self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True, dropout=dropout, bidirectional=bidirectional)
//!         self.fc = nn.Linear(hidden_dim * 2 if bidirectional else hidden_dim, output_dim)
//!     def forward(self, text, lengths=None):
//!         embedded = self.embedding(text)
//!         if lengths is not None:
//!             packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
//!             _, (hidden, _) = self.lstm(packed)
//!         else:
//!             _, (hidden, _) = self.lstm(embedded)
//!         hidden = torch.cat((hidden[-2], hidden[-1]), dim=1) if self.lstm.bidirectional else hidden[-1]
//!         return self.fc(hidden)
//! ```
//!
//! With token ids `x` (`B × T`), `e = embedding(x)` (`B × T × E`) runs through the stacked
//! network (`lstm`, L layers, D directions, H units; any cell of the core, the LSTM by default),
//! and the head reads the **final states** `h_n` of the last layer, not the output at the last
//! position: `u_b = [h_n^{L−1, fwd}_b, h_n^{L−1, rev}_b]` (`D·H`; the forward half alone when
//! `D = 1`), `z_b = fc(u_b)` (`B × C`). With lengths the network runs packed
//! ([`crate::network`]): the forward direction's `h_n` is its state after the sequence's last
//! valid step, the reverse direction's after reading the whole valid sequence backwards (down to
//! position 0). "Without lengths" is lengths all `T`: every position is read, padding included,
//! exactly as the course's `forward` does when `lengths` is `None`.
//!
//! Backward from `∂L/∂z`: `fc` gives `∂L/∂u` and its own gradients; `∂L/∂u` is the upstream
//! gradient on the last layer's `h_n` (both directions; zero for the other layers) of
//! [`bptt::backward`], which returns the network's gradients and `∂L/∂e`; the embedding's
//! gradient accumulates `∂L/∂e` into the rows of the tokens read ([`Embedding::backward`]). Padded
//! positions of a packed batch are not read, so they send nothing to the embedding.
//!
//! Parameters are named as the module's `state_dict()`: `embedding.weight`, `lstm.weight_ih_l0`,
//! …, `lstm.bias_hh_l1_reverse`, `fc.weight`, `fc.bias`. The recurrent stack keeps the attribute
//! name `lstm` for every cell, so the GRU variant's `state_dict` is that of the course's module
//! with `nn.LSTM` replaced by `nn.GRU`.

use crate::bptt::{self, GradientFlow, Upstream};
use crate::init::{init_network, InitConfig};
use crate::network::{Architecture, Batch, Dropout, Forward, InitialState, Network};
use crate::rng::Rng;
use crate::train::embedding::Embedding;
use crate::train::linear::Linear;
use crate::train::loss::{cross_entropy, Loss};
use crate::train::params::{prefixed, ParamSet, Tensor};

/// The course's classifier: `embedding` → `lstm` → `fc` on the last layer's final states; also
/// holds the gradients of such a model.
#[derive(Clone, Debug, PartialEq)]
pub struct LstmClassifier {
    /// `nn.Embedding(vocab_size, embed_dim)`.
    pub embedding: Embedding,
    /// The recurrent stack (attribute `lstm`), `input_size = embed_dim`.
    pub lstm: Network,
    /// `nn.Linear(D·H, output_dim)`.
    pub fc: Linear,
}

/// A batch of token ids.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBatch {
    /// `B × T` ids, each below the vocabulary size.
    pub ids: Vec<usize>,
    /// B
    pub batch: usize,
    /// T
    pub steps: usize,
    /// Per-sequence length in `1..=T` (packed); all `T` runs over every position.
    pub lengths: Vec<usize>,
}

/// Everything the forward pass computed.
#[derive(Clone, Debug)]
pub struct ClassifierForward {
    /// The embedded batch the network read, `B × T × E`, with the lengths.
    pub embedded: Batch,
    /// The network's forward pass.
    pub rnn: Forward,
    /// What `fc` read, `B × D·H`: the last layer's final states, forward then reverse.
    pub features: Vec<f64>,
    /// `B × C`.
    pub logits: Vec<f64>,
}

/// Everything the backward pass computed.
#[derive(Clone, Debug)]
pub struct ClassifierBackward {
    /// `∂L/∂p` for every parameter, named as the model's.
    pub grads: LstmClassifier,
    /// `∂L/∂e`, `B × T × E` (0 at positions the network did not read).
    pub grad_embedded: Vec<f64>,
    /// The network's per-step gradient records, one per layer × direction.
    pub flow: Vec<GradientFlow>,
}

/// A forward pass scored with cross-entropy and taken back through every parameter.
#[derive(Clone, Debug)]
pub struct ClassifierPass {
    /// The forward pass.
    pub forward: ClassifierForward,
    /// `F.cross_entropy(logits, labels)` (mean) and `∂L/∂logits`.
    pub loss: Loss,
    /// The backward pass.
    pub backward: ClassifierBackward,
}

impl LstmClassifier {
    /// All zeros (e.g. to hold gradients): `arch.input_size` is `embed_dim`.
    pub fn zeros(arch: Architecture, vocab_size: usize, output_dim: usize) -> Self {
        LstmClassifier {
            embedding: Embedding::zeros(vocab_size, arch.input_size),
            lstm: Network::zeros(arch),
            fc: Linear::zeros(arch.directions() * arch.hidden_size, output_dim),
        }
    }

    /// Drawn: the network from `init` as the trace spec draws it, `embedding.weight` `N(0, 1)`
    /// from `embedding_rng`, `fc` PyTorch's default `nn.Linear` from `head_rng`.
    ///
    /// # Errors
    /// When the network's initialisation fails (see [`init_network`]).
    pub fn init(
        arch: Architecture,
        vocab_size: usize,
        output_dim: usize,
        init: &InitConfig,
        embedding_rng: &mut Rng,
        head_rng: &mut Rng,
    ) -> Result<Self, String> {
        Ok(LstmClassifier {
            embedding: Embedding::new(vocab_size, arch.input_size, embedding_rng),
            lstm: init_network(arch, init)?,
            fc: Linear::new(arch.directions() * arch.hidden_size, output_dim, head_rng),
        })
    }

    /// The network's shape (`input_size` is `embed_dim`).
    pub fn arch(&self) -> Architecture {
        self.lstm.arch
    }

    /// Logits of a batch, with `dropout` between the network's layers (training mode) when given.
    ///
    /// # Shapes
    /// `tokens.ids`: `B × T`; logits `B × C`.
    pub fn forward(&self, tokens: &TokenBatch, dropout: Option<Dropout>) -> ClassifierForward {
        let embedded = Batch {
            input: self.embedding.forward(&tokens.ids),
            batch: tokens.batch,
            steps: tokens.steps,
            lengths: tokens.lengths.clone(),
        };
        let rnn = self
            .lstm
            .forward(&embedded, &InitialState::default(), dropout);
        let features = final_features(self.arch(), &rnn.h_n, tokens.batch);
        let logits = self.fc.forward(&features);
        ClassifierForward {
            embedded,
            rnn,
            features,
            logits,
        }
    }

    /// Every parameter's gradient given `∂L/∂logits` (`B × C`) for the forward pass `fwd` of
    /// `tokens`.
    pub fn backward(
        &self,
        tokens: &TokenBatch,
        fwd: &ClassifierForward,
        grad_logits: &[f64],
    ) -> ClassifierBackward {
        let head = self.fc.backward(&fwd.features, grad_logits);
        let upstream = Upstream {
            grad_h_n: Some(to_h_n(self.arch(), &head.grad_input, tokens.batch)),
            ..Default::default()
        };
        let back = bptt::backward(&self.lstm, &fwd.embedded, &fwd.rnn, &upstream);
        let embedding = self.embedding.backward(&tokens.ids, &back.grads.input);
        let lstm = Network {
            arch: self.arch(),
            layers: back.grads.params,
        };
        ClassifierBackward {
            grads: LstmClassifier {
                embedding,
                lstm,
                fc: head.grads,
            },
            grad_embedded: back.grads.input,
            flow: back.flow,
        }
    }

    /// Forward, `F.cross_entropy(logits, labels)` and backward.
    ///
    /// # Shapes
    /// `labels`: `B`, each below `output_dim`.
    pub fn loss_and_grads(
        &self,
        tokens: &TokenBatch,
        labels: &[usize],
        dropout: Option<Dropout>,
    ) -> ClassifierPass {
        let forward = self.forward(tokens, dropout);
        let loss = cross_entropy(&forward.logits, labels, self.fc.out_features);
        let backward = self.backward(tokens, &forward, &loss.grad);
        ClassifierPass {
            forward,
            loss,
            backward,
        }
    }
}

/// What `fc` reads: for each sequence the last layer's final state, forward direction then
/// reverse (`torch.cat((hidden[-2], hidden[-1]), dim=1)`; `hidden[-1]` alone when `D = 1`).
///
/// # Shapes
/// `h_n`: `L·D × B × H`; returns `B × D·H`.
pub fn final_features(arch: Architecture, h_n: &[f64], bsz: usize) -> Vec<f64> {
    let (dirs, hid) = (arch.directions(), arch.hidden_size);
    let last = (arch.num_layers - 1) * dirs;
    let mut out = vec![0.0; bsz * dirs * hid];
    for b in 0..bsz {
        for d in 0..dirs {
            let src = &h_n[((last + d) * bsz + b) * hid..][..hid];
            out[(b * dirs + d) * hid..][..hid].copy_from_slice(src);
        }
    }
    out
}

/// The adjoint of [`final_features`]: `∂L/∂u` (`B × D·H`) placed in a zero `∂L/∂h_n`
/// (`L·D × B × H`) at the last layer's rows.
pub fn to_h_n(arch: Architecture, grad_features: &[f64], bsz: usize) -> Vec<f64> {
    let (dirs, hid) = (arch.directions(), arch.hidden_size);
    let last = (arch.num_layers - 1) * dirs;
    let mut out = vec![0.0; arch.num_layers * dirs * bsz * hid];
    for b in 0..bsz {
        for d in 0..dirs {
            let src = &grad_features[(b * dirs + d) * hid..][..hid];
            out[((last + d) * bsz + b) * hid..][..hid].copy_from_slice(src);
        }
    }
    out
}

impl ParamSet for LstmClassifier {
    fn tensors(&self) -> Vec<Tensor<&[f64]>> {
        let mut all = prefixed("embedding", self.embedding.tensors());
        all.extend(prefixed("lstm", self.lstm.tensors()));
        all.extend(prefixed("fc", self.fc.tensors()));
        all
    }

    fn tensors_mut(&mut self) -> Vec<Tensor<&mut [f64]>> {
        let mut all = prefixed("embedding", self.embedding.tensors_mut());
        all.extend(prefixed("lstm", self.lstm.tensors_mut()));
        all.extend(prefixed("fc", self.fc.tensors_mut()));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::CellKind;

    fn arch(cell: CellKind, layers: usize, bidirectional: bool) -> Architecture {
        Architecture {
            cell,
            input_size: 3,
            hidden_size: 2,
            num_layers: layers,
            bidirectional,
        }
    }

    fn model(arch: Architecture) -> LstmClassifier {
        let init = InitConfig {
            seed: 11,
            ..Default::default()
        };
        LstmClassifier::init(arch, 7, 3, &init, &mut Rng::new(1), &mut Rng::new(2)).unwrap()
    }

    /// Three sentences over `T = 4`, one of length 1, unsorted; padding id 0.
    fn tokens(lengths: Vec<usize>) -> TokenBatch {
        TokenBatch {
            ids: vec![3, 1, 4, 1, 5, 0, 0, 0, 2, 6, 5, 0],
            batch: 3,
            steps: 4,
            lengths,
        }
    }

    #[test]
    fn names_and_shapes_are_the_modules_state_dict() {
        let m = model(arch(CellKind::Lstm, 2, true));
        let names: Vec<(String, Vec<usize>)> = m.param_shapes();
        assert_eq!(names[0], ("embedding.weight".into(), vec![7, 3]));
        assert_eq!(names[1], ("lstm.weight_ih_l0".into(), vec![8, 3]));
        assert_eq!(names[5], ("lstm.weight_ih_l0_reverse".into(), vec![8, 3]));
        assert_eq!(names[9], ("lstm.weight_ih_l1".into(), vec![8, 4]));
        assert_eq!(names[16], ("lstm.bias_hh_l1_reverse".into(), vec![8]));
        assert_eq!(names[17], ("fc.weight".into(), vec![3, 4]));
        assert_eq!(names[18], ("fc.bias".into(), vec![3]));
        assert_eq!(names.len(), 19);
        let one = model(arch(CellKind::Lstm, 1, false));
        assert_eq!(one.param_view("fc.weight").unwrap().shape(), &[3, 2]);
    }

    /// `u` holds the last layer's final states: forward then reverse; the reverse direction's
    /// `h_n` is its state at position 0 (the output there), the forward one's the output at the
    /// last valid position.
    #[test]
    fn features_are_the_last_layers_final_states() {
        let m = model(arch(CellKind::Lstm, 2, true));
        let t = tokens(vec![2, 1, 4]);
        let f = m.forward(&t, None);
        let out = &f.rnn.output; // B × T × 2H
        for (b, &n) in t.lengths.iter().enumerate() {
            let fwd = &out[(b * 4 + n - 1) * 4..][..2];
            let rev = &out[(b * 4) * 4 + 2..][..2];
            assert_eq!(&f.features[b * 4..b * 4 + 2], fwd);
            assert_eq!(&f.features[b * 4 + 2..b * 4 + 4], rev);
        }
        assert_eq!(f.logits, m.fc.forward(&f.features));
        let g = vec![0.5; 12];
        assert_eq!(final_features(m.arch(), &to_h_n(m.arch(), &g, 3), 3), g);
    }

    /// Padding read or not: packed and unpacked give different logits, and the padded
    /// positions of a packed batch send no gradient to the embedding (token 0 appears only
    /// there).
    #[test]
    fn packed_batches_ignore_padding() {
        let m = model(arch(CellKind::Lstm, 2, true));
        let packed = m.loss_and_grads(&tokens(vec![2, 1, 3]), &[0, 2, 1], None);
        let padded = m.loss_and_grads(&tokens(vec![4, 4, 4]), &[0, 2, 1], None);
        assert_ne!(packed.forward.logits, padded.forward.logits);
        let row0 = |p: &ClassifierPass| p.backward.grads.embedding.weight[..3].to_vec();
        assert_eq!(row0(&packed), vec![0.0; 3]);
        assert!(row0(&padded).iter().all(|g| *g != 0.0));
    }

    fn loss(m: &LstmClassifier, t: &TokenBatch, labels: &[usize]) -> f64 {
        let f = m.forward(t, None);
        cross_entropy(&f.logits, labels, 3).value
    }

    /// Central differences of every tensor's first and last entries and of the embedding rows
    /// the batch reads, for a stacked bidirectional LSTM and a one-layer GRU.
    #[test]
    fn gradients_match_finite_differences() {
        let labels = [1, 0, 2];
        for a in [arch(CellKind::Lstm, 2, true), arch(CellKind::Gru, 1, false)] {
            let m = model(a);
            let t = tokens(vec![2, 1, 4]);
            let grads = m.loss_and_grads(&t, &labels, None).backward.grads;
            for g in grads.tensors() {
                let mut at: Vec<usize> = vec![0, g.values.len() - 1];
                if g.name == "embedding.weight" {
                    at.extend([3 * 3 + 1, 5 * 3 + 2, 6 * 3]); // tokens 3, 5, 6
                }
                for k in at {
                    let moved = |delta: f64| {
                        let mut p = m.clone();
                        p.tensors_mut()
                            .into_iter()
                            .find(|s| s.name == g.name)
                            .unwrap()
                            .values[k] += delta;
                        loss(&p, &t, &labels)
                    };
                    let numeric = (moved(1e-6) - moved(-1e-6)) / 2e-6;
                    let err = (numeric - g.values[k]).abs();
                    assert!(err < 1e-8, "{}[{k}]: {} vs {numeric}", g.name, g.values[k]);
                }
            }
        }
    }
}
