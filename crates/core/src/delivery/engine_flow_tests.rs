//! Engine tests for the scheduling rework under the virtual runtime: retries that free their
//! worker, `ordering: "run"`, batches, and overflow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::LocalPool;
use futures_util::task::LocalSpawnExt;
use serde_json::Value;

use super::*;
use crate::delivery::dlq::MemoryDeadLetters;
use crate::runtime::{Clock, VirtualRuntime};

const T0: u64 = 1_767_225_600_000;

type Script = dyn Fn(&Delivery) -> u16 + Send + Sync;
/// (time, id, attempt, body) per attempt.
type Sent = (u64, String, usize, Vec<u8>);

/// Answers each attempt with the status `script` gives; logs (time, id, attempt, body).
#[derive(Clone)]
struct Endpoint {
    clock: VirtualRuntime,
    script: Arc<Script>,
    log: Arc<Mutex<Vec<Sent>>>,
}

impl Endpoint {
    fn new(clock: &VirtualRuntime, script: impl Fn(&Delivery) -> u16 + Send + Sync + 'static) -> Self {
        Self { clock: clock.clone(), script: Arc::new(script), log: Arc::default() }
    }
    fn log(&self) -> Vec<Sent> {
        self.log.lock().unwrap().clone()
    }
}

impl Sink for Endpoint {
    async fn send(&self, delivery: Delivery) -> SinkResponse {
        self.log.lock().unwrap().push((
            self.clock.now_ms(),
            delivery.id.to_string(),
            delivery.attempt,
            delivery.body.to_vec(),
        ));
        SinkResponse::of(Outcome::Status((self.script)(&delivery)))
    }
}

struct Setup {
    rt: VirtualRuntime,
    engine: Engine<VirtualRuntime, Endpoint, MemoryDeadLetters, Recorder>,
    dlq: MemoryDeadLetters,
    hooks: Recorder,
    pool: LocalPool,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<HookEvent>>>);

impl Hooks for Recorder {
    fn emit(&self, event: HookEvent) {
        self.0.lock().unwrap().push(event);
    }
}

fn spec(endpoint: Endpoint, concurrency: usize, order: Order, batch: Option<BatchConfig>) -> SinkSpec<Endpoint> {
    SinkSpec {
        name: "s".into(),
        sink: endpoint,
        policy: RetryPolicy { jitter: false, ..RetryPolicy::default() },
        concurrency,
        queue_capacity: 10_000,
        events: EventFilter::All,
        overflow: Overflow::DeadLetter,
        order,
        batch,
    }
}

fn setup(rt: &VirtualRuntime, spec: SinkSpec<Endpoint>) -> Setup {
    let dlq = MemoryDeadLetters::default();
    let hooks = Recorder::default();
    let engine = Engine::new(rt.clone(), EnvelopeLimits::default(), vec![spec], dlq.clone(), hooks.clone()).unwrap();
    let pool = LocalPool::new();
    let (workers, writer) = engine.workers();
    for worker in workers {
        pool.spawner().spawn_local(worker).unwrap();
    }
    pool.spawner().spawn_local(writer).unwrap();
    Setup { rt: rt.clone(), engine, dlq, hooks, pool }
}

