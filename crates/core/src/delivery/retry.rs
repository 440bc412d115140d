//! The retry policy: a pure function from (attempt, outcome) to what happens next.
//!
//! It never sleeps and never reads a clock: callers pass the attempt count, the outcome, an
//! already-parsed `Retry-After` and a random word, and get back a [`Decision`]. The engine does
//! the waiting through the runtime seam, so the same schedule is asserted exactly under the
//! virtual clock on every target.
//!
//! | outcome | decision | dead-letter reason on give-up |
//! |---|---|---|
//! | 2xx | success | — |
//! | 3xx | retry on the schedule; redirects are never followed | `redirect` |
//! | 408, 425, 429, 5xx, network error, timeout | retry on the schedule | `exhausted` |
//! | 410 Gone | disable the endpoint and dead-letter | `gone` |
//! | other 4xx, 1xx | dead-letter at once | `permanent_4xx` |
//! | URL policy block (no request made) | dead-letter at once | `url_policy` |
//! | non-HTTP sink: permanent rejection | dead-letter at once | `rejected` |
//!
//! Delay for retry `n` (the Svix rule, spec §4.1): `base` = `delays[n-1]`; a parseable
//! `Retry-After` (delta-seconds or HTTP-date, parsed by [`parse_retry_after`]) is clamped to
//! `[base, 2·base]`; then jitter: uniform in `[0.8·d, 1.2·d]`, or only upward `[d, 1.2·d]` when a
//! `Retry-After` was honoured, so the server's wish is never undercut. Jitter is integer
//! arithmetic on milliseconds so both targets compute identical delays from the same random word.

use std::time::Duration;

use crate::delivery::dlq::DeadLetterReason;

/// The seed's schedule: first attempt immediately, then retries after 1 s, 5 s and 30 s.
pub const DEFAULT_DELAYS_MS: [u64; 3] = [1_000, 5_000, 30_000];

/// What one attempt produced, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP response with this status.
    Status(u16),
    /// No response within the request timeout.
    Timeout,
    /// DNS, connect, TLS, reset or an empty close: no response was read.
    Network,
    /// The URL was refused before any request was made.
    Blocked,
    /// A non-HTTP sink accepted the message.
    Accepted,
    /// A non-HTTP sink failed in a way worth retrying.
    TransientFailure,
    /// A non-HTTP sink refused the message for good.
    Rejected,
}

/// How an outcome is treated, before the schedule is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Delivered.
    Success,
    /// Worth another attempt.
    Transient,
    /// A redirect: a failure, retried like a transient one, never followed.
    Redirect,
    /// The endpoint is gone (410): disable it.
    Gone,
    /// Never worth retrying; carries the dead-letter reason.
    Permanent(DeadLetterReason),
}

/// The status table (spec §3).
pub fn classify(outcome: Outcome) -> Class {
    match outcome {
        Outcome::Status(200..=299) | Outcome::Accepted => Class::Success,
        Outcome::Status(300..=399) => Class::Redirect,
        Outcome::Status(410) => Class::Gone,
        Outcome::Status(408 | 425 | 429 | 500..=599) | Outcome::Timeout | Outcome::Network => Class::Transient,
        Outcome::TransientFailure => Class::Transient,
        Outcome::Status(_) => Class::Permanent(DeadLetterReason::Permanent4xx),
        Outcome::Blocked => Class::Permanent(DeadLetterReason::UrlPolicy),
        Outcome::Rejected => Class::Permanent(DeadLetterReason::Rejected),
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Delivered; stop.
    Success,
    /// Try again after this delay.
    Retry(Duration),
    /// Give up and dead-letter with this reason.
    DeadLetter(DeadLetterReason),
    /// Disable the endpoint (410) and dead-letter this message with reason `gone`.
    Disable,
}

/// Retry configuration for one sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Waits before retry 1, 2, …; attempts = `delays.len() + 1`.
    pub delays: Vec<Duration>,
    /// Apply ±20 % jitter (upward only when a `Retry-After` was honoured).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { delays: DEFAULT_DELAYS_MS.iter().map(|&ms| Duration::from_millis(ms)).collect(), jitter: true }
    }
}

