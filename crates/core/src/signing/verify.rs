//! One verification entry point for receivers, whichever scheme the sender used.
//!
//! `verify_webhook` looks at the headers: a `webhook-signature` means Standard Webhooks, else a
//! `Stripe-Signature` means Stripe-style, else a GitHub-style `sha256=` header (name configurable). Callers can pin the scheme instead, which
//! receivers should do once they know their sender: auto-detection lets a sender downgrade to the
//! scheme without a timestamp. Secrets are plain strings here and are interpreted per scheme
//! (`whsec_` base64 for Standard Webhooks, raw UTF-8 for GitHub- and Stripe-style).

use crate::error::SignatureError;
use crate::signing::secret::{RawSecret, StandardSecret};
use crate::signing::{github, standard, stripe};

/// Which signature construction to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Standard Webhooks if `webhook-signature` is present, else GitHub-style.
    #[default]
    Auto,
    /// Standard Webhooks v1 only.
    Standard,
    /// GitHub-style `sha256=<hex>` only.
    Github,
    /// Stripe-style `t=<ts>,v1=<hex>` only.
    Stripe,
}

impl Scheme {
    /// Parses `"auto" | "standard" | "github" | "stripe"`.
    pub fn parse(text: &str) -> Result<Self, SignatureError> {
        match text {
            "auto" => Ok(Self::Auto),
            "standard" => Ok(Self::Standard),
            "github" => Ok(Self::Github),
            "stripe" => Ok(Self::Stripe),
            _ => Err(SignatureError::UnknownScheme),
        }
    }

    /// The name [`Scheme::parse`] accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Standard => "standard",
            Self::Github => "github",
            Self::Stripe => "stripe",
        }
    }
}

/// The headers a receiver got, already looked up case-insensitively (the flat form both
/// bindings receive from JS).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReceivedHeaders<'a> {
    /// `webhook-id`.
    pub id: Option<&'a str>,
    /// `webhook-timestamp`.
    pub timestamp: Option<&'a str>,
    /// `webhook-signature`.
    pub signature: Option<&'a str>,
    /// The GitHub-style signature header's value.
    pub github_signature: Option<&'a str>,
    /// The `Stripe-Signature` header's value.
    pub stripe_signature: Option<&'a str>,
}

impl<'a> ReceivedHeaders<'a> {
    fn standard(&self) -> standard::Headers<'a> {
        standard::Headers { id: self.id, timestamp: self.timestamp, signature: self.signature }
    }
}

/// Verification settings; `now_ms` comes from the caller's clock.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Scheme to check.
    pub scheme: Scheme,
    /// Allowed clock skew for Standard Webhooks timestamps.
    pub tolerance_secs: u64,
    /// The receiver's current unix time in milliseconds (compared with sub-second precision).
    pub now_ms: i64,
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The scheme that matched.
    pub scheme: Scheme,
    /// The signed timestamp (Standard Webhooks only).
    pub timestamp: Option<i64>,
}

/// Verifies `body` against the received headers with any of `secrets`.
pub fn verify_webhook(
    body: &[u8],
    headers: ReceivedHeaders<'_>,
    secrets: &[&str],
    options: VerifyOptions,
) -> Result<Verified, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecrets);
    }
    let scheme = match options.scheme {
        Scheme::Auto if headers.signature.is_some() => Scheme::Standard,
        Scheme::Auto if headers.stripe_signature.is_some() => Scheme::Stripe,
        Scheme::Auto if headers.github_signature.is_some() => Scheme::Github,
        Scheme::Auto => return Err(SignatureError::MissingHeader(standard::HEADER_SIGNATURE)),
        pinned => pinned,
    };
    if scheme == Scheme::Github || scheme == Scheme::Stripe {
        let keys = secrets.iter().map(|s| RawSecret::new(s)).collect::<Result<Vec<_>, _>>()?;
        if scheme == Scheme::Github {
            github::verify(&keys, headers.github_signature, body)?;
            return Ok(Verified { scheme, timestamp: None });
        }
        let timestamp = stripe::verify(&keys, headers.stripe_signature, body, options.now_ms, options.tolerance_secs)?;
        return Ok(Verified { scheme, timestamp: Some(timestamp) });
    }
    let keys = secrets.iter().map(|s| StandardSecret::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let timestamp = standard::verify(&keys, headers.standard(), body, options.now_ms, options.tolerance_secs)?;
    Ok(Verified { scheme, timestamp: Some(timestamp) })
}

