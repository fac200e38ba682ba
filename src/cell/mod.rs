//! The recurrent cells, one step at a time, for one sequence (one row of a batch).
//!
//! Every cell splits its pre-activation the way PyTorch does: an input projection
//! `xp = W_ih x_t + b_ih` and a hidden projection `hp = W_hh h_{t−1} + b_hh`, each `G·H` long
//! with the gate blocks stacked in PyTorch's order. The network computes both projections as
//! matrix products over the whole batch; a cell only does the element-wise part:
//!
//! - [`rnn`]: `h_t = φ(xp + hp)`, φ ∈ {tanh, relu, identity}; one block `h`.
//! - [`lstm`]: blocks `i f g o`; `c_t = f ⊙ c_{t−1} + i ⊙ g`, `h_t = o ⊙ tanh(c_t)`.
//! - [`lstm_no_forget`] (the 1997 LSTM, not a PyTorch module): blocks `i g o`;
//!   `c_t = c_{t−1} + i ⊙ g` (f ≡ 1, the constant error carousel), `h_t = o ⊙ tanh(c_t)`.
//! - [`gru`]: blocks `r z n`; `n = tanh(xp_n + r ⊙ hp_n)`, `h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}`.
//!
//! The backward step is the vector–Jacobian product of that map: from the cotangents
//! `(dh_t, dc_t)` of the state it returns `∂L/∂xp`, `∂L/∂hp`, the part of `∂L/∂h_{t−1}` that does
//! not go through `W_hh` (GRU's `z ⊙ dh`), and `∂L/∂c_{t−1}` (LSTM). `∂L/∂h_{t−1}` is then
//! `∂L/∂hp · W_hh + direct`.
//!
//! What each kind is called, its blocks, carry gate, states, theory and colour: [`info`].

pub mod gru;
pub mod info;
pub mod lstm;
pub mod lstm_no_forget;
pub mod rnn;

pub use info::{Carry, CarryGate, CellInfo, HeatScale, SeriesInfo, Theory};

/// Which recurrence a layer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// `torch.nn.RNN(nonlinearity="tanh")`
    RnnTanh,
    /// `torch.nn.RNN(nonlinearity="relu")`
    RnnRelu,
    /// Not a PyTorch module: `h_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh` with no squashing.
    RnnLinear,
    /// `torch.nn.LSTM`
    Lstm,
    /// Not a PyTorch module: the 1997 LSTM without a forget gate (blocks `i g o`, `f ≡ 1`),
    /// `c_t = c_{t−1} + i ⊙ g`, `h_t = o ⊙ tanh(c_t)`.
    LstmNoForget,
    /// `torch.nn.GRU`
    Gru,
}

impl CellKind {
    /// All kinds, in the order the page and docs list them.
    pub const ALL: [CellKind; 6] = [
        CellKind::RnnTanh,
        CellKind::RnnRelu,
        CellKind::RnnLinear,
        CellKind::Lstm,
        CellKind::LstmNoForget,
        CellKind::Gru,
    ];

    /// The spec name (`rnn_tanh`, `lstm`, ...).
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The name people read: `RNN tanh`, `RNN ReLU`, `RNN linear`, `LSTM`,
    /// `LSTM, no forget gate (1997)`, `GRU`.
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// Parses a spec name.
    pub fn from_name(s: &str) -> Option<CellKind> {
        CellKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Number of gate blocks `G` stacked in `weight_ih`/`weight_hh`.
    pub fn gates(self) -> usize {
        self.info().blocks.len()
    }

    /// The gate blocks in PyTorch's stacking order (a plain RNN's one block is `h`).
    pub fn blocks(self) -> &'static [SeriesInfo] {
        self.info().blocks
    }

    /// `true` for the LSTMs, the cells with a separate cell state (the state named `c`).
    pub fn has_cell_state(self) -> bool {
        self.info().states.iter().any(|s| s.name == "c")
    }

