//! The policy surface both bindings export, with JSON at the edge.
//!
//! Options and results cross the JS boundary as JSON text, so the Node addon and the web build
//! are one-line wrappers around these functions and cannot disagree on shapes, defaults or
//! errors. Result objects use snake_case keys, like LangGraph's config.

use std::net::IpAddr;

use serde_json::Value;

use crate::error::{HeaderTemplateError, UrlPolicyConfigError, UrlPolicyError};
use crate::policy::headers::{resolve_headers, TemplateOptions};
use crate::policy::ip::check_ip;
use crate::policy::url_policy::{CheckedUrl, Host, UrlPolicy, UrlPolicyOptions};
use crate::ErrorCode;

/// Any error of a policy call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyCallError {
    /// The URL was refused.
    #[error(transparent)]
    Url(#[from] UrlPolicyError),
    /// The policy options are invalid.
    #[error(transparent)]
    Config(#[from] UrlPolicyConfigError),
    /// Header templates could not be resolved.
    #[error(transparent)]
    Header(#[from] HeaderTemplateError),
}

impl ErrorCode for PolicyCallError {
    fn code(&self) -> &'static str {
        match self {
            Self::Url(e) => e.code(),
            Self::Config(e) => e.code(),
            Self::Header(e) => e.code(),
        }
    }
}

/// Parses policy options (`""` or `"null"` mean the safe profile).
pub fn parse_policy(policy_json: &str) -> Result<UrlPolicy, UrlPolicyConfigError> {
    let text = policy_json.trim();
    if text.is_empty() || text == "null" {
        return Ok(UrlPolicy::default());
    }
    let value: Value =
        serde_json::from_str(text).map_err(|_| UrlPolicyConfigError::Invalid("policy must be a JSON object".into()))?;
    UrlPolicy::new(&UrlPolicyOptions::from_json(&value)?)
}

fn checked_json(checked: &CheckedUrl) -> String {
    let (host, host_type) = match &checked.host {
        Host::Domain(d) => (d.clone(), "domain"),
        Host::Ip(IpAddr::V4(ip)) => (ip.to_string(), "ipv4"),
        Host::Ip(IpAddr::V6(ip)) => (ip.to_string(), "ipv6"),
    };
    serde_json::json!({
        "url": checked.url,
        "host": host,
        "host_type": host_type,
        "port": checked.port,
        "allowlisted": checked.allowlisted,
        "needs_dns": checked.needs_dns,
    })
    .to_string()
}

fn href_opt(href: &str) -> Option<&str> {
    (!href.is_empty()).then_some(href)
}

/// Checks a URL without DNS; returns the checked URL as JSON. `href` is the caller's WHATWG
/// normalisation (`new URL(url).href`), `""` when that failed.
pub fn check_url(url: &str, href: &str, policy_json: &str) -> Result<String, PolicyCallError> {
    let policy = parse_policy(policy_json)?;
    Ok(checked_json(&policy.check_normalized(url, href_opt(href))?))
}

/// Checks a URL and the addresses its host resolved to (an unparsable address counts as a
/// failed resolution); returns the checked URL as JSON.
pub fn check_url_addresses(
    url: &str,
    href: &str,
    addresses: &[String],
    policy_json: &str,
) -> Result<String, PolicyCallError> {
    let policy = parse_policy(policy_json)?;
    let checked = policy.check_normalized(url, href_opt(href))?;
    let parsed: Vec<IpAddr> = addresses.iter().filter_map(|a| a.trim_matches(['[', ']']).parse().ok()).collect();
    let parsed = if parsed.len() == addresses.len() { parsed } else { Vec::new() };
    match &checked.host {
        Host::Ip(ip) => policy.check_resolved(&checked, &[*ip])?,
        Host::Domain(_) => policy.check_resolved(&checked, &parsed)?,
    }
    Ok(checked_json(&checked))
}

/// Classifies one IP address under a policy: `None` if allowed, else the block class
/// (`metadata`, `loopback`, `private`, `link_local`, `reserved`). `Some("invalid")` when `ip`
/// is not an address.
pub fn classify_ip(ip: &str, policy_json: &str) -> Result<Option<String>, PolicyCallError> {
    let policy = parse_policy(policy_json)?;
    let Ok(ip) = ip.trim_matches(['[', ']']).parse::<IpAddr>() else { return Ok(Some("invalid".to_owned())) };
    Ok(check_ip(ip, policy.ip_rules()).err().map(|r| r.class().to_owned()))
}

/// Resolves header templates. `headers_json` is `[[name, value], ...]` (order kept) or an object
/// of name → value (sorted by name); `env_json` an object
/// of the variables that may be read; `options_json` `{"env_prefix": string|null,
/// "allow_any_env": bool}` (absent `env_prefix` means `LG_WEBHOOK_`). Returns `[[name, value]]`.
pub fn resolve_header_templates(
    headers_json: &str,
    env_json: &str,
    options_json: &str,
) -> Result<String, PolicyCallError> {
    let invalid = |what: &str| HeaderTemplateError::Invalid(format!("{what} must be a JSON object"));
    let headers: Value = serde_json::from_str(headers_json).map_err(|_| invalid("headers"))?;
    let headers: Vec<(String, Value)> = match headers {
        Value::Object(map) => map.into_iter().collect(),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Array(mut pair) if pair.len() == 2 => match (pair.pop(), pair.pop()) {
                    (Some(value), Some(Value::String(name))) => Ok((name, value)),
                    _ => Err(invalid("headers")),
                },
                _ => Err(invalid("headers")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(invalid("headers").into()),
    };
    let env: Value = serde_json::from_str(env_json).map_err(|_| invalid("env"))?;
    let env = env.as_object().ok_or_else(|| invalid("env"))?;
    let options: Value = serde_json::from_str(options_json).unwrap_or(Value::Null);
    let mut template_options = TemplateOptions::default();
    if let Some(prefix) = options.get("env_prefix") {
        template_options.env_prefix = prefix.as_str().map(str::to_owned);
    }
    template_options.allow_any_env = options.get("allow_any_env").and_then(Value::as_bool).unwrap_or(false);
    let lookup = |name: &str| env.get(name).and_then(Value::as_str).map(str::to_owned);
    let resolved = resolve_headers(&headers, &lookup, &template_options)?;
    Ok(serde_json::to_string(&resolved).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_edges() {
        let ok = check_url("https://0x08080808/x", "https://8.8.8.8/x", "").unwrap();
        assert_eq!(
            ok,
            r#"{"allowlisted":false,"host":"8.8.8.8","host_type":"ipv4","needs_dns":false,"port":443,"url":"https://8.8.8.8/x"}"#
        );
        let err = check_url("https://x", "https://x/", r#"{"bogus":1}"#).unwrap_err();
        assert_eq!(err.code(), "ERR_RUNWIRE_URL_POLICY_CONFIG");
        let err = check_url_addresses("https://example.com/", "https://example.com/", &["not-an-ip".into()], "{}")
            .unwrap_err();
        assert_eq!(err.to_string(), "Webhook host blocked: DNS resolution failed");
        assert_eq!(classify_ip("[::1]", r#"{"profile":"dev"}"#).unwrap(), None);
        assert_eq!(classify_ip("169.254.169.254", "").unwrap().as_deref(), Some("metadata"));
        let headers = resolve_header_templates(
            r#"{"Authorization":"Bearer ${{ env.LG_WEBHOOK_T }}"}"#,
            r#"{"LG_WEBHOOK_T":"abc"}"#,
            "{}",
        )
        .unwrap();
        assert_eq!(headers, r#"[["Authorization","Bearer abc"]]"#);
        let err = resolve_header_templates(r#"{"X":"a"}"#, "{}", r#"{"env_prefix":null}"#).unwrap_err();
        assert_eq!(err.to_string(), "webhook headers: Invalid null env_prefix");
    }
}
