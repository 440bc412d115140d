//! The web side of the runtime seam: `crypto.getRandomValues`, `Date.now` and `setTimeout`.
//! HTTP is [`crate::fetch::FetchTransport`].

use runwire_core::runtime::{Clock, Entropy};
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: f64) -> wasm_bindgen::JsValue;
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &wasm_bindgen::JsValue);
}

/// Web Crypto randomness and the JS clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebRuntime;

impl Entropy for WebRuntime {
    fn fill(&self, buf: &mut [u8]) {
        // getRandomValues refuses more than 65,536 bytes per call.
        for chunk in buf.chunks_mut(65_536) {
            get_random_values(chunk);
        }
    }
}

impl Clock for WebRuntime {
    fn now_ms(&self) -> u64 {
        let now = js_sys::Date::now();
        if now.is_finite() && now > 0.0 {
            // Date.now() is an integral number of milliseconds well inside u64.
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked finite and positive")]
            let ms = now as u64;
            ms
        } else {
            0
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use sleep::Sleep;

#[cfg(target_arch = "wasm32")]
mod sleep {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use runwire_core::runtime::Sleeper;
    use wasm_bindgen_futures::JsFuture;

    use super::{clear_timeout, set_timeout, WebRuntime};

    /// A `setTimeout` promise as a future. Dropping it clears the timer, so an abandoned wait (a
    /// drain deadline that was not needed, a retry cut short by shutdown) never keeps a Node or Deno
    /// process alive. Where timers have `unref()` (Node), the timer is unref'd: as with the addon's
    /// tokio threads, waiting to retry does not keep Node alive by itself. The JS glue keeps the
    /// process alive while a `drain()` runs and drains on `beforeExit` (bounded by `exitDrainMs`),
    /// so nothing pending is dropped when a script ends.
    pub struct Sleep {
        promise: JsFuture,
        timer: wasm_bindgen::JsValue,
    }

    impl Future for Sleep {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            Pin::new(&mut self.promise).poll(cx).map(|_| ())
        }
    }

    impl Drop for Sleep {
        fn drop(&mut self) {
            clear_timeout(&self.timer);
        }
    }

    /// `timer.unref()` when the runtime's timers have it (Node); a no-op elsewhere.
    fn unref(timer: &wasm_bindgen::JsValue) {
        if !timer.is_object() {
            return;
        }
        if let Ok(method) = js_sys::Reflect::get(timer, &wasm_bindgen::JsValue::from_str("unref")) {
            if let Some(method) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&method) {
                let _ = method.call0(timer);
            }
        }
    }

    impl Sleeper for WebRuntime {
        type Sleep = Sleep;
        fn sleep(&self, duration: Duration) -> Sleep {
            let ms = duration.as_secs_f64() * 1000.0;
            let mut timer = wasm_bindgen::JsValue::UNDEFINED;
            let promise = js_sys::Promise::new(&mut |resolve, _reject| {
                timer = set_timeout(&resolve, ms);
            });
            unref(&timer);
            Sleep { promise: JsFuture::from(promise), timer }
        }
    }
}
