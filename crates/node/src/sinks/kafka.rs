//! The Kafka sink on rskafka: keyed records, `acks = all`, per-partition batching with linger.
//!
//! Why rskafka (see README "Sinks"): pure Rust (nothing to build or link; Debian's librdkafka
//! 2.0 fails against tansu and a bundled librdkafka is a C build on every clean CI run), and
//! enough for a producer: metadata, per-partition produce with `acks = -1`, gzip/snappy, TLS,
//! SASL PLAIN/SCRAM. What it lacks — a partitioner and a producer over all partitions — is
//! small and lives here and in `runwire_core::sinks::kafka`.
//!
//! - **Connect** lazily on the first attempt: metadata gives the topic's partitions; a missing
//!   topic is `unknown_topic` (dead letter), an unreachable broker `connection` (retried), and
//!   the next attempt tries again.
//! - **Partition** = murmur2(root run id) like Kafka's default partitioner, so one run stays in
//!   order on one partition.
//! - **Batching**: one rskafka `BatchProducer` per partition aggregates the records of
//!   concurrent attempts for up to `lingerMs` / `maxBatchBytes` into one produce request; each
//!   attempt resolves with its own record's result. An engine batch (the sink's `batch`
//!   option) hands all its records over at once ([`Sink::send_batch`]).
//! - **Broker outages**: the client's own reconnect backoff has a deadline of the attempt's
//!   `timeoutMs`, and the attempt itself is bounded by it too, so a dead broker becomes a
//!   retried `connection`/`timeout` failure rather than a hung worker.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rskafka::client::error::Error as ClientError;
use rskafka::client::partition::{Compression as KafkaCompression, UnknownTopicHandling};
use rskafka::client::producer::aggregator::RecordAggregator;
use rskafka::client::producer::{BatchProducer, BatchProducerBuilder, Error as ProducerError};
use rskafka::client::{ClientBuilder, Credentials, SaslConfig};
use rskafka::record::Record;
use rskafka::BackoffConfig;
use runwire_core::delivery::retry::Outcome;
use runwire_core::runtime::Clock;
use runwire_core::sinks::failure::{kafka_error, Failure};
use runwire_core::sinks::kafka::{partition_for, Compression, KafkaConfig, SaslMechanism};
use runwire_core::sinks::queue::root_run_id;
use runwire_core::sinks::{BatchDelivery, Delivery, Sink, SinkResponse};
use tokio::sync::OnceCell;

use crate::runtime::NodeRuntime;

/// One producer per partition of the topic.
struct Producers {
    partitions: Vec<BatchProducer<RecordAggregator>>,
}

/// Produces to one topic.
pub struct KafkaSink {
    config: KafkaConfig,
    producers: OnceCell<Arc<Producers>>,
}

