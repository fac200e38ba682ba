//! Labelled sentences from a TSV or CSV file (bring your own data), checked line by line, and
//! their seeded split into a training and a test set.
//!
//! **Format.** One example per record, `text<TAB>label` (TSV) or `text,label` (CSV):
//!
//! - the file is TSV when its first non-blank line holds a tab, else CSV;
//! - TSV: a line is split at its tabs and must have exactly two fields; there is no quoting (a
//!   text cannot hold a tab or a line break);
//! - CSV, RFC 4180: fields separated by commas; a field that starts with `"` is quoted and runs
//!   to the next lone `"` (a doubled `""` is a quote inside it), so a quoted text may hold
//!   commas, quotes and line breaks; a record must have exactly two fields;
//! - line ends `\n` or `\r\n`; blank lines (nothing but white space) are skipped; a UTF-8 byte
//!   order mark at the start is dropped;
//! - the first record is a **header** and skipped when its label field is one of
//!   [`HEADER_LABELS`] (any case);
//! - texts are trimmed of surrounding white space and must hold at least one token
//!   ([`crate::train::text::tokenize`]) and at most [`MAX_TOKENS`];
//! - labels are trimmed; when every label is an integer (ASCII digits), the labels are the class
//!   ids as written, `0..=max`; otherwise every label is a **name** (a letter, then letters,
//!   digits, `_`, `-`, at most [`MAX_NAME_CHARS`]), the classes the distinct names in byte
//!   order (`neg`, `pos` → 0, 1); anything else (`-1`, `3.5`, an empty field) is refused;
//! - at least 2 distinct classes, at most [`MAX_CLASSES`] (the integers' `max + 1`).
//!
//! Errors name the line (1-based, of the record's first line) and what was expected, e.g.
//! `line 7: expected text<TAB>label, got 1 field`; the limits are [`MAX_BYTES`], [`MAX_RECORDS`].
//! Nothing panics on any input, bytes that are not UTF-8 included ([`parse_labelled_bytes`]).
//!
//! **Split.** [`split`] is stratified: each class's examples are shuffled by the seed
//! ([`Rng`], Fisher–Yates), the first `round(n_c · test_fraction)` of them (at least one when the
//! class has two or more) go to the test set, the rest to training; both sets keep the file's
//! order.

use std::fmt;

use crate::rng::Rng;
use crate::train::text::tokenize;

/// Largest file, in bytes: 8 MiB.
pub const MAX_BYTES: usize = 8 << 20;
/// Most examples in a file.
pub const MAX_RECORDS: usize = 50_000;
/// Most tokens in one text.
pub const MAX_TOKENS: usize = 400;
/// Most classes.
pub const MAX_CLASSES: usize = 100;
/// Longest class name, in characters.
pub const MAX_NAME_CHARS: usize = 40;
/// Label fields that mark the first record as a header (compared in lower case).
pub const HEADER_LABELS: [&str; 6] = [
    "label",
    "labels",
    "class",
    "category",
    "sentiment",
    "target",
];

/// A file refused: the line (when the error has one) and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// The 1-based line, `None` for the file as a whole.
    pub line: Option<usize>,
    /// What was expected, and what was found.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(n) => write!(f, "line {n}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ImportError {}

fn at<T>(line: usize, message: impl Into<String>) -> Result<T, ImportError> {
    Err(ImportError {
        line: Some(line),
        message: message.into(),
    })
}

fn whole<T>(message: impl Into<String>) -> Result<T, ImportError> {
    Err(ImportError {
        line: None,
        message: message.into(),
    })
}

/// Labelled texts, read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labelled {
    /// The texts, trimmed, in file order.
    pub texts: Vec<String>,
    /// One class id per text.
    pub labels: Vec<usize>,
    /// The classes' names by id: the names, or the integers written out (`"0"`, `"1"`, …).
    pub classes: Vec<String>,
    /// Each example's line in the file.
    pub lines: Vec<usize>,
}

