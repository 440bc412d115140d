//! JS-callback sinks in the addon: `{ name, send: async (message) => … }` in the JS options.
//!
//! The engine's worker (a tokio thread) calls the JS function through a weak, non-blocking
//! threadsafe function and awaits the promise it returns, so a slow callback holds one of its
//! sink's workers, never the JS thread. The JS layer wraps the user's function so it always
//! resolves with a verdict string and never throws across the boundary (a throw inside a
//! threadsafe call would be fatal to the process): `"ok"` → delivered, `"rejected"` (the user
//! returned `false`) → dead letter `rejected`, `"error: …"` (it threw or rejected) → retried on
//! the sink's schedule.

use napi::bindgen_prelude::Promise;
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use runwire_core::sinks::webhook::WebhookSink;
use runwire_core::sinks::{BatchDelivery, Delivery, Sink, SinkResponse};

use crate::runtime::NodeRuntime;
use crate::transport::NativeTransport;

use runwire_core::sinks::{callback_message, callback_verdict};

/// A JS function called once per attempt with the message as JSON text.
pub type CallbackFn = ThreadsafeFunction<String, Promise<String>, String, Status, false, true>;

/// A sink backed by a JS function.
pub struct CallbackSink(pub CallbackFn);

impl Sink for CallbackSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        let message = callback_message(&delivery);
        let verdict_text = match self.0.call_async(message).await {
            Ok(promise) => promise.await.unwrap_or_else(|e| format!("error: {e}")),
            Err(e) => format!("error: callback unavailable: {e}"),
        };
        callback_verdict(&verdict_text)
    }
}

/// The addon's sink: a signed webhook, a JS callback or a native queue (one engine type for all).
pub enum NodeSink {
    /// HTTP webhook over the native transport.
    Webhook(WebhookSink<NativeTransport, NodeRuntime>),
    /// A JS function.
    Callback(CallbackSink),
    /// Redis Streams.
    Redis(crate::sinks::redis::RedisSink),
    /// Kafka.
    Kafka(crate::sinks::kafka::KafkaSink),
    /// Amazon SNS.
    Sns(crate::sinks::sns::SnsSink),
}

impl Sink for NodeSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        match self {
            Self::Webhook(sink) => sink.send(delivery).await,
            Self::Callback(sink) => sink.send(delivery).await,
            Self::Redis(sink) => sink.send(delivery).await,
            Self::Kafka(sink) => sink.send(delivery).await,
            Self::Sns(sink) => sink.send(delivery).await,
        }
    }

    async fn send_batch(&self, batch: BatchDelivery) -> SinkResponse {
        match self {
            Self::Webhook(sink) => sink.send_batch(batch).await,
            Self::Callback(sink) => sink.send_batch(batch).await,
            Self::Redis(sink) => sink.send_batch(batch).await,
            Self::Kafka(sink) => sink.send_batch(batch).await,
            Self::Sns(sink) => sink.send_batch(batch).await,
        }
    }
}
