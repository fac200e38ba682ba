//! The copying memory problem: Arjovsky, Shah & Bengio 2016, "Unitary Evolution Recurrent
//! Neural Networks", *ICML*, section 4.1.
//!
//! Ten categories `a₀ … a₉`: `a₀` the blank, `a₁ … a₈` the data symbols, `a₉` the delimiter,
//! one-hot (input size 10, category `c` at index `c`). For a lag `T` and `k` symbols to copy
//! (the paper's `k` is 10), every sequence has length `T + 2k`:
//!
//! ```text
//! input : s₁ … s_k   a₀ … a₀ (T − 1)   a₉   a₀ … a₀ (k)
//! target: a₀ … a₀ (T + k)                   s₁ … s_k
//! ```
//!
//! with the `sᵢ` uniform over `a₁ … a₈`, independent ("sampled uniformly, independently and with
//! replacement"). The delimiter sits at position `T + k − 1` and the first symbol to recall at
//! `T + k`, exactly `T + k` steps after it was shown. The loss is the cross-entropy averaged over
//! all `T + 2k` steps. The output has 9 classes, `a₀ … a₈` (the delimiter is never a target), so
//! a label is the category's index.
//!
//! The memoryless strategy predicts the blank for `T + k` steps, then each of the 8 symbols with
//! probability `1/8`: cross-entropy `k ln 8 / (T + 2k)` (the paper's `10 log 8 / (T + 20)`).
//! Success is the recall accuracy: the fraction of the `k` recalled symbols whose highest score
//! is the right one (blanks are left out: a memoryless network gets them all).
//!
//! With `k = 1` this is the latch of Bengio, Simard & Frasconi 1994 ("Learning Long-Term
//! Dependencies with Gradient Descent is Difficult", *IEEE Transactions on Neural Networks*
//! 5(2)): hold one piece of information given at the start across `T` steps that carry none
//! (their latch held one of two classes through noise; here one of eight symbols through blanks).

use super::{argmax, check_range, sequence_mut, zero_batch, TaskBatch, MAX_STEPS};
use crate::rng::Rng;

/// Arjovsky, Shah & Bengio's copying memory problem; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyMemory {
    /// `T`: the delimiter comes `T` steps after the first symbol; the paper runs 100 to 500.
    steps: usize,
    /// `k`: how many symbols to remember and reproduce (the paper's 10; 1 is the latch).
    k: usize,
}

impl CopyMemory {
    /// The shortest `T`: no blank between the symbols and the delimiter (`T − 1 = 0`).
    pub const MIN_STEPS: usize = 1;

    /// Width of one input step: one-hot over `a₀ … a₉`.
    pub const INPUT_SIZE: usize = 10;
    /// Number of output classes, `a₀ … a₈`.
    pub const OUTPUT_SIZE: usize = 9;
    /// Index of the blank `a₀`.
    pub const BLANK: usize = 0;
    /// Index of the delimiter `a₉`.
    pub const DELIMITER: usize = 9;
    /// Number of data symbols `a₁ … a₈`.
    pub const DATA_SYMBOLS: usize = 8;
    /// The paper's `k`.
    pub const PAPER_K: usize = 10;
    /// Largest `k`.
    pub const MAX_K: usize = 100;

    /// The task with lag `steps` and `k` symbols to copy.
    ///
    /// # Errors
    /// `task.steps` outside `1..=`[`MAX_STEPS`], `task.k` outside `1..=`[`Self::MAX_K`].
    pub fn new(steps: usize, k: usize) -> Result<Self, super::TaskError> {
        check_range("task.steps", "copy", steps, Self::MIN_STEPS, MAX_STEPS)?;
        check_range("task.k", "copy", k, 1, Self::MAX_K)?;
        Ok(CopyMemory { steps, k })
    }

    /// `T`.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// `k`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The length of every sequence, `T + 2k`.
    pub fn length(&self) -> usize {
        self.steps + 2 * self.k
    }

