//! runwire-core: the part of runwire that is the same on every target.
//!
//! The Node addon (`runwire-node`, napi-rs + tokio) and the web build (`runwire-wasm`,
//! wasm-bindgen) are thin bindings over this crate. The tree reads like the architecture:
//!
//! ```text
//! signing/   canonical JSON, secrets, Standard Webhooks / GitHub / Stripe schemes, verify
//! events/    streamEvents v2 records, LangChain's include/exclude filter, UUIDv7 run ids, run-webhook payload
//! delivery/  config, envelope, idempotency ids, retry policy, engine, dead letters
//! sinks/     the Sink trait (one attempt, one outcome) and the HTTP webhook sink
//! policy/    URL policy and SSRF address rules, header templates (LangGraph's strings)
//! health/    per-endpoint breaker, rate limit, auto-disable
//! runtime    the seam: clock, sleep, randomness, HTTP transport; a virtual runtime for tests
//! error      typed errors with stable `ERR_RUNWIRE_*` codes
//! ```
//!
//! The core never touches the world directly. Clock, sleep, randomness and HTTP come in through
//! the traits of [`runtime`]; natively they are tokio and an HTTP client, on the web `Date.now`,
//! `setTimeout`, `crypto.getRandomValues` and `fetch`, and in tests the [`runtime::VirtualRuntime`].
//! `clippy.toml` in this crate forbids the std/tokio shortcuts that would bypass the seam.

pub mod delivery;
pub mod error;
pub mod events;
pub mod health;
pub mod policy;
pub mod runtime;
pub mod signing;
pub mod sinks;
pub mod timefmt;

pub use error::ErrorCode;
