//! One sentence through the classifier, opened up: what the page's "type a sentence" panel
//! draws. The sentence (token ids, batch of one, read to its end) runs forward; every gate and
//! state of every layer × direction is kept by word position ([`crate::trace::gates`]); then the
//! **log-odds of the predicted class**, `m = z_pred − max_{k≠pred} z_k` (for two classes the
//! logit `log(p_pred / p_other)`), is taken back through the network ([`LstmClassifier::backward`]
//! with `∂m/∂z` as the upstream gradient). Saliency of word `t` is gradient × input summed over
//! the embedding, `Σ_e (∂m/∂e_{t,e}) · e_{t,e}`; the flow is `‖∂m/∂h_t‖` per layer × direction.

use crate::train::classifier::{LstmClassifier, TokenBatch};
use std::collections::BTreeMap;

/// One layer × direction of the sentence's run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DirectionView {
    /// Layer index.
    pub layer: usize,
    /// 0 forward, 1 reverse.
    pub direction: usize,
    /// Post-activation gates and states by name (LSTM `i f g o c h`), each `T × H` by word
    /// position.
    pub states: BTreeMap<&'static str, Vec<Vec<f64>>>,
    /// `‖∂m/∂h_t‖` at each word position (`T`).
    pub grad_h_norm: Vec<f64>,
}

/// Everything the panel shows for one sentence.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// `z`, `C`.
    pub logits: Vec<f64>,
    /// `softmax(z)`, `C`.
    pub probabilities: Vec<f64>,
    /// The predicted class (the first of equal maxima).
    pub prediction: usize,
    /// The runner-up `argmax_{k≠pred} z_k`, the class the margin is taken over (none with one
    /// class).
    pub runner_up: Option<usize>,
    /// `m = z_pred − max_{k≠pred} z_k` (0 with one class).
    pub margin: f64,
    /// The series' names in the cell's order (`i f g o c h` for the LSTM).
    pub series: Vec<&'static str>,
    /// One per layer × direction, `h_n` order.
    pub runs: Vec<DirectionView>,
    /// Gradient × input per word, summed over the embedding (`T`).
    pub saliency: Vec<f64>,
    /// `‖∂m/∂e_t‖` per word (`T`).
    pub grad_embedding_norm: Vec<f64>,
}

