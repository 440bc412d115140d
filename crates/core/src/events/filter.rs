//! LangChain's streamEvents include/exclude filter (`EventStreamCallbackHandler._includeRun`).
//!
//! Filters apply to the **run** that produced a record — its name, run type and tags (local tags
//! such as `seq:step:1` included) — never to a custom event's own name
//! (shared/spec/langchain-events.md §7.2):
//!
//! | option | rule |
//! |---|---|
//! | none of the `include*` given | included |
//! | `include_names` / `include_types` / `include_tags` | OR-in: name, type, or any tag listed |
//! | `exclude_names` / `exclude_types` / `exclude_tags` | AND-out: name, type, or any tag listed |
//!
//! An empty include list is "given" and matches nothing, as in LangChain.

/// The run a record belongs to, as the filter sees it.
#[derive(Debug, Clone, Copy)]
pub struct RunRef<'a> {
    /// The run's name (`RunnableLambda`, a tool's name, a LangGraph node key, …).
    pub name: &'a str,
    /// The run type: `chain`, `tool`, `llm`, `chat_model`, `retriever`, `prompt`, ….
    pub run_type: &'a str,
    /// The run's tags, local tags included.
    pub tags: &'a [String],
}

/// The six optional lists of LangChain's streamEvents options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Include runs with one of these names.
    pub include_names: Option<Vec<String>>,
    /// Include runs of one of these types.
    pub include_types: Option<Vec<String>>,
    /// Include runs carrying one of these tags.
    pub include_tags: Option<Vec<String>>,
    /// Exclude runs with one of these names.
    pub exclude_names: Option<Vec<String>>,
    /// Exclude runs of one of these types.
    pub exclude_types: Option<Vec<String>>,
    /// Exclude runs carrying one of these tags.
    pub exclude_tags: Option<Vec<String>>,
}

fn listed(list: &[String], value: &str) -> bool {
    list.iter().any(|item| item == value)
}

impl RunFilter {
    /// True when no list is given: every run is included.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether records of `run` pass the filter.
    pub fn includes(&self, run: RunRef<'_>) -> bool {
        let mut include = self.include_names.is_none() && self.include_types.is_none() && self.include_tags.is_none();
        if let Some(names) = &self.include_names {
            include = include || listed(names, run.name);
        }
        if let Some(types) = &self.include_types {
            include = include || listed(types, run.run_type);
        }
        if let Some(tags) = &self.include_tags {
            include = include || run.tags.iter().any(|tag| listed(tags, tag));
        }
        if let Some(names) = &self.exclude_names {
            include = include && !listed(names, run.name);
        }
        if let Some(types) = &self.exclude_types {
            include = include && !listed(types, run.run_type);
        }
        if let Some(tags) = &self.exclude_tags {
            include = include && run.tags.iter().all(|tag| !listed(tags, tag));
        }
        include
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| (*s).to_owned()).collect())
    }

    /// The observed table of §7.2: `outerSeq = stepA(tags ["a-tag"]) | stepB`, which custom
    /// events (from stepA, stepB) pass each option.
    #[test]
    fn the_observed_filter_table() {
        let a_tags = vec!["seq:step:1".to_owned(), "a-tag".to_owned()];
        let b_tags = vec!["seq:step:2".to_owned()];
        let step_a = RunRef { name: "stepA", run_type: "chain", tags: &a_tags };
        let step_b = RunRef { name: "stepB", run_type: "chain", tags: &b_tags };
        let cases: Vec<(RunFilter, bool, bool)> = vec![
            (RunFilter::default(), true, true),
            (RunFilter { include_names: strings(&["a_event"]), ..Default::default() }, false, false),
            (RunFilter { include_names: strings(&["stepA"]), ..Default::default() }, true, false),
            (RunFilter { include_types: strings(&["chain"]), ..Default::default() }, true, true),
            (RunFilter { include_types: strings(&["custom_event"]), ..Default::default() }, false, false),
            (RunFilter { include_tags: strings(&["a-tag"]), ..Default::default() }, true, false),
            (RunFilter { exclude_names: strings(&["a_event"]), ..Default::default() }, true, true),
            (RunFilter { exclude_names: strings(&["stepA"]), ..Default::default() }, false, true),
            (RunFilter { exclude_tags: strings(&["a-tag"]), ..Default::default() }, false, true),
            (RunFilter { exclude_types: strings(&["chain"]), ..Default::default() }, false, false),
        ];
        for (filter, a, b) in cases {
            assert_eq!((filter.includes(step_a), filter.includes(step_b)), (a, b), "{filter:?}");
        }
    }

    #[test]
    fn include_is_or_and_exclude_is_and() {
        let tags = vec!["x".to_owned()];
        let run = RunRef { name: "n", run_type: "tool", tags: &tags };
        let filter =
            RunFilter { include_names: strings(&["other"]), include_tags: strings(&["x"]), ..Default::default() };
        assert!(filter.includes(run));
        let filter =
            RunFilter { include_tags: strings(&["x"]), exclude_types: strings(&["tool"]), ..Default::default() };
        assert!(!filter.includes(run));
        assert!(!RunFilter { include_names: Some(vec![]), ..Default::default() }.includes(run));
        assert!(RunFilter::default().is_empty());
    }
}
