//! The hand-off between `send()` on the JS thread and the engine: accepting an event costs the JS
//! thread its checks and one push, and the engine's accept work (minting the id, building the job,
//! each sink's lane lock and worker wake-ups) runs on an ingest thread.
//!
//! Two ways in:
//! - `enqueueBatch(text)` ([`Ingest::send_batch`]), the usual one: the JS layer
//!   (`npm/runwire/src/batcher.js`) buffers the events it admitted itself and hands them over in
//!   one call per event-loop turn, one string in the [`BATCH_SEPARATOR`] format. The JS thread
//!   pays one UTF-16 copy for the lot ([`Utf16Text`]); transcoding, splitting and enqueueing
//!   happen here.
//! - `enqueue(...)` ([`Ingest::send`]), one event per call, for what the JS layer does not admit
//!   by itself (an odd id, JSON that may nest too deep, an event no sink wants, a closed delivery).
//!
//! `send()` answers synchronously and exactly, as before: the checks that can refuse an event —
//! closed, filtered out, an id part or JSON the engine would refuse — run on the caller's thread
//! (in JS for a batch, through [`Engine::admit_event`] for one event) before the push, so the
//! ingest thread's enqueue cannot fail.
//! The one answer that depends on the queues' state at that instant, `Backpressure` of a sink with
//! `overflow: "reject"`, cannot be given ahead of the enqueue; an engine with such a sink
//! therefore skips the hand-off ([`Ingest::new`] returns `None`) and enqueues on the caller's
//! thread.
//!
//! Order and accounting:
//! - One ingest thread takes the pushed items in push order, so each run's events (and its
//!   completion webhook, which goes through the same queue) reach the engine in emit order. The
//!   JS layer flushes its buffer before any one-event call, so the two ways in keep that order.
//! - [`Ingest::catch_up`] enqueues what is still queued on the calling thread, under the same
//!   order lock as the ingest thread. `stats()`, `drain()`, `close()` and `replay()` call it
//!   first, so their figures and their waiting cover every event `send()` accepted.
//! - `close()` first shuts the hand-off, synchronously (later sends get the engine's `Closed`
//!   error), then — off the JS thread — catches up, then closes the engine: no accepted event is
//!   left behind, and the event loop never waits for a backlog to be transcoded.
//!
//! Wake-ups: the ingest thread sleeps on a condition variable whenever the queue is empty, and a
//! push wakes it only then. The JS layer pushes once per event-loop turn, so that is at most one
//! wake-up (a futex call) per turn, not per event.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use runwire_core::error::DeliveryError;
use runwire_core::events::run_webhook::RunCompletion;

use crate::engine_builder::NodeEngine;
use crate::spool::HookFn;
use crate::utf16_text::Utf16Text;

/// What `send()`, `enqueueBatch()` and `enqueueRunWebhook()` pushed.
enum Item {
    Event {
        event: String,
        run_id: String,
        root_run_id: Option<String>,
        ends_run: bool,
        data: String,
    },
    /// Events the JS layer admitted and buffered, in the [`BATCH_SEPARATOR`] format.
    Batch(Utf16Text),
    RunWebhook(Box<RunCompletion>),
}

/// Separates the fields of `enqueueBatch`'s text: per event `event`, `runId`, `rootRunId` (empty:
/// none), `endsRun` (`1` or empty) and the data's JSON text, all events in one flat list. No field
/// can contain it: ids are printable ASCII (the JS layer checks them) and JSON text escapes every
/// control character.
pub const BATCH_SEPARATOR: char = '\u{1f}';
const BATCH_FIELDS: usize = 5;

#[derive(Default)]
struct Queue {
    items: Vec<Item>,
    /// The ingest thread waits on the condition variable (a push must wake it).
    sleeping: bool,
    /// `close()` started: pushes are refused.
    shut: bool,
    /// The ingest thread must end.
    stop: bool,
}

struct Shared {
    engine: NodeEngine,
    hooks: HookFn,
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Held while items move from the queue into the engine (keeps them in push order).
    order: Mutex<()>,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves everything queued into the engine; false when there was nothing.
    fn ingest_queued(&self) -> bool {
        let _order = self.order.lock().unwrap_or_else(PoisonError::into_inner);
        let items = std::mem::take(&mut self.queue().items);
        if items.is_empty() {
            return false;
        }
        for item in items {
            let result = match item {
                Item::Event { event, run_id, root_run_id, ends_run, data } => {
                    self.engine.enqueue_event(&event, &run_id, root_run_id.as_deref(), ends_run, data).map(drop)
                }
                Item::Batch(text) => self.enqueue_batch(text),
                Item::RunWebhook(run) => self.engine.enqueue_run_webhook(&run).map(drop),
            };
            // Admitted on the caller's thread, and `close()` shuts the hand-off before the engine:
            // a refusal here is a bug, reported (`onError`) rather than dropped in silence. The
            // error names the rule broken, never data or a secret.
            if let Err(error) = result {
                debug_assert!(false, "an admitted event was refused: {error:?}");
                (self.hooks)(serde_json::json!({ "type": "ingest.refused", "error": error.to_string() }).to_string());
            }
        }
        true
    }

