//! Trains a classifier spec (a file: `"task": {"name": "sentiment"}`) and prints its test
//! accuracy per construction of the shipped data (docs/sentiment.md, "Measured"). With a second
//! argument, also writes one line per test sentence to that file, `index<TAB>right` (1 or 0), in
//! the order of `data/sentiment/test.tsv`, for scoring any subset of it afterwards
//! (`scripts/sentiment_subsets.py`).
//!
//! `cargo run --release --example sentiment_breakdown -- SPEC [PER_SENTENCE_OUT]`

use std::collections::BTreeMap;
use std::time::Instant;

use unrolled::spec::train::parse_train_spec;
use unrolled::train::sentiment::{corpus, rows, TEST_TSV};
use unrolled::train::tasks::argmax;
use unrolled::train::trainer::{Sample, Trainer};

fn main() -> Result<(), String> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: sentiment_breakdown SPEC")?;
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let spec = parse_train_spec(&text).map_err(|e| e.to_string())?;
    let mut trainer = Trainer::new(spec.config).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let last = trainer.run(
        || start.elapsed().as_secs_f64(),
        |r| eprintln!("{}", r.to_json().chars().take(400).collect::<String>()),
    );
    println!("{}", last.to_json(None));
    let c = corpus();
    let rows = rows(TEST_TSV)?;
    let mut by: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut each = String::new();
    for (i, row) in rows.iter().enumerate() {
        let text = c.test.batch(&[i], 2);
        let (_, _, logits) = trainer.model().evaluate(Sample::Text(&text));
        let right = usize::from(argmax(&logits) == row.label);
        each.push_str(&format!("{i}\t{right}\n"));
        for key in [
            row.construction.to_string(),
            row.construction.split('.').next().unwrap_or("").to_string(),
        ] {
            let e = by.entry(key).or_default();
            e.0 += right;
            e.1 += 1;
        }
    }
    if let Some(out) = std::env::args().nth(2) {
        std::fs::write(&out, each).map_err(|e| format!("{out}: {e}"))?;
    }
    for (k, (r, n)) in by {
        println!("{k:20} {:.3} ({n})", r as f64 / n as f64);
    }
    Ok(())
}
