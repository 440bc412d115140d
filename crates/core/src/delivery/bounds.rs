//! The bounds of every numeric delivery option, in one table.
//!
//! A number out of range is refused when the delivery is created, with a message that names the
//! option and its range, on both builds — never discovered later as an allocation of terabytes
//! (`queueCapacity: 1e12`), a runaway worker count (`concurrency: 1e9`), a division by zero or a
//! timer that overflows (`setTimeout` wraps above 2^31 − 1 ms). The ranges are generous for real
//! use and small enough that the worst case stays cheap: at most 1,024 workers per sink, queues
//! of at most 1,000,000 events (allocated as they fill, never up front), timers within
//! `setTimeout`'s range.
//!
//! The JS glue reads this table through the bindings (`optionBounds()`), so the options schema
//! in `npm/runwire/src/options.js` checks the very same numbers before anything reaches the core,
//! and the README lists them. The core checks them again while parsing the config (the bindings
//! may be called directly). A new numeric option adds one row here.

use serde_json::Value;

/// An inclusive integer range for one option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The option's path as users write it (`sinks[].concurrency`, `health.breaker.buckets`).
    pub key: &'static str,
    /// Smallest accepted value.
    pub min: u64,
    /// Largest accepted value.
    pub max: u64,
}

const DAY_MS: u64 = 86_400_000;
/// The largest delay a JS timer can wait without wrapping (2^31 − 1 ms, about 24.8 days).
pub const MAX_TIMER_MS: u64 = 2_147_483_647;

/// Every numeric option of `createDelivery` and its sinks.
pub const BOUNDS: &[Bound] = &[
    Bound { key: "maxBodyBytes", min: 512, max: crate::delivery::envelope::HARD_MAX_BYTES as u64 },
    Bound { key: "maxFieldChars", min: 0, max: 65_536 },
    Bound { key: "exitDrainMs", min: 0, max: 600_000 },
    Bound { key: "drainTimeoutMs", min: 0, max: MAX_TIMER_MS },
    Bound { key: "sinks[].timeoutMs", min: 1, max: 600_000 },
    Bound { key: "sinks[].concurrency", min: 1, max: 1_024 },
    Bound { key: "sinks[].queueCapacity", min: 1, max: 1_000_000 },
    Bound { key: "sinks[].retryDelaysMs[]", min: 0, max: 7 * DAY_MS },
    Bound { key: "sinks[].retryDelaysMs.length", min: 0, max: 32 },
    Bound { key: "health.breaker.windowMs", min: 1_000, max: 7 * DAY_MS },
    Bound { key: "health.breaker.buckets", min: 1, max: 1_000 },
    Bound { key: "health.breaker.minRequests", min: 1, max: 1_000_000 },
    Bound { key: "health.breaker.failurePercent", min: 1, max: 100 },
    Bound { key: "health.breaker.openMs", min: 1, max: 7 * DAY_MS },
    Bound { key: "health.rateLimit.capacity", min: 1, max: 1_000_000 },
    Bound { key: "health.rateLimit.perMs", min: 1, max: DAY_MS },
    Bound { key: "health.disableAfterMs", min: 1, max: 14 * DAY_MS },
    Bound { key: "health.disableAfterTrips", min: 1, max: 1_000_000 },
    Bound { key: "spool.segmentBytes", min: 4_096, max: 1 << 30 },
    Bound { key: "spool.maxBytes", min: 4_096, max: 1 << 50 },
];

/// The bound of `key`. Unknown keys get `0..=0`, so a typo in a caller fails its own tests.
pub fn bound(key: &str) -> Bound {
    BOUNDS.iter().copied().find(|b| b.key == key).unwrap_or(Bound { key: "?", min: 0, max: 0 })
}

/// Reads `value` as an integer within the bound of `key`; the error names `what` and the range.
pub fn read(value: &Value, key: &str, what: &str) -> Result<u64, String> {
    let Bound { min, max, .. } = bound(key);
    value
        .as_u64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{what} must be an integer from {min} to {max}"))
}

/// The table as JSON (`{"sinks[].concurrency":[1,1024],…}`) for the JS options schema.
pub fn to_json() -> String {
    let map: serde_json::Map<String, Value> =
        BOUNDS.iter().map(|b| (b.key.to_owned(), Value::from(vec![b.min, b.max]))).collect();
    Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_within_bounds_only() {
        assert_eq!(read(&Value::from(16), "sinks[].concurrency", "c"), Ok(16));
        assert_eq!(
            read(&Value::from(1_000_000_000u64), "sinks[].concurrency", "sinks[0].concurrency"),
            Err("sinks[0].concurrency must be an integer from 1 to 1024".into())
        );
        for bad in [Value::from(0), Value::from(-1), Value::from(1.5), Value::from("8"), Value::Null] {
            assert!(read(&bad, "sinks[].concurrency", "c").is_err(), "{bad}");
        }
    }

    #[test]
    fn every_row_is_sane() {
        for b in BOUNDS {
            // Byte sizes of the spool may be large, but stay exact JS numbers (< 2^53).
            let cap = if b.key.starts_with("spool.") { 1 << 53 } else { MAX_TIMER_MS.max(1_000_000) };
            assert!(b.min <= b.max && b.max <= cap, "{b:?}");
            assert_eq!(bound(b.key), *b);
        }
        let json: Value = serde_json::from_str(&to_json()).unwrap();
        assert_eq!(json["sinks[].queueCapacity"], serde_json::json!([1, 1_000_000]));
    }
}
