//! Properties of the engine that hold for every input: batching and direction symmetries, the
//! exact linear-RNN Jacobian, a saturated LSTM's constant error carousel and the 1997 LSTM's
//! (`lstm_no_forget`, an LSTM with f ≡ 1), the spectral tools,
//! overflow as a result, and gradient clipping.

// Native only: proptest (a native-only dev-dependency) pulls in getrandom, which has no
// wasm32-unknown-unknown backend; the wasm build is tested by tests/web.rs.
#![cfg(not(target_arch = "wasm32"))]
// Index loops over parallel arrays read like the formulas they check.
#![allow(clippy::needless_range_loop)]

use proptest::prelude::*;
use unrolled::bptt::{self, Analysis, Backward, Upstream};
use unrolled::cell::CellKind;
use unrolled::init::{init_network, InitConfig, Rescale, Scheme};
use unrolled::network::{Architecture, Batch, Forward, InitialState, Network};
use unrolled::rng::Rng;
use unrolled::spec::{self, ParamSource, Spec};
use unrolled::spectral;
use unrolled::train::clip::{clip_grad_norm, clip_grad_value};

fn randn(rng: &mut Rng, n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|_| scale * rng.normal()).collect()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `|got − want| ≤ tol · max(1, |want|)`, NaN-aware (both NaN counts as equal).
fn close(got: f64, want: f64, tol: f64) -> bool {
    (got.is_nan() && want.is_nan()) || (got - want).abs() <= tol * want.abs().max(1.0)
}

fn assert_all_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w, tol), "{what}[{k}]: {g} vs {w}");
    }
}

/// A random network, batch, initial state and upstream gradients.
struct Setup {
    net: Network,
    batch: Batch,
    state: InitialState,
    up: Upstream,
}

fn setup(arch: Architecture, bsz: usize, steps: usize, seed: u64) -> Setup {
    let net = init_network(
        arch,
        &InitConfig {
            seed,
            ..Default::default()
        },
    )
    .unwrap();
    let mut rng = Rng::new(seed ^ 0x5eed);
    let lengths: Vec<usize> = (0..bsz).map(|_| 1 + rng.below(steps)).collect();
    let ld = arch.num_layers * arch.directions();
    let sl = ld * bsz * arch.hidden_size;
    let lstm = arch.cell.has_cell_state();
    Setup {
        batch: Batch {
            input: randn(&mut rng, bsz * steps * arch.input_size, 1.0),
            batch: bsz,
            steps,
            lengths,
        },
        state: InitialState {
            h0: Some(randn(&mut rng, sl, 0.5)),
            c0: lstm.then(|| randn(&mut rng, sl, 0.5)),
        },
        up: Upstream {
            grad_output: Some(randn(
                &mut rng,
                bsz * steps * arch.directions() * arch.hidden_size,
                1.0,
            )),
            grad_h_n: Some(randn(&mut rng, sl, 1.0)),
            grad_c_n: lstm.then(|| randn(&mut rng, sl, 1.0)),
        },
        net,
    }
}

fn run(s: &Setup) -> (Forward, Backward, Vec<Analysis>) {
    let fwd = s.net.forward(&s.batch, &s.state, None);
    let bw = bptt::backward(&s.net, &s.batch, &fwd, &s.up);
    let an = bptt::analyse(&s.net, &s.batch, &fwd);
    (fwd, bw, an)
}

/// Rows `[b][t][..w]` of a `B × T × w` array for `t` in `times`, concatenated.
fn rows(
    v: &[f64],
    steps: usize,
    w: usize,
    b: usize,
    times: impl Iterator<Item = usize>,
) -> Vec<f64> {
    let mut out = Vec::new();
    for t in times {
        out.extend_from_slice(&v[(b * steps + t) * w..][..w]);
    }
    out
}

/// `[idx][b][..]` of an `L·D × B × H` array, for all idx, concatenated.
fn state_of(v: &[f64], ld: usize, bsz: usize, hid: usize, b: usize) -> Vec<f64> {
    (0..ld)
        .flat_map(|i| v[(i * bsz + b) * hid..][..hid].to_vec())
        .collect()
}

