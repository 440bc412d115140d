//! The durable spool in the addon (option `spool: { dir, fsync, segmentBytes?, maxBytes? }`):
//! accepted events are appended to segment files before the engine takes them, and redelivered
//! with their ids after a crash. The record format and recovery are pure and live in the core
//! (`runwire_core::delivery::spool`); this module owns the files and the writer.
//!
//! ## Flow
//!
//! `send()` on the JS thread ([`Spool::accept`]): filter check, refusal checks (`maxBytes`, a
//! recent write error, a full `overflow: "reject"` sink), mint the id, stamp the time, push the
//! [`Message`] on the writer's queue. That is all the JS thread pays; it never touches a file.
//!
//! The writer ([`writer`]) is one OS thread (fsync blocks; it must not hold a tokio worker the
//! engine's HTTP runs on). It does **group commit**: it takes everything queued, encodes it, makes
//! one `write`, and then per mode:
//! - `always`: `fsync`, then hands the group to the engine (`enqueue_message`): an event counts
//!   as accepted (`stats().accepted`) only once it is on stable storage;
//! - `batch`: hands the group over at once, and `fsync`s at most every
//!   [`writer::BATCH_SYNC_MS`] ms (and at once on `flush()`);
//! - `never`: hands over at once; the OS writes the page cache back when it likes.
//!
//! The engine reports each message's final outcome ([`runwire_core::delivery::message`]); the
//! writer appends a Settled record for it (no fsync: a lost one means a redelivery, not a loss)
//! and deletes the oldest segments once nothing in them is pending. A long-pending message in an
//! old segment would pin every later one, so when the oldest segment holds few pending messages
//! (at most 64, or 1 in 16) its survivors are rewritten forward into the newest segment (fsync),
//! and the old file goes. A copy is a Moved record that keeps where the message was first
//! appended, so a restart still hands the messages back in the order they were accepted (and a
//! run ordered per run keeps its emit order after a crash).
//!
//! ## Restart
//!
//! [`Spool::open`] reads every segment (torn or flipped bytes are skipped and reported as
//! `spool.corrupt` hooks), bumps the directory's life counter (the engine's id base, so no id of
//! an earlier life is minted again: see `runwire_core::delivery::idempotency`), and starts a new
//! segment. The writer hands the recovered messages to the engine first, before any new event,
//! with their stored ids and accepted times: same `webhook-id`, same body bytes.
//!
//! ## One delivery per directory
//!
//! [`Spool::open`] first takes the directory's exclusive advisory lock ([`lock`]), held by the
//! writer's files until the writer ends (`close()`, or the delivery dropped) or the process dies.
//! A second open of a held directory, in this process or another, fails at `createDelivery` with
//! `ERR_RUNWIRE_SPOOL_LOCKED` before anything is read or the life counter bumped.
//!
//! ## When the spool cannot write
//!
//! While the files hold `maxBytes` (plus what is queued), `send()` throws
//! `ERR_RUNWIRE_SPOOL_FULL` and a `spool.full` hook fires once. A failed write or fsync (disk
//! full, I/O error) fires `spool.write_failed`; the events of that group are **not dropped**:
//! they are handed to the engine anyway and delivered from memory, counted in
//! `stats().spool.not_durable`. For the next second `send()` throws `ERR_RUNWIRE_SPOOL_FULL`,
//! then the spool tries again.

pub mod lock;
pub mod segments;
pub mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use runwire_core::delivery::dlq::DeadLetterStore;
use runwire_core::delivery::engine::{Engine, Hooks};
use runwire_core::delivery::message::{Accepted, Message};
use runwire_core::delivery::spool::config::{Fsync, SpoolConfig};
use runwire_core::delivery::spool::record::append_len;
use runwire_core::error::DeliveryError;
use runwire_core::runtime::{Clock, MaybeSync, Runtime};
use runwire_core::sinks::Sink;
use serde::Serialize;
use tokio::sync::watch;

use crate::error::JsError;
use crate::runtime::NodeRuntime;
use lock::{DirLock, LockError};
use segments::Segments;

/// How long `send()` refuses after a failed write before the spool tries again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// Emits one hook event (its JSON text) to JS.
pub type HookFn = Arc<dyn Fn(String) + Send + Sync>;

/// The error `send()` throws while the spool cannot take more.
pub fn spool_full(message: impl Into<String>) -> JsError {
    napi::Error::new("ERR_RUNWIRE_SPOOL_FULL", message.into())
}

/// The error `createDelivery` throws when another open spool holds `dir`.
pub fn spool_locked(dir: &str) -> JsError {
    napi::Error::new(
        "ERR_RUNWIRE_SPOOL_LOCKED",
        format!(
            "spool.dir {dir:?} is in use: another delivery (in this process or another one) holds its lock; \
             close() that delivery first, or give this one its own dir"
        ),
    )
}

