//! Engine tests under the virtual runtime: sleeps complete at once and are recorded, so retry
//! schedules are asserted exactly.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;

use super::*;
use crate::delivery::dlq::MemoryDeadLetters;
use crate::runtime::VirtualRuntime;
use crate::sinks::SinkResponse;

#[derive(Default)]
struct Script {
    responses: Mutex<VecDeque<SinkResponse>>,
    fallback: Option<SinkResponse>,
    hang: bool,
    seen: Mutex<Vec<(String, usize, Vec<u8>)>>,
}

#[derive(Clone, Default)]
struct TestSink(Arc<Script>);

impl TestSink {
    fn scripted(responses: Vec<SinkResponse>, fallback: Outcome) -> Self {
        Self(Arc::new(Script {
            responses: Mutex::new(responses.into()),
            fallback: Some(SinkResponse::of(fallback)),
            ..Script::default()
        }))
    }
    fn statuses(statuses: &[u16], fallback: Outcome) -> Self {
        Self::scripted(statuses.iter().map(|&s| SinkResponse::of(Outcome::Status(s))).collect(), fallback)
    }
    fn hanging() -> Self {
        Self(Arc::new(Script { hang: true, ..Script::default() }))
    }
    fn seen(&self) -> Vec<(String, usize, Vec<u8>)> {
        self.0.seen.lock().unwrap().clone()
    }
}

impl Sink for TestSink {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        self.0.seen.lock().unwrap().push((delivery.id.to_string(), delivery.attempt, delivery.body.to_vec()));
        if self.0.hang {
            std::future::pending::<()>().await;
        }
        let next = self.0.responses.lock().unwrap().pop_front();
        next.or_else(|| self.0.fallback.clone()).unwrap()
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<HookEvent>>>);

impl Hooks for Recorder {
    fn emit(&self, event: HookEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    fn kinds(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().iter().map(|e| e.kind).collect()
    }
}

type TestEngine = Engine<VirtualRuntime, TestSink, MemoryDeadLetters, Recorder>;

struct Harness {
    rt: VirtualRuntime,
    engine: TestEngine,
    dlq: MemoryDeadLetters,
    hooks: Recorder,
    pool: LocalPool,
}

fn spec(name: &str, sink: TestSink, jitter: bool) -> SinkSpec<TestSink> {
    SinkSpec {
        name: name.into(),
        sink,
        policy: RetryPolicy { jitter, ..RetryPolicy::default() },
        concurrency: 1,
        queue_capacity: 16,
        events: EventFilter::default(),
        overflow: Overflow::default(),
        order: Order::default(),
        batch: None,
    }
}

fn harness(specs: Vec<SinkSpec<TestSink>>) -> Harness {
    let rt = VirtualRuntime::new(1_767_225_600_000, 7);
    let dlq = MemoryDeadLetters::default();
    let hooks = Recorder::default();
    let engine = Engine::new(rt.clone(), EnvelopeLimits::default(), specs, dlq.clone(), hooks.clone()).unwrap();
    let pool = LocalPool::new();
    let (workers, writer) = engine.workers();
    for worker in workers {
        pool.spawner().spawn_local(worker).unwrap();
    }
    pool.spawner().spawn_local(writer).unwrap();
    Harness { rt, engine, dlq, hooks, pool }
}

impl Harness {
    fn send(&self, event: &str, run: &str) -> Option<Arc<str>> {
        self.engine.enqueue(event, run, r#"{"name":"calculator","output":"42"}"#.into()).unwrap()
    }
    fn drain(&mut self, timeout: Duration) -> Stats {
        let engine = self.engine.clone();
        self.pool.run_until(async move { engine.drain(timeout).await })
    }
    fn settle(&mut self) -> Stats {
        self.pool.run_until_stalled();
        self.engine.stats()
    }
}

fn assert_invariant(stats: &Stats) {
    for c in stats.sinks.iter().map(|s| &s.counters).chain([&stats.total]) {
        assert_eq!(c.accepted, c.delivered + c.dead_lettered + c.pending + c.filtered, "{stats:?}");
    }
}

const S: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn retries_on_the_exact_schedule_then_delivers() {
    let sink = TestSink::statuses(&[503, 500, 502], Outcome::Status(200));
    let mut h = harness(vec![spec("a", sink.clone(), false)]);
    let id = h.send("on_tool_end", "run-1").unwrap();
    let stats = h.settle();
    assert_eq!(&*id, "run-1:on_tool_end:1");
    assert_eq!(h.rt.sleeps(), vec![S(1), S(5), S(30)]);
    assert_eq!((stats.total.delivered, stats.total.attempts, stats.total.failed_attempts), (1, 4, 3));
    let seen = sink.seen();
    assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert!(seen.iter().all(|s| s.0 == "run-1:on_tool_end:1" && s.2 == seen[0].2), "same id and bytes every attempt");
    assert_eq!(h.hooks.kinds(), ["attempt.failed"; 3]);
    assert_invariant(&h.drain(S(1)));
}

#[test]
fn exhaustion_dead_letters_with_every_attempt_logged() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[], Outcome::Timeout), false)]);
    h.send("on_tool_end", "run-1");
    let stats = h.settle();
    assert_eq!(h.rt.sleeps(), vec![S(1), S(5), S(30)]);
    assert_eq!((stats.total.dead_lettered, stats.total.pending), (1, 0));
    let dead = h.dlq.take();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, DeadLetterReason::Exhausted);
    assert_eq!(dead[0].attempts.len(), 4);
    assert!(dead[0].attempts.iter().all(|a| a.status.is_none()));
    assert!(dead[0].body.contains("\"type\":\"agent.tool.end\""));
    assert_eq!(h.hooks.kinds().iter().filter(|k| **k == "message.exhausted").count(), 1);
    assert_invariant(&stats);
}

