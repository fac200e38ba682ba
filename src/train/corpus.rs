//! A corpus for the text classifier: a vocabulary, the class names, and a training and a test
//! set of encoded sentences; the shipped sentiment data ([`crate::train::sentiment`]) and a file
//! brought by the user ([`Corpus::from_labelled`]) are both one.
//!
//! Training draws `B` sentences per iteration uniformly, with replacement, from the training set
//! ([`Corpus::sample`], `rng.below(n)` `B` times from the run's batch stream); evaluation scores
//! the whole test set in chunks, and, when the corpus marks them, its long-range sentences apart.
//! The vocabulary is built from the training texts only, so a word that appears only in the test
//! set is `<unk>` there.

use crate::rng::Rng;
use crate::train::import::{split, Labelled};
use crate::train::text::{pad, Vocabulary};
use crate::train::trainer::TextData;

/// Encoded sentences with one class each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sentences {
    /// Token ids, each sentence at least one token long.
    pub ids: Vec<Vec<usize>>,
    /// One class per sentence.
    pub labels: Vec<usize>,
    /// Per sentence, whether the tokens that decide its label are far apart; empty when the
    /// corpus does not say.
    pub long_range: Vec<bool>,
    /// The sentences as written (trimmed), to show them; empty when the corpus does not keep them.
    pub texts: Vec<String>,
}

impl Sentences {
    /// The number of sentences.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The longest sentence, in tokens.
    pub fn longest(&self) -> usize {
        self.ids.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The sentences at `indices` as one padded batch with their labels.
    ///
    /// # Panics
    /// On an index out of range or an empty sentence ([`check`] refuses those first).
    pub fn batch(&self, indices: &[usize], classes: usize) -> TextData {
        let rows: Vec<&[usize]> = indices.iter().map(|&i| self.ids[i].as_slice()).collect();
        TextData {
            tokens: pad(&rows).expect("checked sentences"),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            classes,
        }
    }

    /// Whether the sentences are well formed for a vocabulary of `vocab` tokens and `classes`
    /// classes: at least one, none empty, ids and labels in range, `long_range` empty or one per
    /// sentence. The message says what is wrong.
    ///
    /// # Errors
    /// The first thing wrong.
    pub fn check(&self, vocab: usize, classes: usize) -> Result<(), String> {
        if self.is_empty() || self.labels.len() != self.len() {
            return Err(format!(
                "expected 1 or more sentences with one label each, got {} and {}",
                self.len(),
                self.labels.len()
            ));
        }
        if !(self.long_range.is_empty() || self.long_range.len() == self.len()) {
            return Err("expected long_range empty or one per sentence".into());
        }
        if !(self.texts.is_empty() || self.texts.len() == self.len()) {
            return Err("expected texts empty or one per sentence".into());
        }
        for (i, s) in self.ids.iter().enumerate() {
            if s.is_empty() || s.iter().any(|&id| id >= vocab) {
                return Err(format!(
                    "sentence {i}: expected 1 or more ids below {vocab}"
                ));
            }
        }
        match self.labels.iter().position(|&y| y >= classes) {
            Some(i) => Err(format!("sentence {i}: expected a label below {classes}")),
            None => Ok(()),
        }
    }
}

/// A vocabulary, classes and two sets of sentences (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Corpus {
    /// The tokens by id, from the training texts.
    pub vocab: Vocabulary,
    /// The classes' names by id.
    pub classes: Vec<String>,
    /// What training draws from.
    pub train: Sentences,
    /// What evaluation scores.
    pub test: Sentences,
}

impl Corpus {
    /// A corpus from labelled texts: split ([`split`], stratified, by `seed`), the vocabulary of
    /// the training texts (tokens seen at least `min_count` times), both sets encoded.
    pub fn from_labelled(
        data: &Labelled,
        test_fraction: f64,
        seed: u64,
        min_count: usize,
    ) -> Corpus {
        let (train, test) = split(&data.labels, test_fraction, seed);
        let vocab = Vocabulary::build(train.iter().map(|&i| data.texts[i].as_str()), min_count);
        let encode = |set: &[usize]| Sentences {
            ids: set.iter().map(|&i| vocab.encode(&data.texts[i])).collect(),
            labels: set.iter().map(|&i| data.labels[i]).collect(),
            long_range: Vec::new(),
            texts: set.iter().map(|&i| data.texts[i].clone()).collect(),
        };
        Corpus {
            train: encode(&train),
            test: encode(&test),
            classes: data.classes.clone(),
            vocab,
        }
    }

    /// `B` training sentences drawn uniformly with replacement from `rng`.
    pub fn sample(&self, rng: &mut Rng, batch_size: usize) -> TextData {
        let picks: Vec<usize> = (0..batch_size)
            .map(|_| rng.below(self.train.len()))
            .collect();
        self.train.batch(&picks, self.classes.len())
    }

    /// Whether both sets are well formed for this vocabulary and these classes.
    ///
    /// # Errors
    /// The first thing wrong, naming the set (`train` or `test`).
    pub fn check(&self) -> Result<(), String> {
        let (v, c) = (self.vocab.len(), self.classes.len());
        self.train.check(v, c).map_err(|m| format!("train: {m}"))?;
        self.test.check(v, c).map_err(|m| format!("test: {m}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::import::parse_labelled;
    use crate::train::text::UNK_ID;

    #[test]
    fn a_file_becomes_a_corpus_whose_vocabulary_is_the_training_sets() {
        let file = "good film\tpos\nbad film\tneg\ngreat\tpos\nawful\tneg\nfine\tpos\nmeh\tneg\n";
        let data = parse_labelled(file).unwrap();
        let c = Corpus::from_labelled(&data, 0.34, 3, 1);
        assert_eq!((c.train.len(), c.test.len()), (4, 2));
        assert_eq!(c.classes, ["neg", "pos"]);
        assert!(c.check().is_ok());
        assert_eq!(c.test.texts.len(), 2);
        for (text, ids) in c.test.texts.iter().zip(&c.test.ids) {
            assert_eq!(c.vocab.encode(text), *ids);
        }
        // Every test word absent from training is <unk>.
        for s in &c.test.ids {
            for &id in s {
                let known = id != UNK_ID;
                assert!(
                    !known || c.vocab.tokens()[id] == "film",
                    "{:?}",
                    c.vocab.tokens()
                );
            }
        }
        let b = c.sample(&mut Rng::new(1), 5);
        assert_eq!((b.tokens.batch, b.labels.len(), b.classes), (5, 5, 2));
        let mut bad = c.clone();
        bad.test.ids[0].clear();
        assert_eq!(
            bad.check().unwrap_err(),
            format!(
                "test: sentence 0: expected 1 or more ids below {}",
                c.vocab.len()
            )
        );
    }
}
