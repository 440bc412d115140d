//! The Kafka sink's pure half: configuration and the partitioner.
//!
//! A record is `key` = the root run id ([`crate::sinks::queue::root_run_id`]), `value` = the
//! canonical body bytes, headers = the fields of [`crate::sinks::queue`] (id, type, event, run_id,
//! signature headers). The partition is chosen like Kafka's default partitioner for keyed
//! records — `murmur2(key) & 0x7fffffff % partitions` — so one run's events stay in order on one
//! partition and a Java/kafkajs producer with the same key lands on the same partition.
//!
//! The client (rskafka in the Node addon) produces with `acks = all` (-1), batches concurrent
//! attempts per partition for up to `lingerMs` or `maxBatchBytes`, and optionally compresses
//! (gzip, snappy). `tls` and `sasl` (PLAIN, SCRAM-SHA-256/512) go to the client as given.

use std::fmt;
use std::time::Duration;

use crate::sinks::queue::RecordSigning;
use crate::sinks::queue_config::Credential;

/// Default linger: how long a partition's batch waits for more records.
pub const DEFAULT_LINGER_MS: u64 = 5;
/// Default maximum bytes of one produce batch.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 512 * 1024;

/// Record batch compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// None (the default: agent events are small and CPU is shared with the host).
    #[default]
    None,
    /// gzip.
    Gzip,
    /// snappy.
    Snappy,
}

/// TLS to the brokers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// Extra CA certificate(s), PEM, trusted besides the webpki roots.
    pub ca_pem: Option<String>,
}

/// SASL mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslMechanism {
    /// PLAIN (only over TLS in production).
    Plain,
    /// SCRAM-SHA-256.
    ScramSha256,
    /// SCRAM-SHA-512.
    ScramSha512,
}

impl SaslMechanism {
    /// Parses `plain`, `scram-sha-256`, `scram-sha-512` (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "plain" => Some(Self::Plain),
            "scram-sha-256" => Some(Self::ScramSha256),
            "scram-sha-512" => Some(Self::ScramSha512),
            _ => None,
        }
    }
}

/// SASL credentials (`Debug` redacts the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sasl {
    /// Mechanism.
    pub mechanism: SaslMechanism,
    /// User name.
    pub username: String,
    /// Password.
    pub password: Credential,
}

/// A Kafka sink.
#[derive(Clone)]
pub struct KafkaConfig {
    /// Bootstrap brokers, `host:port`.
    pub brokers: Vec<String>,
    /// The topic (must exist unless the broker auto-creates topics).
    pub topic: String,
    /// Client id sent to the brokers.
    pub client_id: String,
    /// TLS, if any.
    pub tls: Option<Tls>,
    /// SASL, if any.
    pub sasl: Option<Sasl>,
    /// Batch compression.
    pub compression: Compression,
    /// How long a batch waits for more records.
    pub linger: Duration,
    /// Maximum bytes of one batch.
    pub max_batch_bytes: usize,
    /// Record signing.
    pub signing: RecordSigning,
    /// Per-attempt timeout.
    pub timeout: Duration,
}

impl fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KafkaConfig")
            .field("brokers", &self.brokers)
            .field("topic", &self.topic)
            .field("client_id", &self.client_id)
            .field("tls", &self.tls.is_some())
            .field("sasl", &self.sasl)
            .field("compression", &self.compression)
            .field("linger", &self.linger)
            .field("max_batch_bytes", &self.max_batch_bytes)
            .field("signing", &self.signing)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl KafkaConfig {
    /// Checks what can be known without connecting.
    pub fn validate(&self) -> Result<(), String> {
        for broker in &self.brokers {
            let port = broker.rsplit_once(':').map(|(host, port)| (host, port.parse::<u16>()));
            if !matches!(port, Some((host, Ok(p))) if !host.is_empty() && p > 0) || broker.contains("://") {
                return Err(format!("brokers must be host:port, got {broker:?}"));
            }
        }
        if self.topic.is_empty() || self.topic.len() > 249 {
            return Err("topic must be 1 to 249 characters".into());
        }
        if self.max_batch_bytes < 1024 {
            return Err("maxBatchBytes must be at least 1024".into());
        }
        Ok(())
    }
}

/// Kafka's murmur2 (the Java client's `Utils.murmur2`, seed 0x9747b28c).
pub fn murmur2(data: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len();
    #[expect(clippy::cast_possible_truncation, reason = "murmur2 mixes the length modulo 2^32 by definition")]
    let mut h: u32 = 0x9747_b28c ^ (length as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// The partition of a keyed record among `partitions` (the default partitioner's rule).
pub fn partition_for(key: &[u8], partitions: u32) -> u32 {
    if partitions == 0 {
        return 0;
    }
    (murmur2(key) & 0x7fff_ffff) % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_the_java_client() {
        // Vectors from the Java client's UtilsTest (as signed ints there).
        #[expect(clippy::cast_possible_wrap, reason = "compare as Java's signed int")]
        let signed = |s: &str| murmur2(s.as_bytes()) as i32;
        assert_eq!(signed("21"), -973932308);
        assert_eq!(signed("foobar"), -790332482);
        assert_eq!(signed("a-little-bit-long-string"), -985981536);
        assert_eq!(signed("a-little-bit-longer-string"), -1486304829);
        assert_eq!(signed("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
        assert_eq!(signed("abc"), 479470107);
        assert!(partition_for(b"run-1", 3) < 3);
        assert_eq!(partition_for(b"run-1", 3), partition_for(b"run-1", 3));
    }

    #[test]
    fn validates_brokers() {
        let config = KafkaConfig {
            brokers: vec!["127.0.0.1:9092".into()],
            topic: "t".into(),
            client_id: "runwire".into(),
            tls: None,
            sasl: Some(Sasl {
                mechanism: SaslMechanism::Plain,
                username: "u".into(),
                password: Credential::new("hunter2"),
            }),
            compression: Compression::None,
            linger: Duration::from_millis(DEFAULT_LINGER_MS),
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
            signing: RecordSigning::default(),
            timeout: Duration::from_secs(1),
        };
        assert!(config.validate().is_ok());
        assert!(!format!("{config:?}").contains("hunter2"));
        for bad in ["host", "kafka://h:1", ":9092", "h:0"] {
            assert!(KafkaConfig { brokers: vec![bad.into()], ..config.clone() }.validate().is_err(), "{bad}");
        }
    }
}
