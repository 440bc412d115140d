//! The delivery engine: per-sink lanes, workers that make one attempt at a time, a delay queue
//! for retries, ordering and batching, backpressure, dead-lettering, drain, stats.
//!
//! ## Layers, outermost first (the order is the design)
//!
//! 1. **idempotency** — [`Engine::enqueue`] mints the id once ([`crate::delivery::idempotency`]); every
//!    attempt, dead letter and replay carries it unchanged. Producers that persist first (the
//!    spool) mint and enqueue separately: [`crate::delivery::message`].
//! 2. **dead-letter** — whatever ends without success becomes a [`DeadLetter`] with a reason;
//!    nothing leaves the engine any other way.
//! 3. **retry** — the pure [`RetryPolicy`] decides after each attempt; a retry goes to the sink's
//!    **delay queue** with its due time ([`crate::delivery::lane`]).
//! 4. **endpoint health** — per sink, before each attempt ([`Engine::set_health`],
//!    [`crate::health`]): circuit breaker, then token-bucket rate limit. A deferral puts the work
//!    in the delay queue until the time health names, *without* spending an attempt; a breaker
//!    state change is reported as a `breaker.state_changed` hook; auto-disable (sustained
//!    failure) disables the sink like a 410 does.
//! 5. **timeout** — enforced by the transport per request ([`crate::runtime::HttpRequest::timeout`]).
//! 6. **sign** — inside the sink, per attempt: fresh timestamp, same id ([`crate::sinks::webhook`]).
//! 7. **transport** — the runtime's HTTP client; never follows redirects.
//!
//! ## Execution model
//!
//! The core never spawns. [`Engine::workers`] returns `concurrency` futures per sink plus one
//! dead-letter writer; the binding spawns them (tokio tasks in the addon, `spawn_local` on JS
//! promises in the web build, a local executor in tests). Each sink has its own lane and
//! workers, so a dead endpoint only ever occupies its own workers: fan-out is failure-isolated.
//!
//! A worker takes the next ready work (one event, or a batch), makes **one** attempt and lets go:
//! delivered or dead-lettered, it is settled; to be retried, it goes to the lane's delay queue
//! and the worker takes the next work at once. So `concurrency` limits attempts in flight, never
//! messages waiting — a few percent of failing requests on a 1 s / 5 s / 30 s schedule no longer
//! ties workers up. Idle workers sleep (through the runtime seam, so the virtual clock drives the
//! tests) until the earliest due retry or until new work arrives. Schedules are exactly those of
//! the policy: the retry is due `delay` after its failed attempt finished (a zero delay retries
//! on the spot, after a zero sleep).
//!
//! [`Engine::enqueue`] is synchronous and cheap (an id, a timestamp, one short lock per sink):
//! it is what the JS thread pays. The body is built lazily, once per message, by whichever
//! worker gets there first, and shared between sinks.
//!
//! ## Ordering and batching (per sink)
//!
//! `ordering: "run"` ([`Order::Run`]): a root run's events are attempted one at a time in emit
//! order; the next starts after the previous one's final outcome. A dead-lettered event does not
//! block its run: **the rest of the run follows, in order** (each event's own outcome decides
//! its own fate; the gap shows in the DLQ and in the `message.dead_lettered` hook). Other runs
//! never wait on one run's retries: only the run's head is ever ready or delayed, and it holds
//! no worker while it waits. `batch` ([`crate::delivery::batch`]) groups ready events into one
//! delivery, retried and dead-lettered as a whole; combined with ordering, a batch carries a
//! run's events in emit order and a run is never in two batches at once.
//!
//! ## Accounting and backpressure
//!
//! Per sink, under the lane's lock, so a snapshot is always consistent:
//! `accepted = delivered + dead_lettered + pending + filtered`. A message is *pending* from
//! acceptance until it is delivered or dead-lettered; the gauges say where (`queued`, `delayed`,
//! `waiting` behind its run, `in_flight`). `queueCapacity` bounds `pending` per sink — memory
//! never grows without bound — and [`Overflow`] says what happens at the limit: dead-letter the
//! new event (`queue_full`, the default), dead-letter the oldest unattempted one, or reject the
//! enqueue (`ERR_RUNWIRE_BACKPRESSURE`, nothing accepted; `rejected` counts it). Reaching the
//! limit emits a `queue.full` hook and sets `backpressure` in the sink's stats; falling back
//! under three quarters of it emits `queue.available`.
//!
//! [`Engine::drain`] waits until nothing is pending and every dead letter is written; at its
//! deadline it dead-letters everything still pending with reason `shutdown` (ready, delayed,
//! waiting, or mid-request) and then returns.

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use async_channel::{Receiver, Sender};
use event_listener::Event;
use futures_util::future::{select, Either};
use serde::Serialize;

use crate::delivery::batch::{self, item_bytes, BatchConfig, BATCH_OVERHEAD};
use crate::delivery::dlq::{AttemptRecord, DeadLetter, DeadLetterReason, DeadLetterStore};
use crate::delivery::envelope::{self, EnvelopeError, EnvelopeLimits};
use crate::delivery::idempotency::IdAllocator;
use crate::delivery::intern::Interner;
use crate::delivery::lane::{Lane, Take, Work};
pub use crate::delivery::lane::{Order, Overflow};
use crate::delivery::message::{Accepted, FinalOutcome, Message, Settled, SettledFn};
use crate::delivery::retry::{parse_retry_after, Decision, Outcome, RetryPolicy};
use crate::error::DeliveryError;
use crate::events::run_webhook::{self, RunCompletion};
use crate::health::{Admission, EndpointHealth, HealthConfig, HealthEvent};
use crate::runtime::{MaybeSend, MaybeSync, Runtime};
use crate::sinks::{BatchDelivery, Delivery, Sink, SinkResponse};

/// The seed's taxonomy: what a sink receives unless configured otherwise. `on_chain_end` is
/// forwarded only for named chains; the JS handler applies that rule before enqueueing.
pub const DEFAULT_EVENTS: [&str; 7] = [
    "on_custom_event",
    "on_tool_end",
    "on_chain_end",
    "on_llm_end",
    "on_chat_model_end",
    "on_agent_action",
    "on_agent_finish",
];

/// Which LangChain events a sink receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Everything enqueued.
    All,
    /// Only these event names.
    Only(HashSet<String>),
}

impl Default for EventFilter {
    fn default() -> Self {
        Self::Only(DEFAULT_EVENTS.iter().map(|&e| e.to_owned()).collect())
    }
}

impl EventFilter {
    fn wants(&self, event: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(event),
        }
    }
}