/// Everything recorded about sequence `b`, at its valid positions `times` (in that order), as
/// named flat arrays. Also asserts that the padded positions hold 0.
fn view(
    s: &Setup,
    fwd: &Forward,
    bw: &Backward,
    an: &[Analysis],
    b: usize,
    times: &dyn Fn(usize) -> Vec<usize>,
    idxs: &[usize],
) -> Vec<(String, Vec<f64>)> {
    let arch = s.net.arch;
    let (bsz, steps, hid) = (s.batch.batch, s.batch.steps, arch.hidden_size);
    let n = s.batch.lengths[b];
    let ts = times(n);
    let dirs = arch.directions();
    let mut out = Vec::new();
    let mut push = |name: String, v: Vec<f64>| out.push((name, v));
    for t in n..steps {
        assert!(fwd.output[(b * steps + t) * dirs * hid..][..dirs * hid]
            .iter()
            .all(|v| *v == 0.0));
        assert!(
            bw.grads.input[(b * steps + t) * arch.input_size..][..arch.input_size]
                .iter()
                .all(|v| *v == 0.0)
        );
    }
    for &idx in idxs {
        let run = &fwd.runs[idx];
        let d = idx % dirs;
        push(
            format!("output[{d}]"),
            ts.iter()
                .flat_map(|&t| fwd.output[(b * steps + t) * dirs * hid + d * hid..][..hid].to_vec())
                .collect(),
        );
        push(
            format!("h_n[{idx}]"),
            fwd.h_n[(idx * bsz + b) * hid..][..hid].to_vec(),
        );
        push(
            format!("h0 grad[{idx}]"),
            bw.grads.h0[(idx * bsz + b) * hid..][..hid].to_vec(),
        );
        if arch.cell.has_cell_state() {
            push(
                format!("c_n[{idx}]"),
                fwd.c_n[(idx * bsz + b) * hid..][..hid].to_vec(),
            );
            push(
                format!("c0 grad[{idx}]"),
                bw.grads.c0[(idx * bsz + b) * hid..][..hid].to_vec(),
            );
        }
        for series in unrolled::trace::gates(arch.cell, run, &s.batch, hid)
            .into_iter()
            .chain(unrolled::trace::preactivations(
                arch.cell, run, &s.batch, hid,
            ))
        {
            push(
                format!("{}[{idx}]", series.name),
                rows(&series.values, steps, hid, b, ts.iter().copied()),
            );
        }
        let f = &bw.flow[idx];
        let a = &an[idx];
        let mut per_step: Vec<(&str, &[f64])> = vec![
            ("grad_h_norm", &f.grad_h_norm),
            ("w_hh_grad_contribution", &f.w_hh_grad_contribution),
            ("jacobian_norm", &a.jacobian_norm),
        ];
        if arch.cell.has_cell_state() {
            per_step.push(("grad_c_norm", &f.grad_c_norm));
        }
        if !a.carry_path.is_empty() {
            per_step.push(("carry_path_norm", &a.carry_path_norm));
            push(
                format!("carry_path[{idx}]"),
                rows(&a.carry_path, steps, hid, b, ts.iter().copied()),
            );
        }
        for (name, v) in per_step {
            for t in n..steps {
                assert_eq!(v[b * steps + t], 0.0, "{name} at padded position");
            }
            push(
                format!("{name}[{idx}]"),
                rows(v, steps, 1, b, ts.iter().copied()),
            );
        }
        let nf = |o: Option<usize>| o.map_or(-1.0, |p| p as f64);
        push(
            format!("nonfinite[{idx}]"),
            vec![nf(run.first_nonfinite[b]), nf(f.first_nonfinite[b])],
        );
    }
    out
}

/// The batch restricted to sequence `b` (valid part only), with its states and upstream.
fn single(s: &Setup, b: usize) -> Setup {
    let arch = s.net.arch;
    let (bsz, steps, hid) = (s.batch.batch, s.batch.steps, arch.hidden_size);
    let n = s.batch.lengths[b];
    let ld = arch.num_layers * arch.directions();
    let dh = arch.directions() * hid;
    Setup {
        net: s.net.clone(),
        batch: Batch {
            input: rows(&s.batch.input, steps, arch.input_size, b, 0..n),
            batch: 1,
            steps: n,
            lengths: vec![n],
        },
        state: InitialState {
            h0: s.state.h0.as_ref().map(|v| state_of(v, ld, bsz, hid, b)),
            c0: s.state.c0.as_ref().map(|v| state_of(v, ld, bsz, hid, b)),
        },
        up: Upstream {
            grad_output: s
                .up
                .grad_output
                .as_ref()
                .map(|v| rows(v, steps, dh, b, 0..n)),
            grad_h_n: s.up.grad_h_n.as_ref().map(|v| state_of(v, ld, bsz, hid, b)),
            grad_c_n: s.up.grad_c_n.as_ref().map(|v| state_of(v, ld, bsz, hid, b)),
        },
    }
}

