//! The delivery configuration both bindings receive from `npm/runwire/src/delivery.js`, as one
//! JSON text (one conversion at the edge, the same on every target).
//!
//! ```json
//! { "sinks": [{ "name": "primary", "url": "https://…", "secret": ["whsec_…"],
//!               "scheme": "standard", "githubSecret": "…", "githubHeader": "X-Signature-256",
//!               "headers": {"x-tenant": "t1"}, "timeoutMs": 15000,
//!               "retryDelaysMs": [1000, 5000, 30000], "jitter": true,
//!               "concurrency": 16, "queueCapacity": 100000, "events": ["on_tool_end"] | "*" }],
//!   "maxBodyBytes": 16384, "maxFieldChars": 4000 }
//! ```
//! Every field but `url` and the secret of the chosen scheme has a default. Errors name the field
//! and say what would be accepted.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::engine::EventFilter;
use crate::envelope::{EnvelopeLimits, DEFAULT_MAX_BYTES, DEFAULT_MAX_FIELD_CHARS};
use crate::error::DeliveryError;
use crate::github::DEFAULT_HEADER;
use crate::retry::{RetryPolicy, DEFAULT_DELAYS_MS};
use crate::secret::{RawSecret, StandardSecret};
use crate::webhook::{SignatureScheme, WebhookConfig, DEFAULT_TIMEOUT};

/// Default concurrent attempts per sink.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Default queue capacity per sink.
pub const DEFAULT_QUEUE_CAPACITY: usize = 100_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawConfig {
    sinks: Vec<RawSink>,
    max_body_bytes: Option<usize>,
    max_field_chars: Option<usize>,
    dlq_dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSink {
    name: Option<String>,
    url: String,
    secret: Option<OneOrMany>,
    scheme: Option<String>,
    github_secret: Option<String>,
    github_header: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    timeout_ms: Option<u64>,
    retry_delays_ms: Option<Vec<u64>>,
    jitter: Option<bool>,
    concurrency: Option<usize>,
    queue_capacity: Option<usize>,
    events: Option<OneOrMany>,
}

/// How the engine drives one sink (everything but the sink itself).
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Name for stats, hooks and dead letters.
    pub name: String,
    /// Retry schedule.
    pub policy: RetryPolicy,
    /// Concurrent attempts.
    pub concurrency: usize,
    /// Queue capacity.
    pub queue_capacity: usize,
    /// Event filter.
    pub events: EventFilter,
}

/// A parsed delivery configuration.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Body caps.
    pub limits: EnvelopeLimits,
    /// Webhook sinks with their options.
    pub sinks: Vec<(SinkOptions, WebhookConfig)>,
    /// Where the addon writes dead letters, if set.
    pub dlq_dir: Option<String>,
}

fn invalid(message: impl Into<String>) -> DeliveryError {
    DeliveryError::InvalidConfig(message.into())
}

impl DeliveryConfig {
    /// Parses and validates the JSON text.
    pub fn parse(json: &str) -> Result<Self, DeliveryError> {
        let raw: RawConfig = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
        let limits = EnvelopeLimits {
            max_bytes: raw.max_body_bytes.unwrap_or(DEFAULT_MAX_BYTES),
            max_field_chars: raw.max_field_chars.unwrap_or(DEFAULT_MAX_FIELD_CHARS),
        };
        let count = raw.sinks.len();
        let sinks = raw
            .sinks
            .into_iter()
            .enumerate()
            .map(|(i, sink)| parse_sink(sink, if count == 1 { "default".into() } else { format!("sink{i}") }))
            .collect::<Result<_, _>>()?;
        Ok(Self { limits, sinks, dlq_dir: raw.dlq_dir })
    }
}

