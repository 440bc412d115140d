//! The runtime seam: everything the core needs from the world.
//!
//! | need | trait | tokio (runwire-node) | web (runwire-wasm) | tests |
//! |---|---|---|---|---|
//! | wall clock | [`Clock`] | `SystemTime` | `Date.now()` | [`VirtualRuntime`] |
//! | waiting | [`Sleeper`] | `tokio::time::sleep` | `setTimeout` | [`VirtualRuntime`] (advances its clock) |
//! | randomness | [`Entropy`] | OS `getrandom` | `crypto.getRandomValues` | seeded splitmix64 |
//! | HTTP | [`Transport`] | hyper/reqwest on tokio threads | `fetch` | fault servers |
//!
//! Futures are `Send` natively and not on wasm, where JS promises are single-threaded:
//! [`MaybeSend`] is `Send` on native targets and nothing on wasm32, so one engine compiles for both.

use std::future::{ready, Future, Ready};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `Send` on native targets; no bound on wasm32, where futures hold JS values.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` on native targets; no bound on wasm32, where futures hold JS values.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on native targets; no bound on wasm32 (see [`MaybeSend`]).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` on native targets; no bound on wasm32 (see [`MaybeSend`]).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// Wall-clock time.
pub trait Clock {
    /// Milliseconds since the unix epoch.
    fn now_ms(&self) -> u64;

    /// Seconds since the unix epoch (what Standard Webhooks timestamps use).
    fn now_secs(&self) -> i64 {
        i64::try_from(self.now_ms() / 1000).unwrap_or(i64::MAX)
    }
}

/// Waiting without blocking a thread.
pub trait Sleeper {
    /// The future returned by [`Sleeper::sleep`].
    type Sleep: Future<Output = ()> + MaybeSend;
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> Self::Sleep;
}

/// Cryptographically secure randomness.
pub trait Entropy {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);

    /// A random `u64`.
    fn random_u64(&self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes);
        u64::from_le_bytes(bytes)
    }
}

/// Everything the engine needs, in one bound.
pub trait Runtime: Clock + Sleeper + Entropy + Clone + MaybeSend + 'static {}
impl<T: Clock + Sleeper + Entropy + Clone + MaybeSend + 'static> Runtime for T {}

/// An outgoing HTTP request: the body bytes are exactly what was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Absolute URL.
    pub url: String,
    /// Header names and values, sent in this order.
    pub headers: Vec<(String, String)>,
    /// The body, sent as-is.
    pub body: Arc<[u8]>,
    /// Total time allowed for the request.
    pub timeout: Duration,
}

/// What came back: status, headers, and a capped body snippet for the attempt log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The first bytes of the body, capped by the transport.
    pub body_snippet: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why a request got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request did not complete within its timeout.
    #[error("request timed out")]
    Timeout,
    /// DNS, connect, TLS or reset: no response was read.
    #[error("network error: {0}")]
    Network(String),
    /// The URL was refused before any request was made (URL policy).
    #[error("request blocked: {0}")]
    Blocked(String),
}

/// Sends HTTP requests. Implementations never follow redirects.
pub trait Transport: MaybeSend + 'static {
    /// Sends one request.
    fn send(&self, request: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> + MaybeSend;
}

/// A deterministic runtime for tests: a manual clock, sleeps that complete at once and advance
/// the clock (and are recorded, so retry schedules can be asserted exactly), and seeded randomness.
#[derive(Debug, Clone)]
pub struct VirtualRuntime {
    state: Arc<Mutex<VirtualState>>,
}

#[derive(Debug)]
struct VirtualState {
    now_ms: u64,
    rng: u64,
    sleeps: Vec<Duration>,
}

impl VirtualRuntime {
    /// A clock starting at `start_ms`, randomness seeded with `seed`.
    pub fn new(start_ms: u64, seed: u64) -> Self {
        Self { state: Arc::new(Mutex::new(VirtualState { now_ms: start_ms, rng: seed, sleeps: Vec::new() })) }
    }

    fn with<R>(&self, f: impl FnOnce(&mut VirtualState) -> R) -> R {
        // A poisoned lock only means another test thread panicked; the state is still usable.
        let mut guard = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.with(|s| s.now_ms += duration_ms(by));
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.with(|s| s.sleeps.clone())
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Clock for VirtualRuntime {
    fn now_ms(&self) -> u64 {
        self.with(|s| s.now_ms)
    }
}

impl Sleeper for VirtualRuntime {
    type Sleep = Ready<()>;
    fn sleep(&self, duration: Duration) -> Self::Sleep {
        self.with(|s| {
            s.sleeps.push(duration);
            s.now_ms += duration_ms(duration);
        });
        ready(())
    }
}

impl Entropy for VirtualRuntime {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.with(|s| splitmix64(&mut s.rng));
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_sleep_advances_and_records() {
        let rt = VirtualRuntime::new(1_000, 1);
        drop(rt.sleep(Duration::from_secs(5)));
        rt.advance(Duration::from_millis(250));
        assert_eq!(rt.now_ms(), 6_250);
        assert_eq!(rt.now_secs(), 6);
        assert_eq!(rt.sleeps(), vec![Duration::from_secs(5)]);
    }

    #[test]
    fn seeded_entropy_is_deterministic() {
        let a = VirtualRuntime::new(0, 42);
        let b = VirtualRuntime::new(0, 42);
        let mut x = [0u8; 13];
        let mut y = [0u8; 13];
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert_ne!(a.random_u64(), VirtualRuntime::new(0, 43).random_u64());
    }
}
