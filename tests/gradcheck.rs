//! Finite-difference checks of everything `bptt::backward` and `bptt::analyse` return.
//!
//! The scalar loss of every check is the one `backward` differentiates:
//!
//! ```text
//! L = Σ grad_output ⊙ output + Σ grad_h_n ⊙ h_n + Σ grad_c_n ⊙ c_n
//! ```
//!
//! with random upstream tensors (also non-zero at padded positions, which the loss ignores
//! because the output is 0 there). A derivative `∂L/∂θ` is estimated by the central difference
//! `(L(θ + ε) − L(θ − ε)) / 2ε` with `ε = 1e−6`: its truncation error is `ε²/6 · L'''` ≈ 1e−12
//! and its rounding error `|L| · 1e−16 / ε` ≈ 1e−9 for `|L|` ≈ 10, so a tolerance of
//! `1e−6 · max(1, scale)` (scale: the largest analytic entry of the tensor) leaves three orders
//! of magnitude of room while still catching any wrong term.
//!
//! Every configuration: each cell kind, 1 or 2 layers, one or two directions, `B = 3` sequences
//! of unsorted lengths `[3, 5, 1]` padded to `T = 5`, `I = 3`, `H = 4`, random `h0`/`c0`, and
//! for 2 layers both evaluation mode and training mode with dropout `p = 0.3` (a fixed seed
//! fixes the masks, so `L` is still a smooth function of everything else).

// Index loops over parallel arrays read like the formulas they check.
#![allow(clippy::needless_range_loop)]

use unrolled::bptt::{self, Analysis, Backward, Upstream};
use unrolled::cell::CellKind;
use unrolled::init::{init_network, InitConfig};
use unrolled::network::{Architecture, Batch, Dropout, Forward, InitialState, Network};
use unrolled::rng::Rng;
use unrolled::spectral;

const EPS: f64 = 1e-6;
const TOL: f64 = 1e-6;
const I: usize = 3;
const H: usize = 4;
const T: usize = 5;
const LENGTHS: [usize; 3] = [3, 5, 1];

struct Case {
    name: String,
    net: Network,
    batch: Batch,
    state: InitialState,
    up: Upstream,
    dropout: Option<Dropout>,
}

fn randn(rng: &mut Rng, n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|_| scale * rng.normal()).collect()
}

fn make_case(cell: CellKind, num_layers: usize, bidirectional: bool, train: bool) -> Case {
    let arch = Architecture {
        cell,
        input_size: I,
        hidden_size: H,
        num_layers,
        bidirectional,
    };
    let seed = 17 + num_layers as u64 * 2 + bidirectional as u64;
    let mut net = init_network(
        arch,
        &InitConfig {
            seed,
            ..Default::default()
        },
    )
    .unwrap();
    // PyTorch's U(−1/2, 1/2) for H = 4 is a little tame; stretch the recurrent weights so the
    // nonlinearities are exercised away from their linear regime.
    for p in &mut net.layers {
        p.weight_hh.iter_mut().for_each(|v| *v *= 1.8);
    }
    let mut rng = Rng::new(seed + 1000);
    let bsz = LENGTHS.len();
    let ld = num_layers * arch.directions();
    let state_len = ld * bsz * H;
    let out_len = bsz * T * arch.directions() * H;
    let lstm = cell.has_cell_state();
    Case {
        name: format!(
            "{} layers={num_layers} bidirectional={bidirectional} train={train}",
            cell.name()
        ),
        batch: Batch {
            input: randn(&mut rng, bsz * T * I, 1.0),
            batch: bsz,
            steps: T,
            lengths: LENGTHS.to_vec(),
        },
        state: InitialState {
            h0: Some(randn(&mut rng, state_len, 0.5)),
            c0: lstm.then(|| randn(&mut rng, state_len, 0.5)),
        },
        up: Upstream {
            grad_output: Some(randn(&mut rng, out_len, 1.0)),
            grad_h_n: Some(randn(&mut rng, state_len, 1.0)),
            grad_c_n: lstm.then(|| randn(&mut rng, state_len, 1.0)),
        },
        dropout: train.then_some(Dropout::new(0.3, 5)),
        net,
    }
}