impl Setup {
    fn send(&self, run: &str, root: &str, n: usize) -> Arc<str> {
        let data = format!(r#"{{"n":{n},"root":"{root}"}}"#);
        self.engine.enqueue_event("on_custom_event", run, Some(root), false, data).unwrap().unwrap()
    }
    fn settle(&mut self) -> Stats {
        self.pool.run_until_stalled();
        let stats = self.engine.stats();
        for c in stats.sinks.iter().map(|s| &s.counters).chain([&stats.total]) {
            assert_eq!(c.accepted, c.delivered + c.dead_lettered + c.pending + c.filtered, "{stats:?}");
        }
        stats
    }
}

/// Every delivered event as (time, root, n), in delivery order, unpacking batches.
fn delivered(endpoint: &Endpoint, ok: impl Fn(&str, usize) -> bool) -> Vec<(u64, String, u64)> {
    let mut out = Vec::new();
    for (at, id, attempt, body) in endpoint.log() {
        if !ok(&id, attempt) {
            continue;
        }
        let v: Value = serde_json::from_slice(&body).unwrap();
        let items = if v["type"] == crate::delivery::batch::BATCH_TYPE {
            v["data"].as_array().unwrap().clone()
        } else {
            vec![v]
        };
        for item in items {
            out.push((at, item["data"]["root"].as_str().unwrap().to_owned(), item["data"]["n"].as_u64().unwrap()));
        }
    }
    out
}

#[test]
fn a_waiting_retry_frees_its_worker() {
    let rt = VirtualRuntime::new(T0, 1);
    let first = Mutex::new(true);
    let endpoint =
        Endpoint::new(&rt, move |_| if std::mem::replace(&mut *first.lock().unwrap(), false) { 503 } else { 200 });
    let mut s = setup(&rt, spec(endpoint.clone(), 1, Order::Unordered, None));
    let a = s.send("a", "a", 1);
    let b = s.send("b", "b", 1);
    let stats = s.settle();
    let log: Vec<_> = endpoint.log().into_iter().map(|(t, id, attempt, _)| (t - T0, id, attempt)).collect();
    // One worker: b goes out while a waits its 1 s, and a's retry is exactly 1 s after its failure.
    assert_eq!(log, [(0, a.to_string(), 1), (0, b.to_string(), 1), (1_000, a.to_string(), 2)]);
    assert_eq!(s.rt.sleeps(), [Duration::from_secs(1)]);
    assert_eq!((stats.total.delivered, stats.total.in_flight, stats.total.delayed), (2, 0, 0));
}

#[test]
fn a_run_is_delivered_in_emit_order_and_other_runs_do_not_wait() {
    let rt = VirtualRuntime::new(T0, 1);
    // Run "slow": its 2nd event fails twice (1 s + 5 s of retries). Run "fast" never fails.
    let fails = Mutex::new(HashMap::<String, u32>::new());
    let endpoint = Endpoint::new(&rt, move |d| {
        let body = String::from_utf8_lossy(&d.body);
        if body.contains(r#""n":2,"root":"slow""#) {
            let mut f = fails.lock().unwrap();
            let n = f.entry(d.id.to_string()).or_default();
            *n += 1;
            if *n <= 2 {
                return 503;
            }
        }
        200
    });
    let mut s = setup(&rt, spec(endpoint.clone(), 4, Order::Run, None));
    for n in 1..=5 {
        s.send(&format!("slow-child-{n}"), "slow", n);
        s.send(&format!("fast-child-{n}"), "fast", n);
    }
    let stats = s.settle();
    assert_eq!(stats.total.delivered, 10);
    let got = delivered(&endpoint, |_, _| true);
    let ok: Vec<_> = got.iter().filter(|(_, root, _)| root == "fast").map(|(t, _, n)| (t - T0, *n)).collect();
    assert_eq!(ok, [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)], "the fast run never waits on the slow run's retries");
    // The slow run: 1 at T0, 2 fails at T0 and T0+1s, succeeds at T0+6s; only then 3, 4, 5.
    let slow: Vec<_> = got.iter().filter(|(_, root, _)| root == "slow").map(|(t, _, n)| (t - T0, *n)).collect();
    assert_eq!(slow, [(0, 1), (0, 2), (1_000, 2), (6_000, 2), (6_000, 3), (6_000, 4), (6_000, 5)]);
}