#[test]
fn jittered_schedule_is_bounded_and_reproducible() {
    let run = || {
        let mut h = harness(vec![spec("a", TestSink::statuses(&[], Outcome::Network), true)]);
        h.send("on_tool_end", "run-1");
        h.settle();
        h.rt.sleeps()
    };
    let sleeps = run();
    assert_eq!(sleeps, run());
    for (got, base) in sleeps.iter().zip([1_000u128, 5_000, 30_000]) {
        assert!(got.as_millis() >= base * 8 / 10 && got.as_millis() <= base * 12 / 10, "{got:?} vs {base}");
    }
}

#[test]
fn retry_after_is_honoured_within_the_clamp() {
    let retry_after = |v: &str| SinkResponse { retry_after: Some(v.into()), ..SinkResponse::of(Outcome::Status(429)) };
    let sink = TestSink::scripted(
        vec![retry_after("0"), retry_after("Thu, 01 Jan 2026 00:00:08 GMT"), retry_after("3600")],
        Outcome::Status(204),
    );
    let mut h = harness(vec![spec("a", sink, false)]);
    h.send("on_custom_event", "run-1");
    h.settle();
    // base 1 s (0 → 1 s); base 5 s: the date is 8 s after the clock (at +1 s) → 7 s; base 30 s → 60 s cap
    assert_eq!(h.rt.sleeps(), vec![S(1), S(7), S(60)]);
}

#[test]
fn gone_disables_the_endpoint_and_dead_letters_the_rest() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[410], Outcome::Status(200)), false)]);
    h.send("on_tool_end", "run-1");
    h.send("on_tool_end", "run-1");
    let stats = h.settle();
    let reasons: Vec<_> = h.dlq.take().into_iter().map(|d| d.reason).collect();
    assert_eq!(reasons, [DeadLetterReason::Gone, DeadLetterReason::EndpointDisabled]);
    assert!(stats.sinks[0].disabled);
    assert!(h.hooks.kinds().contains(&"endpoint.disabled"));
    assert!(h.rt.sleeps().is_empty());
    assert_invariant(&stats);
}

