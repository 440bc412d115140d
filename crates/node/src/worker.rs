//! `createWorker` / `runwire worker`: delivery past one process. A worker joins a Redis Streams
//! consumer group, reads the job entries producer processes wrote
//! ([`runwire_core::sinks::redis_job`]), delivers each through a normal engine (built by
//! [`crate::engine_builder`] from the same sink options as `createDelivery`: signing, retries,
//! breaker, DLQ), and acknowledges an entry only once its message reached its final outcome.
//!
//! ## Flow
//!
//! - **Start**: `XGROUP CREATE <stream> <group> 0 MKSTREAM` (an existing group, `BUSYGROUP`, is
//!   fine): a new group starts at the stream's beginning, so entries written before the first
//!   worker came up are delivered too.
//! - **Read** (one task, its own connection, because `XREADGROUP … BLOCK` holds the connection it
//!   runs on): `XREADGROUP GROUP g c COUNT n BLOCK ms STREAMS s >` while fewer than
//!   `maxInFlight` entries are unacknowledged; at the bound it waits for acknowledgements, so
//!   memory is bounded whatever the backlog.
//! - **Deliver**: each entry becomes a [`Message`](runwire_core::delivery::message::Message) with
//!   the producer's id and accepted time, handed to `Engine::enqueue_prebuilt` with the exact
//!   body bytes it carries: every attempt signs the producer's bytes.
//! - **Acknowledge**: `Engine::set_on_settled` reports each message's final outcome (delivered
//!   everywhere, or dead-lettered and the dead letter stored); the acker task batches those into
//!   `XACK`s. An entry is never acknowledged earlier, so a crash loses nothing.
//! - **Reclaim**: every `claimIdleMs / 2` a worker runs `XAUTOCLAIM … <claimIdleMs>` and takes
//!   entries another consumer left idle that long (a crashed or killed worker's in-flight
//!   entries). A *live* worker keeps its own long-running entries (retries of an endpoint that
//!   is down) from looking idle by re-claiming them to itself (`XCLAIM … JUSTID`) every
//!   `claimIdleMs / 3`, so only a dead worker's entries move.
//! - **Malformed entries** (a field missing or unreadable, a sink name this worker lacks) are
//!   written to the dead-letter store with reason `malformed_entry` (the record's body holds the
//!   entry's fields as JSON, the first attempt's `error` says what is wrong), then acknowledged.
//! - **Close** (`close()`, SIGTERM in the CLI): stop reading, drain the engine (what is still
//!   unfinished at the deadline is dead-lettered as `shutdown`, as `createDelivery`'s drain
//!   does), acknowledge, stop.
//!
//! Delivery is at-least-once: receivers dedupe on `webhook-id`. Duplicates come only from a
//! message delivered by a worker that died before its `XACK` (its in-flight entries are then
//! delivered again by whoever reclaims them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Function, Promise};
use napi_derive::napi;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use runwire_core::delivery::dlq::{AttemptRecord, DeadLetter, DeadLetterReason, DeadLetterStore};
use runwire_core::delivery::message::Accepted;
use runwire_core::error::DeliveryError;
use runwire_core::runtime::Clock;
use runwire_core::sinks::redis_job;
use serde::Deserialize;
use tokio::sync::{mpsc, Notify};

use crate::delivery::millis;
use crate::engine_builder::{build_engine, NodeDeadLetters, NodeEngine};
use crate::error::{invalid_argument, to_js, Result};
use crate::redis_client::{describe, RedisConnector};
use crate::runtime::NodeRuntime;

/// The sink name on dead letters of entries no sink could take.
pub const MALFORMED_SINK: &str = "runwire-worker";

/// The worker's own settings (the JS layer checks them first; this is the last line).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Settings {
    url: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    stream: String,
    group: String,
    consumer: String,
    count: usize,
    block_ms: u64,
    max_in_flight: usize,
    claim_idle_ms: u64,
    timeout_ms: u64,
}

#[derive(Default)]
struct Counters {
    read: AtomicU64,
    acked: AtomicU64,
    claimed: AtomicU64,
    malformed: AtomicU64,
    ack_errors: AtomicU64,
    read_errors: AtomicU64,
}

/// The entries behind each message in flight (usually one; more when a reclaimed entry carries
/// a message this worker is already delivering).
#[derive(Default)]
struct InFlight {
    by_message: HashMap<Arc<str>, Vec<String>>,
    /// When each entry was last (re)claimed by this worker.
    since: HashMap<String, Instant>,
}

