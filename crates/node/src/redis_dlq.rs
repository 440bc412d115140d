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

/// A one-off connection for the CLI's `dlq` and `replay` commands.
fn cli_connector(url: &str, password: Option<&str>) -> napi::Result<RedisConnector> {
    RedisConnector::new(url, None, password, std::time::Duration::from_secs(10))
        .map_err(|e| napi::Error::from_reason(format!("redis {e}")))
}

fn cli_error(stream: &str, error: &redis::RedisError) -> napi::Error {
    napi::Error::from_reason(format!("dead-letter stream {stream}: {}", describe(error)))
}

/// Reads up to `count` entries of a dead-letter stream from entry id `start` (inclusive; `-` =
/// the beginning), as JSON `[{"entry":"<stream id>","record":"<record JSON>"|null}]`. For
/// `runwire dlq` / `runwire replay` (addon only).
#[napi_derive::napi(js_name = "readDeadLetterStream", catch_unwind)]
pub async fn read_dead_letter_stream(
    url: String,
    password: Option<String>,
    stream: String,
    start: String,
    count: u32,
) -> napi::Result<String> {
    let connector = cli_connector(&url, password.as_deref())?;
    let mut connection = connector.manager().await.map_err(|e| cli_error(&stream, &e))?;
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(&stream)
        .arg(&start)
        .arg("+")
        .arg("COUNT")
        .arg(count.max(1))
        .query_async(&mut connection)
        .await
        .map_err(|e| cli_error(&stream, &e))?;
    let entries: Vec<serde_json::Value> = reply
        .ids
        .iter()
        .map(|entry| {
            let record = entry.map.get("record").and_then(|v| redis::from_redis_value_ref::<String>(v).ok());
            serde_json::json!({ "entry": entry.id, "record": record })
        })
        .collect();
    Ok(serde_json::Value::Array(entries).to_string())
}

/// Deletes entries of a dead-letter stream (`XDEL`); resolves with how many were deleted.
#[napi_derive::napi(js_name = "deleteDeadLetterStream", catch_unwind)]
pub async fn delete_dead_letter_stream(
    url: String,
    password: Option<String>,
    stream: String,
    entries: Vec<String>,
) -> napi::Result<u32> {
    if entries.is_empty() {
        return Ok(0);
    }
    let connector = cli_connector(&url, password.as_deref())?;
    let mut connection = connector.manager().await.map_err(|e| cli_error(&stream, &e))?;
    let mut deleted = 0;
    for chunk in entries.chunks(1_000) {
        let n: u32 = redis::cmd("XDEL")
            .arg(&stream)
            .arg(chunk)
            .query_async(&mut connection)
            .await
            .map_err(|e| cli_error(&stream, &e))?;
        deleted += n;
    }
    Ok(deleted)
}
