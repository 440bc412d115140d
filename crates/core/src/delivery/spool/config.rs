//! The `spool` option (`{ dir, fsync, segmentBytes?, maxBytes? }`), parsed from the JSON the JS
//! layer hands over. The addon alone uses it: the web build has no filesystem.

use serde_json::Value;

use crate::delivery::bounds;
use crate::error::DeliveryError;

/// Default segment size: 64 MiB.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 * 1024 * 1024;

/// When appended records are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// fsync before a group of records counts as accepted (each group commit).
    Always,
    /// Group commit: records are accepted once written; fsync at most every few milliseconds
    /// (and on `flush()`).
    Batch,
    /// Never fsync: the OS page cache only (survives a process crash, not a power loss).
    Never,
}

/// The parsed `spool` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolConfig {
    /// The directory of the segment files (created if missing).
    pub dir: String,
    /// The fsync mode.
    pub fsync: Fsync,
    /// A segment is closed and a new one started once it holds this many bytes.
    pub segment_bytes: u64,
    /// The spool refuses new events (`ERR_RUNWIRE_SPOOL_FULL`) while its files hold this many
    /// bytes; `None` = no limit but the disk.
    pub max_bytes: Option<u64>,
}

fn invalid(message: impl Into<String>) -> DeliveryError {
    DeliveryError::InvalidConfig(message.into())
}

impl SpoolConfig {
    /// Parses the `spool` object.
    pub fn from_value(value: &Value) -> Result<Self, DeliveryError> {
        let map = value.as_object().ok_or_else(|| invalid("spool must be an object"))?;
        if let Some(key) = map.keys().find(|k| !["dir", "fsync", "segmentBytes", "maxBytes"].contains(&k.as_str())) {
            return Err(invalid(format!("spool: unknown field `{key}`, expected dir, fsync, segmentBytes, maxBytes")));
        }
        let dir = map
            .get("dir")
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| invalid("spool.dir must be a non-empty string"))?;
        let fsync = match map.get("fsync").and_then(Value::as_str) {
            None if map.get("fsync").is_none_or(Value::is_null) => Fsync::Batch,
            Some("always") => Fsync::Always,
            Some("batch") => Fsync::Batch,
            Some("never") => Fsync::Never,
            _ => return Err(invalid("spool.fsync must be 'always', 'batch' or 'never'")),
        };
        let number = |key: &str, bound: &str| -> Result<Option<u64>, DeliveryError> {
            map.get(key)
                .filter(|v| !v.is_null())
                .map(|v| bounds::read(v, bound, &format!("spool.{key}")).map_err(invalid))
                .transpose()
        };
        Ok(Self {
            dir: dir.to_owned(),
            fsync,
            segment_bytes: number("segmentBytes", "spool.segmentBytes")?.unwrap_or(DEFAULT_SEGMENT_BYTES),
            max_bytes: number("maxBytes", "spool.maxBytes")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_and_defaults() {
        let c = SpoolConfig::from_value(&json!({ "dir": "/tmp/s" })).unwrap();
        assert_eq!(c.fsync, Fsync::Batch);
        assert_eq!(c.segment_bytes, DEFAULT_SEGMENT_BYTES);
        assert_eq!(c.max_bytes, None);
        let c = SpoolConfig::from_value(
            &json!({ "dir": "d", "fsync": "always", "segmentBytes": 65536, "maxBytes": 1 << 20 }),
        )
        .unwrap();
        assert_eq!((c.fsync, c.segment_bytes, c.max_bytes), (Fsync::Always, 65536, Some(1 << 20)));
    }

    #[test]
    fn refuses_bad_values() {
        for bad in [
            json!({}),
            json!({ "dir": "" }),
            json!({ "dir": "d", "fsync": "sometimes" }),
            json!({ "dir": "d", "segmentBytes": 1 }),
            json!({ "dir": "d", "maxBytes": -1 }),
            json!({ "dir": "d", "extra": 1 }),
            json!("d"),
        ] {
            assert!(SpoolConfig::from_value(&bad).is_err(), "{bad}");
        }
    }
}