impl RetryPolicy {
    /// Total attempts including the first.
    pub fn max_attempts(&self) -> usize {
        self.delays.len() + 1
    }

    /// The decision after attempt number `attempt` (1-based) ended with `outcome`.
    /// `retry_after` is the server's requested wait, already parsed; `random` any uniform word.
    pub fn decide(&self, attempt: usize, outcome: Outcome, retry_after: Option<Duration>, random: u64) -> Decision {
        let class = classify(outcome);
        let give_up_reason = match class {
            Class::Success => return Decision::Success,
            Class::Gone => return Decision::Disable,
            Class::Permanent(reason) => return Decision::DeadLetter(reason),
            Class::Redirect => DeadLetterReason::Redirect,
            Class::Transient => DeadLetterReason::Exhausted,
        };
        let Some(&base) = attempt.checked_sub(1).and_then(|i| self.delays.get(i)) else {
            return Decision::DeadLetter(give_up_reason);
        };
        Decision::Retry(self.delay(base, retry_after, random))
    }

    fn delay(&self, base: Duration, retry_after: Option<Duration>, random: u64) -> Duration {
        let base_ms = millis(base);
        let (delay_ms, honoured) = match retry_after {
            Some(wanted) => (millis(wanted).clamp(base_ms, base_ms.saturating_mul(2)), true),
            None => (base_ms, false),
        };
        if !self.jitter || delay_ms == 0 {
            return Duration::from_millis(delay_ms);
        }
        // Per-mille factor: 800..=1200, or 1000..=1200 when honouring Retry-After.
        let factor = if honoured { 1_000 + random % 201 } else { 800 + random % 401 };
        let jittered = u128::from(delay_ms) * u128::from(factor) / 1_000;
        Duration::from_millis(u64::try_from(jittered).unwrap_or(u64::MAX))
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Parses a `Retry-After` value: delta-seconds, or an HTTP-date relative to `now_ms` (floored at
/// zero). Anything else is ignored (`None`), as the spec asks.
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date_ms = parse_imf_fixdate(value)?.checked_mul(1000)?;
    Some(Duration::from_millis(date_ms.saturating_sub(now_ms)))
}

/// Unix seconds of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the HTTP-date form every
/// current server sends (RFC 9110 §5.6.7; the obsolete RFC 850 and asctime forms are ignored).
fn parse_imf_fixdate(text: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let b = text.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = &text[range];
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    let day = num(5..7)?;
    let month = u64::try_from(MONTHS.iter().position(|m| *m == &text[8..11])? + 1).ok()?;
    let year = num(12..16)?;
    if &b[19..20] != b":" || &b[22..23] != b":" {
        return None;
    }
    let (hour, minute, second) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if !(1..=31).contains(&day) || year < 1970 || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm), March-based years.
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe).checked_sub(719_468)?;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn no_jitter() -> RetryPolicy {
        RetryPolicy { jitter: false, ..RetryPolicy::default() }
    }

