//! JS-callback sinks in the web build: the worker future calls the JS function and awaits the
//! promise it returns. The JS layer wraps the user's function so it always resolves with a
//! verdict string (see `crates/node/src/callback_sink.rs`, which behaves identically).

use js_sys::{Function, Promise};
use runwire_core::sinks::webhook::WebhookSink;
use runwire_core::sinks::{Delivery, Sink, SinkResponse};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use runwire_core::sinks::{callback_message, callback_verdict};

use crate::fetch::FetchTransport;
use crate::runtime::WebRuntime;

/// A sink backed by a JS function.
pub struct CallbackSink(pub Function);

impl Sink for CallbackSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        let message = JsValue::from_str(&callback_message(&delivery));
        let text = match self.0.call1(&JsValue::NULL, &message) {
            Ok(returned) => match returned.dyn_into::<Promise>() {
                Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_string()),
                Err(value) => value.as_string(),
            },
            Err(_) => None,
        };
        callback_verdict(text.as_deref().unwrap_or("error: callback failed"))
    }
}

/// The web build's sink: a signed webhook or a JS callback (one engine type for both).
pub enum WebSink {
    /// HTTP webhook over `fetch`.
    Webhook(WebhookSink<FetchTransport, WebRuntime>),
    /// A JS function.
    Callback(CallbackSink),
}

impl Sink for WebSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        match self {
            Self::Webhook(sink) => sink.send(delivery).await,
            Self::Callback(sink) => sink.send(delivery).await,
        }
    }
}
