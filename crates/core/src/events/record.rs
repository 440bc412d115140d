//! streamEvents v2 records and run context, in LangChain's exact shapes.
//!
//! A record is what `streamEvents({version: "v2"})` yields and what sinks later serialize. Its
//! fields are always `event, run_id, name, tags, metadata, data`, but LangChain emits them in
//! a different **key order** per kind (shared/spec/langchain-events.md §6.1), and consumers that
//! compare JSON text see that order. [`Layout`] names the orders; [`layout_of`] maps an event
//! name to its layout; [`Record`] serializes in that order.
//!
//! | layout | kinds | key order |
//! |---|---|---|
//! | `Start` | `on_chain_start`, `on_llm_start`, `on_chat_model_start`, `on_retriever_start`, … | event, data, name, tags, run_id, metadata |
//! | `ToolStart` | `on_tool_start` | event, data, name, run_id, tags, metadata |
//! | `Custom` | `on_custom_event` | event, run_id, name, tags, metadata, data |
//! | `OutputStream` | `on_chain_stream`, `on_tool_stream`, … (tapped output) | event, run_id, name, tags, metadata, data |
//! | `TokenStream` | `on_llm_stream`, `on_chat_model_stream` | event, data, run_id, name, tags, metadata |
//! | `End` | every `*_end`, `on_tool_error` | event, data, run_id, name, tags, metadata |
//!
//! No record has `parent_ids` (JS differs from Python here).
//!
//! [`RunContext`] is the part of a run that records carry: id, name, type, tags and metadata,
//! and how a nested run derives its own from its parent (LangChain's `addTags`: remove every
//! occurrence of each new tag, then append; metadata: shallow merge, later wins).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// The key order of a record kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Layout {
    /// `on_*_start` (except tools).
    Start,
    /// `on_tool_start`.
    ToolStart,
    /// `on_custom_event`.
    Custom,
    /// Output chunks tapped from a run's stream (`on_chain_stream`, …).
    OutputStream,
    /// LLM token chunks (`on_llm_stream`, `on_chat_model_stream`).
    TokenStream,
    /// `*_end` and `on_tool_error`.
    End,
}

impl Layout {
    /// The keys in emission order.
    pub fn keys(self) -> [&'static str; 6] {
        match self {
            Self::Start => ["event", "data", "name", "tags", "run_id", "metadata"],
            Self::ToolStart => ["event", "data", "name", "run_id", "tags", "metadata"],
            Self::Custom | Self::OutputStream => ["event", "run_id", "name", "tags", "metadata", "data"],
            Self::TokenStream | Self::End => ["event", "data", "run_id", "name", "tags", "metadata"],
        }
    }
}

/// The layout of a v2 event name, or `None` for a name LangChain never emits.
pub fn layout_of(event: &str) -> Option<Layout> {
    if event == "on_custom_event" {
        return Some(Layout::Custom);
    }
    let kind = event.strip_prefix("on_")?;
    let (run_type, phase) = kind.rsplit_once('_')?;
    if run_type.is_empty() {
        return None;
    }
    match (run_type, phase) {
        ("tool", "start") => Some(Layout::ToolStart),
        (_, "start") => Some(Layout::Start),
        ("llm" | "chat_model", "stream") => Some(Layout::TokenStream),
        (_, "stream") => Some(Layout::OutputStream),
        (_, "end") | ("tool", "error") => Some(Layout::End),
        _ => None,
    }
}

/// One v2 record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// `on_custom_event`, `on_chain_start`, ….
    pub event: String,
    /// The run the record belongs to (for custom events: the run executing the dispatch).
    pub run_id: String,
    /// The run's name, or for custom events the event's name.
    pub name: String,
    /// The run's tags, local tags included.
    pub tags: Vec<String>,
    /// The run's metadata.
    pub metadata: Map<String, Value>,
    /// The payload: `{input}`, `{chunk}`, `{output, input}`, or a custom event's raw data.
    pub data: Value,
}

impl Record {
    /// A custom event record of `run`.
    pub fn custom(run: &RunContext, name: &str, data: Value) -> Self {
        Self {
            event: "on_custom_event".to_owned(),
            run_id: run.run_id.clone(),
            name: name.to_owned(),
            tags: run.tags.clone(),
            metadata: run.metadata.clone(),
            data,
        }
    }

    /// The record's layout ([`Layout::Custom`] for names LangChain never emits).
    pub fn layout(&self) -> Layout {
        layout_of(&self.event).unwrap_or(Layout::Custom)
    }

    /// Compact JSON in the record's key order, as `JSON.stringify` writes the JS record.
    pub fn to_json(&self) -> String {
        // Serializing strings, string lists and JSON values into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(6))?;
        for key in self.layout().keys() {
            match key {
                "event" => map.serialize_entry(key, &self.event)?,
                "run_id" => map.serialize_entry(key, &self.run_id)?,
                "name" => map.serialize_entry(key, &self.name)?,
                "tags" => map.serialize_entry(key, &self.tags)?,
                "metadata" => map.serialize_entry(key, &self.metadata)?,
                _ => map.serialize_entry(key, &self.data)?,
            }
        }
        map.end()
    }
}

