//! Per-endpoint health: pure state machines driven by the runtime's clock (`now_ms` is passed
//! in; nothing here reads a clock or sleeps).
//!
//! - [`rate_limit`]: token bucket.
//! - [`breaker`]: circuit breaker (failure rate over a sliding window with a minimum count;
//!   open → half-open probe → closed).
//! - [`endpoint`]: both plus auto-disable, the one object the delivery engine consults before
//!   each attempt; it returns deferrals (which spend no retry) and [`endpoint::HealthEvent`]s
//!   for the delivery hooks.

pub mod breaker;
pub mod endpoint;
pub mod rate_limit;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker, Permit, Transition};
pub use endpoint::{Admission, DeferCause, DisableReason, EndpointHealth, HealthConfig, HealthEvent};
pub use rate_limit::{RateLimit, TokenBucket};
