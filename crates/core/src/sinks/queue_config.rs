//! Parsing the queue sinks of the delivery config: `{"type": "redis" | "kafka" | "sns", …}`.
//!
//! Every queue sink shares the engine options of a webhook sink (`name`, `retryDelaysMs`,
//! `jitter`, `concurrency`, `queueCapacity`, `events`, `health`) and the record signing options
//! (`secret`, `scheme`, `githubSecret`, `githubHeader`, see [`crate::sinks::queue`]), plus
//! `timeoutMs` per attempt and the transport's own fields (see [`crate::sinks::redis`],
//! [`crate::sinks::kafka`], [`crate::sinks::sns`]). Unknown fields are refused by name.
//!
//! The clients themselves are native only: the parser exists behind the `queue-sinks` feature
//! (the Node addon enables it); without it — the web build — a queue type is refused with the
//! edge pattern to use instead, and no parsing code is compiled in.

use std::fmt;

#[cfg(not(feature = "queue-sinks"))]
use crate::delivery::config::{SinkOptions, SinkTarget};
#[cfg(not(feature = "queue-sinks"))]
use crate::error::DeliveryError;

/// A credential (password, secret key, token) whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(String);

impl Credential {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the client that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credential(<redacted>)")
    }
}

#[cfg(not(feature = "queue-sinks"))]
/// Without the native clients, queue sinks are refused with the pattern that works on the web.
pub(crate) fn parse(
    kind: &str,
    _value: &serde_json::Value,
    what: &str,
    _default_name: String,
) -> Result<(SinkOptions, SinkTarget), DeliveryError> {
    Err(DeliveryError::InvalidConfig(match kind {
        "redis" | "kafka" | "sns" => format!(
            "{what}: type {kind:?} needs the Node addon's native client; in this build wrap your own client in a send-function sink ({{ name, send: async (message) => … }})"
        ),
        other => format!("{what}: type must be \"webhook\", \"redis\", \"kafka\" or \"sns\", got {other:?}"),
    }))
}

#[cfg(feature = "queue-sinks")]
pub(crate) use native::parse;

#[cfg(feature = "queue-sinks")]
mod native {
    use std::time::Duration;

    use serde_json::Value;

    use super::Credential;
    use crate::delivery::config::{parse_signing, sink_options, Fields, SinkOptions, SinkTarget, COMMON_SINK_FIELDS};
    use crate::error::DeliveryError;
    use crate::sinks::kafka::{Compression, KafkaConfig, Sasl, SaslMechanism, Tls};
    use crate::sinks::queue::RecordSigning;
    use crate::sinks::redis::{RedisConfig, RedisFormat};
    use crate::sinks::sns::{SnsConfig, SnsCredentials};

    const REDIS: &[&str] = &["url", "stream", "maxLen", "username", "password", "format", "deliverTo"];
    const KAFKA: &[&str] = &["brokers", "topic", "clientId", "tls", "sasl", "compression", "lingerMs", "maxBatchBytes"];
    const SNS: &[&str] = &["topicArn", "region", "endpoint", "credentials", "coalesce", "lingerMs"];

    fn invalid(message: String) -> DeliveryError {
        DeliveryError::InvalidConfig(message)
    }

    fn signing(raw: &Fields<'_>, name: &str) -> Result<RecordSigning, DeliveryError> {
        let signing = parse_signing(raw, name)?;
        signing.validate().map_err(|e| invalid(format!("sink {name:?}: {e}")))?;
        Ok(signing)
    }

