//! The SNS sink: `Publish` / `PublishBatch` over the query API, SigV4-signed with `aws-sigv4`,
//! sent with reqwest (the SDK would cost minutes of build and a C crypto library).
//!
//! **Batching.** With `batch` on (the default) attempts go through a small coalescer: the first
//! attempt to arrive opens a batch and waits up to `lingerMs` for up to 9 more (or 256 KB); the
//! batch is sent as one `PublishBatch` (or a plain `Publish` when alone) while the next one
//! fills. Each attempt resolves with its own entry's result, so one failed entry retries alone.
//! Under a light load the linger is the only cost (2 ms by default); under load it turns 10
//! requests into one. moto caps Publish calls at ≈ 1,600/s here, so batching is what makes the
//! sink's throughput (BENCHMARKS.md).
//!
//! **Credentials** are resolved when the sink is created (`credentials`, else `AWS_ACCESS_KEY_ID`
//! / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`); none is a typed error then. Errors carry
//! the AWS error code and message, never a key, a token or a signature.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use runwire_core::delivery::retry::Outcome;
use runwire_core::sinks::failure::{aws_error, Failure};
use runwire_core::sinks::queue::root_run_id;
use runwire_core::sinks::sns::{
    batch_results, error_code, publish_batch_form, publish_form, SnsConfig, SnsMessage, MAX_BATCH_BYTES,
    MAX_BATCH_ENTRIES,
};
use runwire_core::sinks::{BatchDelivery, Delivery, Sink, SinkResponse};
use tokio::sync::{mpsc, oneshot};

use crate::runtime::NodeRuntime;

type Verdict = Result<(), (Failure, String)>;

struct Pending {
    message: SnsMessage,
    reply: oneshot::Sender<Verdict>,
}

/// What every request needs: where, as whom, how.
struct Publisher {
    topic_arn: String,
    region: String,
    endpoint: String,
    identity: Identity,
    http: reqwest::Client,
    timeout: Duration,
}

/// Publishes to one topic.
pub struct SnsSink {
    config: SnsConfig,
    publisher: Arc<Publisher>,
    batcher: OnceLock<mpsc::UnboundedSender<Pending>>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl SnsSink {
    /// Resolves region and credentials (options, then the environment) and builds the client.
    pub fn new(config: SnsConfig) -> Result<Self, String> {
        let env_region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
        let region = config
            .resolved_region(env_region.as_deref())
            .ok_or("region is required (option, topic ARN or AWS_REGION)")?;
        let credentials =
            match &config.credentials {
                Some(c) => Credentials::new(
                    c.access_key_id.clone(),
                    c.secret_access_key.expose().to_owned(),
                    c.session_token.as_ref().map(|t| t.expose().to_owned()),
                    None,
                    "runwire-options",
                ),
                None => match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
                    (Some(key), Some(secret)) => {
                        Credentials::new(key, secret, env("AWS_SESSION_TOKEN"), None, "runwire-environment")
                    }
                    _ => return Err(
                        "credentials are required (options.credentials or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
                            .into(),
                    ),
                },
            };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(60))
            .tls_backend_preconfigured(crate::transport::tls_config()?)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        let publisher = Publisher {
            topic_arn: config.topic_arn.clone(),
            endpoint: config.endpoint_url(&region),
            region,
            identity: credentials.into(),
            http,
            timeout: config.timeout,
        };
        Ok(Self { config, publisher: Arc::new(publisher), batcher: OnceLock::new() })
    }

    fn message(&self, delivery: &Delivery) -> Result<SnsMessage, (Failure, String)> {
        let attributes = self
            .config
            .signing
            .fields_now(delivery, &NodeRuntime)
            .map_err(|e| (Failure::Invalid, format!("sign: {e}")))?;
        let fifo = self.config.is_fifo();
        Ok(SnsMessage {
            message: String::from_utf8_lossy(&delivery.body).into_owned(),
            attributes,
            group_id: fifo.then(|| root_run_id(delivery)),
            dedupe_id: fifo.then(|| delivery.id.to_string()),
        })
    }

    fn batcher(&self) -> &mpsc::UnboundedSender<Pending> {
        self.batcher.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(coalesce(rx, self.publisher.clone(), self.config.linger));
            tx
        })
    }

    async fn publish(&self, delivery: &Delivery) -> Verdict {
        let message = self.message(delivery)?;
        if !self.config.coalesce {
            return self.publisher.publish_one(&message).await;
        }
        let (reply, answer) = oneshot::channel();
        self.batcher()
            .send(Pending { message, reply })
            .map_err(|_| (Failure::Unavailable, "batcher stopped".into()))?;
        answer.await.unwrap_or_else(|_| Err((Failure::Unavailable, "batch dropped".into())))
    }
}

/// Gathers concurrent attempts into batches and sends each batch on its own task.
async fn coalesce(mut rx: mpsc::UnboundedReceiver<Pending>, publisher: Arc<Publisher>, linger: Duration) {
    while let Some(first) = rx.recv().await {
        let mut size = first.message.size();
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + linger;
        while batch.len() < MAX_BATCH_ENTRIES {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(next)) => {
                    if size + next.message.size() > MAX_BATCH_BYTES {
                        tokio::spawn(publisher.clone().send_batch(std::mem::take(&mut batch)));
                        size = 0;
                    }
                    size += next.message.size();
                    batch.push(next);
                }
                Ok(None) | Err(_) => break,
            }
        }
        tokio::spawn(publisher.clone().send_batch(batch));
    }
}

