//! Signing, verification and canonical JSON, exported to JS. Mirrors
//! `crates/node/src/signing.rs` function for function.

use js_sys::Uint8Array;
use runwire_core::signing::secret::{RawSecret, StandardSecret};
use runwire_core::signing::verify::{self, ReceivedHeaders};
use runwire_core::signing::{canonical, github, standard, stripe};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{invalid_argument, to_js};
use crate::runtime::WebRuntime;

/// The same texts as the addon's (`crates/node/src/signing.rs`).
const TOLERANCE_MESSAGE: &str = "options.toleranceSec must be a whole number of seconds from 0 to 31536000";
const NOW_MESSAGE: &str = "options.now must be a valid Date or milliseconds since the epoch";

/// A body is a string (signed as UTF-8) or a `Uint8Array`.
fn body_bytes(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    if body.is_instance_of::<Uint8Array>() {
        return Ok(Uint8Array::new(body).to_vec());
    }
    Err(invalid_argument("body must be a string or a Uint8Array"))
}

fn standard_secrets(secrets: &[String]) -> Result<Vec<StandardSecret>, JsValue> {
    secrets.iter().map(|s| StandardSecret::parse(s).map_err(to_js)).collect()
}

/// A fresh `whsec_` secret with 32 random bytes.
#[wasm_bindgen(js_name = generateSecret)]
pub fn generate_secret() -> String {
    StandardSecret::generate(&WebRuntime).to_whsec()
}

/// The `webhook-signature` value for `body`, one `v1,` entry per secret.
#[wasm_bindgen(js_name = signStandard)]
pub fn sign_standard(id: &str, timestamp: f64, body: &JsValue, secrets: Vec<String>) -> Result<String, JsValue> {
    let keys = standard_secrets(&secrets)?;
    let timestamp =
        whole_seconds(timestamp).ok_or_else(|| to_js(runwire_core::error::SignatureError::InvalidTimestamp))?;
    standard::sign(&keys, id, timestamp, &body_bytes(body)?).map_err(to_js)
}

/// The GitHub-style `sha256=<hex>` value for `body`.
#[wasm_bindgen(js_name = signGithub)]
pub fn sign_github(body: &JsValue, secret: &str) -> Result<String, JsValue> {
    let key = RawSecret::new(secret).map_err(to_js)?;
    Ok(github::sign(&key, &body_bytes(body)?))
}

/// The `Stripe-Signature` value `t=<timestamp>,v1=<hex>…` for `body`, one `v1` per secret.
#[wasm_bindgen(js_name = signStripe)]
pub fn sign_stripe(timestamp: f64, body: &JsValue, secrets: Vec<String>) -> Result<String, JsValue> {
    let keys = secrets.iter().map(|s| RawSecret::new(s).map_err(to_js)).collect::<Result<Vec<_>, _>>()?;
    let timestamp =
        whole_seconds(timestamp).ok_or_else(|| to_js(runwire_core::error::SignatureError::InvalidTimestamp))?;
    stripe::sign(&keys, timestamp, &body_bytes(body)?).map_err(to_js)
}

/// Verifies a received webhook; returns the scheme that matched (`"standard"`, `"github"` or `"stripe"`).
#[wasm_bindgen(js_name = verify)]
#[expect(clippy::too_many_arguments, reason = "flat arguments keep the JS→wasm call cheap")]
pub fn verify_webhook(
    body: &JsValue,
    scheme: String,
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    github_signature: Option<String>,
    stripe_signature: Option<String>,
    secrets: Vec<String>,
    now_ms: f64,
    tolerance_secs: f64,
) -> Result<String, JsValue> {
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
        verify::verify_named(&body_bytes(body)?, &scheme, headers, &secrets, now_ms, tolerance_secs).map_err(to_js)?;
    Ok(matched.to_owned())
}

/// Canonical JSON (sorted keys, compact, literal UTF-8) of a JSON text.
#[wasm_bindgen(js_name = canonicalJson)]
pub fn canonical_json(json: &str) -> Result<String, JsValue> {
    canonical::canonicalize(json).map_err(to_js)
}

/// JS numbers to whole seconds, as napi's `i64` conversion does (truncation toward zero).
fn whole_seconds(value: f64) -> Option<i64> {
    if !value.is_finite() || value.abs() > 9.0e15 {
        return None;
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "range checked above; truncation matches napi's i64 conversion"
    )]
    let whole = value.trunc() as i64;
    Some(whole)
}