#[test]
fn permanent_errors_do_not_retry() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[404, 301], Outcome::Status(200)), false)]);
    h.send("on_tool_end", "run-1");
    let stats = h.settle();
    assert_eq!(h.dlq.take()[0].reason, DeadLetterReason::Permanent4xx);
    assert_eq!(stats.total.attempts, 1);
    assert!(h.rt.sleeps().is_empty());
}

#[test]
fn redirects_exhaust_with_reason_redirect() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[], Outcome::Status(302)), false)]);
    h.send("on_tool_end", "run-1");
    h.settle();
    assert_eq!(h.dlq.take()[0].reason, DeadLetterReason::Redirect);
}

#[test]
fn fan_out_isolates_a_dead_sink_and_filters_per_sink() {
    let good = TestSink::statuses(&[], Outcome::Status(200));
    let mut only_custom = spec("custom-only", good.clone(), false);
    only_custom.events = EventFilter::Only(["on_custom_event".to_owned()].into());
    let mut h = harness(vec![
        spec("dead", TestSink::statuses(&[], Outcome::Network), false),
        spec("good", good.clone(), false),
        only_custom,
    ]);
    for _ in 0..3 {
        h.send("on_tool_end", "run-1");
    }
    h.send("on_custom_event", "run-1");
    assert_eq!(h.send("on_llm_new_token", "run-1"), None, "tokens are never forwarded by default");
    let stats = h.settle();
    let by_name = |n: &str| stats.sinks.iter().find(|s| s.name == n).unwrap().counters;
    assert_eq!(by_name("good").delivered, 4);
    assert_eq!(by_name("custom-only").delivered, 1);
    assert_eq!(by_name("custom-only").filtered, 4);
    assert_eq!(by_name("dead").dead_lettered, 4);
    assert_eq!(stats.total.accepted, 15);
    assert_invariant(&stats);
}

#[test]
fn a_full_queue_dead_letters_instead_of_dropping() {
    let mut s = spec("a", TestSink::hanging(), false);
    s.queue_capacity = 2;
    let mut h = harness(vec![s]);
    for _ in 0..5 {
        h.send("on_tool_end", "run-1");
        h.pool.run_until_stalled();
    }
    let stats = h.engine.stats();
    // queueCapacity bounds everything pending: one in flight, one queued, three dead-lettered
    assert_eq!((stats.total.pending, stats.total.dead_lettered), (2, 3));
    assert_eq!((stats.total.in_flight, stats.total.queued), (1, 1));
    assert!(stats.sinks[0].backpressure);
    assert_eq!(h.hooks.kinds().iter().filter(|k| **k == "queue.full").count(), 1);
    assert!(h.dlq.snapshot().iter().all(|d| d.reason == DeadLetterReason::QueueFull));
    assert_invariant(&stats);
}

#[test]
fn drain_deadline_moves_everything_pending_to_the_dlq() {
    let mut h = harness(vec![
        spec("hang", TestSink::hanging(), false),
        spec("fine", TestSink::statuses(&[], Outcome::Status(200)), false),
    ]);
    for _ in 0..4 {
        h.send("on_tool_end", "run-1");
    }
    h.pool.run_until_stalled();
    let stats = h.drain(S(5));
    assert_eq!(stats.total.pending, 0);
    assert_eq!(stats.sinks[0].counters.dead_lettered, 4);
    assert_eq!(stats.sinks[1].counters.delivered, 4);
    let dead = h.dlq.take();
    assert!(dead.iter().all(|d| d.reason == DeadLetterReason::Shutdown));
    assert_eq!(dead.iter().filter(|d| d.attempts.len() == 1).count(), 1, "the in-flight one logs its attempt");
    assert_invariant(&stats);
    // still usable afterwards
    h.send("on_tool_end", "run-2");
    assert_eq!(h.settle().sinks[1].counters.delivered, 5);
}

