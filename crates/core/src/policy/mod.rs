//! Endpoint safety: where a webhook may go and what it may carry.
//!
//! Pure functions and data, no I/O — the Node addon and the web build call the same code:
//!
//! - [`url_policy`]: LangGraph Platform's `webhooks.url` options, checks and error strings, with
//!   runwire's safe defaults (a [`url_policy::Profile`]) and WHATWG URL normalisation.
//! - [`ip`]: SSRF classification of an address (metadata, loopback, private, link-local,
//!   reserved; IPv4 embedded in IPv6 judged as IPv4). The addon applies it to every resolved
//!   address and connects only to a vetted one.
//! - [`headers`]: `${{ env.VAR }}` header templates resolved once from an env lookup passed in.
//! - [`punycode`]: ACE-label decoding, so the web build refuses `xn--` labels that do not decode
//!   whatever its runtime's URL parser lets through.
//! - [`pyrepr`]: Python reprs, so LangGraph's messages that quote config values match exactly.
//!
//! Where the checks run: when a sink is created (a typed error, like LangGraph's 422) and again
//! before every send (a failure dead-letters the message with reason `url_policy`, no request).

pub mod calls;
pub mod headers;
pub mod ip;
pub mod punycode;
pub mod pyrepr;
pub mod url_policy;

pub use headers::{resolve_headers, TemplateOptions, DEFAULT_ENV_PREFIX};
pub use ip::{check_ip, check_ip_langgraph, BlockReason, IpRules};
pub use url_policy::{CheckedUrl, Host, Profile, UrlPolicy, UrlPolicyOptions};
