//! Typed errors with stable codes.
//!
//! Every error that can reach JavaScript implements [`ErrorCode`]: a `code()` such as
//! `ERR_RUNWIRE_SIGNATURE_MISMATCH` that the bindings copy onto the JS `Error` as `err.code`, and
//! a short lower-case `Display` message. Codes are API: both targets must produce the same code
//! for the same bad input (tests/fixtures/errors.json proves it), so a code is never renamed.
//! Messages never contain secret material: variants carry lengths and header names, not values.

use thiserror::Error;

/// A stable, machine-readable error code (the JS `err.code`).
pub trait ErrorCode: std::error::Error {
    /// The code, e.g. `ERR_RUNWIRE_INVALID_SECRET`.
    fn code(&self) -> &'static str;
}

/// A signing secret could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SecretError {
    /// No secret was given, or an empty one.
    #[error("secret must not be empty")]
    Empty,
    /// The part after `whsec_` is not standard base64.
    #[error("secret is not valid base64 after the \"whsec_\" prefix")]
    InvalidBase64,
    /// The decoded key is outside the Standard Webhooks range.
    #[error("secret key must decode to 24 to 64 bytes, got {0} bytes")]
    InvalidLength(usize),
}

impl ErrorCode for SecretError {
    fn code(&self) -> &'static str {
        "ERR_RUNWIRE_INVALID_SECRET"
    }
}

/// Signing or verification failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A secret was unusable (see [`SecretError`]).
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// No secrets were supplied.
    #[error("at least one secret is required")]
    NoSecrets,
    /// The requested verification scheme does not exist.
    #[error("scheme must be \"auto\", \"standard\", \"github\" or \"stripe\"")]
    UnknownScheme,
    /// The webhook id is empty, contains a `.` (the signed-content separator) or something a
    /// header value cannot carry unchanged (controls, CR/LF/NUL, spaces, non-ASCII).
    #[error("webhook id must be non-empty visible ASCII (no spaces, CR/LF/NUL or other control characters) and must not contain '.'")]
    InvalidId,
    /// A timestamp to sign with is out of range.
    #[error("timestamp must be a non-negative unix time in seconds")]
    InvalidTimestamp,
    /// Standard Webhooks bodies must be UTF-8: the reference verifiers decode before MACing.
    #[error("body must be valid UTF-8")]
    BodyNotUtf8,
    /// A header needed to verify is absent.
    #[error("missing required header {0}")]
    MissingHeader(&'static str),
    /// A header is present but malformed.
    #[error("invalid {0} header")]
    InvalidHeader(&'static str),
    /// The signed timestamp is older than the tolerance allows.
    #[error("message timestamp too old")]
    TimestampTooOld,
    /// The signed timestamp is further in the future than the tolerance allows.
    #[error("message timestamp too new")]
    TimestampTooNew,
    /// No signature in the header matches any secret.
    #[error("no matching signature found")]
    Mismatch,
}

impl ErrorCode for SignatureError {
    fn code(&self) -> &'static str {
        match self {
            Self::Secret(e) => e.code(),
            Self::NoSecrets | Self::UnknownScheme | Self::InvalidId | Self::InvalidTimestamp => {
                "ERR_RUNWIRE_INVALID_ARGUMENT"
            }
            Self::BodyNotUtf8 => "ERR_RUNWIRE_BODY_NOT_UTF8",
            Self::MissingHeader(_) => "ERR_RUNWIRE_SIGNATURE_MISSING_HEADER",
            Self::InvalidHeader(_) => "ERR_RUNWIRE_SIGNATURE_INVALID_HEADER",
            Self::TimestampTooOld => "ERR_RUNWIRE_SIGNATURE_TIMESTAMP_TOO_OLD",
            Self::TimestampTooNew => "ERR_RUNWIRE_SIGNATURE_TIMESTAMP_TOO_NEW",
            Self::Mismatch => "ERR_RUNWIRE_SIGNATURE_MISMATCH",
        }
    }
}

/// A value could not be encoded as canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The input text is not JSON.
    #[error("invalid JSON at line {line} column {column}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// The value has no JSON form (a cycle, a BigInt, a function at the top level, ...).
    #[error("value cannot be serialized to JSON: {0}")]
    Unserializable(String),
    /// Arrays and objects nested deeper than the limit (`canonical::MAX_DEPTH`).
    #[error("value is nested deeper than {0} levels of arrays and objects")]
    TooDeep(usize),
}

