//! One sink's scheduling state: what is ready, what waits for a retry time, what waits for its
//! run, and how much is pending — plain data under the engine's per-sink lock, no async.
//!
//! A message's part for one sink is a [`Work`] (one event, or a batch of them) that is always in
//! exactly one place:
//!
//! - `ready` — may be attempted now; workers take from the front;
//! - `delayed` — a timer heap ordered by due time: retries waiting out their backoff and
//!   health deferrals (breaker open, rate limit). Waiting holds **no worker**: a worker that
//!   finds nothing ready sleeps (through the runtime seam) until the earliest due time or until
//!   new work arrives, whichever is first;
//! - in flight — held by the one worker making its attempt (`in_flight` counts them, at most
//!   the sink's concurrency).
//!
//! With `ordering: "run"`, only the **head** of each root run is ever in those three places; the
//! run's later events wait in `runs[root]` in emit order and the next one is released to `ready`
//! when the head's part settles (delivered or dead-lettered). So a run waiting out a retry holds
//! no worker and blocks only itself. With batching too, a batch that takes a run's head may also
//! take the run's following events (in order), never events of a run whose head is elsewhere.
//!
//! `pending` counts every event of the sink not yet settled, wherever it is; it is what
//! `queueCapacity` bounds ([`Overflow`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use crate::delivery::batch::{item_bytes, BatchConfig, BATCH_OVERHEAD};
use crate::delivery::dlq::AttemptRecord;
use crate::delivery::engine::{Counters, Job};

/// What a sink does when an event arrives and `queueCapacity` events are already pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Dead-letter the new event at once (`queue_full`); the caller's enqueue succeeds.
    #[default]
    DeadLetter,
    /// Dead-letter the oldest event not yet attempted (`queue_full`) and take the new one.
    DropOldest,
    /// Refuse the event: `enqueue` fails with `ERR_RUNWIRE_BACKPRESSURE` and nothing is accepted
    /// by any sink, so the caller may wait and retry.
    Reject,
}

/// Delivery order of a sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Any order; every worker takes the next ready event.
    #[default]
    Unordered,
    /// Per root run, in emit order: a run's next event starts after the previous one settled.
    Run,
}

/// One sink's unit of work: one event, or a batch, with its attempt history.
pub struct Work {
    /// The events, in delivery order.
    pub jobs: Vec<Arc<Job>>,
    /// For a batch, its id and body, fixed at its first attempt.
    pub batch: Option<(Arc<str>, Arc<[u8]>)>,
    /// Attempts made so far (0 = fresh).
    pub attempt: usize,
    /// The attempt log, shared by the events of a batch.
    pub log: Vec<AttemptRecord>,
    /// Root runs whose head this work holds (ordered sinks only).
    pub held: Vec<Arc<str>>,
}

impl Work {
    fn fresh(job: Arc<Job>) -> Self {
        Self { jobs: vec![job], batch: None, attempt: 0, log: Vec::new(), held: Vec::new() }
    }

    fn is_fresh(&self) -> bool {
        self.attempt == 0 && self.batch.is_none()
    }
}

/// An entry of the ready queue. A fresh event is only its job (most of a long queue): the
/// queue's slots stay small, and a [`Work`] is made when a worker takes it.
enum Ready {
    Fresh(Arc<Job>),
    Retried(Box<Work>),
}

impl Ready {
    fn is_fresh(&self) -> bool {
        match self {
            Self::Fresh(_) => true,
            Self::Retried(work) => work.is_fresh(),
        }
    }

    fn events(&self) -> usize {
        match self {
            Self::Fresh(_) => 1,
            Self::Retried(work) => work.jobs.len(),
        }
    }

    fn into_work(self) -> Work {
        match self {
            Self::Fresh(job) => Work::fresh(job),
            Self::Retried(work) => *work,
        }
    }

    /// The job of a fresh entry (one event), without making a [`Work`] for it.
    fn into_job(self) -> Option<Arc<Job>> {
        match self {
            Self::Fresh(job) => Some(job),
            Self::Retried(work) => work.jobs.into_iter().next(),
        }
    }
}

struct Delayed {
    due_ms: u64,
    seq: u64,
    work: Work,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due_ms, self.seq) == (other.due_ms, other.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due_ms, self.seq).cmp(&(other.due_ms, other.seq))
    }
}

/// What a worker should do next.
pub enum Take {
    /// Attempt this.
    Work(Work),
    /// Nothing to do before this time (ms) unless woken.
    Until(u64),
    /// Nothing to do until woken.
    Idle,
}

