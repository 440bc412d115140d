//! The delivery engine: bounded per-sink queues, workers, retries, dead-lettering, drain, stats.
//!
//! ## Layers, outermost first (the order is the design)
//!
//! 1. **idempotency** — [`Engine::enqueue`] mints the id once ([`crate::delivery::idempotency`]); every
//!    attempt, dead letter and replay carries it unchanged.
//! 2. **dead-letter** — whatever ends without success becomes a [`DeadLetter`] with a reason;
//!    nothing leaves the engine any other way.
//! 3. **retry** — the pure [`RetryPolicy`] decides after each attempt; the engine sleeps through
//!    the runtime seam.
//! 4. **endpoint health** — per sink, inside the retry loop and before each attempt
//!    ([`Engine::set_health`], [`crate::health`]): circuit breaker, then token-bucket rate limit.
//!    A deferral waits and asks again *without* spending an attempt of the retry budget; a
//!    breaker state change is reported as a `breaker.state_changed` hook; auto-disable (sustained
//!    failure) disables the sink like a 410 does.
//! 5. **timeout** — enforced by the transport per request ([`crate::runtime::HttpRequest::timeout`]).
//! 6. **sign** — inside the sink, per attempt: fresh timestamp, same id ([`crate::sinks::webhook`]).
//! 7. **transport** — the runtime's HTTP client; never follows redirects.
//!
//! ## Execution model
//!
//! The core never spawns. [`Engine::workers`] returns `concurrency` futures per sink plus one
//! dead-letter writer; the binding spawns them (tokio tasks in the addon, `spawn_local` on JS
//! promises in the web build, a local executor in tests). Each sink has its own bounded queue and
//! workers, so a dead endpoint only ever occupies its own workers: fan-out is failure-isolated. A
//! message being retried holds one of its sink's workers while it waits.
//!
//! [`Engine::enqueue`] is synchronous and cheap (an id, a timestamp, one `try_send` per sink):
//! it is what the JS thread pays. The body is built lazily, once per message, by whichever
//! worker gets there first, and shared between sinks.
//!
//! ## Accounting
//!
//! Per sink, under one lock, so a snapshot is always consistent:
//! `accepted = delivered + dead_lettered + pending + filtered`. A message is *pending* from
//! acceptance until it is delivered or dead-lettered; a full queue dead-letters at once
//! (`queue_full`) rather than dropping. [`Engine::drain`] waits until nothing is pending and every
//! dead letter is written; at its deadline it dead-letters everything still pending with reason
//! `shutdown` (queued, sleeping between retries, or mid-request) and then returns.

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use async_channel::{Receiver, Sender, TrySendError};
use event_listener::Event;
use futures_util::future::{select, Either};
use serde::Serialize;

use crate::delivery::dlq::{AttemptRecord, DeadLetter, DeadLetterReason, DeadLetterStore};
use crate::delivery::envelope::{self, EnvelopeError, EnvelopeLimits};
use crate::delivery::idempotency::IdAllocator;
use crate::delivery::message::{Accepted, FinalOutcome, Message, Settled, SettledFn};
use crate::delivery::retry::{parse_retry_after, Decision, Outcome, RetryPolicy};
use crate::error::DeliveryError;
use crate::health::{Admission, EndpointHealth, HealthConfig, HealthEvent};
use crate::runtime::{MaybeSend, MaybeSync, Runtime};
use crate::sinks::{Delivery, Sink};

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
    /// Messages that may wait in its queue.
    pub queue_capacity: usize,
    /// Which events it receives.
    pub events: EventFilter,
}

/// Something worth telling the application about (delivery hooks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookEvent {
    /// `attempt.failed`, `message.exhausted`, `message.dead_lettered`, `endpoint.disabled`,
    /// `breaker.state_changed` or `dlq.write_failed`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The sink's name.
    pub sink: String,
    /// The message id.
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
    }
}

/// One sink's line in [`Stats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinkStats {
    /// The sink's name.
    pub name: String,
    /// Whether a 410 disabled it.
    pub disabled: bool,
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

