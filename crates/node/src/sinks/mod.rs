//! The addon's native queue sinks, one module per transport, beside the webhook sink (whose
//! transport is `crate::transport`) and JS-callback sinks (`crate::callback_sink`).
//!
//! Each implements the core's `Sink` (one attempt → one outcome) and maps its client's errors
//! through `runwire_core::sinks::failure`; what a record carries is
//! `runwire_core::sinks::queue`. None of this is in the web build: edge users wrap their own
//! client in a send-function sink (README "Sinks", examples/edge-queue-sink.mjs).

pub mod kafka;
pub mod redis;
pub mod sns;
