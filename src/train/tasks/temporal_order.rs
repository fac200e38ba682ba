//! The temporal order problem: Hochreiter & Schmidhuber 1997, "Long Short-Term Memory",
//! *Neural Computation* 9(8), section 5.6, experiment 6a ("two relevant, widely separated
//! symbols").
//!
//! Symbols are one-hot over the alphabet `a b c d B E X Y` (input size 8, in that order). The
//! paper's sequences "start with an E, end with a B (the 'trigger symbol') and otherwise consist
//! of randomly chosen symbols from the set {a, b, c, d} except for two elements at positions t₁
//! and t₂ that are either X or Y"; the length is random in `100..=110`, `t₁` in `10..=20`, `t₂` in
//! `50..=60`. The class, read at the end, is the temporal order of the two: `X,X → Q`,
//! `X,Y → R`, `Y,X → S`, `Y,Y → U`, here labels `0, 1, 2, 3` (`label = 2·[s₁ = Y] + [s₂ = Y]`).
//!
//! We scale the paper's windows with `T` (the paper's `T` is 100):
//!
//! ```text
//! length ∈ [T, T + ⌊T/10⌋],  t₁ ∈ [⌊T/10⌋, ⌊T/5⌋],  t₂ ∈ [⌊T/2⌋, ⌊3T/5⌋]   (all uniform integers)
//! ```
//!
//! so at `T = 100` it is the paper's task exactly. Our reading where the text leaves room:
//! positions count from 0 with the E at position 0 (the paper does not say; counting from 1
//! would shift both windows by one step and change no lag); X and Y are equally likely and
//! independent at `t₁` and `t₂` (so the four classes are balanced), and the distractors are
//! uniform over `a, b, c, d`.
//!
//! Success: the paper counts a sequence as correct "if the final absolute error of all output
//! units is below 0.3" (locally represented targets); with a softmax head we score the argmax,
//! i.e. [`accuracy`](super::accuracy). The memoryless baseline predicts the class frequencies,
//! `1/4` each: cross-entropy `ln 4 ≈ 1.386`.

use super::{check_range, sequence_mut, uniform_int, zero_batch, TaskBatch, MAX_STEPS};
use crate::rng::Rng;
use std::ops::RangeInclusive;

/// Hochreiter & Schmidhuber's temporal order problem 6a, scaled by `T`; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemporalOrder {
    /// `T`, the minimal length (the paper's 100); the windows scale with it.
    steps: usize,
}