enum Ack {
    /// A message settled: acknowledge its entries.
    Message(Arc<str>),
    /// Entries that carried no deliverable message (malformed, filtered).
    Entries(Vec<String>),
}

struct Shared {
    engine: NodeEngine,
    store: NodeDeadLetters,
    settings: Settings,
    reader: RedisConnector,
    control: RedisConnector,
    in_flight: Mutex<InFlight>,
    /// Unacknowledged entries (the `maxInFlight` bound).
    outstanding: AtomicU64,
    room: Notify,
    acks: mpsc::UnboundedSender<Ack>,
    stopping: AtomicBool,
    reader_done: Notify,
    reader_running: AtomicBool,
    counters: Counters,
}

/// A running worker (see `createWorker`).
#[napi]
pub struct Worker {
    shared: Arc<Shared>,
    ack_rx: Mutex<Option<mpsc::UnboundedReceiver<Ack>>>,
    acker_done: Arc<Notify>,
    acker_running: Arc<AtomicBool>,
}

/// Builds a worker: `configJson` is a delivery config (sinks, `dlqRedis`/`dlqDir`, limits),
/// `workerJson` the stream settings. Nothing is read until `start()`.
#[napi(js_name = "createWorker", catch_unwind)]
pub fn create_worker(
    config_json: String,
    worker_json: String,
    on_hook: Option<Function<'_, String, ()>>,
    on_dead_letter: Option<Function<'_, String, Promise<String>>>,
    sink_callbacks: Option<Vec<Function<'_, String, Promise<String>>>>,
    lookup: Option<Function<'_, String, Promise<String>>>,
) -> Result<Worker> {
    let settings: Settings =
        serde_json::from_str(&worker_json).map_err(|e| invalid_argument(format!("worker options: {e}")))?;
    if settings.stream.is_empty() || settings.group.is_empty() || settings.consumer.is_empty() {
        return Err(invalid_argument("worker options: stream, group and consumer must be non-empty"));
    }
    if settings.count == 0 || settings.max_in_flight == 0 || settings.claim_idle_ms == 0 {
        return Err(invalid_argument("worker options: count, maxInFlight and claimIdleMs must be positive"));
    }
    let connector = |timeout: Duration| {
        RedisConnector::new(&settings.url, settings.username.as_deref(), settings.password.as_deref(), timeout)
            .map_err(|e| to_js(DeliveryError::InvalidConfig(format!("worker redis {e}"))))
    };
    let timeout = Duration::from_millis(settings.timeout_ms.max(1));
    let reader = connector(timeout + Duration::from_millis(settings.block_ms))?;
    let control = connector(timeout)?;
    let built = build_engine(&config_json, None, on_hook, on_dead_letter, sink_callbacks, lookup)?;
    let (tx, rx) = mpsc::unbounded_channel();
    let settled_tx = tx.clone();
    built
        .engine
        .set_on_settled(move |settled| {
            let _ = settled_tx.send(Ack::Message(settled.id));
        })
        .map_err(to_js)?;
    let shared = Arc::new(Shared {
        engine: built.engine,
        store: built.store,
        settings,
        reader,
        control,
        in_flight: Mutex::new(InFlight::default()),
        outstanding: AtomicU64::new(0),
        room: Notify::new(),
        acks: tx,
        stopping: AtomicBool::new(false),
        reader_done: Notify::new(),
        reader_running: AtomicBool::new(false),
        counters: Counters::default(),
    });
    Ok(Worker {
        shared,
        ack_rx: Mutex::new(Some(rx)),
        acker_done: Arc::new(Notify::new()),
        acker_running: Arc::new(AtomicBool::new(false)),
    })
}

