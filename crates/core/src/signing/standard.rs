//! Standard Webhooks v1 signatures (the default scheme).
//!
//! Signed content is `<webhook-id>.<webhook-timestamp>.<body>`; the signature is
//! `v1,<base64(HMAC-SHA256(key, content))>`. Several keys (rotation) give several signatures in
//! one header, separated by single spaces, current key first. A verifier accepts the message if
//! **any** `v1,` entry matches **any** of its keys, compared in constant time, and if the
//! timestamp is within the tolerance of the `now` it is given: this module never reads a clock.
//!
//! The id is stable across retries and replays; the timestamp (and so the signature) is fresh
//! for every attempt. Neither may contain `.`, the separator of the signed content.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::SignatureError;
use crate::signing::secret::StandardSecret;

/// Header carrying the message id.
pub const HEADER_ID: &str = "webhook-id";
/// Header carrying the unix-seconds timestamp.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// Header carrying the space-separated signatures.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// Default verification tolerance, as in the reference libraries.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

const VERSION_PREFIX: &str = "v1,";

fn mac(secret: &StandardSecret, id: &str, timestamp: &str, body: &[u8]) -> [u8; 32] {
    // Any key length is valid for HMAC; the 24–64 byte rule is checked when the secret is parsed.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.key()).unwrap_or_else(|_| unreachable!());
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Whether `id` can be a `webhook-id`: it must travel as a header value unchanged (visible ASCII:
/// no CR/LF/NUL or other controls, no spaces that proxies trim, nothing a header carries as
/// Latin-1 while the signature covers UTF-8) and must not contain `.`, the signed-content
/// separator.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic() && b != b'.')
}

fn check_id(id: &str) -> Result<(), SignatureError> {
    if !is_valid_id(id) {
        return Err(SignatureError::InvalidId);
    }
    Ok(())
}

/// The tolerance window, compared in milliseconds: `now` keeps its sub-second part, so a message
/// 300.25 s old is too old for a 300 s tolerance (as the Go reference verifier decides; comparing
/// whole seconds would let it through). Both edges are inclusive.
pub(crate) fn check_window(timestamp_secs: i64, now_ms: i64, tolerance_secs: u64) -> Result<(), SignatureError> {
    let signed_ms = i128::from(timestamp_secs) * 1000;
    let tolerance_ms = i128::from(tolerance_secs) * 1000;
    let now_ms = i128::from(now_ms);
    if now_ms - signed_ms > tolerance_ms {
        return Err(SignatureError::TimestampTooOld);
    }
    if signed_ms - now_ms > tolerance_ms {
        return Err(SignatureError::TimestampTooNew);
    }
    Ok(())
}

/// Signs `body`, returning the `webhook-signature` header value (one `v1,` entry per secret).
pub fn sign(secrets: &[StandardSecret], id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    check_id(id)?;
    if timestamp < 0 {
        return Err(SignatureError::InvalidTimestamp);
    }
    if std::str::from_utf8(body).is_err() {
        return Err(SignatureError::BodyNotUtf8);
    }
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let timestamp = timestamp.to_string();
    let mut header = String::with_capacity(secrets.len() * 48);
    for secret in secrets {
        if !header.is_empty() {
            header.push(' ');
        }
        header.push_str(VERSION_PREFIX);
        BASE64.encode_string(mac(secret, id, &timestamp, body), &mut header);
    }
    Ok(header)
}

/// What a verifier needs from the request headers (already looked up case-insensitively).
#[derive(Debug, Clone, Copy, Default)]
pub struct Headers<'a> {
    /// `webhook-id`.
    pub id: Option<&'a str>,
    /// `webhook-timestamp`.
    pub timestamp: Option<&'a str>,
    /// `webhook-signature`.
    pub signature: Option<&'a str>,
}