/// Every configuration the checks run on.
fn all_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for cell in CellKind::ALL {
        for num_layers in [1, 2] {
            for bidirectional in [false, true] {
                out.push(make_case(cell, num_layers, bidirectional, false));
                if num_layers == 2 {
                    out.push(make_case(cell, num_layers, bidirectional, true));
                }
            }
        }
    }
    out
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn loss_of(f: &Forward, up: &Upstream) -> f64 {
    let mut l = dot(up.grad_output.as_ref().unwrap(), &f.output);
    l += dot(up.grad_h_n.as_ref().unwrap(), &f.h_n);
    if let Some(g) = &up.grad_c_n {
        l += dot(g, &f.c_n);
    }
    l
}

fn engine_loss(net: &Network, batch: &Batch, state: &InitialState, c: &Case) -> f64 {
    loss_of(&net.forward(batch, state, c.dropout), &c.up)
}

fn pick<'a>(s: &'a mut InitialState, which: &str) -> &'a mut Vec<f64> {
    if which == "h0" {
        s.h0.as_mut().unwrap()
    } else {
        s.c0.as_mut().unwrap()
    }
}

fn close(fd: f64, an: f64, scale: f64) -> bool {
    (fd - an).abs() <= TOL * scale.max(1.0)
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Central differences of the engine's loss with respect to every parameter entry, every input
/// entry (padded positions included: their derivative is 0), every `h0` and `c0` entry,
/// compared with `backward`'s gradients.
#[test]
fn gradients_match_finite_differences() {
    for c in all_cases() {
        let fwd = c.net.forward(&c.batch, &c.state, c.dropout);
        if c.dropout.is_some() {
            let m = fwd.dropout_masks[0]
                .as_ref()
                .expect("training mode has masks");
            assert!(m.contains(&0.0) && m.iter().any(|v| *v > 1.0));
        }
        let bw = bptt::backward(&c.net, &c.batch, &fwd, &c.up);
        let mut checked = 0usize;
        for (i, (name, _shape)) in c.net.arch.param_shapes().iter().enumerate() {
            let kind = unrolled::network::PARAM_KINDS[i % 4];
            let an = bw.grads.params[i / 4].get(kind);
            let scale = max_abs(an);
            let len = c.net.param(name).unwrap().len();
            assert_eq!(an.len(), len, "{}: {name}", c.name);
            for k in 0..len {
                let mut plus = c.net.clone();
                plus.param_mut(name).unwrap()[k] += EPS;
                let mut minus = c.net.clone();
                minus.param_mut(name).unwrap()[k] -= EPS;
                let fd = (engine_loss(&plus, &c.batch, &c.state, &c)
                    - engine_loss(&minus, &c.batch, &c.state, &c))
                    / (2.0 * EPS);
                assert!(
                    close(fd, an[k], scale),
                    "{}: {name}[{k}]: finite difference {fd} vs backward {}",
                    c.name,
                    an[k]
                );
                checked += 1;
            }
        }
        let scale = max_abs(&bw.grads.input);
        for k in 0..c.batch.input.len() {
            let (mut plus, mut minus) = (c.batch.clone(), c.batch.clone());
            plus.input[k] += EPS;
            minus.input[k] -= EPS;
            let fd = (engine_loss(&c.net, &plus, &c.state, &c)
                - engine_loss(&c.net, &minus, &c.state, &c))
                / (2.0 * EPS);
            let an = bw.grads.input[k];
            assert!(
                close(fd, an, scale),
                "{}: input[{k}]: finite difference {fd} vs backward {an}",
                c.name
            );
            checked += 1;
        }
        for which in ["h0", "c0"] {
            let (base, an) = if which == "h0" {
                (c.state.h0.as_ref(), &bw.grads.h0)
            } else {
                (c.state.c0.as_ref(), &bw.grads.c0)
            };
            let Some(base) = base else {
                assert!(
                    an.is_empty(),
                    "{}: c0 gradient for a cell without c",
                    c.name
                );
                continue;
            };
            assert_eq!(an.len(), base.len());
            let scale = max_abs(an);
            for k in 0..base.len() {
                let (mut plus, mut minus) = (c.state.clone(), c.state.clone());
                pick(&mut plus, which)[k] += EPS;
                pick(&mut minus, which)[k] -= EPS;
                let fd = (engine_loss(&c.net, &c.batch, &plus, &c)
                    - engine_loss(&c.net, &c.batch, &minus, &c))
                    / (2.0 * EPS);
                assert!(
                    close(fd, an[k], scale),
                    "{}: {which}[{k}]: finite difference {fd} vs backward {}",
                    c.name,
                    an[k]
                );
                checked += 1;
            }
        }
        let expected: usize = c
            .net
            .layers
            .iter()
            .map(|p| p.weight_ih.len() + p.weight_hh.len() + p.bias_ih.len() + p.bias_hh.len())
            .sum::<usize>()
            + c.batch.input.len()
            + bw.grads.h0.len()
            + bw.grads.c0.len();
        assert_eq!(checked, expected, "{}: entries checked", c.name);
    }
}

// ---------------------------------------------------------------------------------------------
// A perturbable reference forward pass.
//
// The per-step records are derivatives with respect to intermediate quantities (h_t, c_t, the
// hidden projection at step t) that the network API does not expose as inputs. The test
// therefore carries its own forward pass, written from the cell equations in `docs/spec.md`
// (PyTorch's definitions), one sequence at a time, with a hook that adds ε to one entry of
//
// - `H`:  h_t after it is computed (before the output, the next step and the layer above read
//         it). The derivative of L is the total ∂L/∂h_t; for the LSTM c_t is left unchanged, so
//         it is ∂L/∂h_t with c_t an independent variable, exactly the `dh` BPTT propagates.
// - `C`:  c_t after `c_t = f ⊙ c_{t−1} + i ⊙ g` (f ≡ 1 for `lstm_no_forget`) and before
//         `h_t = o ⊙ tanh c_t`: the total
//         ∂L/∂c_t, through h_t and through the later steps (what `grad_c_norm` records).
// - `Hp`: the hidden projection `W_hh h_{t−1} + b_hh` of the step (all G·H entries): its
//         derivative is δ_t, the vector `w_hh_grad_contribution = ‖δ_t‖₂ ‖h_{t−1}‖₂` is built from.
//
// Before it is used, the reference pass is checked against `Network::forward` (output, h_n,
// c_n to 1e−12), so the function differentiated is the engine's function.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Site {
    H,
    C,
    Hp,
}

