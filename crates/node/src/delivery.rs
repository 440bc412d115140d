//! The delivery engine in the addon: workers on napi's tokio runtime, HTTP via
//! [`NativeTransport`], dead letters to files (or a JS callback), hooks to a JS callback.
//!
//! The JS thread pays for exactly one napi call per event (`enqueue(event, runId, dataJson)`):
//! three string copies, an id, a timestamp and a `try_send` per sink. Body building, signing,
//! HTTP, retries, timers and DLQ writes run on tokio threads. Hook and dead-letter callbacks reach
//! JS through weak threadsafe functions, so they never keep the process alive. Hooks are
//! fire-and-forget; a dead-letter callback is awaited (its promise too), so when `drain()`
//! resolves every dead letter has reached the user's store. Mirrors `crates/wasm/src/delivery.rs` method for method.

use std::time::Duration;

use napi::bindgen_prelude::Function;
use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use runwire_core::delivery::config::{DeliveryConfig, SinkTarget};
use runwire_core::delivery::dlq::{DeadLetter, DeadLetterStore};
use runwire_core::delivery::engine::{Engine, HookEvent, Hooks, Overflow};
use runwire_core::error::DeliveryError;
use runwire_core::events::run_webhook::RunCompletion;
use runwire_core::sinks::webhook::WebhookSink;

use crate::callback_sink::{CallbackFn, CallbackSink, NodeSink};
use crate::error::{invalid_argument, to_js, Result};
use crate::file_dlq::FileDeadLetters;
use crate::runtime::NodeRuntime;
use crate::sinks::{kafka::KafkaSink, redis::RedisSink, sns::SnsSink};
use crate::spool::Spool;
use crate::ssrf::VettedResolver;
use crate::transport::{NativeTransport, TransportOptions};

/// Where dead letters go when neither `dlqDir` nor a callback is given.
pub const DEFAULT_DLQ_DIR: &str = ".runwire/dlq";

type Callback = ThreadsafeFunction<String, (), String, Status, false, true>;

/// Delivery hooks forwarded to a JS function as JSON text.
pub struct JsHooks(Option<std::sync::Arc<Callback>>);

impl JsHooks {
    /// The same channel for hook events built elsewhere (the spool's), as JSON text.
    fn sender(&self) -> crate::spool::HookFn {
        let callback = self.0.clone();
        std::sync::Arc::new(move |json| {
            if let Some(callback) = &callback {
                let _ = callback.call(json, ThreadsafeFunctionCallMode::NonBlocking);
            }
        })
    }
}

impl Hooks for JsHooks {
    fn emit(&self, event: HookEvent) {
        if let Some(callback) = &self.0 {
            if let Ok(json) = serde_json::to_string(&event) {
                let _ = callback.call(json, ThreadsafeFunctionCallMode::NonBlocking);
            }
        }
    }
}

/// Files by default; a JS callback when one is given.
pub enum NodeDeadLetters {
    /// Atomic files under a directory.
    Files(FileDeadLetters),
    /// `onDeadLetter(recordJson)`; the record counts as stored once the callback (and the
    /// promise it returned) settled on the JS thread.
    Callback(CallbackFn),
}

impl DeadLetterStore for NodeDeadLetters {
    async fn put(&self, record: DeadLetter) -> std::result::Result<(), String> {
        match self {
            Self::Files(files) => files.put(record).await,
            Self::Callback(callback) => match callback.call_async(record.to_json()).await {
                Ok(promise) => promise.await.map(drop).map_err(|e| format!("dead-letter callback failed: {e}")),
                Err(e) => Err(format!("dead-letter callback unavailable: {e}")),
            },
        }
    }
}

type NodeEngine = Engine<NodeRuntime, NodeSink, NodeDeadLetters, JsHooks>;

/// A running delivery engine (see `createDelivery`).
#[napi]
pub struct Delivery {
    engine: NodeEngine,
    /// The durable spool, with `spool: { dir, … }` (crate::spool).
    spool: Option<Spool>,
}

/// A JS function the engine calls from a tokio thread and awaits (returning a promise).
fn awaited_callback(function: &Function<'_, String, Promise<String>>, what: &str) -> Result<CallbackFn> {
    function
        .build_threadsafe_function::<String>()
        .callee_handled::<false>()
        .weak::<true>()
        .build()
        .map_err(|e| invalid_argument(format!("{what}: {e}")))
}

fn callback(function: Option<Function<'_, String, ()>>) -> Result<Option<Callback>> {
    function
        .map(|f| {
            f.build_threadsafe_function::<String>()
                .callee_handled::<false>()
                .weak::<true>()
                .build()
                .map_err(|e| invalid_argument(format!("callback: {e}")))
        })
        .transpose()
}

fn sink_error(name: &str, message: String) -> crate::error::JsError {
    to_js(DeliveryError::InvalidConfig(format!("sink {name:?}: {message}")))
}

