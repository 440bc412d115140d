//! Idempotency ids: `{run_id}:{event_type}:{seq}`, unique per process, in bounded memory.
//!
//! `run_id` is the event's **own** run (the tool / chain / LLM invocation, or the run that
//! dispatched a custom event) and `seq` counts from 1 per `(run_id, event_type)`, so parallel tool
//! calls in one agent step and many custom events from one run never collide (the seed's
//! `run_id:event_type:step_index` did, and receivers deduping on it dropped real events).
//!
//! The id is minted once, when the event is accepted, and travels with the message: it is the
//! `webhook-id` and `Idempotency-Key` of every attempt and of any later replay. It never contains
//! `.` (the Standard Webhooks signed-content separator), so run ids or event names with a dot are
//! refused.
//!
//! ## Bounded memory, ids still unique
//!
//! Counters live per run, and a run's counters are released in two ways:
//! - **when the run ends**: the caller says an event is its run's last (`ends_run`: the JS
//!   handler passes it for `on_tool_end`, `on_chain_end`, `on_llm_end`, whose run is over);
//! - **by age**: the runs are kept in two generations of at most [`GENERATION_RUNS`] each; when
//!   the newer one fills up, the older one is dropped (runs touched since move to the newer one,
//!   so a busy run is never dropped). At most `2 × GENERATION_RUNS` runs hold counters.
//!
//! Restarting a dropped run at `seq` 1 would reissue an id a receiver has already seen, and its
//! dedupe would drop a real event. So every dropped run id is added to a fixed-size Bloom filter
//! ([`FILTER_BITS`] bits, 3 hashes, never cleared), and a run that is *not* live but *may* have
//! been dropped restarts its counters above `minted`, the number of ids this allocator has ever
//! handed out. Every `seq` given to any key so far is at most `minted` (a key's counter grows by
//! one per id, and every id counts once in `minted`), so the new ids are above all earlier ones
//! for that key: unique, and still increasing per `(run, event type)`. A Bloom false positive
//! only means a new run starts at a large `seq` instead of 1 — never a collision. The filter
//! fills as millions of runs end, so in a long-lived process more new runs start high; the ids
//! stay unique and their shape stays `{run_id}:{event_type}:{integer}`.
//!
//! Across processes, ids rely on run ids being unique (LangChain's are UUIDs); a restarted spool
//! redelivers with the ids it stored. A spool also gives each process life an **id base**
//! ([`IdAllocator::set_base`]): life `n` of a spool directory starts every counter above
//! `n × 2^32`, so even a run id that comes back in a later life (a resumed run) can never be
//! given an id a receiver saw in an earlier one — ids of settled messages are no longer in the
//! spool to seed counters from, so seeding from recovered ids alone would not be enough. A life
//! would have to mint 2^32 ids before reaching the next life's range.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::error::DeliveryError;

/// Runs per generation of live counters (so at most twice this many hold counters).
pub const GENERATION_RUNS: usize = 16_384;
/// Size of the dropped-runs filter, in bits (512 KiB, allocated on the first drop).
pub const FILTER_BITS: usize = 1 << 22;

#[derive(Debug, Default)]
struct RunCounters {
    /// `minted` when this run was (re)started after a possible drop; 0 for a new run.
    floor: u64,
    /// Per event type: the last `seq` handed out. Few types per run, so a list beats a map.
    by_type: Vec<(Box<str>, u64)>,
}

/// Hands out per-(run, event type) sequence numbers in bounded memory.
#[derive(Debug)]
pub struct IdAllocator {
    current: HashMap<Box<str>, RunCounters>,
    previous: HashMap<Box<str>, RunCounters>,
    dropped: Vec<u64>,
    minted: u64,
    generation_runs: usize,
    base: u64,
}

impl Default for IdAllocator {
    fn default() -> Self {
        Self::with_generation(GENERATION_RUNS)
    }
}

impl IdAllocator {
    /// An allocator keeping at most `2 × generation_runs` runs' counters.
    pub fn with_generation(generation_runs: usize) -> Self {
        Self {
            current: HashMap::new(),
            previous: HashMap::new(),
            dropped: Vec::new(),
            minted: 0,
            generation_runs: generation_runs.max(1),
            base: 0,
        }
    }

    /// Every counter started from now on begins above `base` (a spool's per-life id base).
    pub fn set_base(&mut self, base: u64) {
        self.base = base;
    }

    /// The next id for an event of `event_type` emitted by run `run_id`.
    pub fn next(&mut self, run_id: &str, event_type: &str) -> Result<String, DeliveryError> {
        check_part(run_id)?;
        check_part(event_type)?;
        let floor = self.base + self.minted;
        self.minted += 1;
        if !self.current.contains_key(run_id) {
            let counters = match self.previous.remove(run_id) {
                Some(counters) => counters,
                None if self.maybe_dropped(run_id) => RunCounters { floor, by_type: Vec::new() },
                None => RunCounters { floor: self.base, by_type: Vec::new() },
            };
            if self.current.len() >= self.generation_runs {
                self.rotate();
            }
            self.current.insert(run_id.into(), counters);
        }
        let run = self.current.get_mut(run_id).ok_or(DeliveryError::InvalidId)?;
        let seq = match run.by_type.iter_mut().find(|(t, _)| &**t == event_type) {
            Some((_, seq)) => {
                *seq += 1;
                *seq
            }
            None => {
                run.by_type.push((event_type.into(), run.floor + 1));
                run.floor + 1
            }
        };
        Ok(format!("{run_id}:{event_type}:{seq}"))
    }