struct Job {
    id: Arc<str>,
    run_id: Arc<str>,
    event: Arc<str>,
    accepted_at_ms: u64,
    data: String,
    body: OnceLock<Result<Arc<[u8]>, EnvelopeError>>,
    /// Sinks whose part of this message is not final yet (see [`Settled`]).
    unsettled: AtomicUsize,
    /// Whether any sink dead-lettered it.
    dead: AtomicBool,
}

impl Job {
    fn body(&self, limits: EnvelopeLimits) -> Result<Arc<[u8]>, EnvelopeError> {
        self.body
            .get_or_init(|| {
                envelope::build(&self.event, self.accepted_at_ms, &self.data, limits).map(|b| Arc::from(b.into_bytes()))
            })
            .clone()
    }
}

struct Slot<S> {
    name: String,
    sink: S,
    policy: RetryPolicy,
    concurrency: usize,
    events: EventFilter,
    tx: Sender<Arc<Job>>,
    rx: Receiver<Arc<Job>>,
    counters: Mutex<Counters>,
    disabled: AtomicBool,
    health: Mutex<Option<EndpointHealth>>,
}

impl<S> Slot<S> {
    fn count<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        f(&mut self.counters.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn health<R>(&self, f: impl FnOnce(&mut EndpointHealth) -> R) -> Option<R> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner).as_mut().map(f)
    }
}

