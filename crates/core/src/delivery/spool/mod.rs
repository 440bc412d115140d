//! The durable spool's pure half: the on-disk record format and recovery. File I/O, segment
//! files, the writer thread and fsync live in the addon (`crates/node/src/spool`).
//!
//! ## What the spool is
//!
//! An append-only log of segment files `seg-{n:016}.log` (n increasing, never reused) in one
//! directory. A producer that spools appends every accepted message as an [`record::Record::Append`]
//! *before* handing it to the engine ([`crate::delivery::message`]), and appends a
//! [`record::Record::Settled`] when the engine reports the message's final outcome (delivered or
//! dead-lettered). On restart the segments are read in order by [`recovery::Recovery`]: every
//! message appended and not settled is pending and is handed to the engine again, with its
//! stored id and accepted time, so the body bytes and `webhook-id` are those of its first life.
//!
//! ## Record format (little-endian)
//!
//! ```text
//! [u32 len][u32 crc32][u8 kind][payload: len − 1 bytes]
//! ```
//!
//! `len` counts `kind` + `payload`; `crc32` (IEEE, the `crc32fast` crate) covers the same bytes.
//! Kinds: `1` = Append (a [`Message`](crate::delivery::message::Message)), `2` = Settled (an id),
//! `3` = Moved (an Append payload after the [`record::Origin`] of its first Append).
//! Strings are `[u32 len][UTF-8 bytes]`; see [`record`] for the payloads.
//!
//! ## Corruption
//!
//! A record whose header is impossible (zero or oversized length, unknown kind), whose bytes run
//! past the end of the file (a torn last write), whose checksum does not match or whose payload
//! does not parse is **skipped**: recovery scans forward byte by byte to the next offset where a
//! whole valid record starts (a CRC-32 false match is a 2^-32 chance per candidate) and reports
//! one [`recovery::Corruption`] per skipped region (segment, offset, bytes). Nothing panics; what
//! was skipped is lost (an Append) or redelivered (a Settled: a duplicate, never a loss).
//!
//! ## Compaction invariant
//!
//! A Settled record is always appended after its message's Append, so it lives in the same or a
//! later segment. Segments are therefore deleted only as a **prefix** (oldest first, once every
//! message appended in them settled or was rewritten forward): a deleted segment can only hold
//! Settled records for messages whose Append is gone too. A message rewritten forward is
//! appended again to the newest segment as a Moved record carrying its [`record::Origin`] (the
//! segment and place of its first Append), and keeps that origin when it moves again. Recovery
//! counts a message once and orders the pending ones by origin: the order they were accepted in,
//! whether or not the original segment is still there. Without it, a run's first event copied
//! forward would come back after the run's later events, which ordering per run must not allow.

pub mod config;
pub mod record;
pub mod recovery;
