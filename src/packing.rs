//! How PyTorch packs a padded batch, as plain data for the padding-and-packing panel.
//!
//! `pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)` with `x` of shape
//! `B × T × F` and lengths `n_b ∈ 1..=T` builds:
//!
//! - `sorted_indices`: the sequences by length, longest first, as
//!   `torch.sort(lengths, descending=True)` orders them. That sort is not stable in general:
//!   on CPU it is `std::sort` over (length, index) pairs with the comparator `a > b` (PyTorch's
//!   `KeyValueCompDesc`), and the Linux wheels link libstdc++, whose `std::sort` is an
//!   introsort (median-of-three pivot, Hoare partition, heap sort past depth `2⌊log₂ B⌋`)
//!   followed by an insertion sort. For `B ≤ 16` that is the insertion sort alone, so ties keep
//!   their original order (stable); for larger batches tied sequences come out in the order the
//!   partitions leave them. [`sort_descending`] reproduces libstdc++'s algorithm step by step
//!   (the golden tests check it against PyTorch up to `B = 1024`; other C++ libraries, e.g.
//!   macOS's libc++, may order ties differently for `B > 16`). Tie order changes only which row
//!   of `data` a tied sequence occupies, never a result.
//! - `unsorted_indices`: the inverse permutation, `unsorted_indices[sorted_indices[i]] = i`.
//! - `batch_sizes[t]`: how many sequences are still running at step `t`,
//!   `#{b : n_b > t}`, for `t < max n_b` (non-increasing, `Σ_t batch_sizes[t] = Σ_b n_b`).
//! - `data`: `Σ_b n_b × F`, time-major: the rows of step 0 for the running sequences in sorted
//!   order, then those of step 1, … Row `r(b, t) = Σ_{s<t} batch_sizes[s] + rank(b)` where
//!   `rank(b) = unsorted_indices[b]`.
//!
//! `pad_packed_sequence(packed, batch_first=True, total_length=T)` undoes it: `B × T × F` in the
//! original order, zeros past each length.
//!
//! **Which cells run.** Packed, the forward direction of sequence `b` reads positions
//! `0, 1, …, n_b−1` and the reverse direction starts at its **own last valid step** `n_b−1` and
//! reads down to 0; PyTorch's reverse pass walks time `t = T−1 … 0` and sequence `b` joins it at
//! `t = n_b−1`, so each sequence's reverse `h_n` has read exactly its valid tokens. Unpacked
//! (lengths not passed), both directions run over all `T` positions, padding included: the
//! forward `h_n` is the state after reading the padding, and the reverse direction starts on
//! the padding and reaches the real tokens last. [`RunGrid`] records, per direction and cell
//! `(b, t)`, the step of `b`'s own run at which position `t` is read (or nothing).
//!
//! [`classifier_packing`] runs a classifier both ways and returns the final states and logits
//! (the core runs packed batches in its own processing order, [`crate::network`]; the numbers
//! are PyTorch's, see `tests/packing_golden.rs`).

use crate::network::Architecture;
use crate::spec::{MAX_BATCH, MAX_STEPS};
use crate::train::classifier::{LstmClassifier, TokenBatch};

/// The layout `pack_padded_sequence(..., batch_first=True, enforce_sorted=False)` gives for a
/// batch's lengths.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PackedLayout {
    /// The lengths, in the batch's order.
    pub lengths: Vec<usize>,
    /// T, the padded length (at least the longest sequence).
    pub steps: usize,
    /// Per step `t < max n_b`, the sequences still running.
    pub batch_sizes: Vec<usize>,
    /// The batch by length, longest first, ties as PyTorch orders them.
    pub sorted_indices: Vec<usize>,
    /// The inverse of `sorted_indices`.
    pub unsorted_indices: Vec<usize>,
}