/// The largest `toleranceSec` accepted (one year): beyond it a timestamp check means nothing.
pub const MAX_TOLERANCE_SECS: u64 = 31_536_000;
/// `Date`'s range in milliseconds; a `now` outside it is not a time.
const MAX_JS_MS: f64 = 8.64e15;

/// A JS number as milliseconds since the epoch: finite and within `Date`'s range (sub-millisecond
/// digits dropped toward zero), else `None`. Both bindings convert `now` with this.
pub fn js_millis(value: f64) -> Option<i64> {
    if !value.is_finite() || value.abs() > MAX_JS_MS {
        return None;
    }
    #[expect(clippy::cast_possible_truncation, reason = "finite and within ±8.64e15, so it fits i64")]
    let ms = value.trunc() as i64;
    Some(ms)
}

/// A JS number as a tolerance in whole seconds, `0..=MAX_TOLERANCE_SECS`, else `None`.
pub fn js_tolerance(value: f64) -> Option<u64> {
    if !value.is_finite() || value.fract() != 0.0 || !(0.0..=MAX_TOLERANCE_SECS as f64).contains(&value) {
        return None;
    }
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "integral and within 0..=1 year")]
    let secs = value as u64;
    Some(secs)
}

/// The entry point both bindings share: the scheme by name, secrets as received; returns the
/// name of the scheme that matched.
pub fn verify_named(
    body: &[u8],
    scheme: &str,
    headers: ReceivedHeaders<'_>,
    secrets: &[String],
    now_ms: i64,
    tolerance_secs: u64,
) -> Result<&'static str, SignatureError> {
    let options = VerifyOptions { scheme: Scheme::parse(scheme)?, tolerance_secs, now_ms };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    Ok(verify_webhook(body, headers, &secrets, options)?.scheme.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;

    fn opts(scheme: Scheme) -> VerifyOptions {
        VerifyOptions { scheme, tolerance_secs: 300, now_ms: 1_649_367_553_000 }
    }

    fn sw_headers() -> ReceivedHeaders<'static> {
        ReceivedHeaders {
            id: Some("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
            timestamp: Some("1649367553"),
            signature: Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="),
            ..Default::default()
        }
    }

    #[test]
    fn named_entry_point_parses_the_scheme() {
        let secrets = [SECRET.to_owned()];
        assert_eq!(verify_named(BODY, "auto", sw_headers(), &secrets, 1_649_367_553_000, 300), Ok("standard"));
        assert_eq!(
            verify_named(BODY, "hmac", sw_headers(), &secrets, 1_649_367_553_000, 300),
            Err(SignatureError::UnknownScheme)
        );
    }

    #[test]
    fn auto_detects_each_scheme() {
        let ok = verify_webhook(BODY, sw_headers(), &[SECRET], opts(Scheme::Auto)).unwrap();
        assert_eq!(ok, Verified { scheme: Scheme::Standard, timestamp: Some(1649367553) });
        let sig = github::sign(&RawSecret::new("s").unwrap(), BODY);
        let gh = ReceivedHeaders { github_signature: Some(&sig), ..Default::default() };
        assert_eq!(verify_webhook(BODY, gh, &["s"], opts(Scheme::Auto)).unwrap().scheme, Scheme::Github);
    }

    #[test]
    fn auto_detects_stripe_and_checks_its_tolerance() {
        let header = stripe::sign(&[RawSecret::new("s").unwrap()], 1649367553, BODY).unwrap();
        let received = ReceivedHeaders { stripe_signature: Some(&header), ..Default::default() };
        let ok = verify_webhook(BODY, received, &["s"], opts(Scheme::Auto)).unwrap();
        assert_eq!(ok, Verified { scheme: Scheme::Stripe, timestamp: Some(1649367553) });
        let late = VerifyOptions { now_ms: (1649367553 + 301) * 1000, ..opts(Scheme::Stripe) };
        assert_eq!(verify_webhook(BODY, received, &["s"], late), Err(SignatureError::TimestampTooOld));
    }

    #[test]
    fn pinned_scheme_refuses_the_other() {
        let sig = github::sign(&RawSecret::new("s").unwrap(), BODY);
        let gh = ReceivedHeaders { github_signature: Some(&sig), ..Default::default() };
        assert_eq!(
            verify_webhook(BODY, gh, &[SECRET], opts(Scheme::Standard)),
            Err(SignatureError::MissingHeader(standard::HEADER_ID))
        );
        assert_eq!(
            verify_webhook(BODY, sw_headers(), &["s"], opts(Scheme::Github)),
            Err(SignatureError::MissingHeader(github::DEFAULT_HEADER))
        );
        assert_eq!(
            verify_webhook(BODY, ReceivedHeaders::default(), &[SECRET], opts(Scheme::Auto)),
            Err(SignatureError::MissingHeader(standard::HEADER_SIGNATURE))
        );
        assert_eq!(verify_webhook(BODY, sw_headers(), &[], opts(Scheme::Auto)), Err(SignatureError::NoSecrets));
    }
}

