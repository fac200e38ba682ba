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
//! With dropout, every chunk draws the whole batch's masks from the pass's one seed, in batch
//! order as the one-thread pass does, and keeps its own sequences' part
//! ([`crate::network::Dropout`]'s `rows`), so the split pass masks exactly as the whole one.
//! A batch of fewer sequences than threads asked for gets one chunk per sequence; `threads ≤ 1`
//! runs the one-thread pass on the calling thread.
//!
//! The browser has no threads in its wasm (without `SharedArrayBuffer`); there each chunk is
//! another worker's (www/js/train-worker.js), which holds a replica of the run: every replica
//! computes its chunk with [`chunk_pass`] (the same [`chunks`] and [`rows`]), the chunks come
//! together and every replica combines them with [`combine`] in chunk order, as here, and
//! applies the same update. [`worth_splitting`] is the page's rule for when that pays.

use crate::network::{Batch, BatchRows, Dropout};
use crate::train::classifier::TokenBatch;
use crate::train::params::{visit, ParamSet};
use crate::train::tasks::{Head, TaskBatch};
use crate::train::trainer::{Learner, LearnerPass, Sample, TextData};

/// A chunk's pass and the number of terms its mean loss is over (module docs).
pub type ChunkPass = (LearnerPass, usize);

/// The fewest sequence steps (sequences × padded length) a chunk of a split pass in the browser
/// should hold: below it, the messages that carry the chunk's gradients cost more than the
/// chunk's share of the pass saves (measured, README "Every core").
pub const MIN_CHUNK_STEPS: usize = 160;

/// Into how many chunks (at most `workers`) the page splits a pass over `size` sequences of
/// padded length `steps`: as many as keep every chunk at [`MIN_CHUNK_STEPS`] or more, at least 1.
pub fn worth_splitting(size: usize, steps: usize, workers: usize) -> usize {
    let most = (size * steps.max(1)) / MIN_CHUNK_STEPS;
    workers.min(most).min(size).max(1)
}

/// [`Learner::train_pass`] on up to `threads` threads (module docs).
pub fn train_pass(
    learner: &Learner,
    sample: Sample,
    dropout: Option<Dropout>,
    threads: usize,
) -> LearnerPass {
    let k = threads.min(sample_size(sample));
    if k <= 1 {
        return learner.train_pass(sample, dropout);
    }
    let parts: Vec<ChunkPass> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..k)
            .map(|i| s.spawn(move || chunk_pass(learner, sample, dropout, k, i)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a training thread panicked"))
            .collect()
    });
    combine(parts)
}

/// Sequences (or sentences) in a sample.
pub fn sample_size(sample: Sample) -> usize {
    match sample {
        Sample::Sequences(b, _) => b.batch.batch,
        Sample::Text(d) => d.tokens.batch,
    }
}

/// Chunk `index` of `chunks(size, ways)`: its pass (with its part of the whole batch's dropout
/// masks) and its terms.
///
/// # Panics
/// When `index ≥ ways` or `ways` exceeds the sample's size (the callers check).
pub fn chunk_pass(
    learner: &Learner,
    sample: Sample,
    dropout: Option<Dropout>,
    ways: usize,
    index: usize,
) -> ChunkPass {
    let size = sample_size(sample);
    let r = chunks(size, ways)[index].clone();
    let dropout = dropout.map(|d| Dropout {
        rows: Some(BatchRows {
            start: r.start,
            total: size,
        }),
        ..d
    });
    match sample {
        Sample::Sequences(b, head) => {
            let part = rows(b, head, r);
            let n = terms(&part, head);
            (
                learner.train_pass(Sample::Sequences(&part, head), dropout),
                n,
            )
        }
        Sample::Text(d) => {
            let part = text_rows(d, r);
            let n = part.labels.len();
            (learner.train_pass(Sample::Text(&part), dropout), n)
        }
    }
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

/// The chunks' passes, in chunk order, weighted by their terms: the whole batch's loss and
/// gradients (module docs).
///
/// # Panics
/// With no chunk, or chunks whose gradients are not of one model (the callers check).
pub fn combine(parts: Vec<ChunkPass>) -> LearnerPass {
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
