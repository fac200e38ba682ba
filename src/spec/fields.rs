//! Strict readers for the fields of a JSON spec, shared by every spec format.
//!
//! Each reader checks one value and, when it is malformed, returns a [`SpecError`] that names the
//! field by its path (`input[2][0]`, `init.seed`, or `model.hidden_size` when a model object is
//! nested) and says what was expected and what was found, on one line. [`Fields`] is one JSON
//! object being read: it knows the path prefix of its fields, rejects unknown ones and looks up
//! required and optional ones.

use crate::json::number;
use serde_json::{Map, Value};
use std::fmt;

/// A malformed spec: which field, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// The field path, e.g. `input[2][0]` or `params.weight_hh_l0`.
    pub field: String,
    /// What was expected (and what was found).
    pub message: String,
}

impl SpecError {
    /// An error against `field`; control characters in either part are escaped so the error
    /// stays one line.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            field: one_line(field.into()),
            message: one_line(message.into()),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for SpecError {}

/// Escapes control characters (a newline in a key or a string value from the spec) so the
/// error stays one line.
fn one_line(s: String) -> String {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        s
    }
}

/// `Err(SpecError::new(field, message))`.
///
/// # Errors
/// Always.
pub fn err<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError::new(field, message))
}

/// A short description of a JSON value for "got …" in messages: `null`, `true`, `3`, a string
/// cut to 40 characters, `an array of 2`, `an object`.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            format!("\"{short}\"")
        }
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// The value as a JSON object.
///
/// # Errors
/// `field: expected {expected}, got …` when it is not an object.
pub fn object<'a>(
    v: &'a Value,
    field: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, SpecError> {
    v.as_object().map_or_else(
        || err(field, format!("expected {expected}, got {}", describe(v))),
        Ok,
    )
}

/// One JSON object of a spec, read field by field; its fields are named in errors with
/// `prefix` in front (`""` at the top level, `"init."`, `"model."`).
///
/// ```
/// use unrolled::spec::fields::{integer, object, Fields};
/// let v = serde_json::json!({"model": {"num_layers": 9}});
/// let model = Fields::new(object(&v["model"], "model", "an object").unwrap(), "model.");
/// let e = model
///     .optional("num_layers", |x, name| integer(x, name, 1, 8))
///     .unwrap_err();
/// assert_eq!(e.to_string(), "model.num_layers: expected an integer in 1..=8, got 9");
/// ```
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    obj: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Fields<'a> {
    /// Reads `obj`, naming its fields with `prefix` in front.
    pub fn new(obj: &'a Map<String, Value>, prefix: impl Into<String>) -> Self {
        Fields {
            obj,
            prefix: prefix.into(),
        }
    }

    /// The path of field `key` as errors name it.
    pub fn field(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key)
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.obj.contains_key(key)
    }

    /// Refuses the first key not in `known`.
    ///
    /// # Errors
    /// `key: unknown field (expected one of …)`.
    pub fn reject_unknown(&self, known: &[&str]) -> Result<(), SpecError> {
        match self.obj.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => err(
                self.field(k),
                format!("unknown field (expected one of {})", known.join(", ")),
            ),
            None => Ok(()),
        }
    }

    /// The value of a field that must be present.
    ///
    /// # Errors
    /// `key: missing (required)`.
    pub fn required(&self, key: &str) -> Result<&'a Value, SpecError> {
        self.get(key)
            .map_or_else(|| err(self.field(key), "missing (required)"), Ok)
    }

    /// Reads an optional field with `read(value, field path)`; `None` when it is absent.
    ///
    /// # Errors
    /// Whatever `read` returns.
    pub fn optional<T>(
        &self,
        key: &str,
        read: impl FnOnce(&'a Value, &str) -> Result<T, SpecError>,
    ) -> Result<Option<T>, SpecError> {
        self.get(key).map(|v| read(v, &self.field(key))).transpose()
    }
}

/// An integer in `lo..=hi`.
///
/// # Errors
/// `field: expected an integer in lo..=hi, got …`.
pub fn integer(v: &Value, field: &str, lo: usize, hi: usize) -> Result<usize, SpecError> {
    match v.as_u64() {
        Some(n) if (lo as u64..=hi as u64).contains(&n) => Ok(n as usize),
        _ => err(
            field,
            format!("expected an integer in {lo}..={hi}, got {}", describe(v)),
        ),
    }
}

/// `true` or `false`.
///
/// # Errors
/// `field: expected true or false, got …`.
pub fn boolean(v: &Value, field: &str) -> Result<bool, SpecError> {
    v.as_bool().map_or_else(
        || {
            err(
                field,
                format!("expected true or false, got {}", describe(v)),
            )
        },
        Ok,
    )
}

/// A seed: an integer in `0..=2⁵³`, so it survives JavaScript's numbers.
///
/// # Errors
/// `field: expected an integer in 0..=9007199254740992, got …`.
pub fn seed(v: &Value, field: &str) -> Result<u64, SpecError> {
    match v.as_u64() {
        Some(n) if n <= (1u64 << 53) => Ok(n),
        _ => err(
            field,
            format!(
                "expected an integer in 0..=9007199254740992, got {}",
                describe(v)
            ),
        ),
    }
}

/// A finite JSON number.
///
/// # Errors
/// `field: expected a finite number, got …`.
pub fn finite(v: &Value, field: &str) -> Result<f64, SpecError> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => err(
            field,
            format!("expected a finite number, got {}", describe(v)),
        ),
    }
}

/// Reads nested arrays of exactly `shape` (dimension `k` named `names[k]` in messages) into a
/// flat buffer, outermost dimension first. Elements may be numbers or `"NaN"`, `"Infinity"`,
/// `"-Infinity"`.
///
/// # Errors
/// The first element or array of the wrong kind or length, by its path (`field[1][0]`).
pub fn tensor(
    v: &Value,
    field: &str,
    shape: &[usize],
    names: &[&str],
) -> Result<Vec<f64>, SpecError> {
    let mut out = Vec::with_capacity(shape.iter().product());
    fill(v, field, shape, names, &mut out)?;
    Ok(out)
}

fn fill(
    v: &Value,
    field: &str,
    shape: &[usize],
    names: &[&str],
    out: &mut Vec<f64>,
) -> Result<(), SpecError> {
    match shape {
        [] => match number(v) {
            Some(x) => {
                out.push(x);
                Ok(())
            }
            None => err(
                field,
                format!(
                    "expected a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {}",
                    describe(v)
                ),
            ),
        },
        [n, rest @ ..] => {
            let Some(a) = v.as_array() else {
                return err(
                    field,
                    format!(
                        "expected an array of {n} ({}), got {}",
                        names[0],
                        describe(v)
                    ),
                );
            };
            if a.len() != *n {
                return err(
                    field,
                    format!(
                        "expected an array of {n} ({}), got {} entries",
                        names[0],
                        a.len()
                    ),
                );
            }
            for (i, x) in a.iter().enumerate() {
                fill(x, &format!("{field}[{i}]"), rest, &names[1..], out)?;
            }
            Ok(())
        }
    }
}
