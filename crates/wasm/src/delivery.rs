//! The delivery engine in the web build: workers are `spawn_local` futures on the JS event loop,
//! sleeps are `setTimeout`, HTTP is [`FetchTransport`]. Dead letters go to a JS callback (awaited
//! when it returns a promise); without one they are reported with `console.error` so nothing
//! disappears silently. Mirrors `crates/node/src/delivery.rs` method for method.

use std::time::Duration;

use js_sys::{Function, Promise};
use runwire_core::delivery::config::{DeliveryConfig, SinkTarget};
use runwire_core::delivery::dlq::{DeadLetter, DeadLetterStore};
use runwire_core::delivery::engine::{Engine, HookEvent, Hooks};
use runwire_core::error::DeliveryError;
use runwire_core::events::run_webhook::RunCompletion;
use runwire_core::sinks::webhook::WebhookSink;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, spawn_local, JsFuture};

use crate::callback_sink::{CallbackSink, WebSink};
use crate::error::to_js;
use crate::fetch::FetchTransport;
use crate::runtime::WebRuntime;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str, record: &str);
}

/// Delivery hooks forwarded to a JS function as JSON text.
pub struct JsHooks(Option<Function>);

impl Hooks for JsHooks {
    fn emit(&self, event: HookEvent) {
        if let (Some(callback), Ok(json)) = (&self.0, serde_json::to_string(&event)) {
            let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(&json));
        }
    }
}

/// `onDeadLetter(recordJson)`, or `console.error` when none was given.
pub struct JsDeadLetters(Option<Function>);

impl DeadLetterStore for JsDeadLetters {
    async fn put(&self, record: DeadLetter) -> Result<(), String> {
        let json = record.to_json();
        let Some(callback) = &self.0 else {
            console_error("runwire: dead letter (pass `dlq` to store it):", &json);
            return Ok(());
        };
        let returned = callback.call1(&JsValue::NULL, &JsValue::from_str(&json)).map_err(|e| message(&e))?;
        if returned.is_instance_of::<Promise>() {
            JsFuture::from(Promise::from(returned)).await.map_err(|e| message(&e))?;
        }
        Ok(())
    }
}

/// A thrown value's `message` (or its string form), without pulling in `Debug` formatting.
fn message(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "dead-letter callback failed".to_owned())
}

type WebEngine = Engine<WebRuntime, WebSink, JsDeadLetters, JsHooks>;

/// A running delivery engine (see `createDelivery`).
#[wasm_bindgen]
pub struct Delivery {
    engine: WebEngine,
}

fn millis(ms: f64) -> Duration {
    if ms.is_finite() && ms > 0.0 {
        Duration::from_secs_f64(ms.min(1e12) / 1000.0)
    } else {
        Duration::ZERO
    }
}

fn stats_json(engine: &WebEngine) -> String {
    serde_json::to_string(&engine.stats()).unwrap_or_default()
}