#[derive(Default)]
struct Queue {
    messages: Vec<Message>,
    settled: Vec<Arc<str>>,
    /// Settled notifications received so far.
    settled_count: u64,
    /// Messages handed to the spool so far (recovered ones included): the flush target.
    handed: u64,
    /// Encoded bytes of `messages`.
    queued_bytes: u64,
    stop: bool,
    flush_wanted: bool,
}

/// `stats().spool`.
#[derive(Debug, Clone, Serialize)]
pub struct SpoolStats {
    /// The spool directory.
    pub dir: String,
    /// `always`, `batch` or `never`.
    pub fsync: &'static str,
    /// Bytes in the segment files.
    pub bytes: u64,
    /// Segment files.
    pub segments: u64,
    /// Messages in the spool not yet settled.
    pub pending: u64,
    /// Handed over by `send()` but not yet written and given to the engine.
    pub unpersisted: u64,
    /// Accepted but never made durable (a failed write): delivered from memory only.
    pub not_durable: u64,
    /// Failed writes and fsyncs.
    pub write_errors: u64,
    /// Damaged regions skipped when the spool was opened.
    pub corrupt: u64,
    /// Messages redelivered from an earlier life.
    pub recovered: u64,
    /// Whether `send()` refuses now (`maxBytes` reached, or a recent write error).
    pub full: bool,
}

pub(crate) struct Shared {
    config: SpoolConfig,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Messages given to the engine (`handed` order).
    accepted: watch::Sender<u64>,
    /// Messages durable per the fsync mode.
    durable: watch::Sender<u64>,
    /// Settled notifications written (or found needless).
    settled_done: watch::Sender<u64>,
    /// Whether the writer ended.
    stopped: watch::Sender<bool>,
    disk_bytes: AtomicU64,
    segments: AtomicU64,
    pending: AtomicU64,
    not_durable: AtomicU64,
    write_errors: AtomicU64,
    corrupt: AtomicU64,
    recovered: AtomicU64,
    over_limit: AtomicBool,
    failed_at: Mutex<Option<Instant>>,
    hooks: HookFn,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn hook(&self, value: serde_json::Value) {
        (self.hooks)(value.to_string());
    }

    fn failed_recently(&self) -> bool {
        self.failed_at.lock().unwrap_or_else(PoisonError::into_inner).is_some_and(|t| t.elapsed() < RETRY_AFTER_FAILURE)
    }
}

/// The spool of one delivery.
pub struct Spool {
    shared: Arc<Shared>,
}

/// Hands a message to the engine; the writer calls it (recovered ones first).
pub type EnqueueFn = Box<dyn FnMut(Message) -> Result<Accepted, DeliveryError> + Send>;

impl Spool {
    /// Locks and opens `config.dir` (recovering what an earlier life left), and returns the
    /// spool and this life's id base. Start the writer with [`Spool::start`] once the engine
    /// exists. Fails with `ERR_RUNWIRE_SPOOL_LOCKED` while another spool holds the directory.
    pub fn open(config: SpoolConfig, hooks: HookFn) -> Result<(Self, Pending), JsError> {
        let dir = Path::new(&config.dir);
        let io_error = |e: std::io::Error| {
            crate::error::to_js(DeliveryError::InvalidConfig(format!("spool.dir {:?}: {e}", config.dir)))
        };
        std::fs::create_dir_all(dir).map_err(io_error)?;
        let lock = match DirLock::acquire(dir) {
            Ok(lock) => lock,
            Err(LockError::Held) => return Err(spool_locked(&config.dir)),
            Err(LockError::Io(e)) => return Err(io_error(e)),
        };
        let (segments, recovered, life) =
            Segments::open(dir, lock, config.segment_bytes, config.max_bytes).map_err(io_error)?;
        for c in &recovered.corrupt {
            hooks(
                serde_json::json!({
                    "type": "spool.corrupt",
                    "file": segments.path(c.segment).display().to_string(),
                    "offset": c.offset,
                    "bytes": c.bytes,
                    "torn_tail": c.torn_tail,
                })
                .to_string(),
            );
        }
        let messages: Vec<Message> = recovered.pending.into_iter().map(|p| p.message).collect();
        let count = messages.len() as u64;
        let shared = Arc::new(Shared {
            config,
            queue: Mutex::new(Queue { handed: count, ..Queue::default() }),
            wake: Condvar::new(),
            accepted: watch::Sender::new(0),
            durable: watch::Sender::new(0),
            settled_done: watch::Sender::new(0),
            stopped: watch::Sender::new(false),
            disk_bytes: AtomicU64::new(segments.total_bytes),
            segments: AtomicU64::new(segments.info.len() as u64),
            pending: AtomicU64::new(segments.pending.len() as u64),
            not_durable: AtomicU64::new(0),
            write_errors: AtomicU64::new(0),
            corrupt: AtomicU64::new(recovered.corrupt.len() as u64),
            recovered: AtomicU64::new(count),
            over_limit: AtomicBool::new(false),
            failed_at: Mutex::new(None),
            hooks,
        });
        Ok((Self { shared }, Pending { segments, messages, id_base: life << 32 }))
    }

