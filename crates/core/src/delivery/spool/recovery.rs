//! Reading segments back after a restart: which messages are still pending, in the order they
//! were first appended (their [`Origin`]s, which copies compaction wrote forward keep), and where
//! the files were damaged.

use std::collections::HashMap;
use std::sync::Arc;

use super::record::{decode, Origin, Record};
use crate::delivery::message::Message;

/// A damaged region that recovery skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corruption {
    /// The segment's number.
    pub segment: u64,
    /// Where the region starts in the file.
    pub offset: u64,
    /// How many bytes were skipped.
    pub bytes: u64,
    /// Whether the region runs to the end of the file (a torn last write).
    pub torn_tail: bool,
}

/// A message still pending, where it was first appended, and the newest segment holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The message as first accepted.
    pub message: Message,
    /// Where its first Append was written: its place in the order.
    pub origin: Origin,
    /// The segment that holds (the newest copy of) its record.
    pub segment: u64,
}

/// Recovery state: feed it every segment, oldest first, then take [`Recovery::finish`].
#[derive(Debug, Default)]
pub struct Recovery {
    entries: Vec<Option<Pending>>,
    index: HashMap<Arc<str>, usize>,
    corrupt: Vec<Corruption>,
    records: u64,
}

/// What recovery found.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Pending messages in the order they were first appended (by [`Origin`]).
    pub pending: Vec<Pending>,
    /// Damaged regions, in file order.
    pub corrupt: Vec<Corruption>,
    /// Valid records read.
    pub records: u64,
}

impl Recovery {
    /// Applies the records of segment number `segment` (its whole content).
    pub fn read_segment(&mut self, segment: u64, bytes: &[u8]) {
        let mut pos = 0;
        // The place among the segment's message records, as the writer counts them.
        let mut messages = 0;
        while pos < bytes.len() {
            match decode(&bytes[pos..]) {
                Ok((record, n)) => {
                    let here = Origin { segment, index: messages };
                    if matches!(record, Record::Append(_) | Record::Moved(..)) {
                        messages += 1;
                    }
                    self.apply(segment, here, record);
                    pos += n;
                }
                Err(_) => {
                    // Skip to the next offset where a whole valid record starts.
                    let mut next = pos + 1;
                    while next < bytes.len() && decode(&bytes[next..]).is_err() {
                        next += 1;
                    }
                    self.corrupt.push(Corruption {
                        segment,
                        offset: pos as u64,
                        bytes: (next - pos) as u64,
                        torn_tail: next >= bytes.len(),
                    });
                    pos = next;
                }
            }
        }
    }

    /// `here`: where an Append at this point of the file was first appended (the place itself).
    fn apply(&mut self, segment: u64, here: Origin, record: Record) {
        self.records += 1;
        match record {
            Record::Append(message) => self.pending(segment, here, message),
            Record::Moved(origin, message) => self.pending(segment, origin, message),
            Record::Settled(id) => {
                if let Some(i) = self.index.remove(&id) {
                    self.entries[i] = None;
                }
            }
        }
    }

    fn pending(&mut self, segment: u64, origin: Origin, message: Message) {
        match self.index.get(&message.id) {
            // A copy written forward while its original is still here: the first place is kept.
            Some(&i) => {
                if let Some(p) = &mut self.entries[i] {
                    p.segment = segment;
                }
            }
            None => {
                self.index.insert(message.id.clone(), self.entries.len());
                self.entries.push(Some(Pending { message, origin, segment }));
            }
        }
    }

