//! runwire-wasm: the web build (`wasm-bindgen --target web`) for workerd, Deno, browsers and
//! Vercel Edge.
//!
//! The same low-level surface as the Node addon, function for function, so that
//! `npm/runwire/src/api.js` builds one public API on either. Errors are real `Error` objects
//! with `code` set to the core's stable code, never thrown strings.

// The engine's futures hold JS values: they are not `Send`, which only wasm32 allows
// (`MaybeSend`). Native builds of this crate (workspace clippy/tests) leave delivery out.
#[cfg(target_arch = "wasm32")]
pub mod callback_sink;
#[cfg(target_arch = "wasm32")]
pub mod delivery;
pub mod error;
pub mod events;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
pub mod policy;
pub mod runtime;
pub mod signing;
