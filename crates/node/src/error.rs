//! Core errors to JS errors: `err.message` is the core's message, `err.code` its stable code.

use runwire_core::ErrorCode;

/// The napi error type of this addon: its status string becomes the JS `err.code`.
pub type JsError = napi::Error<&'static str>;

/// napi `Result` with a runwire code as the status (named `Result` so `#[napi]` recognises it).
pub type Result<T> = napi::Result<T, &'static str>;

/// Converts any coded core error.
pub fn to_js(error: impl ErrorCode) -> JsError {
    napi::Error::new(error.code(), error.to_string())
}

/// A bad argument that the core never saw (wrong shape from JS).
pub fn invalid_argument(message: impl Into<String>) -> JsError {
    napi::Error::new("ERR_RUNWIRE_INVALID_ARGUMENT", message.into())
}
