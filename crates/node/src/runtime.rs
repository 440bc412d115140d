//! The native side of the runtime seam: OS randomness, the system clock and tokio timers. HTTP
//! is [`crate::transport::NativeTransport`].

use runwire_core::runtime::{Clock, Entropy, Sleeper};

/// OS randomness and the system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeRuntime;

impl Entropy for NodeRuntime {
    fn fill(&self, buf: &mut [u8]) {
        // The OS RNG failing is not recoverable and never happens on supported platforms.
        if getrandom::fill(buf).is_err() {
            std::process::abort();
        }
    }
}

impl Clock for NodeRuntime {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl Sleeper for NodeRuntime {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, duration: std::time::Duration) -> Self::Sleep {
        tokio::time::sleep(duration)
    }
}
