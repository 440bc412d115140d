//! The delivery engine in the addon: workers on napi's tokio runtime, HTTP via
//! [`NativeTransport`], dead letters to files (or a JS callback), hooks to a JS callback.
//!
//! The JS thread pays for one napi call per event-loop turn (`enqueueBatch`: one UTF-16 copy and a
//! push to the ingest thread, [`crate::ingest`], which mints the ids and queues for each sink), or
//! for one per event where the JS layer cannot admit an event itself (`enqueue`; and always with
//! a spool or an `overflow: "reject"` sink, whose answers depend on the instant). Body building, signing,
//! HTTP, retries, timers and DLQ writes run on tokio threads. Hook and dead-letter callbacks reach
//! JS through weak threadsafe functions, so they never keep the process alive. Hooks are
//! fire-and-forget; a dead-letter callback is awaited (its promise too), so when `drain()`
//! resolves every dead letter has reached the user's store. Mirrors `crates/wasm/src/delivery.rs` method for method.

use std::time::Duration;

use napi::bindgen_prelude::Function;
use napi::bindgen_prelude::Promise;
use napi_derive::napi;
use runwire_core::delivery::dlq::DeadLetter;
use runwire_core::error::DeliveryError;
use runwire_core::events::run_webhook::RunCompletion;

use crate::engine_builder::{build_engine, NodeEngine};
use crate::error::{to_js, Result};
use crate::ingest::Ingest;
use crate::spool::Spool;
use crate::utf16_text::Utf16Text;

/// A running delivery engine (see `createDelivery`).
#[napi]
pub struct Delivery {
    engine: NodeEngine,
    /// The durable spool, with `spool: { dir, … }` (crate::spool).
    spool: Option<Spool>,
    /// The hand-off to the ingest thread (crate::ingest); none with a spool (whose writer thread
    /// feeds the engine) or a sink with `overflow: "reject"`.
    ingest: Option<Ingest>,
}

/// The JS layer validates timeouts; anything odd that slips through means "no waiting".
pub(crate) fn millis(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::from_secs_f64(ms.min(1e12) / 1000.0)
    } else {
        Duration::ZERO
    }
}

/// Starts a delivery engine from its JSON config. `onHook(json)` receives delivery hook events;
/// `onDeadLetter(json)` replaces the file store (default directory `.runwire/dlq`, or `dlqDir`);
/// `lookup(hostname)` (resolving to a JSON array of addresses) replaces the system resolver.
#[napi(js_name = "createDelivery", catch_unwind)]
pub fn create_delivery(
    config_json: String,
    on_hook: Option<Function<'_, String, ()>>,
    on_dead_letter: Option<Function<'_, String, Promise<String>>>,
    sink_callbacks: Option<Vec<Function<'_, String, Promise<String>>>>,
    lookup: Option<Function<'_, String, Promise<String>>>,
) -> Result<Delivery> {
    let (config_json, spool_config) = crate::spool::split_config(&config_json)?;
    // Sinks, dead-letter store, spool and workers: shared with `createWorker` (crate::engine_builder).
    let built = build_engine(&config_json, spool_config, on_hook, on_dead_letter, sink_callbacks, lookup)?;
    let ingest = if built.spool.is_none() { Ingest::new(&built.engine, built.hooks) } else { None };
    Ok(Delivery { engine: built.engine, spool: built.spool, ingest })
}

#[napi]
impl Delivery {
    /// Accepts one event (`dataJson` is the event's JSON text). `rootRunId` is the root of the
    /// event's run tree (`ordering: "run"`; default: its own run); `endsRun` marks its run's last
    /// event (its id counters are released). Returns false when every sink filtered it out;
    /// throws `ERR_RUNWIRE_BACKPRESSURE` when a full `overflow: "reject"` sink refuses it.
    #[napi(catch_unwind)]
    pub fn enqueue(
        &self,
        event: String,
        run_id: String,
        data_json: String,
        root_run_id: Option<String>,
        ends_run: Option<bool>,
    ) -> Result<bool> {
        if let Some(spool) = &self.spool {
            return spool.accept(
                &self.engine,
                &event,
                &run_id,
                root_run_id.as_deref(),
                ends_run.unwrap_or(false),
                data_json,
            );
        }
        if let Some(ingest) = &self.ingest {
            return ingest.send(event, run_id, root_run_id, ends_run.unwrap_or(false), data_json).map_err(to_js);
        }
        self.engine
            .enqueue_event(&event, &run_id, root_run_id.as_deref(), ends_run.unwrap_or(false), data_json)
            .map(|id| id.is_some())
            .map_err(to_js)
    }

    /// Accepts events the JS layer buffered and admitted (wanted by some sink, ids and nesting
    /// checked, engine open), in `crate::ingest::BATCH_SEPARATOR` format: one napi call and one
    /// copy for many events (UTF-16, transcoded on the ingest thread: [`Utf16Text`]). Only when
    /// [`Delivery::batches`] is true.
    #[napi(js_name = "enqueueBatch", catch_unwind)]
    pub fn enqueue_batch(&self, text: Utf16Text) -> Result<()> {
        match &self.ingest {
            Some(ingest) => ingest.send_batch(text).map_err(to_js),
            None => Err(crate::error::invalid_argument("enqueueBatch: this delivery enqueues one event per call")),
        }
    }

    /// Whether `enqueueBatch` is available: the engine hands events to an ingest thread (no
    /// spool, no `overflow: "reject"` sink).
    #[napi(getter)]
    pub fn batches(&self) -> bool {
        self.ingest.is_some()
    }

