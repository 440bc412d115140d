//! How a queue client's failure maps onto the engine's retry table.
//!
//! Every native queue sink (Redis Streams, Kafka, SNS) turns its client's error into one
//! [`Failure`] and reports it with [`Failure::response`]; the table below is the whole policy and
//! is tested as a table. Transient failures are retried on the sink's schedule and end as
//! `exhausted`; permanent ones dead-letter at once with reason `rejected`, and the attempt's
//! error (kept in the dead letter) starts with the class name, e.g. `auth: WRONGPASS …`.
//!
//! | class | examples | decision |
//! |---|---|---|
//! | `connection` | refused, reset, broken pipe, DNS, TLS handshake | retry |
//! | `timeout` | no answer within `timeoutMs` | retry |
//! | `not_leader` | Kafka `NotLeaderOrFollower`, `LeaderNotAvailable`; Redis `MOVED`/`READONLY` | retry |
//! | `throttled` | SNS `Throttling`, HTTP 429; Kafka quota; Redis `BUSY`/`TRYAGAIN`/`LOADING` | retry |
//! | `unavailable` | HTTP 5xx, SNS `InternalError`/`ServiceUnavailable`, Kafka `NotEnoughReplicas`, Redis `OOM`/`MASTERDOWN` | retry |
//! | `auth` | bad credentials: Redis `NOAUTH`/`WRONGPASS`, SASL failure, SigV4 `SignatureDoesNotMatch`/`InvalidClientTokenId` | dead letter |
//! | `permission` | Redis `NOPERM`, Kafka `TopicAuthorizationFailed`, SNS `AuthorizationError`/`AccessDenied` | dead letter |
//! | `unknown_topic` | Kafka `UnknownTopicOrPartition`, SNS `NotFound`, Redis `WRONGTYPE` (the key is not a stream) | dead letter |
//! | `too_large` | Kafka `MessageTooLarge`, SNS 256 KB limit | dead letter |
//! | `invalid` | any other refusal of the request itself (SNS `InvalidParameter`, other 4xx) | dead letter |
//!
//! Error details come from the client's message with credentials never included: the bindings
//! pass server error codes and messages, never URLs with user-info or signing material.

use crate::delivery::retry::Outcome;
use crate::sinks::SinkResponse;

/// A queue client's failure, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No connection, or it broke.
    Connection,
    /// No answer in time.
    Timeout,
    /// The broker is not (or no longer) the leader for the partition / shard.
    NotLeader,
    /// The server asks the client to slow down.
    Throttled,
    /// A server-side error worth retrying.
    Unavailable,
    /// The credentials were refused.
    Auth,
    /// Authenticated, but not allowed to write there.
    Permission,
    /// The topic / stream does not exist (or is the wrong kind of key).
    UnknownTopic,
    /// The record is larger than the server accepts.
    TooLarge,
    /// The request was refused as invalid.
    Invalid,
}

impl Failure {
    /// The class name that prefixes the attempt's error text.
    pub fn class(self) -> &'static str {
        match self {
            Self::Connection => "connection",
            Self::Timeout => "timeout",
            Self::NotLeader => "not_leader",
            Self::Throttled => "throttled",
            Self::Unavailable => "unavailable",
            Self::Auth => "auth",
            Self::Permission => "permission",
            Self::UnknownTopic => "unknown_topic",
            Self::TooLarge => "too_large",
            Self::Invalid => "invalid",
        }
    }

    /// Whether another attempt can succeed.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Connection | Self::Timeout | Self::NotLeader | Self::Throttled | Self::Unavailable)
    }

    /// The outcome the retry policy classifies.
    pub fn outcome(self) -> Outcome {
        match self {
            Self::Connection => Outcome::Network,
            Self::Timeout => Outcome::Timeout,
            Self::NotLeader | Self::Throttled | Self::Unavailable => Outcome::TransientFailure,
            Self::Auth | Self::Permission | Self::UnknownTopic | Self::TooLarge | Self::Invalid => Outcome::Rejected,
        }
    }

    /// The attempt's response: outcome plus `"<class>: <detail>"` (detail capped at 300 chars).
    pub fn response(self, detail: &str) -> SinkResponse {
        let detail: String = detail.chars().take(300).collect();
        SinkResponse { error: Some(format!("{}: {detail}", self.class())), ..SinkResponse::of(self.outcome()) }
    }
}

/// A Redis error reply's code (its first word, e.g. `WRONGPASS`), classified.
pub fn redis_code(code: &str) -> Failure {
    match code {
        "NOAUTH" | "WRONGPASS" | "AUTH" => Failure::Auth,
        "NOPERM" => Failure::Permission,
        "WRONGTYPE" => Failure::UnknownTopic,
        "MOVED" | "ASK" | "READONLY" | "CLUSTERDOWN" => Failure::NotLeader,
        "BUSY" | "TRYAGAIN" | "LOADING" => Failure::Throttled,
        "OOM" | "MASTERDOWN" | "NOREPLICAS" | "MISCONF" => Failure::Unavailable,
        _ => Failure::Invalid,
    }
}

