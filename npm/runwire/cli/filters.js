/** The dead-letter filters `replay` and `dlq` share: reason, sink, event and a time window. */
import { parseWhen } from './dlq-store.js';

export const FILTER_OPTIONS = {
  reason: { type: 'list', description: 'only these reasons (exhausted, permanent_4xx, shutdown, …; comma-separated)' },
  sink: { type: 'list', description: 'only records of these sinks (comma-separated)' },
  event: { type: 'list', description: 'only these LangChain events (on_tool_end, …; comma-separated)' },
  since: { type: 'string', arg: 'when', description: 'dead-lettered at or after (2026-12-04, 2026-12-04T10:00Z, or an age: 30m, 6h, 2d)' },
  until: { type: 'string', arg: 'when', description: 'dead-lettered at or before (same forms)' },
};

export function filtersFrom(values) {
  return {
    reason: values.reason,
    sink: values.sink,
    event: values.event,
    since: parseWhen(values.since, 'since'),
    until: parseWhen(values.until, 'until'),
  };
}
