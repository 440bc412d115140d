//! The web side of the runtime seam: `crypto.getRandomValues` and `Date.now`. Timers and
//! `fetch` land with the delivery engine.

use runwire_core::runtime::{Clock, Entropy};
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]);
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
