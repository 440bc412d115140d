//! The addon's default dead-letter store: one JSON file per record under
//! `<dir>/YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json`, written atomically (a unique temp file in the
//! same directory, then `rename`), so a reader never sees half a record and a crash leaves at
//! most a stray `.tmp` file. Writes run on tokio's blocking pool, never on the JS thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use runwire_core::delivery::dlq::{DeadLetter, DeadLetterStore};

/// Writes dead letters under a directory.
#[derive(Debug, Clone)]
pub struct FileDeadLetters {
    dir: PathBuf,
    counter: Arc<AtomicU64>,
}

impl FileDeadLetters {
    /// A store rooted at `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into(), counter: Arc::new(AtomicU64::new(0)) }
    }
}

impl DeadLetterStore for FileDeadLetters {
    async fn put(&self, record: DeadLetter) -> Result<(), String> {
        let path = self.dir.join(record.relative_path());
        let unique = self.counter.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("json.{}.{unique}.tmp", std::process::id()));
        let json = record.to_json();
        let parent = path.parent().map(PathBuf::from).unwrap_or_default();
        tokio::fs::create_dir_all(&parent).await.map_err(|e| format!("create {}: {e}", parent.display()))?;
        tokio::fs::write(&tmp, json).await.map_err(|e| format!("write {}: {e}", tmp.display()))?;
        tokio::fs::rename(&tmp, &path).await.map_err(|e| format!("rename to {}: {e}", path.display()))
    }
}