impl ErrorCode for JsonError {
    fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "ERR_RUNWIRE_INVALID_JSON",
            Self::Unserializable(_) | Self::TooDeep(_) => "ERR_RUNWIRE_UNSERIALIZABLE",
        }
    }
}

/// The delivery engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// A run id or event type is empty, too long, contains `.` (ids must not), or something a
    /// header value cannot carry unchanged.
    #[error("run id and event type must be non-empty visible ASCII, at most 256 bytes, and must not contain '.'")]
    InvalidId,
    /// The delivery configuration is unusable; the message says which field and how to fix it.
    #[error("invalid delivery config: {0}")]
    InvalidConfig(String),
    /// The engine was closed; create a new one.
    #[error("delivery is closed")]
    Closed,
    /// No sink with this name.
    #[error("no sink named {0:?}")]
    UnknownSink(String),
    /// The event data is not JSON.
    #[error("event data is not valid JSON")]
    InvalidData,
    /// A dead-letter record could not be parsed for replay.
    #[error("not a dead-letter record: {0}")]
    InvalidRecord(String),
    /// The event data can never become a body (e.g. nested too deep); refused before acceptance.
    #[error("event data: {0}")]
    Payload(#[from] JsonError),
    /// A sink with `overflow: "reject"` is at its pending limit; the event was not accepted.
    #[error("delivery queue of sink {0:?} is full (overflow: reject); retry later")]
    Backpressure(String),
}

impl ErrorCode for DeliveryError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidId | Self::InvalidConfig(_) | Self::UnknownSink(_) | Self::InvalidRecord(_) => {
                "ERR_RUNWIRE_INVALID_ARGUMENT"
            }
            Self::Closed => "ERR_RUNWIRE_DELIVERY_CLOSED",
            Self::InvalidData => "ERR_RUNWIRE_INVALID_JSON",
            Self::Payload(e) => e.code(),
            Self::Backpressure(_) => "ERR_RUNWIRE_BACKPRESSURE",
        }
    }
}

/// A finished run could not be turned into a run-completion webhook.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RunWebhookError {
    /// The run description is unusable; the message says which field.
    #[error("invalid run webhook: {0}")]
    Invalid(String),
    /// Even with every field cut, the payload is over the byte cap.
    #[error("run webhook payload is over the byte cap even after truncation")]
    TooLarge,
}

impl ErrorCode for RunWebhookError {
    fn code(&self) -> &'static str {
        "ERR_RUNWIRE_RUN_WEBHOOK"
    }
}

/// A webhook URL was refused by the URL policy. Messages are LangGraph Platform's, byte for byte
/// (shared/spec/webhooks.md §8.4), so users moving from LangGraph see familiar text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum UrlPolicyError {
    /// Longer than `max_url_length`.
    #[error("Webhook URL too long")]
    TooLong,
    /// A relative URL while loopback is disabled.
    #[error("Loopback webhooks (relative URLs and localhost) are disabled by default. They bypass authentication via the in-process ASGI transport and can be abused to invoke internal routes as an unauthenticated caller. Set webhooks.url.disable_loopback to false (in langgraph.json or via LANGGRAPH_WEBHOOKS) to opt back in \u{2014} only do so when you control the mounted routes.")]
    LoopbackDisabled,
    /// A relative URL while loopback is allowed: runwire has no in-process server to call.
    #[error("relative webhook URLs are not supported: runwire has no in-process server; use an absolute http(s) URL")]
    Relative,
    /// `require_https` and another scheme.
    #[error("Webhook must use https")]
    HttpsRequired,
    /// A scheme other than http or https.
    #[error("Webhook must use http or https")]
    UnsupportedScheme,
    /// The port is not in `allowed_ports`.
    #[error("Webhook port {0} not allowed")]
    PortNotAllowed(u16),
    /// No usable host.
    #[error("Invalid webhook hostname '{0}'")]
    InvalidHostname(String),
    /// The host matches no `allowed_domains` entry.
    #[error("Webhook domain not allowed")]
    DomainNotAllowed,
    /// The SSRF guard refused the host or one of its addresses.
    #[error("Webhook host blocked: {0}")]
    HostBlocked(crate::policy::ip::BlockReason),
    /// A scheme other than http or https, in LangGraph's words (`langgraph` profile; the
    /// scheme as written, lower-cased).
    #[error("Webhook host blocked: scheme '{0}' not allowed")]
    SchemeNotAllowed(String),
}