/// One record: its first line and its fields.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Reads a file given as bytes: as [`parse_labelled`] once they are UTF-8.
///
/// # Errors
/// Bytes that are not UTF-8 (naming the line), or as [`parse_labelled`].
pub fn parse_labelled_bytes(bytes: &[u8]) -> Result<Labelled, ImportError> {
    if bytes.len() > MAX_BYTES {
        return whole(format!(
            "the file has {} bytes, over the limit of {MAX_BYTES}",
            bytes.len()
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_labelled(text),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            at(line, "not valid UTF-8 text")
        }
    }
}

/// Reads a TSV or CSV file of `text`, `label` records (module docs).
///
/// # Errors
/// The first malformed line, or a file with too few classes or too much data.
pub fn parse_labelled(text: &str) -> Result<Labelled, ImportError> {
    if text.len() > MAX_BYTES {
        return whole(format!(
            "the file has {} bytes, over the limit of {MAX_BYTES}",
            text.len()
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tsv = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.contains('\t'));
    let mut records = if tsv {
        tsv_records(text)?
    } else {
        csv_records(text)?
    };
    let header = records.first().is_some_and(|r| {
        let label = r.fields[1].trim().to_lowercase();
        HEADER_LABELS.contains(&label.as_str())
    });
    if header {
        records.remove(0);
    }
    if records.is_empty() {
        return whole("the file holds no examples (expected text<TAB>label or text,label lines)");
    }
    if records.len() > MAX_RECORDS {
        return at(
            records[MAX_RECORDS].line,
            format!("more than {MAX_RECORDS} examples"),
        );
    }
    let texts = records
        .iter()
        .map(check_text)
        .collect::<Result<Vec<_>, _>>()?;
    let (labels, classes) = read_labels(&records)?;
    Ok(Labelled {
        texts,
        labels,
        classes,
        lines: records.iter().map(|r| r.line).collect(),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The non-blank lines of a TSV file, two fields each.
fn tsv_records(text: &str) -> Result<Vec<Record>, ImportError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<String> = line.split('\t').map(str::to_string).collect();
        if fields.len() != 2 {
            let n = fields.len();
            return at(
                i + 1,
                format!("expected text<TAB>label, got {n} field{}", plural(n)),
            );
        }
        out.push(Record {
            line: i + 1,
            fields,
        });
    }
    Ok(out)
}

/// The records of a CSV file (RFC 4180), two fields each; blank lines skipped.
fn csv_records(text: &str) -> Result<Vec<Record>, ImportError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let fields = csv_record(&mut chars, &mut line)?;
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if fields.len() != 2 {
            let n = fields.len();
            return at(
                start,
                format!(
                    "expected text,label (quote a text that holds commas), got {n} field{}",
                    plural(n)
                ),
            );
        }
        out.push(Record {
            line: start,
            fields,
        });
    }
    Ok(out)
}

/// One CSV record from `chars`, through its line end; `line` counts the line breaks read.
fn csv_record(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    line: &mut usize,
) -> Result<Vec<String>, ImportError> {
    let start = *line;
    let mut fields = vec![String::new()];
    let mut quoted = false; // inside a quoted field
    let mut was_quoted = false; // the current field was quoted and has closed
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("at least one field");
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                was_quoted = true;
            }
            (true, c) => {
                *line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
            }
            (false, '"') => {
                return at(
                    *line,
                    "a quote inside an unquoted field (write it as \"\" inside a quoted field)",
                )
            }
            (false, ',') => {
                fields.push(String::new());
                was_quoted = false;
            }
            (false, '\n') => {
                *line += 1;
                break;
            }
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, c) if was_quoted && !c.is_whitespace() => {
                return at(
                    *line,
                    "text after a closing quote (expected a comma or the line end)",
                )
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return at(start, "a quoted field is not closed");
    }
    Ok(fields)
}

/// A record's text, trimmed and checked.
fn check_text(r: &Record) -> Result<String, ImportError> {
    let text = r.fields[0].trim();
    let n = tokenize(text).len();
    if n == 0 {
        return at(r.line, "empty text");
    }
    if n > MAX_TOKENS {
        return at(
            r.line,
            format!("the text has {n} tokens, over the limit of {MAX_TOKENS}"),
        );
    }
    Ok(text.to_string())
}

fn is_integer(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(char::is_alphabetic)
        && c.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && s.chars().count() <= MAX_NAME_CHARS
}

/// What a label must be, for messages.
fn expected_label() -> String {
    format!("expected a class id (0, 1, …) or a class name (a letter, then letters, digits, _ or -, at most {MAX_NAME_CHARS})")
}