/// A Kafka protocol error, by its name in the protocol spec (e.g. `NotLeaderOrFollower`).
pub fn kafka_error(name: &str) -> Failure {
    match name {
        "NotLeaderOrFollower"
        | "LeaderNotAvailable"
        | "PreferredLeaderNotAvailable"
        | "NotController"
        | "FencedLeaderEpoch"
        | "UnknownLeaderEpoch"
        | "StaleControllerEpoch" => Failure::NotLeader,
        "RequestTimedOut" => Failure::Timeout,
        "NetworkException" => Failure::Connection,
        "ThrottlingQuotaExceeded" | "ConcurrentTransactions" => Failure::Throttled,
        "NotEnoughReplicas"
        | "NotEnoughReplicasAfterAppend"
        | "KafkaStorageError"
        | "CoordinatorNotAvailable"
        | "CoordinatorLoadInProgress"
        | "NotCoordinator"
        | "CorruptMessage"
        | "UnknownServerError" => Failure::Unavailable,
        "SaslAuthenticationFailed" | "IllegalSaslState" | "UnsupportedSaslMechanism" => Failure::Auth,
        "TopicAuthorizationFailed" | "ClusterAuthorizationFailed" | "TransactionalIdAuthorizationFailed" => {
            Failure::Permission
        }
        "UnknownTopicOrPartition" | "InvalidTopicException" | "UnknownTopicId" => Failure::UnknownTopic,
        "MessageTooLarge" | "RecordListTooLarge" => Failure::TooLarge,
        _ => Failure::Invalid,
    }
}

/// An AWS query-API error (HTTP status and `<Code>`), classified.
pub fn aws_error(status: u16, code: &str) -> Failure {
    match code {
        "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "KMSThrottling" => Failure::Throttled,
        "InternalError" | "InternalFailure" | "ServiceUnavailable" | "KMSUnavailable" => Failure::Unavailable,
        "SignatureDoesNotMatch"
        | "InvalidClientTokenId"
        | "IncompleteSignature"
        | "ExpiredToken"
        | "MissingAuthenticationToken"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "MissingAuthenticationTokenException" => Failure::Auth,
        "AuthorizationError" | "AccessDenied" | "AccessDeniedException" | "KMSAccessDenied" => Failure::Permission,
        "NotFound" | "NotFoundException" | "TopicNotFound" => Failure::UnknownTopic,
        "BatchRequestTooLong" | "RequestEntityTooLarge" => Failure::TooLarge,
        _ => match status {
            429 => Failure::Throttled,
            408 => Failure::Timeout,
            500..=599 => Failure::Unavailable,
            401 => Failure::Auth,
            403 => Failure::Permission,
            404 => Failure::UnknownTopic,
            413 => Failure::TooLarge,
            _ => Failure::Invalid,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::dlq::DeadLetterReason;
    use crate::delivery::retry::{classify, Class};

    #[test]
    fn the_table() {
        let transient =
            [Failure::Connection, Failure::Timeout, Failure::NotLeader, Failure::Throttled, Failure::Unavailable];
        for failure in transient {
            assert!(failure.is_transient());
            assert_eq!(classify(failure.outcome()), Class::Transient, "{failure:?}");
        }
        for failure in [Failure::Auth, Failure::Permission, Failure::UnknownTopic, Failure::TooLarge, Failure::Invalid]
        {
            assert!(!failure.is_transient());
            assert_eq!(classify(failure.outcome()), Class::Permanent(DeadLetterReason::Rejected), "{failure:?}");
        }
        let response = Failure::Auth.response("WRONGPASS invalid username-password pair");
        assert_eq!(response.error.as_deref(), Some("auth: WRONGPASS invalid username-password pair"));
    }

    #[test]
    fn redis_and_aws_codes() {
        let redis = [
            ("WRONGPASS", Failure::Auth),
            ("NOPERM", Failure::Permission),
            ("WRONGTYPE", Failure::UnknownTopic),
            ("LOADING", Failure::Throttled),
            ("OOM", Failure::Unavailable),
            ("READONLY", Failure::NotLeader),
            ("ERR", Failure::Invalid),
        ];
        for (code, failure) in redis {
            assert_eq!(redis_code(code), failure, "{code}");
        }
        let aws = [
            (400, "Throttling", Failure::Throttled),
            (500, "InternalError", Failure::Unavailable),
            (403, "SignatureDoesNotMatch", Failure::Auth),
            (403, "InvalidClientTokenId", Failure::Auth),
            (403, "AuthorizationError", Failure::Permission),
            (404, "NotFound", Failure::UnknownTopic),
            (400, "InvalidParameter", Failure::Invalid),
            (503, "", Failure::Unavailable),
            (429, "", Failure::Throttled),
        ];
        for (name, failure) in [
            ("NotLeaderOrFollower", Failure::NotLeader),
            ("NotEnoughReplicas", Failure::Unavailable),
            ("UnknownTopicOrPartition", Failure::UnknownTopic),
            ("TopicAuthorizationFailed", Failure::Permission),
            ("SaslAuthenticationFailed", Failure::Auth),
            ("MessageTooLarge", Failure::TooLarge),
            ("InvalidRecord", Failure::Invalid),
        ] {
            assert_eq!(kafka_error(name), failure, "{name}");
        }
        for (status, code, failure) in aws {
            assert_eq!(aws_error(status, code), failure, "{status} {code}");
        }
    }
}
