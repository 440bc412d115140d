//! Dead letters: replayable records of what could not be delivered, and the store they go to.
//!
//! A [`DeadLetter`] holds the **exact body bytes** that were signed (a replay re-signs those bytes
//! with a fresh timestamp and the same id), the stable id, the sink's *name* (never its URL
//! secrets, never resolved header values), every attempt (status or error class, duration, a
//! capped response snippet) and the reason. Bodies are always UTF-8 (canonical JSON), so the
//! record is plain JSON text.
//!
//! Stores are a trait: the addon writes files under
//! `YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json` ([`DeadLetter::relative_path`], UTC date of
//! dead-lettering; the sink is part of the path because one event dead-lettered by two sinks is
//! two records with the same id; the raw id contains `:`, which is illegal in Windows file names), the web build calls a JS function, tests keep them in memory.

use std::future::{ready, Future};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::runtime::{MaybeSend, MaybeSync};
use crate::timefmt::civil_date;

/// Response snippets kept per attempt, in bytes (Svix keeps up to 20 000).
pub const SNIPPET_CAP: usize = 1_024;

/// Why a message was dead-lettered (wire names are snake_case and stable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadLetterReason {
    /// Every attempt of the schedule failed transiently.
    Exhausted,
    /// A 4xx other than 408/425/429/410: retrying cannot help.
    #[serde(rename = "permanent_4xx")]
    Permanent4xx,
    /// The endpoint answered 410 Gone and was disabled.
    Gone,
    /// The last attempts were redirects, which are never followed.
    Redirect,
    /// The URL policy refused the request; nothing was sent.
    UrlPolicy,
    /// Even the truncated body exceeds the byte cap.
    PayloadTooLarge,
    /// The endpoint had been disabled before this message was tried.
    EndpointDisabled,
    /// Still pending when `drain`/`close` reached its deadline.
    Shutdown,
    /// The sink's queue was full when the message arrived.
    QueueFull,
    /// A non-HTTP sink refused the message permanently.
    Rejected,
    /// The event data handed to the engine was not JSON (a bug in the caller).
    InvalidPayload,
    /// A Redis Streams job entry a worker could not read (a field missing or malformed, or a
    /// sink name the worker does not have); the record's body holds the entry's fields.
    MalformedEntry,
}

const REASONS: [DeadLetterReason; 12] = [
    DeadLetterReason::Exhausted,
    DeadLetterReason::Permanent4xx,
    DeadLetterReason::Gone,
    DeadLetterReason::Redirect,
    DeadLetterReason::UrlPolicy,
    DeadLetterReason::PayloadTooLarge,
    DeadLetterReason::EndpointDisabled,
    DeadLetterReason::Shutdown,
    DeadLetterReason::QueueFull,
    DeadLetterReason::Rejected,
    DeadLetterReason::InvalidPayload,
    DeadLetterReason::MalformedEntry,
];

impl DeadLetterReason {
    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        REASONS.into_iter().find(|r| r.as_str() == text)
    }

    /// The wire name, e.g. `permanent_4xx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exhausted => "exhausted",
            Self::Permanent4xx => "permanent_4xx",
            Self::Gone => "gone",
            Self::Redirect => "redirect",
            Self::UrlPolicy => "url_policy",
            Self::PayloadTooLarge => "payload_too_large",
            Self::EndpointDisabled => "endpoint_disabled",
            Self::Shutdown => "shutdown",
            Self::QueueFull => "queue_full",
            Self::Rejected => "rejected",
            Self::InvalidPayload => "invalid_payload",
            Self::MalformedEntry => "malformed_entry",
        }
    }
}

/// `text` itself when it is a plain `[A-Za-z0-9_-]{1,128}` name, else its SHA-256 hex.
fn path_segment(text: &str) -> String {
    let plain = !text.is_empty()
        && text.len() <= 128
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        text.to_owned()
    } else {
        sha256_hex(text.as_bytes())
    }
}

/// One delivery attempt, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRecord {
    /// When the attempt started, unix ms.
    pub at_ms: u64,
    /// HTTP status, if a response came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error class when there was no response: `timeout`, `network`, `blocked`, `shutdown`, ….
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time of the attempt.
    pub duration_ms: u64,
    /// The first bytes of the response body (lossy UTF-8), capped at [`SNIPPET_CAP`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub snippet: String,
}

impl AttemptRecord {
    /// Builds the snippet from raw bytes, capped on a character boundary.
    pub fn snippet_from(bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SNIPPET_CAP)]);
        text.into_owned()
    }
}

/// A message that will not be retried any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadLetter {
    /// The stable `webhook-id` / `Idempotency-Key`.
    pub id: String,
    /// The sink's configured name.
    pub sink: String,
    /// The event's own run id.
    pub run_id: String,
    /// The LangChain event name, e.g. `on_tool_end`.
    pub event: String,
    /// The exact body that was (or would have been) signed and sent.
    pub body: String,
    /// Why it was dead-lettered.
    pub reason: DeadLetterReason,
    /// Every attempt made, in order (empty if none was made).
    pub attempts: Vec<AttemptRecord>,
    /// When the message was accepted, unix ms.
    pub accepted_at_ms: u64,
    /// When it was dead-lettered, unix ms.
    pub dead_lettered_at_ms: u64,
}