    /// Drops the counters of a run that will emit nothing more.
    pub fn forget_run(&mut self, run_id: &str) {
        if self.current.remove(run_id).is_some() || self.previous.remove(run_id).is_some() {
            self.mark_dropped(run_id);
        }
    }

    /// Runs currently holding counters.
    pub fn live_runs(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    fn rotate(&mut self) {
        let old = std::mem::replace(&mut self.previous, std::mem::take(&mut self.current));
        for run in old.keys() {
            self.mark_dropped(run);
        }
    }

    fn bits(run_id: &str) -> [usize; 3] {
        let mut hasher = DefaultHasher::new();
        run_id.hash(&mut hasher);
        let h = hasher.finish();
        let (a, b) = (h & 0xFFFF_FFFF, (h >> 32) | 1);
        // FILTER_BITS fits in 32 bits, so every index below does too.
        let bit = |i: u64| usize::try_from(a.wrapping_add(b.wrapping_mul(i)) % FILTER_BITS as u64).unwrap_or(0);
        [bit(0), bit(1), bit(2)]
    }

    fn mark_dropped(&mut self, run_id: &str) {
        if self.dropped.is_empty() {
            self.dropped = vec![0; FILTER_BITS / 64];
        }
        for bit in Self::bits(run_id) {
            self.dropped[bit / 64] |= 1 << (bit % 64);
        }
    }

    fn maybe_dropped(&self, run_id: &str) -> bool {
        !self.dropped.is_empty()
            && Self::bits(run_id).iter().all(|&bit| self.dropped[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

/// `Err(InvalidId)` when `run_id` or `event_type` cannot be part of an id (what
/// [`IdAllocator::next`] would refuse), checked without minting.
pub fn check_parts(run_id: &str, event_type: &str) -> Result<(), DeliveryError> {
    check_part(run_id)?;
    check_part(event_type)
}

fn check_part(part: &str) -> Result<(), DeliveryError> {
    // The id becomes the `webhook-id` header: the same rule as signing, checked at acceptance.
    if part.len() > 256 || !crate::signing::standard::is_valid_id(part) {
        return Err(DeliveryError::InvalidId);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn counts_per_run_and_event_type() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.next("r1", "on_tool_end").unwrap(), "r1:on_tool_end:1");
        assert_eq!(ids.next("r1", "on_tool_end").unwrap(), "r1:on_tool_end:2");
        assert_eq!(ids.next("r1", "on_custom_event").unwrap(), "r1:on_custom_event:1");
        assert_eq!(ids.next("r2", "on_tool_end").unwrap(), "r2:on_tool_end:1");
        ids.forget_run("r1");
        assert_eq!(ids.next("r2", "on_tool_end").unwrap(), "r2:on_tool_end:2");
    }

    #[test]
    fn refuses_dots_and_empty_parts() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.next("r.1", "on_tool_end"), Err(DeliveryError::InvalidId));
        assert_eq!(ids.next("r1", "agent.tool.end"), Err(DeliveryError::InvalidId));
        assert_eq!(ids.next("", "x"), Err(DeliveryError::InvalidId));
    }

    #[test]
    fn a_forgotten_run_that_comes_back_never_reuses_an_id() {
        let mut ids = IdAllocator::default();
        let first: Vec<_> = (0..3).map(|_| ids.next("r1", "on_custom_event").unwrap()).collect();
        ids.forget_run("r1");
        assert_eq!(ids.live_runs(), 0);
        let again = ids.next("r1", "on_custom_event").unwrap();
        assert!(!first.contains(&again), "{again} reissued");
        let seq = |id: &str| id.rsplit(':').next().unwrap().parse::<u64>().unwrap();
        assert!(seq(&again) > 3);
        assert_eq!(seq(&ids.next("r1", "on_custom_event").unwrap()), seq(&again) + 1);
        // A run never seen still starts at 1.
        assert_eq!(ids.next("fresh", "on_tool_end").unwrap(), "fresh:on_tool_end:1");
    }

    #[test]
    fn a_base_lifts_every_new_counter() {
        let mut ids = IdAllocator::default();
        ids.set_base(3 << 32);
        assert_eq!(ids.next("r1", "on_tool_end").unwrap(), format!("r1:on_tool_end:{}", (3u64 << 32) + 1));
        assert_eq!(ids.next("r1", "on_tool_end").unwrap(), format!("r1:on_tool_end:{}", (3u64 << 32) + 2));
        ids.forget_run("r1");
        let again = ids.next("r1", "on_tool_end").unwrap();
        assert!(again.rsplit(':').next().unwrap().parse::<u64>().unwrap() > (3u64 << 32) + 2, "{again}");
    }

    #[test]
    fn memory_is_bounded_and_ids_stay_unique_through_eviction() {
        let mut ids = IdAllocator::with_generation(100);
        let mut seen = HashSet::new();
        // 5,000 runs, each revisited after it has aged out, two event types.
        for round in 0..3 {
            for run in 0..5_000 {
                for event in ["on_custom_event", "on_tool_end"] {
                    let id = ids.next(&format!("run{run}"), event).unwrap();
                    assert!(seen.insert(id.clone()), "round {round}: {id} reissued");
                }
                assert!(ids.live_runs() <= 200);
            }
        }
        // A busy run survives rotations: its sequence keeps counting from where it was.
        let mut ids = IdAllocator::with_generation(10);
        for n in 1..=100 {
            assert_eq!(ids.next("busy", "on_custom_event").unwrap(), format!("busy:on_custom_event:{n}"));
            ids.next(&format!("other{n}"), "on_tool_end").unwrap();
        }
    }
}
