//! Batches: several queued events of one sink delivered as one unit (`batch` per sink).
//!
//! ## Configuration
//!
//! `batch: { maxEvents, maxBytes, lingerMs }`: a worker takes up to `maxEvents` ready events
//! whose bodies add up to at most `maxBytes` (a single event larger than that still goes, alone);
//! when fewer than `maxEvents` are ready it waits until the oldest has waited `lingerMs`, so a
//! quiet sink adds at most `lingerMs` of latency and a busy one fills batches at once.
//!
//! ## The body (webhooks, JS callbacks)
//!
//! ```json
//! {"data":[{"id":"<event id>","data":{…},"timestamp":"…","type":"agent.tool.end"}, …],
//!  "id":"batch_<hex>_<n>","timestamp":"<when the batch was formed>","type":"runwire.batch"}
//! ```
//!
//! Each item is the event's own body (exactly the bytes it would have been sent alone, including
//! any `truncated` marks) with its `id` — its `webhook-id` — put first. The batch has its own id,
//! which is the request's `webhook-id`, and one Standard Webhooks signature over the whole body,
//! so any Standard Webhooks verifier accepts it; receivers unpack `data` and dedupe per item `id`.
//! Items keep the engine's delivery order: with `ordering: "run"`, a run's events appear in emit
//! order and never span two batches in flight at once.
//!
//! ## Outcome
//!
//! A batch is one attempt: it is delivered, retried or dead-lettered **as a whole** on the sink's
//! schedule, with the same id and bytes on every retry. Stats count per event (`delivered`,
//! `dead_lettered` each move by the batch's size; `attempts` by one per request); each event of
//! a dead-lettered batch gets its own dead letter (its own id and body, replayable alone).

use std::time::Duration;

use crate::signing::canonical::to_canonical_string;
use crate::timefmt::iso8601_ms;

/// The `type` of a batch body.
pub const BATCH_TYPE: &str = "runwire.batch";
/// The event name a batch carries as one [`crate::sinks::Delivery`] (JS callbacks see it).
pub const BATCH_EVENT: &str = "runwire_batch";
/// Bytes of a batch body besides its items (ids, timestamp, type, brackets), for the size cap.
pub const BATCH_OVERHEAD: usize = 160;

/// Default `maxEvents`.
pub const DEFAULT_MAX_EVENTS: usize = 100;
/// Default `maxBytes` (Svix accepts ~350 KB; keep well under).
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024;
/// Default `lingerMs`.
pub const DEFAULT_LINGER: Duration = Duration::from_millis(20);

/// How a sink groups events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// Most events per batch (≥ 1).
    pub max_events: usize,
    /// Most body bytes per batch (items plus [`BATCH_OVERHEAD`]).
    pub max_bytes: usize,
    /// How long the oldest ready event may wait for the batch to fill.
    pub linger: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self { max_events: DEFAULT_MAX_EVENTS, max_bytes: DEFAULT_MAX_BYTES, linger: DEFAULT_LINGER }
    }
}

/// The bytes one item adds to a batch body.
pub fn item_bytes(id: &str, body: &[u8]) -> usize {
    body.len() + id.len() + 8
}

/// The batch body for `items` (`(id, event body)` in delivery order).
pub fn body(batch_id: &str, formed_at_ms: u64, items: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(BATCH_OVERHEAD + items.iter().map(|(id, b)| item_bytes(id, b)).sum::<usize>());
    out.extend_from_slice(b"{\"data\":[");
    for (i, (id, body)) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"id\":");
        out.extend_from_slice(to_canonical_string(&serde_json::Value::from(*id)).as_bytes());
        // An event body is a non-empty canonical object: `{"data":…}`.
        out.push(b',');
        out.extend_from_slice(body.get(1..).unwrap_or_default());
    }
    out.extend_from_slice(b"],\"id\":");
    out.extend_from_slice(to_canonical_string(&serde_json::Value::from(batch_id)).as_bytes());
    out.extend_from_slice(b",\"timestamp\":\"");
    out.extend_from_slice(iso8601_ms(formed_at_ms).as_bytes());
    out.extend_from_slice(b"\",\"type\":\"");
    out.extend_from_slice(BATCH_TYPE.as_bytes());
    out.extend_from_slice(b"\"}");
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::delivery::envelope::{self, EnvelopeLimits};

    #[test]
    fn items_are_the_event_bodies_with_their_ids() {
        let a = envelope::build("on_tool_end", 0, r#"{"n":1}"#, EnvelopeLimits::default()).unwrap();
        let b = envelope::build("on_custom_event", 1, r#"{"q":"\"x\""}"#, EnvelopeLimits::default()).unwrap();
        let bytes = body(
            "batch_1",
            1_767_225_600_000,
            &[("r:on_tool_end:1", a.as_bytes()), ("r:on_custom_event:1", b.as_bytes())],
        );
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["type"], BATCH_TYPE);
        assert_eq!(v["id"], "batch_1");
        assert_eq!(v["timestamp"], "2026-01-01T00:00:00.000Z");
        let items = v["data"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], "r:on_tool_end:1");
        assert_eq!(items[0]["type"], "agent.tool.end");
        assert_eq!(items[0]["data"]["n"], 1);
        assert_eq!(items[1]["data"]["q"], "\"x\"");
        // Without its id, an item is exactly the event's own body.
        let mut alone = items[1].clone();
        alone.as_object_mut().unwrap().remove("id");
        assert_eq!(to_canonical_string(&alone), b);
        assert!(
            bytes.len()
                <= BATCH_OVERHEAD
                    + item_bytes("r:on_tool_end:1", a.as_bytes())
                    + item_bytes("r:on_custom_event:1", b.as_bytes())
        );
    }
}
