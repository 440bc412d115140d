//! Webhook URL policy: LangGraph Platform's options and error strings, runwire's defaults.
//!
//! [`UrlPolicy::check`] runs LangGraph's checks in LangGraph's order (shared/spec/webhooks.md
//! §8.4) and stops at the first failure, so a URL that breaks several rules reports the same
//! error on both platforms:
//!
//! 1. length (`Webhook URL too long`), 2. relative URL while loopback is disabled,
//! 3. `require_https`, 4. `allowed_ports` (explicit port, else 443/80), 5. empty host,
//! 6. `allowed_domains` (exact, case-insensitive; `*.base` matches any depth below `base`,
//!    never `base` itself), 7. SSRF (`Webhook host blocked: <reason>`).
//!
//! Parsing is WHATWG URL parsing (the `url` crate, the same algorithm as `new URL()` in every
//! JS runtime), so `http://0x7f.1/`, `http://2130706433/` and `http://0177.0.0.1/` are the IPv4
//! literal 127.0.0.1 before any check looks at them, and the normalised `href` is what gets
//! sent — the address checked is the address used.
//!
//! Step 7 is split: [`UrlPolicy::check`] judges IP literals and well-known names (metadata
//! hosts, `localhost`); a name that needs DNS comes back with `needs_dns = true`, and the caller
//! that can resolve (the Node addon) passes every resolved address to
//! [`UrlPolicy::check_resolved`] and then connects only to a vetted address. In the web build
//! `fetch` resolves by itself, so only the first half can run there.
//!
//! Where runwire departs from LangGraph, on purpose: defaults do not depend on whether a config
//! block exists ([`UrlPolicy::default`] is the safe profile), metadata and link-local addresses
//! stay blocked for allowlisted hosts, schemes other than http/https are refused, and a relative
//! URL is refused even when loopback is allowed (runwire has no in-process server to call).
//!
//! The `langgraph` profile is LangGraph's verdict and message on every URL (langgraph-api
//! 0.16.7, `webhook.py` + `lc_security/policy.py`): a non-http(s) scheme is judged at step 7
//! (`Webhook host blocked: scheme 'ftp' not allowed`, after port, host and allowlist); the port
//! is the explicit one else 443 for https and 80 for anything else; names are judged with
//! LangGraph's lists and words (`localhost address`, `cloud metadata endpoint`,
//! `Kubernetes internal DNS` for any `*.svc.cluster.local`), addresses with
//! [`check_ip_langgraph`]. runwire's stricter rules stay on top (README lists each).
//!
//! A `*.base` wildcard never matches a host with an empty label (`https://.corp.com/`), and
//! `allowed_domains` entries written in Unicode are IDNA-encoded (with the `whatwg-url` feature;
//! the web build's JS glue encodes them with `new URL()` before they reach the core), so
//! `*.bücher.example` matches `api.xn--bcher-kva.example`.

use std::net::IpAddr;

use serde_json::Value;

use crate::error::{UrlPolicyConfigError, UrlPolicyError};
use crate::policy::ip::{check_ip, check_ip_langgraph, BlockReason, IpRules};
use crate::policy::{punycode, pyrepr};

/// LangGraph's default `max_url_length` when a `webhooks.url` block is present.
pub const DEFAULT_MAX_URL_LENGTH: usize = 2048;

/// A named starting point for a policy; explicit options override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// runwire's default: https only, ports 443/80, loopback and private ranges blocked.
    #[default]
    Safe,
    /// Local development: http allowed, loopback and private ranges allowed, any port. Metadata,
    /// link-local and reserved addresses stay blocked.
    Dev,
    /// LangGraph Platform's defaults with a `webhooks.url` block present: https only, loopback
    /// blocked, private ranges allowed, any port.
    Langgraph,
}

