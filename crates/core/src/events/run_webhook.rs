//! The LangGraph-Platform-compatible run-completion webhook payload.
//!
//! LangGraph Platform POSTs a run's record when a background run finishes
//! (shared/spec/webhooks.md §8). runwire builds the same JSON for any run it watches, so a
//! receiver written for LangGraph reads it unchanged. The choices, where LangGraph's backends
//! differ (§8.9):
//!
//! - **key order**: the LangGraph.js server's — `run_id, thread_id, assistant_id, status,
//!   metadata, kwargs, multitask_strategy, created_at, updated_at, run_started_at, run_ended_at,
//!   webhook_sent_at, values`, then `error` last when the run raised. The users are LangGraph.js
//!   users; this is also the order the run-webhook issue lists.
//! - **timestamps**: `YYYY-MM-DDTHH:MM:SS.sssZ` (JavaScript's `toISOString`, as that server
//!   writes them; Python's `datetime.fromisoformat` reads them too). `created_at` and
//!   `run_started_at` are the root run's start, `updated_at` and `run_ended_at` its end,
//!   `webhook_sent_at` the moment the body was built (it is signed, so it is the same on every
//!   retry and replay).
//! - **omission**: `values` is omitted when the run produced none (LangGraph.js omits undefined
//!   fields); `error` appears only for `error`, `timeout` and `interrupted`, as
//!   `{"error": <type>, "message": <text>}` (Python's shape).
//! - **graph interrupts** (`interrupt()`): status `success`, `values` = the state at the
//!   interrupt (LangGraph's rule, §8.9). runwire adds one key LangGraph does not send,
//!   `interrupts` (`[{id, value}]`, after `values`), only when the graph is waiting for input, so
//!   a receiver can tell without reading the thread; LangGraph's fields are unchanged.
//!
//! - **`allowed_fields`** (LangGraph's `webhooks.allowed_fields`): when non-empty, only the
//!   listed top-level fields are sent (so `interrupts` only if listed, which LangGraph's
//!   validator would refuse).
//!
//! The top level is written in the order above by hand (serde_json's map sorts keys); nested
//! objects (`metadata`, `kwargs`, `values`) are written with sorted keys, which JSON readers
//! ignore. Over the byte cap, the largest strings and arrays inside `values`, then `kwargs`, are
//! cut (never the JSON text) and `truncated`, `original_bytes` and `sha256` of the untruncated
//! body are appended, as for event envelopes.

use serde_json::{Map, Value};

use crate::delivery::dlq::sha256_hex;
use crate::delivery::envelope::{shrink, EnvelopeError};
use crate::error::RunWebhookError;
use crate::timefmt::iso8601_ms;

/// The engine's event name for run completions (in stats, filters and dead letters).
pub const EVENT: &str = "run_completed";
/// LangGraph's default multitask strategy.
pub const DEFAULT_MULTITASK_STRATEGY: &str = "reject";
const MAX_ROUNDS: usize = 256;

/// How a run ended (LangGraph's final run statuses runwire can observe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Finished, including a graph that stopped at `interrupt()`.
    Success,
    /// Raised.
    Error,
    /// Its timeout fired.
    Timeout,
    /// Cancelled by the caller (LangGraph: a user interrupt).
    Interrupted,
}

impl RunStatus {
    /// Parses LangGraph's status string.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "success" => Self::Success,
            "error" => Self::Error,
            "timeout" => Self::Timeout,
            "interrupted" => Self::Interrupted,
            _ => return None,
        })
    }

    /// LangGraph's status string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Error => "error",
            Self::Timeout => "timeout",
            Self::Interrupted => "interrupted",
        }
    }

    /// The `error` LangGraph sends when none was observed (a cancel has no exception of its own).
    fn default_error(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Success => None,
            Self::Error => Some(("Error", "")),
            Self::Timeout => Some(("TimeoutError", "The run timed out")),
            Self::Interrupted => Some(("UserInterrupt", "User interrupted the run")),
        }
    }
}

/// One finished run, as the bindings hand it over (JSON, see [`RunCompletion::parse`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RunCompletion {
    /// The root run's id.
    pub run_id: String,
    /// `configurable.thread_id`, if any (`null` otherwise).
    pub thread_id: Option<String>,
    /// The assistant (graph) id.
    pub assistant_id: String,
    /// Final status.
    pub status: RunStatus,
    /// The run's metadata (an object).
    pub metadata: Value,
    /// The run's arguments (an object: `input`, `config`, …).
    pub kwargs: Value,
    /// LangGraph's multitask strategy string.
    pub multitask_strategy: String,
    /// When the root run started, unix ms.
    pub started_at_ms: u64,
    /// When it ended, unix ms.
    pub ended_at_ms: u64,
    /// Final state / output; `None` = omitted.
    pub values: Option<Value>,
    /// `(type, message)` for a run that did not succeed.
    pub error: Option<(String, String)>,
    /// Pending graph interrupts (`[{id, value}]`) of a run that stopped at `interrupt()`.
    pub interrupts: Option<Value>,
    /// LangGraph's `webhooks.allowed_fields`: when non-empty, only these top-level fields are
    /// sent (the caller validated the names).
    pub allowed_fields: Option<Vec<String>>,
}

