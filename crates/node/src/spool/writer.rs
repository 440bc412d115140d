//! The spool's writer thread: group commit, fsync per mode, hand-over to the engine, Settled
//! records, compaction (see the [module docs](super)).

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use runwire_core::delivery::message::{Accepted, Message};
use runwire_core::delivery::spool::config::Fsync;
use runwire_core::delivery::spool::record::{decode, encode_append, encode_moved, encode_settled, Record};
use runwire_core::error::DeliveryError;

use super::segments::Segments;
use super::{EnqueueFn, Shared};

/// In `batch` mode, the longest a written record waits for its fsync (unless `flush()` asks).
pub const BATCH_SYNC_MS: u64 = 5;

/// In `batch` and `never` modes, a group smaller than [`LINGER_BELOW`] waits this long for more.
const LINGER: Duration = Duration::from_micros(200);
/// See [`LINGER`].
const LINGER_BELOW: usize = 256;

/// How often the hand-over retries while a full `overflow: "reject"` sink refuses.
const BACKPRESSURE_RETRY: Duration = Duration::from_millis(5);

struct Writer<'a> {
    shared: &'a Shared,
    segs: Segments,
    enqueue: EnqueueFn,
    buf: Vec<u8>,
    /// Where each encoded message ends in `buf` (for [`Writer::write_messages`]).
    ends: Vec<usize>,
    /// Messages handed over (in `handed` order).
    accepted: u64,
    unsynced: bool,
    last_sync: Instant,
    may_reject: bool,
}

/// The thread's body.
pub(crate) fn run(shared: &Arc<Shared>, segs: Segments, recovered: Vec<Message>, enqueue: EnqueueFn, may_reject: bool) {
    let mut w = Writer {
        shared,
        segs,
        enqueue,
        buf: Vec::new(),
        ends: Vec::new(),
        accepted: 0,
        unsynced: false,
        last_sync: Instant::now(),
        may_reject,
    };
    // Recovered messages are already on disk: hand them over first, before any new event.
    let count = recovered.len() as u64;
    for message in recovered {
        w.hand_over(message, true);
    }
    w.accepted = count;
    w.publish(true);
    w.write_settled_and_compact(Vec::new());
    let lingers = shared.config.fsync != Fsync::Always;
    loop {
        let (messages, settled, settled_count, stop, flush) = {
            let mut q = shared.queue();
            if lingers && !q.stop && (1..LINGER_BELOW).contains(&q.messages.len()) {
                // A small group: let more join it (fewer, larger writes; `always` needs no
                // linger, its fsync is the wait).
                drop(q);
                std::thread::sleep(LINGER);
                q = shared.queue();
            }
            loop {
                if !q.messages.is_empty() || !q.settled.is_empty() || q.stop || (w.unsynced && q.flush_wanted) {
                    break;
                }
                if w.unsynced {
                    let left = Duration::from_millis(BATCH_SYNC_MS).saturating_sub(w.last_sync.elapsed());
                    if left.is_zero() {
                        break;
                    }
                    q = shared.wake.wait_timeout(q, left).unwrap_or_else(PoisonError::into_inner).0;
                } else {
                    q = shared.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
                }
            }
            q.queued_bytes = 0;
            let flush = std::mem::take(&mut q.flush_wanted);
            (std::mem::take(&mut q.messages), std::mem::take(&mut q.settled), q.settled_count, q.stop, flush)
        };
        if !messages.is_empty() {
            w.write_messages(messages);
        }
        w.write_settled_and_compact(settled);
        shared.settled_done.send_replace(settled_count);
        if w.unsynced && (flush || stop || w.last_sync.elapsed() >= Duration::from_millis(BATCH_SYNC_MS)) {
            w.sync();
        }
        if stop && shared.queue().messages.is_empty() {
            if w.unsynced {
                w.sync();
            }
            w.publish(true);
            return;
        }
    }
}