/// The labels as class ids and the class names (module docs).
fn read_labels(records: &[Record]) -> Result<(Vec<usize>, Vec<String>), ImportError> {
    let raw: Vec<&str> = records.iter().map(|r| r.fields[1].trim()).collect();
    let both = records.iter().zip(&raw);
    if let Some((r, s)) = both.clone().find(|(_, s)| !is_integer(s) && !is_name(s)) {
        let what = if s.is_empty() {
            "an empty label".to_string()
        } else {
            format!("label {s:?}")
        };
        return at(r.line, format!("{what}: {}", expected_label()));
    }
    let integers = is_integer(raw[0]);
    if let Some((r, s)) = both.clone().find(|(_, s)| is_integer(s) != integers) {
        let kind = if integers { "class ids" } else { "class names" };
        return at(
            r.line,
            format!(
                "label {s:?}: expected {kind} as on line {} (class ids or class names, not both)",
                records[0].line
            ),
        );
    }
    let (labels, classes) = if integers {
        integer_labels(records, &raw)?
    } else {
        name_labels(&raw)?
    };
    let mut distinct = labels.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 2 {
        let only = classes[labels[0]].clone();
        return whole(format!("expected at least 2 classes, got only {only:?}"));
    }
    Ok((labels, classes))
}

fn integer_labels(
    records: &[Record],
    raw: &[&str],
) -> Result<(Vec<usize>, Vec<String>), ImportError> {
    let mut labels = Vec::with_capacity(raw.len());
    for (r, s) in records.iter().zip(raw) {
        match s.parse::<usize>() {
            Ok(y) if y < MAX_CLASSES => labels.push(y),
            _ => {
                return at(
                    r.line,
                    format!("label {s}: expected a class id below {MAX_CLASSES}"),
                )
            }
        }
    }
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok((labels, (0..classes).map(|c| c.to_string()).collect()))
}

fn name_labels(raw: &[&str]) -> Result<(Vec<usize>, Vec<String>), ImportError> {
    let mut names: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
    names.sort();
    names.dedup();
    if names.len() > MAX_CLASSES {
        return whole(format!(
            "{} classes, over the limit of {MAX_CLASSES}",
            names.len()
        ));
    }
    let index = |s: &&str| names.binary_search_by(|n| n.as_str().cmp(s)).unwrap_or(0);
    let labels = raw.iter().map(index).collect();
    Ok((labels, names))
}