/// Per direction, the step of each sequence's own run at which a position is read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunGrid {
    /// True for the packed run, false for the padded one (every position read).
    pub packed: bool,
    /// `B × T`: `Some(k)` when the forward direction reads position `t` at its `k`-th step.
    pub forward: Vec<Option<usize>>,
    /// `B × T`: the same for the reverse direction (`k = 0` where it starts).
    pub reverse: Vec<Option<usize>>,
}

impl PackedLayout {
    /// The layout of `lengths` padded to `steps` (`None`: the longest length, as
    /// `pad_packed_sequence` pads by default).
    ///
    /// # Errors
    /// No lengths or more than `MAX_BATCH`, a length outside `1..=T`, or `T` over `MAX_STEPS`;
    /// the message names the field (`lengths[2]: …`).
    pub fn new(lengths: &[usize], steps: Option<usize>) -> Result<Self, String> {
        if lengths.is_empty() || lengths.len() > MAX_BATCH {
            return Err(format!(
                "lengths: expected 1..={MAX_BATCH} lengths, got {}",
                lengths.len()
            ));
        }
        let longest = lengths.iter().copied().max().unwrap_or(0);
        let steps = steps.unwrap_or(longest);
        if !(1..=MAX_STEPS).contains(&steps) {
            return Err(format!(
                "steps: expected an integer in 1..={MAX_STEPS}, got {steps}"
            ));
        }
        if let Some((b, n)) = lengths
            .iter()
            .enumerate()
            .find(|(_, &n)| !(1..=steps).contains(&n))
        {
            return Err(format!(
                "lengths[{b}]: expected an integer in 1..={steps}, got {n}"
            ));
        }
        let sorted_indices = sort_descending(lengths);
        let mut unsorted_indices = vec![0; lengths.len()];
        for (i, &b) in sorted_indices.iter().enumerate() {
            unsorted_indices[b] = i;
        }
        let batch_sizes = (0..longest)
            .map(|t| lengths.iter().filter(|&&n| n > t).count())
            .collect();
        Ok(PackedLayout {
            lengths: lengths.to_vec(),
            steps,
            batch_sizes,
            sorted_indices,
            unsorted_indices,
        })
    }

    /// B
    pub fn batch(&self) -> usize {
        self.lengths.len()
    }

    /// `Σ_b n_b`, the rows of `data`.
    pub fn rows(&self) -> usize {
        self.lengths.iter().sum()
    }

    /// `B × T`: the row of `data` holding position `t` of sequence `b`, `None` past its length.
    pub fn data_index(&self) -> Vec<Option<usize>> {
        let (bsz, steps) = (self.batch(), self.steps);
        let mut out = vec![None; bsz * steps];
        let mut row = 0;
        for (t, &size) in self.batch_sizes.iter().enumerate() {
            for &b in &self.sorted_indices[..size] {
                out[b * steps + t] = Some(row);
                row += 1;
            }
        }
        out
    }

    /// `packed.data`: `Σ n_b × F` from a padded `B × T × F` batch.
    ///
    /// # Errors
    /// When `padded` is not `B × T × F`.
    pub fn pack(&self, padded: &[f64], features: usize) -> Result<Vec<f64>, String> {
        let want = self.batch() * self.steps * features;
        if padded.len() != want {
            return Err(format!(
                "padded: expected B × T × F = {want} values, got {}",
                padded.len()
            ));
        }
        let mut data = vec![0.0; self.rows() * features];
        for (cell, row) in self.data_index().into_iter().enumerate() {
            if let Some(r) = row {
                data[r * features..][..features]
                    .copy_from_slice(&padded[cell * features..][..features]);
            }
        }
        Ok(data)
    }

