//! Stripe-style `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` signatures (optional).
//!
//! For receivers already built on Stripe's tooling. The MAC is HMAC-SHA256 over
//! `<t>.<raw body>`, keyed with the **whole secret string as UTF-8 bytes** — a `whsec_` prefix is
//! part of the key, the opposite of Standard Webhooks, which base64-decodes after the prefix. One
//! `v1=` entry per active secret gives rotation. Verification checks the timestamp tolerance
//! against the `now` it is given and accepts any `v1` entry matching any secret, in constant time.
//!
//! Convoy's "advanced" format looks the same but joins with a comma (`<t>,<body>`); it does not
//! verify with Stripe tooling and runwire never emits it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::SignatureError;
use crate::signing::secret::RawSecret;

/// The header name (lower-case on the wire).
pub const HEADER: &str = "stripe-signature";

fn mac(secret: &RawSecret, timestamp: &str, body: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.key()).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Signs `body`, returning the header value `t=<timestamp>,v1=<hex>` (one `v1` per secret).
pub fn sign(secrets: &[RawSecret], timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    if timestamp < 0 {
        return Err(SignatureError::InvalidTimestamp);
    }
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let timestamp = timestamp.to_string();
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&hex::encode(mac(secret, &timestamp, body)));
    }
    Ok(header)
}

/// Verifies a `Stripe-Signature` header value. Returns the signed timestamp on success.
pub fn verify(
    secrets: &[RawSecret],
    header_value: Option<&str>,
    body: &[u8],
    now_ms: i64,
    tolerance_secs: u64,
) -> Result<i64, SignatureError> {
    let value = header_value.ok_or(SignatureError::MissingHeader(HEADER))?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let mut timestamp_text = None;
    let mut candidates = Vec::new();
    for item in value.split(',') {
        match item.trim().split_once('=') {
            Some(("t", t)) if timestamp_text.is_none() => timestamp_text = Some(t),
            Some(("t", _)) => return Err(SignatureError::InvalidHeader(HEADER)),
            Some(("v1", hex_text)) => candidates.extend(hex::decode(hex_text).ok().filter(|b| b.len() == 32)),
            _ => {}
        }
    }
    let timestamp_text = timestamp_text.ok_or(SignatureError::InvalidHeader(HEADER))?;
    if timestamp_text.is_empty() || timestamp_text.len() > 18 || !timestamp_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::InvalidHeader(HEADER));
    }
    let timestamp: i64 = timestamp_text.parse().map_err(|_| SignatureError::InvalidHeader(HEADER))?;
    crate::signing::standard::check_window(timestamp, now_ms, tolerance_secs)?;
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        let expected = mac(secret, timestamp_text, body);
        for candidate in &candidates {
            matched |= expected.ct_eq(candidate.as_slice());
        }
    }
    if bool::from(matched) {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "{\"data\":{\"object\":{\"event\":\"on_tool_end\",\"name\":\"calculator\",\"output\":\"42 — café ☕\",\"run_id\":\"1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b\",\"step_index\":3}},\"id\":\"evt_interop_1\",\"object\":\"event\",\"type\":\"agent.tool.end\"}";
    const HEADER_C: &str = "t=1767225600,v1=e75c19a297c0f670e94364a1578d0269bc074039c3418da1930e00d51f792fea";

    fn secret() -> RawSecret {
        RawSecret::new("whsec_test_interop_vector_secret").unwrap()
    }

    #[test]
    fn reproduces_vector_c() {
        assert_eq!(sign(&[secret()], 1767225600, BODY.as_bytes()).unwrap(), HEADER_C);
    }

    #[test]
    fn convoy_advanced_is_not_stripe() {
        // Convoy joins with a comma; the dot join gives a different, documented value.
        let convoy = RawSecret::new("convoy-webhook-secret").unwrap();
        let body = br#"{"event":"charge.success","amount":1000,"currency":"NGN"}"#;
        let ours = sign(&[convoy], 1700000000, body).unwrap();
        assert_eq!(ours, "t=1700000000,v1=1cdbc3c8e883cd0e7f835821ed2e653289f427834f450f3380838d85c082a16d");
    }

    #[test]
    fn verifies_rotation_and_rejects_bad_input() {
        let other = RawSecret::new("other").unwrap();
        let two = sign(&[other.clone(), secret()], 1767225600, BODY.as_bytes()).unwrap();
        assert_eq!(verify(&[secret()], Some(&two), BODY.as_bytes(), 1_767_225_600_000, 300), Ok(1767225600));
        assert_eq!(verify(&[secret()], Some(HEADER_C), b"{}", 1_767_225_600_000, 300), Err(SignatureError::Mismatch));
        assert_eq!(
            verify(&[secret()], Some(HEADER_C), BODY.as_bytes(), 1_767_225_901_000, 300),
            Err(SignatureError::TimestampTooOld)
        );
        assert_eq!(
            verify(&[secret()], Some("v1=00"), BODY.as_bytes(), 0, 300),
            Err(SignatureError::InvalidHeader(HEADER))
        );
        assert_eq!(
            verify(&[secret()], Some("t=1,t=2"), BODY.as_bytes(), 0, 300),
            Err(SignatureError::InvalidHeader(HEADER))
        );
        assert_eq!(verify(&[other], None, b"", 0, 300), Err(SignatureError::MissingHeader(HEADER)));
    }
}
