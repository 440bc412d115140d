//! What a queue record carries — the part Redis Streams, Kafka and SNS share.
//!
//! A queue sink publishes the **same canonical body bytes** a webhook would receive, plus the
//! metadata a consumer needs to route, dedupe and verify it. Each transport maps the same list:
//!
//! | name | value | Redis Streams | Kafka | SNS |
//! |---|---|---|---|---|
//! | `id` | the idempotency id (stable across retries and replays) | field | header | attribute |
//! | `type` | the envelope type, e.g. `agent.tool.end` | field | header | attribute |
//! | `event` | the LangChain event, e.g. `on_tool_end` | field | header | attribute |
//! | `run_id` | the event's own run | field | header | attribute |
//! | `webhook-id`, `webhook-timestamp`, `webhook-signature` | Standard Webhooks headers (when a `whsec_` secret is set) | fields | headers | attributes |
//! | `x-signature-256` (name configurable) | GitHub-style `sha256=<hex>` (scheme `github`/`both`) | field | header | attribute |
//! | body | the canonical JSON body | field `body` | record value | `Message` |
//! | key | the root run id | — | record key (partition) | FIFO `MessageGroupId` |
//!
//! The signature headers are exactly a webhook's: a consumer verifies a record by handing them
//! with the body to any Standard Webhooks verifier (`verifyWebhook` in runwire). Each attempt is
//! signed afresh (fresh timestamp, same id), as for webhooks. Signing is optional for queues
//! (the transport may already authenticate producers); without a secret only the metadata
//! fields are sent.
//!
//! The root run id keeps one agent run's events in order on one Kafka partition and in one SNS
//! FIFO group. The root the producer named wins (`send(…, { rootRunId })`; the LangChain handler
//! tracks every run's root when a queue sink or `ordering: "run"` needs it); otherwise it is read
//! from the event record's `parent_ids` (LangChain v2 records list ancestors root first) or
//! `metadata.root_run_id`, falling back to the event's own run id.

use crate::delivery::envelope::envelope_type;
use crate::error::{DeliveryError, SignatureError};
use crate::runtime::Clock;
use crate::signing::secret::{RawSecret, StandardSecret};
use crate::signing::{github, standard};
use crate::sinks::webhook::SignatureScheme;
use crate::sinks::Delivery;

/// How queue records are signed. `Debug` is redacted by the secret types.
#[derive(Debug, Clone, Default)]
pub struct RecordSigning {
    /// Which signatures to attach.
    pub scheme: SignatureScheme,
    /// Standard Webhooks keys, current first; empty = no Standard signature.
    pub standard_secrets: Vec<StandardSecret>,
    /// The GitHub-style key.
    pub github_secret: Option<RawSecret>,
    /// The GitHub-style header name (lower-case on the wire).
    pub github_header: String,
}

impl RecordSigning {
    /// Checks that the chosen scheme has its secret (no secret at all = unsigned records).
    pub fn validate(&self) -> Result<(), DeliveryError> {
        let github = matches!(self.scheme, SignatureScheme::Github | SignatureScheme::Both);
        if github && self.github_secret.is_none() {
            return Err(DeliveryError::InvalidConfig("githubSecret is required for the github scheme".into()));
        }
        if matches!(self.scheme, SignatureScheme::Both) && self.standard_secrets.is_empty() {
            return Err(DeliveryError::InvalidConfig("secret is required for the both scheme".into()));
        }
        Ok(())
    }

    /// The metadata and signature fields of one attempt, timestamped `now_secs`.
    pub fn fields(&self, delivery: &Delivery, now_secs: i64) -> Result<Vec<(String, String)>, SignatureError> {
        let mut fields = Vec::with_capacity(8);
        fields.push(("id".to_owned(), delivery.id.to_string()));
        fields.push(("type".to_owned(), envelope_type(&delivery.event)));
        fields.push(("event".to_owned(), delivery.event.to_string()));
        fields.push(("run_id".to_owned(), delivery.run_id.to_string()));
        let standard = matches!(self.scheme, SignatureScheme::Standard | SignatureScheme::Both);
        if standard && !self.standard_secrets.is_empty() {
            let signature = standard::sign(&self.standard_secrets, &delivery.id, now_secs, &delivery.body)?;
            fields.push((standard::HEADER_ID.to_owned(), delivery.id.to_string()));
            fields.push((standard::HEADER_TIMESTAMP.to_owned(), now_secs.to_string()));
            fields.push((standard::HEADER_SIGNATURE.to_owned(), signature));
        }
        if matches!(self.scheme, SignatureScheme::Github | SignatureScheme::Both) {
            let secret = self.github_secret.as_ref().ok_or(SignatureError::NoSecrets)?;
            fields.push((self.github_header.to_ascii_lowercase(), github::sign(secret, &delivery.body)));
        }
        Ok(fields)
    }

