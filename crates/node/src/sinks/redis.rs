//! The Redis Streams sink: one `XADD … MAXLEN ~ n * <fields> body <bytes>` per attempt over the
//! shared connection of [`crate::redis_client`] (field layout: `runwire_core::sinks::queue`).
//!
//! With `format: "job"` (the producer side of `runwire worker`) the entry carries the unsigned
//! job fields of `runwire_core::sinks::redis_job` instead.
//!
//! Concurrent attempts of the sink's workers share one multiplexed connection, so under load the
//! client pipelines their `XADD`s (no extra linger). Every attempt is signed afresh.

use runwire_core::sinks::failure::Failure;
use runwire_core::sinks::redis::{RedisConfig, RedisFormat};
use runwire_core::sinks::redis_job;
use runwire_core::sinks::{Delivery, Sink, SinkResponse};

use crate::redis_client::{classify, describe, RedisConnector};
use crate::runtime::NodeRuntime;
use runwire_core::delivery::retry::Outcome;

/// Publishes to one stream.
pub struct RedisSink {
    config: RedisConfig,
    connector: RedisConnector,
}

impl RedisSink {
    /// Parses the connection settings; connects on the first attempt.
    pub fn new(config: RedisConfig) -> Result<Self, String> {
        let password = config.password.as_ref().map(|p| p.expose());
        let connector = RedisConnector::new(&config.url, config.username.as_deref(), password, config.timeout)?;
        Ok(Self { config, connector })
    }
}

impl Sink for RedisSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        let fields = match &self.config.format {
            // A job for `runwire worker` processes: metadata and body, never a signature.
            RedisFormat::Job { deliver_to } => redis_job::fields(&delivery, deliver_to),
            RedisFormat::Record => match self.config.signing.fields_now(&delivery, &NodeRuntime) {
                Ok(fields) => fields,
                Err(error) => return Failure::Invalid.response(&format!("sign: {error}")),
            },
        };
        let attempt = async {
            let mut connection = self.connector.manager().await?;
            let mut command = redis::cmd("XADD");
            for arg in self.config.xadd_args(&fields, &delivery.body) {
                command.arg(&*arg);
            }
            command.query_async::<String>(&mut connection).await
        };
        match tokio::time::timeout(self.connector.timeout(), attempt).await {
            Ok(Ok(_id)) => SinkResponse::of(Outcome::Accepted),
            Ok(Err(error)) => classify(&error).response(&describe(&error)),
            Err(_) => Failure::Timeout.response("no answer within timeoutMs"),
        }
    }
}
