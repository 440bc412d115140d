//! The HTTP webhook sink: sign, then hand the request to the runtime's [`Transport`].
//!
//! Every attempt gets a **fresh** `webhook-timestamp` and signature from the runtime clock; the id
//! never changes (it is minted when the event is accepted, see [`crate::delivery::idempotency`]). Headers:
//!
//! | header | when |
//! |---|---|
//! | `content-type: application/json` | always |
//! | `webhook-id`, `idempotency-key` | always (same value) |
//! | `webhook-timestamp`, `webhook-signature` | scheme `standard` (default) or `both` |
//! | `x-signature-256: sha256=<hex>` (name configurable) | scheme `github` or `both` |
//! | static headers from the config | always; they may not override the ones above |
//!
//! The transport never follows redirects and applies the request timeout; both are the
//! transport's contract ([`Transport`]).
//!
//! URL policy ([`WebhookSink::with_url_policy`], [`crate::policy`]): checked when the sink is
//! created (a typed `ERR_RUNWIRE_URL_POLICY` error, like LangGraph's 422) and again before every
//! attempt; a refusal at send time makes no request and dead-letters with reason `url_policy`.
//! Checks that need DNS belong to the transport, which resolves once and connects only to
//! vetted addresses (the Node addon); the web build can check only the URL and IP literals. Secrets live in [`StandardSecret`] / [`RawSecret`],
//! whose `Debug` is redacted, so a sink can be logged safely.

use std::time::Duration;

use crate::delivery::retry::Outcome;
use crate::error::{DeliveryError, SignatureError, UrlPolicyError};
use crate::policy::UrlPolicy;
use crate::runtime::{Clock, HttpRequest, MaybeSend, MaybeSync, Transport, TransportError};
use crate::signing::secret::{RawSecret, StandardSecret};
use crate::signing::{github, standard};
use crate::sinks::{Delivery, Sink, SinkResponse};

/// Default total request timeout (spec: 15 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Which signature headers to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureScheme {
    /// Standard Webhooks v1 (`webhook-signature`).
    #[default]
    Standard,
    /// GitHub-style `sha256=<hex>` (no timestamp, no replay protection).
    Github,
    /// Both at once, for receivers migrating between schemes.
    Both,
}

impl SignatureScheme {
    /// Parses `"standard" | "github" | "both"`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "standard" => Some(Self::Standard),
            "github" => Some(Self::Github),
            "both" => Some(Self::Both),
            _ => None,
        }
    }
}