/// Policy options as users write them (LangGraph's snake_case names; camelCase accepted).
///
/// Parsed by hand from a JSON value ([`UrlPolicyOptions::from_json`]) rather than with a serde
/// derive: the derive's error paths pull float formatting into the web build (~10 KB gzip).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlPolicyOptions {
    /// Starting point; the fields below override it.
    pub profile: Profile,
    /// Host allowlist: exact names or `*.domain`. Empty means any host.
    pub allowed_domains: Option<Vec<String>>,
    /// Refuse schemes other than `https`.
    pub require_https: Option<bool>,
    /// Allowed ports (explicit, else 443 for https / 80 for http). Empty means any port.
    pub allowed_ports: Option<Vec<u16>>,
    /// Refuse loopback addresses, `localhost` names and relative URLs.
    pub disable_loopback: Option<bool>,
    /// Refuse private ranges (RFC 1918, CGNAT, ULA).
    pub disable_private_ips: Option<bool>,
    /// Longest accepted URL, in characters.
    pub max_url_length: Option<usize>,
}

impl UrlPolicyOptions {
    /// Reads options from a JSON object (`null` means all defaults).
    pub fn from_json(value: &Value) -> Result<Self, UrlPolicyConfigError> {
        let invalid = |what: &str| UrlPolicyConfigError::Invalid(what.to_owned());
        let map = match value {
            Value::Null => return Ok(Self::default()),
            Value::Object(map) => map,
            _ => return Err(invalid("policy must be an object")),
        };
        let mut out = Self::default();
        let flag = |v: &Value, name: &str| v.as_bool().ok_or_else(|| invalid(&format!("{name} must be a boolean")));
        for (key, v) in map {
            match key.as_str() {
                "profile" => {
                    out.profile = match v.as_str() {
                        Some("safe") => Profile::Safe,
                        Some("dev") => Profile::Dev,
                        Some("langgraph") => Profile::Langgraph,
                        _ => return Err(invalid("profile must be \"safe\", \"dev\" or \"langgraph\"")),
                    }
                }
                "allowed_domains" | "allowedDomains" => {
                    let items =
                        v.as_array().filter(|a| a.iter().all(|d| d.as_str().is_some_and(|d| !d.trim().is_empty())));
                    let items = items.ok_or_else(|| UrlPolicyConfigError::EmptyDomain(pyrepr::value_repr(v)))?;
                    out.allowed_domains = Some(items.iter().filter_map(|d| d.as_str().map(str::to_owned)).collect());
                }
                "allowed_ports" | "allowedPorts" => {
                    let ports = v.as_array().and_then(|a| {
                        a.iter().map(|p| p.as_u64().and_then(|p| u16::try_from(p).ok())).collect::<Option<Vec<u16>>>()
                    });
                    out.allowed_ports =
                        Some(ports.ok_or_else(|| invalid("allowed_ports must be a list of port numbers"))?);
                }
                "require_https" | "requireHttps" => out.require_https = Some(flag(v, "require_https")?),
                "disable_loopback" | "disableLoopback" => out.disable_loopback = Some(flag(v, "disable_loopback")?),
                "disable_private_ips" | "disablePrivateIps" => {
                    out.disable_private_ips = Some(flag(v, "disable_private_ips")?);
                }
                "max_url_length" | "maxUrlLength" => {
                    let n = v.as_u64().and_then(|n| usize::try_from(n).ok()).filter(|&n| n > 0);
                    out.max_url_length = Some(n.ok_or(UrlPolicyConfigError::MaxUrlLength)?);
                }
                other => return Err(invalid(&format!("unknown option '{other}'"))),
            }
        }
        Ok(out)
    }
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    exact_hosts: Vec<String>,
    wildcard_bases: Vec<String>,
    require_https: bool,
    allowed_ports: Vec<u16>,
    disable_loopback: bool,
    disable_private_ips: bool,
    max_url_length: usize,
    /// LangGraph's order, lists and words (the `langgraph` profile).
    langgraph: bool,
}

impl Default for UrlPolicy {
    fn default() -> Self {
        Self::profile(Profile::Safe)
    }
}

/// The host of a checked URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name (lower-case, IDNA-encoded, without a trailing dot).
    Domain(String),
    /// An IP literal (already normalised from decimal/hex/octal forms).
    Ip(IpAddr),
}