impl Writer<'_> {
    fn publish(&self, durable: bool) {
        // The counters first: a `flush()` woken by `durable` must see them in `stats().spool`.
        self.shared.disk_bytes.store(self.segs.total_bytes, Ordering::Release);
        self.shared.segments.store(self.segs.info.len() as u64, Ordering::Release);
        self.shared.pending.store(self.segs.pending.len() as u64, Ordering::Release);
        self.shared.accepted.send_replace(self.accepted);
        if durable {
            self.shared.durable.send_replace(self.accepted);
        }
    }

    fn sync(&mut self) {
        if let Err(e) = self.segs.sync() {
            self.failed("fsync", &e, 0);
        }
        self.unsynced = false;
        self.last_sync = Instant::now();
        self.publish(true);
    }

    fn failed(&self, what: &str, error: &std::io::Error, events: usize) {
        self.shared.write_errors.fetch_add(1, Ordering::AcqRel);
        *self.shared.failed_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        self.shared.hook(serde_json::json!({
            "type": "spool.write_failed",
            "error": format!("{what}: {error}"),
            "events": events,
        }));
    }

    /// One group: written in as few appends as the segment size allows, fsync per mode, then
    /// the hand-over.
    fn write_messages(&mut self, messages: Vec<Message>) {
        self.buf.clear();
        self.ends.clear();
        for m in &messages {
            encode_append(m, &mut self.buf);
            self.ends.push(self.buf.len());
        }
        let mode = self.shared.config.fsync;
        // Where each message went; `None` past a failed write.
        let mut segment_of: Vec<Option<u64>> = vec![None; messages.len()];
        let (mut done, mut start) = (0, 0);
        while done < messages.len() {
            // A writer that fell behind a burst takes a large group: cut it where the segment
            // fills, so segments still rotate near `segmentBytes` (and compaction can free them).
            let room = usize::try_from(self.segs.room()).unwrap_or(usize::MAX);
            let mut end = done + 1;
            while end < messages.len() && self.ends[end] - start <= room {
                end += 1;
            }
            let stop = self.ends[end - 1];
            match self.segs.append(&self.buf[start..stop]) {
                Ok(seg) => {
                    // Tracked at once: the next append may rotate, and a rotation deletes
                    // every old segment with nothing pending in it.
                    for (i, m) in messages.iter().enumerate().take(end).skip(done) {
                        let len = self.ends[i] - if i == 0 { 0 } else { self.ends[i - 1] };
                        self.segs.track(m.id.clone(), seg, len as u64);
                    }
                    segment_of[done..end].fill(Some(seg));
                }
                Err(e) => {
                    self.failed("write", &e, messages.len() - done);
                    break;
                }
            }
            (done, start) = (end, stop);
        }
        if done > 0 && mode == Fsync::Always {
            if let Err(e) = self.segs.sync() {
                // Written but maybe not durable: delivered from memory, and a later life may
                // redeliver it (a duplicate, never a loss).
                self.failed("fsync", &e, done);
                for m in &messages[..done] {
                    self.segs.settle(&m.id);
                }
                segment_of.fill(None);
            }
            self.last_sync = Instant::now();
        }
        let n = messages.len() as u64;
        let not_durable = segment_of.iter().filter(|seg| seg.is_none()).count() as u64;
        if not_durable > 0 {
            self.shared.not_durable.fetch_add(not_durable, Ordering::AcqRel);
        }
        let written = segment_of.iter().any(Option::is_some);
        for (m, seg) in messages.into_iter().zip(segment_of) {
            self.hand_over(m, seg.is_some());
        }
        self.accepted += n;
        if mode == Fsync::Batch && written {
            self.unsynced = true;
            self.publish(false);
        } else {
            self.publish(true);
        }
    }

    /// Gives one message to the engine. A message the engine will never settle (filtered, or
    /// refused) is settled in the spool at once.
    fn hand_over(&mut self, message: Message, tracked: bool) {
        let id = message.id.clone();
        let mut message = Some(message);
        let outcome = loop {
            let Some(m) = message.take() else { break Err(DeliveryError::Closed) };
            // Only a sink with `overflow: "reject"` can refuse: then keep a copy to try again.
            let retry = self.may_reject.then(|| m.clone());
            match (self.enqueue)(m) {
                Err(DeliveryError::Backpressure(_)) if retry.is_some() => {
                    // Already spooled: wait for room rather than drop it.
                    std::thread::sleep(BACKPRESSURE_RETRY);
                    message = retry;
                }
                other => break other,
            }
        };
        match outcome {
            Ok(Accepted::Queued(_)) => {}
            // Closed: it stays in the spool, and the next life delivers it.
            Err(DeliveryError::Closed) => {}
            Ok(Accepted::Filtered) | Err(_) => {
                if tracked {
                    self.shared.queue().settled.push(id);
                }
            }
        }
    }

    fn write_settled_and_compact(&mut self, settled: Vec<Arc<str>>) {
        self.buf.clear();
        for id in &settled {
            if self.segs.settle(id) {
                encode_settled(id, &mut self.buf);
            }
        }
        if !self.buf.is_empty() {
            // No fsync: a lost Settled record means one redelivery after a crash, never a loss.
            if self.segs.append(&self.buf).is_err() {
                // Counted, not hooked: a lost Settled record costs a redelivery, not an event.
                self.shared.write_errors.fetch_add(1, Ordering::AcqRel);
            }
        }
        self.segs.delete_settled_prefix();
        if self.shared.failed_recently() {
            // The disk was full: give back whatever settled-out space there is, now.
            self.segs.empty_current(1);
        }
        if let Some(n) = self.segs.rewrite_candidate() {
            self.rewrite_forward(n);
        }
        self.publish(!self.unsynced);
    }

    /// Copies segment `n`'s still-pending messages into the newest segment as Moved records
    /// (each with the place of its first Append, so a restart hands a run's events back in emit
    /// order), fsyncs, and lets the old file go.
    fn rewrite_forward(&mut self, n: u64) {
        let Ok(bytes) = std::fs::read(self.segs.path(n)) else { return };
        self.buf.clear();
        let mut copies = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            match decode(&bytes[pos..]) {
                Ok((record, len)) => {
                    if let Record::Append(m) | Record::Moved(_, m) = record {
                        if let Some(place) = self.segs.pending.get(&m.id).filter(|p| p.segment == n) {
                            let (origin, before) = (place.origin, self.buf.len());
                            encode_moved(origin, &m, &mut self.buf);
                            copies.push((m.id, (self.buf.len() - before) as u64, origin));
                        }
                    }
                    pos += len;
                }
                Err(_) => pos += 1,
            }
        }
        let copied = self.segs.append(&self.buf).and_then(|seg| self.segs.sync().map(|()| seg));
        match copied {
            Ok(seg) => {
                for (id, len, origin) in copies {
                    self.segs.track_moved(id, seg, len, origin);
                }
                self.segs.delete_settled_prefix();
            }
            Err(e) => self.failed("compaction write", &e, 0),
        }
    }
}
