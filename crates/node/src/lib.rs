//! runwire-node: the Node.js addon.
//!
//! A thin napi-rs layer over `runwire-core`: each exported function converts its arguments,
//! calls the core, and turns a core error into a JS `Error` whose `code` is the core's stable
//! [`ErrorCode`](runwire_core::ErrorCode). The public JavaScript API lives in `npm/runwire`
//! (`src/api.js`), which wraps this low-level surface and the web build's identical one.

pub mod callback_sink;
pub mod delivery;
pub mod engine_builder;
pub mod error;
pub mod events;
pub mod file_dlq;
pub mod ingest;
pub mod policy;
pub mod redis_client;
pub mod redis_dlq;
pub mod runtime;
pub mod signing;
pub mod sinks;
pub mod spool;
pub mod ssrf;
pub mod threads;
pub mod transport;
pub mod utf16_text;
pub mod worker;