/// A URL that passed every check that needs no DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUrl {
    /// The WHATWG-normalised URL: send to this, not to the input.
    pub url: String,
    /// Its host.
    pub host: Host,
    /// Its port (explicit or the scheme's default).
    pub port: u16,
    /// The host matched `allowed_domains`: only metadata/link-local blocks apply to it.
    pub allowlisted: bool,
    /// The host is a name whose addresses must still be checked with
    /// [`UrlPolicy::check_resolved`] before connecting.
    pub needs_dns: bool,
}

const METADATA_HOSTS: [&str; 4] = ["metadata.google.internal", "metadata.amazonaws.com", "metadata", "instance-data"];
const LANGGRAPH_LOCALHOST: [&str; 3] = ["localhost", "localhost.localdomain", "host.docker.internal"];
const LOOPBACK_HOSTS: [&str; 6] = [
    "localhost",
    "localhost.localdomain",
    "ip6-localhost",
    "ip6-loopback",
    "host.docker.internal",
    "gateway.docker.internal",
];

impl UrlPolicy {
    /// The policy of a profile, with no overrides.
    pub fn profile(profile: Profile) -> Self {
        let (require_https, allowed_ports, disable_loopback, disable_private_ips) = match profile {
            Profile::Safe => (true, vec![443, 80], true, true),
            Profile::Dev => (false, Vec::new(), false, false),
            Profile::Langgraph => (true, Vec::new(), true, false),
        };
        Self {
            exact_hosts: Vec::new(),
            wildcard_bases: Vec::new(),
            require_https,
            allowed_ports,
            disable_loopback,
            disable_private_ips,
            max_url_length: DEFAULT_MAX_URL_LENGTH,
            langgraph: profile == Profile::Langgraph,
        }
    }

    /// Validates options (LangGraph's config-time errors for `allowed_domains`).
    pub fn new(options: &UrlPolicyOptions) -> Result<Self, UrlPolicyConfigError> {
        let mut policy = Self::profile(options.profile);
        if let Some(domains) = &options.allowed_domains {
            if domains.iter().any(|d| d.trim().is_empty()) {
                return Err(UrlPolicyConfigError::EmptyDomain(pyrepr::str_list(domains)));
            }
            for pattern in domains {
                let pattern = pattern.trim().to_ascii_lowercase();
                let base = pattern.strip_prefix("*.");
                let bad = match base {
                    Some(base) => base.is_empty() || base.contains('*'),
                    None => pattern.contains('*'),
                };
                if bad {
                    return Err(UrlPolicyConfigError::BadWildcard(pyrepr::str_list(domains)));
                }
                match base {
                    Some(base) => policy.wildcard_bases.push(idna_pattern(base.trim_end_matches('.'))),
                    None => policy.exact_hosts.push(idna_pattern(pattern.trim_end_matches('.'))),
                }
            }
        }
        if let Some(v) = options.require_https {
            policy.require_https = v;
        }
        if let Some(v) = &options.allowed_ports {
            policy.allowed_ports.clone_from(v);
        }
        if let Some(v) = options.disable_loopback {
            policy.disable_loopback = v;
        }
        if let Some(v) = options.disable_private_ips {
            policy.disable_private_ips = v;
        }
        if let Some(v) = options.max_url_length {
            if v == 0 {
                return Err(UrlPolicyConfigError::MaxUrlLength);
            }
            policy.max_url_length = v;
        }
        Ok(policy)
    }

    /// The address rules this policy applies.
    pub fn ip_rules(&self) -> IpRules {
        IpRules { block_loopback: self.disable_loopback, block_private: self.disable_private_ips }
    }

    /// Whether loopback is allowed (the dev profile); bindings log a warning for it.
    pub fn allows_loopback(&self) -> bool {
        !self.disable_loopback
    }

    fn domain_allowed(&self, host: &str) -> bool {
        // A wildcard needs at least one real label below its base: `.corp.com` has an empty one.
        let labelled = || !host.split('.').any(str::is_empty);
        self.exact_hosts.iter().any(|h| h == host)
            || self
                .wildcard_bases
                .iter()
                .any(|base| host.strip_suffix(base.as_str()).is_some_and(|p| p.ends_with('.')) && labelled())
    }

