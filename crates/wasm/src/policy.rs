//! URL policy, SSRF address checks and header templates, exported to JS. Mirrors
//! `crates/node/src/policy.rs` function for function. In the web build `fetch` resolves names
//! itself, so only URL, host-name and IP-literal checks can run before a request; callers that
//! can resolve (Deno's `Deno.resolveDns`) may pass addresses to `urlPolicyCheckAddresses`.

use runwire_core::policy::calls;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::error::to_js;

/// Checks a webhook URL without DNS (`href`: `new URL(url).href`, or `""` if that threw); returns the checked URL as JSON.
#[wasm_bindgen(js_name = urlPolicyCheck)]
pub fn url_policy_check(url: &str, href: &str, policy_json: &str) -> Result<String, JsValue> {
    calls::check_url(url, href, policy_json).map_err(to_js)
}

/// Checks a webhook URL and every address its host resolved to; returns the checked URL as JSON.
#[wasm_bindgen(js_name = urlPolicyCheckAddresses)]
pub fn url_policy_check_addresses(
    url: &str,
    href: &str,
    addresses: Vec<String>,
    policy_json: &str,
) -> Result<String, JsValue> {
    calls::check_url_addresses(url, href, &addresses, policy_json).map_err(to_js)
}

/// The block class of an IP address under a policy, or `null` if allowed.
#[wasm_bindgen(js_name = classifyIp)]
pub fn classify_ip(ip: &str, policy_json: &str) -> Result<Option<String>, JsValue> {
    calls::classify_ip(ip, policy_json).map_err(to_js)
}

/// Resolves `${{ env.VAR }}` header templates; returns `[[name, value]]` as JSON.
#[wasm_bindgen(js_name = resolveHeaderTemplates)]
pub fn resolve_header_templates(headers_json: &str, env_json: &str, options_json: &str) -> Result<String, JsValue> {
    calls::resolve_header_templates(headers_json, env_json, options_json).map_err(to_js)
}
