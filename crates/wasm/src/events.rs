//! Event records, run ids and the streamEvents filter, exported to JS. Mirrors
//! `crates/node/src/events.rs` function for function.

use std::cell::RefCell;

use runwire_core::events::filter::{RunFilter, RunRef};
use runwire_core::events::record::{add_tags, layout_of};
use runwire_core::events::run_id::RunIdGenerator;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::error::invalid_argument;
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