struct Inner<R, S, D, H> {
    runtime: R,
    limits: EnvelopeLimits,
    slots: Vec<Slot<S>>,
    ids: Mutex<IdAllocator>,
    store: D,
    hooks: H,
    dead_tx: Sender<(usize, DeadLetter, Arc<Job>)>,
    dead_rx: Receiver<(usize, DeadLetter, Arc<Job>)>,
    dlq_outstanding: AtomicU64,
    closed: AtomicBool,
    shutdown: AtomicBool,
    idle: Event,
    shutdown_event: Event,
    on_settled: OnceLock<Box<dyn SettledFn>>,
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
            let (tx, rx) = async_channel::bounded(spec.queue_capacity);
            slots.push(Slot {
                name: spec.name,
                sink: spec.sink,
                policy: spec.policy,
                concurrency: spec.concurrency,
                events: spec.events,
                tx,
                rx,
                counters: Mutex::new(Counters::default()),
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
                store,
                hooks,
                dead_tx,
                dead_rx,
                dlq_outstanding: AtomicU64::new(0),
                closed: AtomicBool::new(false),
                shutdown: AtomicBool::new(false),
                idle: Event::new(),
                shutdown_event: Event::new(),
                on_settled: OnceLock::new(),
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
    /// filtered it out. Never blocks; a full queue dead-letters (`queue_full`) instead.
    pub fn enqueue(&self, event: &str, run_id: &str, data: String) -> Result<Option<Arc<str>>, DeliveryError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        if !self.wants(event) {
            self.count_filtered();
            return Ok(None);
        }
        let id = self.mint_id(run_id, event, false)?;
        let message = Message {
            id,
            event: event.into(),
            run_id: run_id.into(),
            root_run_id: None,
            accepted_at_ms: self.inner.runtime.now_ms(),
            data,
        };
        match self.enqueue_message(message)? {
            Accepted::Queued(id) => Ok(Some(id)),
            Accepted::Filtered => Ok(None),
        }
    }

    /// Whether any sink's filter takes `event` (see [`crate::delivery::message`]).
    pub fn wants(&self, event: &str) -> bool {
        self.inner.slots.iter().any(|slot| slot.events.wants(event))
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

    /// Accepts a message whose id is already minted (a spool's record, or a restart's
    /// redelivery): same id, same accepted time, same body bytes as in its first life.
    pub fn enqueue_message(&self, message: Message) -> Result<Accepted, DeliveryError> {
        let inner = &self.inner;
        if inner.closed.load(Ordering::Acquire) {
            return Err(DeliveryError::Closed);
        }
        if message.id.is_empty() || message.id.contains('.') {
            return Err(DeliveryError::InvalidId);
        }
        let takers = inner.slots.iter().filter(|slot| slot.events.wants(&message.event)).count();
        if takers == 0 {
            self.count_filtered();
            return Ok(Accepted::Filtered);
        }
        let job = Arc::new(Job {
            id: message.id.clone(),
            run_id: message.run_id,
            event: message.event,
            accepted_at_ms: message.accepted_at_ms,
            data: message.data,
            body: OnceLock::new(),
            unsettled: AtomicUsize::new(takers),
            dead: AtomicBool::new(false),
        });
        for (index, slot) in inner.slots.iter().enumerate() {
            self.offer(index, slot, &job);
        }
        Ok(Accepted::Queued(message.id))
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

    fn offer(&self, index: usize, slot: &Slot<S>, job: &Arc<Job>) {
        let wanted = slot.events.wants(&job.event);
        slot.count(|c| {
            c.accepted += 1;
            if wanted {
                c.pending += 1;
            } else {
                c.filtered += 1;
            }
        });
        if !wanted {
            return;
        }
        match slot.tx.try_send(job.clone()) {
            Ok(()) => {}
            Err(TrySendError::Full(job)) => self.dead_letter(index, &job, DeadLetterReason::QueueFull, Vec::new()),
            Err(TrySendError::Closed(job)) => self.dead_letter(index, &job, DeadLetterReason::Shutdown, Vec::new()),
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
        let job = Arc::new(Job {
            id: record.id.into(),
            run_id: record.run_id.into(),
            event: record.event.into(),
            accepted_at_ms: record.accepted_at_ms,
            data: String::new(),
            body: OnceLock::from(Ok(body)),
            unsettled: AtomicUsize::new(1),
            dead: AtomicBool::new(false),
        });
        let slot = &inner.slots[index];
        slot.count(|c| {
            c.accepted += 1;
            c.pending += 1;
        });
        match slot.tx.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(job)) => self.dead_letter(index, &job, DeadLetterReason::QueueFull, Vec::new()),
            Err(TrySendError::Closed(job)) => self.dead_letter(index, &job, DeadLetterReason::Shutdown, Vec::new()),
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
                let counters = slot.count(|c| *c);
                total.add(&counters);
                SinkStats { name: slot.name.clone(), disabled: slot.disabled.load(Ordering::Acquire), counters }
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
                while let Ok(job) = slot.rx.try_recv() {
                    self.dead_letter(index, &job, DeadLetterReason::Shutdown, Vec::new());
                }
            }
            self.wait_idle().await;
            inner.shutdown.store(false, Ordering::Release);
        }
        self.stats()
    }

    /// Stops accepting, drains with `timeout`, and lets the workers end.
    pub async fn close(&self, timeout: Duration) -> Stats {
        self.inner.closed.store(true, Ordering::Release);
        let stats = self.drain(timeout).await;
        for slot in &self.inner.slots {
            slot.tx.close();
        }
        self.inner.dead_tx.close();
        stats
    }

    /// Whether [`Engine::close`] was called.
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
        let rx = self.inner.slots[index].rx.clone();
        while let Ok(job) = rx.recv().await {
            self.process(index, job).await;
        }
    }

