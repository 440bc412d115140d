//! The delivered body: `{"data":…,"timestamp":…,"type":…}` in canonical JSON.
//!
//! `type` is a dotted name derived from the LangChain event (`on_tool_end` → `agent.tool.end`,
//! see [`envelope_type`]); `timestamp` is the ISO-8601 UTC time the event was accepted, with
//! milliseconds; `data` is the event's own JSON. The body is serialised once, canonically
//! (sorted keys, compact, literal UTF-8), and those bytes are what every attempt signs and sends.
//!
//! Caps are measured in bytes of the serialised body, not characters. Over a cap, **fields** are
//! truncated, never the serialised JSON, so the body stays valid JSON:
//! 1. every string leaf of `data` longer than `max_field_chars` characters (default 4 000, the
//!    seed's cap on tool outputs) is cut to that many characters plus `…`;
//! 2. while the body is over `max_bytes`, the largest string leaf is cut (on a character
//!    boundary), then, with no long strings left, the largest array is halved;
//! 3. a body changed by either step carries `"truncated":true`, `"original_bytes":<n>` and
//!    `"sha256":"<hex of the untruncated canonical body>"` at the top level.
//!
//! If even the skeleton cannot fit, the message is dead-lettered as `payload_too_large`.

use serde_json::{Map, Value};

use crate::delivery::dlq::sha256_hex;
use crate::signing::canonical::{parse, to_canonical_string};
use crate::timefmt::iso8601_ms;

/// Default byte cap of a body (Standard Webhooks: keep bodies under 20 KB).
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024;
/// The largest byte cap a sink may configure.
pub const HARD_MAX_BYTES: usize = 64 * 1024;
/// Default cap on any one string field, in characters (the seed's tool-output cap).
pub const DEFAULT_MAX_FIELD_CHARS: usize = 4_000;
const ELLIPSIS: &str = "…";
const MAX_ROUNDS: usize = 256;

/// Byte and field caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeLimits {
    /// Maximum bytes of the serialised body.
    pub max_bytes: usize,
    /// Maximum characters of one string field; 0 disables the field cap.
    pub max_field_chars: usize,
}

impl Default for EnvelopeLimits {
    fn default() -> Self {
        Self { max_bytes: DEFAULT_MAX_BYTES, max_field_chars: DEFAULT_MAX_FIELD_CHARS }
    }
}

/// Why no body could be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The event data is not JSON.
    InvalidData,
    /// Nothing left to truncate and still over the cap.
    TooLarge,
}

/// The dotted envelope type of a LangChain event name.
pub fn envelope_type(event: &str) -> String {
    match event {
        "on_tool_end" => "agent.tool.end".into(),
        "on_chain_end" => "agent.chain.end".into(),
        "on_llm_end" | "on_chat_model_end" => "agent.llm.end".into(),
        "on_custom_event" => "agent.custom".into(),
        "on_agent_action" => "agent.action".into(),
        "on_agent_finish" => "agent.finish".into(),
        other => {
            let name: String = other
                .strip_prefix("on_")
                .unwrap_or(other)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
                .collect();
            format!("agent.{name}")
        }
    }
}

/// Builds the canonical body for `event` accepted at `timestamp_ms` with `data_json`.
pub fn build(event: &str, timestamp_ms: u64, data_json: &str, limits: EnvelopeLimits) -> Result<String, EnvelopeError> {
    let data = parse(data_json).map_err(|_| EnvelopeError::InvalidData)?;
    build_value(&envelope_type(event), &iso8601_ms(timestamp_ms), data, limits)
}

fn envelope(kind: &str, timestamp: &str, data: Value) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("data".into(), data);
    map.insert("timestamp".into(), Value::String(timestamp.into()));
    map.insert("type".into(), Value::String(kind.into()));
    map
}

fn build_value(kind: &str, timestamp: &str, data: Value, limits: EnvelopeLimits) -> Result<String, EnvelopeError> {
    let mut map = envelope(kind, timestamp, data);
    let original = to_canonical_string(&Value::Object(map.clone()));
    let mut changed = false;
    if limits.max_field_chars > 0 {
        if let Some(data) = map.get_mut("data") {
            changed = cap_fields(data, limits.max_field_chars);
        }
    }
    if !changed && original.len() <= limits.max_bytes {
        return Ok(original);
    }
    map.insert("truncated".into(), Value::Bool(true));
    map.insert("original_bytes".into(), Value::from(original.len()));
    map.insert("sha256".into(), Value::String(sha256_hex(original.as_bytes())));
    for _ in 0..MAX_ROUNDS {
        let body = to_canonical_string(&Value::Object(map.clone()));
        if body.len() <= limits.max_bytes {
            return Ok(body);
        }
        let excess = body.len() - limits.max_bytes;
        let data = map.get_mut("data").ok_or(EnvelopeError::TooLarge)?;
        if !shrink(data, excess) {
            return Err(EnvelopeError::TooLarge);
        }
    }
    Err(EnvelopeError::TooLarge)
}

/// Cuts every string leaf over `max_chars` characters. Returns whether anything changed.
fn cap_fields(value: &mut Value, max_chars: usize) -> bool {
    match value {
        Value::String(text) => match text.char_indices().nth(max_chars) {
            Some((cut, _)) => {
                text.truncate(cut);
                text.push_str(ELLIPSIS);
                true
            }
            None => false,
        },
        Value::Array(items) => items.iter_mut().fold(false, |acc, item| cap_fields(item, max_chars) | acc),
        Value::Object(map) => map.values_mut().fold(false, |acc, item| cap_fields(item, max_chars) | acc),
        _ => false,
    }
}

