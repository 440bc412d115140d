//! The native HTTP transport: reqwest (hyper underneath) on napi's tokio runtime, rustls on ring.
//!
//! - **No redirects**: `redirect::Policy::none()`; a 3xx comes back to the retry policy as a
//!   failure (spec §3), its `Location` is never fetched.
//! - **Keep-alive and connection reuse**: one `Client` (one pool) per delivery engine, shared by
//!   every worker of every sink; idle connections live 90 s. The rest of a response body is read
//!   (up to [`DRAIN_CAP`]) so the connection can go back to the pool.
//! - **Timeouts**: connect 5 s, total per request from the sink's `timeoutMs`.
//! - **Resolver seam (issue 5, SSRF)**: [`TransportOptions::resolver`] takes any
//!   `reqwest::dns::Resolve`. reqwest connects to exactly the addresses the resolver returns, so a
//!   resolver that resolves, drops blocked ranges and returns only vetted IPs pins the connection
//!   to those IPs (no second lookup, no DNS rebinding window). IP-literal URLs never reach a
//!   resolver: the URL policy must check them before [`Transport::send`] (return
//!   `TransportError::Blocked` → dead letter `url_policy`). Proxies are disabled (`no_proxy`) so
//!   the environment cannot route around the check.

use std::sync::Arc;
use std::time::Duration;

use runwire_core::runtime::{HttpRequest, HttpResponse, Transport, TransportError};

/// Response bytes read after the snippet so the connection can be reused; beyond this the
/// connection is dropped instead.
pub const DRAIN_CAP: usize = 64 * 1024;
const SNIPPET_CAP: usize = runwire_core::delivery::dlq::SNIPPET_CAP;

/// How the client is built.
#[derive(Clone)]
pub struct TransportOptions {
    /// DNS resolution (and so connect-address selection); `None` = the system resolver.
    pub resolver: Option<Arc<dyn reqwest::dns::Resolve>>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Idle connections kept per host.
    pub max_idle_per_host: usize,
}

impl Default for TransportOptions {
    fn default() -> Self {
        Self { resolver: None, connect_timeout: Duration::from_secs(5), max_idle_per_host: 64 }
    }
}

/// reqwest as a [`Transport`].
#[derive(Clone, Debug)]
pub struct NativeTransport {
    client: reqwest::Client,
}

/// rustls on ring with the webpki roots (shared by every HTTP client of the addon).
pub fn tls_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

impl NativeTransport {
    /// Builds the client.
    pub fn new(options: TransportOptions) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .connect_timeout(options.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(options.max_idle_per_host)
            .tls_backend_preconfigured(tls_config()?);
        if let Some(resolver) = options.resolver {
            builder = builder.dns_resolver(resolver);
        }
        builder.build().map(|client| Self { client }).map_err(|e| e.to_string())
    }
}

fn classify(error: &reqwest::Error) -> TransportError {
    if let Some(reason) = crate::ssrf::blocked_reason(error) {
        return TransportError::Blocked(reason);
    }
    if error.is_timeout() {
        return TransportError::Timeout;
    }
    let class = if error.is_connect() {
        "connect"
    } else if error.is_body() {
        "body"
    } else if error.is_request() {
        "request"
    } else {
        "io"
    };
    // The Display of a reqwest error names the URL; keep only the class and the root cause.
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    TransportError::Network(format!("{class}: {source}"))
}

impl Transport for NativeTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut builder = self.client.post(&request.url).timeout(request.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut response = builder.body(request.body.to_vec()).send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| matches!(name.as_str(), "retry-after" | "location"))
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect();
        let mut snippet = Vec::new();
        let mut read = 0usize;
        // A body error after the status arrived does not change the outcome: the status stands.
        while let Ok(Some(chunk)) = response.chunk().await {
            if snippet.len() < SNIPPET_CAP {
                let take = (SNIPPET_CAP - snippet.len()).min(chunk.len());
                snippet.extend_from_slice(&chunk[..take]);
            }
            read += chunk.len();
            if read > DRAIN_CAP {
                break;
            }
        }
        Ok(HttpResponse { status, headers, body_snippet: snippet })
    }
}