/// One sink and how it is driven.
#[derive(Debug)]
pub struct SinkSpec<S> {
    /// A name for stats, hooks and dead letters (never a secret).
    pub name: String,
    /// The sink.
    pub sink: S,
    /// Its retry schedule.
    pub policy: RetryPolicy,
    /// Concurrent attempts (workers) for this sink.
    pub concurrency: usize,
    /// Events that may be pending (queued, delayed, waiting for their run, in flight).
    pub queue_capacity: usize,
    /// Which events it receives.
    pub events: EventFilter,
    /// What happens at `queue_capacity`.
    pub overflow: Overflow,
    /// Delivery order.
    pub order: Order,
    /// Batching, if on.
    pub batch: Option<BatchConfig>,
}

/// Something worth telling the application about (delivery hooks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookEvent {
    /// `attempt.failed`, `message.exhausted`, `message.dead_lettered`, `endpoint.disabled`,
    /// `breaker.state_changed`, `dlq.write_failed`, `queue.full` or `queue.available`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The sink's name.
    pub sink: String,
    /// The message id (a batch's id for a batch attempt; empty for `queue.*`).
    pub id: String,
    /// The attempt number this is about (0 if none was made).
    pub attempt: usize,
    /// HTTP status of the attempt, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Error class of the attempt, if no response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the next attempt is due, for `attempt.failed` with a retry ahead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_delay_ms: Option<u64>,
    /// The dead-letter reason, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For `breaker.state_changed`: the new state (`open`, `half_open`, `closed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
}

/// Receives [`HookEvent`]s. Must not block: bindings forward to JS asynchronously.
pub trait Hooks: MaybeSend + MaybeSync + 'static {
    /// Called on the engine's worker.
    fn emit(&self, event: HookEvent);
}

/// No hooks.
impl Hooks for () {
    fn emit(&self, _event: HookEvent) {}
}

/// Counters of one sink (and, summed, of the engine).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Messages offered to this sink.
    pub accepted: u64,
    /// Got a 2xx.
    pub delivered: u64,
    /// Ended in the dead-letter queue.
    pub dead_lettered: u64,
    /// Not yet delivered or dead-lettered.
    pub pending: u64,
    /// Skipped by the sink's event filter.
    pub filtered: u64,
    /// Attempts made.
    pub attempts: u64,
    /// Attempts that failed.
    pub failed_attempts: u64,
    /// Dead letters the store failed to persist (still counted as dead-lettered).
    pub dlq_write_errors: u64,
    /// Events refused by `overflow: "reject"` (never accepted).
    pub rejected: u64,
    /// Pending events ready for a worker.
    pub queued: u64,
    /// Pending events in the delay queue (retries, health deferrals).
    pub delayed: u64,
    /// Pending events waiting for their run's previous event (`ordering: "run"`).
    pub waiting: u64,
    /// Attempts (single events or batches) being made now.
    pub in_flight: u64,
}

impl Counters {
    fn add(&mut self, other: &Self) {
        self.accepted += other.accepted;
        self.delivered += other.delivered;
        self.dead_lettered += other.dead_lettered;
        self.pending += other.pending;
        self.filtered += other.filtered;
        self.attempts += other.attempts;
        self.failed_attempts += other.failed_attempts;
        self.dlq_write_errors += other.dlq_write_errors;
        self.rejected += other.rejected;
        self.queued += other.queued;
        self.delayed += other.delayed;
        self.waiting += other.waiting;
        self.in_flight += other.in_flight;
    }
}

/// One sink's line in [`Stats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinkStats {
    /// The sink's name.
    pub name: String,
    /// Whether a 410 disabled it.
    pub disabled: bool,
    /// Whether it is at its `queueCapacity` (between `queue.full` and `queue.available`).
    pub backpressure: bool,
    /// Its counters.
    #[serde(flatten)]
    pub counters: Counters,
}

/// A consistent snapshot of the engine's counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Sums over all sinks.
    #[serde(flatten)]
    pub total: Counters,
    /// Per sink.
    pub sinks: Vec<SinkStats>,
}

/// One accepted event, shared by the sinks that took it.
pub(crate) struct Job {
    pub(crate) id: Arc<str>,
    pub(crate) run_id: Arc<str>,
    /// The unit of `ordering: "run"`.
    pub(crate) root: Arc<str>,
    pub(crate) event: Arc<str>,
    pub(crate) accepted_at_ms: u64,
    /// The event's data, until the body is built from it.
    payload: Mutex<Payload>,
    /// The only sinks (by name) that may take it; empty = every sink whose filter wants it.
    only: Box<[Arc<str>]>,
    /// Sinks whose part of this message is not final yet (see [`Settled`]).
    unsettled: AtomicUsize,
    /// Whether any sink dead-lettered it.
    dead: AtomicBool,
}

/// A job's payload: the event's data until its body is built (lazily, by the first worker that
/// sends it), then the body alone — an event waiting out a retry holds one copy, not two. A
/// body that cannot be built keeps the data, for the dead letter.
enum Payload {
    Data(String),
    Built(Arc<[u8]>),
    Failed(EnvelopeError, String),
}

impl Payload {
    fn from_body(body: Result<Arc<[u8]>, EnvelopeError>) -> Mutex<Self> {
        Mutex::new(match body {
            Ok(body) => Self::Built(body),
            Err(error) => Self::Failed(error, String::new()),
        })
    }
}

impl Job {
    fn payload(&self) -> MutexGuard<'_, Payload> {
        self.payload.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The body, built on first use (under the lock: the job's other sinks wait for it, once).
    fn body(&self, limits: EnvelopeLimits) -> Result<Arc<[u8]>, EnvelopeError> {
        let mut payload = self.payload();
        let data = match &mut *payload {
            Payload::Built(body) => return Ok(body.clone()),
            Payload::Failed(error, _) => return Err(*error),
            Payload::Data(data) => std::mem::take(data),
        };
        match envelope::build(&self.event, self.accepted_at_ms, &data, limits) {
            Ok(text) => {
                let body: Arc<[u8]> = Arc::from(text.into_bytes());
                *payload = Payload::Built(body.clone());
                Ok(body)
            }
            Err(error) => {
                *payload = Payload::Failed(error, data);
                Err(error)
            }
        }
    }

    /// The body's length once built, else the data's (`Err`).
    pub(crate) fn body_len(&self) -> Result<usize, usize> {
        match &*self.payload() {
            Payload::Built(body) => Ok(body.len()),
            Payload::Data(data) | Payload::Failed(_, data) => Err(data.len()),
        }
    }

    /// The data of a job whose body could not be built (what its dead letter carries).
    fn unbuilt_data(&self) -> String {
        match &*self.payload() {
            Payload::Data(data) | Payload::Failed(_, data) => data.clone(),
            Payload::Built(_) => String::new(),
        }
    }
}

struct Slot<S> {
    name: String,
    sink: S,
    policy: RetryPolicy,
    concurrency: usize,
    capacity: u64,
    overflow: Overflow,
    order: Order,
    batch: Option<BatchConfig>,
    events: EventFilter,
    lane: Mutex<Lane>,
    /// New ready work, a new earliest due time, or stop.
    wake: Event,
    disabled: AtomicBool,
    health: Mutex<Option<EndpointHealth>>,
}

impl<S> Slot<S> {
    fn lane(&self) -> MutexGuard<'_, Lane> {
        self.lane.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        f(&mut self.lane().counters)
    }

