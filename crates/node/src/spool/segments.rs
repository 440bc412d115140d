//! The spool's files: numbered segments `seg-{n:016}.log` in one directory, the per-life `epoch`
//! file, which segment holds which pending message, and prefix deletion (see the core's
//! `runwire_core::delivery::spool` docs for why only a prefix may go). The directory's lock
//! ([`super::lock`]) is held here, so it lives exactly as long as the files are open.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use runwire_core::delivery::spool::record::{append_len, moved_len, Origin};
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
    /// Message records (Append and Moved) tracked in it (this life, or recovered pending): the
    /// next Append's place in the segment, its [`Origin`] index.
    pub appended: u64,
    /// Of those, messages still pending.
    pub live: u64,
    /// The pending messages' Append records, in bytes.
    pub live_bytes: u64,
}

/// Where a pending message's (newest) record is, and where it was first appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The segment.
    pub segment: u64,
    /// The record's length.
    pub bytes: u64,
    /// Its first Append: what a copy written forward carries, so recovery keeps the order.
    pub origin: Origin,
}

/// The open spool directory.
pub struct Segments {
    /// The directory.
    pub dir: PathBuf,
    current: File,
    current_no: u64,
    /// Every segment file, by number.
    pub info: BTreeMap<u64, SegmentInfo>,
    /// Pending message id → where (the newest copy of) its Append is.
    pub pending: HashMap<Arc<str>, Place>,
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
            // A copy compaction wrote forward (a Moved record) lives past its origin's segment.
            let moved = p.origin.segment != p.segment;
            let bytes = if moved { moved_len(&p.message) } else { append_len(&p.message) } as u64;
            pending.insert(p.message.id.clone(), Place { segment: p.segment, bytes, origin: p.origin });
            let seg = info.entry(p.segment).or_default();
            seg.live += 1;
            seg.live_bytes += bytes;
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