fn arch_strategy(
    max_layers: usize,
) -> impl Strategy<Value = (usize, usize, bool, usize, usize, u64)> {
    (
        0..CellKind::ALL.len(),
        1..=max_layers,
        any::<bool>(),
        1usize..=4,
        1usize..=3,
        any::<u64>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A packed batch of unsorted variable lengths gives, for every sequence, exactly what that
    /// sequence gives run alone (batch of one, `T = n_b`): outputs, `h_n`, `c_n`, gates and
    /// pre-activations, every per-step record, the first non-finite positions, and the input,
    /// `h0` and `c0` gradients; padded positions hold 0; and the batch's parameter gradients are
    /// the sums of the single runs'.
    #[test]
    fn packed_batch_equals_sequences_run_alone(
        (cell, layers, bidirectional, hid, inp, seed) in arch_strategy(2),
        bsz in 1usize..=4,
        steps in 1usize..=6,
    ) {
        let arch = Architecture {
            cell: CellKind::ALL[cell],
            input_size: inp,
            hidden_size: hid,
            num_layers: layers,
            bidirectional,
        };
        let s = setup(arch, bsz, steps, seed);
        let (fwd, bw, an) = run(&s);
        let idxs: Vec<usize> = (0..layers * arch.directions()).collect();
        let mut sum = Network::zeros(arch);
        for b in 0..bsz {
            let one = single(&s, b);
            let (f1, b1, a1) = run(&one);
            let all = |n: usize| (0..n).collect::<Vec<_>>();
            let got = view(&s, &fwd, &bw, &an, b, &all, &idxs);
            let want = view(&one, &f1, &b1, &a1, 0, &all, &idxs);
            for ((name, g), (_, w)) in got.iter().zip(&want) {
                assert_all_close(&format!("{} b={b} {name}", arch.cell.name()), g, w, 1e-12);
            }
            let n = s.batch.lengths[b];
            assert_all_close(
                "input grad",
                &rows(&bw.grads.input, steps, inp, b, 0..n),
                &b1.grads.input,
                1e-12,
            );
            for (acc, g) in sum.layers.iter_mut().zip(&b1.grads.params) {
                for kind in unrolled::network::PARAM_KINDS {
                    acc.get_mut(kind).iter_mut().zip(g.get(kind)).for_each(|(a, v)| *a += v);
                }
            }
        }
        for (got, want) in bw.grads.params.iter().zip(&sum.layers) {
            for kind in unrolled::network::PARAM_KINDS {
                assert_all_close(kind, got.get(kind), want.get(kind), 1e-11);
            }
        }
    }

    /// The reverse direction of a 1-layer bidirectional network is the forward direction of a
    /// 1-layer unidirectional network given the `_reverse` weights, run on each sequence's valid
    /// part reversed in time (`x'_k = x_{n−1−k}`), with the reverse half of the upstream
    /// gradients reversed the same way. Everything recorded at position t of the reverse
    /// direction appears at position n−1−t of the forward run. The forward direction's upstream
    /// is zeroed so the input gradient is the reverse direction's alone.
    #[test]
    fn reverse_direction_is_forward_on_reversed_sequences(
        (cell, _layers, _bidir, hid, inp, seed) in arch_strategy(1),
        bsz in 1usize..=4,
        steps in 1usize..=6,
    ) {
        let cell = CellKind::ALL[cell];
        let arch = Architecture {
            cell,
            input_size: inp,
            hidden_size: hid,
            num_layers: 1,
            bidirectional: true,
        };
        let mut s = setup(arch, bsz, steps, seed);
        for g in [&mut s.up.grad_h_n, &mut s.up.grad_c_n].into_iter().flatten() {
            g[..bsz * hid].fill(0.0);
        }
        if let Some(g) = &mut s.up.grad_output {
            for r in g.chunks_mut(2 * hid) {
                r[..hid].fill(0.0);
            }
        }
        let uni_arch = Architecture { bidirectional: false, ..arch };
        let mut uni_net = Network::zeros(uni_arch);
        uni_net.layers[0] = s.net.layers[1].clone();
        let rev = |v: &[f64], w: usize, off: usize, stride: usize| {
            let mut out = vec![0.0; bsz * steps * w];
            for b in 0..bsz {
                let n = s.batch.lengths[b];
                for k in 0..n {
                    out[(b * steps + k) * w..][..w]
                        .copy_from_slice(&v[(b * steps + n - 1 - k) * stride + off..][..w]);
                }
            }
            out
        };
        let second = |v: &Vec<f64>| v[bsz * hid..].to_vec();
        let u = Setup {
            net: uni_net,
            batch: Batch {
                input: rev(&s.batch.input, inp, 0, inp),
                ..s.batch.clone()
            },
            state: InitialState {
                h0: s.state.h0.as_ref().map(second),
                c0: s.state.c0.as_ref().map(second),
            },
            up: Upstream {
                grad_output: s.up.grad_output.as_ref().map(|g| rev(g, hid, hid, 2 * hid)),
                grad_h_n: s.up.grad_h_n.as_ref().map(second),
                grad_c_n: s.up.grad_c_n.as_ref().map(second),
            },
        };
        let (fwd, bw, an) = run(&s);
        let (uf, ub, ua) = run(&u);
        for b in 0..bsz {
            let forward_order = |n: usize| (0..n).collect::<Vec<_>>();
            let reversed = |n: usize| (0..n).rev().collect::<Vec<_>>();
            let got = view(&s, &fwd, &bw, &an, b, &reversed, &[1]);
            let want = view(&u, &uf, &ub, &ua, b, &forward_order, &[0]);
            assert_eq!(got.len(), want.len());
            for ((name, g), (_, w)) in got.iter().zip(&want) {
                assert_all_close(&format!("{} b={b} {name}", cell.name()), g, w, 1e-12);
            }
        }
        assert_all_close("input grad", &rev(&bw.grads.input, inp, 0, inp), &ub.grads.input, 1e-12);
        for kind in unrolled::network::PARAM_KINDS {
            assert_all_close(kind, bw.grads.params[1].get(kind), ub.grads.params[0].get(kind), 1e-12);
            assert!(bw.grads.params[0].get(kind).iter().all(|v| *v == 0.0));
        }
    }

    /// For `rnn_linear`, `h_last = W^(n−1−t) h_t + (terms without h_t)` (positions 0-indexed,
    /// `h_last` the state after position n−1), so `jacobian_norm` at t is `‖W^(n−1−t)‖₂`, 1 at
    /// the last step; for the reverse direction the exponent is t. Checked against matrix powers
    /// and `spectral::singular_values`.
    #[test]
    fn linear_rnn_jacobian_norm_is_norm_of_matrix_power(
        hid in 1usize..=5,
        steps in 1usize..=12,
        bsz in 1usize..=3,
        bidirectional in any::<bool>(),
        gain in 0.3f64..1.6,
        seed in any::<u64>(),
    ) {
        let arch = Architecture {
            cell: CellKind::RnnLinear,
            input_size: 2,
            hidden_size: hid,
            num_layers: 1,
            bidirectional,
        };
        let mut s = setup(arch, bsz, steps, seed);
        s.net = init_network(arch, &InitConfig {
            seed,
            scheme: Scheme::Gaussian,
            sigma: Some(gain / (hid as f64).sqrt()),
            ..Default::default()
        }).unwrap();
        let fwd = s.net.forward(&s.batch, &s.state, None);
        let an = bptt::analyse(&s.net, &s.batch, &fwd);
        for (idx, a) in an.iter().enumerate() {
            let w = &s.net.layers[idx].weight_hh;
            // powers[k] = W^k
            let mut powers = vec![identity(hid)];
            for k in 1..steps {
                let p = matmul(&powers[k - 1], w, hid);
                powers.push(p);
            }
            for b in 0..bsz {
                let n = s.batch.lengths[b];
                for t in 0..n {
                    let k = if idx == 0 { n - 1 - t } else { t };
                    let want = spectral::singular_values(&powers[k], hid, hid).unwrap()[0];
                    let got = a.jacobian_norm[b * steps + t];
                    prop_assert!((got - want).abs() <= 1e-9 * want.max(1.0),
                        "dir {idx} b {b} t {t}: {got} vs ‖W^{k}‖ = {want}");
                }
            }
        }
    }

    /// An LSTM whose forget gates are saturated at exactly 1 (`b_f = +1e3`) and input gates at
    /// exactly 0 (`b_i = −1e3`) keeps `c_t = c_{t−1}` and, with only `grad_c_n` given, passes
    /// `∂L/∂c` back unchanged: `dc_{t−1} = dc_t ⊙ f = dc_t`, while `dh` stays 0 because every
    /// gate's pre-activation gradient vanishes (σ'(±1e3) = 0, `i = 0` kills the g path, `dh = 0`
    /// the o path). So `grad_c_norm = ‖grad_c_n‖` at every valid step, `grad_h_norm = 0`,
    /// `∂L/∂c0 = grad_c_n`, `∂L/∂h0 = 0`, `c_n = c0`, and the carry path is 1 everywhere.
    #[test]
    fn saturated_lstm_carries_cell_gradient_unchanged(
        hid in 1usize..=4,
        layers in 1usize..=2,
        bidirectional in any::<bool>(),
        steps in 1usize..=8,
        bsz in 1usize..=3,
        seed in any::<u64>(),
    ) {
        let arch = Architecture {
            cell: CellKind::Lstm,
            input_size: 3,
            hidden_size: hid,
            num_layers: layers,
            bidirectional,
        };
        let mut s = setup(arch, bsz, steps, seed);
        for p in &mut s.net.layers {
            p.bias_ih[..hid].fill(-1e3);
            p.bias_ih[hid..2 * hid].fill(1e3);
            p.bias_hh[..2 * hid].fill(0.0);
        }
        s.up.grad_output = None;
        s.up.grad_h_n = None;
        let (fwd, bw, an) = run(&s);
        let gcn = s.up.grad_c_n.as_ref().unwrap();
        prop_assert_eq!(&fwd.c_n, s.state.c0.as_ref().unwrap());
        prop_assert_eq!(&bw.grads.c0, gcn);
        prop_assert!(bw.grads.h0.iter().all(|v| *v == 0.0));
        for idx in 0..layers * arch.directions() {
            for b in 0..bsz {
                let want = norm(&gcn[(idx * bsz + b) * hid..][..hid]);
                for t in 0..s.batch.lengths[b] {
                    let at = b * steps + t;
                    prop_assert!(close(bw.flow[idx].grad_c_norm[at], want, 1e-14),
                        "grad_c_norm {} vs {}", bw.flow[idx].grad_c_norm[at], want);
                    prop_assert_eq!(bw.flow[idx].grad_h_norm[at], 0.0);
                    prop_assert_eq!(bw.flow[idx].w_hh_grad_contribution[at], 0.0);
                    prop_assert!(an[idx].carry_path[at * hid..][..hid].iter().all(|v| *v == 1.0));
                    prop_assert_eq!(an[idx].carry_path_norm[at], 1.0);
                }
            }
        }
    }

    /// `lstm_no_forget` is the LSTM with its forget gate fixed at exactly 1: the same numbers as
    /// an LSTM whose `i g o` blocks are the 1997 cell's and whose `f` block has zero weights and
    /// `b_f = +1e3` (σ(1e3) = 1 exactly in float64, so `f ⊙ c = c` and `dc ⊙ f = dc` bit for
    /// bit). Outputs, `h_n`, `c_n`, the `i g o c h` series, the gradients of the shared blocks,
    /// the input, `h0` and `c0`, and every per-step record agree to rounding (the LSTM's matrix
    /// products carry an extra block of zero terms); the LSTM's `f` block gets no gradient at all
    /// (σ'(1e3) = 0) and both carry paths are exactly 1.
    #[test]
    fn lstm_no_forget_is_an_lstm_whose_forget_gate_is_one(
        (_cell, layers, bidirectional, hid, inp, seed) in arch_strategy(2),
        bsz in 1usize..=3,
        steps in 1usize..=6,
    ) {
        let arch = Architecture {
            cell: CellKind::LstmNoForget,
            input_size: inp,
            hidden_size: hid,
            num_layers: layers,
            bidirectional,
        };
        let cec = setup(arch, bsz, steps, seed);
        let mut lstm = Network::zeros(Architecture { cell: CellKind::Lstm, ..arch });
        // The 1997 cell's blocks i g o (0 1 2) are the LSTM's i f g o blocks 0 2 3.
        const BLOCKS: [(usize, usize); 3] = [(0, 0), (1, 2), (2, 3)];
        let row_blocks = |v: &[f64]| v.len() / (3 * hid);
        for (p, q) in lstm.layers.iter_mut().zip(&cec.net.layers) {
            for kind in unrolled::network::PARAM_KINDS {
                let (dst, src) = (p.get_mut(kind), q.get(kind));
                let w = hid * row_blocks(src);
                for (from, to) in BLOCKS {
                    dst[to * w..(to + 1) * w].copy_from_slice(&src[from * w..(from + 1) * w]);
                }
            }
            p.bias_ih[hid..2 * hid].fill(1e3);
        }
        let open = Setup {
            net: lstm,
            batch: cec.batch.clone(),
            state: cec.state.clone(),
            up: cec.up.clone(),
        };
        let (f1, b1, a1) = run(&cec);
        let (f2, b2, a2) = run(&open);
        const TOL: f64 = 1e-12;
        assert_all_close("output", &f1.output, &f2.output, TOL);
        assert_all_close("h_n", &f1.h_n, &f2.h_n, TOL);
        assert_all_close("c_n", &f1.c_n, &f2.c_n, TOL);
        assert_all_close("grad input", &b1.grads.input, &b2.grads.input, TOL);
        assert_all_close("grad h0", &b1.grads.h0, &b2.grads.h0, TOL);
        assert_all_close("grad c0", &b1.grads.c0, &b2.grads.c0, TOL);
        for (g1, g2) in b1.grads.params.iter().zip(&b2.grads.params) {
            for kind in unrolled::network::PARAM_KINDS {
                let (a, b) = (g1.get(kind), g2.get(kind));
                let w = hid * row_blocks(a);
                for (from, to) in BLOCKS {
                    assert_all_close(kind, &a[from * w..(from + 1) * w], &b[to * w..(to + 1) * w], 1e-11);
                }
                prop_assert!(b[w..2 * w].iter().all(|v| *v == 0.0), "{kind}: f block gradient");
            }
        }
        for idx in 0..layers * arch.directions() {
            let (s1, s2) = (&f1.runs[idx], &f2.runs[idx]);
            let g1 = unrolled::trace::gates(CellKind::LstmNoForget, s1, &cec.batch, hid);
            let g2 = unrolled::trace::gates(CellKind::Lstm, s2, &cec.batch, hid);
            for s in &g1 {
                let t = g2.iter().find(|t| t.name == s.name).expect("the LSTM records it");
                assert_all_close(s.name, &s.values, &t.values, TOL);
            }
            let (w1, w2) = (&b1.flow[idx], &b2.flow[idx]);
            assert_all_close("grad_h_norm", &w1.grad_h_norm, &w2.grad_h_norm, 1e-11);
            assert_all_close("grad_c_norm", &w1.grad_c_norm, &w2.grad_c_norm, 1e-11);
            assert_all_close("w_hh_grad_contribution", &w1.w_hh_grad_contribution, &w2.w_hh_grad_contribution, 1e-11);
            assert_all_close("jacobian_norm", &a1[idx].jacobian_norm, &a2[idx].jacobian_norm, 1e-9);
            for b in 0..bsz {
                for t in 0..cec.batch.lengths[b] {
                    let at = b * steps + t;
                    for a in [&a1[idx], &a2[idx]] {
                        prop_assert!(a.carry_path[at * hid..][..hid].iter().all(|v| *v == 1.0));
                        prop_assert_eq!(a.carry_path_norm[at], 1.0);
                    }
                }
            }
        }
    }

    /// The constant error carousel: in `lstm_no_forget` the cell state's own path is the identity,
    /// `∂c_t/∂c_{t−1} = I` with `h_{t−1}` held fixed, so the analysis' carry path is exactly 1 at
    /// every valid step, whatever the weights. With `W_hh = 0` nothing else links the steps
    /// (`c_T = c_t + Σ_{k>t} i_k ⊙ g_k`, the gates reading only the input), so the whole
    /// derivative is the identity: given only `grad_c_n`, `∂L/∂c_t = grad_c_n` at every step
    /// (`grad_c_norm = ‖grad_c_n‖` to rounding), `∂L/∂c0 = grad_c_n` bit for bit, and `∂L/∂h0 = 0`.
    #[test]
    fn lstm_no_forget_cell_path_is_the_identity(
        hid in 1usize..=4,
        bidirectional in any::<bool>(),
        steps in 1usize..=12,
        bsz in 1usize..=3,
        seed in any::<u64>(),
    ) {
        let arch = Architecture {
            cell: CellKind::LstmNoForget,
            input_size: 2,
            hidden_size: hid,
            num_layers: 1,
            bidirectional,
        };
        let mut s = setup(arch, bsz, steps, seed);
        let carry_is_one = |an: &[Analysis], s: &Setup| {
            an.iter().all(|a| {
                (0..bsz).all(|b| {
                    (0..s.batch.lengths[b]).all(|t| {
                        let at = b * steps + t;
                        a.carry_path[at * hid..][..hid].iter().all(|v| *v == 1.0)
                            && a.carry_path_norm[at] == 1.0
                    })
                })
            })
        };
        let (_, _, an) = run(&s);
        prop_assert!(carry_is_one(&an, &s), "carry path with W_hh ≠ 0");
        for p in &mut s.net.layers {
            p.weight_hh.fill(0.0);
        }
        s.up.grad_output = None;
        s.up.grad_h_n = None;
        let (_, bw, an) = run(&s);
        prop_assert!(carry_is_one(&an, &s), "carry path with W_hh = 0");
        let gcn = s.up.grad_c_n.as_ref().unwrap();
        prop_assert_eq!(&bw.grads.c0, gcn);
        prop_assert!(bw.grads.h0.iter().all(|v| *v == 0.0));
        for idx in 0..arch.directions() {
            for b in 0..bsz {
                let want = norm(&gcn[(idx * bsz + b) * hid..][..hid]);
                for t in 0..s.batch.lengths[b] {
                    // The same vector; only the norm's rounding may differ.
                    let got = bw.flow[idx].grad_c_norm[b * steps + t];
                    prop_assert!(close(got, want, 1e-15), "grad_c_norm {} vs {}", got, want);
                }
            }
        }
    }

    /// `spectral::from_eigenvalues` gives back the eigenvalues it was asked for (real ones and
    /// conjugate pairs, normal and non-normal), `spectral::eigenvalues` lists them by decreasing
    /// modulus; a normal build has singular values = |λ|; rescaling hits the target spectral
    /// radius or largest singular value, directly and through `init_network`.
    #[test]
    fn eigenvalues_round_trip_and_rescaling_hits_targets(
        n_reals in 0usize..=4,
        n_pairs in 0usize..=2,
        slots in Just((0..15).collect::<Vec<usize>>()).prop_shuffle(),
        jitter in prop::collection::vec(-0.04f64..0.04, 6),
        imag in prop::collection::vec(0.15f64..1.0, 2),
        nonnormal in prop_oneof![Just(0.0), 0.3f64..1.5],
        target in 0.3f64..3.0,
        seed in any::<u64>(),
    ) {
        // Well-separated eigenvalues by construction: real parts on distinct slots of a grid
        // of spacing 0.2 (jittered by < 0.04, so ≥ 0.12 apart), imaginary parts ≥ 0.15. The
        // non-normal part then moves the computed ones by far less than the tolerance.
        let n_reals = if n_pairs == 0 { n_reals.max(1) } else { n_reals };
        let grid = |k: usize| -1.4 + 0.2 * slots[k] as f64 + jitter[k];
        let mut eigs: Vec<(f64, f64)> = (0..n_reals).map(|k| (grid(k), 0.0)).collect();
        for p in 0..n_pairs {
            let re = grid(n_reals + p);
            eigs.push((re, imag[p]));
            eigs.push((re, -imag[p]));
        }
        let n = eigs.len();
        let mut rng = Rng::new(seed);
        let w = spectral::from_eigenvalues(&eigs, nonnormal, &mut rng).unwrap();
        let got = spectral::eigenvalues(&w, n).unwrap();
        let tol = if nonnormal == 0.0 { 1e-10 } else { 1e-7 };
        assert_same_eigenvalues(&got, &eigs, tol);
        for k in 1..n {
            prop_assert!(got[k - 1].0.hypot(got[k - 1].1) >= got[k].0.hypot(got[k].1) - 1e-12);
        }
        let rho = eigs.iter().fold(0.0f64, |m, e| m.max(e.0.hypot(e.1)));
        prop_assume!(rho > 1e-3);
        let sv = spectral::singular_values(&w, n, n).unwrap();
        if nonnormal == 0.0 {
            let mut moduli: Vec<f64> = eigs.iter().map(|e| e.0.hypot(e.1)).collect();
            moduli.sort_by(|a, b| b.total_cmp(a));
            assert_all_close("σ of a normal matrix", &sv, &moduli, 1e-10);
        } else {
            prop_assert!(sv[0] >= rho - 1e-10);
        }
        let mut r = w.clone();
        spectral::rescale_to_spectral_radius(&mut r, n, target);
        prop_assert!(close(spectral::spectral_radius(&r, n), target, 1e-9));
        let scaled: Vec<(f64, f64)> = eigs.iter().map(|e| (e.0 * target / rho, e.1 * target / rho)).collect();
        let scaled_tol = tol * (target / rho).max(1.0);
        assert_same_eigenvalues(&spectral::eigenvalues(&r, n).unwrap(), &scaled, scaled_tol);
        let mut m = w.clone();
        spectral::rescale_to_max_singular_value(&mut m, n, n, target);
        prop_assert!(close(spectral::singular_values(&m, n, n).unwrap()[0], target, 1e-9));

        // Through init_network: every chosen weight_hh block of every layer.
        let arch = Architecture {
            cell: CellKind::Gru,
            input_size: 2,
            hidden_size: n,
            num_layers: 2,
            bidirectional: true,
        };
        for rescale in [Rescale::SpectralRadius(target), Rescale::MaxSingularValue(target)] {
            let net = init_network(arch, &InitConfig {
                seed,
                scheme: Scheme::Eigenvalues(eigs.clone()),
                nonnormal,
                rescale: Some(rescale),
                blocks: Some(vec![0, 2]),
                ..Default::default()
            }).unwrap();
            for p in &net.layers {
                for k in [0, 2] {
                    let blk = spectral::block(&p.weight_hh, n, k);
                    match rescale {
                        Rescale::SpectralRadius(_) => {
                            prop_assert!(close(spectral::spectral_radius(&blk, n), target, 1e-9));
                            assert_same_eigenvalues(&spectral::eigenvalues(&blk, n).unwrap(), &scaled, scaled_tol);
                        }
                        Rescale::MaxSingularValue(_) => {
                            prop_assert!(close(spectral::singular_values(&blk, n, n).unwrap()[0], target, 1e-9));
                        }
                    }
                }
                // The block the scheme skipped keeps PyTorch's default range.
                let bound = 1.0 / (n as f64).sqrt();
                prop_assert!(spectral::block(&p.weight_hh, n, 1).iter().all(|v| v.abs() <= bound));
            }
        }
    }

    /// Clipping by global norm (PyTorch's `max_norm / (norm + 1e−6)`): the returned value is the
    /// norm before clipping, the result's global norm is at most `max_norm`, every entry is the
    /// same non-negative multiple (≤ 1) of what it was (direction unchanged), and nothing moves
    /// when `norm + 1e−6 ≤ max_norm`. Clipping by value clamps each entry to `[−c, c]` and leaves
    /// the entries already inside unchanged.
    #[test]
    fn clipping_bounds_and_keeps_direction(
        tensors in prop::collection::vec(prop::collection::vec(-100.0f64..100.0, 0..6), 1..4),
        max_norm in 0.01f64..300.0,
        clip in 0.01f64..50.0,
    ) {
        let before = tensors.clone();
        let mut after = tensors.clone();
        let total = {
            let mut refs: Vec<&mut [f64]> = after.iter_mut().map(|v| v.as_mut_slice()).collect();
            clip_grad_norm(&mut refs, max_norm)
        };
        let flat_b: Vec<f64> = before.concat();
        let flat_a: Vec<f64> = after.concat();
        let nb = norm(&flat_b);
        prop_assert!(close(total, nb, 1e-14));
        let na = norm(&flat_a);
        prop_assert!(na <= max_norm * (1.0 + 1e-12), "{na} > {max_norm}");
        if nb + 1e-6 <= max_norm {
            prop_assert_eq!(&flat_a, &flat_b);
        } else {
            let k = max_norm / (nb + 1e-6);
            for (a, b) in flat_a.iter().zip(&flat_b) {
                prop_assert!((a - k * b).abs() <= 1e-12 * b.abs().max(1e-300));
            }
            prop_assert!(close(na, nb * k, 1e-12));
        }

        let mut clamped = tensors.clone();
        {
            let mut refs: Vec<&mut [f64]> = clamped.iter_mut().map(|v| v.as_mut_slice()).collect();
            clip_grad_value(&mut refs, clip);
        }
        for (a, b) in clamped.concat().iter().zip(&flat_b) {
            prop_assert!(a.abs() <= clip);
            if b.abs() <= clip {
                prop_assert_eq!(a, b);
            } else {
                prop_assert_eq!(*a, clip.copysign(*b));
            }
        }
    }
}

fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            for j in 0..n {
                c[i * n + j] += a[i * n + k] * b[k * n + j];
            }
        }
    }
    c
}