    /// The block of the forget gate, the carry gate of a cell with a cell state: LSTM `f` (1).
    /// `None` for the cells without one: plain RNNs, GRU (its carry `z` is an update gate), and
    /// `lstm_no_forget` (`f ≡ 1`, no block to set).
    /// The gate block whose bias is the carry-gate bias (LSTM `f`, GRU `z`), or `None` when the
    /// cell has no carry gate or its carry is fixed (`lstm_no_forget`: f ≡ 1, nothing to set).
    pub fn carry_block(self) -> Option<usize> {
        self.info().carry.and_then(|c| c.block())
    }

    pub fn forget_block(self) -> Option<usize> {
        match self.info().carry?.gate {
            CarryGate::Block(k) if self.has_cell_state() => Some(k),
            CarryGate::Block(_) | CarryGate::One { .. } => None,
        }
    }

    /// The spec names of the cells with a state `c`, joined for a message: `lstm or lstm_no_forget`.
    pub fn cell_state_list() -> String {
        let names: Vec<&str> = CellKind::ALL
            .iter()
            .filter(|k| k.has_cell_state())
            .map(|k| k.name())
            .collect();
        info::or_list(&names)
    }

    /// `true` for the GRU, whose candidate keeps its hidden projection apart:
    /// `n = tanh(xp_n + r ⊙ hn)`, `hn = W_hn h + b_hn` (recorded as the pre-activation `hn`).
    pub fn has_separate_hn(self) -> bool {
        match self {
            CellKind::Gru => true,
            CellKind::RnnTanh
            | CellKind::RnnRelu
            | CellKind::RnnLinear
            | CellKind::Lstm
            | CellKind::LstmNoForget => false,
        }
    }

    /// `true` when `∂L/∂hp = ∂L/∂xp` (every cell but the GRU, whose `hn` enters through
    /// `r ⊙ hn`): [`CellKind::backward_step`] may then be given an empty `dhp`.
    pub fn dhp_is_dxp(self) -> bool {
        !self.has_separate_hn()
    }

    /// The squashing function of a plain RNN (`None` for gated cells).
    pub fn nonlinearity(self) -> Option<rnn::Nonlinearity> {
        match self {
            CellKind::RnnTanh => Some(rnn::Nonlinearity::Tanh),
            CellKind::RnnRelu => Some(rnn::Nonlinearity::Relu),
            CellKind::RnnLinear => Some(rnn::Nonlinearity::Identity),
            CellKind::Lstm | CellKind::LstmNoForget | CellKind::Gru => None,
        }
    }

    /// One forward step for one sequence.
    ///
    /// # Shapes
    /// `xp`, `hp`, `gates`: `G·H`; `h_prev`, `h`: `H`; `c_prev`, `c`: `H` for the LSTMs, else
    /// empty.
    /// `gates` receives the post-activation gate values in block order.
    #[allow(clippy::too_many_arguments)]
    pub fn forward_step(
        self,
        xp: &[f64],
        hp: &[f64],
        h_prev: &[f64],
        c_prev: &[f64],
        gates: &mut [f64],
        h: &mut [f64],
        c: &mut [f64],
        tanh_c: &mut [f64],
    ) {
        match self {
            CellKind::RnnTanh | CellKind::RnnRelu | CellKind::RnnLinear => {
                let nl = self.nonlinearity().expect("a plain RNN has a nonlinearity");
                rnn::forward(nl, xp, hp, gates, h)
            }
            CellKind::Lstm => lstm::forward(xp, hp, c_prev, gates, h, c, tanh_c),
            CellKind::LstmNoForget => lstm_no_forget::forward(xp, hp, c_prev, gates, h, c, tanh_c),
            CellKind::Gru => gru::forward(xp, hp, h_prev, gates, h),
        }
    }