    /// Bytes the next append may add before the current segment is full (a whole segment if
    /// the next append rotates).
    pub fn room(&self) -> u64 {
        let used = self.info.get(&self.current_no).map_or(0, |s| s.bytes);
        if used >= self.segment_bytes {
            self.segment_bytes
        } else {
            self.segment_bytes - used
        }
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

    /// Records that `id`'s Append (`bytes` long) went to segment `seg`, its first place.
    pub fn track(&mut self, id: Arc<str>, seg: u64, bytes: u64) {
        let index = self.info.get(&seg).map_or(0, |s| s.appended);
        self.place(id, Place { segment: seg, bytes, origin: Origin { segment: seg, index } });
    }

    /// Records that a copy of `id` (a Moved record, `bytes` long) went to segment `seg`.
    pub fn track_moved(&mut self, id: Arc<str>, seg: u64, bytes: u64, origin: Origin) {
        self.place(id, Place { segment: seg, bytes, origin });
    }

    fn place(&mut self, id: Arc<str>, place: Place) {
        let info = self.info.entry(place.segment).or_default();
        info.appended += 1;
        info.live += 1;
        info.live_bytes += place.bytes;
        if let Some(old) = self.pending.insert(id, place) {
            self.forget(old);
        }
    }

    fn forget(&mut self, place: Place) {
        if let Some(info) = self.info.get_mut(&place.segment) {
            info.live = info.live.saturating_sub(1);
            info.live_bytes = info.live_bytes.saturating_sub(place.bytes);
        }
    }

    /// Forgets `id` (settled, or never accepted); whether it was pending here.
    pub fn settle(&mut self, id: &str) -> bool {
        match self.pending.remove(id) {
            Some(place) => {
                self.forget(place);
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
    /// least two more segments behind it, few messages still pending — at most
    /// [`REWRITE_MAX_LIVE`], or 1 in 16 of those appended — and a copy frees space: at most
    /// half its bytes are pending records, or the segment behind it is all settled (and only
    /// waits for this one to go). A count, not just a ratio: a segment holding only an earlier
    /// rewritten copy has 1 of 1 pending, and must not pin the log either. But never a segment
    /// that is still mostly pending ahead of more pending ones: copying it would free nothing,
    /// and with a slow sink and small segments the spool would keep rewriting its backlog.
    pub fn rewrite_candidate(&self) -> Option<u64> {
        let mut segments = self.info.iter();
        let (&n, info) = segments.next()?;
        let few = info.live <= REWRITE_MAX_LIVE || info.live * 16 <= info.appended;
        let frees = info.live_bytes * 2 <= info.bytes || segments.next().is_some_and(|(_, next)| next.live == 0);
        (n != self.current_no && self.info.len() >= 3 && info.live > 0 && few && frees).then_some(n)
    }

    /// The path of segment `n`.
    pub fn path(&self, n: u64) -> PathBuf {
        self.dir.join(segment_name(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(name: &str, segment_bytes: u64) -> (Segments, PathBuf) {
        let dir = std::env::temp_dir().join(format!("runwire-segments-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let lock = DirLock::acquire(&dir).unwrap();
        let (segs, _, _) = Segments::open(&dir, lock, segment_bytes, None).unwrap();
        (segs, dir)
    }

    #[test]
    fn room_counts_down_and_a_full_segment_rotates_on_the_next_append() {
        let (mut segs, dir) = open("room", 100);
        assert_eq!(segs.room(), 100);
        let first = segs.append(&[b'a'; 60]).unwrap();
        assert_eq!(segs.room(), 40);
        // One append is never split: it may overshoot, and then the next one rotates.
        assert_eq!(segs.append(&[b'b'; 50]).unwrap(), first);
        assert_eq!(segs.room(), 100, "a full segment: the next append gets a whole new one");
        let second = segs.append(&[b'c'; 10]).unwrap();
        assert_eq!(second, first + 1);
        assert_eq!(segs.room(), 90);
        // Nothing was pending in the full one, so the rotation deleted it.
        assert_eq!((segs.total_bytes, segs.info.len()), (10, 1));
        drop(segs);
        let _ = fs::remove_dir_all(&dir);
    }

    /// Fills segments of `segment_bytes` with `per` 25-byte records each, `count` segments.
    fn fill(segs: &mut Segments, count: u64, per: u64) -> Vec<Vec<Arc<str>>> {
        let mut ids = Vec::new();
        for s in 0..count {
            let mut these = Vec::new();
            for r in 0..per {
                let id: Arc<str> = Arc::from(format!("m{s}-{r}"));
                let seg = segs.append(&[b'x'; 25]).unwrap();
                segs.track(id.clone(), seg, 25);
                these.push(id);
            }
            ids.push(these);
        }
        ids
    }

    #[test]
    fn a_backlog_that_is_all_pending_is_never_rewritten() {
        let (mut segs, dir) = open("backlog", 100);
        fill(&mut segs, 5, 4);
        assert_eq!(segs.info.len(), 5);
        assert_eq!(segs.rewrite_candidate(), None, "copying it would free nothing");
        drop(segs);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_mostly_settled_oldest_segment_is_rewritten() {
        let (mut segs, dir) = open("settled", 100);
        let ids = fill(&mut segs, 5, 4);
        for id in &ids[0][1..] {
            assert!(segs.settle(id));
        }
        let oldest = *segs.info.keys().next().unwrap();
        assert_eq!(segs.rewrite_candidate(), Some(oldest));
        drop(segs);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_pending_segment_that_pins_settled_ones_is_rewritten() {
        let (mut segs, dir) = open("pins", 100);
        let ids = fill(&mut segs, 5, 4);
        for id in &ids[1] {
            segs.settle(id);
        }
        // The oldest is all pending, but the one behind it waits only for it.
        let oldest = *segs.info.keys().next().unwrap();
        assert_eq!(segs.rewrite_candidate(), Some(oldest));
        drop(segs);
        let _ = fs::remove_dir_all(&dir);
    }
}
