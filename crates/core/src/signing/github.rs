//! GitHub-style `X-Signature-256: sha256=<hex>` signatures (opt-in, per endpoint).
//!
//! The MAC covers the raw body bytes only, keyed with the secret string's UTF-8 bytes. There is
//! no timestamp, so no replay protection: receivers must dedupe on `Idempotency-Key`. The header
//! name is configurable because GitHub itself sends the identical construction as
//! `X-Hub-Signature-256`. Hex is emitted lower-case (octokit compares case-sensitively) and
//! accepted in either case when verifying.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::SignatureError;
use crate::signing::secret::RawSecret;

/// The seed design's header name.
pub const DEFAULT_HEADER: &str = "x-signature-256";
const PREFIX: &str = "sha256=";

fn mac(secret: &RawSecret, body: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.key()).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Signs `body`, returning the header value `sha256=<lower-case hex>`.
pub fn sign(secret: &RawSecret, body: &[u8]) -> String {
    format!("{PREFIX}{}", hex::encode(mac(secret, body)))
}

/// Verifies a `sha256=<hex>` header value against any of `secrets`.
pub fn verify(secrets: &[RawSecret], header_value: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let value = header_value.ok_or(SignatureError::MissingHeader(DEFAULT_HEADER))?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let digest = value
        .strip_prefix(PREFIX)
        .and_then(|hex_text| hex::decode(hex_text).ok())
        .filter(|bytes| bytes.len() == 32)
        .ok_or(SignatureError::Mismatch)?;
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        matched |= mac(secret, body).ct_eq(digest.as_slice());
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_github_docs_vector() {
        let secret = RawSecret::new("It's a Secret to Everybody").unwrap();
        let sig = sign(&secret, b"Hello, World!");
        assert_eq!(sig, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
        assert_eq!(verify(std::slice::from_ref(&secret), Some(&sig), b"Hello, World!"), Ok(()));
        assert_eq!(
            verify(
                std::slice::from_ref(&secret),
                Some(&sig.to_uppercase().replace("SHA256=", "sha256=")),
                b"Hello, World!"
            ),
            Ok(())
        );
        assert_eq!(verify(std::slice::from_ref(&secret), Some(&sig), b"Hello, World?"), Err(SignatureError::Mismatch));
        assert_eq!(verify(std::slice::from_ref(&secret), Some("sha1=abc"), b""), Err(SignatureError::Mismatch));
        assert_eq!(verify(&[secret], None, b""), Err(SignatureError::MissingHeader(DEFAULT_HEADER)));
    }

    #[test]
    fn fallback_secrets_verify() {
        let old = RawSecret::new("old").unwrap();
        let new = RawSecret::new("new").unwrap();
        let sig = sign(&old, b"x");
        assert_eq!(verify(&[new, old], Some(&sig), b"x"), Ok(()));
    }
}
