/**
 * `emit(name, data, config?)`: one call that reaches every channel a LangChain.js / LangGraph.js
 * app reads events from.
 *
 * 1. **LangGraph's custom stream** — when the run has a stream writer (`config.writer`, set by
 *    LangGraph for `stream(…, { streamMode: "custom" })` and its v3 event stream), `emit` writes
 *    the chunk `{ name, data }` to it (the same object every time it is read: `data` by reference).
 * 2. **`on_custom_event`** — then it dispatches exactly as `dispatchCustomEvent` does (same config
 *    resolution, same records in `streamEvents` v2, same `handleCustomEvent` callbacks), and so
 *    reaches runwire's sinks through the webhook handler.
 *
 * The Node entry finds the config itself (AsyncLocalStorage), the web entry needs it passed, with
 * `dispatchCustomEvent`'s own error when it is missing. Outside a run with a writer, `emit` is
 * `dispatchCustomEvent`. Chunks written by `emit` are remembered (weakly), so the stream tap
 * (./tap.js) does not ship them a second time: they already reach the sinks as custom events.
 */
import { RUN_SCOPE } from './scope.js';
import { invalidEventName } from './dispatch.js';

/** Chunks that `emit` wrote to a LangGraph writer (read by the tap). */
export const EMITTED = new WeakSet();

function writerOf(config) {
  if (config === null || typeof config !== 'object' || config.callbacks?.[RUN_SCOPE] !== undefined) return undefined;
  const writer = config.writer;
  return typeof writer === 'function' ? writer : undefined;
}

/**
 * @param {(name: string, data: unknown, config?: object) => Promise<void>} dispatchCustomEvent
 *   the entry's own dispatch (Node: finds the config; web: needs it)
 * @param {() => object | undefined} [current] the Node entry's implicit config
 */
export function createEmit(dispatchCustomEvent, current) {
  return function emit(name, data, config) {
    if (typeof name !== 'string' || name.length === 0) return Promise.reject(invalidEventName(name));
    const writer = writerOf(config) ?? (current === undefined ? undefined : writerOf(current()));
    if (writer !== undefined) {
      const chunk = { name, data };
      EMITTED.add(chunk);
      try {
        writer(chunk);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return dispatchCustomEvent(name, data, config);
  };
}