    fn object<'a>(
        raw: &Fields<'a>,
        key: &str,
        name: &str,
    ) -> Result<Option<&'a serde_json::Map<String, Value>>, DeliveryError> {
        raw.get(key)
            .map(|v| v.as_object().ok_or_else(|| invalid(format!("sink {name:?}: {key} must be an object"))))
            .transpose()
    }

    fn text(map: &serde_json::Map<String, Value>, key: &str, what: &str) -> Result<Option<String>, DeliveryError> {
        map.get(key)
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| invalid(format!("{what}.{key} must be a string"))))
            .transpose()
    }

    /// Parses one queue sink.
    pub(crate) fn parse(
        kind: &str,
        value: &Value,
        what: &str,
        default_name: String,
    ) -> Result<(SinkOptions, SinkTarget), DeliveryError> {
        let known = match kind {
            "redis" => REDIS,
            "kafka" => KAFKA,
            "sns" => SNS,
            other => {
                return Err(invalid(format!(
                    "{what}: type must be \"webhook\", \"redis\", \"kafka\" or \"sns\", got {other:?}"
                )))
            }
        };
        let known = [COMMON_SINK_FIELDS, known];
        let raw = Fields::new(value, what, &known)?;
        if raw.get("callback").is_some() {
            return Err(invalid(format!("{what}: a {kind} sink cannot also have a send callback")));
        }
        let name = raw.string("name")?.unwrap_or(default_name);
        let options = sink_options(&raw, name)?;
        let name = options.name.clone();
        let signing = signing(&raw, &name)?;
        let timeout = raw.uint("timeoutMs")?.map_or(crate::sinks::redis::DEFAULT_TIMEOUT, Duration::from_millis);
        let need = |key: &str| -> Result<String, DeliveryError> {
            raw.string(key)?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| invalid(format!("sink {name:?}: {key} is required")))
        };
        let target = match kind {
            "redis" => {
                let config = RedisConfig {
                    url: need("url")?,
                    stream: need("stream")?,
                    max_len: raw.uint("maxLen")?.unwrap_or(crate::sinks::redis::DEFAULT_MAX_LEN),
                    username: raw.string("username")?,
                    password: raw.string("password")?.map(Credential::new),
                    signing,
                    timeout,
                    format: match raw.string("format")?.as_deref() {
                        None | Some("record") => RedisFormat::Record,
                        Some("job") => RedisFormat::Job { deliver_to: raw.strings("deliverTo")?.unwrap_or_default() },
                        Some(other) => {
                            return Err(invalid(format!(
                                "sink {name:?}: format must be \"record\" or \"job\", got {other:?}"
                            )))
                        }
                    },
                };
                if raw.get("deliverTo").is_some() && !matches!(config.format, RedisFormat::Job { .. }) {
                    return Err(invalid(format!("sink {name:?}: deliverTo needs format \"job\"")));
                }
                config.validate().map_err(|e| invalid(format!("sink {name:?}: {e}")))?;
                SinkTarget::Redis(config)
            }
            "kafka" => {
                let brokers = raw.strings("brokers")?.filter(|b| !b.is_empty());
                let brokers = brokers.ok_or_else(|| invalid(format!("sink {name:?}: brokers is required")))?;
                let tls = match raw.get("tls") {
                    None | Some(Value::Bool(false)) => None,
                    Some(Value::Bool(true)) => Some(Tls::default()),
                    Some(Value::Object(map)) => {
                        if let Some(key) = map.keys().find(|k| k.as_str() != "ca") {
                            return Err(invalid(format!("sink {name:?}: tls: unknown field `{key}`, expected ca")));
                        }
                        Some(Tls { ca_pem: text(map, "ca", &format!("sink {name:?}: tls"))? })
                    }
                    Some(_) => return Err(invalid(format!("sink {name:?}: tls must be a boolean or {{ ca }}"))),
                };
                let sasl = match object(&raw, "sasl", &name)? {
                    None => None,
                    Some(map) => {
                        let what = format!("sink {name:?}: sasl");
                        let mechanism = text(map, "mechanism", &what)?.unwrap_or_else(|| "plain".into());
                        let mechanism = SaslMechanism::parse(&mechanism).ok_or_else(|| {
                            invalid(format!(
                                "{what}.mechanism must be \"plain\", \"scram-sha-256\" or \"scram-sha-512\""
                            ))
                        })?;
                        let username = text(map, "username", &what)?;
                        let password = text(map, "password", &what)?;
                        let (Some(username), Some(password)) = (username, password) else {
                            return Err(invalid(format!("{what} needs username and password")));
                        };
                        Some(Sasl { mechanism, username, password: Credential::new(password) })
                    }
                };
                let compression = match raw.string("compression")?.as_deref() {
                    None | Some("none") => Compression::None,
                    Some("gzip") => Compression::Gzip,
                    Some("snappy") => Compression::Snappy,
                    Some(other) => {
                        return Err(invalid(format!(
                            "sink {name:?}: compression must be \"none\", \"gzip\" or \"snappy\", got {other:?}"
                        )))
                    }
                };
                let config = KafkaConfig {
                    brokers,
                    topic: need("topic")?,
                    client_id: raw.string("clientId")?.unwrap_or_else(|| "runwire".into()),
                    tls,
                    sasl,
                    compression,
                    linger: Duration::from_millis(
                        raw.uint("lingerMs")?.unwrap_or(crate::sinks::kafka::DEFAULT_LINGER_MS),
                    ),
                    max_batch_bytes: raw
                        .usize("maxBatchBytes")?
                        .unwrap_or(crate::sinks::kafka::DEFAULT_MAX_BATCH_BYTES),
                    signing,
                    timeout,
                };
                config.validate().map_err(|e| invalid(format!("sink {name:?}: {e}")))?;
                SinkTarget::Kafka(config)
            }
            _ => {
                let credentials = match object(&raw, "credentials", &name)? {
                    None => None,
                    Some(map) => {
                        let what = format!("sink {name:?}: credentials");
                        let (Some(key), Some(secret)) =
                            (text(map, "accessKeyId", &what)?, text(map, "secretAccessKey", &what)?)
                        else {
                            return Err(invalid(format!("{what} needs accessKeyId and secretAccessKey")));
                        };
                        Some(SnsCredentials {
                            access_key_id: key,
                            secret_access_key: Credential::new(secret),
                            session_token: text(map, "sessionToken", &what)?.map(Credential::new),
                        })
                    }
                };
                let config = SnsConfig {
                    topic_arn: need("topicArn")?,
                    region: raw.string("region")?,
                    endpoint: raw.string("endpoint")?,
                    credentials,
                    coalesce: raw.boolean("coalesce")?.unwrap_or(true),
                    linger: Duration::from_millis(
                        raw.uint("lingerMs")?.unwrap_or(crate::sinks::sns::DEFAULT_LINGER_MS),
                    ),
                    signing,
                    timeout,
                };
                config.validate().map_err(|e| invalid(format!("sink {name:?}: {e}")))?;
                SinkTarget::Sns(config)
            }
        };
        Ok((options, target))
    }
}

