//! One live delivery per spool directory. Two deliveries on one `dir` (in one process or two)
//! would both append segments and recover each other's pending events: events delivered twice,
//! and the life counter (the id base) read and bumped by both. So opening a spool first takes an
//! exclusive advisory lock on `dir/lock`, before it reads anything.
//!
//! The lock is `flock(LOCK_EX | LOCK_NB)` (`LockFileEx` on Windows) through the `fs4` crate
//! (std's `File::try_lock` is newer than this workspace's MSRV). flock belongs to the open file
//! description, so a second open of the same file in the **same** process is refused too, and
//! the files are opened close-on-exec, so a child process never inherits it. It is held by the
//! [`DirLock`] value, which lives in the writer's `Segments`: released when the writer ends
//! (`close()`, or the delivery dropped) and by the OS when the process dies — a `kill -9` never
//! leaves a stale lock behind. The file itself stays (empty); its presence means nothing.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use fs4::FileExt;
use fs4::TryLockError;

/// The lock file's name inside the spool directory.
pub const LOCK_FILE: &str = "lock";

/// Why [`DirLock::acquire`] failed.
#[derive(Debug)]
pub enum LockError {
    /// Another open spool (this process or another) holds the directory.
    Held,
    /// The lock file could not be opened or locked.
    Io(io::Error),
}

/// The held lock of one spool directory; dropping it (closing the file) releases it.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock of `dir` (which must exist) without waiting.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(LockError::Io)?;
        // Called as the trait's function: std has an inherent `File::try_lock` of its own.
        match FileExt::try_lock(&file) {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held),
            Err(TryLockError::Error(e)) => Err(LockError::Io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("runwire-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok();
        dir
    }

    #[test]
    fn a_second_lock_in_the_same_process_is_refused_until_the_first_is_dropped() {
        let dir = temp_dir("same");
        let first = DirLock::acquire(&dir);
        assert!(first.is_ok(), "{first:?}");
        assert!(matches!(DirLock::acquire(&dir), Err(LockError::Held)));
        assert!(matches!(DirLock::acquire(&dir), Err(LockError::Held)), "refused again, nothing left held");
        drop(first);
        let again = DirLock::acquire(&dir);
        assert!(again.is_ok(), "{again:?}");
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn different_directories_do_not_conflict() {
        let (a, b) = (temp_dir("a"), temp_dir("b"));
        let la = DirLock::acquire(&a);
        let lb = DirLock::acquire(&b);
        assert!(la.is_ok() && lb.is_ok());
        drop((la, lb));
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }

    #[test]
    fn a_missing_directory_is_an_io_error_not_held() {
        let dir = temp_dir("missing").join("not-there");
        assert!(matches!(DirLock::acquire(&dir), Err(LockError::Io(_))));
    }
}
