//! Retry schedules as exact virtual-clock sleep sequences, for the conformance suite.
//!
//! [`simulate`] walks one message through the retry policy on the [`VirtualRuntime`] exactly as
//! the engine drives it; both bindings export it (`simulateDelivery`), so Retry-After clamps,
//! seeded jitter and give-up reasons are asserted to the millisecond on every target
//! (tests/fixtures/retry-schedules.json). A test-only twin runs the **real engine** under the same
//! virtual runtime against a scripted sink and must agree on every fixture case. (Exporting the
//! engine twin itself would put a second monomorphised engine into the web build: ≈ 5 KB gzip.)
//!
//! In the twin, virtual sleeps complete at once and the scripted sink answers synchronously, so
//! every future makes progress whenever it is polled: a polling loop with a no-op waker is a
//! complete executor there, bounded by a step limit.

#[cfg(test)]
use std::future::Future;
#[cfg(test)]
use std::pin::Pin;
#[cfg(test)]
use std::sync::Mutex;
#[cfg(test)]
use std::task::{Context, Waker};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::delivery::dlq::DeadLetterReason;
#[cfg(test)]
use crate::delivery::dlq::MemoryDeadLetters;
#[cfg(test)]
use crate::delivery::engine::{Engine, EventFilter, SinkSpec};
#[cfg(test)]
use crate::delivery::envelope::EnvelopeLimits;
use crate::delivery::retry::{parse_retry_after, Decision, Outcome, RetryPolicy, DEFAULT_DELAYS_MS};
use crate::error::DeliveryError;
#[cfg(test)]
use crate::runtime::MaybeSend;
use crate::runtime::{Clock, Entropy, VirtualRuntime};
use crate::sinks::SinkResponse;
#[cfg(test)]
use crate::sinks::{Delivery, Sink};

struct Step {
    status: Option<u16>,
    error: Option<String>,
    retry_after: Option<String>,
}

fn step(value: &Value) -> Option<Step> {
    let map = value.as_object()?;
    if map.keys().any(|k| !["status", "error", "retryAfter"].contains(&k.as_str())) {
        return None;
    }
    Some(Step {
        status: map.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()),
        error: map.get("error").and_then(Value::as_str).map(str::to_owned),
        retry_after: map.get("retryAfter").and_then(Value::as_str).map(str::to_owned),
    })
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

#[cfg(test)]
struct Script {
    steps: Mutex<std::collections::VecDeque<SinkResponse>>,
    fallback: SinkResponse,
}

#[cfg(test)]
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

/// The parsed input: scripted responses, the fallback, the runtime and the policy.
struct Plan {
    steps: std::collections::VecDeque<SinkResponse>,
    fallback: SinkResponse,
    runtime: VirtualRuntime,
    policy: RetryPolicy,
}

fn plan(json: &str) -> Result<Plan, DeliveryError> {
    let bad = |what: &str| DeliveryError::InvalidConfig(format!("simulation input: {what}"));
    let input: Value = serde_json::from_str(json).map_err(|e| DeliveryError::InvalidConfig(e.to_string()))?;
    let steps = input
        .get("responses")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("responses must be an array"))?
        .iter()
        .map(|v| step(v).ok_or_else(|| bad("a step is {status, error, retryAfter}")).and_then(response))
        .collect::<Result<_, _>>()?;
    let fallback = match input.get("fallback") {
        Some(v) => response(step(v).ok_or_else(|| bad("fallback is {status, error, retryAfter}"))?)?,
        None => SinkResponse::of(Outcome::Status(200)),
    };
    let delays = match input.get("retryDelaysMs") {
        Some(v) => v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<_>>>())
            .ok_or_else(|| bad("retryDelaysMs must be an array of integers"))?,
        None => DEFAULT_DELAYS_MS.to_vec(),
    };
    let number = |key: &str| input.get(key).and_then(Value::as_u64).unwrap_or(0);
    let runtime = VirtualRuntime::new(number("startMs"), number("seed"));
    let policy = RetryPolicy {
        delays: delays.into_iter().map(Duration::from_millis).collect(),
        jitter: input.get("jitter").and_then(Value::as_bool).unwrap_or(true),
    };
    Ok(Plan { steps, fallback, runtime, policy })
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One message through the retry policy on the virtual runtime, step for step as the engine
/// drives it (one random draw per attempt, `Retry-After` parsed against the clock after the
/// attempt, sleeps advancing the clock). The engine-driven twin below is checked against it for
/// every fixture case, so the web build needs no second copy of the engine.
pub fn simulate(json: &str) -> Result<String, DeliveryError> {
    let Plan { mut steps, fallback, runtime, policy } = plan(json)?;
    let mut statuses = Vec::new();
    let mut sleeps = Vec::new();
    let (delivered, reason) = loop {
        let attempt = statuses.len() + 1;
        let response = steps.pop_front().unwrap_or_else(|| fallback.clone());
        statuses.push(match response.outcome {
            Outcome::Status(status) => Some(status),
            _ => None,
        });
        let retry_after = response.retry_after.as_deref().and_then(|v| parse_retry_after(v, runtime.now_ms()));
        match policy.decide(attempt, response.outcome, retry_after, runtime.random_u64()) {
            Decision::Success => break (true, None),
            Decision::Retry(delay) => {
                sleeps.push(ms(delay));
                runtime.advance(delay);
            }
            Decision::DeadLetter(reason) => break (false, Some(reason.as_str())),
            Decision::Disable => break (false, Some(DeadLetterReason::Gone.as_str())),
        }
        if attempt > 10_000 {
            return Err(DeliveryError::InvalidConfig("simulation did not settle".into()));
        }
    };
    let output = Output {
        sleeps_ms: sleeps,
        attempts: statuses.len() as u64,
        statuses: if delivered { Vec::new() } else { statuses },
        delivered,
        reason,
    };
    serde_json::to_string(&output).map_err(|e| DeliveryError::InvalidConfig(e.to_string()))
}

/// The same simulation driven by the real engine (tests only; see [`simulate`]).
#[cfg(test)]
fn simulate_engine(json: &str) -> Result<String, DeliveryError> {
    let Plan { steps, fallback, runtime, policy } = plan(json)?;
    let dlq = MemoryDeadLetters::default();
    let spec = SinkSpec {
        name: "simulated".into(),
        sink: Script { steps: Mutex::new(steps), fallback },
        policy,
        concurrency: 1,
        queue_capacity: 1,
        events: EventFilter::All,
        overflow: crate::delivery::engine::Overflow::default(),
        order: crate::delivery::engine::Order::default(),
        batch: None,
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
                sleeps_ms: runtime.sleeps().into_iter().map(ms).collect(),
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
    fn the_policy_walk_matches_the_engine_on_every_fixture_case() {
        let fixture: Value =
            serde_json::from_str(include_str!("../../../../tests/fixtures/retry-schedules.json")).unwrap();
        let cases = fixture["cases"].as_array().unwrap();
        assert!(cases.len() >= 10);
        for case in cases {
            let input = case["input"].to_string();
            let expected: Value = case["expect"].clone();
            let pure: Value = serde_json::from_str(&simulate(&input).unwrap()).unwrap();
            let engine: Value = serde_json::from_str(&simulate_engine(&input).unwrap()).unwrap();
            assert_eq!(pure, expected, "{}", case["name"]);
            assert_eq!(engine, expected, "engine: {}", case["name"]);
        }
    }

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