/// Each wanted eigenvalue matched to a distinct computed one within `tol`.
fn assert_same_eigenvalues(got: &[(f64, f64)], want: &[(f64, f64)], tol: f64) {
    assert_eq!(got.len(), want.len());
    let mut used = vec![false; got.len()];
    for w in want {
        let best = (0..got.len())
            .filter(|&k| !used[k])
            .min_by(|&x, &y| {
                let dx = (got[x].0 - w.0).hypot(got[x].1 - w.1);
                let dy = (got[y].0 - w.0).hypot(got[y].1 - w.1);
                dx.total_cmp(&dy)
            })
            .unwrap();
        let d = (got[best].0 - w.0).hypot(got[best].1 - w.1);
        assert!(d <= tol, "{w:?} not in {got:?} (closest off by {d})");
        used[best] = true;
    }
}

/// A recurrent matrix with all entries positive, rescaled to spectral radius 50: with positive
/// inputs, input weights and biases every hidden unit is positive and grows by ~50 per step, so
/// a plain linear or ReLU RNN overflows to +inf after ~log(1.8e308)/log(50) ≈ 181 steps, while a
/// 150-step sequence (50^150 ≈ 1e255) stays finite.
fn exploding(cell: CellKind) -> (Network, Batch) {
    let (hid, inp, steps) = (4, 2, 400);
    let arch = Architecture {
        cell,
        input_size: inp,
        hidden_size: hid,
        num_layers: 1,
        bidirectional: false,
    };
    let mut rng = Rng::new(7);
    let mut net = Network::zeros(arch);
    let mut w: Vec<f64> = (0..hid * hid).map(|_| rng.uniform_in(0.1, 1.0)).collect();
    spectral::rescale_to_spectral_radius(&mut w, hid, 50.0);
    *net.param_mut("weight_hh_l0").unwrap() = w;
    net.param_mut("weight_ih_l0").unwrap().fill(0.5);
    net.param_mut("bias_ih_l0").unwrap().fill(1.0);
    let batch = Batch {
        input: (0..2 * steps * inp)
            .map(|_| rng.uniform_in(0.0, 1.0))
            .collect(),
        batch: 2,
        steps,
        lengths: vec![steps, 150],
    };
    (net, batch)
}

