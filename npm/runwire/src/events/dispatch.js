/**
 * `dispatchCustomEvent`, behaviour-identical to @langchain/core's two entries
 * (shared/spec/langchain-events.md §1–§4), without importing any @langchain/core internals.
 *
 * Design: runwire does not re-implement LangChain's fan-out. It resolves the RunnableConfig the
 * way `ensureConfig` does (§2.1), treats `config.callbacks` as a duck-typed CallbackManager, and
 * calls that manager's own `handleCustomEvent(name, payload, parentRunId)` after the same
 * `copy()` + `addTags` + `addMetadata` that `_configureSync` applies (§2.2, §5.3). Handler
 * calling conventions (5 arguments), `ignoreCustomEvent`, background vs awaited queueing,
 * `raiseError` and the warn/error log lines therefore come from the installed LangChain itself,
 * whatever its version (0.3.x or 1.x).
 *
 * Invariants:
 * - Always returns a Promise; never throws synchronously (bad input rejects with a coded error).
 * - The microtask structure mirrors core (an outer async step that awaits the web step, which
 *   awaits once before calling the manager), so fire-and-forget dispatches interleave with the
 *   run's own callbacks exactly as they do with @langchain/core.
 * - A config whose `callbacks` is a runwire standalone run scope (see ./scope.js) is dispatched
 *   by that scope directly: no LangChain needed.
 */
import { codedError } from '../errors.js';
import { RUN_SCOPE } from './scope.js';

/** The text of @langchain/core's web-entry error (§1.1), byte for byte. */
export const MISSING_CONFIG_MESSAGE = [
  'Unable to dispatch a custom event without a parent run id.',
  `"dispatchCustomEvent" can only be called from within an existing run (e.g.,`,
  'inside a tool or a RunnableLambda).',
  `\n\nIf you continue to see this error, please import from "@langchain/core/callbacks/dispatch/web"`,
  'and explicitly pass in a config parameter.',
  `\n\nOr, if you are calling this from a custom tool, ensure you're using the "tool" helper constructor as documented here:`,
  '\n  |',
  '\n  └-> https://js.langchain.com/docs/how_to/custom_tools#tool-function',
  '\n',
].join(' ');

const INVALID_NAME = 'ERR_RUNWIRE_INVALID_EVENT_NAME';

/** The coded rejection for a name that is not a non-empty string. */
export function invalidEventName(name) {
  const got = typeof name === 'string' ? 'an empty string' : name === null ? 'null' : typeof name;
  return codedError(INVALID_NAME, `event name must be a non-empty string, got ${got}`);
}

const PRIMITIVES = new Set(['string', 'number', 'boolean']);

/** The newest LangChain's rules: used when the run's core cannot tell (see node/langchain-rules.js). */
const NEWEST_RULES = { timeoutMetadata: true, configurableMetadata: false };

/**
 * `ensureConfig(config)` of @langchain/core (§2.1): defaults, then the implicit config's keys
 * except `runId`/`runName`, then the explicit config's keys (each replaces wholesale); `undefined`
 * values are skipped. `configurable` and `timeout` are normalised as the run's installed
 * @langchain/core does — `rulesOf(callbacks)` says which rules that is: before 1.1.40 every
 * primitive `configurable` value → metadata, since then only `configurable.model`; `timeout` →
 * `signal`, plus `metadata.timeoutMs` since 1.1.5 — mutating the metadata object in place as
 * core does.
 */