#[derive(Clone, Copy, Debug)]
struct Hook {
    idx: usize,
    pos: usize,
    site: Site,
    j: usize,
    eps: f64,
}

struct RefRun {
    loss: f64,
    /// Top layer output, `n × D·H`.
    top: Vec<Vec<f64>>,
    /// Per layer × direction: final h and c.
    h_last: Vec<Vec<f64>>,
    c_last: Vec<Vec<f64>>,
    /// Per layer × direction and original position: post-activation gates and h_{t−1}.
    gates: Vec<Vec<Vec<f64>>>,
    h_prev: Vec<Vec<Vec<f64>>>,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn ref_forward(c: &Case, fwd: &Forward, b: usize, hook: Option<Hook>) -> RefRun {
    let arch = c.net.arch;
    let (dirs, g) = (arch.directions(), arch.cell.gates());
    let gh = g * H;
    let n = c.batch.lengths[b];
    let lstm = arch.cell.has_cell_state();
    let bsz = c.batch.batch;
    let mut inp: Vec<Vec<f64>> = (0..n)
        .map(|p| c.batch.input[(b * T + p) * I..][..I].to_vec())
        .collect();
    let ld = arch.num_layers * dirs;
    let mut run = RefRun {
        loss: 0.0,
        top: Vec::new(),
        h_last: vec![Vec::new(); ld],
        c_last: vec![Vec::new(); ld],
        gates: vec![vec![Vec::new(); n]; ld],
        h_prev: vec![vec![Vec::new(); n]; ld],
    };
    let hit = |idx: usize, pos: usize, site: Site| {
        hook.filter(|h| h.idx == idx && h.pos == pos && h.site == site)
    };
    for l in 0..arch.num_layers {
        let in_size = arch.layer_input_size(l);
        let mut out = vec![vec![0.0; dirs * H]; n];
        for d in 0..dirs {
            let idx = l * dirs + d;
            let p = &c.net.layers[idx];
            let st = (idx * bsz + b) * H..(idx * bsz + b + 1) * H;
            let mut h = c.state.h0.as_ref().unwrap()[st.clone()].to_vec();
            let mut cs = if lstm {
                c.state.c0.as_ref().unwrap()[st].to_vec()
            } else {
                Vec::new()
            };
            for s in 0..n {
                let pos = if d == 0 { s } else { n - 1 - s };
                let x = &inp[pos];
                let xp: Vec<f64> = (0..gh)
                    .map(|k| p.bias_ih[k] + dot(&p.weight_ih[k * in_size..][..in_size], x))
                    .collect();
                let mut hp: Vec<f64> = (0..gh)
                    .map(|k| p.bias_hh[k] + dot(&p.weight_hh[k * H..][..H], &h))
                    .collect();
                if let Some(hk) = hit(idx, pos, Site::Hp) {
                    hp[hk.j] += hk.eps;
                }
                run.h_prev[idx][pos] = h.clone();
                let mut gates = vec![0.0; gh];
                let mut hn = vec![0.0; H];
                match arch.cell {
                    CellKind::RnnTanh | CellKind::RnnRelu | CellKind::RnnLinear => {
                        for j in 0..H {
                            let a = xp[j] + hp[j];
                            hn[j] = match arch.cell {
                                CellKind::RnnTanh => a.tanh(),
                                CellKind::RnnRelu => a.max(0.0),
                                _ => a,
                            };
                            gates[j] = hn[j];
                        }
                    }
                    CellKind::Lstm => {
                        for j in 0..H {
                            let ig = sigmoid(xp[j] + hp[j]);
                            let fg = sigmoid(xp[H + j] + hp[H + j]);
                            let gg = (xp[2 * H + j] + hp[2 * H + j]).tanh();
                            let og = sigmoid(xp[3 * H + j] + hp[3 * H + j]);
                            gates[j] = ig;
                            gates[H + j] = fg;
                            gates[2 * H + j] = gg;
                            gates[3 * H + j] = og;
                            cs[j] = fg * cs[j] + ig * gg;
                        }
                        if let Some(hk) = hit(idx, pos, Site::C) {
                            cs[hk.j] += hk.eps;
                        }
                        for j in 0..H {
                            hn[j] = gates[3 * H + j] * cs[j].tanh();
                        }
                    }
                    CellKind::LstmNoForget => {
                        // The 1997 LSTM: blocks i g o, f ≡ 1.
                        for j in 0..H {
                            let ig = sigmoid(xp[j] + hp[j]);
                            let gg = (xp[H + j] + hp[H + j]).tanh();
                            let og = sigmoid(xp[2 * H + j] + hp[2 * H + j]);
                            gates[j] = ig;
                            gates[H + j] = gg;
                            gates[2 * H + j] = og;
                            cs[j] += ig * gg;
                        }
                        if let Some(hk) = hit(idx, pos, Site::C) {
                            cs[hk.j] += hk.eps;
                        }
                        for j in 0..H {
                            hn[j] = gates[2 * H + j] * cs[j].tanh();
                        }
                    }
                    CellKind::Gru => {
                        for j in 0..H {
                            let r = sigmoid(xp[j] + hp[j]);
                            let z = sigmoid(xp[H + j] + hp[H + j]);
                            let nn = (xp[2 * H + j] + r * hp[2 * H + j]).tanh();
                            gates[j] = r;
                            gates[H + j] = z;
                            gates[2 * H + j] = nn;
                            hn[j] = (1.0 - z) * nn + z * h[j];
                        }
                    }
                }
                if let Some(hk) = hit(idx, pos, Site::H) {
                    hn[hk.j] += hk.eps;
                }
                h = hn;
                out[pos][d * H..(d + 1) * H].copy_from_slice(&h);
                run.gates[idx][pos] = gates;
            }
            run.h_last[idx] = h;
            run.c_last[idx] = cs;
        }
        if l + 1 < arch.num_layers {
            if let Some(Some(mask)) = fwd.dropout_masks.get(l) {
                for (pos, row) in out.iter_mut().enumerate() {
                    let m = &mask[(b * T + pos) * dirs * H..][..dirs * H];
                    row.iter_mut().zip(m).for_each(|(v, k)| *v *= k);
                }
            }
            inp = out;
        } else {
            run.top = out;
        }
    }
    let go = c.up.grad_output.as_ref().unwrap();
    for (pos, row) in run.top.iter().enumerate() {
        run.loss += dot(&go[(b * T + pos) * dirs * H..][..dirs * H], row);
    }
    for idx in 0..ld {
        let st = (idx * bsz + b) * H..(idx * bsz + b + 1) * H;
        run.loss += dot(
            &c.up.grad_h_n.as_ref().unwrap()[st.clone()],
            &run.h_last[idx],
        );
        if let Some(gc) = &c.up.grad_c_n {
            run.loss += dot(&gc[st], &run.c_last[idx]);
        }
    }
    run
}

fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: {got} vs {want}"
    );
}