/// One sink's scheduling state and counters.
#[derive(Default)]
pub struct Lane {
    ready: VecDeque<(u64, Ready)>,
    delayed: BinaryHeap<Reverse<Delayed>>,
    runs: HashMap<Arc<str>, VecDeque<Arc<Job>>>,
    seq: u64,
    /// The sink's counters (accepted, delivered, …) and gauges.
    pub counters: Counters,
    /// Whether the sink is over its capacity (between `queue.full` and `queue.available`).
    pub full: bool,
}

impl Lane {
    /// Queues `job` (already counted as accepted and pending by the caller).
    pub fn push(&mut self, job: Arc<Job>, order: Order, now_ms: u64) {
        if order == Order::Run {
            if let Some(waiting) = self.runs.get_mut(&job.root) {
                waiting.push_back(job);
                self.counters.waiting += 1;
                return;
            }
            self.runs.insert(job.root.clone(), VecDeque::new());
        }
        self.counters.queued += 1;
        self.ready.push_back((now_ms, Ready::Fresh(job)));
    }

    /// Whether a push must wake a worker. Without `batch`, always. With it, only when the push
    /// starts a batch (a worker must start its linger timer), fills one, or lands behind a retry:
    /// waking a lingering worker for every event it cannot take yet cost the sender a wake-up
    /// per event (and the worker a lock round) for nothing.
    pub fn push_wakes(&self, order: Order, batch: Option<&BatchConfig>) -> bool {
        let Some(batch) = batch else { return true };
        let waiting =
            if order == Order::Run { usize::try_from(self.counters.waiting).unwrap_or(usize::MAX) } else { 0 };
        self.ready.len() <= 1
            || self.ready.len().saturating_add(waiting) >= batch.max_events
            || self.ready.front().is_some_and(|(_, entry)| !entry.is_fresh())
    }

    /// The oldest event not attempted yet, taken out (for `Overflow::DropOldest`); its run, if
    /// ordered, moves on to its next event.
    pub fn pop_oldest(&mut self, order: Order, now_ms: u64) -> Option<Arc<Job>> {
        let position = self.ready.iter().position(|(_, entry)| entry.is_fresh())?;
        let (_, entry) = self.ready.remove(position)?;
        self.counters.queued -= 1;
        let job = entry.into_job()?;
        if order == Order::Run {
            self.release(&job.root, now_ms);
        }
        Some(job)
    }

    /// The next work for a worker at `now_ms`. Due retries move to `ready` first. With `batch`,
    /// fresh events are grouped; a retried work is always taken as it is.
    pub fn take(&mut self, now_ms: u64, order: Order, batch: Option<&BatchConfig>) -> Take {
        let mut due = Vec::new();
        while self.delayed.peek().is_some_and(|Reverse(d)| d.due_ms <= now_ms) {
            let Some(Reverse(delayed)) = self.delayed.pop() else { break };
            self.counters.delayed -= delayed.work.jobs.len() as u64;
            self.counters.queued += delayed.work.jobs.len() as u64;
            due.push(delayed.work);
        }
        // Back to the front, in due order: older than anything fresh, and holding their runs.
        for work in due.into_iter().rev() {
            self.ready.push_front((now_ms, Ready::Retried(Box::new(work))));
        }
        let next_due = self.delayed.peek().map(|Reverse(d)| d.due_ms);
        let Some((since, front)) = self.ready.front() else {
            return next_due.map_or(Take::Idle, Take::Until);
        };
        let Some(batch) = batch.filter(|_| front.is_fresh()) else {
            let (_, entry) = self.ready.pop_front().unwrap_or_else(|| unreachable!());
            self.counters.queued -= entry.events() as u64;
            let mut work = entry.into_work();
            if order == Order::Run && work.held.is_empty() {
                work.held = vec![work.jobs[0].root.clone()];
            }
            return Take::Work(work);
        };
        let linger_until = since.saturating_add(u64::try_from(batch.linger.as_millis()).unwrap_or(u64::MAX));
        let waiting =
            if order == Order::Run { usize::try_from(self.counters.waiting).unwrap_or(usize::MAX) } else { 0 };
        let available = self.ready.len().saturating_add(waiting);
        if available < batch.max_events && now_ms < linger_until {
            return Take::Until(next_due.map_or(linger_until, |due| due.min(linger_until)));
        }
        Take::Work(self.take_batch(order, batch))
    }