/// The indices of `labels` in a training and a test set (module docs): stratified by class,
/// shuffled by `seed`, each set in the original order.
pub fn split(labels: &[usize], test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut rng = Rng::new(seed);
    let mut in_test = vec![false; labels.len()];
    for c in 0..classes {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        for i in (1..members.len()).rev() {
            members.swap(i, rng.below(i + 1));
        }
        let n = members.len();
        let mut take = (n as f64 * test_fraction).round() as usize;
        if n >= 2 {
            take = take.clamp(1, n - 1);
        }
        for &i in &members[..take.min(n)] {
            in_test[i] = true;
        }
    }
    (0..labels.len()).partition(|&i| !in_test[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        parse_labelled(text).unwrap_err().to_string()
    }

    #[test]
    fn tsv_with_a_header_integer_labels_and_blank_lines() {
        let d =
            parse_labelled("text\tlabel\nGood film\t1\n\n  \r\nBad, bad film \t 0\r\n").unwrap();
        assert_eq!(d.texts, ["Good film", "Bad, bad film"]);
        assert_eq!(d.labels, [1, 0]);
        assert_eq!(d.classes, ["0", "1"]);
        assert_eq!(d.lines, [2, 5]);
    }

    #[test]
    fn csv_with_quotes_names_and_line_breaks() {
        let csv =
            "\u{feff}sentence,Sentiment\n\"Loved it, truly\",pos\n\"He said \"\"meh\"\"\",neg\n\
                   \"two\nlines\",pos\nplain text , neg\n";
        let d = parse_labelled(csv).unwrap();
        assert_eq!(
            d.texts,
            [
                "Loved it, truly",
                "He said \"meh\"",
                "two\nlines",
                "plain text"
            ]
        );
        assert_eq!(d.classes, ["neg", "pos"]);
        assert_eq!(d.labels, [1, 0, 1, 0]);
        assert_eq!(d.lines, [2, 3, 4, 6]);
        let d = parse_labelled("a,0\r\nb,2\r\n").unwrap();
        assert_eq!((d.labels, d.classes.len()), (vec![0, 2], 3));
    }

    /// Every malformed case, with its exact message.
    #[test]
    fn malformed_files_name_the_line() {
        let cases = [
            ("good\t1\nbad\n", "line 2: expected text<TAB>label, got 1 field"),
            ("good\t1\nbad\t0\tx\n", "line 2: expected text<TAB>label, got 3 fields"),
            ("good,1\nbad film, really,0\n", "line 2: expected text,label (quote a text that holds commas), got 3 fields"),
            ("good,1\nbad\n", "line 2: expected text,label (quote a text that holds commas), got 1 field"),
            ("good,1\n\"bad,0\n", "line 2: a quoted field is not closed"),
            ("good,1\nba\"d,0\n", "line 2: a quote inside an unquoted field (write it as \"\" inside a quoted field)"),
            ("good,1\n\"bad\"x,0\n", "line 2: text after a closing quote (expected a comma or the line end)"),
            ("good\t1\n\t0\n", "line 2: empty text"),
            ("good\t1\nbad\t-1\n", "line 2: label \"-1\": expected a class id (0, 1, …) or a class name (a letter, then letters, digits, _ or -, at most 40)"),
            ("good\tpos\nbad\t3.5\n", "line 2: label \"3.5\": expected a class id (0, 1, …) or a class name (a letter, then letters, digits, _ or -, at most 40)"),
            ("good\tpos\nbad\t\n", "line 2: an empty label: expected a class id (0, 1, …) or a class name (a letter, then letters, digits, _ or -, at most 40)"),
            ("good\tpos\nbad\t0\n", "line 2: label \"0\": expected class names as on line 1 (class ids or class names, not both)"),
            ("\n\ngood\t1\nbad\tneg\n", "line 4: label \"neg\": expected class ids as on line 3 (class ids or class names, not both)"),
            ("good\t1\nbad\t100\n", "line 2: label 100: expected a class id below 100"),
            ("good\t1\nfine\t1\n", "expected at least 2 classes, got only \"1\""),
            ("text\tlabel\n", "the file holds no examples (expected text<TAB>label or text,label lines)"),
            ("", "the file holds no examples (expected text<TAB>label or text,label lines)"),
        ];
        for (text, want) in cases {
            assert_eq!(refused(text), want, "for {text:?}");
        }
        let long = format!("good\t1\n{}\t0\n", "w ".repeat(MAX_TOKENS + 1));
        assert_eq!(
            refused(&long),
            "line 2: the text has 401 tokens, over the limit of 400"
        );
        let many = "a\t0\nb\t1\n".repeat(MAX_RECORDS / 2 + 1);
        assert_eq!(
            refused(&many),
            format!("line {}: more than {MAX_RECORDS} examples", MAX_RECORDS + 1)
        );
        let big = "x".repeat(MAX_BYTES + 1);
        assert_eq!(
            refused(&big),
            format!(
                "the file has {} bytes, over the limit of {MAX_BYTES}",
                MAX_BYTES + 1
            )
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_with_their_line() {
        let e = parse_labelled_bytes(b"good\t1\nbad \xff\xfe\t0\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: not valid UTF-8 text");
        assert!(parse_labelled_bytes("é\t1\nü\t0".as_bytes()).is_ok());
    }

    /// Arbitrary bytes never panic: every prefix and every single-byte change of a file.
    #[test]
    fn no_input_panics() {
        let base = b"text,label\n\"a, \"\"b\"\"\",pos\nc\td\t1\n\r\n\"open,0\n\xe2\x80";
        for n in 0..=base.len() {
            let _ = parse_labelled_bytes(&base[..n]);
            for b in [b'"', b',', b'\t', b'\n', b'\r', 0xff, b'x'] {
                let mut v = base[..n].to_vec();
                if n > 0 {
                    v[n - 1] = b;
                }
                let _ = parse_labelled_bytes(&v);
            }
        }
    }

    #[test]
    fn the_split_is_stratified_seeded_and_disjoint() {
        let labels: Vec<usize> = (0..103).map(|i| usize::from(i % 3 == 0)).collect();
        let (train, test) = split(&labels, 0.2, 5);
        assert_eq!(split(&labels, 0.2, 5), (train.clone(), test.clone()));
        assert_ne!(split(&labels, 0.2, 6).1, test);
        assert_eq!(train.len() + test.len(), 103);
        assert!(train.iter().all(|i| !test.contains(i)));
        let ones = |s: &[usize]| s.iter().filter(|&&i| labels[i] == 1).count();
        assert_eq!((ones(&test), test.len() - ones(&test)), (7, 14)); // round(35·0.2), round(68·0.2)
        assert!(train.windows(2).all(|w| w[0] < w[1]) && test.windows(2).all(|w| w[0] < w[1]));
        // A class of two keeps one for each set.
        let (train, test) = split(&[0, 1, 1], 0.2, 1);
        assert_eq!((train.len(), test.len()), (2, 1));
    }
}
