//! Signing secrets, kept out of logs.
//!
//! Two kinds, because the two schemes disagree on what a secret *is*:
//! - [`StandardSecret`]: Standard Webhooks. `whsec_` + standard base64 of 24–64 random bytes; the
//!   MAC key is the **decoded** bytes. runwire rejects keys outside 24–64 bytes instead of silently
//!   accepting short ones as some SDKs do.
//! - [`RawSecret`]: GitHub-style `X-Signature-256`. The MAC key is the secret string's UTF-8
//!   bytes, used as-is (a `whsec_` prefix, if any, is part of the key).
//!
//! Where the reference verifiers disagree on the base64 of a `whsec_` secret, runwire takes the
//! lenient side that is still unambiguous: `=` padding is optional (Python's `standardwebhooks`
//! accepts unpadded keys, the JS one pads them), non-zero trailing bits are ignored, while the
//! URL-safe alphabet (`-`, `_`) and whitespace are refused, because a key decoding to different
//! bytes on the two ends would fail every signature silently.
//!
//! Neither type prints its bytes: `Debug` is redacted, there is no `Display`, and errors name
//! only lengths.

use std::fmt;

use base64::alphabet::STANDARD as ALPHABET;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD as BASE64};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::error::SecretError;
use crate::runtime::Entropy;

/// The prefix of a Standard Webhooks secret string.
pub const WHSEC_PREFIX: &str = "whsec_";
/// Standard alphabet, padding optional, trailing bits ignored (see the module docs).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &ALPHABET,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
const MIN_KEY_BYTES: usize = 24;
const MAX_KEY_BYTES: usize = 64;
/// Bytes of key material in a generated secret.
pub const GENERATED_KEY_BYTES: usize = 32;

/// A Standard Webhooks signing key (the decoded bytes of a `whsec_` secret).
#[derive(Clone, PartialEq, Eq)]
pub struct StandardSecret {
    key: Vec<u8>,
}

impl StandardSecret {
    /// Parses `whsec_<base64>`. The prefix is optional, as in the reference libraries.
    pub fn parse(secret: &str) -> Result<Self, SecretError> {
        let encoded = secret.strip_prefix(WHSEC_PREFIX).unwrap_or(secret);
        if encoded.is_empty() {
            return Err(SecretError::Empty);
        }
        let key = LENIENT.decode(encoded).map_err(|_| SecretError::InvalidBase64)?;
        Self::from_key(key)
    }

    /// Wraps raw key bytes, checking the 24–64 byte range.
    pub fn from_key(key: Vec<u8>) -> Result<Self, SecretError> {
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(SecretError::InvalidLength(key.len()));
        }
        Ok(Self { key })
    }

    /// Draws a fresh 32-byte key from the runtime's entropy source.
    pub fn generate(entropy: &impl Entropy) -> Self {
        let mut key = vec![0u8; GENERATED_KEY_BYTES];
        entropy.fill(&mut key);
        Self { key }
    }

    /// The `whsec_<base64>` form, for handing the secret to the receiver once.
    pub fn to_whsec(&self) -> String {
        format!("{WHSEC_PREFIX}{}", BASE64.encode(&self.key))
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for StandardSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StandardSecret(<redacted>)")
    }
}

/// A GitHub-style secret: the UTF-8 bytes of the string, used as the HMAC key as-is.
#[derive(Clone, PartialEq, Eq)]
pub struct RawSecret {
    key: Vec<u8>,
}

impl RawSecret {
    /// Wraps a secret string; empty secrets are refused (an empty HMAC key signs nothing).
    pub fn new(secret: &str) -> Result<Self, SecretError> {
        if secret.is_empty() {
            return Err(SecretError::Empty);
        }
        Ok(Self { key: secret.as_bytes().to_vec() })
    }

    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for RawSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::VirtualRuntime;

    #[test]
    fn parses_with_and_without_prefix() {
        let a = StandardSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let b = StandardSecret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key().len(), 24);
        // 32 bytes: padded, unpadded and with stray trailing bits all give the same key.
        let padded = StandardSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2k=").unwrap();
        assert_eq!(StandardSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2k").unwrap(), padded);
        assert_eq!(StandardSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2l").unwrap(), padded);
        assert_eq!(
            StandardSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2k_"),
            Err(SecretError::InvalidBase64),
            "base64url is refused"
        );
        assert_eq!(
            StandardSecret::parse("whsec_MfKQ9r8GKYqrTwj UPD8ILPZIo2LaLaSw4ZrrakFMQ2k"),
            Err(SecretError::InvalidBase64)
        );
    }

    #[test]
    fn rejects_bad_secrets() {
        assert_eq!(StandardSecret::parse("whsec_"), Err(SecretError::Empty));
        assert_eq!(StandardSecret::parse("whsec_not base64!"), Err(SecretError::InvalidBase64));
        // 16 bytes: too short for Standard Webhooks.
        assert_eq!(StandardSecret::parse("whsec_AAAAAAAAAAAAAAAAAAAAAA=="), Err(SecretError::InvalidLength(16)));
        assert_eq!(StandardSecret::from_key(vec![0; 65]), Err(SecretError::InvalidLength(65)));
        assert_eq!(RawSecret::new(""), Err(SecretError::Empty));
    }

    #[test]
    fn debug_is_redacted() {
        let s = StandardSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let shown = format!("{s:?} {:?}", RawSecret::new("hunter2").unwrap());
        assert!(!shown.contains("C2FV") && !shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn generated_secret_round_trips() {
        let rt = VirtualRuntime::new(0, 7);
        let s = StandardSecret::generate(&rt);
        let text = s.to_whsec();
        assert!(text.starts_with("whsec_"));
        assert_eq!(StandardSecret::parse(&text).unwrap(), s);
        assert_ne!(StandardSecret::generate(&rt), s, "two draws differ");
    }
}