#[napi]
impl Worker {
    /// Creates the consumer group (tolerating `BUSYGROUP`) and starts reading. Resolves with an
    /// empty string, or with the reason Redis could not be reached or refused the group (the JS
    /// layer throws it as `ERR_RUNWIRE_INVALID_CONFIG`: napi's async errors carry no code).
    #[napi(catch_unwind)]
    pub async fn start(&self) -> napi::Result<String> {
        let shared = self.shared.clone();
        let s = &shared.settings;
        let created = async {
            let mut connection = shared.control.manager().await?;
            redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&s.stream)
                .arg(&s.group)
                .arg("0")
                .arg("MKSTREAM")
                .query_async::<()>(&mut connection)
                .await
        };
        match tokio::time::timeout(shared.control.timeout(), created).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) if error.code() == Some("BUSYGROUP") => {}
            Ok(Err(error)) => {
                return Ok(format!(
                    "worker: cannot join group {:?} on stream {:?}: {}",
                    s.group,
                    s.stream,
                    describe(&error)
                ))
            }
            Err(_) => {
                return Ok(format!(
                    "worker: cannot join group {:?} on stream {:?}: no answer from Redis within {} ms",
                    s.group, s.stream, s.timeout_ms
                ))
            }
        }
        let rx = self.ack_rx.lock().unwrap_or_else(PoisonError::into_inner).take();
        let Some(rx) = rx else {
            return Ok("worker: start() was already called".into());
        };
        self.acker_running.store(true, Ordering::Release);
        let (acker, done, running) = (shared.clone(), self.acker_done.clone(), self.acker_running.clone());
        tokio::spawn(async move {
            ack_loop(&acker, rx).await;
            running.store(false, Ordering::Release);
            done.notify_waiters();
        });
        shared.reader_running.store(true, Ordering::Release);
        let reader = shared.clone();
        tokio::spawn(async move {
            read_loop(&reader).await;
            reader.reader_running.store(false, Ordering::Release);
            reader.reader_done.notify_waiters();
        });
        let keeper = shared.clone();
        tokio::spawn(async move { keep_loop(&keeper).await });
        Ok(String::new())
    }

    /// Stops reading, drains the engine (within `timeoutMs`; what is left is dead-lettered as
    /// `shutdown`), acknowledges every settled entry and stops. Resolves with the stats JSON.
    #[napi(catch_unwind)]
    pub async fn close(&self, timeout_ms: f64) -> napi::Result<String> {
        let shared = self.shared.clone();
        shared.stopping.store(true, Ordering::Release);
        shared.room.notify_waiters();
        wait_until(&shared.reader_done, || !shared.reader_running.load(Ordering::Acquire), Duration::from_secs(30))
            .await;
        shared.engine.drain(millis(timeout_ms)).await;
        // Every accepted message has settled now; let the acker flush (bounded).
        let deadline = Instant::now() + shared.control.timeout() + Duration::from_secs(2);
        while shared.outstanding.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        shared.engine.close(Duration::ZERO).await;
        Ok(stats_json(&shared))
    }

    /// `{ read, acked, claimed, in_flight, malformed, ack_errors, read_errors, delivery }`, JSON.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> String {
        stats_json(&self.shared)
    }
}

fn stats_json(shared: &Shared) -> String {
    let c = &shared.counters;
    let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
    serde_json::json!({
        "read": load(&c.read),
        "acked": load(&c.acked),
        "claimed": load(&c.claimed),
        "in_flight": load(&shared.outstanding),
        "malformed": load(&c.malformed),
        "ack_errors": load(&c.ack_errors),
        "read_errors": load(&c.read_errors),
        "delivery": shared.engine.stats(),
    })
    .to_string()
}

async fn wait_until(notify: &Notify, done: impl Fn() -> bool, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !done() && Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_millis(50), notify.notified()).await;
    }
}

fn stopping(shared: &Shared) -> bool {
    shared.stopping.load(Ordering::Acquire)
}