/// Everything a webhook sink needs besides its transport and clock. Its `Debug` shows header
/// names only: static header values may carry tokens resolved from `${{ env.VAR }}` templates,
/// and the URL only up to its query (a `?token=`), so a config can be logged safely.
#[derive(Clone)]
pub struct WebhookConfig {
    /// Target URL.
    pub url: String,
    /// Which signatures to send.
    pub scheme: SignatureScheme,
    /// Standard Webhooks keys, current first (rotation: several signatures in one header).
    pub standard_secrets: Vec<StandardSecret>,
    /// The GitHub-style key.
    pub github_secret: Option<RawSecret>,
    /// The GitHub-style header name (lower-case on the wire).
    pub github_header: String,
    /// Extra static headers.
    pub headers: Vec<(String, String)>,
    /// Total request timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.url.split(['?', '#']).next().unwrap_or("");
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("WebhookConfig")
            .field("url", &url)
            .field("scheme", &self.scheme)
            .field("standard_secrets", &self.standard_secrets)
            .field("github_secret", &self.github_secret)
            .field("github_header", &self.github_header)
            .field("headers", &header_names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Headers runwire writes on every attempt; a sink's `headers` cannot override them.
const RESERVED: [&str; 6] =
    ["content-type", "webhook-id", "webhook-timestamp", "webhook-signature", "idempotency-key", "content-length"];
/// Connection-level headers the HTTP client owns. The addon's client would put a user's value on
/// the wire while `fetch` refuses it on every attempt, so both builds refuse them at creation.
const TRANSPORT_OWNED: [&str; 9] =
    ["host", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "expect"];

impl WebhookConfig {
    /// Checks that the configured scheme has its secrets and static headers do not clash.
    pub fn validate(&self) -> Result<(), DeliveryError> {
        if self.url.is_empty() {
            return Err(DeliveryError::InvalidConfig("sink url is required".into()));
        }
        let needs_standard = matches!(self.scheme, SignatureScheme::Standard | SignatureScheme::Both);
        let needs_github = matches!(self.scheme, SignatureScheme::Github | SignatureScheme::Both);
        if needs_standard && self.standard_secrets.is_empty() {
            return Err(DeliveryError::InvalidConfig("sink secret is required (a whsec_ secret)".into()));
        }
        if needs_github && self.github_secret.is_none() {
            return Err(DeliveryError::InvalidConfig("sink githubSecret is required for the github scheme".into()));
        }
        let github_header = self.github_header.to_ascii_lowercase();
        let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if github_header.is_empty()
            || !github_header.bytes().all(is_token)
            || RESERVED.contains(&github_header.as_str())
            || TRANSPORT_OWNED.contains(&github_header.as_str())
        {
            return Err(DeliveryError::InvalidConfig(
                "githubHeader must be an HTTP header name that runwire and the HTTP client do not set".into(),
            ));
        }
        for (name, _) in &self.headers {
            let lower = name.to_ascii_lowercase();
            if RESERVED.contains(&lower.as_str()) || lower == self.github_header.to_ascii_lowercase() {
                return Err(DeliveryError::InvalidConfig(format!("header {name:?} is set by runwire")));
            }
            if TRANSPORT_OWNED.contains(&lower.as_str()) {
                return Err(DeliveryError::InvalidConfig(format!(
                    "header {name:?} is managed by the HTTP client and cannot be set"
                )));
            }
        }
        Ok(())
    }
}

/// Signs and sends one message per attempt over a [`Transport`].
#[derive(Debug)]
pub struct WebhookSink<T, C> {
    config: WebhookConfig,
    transport: T,
    clock: C,
    url_policy: Option<UrlPolicy>,
}

impl<T, C: Clock> WebhookSink<T, C> {
    /// A sink over `transport`, timestamping with `clock`.
    pub fn new(config: WebhookConfig, transport: T, clock: C) -> Result<Self, DeliveryError> {
        config.validate()?;
        Ok(Self { config, transport, clock, url_policy: None })
    }

    /// Applies a URL policy: checks the URL now (the sink is refused with LangGraph's message)
    /// and before every attempt. The URL is replaced by its normalised form, which is what gets
    /// sent, so the address checked is the address used.
    pub fn with_url_policy(mut self, policy: UrlPolicy) -> Result<Self, UrlPolicyError> {
        let checked = policy.check(&self.config.url)?;
        self.config.url = checked.url;
        self.url_policy = Some(policy);
        Ok(self)
    }

    /// The URL policy in force, if any.
    pub fn url_policy(&self) -> Option<&UrlPolicy> {
        self.url_policy.as_ref()
    }

    /// The configuration (secrets redacted in `Debug`).
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    /// The signed request for one attempt, timestamped now.
    pub fn request(&self, delivery: &Delivery) -> Result<HttpRequest, SignatureError> {
        let config = &self.config;
        let mut headers = Vec::with_capacity(6 + config.headers.len());
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
        headers.push((standard::HEADER_ID.to_owned(), delivery.id.to_string()));
        headers.push(("idempotency-key".to_owned(), delivery.id.to_string()));
        if matches!(config.scheme, SignatureScheme::Standard | SignatureScheme::Both) {
            let timestamp = self.clock.now_secs();
            let signature = standard::sign(&config.standard_secrets, &delivery.id, timestamp, &delivery.body)?;
            headers.push((standard::HEADER_TIMESTAMP.to_owned(), timestamp.to_string()));
            headers.push((standard::HEADER_SIGNATURE.to_owned(), signature));
        }
        if matches!(config.scheme, SignatureScheme::Github | SignatureScheme::Both) {
            let secret = config.github_secret.as_ref().ok_or(SignatureError::NoSecrets)?;
            headers.push((config.github_header.to_ascii_lowercase(), github::sign(secret, &delivery.body)));
        }
        headers.extend(config.headers.iter().cloned());
        Ok(HttpRequest { url: config.url.clone(), headers, body: delivery.body.clone(), timeout: config.timeout })
    }
}

impl<T: Transport + MaybeSync, C: Clock + MaybeSend + MaybeSync + 'static> Sink for WebhookSink<T, C> {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        if let Some(policy) = &self.url_policy {
            if let Err(error) = policy.check(&self.config.url) {
                return SinkResponse {
                    error: Some(format!("url_policy: {error}")),
                    ..SinkResponse::of(Outcome::Blocked)
                };
            }
        }
        let request = match self.request(&delivery) {
            Ok(request) => request,
            Err(error) => {
                return SinkResponse { error: Some(format!("sign: {error}")), ..SinkResponse::of(Outcome::Rejected) }
            }
        };
        match self.transport.send(request).await {
            Ok(response) => SinkResponse {
                outcome: Outcome::Status(response.status),
                retry_after: response.header("retry-after").map(str::to_owned),
                error: None,
                snippet: response.body_snippet,
            },
            Err(error) => {
                let (outcome, class) = match &error {
                    TransportError::Timeout => (Outcome::Timeout, "timeout".to_owned()),
                    TransportError::Blocked(why) => (Outcome::Blocked, format!("blocked: {why}")),
                    TransportError::Network(why) => (Outcome::Network, format!("network: {why}")),
                };
                SinkResponse { outcome, retry_after: None, error: Some(class), snippet: Vec::new() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::runtime::VirtualRuntime;

    fn config(scheme: SignatureScheme) -> WebhookConfig {
        WebhookConfig {
            url: "http://127.0.0.1:1/hook".into(),
            scheme,
            standard_secrets: vec![StandardSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()],
            github_secret: Some(RawSecret::new("It's a Secret to Everybody").unwrap()),
            github_header: "X-Signature-256".into(),
            headers: vec![("x-tenant".into(), "t1".into())],
            timeout: DEFAULT_TIMEOUT,
        }
    }

    fn delivery() -> Delivery {
        Delivery {
            id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk".into(),
            body: Arc::from(&br#"{"email":"test@example.com","username":"test_user"}"#[..]),
            event: "on_tool_end".into(),
            run_id: "r".into(),
            root_run_id: "r".into(),
            accepted_at_ms: 0,
            attempt: 1,
        }
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
        request.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn signs_each_attempt_with_a_fresh_timestamp_and_the_same_id() {
        let clock = VirtualRuntime::new(1_649_367_553_000, 0);
        let sink = WebhookSink::new(config(SignatureScheme::Both), (), clock.clone()).unwrap();
        let first = sink.request(&delivery()).unwrap();
        assert_eq!(header(&first, "webhook-signature"), Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="));
        assert_eq!(header(&first, "webhook-timestamp"), Some("1649367553"));
        assert_eq!(header(&first, "idempotency-key"), Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"));
        assert_eq!(header(&first, "x-tenant"), Some("t1"));
        assert!(header(&first, "x-signature-256").unwrap().starts_with("sha256="));
        clock.advance(Duration::from_secs(5));
        let second = sink.request(&delivery()).unwrap();
        assert_eq!(header(&second, "webhook-timestamp"), Some("1649367558"));
        assert_ne!(header(&second, "webhook-signature"), header(&first, "webhook-signature"));
        assert_eq!(header(&second, "webhook-id"), header(&first, "webhook-id"));
    }

    #[test]
    fn debug_never_shows_header_values_or_query_tokens() {
        let mut c = config(SignatureScheme::Both);
        c.url = "https://example.com/hook?token=tok-123".into();
        c.headers = vec![("authorization".into(), "Bearer resolved-secret".into())];
        let text = format!("{c:?}");
        assert!(text.contains("authorization") && text.contains("https://example.com/hook"), "{text}");
        for secret in ["resolved-secret", "tok-123", "It's a Secret", "C2FVsBQIhrsc"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }

    #[test]
    fn github_only_sends_no_standard_headers() {
        let sink = WebhookSink::new(config(SignatureScheme::Github), (), VirtualRuntime::new(0, 0)).unwrap();
        let request = sink.request(&delivery()).unwrap();
        assert!(header(&request, "webhook-signature").is_none());
        assert!(header(&request, "x-signature-256").is_some());
    }

    #[derive(Clone, Default)]
    struct Recording(Arc<std::sync::Mutex<Vec<String>>>);

    impl Transport for Recording {
        async fn send(&self, request: HttpRequest) -> Result<crate::runtime::HttpResponse, TransportError> {
            self.0.lock().unwrap().push(request.url);
            Ok(crate::runtime::HttpResponse { status: 200, headers: Vec::new(), body_snippet: Vec::new() })
        }
    }

    #[test]
    fn url_policy_at_creation_and_before_each_send() {
        use crate::policy::{Profile, UrlPolicyOptions};
        use crate::ErrorCode;
        let safe = UrlPolicy::default();
        let err = WebhookSink::new(config(SignatureScheme::Standard), (), VirtualRuntime::new(0, 0))
            .unwrap()
            .with_url_policy(safe.clone())
            .unwrap_err();
        assert_eq!(err.to_string(), "Webhook must use https");
        assert_eq!(err.code(), "ERR_RUNWIRE_URL_POLICY");

        let mut c = config(SignatureScheme::Standard);
        c.url = "https://0xa9fea9fe/latest".into();
        let sink = WebhookSink::new(c, (), VirtualRuntime::new(0, 0)).unwrap();
        assert_eq!(
            sink.with_url_policy(safe).unwrap_err().to_string(),
            "Webhook host blocked: cloud metadata endpoint"
        );

        let dev = UrlPolicy::new(&UrlPolicyOptions { profile: Profile::Dev, ..Default::default() }).unwrap();
        let transport = Recording::default();
        let mut c = config(SignatureScheme::Standard);
        c.url = "http://LOCALHOST:1/hook".into();
        let sink =
            WebhookSink::new(c, transport.clone(), VirtualRuntime::new(0, 0)).unwrap().with_url_policy(dev).unwrap();
        let response = futures_executor::block_on(sink.send(delivery()));
        assert_eq!(response.outcome, Outcome::Status(200));
        assert_eq!(transport.0.lock().unwrap().as_slice(), ["http://localhost:1/hook"], "the normalised URL is sent");

        // A policy that stops allowing the URL (e.g. a redeploy) blocks at send time, no request.
        let mut blocked =
            WebhookSink::new(config(SignatureScheme::Standard), transport.clone(), VirtualRuntime::new(0, 0))
                .unwrap()
                .with_url_policy(UrlPolicy::profile(Profile::Dev))
                .unwrap();
        blocked.url_policy = Some(UrlPolicy::default());
        let response = futures_executor::block_on(blocked.send(delivery()));
        assert_eq!(response.outcome, Outcome::Blocked);
        assert_eq!(response.error.as_deref(), Some("url_policy: Webhook must use https"));
        assert_eq!(transport.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn validates_secrets_and_reserved_headers() {
        let mut c = config(SignatureScheme::Standard);
        c.standard_secrets.clear();
        assert!(WebhookSink::new(c, (), VirtualRuntime::new(0, 0)).is_err());
        let mut c = config(SignatureScheme::Standard);
        c.headers.push(("Webhook-Id".into(), "x".into()));
        assert!(WebhookSink::new(c, (), VirtualRuntime::new(0, 0)).is_err());
        for name in ["Host", "Connection", "Transfer-Encoding", "keep-alive", "Upgrade"] {
            let mut c = config(SignatureScheme::Standard);
            c.headers.push((name.into(), "x".into()));
            let err = WebhookSink::new(c, (), VirtualRuntime::new(0, 0)).unwrap_err().to_string();
            assert!(err.contains("managed by the HTTP client"), "{name}: {err}");
        }
        let mut c = config(SignatureScheme::Github);
        c.github_secret = None;
        assert!(WebhookSink::new(c, (), VirtualRuntime::new(0, 0)).is_err());
    }
}
