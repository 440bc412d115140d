//! The `Sink` trait: one place a message can be delivered to.
//!
//! A sink performs **one attempt** and reports what happened; it never retries, sleeps or
//! dead-letters — the engine owns those (see the layer order in [`crate::delivery::engine`]). The HTTP
//! webhook sink ([`crate::sinks::webhook::WebhookSink`]) signs each attempt afresh; the bindings add
//! JS-callback sinks; the addon adds native queue sinks (Redis Streams, Kafka, SNS), whose pure
//! half lives here: the fields a queue record carries and its signing ([`queue`]), the error
//! table every queue client maps onto ([`failure`]), and per transport the config and wire
//! mapping ([`redis`], [`kafka`], [`sns`]; parsed by [`queue_config`]), and the job entry a
//! producer process hands to `runwire worker` processes ([`redis_job`]).

pub mod failure;
pub mod kafka;
pub mod queue;
pub mod queue_config;
pub mod redis;
pub mod redis_job;
pub mod sns;
pub mod webhook;

use std::future::Future;
use std::sync::Arc;

use crate::delivery::retry::Outcome;
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
    /// The root of the event's run tree (the unit of `ordering: "run"`; its own run if none).
    pub root_run_id: Arc<str>,
    /// When the message was accepted, unix ms (the body's `timestamp`).
    pub accepted_at_ms: u64,
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

/// One attempt to deliver a **batch** of messages as one unit (a sink with `batch` configured;
/// see [`crate::delivery::batch`]). The batch succeeds or fails as a whole.
#[derive(Debug, Clone)]
pub struct BatchDelivery {
    /// The batch's own id (`webhook-id` of the request), stable across its retries.
    pub id: Arc<str>,
    /// The batch body ([`crate::delivery::batch`] format): what a webhook signs and sends.
    pub body: Arc<[u8]>,
    /// The messages, in delivery order (a run's events in emit order), each with its own id and
    /// body — for sinks with a native batch call (Kafka, SNS, Redis pipelines).
    pub items: Vec<Delivery>,
    /// 1 for the first attempt, 2 for the first retry, ….
    pub attempt: usize,
}

impl BatchDelivery {
    /// The batch as one message: its id, its batch body, event [`crate::delivery::batch::BATCH_EVENT`].
    pub fn as_delivery(&self) -> Delivery {
        Delivery {
            id: self.id.clone(),
            body: self.body.clone(),
            event: crate::delivery::batch::BATCH_EVENT.into(),
            run_id: self.items.first().map_or_else(|| "".into(), |item| item.run_id.clone()),
            root_run_id: self.items.first().map_or_else(|| "".into(), |item| item.root_run_id.clone()),
            accepted_at_ms: self.items.first().map_or(0, |item| item.accepted_at_ms),
            attempt: self.attempt,
        }
    }
}

/// A delivery target.
pub trait Sink: MaybeSend + MaybeSync + 'static {
    /// Makes one attempt.
    fn send(&self, delivery: Delivery) -> impl Future<Output = SinkResponse> + MaybeSend;

    /// Makes one attempt at a whole batch. The default sends the batch body as one message
    /// ([`BatchDelivery::as_delivery`]): right for webhooks (one signed request) and JS callbacks
    /// (one call). Sinks with a native batch call override it and use `items`.
    fn send_batch(&self, batch: BatchDelivery) -> impl Future<Output = SinkResponse> + MaybeSend {
        self.send(batch.as_delivery())
    }
}

/// What a JS-callback sink receives per attempt, as JSON text:
/// `{"attempt":1,"body":"<the canonical body>","event":"on_tool_end","id":"…","run_id":"…"}`.
pub fn callback_message(delivery: &Delivery) -> String {
    let body = String::from_utf8_lossy(&delivery.body);
    serde_json::json!({
        "id": &*delivery.id,
        "event": &*delivery.event,
        "run_id": &*delivery.run_id,
        "attempt": delivery.attempt,
        "body": body,
    })
    .to_string()
}

/// A JS-callback sink's verdict: `ok` → delivered, `rejected` → dead letter `rejected`,
/// anything else (`error: …`) → a transient failure, retried on the schedule.
pub fn callback_verdict(text: &str) -> SinkResponse {
    match text {
        "ok" => SinkResponse::of(Outcome::Accepted),
        "rejected" => {
            SinkResponse { error: Some("rejected by callback".into()), ..SinkResponse::of(Outcome::Rejected) }
        }
        other => SinkResponse {
            error: Some(other.chars().take(200).collect()),
            ..SinkResponse::of(Outcome::TransientFailure)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_messages_and_verdicts() {
        let delivery = Delivery {
            id: "r:on_tool_end:1".into(),
            body: Arc::from(&b"{\"a\":1}"[..]),
            event: "on_tool_end".into(),
            run_id: "r".into(),
            root_run_id: "r".into(),
            accepted_at_ms: 0,
            attempt: 2,
        };
        assert_eq!(
            callback_message(&delivery),
            r#"{"attempt":2,"body":"{\"a\":1}","event":"on_tool_end","id":"r:on_tool_end:1","run_id":"r"}"#
        );
        assert_eq!(callback_verdict("ok").outcome, Outcome::Accepted);
        assert_eq!(callback_verdict("rejected").outcome, Outcome::Rejected);
        let failed = callback_verdict("error: boom");
        assert_eq!((failed.outcome, failed.error.as_deref()), (Outcome::TransientFailure, Some("error: boom")));
    }
}
