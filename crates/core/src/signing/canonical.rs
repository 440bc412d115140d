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
//!
//! **Whatever `JSON.stringify` writes is accepted.** Two things it writes that serde_json refuses:
//! - *Lone UTF-16 surrogates* (`"\ud83d"`, what an LLM string cut mid-emoji becomes). Rust strings
//!   cannot hold them, so [`parse`] shelters each one as U+FDD0 (a Unicode noncharacter) followed
//!   by its four hex digits, doubling any U+FDD0 already in the text so the mapping stays
//!   one-to-one; the writer turns them back into `\udxxx` escapes, exactly as `JSON.stringify`
//!   writes them. Keys holding one sort by their sheltered form, and a field cut by truncation
//!   in the middle of a sheltered escape ends in U+FFFD instead.
//! - *Deep nesting*: serde_json stops at 128 levels. runwire accepts up to [`MAX_DEPTH`] levels of
//!   arrays and objects and refuses deeper values with [`JsonError::TooDeep`]
//!   (`ERR_RUNWIRE_UNSERIALIZABLE`) — at `send()`, before an event is accepted (see
//!   [`check_depth`]), never later as a silent dead letter.

use serde_json::Value;

use crate::error::JsonError;

/// The deepest nesting of arrays and objects accepted (V8's own `JSON.stringify` gives up a few
/// thousand levels down; serde_json at 128).
pub const MAX_DEPTH: usize = 100;
/// Stands in for a lone surrogate (followed by its four hex digits) or, doubled, for itself.
const MARK: char = '\u{FDD0}';

/// Parses JSON text and returns its canonical form.
pub fn canonicalize(text: &str) -> Result<String, JsonError> {
    Ok(to_canonical_string(&parse(text)?))
}

/// Parses JSON text as `JSON.stringify` writes it (lone surrogates sheltered, see the module
/// docs), refusing nesting deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Value, JsonError> {
    check_depth(text)?;
    let sheltered = shelter(text);
    serde_json::from_str(sheltered.as_deref().unwrap_or(text))
        .map_err(|e| JsonError::Syntax { line: e.line(), column: e.column() })
}

