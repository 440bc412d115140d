/**
 * Signed webhook delivery, built once over either backend.
 *
 * Both builds export the same low-level engine: `createDelivery(configJson, onHook, onDeadLetter,
 * sinkCallbacks)`
 * returning an object with `enqueue(event, runId, dataJson)`, `drain(timeoutMs)`,
 * `close(timeoutMs)`, `stats()` and `replay(recordJson, sink)`, plus `simulateDelivery(json)`.
 * In the addon the engine runs on tokio threads with a native HTTP client and a file DLQ; in the
 * web build it runs on JS promises with `fetch`. Either way the JS thread only serialises the
 * event (`JSON.stringify`) and makes one call to enqueue it.
 *
 * The LangChain callback handler lives in ./handler.js and feeds the same `send`.
 */
import { codedError, invalidArgument } from './errors.js';
import { createHandler } from './handler.js';
import { withQueryToken } from './policy.js';
import { createHandoff, DEFAULT_HANDOFF_TIMEOUT_MS } from './serverless.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** The addon's default dead-letter directory (crates/node/src/delivery.rs). */
const DEFAULT_DLQ_DIR = '.runwire/dlq';

const HOOKS = {
  'attempt.failed': 'onAttemptFailed',
  'message.exhausted': 'onExhausted',
  'message.dead_lettered': 'onDeadLettered',
  'endpoint.disabled': 'onEndpointDisabled',
  'dlq.write_failed': 'onDlqWriteFailed',
  'breaker.state_changed': 'onBreakerStateChanged',
};

const SINK_KEYS = new Set([
  'name', 'url', 'secret', 'scheme', 'githubSecret', 'githubHeader', 'headers', 'timeoutMs',
  'retryDelaysMs', 'jitter', 'concurrency', 'queueCapacity', 'events', 'urlPolicy', 'queryToken', 'health',
]);

const CALLBACK_SINK_KEYS = new Set(['name', 'send', 'retryDelaysMs', 'jitter', 'concurrency', 'queueCapacity', 'events']);

/**
 * A sink whose `send` is a function: the engine calls it once per attempt (off the caller's
 * stack; natively from a tokio thread through a threadsafe function) with
 * `{ id, event, run_id, attempt, body }`. Resolving delivers; resolving `false` dead-letters
 * (`rejected`); throwing or rejecting retries on the sink's schedule. The wrapper always
 * resolves with a verdict string, so nothing thrown ever crosses into native code.
 */
function callbackSinkConfig(sink, index, callbacks) {
  const out = { callback: callbacks.length };
  for (const [key, value] of Object.entries(sink)) {
    if (!CALLBACK_SINK_KEYS.has(key)) throw invalidArgument(`sinks[${index}].${key} is not an option of a send-callback sink`);
    if (value !== undefined && key !== 'send') out[key] = value;
  }
  const send = sink.send;
  callbacks.push((json) => {
    let result;
    try {
      result = send(JSON.parse(json));
    } catch (error) {
      return Promise.resolve(`error: ${error?.message ?? error}`);
    }
    return Promise.resolve(result).then(
      (value) => (value === false ? 'rejected' : 'ok'),
      (error) => `error: ${error?.message ?? error}`,
    );
  });
  return out;
}

function sinkConfig(sink, index, resolveHeaders, callbacks) {
  if (sink === null || typeof sink !== 'object') throw invalidArgument(`sinks[${index}] must be an object`);
  if (typeof sink.send === 'function') return callbackSinkConfig(sink, index, callbacks);
  if (typeof sink.url !== 'string') throw invalidArgument(`sinks[${index}].url must be a string (or give a send function)`);
  const out = {};
  for (const [key, value] of Object.entries(sink)) {
    if (!SINK_KEYS.has(key)) throw invalidArgument(`sinks[${index}].${key} is not a sink option`);
    if (value !== undefined) out[key] = value;
  }
  // Normalise with the runtime's WHATWG parser (the one fetch uses), so the URL policy judges
  // `http://0x7f.1/` as 127.0.0.1. Unparsable and relative URLs go to the policy as written: it
  // answers with LangGraph's message.
  try {
    out.url = new URL(out.url).href;
  } catch {
    // keep as written
  }
  if (out.queryToken !== undefined) {
    out.url = withQueryToken(out.url, out.queryToken);
    delete out.queryToken;
  }
  if (out.headers !== undefined) {
    out.headers = resolveHeaders(out.headers);
  }
  return out;
}

let warnedLoopback = false;

/** The dev profile is for local receivers; say so loudly, once per process (spec §8.6). */
function warnIfLoopbackAllowed(policy) {
  if (warnedLoopback || policy == null || typeof policy !== 'object') return;
  const loopback = policy.disable_loopback ?? policy.disableLoopback ?? (policy.profile === 'dev' ? false : true);
  if (loopback === false) {
    warnedLoopback = true;
    console.warn(
      'runwire: a webhook URL policy allows loopback and private addresses (profile "dev" or disable_loopback: false); never use it for URLs that users supply',
    );
  }
}