/// The reference pass reproduces the engine's forward pass.
fn check_reference(c: &Case, fwd: &Forward) {
    let arch = c.net.arch;
    let dirs = arch.directions();
    let bsz = c.batch.batch;
    for b in 0..bsz {
        let r = ref_forward(c, fwd, b, None);
        for t in 0..T {
            for k in 0..dirs * H {
                let want = if t < c.batch.lengths[b] {
                    r.top[t][k]
                } else {
                    0.0
                };
                let got = fwd.output[(b * T + t) * dirs * H + k];
                assert_rel(
                    &format!("{}: output[{b}][{t}][{k}]", c.name),
                    got,
                    want,
                    1e-12,
                );
            }
        }
        for idx in 0..arch.num_layers * dirs {
            for j in 0..H {
                let at = (idx * bsz + b) * H + j;
                assert_rel("h_n", fwd.h_n[at], r.h_last[idx][j], 1e-12);
                if arch.cell.has_cell_state() {
                    assert_rel("c_n", fwd.c_n[at], r.c_last[idx][j], 1e-12);
                }
            }
        }
    }
}

/// `(f(+ε) − f(−ε)) / 2ε` of the reference loss and of the final state of the hooked layer ×
/// direction, for a hook at `(idx, pos, site, j)`.
fn central(
    c: &Case,
    fwd: &Forward,
    b: usize,
    idx: usize,
    pos: usize,
    site: Site,
    j: usize,
) -> (f64, Vec<f64>) {
    let hook = |eps| Hook {
        idx,
        pos,
        site,
        j,
        eps,
    };
    let plus = ref_forward(c, fwd, b, Some(hook(EPS)));
    let minus = ref_forward(c, fwd, b, Some(hook(-EPS)));
    let dl = (plus.loss - minus.loss) / (2.0 * EPS);
    let dh: Vec<f64> = plus.h_last[idx]
        .iter()
        .zip(&minus.h_last[idx])
        .map(|(p, m)| (p - m) / (2.0 * EPS))
        .collect();
    (dl, dh)
}