impl Publisher {
    async fn send_batch(self: Arc<Self>, batch: Vec<Pending>) {
        let messages: Vec<&SnsMessage> = batch.iter().map(|p| &p.message).collect();
        let verdicts = self.publish_many(&messages).await;
        for (pending, verdict) in batch.into_iter().zip(verdicts) {
            let _ = pending.reply.send(verdict);
        }
    }

    /// One `Publish` for one message, one `PublishBatch` for up to ten: a verdict per message.
    async fn publish_many(&self, messages: &[&SnsMessage]) -> Vec<Verdict> {
        if let [only] = messages {
            return vec![self.publish_one(only).await];
        }
        let form = publish_batch_form(&self.topic_arn, messages);
        match self.post(form).await {
            Ok(xml) => batch_results(&xml, messages.len())
                .into_iter()
                .map(|result| match result {
                    Some(Ok(())) => Ok(()),
                    Some(Err((code, message, sender))) => {
                        Err((aws_error(if sender { 400 } else { 500 }, &code), format!("{code}: {message}")))
                    }
                    None => Err((Failure::Unavailable, "no result for this entry in PublishBatch".into())),
                })
                .collect(),
            Err(error) => vec![Err(error); messages.len()],
        }
    }

    async fn publish_one(&self, message: &SnsMessage) -> Verdict {
        self.post(publish_form(&self.topic_arn, message)).await.map(drop)
    }

    /// Signs and posts a form; the answer's XML on 200, a classified failure otherwise.
    async fn post(&self, form: String) -> Result<String, (Failure, String)> {
        const CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
        let signed = self.sign(&form, CONTENT_TYPE).map_err(|e| (Failure::Invalid, format!("sigv4: {e}")))?;
        let mut request = self.http.post(&self.endpoint).timeout(self.timeout).header("content-type", CONTENT_TYPE);
        for (name, value) in signed {
            request = request.header(name, value);
        }
        let response = request.body(form).send().await.map_err(|e| {
            let failure = if e.is_timeout() { Failure::Timeout } else { Failure::Connection };
            let mut source: &dyn std::error::Error = &e;
            while let Some(next) = source.source() {
                source = next;
            }
            (failure, source.to_string())
        })?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| (Failure::Connection, format!("body: {e}")))?;
        if status == 200 {
            return Ok(text);
        }
        let (code, message) = error_code(&text);
        let detail = if code.is_empty() { format!("HTTP {status}") } else { format!("{code}: {message}") };
        Err((aws_error(status, &code), detail))
    }

    fn sign(&self, body: &str, content_type: &str) -> Result<Vec<(String, String)>, String> {
        // Send and sign `x-amz-content-sha256` as the SDK does: verifiers that re-derive the
        // payload hash from a parsed form (moto) get non-ASCII bodies wrong without it.
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("sns")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let headers = [("content-type", content_type)];
        let signable =
            SignableRequest::new("POST", &self.endpoint, headers.into_iter(), SignableBody::Bytes(body.as_bytes()))
                .map_err(|e| e.to_string())?;
        let (instructions, _signature) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
        Ok(instructions.headers().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }
}

impl Sink for SnsSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        match tokio::time::timeout(self.config.timeout + self.config.linger, self.publish(&delivery)).await {
            Ok(Ok(())) => SinkResponse::of(Outcome::Accepted),
            Ok(Err((failure, detail))) => failure.response(&detail),
            Err(_) => Failure::Timeout.response("no answer within timeoutMs"),
        }
    }

    /// An engine batch (`batch` on the sink): its events go out as `PublishBatch` calls of up to
    /// ten entries (and 256 KiB), in order, each entry its own message with its own id and
    /// signature. The batch succeeds only if every entry did; otherwise the first failure
    /// decides its retry (entries already published are published again: consumers dedupe on
    /// `id`).
    async fn send_batch(&self, batch: BatchDelivery) -> SinkResponse {
        let publish = async {
            let messages = batch.items.iter().map(|item| self.message(item)).collect::<Result<Vec<_>, _>>()?;
            let mut start = 0;
            while start < messages.len() {
                let mut end = start;
                let mut size = 0;
                while end < messages.len() && end - start < MAX_BATCH_ENTRIES {
                    size += messages[end].size();
                    if end > start && size > MAX_BATCH_BYTES {
                        break;
                    }
                    end += 1;
                }
                let chunk: Vec<&SnsMessage> = messages[start..end].iter().collect();
                self.publisher.publish_many(&chunk).await.into_iter().collect::<Verdict>()?;
                start = end;
            }
            Ok(())
        };
        match tokio::time::timeout(self.config.timeout, publish).await {
            Ok(Ok(())) => SinkResponse::of(Outcome::Accepted),
            Ok(Err((failure, detail))) => failure.response(&detail),
            Err(_) => Failure::Timeout.response("no answer within timeoutMs"),
        }
    }
}
