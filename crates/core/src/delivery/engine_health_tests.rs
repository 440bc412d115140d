//! Per-endpoint health inside the engine, under the virtual runtime: a failing endpoint trips
//! its breaker and stops receiving attempts, a probe closes it once the endpoint recovers, the
//! deferral spends no retry, and a healthy sink in the same engine is never held back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;

use super::*;
use crate::delivery::dlq::MemoryDeadLetters;
use crate::health::{BreakerConfig, HealthConfig, RateLimit};
use crate::runtime::{Clock, VirtualRuntime};
use crate::sinks::SinkResponse;

/// Fails with 503 until `recover_at_ms`, then answers 200; logs `(now, id, attempt)`.
#[derive(Clone)]
struct Endpoint {
    clock: VirtualRuntime,
    recover_at_ms: u64,
    log: Arc<Mutex<Vec<(u64, String, usize)>>>,
}

impl Endpoint {
    fn new(clock: &VirtualRuntime, recover_at_ms: u64) -> Self {
        Self { clock: clock.clone(), recover_at_ms, log: Arc::default() }
    }
    fn log(&self) -> Vec<(u64, String, usize)> {
        self.log.lock().unwrap().clone()
    }
}

impl Sink for Endpoint {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        let now = self.clock.now_ms();
        self.log.lock().unwrap().push((now, delivery.id.to_string(), delivery.attempt));
        SinkResponse::of(Outcome::Status(if now < self.recover_at_ms { 503 } else { 200 }))
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<HookEvent>>>);

impl Hooks for Recorder {
    fn emit(&self, event: HookEvent) {
        self.0.lock().unwrap().push(event);
    }
}

const T0: u64 = 1_767_225_600_000;

fn spec(name: &str, sink: Endpoint, events: &[&str]) -> SinkSpec<Endpoint> {
    SinkSpec {
        name: name.into(),
        sink,
        policy: RetryPolicy { delays: vec![Duration::from_secs(1); 3], jitter: false },
        concurrency: 1,
        queue_capacity: 64,
        events: EventFilter::Only(events.iter().map(|e| (*e).to_owned()).collect()),
        overflow: Overflow::default(),
        order: Order::default(),
        batch: None,
    }
}

fn breaker() -> BreakerConfig {
    BreakerConfig { window_ms: 60_000, buckets: 6, min_requests: 3, failure_percent: 100, open_ms: 10_000 }
}

