//! Event records, run ids and the streamEvents filter, exported to JS.
//!
//! The same low-level functions, with the same names and argument order, exist in the web build
//! (`crates/wasm/src/events.rs`); `npm/runwire/src/events/` builds the public API on either.
//! Each is called once per run (never per event): see the README's architecture section.

use std::sync::{Mutex, PoisonError};

use napi_derive::napi;
use runwire_core::events::filter::{RunFilter, RunRef};
use runwire_core::events::record::{add_tags, layout_of};
use runwire_core::events::run_id::RunIdGenerator;

use runwire_core::events::run_webhook::RunCompletion;

use crate::error::{invalid_argument, to_js, Result};
use crate::runtime::NodeRuntime;

static RUN_IDS: Mutex<RunIdGenerator> = Mutex::new(RunIdGenerator::new());

/// A fresh UUIDv7 run id (monotonic within this process).
#[napi(js_name = "newRunId", catch_unwind)]
pub fn new_run_id() -> String {
    let mut generator = RUN_IDS.lock().unwrap_or_else(PoisonError::into_inner);
    generator.next_id(&NodeRuntime, &NodeRuntime)
}

/// Whether records of a run pass LangChain's include/exclude filter (`null` = option not given).
#[napi(js_name = "includeRun", catch_unwind)]
#[allow(
    clippy::too_many_arguments,
    reason = "flat arguments mirror the wasm export; `expect` misfires through #[napi]"
)]
pub fn include_run(
    include_names: Option<Vec<String>>,
    include_types: Option<Vec<String>>,
    include_tags: Option<Vec<String>>,
    exclude_names: Option<Vec<String>>,
    exclude_types: Option<Vec<String>>,
    exclude_tags: Option<Vec<String>>,
    name: String,
    run_type: String,
    tags: Vec<String>,
) -> bool {
    let filter = RunFilter { include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags };
    filter.includes(RunRef { name: &name, run_type: &run_type, tags: &tags })
}

/// The key order of a v2 record kind, e.g. `["event","run_id","name","tags","metadata","data"]`.
#[napi(js_name = "recordLayout", catch_unwind)]
pub fn record_layout(event: String) -> Result<Vec<String>> {
    let layout = layout_of(&event).ok_or_else(|| invalid_argument(format!("unknown record kind {event:?}")))?;
    Ok(layout.keys().iter().map(|key| (*key).to_owned()).collect())
}

/// A run's tags from inherited and own tags, by LangChain's `addTags` rule (remove, then append).
#[napi(js_name = "runTags", catch_unwind)]
pub fn run_tags(inherited: Vec<String>, own: Vec<String>) -> Vec<String> {
    add_tags(&inherited, &own)
}

/// The LangGraph-compatible run-completion payload of a finished run (`runJson`, see
/// `RunCompletion::parse` in the core), as sent at `sentAtMs`, capped at `maxBytes` (default
/// 64 KiB).
#[napi(js_name = "runWebhookPayload")]
pub fn run_webhook_payload(run_json: String, sent_at_ms: f64, max_bytes: Option<u32>) -> Result<String> {
    let run = RunCompletion::parse(&run_json).map_err(to_js)?;
    let max = max_bytes.map_or(runwire_core::delivery::envelope::HARD_MAX_BYTES, |n| n as usize);
    run.payload_text(unix_ms(sent_at_ms), max).map_err(to_js)
}

/// JS milliseconds (a double) as unix ms; nonsense becomes 0.
fn unix_ms(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        #[expect(clippy::cast_possible_truncation, reason = "clamped to a valid unix-ms range first")]
        let whole = ms.min(9.0e15) as u64;
        whole
    } else {
        0
    }
}
