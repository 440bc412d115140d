//! LangChain's event model, in its exact shapes: what `streamEvents` v2 yields and which runs
//! its filters keep.
//!
//! - [`record`]: v2 records (`event, run_id, name, tags, metadata, data`) and run context.
//! - [`filter`]: LangChain's include/exclude names/types/tags rule.
//! - [`run_id`]: UUIDv7 run ids, as @langchain/core 1.x mints them.
//! - [`run_webhook`]: the LangGraph-Platform-compatible run-completion payload.

pub mod filter;
pub mod record;
pub mod run_id;
pub mod run_webhook;