#[test]
fn close_refuses_new_work_and_ends_the_workers() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[], Outcome::Status(200)), false)]);
    h.send("on_tool_end", "run-1");
    h.settle();
    let engine = h.engine.clone();
    let stats = h.pool.run_until(async move { engine.close(S(1)).await });
    assert_eq!(stats.total.delivered, 1);
    h.pool.run();
    assert_eq!(h.engine.enqueue("on_tool_end", "r", "{}".into()), Err(DeliveryError::Closed));
}

#[test]
fn replay_resends_the_same_id_and_bytes() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[400], Outcome::Status(200)), false)]);
    h.send("on_tool_end", "run-1");
    h.settle();
    let dead = h.dlq.take().pop().unwrap();
    let sink = h.engine.inner.slots[0].sink.clone();
    h.engine.replay(DeadLetter::from_json(&dead.to_json()).unwrap(), None).unwrap();
    let stats = h.settle();
    let seen = sink.seen();
    assert_eq!(seen[1].0, seen[0].0);
    assert_eq!(seen[1].2, seen[0].2);
    assert_eq!((stats.total.accepted, stats.total.delivered, stats.total.dead_lettered), (2, 1, 1));
    assert!(matches!(h.engine.replay(dead, Some("nope")), Err(DeliveryError::UnknownSink(_))));
}

#[test]
fn oversized_and_invalid_payloads_are_dead_lettered() {
    let mut h = harness(vec![spec("a", TestSink::statuses(&[], Outcome::Status(200)), false)]);
    h.engine.enqueue("on_tool_end", "r", "{not json".into()).unwrap();
    h.settle();
    assert_eq!(h.dlq.take()[0].reason, DeadLetterReason::InvalidPayload);
    assert_eq!(h.engine.enqueue("on_tool_end", "r.1", "{}".into()), Err(DeliveryError::InvalidId));
}