/// Every recorded per-step quantity against finite differences through the hooked reference
/// pass, at every valid (sequence, position) of every layer × direction; 0 at padded positions.
///
/// - `grad_h_norm[b][t] = ‖g‖₂` with `g_j = (L(h_t + ε e_j) − L(h_t − ε e_j)) / 2ε` (hook `H`);
/// - `grad_c_norm[b][t] = ‖g‖₂` with the hook `C` on c_t (LSTM);
/// - `w_hh_grad_contribution[b][t] = ‖δ‖₂ ‖h_{t−1}‖₂` with `δ_k = ∂L/∂hp_k` by the hook `Hp`
///   (k over all G·H entries of the step's hidden projection) and `h_{t−1}` the state the
///   reference pass fed into that step; and, tying δ to the parameter gradient, the identity
///   `Σ_{b,t} δ_{b,t} h_{b,t−1}ᵀ = ∂L/∂W_hh` and `Σ_{b,t} δ_{b,t} = ∂L/∂b_hh`;
/// - `jacobian_norm[b][t] = σ_max(J)` with `J[:, j] = (h_last(h_t + ε e_j) − h_last(h_t − ε e_j)) / 2ε`
///   (same hook `H`, so for the LSTM c_t is held fixed), `σ_max` by `spectral::singular_values`;
///   at the sequence's last step J = I and the norm is 1;
/// - `carry_path[b][t][j] = ∏ f_k,j` (LSTM) or `∏ z_k,j` (GRU) over the steps processed after t
///   (positions t+1..n for the forward direction, t−1..0 for the reverse), from the reference
///   pass's gates; exactly 1 for `lstm_no_forget` (f ≡ 1); `carry_path_norm = max_j carry_path`.
#[test]
fn per_step_records_match_finite_differences() {
    for c in all_cases() {
        let arch = c.net.arch;
        let fwd = c.net.forward(&c.batch, &c.state, c.dropout);
        check_reference(&c, &fwd);
        let bw: Backward = bptt::backward(&c.net, &c.batch, &fwd, &c.up);
        let an: Vec<Analysis> = bptt::analyse(&c.net, &c.batch, &fwd);
        let dirs = arch.directions();
        let gh = arch.gate_rows();
        let lstm = arch.cell.has_cell_state();
        let bsz = c.batch.batch;
        for idx in 0..arch.num_layers * dirs {
            let dir = idx % dirs;
            let flow = &bw.flow[idx];
            let a = &an[idx];
            assert!(flow.first_nonfinite.iter().all(Option::is_none));
            let mut dw = vec![0.0; gh * H];
            let mut db = vec![0.0; gh];
            for b in 0..bsz {
                let n = c.batch.lengths[b];
                let base = ref_forward(&c, &fwd, b, None);
                for pos in 0..T {
                    let at = b * T + pos;
                    let what = |q: &str| format!("{}: {q}[{idx}][{b}][{pos}]", c.name);
                    if pos >= n {
                        assert_eq!(flow.grad_h_norm[at], 0.0, "{}", what("grad_h_norm"));
                        assert_eq!(flow.w_hh_grad_contribution[at], 0.0);
                        assert_eq!(a.jacobian_norm[at], 0.0);
                        if lstm {
                            assert_eq!(flow.grad_c_norm[at], 0.0);
                        }
                        continue;
                    }
                    // ∂L/∂h_t and the Jacobian ∂h_last/∂h_t from the same perturbations.
                    let mut gh_vec = vec![0.0; H];
                    let mut jac = vec![0.0; H * H];
                    for j in 0..H {
                        let (dl, dh) = central(&c, &fwd, b, idx, pos, Site::H, j);
                        gh_vec[j] = dl;
                        for i in 0..H {
                            jac[i * H + j] = dh[i];
                        }
                    }
                    assert_rel(
                        &what("grad_h_norm"),
                        flow.grad_h_norm[at],
                        norm(&gh_vec),
                        TOL,
                    );
                    let sigma = spectral::singular_values(&jac, H, H).unwrap()[0];
                    assert_rel(&what("jacobian_norm"), a.jacobian_norm[at], sigma, TOL);
                    let last = if dir == 0 { n - 1 } else { 0 };
                    if pos == last {
                        assert_eq!(a.jacobian_norm[at], 1.0, "{}", what("jacobian_norm"));
                    }
                    if lstm {
                        let gc: Vec<f64> = (0..H)
                            .map(|j| central(&c, &fwd, b, idx, pos, Site::C, j).0)
                            .collect();
                        assert_rel(&what("grad_c_norm"), flow.grad_c_norm[at], norm(&gc), TOL);
                    }
                    let delta: Vec<f64> = (0..gh)
                        .map(|k| central(&c, &fwd, b, idx, pos, Site::Hp, k).0)
                        .collect();
                    let h_prev = &base.h_prev[idx][pos];
                    assert_rel(
                        &what("w_hh_grad_contribution"),
                        flow.w_hh_grad_contribution[at],
                        norm(&delta) * norm(h_prev),
                        TOL,
                    );
                    for k in 0..gh {
                        db[k] += delta[k];
                        for j in 0..H {
                            dw[k * H + j] += delta[k] * h_prev[j];
                        }
                    }
                    // Carry path from the gates of the steps processed after this one (the
                    // 1997 LSTM's f ≡ 1 has no block: its factor is 1).
                    let carry_factor = match arch.cell {
                        CellKind::Lstm | CellKind::Gru => Some(Some(1)),
                        CellKind::LstmNoForget => Some(None),
                        CellKind::RnnTanh | CellKind::RnnRelu | CellKind::RnnLinear => None,
                    };
                    if let Some(block) = carry_factor {
                        let later: Vec<usize> = if dir == 0 {
                            (pos + 1..n).collect()
                        } else {
                            (0..pos).collect()
                        };
                        let mut mx = 0.0f64;
                        for j in 0..H {
                            let want: f64 = later
                                .iter()
                                .map(|&k| block.map_or(1.0, |b| base.gates[idx][k][b * H + j]))
                                .product();
                            if block.is_none() {
                                assert_eq!(a.carry_path[at * H + j], 1.0, "{}", what("carry_path"));
                            }
                            let got = a.carry_path[at * H + j];
                            assert_rel(&what("carry_path"), got, want, 1e-12);
                            mx = mx.max(want);
                        }
                        assert_rel(&what("carry_path_norm"), a.carry_path_norm[at], mx, 1e-12);
                    }
                }
            }
            let g = &bw.grads.params[idx];
            let scale = max_abs(&g.weight_hh).max(max_abs(&g.bias_hh));
            for k in 0..gh * H {
                assert!(
                    close(dw[k], g.weight_hh[k], scale),
                    "{}: Σ δ h_prevᵀ [{idx}][{k}] = {} vs weight_hh grad {}",
                    c.name,
                    dw[k],
                    g.weight_hh[k]
                );
            }
            for k in 0..gh {
                assert!(
                    close(db[k], g.bias_hh[k], scale),
                    "{}: Σ δ vs bias_hh",
                    c.name
                );
            }
        }
    }
}

