//! Core errors to JS errors: a real `Error` whose `code` is the core's stable code.

use runwire_core::ErrorCode;
use wasm_bindgen::JsValue;

fn coded(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(code));
    error.into()
}

/// Converts any coded core error.
pub fn to_js(error: impl ErrorCode) -> JsValue {
    coded(error.code(), &error.to_string())
}

/// A bad argument that the core never saw (wrong shape from JS).
pub fn invalid_argument(message: &str) -> JsValue {
    coded("ERR_RUNWIRE_INVALID_ARGUMENT", message)
}