/// Starts a delivery engine from its JSON config (same contract as the addon's).
#[wasm_bindgen(js_name = createDelivery)]
pub fn create_delivery(
    config_json: &str,
    on_hook: Option<Function>,
    on_dead_letter: Option<Function>,
    sink_callbacks: Option<js_sys::Array>,
) -> Result<Delivery, JsValue> {
    let config = DeliveryConfig::parse(config_json).map_err(to_js)?;
    let mut callbacks: Vec<Option<Function>> =
        sink_callbacks.map(|a| a.iter().map(|f| f.dyn_into::<Function>().ok()).collect()).unwrap_or_default();
    let mut health = Vec::new();
    let sinks = config
        .sinks
        .into_iter()
        .map(|(options, target)| {
            let sink = match target {
                // URL, host-name and IP-literal checks only: `fetch` resolves names itself (README).
                SinkTarget::Webhook(webhook) => WebSink::Webhook(
                    WebhookSink::new(webhook, FetchTransport, WebRuntime)
                        .map_err(to_js)?
                        .with_url_policy(options.url_policy.clone())
                        .map_err(to_js)?,
                ),
                SinkTarget::Callback(index) => {
                    let function = callbacks.get_mut(index).and_then(Option::take).ok_or_else(|| {
                        crate::error::invalid_argument(&format!("sink {:?}: no callback number {index}", options.name))
                    })?;
                    WebSink::Callback(CallbackSink(function))
                }
                // The core refuses queue types in this build (no `queue-sinks` feature); kept
                // for the workspace build, where features are unified.
                SinkTarget::Redis(_) | SinkTarget::Kafka(_) | SinkTarget::Sns(_) => {
                    return Err(crate::error::invalid_argument(&format!(
                        "sink {:?}: queue sinks need the Node addon; wrap your own client in a send-function sink",
                        options.name
                    )))
                }
            };
            let (spec, sink_health) = options.into_spec(sink);
            health.extend(sink_health);
            Ok(spec)
        })
        .collect::<Result<Vec<_>, JsValue>>()?;
    let engine = Engine::new(WebRuntime, config.limits, sinks, JsDeadLetters(on_dead_letter), JsHooks(on_hook))
        .map_err(to_js)?;
    for (name, config) in health {
        engine.set_health(&name, config).map_err(to_js)?;
    }
    let (workers, writer) = engine.workers();
    for worker in workers {
        spawn_local(worker);
    }
    spawn_local(writer);
    Ok(Delivery { engine })
}

#[wasm_bindgen]
impl Delivery {
    /// Accepts one event; false when every sink filtered it out. `root_run_id` and `ends_run`
    /// as in the addon (ordering unit; the run's last event).
    pub fn enqueue(
        &self,
        event: &str,
        run_id: &str,
        data_json: String,
        root_run_id: Option<String>,
        ends_run: Option<bool>,
    ) -> Result<bool, JsValue> {
        self.engine
            .enqueue_event(event, run_id, root_run_id.as_deref(), ends_run.unwrap_or(false), data_json)
            .map(|id| id.is_some())
            .map_err(to_js)
    }

    /// Accepts a finished run's completion webhook (`runJson`); false when filtered out.
    #[wasm_bindgen(js_name = enqueueRunWebhook)]
    pub fn enqueue_run_webhook(&self, run_json: &str) -> Result<bool, JsValue> {
        let run = RunCompletion::parse(run_json).map_err(to_js)?;
        self.engine.enqueue_run_webhook(&run).map(|id| id.is_some()).map_err(to_js)
    }

    /// Waits for pending work, dead-lettering what is left at the deadline. Resolves with the
    /// stats JSON; hand the promise to `ctx.waitUntil`.
    pub fn drain(&self, timeout_ms: f64) -> Promise {
        let engine = self.engine.clone();
        future_to_promise(async move {
            engine.drain(millis(timeout_ms)).await;
            Ok(JsValue::from_str(&stats_json(&engine)))
        })
    }

    /// Stops accepting, drains, and stops the workers.
    pub fn close(&self, timeout_ms: f64) -> Promise {
        let engine = self.engine.clone();
        future_to_promise(async move {
            engine.close(millis(timeout_ms)).await;
            Ok(JsValue::from_str(&stats_json(&engine)))
        })
    }

    /// The counters, as JSON.
    pub fn stats(&self) -> String {
        stats_json(&self.engine)
    }

    /// Re-sends a dead-letter record with the same id and a fresh signature.
    pub fn replay(&self, record_json: &str, sink: Option<String>) -> Result<(), JsValue> {
        let record =
            DeadLetter::from_json(record_json).map_err(|e| to_js(DeliveryError::InvalidRecord(e.to_string())))?;
        self.engine.replay(record, sink.as_deref()).map_err(to_js)
    }
}

/// The bounds of every numeric delivery option, as JSON (same as the addon's `optionBounds`).
#[wasm_bindgen(js_name = optionBounds)]
pub fn option_bounds() -> String {
    runwire_core::delivery::bounds::to_json()
}

/// Runs one message through the engine under the virtual clock (conformance: exact schedules).
#[wasm_bindgen(js_name = simulateDelivery)]
pub fn simulate_delivery(input_json: &str) -> Result<String, JsValue> {
    runwire_core::delivery::simulate::simulate(input_json).map_err(to_js)
}
