//! SSRF protection at connect time: resolve once, vet every address, connect only to those.
//!
//! [`VettedResolver`] is a `reqwest::dns::Resolve` for the addon's HTTP client. Each webhook sink
//! registers its host with its URL policy when it is created. When reqwest needs to connect, the
//! resolver looks the name up **once**, judges **every** address with
//! `UrlPolicy::check_resolved` (one blocked record refuses the host, so a name cannot mix a
//! public and a private address), and hands reqwest exactly the vetted addresses: reqwest
//! connects to what the resolver returns and never looks the name up again, so there is no
//! window for DNS rebinding between the check and the connect. The Host header and TLS SNI keep
//! the name.
//!
//! Where the addresses come from: the system resolver (`getaddrinfo`, so `/etc/hosts` counts)
//! by default, or the user's `lookup(hostname) => Promise<string[]>` (`createDelivery({ lookup })`,
//! for a service mesh or their own DNS, and for tests of this path without DNS):
//! [`VettedResolver::with_js_lookup`]. Either way the same vetting applies to what comes back —
//! a lookup function cannot opt out of the policy; a rejected promise, a non-array or an entry
//! that is not an IP address counts as a failed lookup (`DNS resolution failed`).
//!
//! IP-literal URLs never reach a resolver; the sink's URL policy judges them before each send.
//! A refusal surfaces as a connect error whose source is [`SsrfBlocked`]; the transport maps it
//! to `TransportError::Blocked` (no retry, dead letter `url_policy`) with [`blocked_reason`].

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};

use runwire_core::error::UrlPolicyError;
use runwire_core::policy::{CheckedUrl, Host, UrlPolicy};

/// The resolver refused a host: LangGraph's `Webhook host blocked: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsrfBlocked(pub UrlPolicyError);

impl std::fmt::Display for SsrfBlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SsrfBlocked {}

/// The policy message if `error` (or any error in its source chain) is an [`SsrfBlocked`].
pub fn blocked_reason(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(blocked) = e.downcast_ref::<SsrfBlocked>() {
            return Some(blocked.to_string());
        }
        current = e.source();
    }
    None
}

type LookupFuture = Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
/// Name → addresses (the system resolver in production, a table in tests).
pub type Lookup = Arc<dyn Fn(String) -> LookupFuture + Send + Sync>;

struct Inner {
    targets: RwLock<HashMap<String, Vec<(UrlPolicy, CheckedUrl)>>>,
    lookup: Lookup,
}

/// A DNS resolver that only returns addresses the registered URL policies allow.
#[derive(Clone)]
pub struct VettedResolver {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for VettedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VettedResolver").finish_non_exhaustive()
    }
}

impl Default for VettedResolver {
    fn default() -> Self {
        Self::system()
    }
}

impl VettedResolver {
    /// Over the system resolver (`getaddrinfo`, so `/etc/hosts` counts).
    pub fn system() -> Self {
        Self::with_lookup(Arc::new(|name: String| {
            Box::pin(async move {
                let addrs = tokio::net::lookup_host((name.as_str(), 0)).await?;
                Ok(addrs.map(|a| a.ip()).collect())
            })
        }))
    }

    /// Over a JS `lookup(hostname)` (wrapped by the glue to resolve to a JSON array of address
    /// strings), called from tokio threads through a weak threadsafe function.
    pub fn with_js_lookup(lookup: crate::callback_sink::CallbackFn) -> Self {
        let lookup = Arc::new(lookup);
        Self::with_lookup(Arc::new(move |name: String| {
            let lookup = Arc::clone(&lookup);
            Box::pin(async move {
                let promise = lookup.call_async(name).await.map_err(|e| std::io::Error::other(e.to_string()))?;
                let json = promise.await.map_err(|e| std::io::Error::other(e.to_string()))?;
                parse_addresses(&json).ok_or_else(|| std::io::Error::other("lookup returned no valid address list"))
            })
        }))
    }

    /// Over any lookup function.
    pub fn with_lookup(lookup: Lookup) -> Self {
        Self { inner: Arc::new(Inner { targets: RwLock::default(), lookup }) }
    }

    /// Registers a sink's checked URL and policy. IP literals need no registration.
    pub fn register(&self, policy: &UrlPolicy, checked: &CheckedUrl) {
        if let Host::Domain(name) = &checked.host {
            let mut targets = self.inner.targets.write().unwrap_or_else(PoisonError::into_inner);
            targets.entry(name.clone()).or_default().push((policy.clone(), checked.clone()));
        }
    }

    /// Resolves `name` and vets every address against every policy registered for it.
    pub async fn vet(&self, name: &str) -> Result<Vec<SocketAddr>, SsrfBlocked> {
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let policies = self.inner.targets.read().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
        let dns_failed =
            || SsrfBlocked(UrlPolicyError::HostBlocked(runwire_core::policy::BlockReason::DnsResolutionFailed));
        let ips = (self.inner.lookup)(key).await.map_err(|_| dns_failed())?;
        if ips.is_empty() {
            return Err(dns_failed());
        }
        for (policy, checked) in policies.iter().flatten() {
            policy.check_resolved(checked, &ips).map_err(SsrfBlocked)?;
        }
        Ok(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)).collect())
    }
}

