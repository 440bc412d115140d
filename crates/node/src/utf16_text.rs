//! A JS string taken as its UTF-16 code units, for `enqueueBatch`'s large texts.
//!
//! napi's usual string argument costs the JS thread two passes over the text: one to measure its
//! UTF-8 length, one to encode it (V8 flattens the string first either way). Taken as UTF-16 it
//! is one copy — a `memcpy` for V8's two-byte strings (any text with a non-Latin-1 character),
//! a widening copy for one-byte ones — and the transcoding to UTF-8 runs on the receiving thread
//! ([`Utf16Text::into_string`], in `crate::ingest`), off the JS thread.

use std::ptr;
use std::string::FromUtf16Error;

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::{check_status, sys};

/// A JS string's UTF-16 code units, copied out on the JS thread.
#[derive(Debug)]
pub struct Utf16Text(Vec<u16>);

impl Utf16Text {
    /// Whether the string was empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text as UTF-8; an error for a lone surrogate (which `JSON.stringify` escapes, so JSON
    /// text and printable ASCII ids never hold one).
    pub fn into_string(self) -> Result<String, FromUtf16Error> {
        String::from_utf16(&self.0)
    }
}

impl TypeName for Utf16Text {
    fn type_name() -> &'static str {
        "String(utf16)"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for Utf16Text {}

impl FromNapiValue for Utf16Text {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut len = 0;
        // SAFETY: a null buffer asks for the length in code units only (O(1) in V8).
        check_status!(
            unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut len) },
            "expected a string"
        )?;
        // Room for the terminating NUL napi writes after the text.
        let mut units = Vec::<u16>::with_capacity(len + 1);
        let mut written = 0;
        // SAFETY: napi writes at most `len + 1` units (the text and a NUL) into the spare
        // capacity and reports how many belong to the text; only those are kept.
        check_status!(
            unsafe { sys::napi_get_value_string_utf16(env, value, units.as_mut_ptr(), len + 1, &mut written) },
            "expected a string"
        )?;
        unsafe { units.set_len(written.min(len)) };
        Ok(Self(units))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_beyond_the_basic_plane() {
        let text = "on_custom_event\u{1f}run\u{1f}\u{1f}\u{1f}{\"t\":\"café ☕ 𝄞\"}";
        assert_eq!(Utf16Text(text.encode_utf16().collect()).into_string().unwrap(), text);
    }

    #[test]
    fn refuses_a_lone_surrogate() {
        assert!(Utf16Text(vec![0x61, 0xd83d]).into_string().is_err());
        assert!(Utf16Text(Vec::new()).is_empty());
    }
}