const KNOWN: &[&str] = &[
    "run_id",
    "thread_id",
    "assistant_id",
    "status",
    "metadata",
    "kwargs",
    "multitask_strategy",
    "started_at_ms",
    "ended_at_ms",
    "values",
    "error",
    "interrupts",
    "allowed_fields",
];

fn invalid(message: impl Into<String>) -> RunWebhookError {
    RunWebhookError::Invalid(message.into())
}

fn required(key: &str) -> RunWebhookError {
    invalid(String::from(key) + " is required")
}

fn wrong(key: &str) -> RunWebhookError {
    invalid(String::from(key) + " has the wrong type")
}

fn get_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, RunWebhookError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(key)),
    }
}

fn get_array(map: &Map<String, Value>, key: &str) -> Result<Option<Vec<Value>>, RunWebhookError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.clone())),
        Some(_) => Err(wrong(key)),
    }
}

fn get_object(map: &Map<String, Value>, key: &str) -> Result<Value, RunWebhookError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(v @ Value::Object(_)) => Ok(v.clone()),
        Some(_) => Err(wrong(key)),
    }
}

fn get_millis(map: &Map<String, Value>, key: &str) -> Result<u64, RunWebhookError> {
    map.get(key).and_then(Value::as_u64).ok_or_else(|| wrong(key))
}

impl RunCompletion {
    /// Reads `{"run_id", "thread_id"?, "assistant_id", "status", "metadata"?, "kwargs"?,
    /// "multitask_strategy"?, "started_at_ms", "ended_at_ms", "values"?, "error"?: {"error",
    /// "message"}, "interrupts"?, "allowed_fields"?}`. A missing `values` key means "omit"; `null`
    /// is sent as null. (Read by hand, with one message shape per kind of mistake: this code is
    /// in the size-budgeted web build.)
    pub fn parse(json: &str) -> Result<Self, RunWebhookError> {
        let root: Value = serde_json::from_str(json).map_err(|_| invalid("run must be a JSON object"))?;
        let Value::Object(map) = root else { return Err(invalid("run must be a JSON object")) };
        if let Some(key) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(invalid(format!("unknown field `{key}`")));
        }
        let run_id = get_string(&map, "run_id")?.filter(|s| !s.is_empty()).ok_or_else(|| required("run_id"))?;
        if run_id.contains('.') || run_id.len() > 256 {
            return Err(invalid("run_id must be at most 256 bytes without '.'"));
        }
        let status = get_string(&map, "status")?
            .and_then(|s| RunStatus::parse(&s))
            .ok_or_else(|| invalid("status must be \"success\", \"error\", \"timeout\" or \"interrupted\""))?;
        let error = match map.get("error") {
            None | Some(Value::Null) => None,
            Some(Value::Object(e)) => Some((
                get_string(e, "error")?.unwrap_or_else(|| "Error".into()),
                get_string(e, "message")?.unwrap_or_default(),
            )),
            Some(_) => return Err(invalid("error must be {\"error\": <type>, \"message\": <text>}")),
        };
        if status == RunStatus::Success && error.is_some() {
            return Err(invalid("a successful run has no error"));
        }
        let error = error.or_else(|| status.default_error().map(|(k, m)| (k.to_owned(), m.to_owned())));
        let interrupts = match get_array(&map, "interrupts")? {
            Some(items) if !items.is_empty() && status == RunStatus::Success => Some(Value::Array(items)),
            _ => None,
        };
        let allowed_fields = match get_array(&map, "allowed_fields")? {
            Some(items) if !items.is_empty() => Some(
                items
                    .into_iter()
                    .map(|i| if let Value::String(s) = i { Ok(s) } else { Err(wrong("allowed_fields")) })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            _ => None,
        };
        let started_at_ms = get_millis(&map, "started_at_ms")?;
        let ended_at_ms = get_millis(&map, "ended_at_ms")?;
        if ended_at_ms < started_at_ms {
            return Err(invalid("ended_at_ms is before started_at_ms"));
        }
        Ok(Self {
            run_id,
            thread_id: get_string(&map, "thread_id")?,
            assistant_id: get_string(&map, "assistant_id")?.ok_or_else(|| required("assistant_id"))?,
            status,
            metadata: get_object(&map, "metadata")?,
            kwargs: get_object(&map, "kwargs")?,
            multitask_strategy: get_string(&map, "multitask_strategy")?
                .unwrap_or_else(|| DEFAULT_MULTITASK_STRATEGY.into()),
            started_at_ms,
            ended_at_ms,
            values: map.get("values").cloned(),
            error,
            interrupts,
            allowed_fields,
        })
    }