impl DeadLetter {
    /// `YYYY/MM/DD/<run_id>/<sink>/<sha256_hex(id)>.json` (UTC date of dead-lettering). A run id
    /// or sink name that is not a plain `[A-Za-z0-9_-]` name is replaced by its hash so it cannot
    /// escape the tree.
    pub fn relative_path(&self) -> String {
        let (year, month, day) = civil_date(self.dead_lettered_at_ms);
        let (run, sink) = (path_segment(&self.run_id), path_segment(&self.sink));
        format!("{year:04}/{month:02}/{day:02}/{run}/{sink}/{}.json", sha256_hex(self.id.as_bytes()))
    }

    /// The record as JSON text (what the file store writes and JS callbacks receive).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a record written by [`DeadLetter::to_json`]. (Read over `serde_json::Value` rather
    /// than derived: the derive costs the web build several KB.)
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let text_field = |key: &str| -> Result<String, String> {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("missing string field `{key}`"))
        };
        let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_u64);
        let reason = text_field("reason")?;
        let attempts = value
            .get("attempts")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|a| AttemptRecord {
                        at_ms: number(a, "at_ms").unwrap_or(0),
                        status: number(a, "status").and_then(|s| u16::try_from(s).ok()),
                        error: a.get("error").and_then(Value::as_str).map(str::to_owned),
                        duration_ms: number(a, "duration_ms").unwrap_or(0),
                        snippet: a.get("snippet").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            id: text_field("id")?,
            sink: text_field("sink")?,
            run_id: text_field("run_id")?,
            event: text_field("event")?,
            body: text_field("body")?,
            reason: DeadLetterReason::parse(&reason).ok_or_else(|| format!("unknown reason `{reason}`"))?,
            attempts,
            accepted_at_ms: number(&value, "accepted_at_ms").unwrap_or(0),
            dead_lettered_at_ms: number(&value, "dead_lettered_at_ms").unwrap_or(0),
        })
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where dead letters go. Writes may fail (disk full, callback threw): the engine reports that
/// through its hooks and the `dlq_write_errors` counter, and still counts the message as
/// dead-lettered — it is never retried forever.
pub trait DeadLetterStore: MaybeSend + MaybeSync + 'static {
    /// Persists one record.
    fn put(&self, record: DeadLetter) -> impl Future<Output = Result<(), String>> + MaybeSend;
}

/// Keeps dead letters in memory (tests, and the web build when no store callback is given).
#[derive(Debug, Clone, Default)]
pub struct MemoryDeadLetters {
    records: Arc<Mutex<Vec<DeadLetter>>>,
}

impl MemoryDeadLetters {
    /// Takes every record stored so far.
    pub fn take(&self) -> Vec<DeadLetter> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// A copy of every record stored so far.
    pub fn snapshot(&self) -> Vec<DeadLetter> {
        self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl DeadLetterStore for MemoryDeadLetters {
    fn put(&self, record: DeadLetter) -> impl Future<Output = Result<(), String>> + MaybeSend {
        self.records.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(record);
        ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter(run_id: &str) -> DeadLetter {
        DeadLetter {
            id: "run-1:on_tool_end:1".into(),
            sink: "primary".into(),
            run_id: run_id.into(),
            event: "on_tool_end".into(),
            body: "{\"a\":\"☕\"}".into(),
            reason: DeadLetterReason::Permanent4xx,
            attempts: vec![AttemptRecord {
                at_ms: 1,
                status: Some(400),
                error: None,
                duration_ms: 3,
                snippet: "bad".into(),
            }],
            accepted_at_ms: 1_767_225_600_000,
            dead_lettered_at_ms: 1_767_225_600_000,
        }
    }

    #[test]
    fn path_is_dated_and_hashed() {
        let path = letter("run-1").relative_path();
        let sink = letter("run-1").sink;
        assert_eq!(path, format!("2026/01/01/run-1/{sink}/{}.json", sha256_hex(b"run-1:on_tool_end:1")));
        let sneaky = letter("../../etc").relative_path();
        assert!(sneaky.starts_with("2026/01/01/") && !sneaky.contains(".."), "{sneaky}");
        let mut other = letter("run-1");
        other.sink = "../audit".into();
        let other_path = other.relative_path();
        assert_ne!(other_path, path, "two sinks' dead letters of one event are two files");
        assert!(!other_path.contains(".."), "{other_path}");
    }

    #[test]
    fn round_trips_through_json_with_snake_case_reason() {
        let record = letter("run-1");
        let json = record.to_json();
        assert!(json.contains("\"reason\":\"permanent_4xx\""), "{json}");
        assert_eq!(DeadLetter::from_json(&json).unwrap(), record);
        assert_eq!(DeadLetterReason::QueueFull.as_str(), "queue_full");
        for reason in REASONS {
            assert_eq!(DeadLetterReason::parse(reason.as_str()), Some(reason));
            assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        }
        assert!(DeadLetter::from_json("{}").is_err());
    }

    #[test]
    fn snippets_are_capped_and_lossy() {
        let long = vec![b'x'; SNIPPET_CAP + 10];
        assert_eq!(AttemptRecord::snippet_from(&long).len(), SNIPPET_CAP);
        assert_eq!(AttemptRecord::snippet_from(&[0xff, b'a']), "\u{fffd}a");
    }
}