/// LangChain's `addTags`: every occurrence of each new tag is removed, then the new tags are
/// appended in order.
pub fn add_tags(existing: &[String], added: &[String]) -> Vec<String> {
    existing.iter().filter(|tag| !added.contains(tag)).chain(added).cloned().collect()
}

/// What records of one run carry.
#[derive(Debug, Clone, PartialEq)]
pub struct RunContext {
    /// The run id (UUIDv7, see [`crate::events::run_id`]).
    pub run_id: String,
    /// The parent run, `None` for a root run.
    pub parent_run_id: Option<String>,
    /// The run name.
    pub name: String,
    /// The run type (`chain` for standalone runs).
    pub run_type: String,
    /// Tags: the parent's, then this run's own, by [`add_tags`].
    pub tags: Vec<String>,
    /// Metadata: the parent's, overlaid by this run's own.
    pub metadata: Map<String, Value>,
}

impl RunContext {
    /// A root run.
    pub fn root(run_id: String, name: &str, tags: &[String], metadata: Map<String, Value>) -> Self {
        Self {
            run_id,
            parent_run_id: None,
            name: name.to_owned(),
            run_type: "chain".to_owned(),
            tags: add_tags(&[], tags),
            metadata,
        }
    }

    /// A run nested in this one, with its own tags and metadata added to the inherited ones.
    pub fn child(&self, run_id: String, name: &str, tags: &[String], metadata: &Map<String, Value>) -> Self {
        let mut merged = self.metadata.clone();
        for (key, value) in metadata {
            merged.insert(key.clone(), value.clone());
        }
        Self {
            run_id,
            parent_run_id: Some(self.run_id.clone()),
            name: name.to_owned(),
            run_type: "chain".to_owned(),
            tags: add_tags(&self.tags, tags),
            metadata: merged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn golden_g1_custom_record_bytes() {
        let run =
            RunContext::root("01a20af6-2c46-766d-bd3e-a2bdbc31d9e0".to_owned(), "RunnableLambda", &[], Map::new());
        let record = Record::custom(&run, "event1", json!({"reversed": "dlrow olleh"}));
        assert_eq!(
            record.to_json(),
            r#"{"event":"on_custom_event","run_id":"01a20af6-2c46-766d-bd3e-a2bdbc31d9e0","name":"event1","tags":[],"metadata":{},"data":{"reversed":"dlrow olleh"}}"#
        );
    }

    #[test]
    fn golden_g1_start_and_end_orders() {
        let start = Record {
            event: "on_chain_start".to_owned(),
            run_id: "r".to_owned(),
            name: "RunnableLambda".to_owned(),
            tags: vec![],
            metadata: Map::new(),
            data: json!({"input": "hello world"}),
        };
        assert_eq!(
            start.to_json(),
            r#"{"event":"on_chain_start","data":{"input":"hello world"},"name":"RunnableLambda","tags":[],"run_id":"r","metadata":{}}"#
        );
        let end = Record { event: "on_chain_end".to_owned(), data: json!({"output": "hello world"}), ..start };
        assert_eq!(
            end.to_json(),
            r#"{"event":"on_chain_end","data":{"output":"hello world"},"run_id":"r","name":"RunnableLambda","tags":[],"metadata":{}}"#
        );
    }

    #[test]
    fn layouts_by_event_name() {
        assert_eq!(layout_of("on_custom_event"), Some(Layout::Custom));
        assert_eq!(layout_of("on_chain_start"), Some(Layout::Start));
        assert_eq!(layout_of("on_chat_model_start"), Some(Layout::Start));
        assert_eq!(layout_of("on_tool_start"), Some(Layout::ToolStart));
        assert_eq!(layout_of("on_chain_stream"), Some(Layout::OutputStream));
        assert_eq!(layout_of("on_chat_model_stream"), Some(Layout::TokenStream));
        assert_eq!(layout_of("on_tool_end"), Some(Layout::End));
        assert_eq!(layout_of("on_tool_error"), Some(Layout::End));
        assert_eq!(layout_of("on_chain_error"), None);
        assert_eq!(layout_of("custom"), None);
        assert_eq!(layout_of("on__start"), None);
    }

    #[test]
    fn add_tags_removes_then_appends() {
        assert_eq!(add_tags(&tags(&["a", "b", "c"]), &tags(&["b"])), tags(&["a", "c", "b"]));
        assert_eq!(add_tags(&tags(&["x", "x"]), &tags(&["y"])), tags(&["x", "x", "y"]));
        assert_eq!(add_tags(&[], &tags(&["a", "a"])), tags(&["a", "a"]));
    }

    #[test]
    fn child_runs_inherit_tags_and_metadata() {
        let mut meta = Map::new();
        meta.insert("root".to_owned(), json!(0));
        let root = RunContext::root("p".to_owned(), "outer", &tags(&["root-tag"]), meta);
        let mut own = Map::new();
        own.insert("inner".to_owned(), json!(true));
        let child = root.child("c".to_owned(), "inner", &tags(&["inner-tag"]), &own);
        assert_eq!(child.parent_run_id.as_deref(), Some("p"));
        assert_eq!(child.tags, tags(&["root-tag", "inner-tag"]));
        assert_eq!(serde_json::to_string(&child.metadata).unwrap(), r#"{"inner":true,"root":0}"#);
    }
}
