//! Delivery: from an accepted event to exactly one final outcome — delivered, dead-lettered, or
//! still pending.
//!
//! - [`bounds`]: the range of every numeric option, one table shared with the JS options schema.
//! - [`config`]: the delivery configuration both bindings hand over as one JSON text.
//! - [`batch`]: the batch body and its size rules (`batch` per sink).
//! - `lane`: one sink's scheduling state — ready, delay queue, per-run order, capacity.
//! - [`envelope`]: the delivered body (canonical JSON, field-level truncation under a byte cap).
//! - [`idempotency`]: `{run_id}:{event_type}:{seq}` ids, stable across retries and replays.
//! - [`retry`]: the pure retry policy (status table, Retry-After clamp, jitter).
//! - [`engine`]: bounded per-sink queues, workers, retries, health, drain and stats.
//! - [`message`]: the fixed-id enqueue and per-message final-outcome API (what the spool uses).
//! - [`dlq`]: dead-letter records and the store trait; replay re-signs with the same id.
//! - [`spool`]: the durable spool's record format and recovery (the addon does the file I/O).
//! - [`simulate`]: retry schedules walked on the virtual clock, for the conformance suite.
//!
//! Where a message goes is a [`crate::sinks::Sink`]; whether an endpoint may be tried now is
//! [`crate::health`]; clock, sleep and randomness come from [`crate::runtime`].

pub mod batch;
pub mod bounds;
pub mod config;
pub mod dlq;
pub mod engine;
pub mod envelope;
pub mod idempotency;
pub mod intern;
mod lane;
pub mod message;
pub mod retry;
pub mod simulate;
pub mod spool;