export function ensureConfig(implicit, explicit, rulesOf = () => NEWEST_RULES) {
  const out = { tags: [], metadata: {}, recursionLimit: 25, runId: undefined };
  if (implicit) {
    for (const key of Object.keys(implicit)) {
      if (key === 'runId' || key === 'runName') continue;
      const value = implicit[key];
      if (value !== undefined) out[key] = value;
    }
  }
  if (explicit) {
    for (const key of Object.keys(explicit)) {
      const value = explicit[key];
      if (value !== undefined) out[key] = value;
    }
  }
  const configurable = out.configurable;
  if (configurable === undefined && out.timeout === undefined) return out;
  const rules = rulesOf(out.callbacks);
  if (configurable && rules.configurableMetadata) {
    for (const key of Object.keys(configurable)) {
      if (PRIMITIVES.has(typeof configurable[key]) && !out.metadata?.[key]) {
        if (!out.metadata) out.metadata = {};
        out.metadata[key] = configurable[key];
      }
    }
  } else if (configurable && typeof configurable.model === 'string' && out.metadata?.model === undefined) {
    if (!out.metadata) out.metadata = {};
    out.metadata.model = configurable.model;
  }
  if (out.timeout !== undefined) {
    if (out.timeout <= 0) throw new Error('Timeout must be a positive number');
    const timeoutSignal = AbortSignal.timeout(out.timeout);
    if (rules.timeoutMetadata) {
      if (!out.metadata) out.metadata = {};
      if (out.metadata.timeoutMs === undefined) out.metadata.timeoutMs = out.timeout;
    }
    if (out.signal !== undefined) {
      if ('any' in AbortSignal) out.signal = AbortSignal.any([out.signal, timeoutSignal]);
    } else out.signal = timeoutSignal;
    delete out.timeout;
  }
  return out;
}

/**
 * The manager `getCallbackManagerForConfig(config)` would build, reduced to what custom events
 * can observe: a copy of a CallbackManager-like `callbacks` with the config's tags and metadata
 * applied. Arrays and missing callbacks give a manager with no parent run id in core, so
 * dispatch is a no-op there; they return `undefined` here.
 */
function managerFor(config) {
  const callbacks = config.callbacks;
  if (!callbacks || typeof callbacks !== 'object' || Array.isArray(callbacks)) return undefined;
  if (typeof callbacks.getParentRunId !== 'function' || typeof callbacks.copy !== 'function') return undefined;
  const manager = callbacks.copy();
  const { tags, metadata } = config;
  if (tags) manager.addTags(tags);
  if (metadata) manager.addMetadata(metadata);
  return manager;
}

/** Async like core's `getCallbackManagerForConfig`, so awaiting it takes the same microtask. */
async function awaitManager(config) {
  return managerFor(config);
}

/**
 * The web entry's behaviour on a resolved config: a standalone runwire scope dispatches itself;
 * a LangChain manager with a parent run id gets `handleCustomEvent`; anything else is a no-op.
 */
async function dispatchResolved(name, payload, config) {
  if (config === undefined) throw new Error(MISSING_CONFIG_MESSAGE);
  if (config === null) return;
  const scope = config.callbacks?.[RUN_SCOPE];
  if (scope !== undefined) return scope.dispatch(name, payload, config);
  const manager = await awaitManager(config);
  const parentRunId = manager?.getParentRunId();
  if (manager !== undefined && parentRunId !== undefined) {
    await manager.handleCustomEvent?.(name, payload, parentRunId);
  }
}

/**
 * The web entry (`runwire/web`): explicit config only. Named `dispatchCustomEvent` like core's
 * export (same `name` and `length`), so code that inspects it sees a drop-in.
 */
export const dispatchCustomEventWeb = function dispatchCustomEvent(name, payload, config) {
  if (typeof name !== 'string' || name.length === 0) return Promise.reject(invalidEventName(name));
  // The hot path of standalone runs: no async hop, the scope dispatches by itself.
  const scope = config?.callbacks?.[RUN_SCOPE];
  if (scope !== undefined) return scope.dispatch(name, payload, config);
  return dispatchResolved(name, payload, config);
};

/**
 * The Node entry, given a way to read the implicit config: `current()` returns the innermost
 * run's config — a standalone scope's (whose `callbacks` is the scope: fast path) or LangChain's
 * RunnableConfig — or `undefined` outside any run; `rulesOf(callbacks)` the `ensureConfig` rules
 * of the LangChain that built a run's callback manager.
 */
export function createNodeDispatch(current, rulesOf) {
  async function dispatchViaConfig(name, payload, implicit, config) {
    await dispatchResolved(name, payload, ensureConfig(implicit, config, rulesOf));
  }
  return function dispatchCustomEvent(name, payload, config) {
    if (typeof name !== 'string' || name.length === 0) return Promise.reject(invalidEventName(name));
    const found = current();
    if (config === undefined && found !== undefined) {
      // The hot path of standalone runs: the scope dispatches by itself, nothing to merge.
      const scope = found.callbacks?.[RUN_SCOPE];
      if (scope !== undefined) return scope.dispatch(name, payload, undefined);
    }
    return dispatchViaConfig(name, payload, found, config);
  };
}
