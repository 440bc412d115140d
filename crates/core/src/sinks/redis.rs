//! The Redis Streams sink's pure half: its configuration and the `XADD` it sends.
//!
//! One attempt = one `XADD <stream> MAXLEN ~ <maxLen> * <fields…>` with the fields of
//! [`crate::sinks::queue`] followed by `body` (the exact canonical bytes). `MAXLEN ~` lets Redis
//! trim whole macro-nodes, which is what keeps `XADD` O(1); `maxLen: 0` turns trimming off.
//! Consumers read with `XREAD`/`XREADGROUP` (and `XACK`), dedupe on `id`, and verify with the
//! `webhook-*` fields. The connection (the `redis` crate's connection manager, reconnecting by
//! itself) lives in the Node addon (`crates/node/src/sinks/redis/`).
//!
//! `url` is `redis://` or `rediss://` (TLS), `[user[:password]@]host[:port][/db]`; `username` /
//! `password` override what the URL carries (ACL users). `Debug` shows the URL without its
//! user-info and never the password.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::sinks::queue::RecordSigning;
use crate::sinks::queue_config::Credential;

/// Default `MAXLEN ~` bound: the stream keeps roughly the last 100 000 records.
pub const DEFAULT_MAX_LEN: u64 = 100_000;
/// Default per-attempt timeout of a queue sink.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A Redis Streams sink.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://…` or `rediss://…`.
    pub url: String,
    /// The stream key.
    pub stream: String,
    /// Approximate length bound (`MAXLEN ~`); 0 = never trim.
    pub max_len: u64,
    /// ACL user (overrides the URL's).
    pub username: Option<String>,
    /// Password (overrides the URL's).
    pub password: Option<Credential>,
    /// Record signing.
    pub signing: RecordSigning,
    /// Per-attempt timeout (connect and response).
    pub timeout: Duration,
    /// What an entry carries.
    pub format: RedisFormat,
}

/// What a Redis sink writes per message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RedisFormat {
    /// A signed record for consumers ([`crate::sinks::queue`] fields + `body`).
    #[default]
    Record,
    /// An unsigned job for `runwire worker` ([`crate::sinks::redis_job`]), naming the worker
    /// sinks to deliver to (empty = all).
    Job {
        /// Worker sink names.
        deliver_to: Vec<String>,
    },
}

/// A URL with its user-info removed, for logs.
pub fn redact_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.split('@').next_back().unwrap_or("").to_owned(),
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redact_userinfo(&self.url))
            .field("stream", &self.stream)
            .field("max_len", &self.max_len)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("signing", &self.signing)
            .field("timeout", &self.timeout)
            .field("format", &self.format)
            .finish()
    }
}

impl RedisConfig {
    /// Checks what can be known without connecting.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.url.starts_with("redis://") || self.url.starts_with("rediss://")) {
            return Err(format!("url must start with redis:// or rediss://, got {:?}", redact_userinfo(&self.url)));
        }
        if self.stream.is_empty() {
            return Err("stream is required".into());
        }
        if let RedisFormat::Job { deliver_to } = &self.format {
            let signed = !self.signing.standard_secrets.is_empty() || self.signing.github_secret.is_some();
            if signed {
                return Err(
                    "a job stream (format \"job\") carries no secrets and no signature: the workers sign".into()
                );
            }
            if deliver_to.iter().any(|name| name.is_empty() || name.contains(',')) {
                return Err("deliverTo names must be non-empty and without ','".into());
            }
        }
        Ok(())
    }

    /// Whether the connection uses TLS.
    pub fn is_tls(&self) -> bool {
        self.url.starts_with("rediss://")
    }

    /// The `XADD` arguments after the command name: key, trim, id `*`, then field/value pairs.
    pub fn xadd_args<'a>(&'a self, fields: &'a [(String, String)], body: &'a [u8]) -> Vec<Cow<'a, [u8]>> {
        let mut args: Vec<Cow<'a, [u8]>> = Vec::with_capacity(7 + 2 * fields.len());
        args.push(Cow::Borrowed(self.stream.as_bytes()));
        if self.max_len > 0 {
            args.push(Cow::Borrowed(b"MAXLEN"));
            args.push(Cow::Borrowed(b"~"));
            args.push(Cow::Owned(self.max_len.to_string().into_bytes()));
        }
        args.push(Cow::Borrowed(b"*"));
        for (name, value) in fields {
            args.push(Cow::Borrowed(name.as_bytes()));
            args.push(Cow::Borrowed(value.as_bytes()));
        }
        args.push(Cow::Borrowed(b"body"));
        args.push(Cow::Borrowed(body));
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_and_builds_xadd() {
        assert_eq!(redact_userinfo("rediss://user:pw@host:6380/1"), "rediss://host:6380/1");
        assert_eq!(redact_userinfo("redis://host/0"), "redis://host/0");
        let config = RedisConfig {
            url: "redis://:pw@h".into(),
            stream: "s".into(),
            max_len: 0,
            username: None,
            password: Some(Credential::new("pw2")),
            signing: RecordSigning::default(),
            timeout: DEFAULT_TIMEOUT,
            format: RedisFormat::Record,
        };
        assert!(!format!("{config:?}").contains("pw"));
        let fields = vec![("id".to_owned(), "x".to_owned())];
        let args = config.xadd_args(&fields, b"{}");
        let args: Vec<&[u8]> = args.iter().map(|a| &**a).collect();
        assert_eq!(args, [&b"s"[..], b"*", b"id", b"x", b"body", b"{}"]);
        let trimmed = RedisConfig { max_len: 5, ..config.clone() };
        let args = trimmed.xadd_args(&fields, b"{}");
        assert_eq!(&*args[3], b"5");
        assert!(RedisConfig { url: "http://h".into(), ..config }.validate().is_err());
    }
}
