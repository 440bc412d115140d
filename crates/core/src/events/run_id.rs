//! Run ids: UUIDv7 (RFC 9562), as @langchain/core 1.x generates them.
//!
//! Layout: 48-bit unix milliseconds, version 7, a 12-bit counter in `rand_a`, the variant, and
//! 62 random bits in `rand_b`. Within one millisecond the counter increases, so ids from one
//! generator sort in creation order (RFC 9562 §6.2, method 1); a new millisecond restarts it at
//! a random value below 2048, leaving room to count up. If the counter overflows within a
//! millisecond the generator borrows the next millisecond, and if the clock goes backwards it
//! keeps its own later timestamp: ids never go backwards.
//!
//! Time and randomness come only through the runtime seam ([`Clock`], [`Entropy`]); the `uuid`
//! crate only lays out and formats the bytes.

use uuid::{Builder, Uuid};

use crate::runtime::{Clock, Entropy};

const COUNTER_MAX: u16 = 0x0FFF;

/// Generates monotonic UUIDv7 run ids.
#[derive(Debug, Default, Clone)]
pub struct RunIdGenerator {
    last_ms: u64,
    counter: u16,
}

impl RunIdGenerator {
    /// A generator with no history.
    pub const fn new() -> Self {
        Self { last_ms: 0, counter: 0 }
    }

    /// The next id, as a [`Uuid`].
    pub fn next_uuid(&mut self, clock: &impl Clock, entropy: &impl Entropy) -> Uuid {
        let mut random = [0u8; 10];
        entropy.fill(&mut random);
        let now = clock.now_ms();
        if now > self.last_ms {
            self.last_ms = now;
            self.counter = u16::from_be_bytes([random[0], random[1]]) & 0x07FF;
        } else if self.counter < COUNTER_MAX {
            self.counter += 1;
        } else {
            self.last_ms += 1;
            self.counter = 0;
        }
        let [hi, lo] = self.counter.to_be_bytes();
        random[0] = hi;
        random[1] = lo;
        Builder::from_unix_timestamp_millis(self.last_ms, &random).into_uuid()
    }

    /// The next id in the canonical lower-case hyphenated form.
    pub fn next_id(&mut self, clock: &impl Clock, entropy: &impl Entropy) -> String {
        self.next_uuid(clock, entropy).hyphenated().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::VirtualRuntime;
    use std::time::Duration;

    #[test]
    fn ids_are_version_7_with_the_rfc_variant_and_the_clock_time() {
        let rt = VirtualRuntime::new(0x0190_1234_5678, 7);
        let mut generator = RunIdGenerator::new();
        let id = generator.next_id(&rt, &rt);
        assert_eq!(id.len(), 36);
        assert!(id.starts_with("01901234-5678-7"), "{id}");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        assert_eq!(id, id.to_lowercase());
        let uuid = Uuid::parse_str(&id).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
    }

    #[test]
    fn ids_are_monotonic_within_and_across_milliseconds() {
        let rt = VirtualRuntime::new(1_700_000_000_000, 1);
        let mut generator = RunIdGenerator::new();
        let mut previous = generator.next_id(&rt, &rt);
        for i in 0..10_000 {
            if i % 1000 == 0 {
                rt.advance(Duration::from_millis(1));
            }
            let id = generator.next_id(&rt, &rt);
            assert!(id > previous, "{id} <= {previous}");
            previous = id;
        }
    }

    #[test]
    fn a_clock_going_backwards_never_makes_ids_go_backwards() {
        let later = VirtualRuntime::new(2_000_000, 3);
        let earlier = VirtualRuntime::new(1_000_000, 3);
        let mut generator = RunIdGenerator::new();
        let a = generator.next_id(&later, &later);
        let b = generator.next_id(&earlier, &earlier);
        assert!(b > a);
    }
}