fn tls_config(ca_pem: Option<&str>) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(pem) = ca_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| format!("tls.ca: {e}"))?;
            roots.add(cert).map_err(|e| format!("tls.ca: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err("tls.ca contains no PEM certificate".into());
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

/// rskafka's client error, classified.
fn classify(error: &ClientError) -> (Failure, String) {
    match error {
        ClientError::ServerError { protocol_error, error_message, .. } => {
            let name = format!("{protocol_error:?}");
            let failure = kafka_error(&name);
            (failure, error_message.as_ref().map_or(name.clone(), |m| format!("{name}: {m}")))
        }
        ClientError::Connection(inner) => {
            let text = inner.to_string();
            let failure =
                if text.contains("Sasl") || text.contains("SASL") { Failure::Auth } else { Failure::Connection };
            (failure, text)
        }
        ClientError::Timeout => (Failure::Timeout, "request timed out".into()),
        ClientError::InvalidResponse(text) => (Failure::Unavailable, format!("invalid response: {text}")),
        other => (Failure::Connection, other.to_string()),
    }
}

impl KafkaSink {
    /// Checks the TLS settings; connects on the first attempt.
    pub fn new(config: KafkaConfig) -> Result<Self, String> {
        if let Some(tls) = &config.tls {
            tls_config(tls.ca_pem.as_deref())?;
        }
        Ok(Self { config, producers: OnceCell::new() })
    }

    async fn connect(&self) -> Result<Arc<Producers>, (Failure, String)> {
        let config = &self.config;
        let mut builder = ClientBuilder::new(config.brokers.clone())
            .client_id(config.client_id.as_str())
            .backoff_config(BackoffConfig {
                init_backoff: Duration::from_millis(50),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
                deadline: Some(config.timeout),
            });
        if let Some(tls) = &config.tls {
            let tls = tls_config(tls.ca_pem.as_deref()).map_err(|e| (Failure::Invalid, e))?;
            builder = builder.tls_config(Arc::new(tls));
        }
        if let Some(sasl) = &config.sasl {
            let credentials = Credentials::new(sasl.username.clone(), sasl.password.expose().to_owned());
            builder = builder.sasl_config(match sasl.mechanism {
                SaslMechanism::Plain => SaslConfig::Plain(credentials),
                SaslMechanism::ScramSha256 => SaslConfig::ScramSha256(credentials),
                SaslMechanism::ScramSha512 => SaslConfig::ScramSha512(credentials),
            });
        }
        let client = builder.build().await.map_err(|e| classify(&e))?;
        let topics = client.list_topics().await.map_err(|e| classify(&e))?;
        let topic = topics.into_iter().find(|t| t.name == config.topic).ok_or_else(|| {
            (Failure::UnknownTopic, format!("topic {:?} does not exist on the brokers", config.topic))
        })?;
        let count = topic.partitions.iter().max().map_or(0, |&p| p + 1);
        let compression = match config.compression {
            Compression::None => KafkaCompression::NoCompression,
            Compression::Gzip => KafkaCompression::Gzip,
            Compression::Snappy => KafkaCompression::Snappy,
        };
        let mut partitions = Vec::new();
        for partition in 0..count {
            let client = client
                .partition_client(config.topic.as_str(), partition, UnknownTopicHandling::Error)
                .await
                .map_err(|e| classify(&e))?;
            let producer = BatchProducerBuilder::new(Arc::new(client))
                .with_linger(config.linger)
                .with_compression(compression)
                .build(RecordAggregator::new(config.max_batch_bytes));
            partitions.push(producer);
        }
        if partitions.is_empty() {
            return Err((Failure::UnknownTopic, format!("topic {:?} has no partitions", config.topic)));
        }
        Ok(Arc::new(Producers { partitions }))
    }

    async fn produce(&self, delivery: &Delivery) -> Result<(), (Failure, String)> {
        let fields = self
            .config
            .signing
            .fields_now(delivery, &NodeRuntime)
            .map_err(|e| (Failure::Invalid, format!("sign: {e}")))?;
        let producers = self.producers.get_or_try_init(|| self.connect()).await?;
        let key = root_run_id(delivery);
        let count = u32::try_from(producers.partitions.len()).unwrap_or(u32::MAX);
        let index = usize::try_from(partition_for(key.as_bytes(), count)).unwrap_or(0);
        let headers: BTreeMap<String, Vec<u8>> = fields.into_iter().map(|(k, v)| (k, v.into_bytes())).collect();
        let now = i64::try_from(NodeRuntime.now_ms()).unwrap_or(i64::MAX);
        let record = Record {
            key: Some(key.into_bytes()),
            value: Some(delivery.body.to_vec()),
            headers,
            timestamp: rskafka::chrono::DateTime::from_timestamp_millis(now).unwrap_or_default(),
        };
        match producers.partitions[index].produce(record).await {
            Ok(_offset) => Ok(()),
            Err(ProducerError::Client(error)) => Err(classify(&error)),
            Err(ProducerError::TooLarge) => Err((Failure::TooLarge, "record larger than maxBatchBytes".into())),
            Err(other) => Err((Failure::Connection, other.to_string())),
        }
    }
}

impl Sink for KafkaSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        match tokio::time::timeout(self.config.timeout, self.produce(&delivery)).await {
            Ok(Ok(())) => SinkResponse::of(Outcome::Accepted),
            Ok(Err((failure, detail))) => failure.response(&detail),
            Err(_) => Failure::Timeout.response("no acknowledgement within timeoutMs"),
        }
    }

    /// An engine batch (`batch` on the sink): every event becomes its own keyed record (own id,
    /// own signature), handed to the partition producers in order at once, so a run's records
    /// share one produce request where they share a partition. The batch succeeds only if every
    /// record was acknowledged; otherwise the first failure (in event order) decides its retry.
    async fn send_batch(&self, batch: BatchDelivery) -> SinkResponse {
        let all = futures_util::future::join_all(batch.items.iter().map(|item| self.produce(item)));
        match tokio::time::timeout(self.config.timeout, all).await {
            Ok(results) => match results.into_iter().find_map(Result::err) {
                None => SinkResponse::of(Outcome::Accepted),
                Some((failure, detail)) => failure.response(&detail),
            },
            Err(_) => Failure::Timeout.response("no acknowledgement within timeoutMs"),
        }
    }
}