fn trace_of(net: &Network, batch: &Batch, with_grads: bool) -> spec::TraceResult {
    let arch = net.arch;
    let out_len = batch.batch * batch.steps * arch.directions() * arch.hidden_size;
    let spec = Spec {
        arch,
        params: ParamSource::Given(net.clone()),
        batch: batch.clone(),
        state: InitialState::default(),
        upstream: Upstream {
            grad_output: with_grads.then(|| vec![1.0; out_len]),
            ..Default::default()
        },
        dropout: None,
        analysis: true,
    };
    spec::run(spec).unwrap()
}

/// Overflow is a result: forward, backward and analysis run to the end, `first_nonfinite` names
/// the first position whose state holds inf/NaN (here the first non-finite output of the
/// sequence; `None` for the 150-step sequence that stays finite), and the written trace is
/// strictly valid JSON (non-finite values as the strings "Infinity"/"NaN") carrying the same
/// indices.
#[test]
fn overflow_is_a_result_and_the_trace_is_valid_json() {
    for cell in [CellKind::RnnLinear, CellKind::RnnRelu] {
        let (net, batch) = exploding(cell);
        for with_grads in [false, true] {
            let r = trace_of(&net, &batch, with_grads);
            let (steps, hid) = (batch.steps, net.arch.hidden_size);
            let first_bad = |b: usize| {
                (0..batch.lengths[b]).find(|&t| {
                    r.forward.output[(b * steps + t) * hid..][..hid]
                        .iter()
                        .any(|v| !v.is_finite())
                })
            };
            let p = first_bad(0).expect("the 400-step sequence overflows");
            assert!((170..=190).contains(&p), "{}: overflow at {p}", cell.name());
            assert_eq!(first_bad(1), None);
            let run = &r.forward.runs[0];
            assert_eq!(run.first_nonfinite, vec![Some(p), None], "{}", cell.name());
            assert!(r.forward.h_n[..hid].iter().all(|v| !v.is_finite()));
            assert!(r.forward.h_n[hid..].iter().all(|v| v.is_finite()));
            let an = &r.analysis.as_ref().unwrap()[0];
            assert!(an.jacobian_norm[..steps].iter().any(|v| !v.is_finite()));
            if with_grads {
                let bw = r.backward.as_ref().unwrap();
                assert!(bw.flow[0].first_nonfinite[0].is_some());
                assert!(bw.flow[0].grad_h_norm.iter().any(|v| !v.is_finite()));
            }
            let text = spec::write_trace(&r);
            let v: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: trace is not JSON: {e}", cell.name()));
            assert_eq!(v["format"], "unrolled-trace");
            let nf = &v["trace"][0]["nonfinite"];
            assert_eq!(nf["forward"][0], serde_json::json!(p));
            assert!(nf["forward"][1].is_null());
            let row = v["output"][0][p].as_array().unwrap();
            assert!(row.iter().any(|x| x == "Infinity"), "{row:?}");
            assert_eq!(
                v["output"][0][p - 1][0].as_f64().map(f64::is_finite),
                Some(true)
            );
            if with_grads {
                let bw = r.backward.as_ref().unwrap();
                assert_eq!(
                    nf["backward"][0],
                    serde_json::json!(bw.flow[0].first_nonfinite[0].unwrap())
                );
                assert!(v["grads"]["params"]["weight_hh_l0"].is_array());
            } else {
                assert!(nf["backward"].is_null());
                assert!(v.get("grads").is_none());
            }
        }
    }
    // Mixed signs: a rotation scaled by 50 overflows to inf and then inf − inf = NaN.
    let arch = Architecture {
        cell: CellKind::RnnLinear,
        input_size: 2,
        hidden_size: 4,
        num_layers: 1,
        bidirectional: true,
    };
    let net = init_network(
        arch,
        &InitConfig {
            scheme: Scheme::Orthogonal,
            gain: 50.0,
            ..Default::default()
        },
    )
    .unwrap();
    let mut rng = Rng::new(3);
    let batch = Batch {
        input: randn(&mut rng, 400 * 2, 1.0),
        batch: 1,
        steps: 400,
        lengths: vec![400],
    };
    let r = trace_of(&net, &batch, true);
    assert!(r.forward.output.iter().any(|v| v.is_nan()));
    for run in &r.forward.runs {
        assert!(run.first_nonfinite[0].is_some());
    }
    let text = spec::write_trace(&r);
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert!(text.contains("\"NaN\""));
    assert_eq!(v["trace"].as_array().map(Vec::len), Some(2));
}