    async fn process(&self, index: usize, job: Arc<Job>) {
        let inner = &self.inner;
        let slot = &inner.slots[index];
        if inner.shutdown.load(Ordering::Acquire) {
            return self.dead_letter(index, &job, DeadLetterReason::Shutdown, Vec::new());
        }
        let body = match job.body(inner.limits) {
            Ok(body) => body,
            Err(EnvelopeError::TooLarge) => {
                return self.dead_letter(index, &job, DeadLetterReason::PayloadTooLarge, Vec::new())
            }
            Err(EnvelopeError::InvalidData) => {
                return self.dead_letter(index, &job, DeadLetterReason::InvalidPayload, Vec::new())
            }
        };
        let mut attempts = Vec::new();
        for attempt in 1usize.. {
            if slot.disabled.load(Ordering::Acquire) {
                return self.dead_letter(index, &job, DeadLetterReason::EndpointDisabled, attempts);
            }
            match self.admit(slot, &job).await {
                Some(true) => {}
                Some(false) => return self.dead_letter(index, &job, DeadLetterReason::EndpointDisabled, attempts),
                None => return self.dead_letter(index, &job, DeadLetterReason::Shutdown, attempts),
            }
            let delivery = Delivery {
                id: job.id.clone(),
                body: body.clone(),
                event: job.event.clone(),
                run_id: job.run_id.clone(),
                attempt,
            };
            let Some(decision) = self.attempt(slot, delivery, &mut attempts).await else {
                return self.dead_letter(index, &job, DeadLetterReason::Shutdown, attempts);
            };
            let last = attempts.last().cloned().unwrap_or_else(|| AttemptRecord {
                at_ms: 0,
                status: None,
                error: None,
                duration_ms: 0,
                snippet: String::new(),
            });
            let hook = |kind, next_delay_ms, reason: Option<DeadLetterReason>| HookEvent {
                kind,
                sink: slot.name.clone(),
                id: job.id.to_string(),
                attempt,
                status: last.status,
                error: last.error.clone(),
                next_delay_ms,
                reason: reason.map(DeadLetterReason::as_str),
                state: None,
            };
            match decision {
                Decision::Success => {
                    slot.count(|c| {
                        c.delivered += 1;
                        c.pending -= 1;
                    });
                    self.settle_part(&job, false);
                    inner.idle.notify(usize::MAX);
                    return;
                }
                Decision::Retry(delay) => {
                    inner.hooks.emit(hook(
                        "attempt.failed",
                        Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
                        None,
                    ));
                    if self.until_shutdown(inner.runtime.sleep(delay)).await.is_none() {
                        return self.dead_letter(index, &job, DeadLetterReason::Shutdown, attempts);
                    }
                }
                Decision::DeadLetter(reason) => {
                    inner.hooks.emit(hook("attempt.failed", None, Some(reason)));
                    if matches!(reason, DeadLetterReason::Exhausted | DeadLetterReason::Redirect) {
                        inner.hooks.emit(hook("message.exhausted", None, Some(reason)));
                    }
                    return self.dead_letter(index, &job, reason, attempts);
                }
                Decision::Disable => {
                    inner.hooks.emit(hook("attempt.failed", None, Some(DeadLetterReason::Gone)));
                    if !slot.disabled.swap(true, Ordering::AcqRel) {
                        inner.hooks.emit(hook("endpoint.disabled", None, Some(DeadLetterReason::Gone)));
                    }
                    return self.dead_letter(index, &job, DeadLetterReason::Gone, attempts);
                }
            }
        }
    }

    /// Waits until the sink's health admits an attempt: `Some(true)` to send, `Some(false)` when
    /// the endpoint is disabled, `None` on shutdown. Deferrals are not attempts: the caller's
    /// attempt number does not move while this waits.
    async fn admit(&self, slot: &Slot<S>, job: &Job) -> Option<bool> {
        let runtime = &self.inner.runtime;
        loop {
            let now = runtime.now_ms();
            let Some((admission, events)) = slot.health(|h| h.admit(now)) else { return Some(true) };
            self.health_events(slot, &job.id, 0, events);
            match admission {
                Admission::Send { .. } => return Some(true),
                Admission::Disabled => {
                    slot.disabled.store(true, Ordering::Release);
                    return Some(false);
                }
                Admission::Defer { until_ms, .. } => {
                    let wait = Duration::from_millis(until_ms.saturating_sub(now).max(1));
                    self.until_shutdown(runtime.sleep(wait)).await?;
                }
            }
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
    async fn attempt(&self, slot: &Slot<S>, delivery: Delivery, log: &mut Vec<AttemptRecord>) -> Option<Decision> {
        let runtime = &self.inner.runtime;
        let attempt = delivery.attempt;
        let delivery_id = delivery.id.clone();
        let started = runtime.now_ms();
        slot.count(|c| c.attempts += 1);
        let response = self.until_shutdown(slot.sink.send(delivery)).await;
        let finished = runtime.now_ms();
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
                self.health_events(slot, &delivery_id, attempt, events);
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
            Err(_) => job.data.clone(),
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
        slot.count(|c| {
            c.dead_lettered += 1;
            c.pending -= 1;
        });
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
