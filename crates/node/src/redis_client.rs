//! The Redis connection the addon shares: the `redis` crate's connection manager, built from a
//! [`RedisConfig`]-style URL plus optional ACL user/password, and the error table that maps the
//! client's errors onto [`Failure`].
//!
//! Kept apart from the sink so other Redis users in the addon (the stream sink today, a
//! consumer-group worker later) connect and classify errors the same way.
//!
//! - **One multiplexed connection** per sink: concurrent commands from all of the sink's workers
//!   are pipelined on it by the client, which is what batches `XADD`s under load.
//! - **Reconnect**: the connection manager reconnects by itself after a reset, a `CLIENT KILL`
//!   or a server restart; commands in flight at that moment fail (`connection`) and the engine
//!   retries them. The first connect is lazy (on the first attempt) so creating a delivery never
//!   blocks on the network.
//! - **TLS** for `rediss://` via rustls (ring); **ACL** `username`/`password` override the URL's.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, IntoConnectionInfo, RedisError};
use runwire_core::sinks::failure::{self, Failure};
use tokio::sync::OnceCell;

/// How to reach one Redis server.
pub struct RedisConnector {
    client: redis::Client,
    timeout: Duration,
    manager: OnceCell<ConnectionManager>,
}

impl RedisConnector {
    /// Parses the URL (no I/O). Errors name the problem, never the password.
    pub fn new(url: &str, username: Option<&str>, password: Option<&str>, timeout: Duration) -> Result<Self, String> {
        let mut info = url.into_connection_info().map_err(|e| format!("url: {}", e.category()))?;
        let mut settings = info.redis_settings().clone();
        if let Some(username) = username {
            settings = settings.set_username(username);
        }
        if let Some(password) = password {
            settings = settings.set_password(password);
        }
        info = info.set_redis_settings(settings);
        let client = redis::Client::open(info).map_err(|e| format!("url: {}", e.category()))?;
        Ok(Self { client, timeout, manager: OnceCell::new() })
    }

    /// The shared connection, connecting on first use.
    pub async fn manager(&self) -> Result<ConnectionManager, RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout.min(Duration::from_secs(5))))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        self.manager.get_or_try_init(|| self.client.get_connection_manager_with_config(config)).await.cloned()
    }

    /// The per-command timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// The client's error, classified (see [`runwire_core::sinks::failure`]).
pub fn classify(error: &RedisError) -> Failure {
    if error.is_timeout() {
        return Failure::Timeout;
    }
    if error.is_connection_refusal() || error.is_connection_dropped() || error.is_io_error() {
        return Failure::Connection;
    }
    match error.kind() {
        ErrorKind::AuthenticationFailed => Failure::Auth,
        ErrorKind::InvalidClientConfig => Failure::Invalid,
        ErrorKind::Parse | ErrorKind::UnexpectedReturnType => Failure::Unavailable,
        ErrorKind::Server(_) | ErrorKind::Extension => error.code().map_or(Failure::Invalid, failure::redis_code),
        _ => Failure::Connection,
    }
}

/// Error text for an attempt record: the server's code and detail, or the client's category.
pub fn describe(error: &RedisError) -> String {
    match (error.code(), error.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_owned(),
        _ => error.to_string(),
    }
}
