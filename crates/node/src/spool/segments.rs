//! The spool's files: numbered segments `seg-{n:016}.log` in one directory, the per-life `epoch`
//! file, which segment holds which pending message, and prefix deletion (see the core's
//! `runwire_core::delivery::spool` docs for why only a prefix may go). The directory's lock
//! ([`super::lock`]) is held here, so it lives exactly as long as the files are open.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runwire_core::delivery::spool::recovery::{Recovered, Recovery};

use super::lock::DirLock;

/// The file name of segment `n`.
pub fn segment_name(n: u64) -> String {
    format!("seg-{n:016}.log")
}

fn segment_number(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?.strip_suffix(".log")?.parse().ok()
}

/// A settled-out current segment is emptied once it holds this many bytes (or a quarter of
/// `maxBytes`, if smaller).
const TRUNCATE_AT: u64 = 64 * 1024;

/// An old segment with at most this many pending messages has them rewritten forward.
const REWRITE_MAX_LIVE: u64 = 64;

/// Per segment: bytes, messages appended, messages still pending.
#[derive(Debug, Default, Clone, Copy)]
pub struct SegmentInfo {
    /// Bytes in the file.
    pub bytes: u64,
    /// Append records tracked in it (this life, or recovered pending).
    pub appended: u64,
    /// Of those, messages still pending.
    pub live: u64,
}

/// The open spool directory.
pub struct Segments {
    /// The directory.
    pub dir: PathBuf,
    current: File,
    current_no: u64,
    /// Every segment file, by number.
    pub info: BTreeMap<u64, SegmentInfo>,
    /// Pending message id → the segment holding (the newest copy of) its Append.
    pub pending: HashMap<Arc<str>, u64>,
    /// Bytes in all the files.
    pub total_bytes: u64,
    segment_bytes: u64,
    /// A settled-out current segment is emptied once it holds this many bytes.
    truncate_at: u64,
    /// The directory's lock: declared last, so it is released after the files are closed.
    _lock: DirLock,
}

/// Reads and bumps the life counter: this life's number (0 for a new directory).
fn next_life(dir: &Path) -> io::Result<u64> {
    let path = dir.join("epoch");
    let life = match fs::read_to_string(&path) {
        Ok(text) => text.trim().parse::<u64>().map_err(|_| io::Error::other("spool epoch file is not a number"))?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e),
    };
    let tmp = dir.join("epoch.tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(format!("{}\n", life + 1).as_bytes())?;
    file.sync_all()?;
    fs::rename(&tmp, &path)?;
    sync_dir(dir);
    Ok(life)
}

