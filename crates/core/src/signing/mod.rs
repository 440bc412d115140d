//! Signing and verification: the bytes runwire signs, the keys it signs with, and the three
//! schemes a receiver may expect.
//!
//! - [`canonical`]: canonical JSON, the exact body bytes that are signed and sent.
//! - [`secret`]: signing secrets (`whsec_` keys, raw strings), redacted in `Debug`.
//! - [`standard`]: Standard Webhooks v1 (`webhook-id` / `-timestamp` / `-signature`), the default.
//! - [`github`]: GitHub-style `X-Signature-256: sha256=<hex>`.
//! - [`stripe`]: Stripe-style `t=<ts>,v1=<hex>`.
//! - [`verify`]: one receiver-side entry point that picks the scheme from the headers.
//!
//! Nothing here reads a clock: signing takes the timestamp and verification takes `now`.

pub mod canonical;
pub mod github;
pub mod secret;
pub mod standard;
pub mod stripe;
pub mod verify;