/// A JSON array of IP address strings; `None` if it is anything else or any entry does not parse.
fn parse_addresses(json: &str) -> Option<Vec<IpAddr>> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    value.as_array()?.iter().map(|a| a.as_str()?.trim().parse().ok()).collect()
}

impl reqwest::dns::Resolve for VettedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addrs =
                resolver.vet(&name).await.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runwire_core::policy::{Profile, UrlPolicyOptions};

    fn table() -> VettedResolver {
        VettedResolver::with_lookup(Arc::new(|name: String| {
            Box::pin(async move {
                let ips: Vec<IpAddr> = match name.as_str() {
                    "loopback.test" => vec!["127.0.0.1".parse().unwrap()],
                    "mixed.test" => vec!["93.184.216.34".parse().unwrap(), "10.0.0.8".parse().unwrap()],
                    "public.test" => vec!["93.184.216.34".parse().unwrap()],
                    "rebind.test" => vec!["169.254.169.254".parse().unwrap()],
                    _ => return Err(std::io::Error::other("nxdomain")),
                };
                Ok(ips)
            })
        }))
    }

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    fn register(resolver: &VettedResolver, url: &str, policy: &UrlPolicy) {
        resolver.register(policy, &policy.check(url).unwrap());
    }

    #[test]
    fn a_name_resolving_to_loopback_is_refused_unless_loopback_is_allowed() {
        let resolver = table();
        let strict = UrlPolicy::new(&UrlPolicyOptions {
            profile: Profile::Dev,
            disable_loopback: Some(true),
            ..Default::default()
        })
        .unwrap();
        register(&resolver, "http://loopback.test:8080/", &strict);
        let err = run(resolver.vet("loopback.test")).unwrap_err();
        assert_eq!(err.to_string(), "Webhook host blocked: blocked IP range");

        let allowed = table();
        let dev = UrlPolicy::profile(Profile::Dev);
        register(&allowed, "http://loopback.test:8080/", &dev);
        let addrs = run(allowed.vet("LOOPBACK.test.")).unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:0".parse().unwrap()]);
    }

    #[test]
    fn one_bad_record_refuses_the_host_and_metadata_is_never_reachable() {
        let resolver = table();
        let safe = UrlPolicy::default();
        register(&resolver, "https://mixed.test/", &safe);
        register(&resolver, "https://rebind.test/", &safe);
        register(&resolver, "https://public.test/", &safe);
        assert!(run(resolver.vet("mixed.test")).is_err());
        assert_eq!(
            run(resolver.vet("rebind.test")).unwrap_err().to_string(),
            "Webhook host blocked: cloud metadata endpoint"
        );
        assert_eq!(run(resolver.vet("public.test")).unwrap().len(), 1);
        assert_eq!(
            run(resolver.vet("nowhere.test")).unwrap_err().to_string(),
            "Webhook host blocked: DNS resolution failed"
        );
    }

    #[test]
    fn lookup_results_parse_strictly() {
        assert_eq!(parse_addresses(r#"["10.0.0.1"," ::1 "]"#).unwrap().len(), 2);
        assert_eq!(parse_addresses("[]"), Some(Vec::new()));
        assert_eq!(parse_addresses(r#"["example.com"]"#), None);
        assert_eq!(parse_addresses(r#"[1]"#), None);
        assert_eq!(parse_addresses(r#""10.0.0.1""#), None);
    }

    #[test]
    fn langgraph_words_at_connect_time() {
        let resolver = table();
        let lg = UrlPolicy::new(&UrlPolicyOptions {
            profile: Profile::Langgraph,
            require_https: Some(false),
            ..Default::default()
        })
        .unwrap();
        register(&resolver, "http://loopback.test/", &lg);
        register(&resolver, "http://rebind.test/", &lg);
        register(&resolver, "http://mixed.test/", &lg);
        assert_eq!(
            run(resolver.vet("loopback.test")).unwrap_err().to_string(),
            "Webhook host blocked: loopback IP range"
        );
        assert_eq!(run(resolver.vet("rebind.test")).unwrap_err().to_string(), "Webhook host blocked: blocked IP range");
        assert_eq!(run(resolver.vet("mixed.test")).unwrap().len(), 2, "private allowed in the langgraph profile");
    }

    #[test]
    fn blocked_reason_is_found_through_the_source_chain() {
        #[derive(Debug)]
        struct Wrapper(SsrfBlocked);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("connect error")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let err = Wrapper(SsrfBlocked(UrlPolicyError::DomainNotAllowed));
        assert_eq!(blocked_reason(&err).as_deref(), Some("Webhook domain not allowed"));
        assert_eq!(blocked_reason(&std::io::Error::other("x")), None);
    }
}