/// Regression: a non-normal 4×4 block with eigenvalues `0.2 ± 0.1653i`, `−0.8 ± 0.1623i` (drawn
/// by `init_network` for the config below, found by the round-trip property above) on which
/// nalgebra's real Schur iteration cycles. `spectral::eigenvalues` must still find the
/// eigenvalues, and the requested spectral radius must be applied (before the fix
/// `rescale_to_spectral_radius` silently left the block unscaled because ρ came back NaN).
#[test]
fn eigenvalues_of_a_matrix_where_plain_schur_cycles() {
    let blk = [
        -0.7051438869336438,
        -0.47575862770553806,
        0.34288033268095686,
        -0.014756251279371413,
        -0.32654578810789825,
        -0.11776705249247388,
        0.1756395379732773,
        -0.5401223406776531,
        -0.43511413307464747,
        -0.22485009646493048,
        0.5112490227773581,
        -0.49840137816818825,
        0.07120027312810609,
        -0.24648035924010447,
        0.5080687128994921,
        -0.8883380833512411,
    ];
    let (b1, b2) = (0.16527248851631413, 0.1623187443230114);
    let eigs = vec![(0.2, b1), (0.2, -b1), (-0.8, b2), (-0.8, -b2)];
    assert_same_eigenvalues(&spectral::eigenvalues(&blk, 4).unwrap(), &eigs, 1e-10);
    let arch = Architecture {
        cell: CellKind::Gru,
        input_size: 2,
        hidden_size: 4,
        num_layers: 2,
        bidirectional: true,
    };
    let net = init_network(
        arch,
        &InitConfig {
            seed: 4200746298624748670,
            scheme: Scheme::Eigenvalues(eigs),
            nonnormal: 1.3551080470698265,
            rescale: Some(Rescale::SpectralRadius(0.3)),
            blocks: Some(vec![0, 2]),
            ..Default::default()
        },
    )
    .unwrap();
    for p in &net.layers {
        for k in [0, 2] {
            let rho = spectral::spectral_radius(&spectral::block(&p.weight_hh, 4, k), 4);
            assert!((rho - 0.3).abs() < 1e-12, "ρ = {rho}");
        }
    }
}