/// The JS layer validates timeouts; anything odd that slips through means "no waiting".
fn millis(ms: f64) -> Duration {
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
    let config = DeliveryConfig::parse(&config_json).map_err(to_js)?;
    let may_reject = config.sinks.iter().any(|(options, _)| options.overflow == Overflow::Reject);
    let mut callbacks = sink_callbacks
        .unwrap_or_default()
        .into_iter()
        .map(|f| awaited_callback(&f, "sink callback").map(Some))
        .collect::<Result<Vec<Option<CallbackFn>>>>()?;
    // SSRF: names are resolved once by the vetted resolver, which returns only addresses the
    // sinks' URL policies allow; reqwest connects to exactly those (crate::ssrf).
    let resolver = match lookup {
        Some(f) => VettedResolver::with_js_lookup(awaited_callback(&f, "lookup")?),
        None => VettedResolver::system(),
    };
    let options =
        TransportOptions { resolver: Some(std::sync::Arc::new(resolver.clone())), ..TransportOptions::default() };
    let transport =
        NativeTransport::new(options).map_err(|e| to_js(DeliveryError::InvalidConfig(format!("http client: {e}"))))?;
    let mut health = Vec::new();
    let sinks = config
        .sinks
        .into_iter()
        .map(|(options, target)| {
            let sink = match target {
                SinkTarget::Webhook(webhook) => {
                    let sink = WebhookSink::new(webhook, transport.clone(), NodeRuntime)
                        .map_err(to_js)?
                        .with_url_policy(options.url_policy.clone())
                        .map_err(to_js)?;
                    let checked = options.url_policy.check(&sink.config().url).map_err(to_js)?;
                    resolver.register(&options.url_policy, &checked);
                    NodeSink::Webhook(sink)
                }
                SinkTarget::Callback(index) => {
                    let function = callbacks.get_mut(index).and_then(Option::take).ok_or_else(|| {
                        invalid_argument(format!("sink {:?}: no callback number {index}", options.name))
                    })?;
                    NodeSink::Callback(CallbackSink(function))
                }
                // Native queue sinks: settings checked now, connections made on the first attempt.
                SinkTarget::Redis(config) => {
                    NodeSink::Redis(RedisSink::new(config).map_err(|e| sink_error(&options.name, e))?)
                }
                SinkTarget::Kafka(config) => {
                    NodeSink::Kafka(KafkaSink::new(config).map_err(|e| sink_error(&options.name, e))?)
                }
                SinkTarget::Sns(config) => {
                    NodeSink::Sns(SnsSink::new(config).map_err(|e| sink_error(&options.name, e))?)
                }
            };
            let (spec, sink_health) = options.into_spec(sink);
            health.extend(sink_health);
            Ok(spec)
        })
        .collect::<Result<Vec<_>>>()?;
    let store = match on_dead_letter.map(|f| awaited_callback(&f, "dead-letter callback")).transpose()? {
        Some(callback) => NodeDeadLetters::Callback(callback),
        None => NodeDeadLetters::Files(FileDeadLetters::new(config.dlq_dir.as_deref().unwrap_or(DEFAULT_DLQ_DIR))),
    };
    let hooks = JsHooks(callback(on_hook)?.map(std::sync::Arc::new));
    let spool_hooks = hooks.sender();
    let engine = Engine::new(NodeRuntime, config.limits, sinks, store, hooks).map_err(to_js)?;
    for (name, config) in health {
        engine.set_health(&name, config).map_err(to_js)?;
    }
    let spool = spool_config.map(|c| crate::spool::attach(&engine, c, spool_hooks, may_reject)).transpose()?;
    let (workers, writer) = engine.workers();
    for worker in workers {
        napi::bindgen_prelude::spawn(worker);
    }
    napi::bindgen_prelude::spawn(writer);
    Ok(Delivery { engine, spool })
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
        self.engine
            .enqueue_event(&event, &run_id, root_run_id.as_deref(), ends_run.unwrap_or(false), data_json)
            .map(|id| id.is_some())
            .map_err(to_js)
    }

    /// Accepts a finished run's completion webhook (`runJson`, see `runWebhookPayload`): the
    /// body is built in the core with id `{run_id}:run_completed`. False when filtered out.
    #[napi(js_name = "enqueueRunWebhook")]
    pub fn enqueue_run_webhook(&self, run_json: String) -> Result<bool> {
        let run = RunCompletion::parse(&run_json).map_err(to_js)?;
        self.engine.enqueue_run_webhook(&run).map(|id| id.is_some()).map_err(to_js)
    }

    /// Waits for pending work, dead-lettering what is left at the deadline (reason `shutdown`).
    /// Resolves with the stats JSON.
    #[napi(catch_unwind)]
    pub async fn drain(&self, timeout_ms: f64) -> napi::Result<String> {
        let left = self.spool_handed_over(millis(timeout_ms)).await;
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

    /// Stops accepting, drains, and stops the workers. Resolves with the stats JSON.
    #[napi(catch_unwind)]
    pub async fn close(&self, timeout_ms: f64) -> napi::Result<String> {
        let left = self.spool_handed_over(millis(timeout_ms)).await;
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
        self.stats_json(&self.engine.stats())
    }

    /// Re-sends a dead-letter record (its JSON) with the same id and a fresh signature, to its
    /// own sink or to `sink`.
    #[napi(catch_unwind)]
    pub fn replay(&self, record_json: String, sink: Option<String>) -> Result<()> {
        let record =
            DeadLetter::from_json(&record_json).map_err(|e| to_js(DeliveryError::InvalidRecord(e.to_string())))?;
        self.engine.replay(record, sink.as_deref()).map_err(to_js)
    }
}

impl Delivery {
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
