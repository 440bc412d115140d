//! The `Sink` trait: one place a message can be delivered to.
//!
//! A sink performs **one attempt** and reports what happened; it never retries, sleeps or
//! dead-letters — the engine owns those (see the layer order in [`crate::engine`]). The HTTP
//! webhook sink ([`crate::webhook::WebhookSink`]) signs each attempt afresh; the bindings add
//! JS-callback sinks; queue sinks (Redis, Kafka, SNS) plug in the same way.

use std::future::Future;
use std::sync::Arc;

use crate::retry::Outcome;
use crate::runtime::{MaybeSend, MaybeSync};

/// One attempt to deliver one message. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The stable idempotency id (`webhook-id`, `Idempotency-Key`).
    pub id: Arc<str>,
    /// The exact canonical body bytes to sign and send.
    pub body: Arc<[u8]>,
    /// The LangChain event name, e.g. `on_tool_end`.
    pub event: Arc<str>,
    /// The event's own run id.
    pub run_id: Arc<str>,
    /// 1 for the first attempt, 2 for the first retry, ….
    pub attempt: usize,
}

/// What one attempt produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkResponse {
    /// The outcome the retry policy classifies.
    pub outcome: Outcome,
    /// A `Retry-After` header value, unparsed.
    pub retry_after: Option<String>,
    /// The error class when there was no response (`timeout`, `network`, …).
    pub error: Option<String>,
    /// The first bytes of the response body.
    pub snippet: Vec<u8>,
}

impl SinkResponse {
    /// A bare outcome with nothing else to report.
    pub fn of(outcome: Outcome) -> Self {
        Self { outcome, retry_after: None, error: None, snippet: Vec::new() }
    }
}

/// A delivery target.
pub trait Sink: MaybeSend + MaybeSync + 'static {
    /// Makes one attempt.
    fn send(&self, delivery: Delivery) -> impl Future<Output = SinkResponse> + MaybeSend;
}
