//! What goes into the engine and what comes out per message: the stable API the durable spool
//! (and any other producer that mints ids itself) builds on.
//!
//! ## Enqueue with a fixed id
//!
//! [`crate::delivery::engine::Engine::enqueue`] mints the id and accepts in one step. A producer
//! that must record the message *before* it counts as accepted (the spool appends it to disk
//! first) splits the two:
//!
//! 1. [`Engine::wants`](crate::delivery::engine::Engine::wants) — would any sink take this event?
//!    (If not, there is nothing to record.)
//! 2. [`Engine::mint_id`](crate::delivery::engine::Engine::mint_id) — the id, exactly as
//!    `enqueue` would mint it (`{run_id}:{event}:{seq}`).
//! 3. persist a [`Message`] (id, event, run ids, accepted time, data),
//! 4. [`Engine::enqueue_message`](crate::delivery::engine::Engine::enqueue_message) — accept it.
//!
//! After a restart the same persisted [`Message`]s are handed to `enqueue_message` again: the id,
//! accepted time and therefore the body bytes are the ones of the first life, so receivers dedupe
//! on `webhook-id`.
//!
//! ## Final outcome per message
//!
//! [`Engine::set_on_settled`](crate::delivery::engine::Engine::set_on_settled) registers one
//! function called exactly once per accepted message, when **every** sink that took it reached a
//! final outcome: [`FinalOutcome::Delivered`] if all of them delivered it,
//! [`FinalOutcome::DeadLettered`] if any dead-lettered it — and only after that dead letter was
//! handed to the store and the store's `put` returned (a failed write is still reported here, and
//! counted in `dlq_write_errors`). Messages every sink filtered out are never accepted, so never
//! settled. A message rejected by backpressure (`Err(Backpressure)`) was not accepted either.
//! The function runs on an engine worker (a tokio thread in the addon): it must not block.

use std::sync::Arc;

use crate::runtime::{MaybeSend, MaybeSync};

/// One message as the engine accepts it, with its id already minted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The stable id (`webhook-id`), minted by [`Engine::mint_id`](crate::delivery::engine::Engine::mint_id)
    /// or restored from a spool. Non-empty, no `.`.
    pub id: Arc<str>,
    /// The LangChain event name, e.g. `on_tool_end`.
    pub event: Arc<str>,
    /// The event's own run.
    pub run_id: Arc<str>,
    /// The root run of the event's run tree, the unit of `ordering: "run"`; `None` = `run_id`.
    pub root_run_id: Option<Arc<str>>,
    /// When the event was first accepted (ms since the epoch): the body's `timestamp`.
    pub accepted_at_ms: u64,
    /// The event's data as JSON text.
    pub data: String,
}

/// What [`Engine::enqueue_message`](crate::delivery::engine::Engine::enqueue_message) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// Accepted for at least one sink; the message will settle exactly once.
    Queued(Arc<str>),
    /// Every sink's filter skipped it (counted as `filtered`); it will not settle.
    Filtered,
}

/// How a message ended, over all the sinks that took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalOutcome {
    /// Every sink delivered it.
    Delivered,
    /// At least one sink dead-lettered it, and the dead letter reached the store.
    DeadLettered,
}

/// A message reached its final outcome (see [`FinalOutcome`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The message id.
    pub id: Arc<str>,
    /// The outcome.
    pub outcome: FinalOutcome,
}

/// Receives [`Settled`] notifications; called on an engine worker, must not block.
pub trait SettledFn: Fn(Settled) + MaybeSend + MaybeSync + 'static {}
impl<T: Fn(Settled) + MaybeSend + MaybeSync + 'static> SettledFn for T {}