#[test]
fn breaker_holds_a_failing_endpoint_and_a_probe_closes_it() {
    let rt = VirtualRuntime::new(T0, 1);
    let down = Endpoint::new(&rt, T0 + 5_000);
    let healthy = Endpoint::new(&rt, 0);
    let hooks = Recorder::default();
    let dlq = MemoryDeadLetters::default();
    let engine = Engine::new(
        rt.clone(),
        EnvelopeLimits::default(),
        vec![spec("down", down.clone(), &["on_tool_end"]), spec("healthy", healthy.clone(), &["on_custom_event"])],
        dlq.clone(),
        hooks.clone(),
    )
    .unwrap();
    let health =
        HealthConfig { breaker: Some(breaker()), rate_limit: None, disable_after_ms: None, disable_after_trips: None };
    engine.set_health("down", health).unwrap();
    engine.set_health("healthy", health).unwrap();
    let mut pool = LocalPool::new();
    let (workers, writer) = engine.workers();
    for worker in workers {
        pool.spawner().spawn_local(worker).unwrap();
    }
    pool.spawner().spawn_local(writer).unwrap();

    for _ in 0..4 {
        engine.enqueue("on_tool_end", "run-down", r#"{"n":1}"#.into()).unwrap();
    }
    for _ in 0..50 {
        engine.enqueue("on_custom_event", "run-ok", r#"{"n":2}"#.into()).unwrap();
    }
    pool.run_until_stalled();
    let stats = engine.stats();

    // The failing endpoint: a waiting retry holds no worker, so the first attempts of three
    // messages fail at T0 and trip the breaker; nothing is sent while it is open; the probe at
    // T0+10s (after recovery) succeeds and closes it.
    let log = down.log();
    let times: Vec<u64> = log.iter().map(|(t, _, _)| t - T0).collect();
    assert_eq!(&times[..4], &[0, 0, 0, 10_000], "{log:?}");
    assert!(times.iter().all(|&t| !(1..10_000).contains(&t)), "no attempt while open: {times:?}");
    // The probe is the 4th message's first attempt (deferred since T0), and the others' next
    // attempts are their second: deferrals spend no retry.
    assert_eq!((&*log[3].1, log[3].2), ("run-down:on_tool_end:4", 1), "{log:?}");
    assert!(log[4..].iter().all(|(_, _, attempt)| *attempt == 2), "{log:?}");
    let states: Vec<_> = hooks
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.kind == "breaker.state_changed")
        .map(|h| (h.sink.clone(), h.state.unwrap()))
        .collect();
    assert_eq!(
        states,
        vec![("down".into(), "open"), ("down".into(), "half_open"), ("down".into(), "closed")],
        "only the failing sink's breaker moved"
    );

    // Every message delivered, none dead-lettered; the healthy sink took 50 attempts for 50
    // messages and was never deferred.
    assert_eq!(stats.total.dead_lettered, 0);
    assert_eq!(stats.sinks[0].counters.delivered, 4);
    assert_eq!(stats.sinks[1].counters.delivered, 50);
    assert_eq!(stats.sinks[1].counters.attempts, 50);
    assert!(healthy.log().iter().all(|(_, _, attempt)| *attempt == 1));
}

#[test]
fn rate_limit_paces_attempts_without_spending_retries() {
    let rt = VirtualRuntime::new(T0, 1);
    let ok = Endpoint::new(&rt, 0);
    let engine = Engine::new(
        rt.clone(),
        EnvelopeLimits::default(),
        vec![spec("paced", ok.clone(), &["on_tool_end"])],
        MemoryDeadLetters::default(),
        Recorder::default(),
    )
    .unwrap();
    let health = HealthConfig {
        breaker: None,
        rate_limit: Some(RateLimit { capacity: 2, per_ms: 1_000 }),
        disable_after_ms: None,
        disable_after_trips: None,
    };
    engine.set_health("paced", health).unwrap();
    let mut pool = LocalPool::new();
    let (workers, writer) = engine.workers();
    for worker in workers {
        pool.spawner().spawn_local(worker).unwrap();
    }
    pool.spawner().spawn_local(writer).unwrap();
    for _ in 0..6 {
        engine.enqueue("on_tool_end", "run", "{}".into()).unwrap();
    }
    pool.run_until_stalled();
    let stats = engine.stats();
    let times: Vec<u64> = ok.log().iter().map(|(t, _, _)| t - T0).collect();
    assert_eq!(times, vec![0, 0, 500, 1_000, 1_500, 2_000]);
    assert!(ok.log().iter().all(|(_, _, attempt)| *attempt == 1));
    assert_eq!(stats.total.delivered, 6);
}

#[test]
fn sustained_failure_disables_the_sink() {
    let rt = VirtualRuntime::new(T0, 1);
    let down = Endpoint::new(&rt, u64::MAX);
    let hooks = Recorder::default();
    let engine = Engine::new(
        rt.clone(),
        EnvelopeLimits::default(),
        vec![spec("down", down.clone(), &["on_tool_end"])],
        MemoryDeadLetters::default(),
        hooks.clone(),
    )
    .unwrap();
    let health =
        HealthConfig { breaker: None, rate_limit: None, disable_after_ms: Some(2_500), disable_after_trips: None };
    engine.set_health("down", health).unwrap();
    let mut pool = LocalPool::new();
    let (workers, writer) = engine.workers();
    for worker in workers {
        pool.spawner().spawn_local(worker).unwrap();
    }
    pool.spawner().spawn_local(writer).unwrap();
    for _ in 0..3 {
        engine.enqueue("on_tool_end", "run", "{}".into()).unwrap();
    }
    pool.run_until_stalled();
    let stats = engine.stats();
    assert!(stats.sinks[0].disabled);
    assert_eq!(stats.total.dead_lettered, 3);
    let disabled: Vec<_> = hooks.0.lock().unwrap().iter().filter(|h| h.kind == "endpoint.disabled").cloned().collect();
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].reason, Some("sustained_failure"));
    // A waiting retry holds no worker, so the three messages (one worker) each fail at 0, 1 and
    // 2 s; the first failure at 3 s is 2.5 s of sustained failure and disables the sink.
    let times: Vec<u64> = down.log().iter().map(|(t, _, _)| t - T0).collect();
    assert_eq!(times, [0, 0, 0, 1_000, 1_000, 1_000, 2_000, 2_000, 2_000, 3_000]);
}
