//! A small JSON writer for large numeric arrays, and the number convention of both formats.
//!
//! JSON has no inf or NaN, so non-finite numbers are written as the strings `"NaN"`,
//! `"Infinity"`, `"-Infinity"`, and read back from them ([`number`]). Finite numbers are written in
//! Rust's shortest round-trip form, so every f64 survives a write and a read exactly.

use std::fmt::Write;

/// Reads a number: a JSON number or one of the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Appends one number.
pub fn write_number(out: &mut String, x: f64) {
    if x.is_finite() {
        let _ = write!(out, "{x:?}");
    } else if x.is_nan() {
        out.push_str("\"NaN\"");
    } else if x > 0.0 {
        out.push_str("\"Infinity\"");
    } else {
        out.push_str("\"-Infinity\"");
    }
}

/// Appends a flat buffer as nested arrays of the given shape (`shape` multiplies to its length).
pub fn write_array(out: &mut String, data: &[f64], shape: &[usize]) {
    match shape {
        [] => write_number(out, data[0]),
        [n] => {
            out.push('[');
            for (i, &x) in data[..*n].iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_number(out, x);
            }
            out.push(']');
        }
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            out.push('[');
            for i in 0..*n {
                if i > 0 {
                    out.push(',');
                }
                write_array(out, &data[i * stride..(i + 1) * stride], rest);
            }
            out.push(']');
        }
    }
}

/// Appends a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

/// Appends `[a, b, null, …]` for optional positions.
pub fn write_opt_indices(out: &mut String, v: &[Option<usize>]) {
    out.push('[');
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match x {
            Some(p) => {
                let _ = write!(out, "{p}");
            }
            None => out.push_str("null"),
        }
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_round_trips_as_strings_and_output_is_valid_json() {
        let mut s = String::new();
        write_array(
            &mut s,
            &[1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e-300, 0.1],
            &[2, 3],
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let flat: Vec<f64> = v
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().iter().map(|x| number(x).unwrap()))
            .collect();
        assert_eq!(flat[0], 1.0);
        assert!(flat[1].is_nan());
        assert_eq!(flat[2], f64::INFINITY);
        assert_eq!(flat[3], f64::NEG_INFINITY);
        assert_eq!(flat[4], 1e-300);
        assert_eq!(flat[5], 0.1);
    }
}
