//! The shipped sentiment dataset (docs/sentiment.md): short English sentences labelled 0
//! (negative) or 1 (positive), written by `scripts/gen_sentiment.py --seed 9`, whose label
//! depends on words far apart (`not … good`, `although …, it was bad`, `I expected to hate it
//! but …`), with held-out templates and words in the test split.
//!
//! The two files, `data/sentiment/train.tsv` (3000 sentences) and `test.tsv` (1000), are compiled
//! in with `include_str!`, so the CLI and the page read the same bytes. Each line is
//! `text<TAB>label<TAB>construction<TAB>long_range` ([`Row`]); the vocabulary is built from the
//! training texts ([`crate::train::text::Vocabulary::build`], every token seen once or more), so
//! the test split's held-out words are `<unk>`.

use std::sync::{Arc, OnceLock};

use crate::train::corpus::{Corpus, Sentences};
use crate::train::text::Vocabulary;

/// The task's name in a training spec (`"task": {"name": "sentiment"}`).
pub const TASK_NAME: &str = "sentiment";
/// The classes by id.
pub const CLASSES: [&str; 2] = ["negative", "positive"];
/// The training split, as shipped.
pub const TRAIN_TSV: &str = include_str!("../../data/sentiment/train.tsv");
/// The test split, as shipped.
pub const TEST_TSV: &str = include_str!("../../data/sentiment/test.tsv");

/// What a `sentiment` run uses for the fields its spec leaves out (docs/sentiment.md, "Measured").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SentimentDefaults {
    /// `model.embed_dim`.
    pub embed_dim: usize,
    /// `model.hidden_dim`.
    pub hidden_dim: usize,
    /// `batch_size`.
    pub batch_size: usize,
}

/// The defaults of a `sentiment` run: the course's model (2 layers, bidirectional, dropout 0.5)
/// at a small width that trains in seconds, 32 sentences per iteration.
pub const SENTIMENT_DEFAULTS: SentimentDefaults = SentimentDefaults {
    embed_dim: 32,
    hidden_dim: 32,
    batch_size: 32,
};

/// One line of a shipped split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row<'a> {
    /// The sentence.
    pub text: &'a str,
    /// 0 negative, 1 positive.
    pub label: usize,
    /// The construction and template, e.g. `negation_far.b` (`.x`: a template held out of
    /// training).
    pub construction: &'a str,
    /// Whether the tokens that decide the label are 5 or more positions apart.
    pub long_range: bool,
}

/// The rows of a shipped split.
///
/// # Errors
/// A line that is not `text<TAB>0|1<TAB>construction<TAB>0|1`, by its number.
pub fn rows(tsv: &str) -> Result<Vec<Row<'_>>, String> {
    tsv.lines()
        .enumerate()
        .map(|(i, l)| row(i + 1, l))
        .collect()
}

fn flag(s: &str) -> Option<bool> {
    match s {
        "0" => Some(false),
        "1" => Some(true),
        _ => None,
    }
}

fn row(number: usize, line: &str) -> Result<Row<'_>, String> {
    let f: Vec<&str> = line.split('\t').collect();
    let (label, long_range) = (
        f.get(1).and_then(|s| flag(s)),
        f.get(3).and_then(|s| flag(s)),
    );
    match (f.as_slice(), label, long_range) {
        (&[text, _, construction, _], Some(label), Some(long_range)) => Ok(Row {
            text,
            label: usize::from(label),
            construction,
            long_range,
        }),
        _ => Err(format!(
            "line {number}: expected text<TAB>label<TAB>construction<TAB>long_range"
        )),
    }
}

fn corpus_from(train: &[Row], test: &[Row]) -> Corpus {
    let vocab = Vocabulary::build(train.iter().map(|r| r.text), 1);
    let encode = |rows: &[Row]| Sentences {
        ids: rows.iter().map(|r| vocab.encode(r.text)).collect(),
        labels: rows.iter().map(|r| r.label).collect(),
        long_range: rows.iter().map(|r| r.long_range).collect(),
        texts: rows.iter().map(|r| r.text.to_string()).collect(),
    };
    Corpus {
        train: encode(train),
        test: encode(test),
        classes: CLASSES.iter().map(|c| c.to_string()).collect(),
        vocab,
    }
}

/// The shipped corpus, built once.
///
/// # Panics
/// If the shipped files are malformed (a test reads them).
pub fn corpus() -> Arc<Corpus> {
    static CORPUS: OnceLock<Arc<Corpus>> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let train = rows(TRAIN_TSV).expect("the shipped training split");
            let test = rows(TEST_TSV).expect("the shipped test split");
            Arc::new(corpus_from(&train, &test))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::text::{tokenize, UNK_ID};
    use std::collections::HashSet;

    #[test]
    fn the_shipped_splits_are_well_formed_and_balanced() {
        let (train, test) = (rows(TRAIN_TSV).unwrap(), rows(TEST_TSV).unwrap());
        assert_eq!((train.len(), test.len()), (3000, 1000));
        for split in [&train, &test] {
            let positive = split.iter().filter(|r| r.label == 1).count();
            assert_eq!(2 * positive, split.len());
        }
        let c = corpus();
        assert!(c.check().is_ok());
        assert_eq!(c.vocab.len(), 180, "{:?}", c.vocab.tokens());
        assert_eq!(
            rows("a\t2\tplain.a\t0").unwrap_err(),
            "line 1: expected text<TAB>label<TAB>construction<TAB>long_range"
        );
    }

    /// No test sentence is a training sentence; the held-out templates (`.x`) appear only in
    /// the test split; the held-out words are absent from training (so `<unk>` in test) and
    /// present in test.
    #[test]
    fn held_out_templates_and_words_are_absent_from_training() {
        let (train, test) = (rows(TRAIN_TSV).unwrap(), rows(TEST_TSV).unwrap());
        let texts: HashSet<&str> = train.iter().map(|r| r.text).collect();
        assert!(test.iter().all(|r| !texts.contains(r.text)));
        assert!(train.iter().all(|r| !r.construction.ends_with(".x")));
        assert!(
            test.iter()
                .filter(|r| r.construction.ends_with(".x"))
                .count()
                > 300
        );
        let words = |rows: &[Row]| -> HashSet<String> {
            rows.iter().flat_map(|r| tokenize(r.text)).collect()
        };
        let (seen, tested) = (words(&train), words(&test));
        let held_out = [
            "opera",
            "podcast",
            "exhibition",
            "sequel",
            "lighting",
            "scenery",
            "soundtrack",
            "marvellous",
            "splendid",
            "gripping",
            "dismal",
            "clunky",
            "insipid",
            "harbour",
            "windy",
            "grandmother",
            "canal",
            "commute",
            "strangers",
        ];
        let c = corpus();
        for w in held_out {
            assert!(!seen.contains(w) && tested.contains(w), "{w}");
            assert_eq!(c.vocab.id(w), UNK_ID);
        }
        let long = test.iter().filter(|r| r.long_range).count();
        assert!(
            (400..700).contains(&long),
            "{long} long-range test sentences"
        );
    }
}
