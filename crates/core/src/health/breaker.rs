//! Circuit breaker per endpoint: a pure state machine over the caller's clock.
//!
//! ```text
//!            failure ratio >= threshold                open_ms elapsed
//!   Closed ─────────────(with >= min_requests)────▶ Open ───────────────▶ HalfOpen
//!     ▲                                              ▲                       │ one probe
//!     └──────────────── probe succeeded ─────────────┼───────────────────────┤
//!                                                    └──── probe failed ─────┘
//! ```
//!
//! Outcomes are counted in a sliding window of `buckets` time buckets covering `window_ms`
//! (Convoy: 5 min window, trip at >= 70 % failures with >= 10 requests, half-open after 30 s).
//! While open, and while a half-open probe is in flight, [`CircuitBreaker::permit`] answers
//! [`Permit::Defer`]: the caller holds the message and asks again later — a deferral is not a
//! failed attempt and spends no retry. Every state change is returned to the caller as a
//! [`Transition`] so it can be reported (`breaker.state_changed`).

/// Breaker tuning (defaults: Convoy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Length of the sliding window.
    pub window_ms: u64,
    /// Number of buckets the window is split into.
    pub buckets: u32,
    /// Fewest outcomes in the window before the breaker may trip.
    pub min_requests: u32,
    /// Trip when failures × 100 >= outcomes × this.
    pub failure_percent: u32,
    /// How long to stay open before a probe.
    pub open_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self { window_ms: 300_000, buckets: 10, min_requests: 10, failure_percent: 70, open_ms: 30_000 }
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow.
    Closed,
    /// Requests are held.
    Open,
    /// One probe request decides.
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open` or `half_open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

/// A state change, for the delivery hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// Previous state.
    pub from: BreakerState,
    /// New state.
    pub to: BreakerState,
    /// When it happened.
    pub at_ms: u64,
}

/// What the caller may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Send.
    Allow,
    /// Send: this request is the half-open probe; report its outcome with `record`.
    Probe,
    /// Hold the message until `until_ms`, then ask again.
    Defer {
        /// When to ask again.
        until_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    start_ms: u64,
    ok: u32,
    failed: u32,
}