/// Refuses JSON text nested deeper than [`MAX_DEPTH`]. Cheap enough for the caller's thread: a
/// text with at most `MAX_DEPTH` brackets in all (nearly every event) is passed after one
/// vectorisable byte count; only the rest get a scan that tracks strings.
pub fn check_depth(text: &str) -> Result<(), JsonError> {
    let bytes = text.as_bytes();
    if bytes.iter().filter(|&&b| b == b'[' || b == b'{').count() <= MAX_DEPTH {
        return Ok(());
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(JsonError::TooDeep(MAX_DEPTH));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Four hex digits at the start of `text`.
fn hex4(text: &str) -> Option<u16> {
    let digits = text.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

const fn is_high(unit: u16) -> bool {
    matches!(unit, 0xD800..=0xDBFF)
}

const fn is_low(unit: u16) -> bool {
    matches!(unit, 0xDC00..=0xDFFF)
}

/// The text with lone-surrogate escapes and any U+FDD0 sheltered; `None` if there is nothing to
/// shelter (the common case: no `\u` escape and no U+FDD0).
fn shelter(text: &str) -> Option<String> {
    if !text.contains("\\u") && !text.contains(MARK) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(pos) = rest.find(['\\', MARK]) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix(MARK) {
            out.push(MARK);
            out.push(MARK);
            rest = after;
            continue;
        }
        // A backslash: `\uXXXX` needs a look, any other escape is copied with its next char.
        let Some(unit) = tail.strip_prefix("\\u").and_then(hex4) else {
            let len = 1 + tail[1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&tail[..len]);
            rest = &tail[len..];
            continue;
        };
        let pair = is_high(unit) && tail[6..].strip_prefix("\\u").and_then(hex4).is_some_and(is_low);
        if pair {
            out.push_str(&tail[..12]);
            rest = &tail[12..];
        } else {
            if is_high(unit) || is_low(unit) {
                out.push(MARK);
                out.push_str(&tail[2..6].to_ascii_lowercase());
            } else if unit == 0xFDD0 {
                out.push(MARK);
                out.push(MARK);
            } else {
                out.push_str(&tail[..6]);
            }
            rest = &tail[6..];
        }
    }
    out.push_str(rest);
    Some(out)
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

/// A string as `JSON.stringify` writes it: `"` and `\` escaped, control characters as the short
/// escapes or `\u00xx`, everything else literal; sheltered surrogates back as `\udxxx`.
fn write_string(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0xf]));
            }
            MARK => {
                let ahead = chars.as_str();
                if let Some(after) = ahead.strip_prefix(MARK) {
                    out.push(MARK);
                    chars = after.chars();
                } else if hex4(ahead).is_some() {
                    out.push_str("\\u");
                    out.push_str(&ahead[..4]);
                    chars = ahead[4..].chars();
                } else {
                    out.push('\u{FFFD}');
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
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
    fn lone_surrogates_are_written_as_json_stringify_writes_them() {
        // JSON.stringify("a\ud83d") === '"a\\ud83d"'; a valid pair stays a literal emoji.
        assert_eq!(
            canonicalize(r#"["a\ud83d","\uDE00b","\ud83d\ude00","\ud83d\ud83d"]"#).unwrap(),
            "[\"a\\ud83d\",\"\\ude00b\",\"😀\",\"\\ud83d\\ud83d\"]"
        );
        assert_eq!(canonicalize(r#"{"\ud800":1}"#).unwrap(), r#"{"\ud800":1}"#);
        // The shelter mark itself round-trips, escaped or literal, beside a sheltered surrogate.
        assert_eq!(
            canonicalize("[\"\u{FDD0}d800\",\"\\ufdd0\",\"\\ud800\"]").unwrap(),
            "[\"\u{FDD0}d800\",\"\u{FDD0}\",\"\\ud800\"]"
        );
        assert_eq!(canonicalize(r#"["\\ud800"]"#).unwrap(), r#"["\\ud800"]"#, "an escaped backslash is not an escape");
    }

    #[test]
    fn depth_is_limited_with_a_typed_error() {
        let nested = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(canonicalize(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(canonicalize(&nested(MAX_DEPTH + 1)), Err(JsonError::TooDeep(MAX_DEPTH)));
        let wide = format!("[{}]", vec!["[]"; 500].join(","));
        assert!(check_depth(&wide).is_ok(), "many brackets, shallow");
        let quoted = format!("[\"{}\"]", "[".repeat(500));
        assert!(check_depth(&quoted).is_ok(), "brackets inside strings do not count");
    }

    #[test]
    fn reports_syntax_position() {
        assert_eq!(canonicalize("{\"a\":}"), Err(JsonError::Syntax { line: 1, column: 6 }));
    }
}

/// Property tests (bounded case counts).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;

    use super::*;

    fn config() -> ProptestConfig {
        ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
    }

    /// JSON values of bounded size and depth.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            // Short decimals: serde_json's default float parser can be off in the last of 16–17
            // significant digits (README, known differences); JS payloads rarely carry those.
            (-1_000_000i64..1_000_000, 0u32..4).prop_map(|(m, e)| Value::from(m as f64 / 10f64.powi(e as i32))),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn numbers_as_f64(value: Value) -> Value {
        match value {
            Value::Number(n) => Value::from(n.as_f64().unwrap_or(f64::NAN)),
            Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
            Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect()),
            other => other,
        }
    }

    /// A JS string (UTF-16 code units, lone surrogates included) as `JSON.stringify` writes it.
    fn js_stringify(units: &[u16]) -> String {
        let mut out = String::from("\"");
        for decoded in char::decode_utf16(units.iter().copied()) {
            match decoded {
                Ok(c) => {
                    let mut one = String::new();
                    write_string(&c.to_string(), &mut one);
                    out.push_str(&one[1..one.len() - 1]);
                }
                Err(lone) => out.push_str(&format!("\\u{:04x}", lone.unpaired_surrogate())),
            }
        }
        out.push('"');
        out
    }

    proptest! {
        #![proptest_config(config())]

        /// Canonical output parses back to the same value and is a fixed point.
        #[test]
        fn canonical_form_round_trips(value in json()) {
            let text = serde_json::to_string(&value).unwrap();
            let canonical = canonicalize(&text).unwrap();
            let back: Value = serde_json::from_str(&canonical).unwrap();
            prop_assert_eq!(numbers_as_f64(back), numbers_as_f64(value), "2.0 is written 2, as JSON.stringify does");
            prop_assert_eq!(canonicalize(&canonical).unwrap(), canonical);
        }

        /// Any JS string — lone surrogates and U+FDD0 included — comes out exactly as
        /// `JSON.stringify` wrote it, as a value and as a key.
        #[test]
        fn js_strings_survive_byte_for_byte(
            units in prop::collection::vec(prop_oneof![any::<u16>(), 0xD800u16..0xE000, Just(0xFDD0u16)], 0..24),
        ) {
            let text = js_stringify(&units);
            prop_assert_eq!(canonicalize(&text).unwrap(), text.clone());
            let object = format!("{{{text}:[{text}]}}");
            prop_assert_eq!(canonicalize(&object).unwrap(), object);
        }

        /// Arbitrary text never panics: it is canonicalised or refused with a typed error.
        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = canonicalize(&text);
        }
    }
}