    /// [`Self::fields`] at the clock's current second.
    pub fn fields_now(&self, delivery: &Delivery, clock: &impl Clock) -> Result<Vec<(String, String)>, SignatureError> {
        self.fields(delivery, clock.now_secs())
    }
}

/// The root run of an event: the one the producer named, else `data.parent_ids[0]`, else
/// `data.metadata.root_run_id`, else the event's own run id. Reads only those fields of the body.
pub fn root_run_id(delivery: &Delivery) -> String {
    if !delivery.root_run_id.is_empty() && delivery.root_run_id != delivery.run_id {
        return delivery.root_run_id.to_string();
    }
    #[derive(serde::Deserialize)]
    struct Body {
        data: Option<Data>,
    }
    #[derive(serde::Deserialize)]
    struct Data {
        parent_ids: Option<Vec<String>>,
        metadata: Option<Metadata>,
    }
    #[derive(serde::Deserialize)]
    struct Metadata {
        root_run_id: Option<String>,
    }
    let data = serde_json::from_slice::<Body>(&delivery.body).ok().and_then(|b| b.data);
    let from_parents = data.as_ref().and_then(|d| d.parent_ids.as_ref()).and_then(|p| p.first().cloned());
    let from_metadata = || data.as_ref().and_then(|d| d.metadata.as_ref()).and_then(|m| m.root_run_id.clone());
    from_parents.or_else(from_metadata).filter(|r| !r.is_empty()).unwrap_or_else(|| delivery.run_id.to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn delivery(body: &str) -> Delivery {
        Delivery {
            id: "run-1:on_tool_end:1".into(),
            body: Arc::from(body.as_bytes()),
            event: "on_tool_end".into(),
            run_id: "run-1".into(),
            root_run_id: "run-1".into(),
            accepted_at_ms: 0,
            attempt: 1,
        }
    }

    #[test]
    fn fields_carry_metadata_and_a_verifiable_signature() {
        let secret = StandardSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let signing = RecordSigning { standard_secrets: vec![secret.clone()], ..Default::default() };
        let d = delivery(r#"{"data":{},"type":"agent.tool.end"}"#);
        let fields = signing.fields(&d, 1_700_000_000).unwrap();
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["id", "type", "event", "run_id", "webhook-id", "webhook-timestamp", "webhook-signature"]);
        assert_eq!(fields[1].1, "agent.tool.end");
        let expected = standard::sign(&[secret], &d.id, 1_700_000_000, &d.body).unwrap();
        assert_eq!(fields[6].1, expected);
        assert_ne!(signing.fields(&d, 1_700_000_001).unwrap()[6].1, expected, "each attempt re-signs");
    }

    #[test]
    fn unsigned_and_github_records() {
        let d = delivery("{}");
        assert_eq!(RecordSigning::default().fields(&d, 0).unwrap().len(), 4);
        let github = RecordSigning {
            scheme: SignatureScheme::Github,
            github_secret: Some(RawSecret::new("k").unwrap()),
            github_header: "X-Signature-256".into(),
            ..Default::default()
        };
        let fields = github.fields(&d, 0).unwrap();
        assert!(fields[4].0 == "x-signature-256" && fields[4].1.starts_with("sha256="));
        assert!(RecordSigning { scheme: SignatureScheme::Github, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn root_run_from_parents_metadata_or_own_run() {
        assert_eq!(root_run_id(&delivery(r#"{"data":{"parent_ids":["root","mid"]}}"#)), "root");
        assert_eq!(root_run_id(&delivery(r#"{"data":{"metadata":{"root_run_id":"r0"}}}"#)), "r0");
        assert_eq!(root_run_id(&delivery(r#"{"data":{"parent_ids":[]}}"#)), "run-1");
        assert_eq!(root_run_id(&delivery("not json")), "run-1");
    }

    #[test]
    fn the_producers_root_wins_over_the_body() {
        let named = Delivery { root_run_id: "named".into(), ..delivery(r#"{"data":{"parent_ids":["root"]}}"#) };
        assert_eq!(root_run_id(&named), "named");
    }
}