fn parse_sink(raw: RawSink, default_name: String) -> Result<(SinkOptions, WebhookConfig), DeliveryError> {
    let name = raw.name.unwrap_or(default_name);
    let scheme = match raw.scheme.as_deref() {
        None => SignatureScheme::Standard,
        Some(text) => SignatureScheme::parse(text)
            .ok_or_else(|| invalid(format!("sink {name:?}: scheme must be \"standard\", \"github\" or \"both\"")))?,
    };
    let secrets = raw.secret.map(OneOrMany::into_vec).unwrap_or_default();
    let standard_secrets = if matches!(scheme, SignatureScheme::Github) {
        Vec::new()
    } else {
        secrets
            .iter()
            .map(|s| StandardSecret::parse(s).map_err(|e| invalid(format!("sink {name:?}: secret: {e}"))))
            .collect::<Result<_, _>>()?
    };
    let github_text = raw.github_secret.or_else(|| match scheme {
        SignatureScheme::Github => secrets.first().cloned(),
        _ => None,
    });
    let github_secret = github_text
        .map(|s| RawSecret::new(&s).map_err(|e| invalid(format!("sink {name:?}: githubSecret: {e}"))))
        .transpose()?;
    let policy = RetryPolicy {
        delays: raw
            .retry_delays_ms
            .unwrap_or_else(|| DEFAULT_DELAYS_MS.to_vec())
            .into_iter()
            .map(Duration::from_millis)
            .collect(),
        jitter: raw.jitter.unwrap_or(true),
    };
    let events = match raw.events {
        None => EventFilter::default(),
        Some(OneOrMany::One(star)) if star == "*" => EventFilter::All,
        Some(list) => EventFilter::Only(list.into_vec().into_iter().collect()),
    };
    let webhook = WebhookConfig {
        url: raw.url,
        scheme,
        standard_secrets,
        github_secret,
        github_header: raw.github_header.unwrap_or_else(|| DEFAULT_HEADER.to_owned()),
        headers: raw.headers.into_iter().collect(),
        timeout: raw.timeout_ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis),
    };
    webhook.validate().map_err(|e| invalid(format!("sink {name:?}: {e}")))?;
    let options = SinkOptions {
        name,
        policy,
        concurrency: raw.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        queue_capacity: raw.queue_capacity.unwrap_or(DEFAULT_QUEUE_CAPACITY),
        events,
    };
    Ok((options, webhook))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    #[test]
    fn applies_defaults() {
        let config =
            DeliveryConfig::parse(&format!(r#"{{"sinks":[{{"url":"http://x/","secret":"{SECRET}"}}]}}"#)).unwrap();
        let (options, webhook) = &config.sinks[0];
        assert_eq!(options.name, "default");
        assert_eq!(options.policy, RetryPolicy::default());
        assert_eq!(options.events, EventFilter::default());
        assert_eq!(webhook.timeout, DEFAULT_TIMEOUT);
        assert_eq!(config.limits, EnvelopeLimits::default());
    }

    #[test]
    fn reads_every_field() {
        let json = format!(
            r#"{{"maxBodyBytes":2048,"maxFieldChars":0,"dlqDir":"/tmp/d","sinks":[{{"name":"gh","url":"http://x/",
            "scheme":"both","secret":["{SECRET}"],"githubSecret":"raw","headers":{{"x-a":"1"}},"timeoutMs":250,
            "retryDelaysMs":[0,10],"jitter":false,"concurrency":2,"queueCapacity":5,"events":"*"}}]}}"#
        );
        let config = DeliveryConfig::parse(&json).unwrap();
        let (options, webhook) = &config.sinks[0];
        assert_eq!(options.policy.delays, [Duration::ZERO, Duration::from_millis(10)]);
        assert!(!options.policy.jitter);
        assert_eq!((options.concurrency, options.queue_capacity), (2, 5));
        assert_eq!(options.events, EventFilter::All);
        assert_eq!(webhook.scheme, SignatureScheme::Both);
        assert_eq!(webhook.timeout, Duration::from_millis(250));
        assert_eq!(config.limits.max_bytes, 2048);
        assert_eq!(config.dlq_dir.as_deref(), Some("/tmp/d"));
    }

    #[test]
    fn explains_mistakes() {
        let err = |json: &str| DeliveryConfig::parse(json).unwrap_err().to_string();
        assert!(err(r#"{"sinks":[{"url":"http://x/"}]}"#).contains("secret is required"));
        assert!(err(r#"{"sinks":[{"url":"http://x/","secret":"whsec_!!"}]}"#).contains("base64"));
        assert!(err(r#"{"sinks":[{"url":"http://x/","secret":"s","scheme":"md5"}]}"#).contains("scheme must be"));
        assert!(err(r#"{"sinks":[],"bogus":1}"#).contains("unknown field"));
        let github = DeliveryConfig::parse(r#"{"sinks":[{"url":"http://x/","secret":"raw","scheme":"github"}]}"#);
        assert!(github.unwrap().sinks[0].1.github_secret.is_some());
    }
}