/// One shrinking step: cut the largest string leaf by at least `excess` bytes (or half), or halve
/// the largest array. Returns false when nothing can shrink any more.
pub(crate) fn shrink(data: &mut Value, excess: usize) -> bool {
    const MIN_STRING: usize = 16;
    if let Some(text) = largest(data, &|v| match v {
        Value::String(s) if s.len() > MIN_STRING => Some(s.len()),
        _ => None,
    })
    .and_then(|v| if let Value::String(s) = v { Some(s) } else { None })
    {
        let target = text.len().saturating_sub(excess + ELLIPSIS.len()).min(text.len() / 2).max(MIN_STRING / 2);
        let mut cut = target.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(ELLIPSIS);
        return true;
    }
    if let Some(items) = largest(data, &|v| match v {
        Value::Array(a) if !a.is_empty() => Some(a.len()),
        _ => None,
    })
    .and_then(|v| if let Value::Array(a) = v { Some(a) } else { None })
    {
        let keep = items.len() / 2;
        items.truncate(keep);
        return true;
    }
    false
}

/// The node with the largest `size` (first found on ties), searched depth-first.
fn largest<'v>(value: &'v mut Value, size: &dyn Fn(&Value) -> Option<usize>) -> Option<&'v mut Value> {
    let path = find_largest(value, size, &mut Vec::new(), &mut None)?;
    let mut node = value;
    for step in path {
        node = match node {
            Value::Array(items) => items.get_mut(step)?,
            Value::Object(map) => map.values_mut().nth(step)?,
            _ => return None,
        };
    }
    Some(node)
}

type Best = Option<(usize, Vec<usize>)>;

fn find_largest(
    value: &Value,
    size: &dyn Fn(&Value) -> Option<usize>,
    path: &mut Vec<usize>,
    best: &mut Best,
) -> Option<Vec<usize>> {
    if let Some(n) = size(value) {
        if best.as_ref().is_none_or(|(m, _)| n > *m) {
            *best = Some((n, path.clone()));
        }
    }
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Array(items) => Box::new(items.iter()),
        Value::Object(map) => Box::new(map.values()),
        _ => Box::new(std::iter::empty()),
    };
    for (i, child) in children.enumerate() {
        path.push(i);
        find_largest(child, size, path, best);
        path.pop();
    }
    best.as_ref().map(|(_, p)| p.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: u64 = 1_767_225_600_000;

    #[test]
    fn reproduces_vector_a() {
        let data = r#"{"event":"on_tool_end","name":"calculator","output":"42 — café ☕","run_id":"1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b","step_index":3}"#;
        let body = build("on_tool_end", TS, data, EnvelopeLimits::default()).unwrap();
        assert_eq!(
            body,
            "{\"data\":{\"event\":\"on_tool_end\",\"name\":\"calculator\",\"output\":\"42 — café ☕\",\"run_id\":\"1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b\",\"step_index\":3},\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"type\":\"agent.tool.end\"}"
        );
    }

    #[test]
    fn maps_event_types() {
        assert_eq!(envelope_type("on_custom_event"), "agent.custom");
        assert_eq!(envelope_type("on_chat_model_end"), "agent.llm.end");
        assert_eq!(envelope_type("on_retriever_end"), "agent.retriever.end");
        assert_eq!(envelope_type("weird name!"), "agent.weird.name.");
    }

    #[test]
    fn field_cap_cuts_long_outputs_and_marks_the_body() {
        let long = "é".repeat(5_000);
        let data = serde_json::json!({ "output": long, "name": "t" }).to_string();
        let body = build("on_tool_end", TS, &data, EnvelopeLimits::default()).unwrap();
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["truncated"], true);
        let output = v["data"]["output"].as_str().unwrap();
        assert_eq!(output.chars().count(), 4_001);
        assert!(output.ends_with('…'));
        let original = to_canonical_string(&Value::Object(envelope(
            "agent.tool.end",
            "2026-01-01T00:00:00.000Z",
            serde_json::from_str(&data).unwrap(),
        )));
        assert_eq!(v["original_bytes"], original.len());
        assert_eq!(v["sha256"], sha256_hex(original.as_bytes()));
    }

    #[test]
    fn byte_cap_keeps_valid_json_under_the_cap() {
        let limits = EnvelopeLimits { max_bytes: 1_000, max_field_chars: 0 };
        let data = serde_json::json!({
            "a": "x".repeat(3_000), "b": "y".repeat(2_000), "c": "short",
            "list": (0..500).collect::<Vec<_>>(), "nested": {"d": "☕".repeat(900)}
        })
        .to_string();
        let body = build("on_custom_event", TS, &data, limits).unwrap();
        assert!(body.len() <= 1_000, "{}", body.len());
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["truncated"], true);
        assert_eq!(v["data"]["c"], "short");
        assert!(v["original_bytes"].as_u64().unwrap() > 5_000);
    }

    #[test]
    fn small_bodies_are_untouched_and_hopeless_ones_fail() {
        let body = build("on_tool_end", TS, "{\"a\":1}", EnvelopeLimits::default()).unwrap();
        assert!(!body.contains("truncated"));
        let tiny = EnvelopeLimits { max_bytes: 40, max_field_chars: 0 };
        assert_eq!(build("on_tool_end", TS, "{\"a\":1}", tiny), Err(EnvelopeError::TooLarge));
        assert_eq!(build("on_tool_end", TS, "{", tiny), Err(EnvelopeError::InvalidData));
    }
}
