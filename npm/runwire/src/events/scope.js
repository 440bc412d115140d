/**
 * Standalone runs: LangChain's run semantics for plain functions, no @langchain/core needed.
 *
 * `streamEvents(fn, input, options, streamOptions)` runs `fn(input, config)` as a root run and
 * yields the records a LangChain `RunnableLambda` streaming the same function would yield
 * (`on_chain_start`, `on_custom_event`…, `on_chain_stream`, `on_chain_end`), with the same data
 * rules, first-event input injection and include/exclude filters. `invokeRun(fn, input, config)`
 * runs a nested run the way `RunnableLambda.invoke` does inside another run (start and end
 * records, no stream record), so run ids, tags and metadata nest like LangChain's.
 *
 * A run's `config.callbacks` is its {@link RunScope}. `dispatchCustomEvent` recognises it by the
 * `RUN_SCOPE` symbol and hands the event to it directly (./dispatch.js): that is the whole hot
 * path — one record object pushed to the stream and, if there are handlers, one call each.
 * In Node the scope is also found implicitly through runwire's own AsyncLocalStorage
 * (node/context.js); on the web `fn` receives `config` and passes it on.
 *
 * The core decides per run, never per event: run ids are its UUIDv7s (`newRunId`), a run's
 * tags come from its `runTags` (LangChain's remove-then-append rule), and filters from its
 * `includeRun`. Metadata is merged here (a shallow spread, as LangChain does) because its values
 * are the caller's objects, passed by reference.
 */
import { invalidArgument } from '../errors.js';
import { chainEnd, chainStart, chainStream, coerceToDict, customEvent } from './records.js';
import { deliverCustomEvent, planHandlers } from './handlers.js';
import { RecordStream, eventStreamBytes } from './stream.js';

/** Marks a config's `callbacks` as a runwire run scope (global, so module copies agree). */
export const RUN_SCOPE = Symbol.for('runwire.run_scope');

/**
 * A handler that also wants its root run's start and end (the run-webhook handler) carries
 * `{ start(runId, name, input, config, metadata), end(runId, output), error(runId, error) }`
 * under this key. Only root runs call it, once each; other handlers keep receiving custom events
 * only.
 */
export const ROOT_RUN = Symbol.for('runwire.root_run');

const abortError = () => Object.assign(new Error('Aborted'), { name: 'AbortError' });

/** Calls every root-run listener; a listener's failure never reaches the run. */
function notifyRoot(listeners, method, ...args) {
  if (listeners.length === 0) return RESOLVED;
  const pending = [];
  for (const listener of listeners) {
    try {
      const result = listener[method](...args);
      if (result && typeof result.then === 'function') pending.push(result.catch(() => {}));
    } catch {
      // reported by the listener itself
    }
  }
  return pending.length === 0 ? RESOLVED : Promise.all(pending);
}

const FILTER_KEYS = ['includeNames', 'includeTypes', 'includeTags', 'excludeNames', 'excludeTypes', 'excludeTags'];
const RESOLVED = Promise.resolve();
const DEFAULT_NAME = 'RunnableLambda';

function notFoundWarning(runId) {
  return `Error in handler EventStreamCallbackHandler, handleCustomEvent: Error: handleCustomEvent: Run ID ${runId} not found in run map.`;
}

/** What one root run shares with its nested runs: the record stream, handlers, filter. */
class Root {
  constructor(runTags, stream, handlers, filter, ignoreCustomEvent) {
    this.runTags = runTags;
    this.stream = stream;
    this.handlers = planHandlers(handlers);
    this.lifecycle = handlers.map((h) => h[ROOT_RUN]).filter((l) => l && typeof l === 'object');
    this.filter = filter;
    this.ignoreCustomEvent = ignoreCustomEvent;
  }
}

/** One run. Its `config.callbacks` is the scope itself. */
export class RunScope {
  constructor(root, runId, name, tags, metadata, config) {
    this[RUN_SCOPE] = this;
    this.root = root;
    this.runId = runId;
    this.name = name;
    this.tags = tags;
    this.metadata = metadata;
    this.ended = false;
    this.config = { ...config, callbacks: this };
    this.included = root.stream !== undefined && root.filter(this);
    this.streamCustom = this.included && !root.ignoreCustomEvent;
    this.handlerTags = root.runTags(tags, config.tags);
    this.handlerMetadata = config.metadata ? { ...metadata, ...config.metadata } : metadata;
  }

