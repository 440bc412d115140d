//! runwire-wasm: the web build (`wasm-bindgen --target web`) for workerd, Deno, browsers and
//! Vercel Edge.
//!
//! The same low-level surface as the Node addon, function for function, so that
//! `npm/runwire/src/api.js` builds one public API on either. Errors are real `Error` objects
//! with `code` set to the core's stable code, never thrown strings.

pub mod delivery;
pub mod error;
pub mod events;
pub mod fetch;
pub mod policy;
pub mod runtime;
pub mod signing;