    /// Where the delimiter is, `T + k − 1`.
    pub fn delimiter_position(&self) -> usize {
        self.steps + self.k - 1
    }

    /// The memoryless cross-entropy, `k ln 8 / (T + 2k)`.
    pub fn baseline_loss(&self) -> f64 {
        self.k as f64 * (Self::DATA_SYMBOLS as f64).ln() / self.length() as f64
    }

    /// `batch_size` sequences of length `T + 2k`.
    ///
    /// # Shapes
    /// `batch.input`: `B × (T + 2k) × 10` (one-hot); `labels`: `B × (T + 2k)`, each in `0..9`.
    pub fn sample(&self, rng: &mut Rng, batch_size: usize) -> TaskBatch {
        let n = self.length();
        let mut batch = zero_batch(vec![n; batch_size], Self::INPUT_SIZE, n);
        let mut labels = vec![Self::BLANK; batch_size * n];
        for b in 0..batch_size {
            let recalled = &mut labels[b * n + n - self.k..(b + 1) * n];
            self.fill(rng, sequence_mut(&mut batch, b), recalled);
        }
        TaskBatch {
            batch,
            target: Vec::new(),
            labels,
        }
    }

    /// Writes one input sequence into `row` and its `k` symbols into `recalled`.
    fn fill(&self, rng: &mut Rng, row: &mut [f64], recalled: &mut [usize]) {
        for (t, symbol) in recalled.iter_mut().enumerate() {
            *symbol = 1 + rng.below(Self::DATA_SYMBOLS);
            row[t * Self::INPUT_SIZE + *symbol] = 1.0;
        }
        for t in self.k..self.length() {
            let category = if t == self.delimiter_position() {
                Self::DELIMITER
            } else {
                Self::BLANK
            };
            row[t * Self::INPUT_SIZE + category] = 1.0;
        }
    }

