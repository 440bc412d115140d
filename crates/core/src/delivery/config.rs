//! The delivery configuration both bindings receive from `npm/runwire/src/delivery.js`, as one
//! JSON text (one conversion at the edge, the same on every target).
//!
//! ```json
//! { "sinks": [{ "name": "primary", "url": "https://…", "secret": ["whsec_…"],
//!               "scheme": "standard", "githubSecret": "…", "githubHeader": "X-Signature-256",
//!               "headers": {"x-tenant": "t1"}, "timeoutMs": 15000,
//!               "retryDelaysMs": [1000, 5000, 30000], "jitter": true,
//!               "concurrency": 16, "queueCapacity": 100000, "events": ["on_tool_end"] | "*",
//!               "urlPolicy": {"profile": "safe", "allowed_domains": ["*.example.com"]},
//!               "health": {"breaker": {…} | true, "rateLimit": {"capacity": 100, "perMs": 1000},
//!               "disableAfterMs": 432000000},
//!               "ordering": "run" | "none", "overflow": "deadLetter" | "dropOldest" | "reject",
//!               "batch": true | {"maxEvents": 100, "maxBytes": 262144, "lingerMs": 20} }],
//!   "maxBodyBytes": 16384, "maxFieldChars": 4000, "disableWebhooks": false }
//! ```
//!
//! `urlPolicy` defaults to the safe profile (https only, ports 443/80, loopback and private
//! ranges blocked; see [`crate::policy`]); local development passes `{"profile": "dev"}`. The
//! URL is checked when the sink is built, with LangGraph's messages (the JS layer has already
//! appended a `queryToken`). `disableWebhooks` (LangGraph's `http.disable_webhooks`) keeps the
//! engine running but sends nothing: every event is counted as filtered. `health` is off unless
//! given (a breaker changes how fast a failing message reaches the DLQ; opt in per endpoint).
//! Every field but `url` and the secret of the chosen scheme has a default. Errors name the field
//! and say what would be accepted.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::delivery::batch::BatchConfig;
use crate::delivery::bounds;
use crate::delivery::engine::{EventFilter, Order, Overflow, SinkSpec};
use crate::delivery::envelope::{EnvelopeLimits, DEFAULT_MAX_BYTES, DEFAULT_MAX_FIELD_CHARS};
use crate::delivery::retry::{RetryPolicy, DEFAULT_DELAYS_MS};
use crate::error::DeliveryError;
use crate::health::{BreakerConfig, HealthConfig, RateLimit};
use crate::policy::{UrlPolicy, UrlPolicyOptions};
use crate::signing::github::DEFAULT_HEADER;
use crate::signing::secret::{RawSecret, StandardSecret};
use crate::sinks::queue::RecordSigning;
use crate::sinks::webhook::{SignatureScheme, WebhookConfig, DEFAULT_TIMEOUT};

/// Default concurrent attempts per sink.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Default queue capacity per sink.
pub const DEFAULT_QUEUE_CAPACITY: usize = 100_000;

/// A JSON object being read field by field; unknown fields are refused by name. (Hand-written
/// over `serde_json::Value` instead of derived: the derive costs the web build ~10 KB gzip.)
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    what: &'a str,
    /// The known field names, as one or more lists (e.g. the fields every sink has, then a sink
    /// type's own).
    known: &'a [&'static [&'static str]],
}