#[cfg(all(test, feature = "queue-sinks"))]
mod tests {
    use crate::delivery::config::{DeliveryConfig, SinkTarget};

    #[expect(clippy::unwrap_used, reason = "a test helper: the config must be refused")]
    fn err(json: &str) -> String {
        DeliveryConfig::parse(json).unwrap_err().to_string()
    }

    #[test]
    fn parses_each_queue_type() {
        let config = DeliveryConfig::parse(
            r#"{"sinks":[
              {"type":"redis","name":"r","url":"rediss://u:p@h:6380/0","stream":"s","maxLen":10,"password":"pw"},
              {"type":"kafka","brokers":"127.0.0.1:9092","topic":"t","compression":"gzip","sasl":{"mechanism":"scram-sha-256","username":"u","password":"pw"},"tls":true},
              {"type":"sns","topicArn":"arn:aws:sns:eu-west-1:123456789012:t.fifo","credentials":{"accessKeyId":"AKID","secretAccessKey":"SECRET"}}
            ]}"#,
        )
        .unwrap();
        let SinkTarget::Redis(redis) = &config.sinks[0].1 else { panic!("redis") };
        assert_eq!((redis.stream.as_str(), redis.max_len), ("s", 10));
        let SinkTarget::Kafka(kafka) = &config.sinks[1].1 else { panic!("kafka") };
        assert_eq!(kafka.brokers, ["127.0.0.1:9092"]);
        let SinkTarget::Sns(sns) = &config.sinks[2].1 else { panic!("sns") };
        assert_eq!(sns.resolved_region(None).as_deref(), Some("eu-west-1"));
        assert!(sns.is_fifo());
        let debug = format!("{config:?}");
        for secret in ["pw", "SECRET", "u:p@"] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
    }

    #[test]
    fn explains_mistakes() {
        assert!(err(r#"{"sinks":[{"type":"mqtt"}]}"#).contains("type must be"));
        assert!(err(r#"{"sinks":[{"type":"redis","url":"http://x","stream":"s"}]}"#).contains("redis:// or rediss://"));
        assert!(err(r#"{"sinks":[{"type":"redis","url":"redis://x"}]}"#).contains("stream is required"));
        assert!(
            err(r#"{"sinks":[{"type":"redis","url":"redis://x","stream":"s","bogus":1}]}"#).contains("unknown field")
        );
        // Job streams (producer mode): unsigned, deliverTo only with format "job".
        let job = r#"{"sinks":[{"type":"redis","url":"redis://x","stream":"s","format":"job","deliverTo":["a","b"]}]}"#;
        let config = crate::delivery::config::DeliveryConfig::parse(job).unwrap();
        let SinkTarget::Redis(redis) = &config.sinks[0].1 else { panic!("redis") };
        assert_eq!(redis.format, crate::sinks::redis::RedisFormat::Job { deliver_to: vec!["a".into(), "b".into()] });
        assert!(err(r#"{"sinks":[{"type":"redis","url":"redis://x","stream":"s","format":"job","secret":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}]}"#)
            .contains("carries no secrets"));
        assert!(err(r#"{"sinks":[{"type":"redis","url":"redis://x","stream":"s","deliverTo":["a"]}]}"#)
            .contains("deliverTo needs format"));
        assert!(err(r#"{"sinks":[{"type":"redis","url":"redis://x","stream":"s","format":"csv"}]}"#)
            .contains("format must be"));
        assert!(err(r#"{"sinks":[],"dlqRedis":{"url":"redis://x","stream":"d","secret":"k"}}"#)
            .contains("unknown field `secret`"));
        let dlq = crate::delivery::config::DeliveryConfig::parse(
            r#"{"sinks":[],"dlqRedis":{"url":"redis://x","stream":"d","maxLen":5}}"#,
        )
        .unwrap()
        .dlq_redis
        .unwrap();
        assert_eq!((dlq.stream.as_str(), dlq.max_len), ("d", 5));
        assert!(err(r#"{"sinks":[{"type":"kafka","topic":"t"}]}"#).contains("brokers is required"));
        assert!(err(r#"{"sinks":[{"type":"kafka","brokers":["h"],"topic":"t"}]}"#).contains("host:port"));
        assert!(err(r#"{"sinks":[{"type":"kafka","brokers":["h:1"],"topic":"t","compression":"zstd"}]}"#)
            .contains("compression"));
        assert!(err(r#"{"sinks":[{"type":"sns","topicArn":"nope"}]}"#).contains("topicArn"));
        assert!(err(r#"{"sinks":[{"type":"sns","topicArn":"arn:aws:sns:r:1:t","endpoint":"ftp://x"}]}"#)
            .contains("endpoint"));
    }
}
