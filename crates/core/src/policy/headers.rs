//! Static webhook headers with `${{ env.VAR }}` templates (LangGraph's `webhooks.headers`).
//!
//! Templates are resolved **once**, when a sink is created, from an environment lookup the
//! caller passes in — the core never reads the process environment (in the web build there is
//! none; the user passes an object). Only variables whose names start with the env prefix
//! (default `LG_WEBHOOK_`) may be referenced, so a config that reaches users cannot exfiltrate
//! `AWS_SECRET_ACCESS_KEY`. Errors are LangGraph's, byte for byte (shared/spec/webhooks.md §8.7),
//! including the quirk that their examples print `{{ env… }}` without the `$`.
//!
//! Grammar: `${{`, optional whitespace, a reference of non-`}` characters, optional whitespace,
//! `}}` (LangGraph's regex `\$\{\{\s*([^}]+?)\s*\}\}`). A reference must be `env.NAME` with no
//! further dots. Text that is not a complete template stays literal.
//!
//! runwire additions: header names must be HTTP tokens and no value (literal or resolved) may
//! contain CR, LF or NUL — header injection is refused, not sanitised. An empty env prefix
//! removes the allowlist boundary; LangGraph accepts it silently, runwire requires an explicit
//! `allow_any_env`. Errors name variables and headers, never values.

use serde_json::Value;

use crate::error::HeaderTemplateError;
use crate::policy::pyrepr;

/// LangGraph's default env prefix.
pub const DEFAULT_ENV_PREFIX: &str = "LG_WEBHOOK_";

/// How templates may reach the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateOptions {
    /// Required prefix of every referenced variable. `None` reproduces LangGraph's
    /// `env_prefix: null` error.
    pub env_prefix: Option<String>,
    /// Permit an empty prefix (any variable may be referenced).
    pub allow_any_env: bool,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        Self { env_prefix: Some(DEFAULT_ENV_PREFIX.to_owned()), allow_any_env: false }
    }
}

/// Resolves headers (name → JSON value, in order) against `env`.
///
/// Returns the headers in their given order with every template replaced.
pub fn resolve_headers(
    headers: &[(String, Value)],
    env: &dyn Fn(&str) -> Option<String>,
    options: &TemplateOptions,
) -> Result<Vec<(String, String)>, HeaderTemplateError> {
    let prefix = options.env_prefix.as_deref().ok_or(HeaderTemplateError::NullPrefix)?;
    if prefix.is_empty() && !options.allow_any_env {
        return Err(HeaderTemplateError::EmptyPrefix);
    }
    let mut out = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let Value::String(template) = value else {
            return Err(HeaderTemplateError::NotAString(pyrepr::value_repr(value)));
        };
        if !is_token(name) {
            return Err(HeaderTemplateError::InvalidName(name.clone()));
        }
        let resolved = render(template, env, prefix)?;
        if resolved.contains(['\r', '\n', '\0']) {
            return Err(HeaderTemplateError::ControlCharacter(name.clone()));
        }
        out.push((name.clone(), resolved));
    }
    Ok(out)
}