/// Reads and reclaims while there is room, until `close()`.
async fn read_loop(shared: &Arc<Shared>) {
    let s = &shared.settings;
    let claim_every = Duration::from_millis((s.claim_idle_ms / 2).max(50));
    let mut next_claim = Instant::now();
    let mut cursor = "0-0".to_owned();
    let mut backoff = Duration::from_millis(100);
    while !stopping(shared) {
        let room = (s.max_in_flight as u64).saturating_sub(shared.outstanding.load(Ordering::Acquire));
        if room == 0 {
            let _ = tokio::time::timeout(Duration::from_millis(100), shared.room.notified()).await;
            continue;
        }
        let count = usize::try_from(room).unwrap_or(usize::MAX).min(s.count);
        if Instant::now() >= next_claim {
            match autoclaim(shared, &cursor, count).await {
                Ok(reply) => {
                    let full = reply.claimed.len() >= count;
                    cursor = reply.next_stream_id;
                    shared.counters.claimed.fetch_add(reply.claimed.len() as u64, Ordering::Relaxed);
                    for entry in reply.claimed {
                        handle(shared, entry);
                    }
                    // A full page may have more behind it: claim again right away.
                    if !full || cursor == "0-0" {
                        next_claim = Instant::now() + claim_every;
                    }
                }
                Err(_) => {
                    shared.counters.read_errors.fetch_add(1, Ordering::Relaxed);
                    next_claim = Instant::now() + claim_every;
                }
            }
            continue;
        }
        match read(shared, count).await {
            Ok(entries) => {
                backoff = Duration::from_millis(100);
                shared.counters.read.fetch_add(entries.len() as u64, Ordering::Relaxed);
                for entry in entries {
                    handle(shared, entry);
                }
            }
            Err(_) => {
                // The connection manager reconnects; wait a little, up to 2 s, between tries.
                shared.counters.read_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }
}

async fn read(shared: &Shared, count: usize) -> redis::RedisResult<Vec<StreamId>> {
    let s = &shared.settings;
    let mut connection = shared.reader.manager().await?;
    let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(&s.group)
        .arg(&s.consumer)
        .arg("COUNT")
        .arg(count)
        .arg("BLOCK")
        .arg(s.block_ms)
        .arg("STREAMS")
        .arg(&s.stream)
        .arg(">")
        .query_async(&mut connection)
        .await?;
    Ok(reply.map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect()).unwrap_or_default())
}

async fn autoclaim(shared: &Shared, cursor: &str, count: usize) -> redis::RedisResult<StreamAutoClaimReply> {
    let s = &shared.settings;
    let mut connection = shared.control.manager().await?;
    redis::cmd("XAUTOCLAIM")
        .arg(&s.stream)
        .arg(&s.group)
        .arg(&s.consumer)
        .arg(s.claim_idle_ms)
        .arg(cursor)
        .arg("COUNT")
        .arg(count)
        .query_async(&mut connection)
        .await
}

fn pairs(entry: &StreamId) -> Vec<(Vec<u8>, Vec<u8>)> {
    entry
        .map
        .iter()
        .map(|(k, v)| (k.clone().into_bytes(), redis::from_redis_value_ref::<Vec<u8>>(v).unwrap_or_default()))
        .collect()
}

/// One entry read or claimed: into the engine, or to the dead-letter store.
fn handle(shared: &Arc<Shared>, entry: StreamId) {
    let fields = pairs(&entry);
    shared.outstanding.fetch_add(1, Ordering::AcqRel);
    let job = match redis_job::parse(&fields) {
        Ok(job) => job,
        Err(reason) => return malformed(shared, entry.id, &fields, reason),
    };
    let id = job.message.id.clone();
    {
        let mut in_flight = shared.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        in_flight.since.insert(entry.id.clone(), Instant::now());
        if let Some(entries) = in_flight.by_message.get_mut(&id) {
            // Already being delivered here (a reclaimed copy): acknowledged with it.
            entries.push(entry.id);
            return;
        }
        in_flight.by_message.insert(id.clone(), vec![entry.id.clone()]);
    }
    let release = || {
        let mut in_flight = shared.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        let entries = in_flight.by_message.remove(&id).unwrap_or_default();
        for e in &entries {
            in_flight.since.remove(e);
        }
        entries
    };
    match shared.engine.enqueue_prebuilt(job.message, job.body, &job.sinks) {
        Ok(Accepted::Queued(_)) => {}
        // No sink of this worker takes the event: nothing to do, done.
        Ok(Accepted::Filtered) => {
            let _ = shared.acks.send(Ack::Entries(release()));
        }
        Err(DeliveryError::UnknownSink(name)) => {
            let entries = release();
            malformed_many(shared, entries, &fields, format!("names sink {name:?}, which this worker does not have"));
        }
        Err(error @ (DeliveryError::Closed | DeliveryError::Backpressure(_))) => {
            // Not taken: leave the entries pending; XAUTOCLAIM hands them to a worker later.
            let entries = release();
            shared.outstanding.fetch_sub(entries.len() as u64, Ordering::AcqRel);
            drop(error);
        }
        Err(error) => {
            let entries = release();
            malformed_many(shared, entries, &fields, error.to_string());
        }
    }
}

fn malformed(shared: &Arc<Shared>, entry_id: String, fields: &[(Vec<u8>, Vec<u8>)], reason: String) {
    malformed_many(shared, vec![entry_id], fields, reason);
}

/// Dead-letters an entry the worker cannot deliver (reason `malformed_entry`), then acks it.
fn malformed_many(shared: &Arc<Shared>, entries: Vec<String>, fields: &[(Vec<u8>, Vec<u8>)], reason: String) {
    shared.counters.malformed.fetch_add(entries.len() as u64, Ordering::Relaxed);
    let text = |name: &str| {
        fields.iter().find(|(k, _)| k == name.as_bytes()).map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    let body: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned().into()))
        .collect();
    let now = NodeRuntime.now_ms();
    let first = entries.first().cloned().unwrap_or_default();
    let record = DeadLetter {
        id: text("id").filter(|id| !id.is_empty()).unwrap_or_else(|| format!("stream-entry-{first}")),
        sink: MALFORMED_SINK.into(),
        run_id: text("run_id").filter(|r| !r.is_empty()).unwrap_or_else(|| "unknown".into()),
        event: text("event").unwrap_or_default(),
        body: serde_json::Value::Object(body).to_string(),
        reason: DeadLetterReason::MalformedEntry,
        attempts: vec![AttemptRecord {
            at_ms: now,
            status: None,
            error: Some(format!("stream entry {first} of {:?}: {reason}", shared.settings.stream)),
            duration_ms: 0,
            snippet: String::new(),
        }],
        accepted_at_ms: text("accepted_at").and_then(|t| t.parse().ok()).unwrap_or(now),
        dead_lettered_at_ms: now,
    };
    let shared = shared.clone();
    tokio::spawn(async move {
        // Acknowledged only once the record is stored; a failed write leaves the entry pending
        // (reclaimed and tried again later).
        match shared.store.put(record).await {
            Ok(()) => {
                let _ = shared.acks.send(Ack::Entries(entries));
            }
            Err(_) => {
                shared.counters.ack_errors.fetch_add(1, Ordering::Relaxed);
                shared.outstanding.fetch_sub(entries.len() as u64, Ordering::AcqRel);
            }
        }
    });
}

