//! Event records, run ids and the streamEvents filter, exported to JS. Mirrors
//! `crates/node/src/events.rs` function for function.

use std::cell::RefCell;

use runwire_core::events::filter::{RunFilter, RunRef};
use runwire_core::events::record::{add_tags, layout_of};
use runwire_core::events::run_id::RunIdGenerator;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use runwire_core::events::run_webhook::RunCompletion;

use crate::error::{invalid_argument, to_js};
use crate::runtime::WebRuntime;

thread_local! {
    static RUN_IDS: RefCell<RunIdGenerator> = const { RefCell::new(RunIdGenerator::new()) };
}

/// A fresh UUIDv7 run id (monotonic within this instance).
#[wasm_bindgen(js_name = newRunId)]
pub fn new_run_id() -> String {
    RUN_IDS.with(|generator| generator.borrow_mut().next_id(&WebRuntime, &WebRuntime))
}

/// Whether records of a run pass LangChain's include/exclude filter (`null` = option not given).
#[wasm_bindgen(js_name = includeRun)]
#[expect(clippy::too_many_arguments, reason = "flat arguments mirror the napi export")]
pub fn include_run(
    include_names: Option<Vec<String>>,
    include_types: Option<Vec<String>>,
    include_tags: Option<Vec<String>>,
    exclude_names: Option<Vec<String>>,
    exclude_types: Option<Vec<String>>,
    exclude_tags: Option<Vec<String>>,
    name: &str,
    run_type: &str,
    tags: Vec<String>,
) -> bool {
    let filter = RunFilter { include_names, include_types, include_tags, exclude_names, exclude_types, exclude_tags };
    filter.includes(RunRef { name, run_type, tags: &tags })
}

/// The key order of a v2 record kind, e.g. `["event","run_id","name","tags","metadata","data"]`.
#[wasm_bindgen(js_name = recordLayout)]
pub fn record_layout(event: &str) -> Result<Vec<String>, JsValue> {
    let layout = layout_of(event).ok_or_else(|| invalid_argument(&format!("unknown record kind {event:?}")))?;
    Ok(layout.keys().iter().map(|key| (*key).to_owned()).collect())
}

/// A run's tags from inherited and own tags, by LangChain's `addTags` rule (remove, then append).
#[wasm_bindgen(js_name = runTags)]
pub fn run_tags(inherited: Vec<String>, own: Vec<String>) -> Vec<String> {
    add_tags(&inherited, &own)
}

/// The LangGraph-compatible run-completion payload of a finished run (`runJson`), as sent at
/// `sentAtMs`, capped at `maxBytes` (default 64 KiB). Mirrors the napi export.
#[wasm_bindgen(js_name = runWebhookPayload)]
pub fn run_webhook_payload(run_json: &str, sent_at_ms: f64, max_bytes: Option<u32>) -> Result<String, JsValue> {
    let run = RunCompletion::parse(run_json).map_err(to_js)?;
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
