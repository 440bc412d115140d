//! Canonical JSON: the exact bytes runwire signs and sends.
//!
//! Object keys sorted (by UTF-8 bytes, i.e. code point order), compact separators, UTF-8 with
//! non-ASCII written literally, no HTML escaping. Serialising once and signing those bytes means a
//! receiver that verifies the raw body always succeeds; one that must rebuild the body can use
//! Python's `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.
//!
//! The writer sorts keys itself instead of relying on `serde_json::Map` being a `BTreeMap`: the
//! `preserve_order` feature, if any crate in a build enabled it, would otherwise change our bytes.
//!
//! Known divergence from a JS rebuild: JS sorts keys by UTF-16 code units, so keys mixing
//! U+E000–U+FFFF with astral characters can order differently. Numbers follow `JSON.stringify`
//! for integral values and exponent signs; tiny or huge non-integral floats may still differ in
//! notation (prefer integers and strings in payloads).

use serde_json::Value;

use crate::error::JsonError;

/// Parses JSON text and returns its canonical form.
pub fn canonicalize(text: &str) -> Result<String, JsonError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| JsonError::Syntax { line: e.line(), column: e.column() })?;
    Ok(to_canonical_string(&value))
}

/// Writes `value` in canonical form.
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::String(text) => write_string(text, out),
        Value::Number(number) => write_number(number, out),
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Numbers as `JSON.stringify` writes them where serde_json differs: integral floats without
/// `.0`, and `-0` as `0`. (Both already write positive exponents as `e+`.)
fn write_number(number: &serde_json::Number, out: &mut String) {
    if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
        if float.fract() == 0.0 && float.abs() < 1e21 {
            #[expect(clippy::cast_possible_truncation, reason = "integral and below 1e21, so it fits i128 exactly")]
            let whole = float as i128;
            out.push_str(&whole.to_string());
            return;
        }
    }
    out.push_str(&number.to_string());
}

fn write_string(text: &str, out: &mut String) {
    // serde_json escapes only `"`, `\` and control characters, and writes the rest literally.
    out.push_str(&Value::String(text.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_nested_keys_and_keeps_unicode_literal() {
        let input = r#"{ "type": "agent.tool.end", "timestamp": "2026-01-01T00:00:00.000Z",
            "data": {"step_index": 3, "run_id": "1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b", "output": "42 — café ☕", "name": "calculator", "event": "on_tool_end"} }"#;
        let expected = "{\"data\":{\"event\":\"on_tool_end\",\"name\":\"calculator\",\"output\":\"42 — café ☕\",\"run_id\":\"1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b\",\"step_index\":3},\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"type\":\"agent.tool.end\"}";
        let out = canonicalize(input).unwrap();
        assert_eq!(out, expected);
        assert_eq!(out.len(), 206, "vector A is 206 bytes");
    }

    #[test]
    fn escapes_only_what_json_requires() {
        assert_eq!(
            canonicalize(r#"["<b>&</b>", "a\"b\\c\n", "\u0001", true, null]"#).unwrap(),
            r#"["<b>&</b>","a\"b\\c\n","\u0001",true,null]"#
        );
    }

    #[test]
    fn numbers_match_json_stringify() {
        assert_eq!(
            canonicalize("[1.5, -0.0, 2.0, 1e21, 1.5e300, 12345678901234567890, -7, 1e-7]").unwrap(),
            "[1.5,0,2,1e+21,1.5e+300,12345678901234567890,-7,1e-7]"
        );
    }

    #[test]
    fn reports_syntax_position() {
        assert_eq!(canonicalize("{\"a\":}"), Err(JsonError::Syntax { line: 1, column: 6 }));
    }
}