    /// The `webhook-id` of this run's completion: one per run, stable across retries and
    /// replays, no `.` (shared/spec/webhooks.md §6).
    pub fn webhook_id(&self) -> String {
        format!("{}:{EVENT}", self.run_id)
    }

    /// The payload, LangGraph's fields in the order of the module doc, built at `sent_at_ms` and
    /// capped at `max_bytes`.
    pub fn payload(&self, sent_at_ms: u64, max_bytes: usize) -> Result<String, EnvelopeError> {
        let mut fields = self.fields(sent_at_ms);
        let original = write_object(&fields);
        if original.len() <= max_bytes {
            return Ok(original);
        }
        fields.push(("truncated", Value::Bool(true)));
        fields.push(("original_bytes", Value::from(original.len())));
        fields.push(("sha256", Value::String(sha256_hex(original.as_bytes()))));
        for _ in 0..MAX_ROUNDS {
            let body = write_object(&fields);
            if body.len() <= max_bytes {
                return Ok(body);
            }
            let excess = body.len() - max_bytes;
            let shrunk = ["values", "kwargs", "interrupts", "metadata"]
                .iter()
                .any(|key| fields.iter_mut().any(|(k, v)| k == key && shrink(v, excess)));
            if !shrunk {
                return Err(EnvelopeError::TooLarge);
            }
        }
        Err(EnvelopeError::TooLarge)
    }

    /// [`RunCompletion::payload`] with a typed error, for the bindings' `runWebhookPayload`.
    pub fn payload_text(&self, sent_at_ms: u64, max_bytes: usize) -> Result<String, RunWebhookError> {
        self.payload(sent_at_ms, max_bytes).map_err(|_| RunWebhookError::TooLarge)
    }

    fn fields(&self, sent_at_ms: u64) -> Vec<(&'static str, Value)> {
        let text = |s: &str| Value::String(s.to_owned());
        let started = Value::String(iso8601_ms(self.started_at_ms));
        let ended = Value::String(iso8601_ms(self.ended_at_ms));
        let mut fields = vec![
            ("run_id", text(&self.run_id)),
            ("thread_id", self.thread_id.as_deref().map_or(Value::Null, text)),
            ("assistant_id", text(&self.assistant_id)),
            ("status", text(self.status.as_str())),
            ("metadata", self.metadata.clone()),
            ("kwargs", self.kwargs.clone()),
            ("multitask_strategy", text(&self.multitask_strategy)),
            ("created_at", started.clone()),
            ("updated_at", ended.clone()),
            ("run_started_at", started),
            ("run_ended_at", ended),
            ("webhook_sent_at", Value::String(iso8601_ms(sent_at_ms))),
        ];
        if let Some(values) = &self.values {
            fields.push(("values", values.clone()));
        }
        if let Some(interrupts) = &self.interrupts {
            fields.push(("interrupts", interrupts.clone()));
        }
        if let Some((kind, message)) = &self.error {
            let mut error = Map::new();
            error.insert("error".into(), text(kind));
            error.insert("message".into(), text(message));
            fields.push(("error", Value::Object(error)));
        }
        if let Some(allowed) = &self.allowed_fields {
            fields.retain(|(key, _)| allowed.iter().any(|a| a == key));
        }
        fields
    }
}

