//! The cell table: every fact about a cell kind that more than one place needs, declared once.
//!
//! [`CellKind::info`] gives each kind's [`CellInfo`]: its spec name, the labels people read, the
//! PyTorch module it matches, its gate blocks in PyTorch's stacking order (each with a title and
//! the heatmap scale its values need), its carry gate, its recorded states, the theory that
//! predicts its gradient flow, and its colour. The CLI's messages, the charts, the page (through
//! [`table`], exported to JS) and the tests all read it from here, so a new cell is one new row
//! plus the `match`es the compiler lists.
//!
//! The theory of the gradient flow at lag `k = T−1−t` ([`Theory`]):
//! - `rnn_linear`: `∂h_{T−1}/∂h_t = W^k` exactly, so `‖∂L/∂h_t‖` follows `ρ(W)^k` asymptotically
//!   (Gelfand: `‖W^k‖^{1/k} → ρ`) — [`Theory::Exact`].
//! - `rnn_tanh`, `rnn_relu`: `∂h_{t+1}/∂h_t = diag(φ'(a)) W`, `|φ'| ≤ γ = 1`, so
//!   `‖∂h_{T−1}/∂h_t‖ ≤ (γ σ_max(W))^k` (Pascanu et al. 2013) — [`Theory::Bound`].
//! - LSTM, GRU: the gates make the Jacobian data-dependent; no curve — [`Theory::None`].
//! - `lstm_no_forget`: its carry path is exactly 1 (`f ≡ 1`: `∂c_T/∂c_t = I` along the cell,
//!   [`CarryGate::One`]), but `‖∂L/∂h_t‖` still runs through the data-dependent gates and
//!   `tanh(c_t)`; no curve over it — [`Theory::None`]. The carry path chart draws the exact 1.

use super::CellKind;
use serde::Serialize;

/// How a heatmap colours a series (see `chart::colormap::Scale`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HeatScale {
    /// Viridis on `[0, 1]`: sigmoid gates and carry paths.
    Unit,
    /// PuOr on `[−1, 1]`: tanh-range values.
    Tanh,
    /// PuOr on `[−m, m]`, `m` fitted to the data: unbounded values (`c`, ReLU and linear `h`).
    Fit,
}

/// One recorded `[T][H]` series of a cell: a gate block or a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SeriesInfo {
    /// Name in the trace format (`f`, `c`, `h`, …).
    pub name: &'static str,
    /// What people read (`forget gate f`).
    pub title: &'static str,
    /// The heatmap scale of its values.
    pub scale: HeatScale,
}

/// The carry gate: the factor whose product over time carries the memory along the state's
/// additive path, `∏f` (LSTM) or `∏z` (GRU) — a gate block, or no block at all where the cell
/// fixes the gate at 1 (`lstm_no_forget`: `∏f = 1`, the constant error carousel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carry {
    /// Where the factor comes from.
    pub gate: CarryGate,
    /// What the path is called (`forget path`).
    pub what: &'static str,
}

/// Where a carry path's factor comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarryGate {
    /// A gate block, by its index in PyTorch's order (1 for both LSTM `f` and GRU `z`).
    Block(usize),
    /// No block: the gate `name` is identically 1, so the path is exactly 1 at every lag and
    /// there is no bias to set. `title` says so where a block's title would go.
    One {
        /// The gate the cell does without (`f`).
        name: &'static str,
        /// What people read in its place (`no forget gate: f ≡ 1`).
        title: &'static str,
    },
}

/// The theory curve drawn over a cell's gradient flow (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Theory {
    /// `ρ^k`: exact asymptotics (`rnn_linear`).
    Exact,
    /// `σ_max^k`: Pascanu et al.'s upper bound (`rnn_tanh`, `rnn_relu`).
    Bound,
    /// No curve (gated cells).
    None,
}

