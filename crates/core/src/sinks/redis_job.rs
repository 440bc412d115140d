//! The Redis Streams **job** entry: what a producer process writes (`producer` mode of
//! `createDelivery`, a Redis sink with `format: "job"`) and a worker process reads back
//! (`runwire worker`, `createWorker`), so delivery can run in other processes than the agent.
//!
//! One entry per accepted message, `XADD <stream> MAXLEN ~ n * <fields…>`:
//!
//! | field | value |
//! |---|---|
//! | `v` | the format version, `1` |
//! | `id` | the message id (`webhook-id`), stable across processes, retries and replays |
//! | `type` | the envelope type, e.g. `agent.tool.end` (for humans and `XRANGE` filters) |
//! | `event` | the LangChain event, e.g. `on_tool_end` (the workers' sink filters use it) |
//! | `run_id` | the event's own run |
//! | `root_run_id` | the root of its run tree (`ordering: "run"` in the worker) |
//! | `accepted_at` | when the producer accepted it, unix ms |
//! | `sinks` | comma-separated names of the worker sinks to deliver to; empty = all of them |
//! | `body` | the exact canonical body bytes (what every worker sink signs and sends) |
//!
//! Never secrets and never a signature: the producer holds no delivery secrets at all; the
//! worker signs each attempt with its own sinks' keys. [`parse`] is strict: a missing or
//! malformed field is an error naming it, which the worker turns into a dead letter
//! (`malformed_entry`) and then acknowledges, so one bad entry never blocks a consumer group.

use std::sync::Arc;

use crate::delivery::envelope::envelope_type;
use crate::delivery::message::Message;
use crate::sinks::Delivery;

/// The format version written in field `v`.
pub const VERSION: &str = "1";

/// The fields of one job entry for `delivery`, `body` last.
pub fn fields(delivery: &Delivery, sinks: &[String]) -> Vec<(String, String)> {
    vec![
        ("v".into(), VERSION.into()),
        ("id".into(), delivery.id.to_string()),
        ("type".into(), envelope_type(&delivery.event)),
        ("event".into(), delivery.event.to_string()),
        ("run_id".into(), delivery.run_id.to_string()),
        ("root_run_id".into(), delivery.root_run_id.to_string()),
        ("accepted_at".into(), delivery.accepted_at_ms.to_string()),
        ("sinks".into(), sinks.join(",")),
    ]
}

/// A job entry read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The message (`data` empty: the body is prebuilt).
    pub message: Message,
    /// The exact body bytes.
    pub body: Arc<[u8]>,
    /// The sinks to deliver to; empty = all.
    pub sinks: Vec<Arc<str>>,
}

/// Parses an entry's field/value pairs. Errors name the field, never echo values.
pub fn parse(pairs: &[(Vec<u8>, Vec<u8>)]) -> Result<Job, String> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name.as_bytes()).map(|(_, v)| v.as_slice());
    let text = |name: &str| -> Result<&str, String> {
        let raw = get(name).ok_or_else(|| format!("missing field `{name}`"))?;
        std::str::from_utf8(raw).map_err(|_| format!("field `{name}` is not UTF-8"))
    };
    let nonempty = |name: &str| -> Result<&str, String> {
        text(name).and_then(|t| if t.is_empty() { Err(format!("field `{name}` is empty")) } else { Ok(t) })
    };
    match get("v") {
        Some(v) if v == VERSION.as_bytes() => {}
        Some(_) => return Err("field `v`: unsupported job format version (this worker reads 1)".into()),
        None => return Err("missing field `v` (not a runwire job entry)".into()),
    }
    let id = nonempty("id")?;
    if id.contains('.') {
        return Err("field `id` must not contain '.'".into());
    }
    let run_id = nonempty("run_id")?;
    let root = text("root_run_id").unwrap_or("");
    let accepted_at_ms =
        text("accepted_at")?.parse::<u64>().map_err(|_| "field `accepted_at` is not unix milliseconds".to_owned())?;
    let body = get("body").ok_or("missing field `body`")?;
    if std::str::from_utf8(body).is_err() {
        return Err("field `body` is not UTF-8 JSON".into());
    }
    let sinks = text("sinks").unwrap_or("").split(',').filter(|s| !s.is_empty()).map(Arc::from).collect();
    Ok(Job {
        message: Message {
            id: id.into(),
            event: nonempty("event")?.into(),
            run_id: run_id.into(),
            root_run_id: (!root.is_empty()).then(|| root.into()),
            accepted_at_ms,
            data: String::new(),
        },
        body: Arc::from(body),
        sinks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(fields: &[(String, String)], body: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out: Vec<_> = fields.iter().map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes())).collect();
        out.push((b"body".to_vec(), body.as_bytes().to_vec()));
        out
    }

    #[test]
    fn round_trips_a_delivery() {
        let delivery = Delivery {
            id: "r1:on_tool_end:1".into(),
            body: Arc::from(&b"{\"data\":1}"[..]),
            event: "on_tool_end".into(),
            run_id: "r1".into(),
            root_run_id: "r0".into(),
            accepted_at_ms: 1_700_000_000_123,
            attempt: 1,
        };
        let fields = fields(&delivery, &["a".into(), "b".into()]);
        assert!(fields.iter().all(|(k, _)| !k.contains("signature") && k != "secret"));
        let job = parse(&pairs(&fields, "{\"data\":1}")).unwrap();
        assert_eq!(&*job.message.id, "r1:on_tool_end:1");
        assert_eq!(job.message.root_run_id.as_deref(), Some("r0"));
        assert_eq!(job.message.accepted_at_ms, 1_700_000_000_123);
        assert_eq!(&*job.body, b"{\"data\":1}");
        assert_eq!(job.sinks, vec![Arc::<str>::from("a"), Arc::from("b")]);
        let all = parse(&pairs(&super::fields(&delivery, &[]), "{}")).unwrap();
        assert!(all.sinks.is_empty());
    }

    #[test]
    fn malformed_entries_name_the_field() {
        let ok = vec![
            ("v".to_owned(), "1".to_owned()),
            ("id".into(), "x".into()),
            ("event".into(), "on_tool_end".into()),
            ("run_id".into(), "r".into()),
            ("accepted_at".into(), "5".into()),
        ];
        assert!(parse(&pairs(&ok, "{}")).is_ok());
        let without = |key: &str| ok.iter().filter(|(k, _)| k != key).cloned().collect::<Vec<_>>();
        assert!(parse(&pairs(&without("v"), "{}")).unwrap_err().contains("not a runwire job"));
        assert!(parse(&pairs(&without("id"), "{}")).unwrap_err().contains("`id`"));
        assert!(parse(&pairs(&without("accepted_at"), "{}")).unwrap_err().contains("`accepted_at`"));
        let mut bad = ok.clone();
        bad[4].1 = "soon".into();
        assert!(parse(&pairs(&bad, "{}")).unwrap_err().contains("unix milliseconds"));
        assert!(parse(&ok.iter().map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes())).collect::<Vec<_>>())
            .unwrap_err()
            .contains("`body`"));
        let mut v2 = ok;
        v2[0].1 = "2".into();
        assert!(parse(&pairs(&v2, "{}")).unwrap_err().contains("version"));
    }
}