#[test]
fn a_dead_lettered_event_lets_the_rest_of_its_run_follow_in_order() {
    let rt = VirtualRuntime::new(T0, 1);
    let endpoint =
        Endpoint::new(&rt, |d| if String::from_utf8_lossy(&d.body).contains(r#""n":2,"#) { 404 } else { 200 });
    let mut s = setup(&rt, spec(endpoint.clone(), 2, Order::Run, None));
    for n in 1..=4 {
        s.send(&format!("c{n}"), "root", n);
    }
    let stats = s.settle();
    assert_eq!((stats.total.delivered, stats.total.dead_lettered), (3, 1));
    let order: Vec<u64> = delivered(&endpoint, |_, _| true).into_iter().map(|(_, _, n)| n).collect();
    assert_eq!(order, [1, 2, 3, 4], "2 is tried (and dead-lettered) in its place; 3 and 4 follow");
    assert_eq!(s.dlq.snapshot()[0].reason, DeadLetterReason::Permanent4xx);
}

#[test]
fn batches_group_ready_events_and_retry_as_a_whole() {
    let rt = VirtualRuntime::new(T0, 1);
    let first = Mutex::new(true);
    let endpoint =
        Endpoint::new(&rt, move |_| if std::mem::replace(&mut *first.lock().unwrap(), false) { 503 } else { 200 });
    let batch = BatchConfig { max_events: 10, max_bytes: 1 << 20, linger: Duration::from_millis(50) };
    let mut s = setup(&rt, spec(endpoint.clone(), 1, Order::Unordered, Some(batch)));
    let ids: Vec<_> = (1..=25).map(|n| s.send(&format!("r{n}"), &format!("r{n}"), n)).collect();
    let stats = s.settle();
    assert_eq!((stats.total.delivered, stats.total.attempts, stats.total.failed_attempts), (25, 4, 1));
    let log = endpoint.log();
    let sizes: Vec<usize> = log
        .iter()
        .map(|(_, _, _, body)| serde_json::from_slice::<Value>(body).unwrap()["data"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [10, 10, 5, 10], "the failed first batch goes again whole, 1 s later; the rest did not wait");
    assert_eq!(log[2].0 - T0, 50, "the last 5 waited lingerMs for company");
    let retried = log.iter().find(|(_, id, attempt, _)| *attempt == 2 && *id == log[0].1).expect("the batch retried");
    assert_eq!(retried.3, log[0].3, "same batch id and bytes on retry");
    assert!(log[0].1.starts_with("batch_") && !log[0].1.contains('.'));
    let body: Value = serde_json::from_slice(&log[0].3).unwrap();
    let item_ids: Vec<&str> = body["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(item_ids, ids[..10].iter().map(|id| &**id).collect::<Vec<_>>());
    assert_eq!(body["id"], log[0].1.as_str());
}

#[test]
fn a_batch_keeps_each_run_in_order_and_never_splits_it_across_flights() {
    let rt = VirtualRuntime::new(T0, 1);
    let calls = Mutex::new(0u32);
    // Every third request fails once: retries interleave with fresh batches.
    let endpoint = Endpoint::new(&rt, move |d| {
        let mut c = calls.lock().unwrap();
        *c += 1;
        if d.attempt == 1 && *c % 3 == 0 {
            503
        } else {
            200
        }
    });
    let batch = BatchConfig { max_events: 4, max_bytes: 1 << 20, linger: Duration::from_millis(10) };
    let mut s = setup(&rt, spec(endpoint.clone(), 3, Order::Run, Some(batch)));
    for n in 1..=6 {
        for root in ["x", "y", "z"] {
            s.send(&format!("{root}{n}"), root, n);
        }
    }
    let stats = s.settle();
    assert_eq!(stats.total.delivered, 18);
    let got = delivered(&endpoint, |_, _| true);
    // Keep only successful sends: the log has failed batches too, so unpack by id from the log.
    let ok_ids: std::collections::HashSet<(String, usize)> = endpoint
        .log()
        .iter()
        .map(|(_, id, attempt, _)| (id.clone(), *attempt))
        .filter(|(id, attempt)| !endpoint.log().iter().any(|(_, i, a, _)| i == id && *a == attempt + 1))
        .collect();
    let got_ok = delivered(&endpoint, |id, attempt| ok_ids.contains(&(id.to_owned(), attempt)));
    for root in ["x", "y", "z"] {
        let order: Vec<u64> = got_ok.iter().filter(|(_, r, _)| r == root).map(|(_, _, n)| *n).collect();
        assert_eq!(order, [1, 2, 3, 4, 5, 6], "run {root}: {got:?}");
    }
}

#[test]
fn a_batch_is_cut_at_max_bytes_and_dead_letters_per_event() {
    let rt = VirtualRuntime::new(T0, 1);
    let endpoint = Endpoint::new(&rt, |_| 400);
    let one = crate::delivery::batch::item_bytes(
        "rN:on_custom_event:1",
        br#"{"data":{"n":1,"root":"rN"},"timestamp":"2026-01-01T00:00:00.000Z","type":"agent.custom"}"#,
    );
    let batch = BatchConfig {
        max_events: 100,
        max_bytes: crate::delivery::batch::BATCH_OVERHEAD + 2 * one + 4,
        linger: Duration::ZERO,
    };
    let mut s = setup(&rt, spec(endpoint.clone(), 1, Order::Unordered, Some(batch)));
    let ids: Vec<_> = (1..=5).map(|n| s.send(&format!("r{n}"), &format!("r{n}"), n)).collect();
    let stats = s.settle();
    let sizes: Vec<usize> = endpoint
        .log()
        .iter()
        .map(|(_, _, _, body)| serde_json::from_slice::<Value>(body).unwrap()["data"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!((stats.total.dead_lettered, stats.total.attempts), (5, 3));
    let mut dead: Vec<String> = s.dlq.snapshot().into_iter().map(|d| d.id).collect();
    dead.sort();
    let mut want: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    want.sort();
    assert_eq!(dead, want, "one dead letter per event, with its own id");
    let record = &s.dlq.snapshot()[0];
    assert!(record.body.starts_with(r#"{"data":{"n":"#), "the event's own body, replayable alone");
}

#[test]
fn overflow_reject_refuses_and_drop_oldest_displaces() {
    let rt = VirtualRuntime::new(T0, 1);
    let endpoint = Endpoint::new(&rt, |_| 200);
    let mut reject = spec(endpoint.clone(), 1, Order::Unordered, None);
    reject.queue_capacity = 2;
    reject.overflow = Overflow::Reject;
    let s = setup(&rt, reject);
    s.send("a", "a", 1);
    s.send("b", "b", 2);
    let refused = s.engine.enqueue_event("on_custom_event", "c", None, false, "{}".into());
    assert_eq!(refused, Err(DeliveryError::Backpressure("s".into())));
    let stats = s.engine.stats();
    assert_eq!((stats.total.accepted, stats.total.rejected, stats.total.pending), (2, 1, 2));
    assert!(stats.sinks[0].backpressure);
    assert_eq!(s.hooks.0.lock().unwrap().iter().filter(|h| h.kind == "queue.full").count(), 1);

    let mut drop = spec(endpoint, 1, Order::Unordered, None);
    drop.queue_capacity = 2;
    drop.overflow = Overflow::DropOldest;
    let mut s = setup(&rt, drop);
    let a = s.send("a", "a", 1);
    s.send("b", "b", 2);
    s.send("c", "c", 3);
    let stats = s.settle();
    assert_eq!((stats.total.delivered, stats.total.dead_lettered), (2, 1));
    let dead = s.dlq.snapshot();
    assert_eq!((dead[0].id.as_str(), dead[0].reason), (&*a, DeadLetterReason::QueueFull), "the oldest went");
    let kinds: Vec<_> = s.hooks.0.lock().unwrap().iter().map(|h| h.kind).collect();
    assert!(kinds.contains(&"queue.full") && kinds.contains(&"queue.available"), "{kinds:?}");
    assert!(!stats.sinks[0].backpressure);
}

#[test]
fn drain_deadline_dead_letters_delayed_and_waiting_work() {
    let rt = VirtualRuntime::new(T0, 1);
    let endpoint = Endpoint::new(&rt, |_| 503);
    let mut s = setup(&rt, spec(endpoint, 2, Order::Run, None));
    for n in 1..=3 {
        s.send(&format!("c{n}"), "root", n);
    }
    s.send("other", "other", 1);
    // Let the first attempts fail: two heads wait in the delay queue, two events wait for their run.
    s.pool.run_until_stalled();
    let engine = s.engine.clone();
    let stats = s.pool.run_until(async move { engine.drain(Duration::from_millis(1)).await });
    assert_eq!((stats.total.pending, stats.total.dead_lettered), (0, 4), "{stats:?}");
    assert!(s
        .dlq
        .snapshot()
        .iter()
        .all(|d| d.reason == DeadLetterReason::Shutdown || d.reason == DeadLetterReason::Exhausted));
}