/// Makes a created/deleted/renamed entry durable (best effort: not every platform can).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Segments {
    /// Opens `dir` (whose `lock` the caller took): reads every segment back, starts a new one
    /// for this life. Returns the directory, what recovery found, and this life's number.
    pub fn open(
        dir: &Path,
        lock: DirLock,
        segment_bytes: u64,
        max_bytes: Option<u64>,
    ) -> io::Result<(Self, Recovered, u64)> {
        let life = next_life(dir)?;
        let mut numbers: Vec<u64> = fs::read_dir(dir)?
            .filter_map(|e| e.ok().and_then(|e| e.file_name().to_str().and_then(segment_number)))
            .collect();
        numbers.sort_unstable();
        let mut recovery = Recovery::default();
        let mut info = BTreeMap::new();
        let mut total_bytes = 0;
        for &n in &numbers {
            let bytes = fs::read(dir.join(segment_name(n)))?;
            recovery.read_segment(n, &bytes);
            total_bytes += bytes.len() as u64;
            info.insert(n, SegmentInfo { bytes: bytes.len() as u64, ..SegmentInfo::default() });
        }
        let recovered = recovery.finish();
        let mut pending = HashMap::with_capacity(recovered.pending.len());
        for p in &recovered.pending {
            pending.insert(p.message.id.clone(), p.segment);
            let seg = info.entry(p.segment).or_default();
            seg.live += 1;
            seg.appended += 1;
        }
        // Never append after a possibly torn tail: this life writes to a new segment.
        let current_no = numbers.last().map_or(0, |n| n + 1);
        let current = Self::create(dir, current_no)?;
        info.insert(current_no, SegmentInfo::default());
        let truncate_at = max_bytes.map_or(TRUNCATE_AT, |max| (max / 4).min(TRUNCATE_AT)).max(1);
        let mut segments = Self {
            dir: dir.to_owned(),
            current,
            current_no,
            info,
            pending,
            total_bytes,
            segment_bytes,
            truncate_at,
            _lock: lock,
        };
        segments.delete_settled_prefix();
        Ok((segments, recovered, life))
    }

    fn create(dir: &Path, n: u64) -> io::Result<File> {
        let file = OpenOptions::new().create(true).append(true).open(dir.join(segment_name(n)))?;
        sync_dir(dir);
        Ok(file)
    }

    /// The segment new records go to.
    pub fn current_no(&self) -> u64 {
        self.current_no
    }

    /// Appends `bytes` (whole records) to the current segment, after rotating if it is full.
    /// On a failed write the segment is cut back to its previous length, so no partial record
    /// stays behind (if even that fails, recovery skips the torn bytes).
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<u64> {
        if self.info.get(&self.current_no).is_some_and(|s| s.bytes >= self.segment_bytes) {
            self.rotate()?;
        }
        let seg = self.current_no;
        let before = self.info.get(&seg).map_or(0, |s| s.bytes);
        if let Err(e) = self.current.write_all(bytes) {
            let _ = self.current.set_len(before);
            return Err(e);
        }
        let len = bytes.len() as u64;
        self.info.entry(seg).or_default().bytes += len;
        self.total_bytes += len;
        Ok(seg)
    }

    fn rotate(&mut self) -> io::Result<()> {
        // The closed segment's records must be on disk before later ones can depend on them.
        self.current.sync_data()?;
        let next = self.current_no + 1;
        self.current = Self::create(&self.dir, next)?;
        self.current_no = next;
        self.info.insert(next, SegmentInfo::default());
        self.delete_settled_prefix();
        Ok(())
    }

    /// fsync of the current segment.
    pub fn sync(&mut self) -> io::Result<()> {
        self.current.sync_data()
    }

    /// Records that `id`'s Append went to segment `seg`.
    pub fn track(&mut self, id: Arc<str>, seg: u64) {
        let info = self.info.entry(seg).or_default();
        info.appended += 1;
        info.live += 1;
        if let Some(old) = self.pending.insert(id, seg) {
            if let Some(info) = self.info.get_mut(&old) {
                info.live = info.live.saturating_sub(1);
            }
        }
    }

    /// Forgets `id` (settled, or never accepted); whether it was pending here.
    pub fn settle(&mut self, id: &str) -> bool {
        match self.pending.remove(id) {
            Some(seg) => {
                if let Some(info) = self.info.get_mut(&seg) {
                    info.live = info.live.saturating_sub(1);
                }
                true
            }
            None => false,
        }
    }

    /// Deletes the oldest segments while nothing in them is pending (never the current one).
    /// Returns how many went.
    pub fn delete_settled_prefix(&mut self) -> usize {
        let mut deleted = 0;
        while let Some((&n, &info)) = self.info.iter().next() {
            if n == self.current_no || info.live > 0 {
                break;
            }
            if fs::remove_file(self.dir.join(segment_name(n))).is_err_and(|e| e.kind() != io::ErrorKind::NotFound) {
                break;
            }
            self.info.remove(&n);
            self.total_bytes = self.total_bytes.saturating_sub(info.bytes);
            deleted += 1;
        }
        if deleted > 0 {
            sync_dir(&self.dir);
        }
        self.empty_current(self.truncate_at);
        deleted
    }

    /// Nothing pending anywhere: the current segment can start over once it holds `at` bytes
    /// (so `maxBytes`, or a full disk, frees up without waiting for a rotation).
    pub fn empty_current(&mut self, at: u64) {
        if self.info.len() == 1 {
            if let Some(info) = self.info.get_mut(&self.current_no) {
                if info.live == 0 && info.bytes >= at.max(1) && self.current.set_len(0).is_ok() {
                    self.total_bytes = self.total_bytes.saturating_sub(info.bytes);
                    *info = SegmentInfo::default();
                }
            }
        }
    }

    /// The oldest segment, if it is worth rewriting forward: older than the current one, at
    /// least two more segments behind it, and few messages still pending — at most
    /// [`REWRITE_MAX_LIVE`], or 1 in 16 of those appended. (A count alone, not a ratio: a
    /// segment holding only an earlier rewritten copy has 1 of 1 pending, and must not pin the
    /// log either.) Each rewrite copies at most that many records.
    pub fn rewrite_candidate(&self) -> Option<u64> {
        let (&n, info) = self.info.iter().next()?;
        let few = info.live <= REWRITE_MAX_LIVE || info.live * 16 <= info.appended;
        (n != self.current_no && self.info.len() >= 3 && info.live > 0 && few).then_some(n)
    }

    /// The path of segment `n`.
    pub fn path(&self, n: u64) -> PathBuf {
        self.dir.join(segment_name(n))
    }
}