function timeout(ms) {
  const value = ms ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidArgument('timeoutMs must be a non-negative number of milliseconds');
  }
  return value;
}

/** Serialises data for the engine; never throws into the caller's agent. */
function toJson(data) {
  const text = JSON.stringify(data === undefined ? null : data);
  if (text === undefined) throw codedError('ERR_RUNWIRE_UNSERIALIZABLE', 'event data has no JSON form');
  return text;
}

/**
 * Deliveries that still have work when the host's event loop runs dry. The addon's workers are
 * tokio threads, which do not keep Node alive: without this, a script that ends without
 * `drain()` would silently lose whatever was still queued. Node's `beforeExit` fires when the
 * loop is empty; draining then (bounded by `exitDrainMs`) keeps the loop alive until the work is
 * delivered or dead-lettered, after which `beforeExit` fires again and the process exits.
 */
const live = new Set();
let exitHookInstalled = false;

function trackForExit(host, onExit) {
  if (typeof host.onBeforeExit !== 'function') return () => {};
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    host.onBeforeExit(() => {
      for (const entry of live) entry();
    });
  }
  live.add(onExit);
  return () => live.delete(onExit);
}

/**
 * @param {object} native the addon or the initialised wasm module
 * @param {{ resolveHeaderTemplates: Function }} policy the policy API (header templates)
 * @param {{ onBeforeExit?: Function, fileDeadLetters?: (dir: string) => Function }} [host] what the
 *   runtime adds: a drain on exit (Node), a file dead-letter store (the wasm engine in Node)
 */