/// Runs `model` (eval mode) on one sentence of token ids.
///
/// # Errors
/// An empty sentence, or an id outside the vocabulary (the message names `ids[k]`).
pub fn explain(model: &LstmClassifier, ids: &[usize]) -> Result<Explanation, String> {
    if ids.is_empty() {
        return Err("ids: expected at least one token".into());
    }
    let vocab = model.embedding.num_embeddings;
    if let Some(k) = ids.iter().position(|&id| id >= vocab) {
        return Err(format!(
            "ids[{k}]: expected a token id below {vocab}, got {}",
            ids[k]
        ));
    }
    let n = ids.len();
    let tokens = TokenBatch {
        ids: ids.to_vec(),
        batch: 1,
        steps: n,
        lengths: vec![n],
    };
    let fwd = model.forward(&tokens, None);
    let logits = fwd.logits.clone();
    let c = logits.len();
    let prediction = argmax(&logits);
    let other = (0..c)
        .filter(|&k| k != prediction)
        .max_by(|&a, &b| logits[a].total_cmp(&logits[b]));
    let mut grad = vec![0.0; c];
    grad[prediction] = 1.0;
    let margin = match other {
        Some(o) => {
            grad[o] = -1.0;
            logits[prediction] - logits[o]
        }
        None => 0.0,
    };
    let top = logits[prediction];
    let exp: Vec<f64> = logits.iter().map(|z| (z - top).exp()).collect();
    let sum: f64 = exp.iter().sum();
    let probabilities = exp.iter().map(|e| e / sum).collect();
    let back = model.backward(&tokens, &fwd, &grad);
    let arch = model.arch();
    let (hid, width) = (arch.hidden_size, arch.input_size);
    let e = &fwd.embedded.input;
    let g = &back.grad_embedded;
    let saliency = (0..n)
        .map(|t| {
            (0..width)
                .map(|k| g[t * width + k] * e[t * width + k])
                .sum()
        })
        .collect();
    let grad_embedding_norm = (0..n)
        .map(|t| {
            g[t * width..][..width]
                .iter()
                .map(|x| x * x)
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let mut series = Vec::new();
    let runs = fwd
        .rnn
        .runs
        .iter()
        .zip(&back.flow)
        .map(|(run, flow)| {
            let all = crate::trace::gates(arch.cell, run, &fwd.embedded, hid);
            if series.is_empty() {
                series = all.iter().map(|s| s.name).collect();
            }
            let states = all
                .into_iter()
                .map(|s| (s.name, s.values.chunks(hid).map(<[f64]>::to_vec).collect()))
                .collect();
            DirectionView {
                layer: run.layer,
                direction: run.direction,
                states,
                grad_h_norm: flow.grad_h_norm.clone(),
            }
        })
        .collect();
    Ok(Explanation {
        logits,
        probabilities,
        prediction,
        runner_up: other,
        margin,
        series,
        runs,
        saliency,
        grad_embedding_norm,
    })
}

fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (k, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::CellKind;
    use crate::init::InitConfig;
    use crate::network::Architecture;
    use crate::rng::Rng;

    fn model() -> LstmClassifier {
        let arch = Architecture {
            cell: CellKind::Lstm,
            input_size: 3,
            hidden_size: 4,
            num_layers: 2,
            bidirectional: true,
        };
        LstmClassifier::init(
            arch,
            7,
            2,
            &InitConfig::default(),
            &mut Rng::new(1),
            &mut Rng::new(2),
        )
        .unwrap()
    }

    /// The saliency is the gradient of the log-odds (checked by central differences on the
    /// embedding) times the input.
    #[test]
    fn saliency_is_gradient_times_input_of_the_log_odds() {
        let m = model();
        let ids = [2, 5, 1, 3];
        let x = explain(&m, &ids).unwrap();
        assert_eq!(x.series, ["i", "f", "g", "o", "c", "h"]);
        assert_eq!(x.runs.len(), 4);
        assert!(x
            .runs
            .iter()
            .all(|r| r.states["h"].len() == 4 && r.grad_h_norm.len() == 4));
        assert!((x.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(x.margin >= 0.0);
        let o = x.runner_up.expect("two classes or more have a runner-up");
        assert_ne!(o, x.prediction);
        assert_eq!(x.margin, x.logits[x.prediction] - x.logits[o]);
        let margin = |m: &LstmClassifier| {
            let z = m
                .forward(
                    &TokenBatch {
                        ids: ids.to_vec(),
                        batch: 1,
                        steps: 4,
                        lengths: vec![4],
                    },
                    None,
                )
                .logits;
            z[x.prediction] - z[1 - x.prediction]
        };
        let t = 1; // word 1 reads row 5
        let mut want = 0.0;
        for k in 0..3 {
            let h = 1e-6;
            let (mut up, mut down) = (m.clone(), m.clone());
            up.embedding.weight[5 * 3 + k] += h;
            down.embedding.weight[5 * 3 + k] -= h;
            want += (margin(&up) - margin(&down)) / (2.0 * h) * m.embedding.weight[5 * 3 + k];
        }
        assert!(
            (x.saliency[t] - want).abs() < 1e-7,
            "{} vs {want}",
            x.saliency[t]
        );
    }

    #[test]
    fn bad_ids_are_named() {
        let m = model();
        assert_eq!(
            explain(&m, &[]).unwrap_err(),
            "ids: expected at least one token"
        );
        assert_eq!(
            explain(&m, &[1, 7]).unwrap_err(),
            "ids[1]: expected a token id below 7, got 7"
        );
    }
}