/// Batches settled messages into `XACK`s.
async fn ack_loop(shared: &Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Ack>) {
    const BATCH: usize = 1_000;
    loop {
        let first = tokio::select! {
            ack = rx.recv() => ack,
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if stopping(shared) && !shared.reader_running.load(Ordering::Acquire)
                    && shared.engine.is_closed() && shared.outstanding.load(Ordering::Acquire) == 0 {
                    return;
                }
                continue;
            }
        };
        let Some(first) = first else { return };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(ack) => batch.push(ack),
                Err(_) => break,
            }
        }
        let mut ids = Vec::with_capacity(batch.len());
        {
            let mut in_flight = shared.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            for ack in batch {
                match ack {
                    Ack::Message(id) => {
                        for entry in in_flight.by_message.remove(&id).unwrap_or_default() {
                            in_flight.since.remove(&entry);
                            ids.push(entry);
                        }
                    }
                    Ack::Entries(entries) => ids.extend(entries),
                }
            }
        }
        if ids.is_empty() {
            continue;
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match xack(shared, &ids).await {
                Ok(()) => {
                    shared.counters.acked.fetch_add(ids.len() as u64, Ordering::Relaxed);
                    break;
                }
                Err(_) if tries < 5 => tokio::time::sleep(Duration::from_millis(100 * tries)).await,
                Err(_) => {
                    // Left pending: reclaimed (and delivered again) after claimIdleMs.
                    shared.counters.ack_errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
        shared.outstanding.fetch_sub(ids.len() as u64, Ordering::AcqRel);
        shared.room.notify_waiters();
    }
}

async fn xack(shared: &Shared, ids: &[String]) -> redis::RedisResult<()> {
    let s = &shared.settings;
    let mut connection = shared.control.manager().await?;
    let mut command = redis::cmd("XACK");
    command.arg(&s.stream).arg(&s.group).arg(ids);
    let ack = command.query_async::<u64>(&mut connection);
    match tokio::time::timeout(shared.control.timeout(), ack).await {
        Ok(result) => result.map(drop),
        Err(_) => Err(redis::RedisError::from((redis::ErrorKind::Io, "XACK timed out"))),
    }
}

/// Keeps this worker's long-running entries from looking idle to other workers' `XAUTOCLAIM`.
async fn keep_loop(shared: &Arc<Shared>) {
    let s = &shared.settings;
    let every = Duration::from_millis((s.claim_idle_ms / 3).max(20));
    while !(stopping(shared) && !shared.reader_running.load(Ordering::Acquire) && shared.engine.is_closed()) {
        tokio::time::sleep(every).await;
        let due: Vec<String> = {
            let mut in_flight = shared.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let due: Vec<String> =
                in_flight.since.iter().filter(|(_, t)| now - **t >= every).map(|(id, _)| id.clone()).collect();
            for id in &due {
                in_flight.since.insert(id.clone(), now);
            }
            due
        };
        for chunk in due.chunks(1_000) {
            let claimed = async {
                let mut connection = shared.control.manager().await?;
                redis::cmd("XCLAIM")
                    .arg(&s.stream)
                    .arg(&s.group)
                    .arg(&s.consumer)
                    .arg(0)
                    .arg(chunk)
                    .arg("JUSTID")
                    .query_async::<redis::Value>(&mut connection)
                    .await
            };
            let _ = tokio::time::timeout(shared.control.timeout(), claimed).await;
        }
    }
}