/// Verifies a Standard Webhooks message. Returns the signed timestamp on success.
pub fn verify(
    secrets: &[StandardSecret],
    headers: Headers<'_>,
    body: &[u8],
    now_ms: i64,
    tolerance_secs: u64,
) -> Result<i64, SignatureError> {
    let id = headers.id.ok_or(SignatureError::MissingHeader(HEADER_ID))?;
    let timestamp_text = headers.timestamp.ok_or(SignatureError::MissingHeader(HEADER_TIMESTAMP))?;
    let signature = headers.signature.ok_or(SignatureError::MissingHeader(HEADER_SIGNATURE))?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let timestamp = parse_timestamp(timestamp_text)?;
    check_window(timestamp, now_ms, tolerance_secs)?;
    let candidates: Vec<Vec<u8>> = signature
        .split(' ')
        .filter_map(|entry| entry.strip_prefix(VERSION_PREFIX))
        .filter_map(|b64| BASE64.decode(b64).ok())
        .collect();
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        let expected = mac(secret, id, timestamp_text, body);
        for candidate in &candidates {
            // Constant-time over the bytes; a length mismatch is not secret.
            if candidate.len() == expected.len() {
                matched |= expected.ct_eq(candidate.as_slice());
            }
        }
    }
    if bool::from(matched) {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn parse_timestamp(text: &str) -> Result<i64, SignatureError> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::InvalidHeader(HEADER_TIMESTAMP));
    }
    text.parse().map_err(|_| SignatureError::InvalidHeader(HEADER_TIMESTAMP))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;

    fn upstream() -> StandardSecret {
        StandardSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()
    }

    #[test]
    fn reproduces_the_upstream_vector() {
        let sig = sign(&[upstream()], "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, BODY.as_bytes()).unwrap();
        assert_eq!(sig, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    fn headers<'a>(sig: &'a str, ts: &'a str) -> Headers<'a> {
        Headers { id: Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"), timestamp: Some(ts), signature: Some(sig) }
    }

    #[test]
    fn tolerance_window_keeps_milliseconds() {
        let at = |ms: i64| check_window(1_000, ms, 300);
        assert_eq!(at(1_300_000), Ok(()), "exactly 300 s old");
        assert_eq!(at(1_300_250), Err(SignatureError::TimestampTooOld), "300.25 s old");
        assert_eq!(at(700_000), Ok(()));
        assert_eq!(at(699_999), Err(SignatureError::TimestampTooNew));
        assert_eq!(check_window(i64::MAX, i64::MIN, u64::MAX), Ok(()), "no overflow at the extremes");
    }

    #[test]
    fn ids_must_survive_as_header_values() {
        for bad in ["", "a.b", "a\r\nb", "a\0", "a b", "caf\u{e9}", "tab\t"] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
        assert!(is_valid_id("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") && is_valid_id("run:on_tool_end:1"));
    }

    #[test]
    fn verifies_with_tolerance_window() {
        let sig = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
        let h = headers(sig, "1649367553");
        assert_eq!(verify(&[upstream()], h, BODY.as_bytes(), (1649367553 + 300) * 1000, 300), Ok(1649367553));
        assert_eq!(
            verify(&[upstream()], h, BODY.as_bytes(), (1649367553 + 301) * 1000, 300),
            Err(SignatureError::TimestampTooOld)
        );
        assert_eq!(
            verify(&[upstream()], h, BODY.as_bytes(), (1649367553 - 301) * 1000, 300),
            Err(SignatureError::TimestampTooNew)
        );
    }

    #[test]
    fn any_entry_and_any_key_may_match() {
        let other = StandardSecret::from_key(vec![9; 32]).unwrap();
        let rotated =
            sign(&[other.clone(), upstream()], "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, BODY.as_bytes()).unwrap();
        assert_eq!(rotated.split(' ').count(), 2);
        let h = headers(&rotated, "1649367553");
        assert!(verify(&[upstream()], h, BODY.as_bytes(), 1_649_367_553_000, 300).is_ok());
        let with_junk = format!("v2,abc v1,!!! {rotated}");
        assert!(verify(&[other], headers(&with_junk, "1649367553"), BODY.as_bytes(), 1_649_367_553_000, 300).is_ok());
    }

    #[test]
    fn rejects_tampering_and_bad_input() {
        let sig = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
        let h = headers(sig, "1649367553");
        assert_eq!(verify(&[upstream()], h, b"{}", 1_649_367_553_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(
            verify(&[upstream()], headers(sig, "16493675e3"), BODY.as_bytes(), 0, 300),
            Err(SignatureError::InvalidHeader(HEADER_TIMESTAMP))
        );
        assert_eq!(
            verify(&[upstream()], Headers::default(), b"", 0, 300),
            Err(SignatureError::MissingHeader(HEADER_ID))
        );
        assert_eq!(sign(&[upstream()], "a.b", 1, b"x"), Err(SignatureError::InvalidId));
        assert_eq!(sign(&[upstream()], "a", 1, &[0xff, 0xfe]), Err(SignatureError::BodyNotUtf8));
        assert_eq!(sign(&[], "a", 1, b"x"), Err(SignatureError::NoSecrets));
        assert_eq!(sign(&[upstream()], "a", -1, b"x"), Err(SignatureError::InvalidTimestamp));
    }
}