    /// `pad_packed_sequence(..., batch_first=True, total_length=T)`: `B × T × F`, zeros past
    /// each length.
    ///
    /// # Errors
    /// When `data` is not `Σ n_b × F`.
    pub fn unpack(&self, data: &[f64], features: usize) -> Result<Vec<f64>, String> {
        if data.len() != self.rows() * features {
            return Err(format!(
                "data: expected Σ lengths × F = {} values, got {}",
                self.rows() * features,
                data.len()
            ));
        }
        let mut padded = vec![0.0; self.batch() * self.steps * features];
        for (cell, row) in self.data_index().into_iter().enumerate() {
            if let Some(r) = row {
                padded[cell * features..][..features]
                    .copy_from_slice(&data[r * features..][..features]);
            }
        }
        Ok(padded)
    }

    /// Which cells run, packed (`true`) or padded (every position, both directions).
    pub fn runs(&self, packed: bool) -> RunGrid {
        let (bsz, steps) = (self.batch(), self.steps);
        let mut forward = vec![None; bsz * steps];
        let mut reverse = vec![None; bsz * steps];
        for (b, &n) in self.lengths.iter().enumerate() {
            let len = if packed { n } else { steps };
            for t in 0..len {
                forward[b * steps + t] = Some(t);
                reverse[b * steps + t] = Some(len - 1 - t);
            }
        }
        RunGrid {
            packed,
            forward,
            reverse,
        }
    }
}

/// `torch.sort(lengths, descending=True).indices` on CPU: libstdc++'s `std::sort` of (length,
/// index) pairs under `a > b`, step by step (see the module docs).
pub fn sort_descending(lengths: &[usize]) -> Vec<usize> {
    let mut v: Vec<(usize, usize)> = lengths.iter().copied().zip(0..).collect();
    let greater = |a: &(usize, usize), b: &(usize, usize)| a.0 > b.0;
    if v.len() > 1 {
        let depth = 2 * (usize::BITS - 1 - v.len().leading_zeros()) as usize;
        introsort_loop(&mut v, depth, &greater);
        final_insertion_sort(&mut v, &greater);
    }
    v.into_iter().map(|(_, i)| i).collect()
}

/// libstdc++'s `_S_threshold`: partitions at most this long are left to the insertion sort.
const THRESHOLD: usize = 16;

type Less<'a> = &'a dyn Fn(&(usize, usize), &(usize, usize)) -> bool;

fn introsort_loop(v: &mut [(usize, usize)], mut depth: usize, less: Less) {
    let mut last = v.len();
    while last > THRESHOLD {
        if depth == 0 {
            heap_sort(&mut v[..last], less);
            return;
        }
        depth -= 1;
        let cut = partition_pivot(&mut v[..last], less);
        introsort_loop(&mut v[cut..last], depth, less);
        last = cut;
    }
}

/// `__unguarded_partition_pivot`: the median of `v[1]`, `v[mid]`, `v[last−1]` moved to `v[0]`,
/// then Hoare's partition of `v[1..]` around it.
fn partition_pivot(v: &mut [(usize, usize)], less: Less) -> usize {
    let (mid, last) = (v.len() / 2, v.len() - 1);
    move_median_to_first(v, 1, mid, last, less);
    let (mut first, mut last) = (1, v.len());
    loop {
        while less(&v[first], &v[0]) {
            first += 1;
        }
        last -= 1;
        while less(&v[0], &v[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        v.swap(first, last);
        first += 1;
    }
}

fn move_median_to_first(v: &mut [(usize, usize)], a: usize, b: usize, c: usize, less: Less) {
    let lt = |i: usize, j: usize| less(&v[i], &v[j]);
    let median = if lt(a, b) {
        if lt(b, c) {
            b
        } else if lt(a, c) {
            c
        } else {
            a
        }
    } else if lt(a, c) {
        a
    } else if lt(b, c) {
        c
    } else {
        b
    };
    v.swap(0, median);
}

/// `__final_insertion_sort`: an insertion sort of the first 16, then an unguarded one of the
/// rest (the same result as a plain insertion sort, which moves an element only past strictly
/// greater ones).
fn final_insertion_sort(v: &mut [(usize, usize)], less: Less) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// `std::__partial_sort(first, last, last)`: `make_heap` then `sort_heap`, as libstdc++'s
/// `__adjust_heap` / `__push_heap` move elements.
fn heap_sort(v: &mut [(usize, usize)], less: Less) {
    let len = v.len();
    if len < 2 {
        return;
    }
    let mut parent = (len - 2) / 2;
    loop {
        let value = v[parent];
        adjust_heap(v, parent, len, value, less);
        if parent == 0 {
            break;
        }
        parent -= 1;
    }
    let mut last = len;
    while last > 1 {
        last -= 1;
        let value = v[last];
        v[last] = v[0];
        adjust_heap(v, 0, last, value, less);
    }
}

fn adjust_heap(
    v: &mut [(usize, usize)],
    top: usize,
    len: usize,
    value: (usize, usize),
    less: Less,
) {
    let mut hole = top;
    let mut child = hole;
    while child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if less(&v[child], &v[child - 1]) {
            child -= 1;
        }
        v[hole] = v[child];
        hole = child;
    }
    if len.is_multiple_of(2) && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        v[hole] = v[child - 1];
        hole = child - 1;
    }
    // __push_heap
    let mut parent = hole.wrapping_sub(1) / 2;
    while hole > top && less(&v[parent], &value) {
        v[hole] = v[parent];
        hole = parent;
        parent = hole.wrapping_sub(1) / 2;
    }
    v[hole] = value;
}

