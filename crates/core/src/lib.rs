//! runwire-core: the part of runwire that is the same on every target.
//!
//! The Node addon (`runwire-node`, napi-rs + tokio) and the web build (`runwire-wasm`,
//! wasm-bindgen) are thin bindings over this crate. Everything they have in common lives here:
//! webhook signing and verification (Standard Webhooks, GitHub-style, Stripe-style), canonical JSON bodies, typed errors with stable codes, and
//! (as it lands) the event records, filters, retry policy and delivery engine.
//!
//! The core never touches the world directly. Clock, sleep, randomness and HTTP come in through
//! the traits of [`runtime`]; natively they are tokio and an HTTP client, on the web `Date.now`,
//! `setTimeout`, `crypto.getRandomValues` and `fetch`, and in tests the [`runtime::VirtualRuntime`].
//! `clippy.toml` in this crate forbids the std/tokio shortcuts that would bypass the seam.

pub mod canonical;
pub mod config;
pub mod dlq;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod filter;
pub mod github;
pub mod health;
pub mod idempotency;
pub mod policy;
pub mod record;
pub mod retry;
pub mod run_id;
pub mod runtime;
pub mod secret;
pub mod simulate;
pub mod sink;
pub mod standard;
pub mod stripe;
pub mod timefmt;
pub mod verify;
pub mod webhook;

pub use error::ErrorCode;