/// Everything fixed about a cell kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellInfo {
    /// Spec name (`rnn_tanh`).
    pub name: &'static str,
    /// Label people read (`RNN tanh`).
    pub label: &'static str,
    /// Short label for the unrolled chain (`tanh`).
    pub short: &'static str,
    /// The PyTorch module it matches, or `None` (`rnn_linear`, `lstm_no_forget`).
    pub torch: Option<&'static str>,
    /// Gate blocks stacked in `weight_ih`/`weight_hh`, in PyTorch's order.
    pub blocks: &'static [SeriesInfo],
    /// The carry gate of a gated cell (`None` for the plain RNNs).
    pub carry: Option<Carry>,
    /// Recorded states, in the trace's order (LSTM `c h`).
    pub states: &'static [SeriesInfo],
    /// The theory curve of its gradient flow.
    pub theory: Theory,
    /// Its colour in every chart and on the page (Okabe–Ito, see `chart::OKABE_ITO`).
    pub color: [u8; 3],
    /// Its squashing is bounded (tanh), so large pre-activations saturate it and shrink the
    /// Jacobian: a spectral radius above 1 need not make its gradient explode.
    pub saturates: bool,
    /// The step's equations for one unit, as the page shows them: `{{x}}` is series `x` at step
    /// t, `{{x@-1}}` at step t − 1, `{{1-x}}` is 1 − x (see `www/js/chain.js`).
    pub equations: &'static [&'static str],
}

const fn series(name: &'static str, title: &'static str, scale: HeatScale) -> SeriesInfo {
    SeriesInfo { name, title, scale }
}

const H_TANH: SeriesInfo = series("h", "hidden state h", HeatScale::Tanh);
const H_FIT: SeriesInfo = series("h", "hidden state h", HeatScale::Fit);

static RNN_TANH: CellInfo = CellInfo {
    name: "rnn_tanh",
    label: "RNN tanh",
    short: "tanh",
    torch: Some("torch.nn.RNN(nonlinearity='tanh')"),
    blocks: &[H_TANH],
    carry: None,
    states: &[H_TANH],
    theory: Theory::Bound,
    color: [0x00, 0x72, 0xB2],
    saturates: true,
    equations: &[
        "a = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh = {{pre_h}}",
        "h_t = tanh(a) = {{h}}      (h_{t−1} = {{h@-1}})",
    ],
};

static RNN_RELU: CellInfo = CellInfo {
    name: "rnn_relu",
    label: "RNN ReLU",
    short: "ReLU",
    torch: Some("torch.nn.RNN(nonlinearity='relu')"),
    blocks: &[H_FIT],
    carry: None,
    states: &[H_FIT],
    theory: Theory::Bound,
    color: [0xD5, 0x5E, 0x00],
    saturates: false,
    equations: &[
        "a = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh = {{pre_h}}",
        "h_t = relu(a) = {{h}}      (h_{t−1} = {{h@-1}})",
    ],
};

static RNN_LINEAR: CellInfo = CellInfo {
    name: "rnn_linear",
    label: "RNN linear",
    short: "linear",
    torch: None,
    blocks: &[H_FIT],
    carry: None,
    states: &[H_FIT],
    theory: Theory::Exact,
    color: [0xCC, 0x79, 0xA7],
    saturates: false,
    equations: &[
        "a = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh = {{pre_h}}",
        "h_t = a = {{h}}      (h_{t−1} = {{h@-1}})",
    ],
};

static LSTM: CellInfo = CellInfo {
    name: "lstm",
    label: "LSTM",
    short: "LSTM",
    torch: Some("torch.nn.LSTM"),
    blocks: &[
        series("i", "input gate i", HeatScale::Unit),
        series("f", "forget gate f", HeatScale::Unit),
        series("g", "cell candidate g", HeatScale::Tanh),
        series("o", "output gate o", HeatScale::Unit),
    ],
    carry: Some(Carry {
        gate: CarryGate::Block(1),
        what: "forget path",
    }),
    states: &[series("c", "cell state c", HeatScale::Fit), H_TANH],
    theory: Theory::None,
    color: [0x00, 0x9E, 0x73],
    saturates: true,
    equations: &[
        "i = σ({{pre_i}}) = {{i}}     f = σ({{pre_f}}) = {{f}}",
        "g = tanh({{pre_g}}) = {{g}}  o = σ({{pre_o}}) = {{o}}",
        "c_t = f·c_{t−1} + i·g = {{f}}×{{c@-1}} + {{i}}×{{g}} = {{c}}",
        "h_t = o·tanh(c_t) = {{o}}×tanh({{c}}) = {{h}}",
    ],
};