    /// Accepts a finished run's completion webhook (`runJson`, see `runWebhookPayload`): the
    /// body is built in the core with id `{run_id}:run_completed`. False when filtered out.
    #[napi(js_name = "enqueueRunWebhook")]
    pub fn enqueue_run_webhook(&self, run_json: String) -> Result<bool> {
        let run = RunCompletion::parse(&run_json).map_err(to_js)?;
        if let Some(ingest) = &self.ingest {
            return ingest.send_run_webhook(run).map_err(to_js);
        }
        self.engine.enqueue_run_webhook(&run).map(|id| id.is_some()).map_err(to_js)
    }

    /// Waits for pending work, dead-lettering what is left at the deadline (reason `shutdown`).
    /// Resolves with the stats JSON.
    #[napi(catch_unwind)]
    pub async fn drain(&self, timeout_ms: f64) -> napi::Result<String> {
        let start = std::time::Instant::now();
        self.caught_up().await;
        let left = self.spool_handed_over(millis(timeout_ms).saturating_sub(start.elapsed())).await;
        let stats = self.engine.drain(left).await;
        if let Some(spool) = &self.spool {
            spool.settled_recorded(Duration::from_secs(5)).await;
        }
        Ok(self.stats_json(&stats))
    }

    /// Resolves once every event accepted so far is durable per the spool's fsync mode (true),
    /// or at the timeout (false). Without a spool: true at once.
    #[napi(catch_unwind)]
    pub async fn flush(&self, timeout_ms: f64) -> napi::Result<bool> {
        Ok(match &self.spool {
            Some(spool) => spool.flush(millis(timeout_ms)).await,
            None => true,
        })
    }

    /// The synchronous start of `close()`: from now on `enqueue`, `enqueueBatch`,
    /// `enqueueRunWebhook` and `replay` are refused (`ERR_RUNWIRE_DELIVERY_CLOSED`). What was
    /// accepted before still reaches the engine: `close()` catches up off the JS thread. With a
    /// spool this waits for `close()` itself, which first lets the writer hand over every spooled
    /// event.
    #[napi(js_name = "stopAccepting", catch_unwind)]
    pub fn stop_accepting(&self) {
        if let Some(ingest) = &self.ingest {
            ingest.shut();
        }
    }

    /// Stops accepting, drains, and stops the workers. Resolves with the stats JSON.
    #[napi(catch_unwind)]
    pub async fn close(&self, timeout_ms: f64) -> napi::Result<String> {
        let start = std::time::Instant::now();
        // Again for callers that did not call it (a no-op after the JS layer's call).
        self.stop_accepting();
        if self.ingest.is_some() {
            self.caught_up().await;
            self.engine.stop_accepting();
        }
        let left = self.spool_handed_over(millis(timeout_ms).saturating_sub(start.elapsed())).await;
        let stats = self.engine.close(left).await;
        if let Some(spool) = &self.spool {
            // Settled records of the drain, then the writer ends.
            spool.stop(Duration::from_secs(5)).await;
        }
        Ok(self.stats_json(&stats))
    }

    /// The counters, as JSON.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> String {
        self.catch_up();
        self.stats_json(&self.engine.stats())
    }

    /// Re-sends a dead-letter record (its JSON) with the same id and a fresh signature, to its
    /// own sink or to `sink`.
    #[napi(catch_unwind)]
    pub fn replay(&self, record_json: String, sink: Option<String>) -> Result<()> {
        if self.ingest.as_ref().is_some_and(Ingest::is_shut) {
            return Err(to_js(DeliveryError::Closed));
        }
        let record =
            DeadLetter::from_json(&record_json).map_err(|e| to_js(DeliveryError::InvalidRecord(e.to_string())))?;
        self.engine.replay(record, sink.as_deref()).map_err(to_js)
    }
}

impl Delivery {
    /// Puts every event `send()` accepted so far into the engine (see crate::ingest), on this
    /// thread: for the synchronous `stats()`.
    fn catch_up(&self) {
        if let Some(ingest) = &self.ingest {
            ingest.catch_up();
        }
    }

    /// [`Delivery::catch_up`] on a blocking-pool thread: the ingest thread may be mid-way through
    /// a backlog, and neither the JS thread nor a runtime worker (delivering other events)
    /// should wait for it.
    async fn caught_up(&self) {
        if let Some(ingest) = &self.ingest {
            let task = ingest.catch_up_task();
            if tokio::task::spawn_blocking(task).await.is_err() {
                // The pool is shutting down: catch up here rather than lose the order guarantee.
                ingest.catch_up();
            }
        }
    }

    /// Waits (within `timeout`) until the spool's writer handed everything to the engine; the
    /// time left.
    async fn spool_handed_over(&self, timeout: Duration) -> Duration {
        let Some(spool) = &self.spool else { return timeout };
        let start = std::time::Instant::now();
        spool.handed_over(timeout).await;
        timeout.saturating_sub(start.elapsed())
    }

    fn stats_json(&self, stats: &runwire_core::delivery::engine::Stats) -> String {
        let Some(spool) = &self.spool else { return serde_json::to_string(stats).unwrap_or_default() };
        let mut value = serde_json::to_value(stats).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("spool".into(), serde_json::to_value(spool.stats()).unwrap_or_default());
        }
        value.to_string()
    }
}

/// The bounds of every numeric delivery option, as JSON (`{"sinks[].concurrency":[1,1024],…}`),
/// for the JS options schema.
#[napi(js_name = "optionBounds", catch_unwind)]
pub fn option_bounds() -> String {
    runwire_core::delivery::bounds::to_json()
}

/// Runs one message through the engine under the virtual clock (conformance: exact schedules).
#[napi(js_name = "simulateDelivery", catch_unwind)]
pub fn simulate_delivery(input_json: String) -> Result<String> {
    runwire_core::delivery::simulate::simulate(&input_json).map_err(to_js)
}
