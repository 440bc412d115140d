//! URL policy, SSRF address checks and header templates, exported to JS.
//!
//! One-line wrappers over `runwire_core::policy::calls` (JSON at the edge); the web build's
//! `crates/wasm/src/policy.rs` exports the same functions with the same arguments.

use napi_derive::napi;
use runwire_core::policy::calls;

use crate::error::{to_js, Result};

/// Checks a webhook URL without DNS (`href`: `new URL(url).href`, or `""` if that threw); returns the checked URL as JSON.
#[napi(js_name = "urlPolicyCheck", catch_unwind)]
pub fn url_policy_check(url: String, href: String, policy_json: String) -> Result<String> {
    calls::check_url(&url, &href, &policy_json).map_err(to_js)
}

/// Checks a webhook URL and every address its host resolved to; returns the checked URL as JSON.
#[napi(js_name = "urlPolicyCheckAddresses", catch_unwind)]
pub fn url_policy_check_addresses(
    url: String,
    href: String,
    addresses: Vec<String>,
    policy_json: String,
) -> Result<String> {
    calls::check_url_addresses(&url, &href, &addresses, &policy_json).map_err(to_js)
}

/// The block class of an IP address under a policy, or `null` if allowed.
#[napi(js_name = "classifyIp", catch_unwind)]
pub fn classify_ip(ip: String, policy_json: String) -> Result<Option<String>> {
    calls::classify_ip(&ip, &policy_json).map_err(to_js)
}

/// Resolves `${{ env.VAR }}` header templates; returns `[[name, value]]` as JSON.
#[napi(js_name = "resolveHeaderTemplates", catch_unwind)]
pub fn resolve_header_templates(headers_json: String, env_json: String, options_json: String) -> Result<String> {
    calls::resolve_header_templates(&headers_json, &env_json, &options_json).map_err(to_js)
}