/// Compact JSON of an ordered list of top-level fields.
fn write_object(fields: &[(&str, Value)]) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String((*key).to_owned()).to_string());
        out.push(':');
        out.push_str(&value.to_string());
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00.000Z

    fn run(extra: &str) -> RunCompletion {
        let json = format!(
            r#"{{"run_id":"r1","thread_id":"t1","assistant_id":"agent","metadata":{{"b":1,"a":2}},
               "kwargs":{{"input":{{"q":"hi"}}}},"started_at_ms":{T0},"ended_at_ms":{}{extra}}}"#,
            T0 + 1500
        );
        RunCompletion::parse(&json).unwrap()
    }

    fn keys(body: &str) -> Vec<String> {
        // serde_json sorts maps, so read the top-level key order from the text itself.
        let value: Value = serde_json::from_str(body).unwrap();
        let mut found: Vec<(usize, String)> =
            value.as_object().unwrap().keys().map(|k| (body.find(&format!("\"{k}\":")).unwrap(), k.clone())).collect();
        found.sort();
        found.into_iter().map(|(_, k)| k).collect()
    }

    #[test]
    fn success_has_langgraph_js_order_and_no_error() {
        let body = run(r#","status":"success","values":{"messages":[]}"#).payload(T0 + 2000, 65536).unwrap();
        assert_eq!(
            keys(&body),
            [
                "run_id",
                "thread_id",
                "assistant_id",
                "status",
                "metadata",
                "kwargs",
                "multitask_strategy",
                "created_at",
                "updated_at",
                "run_started_at",
                "run_ended_at",
                "webhook_sent_at",
                "values"
            ]
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["created_at"], "2026-01-01T00:00:00.000Z");
        assert_eq!(v["run_ended_at"], "2026-01-01T00:00:01.500Z");
        assert_eq!(v["webhook_sent_at"], "2026-01-01T00:00:02.000Z");
        assert_eq!(v["multitask_strategy"], "reject");
        assert!(body.starts_with(r#"{"run_id":"r1","thread_id":"t1","assistant_id":"agent","status":"success""#));
    }

    #[test]
    fn values_omitted_when_absent_and_null_kept() {
        let body = run(r#","status":"success""#).payload(T0, 65536).unwrap();
        assert!(!body.contains("\"values\""));
        let body = run(r#","status":"success","values":null"#).payload(T0, 65536).unwrap();
        assert!(body.contains("\"values\":null"));
    }

    #[test]
    fn errors_come_last_with_langgraph_shapes() {
        let body =
            run(r#","status":"error","error":{"error":"TypeError","message":"boom"}"#).payload(T0, 65536).unwrap();
        assert!(body.ends_with(r#""error":{"error":"TypeError","message":"boom"}}"#));
        let body = run(r#","status":"interrupted""#).payload(T0, 65536).unwrap();
        assert!(body.ends_with(r#""error":{"error":"UserInterrupt","message":"User interrupted the run"}}"#));
        let body = run(r#","status":"timeout""#).payload(T0, 65536).unwrap();
        assert!(body.contains(r#""error":{"error":"TimeoutError""#));
    }

    #[test]
    fn interrupts_only_for_success_after_values() {
        let r = run(r#","status":"success","values":{"a":1},"interrupts":[{"id":"x","value":"ok?"}]"#);
        let body = r.payload(T0, 65536).unwrap();
        assert_eq!(keys(&body).last().unwrap(), "interrupts");
        let r = run(r#","status":"success","interrupts":[]"#);
        assert!(!r.payload(T0, 65536).unwrap().contains("interrupts"));
    }

    #[test]
    fn refuses_bad_input() {
        for bad in [
            r#"{"run_id":"r","assistant_id":"a","status":"pending","started_at_ms":1,"ended_at_ms":2}"#,
            r#"{"run_id":"r.1","assistant_id":"a","status":"success","started_at_ms":1,"ended_at_ms":2}"#,
            r#"{"run_id":"r","status":"success","started_at_ms":1,"ended_at_ms":2}"#,
            r#"{"run_id":"r","assistant_id":"a","status":"success","started_at_ms":3,"ended_at_ms":2}"#,
            r#"{"run_id":"r","assistant_id":"a","status":"success","error":{"error":"E"},"started_at_ms":1,"ended_at_ms":2}"#,
            r#"{"run_id":"r","assistant_id":"a","status":"success","started_at_ms":1,"ended_at_ms":2,"x":1}"#,
            "[]",
        ] {
            assert!(RunCompletion::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn allowed_fields_keep_only_the_listed_fields_in_order() {
        let r = run(r#","status":"success","values":{"a":1},"allowed_fields":["values","run_id","status"]"#);
        assert_eq!(r.payload(T0, 65536).unwrap(), r#"{"run_id":"r1","status":"success","values":{"a":1}}"#);
        let r = run(r#","status":"success","allowed_fields":[]"#);
        assert!(r.payload(T0, 65536).unwrap().contains("webhook_sent_at"));
    }

    #[test]
    fn webhook_id_is_stable_and_dotless() {
        assert_eq!(run(r#","status":"success""#).webhook_id(), "r1:run_completed");
    }

    #[test]
    fn over_the_cap_values_are_cut_not_the_json() {
        let big = "x".repeat(5000);
        let r = run(&format!(r#","status":"success","values":{{"text":"{big}"}}"#));
        let full = r.payload(T0, 65536).unwrap();
        let body = r.payload(T0, 2048).unwrap();
        assert!(body.len() <= 2048);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["truncated"], true);
        assert_eq!(v["original_bytes"], full.len());
        assert_eq!(v["sha256"], sha256_hex(full.as_bytes()));
        assert_eq!(v["run_id"], "r1");
        assert!(run(r#","status":"success""#).payload(T0, 64).is_err());
    }
}
