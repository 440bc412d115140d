/**
 * The custom-events API, built once over a backend (the addon or the wasm module) and a context:
 * the Node entry passes one that reads LangChain's AsyncLocalStorage and runwire's own
 * (node/context.js); the web entry passes none, so a config is always explicit there.
 */
import { createNodeDispatch, dispatchCustomEventWeb } from './dispatch.js';
import { awaitCallbacks, setHandlerIsolation } from './handlers.js';
import { createStandalone } from './scope.js';
import { createEmit } from './emit.js';
import { createTap } from './tap.js';

/**
 * @param {object} native `newRunId`, `includeRun`, `recordLayout`
 * @param {object} [context] `currentConfig()`, `currentScopeConfig()`, `enter(config, fn)`,
 *   `isolate(fn)`; omitted on the web
 */
export function createEvents(native, context) {
  if (context?.isolate) setHandlerIsolation(context.isolate);
  const { streamEvents, invokeRun } = createStandalone(native, context);
  const dispatchCustomEvent = context ? createNodeDispatch(context.currentConfig) : dispatchCustomEventWeb;
  const emit = createEmit(dispatchCustomEvent, context?.currentConfig);
  const tapCustomStream = createTap(() => native.newRunId());
  return { dispatchCustomEvent, emit, tapCustomStream, streamEvents, invokeRun, awaitCallbacks };
}
