//! Idempotency ids: `{run_id}:{event_type}:{seq}`.
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
//! Memory: one counter per `(run_id, event_type)` pair seen. Counters are never recycled — reusing
//! a sequence number would make a receiver's dedupe drop a real event — so a long-lived process
//! holds roughly 100 bytes per pair; [`IdAllocator::forget_run`] releases a finished run.

use std::collections::HashMap;

use crate::error::DeliveryError;

/// Hands out per-(run, event type) sequence numbers.
#[derive(Debug, Default)]
pub struct IdAllocator {
    counters: HashMap<String, HashMap<String, u64>>,
}

impl IdAllocator {
    /// The next id for an event of `event_type` emitted by run `run_id`.
    pub fn next(&mut self, run_id: &str, event_type: &str) -> Result<String, DeliveryError> {
        check_part(run_id)?;
        check_part(event_type)?;
        let per_run = match self.counters.get_mut(run_id) {
            Some(map) => map,
            None => self.counters.entry(run_id.to_owned()).or_default(),
        };
        let seq = match per_run.get_mut(event_type) {
            Some(seq) => seq,
            None => per_run.entry(event_type.to_owned()).or_insert(0),
        };
        *seq += 1;
        Ok(format!("{run_id}:{event_type}:{seq}"))
    }

    /// Drops the counters of a run that will emit nothing more.
    pub fn forget_run(&mut self, run_id: &str) {
        self.counters.remove(run_id);
    }
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
}
