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

/// Verification settings; `now_secs` comes from the caller's clock.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions {
    /// Scheme to check.
    pub scheme: Scheme,
    /// Allowed clock skew for Standard Webhooks timestamps.
    pub tolerance_secs: u64,
    /// The receiver's current unix time in seconds.
    pub now_secs: i64,
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
        let timestamp =
            stripe::verify(&keys, headers.stripe_signature, body, options.now_secs, options.tolerance_secs)?;
        return Ok(Verified { scheme, timestamp: Some(timestamp) });
    }
    let keys = secrets.iter().map(|s| StandardSecret::parse(s)).collect::<Result<Vec<_>, _>>()?;
    let timestamp = standard::verify(&keys, headers.standard(), body, options.now_secs, options.tolerance_secs)?;
    Ok(Verified { scheme, timestamp: Some(timestamp) })
}

/// The entry point both bindings share: the scheme by name, secrets as received; returns the
/// name of the scheme that matched.
pub fn verify_named(
    body: &[u8],
    scheme: &str,
    headers: ReceivedHeaders<'_>,
    secrets: &[String],
    now_secs: i64,
    tolerance_secs: u64,
) -> Result<&'static str, SignatureError> {
    let options = VerifyOptions { scheme: Scheme::parse(scheme)?, tolerance_secs, now_secs };
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    Ok(verify_webhook(body, headers, &secrets, options)?.scheme.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;

    fn opts(scheme: Scheme) -> VerifyOptions {
        VerifyOptions { scheme, tolerance_secs: 300, now_secs: 1649367553 }
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
        assert_eq!(verify_named(BODY, "auto", sw_headers(), &secrets, 1649367553, 300), Ok("standard"));
        assert_eq!(
            verify_named(BODY, "hmac", sw_headers(), &secrets, 1649367553, 300),
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
        let late = VerifyOptions { now_secs: 1649367553 + 301, ..opts(Scheme::Stripe) };
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