    fn has_allowlist(&self) -> bool {
        !self.exact_hosts.is_empty() || !self.wildcard_bases.is_empty()
    }

    /// Runs every check that needs no DNS, in LangGraph's order, parsing `input` itself
    /// (WHATWG with the `whatwg-url` feature; otherwise `input` must already be normalised).
    pub fn check(&self, input: &str) -> Result<CheckedUrl, UrlPolicyError> {
        self.check_parsed(input, parse(input))
    }

    /// Like [`UrlPolicy::check`], with the WHATWG href already computed by the caller (the JS
    /// glue passes `new URL(input).href`, or `None` when `new URL` threw).
    pub fn check_normalized(&self, input: &str, href: Option<&str>) -> Result<CheckedUrl, UrlPolicyError> {
        self.check_parsed(input, href.and_then(parse_normalized))
    }

    fn check_parsed(&self, input: &str, parsed: Option<Parts>) -> Result<CheckedUrl, UrlPolicyError> {
        if self.langgraph {
            return self.check_langgraph(input, parsed);
        }
        if input.chars().count() > self.max_url_length {
            return Err(UrlPolicyError::TooLong);
        }
        if input.starts_with('/') {
            return Err(if self.disable_loopback {
                UrlPolicyError::LoopbackDisabled
            } else {
                UrlPolicyError::Relative
            });
        }
        let scheme = parsed.as_ref().map_or_else(|| raw_scheme(input), |p| p.scheme.clone());
        if self.require_https && scheme != "https" {
            return Err(UrlPolicyError::HttpsRequired);
        }
        if scheme != "https" && scheme != "http" {
            return Err(UrlPolicyError::UnsupportedScheme);
        }
        let Some(parts) = parsed else {
            let (host, port) = raw_host_port(input);
            if let Some(port) = port {
                self.check_port(port)?;
            }
            return Err(UrlPolicyError::InvalidHostname(host));
        };
        self.check_port(parts.port)?;
        let host_text = match &parts.host {
            Host::Domain(d) => d.clone(),
            Host::Ip(ip) => ip.to_string(),
        };
        let allowlisted = self.has_allowlist() && self.domain_allowed(&host_text);
        if self.has_allowlist() && !allowlisted {
            return Err(UrlPolicyError::DomainNotAllowed);
        }
        let blocked = match &parts.host {
            Host::Ip(ip) => check_ip(*ip, self.ip_rules()).err(),
            Host::Domain(name) => self.check_name(name).err(),
        };
        if let Some(reason) = blocked {
            if !allowlisted || reason.survives_allowlist() {
                return Err(UrlPolicyError::HostBlocked(reason));
            }
        }
        let needs_dns = matches!(parts.host, Host::Domain(_));
        Ok(CheckedUrl { url: parts.href, host: parts.host, port: parts.port, allowlisted, needs_dns })
    }