    /// Starts the writer thread: it hands `pending.messages` to `enqueue` first.
    pub fn start(&self, pending: Pending, enqueue: EnqueueFn, may_reject: bool) -> Result<(), String> {
        let shared = self.shared.clone();
        std::thread::Builder::new()
            .name("runwire-spool".into())
            .spawn(move || {
                crate::threads::lower_current_thread();
                writer::run(&shared, pending.segments, pending.messages, enqueue, may_reject);
                // After `run` returned: the files are closed.
                shared.stopped.send_replace(true);
            })
            .map(drop)
            .map_err(|e| format!("spool writer: {e}"))
    }

    /// The settled-callback body: the engine reports a final outcome (any thread, never blocks
    /// on I/O).
    pub fn settled(&self) -> impl Fn(Arc<str>) + Send + Sync + 'static {
        let shared = self.shared.clone();
        move |id| {
            {
                let mut queue = shared.queue();
                queue.settled.push(id);
                queue.settled_count += 1;
            }
            shared.wake.notify_one();
        }
    }

    /// `send()` with the spool on: checks, mints, and queues for the writer. Returns whether any
    /// sink wants the event (false: counted as filtered, nothing spooled).
    pub fn accept<R, S, D, H>(
        &self,
        engine: &Engine<R, S, D, H>,
        event: &str,
        run_id: &str,
        root_run_id: Option<&str>,
        ends_run: bool,
        data: String,
    ) -> Result<bool, JsError>
    where
        R: Runtime + MaybeSync,
        S: Sink,
        D: DeadLetterStore,
        H: Hooks,
    {
        let to_js = crate::error::to_js;
        if engine.is_closed() || !engine.wants(event) {
            // Closed: the engine's own error. Unwanted: counted as filtered there.
            return engine
                .enqueue_event(event, run_id, root_run_id, ends_run, data)
                .map(|id| id.is_some())
                .map_err(to_js);
        }
        runwire_core::signing::canonical::check_depth(&data).map_err(|e| to_js(DeliveryError::from(e)))?;
        let shared = &self.shared;
        if shared.failed_recently() {
            return Err(spool_full("the spool could not write to disk (see the spool.write_failed hook); retry later"));
        }
        if let Some(max) = shared.config.max_bytes {
            let used = shared.disk_bytes.load(Ordering::Acquire) + shared.queue().queued_bytes;
            if used >= max {
                if !shared.over_limit.swap(true, Ordering::AcqRel) {
                    shared.hook(serde_json::json!({ "type": "spool.full", "bytes": used, "max_bytes": max }));
                }
                return Err(spool_full(format!("the spool holds {used} bytes, its maxBytes is {max}; retry later")));
            }
            shared.over_limit.store(false, Ordering::Release);
        }
        engine.check_room(event).map_err(to_js)?;
        let id = engine.mint_id(run_id, event, ends_run).map_err(to_js)?;
        let (event, run_id) = engine.intern(event, run_id);
        let message = Message {
            id,
            event,
            run_id,
            root_run_id: root_run_id.filter(|r| !r.is_empty()).map(Arc::from),
            accepted_at_ms: NodeRuntime.now_ms(),
            data,
        };
        let bytes = append_len(&message) as u64;
        let first = {
            let mut queue = shared.queue();
            queue.messages.push(message);
            queue.handed += 1;
            queue.queued_bytes += bytes;
            queue.messages.len() == 1
        };
        // Only the first message of a group wakes the writer (a futex call); the rest join the
        // group it will take.
        if first {
            shared.wake.notify_one();
        }
        Ok(true)
    }

    /// Resolves once everything handed over so far is durable per the fsync mode (and accepted
    /// by the engine), or at `timeout`. Returns whether it got there.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let target = {
            let mut queue = self.shared.queue();
            queue.flush_wanted = true;
            queue.handed
        };
        self.shared.wake.notify_one();
        let mut rx = self.shared.durable.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|&done| done >= target)).await.is_ok_and(|r| r.is_ok())
    }

    /// Resolves once everything handed over so far is accepted by the engine (what `drain()`
    /// waits for before the engine's own drain), or at `timeout`.
    pub async fn handed_over(&self, timeout: Duration) -> bool {
        let target = self.shared.queue().handed;
        let mut rx = self.shared.accepted.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|&done| done >= target)).await.is_ok_and(|r| r.is_ok())
    }

    /// Resolves once every final outcome reported so far is recorded in the spool (so its
    /// `pending` matches the engine's), or at `timeout`.
    pub async fn settled_recorded(&self, timeout: Duration) -> bool {
        let target = self.shared.queue().settled_count;
        self.shared.wake.notify_one();
        let mut rx = self.shared.settled_done.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|&done| done >= target)).await.is_ok_and(|r| r.is_ok())
    }

    /// Tells the writer to finish (it writes what is queued, settled records too, fsyncs and
    /// ends) and waits for it, at most `timeout`.
    pub async fn stop(&self, timeout: Duration) {
        self.shared.queue().stop = true;
        self.shared.wake.notify_one();
        let mut rx = self.shared.stopped.subscribe();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|&stopped| stopped)).await;
    }

    /// `stats().spool`.
    pub fn stats(&self) -> SpoolStats {
        let s = &self.shared;
        let handed = s.queue().handed;
        let max_reached = s.config.max_bytes.is_some_and(|m| s.disk_bytes.load(Ordering::Acquire) >= m);
        SpoolStats {
            dir: s.config.dir.clone(),
            fsync: match s.config.fsync {
                Fsync::Always => "always",
                Fsync::Batch => "batch",
                Fsync::Never => "never",
            },
            bytes: s.disk_bytes.load(Ordering::Acquire),
            segments: s.segments.load(Ordering::Acquire),
            pending: s.pending.load(Ordering::Acquire),
            unpersisted: handed.saturating_sub(*s.accepted.borrow()),
            not_durable: s.not_durable.load(Ordering::Acquire),
            write_errors: s.write_errors.load(Ordering::Acquire),
            corrupt: s.corrupt.load(Ordering::Acquire),
            recovered: s.recovered.load(Ordering::Acquire),
            full: max_reached || s.failed_recently(),
        }
    }
}