    /// Transcodes a batch and enqueues its events in order. A malformed batch (a bug in the JS
    /// layer) is refused whole before anything is enqueued.
    fn enqueue_batch(&self, text: Utf16Text) -> Result<(), DeliveryError> {
        let text =
            text.into_string().map_err(|_| DeliveryError::InvalidRecord("a batch that is not UTF-16 text".into()))?;
        let fields: Vec<&str> = text.split(BATCH_SEPARATOR).collect();
        if fields.len() % BATCH_FIELDS != 0 {
            return Err(DeliveryError::InvalidRecord(format!("a batch of {} fields", fields.len())));
        }
        for event in fields.chunks_exact(BATCH_FIELDS) {
            let &[name, run_id, root, ends_run, data] = event else { unreachable!() };
            let root = (!root.is_empty()).then_some(root);
            self.engine.enqueue_event(name, run_id, root, ends_run == "1", data.to_owned())?;
        }
        Ok(())
    }
}

/// The hand-off of one delivery (see the module docs).
pub struct Ingest {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Ingest {
    /// Starts the ingest thread for `engine`; `None` when the engine must enqueue on the caller's
    /// thread (a sink with `overflow: "reject"`), or the thread cannot be started.
    pub fn new(engine: &NodeEngine, hooks: HookFn) -> Option<Self> {
        if engine.rejects_when_full() {
            return None;
        }
        let shared = Arc::new(Shared {
            engine: engine.clone(),
            hooks,
            queue: Mutex::default(),
            wake: Condvar::new(),
            order: Mutex::new(()),
        });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("runwire-ingest".into())
            .spawn(move || {
                crate::threads::lower_current_thread();
                run(&worker);
            })
            .ok()?;
        Some(Self { shared, thread: Mutex::new(Some(thread)) })
    }

    /// `send()`: admits the event on this thread and pushes it. `Ok(false)` when every sink
    /// filters it out; errors as the engine's own enqueue would give them.
    pub fn send(
        &self,
        event: String,
        run_id: String,
        root_run_id: Option<String>,
        ends_run: bool,
        data: String,
    ) -> Result<bool, DeliveryError> {
        if !self.shared.engine.admit_event(&event, &run_id, &data)? {
            return Ok(false);
        }
        self.push(Item::Event { event, run_id, root_run_id, ends_run, data })?;
        Ok(true)
    }

    /// `enqueueBatch()`: events the JS layer already admitted (see [`BATCH_SEPARATOR`]); they
    /// enter the engine in order, behind everything pushed before.
    pub fn send_batch(&self, text: Utf16Text) -> Result<(), DeliveryError> {
        if text.is_empty() {
            return Ok(());
        }
        self.push(Item::Batch(text))
    }

    /// `enqueueRunWebhook()`: admitted here, queued behind the run's events. False when
    /// filtered out (counted as filtered, as an enqueue would).
    pub fn send_run_webhook(&self, run: RunCompletion) -> Result<bool, DeliveryError> {
        if !self.shared.engine.admit_run_webhook(&run)? {
            return Ok(false);
        }
        self.push(Item::RunWebhook(Box::new(run)))?;
        Ok(true)
    }

    fn push(&self, item: Item) -> Result<(), DeliveryError> {
        let mut queue = self.shared.queue();
        if queue.shut {
            return Err(DeliveryError::Closed);
        }
        queue.items.push(item);
        if queue.sleeping {
            queue.sleeping = false;
            drop(queue);
            self.shared.wake.notify_one();
        }
        Ok(())
    }

    /// Enqueues, on this thread, whatever the ingest thread has not taken yet; afterwards every
    /// event pushed before this call is in the engine. This thread may wait for the ingest
    /// thread's current batch: callers that must not block (`close()`, `drain()`) run
    /// [`Ingest::catch_up_task`] on a blocking-pool thread instead.
    pub fn catch_up(&self) {
        catch_up(&self.shared);
    }

    /// [`Ingest::catch_up`] as a task for another thread.
    pub fn catch_up_task(&self) -> impl FnOnce() + Send + 'static {
        let shared = Arc::clone(&self.shared);
        move || catch_up(&shared)
    }

    /// Refuses further pushes (the synchronous start of `close()`): later sends get
    /// `DeliveryError::Closed`. What was pushed before still reaches the engine (the ingest
    /// thread goes on; `close()` catches up before it closes the engine). Cheap: the JS thread
    /// never waits here for a backlog to be transcoded.
    pub fn shut(&self) {
        self.shared.queue().shut = true;
    }

    /// Whether [`Ingest::shut`] was called.
    pub fn is_shut(&self) -> bool {
        self.shared.queue().shut
    }
}

fn catch_up(shared: &Shared) {
    shared.ingest_queued();
    // The ingest thread may have been mid-batch: the order lock waits for it.
    drop(shared.order.lock().unwrap_or_else(PoisonError::into_inner));
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.shared.queue().stop = true;
        self.shared.wake.notify_one();
        let thread = self.thread.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(thread) = thread {
            // It finishes what is queued (the engine may still deliver it) and ends.
            let _ = thread.join();
        }
    }
}

/// The ingest thread: moves queued items into the engine until told to stop.
fn run(shared: &Shared) {
    loop {
        if shared.ingest_queued() {
            continue;
        }
        let mut queue = shared.queue();
        if queue.stop && queue.items.is_empty() {
            return;
        }
        queue.sleeping = true;
        while queue.sleeping && queue.items.is_empty() && !queue.stop {
            queue = shared.wake.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
        queue.sleeping = false;
    }
}
