//! Text to token ids, the same natively and in the browser: the tokeniser, the vocabulary and
//! the padded batch the classifier reads ([`TokenBatch`]).
//!
//! **Tokens.** [`tokenize`] lowercases the text (Unicode `char::to_lowercase`) and reads it left
//! to right:
//!
//! - a **word** is a maximal run of word characters (`char::is_alphanumeric`: Unicode letters
//!   and digits, so `café`, `naïve`, `東京` and `2024` are words; plus combining marks
//!   U+0300–U+036F, so a decomposed `é` stays in its word), where an apostrophe (`'` or `’`,
//!   written `'`) between two word characters joins them: `didn't`, `l'amour` and `rock'n'roll`
//!   are one token each, while a leading or trailing apostrophe (`'tis`, `dogs'`) is a token of
//!   its own;
//! - every other character that is not white space (`char::is_whitespace`) is a token by itself
//!   (`,`, `.`, `!`, `"`, `-`, an emoji);
//! - white space separates tokens and is dropped.
//!
//! There is no Unicode normalisation (a precomposed `é` and `e` + U+0301 are different words) and
//! no stemming (`loved` and `love` are different words).
//!
//! **Vocabulary.** [`Vocabulary::build`] counts the tokens of the training texts: id 0 is
//! [`PAD`] (`<pad>`, the id of padded positions), id 1 is [`UNK`] (`<unk>`, every token the
//! vocabulary does not hold), then the tokens seen at least `min_count` times, most frequent
//! first, ties broken by the tokens' byte order, so the same texts give the same ids in any order.
//! Its JSON form is the list of tokens by id (`["<pad>", "<unk>", "the", …]`), written beside an
//! exported model and read back by [`Vocabulary::from_json`].
//!
//! **Batches.** [`pad`] puts encoded sentences in one `B × T` batch, `T` the longest length,
//! shorter sentences padded with `<pad>` and each length recorded, so the classifier runs packed
//! and never reads the padding.

use std::collections::HashMap;

use crate::train::classifier::TokenBatch;

/// The padding token, id [`PAD_ID`].
pub const PAD: &str = "<pad>";
/// The id of [`PAD`].
pub const PAD_ID: usize = 0;
/// The token for every word the vocabulary does not hold, id [`UNK_ID`].
pub const UNK: &str = "<unk>";
/// The id of [`UNK`].
pub const UNK_ID: usize = 1;
/// The special tokens, by id.
pub const SPECIALS: [&str; 2] = [PAD, UNK];
/// Most tokens a vocabulary holds (specials included): `model.vocab_size`'s limit.
pub const MAX_VOCAB: usize = crate::spec::classifier::MAX_VOCAB;

/// Whether `c` continues a word: a letter, a digit or a combining mark.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// The tokens of `text` (module docs): lowercase words, inner apostrophes kept (as `'`), every
/// other non-space character a token of its own.
///
/// ```
/// use unrolled::train::text::tokenize;
/// assert_eq!(tokenize("I didn’t LOVE it, Zoë!"), ["i", "didn't", "love", "it", ",", "zoë", "!"]);
/// ```
pub fn tokenize(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let mut tokens = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let joins = is_apostrophe(c)
            && !word.is_empty()
            && chars.get(i + 1).copied().is_some_and(is_word_char);
        if is_word_char(c) || joins {
            word.push(if joins { '\'' } else { c });
            continue;
        }
        if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens
}

/// Tokens by id and ids by token (module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, usize>,
}

impl Vocabulary {
    /// The vocabulary of `texts`: the specials, then every token seen at least `min_count`
    /// times (1 when 0 is given), most frequent first, ties in byte order; at most
    /// [`MAX_VOCAB`] tokens in all (the rarest are left out).
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>, min_count: usize) -> Vocabulary {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for text in texts {
            for t in tokenize(text) {
                *counts.entry(t).or_default() += 1;
            }
        }
        let mut seen: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(t, n)| *n >= min_count.max(1) && !SPECIALS.contains(&t.as_str()))
            .collect();
        seen.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        seen.truncate(MAX_VOCAB - SPECIALS.len());
        let tokens = SPECIALS.iter().map(|s| s.to_string());
        Self::from_list(tokens.chain(seen.into_iter().map(|(t, _)| t)).collect())
    }

    fn from_list(tokens: Vec<String>) -> Vocabulary {
        let ids = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i));
        Vocabulary {
            ids: ids.collect(),
            tokens,
        }
    }

    /// A vocabulary from its tokens by id, as its JSON form lists them.
    ///
    /// # Errors
    /// When the list does not start with `<pad>`, `<unk>`, holds a token twice or an empty one,
    /// or is longer than [`MAX_VOCAB`].
    pub fn from_tokens(tokens: Vec<String>) -> Result<Vocabulary, String> {
        if tokens.len() < 2 || tokens[..2] != SPECIALS {
            return Err(format!(
                "expected a list starting with \"{PAD}\", \"{UNK}\""
            ));
        }
        if tokens.len() > MAX_VOCAB {
            return Err(format!(
                "expected at most {MAX_VOCAB} tokens, got {}",
                tokens.len()
            ));
        }
        let mut ids = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if t.is_empty() {
                return Err(format!("token {i} is empty"));
            }
            if let Some(j) = ids.insert(t.clone(), i) {
                return Err(format!("token {i} ({t:?}) repeats token {j}"));
            }
        }
        Ok(Vocabulary { tokens, ids })
    }

    /// The JSON form: the tokens by id, `["<pad>", "<unk>", …]`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.tokens).expect("strings serialise")
    }

    /// Reads the JSON form.
    ///
    /// # Errors
    /// When the text is not a JSON list of strings, or as [`Vocabulary::from_tokens`].
    pub fn from_json(text: &str) -> Result<Vocabulary, String> {
        let tokens: Vec<String> = serde_json::from_str(text)
            .map_err(|e| format!("expected a JSON list of tokens: {e}"))?;
        Self::from_tokens(tokens)
    }

    /// V, the number of tokens (specials included): `model.vocab_size`.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Never: a vocabulary holds at least the specials.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The tokens by id.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The id of `token`, [`UNK_ID`] when the vocabulary does not hold it.
    pub fn id(&self, token: &str) -> usize {
        self.ids.get(token).copied().unwrap_or(UNK_ID)
    }

    /// Whether the vocabulary holds `token`.
    pub fn contains(&self, token: &str) -> bool {
        self.ids.contains_key(token)
    }

    /// The ids of `text`'s tokens.
    pub fn encode(&self, text: &str) -> Vec<usize> {
        tokenize(text).iter().map(|t| self.id(t)).collect()
    }
}