impl<'a> Fields<'a> {
    pub(crate) fn new(
        value: &'a Value,
        what: &'a str,
        known: &'a [&'static [&'static str]],
    ) -> Result<Self, DeliveryError> {
        let map = value.as_object().ok_or_else(|| invalid(format!("{what} must be an object")))?;
        let is_known = |key: &str| known.iter().any(|list| list.contains(&key));
        if let Some(key) = map.keys().find(|k| !is_known(k.as_str())) {
            let expected = known.concat().join(", ");
            return Err(invalid(format!("{what}: unknown field `{key}`, expected one of {expected}")));
        }
        Ok(Self { map, what, known })
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        debug_assert!(self.known.iter().any(|list| list.contains(&key)));
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, DeliveryError> {
        self.get(key)
            .map(|v| {
                v.as_str().map(str::to_owned).ok_or_else(|| invalid(format!("{}.{key} must be a string", self.what)))
            })
            .transpose()
    }

    pub(crate) fn uint(&self, key: &str) -> Result<Option<u64>, DeliveryError> {
        self.get(key)
            .map(|v| v.as_u64().ok_or_else(|| invalid(format!("{}.{key} must be a non-negative integer", self.what))))
            .transpose()
    }

    pub(crate) fn usize(&self, key: &str) -> Result<Option<usize>, DeliveryError> {
        self.uint(key)?
            .map(|n| usize::try_from(n).map_err(|_| invalid(format!("{}.{key} is too large", self.what))))
            .transpose()
    }

    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, DeliveryError> {
        self.get(key)
            .map(|v| v.as_bool().ok_or_else(|| invalid(format!("{}.{key} must be a boolean", self.what))))
            .transpose()
    }

    /// A string or an array of strings.
    pub(crate) fn strings(&self, key: &str) -> Result<Option<Vec<String>>, DeliveryError> {
        let bad = || invalid(format!("{}.{key} must be a string or an array of strings", self.what));
        self.get(key)
            .map(|v| match v {
                Value::String(one) => Ok(vec![one.clone()]),
                Value::Array(items) => items.iter().map(|i| i.as_str().map(str::to_owned).ok_or_else(bad)).collect(),
                _ => Err(bad()),
            })
            .transpose()
    }

    /// An integer within the documented range of `bound_key` (see [`bounds`]).
    pub(crate) fn bounded(&self, key: &str, bound_key: &str) -> Result<Option<u64>, DeliveryError> {
        self.get(key).map(|v| bounds::read(v, bound_key, &format!("{}.{key}", self.what)).map_err(invalid)).transpose()
    }

    pub(crate) fn bounded_usize(&self, key: &str, bound_key: &str) -> Result<Option<usize>, DeliveryError> {
        // Every bound is far below usize::MAX on 32-bit wasm too.
        Ok(self.bounded(key, bound_key)?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
    }

    pub(crate) fn uints(&self, key: &str) -> Result<Option<Vec<u64>>, DeliveryError> {
        let bad = || invalid(format!("{}.{key} must be an array of non-negative integers", self.what));
        self.get(key)
            .map(|v| v.as_array().ok_or_else(bad)?.iter().map(|i| i.as_u64().ok_or_else(bad)).collect())
            .transpose()
    }
}

const CONFIG_FIELDS: &[&str] = &["sinks", "maxBodyBytes", "maxFieldChars", "dlqDir", "dlqRedis", "disableWebhooks"];
/// The fields of `dlqRedis` (a dead-letter store that `XADD`s each record's JSON to a stream).
#[cfg(feature = "queue-sinks")]
const DLQ_REDIS_FIELDS: &[&str] = &["url", "stream", "maxLen", "username", "password", "timeoutMs"];
/// Fields every sink has, whatever its `type` (webhook, redis, kafka, sns).
pub(crate) const COMMON_SINK_FIELDS: &[&str] = &[
    "name",
    "secret",
    "scheme",
    "githubSecret",
    "githubHeader",
    "timeoutMs",
    "retryDelaysMs",
    "jitter",
    "concurrency",
    "queueCapacity",
    "ordering",
    "batch",
    "overflow",
    "events",
    "urlPolicy",
    "health",
    "callback",
    "type",
];
/// A webhook sink's own fields.
const WEBHOOK_FIELDS: &[&str] = &["url", "headers"];

/// Where a sink delivers.
#[derive(Debug, Clone)]
pub enum SinkTarget {
    /// Signed HTTP webhooks.
    Webhook(WebhookConfig),
    /// The binding's JS callback number `n` (passed next to the JSON config).
    Callback(usize),
    /// Redis Streams (`type: "redis"`, Node addon only).
    Redis(crate::sinks::redis::RedisConfig),
    /// Kafka (`type: "kafka"`, Node addon only).
    Kafka(crate::sinks::kafka::KafkaConfig),
    /// Amazon SNS (`type: "sns"`, Node addon only).
    Sns(crate::sinks::sns::SnsConfig),
}

impl SinkTarget {
    /// The webhook config, if this is a webhook sink.
    pub fn webhook(&self) -> Option<&WebhookConfig> {
        match self {
            Self::Webhook(config) => Some(config),
            _ => None,
        }
    }
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
    /// URL policy, checked when the sink is built and before every send.
    pub url_policy: UrlPolicy,
    /// Breaker, rate limit, auto-disable; `None` = off.
    pub health: Option<HealthConfig>,
    /// What happens at `queue_capacity` (`overflow`).
    pub overflow: Overflow,
    /// Delivery order (`ordering`).
    pub order: Order,
    /// Batching (`batch`), if on.
    pub batch: Option<BatchConfig>,
}

impl SinkOptions {
    /// The engine's [`SinkSpec`] for `sink`, plus this sink's health settings (named, for
    /// `Engine::set_health`) when it has any. Both bindings build their sinks through this.
    pub fn into_spec<S>(self, sink: S) -> (SinkSpec<S>, Option<(String, HealthConfig)>) {
        let health = self.health.map(|config| (self.name.clone(), config));
        let spec = SinkSpec {
            name: self.name,
            sink,
            policy: self.policy,
            concurrency: self.concurrency,
            queue_capacity: self.queue_capacity,
            events: self.events,
            overflow: self.overflow,
            order: self.order,
            batch: self.batch,
        };
        (spec, health)
    }
}

/// A parsed delivery configuration.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Body caps.
    pub limits: EnvelopeLimits,
    /// Sinks with their options.
    pub sinks: Vec<(SinkOptions, SinkTarget)>,
    /// Where the addon writes dead letters, if set.
    pub dlq_dir: Option<String>,
    /// A Redis stream the addon `XADD`s dead letters to (`dlqRedis: { url, stream, maxLen? }`),
    /// if set; the record's JSON is the entry's `record` field.
    pub dlq_redis: Option<crate::sinks::redis::RedisConfig>,
}

/// `dlqRedis`: parsed like a Redis sink's connection fields (and refused without the native
/// client, like a Redis sink).
#[cfg(feature = "queue-sinks")]
fn parse_dlq_redis(value: &Value) -> Result<crate::sinks::redis::RedisConfig, DeliveryError> {
    let map = value.as_object().ok_or_else(|| invalid("dlqRedis must be { url, stream, maxLen? }"))?;
    if let Some(key) = map.keys().find(|k| !DLQ_REDIS_FIELDS.contains(&k.as_str())) {
        return Err(invalid(format!(
            "dlqRedis: unknown field `{key}`, expected url, stream, maxLen, username, password or timeoutMs"
        )));
    }
    match crate::sinks::queue_config::parse("redis", value, "dlqRedis", "dlq".into())? {
        (_, SinkTarget::Redis(config)) => Ok(config),
        _ => Err(invalid("dlqRedis must be a Redis stream")),
    }
}

/// Without the native client (the web build) a Redis dead-letter stream is refused.
#[cfg(not(feature = "queue-sinks"))]
fn parse_dlq_redis(_: &Value) -> Result<crate::sinks::redis::RedisConfig, DeliveryError> {
    Err(invalid("dlqRedis needs the Node addon's Redis client; pass a dlq function here"))
}

fn invalid(message: impl Into<String>) -> DeliveryError {
    DeliveryError::InvalidConfig(message.into())
}

impl DeliveryConfig {
    /// Parses and validates the JSON text.
    pub fn parse(json: &str) -> Result<Self, DeliveryError> {
        let root: Value = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
        let config = Fields::new(&root, "config", &[CONFIG_FIELDS])?;
        let limits = EnvelopeLimits {
            max_bytes: config.bounded_usize("maxBodyBytes", "maxBodyBytes")?.unwrap_or(DEFAULT_MAX_BYTES),
            max_field_chars: config.bounded_usize("maxFieldChars", "maxFieldChars")?.unwrap_or(DEFAULT_MAX_FIELD_CHARS),
        };
        let sinks = config.get("sinks").and_then(Value::as_array).ok_or_else(|| invalid("sinks must be an array"))?;
        let count = sinks.len();
        let sinks = sinks
            .iter()
            .enumerate()
            .map(|(i, sink)| parse_sink(sink, i, if count == 1 { "default".into() } else { format!("sink{i}") }))
            .collect::<Result<Vec<_>, _>>()?;
        let sinks = if config.boolean("disableWebhooks")?.unwrap_or(false) {
            sinks
                .into_iter()
                .map(|(options, webhook)| {
                    (SinkOptions { events: EventFilter::Only(Default::default()), ..options }, webhook)
                })
                .collect()
        } else {
            sinks
        };
        let dlq_redis = config.get("dlqRedis").map(parse_dlq_redis).transpose()?;
        Ok(Self { limits, sinks, dlq_dir: config.string("dlqDir")?, dlq_redis })
    }
}

/// `{"breaker": true | false | {windowMs, buckets, minRequests, failurePercent, openMs},
/// "rateLimit": {capacity, perMs}, "disableAfterMs": n, "disableAfterTrips": n}`, read by hand
/// (a serde derive with an untagged enum costs the web build several KB).
fn parse_health(value: &serde_json::Value) -> Result<HealthConfig, String> {
    let map = value.as_object().ok_or("must be an object")?;
    // `what` is also the key of its row in [`bounds::BOUNDS`] under `health.`.
    let number = |v: &serde_json::Value, what: &str| bounds::read(v, &format!("health.{what}"), what);
    let small = |v: &serde_json::Value, what: &str| {
        number(v, what).and_then(|n| u32::try_from(n).map_err(|_| format!("{what} is too large")))
    };
    let mut config =
        HealthConfig { breaker: None, rate_limit: None, disable_after_ms: None, disable_after_trips: None };
    for (key, v) in map {
        match key.as_str() {
            "breaker" => {
                config.breaker = match v {
                    serde_json::Value::Bool(on) => on.then(BreakerConfig::default),
                    serde_json::Value::Object(fields) => {
                        let mut b = BreakerConfig::default();
                        for (k, v) in fields {
                            match k.as_str() {
                                "windowMs" => b.window_ms = number(v, "breaker.windowMs")?,
                                "buckets" => b.buckets = small(v, "breaker.buckets")?,
                                "minRequests" => b.min_requests = small(v, "breaker.minRequests")?,
                                "failurePercent" => b.failure_percent = small(v, "breaker.failurePercent")?,
                                "openMs" => b.open_ms = number(v, "breaker.openMs")?,
                                other => return Err(format!("unknown breaker option {other:?}")),
                            }
                        }
                        Some(b)
                    }
                    _ => return Err("breaker must be a boolean or an object".into()),
                }
            }
            "rateLimit" => {
                let r = v.as_object().ok_or("rateLimit must be {capacity, perMs}")?;
                if let Some(other) = r.keys().find(|k| *k != "capacity" && *k != "perMs") {
                    return Err(format!("unknown rateLimit option {other:?}"));
                }
                let capacity = small(r.get("capacity").ok_or("rateLimit.capacity is required")?, "rateLimit.capacity")?;
                let per_ms = number(r.get("perMs").ok_or("rateLimit.perMs is required")?, "rateLimit.perMs")?;
                config.rate_limit = Some(RateLimit { capacity, per_ms });
            }
            "disableAfterMs" => config.disable_after_ms = Some(number(v, key)?),
            "disableAfterTrips" => config.disable_after_trips = Some(small(v, key)?),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(config)
}

/// The signing fields every sink has (`scheme`, `secret`, `githubSecret`, `githubHeader`): a
/// webhook signs its requests with them, a queue sink its records.
pub(crate) fn parse_signing(raw: &Fields<'_>, name: &str) -> Result<RecordSigning, DeliveryError> {
    let scheme = match raw.string("scheme")?.as_deref() {
        None => SignatureScheme::Standard,
        Some(text) => SignatureScheme::parse(text)
            .ok_or_else(|| invalid(format!("sink {name:?}: scheme must be \"standard\", \"github\" or \"both\"")))?,
    };
    let secrets = raw.strings("secret")?.unwrap_or_default();
    let standard_secrets = if matches!(scheme, SignatureScheme::Github) {
        Vec::new()
    } else {
        secrets
            .iter()
            .map(|s| StandardSecret::parse(s).map_err(|e| invalid(format!("sink {name:?}: secret: {e}"))))
            .collect::<Result<_, _>>()?
    };
    let github_text = raw.string("githubSecret")?.or_else(|| match scheme {
        SignatureScheme::Github => secrets.first().cloned(),
        _ => None,
    });
    let github_secret = github_text
        .map(|s| RawSecret::new(&s).map_err(|e| invalid(format!("sink {name:?}: githubSecret: {e}"))))
        .transpose()?;
    Ok(RecordSigning {
        scheme,
        standard_secrets,
        github_secret,
        github_header: raw.string("githubHeader")?.unwrap_or_else(|| DEFAULT_HEADER.to_owned()),
    })
}

/// `true` / `false` / `{maxEvents, maxBytes, lingerMs}` (missing fields take the defaults).
fn parse_batch(value: &Value) -> Result<Option<BatchConfig>, String> {
    let map = match value {
        Value::Bool(on) => return Ok(on.then(BatchConfig::default)),
        Value::Object(map) => map,
        _ => return Err("must be true, false or {maxEvents, maxBytes, lingerMs}".into()),
    };
    let mut config = BatchConfig::default();
    for (key, v) in map {
        let n = v.as_u64().ok_or(format!("{key} must be a non-negative integer"))?;
        let size = || usize::try_from(n).ok().filter(|&n| n >= 1).ok_or(format!("{key} must be at least 1"));
        match key.as_str() {
            "maxEvents" => config.max_events = size()?.min(10_000),
            "maxBytes" => config.max_bytes = size()?,
            "lingerMs" => config.linger = Duration::from_millis(n.min(60_000)),
            other => return Err(format!("unknown option {other:?} (maxEvents, maxBytes, lingerMs)")),
        }
    }
    Ok(Some(config))
}

/// The engine-side options every sink type shares (retry schedule, concurrency, queue, events,
/// URL policy, health, ordering, batching, overflow); `raw` must list their fields.
pub(crate) fn sink_options(raw: &Fields<'_>, name: String) -> Result<SinkOptions, DeliveryError> {
    let what = raw.what;
    let delays = raw.uints("retryDelaysMs")?.unwrap_or_else(|| DEFAULT_DELAYS_MS.to_vec());
    let length = bounds::bound("sinks[].retryDelaysMs.length");
    let delay = bounds::bound("sinks[].retryDelaysMs[]");
    if delays.len() as u64 > length.max || delays.iter().any(|d| !(delay.min..=delay.max).contains(d)) {
        return Err(invalid(format!(
            "{what}.retryDelaysMs must list at most {} delays, each an integer from {} to {} ms",
            length.max, delay.min, delay.max
        )));
    }
    let policy = RetryPolicy {
        delays: delays.into_iter().map(Duration::from_millis).collect(),
        jitter: raw.boolean("jitter")?.unwrap_or(true),
    };
    let events = match raw.strings("events")? {
        None => EventFilter::default(),
        Some(list) if list.len() == 1 && list[0] == "*" && raw.get("events").is_some_and(Value::is_string) => {
            EventFilter::All
        }
        Some(list) => EventFilter::Only(list.into_iter().collect()),
    };
    let url_policy = UrlPolicyOptions::from_json(raw.get("urlPolicy").unwrap_or(&Value::Null))
        .and_then(|o| UrlPolicy::new(&o))
        .map_err(|e| invalid(format!("sink {name:?}: urlPolicy: {e}")))?;
    let health = raw
        .get("health")
        .map(|h| parse_health(h).map_err(|e| invalid(format!("sink {name:?}: health: {e}"))))
        .transpose()?;
    let overflow = match raw.string("overflow")?.as_deref() {
        None | Some("deadLetter") => Overflow::DeadLetter,
        Some("dropOldest") => Overflow::DropOldest,
        Some("reject") => Overflow::Reject,
        Some(_) => {
            return Err(invalid(format!(
                "sink {name:?}: overflow must be \"deadLetter\", \"dropOldest\" or \"reject\""
            )))
        }
    };
    let order = match raw.string("ordering")?.as_deref() {
        None | Some("none") => Order::Unordered,
        Some("run") => Order::Run,
        Some(_) => return Err(invalid(format!("sink {name:?}: ordering must be \"run\" or \"none\""))),
    };
    let batch = raw
        .get("batch")
        .map(|b| parse_batch(b).map_err(|e| invalid(format!("sink {name:?}: batch: {e}"))))
        .transpose()?
        .flatten();
    let options = SinkOptions {
        overflow,
        order,
        batch,
        name,
        policy,
        concurrency: raw.bounded_usize("concurrency", "sinks[].concurrency")?.unwrap_or(DEFAULT_CONCURRENCY),
        queue_capacity: raw.bounded_usize("queueCapacity", "sinks[].queueCapacity")?.unwrap_or(DEFAULT_QUEUE_CAPACITY),
        events,
        url_policy,
        health,
    };
    Ok(options)
}

fn parse_sink(value: &Value, index: usize, default_name: String) -> Result<(SinkOptions, SinkTarget), DeliveryError> {
    let what = format!("sinks[{index}]");
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("webhook");
    if kind != "webhook" {
        return crate::sinks::queue_config::parse(kind, value, &what, default_name);
    }
    let raw = Fields::new(value, &what, &[COMMON_SINK_FIELDS, WEBHOOK_FIELDS])?;
    let name = raw.string("name")?.unwrap_or(default_name);
    let options = sink_options(&raw, name)?;
    let name = &options.name;
    if let Some(index) = raw.usize("callback")? {
        if raw.get("url").is_some() {
            return Err(invalid(format!("sink {name:?}: a sink has either a url or a send callback")));
        }
        return Ok((options, SinkTarget::Callback(index)));
    }
    let url = raw.string("url")?.ok_or_else(|| invalid(format!("sink {name:?}: url is required")))?;
    let signing = parse_signing(&raw, name)?;
    let mut headers = Vec::new();
    if let Some(map) = raw.get("headers") {
        let map = map.as_object().ok_or_else(|| invalid(format!("sink {name:?}: headers must be an object")))?;
        for (key, value) in map {
            let value =
                value.as_str().ok_or_else(|| invalid(format!("sink {name:?}: header {key:?} must be a string")))?;
            headers.push((key.clone(), value.to_owned()));
        }
    }
    let webhook = WebhookConfig {
        url,
        scheme: signing.scheme,
        standard_secrets: signing.standard_secrets,
        github_secret: signing.github_secret,
        github_header: signing.github_header,
        headers,
        timeout: raw.bounded("timeoutMs", "sinks[].timeoutMs")?.map_or(DEFAULT_TIMEOUT, Duration::from_millis),
    };
    webhook.validate().map_err(|e| match e {
        // One "invalid delivery config: " prefix, not two.
        DeliveryError::InvalidConfig(detail) => invalid(format!("sink {name:?}: {detail}")),
        other => invalid(format!("sink {name:?}: {other}")),
    })?;
    Ok((options, SinkTarget::Webhook(webhook)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    #[test]
    fn a_sink_error_has_one_prefix() {
        let json = r#"{"sinks":[{"name":"x","url":"","secret":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}]}"#;
        let err = DeliveryConfig::parse(json).unwrap_err().to_string();
        assert_eq!(err, "invalid delivery config: sink \"x\": sink url is required");
    }

    #[test]
    fn safety_options() {
        let json = format!(
            r#"{{"disableWebhooks":true,"sinks":[{{"url":"https://x.example/h?token=a%20b","secret":"{SECRET}",
            "urlPolicy":{{"allowed_domains":["*.example"]}},"health":{{"breaker":true,"rateLimit":{{"capacity":5,"perMs":1000}}}}}}]}}"#
        );
        let config = DeliveryConfig::parse(&json).unwrap();
        let (options, webhook) = &config.sinks[0];
        let webhook = webhook.webhook().unwrap();
        assert_eq!(webhook.url, "https://x.example/h?token=a%20b");
        assert!(options.url_policy.check(&webhook.url).unwrap().allowlisted);
        let health = options.health.unwrap();
        assert_eq!(health.breaker, Some(BreakerConfig::default()));
        assert_eq!(health.rate_limit, Some(RateLimit { capacity: 5, per_ms: 1000 }));
        assert_eq!(options.events, EventFilter::Only(Default::default()), "disableWebhooks sends nothing");
        let err = DeliveryConfig::parse(&format!(
            r#"{{"sinks":[{{"url":"https://x/","secret":"{SECRET}","urlPolicy":{{"allowed_domains":["a.*.b"]}}}}]}}"#
        ))
        .unwrap_err();
        assert!(err.to_string().contains("wildcard can only be used as a prefix"), "{err}");
        let default =
            DeliveryConfig::parse(&format!(r#"{{"sinks":[{{"url":"https://x/","secret":"{SECRET}"}}]}}"#)).unwrap();
        assert_eq!(default.sinks[0].0.url_policy, UrlPolicy::default());
        assert!(default.sinks[0].0.health.is_none());
    }

    #[test]
    fn applies_defaults() {
        let config =
            DeliveryConfig::parse(&format!(r#"{{"sinks":[{{"url":"http://x/","secret":"{SECRET}"}}]}}"#)).unwrap();
        let (options, webhook) = &config.sinks[0];
        let webhook = webhook.webhook().unwrap();
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
        let webhook = webhook.webhook().unwrap();
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
        let callback = DeliveryConfig::parse(r#"{"sinks":[{"name":"fn","callback":0,"retryDelaysMs":[5]}]}"#).unwrap();
        assert!(matches!(callback.sinks[0].1, SinkTarget::Callback(0)));
        assert_eq!(callback.sinks[0].0.policy.delays, [Duration::from_millis(5)]);
        assert!(err(r#"{"sinks":[{"callback":0,"url":"http://x/"}]}"#).contains("either a url or a send callback"));
        for (field, value) in [
            ("queueCapacity", "1000000000000"),
            ("queueCapacity", "0"),
            ("concurrency", "1000000000"),
            ("timeoutMs", "1e20"),
            ("retryDelaysMs", "[1, 700000000]"),
            ("health", r#"{"breaker":{"buckets":4000000000}}"#),
            ("health", r#"{"rateLimit":{"capacity":1,"perMs":0}}"#),
            ("health", r#"{"rateLimit":{"capacity":1,"perMs":1,"burst":2}}"#),
        ] {
            let message =
                err(&format!(r#"{{"sinks":[{{"url":"https://x/","secret":"{SECRET}","{field}":{value}}}]}}"#));
            assert!(message.contains("from") || message.contains("unknown"), "{field}={value}: {message}");
        }
        assert!(err(r#"{"maxBodyBytes":100,"sinks":[]}"#).contains("maxBodyBytes must be an integer from 512 to 65536"));
        let github = DeliveryConfig::parse(r#"{"sinks":[{"url":"http://x/","secret":"raw","scheme":"github"}]}"#);
        assert!(github.unwrap().sinks[0].1.webhook().unwrap().github_secret.is_some());
    }

    #[test]
    fn ordering_batch_and_overflow() {
        let parse = |extra: &str| {
            DeliveryConfig::parse(&format!(
                r#"{{"sinks":[{{"url":"https://x.example/","secret":"{SECRET}"{extra}}}]}}"#
            ))
        };
        let plain = parse("").unwrap();
        let o = &plain.sinks[0].0;
        assert_eq!((o.order, o.overflow, o.batch), (Order::Unordered, Overflow::DeadLetter, None));
        let on = parse(r#","ordering":"run","overflow":"reject","batch":{"maxEvents":10,"lingerMs":5}"#).unwrap();
        let o = &on.sinks[0].0;
        assert_eq!((o.order, o.overflow), (Order::Run, Overflow::Reject));
        assert_eq!(
            o.batch,
            Some(BatchConfig {
                max_events: 10,
                max_bytes: crate::delivery::batch::DEFAULT_MAX_BYTES,
                linger: Duration::from_millis(5)
            })
        );
        assert_eq!(
            parse(r#","batch":true,"overflow":"dropOldest""#).unwrap().sinks[0].0.batch,
            Some(BatchConfig::default())
        );
        assert_eq!(parse(r#","batch":false"#).unwrap().sinks[0].0.batch, None);
        let err = |extra: &str| parse(extra).unwrap_err().to_string();
        assert!(err(r#","ordering":"key""#).contains("ordering must be"));
        assert!(err(r#","overflow":"block""#).contains("overflow must be"));
        assert!(err(r#","batch":{"maxEvents":0}"#).contains("maxEvents must be at least 1"));
        assert!(err(r#","batch":{"size":3}"#).contains("unknown option"));
        assert!(err(r#","batch":3"#).contains("batch: must be"));
    }
}
