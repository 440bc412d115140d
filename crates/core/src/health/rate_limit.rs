//! Token-bucket rate limit per endpoint, driven by the caller's clock.
//!
//! Integer arithmetic only (no float drift across targets): the level is kept in units of
//! `1 / per_ms` token, so `capacity` tokens refill evenly over `per_ms` milliseconds and a
//! refused take reports exactly how long to wait for the next token. Convoy's default is
//! 1000 requests per 60 s. A refusal is a deferral: the engine waits and sends the same attempt
//! later, without spending a retry.

/// `capacity` requests per `per_ms` milliseconds, bursts up to `capacity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Bucket size and tokens added per period.
    pub capacity: u32,
    /// The refill period in milliseconds.
    pub per_ms: u64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self { capacity: 1000, per_ms: 60_000 }
    }
}

/// A token bucket.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    limit: RateLimit,
    /// Tokens × `per_ms`.
    level: u128,
    last_ms: u64,
}

impl TokenBucket {
    /// A full bucket at `now_ms`. A zero capacity or period is raised to 1.
    pub fn new(limit: RateLimit, now_ms: u64) -> Self {
        let limit = RateLimit { capacity: limit.capacity.max(1), per_ms: limit.per_ms.max(1) };
        Self { level: u128::from(limit.capacity) * u128::from(limit.per_ms), limit, last_ms: now_ms }
    }

    fn refill(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        let full = u128::from(self.limit.capacity) * u128::from(self.limit.per_ms);
        self.level = (self.level + u128::from(elapsed) * u128::from(self.limit.capacity)).min(full);
    }

    /// Takes one token, or returns how many milliseconds until one is available.
    pub fn try_take(&mut self, now_ms: u64) -> Result<(), u64> {
        self.refill(now_ms);
        let one = u128::from(self.limit.per_ms);
        if self.level >= one {
            self.level -= one;
            return Ok(());
        }
        let missing = one - self.level;
        let wait = missing.div_ceil(u128::from(self.limit.capacity));
        Err(u64::try_from(wait).unwrap_or(u64::MAX))
    }

    /// Whole tokens available at `now_ms`.
    pub fn available(&mut self, now_ms: u64) -> u32 {
        self.refill(now_ms);
        u32::try_from(self.level / u128::from(self.limit.per_ms)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_paces() {
        let mut bucket = TokenBucket::new(RateLimit { capacity: 3, per_ms: 300 }, 1_000);
        assert_eq!(bucket.try_take(1_000), Ok(()));
        assert_eq!(bucket.try_take(1_000), Ok(()));
        assert_eq!(bucket.try_take(1_000), Ok(()));
        assert_eq!(bucket.try_take(1_000), Err(100));
        assert_eq!(bucket.try_take(1_040), Err(60));
        assert_eq!(bucket.try_take(1_100), Ok(()));
        assert_eq!(bucket.available(10_000), 3, "never above capacity");
    }

    #[test]
    fn a_clock_going_backwards_does_not_mint_tokens() {
        let mut bucket = TokenBucket::new(RateLimit { capacity: 1, per_ms: 1_000 }, 5_000);
        assert_eq!(bucket.try_take(5_000), Ok(()));
        assert!(bucket.try_take(4_000).is_err());
        assert!(bucket.try_take(5_500).is_err());
        assert_eq!(bucket.try_take(6_000), Ok(()));
    }
}