impl Drop for Spool {
    /// A delivery dropped without `close()`: the writer writes what is queued and ends, which
    /// closes the files and releases the directory's lock (a no-op after `close()`).
    fn drop(&mut self) {
        self.shared.queue().stop = true;
        self.shared.wake.notify_one();
    }
}

/// What [`Spool::open`] recovered, for [`Spool::start`].
pub struct Pending {
    segments: Segments,
    messages: Vec<Message>,
    /// This life's id base (`Engine::set_id_base`).
    pub id_base: u64,
}

/// Takes the `spool` field out of the delivery config JSON (the core's config does not know
/// it): the config without it, and the parsed spool settings.
pub fn split_config(config_json: &str) -> Result<(String, Option<SpoolConfig>), JsError> {
    if !config_json.contains("\"spool\"") {
        return Ok((config_json.to_owned(), None));
    }
    let mut root: serde_json::Value = serde_json::from_str(config_json)
        .map_err(|e| crate::error::to_js(DeliveryError::InvalidConfig(e.to_string())))?;
    let spool = match root.as_object_mut().and_then(|map| map.remove("spool")) {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(SpoolConfig::from_value(&value).map_err(crate::error::to_js)?),
    };
    Ok((root.to_string(), spool))
}

/// Opens the spool for `engine`: recovery, the life's id base, the settled callback, and the
/// writer thread (which hands the recovered messages over first). `may_reject`: some sink has
/// `overflow: "reject"`, so a hand-over may have to wait for room (and keeps a copy to retry).
pub fn attach<R, S, D, H>(
    engine: &Engine<R, S, D, H>,
    config: SpoolConfig,
    hooks: HookFn,
    may_reject: bool,
) -> Result<Spool, JsError>
where
    R: Runtime + MaybeSync,
    S: Sink,
    D: DeadLetterStore,
    H: Hooks,
    Engine<R, S, D, H>: Send + Sync + 'static,
{
    let invalid = |e: String| crate::error::to_js(DeliveryError::InvalidConfig(e));
    let (spool, pending) = Spool::open(config, hooks)?;
    engine.set_id_base(pending.id_base);
    let settled = spool.settled();
    engine.set_on_settled(move |s| settled(s.id)).map_err(crate::error::to_js)?;
    let target = engine.clone();
    let enqueue: EnqueueFn = Box::new(move |m| target.enqueue_message(m));
    spool.start(pending, enqueue, may_reject).map_err(invalid)?;
    Ok(spool)
}