static LSTM_NO_FORGET: CellInfo = CellInfo {
    name: "lstm_no_forget",
    label: "LSTM, no forget gate (1997)",
    short: "LSTM’97",
    torch: None,
    blocks: &[
        series("i", "input gate i", HeatScale::Unit),
        series("g", "cell candidate g", HeatScale::Tanh),
        series("o", "output gate o", HeatScale::Unit),
    ],
    carry: Some(Carry {
        gate: CarryGate::One {
            name: "f",
            title: "no forget gate: f ≡ 1",
        },
        what: "constant error carousel",
    }),
    states: &[series("c", "cell state c", HeatScale::Fit), H_TANH],
    theory: Theory::None,
    color: [0x56, 0xB4, 0xE9],
    saturates: true,
    equations: &[
        "i = σ({{pre_i}}) = {{i}}     g = tanh({{pre_g}}) = {{g}}",
        "o = σ({{pre_o}}) = {{o}}     f ≡ 1 (no forget gate)",
        "c_t = c_{t−1} + i·g = {{c@-1}} + {{i}}×{{g}} = {{c}}",
        "h_t = o·tanh(c_t) = {{o}}×tanh({{c}}) = {{h}}",
    ],
};

static GRU: CellInfo = CellInfo {
    name: "gru",
    label: "GRU",
    short: "GRU",
    torch: Some("torch.nn.GRU"),
    blocks: &[
        series("r", "reset gate r", HeatScale::Unit),
        series("z", "update gate z", HeatScale::Unit),
        series("n", "new gate n", HeatScale::Tanh),
    ],
    carry: Some(Carry {
        gate: CarryGate::Block(1),
        what: "z carry",
    }),
    states: &[H_TANH],
    theory: Theory::None,
    color: [0xE6, 0x9F, 0x00],
    saturates: true,
    equations: &[
        "r = σ({{pre_r}}) = {{r}}     z = σ({{pre_z}}) = {{z}}",
        "n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)) = tanh({{pre_n}}) = {{n}}",
        "h_t = (1−z)·n + z·h_{t−1} = {{1-z}}×{{n}} + {{z}}×{{h@-1}} = {{h}}",
    ],
};

impl CellKind {
    /// This kind's row of the cell table.
    pub fn info(self) -> &'static CellInfo {
        match self {
            CellKind::RnnTanh => &RNN_TANH,
            CellKind::RnnRelu => &RNN_RELU,
            CellKind::RnnLinear => &RNN_LINEAR,
            CellKind::Lstm => &LSTM,
            CellKind::LstmNoForget => &LSTM_NO_FORGET,
            CellKind::Gru => &GRU,
        }
    }

    /// The spec names joined for an error message:
    /// `rnn_tanh, rnn_relu, rnn_linear, lstm, lstm_no_forget or gru`.
    pub fn expected_list() -> String {
        let names: Vec<&str> = CellKind::ALL.iter().map(|k| k.name()).collect();
        or_list(&names)
    }

    /// The spec names joined by commas: `rnn_tanh, rnn_relu, rnn_linear, lstm, lstm_no_forget, gru`.
    pub fn name_list() -> String {
        let names: Vec<&str> = CellKind::ALL.iter().map(|k| k.name()).collect();
        names.join(", ")
    }
}

impl CellInfo {
    /// `true` for cells with gates (more than one block).
    pub fn gated(&self) -> bool {
        self.blocks.len() > 1
    }

    /// The recorded series a heatmap can show, in the trace's order: the gate blocks of a gated
    /// cell (a plain RNN's one block is its state `h`), then the states.
    pub fn heatmap_series(&self) -> impl Iterator<Item = &'static SeriesInfo> {
        let blocks: &'static [SeriesInfo] = if self.gated() { self.blocks } else { &[] };
        blocks.iter().chain(self.states)
    }

    /// The entry of a gate block or state by name.
    pub fn series(&self, name: &str) -> Option<&'static SeriesInfo> {
        self.heatmap_series().find(|s| s.name == name)
    }

    /// The colour as CSS hex (`#0072b2`).
    pub fn css_color(&self) -> String {
        css_hex(self.color)
    }
}