    /// LangGraph's `validate_webhook_url_or_raise` step by step (see the module doc).
    fn check_langgraph(&self, input: &str, parsed: Option<Parts>) -> Result<CheckedUrl, UrlPolicyError> {
        if input.chars().count() > self.max_url_length {
            return Err(UrlPolicyError::TooLong);
        }
        if input.starts_with('/') {
            return Err(if self.disable_loopback {
                UrlPolicyError::LoopbackDisabled
            } else {
                UrlPolicyError::Relative
            });
        }
        let scheme = parsed.as_ref().map_or_else(|| raw_scheme(input), |p| p.scheme.clone());
        if self.require_https && scheme != "https" {
            return Err(UrlPolicyError::HttpsRequired);
        }
        let lg_port = |explicit: Option<u16>| explicit.unwrap_or(if scheme == "https" { 443 } else { 80 });
        let Some(parts) = parsed else {
            let (host, port) = raw_host_port(input);
            self.check_port(lg_port(port))?;
            return Err(UrlPolicyError::InvalidHostname(host));
        };
        self.check_port(lg_port(parts.explicit_port))?;
        let host_text = match &parts.host {
            Host::Domain(d) => d.clone(),
            Host::Ip(ip) => ip.to_string(),
        };
        let allowlisted = self.has_allowlist() && self.domain_allowed(&host_text);
        if self.has_allowlist() && !allowlisted {
            return Err(UrlPolicyError::DomainNotAllowed);
        }
        if scheme != "https" && scheme != "http" {
            return Err(UrlPolicyError::SchemeNotAllowed(scheme));
        }
        let blocked = match &parts.host {
            Host::Ip(ip) => check_ip_langgraph(*ip, self.ip_rules()).err(),
            Host::Domain(name) => self.check_name(name).err(),
        };
        if let Some(reason) = blocked {
            if !allowlisted || reason.survives_allowlist() {
                return Err(UrlPolicyError::HostBlocked(reason));
            }
        }
        let needs_dns = matches!(parts.host, Host::Domain(_));
        Ok(CheckedUrl { url: parts.href, host: parts.host, port: parts.port, allowlisted, needs_dns })
    }

    fn check_port(&self, port: u16) -> Result<(), UrlPolicyError> {
        if self.allowed_ports.is_empty() || self.allowed_ports.contains(&port) {
            Ok(())
        } else {
            Err(UrlPolicyError::PortNotAllowed(port))
        }
    }

    /// Name-level SSRF checks: metadata names always, local names when loopback is blocked.
    pub fn check_name(&self, name: &str) -> Result<(), BlockReason> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if self.langgraph {
            return self.check_name_langgraph(&name);
        }
        if METADATA_HOSTS.contains(&name.as_str()) {
            return Err(BlockReason::CloudMetadata);
        }
        if name.ends_with(".svc.cluster.local") && self.disable_private_ips {
            return Err(BlockReason::Private);
        }
        if self.disable_loopback && (LOOPBACK_HOSTS.contains(&name.as_str()) || name.ends_with(".localhost")) {
            return Err(BlockReason::Loopback);
        }
        Ok(())
    }

    /// LangGraph's name lists, order and words; then the local names LangGraph leaves to DNS
    /// (which answers loopback for them), blocked here so the web build, which cannot resolve,
    /// is no looser.
    fn check_name_langgraph(&self, name: &str) -> Result<(), BlockReason> {
        if self.disable_loopback && LANGGRAPH_LOCALHOST.contains(&name) {
            return Err(BlockReason::LocalhostName);
        }
        if METADATA_HOSTS.contains(&name) {
            return Err(BlockReason::CloudMetadata);
        }
        if name.ends_with(".svc.cluster.local") {
            return Err(BlockReason::KubernetesInternal);
        }
        if self.disable_loopback && (["ip6-localhost", "ip6-loopback"].contains(&name) || name.ends_with(".localhost"))
        {
            return Err(BlockReason::LoopbackRange);
        }
        Ok(())
    }

    /// The address rules of this policy's profile.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), BlockReason> {
        if self.langgraph {
            check_ip_langgraph(ip, self.ip_rules())
        } else {
            check_ip(ip, self.ip_rules())
        }
    }

    /// Judges the resolved addresses of a checked URL: every one must pass (one bad record is
    /// enough to refuse, so a name cannot mix a public and a private address). An empty list
    /// is a DNS failure.
    pub fn check_resolved(&self, target: &CheckedUrl, addresses: &[IpAddr]) -> Result<(), UrlPolicyError> {
        if addresses.is_empty() {
            return Err(UrlPolicyError::HostBlocked(BlockReason::DnsResolutionFailed));
        }
        for ip in addresses {
            if let Err(reason) = self.check_address(*ip) {
                if !target.allowlisted || reason.survives_allowlist() {
                    return Err(UrlPolicyError::HostBlocked(reason));
                }
            }
        }
        Ok(())
    }
}

/// What the checks need from a parsed URL.
#[derive(Debug)]
struct Parts {
    scheme: String,
    host: Host,
    port: u16,
    /// The port written in the href (WHATWG drops a special scheme's default port).
    explicit_port: Option<u16>,
    href: String,
}