    #[test]
    fn status_table() {
        use DeadLetterReason as R;
        let p = no_jitter();
        let table: &[(Outcome, Decision)] = &[
            (Outcome::Status(200), Decision::Success),
            (Outcome::Status(204), Decision::Success),
            (Outcome::Status(299), Decision::Success),
            (Outcome::Status(301), Decision::Retry(S(1))),
            (Outcome::Status(308), Decision::Retry(S(1))),
            (Outcome::Status(408), Decision::Retry(S(1))),
            (Outcome::Status(425), Decision::Retry(S(1))),
            (Outcome::Status(429), Decision::Retry(S(1))),
            (Outcome::Status(500), Decision::Retry(S(1))),
            (Outcome::Status(503), Decision::Retry(S(1))),
            (Outcome::Status(599), Decision::Retry(S(1))),
            (Outcome::Timeout, Decision::Retry(S(1))),
            (Outcome::Network, Decision::Retry(S(1))),
            (Outcome::TransientFailure, Decision::Retry(S(1))),
            (Outcome::Status(410), Decision::Disable),
            (Outcome::Status(400), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(401), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(403), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(404), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(409), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(413), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(422), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Status(101), Decision::DeadLetter(R::Permanent4xx)),
            (Outcome::Blocked, Decision::DeadLetter(R::UrlPolicy)),
            (Outcome::Rejected, Decision::DeadLetter(R::Rejected)),
            (Outcome::Accepted, Decision::Success),
        ];
        for &(outcome, expected) in table {
            assert_eq!(p.decide(1, outcome, None, 0), expected, "{outcome:?}");
        }
    }

    #[test]
    fn schedule_then_give_up_with_the_right_reason() {
        let p = no_jitter();
        assert_eq!(p.max_attempts(), 4);
        let delays: Vec<_> = (1..=3).map(|n| p.decide(n, Outcome::Status(503), None, 0)).collect();
        assert_eq!(delays, [Decision::Retry(S(1)), Decision::Retry(S(5)), Decision::Retry(S(30))]);
        assert_eq!(p.decide(4, Outcome::Status(503), None, 0), Decision::DeadLetter(DeadLetterReason::Exhausted));
        assert_eq!(p.decide(4, Outcome::Status(302), None, 0), Decision::DeadLetter(DeadLetterReason::Redirect));
        assert_eq!(p.decide(0, Outcome::Status(503), None, 0), Decision::DeadLetter(DeadLetterReason::Exhausted));
        let none = RetryPolicy { delays: vec![], jitter: true };
        assert_eq!(none.decide(1, Outcome::Timeout, None, 0), Decision::DeadLetter(DeadLetterReason::Exhausted));
    }

    #[test]
    fn retry_after_is_clamped_to_base_and_twice_base() {
        let p = no_jitter();
        // base 5 s (second retry)
        assert_eq!(p.decide(2, Outcome::Status(429), Some(S(0)), 0), Decision::Retry(S(5)));
        assert_eq!(p.decide(2, Outcome::Status(429), Some(S(7)), 0), Decision::Retry(S(7)));
        assert_eq!(p.decide(2, Outcome::Status(429), Some(S(3600)), 0), Decision::Retry(S(10)));
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let p = RetryPolicy::default();
        for random in [0, 1, 200, 400, 401, u64::MAX, 0xDEAD_BEEF] {
            let Decision::Retry(d) = p.decide(2, Outcome::Status(500), None, random) else { panic!() };
            assert!((4_000..=6_000).contains(&d.as_millis()), "{d:?}");
            let Decision::Retry(d) = p.decide(2, Outcome::Status(429), Some(S(7)), random) else { panic!() };
            assert!((7_000..=8_400).contains(&d.as_millis()), "upward only when honouring: {d:?}");
        }
        assert_eq!(p.decide(1, Outcome::Status(500), None, 0), Decision::Retry(Duration::from_millis(800)));
        assert_eq!(p.decide(1, Outcome::Status(500), None, 400), Decision::Retry(Duration::from_millis(1_200)));
        let immediate = RetryPolicy { delays: vec![Duration::ZERO], jitter: true };
        assert_eq!(immediate.decide(1, Outcome::Network, None, 123), Decision::Retry(Duration::ZERO));
    }

    #[test]
    fn parses_retry_after_forms() {
        let now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        assert_eq!(parse_retry_after("120", now), Some(S(120)));
        assert_eq!(parse_retry_after(" 3 ", now), Some(S(3)));
        assert_eq!(parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now), Some(S(30)));
        assert_eq!(parse_retry_after("Wed, 31 Dec 2025 23:59:00 GMT", now), Some(S(0)));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_imf_fixdate("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1_835_438_400));
        assert_eq!(parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 UTC"), None);
    }
}