    /// The pending messages (first-append order) and the damage found.
    pub fn finish(self) -> Recovered {
        let mut pending: Vec<Pending> = self.entries.into_iter().flatten().collect();
        // Stable: copies an older version wrote forward as plain Appends keep their file order.
        pending.sort_by_key(|p| p.origin);
        Recovered { pending, corrupt: self.corrupt, records: self.records }
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::encode;
    use super::*;

    fn message(n: u32) -> Message {
        Message {
            id: format!("r{n}:on_custom_event:1").into(),
            event: "on_custom_event".into(),
            run_id: format!("r{n}").into(),
            root_run_id: None,
            accepted_at_ms: u64::from(n),
            data: format!("{{\"n\":{n}}}"),
        }
    }

    fn segment(records: &[Record]) -> Vec<u8> {
        let mut out = Vec::new();
        for r in records {
            encode(r, &mut out);
        }
        out
    }

    fn ids(r: &Recovered) -> Vec<String> {
        r.pending.iter().map(|p| p.message.id.to_string()).collect()
    }

    #[test]
    fn settled_messages_are_not_pending_and_order_is_kept() {
        let mut rec = Recovery::default();
        rec.read_segment(
            0,
            &segment(&[Record::Append(message(1)), Record::Append(message(2)), Record::Append(message(3))]),
        );
        rec.read_segment(1, &segment(&[Record::Settled("r2:on_custom_event:1".into()), Record::Append(message(4))]));
        let out = rec.finish();
        assert_eq!(ids(&out), ["r1:on_custom_event:1", "r3:on_custom_event:1", "r4:on_custom_event:1"]);
        assert!(out.corrupt.is_empty());
        assert_eq!(out.records, 5);
        assert_eq!(out.pending[0].message, message(1));
    }

    #[test]
    fn a_rewritten_copy_counts_once_and_moves_segment() {
        let mut rec = Recovery::default();
        rec.read_segment(0, &segment(&[Record::Append(message(1)), Record::Append(message(2))]));
        rec.read_segment(5, &segment(&[Record::Append(message(1))]));
        let out = rec.finish();
        assert_eq!(ids(&out), ["r1:on_custom_event:1", "r2:on_custom_event:1"]);
        assert_eq!((out.pending[0].segment, out.pending[1].segment), (5, 0));
    }

    #[test]
    fn a_copy_moved_past_younger_messages_is_recovered_in_its_first_place() {
        // r1 was first appended at (0, 0); its segment 0 was rewritten forward into segment 3 and
        // deleted. r2 (segment 1) and r4 (segment 3, before the copy) are younger.
        let mut rec = Recovery::default();
        rec.read_segment(1, &segment(&[Record::Append(message(2))]));
        rec.read_segment(
            3,
            &segment(&[
                Record::Append(message(4)),
                Record::Moved(Origin { segment: 0, index: 0 }, message(1)),
                Record::Moved(Origin { segment: 0, index: 5 }, message(3)),
            ]),
        );
        let out = rec.finish();
        assert_eq!(
            ids(&out),
            ["r1:on_custom_event:1", "r3:on_custom_event:1", "r2:on_custom_event:1", "r4:on_custom_event:1"]
        );
        assert_eq!(out.pending[0].origin, Origin { segment: 0, index: 0 });
        assert_eq!((out.pending[0].segment, out.pending[2].segment), (3, 1));
        // Moved again (segment 3 → 6): the origin stays, so does the order.
        let mut rec = Recovery::default();
        rec.read_segment(1, &segment(&[Record::Append(message(2))]));
        rec.read_segment(6, &segment(&[Record::Moved(Origin { segment: 0, index: 0 }, message(1))]));
        assert_eq!(ids(&rec.finish()), ["r1:on_custom_event:1", "r2:on_custom_event:1"]);
    }

    #[test]
    fn a_moved_copy_beside_its_original_counts_once_and_settles() {
        let mut rec = Recovery::default();
        rec.read_segment(0, &segment(&[Record::Append(message(1)), Record::Append(message(2))]));
        rec.read_segment(
            2,
            &segment(&[
                Record::Moved(Origin { segment: 0, index: 1 }, message(2)),
                Record::Settled("r1:on_custom_event:1".into()),
            ]),
        );
        let out = rec.finish();
        assert_eq!(ids(&out), ["r2:on_custom_event:1"]);
        assert_eq!((out.pending[0].origin, out.pending[0].segment), (Origin { segment: 0, index: 1 }, 2));
    }

    #[test]
    fn empty_file_is_fine() {
        let mut rec = Recovery::default();
        rec.read_segment(0, &[]);
        let out = rec.finish();
        assert!(out.pending.is_empty() && out.corrupt.is_empty());
    }

    #[test]
    fn torn_last_record_is_reported_and_the_rest_recovered() {
        let full = segment(&[Record::Append(message(1)), Record::Append(message(2))]);
        let first = segment(&[Record::Append(message(1))]).len();
        for cut in first + 1..full.len() {
            let mut rec = Recovery::default();
            rec.read_segment(3, &full[..cut]);
            let out = rec.finish();
            assert_eq!(ids(&out), ["r1:on_custom_event:1"], "cut {cut}");
            assert_eq!(
                out.corrupt,
                [Corruption { segment: 3, offset: first as u64, bytes: (cut - first) as u64, torn_tail: true }]
            );
        }
    }

    #[test]
    fn a_flipped_byte_loses_only_its_record() {
        let records: Vec<_> = (1..=3).map(|n| Record::Append(message(n))).collect();
        let full = segment(&records);
        let one = segment(&records[..1]).len();
        for i in one..2 * one {
            let mut bad = full.clone();
            bad[i] ^= 0x5a;
            let mut rec = Recovery::default();
            rec.read_segment(0, &bad);
            let out = rec.finish();
            assert_eq!(ids(&out), ["r1:on_custom_event:1", "r3:on_custom_event:1"], "byte {i}");
            assert_eq!(out.corrupt.len(), 1);
            assert_eq!((out.corrupt[0].offset, out.corrupt[0].torn_tail), (one as u64, false));
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut rec = Recovery::default();
        let garbage: Vec<u8> = (0..5_000u32).map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes()[2]).collect();
        rec.read_segment(0, &garbage);
        rec.read_segment(1, &[1, 0, 0, 0, 0, 0, 0, 0, 1]);
        let out = rec.finish();
        assert!(out.pending.is_empty());
        assert!(!out.corrupt.is_empty());
    }
}
