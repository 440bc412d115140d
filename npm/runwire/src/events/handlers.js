/**
 * Calling `handleCustomEvent` on user handlers in standalone runs, with @langchain/core's
 * conventions (§3, §4 of shared/spec/langchain-events.md):
 *
 * - exactly five arguments `(eventName, data, runId, tags, metadata)`; `data` by reference;
 * - handlers with `ignoreCustomEvent === true` are skipped;
 * - awaited handlers (`awaitHandlers === true`, which `raiseError` implies for handler classes;
 *   plain objects without `name` follow `LANGCHAIN_CALLBACKS_BACKGROUND === "false"`) are awaited
 *   by the dispatch; all others go to one process-global FIFO queue run one job at a time, whose
 *   idle start is synchronous (p-queue's behaviour, which LangChain uses);
 * - an error is logged as `Error in handler <ctor>, handleCustomEvent: <err>` with `console.warn`,
 *   or with `console.error` and re-thrown out of the dispatch when `raiseError` is set.
 *
 * Unlike LangChain, a plain-object handler is called with `this` = the object itself (LangChain
 * copies its methods onto a generated wrapper, §3.4).
 */

const queue = [];
let running = false;
let idleWaiters = [];
let isolate = (fn) => fn();

/** Lets the Node entry run handlers outside any run scope, as LangChain's consumeCallback does. */
export function setHandlerIsolation(fn) {
  isolate = fn;
}

function backgroundEnabled() {
  try {
    return globalThis.process?.env?.LANGCHAIN_CALLBACKS_BACKGROUND !== 'false';
  } catch {
    return true;
  }
}

function runNext() {
  while (queue.length > 0) {
    const job = queue.shift();
    let result;
    try {
      result = isolate(job);
    } catch {
      continue;
    }
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      running = true;
      result.then(finishAsync, finishAsync);
      return;
    }
  }
  running = false;
  const waiters = idleWaiters;
  idleWaiters = [];
  for (const resolve of waiters) resolve();
}

function finishAsync() {
  running = false;
  runNext();
}

function enqueue(job) {
  queue.push(job);
  if (!running) runNext();
}

/** Resolves when every background handler job queued so far has finished. */
export function awaitCallbacks() {
  if (!running && queue.length === 0) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}

function handlerName(handler) {
  return 'name' in handler ? handler.constructor?.name : 'Handler';
}

function awaits(handler) {
  // Handler classes already fold `raiseError` and the env default into `awaitHandlers`; plain
  // objects without `name` get LangChain's wrapper, whose default comes from the environment.
  if ('name' in handler) return handler.awaitHandlers === true;
  if (Object.prototype.hasOwnProperty.call(handler, 'awaitHandlers')) return handler.awaitHandlers === true;
  return !backgroundEnabled();
}

function report(handler, error) {
  const line = `Error in handler ${handlerName(handler)}, handleCustomEvent: ${error}`;
  if (handler.raiseError) console.error(line);
  else console.warn(line);
}

function callOne(handler, name, payload, runId, tags, metadata) {
  let result;
  try {
    result = handler.handleCustomEvent(name, payload, runId, tags, metadata);
  } catch (error) {
    report(handler, error);
    if (handler.raiseError) throw error;
    return undefined;
  }
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    return result.then(undefined, (error) => {
      report(handler, error);
      if (handler.raiseError) throw error;
    });
  }
  return undefined;
}

const RESOLVED = Promise.resolve();

/**
 * Decides once per run how each handler is called (LangChain also settles `awaitHandlers` when
 * it builds the run's manager, not per event): `[handler, awaited]` pairs.
 */
export function planHandlers(handlers) {
  return handlers.map((handler) => [handler, awaits(handler)]);
}

/**
 * Delivers one custom event to the planned handlers. Returns a promise that settles when the
 * awaited handlers are done (rejects if one with `raiseError` failed); background ones are queued.
 */
export function deliverCustomEvent(plan, name, payload, runId, tags, metadata) {
  let pending;
  for (let i = 0; i < plan.length; i++) {
    const [handler, awaited] = plan[i];
    if (handler.ignoreCustomEvent === true || typeof handler.handleCustomEvent !== 'function') continue;
    if (awaited) {
      const p = (async () => isolate(() => callOne(handler, name, payload, runId, tags, metadata)))();
      (pending ??= []).push(p);
    } else {
      enqueue(() => callOne(handler, name, payload, runId, tags, metadata));
    }
  }
  if (pending === undefined) return RESOLVED;
  return Promise.all(pending).then(() => undefined);
}
