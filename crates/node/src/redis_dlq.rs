//! A dead-letter store on a Redis stream (`dlq: { redis, stream }`): one
//! `XADD <stream> MAXLEN ~ n * id <id> sink <sink> reason <reason> run_id <run> record <json>`
//! per dead letter, over the shared connection of [`crate::redis_client`].
//!
//! Workers on many hosts share one dead-letter queue this way; `runwire dlq ls|show|purge` and
//! `runwire replay` read it back (`XRANGE` / `XDEL`). The record is exactly the JSON the file
//! store writes, so replay treats both the same. A failed `XADD` is the store's error, which the
//! engine counts in `dlq_write_errors` and reports (`dlq.write_failed`), like a failed file write.

use runwire_core::delivery::dlq::DeadLetter;
use runwire_core::sinks::redis::RedisConfig;

use crate::redis_client::{describe, RedisConnector};

/// `XADD`s dead letters to a stream.
pub struct RedisDeadLetters {
    connector: RedisConnector,
    stream: String,
    max_len: u64,
}

impl RedisDeadLetters {
    /// Parses the connection settings; connects on the first dead letter.
    pub fn new(config: &RedisConfig) -> Result<Self, String> {
        let password = config.password.as_ref().map(|p| p.expose());
        let connector = RedisConnector::new(&config.url, config.username.as_deref(), password, config.timeout)?;
        Ok(Self { connector, stream: config.stream.clone(), max_len: config.max_len })
    }

    /// Writes one record.
    pub async fn put(&self, record: &DeadLetter) -> Result<(), String> {
        let attempt = async {
            let mut connection = self.connector.manager().await?;
            let mut command = redis::cmd("XADD");
            command.arg(&self.stream);
            if self.max_len > 0 {
                command.arg("MAXLEN").arg("~").arg(self.max_len);
            }
            command
                .arg("*")
                .arg("id")
                .arg(&record.id)
                .arg("sink")
                .arg(&record.sink)
                .arg("reason")
                .arg(record.reason.as_str())
                .arg("run_id")
                .arg(&record.run_id)
                .arg("record")
                .arg(record.to_json());
            command.query_async::<String>(&mut connection).await
        };
        match tokio::time::timeout(self.connector.timeout(), attempt).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(format!("dead-letter stream {}: {}", self.stream, describe(&error))),
            Err(_) => Err(format!("dead-letter stream {}: no answer within timeoutMs", self.stream)),
        }
    }
}