/// The breaker.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: BreakerState,
    opened_at_ms: u64,
    probe_in_flight: bool,
    buckets: Vec<Bucket>,
    consecutive_trips: u32,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        let config = BreakerConfig { buckets: config.buckets.max(1), window_ms: config.window_ms.max(1), ..config };
        let len = usize::try_from(config.buckets).unwrap_or(1);
        Self {
            config,
            state: BreakerState::Closed,
            opened_at_ms: 0,
            probe_in_flight: false,
            buckets: vec![Bucket::default(); len],
            consecutive_trips: 0,
        }
    }

    /// The current state (an open breaker whose time is up still reads `Open` until asked).
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Trips since the last successful probe.
    pub fn consecutive_trips(&self) -> u32 {
        self.consecutive_trips
    }

    fn bucket_ms(&self) -> u64 {
        (self.config.window_ms / u64::from(self.config.buckets)).max(1)
    }

    fn totals(&self, now_ms: u64) -> (u32, u32) {
        let horizon = now_ms.saturating_sub(self.config.window_ms);
        self.buckets
            .iter()
            .filter(|b| b.start_ms >= horizon && b.start_ms <= now_ms && (b.ok + b.failed) > 0)
            .fold((0, 0), |(ok, failed), b| (ok + b.ok, failed + b.failed))
    }

    fn bucket_mut(&mut self, now_ms: u64) -> &mut Bucket {
        let width = self.bucket_ms();
        let slot = now_ms / width;
        let start = slot * width;
        let index = usize::try_from(slot % u64::from(self.config.buckets)).unwrap_or(0);
        let bucket = &mut self.buckets[index];
        if bucket.start_ms != start {
            *bucket = Bucket { start_ms: start, ok: 0, failed: 0 };
        }
        bucket
    }

    fn go(&mut self, to: BreakerState, now_ms: u64) -> Option<Transition> {
        let from = self.state;
        self.state = to;
        (from != to).then_some(Transition { from, to, at_ms: now_ms })
    }

    /// May a request be sent now?
    pub fn permit(&mut self, now_ms: u64) -> (Permit, Option<Transition>) {
        match self.state {
            BreakerState::Closed => (Permit::Allow, None),
            BreakerState::Open => {
                let until_ms = self.opened_at_ms.saturating_add(self.config.open_ms);
                if now_ms < until_ms {
                    return (Permit::Defer { until_ms }, None);
                }
                self.probe_in_flight = true;
                let t = self.go(BreakerState::HalfOpen, now_ms);
                (Permit::Probe, t)
            }
            BreakerState::HalfOpen if self.probe_in_flight => {
                (Permit::Defer { until_ms: now_ms.saturating_add(self.config.open_ms.clamp(1, 1_000)) }, None)
            }
            BreakerState::HalfOpen => {
                self.probe_in_flight = true;
                (Permit::Probe, None)
            }
        }
    }

    /// Gives back a probe that was granted but not sent (e.g. the rate limit deferred it).
    pub fn cancel_probe(&mut self) {
        self.probe_in_flight = false;
    }

    /// Records the outcome of a sent request.
    pub fn record(&mut self, now_ms: u64, success: bool) -> Option<Transition> {
        if self.state == BreakerState::HalfOpen {
            self.probe_in_flight = false;
            if success {
                self.consecutive_trips = 0;
                self.buckets.iter_mut().for_each(|b| *b = Bucket::default());
                return self.go(BreakerState::Closed, now_ms);
            }
            self.opened_at_ms = now_ms;
            self.consecutive_trips += 1;
            return self.go(BreakerState::Open, now_ms);
        }
        if self.state == BreakerState::Open {
            // A request sent before the trip finished late; it changes nothing.
            return None;
        }
        let bucket = self.bucket_mut(now_ms);
        if success {
            bucket.ok += 1;
        } else {
            bucket.failed += 1;
        }
        let (ok, failed) = self.totals(now_ms);
        let total = ok + failed;
        let trip = total >= self.config.min_requests.max(1)
            && u64::from(failed) * 100 >= u64::from(total) * u64::from(self.config.failure_percent);
        if !trip {
            return None;
        }
        self.opened_at_ms = now_ms;
        self.consecutive_trips += 1;
        self.go(BreakerState::Open, now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> BreakerConfig {
        BreakerConfig { window_ms: 10_000, buckets: 10, min_requests: 4, failure_percent: 50, open_ms: 5_000 }
    }

    #[test]
    fn trips_defers_probes_and_closes() {
        let mut b = CircuitBreaker::new(small());
        assert_eq!(b.record(0, false), None);
        assert_eq!(b.record(100, true), None);
        assert_eq!(b.record(200, false), None, "3 outcomes < min_requests");
        let t = b.record(300, false).expect("tripped");
        assert_eq!((t.from, t.to), (BreakerState::Closed, BreakerState::Open));
        assert_eq!(b.permit(1_000), (Permit::Defer { until_ms: 5_300 }, None));
        let (permit, t) = b.permit(5_300);
        assert_eq!(permit, Permit::Probe);
        assert_eq!(t.map(|t| t.to), Some(BreakerState::HalfOpen));
        assert!(matches!(b.permit(5_301).0, Permit::Defer { .. }), "one probe at a time");
        let t = b.record(5_400, false).expect("probe failed");
        assert_eq!((t.from, t.to), (BreakerState::HalfOpen, BreakerState::Open));
        assert_eq!(b.consecutive_trips(), 2);
        assert!(matches!(b.permit(6_000).0, Permit::Defer { until_ms: 10_400 }));
        assert_eq!(b.permit(10_400).0, Permit::Probe);
        let t = b.record(10_500, true).expect("probe ok");
        assert_eq!((t.from, t.to), (BreakerState::HalfOpen, BreakerState::Closed));
        assert_eq!(b.permit(10_501), (Permit::Allow, None));
        assert_eq!(b.consecutive_trips(), 0);
        assert_eq!(b.record(10_600, false), None, "window was reset on close");
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let mut b = CircuitBreaker::new(small());
        for t in 0..3 {
            b.record(t, false);
        }
        // 20 s later the three failures are out of the window.
        assert_eq!(b.record(20_000, false), None);
        assert_eq!(b.record(20_001, true), None);
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn healthy_traffic_never_trips() {
        let mut b = CircuitBreaker::new(BreakerConfig::default());
        for i in 0..1_000u64 {
            assert_eq!(b.record(i * 50, i % 10 != 0), None);
        }
    }

    #[test]
    fn cancelled_probe_is_granted_again() {
        let mut b = CircuitBreaker::new(small());
        for t in 0..4 {
            b.record(t, false);
        }
        assert_eq!(b.permit(6_000).0, Permit::Probe);
        b.cancel_probe();
        assert_eq!(b.permit(6_001).0, Permit::Probe);
    }
}