  emit(record) {
    if (this.included) this.root.stream.push(record);
  }

  /** Dispatches one custom event of this run; `config` is the caller's resolved config, if any. */
  dispatch(name, payload, config) {
    const root = this.root;
    if (this.ended) {
      if (root.stream !== undefined && !root.ignoreCustomEvent) console.warn(notFoundWarning(this.runId));
    } else if (this.streamCustom) {
      root.stream.push(customEvent(this, name, payload));
    }
    if (root.handlers.length === 0) return RESOLVED;
    let tags = this.handlerTags;
    let metadata = this.handlerMetadata;
    if (config !== undefined && config !== this.config) {
      tags = root.runTags(this.tags, config.tags);
      metadata = config.metadata ? { ...this.metadata, ...config.metadata } : this.metadata;
    }
    return deliverCustomEvent(root.handlers, name, payload, this.runId, tags, metadata);
  }
}

function handlerList(callbacks, what) {
  if (callbacks === undefined) return [];
  if (!Array.isArray(callbacks) || !callbacks.every((h) => h !== null && typeof h === 'object')) {
    throw invalidArgument(`${what} must be an array of handler objects`);
  }
  return callbacks;
}

function runMetadata(config) {
  const metadata = { ...config.metadata };
  const model = config.configurable?.model;
  if (typeof model === 'string' && metadata.model === undefined) metadata.model = model;
  return metadata;
}

function fnConfig(config, signal) {
  const out = { tags: config.tags ?? [], metadata: config.metadata ?? {} };
  if (config.configurable !== undefined) out.configurable = config.configurable;
  out.recursionLimit = config.recursionLimit ?? 25;
  if (signal !== undefined) out.signal = signal;
  return out;
}

/**
 * Builds the standalone API over a backend: `native` gives `newRunId()` and `includeRun(...)`
 * (the core's rules), `context` is how runs are entered and found (Node: AsyncLocalStorage;
 * web: nothing is implicit).
 */