/// Names joined for a message: `a`, `a or b`, `a, b or c`.
pub fn or_list(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

impl Carry {
    /// The heatmap scale of the carry path (a product of sigmoids, or 1: in `[0, 1]`).
    pub const SCALE: HeatScale = HeatScale::Unit;

    /// The gate block whose product is the path (`None`: the gate is fixed at 1).
    pub fn block(&self) -> Option<usize> {
        match self.gate {
            CarryGate::Block(k) => Some(k),
            CarryGate::One { .. } => None,
        }
    }

    /// The gate's value when it is fixed rather than a block (`Some(1.0)` for `f ≡ 1`).
    pub fn constant(&self) -> Option<f64> {
        match self.gate {
            CarryGate::Block(_) => None,
            CarryGate::One { .. } => Some(1.0),
        }
    }

    /// The carry gate's name (`f`), from its block in `cell`.
    pub fn name(&self, cell: &CellInfo) -> &'static str {
        match self.gate {
            CarryGate::Block(k) => cell.blocks[k].name,
            CarryGate::One { name, .. } => name,
        }
    }

    /// What people read for the gate: its block's title (`forget gate f`), or what stands in for
    /// a fixed one (`no forget gate: f ≡ 1`).
    pub fn gate_title(&self, cell: &CellInfo) -> &'static str {
        match self.gate {
            CarryGate::Block(k) => cell.blocks[k].title,
            CarryGate::One { title, .. } => title,
        }
    }

    /// The path's symbol: `∏f`.
    pub fn path(&self, cell: &CellInfo) -> String {
        format!("∏{}", self.name(cell))
    }

    /// Heatmap title of the path: `forget path ∏f (later steps)`, or for a fixed gate
    /// `constant error carousel ∏f, f ≡ 1 (later steps)`.
    pub fn title(&self, cell: &CellInfo) -> String {
        format!(
            "{} {}{} (later steps)",
            self.what,
            self.path(cell),
            self.fixed(cell)
        )
    }

    /// Legend of its largest unit against the lag: `forget path max ∏f`; a fixed gate's path is
    /// the same in every unit: `constant error carousel ∏f, f ≡ 1`.
    pub fn label(&self, cell: &CellInfo) -> String {
        match self.gate {
            CarryGate::Block(_) => format!("{} max {}", self.what, self.path(cell)),
            CarryGate::One { .. } => {
                format!("{} {}{}", self.what, self.path(cell), self.fixed(cell))
            }
        }
    }

    /// `, f ≡ 1` for a fixed gate, else empty.
    fn fixed(&self, cell: &CellInfo) -> String {
        match self.constant() {
            Some(v) => format!(", {} ≡ {v}", self.name(cell)),
            None => String::new(),
        }
    }
}

/// The spectral quantity a theory curve raises to the power `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// `ρ(W)`, the largest eigenvalue's modulus.
    SpectralRadius,
    /// `σ_max(W)`, the largest singular value.
    MaxSingularValue,
}

impl Base {
    /// This base out of `(ρ, σ_max)`.
    pub fn of(self, rho: f64, sigma_max: f64) -> f64 {
        match self {
            Base::SpectralRadius => rho,
            Base::MaxSingularValue => sigma_max,
        }
    }
}

impl Theory {
    /// The base `b` of the curve `b^k`: `ρ` (exact), `σ_max` (bound), or none.
    pub fn base(self) -> Option<Base> {
        match self {
            Theory::Exact => Some(Base::SpectralRadius),
            Theory::Bound => Some(Base::MaxSingularValue),
            Theory::None => None,
        }
    }

    /// What the curve is called in a legend (`theory ρ^k`, `bound σ_max^k`).
    pub fn label(self) -> Option<&'static str> {
        match self {
            Theory::Exact => Some("theory ρ^k"),
            Theory::Bound => Some("bound σ_max^k"),
            Theory::None => None,
        }
    }

    /// The curve for `k = 0..n` given `(ρ, σ_max)` (empty when there is no theory); see
    /// [`curve`].
    pub fn curve(self, anchor: f64, rho: f64, sigma_max: f64, n: usize) -> Vec<f64> {
        self.base()
            .map_or_else(Vec::new, |b| curve(anchor, b.of(rho, sigma_max), n))
    }
}

/// The theory curve `θ_k = m_0 · b^k` for `k = 0..n`, anchored at the measured lag-0 value `m_0`.
pub fn curve(anchor: f64, base: f64, n: usize) -> Vec<f64> {
    (0..n).map(|k| anchor * base.powi(k as i32)).collect()
}

/// A colour as CSS hex, `[0, 114, 178]` → `"#0072b2"`.
pub fn css_hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The carry gate as the page reads it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CarryRow {
    /// Block index, or null when the gate is fixed (no block, no bias to set).
    pub block: Option<usize>,
    /// Gate name (`f`).
    pub name: &'static str,
    /// Heatmap title of the path (`forget path ∏f (later steps)`).
    pub title: String,
    /// The path's symbol (`∏f`).
    pub path: String,
    /// What people read for the gate (`forget gate f`, `no forget gate: f ≡ 1`).
    pub gate: &'static str,
    /// The gate's fixed value (1), or null for a gate block: the page uses it where it would
    /// average the gate's series.
    pub constant: Option<f64>,
}