/// Sentences of token ids as one batch: `T` the longest length, the others padded with
/// [`PAD_ID`], their lengths recorded.
///
/// # Errors
/// When there are no sentences or one is empty (a packed run reads at least one step).
pub fn pad(sentences: &[&[usize]]) -> Result<TokenBatch, String> {
    if let Some(i) = sentences.iter().position(|s| s.is_empty()) {
        return Err(format!("sentence {i} has no tokens"));
    }
    let steps = sentences
        .iter()
        .map(|s| s.len())
        .max()
        .ok_or("no sentences")?;
    let mut ids = vec![PAD_ID; sentences.len() * steps];
    for (row, s) in ids.chunks_exact_mut(steps).zip(sentences) {
        row[..s.len()].copy_from_slice(s);
    }
    Ok(TokenBatch {
        ids,
        batch: sentences.len(),
        steps,
        lengths: sentences.iter().map(|s| s.len()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        tokenize(text)
    }

    #[test]
    fn words_punctuation_case_and_apostrophes() {
        assert_eq!(
            toks("The film was GOOD."),
            ["the", "film", "was", "good", "."]
        );
        assert_eq!(toks("I didn't like it"), ["i", "didn't", "like", "it"]);
        assert_eq!(toks("I didn’t"), ["i", "didn't"]);
        assert_eq!(
            toks("'tis the dogs' toy"),
            ["'", "tis", "the", "dogs", "'", "toy"]
        );
        assert_eq!(toks("rock'n'roll"), ["rock'n'roll"]);
        assert_eq!(toks("well...no!!"), ["well", ".", ".", ".", "no", "!", "!"]);
        assert_eq!(
            toks("\"so-so\", 10/10"),
            ["\"", "so", "-", "so", "\"", ",", "10", "/", "10"]
        );
        assert_eq!(toks("  \t\n "), Vec::<String>::new());
        assert_eq!(toks("ÉTÉ Zoë naïve"), ["été", "zoë", "naïve"]);
        assert_eq!(toks("cafe\u{301} ok"), ["cafe\u{301}", "ok"]);
        assert_eq!(toks("東京 🙂!"), ["東京", "🙂", "!"]);
    }

    #[test]
    fn the_vocabulary_orders_by_count_then_bytes_and_is_deterministic() {
        let texts = ["b a c", "a b", "a d d"];
        let v = Vocabulary::build(texts, 1);
        assert_eq!(v.tokens(), ["<pad>", "<unk>", "a", "b", "d", "c"]);
        let mut reversed = texts;
        reversed.reverse();
        assert_eq!(Vocabulary::build(reversed, 1), v);
        assert_eq!(
            Vocabulary::build(texts, 2).tokens(),
            ["<pad>", "<unk>", "a", "b", "d"]
        );
        assert_eq!(v.encode("A b zebra!"), [2, 3, UNK_ID, UNK_ID]);
        assert_eq!(v.id(PAD), PAD_ID);
        // A text holding "<unk>" does not add it twice: it tokenises as "<", "unk", ">".
        let odd = Vocabulary::build(["<unk>"], 1);
        assert_eq!(odd.tokens(), ["<pad>", "<unk>", "<", ">", "unk"]);
    }

    #[test]
    fn the_vocabulary_round_trips_through_json() {
        let v = Vocabulary::build(["don't \"quote\" me"], 1);
        let json = v.to_json();
        assert_eq!(json, r#"["<pad>","<unk>","\"","don't","me","quote"]"#);
        assert_eq!(Vocabulary::from_json(&json).unwrap(), v);
        let bad = |t: &str| Vocabulary::from_json(t).unwrap_err();
        assert!(bad("{}").starts_with("expected a JSON list of tokens"));
        assert_eq!(
            bad(r#"["<unk>","<pad>"]"#),
            "expected a list starting with \"<pad>\", \"<unk>\""
        );
        assert_eq!(
            bad(r#"["<pad>","<unk>","a","a"]"#),
            "token 3 (\"a\") repeats token 2"
        );
        assert_eq!(bad(r#"["<pad>","<unk>",""]"#), "token 2 is empty");
    }

    #[test]
    fn pad_records_lengths_and_fills_with_pad() {
        let b = pad(&[&[5, 6], &[7], &[8, 9, 4]]).unwrap();
        assert_eq!(b.ids, [5, 6, 0, 7, 0, 0, 8, 9, 4]);
        assert_eq!((b.batch, b.steps, b.lengths), (3, 3, vec![2, 1, 3]));
        assert_eq!(pad(&[]).unwrap_err(), "no sentences");
        assert_eq!(pad(&[&[1], &[]]).unwrap_err(), "sentence 1 has no tokens");
    }
}
