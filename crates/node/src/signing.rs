//! Signing, verification and canonical JSON, exported to JS.
//!
//! The same low-level functions, with the same names and argument order, exist in the web build
//! (`crates/wasm/src/signing.rs`); `npm/runwire/src/api.js` builds the public API on either.

use napi::bindgen_prelude::{Either, Uint8Array};
use napi_derive::napi;
use runwire_core::signing::secret::{RawSecret, StandardSecret};
use runwire_core::signing::verify::{self, ReceivedHeaders};
use runwire_core::signing::{canonical, github, standard, stripe};

use crate::error::{invalid_argument, to_js, Result};
use crate::runtime::NodeRuntime;

type Body = Either<String, Uint8Array>;

/// The same texts as the web build's (`crates/wasm/src/signing.rs`).
const TOLERANCE_MESSAGE: &str = "options.toleranceSec must be a whole number of seconds from 0 to 31536000";
const NOW_MESSAGE: &str = "options.now must be a valid Date or milliseconds since the epoch";

fn bytes(body: &Body) -> &[u8] {
    match body {
        Either::A(text) => text.as_bytes(),
        Either::B(array) => array,
    }
}

fn standard_secrets(secrets: &[String]) -> Result<Vec<StandardSecret>> {
    secrets.iter().map(|s| StandardSecret::parse(s).map_err(to_js)).collect()
}

/// A fresh `whsec_` secret with 32 random bytes.
#[napi(js_name = "generateSecret", catch_unwind)]
pub fn generate_secret() -> String {
    StandardSecret::generate(&NodeRuntime).to_whsec()
}

/// The `webhook-signature` value for `body`, one `v1,` entry per secret.
#[napi(js_name = "signStandard", catch_unwind)]
pub fn sign_standard(id: String, timestamp: i64, body: Body, secrets: Vec<String>) -> Result<String> {
    let keys = standard_secrets(&secrets)?;
    standard::sign(&keys, &id, timestamp, bytes(&body)).map_err(to_js)
}

/// The GitHub-style `sha256=<hex>` value for `body`.
#[napi(js_name = "signGithub", catch_unwind)]
pub fn sign_github(body: Body, secret: String) -> Result<String> {
    let key = RawSecret::new(&secret).map_err(to_js)?;
    Ok(github::sign(&key, bytes(&body)))
}

/// The `Stripe-Signature` value `t=<timestamp>,v1=<hex>…` for `body`, one `v1` per secret.
#[napi(js_name = "signStripe", catch_unwind)]
pub fn sign_stripe(timestamp: i64, body: Body, secrets: Vec<String>) -> Result<String> {
    let keys = secrets.iter().map(|s| RawSecret::new(s).map_err(to_js)).collect::<Result<Vec<_>>>()?;
    stripe::sign(&keys, timestamp, bytes(&body)).map_err(to_js)
}

/// Verifies a received webhook; returns the scheme that matched (`"standard"`, `"github"` or `"stripe"`).
#[napi(js_name = "verify", catch_unwind)]
#[allow(
    clippy::too_many_arguments,
    reason = "flat arguments keep the JS→native call cheap; `expect` misfires through the #[napi] expansion"
)]
pub fn verify_webhook(
    body: Body,
    scheme: String,
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    github_signature: Option<String>,
    stripe_signature: Option<String>,
    secrets: Vec<String>,
    now_ms: f64,
    tolerance_secs: f64,
) -> Result<String> {
    let tolerance_secs = verify::js_tolerance(tolerance_secs).ok_or_else(|| invalid_argument(TOLERANCE_MESSAGE))?;
    let now_ms = verify::js_millis(now_ms).ok_or_else(|| invalid_argument(NOW_MESSAGE))?;
    let headers = ReceivedHeaders {
        id: id.as_deref(),
        timestamp: timestamp.as_deref(),
        signature: signature.as_deref(),
        github_signature: github_signature.as_deref(),
        stripe_signature: stripe_signature.as_deref(),
    };
    let matched =
        verify::verify_named(bytes(&body), &scheme, headers, &secrets, now_ms, tolerance_secs).map_err(to_js)?;
    Ok(matched.to_owned())
}

/// Canonical JSON (sorted keys, compact, literal UTF-8) of a JSON text.
#[napi(js_name = "canonicalJson", catch_unwind)]
pub fn canonical_json(json: String) -> Result<String> {
    canonical::canonicalize(&json).map_err(to_js)
}
