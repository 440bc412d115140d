//! Encoding and decoding of one spool record (format in the [module docs](super)).
//!
//! Payloads:
//! - Append (kind 1): `str id, str event, str run_id, u8 has_root, [str root], u64 accepted_at_ms,
//!   str data`;
//! - Settled (kind 2): `str id`;
//! - Moved (kind 3): `u64 origin segment, u64 origin index`, then an Append payload — a pending
//!   message that compaction copied forward, with the place of its first Append (see [`Origin`]).
//!
//! `str` is `[u32 len][UTF-8 bytes]`, integers little-endian.

use std::sync::Arc;

use crate::delivery::message::Message;

/// Bytes before `kind`: `len` and `crc32`.
pub const HEADER_BYTES: usize = 8;
/// The largest `len` accepted (a larger one is corruption): 512 MiB, above any body cap.
pub const MAX_RECORD_BYTES: usize = 512 * 1024 * 1024;

const KIND_APPEND: u8 = 1;
const KIND_SETTLED: u8 = 2;
const KIND_MOVED: u8 = 3;

/// Where a message's first Append record was written: the segment's number and the record's
/// place among the message records (Append and Moved) of that segment. Segments are numbered in the order they were
/// written, so origins order messages as they were accepted, and a copy compaction writes
/// forward (a [`Record::Moved`]) keeps its origin: recovery orders by it, so a run's events are
/// handed back in emit order even after the segment of the first one is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The segment number.
    pub segment: u64,
    /// The place among that segment's message records.
    pub index: u64,
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A message accepted (or, written by an older version, rewritten forward by compaction).
    Append(Message),
    /// A pending message copied forward by compaction, with where it was first appended.
    Moved(Origin, Message),
    /// The message with this id reached its final outcome.
    Settled(Arc<str>),
}

/// Why the bytes at an offset are not a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The record runs past the end of the bytes (a torn write, if at the end of a file).
    Truncated,
    /// Impossible header, bad checksum, or a payload that does not parse.
    Corrupt,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends the encoded `record` to `out`.
pub fn encode(record: &Record, out: &mut Vec<u8>) {
    match record {
        Record::Append(m) => encode_append(m, out),
        Record::Settled(id) => encode_settled(id, out),
        Record::Moved(origin, m) => encode_moved(*origin, m, out),
    }
}

/// Appends an Append record for `m` to `out` (without cloning the message).
pub fn encode_append(m: &Message, out: &mut Vec<u8>) {
    let start = begin(out, KIND_APPEND);
    put_message(out, m);
    seal(out, start);
}

/// Appends a Moved record for `m`, first appended at `origin`, to `out`.
pub fn encode_moved(origin: Origin, m: &Message, out: &mut Vec<u8>) {
    let start = begin(out, KIND_MOVED);
    out.extend_from_slice(&origin.segment.to_le_bytes());
    out.extend_from_slice(&origin.index.to_le_bytes());
    put_message(out, m);
    seal(out, start);
}

fn put_message(out: &mut Vec<u8>, m: &Message) {
    put_str(out, &m.id);
    put_str(out, &m.event);
    put_str(out, &m.run_id);
    match &m.root_run_id {
        Some(root) => {
            out.push(1);
            put_str(out, root);
        }
        None => out.push(0),
    }
    out.extend_from_slice(&m.accepted_at_ms.to_le_bytes());
    put_str(out, &m.data);
}

/// Appends a Settled record for `id` to `out`.
pub fn encode_settled(id: &str, out: &mut Vec<u8>) {
    let start = begin(out, KIND_SETTLED);
    put_str(out, id);
    seal(out, start);
}

fn begin(out: &mut Vec<u8>, kind: u8) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_BYTES]);
    out.push(kind);
    start
}

fn seal(out: &mut [u8], start: usize) {
    let body = &out[start + HEADER_BYTES..];
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes();
    let crc = crc32fast::hash(body).to_le_bytes();
    out[start..start + 4].copy_from_slice(&len);
    out[start + 4..start + 8].copy_from_slice(&crc);
}

/// The encoded size of `message`'s Append record.
pub fn append_len(message: &Message) -> usize {
    HEADER_BYTES
        + 1
        + 4 * 4
        + 1
        + 8
        + message.id.len()
        + message.event.len()
        + message.run_id.len()
        + message.root_run_id.as_ref().map_or(0, |r| 4 + r.len())
        + message.data.len()
}