export function createStandalone(native, context) {
  const enter = context?.enter ?? ((_config, fn) => fn());
  const currentScopeConfig = context?.currentScopeConfig ?? (() => undefined);

  function filterFor(spec) {
    const lists = FILTER_KEYS.map((key) => {
      const value = spec?.[key];
      if (value === undefined) return null;
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw invalidArgument(`${key} must be an array of strings`);
      }
      return value;
    });
    if (lists.every((list) => list === null)) return () => true;
    return (run) => native.includeRun(...lists, run.name, 'chain', run.tags);
  }

  /**
   * A run's tags: inherited plus own by the core's `runTags` (LangChain's tag rule), called
   * once per run; with no own tags the rule is the identity, so no call is needed.
   */
  function runTags(inherited, own) {
    if (own === undefined || own === null || own.length === 0) return inherited.slice();
    if (!Array.isArray(own) || !own.every((tag) => typeof tag === 'string')) {
      throw invalidArgument('tags must be an array of strings');
    }
    return native.runTags(inherited, own);
  }

  function checkFn(fn) {
    if (typeof fn !== 'function') throw invalidArgument('fn must be a function');
  }

  /**
   * Runs `fn(input, config)` as a root run and returns an async iterable of its v2 records
   * (or of `text/event-stream` bytes with `options.encoding`).
   */
  function streamEvents(fn, input, options = {}, streamOptions = undefined) {
    checkFn(fn);
    if (options === null || typeof options !== 'object') throw invalidArgument('options must be an object');
    if (options.version !== undefined && options.version !== 'v2') {
      throw invalidArgument('only version "v2" of the event schema is supported');
    }
    const encoding = options.encoding;
    if (encoding !== undefined && encoding !== 'text/event-stream') {
      throw invalidArgument('options.encoding must be "text/event-stream" when given');
    }
    const filterSpec = {};
    for (const key of FILTER_KEYS) filterSpec[key] = streamOptions?.[key] ?? options[key];
    const filter = filterFor(filterSpec);
    const ignoreCustomEvent = (streamOptions?.ignoreCustomEvent ?? options.ignoreCustomEvent) === true;
    const handlers = handlerList(options.callbacks, 'options.callbacks');
    const abort = new AbortController();

    const stream = new RecordStream(input, () => {
      scope.emit(chainStart(scope, { input: '' }));
      drive();
    }, () => abort.abort());
    const root = new Root(runTags, stream, handlers, filter, ignoreCustomEvent);
    const tags = runTags([], options.tags);
    const runId = options.runId ?? native.newRunId();
    const scope = new RunScope(root, runId, options.runName ?? DEFAULT_NAME, tags, runMetadata(options), fnConfig(options, abort.signal));

    async function drive() {
      const lifecycle = root.lifecycle;
      notifyRoot(lifecycle, 'start', runId, scope.name, input, scope.config, scope.metadata);
      let output;
      try {
        output = await enter(scope.config, () => fn(input, scope.config));
      } catch (error) {
        scope.ended = true;
        await notifyRoot(lifecycle, 'error', runId, abort.signal.aborted ? abortError() : error);
        stream.fail(error);
        return;
      }
      scope.emit(chainStream(scope, output));
      scope.ended = true;
      scope.emit(chainEnd(scope, coerceToDict(output ?? {}, 'output'), coerceToDict(input, 'input')));
      await notifyRoot(lifecycle, 'end', runId, output);
      stream.close();
    }

    if (encoding === 'text/event-stream') {
      const bytes = eventStreamBytes(stream);
      return { [Symbol.asyncIterator]: () => bytes };
    }
    return stream;
  }

  /**
   * Runs `fn(input, config)` as a run nested in the current one (like `RunnableLambda.invoke`
   * inside a run): found implicitly in Node, or from `config.callbacks` (the config a run's `fn`
   * received). Resolves to `fn`'s result.
   */
  async function invokeRun(fn, input, config = undefined) {
    checkFn(fn);
    const merged = mergeConfig(currentScopeConfig(), config);
    const parent = merged.callbacks?.[RUN_SCOPE];
    let scope;
    let silent = false;
    const name = merged.runName ?? DEFAULT_NAME;
    const runId = merged.runId ?? native.newRunId();
    if (parent !== undefined) {
      const tags = runTags(parent.tags, merged.tags);
      const metadata = { ...parent.metadata, ...runMetadata(merged) };
      scope = new RunScope(parent.root, runId, name, tags, metadata, fnConfig(merged, merged.signal));
    } else {
      const handlers = handlerList(merged.callbacks, 'config.callbacks');
      // No parent and no handlers: nothing could observe this run, so `fn` runs in whatever
      // context is current — inside a LangChain run its dispatches still reach LangChain.
      silent = handlers.length === 0;
      const root = new Root(runTags, undefined, handlers, () => false, false);
      scope = new RunScope(root, runId, name, runTags([], merged.tags), runMetadata(merged), fnConfig(merged, merged.signal));
    }
    const inputs = coerceToDict(input, 'input');
    scope.emit(chainStart(scope, inputs));
    const lifecycle = parent === undefined ? scope.root.lifecycle : [];
    notifyRoot(lifecycle, 'start', runId, name, input, scope.config, scope.metadata);
    let output;
    try {
      output = await (silent ? fn(input, scope.config) : enter(scope.config, () => fn(input, scope.config)));
    } catch (error) {
      scope.ended = true;
      await notifyRoot(lifecycle, 'error', runId, merged.signal?.aborted ? abortError() : error);
      throw error;
    }
    scope.ended = true;
    scope.emit(chainEnd(scope, coerceToDict(output, 'output'), inputs));
    await notifyRoot(lifecycle, 'end', runId, output);
    return output;
  }

  return { streamEvents, invokeRun };
}

/**
 * `ensureConfig`-style merge for nested runs: the implicit config's keys except `runId` and
 * `runName`, then the explicit config's keys, each replacing wholesale.
 */
function mergeConfig(implicit, explicit) {
  const out = {};
  if (implicit) {
    for (const key of Object.keys(implicit)) {
      if (key === 'runId' || key === 'runName' || implicit[key] === undefined) continue;
      out[key] = implicit[key];
    }
  }
  if (explicit !== undefined && explicit !== null) {
    if (typeof explicit !== 'object') throw invalidArgument('config must be an object');
    for (const key of Object.keys(explicit)) if (explicit[key] !== undefined) out[key] = explicit[key];
  }
  return out;
}
