//! Per-endpoint health: circuit breaker, rate limit and auto-disable in one state machine.
//!
//! The delivery engine asks [`EndpointHealth::admit`] before every attempt and reports every
//! sent attempt's outcome with [`EndpointHealth::record`]. Order inside `admit`: disabled? →
//! breaker → rate limit, so an open breaker does not burn tokens, and a probe the rate limit
//! holds back is handed back to the breaker. A [`Admission::Defer`] means "not now, same
//! attempt later": the engine must not count it against the retry budget (Convoy, Outpost).
//!
//! Auto-disable (Svix: 120 h without a success; or N consecutive breaker trips): once disabled
//! an endpoint admits nothing until re-enabled; the engine dead-letters its messages with
//! reason `endpoint_disabled`. Every change is returned as a [`HealthEvent`] for the hooks.

use crate::health::breaker::{BreakerConfig, BreakerState, CircuitBreaker, Permit, Transition};
use crate::health::rate_limit::{RateLimit, TokenBucket};

/// Health settings of one endpoint. `None` turns a mechanism off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthConfig {
    /// Circuit breaker.
    pub breaker: Option<BreakerConfig>,
    /// Token-bucket rate limit.
    pub rate_limit: Option<RateLimit>,
    /// Disable after failing continuously (no success) for this long.
    pub disable_after_ms: Option<u64>,
    /// Disable after this many consecutive breaker trips.
    pub disable_after_trips: Option<u32>,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            breaker: Some(BreakerConfig::default()),
            rate_limit: None,
            disable_after_ms: Some(5 * 24 * 3_600_000),
            disable_after_trips: None,
        }
    }
}

/// Why a message waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferCause {
    /// The breaker is open (or its probe is in flight).
    BreakerOpen,
    /// The rate limit has no token.
    RateLimited,
}

/// The answer to "may I send now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Send; `probe` marks the half-open probe.
    Send {
        /// This attempt decides whether the breaker closes.
        probe: bool,
    },
    /// Ask again at `until_ms`; not a failed attempt.
    Defer {
        /// When to ask again.
        until_ms: u64,
        /// Why.
        cause: DeferCause,
    },
    /// The endpoint is disabled.
    Disabled,
}

/// Why an endpoint was disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableReason {
    /// No success for `disable_after_ms`.
    SustainedFailure,
    /// Too many consecutive breaker trips.
    RepeatedTrips,
    /// The endpoint answered 410 Gone.
    Gone,
}

impl DisableReason {
    /// `sustained_failure`, `repeated_trips` or `gone`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SustainedFailure => "sustained_failure",
            Self::RepeatedTrips => "repeated_trips",
            Self::Gone => "gone",
        }
    }
}

/// Something the hooks should hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthEvent {
    /// `breaker.state_changed`.
    Breaker(Transition),
    /// `endpoint.disabled`.
    Disabled {
        /// Why.
        reason: DisableReason,
        /// When.
        at_ms: u64,
    },
}

/// The health of one endpoint.
#[derive(Debug, Clone)]
pub struct EndpointHealth {
    config: HealthConfig,
    breaker: Option<CircuitBreaker>,
    bucket: Option<TokenBucket>,
    failing_since_ms: Option<u64>,
    disabled: Option<DisableReason>,
}

impl EndpointHealth {
    /// A healthy endpoint at `now_ms`.
    pub fn new(config: HealthConfig, now_ms: u64) -> Self {
        Self {
            breaker: config.breaker.map(CircuitBreaker::new),
            bucket: config.rate_limit.map(|l| TokenBucket::new(l, now_ms)),
            config,
            failing_since_ms: None,
            disabled: None,
        }
    }