/// `jacobian_norm` through the engine's own API only (the suffix trick), for single-layer
/// networks in both directions.
///
/// For the forward direction, `h_last = h_n` depends on `h_t` only through the steps at
/// positions `t+1..n`: running the network on just those inputs with `h0 = h_t + ε e_j` and
/// `c0 = c_t` (the LSTM's cell state held fixed) gives `h_last(h_t + ε e_j)` as `h_n`. For the
/// reverse direction the later steps are positions `t−1..0`: the suffix batch is the inputs at
/// positions `0..t`, which the reverse direction visits from `t−1` down. An empty suffix (the
/// last step) gives `J = I`. `J[:, j]` is the central difference of the suffix run's `h_n`,
/// its spectral norm the largest of `spectral::singular_values`.
#[test]
fn jacobian_norm_matches_suffix_runs() {
    for c in all_cases()
        .into_iter()
        .filter(|c| c.net.arch.num_layers == 1)
    {
        let arch = c.net.arch;
        let dirs = arch.directions();
        let lstm = arch.cell.has_cell_state();
        let bsz = c.batch.batch;
        let fwd = c.net.forward(&c.batch, &c.state, None);
        let an = bptt::analyse(&c.net, &c.batch, &fwd);
        let mut nontrivial = 0;
        for (dir, a) in an.iter().enumerate().take(dirs) {
            let run = &fwd.runs[dir];
            for b in 0..bsz {
                let n = c.batch.lengths[b];
                for pos in 0..n {
                    let s = if dir == 0 { pos } else { n - 1 - pos };
                    let h_t = &run.h[((s + 1) * bsz + b) * H..][..H];
                    let c_t = if lstm {
                        run.c[((s + 1) * bsz + b) * H..][..H].to_vec()
                    } else {
                        Vec::new()
                    };
                    let suffix: Vec<usize> = if dir == 0 {
                        (pos + 1..n).collect()
                    } else {
                        (0..pos).collect()
                    };
                    let mut jac = vec![0.0; H * H];
                    if suffix.is_empty() {
                        for j in 0..H {
                            jac[j * H + j] = 1.0;
                        }
                    } else {
                        nontrivial += 1;
                        let mut input = Vec::new();
                        for &p in &suffix {
                            input.extend_from_slice(&c.batch.input[(b * T + p) * I..][..I]);
                        }
                        let sb = Batch {
                            input,
                            batch: 1,
                            steps: suffix.len(),
                            lengths: vec![suffix.len()],
                        };
                        let h_last = |eps: f64, j: usize| {
                            let mut h0 = vec![0.0; dirs * H];
                            h0[dir * H..(dir + 1) * H].copy_from_slice(h_t);
                            h0[dir * H + j] += eps;
                            let mut c0 = vec![0.0; dirs * H];
                            if lstm {
                                c0[dir * H..(dir + 1) * H].copy_from_slice(&c_t);
                            }
                            let st = InitialState {
                                h0: Some(h0),
                                c0: lstm.then_some(c0),
                            };
                            c.net.forward(&sb, &st, None).h_n[dir * H..(dir + 1) * H].to_vec()
                        };
                        for j in 0..H {
                            let (p, m) = (h_last(EPS, j), h_last(-EPS, j));
                            for i in 0..H {
                                jac[i * H + j] = (p[i] - m[i]) / (2.0 * EPS);
                            }
                        }
                    }
                    let sigma = spectral::singular_values(&jac, H, H).unwrap()[0];
                    assert_rel(
                        &format!("{}: jacobian_norm[{dir}][{b}][{pos}]", c.name),
                        a.jacobian_norm[b * T + pos],
                        sigma,
                        TOL,
                    );
                }
            }
        }
        assert!(nontrivial >= 5, "{}", c.name);
    }
}
