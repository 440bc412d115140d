//! Shared strings for queued events. Every queued event holds its event name and run id; a
//! long queue holds few distinct names (LangChain's event types) and runs whose events arrive
//! together. Sharing them makes each a reference count instead of an allocation — about 90 bytes
//! per queued event.
//!
//! Bounded: at most [`MAX_NAMES`] event names are kept (`send()` takes any name; past that, a
//! name is allocated per event as before), and one run id, the last one seen.

use std::sync::Arc;

/// How many distinct event names are shared.
pub const MAX_NAMES: usize = 64;

/// The shared event names and the last run id.
#[derive(Debug, Default)]
pub struct Interner {
    names: Vec<Arc<str>>,
    last_run: Option<Arc<str>>,
}

impl Interner {
    /// The shared copy of `event`.
    pub fn event(&mut self, event: &str) -> Arc<str> {
        if let Some(name) = self.names.iter().find(|name| ***name == *event) {
            return name.clone();
        }
        let name: Arc<str> = event.into();
        if self.names.len() < MAX_NAMES {
            self.names.push(name.clone());
        }
        name
    }

    /// `run_id`, shared with the previous event's if it is the same run.
    pub fn run(&mut self, run_id: &str) -> Arc<str> {
        match &self.last_run {
            Some(last) if **last == *run_id => last.clone(),
            _ => {
                let run: Arc<str> = run_id.into();
                self.last_run = Some(run.clone());
                run
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_the_last_run_are_shared() {
        let mut interner = Interner::default();
        let a = interner.event("on_tool_end");
        let b = interner.event("on_tool_end");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*interner.event("on_chain_end"), "on_chain_end");
        let r1 = interner.run("run-1");
        assert!(Arc::ptr_eq(&r1, &interner.run("run-1")));
        let r2 = interner.run("run-2");
        assert_eq!(&*r2, "run-2");
        assert!(!Arc::ptr_eq(&r1, &interner.run("run-1")), "only the last run is kept");
    }

    #[test]
    fn names_past_the_bound_are_not_kept() {
        let mut interner = Interner::default();
        for n in 0..MAX_NAMES + 10 {
            interner.event(&format!("e{n}"));
        }
        assert_eq!(interner.names.len(), MAX_NAMES);
        let late = format!("e{}", MAX_NAMES + 5);
        assert!(!Arc::ptr_eq(&interner.event(&late), &interner.event(&late)));
        assert!(Arc::ptr_eq(&interner.event("e0"), &interner.event("e0")));
    }
}