/// One row of the cell table as the page reads it (plain names, CSS colour).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellRow {
    /// Spec name.
    pub name: &'static str,
    /// Label.
    pub label: &'static str,
    /// Short label for the chain view.
    pub short: &'static str,
    /// CSS hex colour.
    pub color: String,
    /// PyTorch module, or null.
    pub torch: Option<&'static str>,
    /// Gate blocks in PyTorch's order.
    pub blocks: &'static [SeriesInfo],
    /// Carry gate, or null.
    pub carry: Option<CarryRow>,
    /// Recorded states.
    pub states: &'static [SeriesInfo],
    /// `exact`, `bound` or `none`.
    pub theory: Theory,
    /// More than one block.
    pub gated: bool,
    /// Bounded squashing (tanh) that saturates.
    pub saturates: bool,
    /// The step's equations with `{{series}}` placeholders.
    pub equations: &'static [&'static str],
}

/// The cell table in [`CellKind::ALL`] order, for the page.
pub fn table() -> Vec<CellRow> {
    CellKind::ALL.iter().map(|k| row(k.info())).collect()
}

fn row(i: &'static CellInfo) -> CellRow {
    CellRow {
        name: i.name,
        label: i.label,
        short: i.short,
        color: i.css_color(),
        torch: i.torch,
        blocks: i.blocks,
        carry: i.carry.map(|c| CarryRow {
            block: c.block(),
            name: c.name(i),
            title: c.title(i),
            path: c.path(i),
            gate: c.gate_title(i),
            constant: c.constant(),
        }),
        states: i.states,
        theory: i.theory,
        gated: i.gated(),
        saturates: i.saturates,
        equations: i.equations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equations_name_only_series_the_cell_records() {
        for k in CellKind::ALL {
            let i = k.info();
            for line in i.equations {
                for part in line.split("{{").skip(1) {
                    let name = part.split("}}").next().unwrap();
                    let name = name.trim_start_matches("1-").trim_end_matches("@-1");
                    let known = i.series(name).is_some()
                        || i.blocks.iter().any(|b| name == format!("pre_{}", b.name));
                    assert!(known, "{}: {name} in {line:?}", i.name);
                }
            }
            assert!(!i.equations.is_empty());
        }
        let saturating: Vec<_> = CellKind::ALL
            .iter()
            .filter(|k| k.info().saturates)
            .collect();
        assert_eq!(
            saturating,
            [
                &CellKind::RnnTanh,
                &CellKind::Lstm,
                &CellKind::LstmNoForget,
                &CellKind::Gru
            ]
        );
    }

    #[test]
    fn names_are_unique_and_parse_back() {
        for k in CellKind::ALL {
            assert_eq!(CellKind::from_name(k.name()), Some(k));
            assert_eq!(k.info().name, k.name());
        }
        assert_eq!(
            CellKind::expected_list(),
            "rnn_tanh, rnn_relu, rnn_linear, lstm, lstm_no_forget or gru"
        );
        assert_eq!(
            CellKind::name_list(),
            "rnn_tanh, rnn_relu, rnn_linear, lstm, lstm_no_forget, gru"
        );
        assert_eq!(CellKind::cell_state_list(), "lstm or lstm_no_forget");
        assert_eq!(or_list(&["a"]), "a");
        assert_eq!(or_list(&[]), "");
    }

    #[test]
    fn carry_gates_are_lstm_f_gru_z_and_a_fixed_f() {
        let carry = |k: CellKind| {
            let i = k.info();
            i.carry
                .map(|c| (c.block(), c.name(i), c.path(i), c.title(i)))
        };
        assert_eq!(
            carry(CellKind::Lstm),
            Some((
                Some(1),
                "f",
                "∏f".into(),
                "forget path ∏f (later steps)".into()
            ))
        );
        assert_eq!(
            carry(CellKind::Gru),
            Some((Some(1), "z", "∏z".into(), "z carry ∏z (later steps)".into()))
        );
        // The 1997 LSTM: the path ∏f with f ≡ 1, no block behind it.
        assert_eq!(
            carry(CellKind::LstmNoForget),
            Some((
                None,
                "f",
                "∏f".into(),
                "constant error carousel ∏f, f ≡ 1 (later steps)".into()
            ))
        );
        let cec = CellKind::LstmNoForget.info();
        let c = cec.carry.unwrap();
        assert_eq!(c.constant(), Some(1.0));
        assert_eq!(c.label(cec), "constant error carousel ∏f, f ≡ 1");
        assert_eq!(c.gate_title(cec), "no forget gate: f ≡ 1");
        assert!(cec.series("f").is_none(), "no f series to average");
        let lstm = CellKind::Lstm.info();
        let f = lstm.carry.unwrap();
        assert_eq!(f.constant(), None);
        assert_eq!(f.label(lstm), "forget path max ∏f");
        assert_eq!(f.gate_title(lstm), "forget gate f");
        for k in [CellKind::RnnTanh, CellKind::RnnRelu, CellKind::RnnLinear] {
            assert_eq!(carry(k), None);
            assert!(!k.info().gated());
        }
        let forget: Vec<_> = CellKind::ALL
            .into_iter()
            .filter_map(|k| k.forget_block().map(|b| (k, b)))
            .collect();
        assert_eq!(forget, [(CellKind::Lstm, 1)]);
    }

    #[test]
    fn heatmap_series_follow_the_trace_order() {
        let names =
            |k: CellKind| -> Vec<&str> { k.info().heatmap_series().map(|s| s.name).collect() };
        assert_eq!(names(CellKind::Lstm), ["i", "f", "g", "o", "c", "h"]);
        assert_eq!(names(CellKind::LstmNoForget), ["i", "g", "o", "c", "h"]);
        assert_eq!(names(CellKind::Gru), ["r", "z", "n", "h"]);
        assert_eq!(names(CellKind::RnnRelu), ["h"]);
        let f = CellKind::Lstm.info().series("f").unwrap();
        assert_eq!((f.title, f.scale), ("forget gate f", HeatScale::Unit));
    }

    #[test]
    fn series_per_step_counts_what_the_trace_writes() {
        // LSTM i f g o c h + pre i f g o + carry; the 1997 LSTM i g o c h + pre i g o + carry
        // (all 1); GRU r z n h + pre r z n hn + carry; RNN h + pre h.
        let counts: Vec<usize> = CellKind::ALL
            .iter()
            .map(|&k| crate::spec::series_per_step(k))
            .collect();
        assert_eq!(counts, [2, 2, 2, 11, 9, 9]);
    }

    #[test]
    fn theory_curve_is_anchored_at_lag_zero() {
        let c = Theory::Exact.curve(2.0, 0.5, 9.0, 3);
        assert_eq!(c, [2.0, 1.0, 0.5]);
        assert_eq!(Theory::Bound.curve(1.0, 0.5, 3.0, 3), [1.0, 3.0, 9.0]);
        assert!(Theory::None.curve(1.0, 0.5, 3.0, 3).is_empty());
    }

    #[test]
    fn the_table_serialises_with_the_documented_keys() {
        let v = serde_json::to_value(table()).unwrap();
        assert_eq!(v.as_array().unwrap().len(), CellKind::ALL.len());
        let lstm = &v[3];
        let mut keys: Vec<&str> = lstm
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "blocks",
                "carry",
                "color",
                "equations",
                "gated",
                "label",
                "name",
                "saturates",
                "short",
                "states",
                "theory",
                "torch"
            ]
        );
        assert_eq!(lstm["color"], "#009e73");
        assert_eq!(lstm["blocks"][1]["title"], "forget gate f");
        assert_eq!(lstm["blocks"][2]["scale"], "tanh");
        assert_eq!(lstm["carry"]["path"], "∏f");
        assert_eq!(lstm["states"][0]["scale"], "fit");
        assert_eq!(lstm["theory"], "none");
        assert_eq!(lstm["carry"]["block"], 1);
        assert_eq!(lstm["carry"]["gate"], "forget gate f");
        assert_eq!(lstm["carry"]["constant"], serde_json::Value::Null);
        let cec = &v[4];
        assert_eq!(cec["name"], "lstm_no_forget");
        assert_eq!(cec["torch"], serde_json::Value::Null);
        assert_eq!(cec["color"], "#56b4e9");
        assert_eq!(cec["carry"]["block"], serde_json::Value::Null);
        assert_eq!(cec["carry"]["constant"], 1.0);
        assert_eq!(cec["carry"]["path"], "∏f");
        assert_eq!(cec["theory"], "none");
        assert_eq!(cec["states"], lstm["states"]);
        assert_eq!(v[2]["torch"], serde_json::Value::Null);
        assert_eq!(v[2]["carry"], serde_json::Value::Null);
        assert_eq!(v[2]["theory"], "exact");
        assert_eq!(v[0]["theory"], "bound");
    }
}