    fn health<R>(&self, f: impl FnOnce(&mut EndpointHealth) -> R) -> Option<R> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner).as_mut().map(f)
    }
}

type DeadItem = (usize, DeadLetter, Arc<Job>);

struct Inner<R, S, D, H> {
    runtime: R,
    limits: EnvelopeLimits,
    slots: Vec<Slot<S>>,
    ids: Mutex<IdAllocator>,
    interner: Mutex<Interner>,
    store: D,
    hooks: H,
    dead_tx: Sender<DeadItem>,
    dead_rx: Receiver<DeadItem>,
    dlq_outstanding: AtomicU64,
    closed: AtomicBool,
    stopped: AtomicBool,
    shutdown: AtomicBool,
    idle: Event,
    shutdown_event: Event,
    on_settled: OnceLock<Box<dyn SettledFn>>,
    batch_salt: OnceLock<u64>,
    batch_seq: AtomicU64,
}

/// The delivery engine. Cheap to clone (an `Arc`).
pub struct Engine<R, S, D, H> {
    inner: Arc<Inner<R, S, D, H>>,
}

impl<R, S, D, H> Clone for Engine<R, S, D, H> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

/// What health says about an attempt now.
enum Admit {
    Send,
    Disabled,
    Defer(u64),
}

/// One attempt's future, boxed: `attempt` and the sink's (large) send future are compiled once,
/// not once per call site (single event, batch) — it keeps the web build's size down.
#[cfg(not(target_arch = "wasm32"))]
type SendFuture<'a> = std::pin::Pin<Box<dyn Future<Output = SinkResponse> + Send + 'a>>;
#[cfg(target_arch = "wasm32")]
type SendFuture<'a> = std::pin::Pin<Box<dyn Future<Output = SinkResponse> + 'a>>;

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<R, S, D, H> Engine<R, S, D, H>
where
    R: Runtime + MaybeSync,
    S: Sink,
    D: DeadLetterStore,
    H: Hooks,
{
    /// An engine over `sinks`; start it by spawning [`Engine::workers`].
    pub fn new(
        runtime: R,
        limits: EnvelopeLimits,
        sinks: Vec<SinkSpec<S>>,
        store: D,
        hooks: H,
    ) -> Result<Self, DeliveryError> {
        if sinks.is_empty() {
            return Err(DeliveryError::InvalidConfig("at least one sink is required".into()));
        }
        if limits.max_bytes == 0 || limits.max_bytes > envelope::HARD_MAX_BYTES {
            return Err(DeliveryError::InvalidConfig(format!(
                "maxBodyBytes must be between 1 and {}",
                envelope::HARD_MAX_BYTES
            )));
        }
        let mut names = HashSet::new();
        let mut slots = Vec::with_capacity(sinks.len());
        for spec in sinks {
            if spec.name.is_empty() || !names.insert(spec.name.clone()) {
                return Err(DeliveryError::InvalidConfig(format!(
                    "sink names must be unique and non-empty: {:?}",
                    spec.name
                )));
            }
            if spec.concurrency == 0 || spec.queue_capacity == 0 {
                return Err(DeliveryError::InvalidConfig("concurrency and queueCapacity must be at least 1".into()));
            }
            if spec.batch.is_some_and(|b| b.max_events == 0 || b.max_bytes == 0) {
                return Err(DeliveryError::InvalidConfig(
                    "batch.maxEvents and batch.maxBytes must be at least 1".into(),
                ));
            }
            slots.push(Slot {
                name: spec.name,
                sink: spec.sink,
                policy: spec.policy,
                concurrency: spec.concurrency,
                capacity: u64::try_from(spec.queue_capacity).unwrap_or(u64::MAX),
                overflow: spec.overflow,
                order: spec.order,
                batch: spec.batch,
                events: spec.events,
                // Allocates as used: the lane's queues grow with what is pending, never to capacity.
                lane: Mutex::new(Lane::default()),
                wake: Event::new(),
                disabled: AtomicBool::new(false),
                health: Mutex::new(None),
            });
        }
        let (dead_tx, dead_rx) = async_channel::unbounded();
        Ok(Self {
            inner: Arc::new(Inner {
                runtime,
                limits,
                slots,
                ids: Mutex::new(IdAllocator::default()),
                interner: Mutex::new(Interner::default()),
                store,
                hooks,
                dead_tx,
                dead_rx,
                dlq_outstanding: AtomicU64::new(0),
                closed: AtomicBool::new(false),
                stopped: AtomicBool::new(false),
                shutdown: AtomicBool::new(false),
                idle: Event::new(),
                shutdown_event: Event::new(),
                on_settled: OnceLock::new(),
                batch_salt: OnceLock::new(),
                batch_seq: AtomicU64::new(0),
            }),
        })
    }

    /// The futures that do the work: `concurrency` per sink, then the dead-letter writer. Spawn
    /// each once; they end after [`Engine::close`].
    pub fn workers(
        &self,
    ) -> (Vec<impl Future<Output = ()> + MaybeSend + 'static>, impl Future<Output = ()> + MaybeSend + 'static) {
        let mut workers = Vec::new();
        for (index, slot) in self.inner.slots.iter().enumerate() {
            for _ in 0..slot.concurrency {
                let engine = self.clone();
                workers.push(async move { engine.work(index).await });
            }
        }
        let engine = self.clone();
        (workers, async move { engine.write_dead_letters().await })
    }

    /// Turns on per-endpoint health for the sink named `sink`: circuit breaker, rate limit and
    /// auto-disable ([`crate::health`]). Call before spawning the workers; calling again resets
    /// the sink's health state.
    pub fn set_health(&self, sink: &str, config: HealthConfig) -> Result<(), DeliveryError> {
        let slot = self
            .inner
            .slots
            .iter()
            .find(|slot| slot.name == sink)
            .ok_or_else(|| DeliveryError::UnknownSink(sink.to_owned()))?;
        let now = self.inner.runtime.now_ms();
        *slot.health.lock().unwrap_or_else(PoisonError::into_inner) = Some(EndpointHealth::new(config, now));
        Ok(())
    }

    /// Accepts one event for every sink that wants it. Returns its id, or `None` when every sink
    /// filtered it out. Never blocks; at a sink's capacity its `overflow` applies.
    pub fn enqueue(&self, event: &str, run_id: &str, data: String) -> Result<Option<Arc<str>>, DeliveryError> {
        self.enqueue_event(event, run_id, None, false, data)
    }

    /// [`Engine::enqueue`] with the event's root run (the unit of `ordering: "run"`; `None` = its
    /// own run) and whether it is its run's last event (`ends_run`: the run's id counters are
    /// released, see [`crate::delivery::idempotency`]).
    pub fn enqueue_event(
        &self,
        event: &str,
        run_id: &str,
        root_run_id: Option<&str>,
        ends_run: bool,
        data: String,
    ) -> Result<Option<Arc<str>>, DeliveryError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        if !self.wants(event) {
            self.count_filtered();
            return Ok(None);
        }
        self.check_room(event)?;
        let id = self.mint_id(run_id, event, ends_run)?;
        let (event, run_id) = self.intern(event, run_id);
        let message = Message {
            id,
            event,
            run_id,
            root_run_id: root_run_id.filter(|r| !r.is_empty()).map(Arc::from),
            accepted_at_ms: self.inner.runtime.now_ms(),
            data,
        };
        match self.enqueue_message(message)? {
            Accepted::Queued(id) => Ok(Some(id)),
            Accepted::Filtered => Ok(None),
        }
    }

    /// Every check [`Engine::enqueue_event`] makes before it mints and queues, with its answers:
    /// `Ok(false)` when every sink filters `event` out (counted as filtered, as there), the same
    /// errors otherwise. A caller that enqueues later on another thread (the addon's hand-off)
    /// asks first, so that enqueue cannot fail — except `Backpressure`, which only
    /// [`Engine::rejects_when_full`] engines answer and which such callers do not defer.
    pub fn admit_event(&self, event: &str, run_id: &str, data: &str) -> Result<bool, DeliveryError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        if !self.wants(event) {
            self.count_filtered();
            return Ok(false);
        }
        crate::delivery::idempotency::check_parts(run_id, event)?;
        crate::signing::canonical::check_depth(data)?;
        self.check_room(event)?;
        Ok(true)
    }

    /// Every check [`Engine::enqueue_run_webhook`] makes before it builds the body, with its
    /// answers (`Ok(false)`: filtered out, counted as filtered) — as [`Engine::admit_event`] is
    /// for events.
    pub fn admit_run_webhook(&self, run: &RunCompletion) -> Result<bool, DeliveryError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        let id = run.webhook_id();
        if id.is_empty() || id.contains('.') {
            return Err(DeliveryError::InvalidId);
        }
        if !self.wants(run_webhook::EVENT) {
            self.count_filtered();
            return Ok(false);
        }
        self.check_room(run_webhook::EVENT)?;
        Ok(true)
    }

    /// Whether some sink answers a full queue with `Backpressure` (`overflow: "reject"`): an
    /// answer only an enqueue on the caller's thread can give exactly.
    pub fn rejects_when_full(&self) -> bool {
        self.inner.slots.iter().any(|slot| slot.overflow == Overflow::Reject)
    }

    /// Whether any sink's filter takes `event` (see [`crate::delivery::message`]).
    pub fn wants(&self, event: &str) -> bool {
        self.inner.slots.iter().any(|slot| slot.events.wants(event))
    }

    /// The shared copies of an event's name and run id (see [`crate::delivery::intern`]).
    pub fn intern(&self, event: &str, run_id: &str) -> (Arc<str>, Arc<str>) {
        let mut interner = self.inner.interner.lock().unwrap_or_else(PoisonError::into_inner);
        (interner.event(event), interner.run(run_id))
    }

    /// Mints the id `enqueue` would give the next `event` of run `run_id`. `ends_run` says this
    /// is the run's last event (e.g. its `on_tool_end`), so its id counters can be released.
    pub fn mint_id(&self, run_id: &str, event: &str, ends_run: bool) -> Result<Arc<str>, DeliveryError> {
        let mut ids = self.inner.ids.lock().unwrap_or_else(PoisonError::into_inner);
        let id = ids.next(run_id, event)?;
        if ends_run {
            ids.forget_run(run_id);
        }
        Ok(id.into())
    }

    /// Every id minted from now on counts above `base` (a spool's per-life id base, see
    /// [`crate::delivery::idempotency`]).
    pub fn set_id_base(&self, base: u64) {
        self.inner.ids.lock().unwrap_or_else(PoisonError::into_inner).set_base(base);
    }

    /// `Err(Backpressure)` when a sink that takes `event` has `overflow: "reject"` and is full
    /// (counted as `rejected`): what [`Engine::enqueue_message`] would answer now. A producer
    /// that accepts before it enqueues (the spool) asks first.
    pub fn check_room(&self, event: &str) -> Result<(), DeliveryError> {
        for slot in &self.inner.slots {
            if slot.overflow == Overflow::Reject && slot.events.wants(event) {
                let mut lane = slot.lane();
                if lane.counters.pending >= slot.capacity {
                    lane.counters.rejected += 1;
                    return Err(DeliveryError::Backpressure(slot.name.clone()));
                }
            }
        }
        Ok(())
    }

    /// Accepts a message whose id is already minted (a spool's record, or a restart's
    /// redelivery): same id, same accepted time, same body bytes as in its first life.
    pub fn enqueue_message(&self, message: Message) -> Result<Accepted, DeliveryError> {
        self.accept(message, None, &[])
    }

    /// Accepts a message whose canonical body was built elsewhere (a Redis Streams job a
    /// producer process wrote, see [`crate::sinks::redis_job`]): every sink signs and sends
    /// exactly `body`, so signatures are over the producer's bytes; `message.data` is unused.
    /// `sinks` names the only sinks that may take it (empty = all); a name no sink has is
    /// `UnknownSink`. Otherwise as [`Engine::enqueue_message`].
    pub fn enqueue_prebuilt(
        &self,
        message: Message,
        body: Arc<[u8]>,
        sinks: &[Arc<str>],
    ) -> Result<Accepted, DeliveryError> {
        if let Some(unknown) = sinks.iter().find(|name| !self.inner.slots.iter().any(|slot| *slot.name == ***name)) {
            return Err(DeliveryError::UnknownSink(unknown.to_string()));
        }
        self.accept(message, Some(body), sinks)
    }

    fn accept(&self, message: Message, body: Option<Arc<[u8]>>, only: &[Arc<str>]) -> Result<Accepted, DeliveryError> {
        let inner = &self.inner;
        if inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        if message.id.is_empty() || message.id.contains('.') {
            return Err(DeliveryError::InvalidId);
        }
        if body.is_none() {
            // Refused here, on the caller's thread, rather than dead-lettered later (issue 18).
            crate::signing::canonical::check_depth(&message.data)?;
        }
        let takes = |slot: &Slot<S>| {
            slot.events.wants(&message.event) && (only.is_empty() || only.iter().any(|name| **name == *slot.name))
        };
        let takers = inner.slots.iter().filter(|slot| takes(slot)).count();
        if takers == 0 {
            self.count_filtered();
            return Ok(Accepted::Filtered);
        }
        self.check_room(&message.event)?;
        let job = Arc::new(Job {
            id: message.id.clone(),
            root: message.root_run_id.unwrap_or_else(|| message.run_id.clone()),
            run_id: message.run_id,
            event: message.event,
            accepted_at_ms: message.accepted_at_ms,
            payload: Mutex::new(body.map_or(Payload::Data(message.data), Payload::Built)),
            only: only.into(),
            unsettled: AtomicUsize::new(takers),
            dead: AtomicBool::new(false),
        });
        for index in 0..inner.slots.len() {
            self.offer(index, &job);
        }
        Ok(Accepted::Queued(message.id))
    }

    /// Accepts a run's completion webhook ([`crate::events::run_webhook`]) for every sink that
    /// wants `run_completed`: its body is built here, once, with the engine's clock as
    /// `webhook_sent_at` and its byte cap, under the run's stable id `{run_id}:run_completed`.
    /// Returns the id, or `None` when every sink filtered it out.
    pub fn enqueue_run_webhook(&self, run: &RunCompletion) -> Result<Option<Arc<str>>, DeliveryError> {
        if !self.admit_run_webhook(run)? {
            return Ok(None);
        }
        let inner = &self.inner;
        let id = run.webhook_id();
        let event = run_webhook::EVENT;
        let takers = inner.slots.iter().filter(|slot| slot.events.wants(event)).count();
        let body = run.payload(inner.runtime.now_ms(), inner.limits.max_bytes).map(|text| Arc::from(text.into_bytes()));
        let run_id: Arc<str> = run.run_id.as_str().into();
        let job = Arc::new(Job {
            id: id.into(),
            root: run_id.clone(),
            run_id,
            event: event.into(),
            accepted_at_ms: inner.runtime.now_ms(),
            payload: Payload::from_body(body),
            only: Box::default(),
            unsettled: AtomicUsize::new(takers),
            dead: AtomicBool::new(false),
        });
        for index in 0..inner.slots.len() {
            self.offer(index, &job);
        }
        Ok(Some(job.id.clone()))
    }

    /// Registers the per-message final-outcome function ([`crate::delivery::message`]). Call
    /// once, before enqueueing; a second call is refused.
    pub fn set_on_settled(&self, on_settled: impl SettledFn) -> Result<(), DeliveryError> {
        self.inner
            .on_settled
            .set(Box::new(on_settled))
            .map_err(|_| DeliveryError::InvalidConfig("the settled callback is already set".into()))
    }

    fn count_filtered(&self) {
        for slot in &self.inner.slots {
            slot.count(|c| {
                c.accepted += 1;
                c.filtered += 1;
            });
        }
    }

    /// One sink's part of `job` is final; the last part reports the message settled.
    fn settle_part(&self, job: &Job, dead: bool) {
        if dead {
            job.dead.store(true, Ordering::Release);
        }
        if job.unsettled.fetch_sub(1, Ordering::AcqRel) == 1 {
            if let Some(on_settled) = self.inner.on_settled.get() {
                let outcome =
                    if job.dead.load(Ordering::Acquire) { FinalOutcome::DeadLettered } else { FinalOutcome::Delivered };
                on_settled(Settled { id: job.id.clone(), outcome });
            }
        }
    }

    fn queue_hook(&self, slot: &Slot<S>, kind: &'static str) {
        self.inner.hooks.emit(HookEvent {
            kind,
            sink: slot.name.clone(),
            id: String::new(),
            attempt: 0,
            status: None,
            error: None,
            next_delay_ms: None,
            reason: None,
            state: None,
        });
    }

    fn offer(&self, index: usize, job: &Arc<Job>) {
        let slot = &self.inner.slots[index];
        let wanted =
            slot.events.wants(&job.event) && (job.only.is_empty() || job.only.iter().any(|name| **name == *slot.name));
        let now = self.inner.runtime.now_ms();
        let mut lane = slot.lane();
        lane.counters.accepted += 1;
        if !wanted {
            lane.counters.filtered += 1;
            return;
        }
        lane.counters.pending += 1;
        let over = lane.counters.pending > slot.capacity;
        let at_limit = lane.counters.pending >= slot.capacity;
        let became_full = at_limit && !lane.full;
        lane.full |= at_limit;
        let (wake, refused, displaced) = if !over {
            lane.push(job.clone(), slot.order, now);
            (lane.push_wakes(slot.order, slot.batch.as_ref()), None, None)
        } else if slot.overflow == Overflow::DropOldest {
            match lane.pop_oldest(slot.order, now) {
                Some(oldest) => {
                    lane.push(job.clone(), slot.order, now);
                    (true, None, Some(oldest))
                }
                None => (false, Some(job.clone()), None),
            }
        } else {
            (false, Some(job.clone()), None)
        };
        drop(lane);
        if became_full {
            self.queue_hook(slot, "queue.full");
        }
        if wake {
            slot.wake.notify(1);
        }
        for job in refused.iter().chain(displaced.iter()) {
            self.dead_letter(index, job, DeadLetterReason::QueueFull, Vec::new());
        }
    }

    /// Re-sends a dead letter to the sink it names (or `sink`): same id, same body bytes, a fresh
    /// timestamp and signature. Counted as a new acceptance on that sink.
    pub fn replay(&self, record: DeadLetter, sink: Option<&str>) -> Result<(), DeliveryError> {
        let inner = &self.inner;
        if inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        let name = sink.unwrap_or(&record.sink);
        let index = inner
            .slots
            .iter()
            .position(|slot| slot.name == name)
            .ok_or_else(|| DeliveryError::UnknownSink(name.to_owned()))?;
        if record.id.is_empty() || record.id.contains('.') {
            return Err(DeliveryError::InvalidRecord("id must be non-empty without '.'".into()));
        }
        let body: Arc<[u8]> = Arc::from(record.body.into_bytes());
        let run_id: Arc<str> = record.run_id.into();
        let job = Arc::new(Job {
            id: record.id.into(),
            root: run_id.clone(),
            run_id,
            event: record.event.into(),
            accepted_at_ms: record.accepted_at_ms,
            payload: Payload::from_body(Ok(body)),
            only: Box::default(),
            unsettled: AtomicUsize::new(1),
            dead: AtomicBool::new(false),
        });
        let slot = &inner.slots[index];
        // A replay goes to the named sink whatever its event filter says.
        let now = inner.runtime.now_ms();
        let mut lane = slot.lane();
        lane.counters.accepted += 1;
        lane.counters.pending += 1;
        if lane.counters.pending > slot.capacity {
            drop(lane);
            self.dead_letter(index, &job, DeadLetterReason::QueueFull, Vec::new());
        } else {
            lane.push(job, slot.order, now);
            drop(lane);
            slot.wake.notify(1);
        }
        Ok(())
    }

    /// A consistent snapshot of the counters.
    pub fn stats(&self) -> Stats {
        let mut total = Counters::default();
        let sinks = self
            .inner
            .slots
            .iter()
            .map(|slot| {
                let (counters, backpressure) = {
                    let lane = slot.lane();
                    (lane.counters, lane.full)
                };
                total.add(&counters);
                SinkStats {
                    name: slot.name.clone(),
                    disabled: slot.disabled.load(Ordering::Acquire),
                    backpressure,
                    counters,
                }
            })
            .collect();
        Stats { total, sinks }
    }

    /// Waits until nothing is pending and every dead letter is written, or until `timeout`; at
    /// the deadline everything still pending is dead-lettered with reason `shutdown`. The engine
    /// keeps accepting afterwards (edge runtimes drain once per request with `waitUntil`).
    pub async fn drain(&self, timeout: Duration) -> Stats {
        let idle = pin!(self.wait_idle());
        let deadline = pin!(self.inner.runtime.sleep(timeout));
        if let Either::Right(_) = select(idle, deadline).await {
            let inner = &self.inner;
            inner.shutdown.store(true, Ordering::Release);
            inner.shutdown_event.notify(usize::MAX);
            for (index, slot) in inner.slots.iter().enumerate() {
                // Under the lane lock, after the flag: a worker scheduling a retry either put it
                // here before (taken now) or sees the flag and dead-letters it itself.
                let works = slot.lane().take_all();
                for work in works {
                    for job in &work.jobs {
                        self.dead_letter(index, job, DeadLetterReason::Shutdown, work.log.clone());
                    }
                }
            }
            self.wait_idle().await;
            inner.shutdown.store(false, Ordering::Release);
        }
        self.stats()
    }

    /// Stops accepting, drains with `timeout`, and lets the workers end.
    pub async fn close(&self, timeout: Duration) -> Stats {
        self.stop_accepting();
        let stats = self.drain(timeout).await;
        self.inner.stopped.store(true, Ordering::Release);
        for slot in &self.inner.slots {
            slot.wake.notify(usize::MAX);
        }
        self.inner.dead_tx.close();
        stats
    }

    /// The first step of [`Engine::close`], for a binding that must refuse events from the moment
    /// `close()` is called, before its future runs: every later enqueue is `Closed`.
    pub fn stop_accepting(&self) {
        self.inner.closed.store(true, Ordering::Release);
    }

    /// Whether [`Engine::close`] (or [`Engine::stop_accepting`]) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    fn is_idle(&self) -> bool {
        self.inner.dlq_outstanding.load(Ordering::Acquire) == 0
            && self.inner.slots.iter().all(|slot| slot.count(|c| c.pending) == 0)
    }

    async fn wait_idle(&self) {
        loop {
            if self.is_idle() {
                return;
            }
            let listener = self.inner.idle.listen();
            if self.is_idle() {
                return;
            }
            listener.await;
        }
    }

    /// Runs `future` unless shutdown starts first (`None`).
    async fn until_shutdown<F: Future>(&self, future: F) -> Option<F::Output> {
        let inner = &self.inner;
        if inner.shutdown.load(Ordering::Acquire) {
            return None;
        }
        let listener = inner.shutdown_event.listen();
        if inner.shutdown.load(Ordering::Acquire) {
            return None;
        }
        match select(pin!(future), listener).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(_) => None,
        }
    }

    async fn work(&self, index: usize) {
        while let Some(work) = self.next_work(index).await {
            self.run(index, work).await;
        }
    }

    fn try_take(&self, index: usize) -> Take {
        let slot = &self.inner.slots[index];
        let now = self.inner.runtime.now_ms();
        let mut lane = slot.lane();
        let take = lane.take(now, slot.order, slot.batch.as_ref());
        if let Take::Work(work) = &take {
            lane.counters.in_flight += 1;
            let _ = work;
            if lane.has_queued() {
                // Hand the watch on: another idle worker takes what is ready or times the next retry.
                drop(lane);
                slot.wake.notify(1);
            }
        }
        take
    }

    /// The next work for a worker of sink `index`, waiting (holding nothing) until there is
    /// some; `None` once the engine is closed and the lane is empty.
    async fn next_work(&self, index: usize) -> Option<Work> {
        let inner = &self.inner;
        let slot = &inner.slots[index];
        loop {
            let take = match self.try_take(index) {
                Take::Work(work) => return Some(work),
                _ => {
                    let listener = slot.wake.listen();
                    match self.try_take(index) {
                        Take::Work(work) => return Some(work),
                        other => (other, listener),
                    }
                }
            };
            match take {
                (Take::Until(due), listener) => {
                    let wait = Duration::from_millis(due.saturating_sub(inner.runtime.now_ms()));
                    select(listener, pin!(inner.runtime.sleep(wait))).await;
                }
                (_, listener) => {
                    if inner.stopped.load(Ordering::Acquire) {
                        return None;
                    }
                    listener.await;
                }
            }
        }
    }

    fn batch_id(&self) -> Arc<str> {
        let inner = &self.inner;
        let salt = *inner.batch_salt.get_or_init(|| inner.runtime.random_u64());
        let n = inner.batch_seq.fetch_add(1, Ordering::Relaxed) + 1;
        format!("batch_{salt:016x}_{n}").into()
    }

    /// Builds the bodies of fresh work (dead-lettering those that cannot be built) and, for a
    /// batch sink, cuts the batch to `maxBytes` and forms its body and id.
    fn prepare(&self, index: usize, work: &mut Work) {
        let inner = &self.inner;
        let slot = &inner.slots[index];
        let mut built = Vec::with_capacity(work.jobs.len());
        for job in work.jobs.drain(..) {
            match job.body(inner.limits) {
                Ok(_) => built.push(job),
                Err(EnvelopeError::TooLarge) => {
                    self.dead_letter(index, &job, DeadLetterReason::PayloadTooLarge, Vec::new());
                }
                Err(EnvelopeError::InvalidData) => {
                    self.dead_letter(index, &job, DeadLetterReason::InvalidPayload, Vec::new());
                }
            }
        }
        work.jobs = built;
        let Some(config) = slot.batch else { return };
        let mut bytes = BATCH_OVERHEAD;
        let mut keep = 0;
        for job in &work.jobs {
            let add = item_bytes(&job.id, &[]) + job.body_len().unwrap_or(0);
            if keep > 0 && bytes + add > config.max_bytes {
                break;
            }
            bytes += add;
            keep += 1;
        }
        if keep < work.jobs.len() {
            let tail = work.jobs.split_off(keep);
            let now = inner.runtime.now_ms();
            slot.lane().put_back(&work.jobs, tail, slot.order, &mut work.held, now);
            slot.wake.notify(1);
        }
        if work.jobs.is_empty() {
            return;
        }
        let id = self.batch_id();
        let bodies: Vec<Arc<[u8]>> = work.jobs.iter().filter_map(|job| job.body(inner.limits).ok()).collect();
        let items: Vec<(&str, &[u8])> = work.jobs.iter().zip(&bodies).map(|(job, body)| (&*job.id, &**body)).collect();
        let body = batch::body(&id, inner.runtime.now_ms(), &items);
        work.batch = Some((id, Arc::from(body)));
    }

    /// One attempt at `work` (or a deferral), then let go of it.
    async fn run(&self, index: usize, mut work: Work) {
        let inner = &self.inner;
        let slot = &inner.slots[index];
        if inner.shutdown.load(Ordering::Acquire) {
            return self.fail(index, work, DeadLetterReason::Shutdown);
        }
        if work.attempt == 0 && work.batch.is_none() {
            self.prepare(index, &mut work);
            if work.jobs.is_empty() {
                return self.finish(index, &work.held);
            }
        }
        loop {
            if slot.disabled.load(Ordering::Acquire) {
                return self.fail(index, work, DeadLetterReason::EndpointDisabled);
            }
            let hook_id = match &work.batch {
                Some((id, _)) => id.clone(),
                None => work.jobs[0].id.clone(),
            };
            match self.admission(slot, &hook_id) {
                Admit::Send => {}
                Admit::Disabled => return self.fail(index, work, DeadLetterReason::EndpointDisabled),
                Admit::Defer(until_ms) => return self.schedule(index, work, until_ms),
            }
            work.attempt += 1;
            let attempt = work.attempt;
            let decision = match &work.batch {
                Some((id, body)) => {
                    let items = work
                        .jobs
                        .iter()
                        .map(|job| Delivery {
                            id: job.id.clone(),
                            body: job.body(inner.limits).unwrap_or_else(|_| Arc::from(&b""[..])),
                            event: job.event.clone(),
                            run_id: job.run_id.clone(),
                            root_run_id: job.root.clone(),
                            accepted_at_ms: job.accepted_at_ms,
                            attempt,
                        })
                        .collect();
                    let batch = BatchDelivery { id: id.clone(), body: body.clone(), items, attempt };
                    self.attempt(slot, &hook_id, attempt, Box::pin(slot.sink.send_batch(batch)), &mut work.log).await
                }
                None => {
                    let job = &work.jobs[0];
                    let delivery = Delivery {
                        id: job.id.clone(),
                        body: job.body(inner.limits).unwrap_or_else(|_| Arc::from(&b""[..])),
                        event: job.event.clone(),
                        run_id: job.run_id.clone(),
                        root_run_id: job.root.clone(),
                        accepted_at_ms: job.accepted_at_ms,
                        attempt,
                    };
                    self.attempt(slot, &hook_id, attempt, Box::pin(slot.sink.send(delivery)), &mut work.log).await
                }
            };
            let Some(decision) = decision else {
                return self.fail(index, work, DeadLetterReason::Shutdown);
            };
            let last = work.log.last().cloned();
            let hook = |kind, next_delay_ms, reason: Option<DeadLetterReason>| HookEvent {
                kind,
                sink: slot.name.clone(),
                id: hook_id.to_string(),
                attempt,
                status: last.as_ref().and_then(|l| l.status),
                error: last.as_ref().and_then(|l| l.error.clone()),
                next_delay_ms,
                reason: reason.map(DeadLetterReason::as_str),
                state: None,
            };
            match decision {
                Decision::Success => {
                    self.delivered(index, &work.jobs);
                    return self.finish(index, &work.held);
                }
                Decision::Retry(delay) => {
                    inner.hooks.emit(hook("attempt.failed", Some(millis(delay)), None));
                    if delay.is_zero() {
                        // An immediate retry: nothing to wait for, so no reason to let go.
                        if self.until_shutdown(inner.runtime.sleep(delay)).await.is_none() {
                            return self.fail(index, work, DeadLetterReason::Shutdown);
                        }
                        continue;
                    }
                    let due = inner.runtime.now_ms().saturating_add(millis(delay));
                    return self.schedule(index, work, due);
                }
                Decision::DeadLetter(reason) => {
                    inner.hooks.emit(hook("attempt.failed", None, Some(reason)));
                    if matches!(reason, DeadLetterReason::Exhausted | DeadLetterReason::Redirect) {
                        inner.hooks.emit(hook("message.exhausted", None, Some(reason)));
                    }
                    return self.fail(index, work, reason);
                }
                Decision::Disable => {
                    inner.hooks.emit(hook("attempt.failed", None, Some(DeadLetterReason::Gone)));
                    if !slot.disabled.swap(true, Ordering::AcqRel) {
                        inner.hooks.emit(hook("endpoint.disabled", None, Some(DeadLetterReason::Gone)));
                    }
                    return self.fail(index, work, DeadLetterReason::Gone);
                }
            }
        }
    }

    /// Puts in-flight `work` in the delay queue until `due_ms`, freeing its worker.
    fn schedule(&self, index: usize, work: Work, due_ms: u64) {
        let slot = &self.inner.slots[index];
        let mut lane = slot.lane();
        lane.counters.in_flight -= 1;
        if self.inner.shutdown.load(Ordering::Acquire) {
            // Drain has emptied the lane already (see `drain`): end it here instead.
            lane.counters.in_flight += 1;
            drop(lane);
            return self.fail(index, work, DeadLetterReason::Shutdown);
        }
        lane.delay(work, due_ms);
        drop(lane);
        slot.wake.notify(1);
    }

    /// Dead-letters every event of in-flight `work` with `reason`, then finishes it.
    fn fail(&self, index: usize, work: Work, reason: DeadLetterReason) {
        for job in &work.jobs {
            self.dead_letter(index, job, reason, work.log.clone());
        }
        self.finish(index, &work.held);
    }

    fn delivered(&self, index: usize, jobs: &[Arc<Job>]) {
        let slot = &self.inner.slots[index];
        let n = jobs.len() as u64;
        let available = {
            let mut lane = slot.lane();
            lane.counters.delivered += n;
            lane.counters.pending -= n;
            Self::maybe_available(slot, &mut lane)
        };
        if available {
            self.queue_hook(slot, "queue.available");
        }
        for job in jobs {
            self.settle_part(job, false);
        }
        self.inner.idle.notify(usize::MAX);
    }

    /// Whether the lane just fell below three quarters of its capacity after being full.
    fn maybe_available(slot: &Slot<S>, lane: &mut Lane) -> bool {
        if lane.full && lane.counters.pending < slot.capacity - slot.capacity / 4 {
            lane.full = false;
            return true;
        }
        false
    }

    /// In-flight work is done: its worker is free and the runs it held move on.
    fn finish(&self, index: usize, held: &[Arc<str>]) {
        let slot = &self.inner.slots[index];
        let now = self.inner.runtime.now_ms();
        {
            let mut lane = slot.lane();
            lane.counters.in_flight -= 1;
            lane.release_all(held, now);
        }
        if !held.is_empty() {
            slot.wake.notify(1);
        }
    }

    /// What health says about an attempt now (no waiting: a deferral goes to the delay queue).
    fn admission(&self, slot: &Slot<S>, id: &str) -> Admit {
        let now = self.inner.runtime.now_ms();
        let Some((admission, events)) = slot.health(|h| h.admit(now)) else { return Admit::Send };
        self.health_events(slot, id, 0, events);
        match admission {
            Admission::Send { .. } => Admit::Send,
            Admission::Disabled => {
                slot.disabled.store(true, Ordering::Release);
                Admit::Disabled
            }
            Admission::Defer { until_ms, .. } => Admit::Defer(until_ms.max(now + 1)),
        }
    }

    /// Reports health changes through the hooks; a health-driven disable disables the sink.
    fn health_events(&self, slot: &Slot<S>, id: &str, attempt: usize, events: Vec<HealthEvent>) {
        for event in events {
            let (kind, state, reason) = match event {
                HealthEvent::Breaker(t) => ("breaker.state_changed", Some(t.to.as_str()), None),
                HealthEvent::Disabled { reason, .. } => {
                    if slot.disabled.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    ("endpoint.disabled", None, Some(reason.as_str()))
                }
            };
            self.inner.hooks.emit(HookEvent {
                kind,
                sink: slot.name.clone(),
                id: id.to_owned(),
                attempt,
                status: None,
                error: None,
                next_delay_ms: None,
                reason,
                state,
            });
        }
    }

    /// One attempt: send (unless shutdown starts), log it, decide. `None` on shutdown.
    async fn attempt(
        &self,
        slot: &Slot<S>,
        id: &str,
        attempt: usize,
        send: SendFuture<'_>,
        log: &mut Vec<AttemptRecord>,
    ) -> Option<Decision> {
        let runtime = &self.inner.runtime;
        let started = runtime.now_ms();
        slot.count(|c| c.attempts += 1);
        let response = self.until_shutdown(send).await;
        let finished = runtime.now_ms();
        // Exact growth: a doubling Vec would hold room for 4 records from the first failure on,
        // for every event waiting out a retry.
        log.reserve_exact(1);
        let Some(response) = response else {
            log.push(AttemptRecord {
                at_ms: started,
                status: None,
                error: Some("shutdown".into()),
                duration_ms: finished.saturating_sub(started),
                snippet: String::new(),
            });
            return None;
        };
        let status = match response.outcome {
            Outcome::Status(status) => Some(status),
            _ => None,
        };
        let retry_after = response.retry_after.as_deref().and_then(|value| parse_retry_after(value, finished));
        let endpoint_ok = match response.outcome {
            Outcome::Status(status) => !(status >= 500 || matches!(status, 300..=399 | 408 | 425 | 429)),
            Outcome::Network | Outcome::Timeout => false,
            _ => true,
        };
        let decision = slot.policy.decide(attempt, response.outcome, retry_after, runtime.random_u64());
        if decision != Decision::Success {
            slot.count(|c| c.failed_attempts += 1);
        }
        if !matches!(response.outcome, Outcome::Blocked) {
            if let Some(events) = slot.health(|h| h.record(finished, endpoint_ok)) {
                self.health_events(slot, id, attempt, events);
            }
        }
        log.push(AttemptRecord {
            at_ms: started,
            status,
            error: response.error,
            duration_ms: finished.saturating_sub(started),
            snippet: AttemptRecord::snippet_from(&response.snippet),
        });
        Some(decision)
    }

    fn dead_letter(&self, index: usize, job: &Arc<Job>, reason: DeadLetterReason, attempts: Vec<AttemptRecord>) {
        let inner = &self.inner;
        let slot = &inner.slots[index];
        // The exact bytes a replay will sign; built here if no attempt was made yet.
        let body = match job.body(inner.limits) {
            Ok(body) => String::from_utf8_lossy(&body).into_owned(),
            Err(_) => job.unbuilt_data(),
        };
        let record = DeadLetter {
            id: job.id.to_string(),
            sink: slot.name.clone(),
            run_id: job.run_id.to_string(),
            event: job.event.to_string(),
            body,
            reason,
            attempts,
            accepted_at_ms: job.accepted_at_ms,
            dead_lettered_at_ms: inner.runtime.now_ms(),
        };
        inner.dlq_outstanding.fetch_add(1, Ordering::AcqRel);
        let available = {
            let mut lane = slot.lane();
            lane.counters.dead_lettered += 1;
            lane.counters.pending -= 1;
            Self::maybe_available(slot, &mut lane)
        };
        if available {
            self.queue_hook(slot, "queue.available");
        }
        inner.hooks.emit(HookEvent {
            kind: "message.dead_lettered",
            sink: slot.name.clone(),
            id: job.id.to_string(),
            attempt: record.attempts.len(),
            status: record.attempts.last().and_then(|a| a.status),
            error: record.attempts.last().and_then(|a| a.error.clone()),
            next_delay_ms: None,
            reason: Some(reason.as_str()),
            state: None,
        });
        if inner.dead_tx.try_send((index, record, job.clone())).is_err() {
            // Only after close(): the writer is gone. Count it as a failed write, never hang drain.
            slot.count(|c| c.dlq_write_errors += 1);
            inner.dlq_outstanding.fetch_sub(1, Ordering::AcqRel);
            self.settle_part(job, true);
        }
        inner.idle.notify(usize::MAX);
    }

    async fn write_dead_letters(&self) {
        let inner = &self.inner;
        while let Ok((index, record, job)) = inner.dead_rx.recv().await {
            let (sink, id) = (record.sink.clone(), record.id.clone());
            if let Err(error) = inner.store.put(record).await {
                inner.slots[index].count(|c| c.dlq_write_errors += 1);
                inner.hooks.emit(HookEvent {
                    kind: "dlq.write_failed",
                    sink,
                    id,
                    attempt: 0,
                    status: None,
                    error: Some(error),
                    next_delay_ms: None,
                    reason: None,
                    state: None,
                });
            }
            self.settle_part(&job, true);
            inner.dlq_outstanding.fetch_sub(1, Ordering::AcqRel);
            inner.idle.notify(usize::MAX);
        }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "engine_health_tests.rs"]
mod health_tests;

#[cfg(test)]
#[path = "engine_flow_tests.rs"]
mod flow_tests;