/// RFC 9110 token characters.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Replaces every complete `${{ ... }}` in `template`.
fn render(template: &str, env: &dyn Fn(&str) -> Option<String>, prefix: &str) -> Result<String, HeaderTemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        // `[^}]+?` then `\s*}}`: the reference runs to the first `}`, which must open `}}`.
        let close = after.find('}');
        let matched = close.filter(|&i| after[i..].starts_with("}}") && i > 0);
        let Some(end) = matched else {
            // Not a template here; keep `$` literally and keep scanning after it.
            out.push_str(&rest[..start + 1]);
            rest = &rest[start + 1..];
            continue;
        };
        out.push_str(&rest[..start]);
        out.push_str(&lookup(after[..end].trim(), env, prefix)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn lookup(reference: &str, env: &dyn Fn(&str) -> Option<String>, prefix: &str) -> Result<String, HeaderTemplateError> {
    // LangGraph's examples in these messages use the configured prefix.
    let name = reference.strip_prefix("env.").ok_or_else(|| HeaderTemplateError::NotEnvReference(prefix.to_owned()))?;
    if name.is_empty() || name.contains('.') {
        return Err(HeaderTemplateError::DottedName(name.to_owned(), prefix.to_owned()));
    }
    if name.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(HeaderTemplateError::NotEnvReference(prefix.to_owned()));
    }
    if !name.starts_with(prefix) {
        return Err(HeaderTemplateError::OutsidePrefix { name: name.to_owned(), prefix: prefix.to_owned() });
    }
    env(name).ok_or_else(|| HeaderTemplateError::Missing(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn resolve(headers: Value, options: &TemplateOptions) -> Result<Vec<(String, String)>, HeaderTemplateError> {
        let env = |name: &str| match name {
            "LG_WEBHOOK_TOKEN" => Some("s3cr3t".to_owned()),
            "LG_WEBHOOK_TENANT" => Some("acme".to_owned()),
            "LG_WEBHOOK_EVIL" => Some("x\r\nInjected: 1".to_owned()),
            "HOME" => Some("/root".to_owned()),
            _ => None,
        };
        let pairs: Vec<(String, Value)> = headers.as_object().unwrap().clone().into_iter().collect();
        resolve_headers(&pairs, &env, options)
    }

    fn message(headers: Value) -> String {
        let err = resolve(headers, &TemplateOptions::default()).unwrap_err();
        assert_eq!(err.code(), "ERR_RUNWIRE_HEADER_TEMPLATE");
        err.to_string()
    }

    #[test]
    fn resolves_templates_once_in_order() {
        let out = resolve(
            serde_json::json!({
                "Authorization": "Bearer ${{ env.LG_WEBHOOK_TOKEN }}",
                "X-Tenant": "${{env.LG_WEBHOOK_TENANT}}-${{  env.LG_WEBHOOK_TOKEN  }}",
                "X-Literal": "{{ env.HOME }} ${ { $${{} ${{ env.X ",
            }),
            &TemplateOptions::default(),
        )
        .unwrap();
        let map: std::collections::HashMap<_, _> = out.into_iter().collect();
        assert_eq!(map["Authorization"], "Bearer s3cr3t");
        assert_eq!(map["X-Tenant"], "acme-s3cr3t");
        assert_eq!(map["X-Literal"], "{{ env.HOME }} ${ { $${{} ${{ env.X ");
    }

    #[test]
    fn langgraph_error_strings() {
        assert_eq!(
            message(serde_json::json!({"X": "${{ env.HOME }}"})),
            "webhook headers: environment variable name 'HOME' must start with the configured env_prefix 'LG_WEBHOOK_'"
        );
        assert_eq!(
            message(serde_json::json!({"X": "${{ env.LG_WEBHOOK_MISSING }}"})),
            "webhook headers: missing required environment variable 'LG_WEBHOOK_MISSING'"
        );
        assert_eq!(
            message(serde_json::json!({"X": "${{ secrets.LG_WEBHOOK_TOKEN }}"})),
            "webhook headers: only env.VAR references are allowed (e.g. {{ env.LG_WEBHOOK_FOO_BAR }})"
        );
        assert_eq!(
            message(serde_json::json!({"X": "${{ env.LG_WEBHOOK_A.B }}"})),
            "webhook headers: invalid env reference 'LG_WEBHOOK_A.B'. Use env.VAR with no dots (e.g. {{ env.LG_WEBHOOK_FOO_BAR }})"
        );
        assert_eq!(message(serde_json::json!({"X": 5})), "Webhook header values must be strings. Got: 5");
        let custom = TemplateOptions { env_prefix: Some("MY_".into()), allow_any_env: false };
        let with_prefix = |template: &str| {
            let headers = vec![("X".to_owned(), serde_json::json!(template))];
            resolve_headers(&headers, &|_: &str| None, &custom).unwrap_err().to_string()
        };
        assert_eq!(
            with_prefix("${{ foo }}"),
            "webhook headers: only env.VAR references are allowed (e.g. {{ env.MY_FOO_BAR }})"
        );
        assert_eq!(
            with_prefix("${{ env. }}"),
            "webhook headers: invalid env reference ''. Use env.VAR with no dots (e.g. {{ env.MY_FOO_BAR }})"
        );
        let null_prefix = TemplateOptions { env_prefix: None, allow_any_env: false };
        assert_eq!(
            resolve(serde_json::json!({"X": "a"}), &null_prefix).unwrap_err().to_string(),
            "webhook headers: Invalid null env_prefix"
        );
    }

    #[test]
    fn refuses_injection_and_bad_names_without_echoing_values() {
        let err = message(serde_json::json!({"X-Evil": "${{ env.LG_WEBHOOK_EVIL }}"}));
        assert!(err.contains("X-Evil") && !err.contains("Injected"), "{err}");
        let err = message(serde_json::json!({"X-Lit": "a\nb"}));
        assert!(err.contains("CR or LF"), "{err}");
        assert!(message(serde_json::json!({"Bad Name": "a"})).contains("'Bad Name'"));
    }

    #[test]
    fn custom_and_empty_prefix() {
        let custom = TemplateOptions { env_prefix: Some("HO".into()), allow_any_env: false };
        assert_eq!(resolve(serde_json::json!({"X": "${{ env.HOME }}"}), &custom).unwrap()[0].1, "/root");
        let empty = TemplateOptions { env_prefix: Some(String::new()), allow_any_env: false };
        assert!(resolve(serde_json::json!({"X": "a"}), &empty).unwrap_err().to_string().contains("allow_any_env"));
        let any = TemplateOptions { env_prefix: Some(String::new()), allow_any_env: true };
        assert_eq!(resolve(serde_json::json!({"X": "${{ env.HOME }}"}), &any).unwrap()[0].1, "/root");
    }
}

/// Property tests (bounded case counts).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;

    use super::*;

    fn config() -> ProptestConfig {
        ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        /// Whatever the names, values and environment, resolution never panics, never lets CR, LF
        /// or NUL through, keeps only token names, and reads only prefixed variables.
        #[test]
        fn resolved_headers_are_always_safe(
            headers in prop::collection::vec((any::<String>(), any::<String>()), 0..6),
            env_value in any::<String>(),
            var in "[A-Z_]{0,12}",
        ) {
            let pairs: Vec<(String, Value)> = headers
                .into_iter()
                .map(|(name, value)| (name, Value::String(format!("{value}${{{{ env.{var} }}}}"))))
                .collect();
            let env = |name: &str| Some(format!("{env_value}{name}"));
            if let Ok(resolved) = resolve_headers(&pairs, &env, &TemplateOptions::default()) {
                prop_assert!(var.starts_with(DEFAULT_ENV_PREFIX) || pairs.is_empty());
                for (name, value) in resolved {
                    prop_assert!(is_token(&name));
                    prop_assert!(!value.contains(['\r', '\n', '\0']));
                }
            }
        }
    }
}
