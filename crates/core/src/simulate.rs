//! Runs the real engine under the [`VirtualRuntime`] against a scripted sink and reports the
//! exact sleeps it asked for. Both bindings export it (`simulateDelivery`), so the conformance
//! suite asserts retry schedules — Retry-After clamps, jitter from a seed, give-up reasons — as
//! exact millisecond sequences on every target (tests/fixtures/retry-schedules.json).
//!
//! The virtual sleeps complete at once and the scripted sink answers synchronously, so every
//! future makes progress whenever it is polled: a polling loop with a no-op waker is a complete
//! executor here, bounded by a step limit.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Waker};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::dlq::MemoryDeadLetters;
use crate::engine::{Engine, EventFilter, SinkSpec};
use crate::envelope::EnvelopeLimits;
use crate::error::DeliveryError;
use crate::retry::{Outcome, RetryPolicy, DEFAULT_DELAYS_MS};
use crate::runtime::{MaybeSend, VirtualRuntime};
use crate::sink::{Delivery, Sink, SinkResponse};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Step {
    status: Option<u16>,
    error: Option<String>,
    retry_after: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Input {
    retry_delays_ms: Option<Vec<u64>>,
    jitter: Option<bool>,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    start_ms: u64,
    responses: Vec<Step>,
    fallback: Option<Step>,
}

/// What the engine did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    sleeps_ms: Vec<u64>,
    attempts: u64,
    statuses: Vec<Option<u16>>,
    delivered: bool,
    reason: Option<&'static str>,
}

struct Script {
    steps: Mutex<std::collections::VecDeque<SinkResponse>>,
    fallback: SinkResponse,
}

impl Sink for Script {
    fn send(&self, _delivery: Delivery) -> impl Future<Output = SinkResponse> + MaybeSend {
        let next = self.steps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop_front();
        std::future::ready(next.unwrap_or_else(|| self.fallback.clone()))
    }
}

fn response(step: Step) -> Result<SinkResponse, DeliveryError> {
    let outcome = match (step.status, step.error.as_deref()) {
        (Some(status), None) => Outcome::Status(status),
        (None, Some("timeout")) => Outcome::Timeout,
        (None, Some("network")) => Outcome::Network,
        _ => return Err(DeliveryError::InvalidConfig("a step has a status or an error (timeout|network)".into())),
    };
    Ok(SinkResponse { retry_after: step.retry_after, ..SinkResponse::of(outcome) })
}

/// Simulates one message through the engine; input and output are JSON (see the fixture).
pub fn simulate(json: &str) -> Result<String, DeliveryError> {
    let input: Input = serde_json::from_str(json).map_err(|e| DeliveryError::InvalidConfig(e.to_string()))?;
    let fallback = response(input.fallback.unwrap_or(Step { status: Some(200), error: None, retry_after: None }))?;
    let steps = input.responses.into_iter().map(response).collect::<Result<_, _>>()?;
    let runtime = VirtualRuntime::new(input.start_ms, input.seed);
    let policy = RetryPolicy {
        delays: input
            .retry_delays_ms
            .unwrap_or_else(|| DEFAULT_DELAYS_MS.to_vec())
            .into_iter()
            .map(Duration::from_millis)
            .collect(),
        jitter: input.jitter.unwrap_or(true),
    };
    let dlq = MemoryDeadLetters::default();
    let spec = SinkSpec {
        name: "simulated".into(),
        sink: Script { steps: Mutex::new(steps), fallback },
        policy,
        concurrency: 1,
        queue_capacity: 1,
        events: EventFilter::All,
    };
    let engine = Engine::new(runtime.clone(), EnvelopeLimits::default(), vec![spec], dlq.clone(), ())?;
    engine.enqueue("on_tool_end", "simulated-run", "{}".into())?;
    let (workers, writer) = engine.workers();
    let mut futures: Vec<Pin<Box<dyn Future<Output = ()>>>> = workers.into_iter().map(|w| Box::pin(w) as _).collect();
    futures.push(Box::pin(writer));
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        let stats = engine.stats();
        if stats.total.pending == 0 && dlq.snapshot().len() as u64 == stats.total.dead_lettered {
            let dead = dlq.take().pop();
            let output = Output {
                sleeps_ms: runtime.sleeps().iter().map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).collect(),
                attempts: stats.total.attempts,
                statuses: dead.as_ref().map(|d| d.attempts.iter().map(|a| a.status).collect()).unwrap_or_default(),
                delivered: stats.total.delivered == 1,
                reason: dead.map(|d| d.reason.as_str()),
            };
            return serde_json::to_string(&output).map_err(|e| DeliveryError::InvalidConfig(e.to_string()));
        }
        for future in &mut futures {
            let _ = future.as_mut().poll(&mut cx);
        }
    }
    Err(DeliveryError::InvalidConfig("simulation did not settle".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_exact_sleeps_and_reason() {
        let out = simulate(r#"{"jitter":false,"responses":[{"status":503},{"error":"timeout"},{"status":429,"retryAfter":"8"}],"fallback":{"status":500}}"#).unwrap();
        assert_eq!(
            out,
            r#"{"sleepsMs":[1000,5000,30000],"attempts":4,"statuses":[503,null,429,500],"delivered":false,"reason":"exhausted"}"#
        );
        let ok = simulate(r#"{"jitter":false,"retryDelaysMs":[0,10],"responses":[{"status":502}]}"#).unwrap();
        assert_eq!(ok, r#"{"sleepsMs":[0],"attempts":2,"statuses":[],"delivered":true,"reason":null}"#);
        assert!(simulate(r#"{"responses":[{}]}"#).is_err());
    }
}
