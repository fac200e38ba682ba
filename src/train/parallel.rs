//! One training pass split across threads (data parallelism, natively): the batch's sequences
//! in `k` contiguous chunks, one scoped thread each, and the chunks' results combined as the
//! whole batch's mean would be:
//!
//! ```text
//! L = Σᵢ (nᵢ / N) · Lᵢ        ∂L/∂p = Σᵢ (nᵢ / N) · ∂Lᵢ/∂p        N = Σᵢ nᵢ
//! ```
//!
//! where chunk `i`'s loss `Lᵢ` is a mean over its `nᵢ` terms: `Bᵢ·O` for a regression at the
//! end, `Bᵢ` for a class at the end or a sentence's class, its valid positions for a class at
//! every step. That is the one-thread pass up to rounding (the same terms, summed in another
//! grouping): the tests hold the two to 1e-12 relative.
//!
//! Not split, and run on the calling thread as before: a pass with dropout (its masks are drawn
//! in batch order from one seed, so a chunk would draw other masks), a batch of fewer sequences
//! than threads asked for gets one chunk per sequence, and `threads ≤ 1`. There are no threads
//! in the browser's wasm (without `SharedArrayBuffer`); the page spreads whole runs over
//! workers instead (www/js/train-pool.js).

use crate::network::{Batch, Dropout};
use crate::train::classifier::TokenBatch;
use crate::train::params::{visit, ParamSet};
use crate::train::tasks::{Head, TaskBatch};
use crate::train::trainer::{Learner, LearnerPass, Sample, TextData};

/// [`Learner::train_pass`] on up to `threads` threads (module docs).
pub fn train_pass(
    learner: &Learner,
    sample: Sample,
    dropout: Option<Dropout>,
    threads: usize,
) -> LearnerPass {
    let size = match sample {
        Sample::Sequences(b, _) => b.batch.batch,
        Sample::Text(d) => d.tokens.batch,
    };
    let k = threads.min(size);
    if k <= 1 || dropout.is_some() {
        return learner.train_pass(sample, dropout);
    }
    let ranges = chunks(size, k);
    let parts: Vec<(LearnerPass, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|r| {
                let r = r.clone();
                s.spawn(move || match sample {
                    Sample::Sequences(b, head) => {
                        let part = rows(b, head, r);
                        let n = terms(&part, head);
                        (learner.train_pass(Sample::Sequences(&part, head), None), n)
                    }
                    Sample::Text(d) => {
                        let part = text_rows(d, r);
                        let n = part.labels.len();
                        (learner.train_pass(Sample::Text(&part), None), n)
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a training thread panicked"))
            .collect()
    });
    combine(parts)
}

/// `size` items in `k` contiguous ranges whose lengths differ by at most one.
pub fn chunks(size: usize, k: usize) -> Vec<std::ops::Range<usize>> {
    let (q, r) = (size / k, size % k);
    let mut start = 0;
    (0..k)
        .map(|i| {
            let len = q + usize::from(i < r);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// The terms a pass's mean loss is over (module docs).
fn terms(b: &TaskBatch, head: Head) -> usize {
    match head {
        Head::RegressionAtEnd => b.target.len(),
        Head::ClassAtEnd => b.labels.len(),
        Head::ClassEveryStep => b.batch.lengths.iter().sum(),
    }
}

/// Sequences `r` of a task batch (same padded length `T`).
pub fn rows(b: &TaskBatch, head: Head, r: std::ops::Range<usize>) -> TaskBatch {
    let (t, n) = (b.batch.steps, b.batch.batch);
    let width = b.batch.input.len() / n.max(1);
    let per = |v: usize| v / n.max(1);
    let labels = match head {
        Head::ClassEveryStep => b.labels[r.start * t..r.end * t].to_vec(),
        Head::ClassAtEnd => b.labels[r.clone()].to_vec(),
        Head::RegressionAtEnd => Vec::new(),
    };
    let o = per(b.target.len());
    TaskBatch {
        batch: Batch {
            input: b.batch.input[r.start * width..r.end * width].to_vec(),
            batch: r.len(),
            steps: t,
            lengths: b.batch.lengths[r.clone()].to_vec(),
        },
        target: b.target[r.start * o..r.end * o].to_vec(),
        labels,
    }
}

/// Sentences `r` of a text batch.
fn text_rows(d: &TextData, r: std::ops::Range<usize>) -> TextData {
    let t = d.tokens.steps;
    TextData {
        tokens: TokenBatch {
            ids: d.tokens.ids[r.start * t..r.end * t].to_vec(),
            batch: r.len(),
            steps: t,
            lengths: d.tokens.lengths[r.clone()].to_vec(),
        },
        labels: d.labels[r].to_vec(),
        classes: d.classes,
    }
}

/// The chunks' passes weighted by their terms: the whole batch's loss and gradients.
fn combine(parts: Vec<(LearnerPass, usize)>) -> LearnerPass {
    let total: usize = parts.iter().map(|(_, n)| n).sum();
    let mut it = parts.into_iter();
    let (first, n0) = it.next().expect("at least one chunk");
    let w0 = n0 as f64 / total as f64;
    let mut out = LearnerPass {
        loss: w0 * first.loss,
        grads: first.grads,
        flow: Vec::new(),
    };
    for t in out.grads.tensors_mut() {
        t.values.iter_mut().for_each(|g| *g *= w0);
    }
    for (p, n) in it {
        let w = n as f64 / total as f64;
        out.loss += w * p.loss;
        visit(&mut out.grads, &p.grads, |_, acc, g| {
            acc.iter_mut().zip(g).for_each(|(a, b)| *a += w * b);
        });
    }
    out
}