impl UrlPolicyError {
    /// A stable short name of the check that failed (`too_long`, `https`, `blocked`, ...).
    pub fn check(&self) -> &'static str {
        match self {
            Self::TooLong => "too_long",
            Self::LoopbackDisabled | Self::Relative => "relative",
            Self::HttpsRequired | Self::UnsupportedScheme | Self::SchemeNotAllowed(_) => "scheme",
            Self::PortNotAllowed(_) => "port",
            Self::InvalidHostname(_) => "hostname",
            Self::DomainNotAllowed => "domain",
            Self::HostBlocked(_) => "blocked",
        }
    }
}

impl ErrorCode for UrlPolicyError {
    fn code(&self) -> &'static str {
        "ERR_RUNWIRE_URL_POLICY"
    }
}

/// A URL policy configuration is invalid (LangGraph's config-time strings, §8.5).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum UrlPolicyConfigError {
    /// An empty entry in `allowed_domains` (the list's Python repr follows).
    #[error("webhooks.url.allowed_domains must be a list of non-empty strings. Got: {0}")]
    EmptyDomain(String),
    /// A `*` anywhere but a leading `*.`.
    #[error("webhooks.url.allowed_domains wildcard can only be used as a prefix, in the form '*.domain'. Got: {0}")]
    BadWildcard(String),
    /// `max_url_length` of zero.
    #[error("webhooks.url.max_url_length must be a positive integer")]
    MaxUrlLength,
    /// The options object has the wrong shape.
    #[error("invalid webhook url policy: {0}")]
    Invalid(String),
}

impl ErrorCode for UrlPolicyConfigError {
    fn code(&self) -> &'static str {
        "ERR_RUNWIRE_URL_POLICY_CONFIG"
    }
}

/// Static header templates could not be resolved (LangGraph's strings, §8.7). Never carries a
/// header value or an environment value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HeaderTemplateError {
    /// A referenced variable lacks the env prefix.
    #[error(
        "webhook headers: environment variable name '{name}' must start with the configured env_prefix '{prefix}'"
    )]
    OutsidePrefix {
        /// The variable name.
        name: String,
        /// The configured prefix.
        prefix: String,
    },
    /// A referenced variable is unset.
    #[error("webhook headers: missing required environment variable '{0}'")]
    Missing(String),
    /// A reference that is not `env.VAR`.
    #[error("webhook headers: only env.VAR references are allowed (e.g. {{{{ env.{0}FOO_BAR }}}})")]
    NotEnvReference(String),
    /// `env.A.B`.
    #[error("webhook headers: invalid env reference '{0}'. Use env.VAR with no dots (e.g. {{{{ env.{1}FOO_BAR }}}})")]
    DottedName(String, String),
    /// `env_prefix: null`.
    #[error("webhook headers: Invalid null env_prefix")]
    NullPrefix,
    /// `env_prefix: ""` without the explicit opt-in.
    #[error("webhook headers: an empty env_prefix allows any environment variable; set allow_any_env to opt in")]
    EmptyPrefix,
    /// A header value that is not a string (its Python repr follows, as LangGraph prints it).
    #[error("Webhook header values must be strings. Got: {0}")]
    NotAString(String),
    /// A header name that is not an HTTP token.
    #[error("webhook headers: invalid header name '{0}'")]
    InvalidName(String),
    /// CR, LF or NUL in a value (header injection).
    #[error("webhook headers: value of '{0}' must not contain CR or LF")]
    ControlCharacter(String),
    /// The headers object has the wrong shape.
    #[error("webhook headers: {0}")]
    Invalid(String),
}

impl ErrorCode for HeaderTemplateError {
    fn code(&self) -> &'static str {
        "ERR_RUNWIRE_HEADER_TEMPLATE"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(SecretError::Empty.code(), "ERR_RUNWIRE_INVALID_SECRET");
        assert_eq!(SignatureError::from(SecretError::InvalidLength(3)).code(), "ERR_RUNWIRE_INVALID_SECRET");
        assert_eq!(SignatureError::Mismatch.code(), "ERR_RUNWIRE_SIGNATURE_MISMATCH");
        assert_eq!(SignatureError::MissingHeader("webhook-id").to_string(), "missing required header webhook-id");
        assert_eq!(JsonError::Syntax { line: 1, column: 2 }.code(), "ERR_RUNWIRE_INVALID_JSON");
    }
}