export function createDeliveryApi(native, policy, host = {}) {
  /**
   * Starts a delivery engine. See index.d.ts `DeliveryOptions`.
   */
  function createDelivery(options) {
    const {
      sinks, dlq, hooks, maxBodyBytes, maxFieldChars, disableWebhooks, exitDrainMs = 5_000,
      handoff = 'auto', handoffTimeoutMs = DEFAULT_HANDOFF_TIMEOUT_MS,
    } = options ?? {};
    if (exitDrainMs !== false) timeout(exitDrainMs);
    if (handoff !== 'auto' && handoff !== false) throw invalidArgument("options.handoff must be 'auto' or false");
    timeout(handoffTimeoutMs);
    if (!Array.isArray(sinks) || sinks.length === 0) throw invalidArgument('options.sinks must be a non-empty array');
    // Static headers: `${{ env.VAR }}` templates resolved once, here (LangGraph's rules).
    const templateOptions = { env: options.env, envPrefix: options.envPrefix, allowAnyEnv: options.allowAnyEnv };
    if (!('envPrefix' in options)) delete templateOptions.envPrefix;
    const resolveHeaders = (headers) => {
      const hasTemplate = Object.values(headers ?? {}).some((v) => typeof v === 'string' && v.includes('${{'));
      const env = hasTemplate ? templateOptions.env : (templateOptions.env ?? {});
      return policy.resolveHeaderTemplates(headers, { ...templateOptions, env });
    };
    // One `urlPolicy` for every sink that has none of its own (default: the safe profile).
    const withPolicy = (sink) => (options.urlPolicy !== undefined && sink?.urlPolicy === undefined && sink !== null && typeof sink === 'object'
      ? { ...sink, urlPolicy: options.urlPolicy }
      : sink);
    const callbacks = [];
    const config = {
      sinks: sinks.map((sink, i) => sinkConfig(typeof sink?.send === 'function' ? sink : withPolicy(sink), i, resolveHeaders, callbacks)),
    };
    for (const sink of config.sinks) warnIfLoopbackAllowed(sink.urlPolicy);
    if (disableWebhooks === true) config.disableWebhooks = true;
    if (maxBodyBytes !== undefined) config.maxBodyBytes = maxBodyBytes;
    if (maxFieldChars !== undefined) config.maxFieldChars = maxFieldChars;
    let onDeadLetter;
    if (typeof dlq === 'function') {
      // Always a promise: both engines await it, so `drain()` resolves only after every dead
      // letter reached `dlq` (and an async `dlq` finished). A throwing store is reported, not fatal.
      onDeadLetter = async (json) => {
        try {
          await dlq(JSON.parse(json));
        } catch (error) {
          hooks?.onError?.(error);
        }
        return 'stored';
      };
    } else if (dlq && typeof dlq === 'object' && typeof dlq.dir === 'string') {
      if (host.fileDeadLetters) onDeadLetter = host.fileDeadLetters(dlq.dir);
      else config.dlqDir = dlq.dir;
    } else if (dlq === undefined && host.fileDeadLetters) {
      // The wasm engine in Node keeps the addon's default store (.runwire/dlq).
      onDeadLetter = host.fileDeadLetters(DEFAULT_DLQ_DIR);
    } else if (dlq !== undefined) {
      throw invalidArgument('options.dlq must be { dir } (addon) or a function receiving each dead letter');
    }
    let onHook;
    if (hooks && typeof hooks === 'object') {
      onHook = (json) => {
        try {
          const event = JSON.parse(json);
          hooks.onEvent?.(event);
          hooks[HOOKS[event.type]]?.(event);
        } catch (error) {
          // A throwing hook must never reach the engine or the host's event loop.
          if (hooks.onError) hooks.onError(error);
        }
      };
    }
    const engine = native.createDelivery(JSON.stringify(config), onHook, onDeadLetter, callbacks);
    let exiting = null;
    const untrack = exitDrainMs === false ? () => {} : trackForExit(host, () => {
      if (exiting || JSON.parse(engine.stats()).pending === 0) return;
      exiting = engine.drain(exitDrainMs).finally(() => {
        exiting = null;
      });
    });
    const handoffs = createHandoff(
      { pending: () => JSON.parse(engine.stats()).pending, drain: (ms) => engine.drain(ms) },
      { mode: handoff, timeoutMs: handoffTimeoutMs, onError: hooks?.onError },
    );
    const wanted = new Set();
    for (const sink of disableWebhooks === true ? [] : sinks) {
      const events = sink.events ?? DEFAULT_EVENTS;
      for (const e of Array.isArray(events) ? events : [events]) wanted.add(e);
    }

    const delivery = {
      /**
       * Accepts one event for every sink that wants it: `event` is the LangChain event name
       * (`on_tool_end`, `on_custom_event`, …), `runId` the event's own run. Returns false when
       * every sink filtered it out.
       */
      send(event, runId, data) {
        if (typeof event !== 'string' || typeof runId !== 'string') {
          throw invalidArgument('send(event, runId, data): event and runId must be strings');
        }
        const accepted = engine.enqueue(event, runId, toJson(data));
        if (accepted) handoffs.accepted();
        return accepted;
      },
      /** Whether any sink receives `event` (lets the handler skip serialising the rest). */
      wants(event) {
        return wanted.has('*') || wanted.has(event);
      },
      /**
       * Resolves when nothing is pending, or at `timeoutMs` after dead-lettering what is left
       * (reason `shutdown`). Pass the promise to `ctx.waitUntil` on edge runtimes.
       */
      async drain(timeoutMs) {
        return JSON.parse(await engine.drain(timeout(timeoutMs)));
      },
      /**
       * Serverless and edge: hands pending work to the platform's `waitUntil` (a Workers
       * `ExecutionContext`, or a `waitUntil` function), now and for events accepted later in the
       * request, so the response is not delayed and nothing is lost when the platform ends the
       * function. On Vercel and Next.js this happens by itself (`handoff: 'auto'`).
       */
      waitUntil(ctx) {
        const promise = handoffs.bind(ctx);
        if (promise === undefined) throw invalidArgument('waitUntil(ctx): ctx must have a waitUntil method, or be one');
        return promise;
      },
      /** Stops accepting, drains, and stops the workers. */
      async close(timeoutMs) {
        const ms = timeout(timeoutMs);
        untrack();
        return JSON.parse(await engine.close(ms));
      },
      /** `{ accepted, delivered, dead_lettered, pending, filtered, attempts, …, sinks: [...] }`. */
      stats() {
        return JSON.parse(engine.stats());
      },
      /** Re-sends a dead letter: same id and body, fresh timestamp and signature. */
      replay(record, replayOptions) {
        const json = typeof record === 'string' ? record : JSON.stringify(record);
        engine.replay(json, replayOptions?.sink ?? undefined);
      },
      /** A LangChain callback handler feeding this delivery (pass as `callbacks: [handler]`). */
      handler(handlerOptions) {
        return createHandler(delivery, handlerOptions);
      },
    };
    return delivery;
  }

  /**
   * A LangChain callback handler that signs and delivers agent events to webhooks. Same options
   * as `createDelivery`, plus handler options; `handler.delivery` is the engine (drain, stats).
   */
  function createWebhookHandler(options) {
    const delivery = createDelivery(options);
    return createHandler(delivery, options);
  }

  /** Runs one message through the engine under a virtual clock; for schedule tests. */
  function simulateDelivery(input) {
    return JSON.parse(native.simulateDelivery(JSON.stringify(input)));
  }

  return { createDelivery, createWebhookHandler, simulateDelivery };
}

/** The seed's taxonomy, forwarded unless a sink lists its own `events` (or `"*"`). */
export const DEFAULT_EVENTS = Object.freeze([
  'on_custom_event',
  'on_tool_end',
  'on_chain_end',
  'on_llm_end',
  'on_chat_model_end',
  'on_agent_action',
  'on_agent_finish',
]);