    /// One backward step for one sequence (vector–Jacobian product of the step).
    ///
    /// Inputs are the forward cache of the step (`xp`, `hp`, `gates`, `h_prev`, `c_prev`, `tanh_c`)
    /// and the cotangents `dh` (∂L/∂h_t, total) and `dc` (∂L/∂c_t from the later steps, LSTMs).
    /// Writes `dxp` (∂L/∂xp), `dhp` (∂L/∂hp; may be empty when [`CellKind::dhp_is_dxp`], and is
    /// then not written), `dh_direct` (∂L/∂h_{t−1} not through W_hh),
    /// `dc_prev` (∂L/∂c_{t−1}) and returns nothing else; for the LSTMs `dc_total` receives the total
    /// ∂L/∂c_t (through h_t and the later steps).
    #[allow(clippy::too_many_arguments)]
    pub fn backward_step(
        self,
        cache: StepCache<'_>,
        dh: &[f64],
        dc: &[f64],
        dxp: &mut [f64],
        dhp: &mut [f64],
        dh_direct: &mut [f64],
        dc_prev: &mut [f64],
        dc_total: &mut [f64],
    ) {
        match self {
            CellKind::RnnTanh | CellKind::RnnRelu | CellKind::RnnLinear => {
                let nl = self.nonlinearity().expect("a plain RNN has a nonlinearity");
                rnn::backward(nl, cache, dh, dxp);
                copy_unless_empty(dhp, dxp);
                dh_direct.fill(0.0);
            }
            CellKind::Lstm => {
                lstm::backward(cache, dh, dc, dxp, dc_prev, dc_total);
                copy_unless_empty(dhp, dxp);
                dh_direct.fill(0.0);
            }
            CellKind::LstmNoForget => {
                lstm_no_forget::backward(cache, dh, dc, dxp, dc_prev, dc_total);
                copy_unless_empty(dhp, dxp);
                dh_direct.fill(0.0);
            }
            CellKind::Gru => gru::backward(cache, dh, dxp, dhp, dh_direct),
        }
    }
}

/// `dst ← src`, unless `dst` is empty (a caller that reads `src` in its place).
fn copy_unless_empty(dst: &mut [f64], src: &[f64]) {
    if !dst.is_empty() {
        dst.copy_from_slice(src);
    }
}

/// What the backward step of one sequence needs from its forward step.
#[derive(Clone, Copy)]
pub struct StepCache<'a> {
    /// Input projection `W_ih x_t + b_ih` (`G·H`).
    pub xp: &'a [f64],
    /// Hidden projection `W_hh h_{t−1} + b_hh` (`G·H`).
    pub hp: &'a [f64],
    /// Post-activation gates (`G·H`).
    pub gates: &'a [f64],
    /// `h_{t−1}` (`H`).
    pub h_prev: &'a [f64],
    /// `c_{t−1}` (`H`, LSTMs only).
    pub c_prev: &'a [f64],
    /// `tanh(c_t)` (`H`, LSTMs only).
    pub tanh_c: &'a [f64],
}

/// What the cells' lane tests share: inputs with special values, each x86-64 path, and the
/// bitwise comparison.
#[cfg(test)]
pub(crate) mod lanes_check {
    /// Writes inf, NaN, −0 and 1e308 into `rows` (one each, rows 1, 2, … in turn).
    pub fn poke_specials(rows: &mut [Vec<f64>]) {
        for (i, v) in [f64::INFINITY, f64::NAN, -0.0, 1e308]
            .into_iter()
            .enumerate()
        {
            let row = &mut rows[(i + 1) % rows.len()];
            let at = (5 * i) % row.len();
            row[at] = v;
        }
    }

    /// `run`'s outputs on every x86-64 path this CPU has, named (none elsewhere).
    pub fn on_every_path(run: impl Fn() -> Vec<Vec<f64>>) -> Vec<(&'static str, Vec<Vec<f64>>)> {
        #[cfg(target_arch = "x86_64")]
        return crate::linalg::path::Path::available()
            .into_iter()
            .map(|path| (path.name(), crate::linalg::path::with_path(path, &run)))
            .collect();
        #[allow(unreachable_code)]
        {
            let _ = run;
            Vec::new()
        }
    }

    /// Every output of `others` has the bits of `one`'s (any NaN matching any NaN).
    pub fn assert_same_bits(n: usize, one: &[Vec<f64>], others: &[(&str, Vec<Vec<f64>>)]) {
        for (how, other) in others {
            for (a, b) in one.iter().flatten().zip(other.iter().flatten()) {
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{how}, n = {n}: {a} vs {b}"
                );
            }
        }
    }
}