/// One way of running a classifier over a batch: what its final states and logits are.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassifierRun {
    /// True when run packed (lengths passed), false over every position.
    pub packed: bool,
    /// `h_n`, `L·D × B × H`.
    pub h_n: Vec<f64>,
    /// `c_n`, `L·D × B × H` (LSTM), else empty.
    pub c_n: Vec<f64>,
    /// What `fc` read, `B × D·H`: the last layer's forward then reverse final state.
    pub features: Vec<f64>,
    /// `B × C`.
    pub logits: Vec<f64>,
    /// The predicted class of each sequence (the first of equal maxima).
    pub predictions: Vec<usize>,
}

/// A classifier batch run packed and padded, with its layout: what the panel shows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassifierPacking {
    /// The layout of the lengths.
    pub layout: PackedLayout,
    /// L, D, H: how to read `h_n`.
    pub num_layers: usize,
    /// D
    pub directions: usize,
    /// H
    pub hidden_size: usize,
    /// With the lengths (`model(text, lengths)`).
    pub packed: ClassifierRun,
    /// Without them (`model(text)`): padding read by both directions.
    pub padded: ClassifierRun,
}

/// Runs `model` over `tokens` packed (its lengths) and padded (every position).
///
/// # Errors
/// Lengths or ids that do not fit (the message names `lengths` or `text`).
pub fn classifier_packing(
    model: &LstmClassifier,
    tokens: &TokenBatch,
) -> Result<ClassifierPacking, String> {
    let layout = PackedLayout::new(&tokens.lengths, Some(tokens.steps))?;
    if tokens.ids.len() != tokens.batch * tokens.steps || tokens.lengths.len() != tokens.batch {
        return Err("text: expected B × T ids and B lengths".into());
    }
    let vocab = model.embedding.num_embeddings;
    if let Some(i) = tokens.ids.iter().position(|&id| id >= vocab) {
        return Err(format!(
            "text[{}][{}]: expected an id below {vocab}, got {}",
            i / tokens.steps,
            i % tokens.steps,
            tokens.ids[i]
        ));
    }
    let run = |lengths: Vec<usize>, packed: bool| {
        let batch = TokenBatch {
            lengths,
            ..tokens.clone()
        };
        let f = model.forward(&batch, None);
        let c = model.fc.out_features;
        ClassifierRun {
            packed,
            predictions: f.logits.chunks(c).map(argmax).collect(),
            h_n: f.rnn.h_n,
            c_n: f.rnn.c_n,
            features: f.features,
            logits: f.logits,
        }
    };
    let arch: Architecture = model.arch();
    Ok(ClassifierPacking {
        num_layers: arch.num_layers,
        directions: arch.directions(),
        hidden_size: arch.hidden_size,
        packed: run(tokens.lengths.clone(), true),
        padded: run(vec![tokens.steps; tokens.batch], false),
        layout,
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

    /// Lengths `[2, 3, 1]`: sorted `[1, 0, 2]`, batch sizes `[3, 2, 1]`; data rows
    /// t=0: b1, b0, b2; t=1: b1, b0; t=2: b1.
    #[test]
    fn hand_worked_layout() {
        let l = PackedLayout::new(&[2, 3, 1], None).unwrap();
        assert_eq!(l.sorted_indices, [1, 0, 2]);
        assert_eq!(l.unsorted_indices, [1, 0, 2]);
        assert_eq!(l.batch_sizes, [3, 2, 1]);
        let idx = l.data_index();
        let want = [
            Some(1),
            Some(4),
            None,
            Some(0),
            Some(3),
            Some(5),
            Some(2),
            None,
            None,
        ];
        assert_eq!(idx, want);
        let padded: Vec<f64> = (0..9).map(|v| v as f64).collect();
        let data = l.pack(&padded, 1).unwrap();
        assert_eq!(data, [3.0, 0.0, 6.0, 4.0, 1.0, 5.0]);
        let back = l.unpack(&data, 1).unwrap();
        assert_eq!(back, [0.0, 1.0, 0.0, 3.0, 4.0, 5.0, 6.0, 0.0, 0.0]);
    }

    #[test]
    fn runs_start_at_each_sequences_last_step() {
        let l = PackedLayout::new(&[2, 3], Some(4)).unwrap();
        let p = l.runs(true);
        assert_eq!(p.forward[..4], [Some(0), Some(1), None, None]);
        assert_eq!(p.reverse[..4], [Some(1), Some(0), None, None]);
        assert_eq!(p.reverse[4..], [Some(2), Some(1), Some(0), None]);
        let u = l.runs(false);
        assert_eq!(u.reverse[..4], [Some(3), Some(2), Some(1), Some(0)]);
    }

    #[test]
    fn bad_lengths_name_the_field() {
        let e = PackedLayout::new(&[2, 0, 1], None).unwrap_err();
        assert_eq!(e, "lengths[1]: expected an integer in 1..=2, got 0");
        let e = PackedLayout::new(&[2, 5], Some(3)).unwrap_err();
        assert!(e.starts_with("lengths[1]:"), "{e}");
        assert!(PackedLayout::new(&[], None)
            .unwrap_err()
            .starts_with("lengths:"));
        let e = PackedLayout::new(&[1], Some(MAX_STEPS + 1)).unwrap_err();
        assert!(e.starts_with("steps:"), "{e}");
    }

    /// Any sort: a permutation, non-increasing; small batches keep ties in order.
    #[test]
    fn sort_is_a_descending_permutation() {
        let mut rng = crate::rng::Rng::new(5);
        for n in [1, 2, 16, 17, 40, 300] {
            let lengths: Vec<usize> = (0..n).map(|_| 1 + (rng.uniform() * 4.0) as usize).collect();
            let s = sort_descending(&lengths);
            let mut seen = s.clone();
            seen.sort();
            assert_eq!(seen, (0..n).collect::<Vec<_>>());
            assert!(s.windows(2).all(|w| lengths[w[0]] >= lengths[w[1]]));
            if n <= 16 {
                assert!(s
                    .windows(2)
                    .all(|w| lengths[w[0]] > lengths[w[1]] || w[0] < w[1]));
            }
        }
        let mut v: Vec<(usize, usize)> =
            [3, 1, 4, 1, 5, 9, 2, 6].iter().copied().zip(0..).collect();
        heap_sort(&mut v, &|a, b| a.0 > b.0);
        assert!(v.windows(2).all(|w| w[0].0 >= w[1].0));
    }
}
