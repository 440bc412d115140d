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
    /// The webhook id is empty or contains a `.` (it is a field separator in the signed content).
    #[error("webhook id must be non-empty and must not contain '.'")]
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
            Self::NoSecrets | Self::InvalidId | Self::InvalidTimestamp => "ERR_RUNWIRE_INVALID_ARGUMENT",
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
}

impl ErrorCode for JsonError {
    fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "ERR_RUNWIRE_INVALID_JSON",
            Self::Unserializable(_) => "ERR_RUNWIRE_UNSERIALIZABLE",
        }
    }
}

/// The delivery engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// A run id or event type is empty, too long, or contains `.` (ids must not).
    #[error("run id and event type must be non-empty, at most 256 bytes, and must not contain '.'")]
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
}

impl ErrorCode for DeliveryError {
    fn code(&self) -> &'static str {
        match self {
            Self::InvalidId | Self::InvalidConfig(_) | Self::UnknownSink(_) | Self::InvalidRecord(_) => {
                "ERR_RUNWIRE_INVALID_ARGUMENT"
            }
            Self::Closed => "ERR_RUNWIRE_DELIVERY_CLOSED",
            Self::InvalidData => "ERR_RUNWIRE_INVALID_JSON",
        }
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
