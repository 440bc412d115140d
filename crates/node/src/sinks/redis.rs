//! The Redis Streams sink: one `XADD … MAXLEN ~ n * <fields> body <bytes>` per attempt over the
//! shared connection of [`crate::redis_client`] (field layout: `runwire_core::sinks::queue`).
//!
//! With `format: "job"` (the producer side of `runwire worker`) the entry carries the unsigned
//! job fields of `runwire_core::sinks::redis_job` instead.
//!
//! Concurrent attempts of the sink's workers share one multiplexed connection, so under load the
//! client pipelines their `XADD`s (no extra linger). With the sink's `batch` option an engine
//! batch is one explicit pipeline of `XADD`s, one per event, in one round trip. Every attempt
//! is signed afresh.

use runwire_core::sinks::failure::Failure;
use runwire_core::sinks::redis::{RedisConfig, RedisFormat};
use runwire_core::sinks::redis_job;
use runwire_core::sinks::{BatchDelivery, Delivery, Sink, SinkResponse};

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

impl RedisSink {
    /// `XADD <stream> MAXLEN ~ n * <fields> body <bytes>` for one event: signed record fields,
    /// or a job entry's metadata (for `runwire worker` processes; never a signature).
    fn xadd(&self, delivery: &Delivery) -> Result<redis::Cmd, SinkResponse> {
        let fields = match &self.config.format {
            RedisFormat::Job { deliver_to } => redis_job::fields(delivery, deliver_to),
            RedisFormat::Record => self
                .config
                .signing
                .fields_now(delivery, &NodeRuntime)
                .map_err(|error| Failure::Invalid.response(&format!("sign: {error}")))?,
        };
        let mut command = redis::cmd("XADD");
        for arg in self.config.xadd_args(&fields, &delivery.body) {
            command.arg(&*arg);
        }
        Ok(command)
    }

    /// Runs one `XADD` (or, for a batch, a pipeline of them) within the attempt's timeout.
    async fn run(&self, work: Work) -> SinkResponse {
        let attempt = async {
            let mut connection = self.connector.manager().await?;
            match work {
                Work::One(command) => command.query_async::<String>(&mut connection).await.map(drop),
                Work::Many(pipeline) => {
                    pipeline.query_async::<Vec<String>>(&mut connection).await.map(drop).map_err(first_server_error)
                }
            }
        };
        match tokio::time::timeout(self.connector.timeout(), attempt).await {
            Ok(Ok(())) => SinkResponse::of(Outcome::Accepted),
            Ok(Err(error)) => classify(&error).response(&describe(&error)),
            Err(_) => Failure::Timeout.response("no answer within timeoutMs"),
        }
    }
}

enum Work {
    One(redis::Cmd),
    Many(redis::Pipeline),
}

/// A pipeline's failure as its first failing command's own error, so it classifies (and reads)
/// exactly like a single `XADD`'s.
fn first_server_error(error: redis::RedisError) -> redis::RedisError {
    match error.clone().into_server_errors().and_then(|items| items.first().map(|(_, e)| e.clone())) {
        Some(first) => first.into(),
        None => error,
    }
}

impl Sink for RedisSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        match self.xadd(&delivery) {
            Ok(command) => self.run(Work::One(command)).await,
            Err(response) => response,
        }
    }

    /// An engine batch (`batch` on the sink): one pipeline of `XADD`s, one entry per event (own
    /// id, own signature) in order, in one round trip. The batch succeeds only if every `XADD`
    /// did; a failed batch is retried whole, so entries already added are added again (consumers
    /// dedupe on `id`).
    async fn send_batch(&self, batch: BatchDelivery) -> SinkResponse {
        let mut pipeline = redis::pipe();
        for item in &batch.items {
            match self.xadd(item) {
                Ok(command) => {
                    pipeline.add_command(command);
                }
                Err(response) => return response,
            }
        }
        self.run(Work::Many(pipeline)).await
    }
}