    /// The fraction of the `B·k` recalled symbols (the last `k` steps) whose highest score is
    /// the label (0 for an empty batch).
    ///
    /// # Shapes
    /// `outputs`: `B × (T + 2k) × 9` scores (logits or probabilities).
    ///
    /// # Panics
    /// When `outputs` does not have that shape.
    pub fn recall_accuracy(&self, sample: &TaskBatch, outputs: &[f64]) -> f64 {
        let (n, c) = (self.length(), Self::OUTPUT_SIZE);
        assert_eq!(
            outputs.len(),
            sample.labels.len() * c,
            "outputs are B × (T + 2k) × 9"
        );
        let mut hits = 0;
        for (b, labels) in sample.labels.chunks_exact(n).enumerate() {
            for t in n - self.k..n {
                let scores = &outputs[(b * n + t) * c..(b * n + t + 1) * c];
                hits += usize::from(argmax(scores) == labels[t]);
            }
        }
        let total = sample.batch.batch * self.k;
        if total == 0 {
            0.0
        } else {
            hits as f64 / total as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: usize = CopyMemory::INPUT_SIZE;

    /// The categories of sequence `b`, checking each step is one-hot.
    fn categories(s: &TaskBatch, b: usize) -> Vec<usize> {
        let n = s.batch.steps;
        (0..n)
            .map(|t| {
                let step = &s.batch.input[(b * n + t) * I..(b * n + t + 1) * I];
                assert_eq!(step.iter().sum::<f64>(), 1.0, "one-hot");
                step.iter().position(|&x| x == 1.0).unwrap()
            })
            .collect()
    }

    #[test]
    fn layout_delimiter_and_target_alignment() {
        // T = 5, k = 3: s s s _ _ _ _ | _ _ _  (delimiter at T + k − 1 = 7), length 11.
        let task = CopyMemory::new(5, 3).unwrap();
        assert_eq!((task.length(), task.delimiter_position()), (11, 7));
        let s = task.sample(&mut Rng::new(1), 50);
        assert_eq!(s.batch.steps, 11);
        assert!(s.batch.lengths.iter().all(|&n| n == 11));
        for b in 0..50 {
            let x = categories(&s, b);
            let y = &s.labels[b * 11..(b + 1) * 11];
            assert!(x[..3].iter().all(|c| (1..=8).contains(c)), "{x:?}");
            assert!(
                x[3..7].iter().all(|&c| c == CopyMemory::BLANK),
                "T − 1 blanks"
            );
            assert_eq!(x[7], CopyMemory::DELIMITER);
            assert!(x[8..].iter().all(|&c| c == CopyMemory::BLANK), "k blanks");
            assert!(
                y[..8].iter().all(|&c| c == CopyMemory::BLANK),
                "T + k blank targets"
            );
            assert_eq!(&y[8..], &x[..3], "then the symbols, in order");
        }
    }

    #[test]
    fn latch_is_the_one_symbol_case() {
        // k = 1, T = 1: symbol, delimiter, blank; the target recalls the symbol at the end.
        let task = CopyMemory::new(1, 1).unwrap();
        let s = task.sample(&mut Rng::new(2), 20);
        for b in 0..20 {
            let x = categories(&s, b);
            assert_eq!(&x[1..], &[CopyMemory::DELIMITER, CopyMemory::BLANK]);
            assert_eq!(&s.labels[b * 3..b * 3 + 3], &[0, 0, x[0]]);
        }
    }

    #[test]
    fn symbols_are_uniform_over_the_eight() {
        let task = CopyMemory::new(10, 10).unwrap();
        let s = task.sample(&mut Rng::new(3), 4000);
        let mut counts = [0usize; 9];
        for b in 0..4000 {
            categories(&s, b)[..10].iter().for_each(|&c| counts[c] += 1);
        }
        assert_eq!(counts[0], 0);
        for c in &counts[1..] {
            assert!((*c as f64 / 40_000.0 - 0.125).abs() < 0.005, "{counts:?}");
        }
    }

    #[test]
    fn baseline_is_the_best_position_only_predictor() {
        // 10 ln 8 / 120 for the paper's k = 10 at T = 100.
        let task = CopyMemory::new(100, 10).unwrap();
        assert_eq!(task.baseline_loss(), 10.0 * 8f64.ln() / 120.0);
        // Label frequencies per position, learnt from one batch, scored on another: the loss of
        // a predictor that sees only the position approaches k ln 8 / (T + 2k).
        let task = CopyMemory::new(20, 4).unwrap();
        let n = task.length();
        let learn = task.sample(&mut Rng::new(4), 10_000);
        let mut freq = vec![0.0f64; n * 9];
        for (i, &label) in learn.labels.iter().enumerate() {
            freq[(i % n) * 9 + label] += 1.0 / 10_000.0;
        }
        let test = task.sample(&mut Rng::new(5), 2000);
        let ce = test
            .labels
            .iter()
            .enumerate()
            .map(|(i, &label)| -freq[(i % n) * 9 + label].ln())
            .sum::<f64>()
            / test.labels.len() as f64;
        assert!((ce - task.baseline_loss()).abs() < 0.005, "{ce}");
    }

    #[test]
    fn recall_accuracy_scores_only_the_recalled_symbols() {
        let task = CopyMemory::new(6, 2).unwrap();
        let s = task.sample(&mut Rng::new(6), 1000);
        let one_hot = |labels: &[usize]| -> Vec<f64> {
            labels
                .iter()
                .flat_map(|&l| (0..9).map(move |c| if c == l { 1.0 } else { 0.0 }))
                .collect()
        };
        assert_eq!(task.recall_accuracy(&s, &one_hot(&s.labels)), 1.0);
        let blanks = vec![0; s.labels.len()];
        assert_eq!(task.recall_accuracy(&s, &one_hot(&blanks)), 0.0);
        let ones = vec![1; s.labels.len()];
        let guess = task.recall_accuracy(&s, &one_hot(&ones));
        assert!((guess - 0.125).abs() < 0.025, "{guess}");
    }
}