    fn take_batch(&mut self, order: Order, batch: &BatchConfig) -> Work {
        let mut work = Work { jobs: Vec::new(), batch: None, attempt: 0, log: Vec::new(), held: Vec::new() };
        let mut bytes = BATCH_OVERHEAD;
        while work.jobs.len() < batch.max_events && self.ready.front().is_some_and(|(_, w)| w.is_fresh()) {
            let Some((_, head)) = self.ready.pop_front() else { break };
            self.counters.queued -= 1;
            let Some(job) = head.into_job() else { continue };
            bytes += estimate(&job);
            let root = job.root.clone();
            work.jobs.push(job);
            if order == Order::Run {
                // The run's head is in this batch, so its following events may join, in order.
                if let Some(waiting) = self.runs.get_mut(&root) {
                    while work.jobs.len() < batch.max_events {
                        let Some(next) = waiting.front() else { break };
                        if bytes + estimate(next) > batch.max_bytes {
                            break;
                        }
                        bytes += estimate(next);
                        work.jobs.extend(waiting.pop_front());
                        self.counters.waiting -= 1;
                    }
                }
                work.held.push(root);
            }
            if bytes >= batch.max_bytes {
                break;
            }
        }
        work
    }

    /// Puts back the tail of a batch that turned out over `max_bytes` once its bodies were built:
    /// a run's head to the front of `ready`, a run's followers to the front of its queue, order
    /// kept. `kept` is the part that stays in the batch; a run whose head went back leaves `held`.
    pub fn put_back(
        &mut self,
        kept: &[Arc<Job>],
        tail: Vec<Arc<Job>>,
        order: Order,
        held: &mut Vec<Arc<str>>,
        now_ms: u64,
    ) {
        for (i, job) in tail.iter().enumerate().rev() {
            let follower = order == Order::Run
                && (kept.iter().any(|k| k.root == job.root) || tail[..i].iter().any(|t| t.root == job.root));
            if follower {
                if let Some(waiting) = self.runs.get_mut(&job.root) {
                    waiting.push_front(job.clone());
                    self.counters.waiting += 1;
                    continue;
                }
            }
            held.retain(|root| *root != job.root);
            self.counters.queued += 1;
            self.ready.push_front((now_ms, Ready::Fresh(job.clone())));
        }
    }

    /// Schedules `work` for `due_ms` (a retry or a deferral); no worker waits for it.
    pub fn delay(&mut self, work: Work, due_ms: u64) -> bool {
        let earliest = self.delayed.peek().is_none_or(|Reverse(d)| due_ms < d.due_ms);
        self.seq += 1;
        self.counters.delayed += work.jobs.len() as u64;
        self.delayed.push(Reverse(Delayed { due_ms, seq: self.seq, work }));
        earliest
    }

    /// Releases the runs `held` by settled work: each run's next event becomes ready.
    pub fn release_all(&mut self, held: &[Arc<str>], now_ms: u64) {
        for root in held {
            self.release(root, now_ms);
        }
    }

    fn release(&mut self, root: &Arc<str>, now_ms: u64) {
        let next = self.runs.get_mut(root).map(VecDeque::pop_front);
        match next {
            Some(Some(job)) => {
                self.counters.waiting -= 1;
                self.counters.queued += 1;
                self.ready.push_back((now_ms, Ready::Fresh(job)));
            }
            Some(None) => {
                self.runs.remove(root);
            }
            None => {}
        }
    }

    /// Everything not in flight, taken out (shutdown): ready, delayed and waiting.
    pub fn take_all(&mut self) -> Vec<Work> {
        let mut out: Vec<Work> = self.ready.drain(..).map(|(_, entry)| entry.into_work()).collect();
        out.extend(self.delayed.drain().map(|Reverse(d)| d.work));
        for (_, waiting) in self.runs.drain() {
            out.extend(waiting.into_iter().map(Work::fresh));
        }
        self.counters.queued = 0;
        self.counters.delayed = 0;
        self.counters.waiting = 0;
        for work in &mut out {
            work.held.clear();
        }
        out
    }

    /// Whether anything is ready or scheduled.
    pub fn has_queued(&self) -> bool {
        !self.ready.is_empty() || !self.delayed.is_empty()
    }
}

/// A job's size in a batch: its built body if there is one, else an upper estimate.
fn estimate(job: &Job) -> usize {
    item_bytes(&job.id, &[]) + job.body_len().unwrap_or_else(|data| data + 96)
}