impl TemporalOrder {
    /// The alphabet, in one-hot order.
    pub const SYMBOLS: [char; 8] = ['a', 'b', 'c', 'd', 'B', 'E', 'X', 'Y'];
    /// Width of one step: one-hot over [`Self::SYMBOLS`].
    pub const INPUT_SIZE: usize = 8;
    /// Number of classes.
    pub const CLASSES: usize = 4;
    /// The paper's class names and the order they stand for, by label.
    pub const CLASS_NAMES: [&'static str; 4] = ["Q: X…X", "R: X…Y", "S: Y…X", "U: Y…Y"];
    /// Cross-entropy of predicting the class frequencies (`1/4` each): `ln 4`.
    pub const BASELINE_LOSS: f64 = std::f64::consts::LN_2 * 2.0;
    /// Smallest `T`: `t₁ ≥ ⌊T/10⌋` must be after the E at position 0.
    pub const MIN_STEPS: usize = 10;

    /// Index of the trigger symbol `B` (the last step).
    pub const TRIGGER: usize = 4;
    /// Index of the start symbol `E`.
    pub const START: usize = 5;
    /// Index of `X` (`Y` is `X + 1`).
    pub const X: usize = 6;
    /// Number of distractors `a, b, c, d` (indices `0..4`).
    pub const DISTRACTORS: usize = 4;

    /// The task with minimal length `steps`.
    ///
    /// # Errors
    /// `task.steps` outside `10..=`[`MAX_STEPS`].
    pub fn new(steps: usize) -> Result<Self, super::TaskError> {
        check_range(
            "task.steps",
            "temporal_order",
            steps,
            Self::MIN_STEPS,
            MAX_STEPS,
        )?;
        Ok(TemporalOrder { steps })
    }

    /// `T`.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The longest sequence drawn, `T + ⌊T/10⌋`.
    pub fn max_length(&self) -> usize {
        self.steps + self.steps / 10
    }

    /// Where the first relevant symbol lies: `⌊T/10⌋ ..= ⌊T/5⌋`.
    pub fn first_window(&self) -> RangeInclusive<usize> {
        self.steps / 10..=self.steps / 5
    }

    /// Where the second relevant symbol lies: `⌊T/2⌋ ..= ⌊3T/5⌋`.
    pub fn second_window(&self) -> RangeInclusive<usize> {
        self.steps / 2..=3 * self.steps / 5
    }

    /// `batch_size` sequences of lengths `T ..= T + ⌊T/10⌋`, padded with zeros.
    ///
    /// # Shapes
    /// `batch.input`: `B × T_max × 8` (one-hot); `labels`: `B`, each in `0..4`.
    pub fn sample(&self, rng: &mut Rng, batch_size: usize) -> TaskBatch {
        let lengths = (0..batch_size)
            .map(|_| uniform_int(rng, self.steps, self.max_length()))
            .collect();
        let mut batch = zero_batch(lengths, Self::INPUT_SIZE, self.steps);
        let mut labels = Vec::with_capacity(batch_size);
        for b in 0..batch_size {
            let length = batch.lengths[b];
            labels.push(self.fill(rng, sequence_mut(&mut batch, b), length));
        }
        TaskBatch {
            batch,
            target: Vec::new(),
            labels,
        }
    }

    /// Writes one sequence of `length` one-hot steps into `row` and returns its label.
    fn fill(&self, rng: &mut Rng, row: &mut [f64], length: usize) -> usize {
        let mut symbols = vec![0; length];
        symbols[0] = Self::START;
        symbols[length - 1] = Self::TRIGGER;
        for s in &mut symbols[1..length - 1] {
            *s = rng.below(Self::DISTRACTORS);
        }
        let t1 = uniform_int(
            rng,
            *self.first_window().start(),
            *self.first_window().end(),
        );
        let t2 = uniform_int(
            rng,
            *self.second_window().start(),
            *self.second_window().end(),
        );
        let (y1, y2) = (rng.below(2), rng.below(2));
        symbols[t1] = Self::X + y1;
        symbols[t2] = Self::X + y2;
        for (t, &s) in symbols.iter().enumerate() {
            row[t * Self::INPUT_SIZE + s] = 1.0;
        }
        2 * y1 + y2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const I: usize = TemporalOrder::INPUT_SIZE;

    /// The symbol indices of sequence `b`'s valid steps, checking each step is one-hot.
    fn symbols(s: &TaskBatch, b: usize) -> Vec<usize> {
        let steps = s.batch.steps;
        let row = &s.batch.input[b * steps * I..(b + 1) * steps * I];
        let n = s.batch.lengths[b];
        assert!(row[n * I..].iter().all(|&x| x == 0.0), "zero padding");
        (0..n)
            .map(|t| {
                let step = &row[t * I..(t + 1) * I];
                assert_eq!(step.iter().sum::<f64>(), 1.0, "one-hot");
                step.iter().position(|&x| x == 1.0).unwrap()
            })
            .collect()
    }

    #[test]
    fn at_t_100_the_windows_are_the_papers() {
        let task = TemporalOrder::new(100).unwrap();
        assert_eq!(task.first_window(), 10..=20);
        assert_eq!(task.second_window(), 50..=60);
        assert_eq!(task.max_length(), 110);
    }

    #[test]
    fn layout_symbols_positions_and_labels() {
        for steps in [10, 37, 100] {
            let task = TemporalOrder::new(steps).unwrap();
            let s = task.sample(&mut Rng::new(steps as u64), 300);
            for b in 0..300 {
                let sym = symbols(&s, b);
                let n = sym.len();
                assert!((steps..=task.max_length()).contains(&n));
                assert_eq!(
                    (sym[0], sym[n - 1]),
                    (TemporalOrder::START, TemporalOrder::TRIGGER)
                );
                let relevant: Vec<usize> = (0..n).filter(|&t| sym[t] >= TemporalOrder::X).collect();
                assert_eq!(relevant.len(), 2, "two of X/Y");
                assert!(task.first_window().contains(&relevant[0]));
                assert!(task.second_window().contains(&relevant[1]));
                let others = (1..n - 1).filter(|t| !relevant.contains(t));
                assert!(others.clone().all(|t| sym[t] < TemporalOrder::DISTRACTORS));
                let [y1, y2] = [0, 1].map(|i| sym[relevant[i]] - TemporalOrder::X);
                assert_eq!(s.labels[b], 2 * y1 + y2);
            }
        }
    }

    #[test]
    fn classes_positions_and_distractors_are_balanced() {
        let task = TemporalOrder::new(100).unwrap();
        let s = task.sample(&mut Rng::new(6), 8000);
        let mut classes = [0usize; 4];
        let (mut t1_seen, mut t2_seen) = ([false; 11], [false; 11]);
        let mut distractors = [0usize; 4];
        for b in 0..8000 {
            classes[s.labels[b]] += 1;
            let sym = symbols(&s, b);
            let relevant: Vec<usize> = (0..sym.len()).filter(|&t| sym[t] >= 6).collect();
            t1_seen[relevant[0] - 10] = true;
            t2_seen[relevant[1] - 50] = true;
            sym.iter()
                .filter(|&&x| x < 4)
                .for_each(|&x| distractors[x] += 1);
        }
        for c in classes {
            assert!((c as f64 / 8000.0 - 0.25).abs() < 0.015, "{classes:?}");
        }
        assert!(
            t1_seen.iter().chain(&t2_seen).all(|&x| x),
            "every position of both windows"
        );
        let total: usize = distractors.iter().sum();
        for d in distractors {
            assert!(
                (d as f64 / total as f64 - 0.25).abs() < 0.005,
                "{distractors:?}"
            );
        }
        // The class frequencies' entropy is the memoryless cross-entropy: ≈ ln 4.
        let entropy: f64 = classes
            .iter()
            .map(|&c| c as f64 / 8000.0)
            .map(|p| -p * p.ln())
            .sum();
        assert!(
            (entropy - TemporalOrder::BASELINE_LOSS).abs() < 0.002,
            "{entropy}"
        );
        assert!((TemporalOrder::BASELINE_LOSS - 4f64.ln()).abs() < 1e-15);
    }

    #[test]
    fn lengths_vary_within_a_batch() {
        let s = TemporalOrder::new(100)
            .unwrap()
            .sample(&mut Rng::new(2), 16);
        let l = &s.batch.lengths;
        assert!(l.iter().any(|&n| n != l[0]));
        assert_eq!(s.batch.steps, *l.iter().max().unwrap());
    }
}