#[test]
fn run_webhooks_go_through_retries_with_one_id_and_fixed_bytes() {
    let sink = TestSink::statuses(&[503], Outcome::Status(200));
    let mut only_runs = spec("runs", sink.clone(), false);
    only_runs.events = EventFilter::Only([run_webhook::EVENT.to_owned()].into_iter().collect());
    let mut h = harness(vec![only_runs, spec("events", TestSink::statuses(&[], Outcome::Status(200)), false)]);
    let run = RunCompletion::parse(
        r#"{"run_id":"r-9","assistant_id":"agent","status":"success","values":{"n":1},
            "started_at_ms":1767225600000,"ended_at_ms":1767225600500}"#,
    )
    .unwrap();
    let id = h.engine.enqueue_run_webhook(&run).unwrap().unwrap();
    let stats = h.settle();
    assert_eq!(&*id, "r-9:run_completed");
    let seen = sink.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.0 == "r-9:run_completed" && s.2 == seen[0].2));
    let body = String::from_utf8(seen[0].2.clone()).unwrap();
    assert!(body.starts_with(r#"{"run_id":"r-9","thread_id":null,"assistant_id":"agent","status":"success""#));
    assert!(body.ends_with(r#""webhook_sent_at":"2026-01-01T00:00:00.000Z","values":{"n":1}}"#));
    assert_eq!((stats.sinks[0].counters.delivered, stats.sinks[1].counters.filtered), (1, 1));
    assert_invariant(&stats);
}

#[test]
fn fixed_id_messages_settle_once_per_message_after_every_sink() {
    use crate::delivery::message::{Accepted, FinalOutcome, Message, Settled};
    let ok = TestSink::statuses(&[], Outcome::Status(200));
    let bad = TestSink::statuses(&[404], Outcome::Status(200));
    let mut h = harness(vec![spec("ok", ok.clone(), false), spec("bad", bad, false)]);
    let settled = Arc::new(Mutex::new(Vec::<Settled>::new()));
    let sink = settled.clone();
    h.engine.set_on_settled(move |s| sink.lock().unwrap().push(s)).unwrap();
    assert!(h.engine.set_on_settled(|_| {}).is_err());
    assert!(h.engine.wants("on_tool_end") && !h.engine.wants("on_tool_start"));
    let id = h.engine.mint_id("run-9", "on_tool_end", false).unwrap();
    assert_eq!(&*id, "run-9:on_tool_end:1");
    let message = |id: &str| Message {
        id: id.into(),
        event: "on_tool_end".into(),
        run_id: "run-9".into(),
        root_run_id: None,
        accepted_at_ms: 1_700_000_000_000,
        data: "{}".into(),
    };
    assert_eq!(h.engine.enqueue_message(message(&id)).unwrap(), Accepted::Queued(id.clone()));
    assert_eq!(
        h.engine.enqueue_message(message("restored:on_tool_end:7")).unwrap(),
        Accepted::Queued("restored:on_tool_end:7".into())
    );
    assert_eq!(
        h.engine.enqueue_message(Message { event: "on_tool_start".into(), ..message("x") }).unwrap(),
        Accepted::Filtered
    );
    assert_eq!(h.engine.enqueue_message(message("a.b")), Err(DeliveryError::InvalidId));
    h.settle();
    let stats = h.drain(S(60));
    assert_invariant(&stats);
    let got = settled.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    // The first message was dead-lettered by sink "bad" (404); the restored one delivered everywhere.
    assert_eq!(got.iter().find(|s| s.id == id).unwrap().outcome, FinalOutcome::DeadLettered);
    assert_eq!(got.iter().find(|s| &*s.id == "restored:on_tool_end:7").unwrap().outcome, FinalOutcome::Delivered);
    // The same bytes as the first life: the body's timestamp is the accepted time given.
    let seen = ok.seen();
    assert!(String::from_utf8_lossy(&seen[0].2).contains("2023-11-14T22:13:20.000Z"));
    assert_eq!(h.dlq.snapshot().len(), 1);
}

#[test]
fn prebuilt_bodies_are_sent_as_given_to_the_named_sinks_only() {
    use crate::delivery::message::{Accepted, Message};
    let a = TestSink::statuses(&[503], Outcome::Status(200));
    let b = TestSink::statuses(&[], Outcome::Status(200));
    let mut h = harness(vec![spec("a", a.clone(), false), spec("b", b.clone(), false)]);
    let message = |id: &str| Message {
        id: id.into(),
        event: "on_tool_end".into(),
        run_id: "r".into(),
        root_run_id: Some("root".into()),
        accepted_at_ms: 1,
        data: String::new(),
    };
    let body: Arc<[u8]> = Arc::from(&b"{\"from\":\"the producer\"}"[..]);
    assert_eq!(h.engine.enqueue_prebuilt(message("p:1"), body.clone(), &[]).unwrap(), Accepted::Queued("p:1".into()));
    assert_eq!(
        h.engine.enqueue_prebuilt(message("p:2"), body.clone(), &["b".into()]).unwrap(),
        Accepted::Queued("p:2".into())
    );
    assert_eq!(
        h.engine.enqueue_prebuilt(message("p:3"), body.clone(), &["nope".into()]),
        Err(DeliveryError::UnknownSink("nope".into()))
    );
    let stats = h.settle();
    assert_invariant(&stats);
    // Retried with the same bytes; sink "a" never saw p:2.
    assert!(a.seen().iter().all(|s| s.0 == "p:1" && s.2 == body[..]));
    assert_eq!(a.seen().len(), 2);
    let mut on_b: Vec<_> = b.seen().iter().map(|s| s.0.clone()).collect();
    on_b.sort();
    assert_eq!(on_b, ["p:1", "p:2"]);
    assert!(b.seen().iter().all(|s| s.2 == body[..]));
}