/// Property tests (bounded: 256 cases each, so `cargo test` stays quick in CI).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;

    use super::*;
    use crate::signing::secret::StandardSecret;
    use crate::signing::standard::{self, check_window};

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const OTHER: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2k=";

    fn config() -> ProptestConfig {
        ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
    }

    fn verify_at(
        body: &[u8],
        id: &str,
        ts: &str,
        sig: &str,
        secret: &str,
        now_ms: i64,
    ) -> Result<Verified, SignatureError> {
        let headers = ReceivedHeaders { id: Some(id), timestamp: Some(ts), signature: Some(sig), ..Default::default() };
        verify_webhook(body, headers, &[secret], VerifyOptions { scheme: Scheme::Auto, tolerance_secs: 300, now_ms })
    }

    proptest! {
        #![proptest_config(config())]

        /// Whatever is signed verifies within the window, with the right key only, and any change
        /// to the body, id or timestamp breaks it.
        #[test]
        fn signatures_round_trip_and_bind_everything(
            id in "[!-~]{1,40}".prop_filter("no dot", |s| !s.contains('.')),
            body in any::<String>(),
            ts in 0i64..4_000_000_000,
            skew_ms in -300_000i64..=300_000,
            flip in any::<prop::sample::Index>(),
        ) {
            let key = StandardSecret::parse(SECRET).unwrap();
            let sig = standard::sign(&[key], &id, ts, body.as_bytes()).unwrap();
            let now_ms = ts * 1000 + skew_ms;
            prop_assert_eq!(verify_at(body.as_bytes(), &id, &ts.to_string(), &sig, SECRET, now_ms).unwrap().timestamp, Some(ts));
            prop_assert_eq!(verify_at(body.as_bytes(), &id, &ts.to_string(), &sig, OTHER, now_ms), Err(SignatureError::Mismatch));
            let mut changed = body.clone().into_bytes();
            if changed.is_empty() { changed.push(b' ') } else { let i = flip.index(changed.len()); changed[i] ^= 1; }
            prop_assert!(verify_at(&changed, &id, &ts.to_string(), &sig, SECRET, now_ms).is_err());
            let other_id = format!("{id}x");
            prop_assert_eq!(verify_at(body.as_bytes(), &other_id, &ts.to_string(), &sig, SECRET, now_ms), Err(SignatureError::Mismatch));
        }

        /// Arbitrary header text never panics and never verifies.
        #[test]
        fn arbitrary_headers_are_refused_without_panicking(
            id in any::<String>(), ts in any::<String>(), sig in any::<String>(), body in any::<Vec<u8>>(), now_ms in any::<i64>(),
        ) {
            prop_assert!(verify_at(&body, &id, &ts, &sig, SECRET, now_ms).is_err());
            let stripe = ReceivedHeaders { stripe_signature: Some(&sig), github_signature: Some(&ts), ..Default::default() };
            for scheme in [Scheme::Stripe, Scheme::Github] {
                let options = VerifyOptions { scheme, tolerance_secs: 300, now_ms };
                prop_assert!(verify_webhook(&body, stripe, &["raw"], options).is_err());
            }
        }

        /// The window equals exact arithmetic, at every magnitude.
        #[test]
        fn tolerance_window_matches_exact_arithmetic(ts in any::<i64>(), now_ms in any::<i64>(), tolerance in any::<u64>()) {
            let age = i128::from(now_ms) - i128::from(ts) * 1000;
            let limit = i128::from(tolerance) * 1000;
            let expected = if age > limit {
                Err(SignatureError::TimestampTooOld)
            } else if -age > limit {
                Err(SignatureError::TimestampTooNew)
            } else {
                Ok(())
            };
            prop_assert_eq!(check_window(ts, now_ms, tolerance), expected);
        }

        /// JS numbers convert the same way on both bindings: finite and in range, or refused.
        #[test]
        fn js_numbers_convert_or_are_refused(value in any::<f64>()) {
            if let Some(ms) = js_millis(value) {
                prop_assert!(value.is_finite() && (ms as f64 - value.trunc()).abs() < 1.0);
            }
            if let Some(secs) = js_tolerance(value) {
                prop_assert!(secs <= MAX_TOLERANCE_SECS && secs as f64 == value);
            }
        }
    }
}