/// The encoded size of `message`'s Moved record.
pub fn moved_len(message: &Message) -> usize {
    append_len(message) + 16
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<usize> {
        let b: [u8; 4] = self.take(4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(b)).ok()
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8)?.try_into().ok().map(u64::from_le_bytes)
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

fn read_message(r: &mut Reader<'_>) -> Option<Message> {
    let id = r.str()?;
    let event = r.str()?;
    let run_id = r.str()?;
    let root_run_id = match r.u8()? {
        0 => None,
        1 => Some(Arc::from(r.str()?)),
        _ => return None,
    };
    let accepted_at_ms = r.u64()?;
    let data = r.str()?.to_owned();
    Some(Message { id: id.into(), event: event.into(), run_id: run_id.into(), root_run_id, accepted_at_ms, data })
}

fn parse_body(body: &[u8]) -> Option<Record> {
    let mut r = Reader(body);
    let record = match r.u8()? {
        KIND_APPEND => Record::Append(read_message(&mut r)?),
        KIND_SETTLED => Record::Settled(r.str()?.into()),
        KIND_MOVED => {
            let origin = Origin { segment: r.u64()?, index: r.u64()? };
            Record::Moved(origin, read_message(&mut r)?)
        }
        _ => return None,
    };
    // Trailing bytes inside a checksummed record mean a writer bug or a CRC false match.
    r.0.is_empty().then_some(record)
}

/// Decodes the record at the start of `bytes`: the record and its encoded length.
pub fn decode(bytes: &[u8]) -> Result<(Record, usize), DecodeError> {
    let mut r = Reader(bytes);
    let (Some(len), Some(crc)) = (r.u32(), r.take(4)) else {
        return Err(DecodeError::Truncated);
    };
    if len == 0 || len > MAX_RECORD_BYTES {
        return Err(DecodeError::Corrupt);
    }
    // The kind byte is checked before the length: garbage rarely names a valid kind.
    match r.0.first() {
        None => return Err(DecodeError::Truncated),
        Some(&KIND_APPEND | &KIND_SETTLED | &KIND_MOVED) => {}
        Some(_) => return Err(DecodeError::Corrupt),
    }
    let body = r.take(len).ok_or(DecodeError::Truncated)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err(DecodeError::Corrupt);
    }
    let record = parse_body(body).ok_or(DecodeError::Corrupt)?;
    Ok((record, HEADER_BYTES + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn message(n: u32) -> Message {
        Message {
            id: format!("run{n}:on_custom_event:1").into(),
            event: "on_custom_event".into(),
            run_id: format!("run{n}").into(),
            root_run_id: (n % 2 == 0).then(|| Arc::from("root")),
            accepted_at_ms: 1_700_000_000_000 + u64::from(n),
            data: format!("{{\"n\":{n},\"text\":\"héllo\"}}"),
        }
    }

    #[test]
    fn round_trips_every_kind() {
        let moved = Record::Moved(Origin { segment: 7, index: u64::from(u32::MAX) + 3 }, message(4));
        for record in [Record::Append(message(1)), Record::Append(message(2)), Record::Settled("a:b:1".into()), moved] {
            let mut out = Vec::new();
            encode(&record, &mut out);
            match &record {
                Record::Append(m) => assert_eq!(out.len(), append_len(m)),
                Record::Moved(_, m) => assert_eq!(out.len(), moved_len(m)),
                Record::Settled(_) => {}
            }
            assert_eq!(decode(&out), Ok((record, out.len())));
        }
    }

    #[test]
    fn every_truncation_is_truncated_and_every_flipped_byte_is_caught() {
        for record in [Record::Append(message(3)), Record::Moved(Origin { segment: 1, index: 2 }, message(5))] {
            let mut out = Vec::new();
            encode(&record, &mut out);
            for cut in 0..out.len() {
                assert!(decode(&out[..cut]).is_err(), "cut at {cut}");
            }
            for i in 0..out.len() {
                for bit in [0x01, 0x80] {
                    let mut bad = out.clone();
                    bad[i] ^= bit;
                    assert!(!matches!(decode(&bad), Ok((_, n)) if n == out.len() && bad != out), "byte {i}");
                }
            }
        }
        assert_eq!(decode(&[]), Err(DecodeError::Truncated));
    }
}