/// An `allowed_domains` entry as hosts are compared: IDNA-encoded when written in Unicode.
#[cfg(feature = "whatwg-url")]
fn idna_pattern(pattern: &str) -> String {
    if pattern.is_ascii() {
        return pattern.to_owned();
    }
    match ::url::Host::parse(pattern) {
        Ok(::url::Host::Domain(ascii)) => ascii,
        _ => pattern.to_owned(),
    }
}

/// Without the WHATWG parser the caller encodes Unicode entries (the JS glue uses `new URL`).
#[cfg(not(feature = "whatwg-url"))]
fn idna_pattern(pattern: &str) -> String {
    pattern.to_owned()
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

#[cfg(feature = "whatwg-url")]
fn parse(input: &str) -> Option<Parts> {
    let url = ::url::Url::parse(input).ok()?;
    let scheme = url.scheme().to_owned();
    let port = url.port_or_known_default().unwrap_or_else(|| default_port(&scheme));
    let host = match url.host()? {
        ::url::Host::Domain(d) if !d.is_empty() => Host::Domain(d.trim_end_matches('.').to_owned()),
        ::url::Host::Ipv4(ip) => Host::Ip(IpAddr::V4(ip)),
        ::url::Host::Ipv6(ip) => Host::Ip(IpAddr::V6(ip)),
        ::url::Host::Domain(_) => return None,
    };
    let explicit_port = url.port();
    Some(Parts { scheme, host, port, explicit_port, href: url.into() })
}

#[cfg(not(feature = "whatwg-url"))]
fn parse(input: &str) -> Option<Parts> {
    parse_normalized(input)
}

/// Parses a WHATWG-normalised absolute http(s) href: lower-case scheme and host, IPv4 in
/// dotted-quad form, IPv6 in brackets, default port omitted. A host that WHATWG would have
/// read as an IPv4 number (its last label numeric or `0x…`) but that is not dotted-quad is
/// refused, so a non-normalised input can never slip through as a "name"; so is a `%`
/// (WHATWG forbids it in domains; Chromium's `new URL` leaves `%20` in some invalid hosts), and
/// so is an `xn--` label that is not valid punycode (workerd's and Chromium's `new URL` keep
/// `xn--zz`; see [`punycode`]).
fn parse_normalized(href: &str) -> Option<Parts> {
    let (scheme, rest) = href.split_once("://")?;
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
    {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host_text, port_text) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, p) = v6.split_once(']')?;
        (h, if p.is_empty() { None } else { Some(p.strip_prefix(':')?) })
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let explicit_port = match port_text {
        None | Some("") => None,
        Some(p) => Some(p.parse().ok()?),
    };
    let port = explicit_port.unwrap_or_else(|| default_port(scheme));
    let host = if hostport.starts_with('[') {
        Host::Ip(IpAddr::V6(host_text.parse().ok()?))
    } else if let Ok(v4) = host_text.parse::<std::net::Ipv4Addr>() {
        Host::Ip(IpAddr::V4(v4))
    } else {
        let name = host_text.trim_end_matches('.');
        let last = name.rsplit('.').next().unwrap_or("");
        let numeric = !last.is_empty()
            && (last.bytes().all(|b| b.is_ascii_digit())
                || last.strip_prefix("0x").is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())));
        let valid = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&b))
            && !name.bytes().any(|b| b.is_ascii_uppercase());
        if numeric || !valid || !name.split('.').all(punycode::label_ok) {
            return None;
        }
        Host::Domain(name.to_owned())
    };
    Some(Parts { scheme: scheme.to_owned(), host, port, explicit_port, href: href.to_owned() })
}