    /// Breaker state (`Closed` when there is no breaker).
    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.as_ref().map_or(BreakerState::Closed, CircuitBreaker::state)
    }

    /// Why the endpoint is disabled, if it is.
    pub fn disabled(&self) -> Option<DisableReason> {
        self.disabled
    }

    /// May an attempt be sent now?
    pub fn admit(&mut self, now_ms: u64) -> (Admission, Vec<HealthEvent>) {
        let mut events = Vec::new();
        if self.disabled.is_some() {
            return (Admission::Disabled, events);
        }
        let mut probe = false;
        if let Some(breaker) = &mut self.breaker {
            let (permit, transition) = breaker.permit(now_ms);
            events.extend(transition.map(HealthEvent::Breaker));
            match permit {
                Permit::Allow => {}
                Permit::Probe => probe = true,
                Permit::Defer { until_ms } => {
                    return (Admission::Defer { until_ms, cause: DeferCause::BreakerOpen }, events);
                }
            }
        }
        if let Some(bucket) = &mut self.bucket {
            if let Err(wait_ms) = bucket.try_take(now_ms) {
                if probe {
                    if let Some(breaker) = &mut self.breaker {
                        breaker.cancel_probe();
                    }
                }
                let until_ms = now_ms.saturating_add(wait_ms);
                return (Admission::Defer { until_ms, cause: DeferCause::RateLimited }, events);
            }
        }
        (Admission::Send { probe }, events)
    }

    /// Records a sent attempt's outcome. `success` is a 2xx; pass `false` for network errors,
    /// timeouts, 5xx and 429 (failures of the endpoint, not of the message).
    pub fn record(&mut self, now_ms: u64, success: bool) -> Vec<HealthEvent> {
        let mut events = Vec::new();
        if self.disabled.is_some() {
            return events;
        }
        if success {
            self.failing_since_ms = None;
        } else if self.failing_since_ms.is_none() {
            self.failing_since_ms = Some(now_ms);
        }
        if let Some(breaker) = &mut self.breaker {
            events.extend(breaker.record(now_ms, success).map(HealthEvent::Breaker));
        }
        let sustained = match (self.failing_since_ms, self.config.disable_after_ms) {
            (Some(since), Some(after)) => now_ms.saturating_sub(since) >= after,
            _ => false,
        };
        let trips = match (&self.breaker, self.config.disable_after_trips) {
            (Some(b), Some(max)) => b.consecutive_trips() >= max.max(1),
            _ => false,
        };
        if sustained {
            events.push(self.disable(DisableReason::SustainedFailure, now_ms));
        } else if trips {
            events.push(self.disable(DisableReason::RepeatedTrips, now_ms));
        }
        events
    }

    /// Disables the endpoint (410 Gone, or from `record`).
    pub fn disable(&mut self, reason: DisableReason, now_ms: u64) -> HealthEvent {
        self.disabled = Some(reason);
        HealthEvent::Disabled { reason, at_ms: now_ms }
    }

    /// Re-enables a disabled endpoint with a fresh breaker.
    pub fn enable(&mut self, now_ms: u64) {
        *self = Self::new(self.config, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HealthConfig {
        HealthConfig {
            breaker: Some(BreakerConfig {
                window_ms: 10_000,
                buckets: 10,
                min_requests: 3,
                failure_percent: 100,
                open_ms: 1_000,
            }),
            rate_limit: Some(RateLimit { capacity: 2, per_ms: 1_000 }),
            disable_after_ms: Some(60_000),
            disable_after_trips: None,
        }
    }

    #[test]
    fn breaker_defers_without_spending_tokens() {
        let mut h = EndpointHealth::new(config(), 0);
        for t in 0..3 {
            assert_eq!(h.admit(t * 600).0, Admission::Send { probe: false });
            let events = h.record(t * 600 + 1, false);
            assert_eq!(events.is_empty(), t < 2);
        }
        assert_eq!(h.breaker_state(), BreakerState::Open);
        let (a, _) = h.admit(1_300);
        assert_eq!(a, Admission::Defer { until_ms: 2_201, cause: DeferCause::BreakerOpen });
        let (a, events) = h.admit(2_201);
        assert_eq!(a, Admission::Send { probe: true });
        assert!(matches!(events[0], HealthEvent::Breaker(Transition { to: BreakerState::HalfOpen, .. })));
        let events = h.record(2_250, true);
        assert!(matches!(events[0], HealthEvent::Breaker(Transition { to: BreakerState::Closed, .. })));
        assert_eq!(h.admit(2_300).0, Admission::Send { probe: false });
    }

    #[test]
    fn rate_limit_defers_and_returns_the_probe() {
        let mut h = EndpointHealth::new(config(), 0);
        assert_eq!(h.admit(0).0, Admission::Send { probe: false });
        assert_eq!(h.admit(0).0, Admission::Send { probe: false });
        assert_eq!(h.admit(0).0, Admission::Defer { until_ms: 500, cause: DeferCause::RateLimited });
    }

    #[test]
    fn sustained_failure_disables() {
        let mut h = EndpointHealth::new(HealthConfig { breaker: None, rate_limit: None, ..config() }, 0);
        assert!(h.record(0, false).is_empty());
        assert!(h.record(59_999, false).is_empty());
        let events = h.record(60_000, false);
        assert_eq!(events, vec![HealthEvent::Disabled { reason: DisableReason::SustainedFailure, at_ms: 60_000 }]);
        assert_eq!(h.admit(60_001).0, Admission::Disabled);
        h.enable(70_000);
        assert_eq!(h.admit(70_001).0, Admission::Send { probe: false });
    }

    #[test]
    fn a_success_resets_the_failure_period() {
        let mut h = EndpointHealth::new(HealthConfig { breaker: None, rate_limit: None, ..config() }, 0);
        h.record(0, false);
        h.record(50_000, true);
        h.record(55_000, false);
        assert!(h.record(100_000, false).is_empty());
        assert_eq!(h.disabled(), None);
    }
}
