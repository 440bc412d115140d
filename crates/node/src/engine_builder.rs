//! Builds and starts an addon engine from its JSON config: the sinks (webhook, JS callback,
//! Redis, Kafka, SNS), the dead-letter store (files, a JS callback or a Redis stream), the
//! hooks and the vetted resolver. `createDelivery` ([`crate::delivery`]) and `createWorker`
//! ([`crate::worker`]) both start their engine here, so a worker delivers exactly like an
//! in-process delivery with the same sink options.

use std::sync::Arc;

use napi::bindgen_prelude::{Function, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use runwire_core::delivery::config::{DeliveryConfig, SinkTarget};
use runwire_core::delivery::dlq::{DeadLetter, DeadLetterStore};
use runwire_core::delivery::engine::{Engine, HookEvent, Hooks, Overflow};
use runwire_core::delivery::spool::config::SpoolConfig;
use runwire_core::error::DeliveryError;
use runwire_core::sinks::webhook::WebhookSink;

use crate::callback_sink::{CallbackFn, CallbackSink, NodeSink};
use crate::error::{invalid_argument, to_js, Result};
use crate::file_dlq::FileDeadLetters;
use crate::redis_dlq::RedisDeadLetters;
use crate::runtime::NodeRuntime;
use crate::sinks::{kafka::KafkaSink, redis::RedisSink, sns::SnsSink};
use crate::spool::Spool;
use crate::ssrf::VettedResolver;
use crate::transport::{NativeTransport, TransportOptions};

/// Where dead letters go when neither `dlqDir`, `dlqRedis` nor a callback is given.
pub const DEFAULT_DLQ_DIR: &str = ".runwire/dlq";

type Callback = ThreadsafeFunction<String, (), String, Status, false, true>;

/// Delivery hooks forwarded to a JS function as JSON text.
pub struct JsHooks(Option<Arc<Callback>>);

impl JsHooks {
    /// The same channel for hook events built elsewhere (the spool's), as JSON text.
    fn sender(&self) -> crate::spool::HookFn {
        let callback = self.0.clone();
        Arc::new(move |json| {
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

/// Files by default; a Redis stream or a JS callback when one is given. Cheap to clone (a
/// worker keeps a handle to dead-letter malformed entries itself).
#[derive(Clone)]
pub enum NodeDeadLetters {
    /// Atomic files under a directory.
    Files(FileDeadLetters),
    /// `XADD` to a stream ([`crate::redis_dlq`]).
    Redis(Arc<RedisDeadLetters>),
    /// `onDeadLetter(recordJson)`; the record counts as stored once the callback (and the
    /// promise it returned) settled on the JS thread.
    Callback(Arc<CallbackFn>),
}

impl DeadLetterStore for NodeDeadLetters {
    async fn put(&self, record: DeadLetter) -> std::result::Result<(), String> {
        match self {
            Self::Files(files) => files.put(record).await,
            Self::Redis(stream) => stream.put(&record).await,
            Self::Callback(callback) => match callback.call_async(record.to_json()).await {
                Ok(promise) => promise.await.map(drop).map_err(|e| format!("dead-letter callback failed: {e}")),
                Err(e) => Err(format!("dead-letter callback unavailable: {e}")),
            },
        }
    }
}

/// The addon's engine type.
pub type NodeEngine = Engine<NodeRuntime, NodeSink, NodeDeadLetters, JsHooks>;

/// A started engine and what its owner may need besides it.
pub struct Built {
    /// The engine, its workers running on napi's tokio runtime.
    pub engine: NodeEngine,
    /// A handle on its dead-letter store.
    pub store: NodeDeadLetters,
    /// The durable spool in front of it, when configured ([`crate::spool`]).
    pub spool: Option<Spool>,
    /// The hooks channel, for events raised outside the engine (the ingest thread's).
    pub hooks: crate::spool::HookFn,
}

/// A JS function the engine calls from a tokio thread and awaits (returning a promise).
pub fn awaited_callback(function: &Function<'_, String, Promise<String>>, what: &str) -> Result<CallbackFn> {
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

/// Parses `config_json`, builds every sink and the store, and starts the engine's workers.
/// `on_hook(json)` receives hook events; `on_dead_letter(json)` replaces the file store
/// (default directory `.runwire/dlq`, or `dlqDir`; `dlqRedis` = a stream);
/// `lookup(hostname)` (resolving to a JSON array of addresses) replaces the system resolver.
pub fn build_engine(
    config_json: &str,
    spool: Option<SpoolConfig>,
    on_hook: Option<Function<'_, String, ()>>,
    on_dead_letter: Option<Function<'_, String, Promise<String>>>,
    sink_callbacks: Option<Vec<Function<'_, String, Promise<String>>>>,
    lookup: Option<Function<'_, String, Promise<String>>>,
) -> Result<Built> {
    let config = DeliveryConfig::parse(config_json).map_err(to_js)?;
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
    let options = TransportOptions { resolver: Some(Arc::new(resolver.clone())), ..TransportOptions::default() };
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
        Some(callback) => NodeDeadLetters::Callback(Arc::new(callback)),
        None => match &config.dlq_redis {
            Some(redis) => NodeDeadLetters::Redis(Arc::new(
                RedisDeadLetters::new(redis)
                    .map_err(|e| to_js(DeliveryError::InvalidConfig(format!("dlqRedis: {e}"))))?,
            )),
            None => NodeDeadLetters::Files(FileDeadLetters::new(config.dlq_dir.as_deref().unwrap_or(DEFAULT_DLQ_DIR))),
        },
    };
    let hooks = JsHooks(callback(on_hook)?.map(Arc::new));
    let spool_hooks = hooks.sender();
    let engine = Engine::new(NodeRuntime, config.limits, sinks, store.clone(), hooks).map_err(to_js)?;
    for (name, config) in health {
        engine.set_health(&name, config).map_err(to_js)?;
    }
    // Before the workers start: recovery hands the spool's pending messages over first.
    let spool = spool.map(|c| crate::spool::attach(&engine, c, spool_hooks.clone(), may_reject)).transpose()?;
    let (workers, writer) = engine.workers();
    for worker in workers {
        napi::bindgen_prelude::spawn(worker);
    }
    napi::bindgen_prelude::spawn(writer);
    Ok(Built { engine, store, spool, hooks: spool_hooks })
}