/// The scheme of a string the WHATWG parser refused (lower-cased), or `""`.
fn raw_scheme(input: &str) -> String {
    let trimmed = input.trim_start();
    match trimmed.split_once(':') {
        Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => {
            scheme.to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

/// Host and port of a string the WHATWG parser refused, read the way Python's `urlparse` does,
/// so the `Invalid webhook hostname '...'` error shows what the user wrote.
fn raw_host_port(input: &str) -> (String, Option<u16>) {
    let Some((_, rest)) = input.split_once("//") else { return (String::new(), None) };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => (v6, None),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    (host.to_ascii_lowercase(), port.and_then(|p| p.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use serde_json::Value;

    const TABLE: &str = include_str!("../../../../tests/fixtures/url-policy.json");

    fn policy(options: &Value) -> Result<UrlPolicy, UrlPolicyConfigError> {
        UrlPolicy::new(&UrlPolicyOptions::from_json(options)?)
    }

    #[test]
    fn fixture_table() {
        let table: Value = serde_json::from_str(TABLE).unwrap();
        let urls = table["urls"].as_array().unwrap();
        assert!(urls.len() >= 60);
        for case in urls {
            let name = case["name"].as_str().unwrap();
            let p = policy(&case["policy"]).unwrap();
            let input = case["url"].as_str().unwrap();
            let result = p.check(input);
            // The web build's path: JS computes the href, the core parses the normalised form.
            let href = ::url::Url::parse(input).ok().map(String::from);
            assert_eq!(p.check_normalized(input, href.as_deref()), result, "{name} (normalised path)");
            match (&result, case["error"].as_str()) {
                (Ok(checked), None) => {
                    if let Some(href) = case.get("normalized") {
                        assert_eq!(checked.url, href.as_str().unwrap(), "{name}");
                    }
                    if let Some(dns) = case.get("needs_dns") {
                        assert_eq!(checked.needs_dns, dns.as_bool().unwrap(), "{name}");
                    }
                }
                (Err(err), Some(expected)) => {
                    assert_eq!(err.to_string(), expected, "{name}");
                    assert_eq!(err.code(), "ERR_RUNWIRE_URL_POLICY");
                }
                _ => panic!("{name}: got {result:?}, expected {:?}", case["error"]),
            }
        }
        for case in table["resolved"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let p = policy(&case["policy"]).unwrap();
            let checked = p.check(case["url"].as_str().unwrap()).unwrap();
            let addrs: Vec<IpAddr> =
                case["addresses"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().parse().unwrap()).collect();
            let got = p.check_resolved(&checked, &addrs).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), case["error"].as_str(), "{name}");
        }
        for case in table["config"].as_array().unwrap() {
            let err = policy(&case["policy"]).unwrap_err();
            assert_eq!(err.code(), "ERR_RUNWIRE_URL_POLICY_CONFIG");
            assert_eq!(Some(err.to_string().as_str()), case["error"].as_str(), "{}", case["name"]);
        }
    }
}

/// Property tests (bounded case counts).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;

    use super::*;

    fn config() -> ProptestConfig {
        ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        /// Arbitrary input never panics; what passes the safe default is https on an allowed port.
        #[test]
        fn arbitrary_urls_never_panic(input in any::<String>(), tail in "[ -~]{0,40}") {
            let policy = UrlPolicy::default();
            for url in [input.clone(), format!("https://{input}"), format!("https://example.com/{tail}"), format!("http://{tail}")] {
                if let Ok(checked) = policy.check(&url) {
                    prop_assert!(checked.url.starts_with("https://"), "{}", checked.url);
                    prop_assert!([443, 80].contains(&checked.port));
                }
            }
        }

        /// Loopback and private IPv4 literals never pass the safe default, whatever the port/path.
        #[test]
        fn private_literals_are_always_blocked(
            first in prop::sample::select(vec![127u8, 10, 0]), b in any::<u8>(), c in any::<u8>(), d in any::<u8>(),
            path in "[a-z0-9/]{0,12}",
        ) {
            let url = format!("https://{first}.{b}.{c}.{d}/{path}");
            prop_assert!(UrlPolicy::default().check(&url).is_err(), "{url}");
            let private = format!("https://192.168.{c}.{d}/{path}");
            prop_assert!(UrlPolicy::default().check(&private).is_err(), "{private}");
        }
    }
}
