/**
 * Signed webhook delivery, built once over either backend.
 *
 * Both builds export the same low-level engine: `createDelivery(configJson, onHook, onDeadLetter,
 * sinkCallbacks)` (the addon's takes a fifth, `lookup`, for its connect-time resolver)
 * returning an object with `enqueue(event, runId, dataJson)`, `drain(timeoutMs)`,
 * `close(timeoutMs)`, `stats()` and `replay(recordJson, sink)`, plus `simulateDelivery(json)`.
 * In the addon the engine runs on tokio threads with a native HTTP client and a file DLQ; in the
 * web build it runs on JS promises with `fetch`. Either way the JS thread only serialises the
 * event (`JSON.stringify`) and makes one call to enqueue it.
 *
 * The LangChain callback handler lives in ./handler.js and feeds the same `send`.
 */
import { createBatcher } from './batcher.js';
import { codedError, invalidArgument } from './errors.js';
import { createHandler, SEND_JSON } from './handler.js';
import { toJson } from './json-text.js';
import { createOptionReader } from './options.js';
import { normalizeUrlPolicy, withQueryToken } from './policy.js';
import { createHandoff, DEFAULT_HANDOFF_TIMEOUT_MS } from './serverless.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
export const DEFAULT_EXIT_DRAIN_MS = 5_000;
/** The addon's default dead-letter directory (crates/node/src/delivery.rs). */
const DEFAULT_DLQ_DIR = '.runwire/dlq';

const HOOKS = {
  'attempt.failed': 'onAttemptFailed',
  'message.exhausted': 'onExhausted',
  'message.dead_lettered': 'onDeadLettered',
  'endpoint.disabled': 'onEndpointDisabled',
  'dlq.write_failed': 'onDlqWriteFailed',
  'breaker.state_changed': 'onBreakerStateChanged',
  'queue.full': 'onQueueFull',
  'queue.available': 'onQueueAvailable',
  'spool.corrupt': 'onSpoolCorrupt',
  'spool.full': 'onSpoolFull',
  'spool.write_failed': 'onSpoolWriteFailed',
};

/** The `type` of a batch body, and the event name a batch carries to a send callback. */
export const BATCH_TYPE = 'runwire.batch';
export const BATCH_EVENT = 'runwire_batch';

/** Native queue sinks of the addon (`type: 'redis' | 'kafka' | 'sns'`); the engine validates every field. */
const QUEUE_TYPES = new Set(['redis', 'kafka', 'sns']);

/**
 * A sink whose `send` is a function: the engine calls it once per attempt (off the caller's
 * stack; natively from a tokio thread through a threadsafe function) with
 * `{ id, event, run_id, attempt, body }`. Resolving delivers; resolving `false` dead-letters
 * (`rejected`); throwing or rejecting retries on the sink's schedule. The wrapper always
 * resolves with a verdict string, so nothing thrown ever crosses into native code. With
 * `batch`, one call carries a whole batch: `event` is `runwire_batch`, `id` the batch id, `body`
 * the batch body, and `events` its parsed items (`{ id, type, timestamp, data }`, in order).
 */
function callbackSinkConfig(sink, callbacks) {
  const { send, ...rest } = sink;
  const out = { ...rest, callback: callbacks.length };
  callbacks.push((json) => {
    let result;
    try {
      const message = JSON.parse(json);
      if (message.event === BATCH_EVENT) message.events = JSON.parse(message.body).data;
      result = send(message);
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

/**
 * Producer mode (`createDelivery({ producer })`): one Redis sink writing unsigned job entries
 * (crates/core/src/sinks/redis_job.rs) for `runwire worker` processes. It keeps the engine's
 * retries, dead letters and drain for the XADD itself; no delivery secret is ever in this process.
 */
function producerSink(p) {
  const config = { type: 'redis', name: 'producer', format: 'job', url: p.url, stream: p.stream };
  for (const key of ['maxLen', 'deliverTo', 'events', 'username', 'password', 'timeoutMs', 'retryDelaysMs', 'concurrency', 'queueCapacity', 'overflow']) {
    if (p[key] !== undefined) config[key] = p[key];
  }
  return { sink: config, config };
}

/** A JSON-only copy of a user object the core validates itself (a URL policy). */
function jsonCopy(value, path) {
  try {
    return JSON.parse(JSON.stringify(value));
  } catch (cause) {
    throw Object.assign(invalidArgument(`${path} must be a plain JSON object`), { cause });
  }
}

function isCoded(error) {
  return typeof error?.code === 'string' && error.code.startsWith('ERR_RUNWIRE_');
}

/** `sink` is a snapshot already checked against the `sink` schema (./options.js). */
function sinkConfig(sink, resolveHeaders, path, validateUrl) {
  const out = { ...sink };
  if (out.urlPolicy !== undefined) out.urlPolicy = jsonCopy(out.urlPolicy, `${path}.urlPolicy`);
  // Normalise with the runtime's WHATWG parser (the one fetch uses), so the URL policy judges
  // `http://0x7f.1/` as 127.0.0.1. Unparsable and relative URLs go to the policy as written: it
  // answers with LangGraph's message.
  // Sink creation gives validateWebhookUrl's verdict and message, on the URL as written: the
  // engine below only sees the normalised href, which cannot say that `new URL` refused the
  // input (`''`, scheme-less) or how the user spelled a host it refused.
  validateUrl?.(out.url, out.urlPolicy);
  try {
    out.url = new URL(out.url).href;
  } catch {
    // keep as written
  }
  if (out.urlPolicy !== undefined) out.urlPolicy = normalizeUrlPolicy(out.urlPolicy);
  if (out.queryToken !== undefined) {
    out.url = withQueryToken(out.url, out.queryToken);
    delete out.queryToken;
  }
  if (out.headers !== undefined) {
    try {
      out.headers = resolveHeaders(out.headers);
    } catch (error) {
      if (isCoded(error)) throw error;
      throw Object.assign(invalidArgument(`${path}.headers (or options.env) could not be read`), { cause: error });
    }
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

/**
 * Keeps the host alive while `promise` settles. In the web build in Node the engine's retry
 * timers are unref'd (like the addon's tokio threads, they do not hold the process open), so a
 * pending `drain()` must; elsewhere this is a harmless timer.
 */
function keepAlive(promise) {
  const timer = setInterval(() => {}, 1 << 30);
  return promise.finally(() => clearInterval(timer));
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
 * `options.lookup(hostname) => Promise<string[]>`, the addon's resolver (crates/node/src/ssrf.rs)
 * wrapped to hand it JSON. Whatever it returns is vetted like system DNS answers; a rejection or
 * a malformed answer fails the lookup (`Webhook host blocked: DNS resolution failed`) and is
 * reported to `hooks.onError`. The web build has no resolver to give it to (`fetch` resolves).
 */
function lookupFunction(lookup, host, hooks) {
  if (lookup === undefined) return undefined;
  if (typeof lookup !== 'function') throw invalidArgument('options.lookup must be a function (hostname) => Promise<string[]>');
  if (host.connectTimeResolver !== true) {
    throw invalidArgument("options.lookup needs the Node addon: in the web build fetch resolves names itself");
  }
  return async (hostname) => {
    try {
      const addresses = await lookup(hostname);
      if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === 'string')) {
        throw new TypeError(`lookup(${JSON.stringify(hostname)}) must resolve to an array of IP address strings`);
      }
      return JSON.stringify(addresses);
    } catch (error) {
      hooks?.onError?.(error);
      throw error;
    }
  };
}

/**
 * @param {object} native the addon or the initialised wasm module
 * @param {{ resolveHeaderTemplates: Function }} policy the policy API (header templates)
 * @param {{ onBeforeExit?: Function, fileDeadLetters?: (dir: string) => Function }} [host] what the
 *   runtime adds: a drain on exit (Node), a file dead-letter store (the wasm engine in Node)
 */
export function createDeliveryApi(native, policy, host = {}) {
  const { readOptions, readInt } = createOptionReader(() => JSON.parse(native.optionBounds()));
  const timeout = (ms, path = 'timeoutMs') => readInt(ms ?? DEFAULT_DRAIN_TIMEOUT_MS, 'drainTimeoutMs', path);

  /**
   * What both engines are built from (createDelivery, and createWorker in ./worker.js): the core
   * config (sinks, limits, dead-letter target) and the JS functions the native side calls.
   * `o` is a snapshot checked by readOptions.
   */
  function engineParts(o) {
    const { dlq, hooks, disableWebhooks } = o;
    // Static headers: `${{ env.VAR }}` templates resolved once, here (LangGraph's rules).
    const templateOptions = { env: o.env, envPrefix: o.envPrefix, allowAnyEnv: o.allowAnyEnv };
    if (!('envPrefix' in o)) delete templateOptions.envPrefix;
    const resolveHeaders = (headers) => {
      const hasTemplate = Object.values(headers ?? {}).some((v) => typeof v === 'string' && v.includes('${{'));
      const env = hasTemplate ? templateOptions.env : (templateOptions.env ?? {});
      return policy.resolveHeaderTemplates(headers, { ...templateOptions, env });
    };
    const callbacks = [];
    if (o.producer !== undefined && o.sinks !== undefined) {
      throw invalidArgument('options.producer and options.sinks cannot be combined: a producer only writes jobs to its stream, the workers\' sinks deliver them');
    }
    if (o.producer === undefined && o.sinks === undefined) {
      throw invalidArgument(`options.sinks is required (a non-empty array of at most 64 sink objects), or options.producer`);
    }
    const sinks = o.producer !== undefined ? [producerSink(o.producer)] : o.sinks.map((raw, i) => {
      const path = `options.sinks[${i}]`;
      if (raw !== null && typeof raw === 'object' && raw.type !== undefined && raw.type !== 'webhook') {
        if (!QUEUE_TYPES.has(raw.type)) throw invalidArgument(`${path}.type must be 'webhook', 'redis', 'kafka' or 'sns'`);
        const sink = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
        return { sink, config: sink };
      }
      const sink = readOptions(raw, (keys) => (keys.includes('send') ? 'callbackSink' : 'sink'), path);
      if (sink.send) return { sink, config: callbackSinkConfig(sink, callbacks) };
      // One `urlPolicy` for every sink that has none of its own (default: the safe profile).
      const withPolicy = o.urlPolicy !== undefined && sink.urlPolicy === undefined ? { ...sink, urlPolicy: o.urlPolicy } : sink;
      return { sink, config: sinkConfig(withPolicy, resolveHeaders, path, policy.validateWebhookUrl) };
    });
    const config = { sinks: sinks.map((s) => s.config) };
    for (const sink of config.sinks) warnIfLoopbackAllowed(sink.urlPolicy);
    if (disableWebhooks === true) config.disableWebhooks = true;
    if (o.maxBodyBytes !== undefined) config.maxBodyBytes = o.maxBodyBytes;
    if (o.maxFieldChars !== undefined) config.maxFieldChars = o.maxFieldChars;
    if (o.spool !== undefined) {
      if (host.spool !== true) {
        throw invalidArgument(
          host.fileDlq
            ? "options.spool needs the native addon: the WebAssembly fallback has no spool writer (see the README, 'Durable spool')"
            : "options.spool: the web build has no filesystem, so no durable spool; use ctx.waitUntil(delivery.drain()) and a dlq function that stores what could not be delivered (see the README, 'Durable spool')",
        );
      }
      config.spool = { ...o.spool };
    }
    const onError = (error) => {
      try {
        hooks?.onError?.(error);
      } catch {
        // onError is the last resort: a throwing one must not reach the engine or the host.
      }
    };
    let onDeadLetter;
    if (dlq !== undefined && typeof dlq === 'object' && (dlq.redis !== undefined || dlq.stream !== undefined)) {
      // A Redis stream (crates/node/src/redis_dlq.rs); the web build's core refuses it by name.
      if (dlq.dir !== undefined || dlq.redis === undefined || dlq.stream === undefined) {
        throw invalidArgument('options.dlq must be { dir } (files) or { redis, stream, maxLen? } (a Redis stream)');
      }
      config.dlqRedis = { url: dlq.redis, stream: dlq.stream, ...(dlq.maxLen !== undefined && { maxLen: dlq.maxLen }) };
    } else if (dlq !== undefined && typeof dlq === 'object' && dlq.dir === undefined) {
      throw invalidArgument('options.dlq.dir is required (a non-empty string), or options.dlq = { redis, stream } for a Redis stream');
    } else if (typeof dlq === 'function') {
      // Always a promise: both engines await it, so `drain()` resolves only after every dead
      // letter reached `dlq` (and an async `dlq` finished). A throwing store is reported, not fatal.
      onDeadLetter = async (json) => {
        try {
          await dlq(JSON.parse(json));
        } catch (error) {
          onError(error);
        }
        return 'stored';
      };
    } else if (dlq && typeof dlq === 'object' && typeof dlq.dir === 'string' && (host.fileDeadLetters || host.fileDlq)) {
      if (host.fileDeadLetters) onDeadLetter = host.fileDeadLetters(dlq.dir);
      else config.dlqDir = dlq.dir;
    } else if (dlq === undefined && host.fileDeadLetters) {
      // The wasm engine in Node keeps the addon's default store (.runwire/dlq).
      onDeadLetter = host.fileDeadLetters(DEFAULT_DLQ_DIR);
    } else if (dlq !== undefined) {
      if (!host.fileDlq) {
        throw invalidArgument(
          "options.dlq: the web build has no file dead-letter queue ({ dir }); pass a function that stores each dead letter (for example to KV, R2 or a database)",
        );
      }
      config.dlqDir = dlq.dir;
    }
    let onHook;
    if (hooks) {
      onHook = (json) => {
        try {
          const event = JSON.parse(json);
          if (event.type === 'ingest.refused') {
            // crates/node/src/ingest.rs: an event send() accepted was refused later — a bug.
            onError(codedError('ERR_RUNWIRE_INTERNAL', `an accepted event was refused by the engine (${event.error}); please report this bug`));
            return;
          }
          hooks.onEvent?.(event);
          hooks[HOOKS[event.type]]?.(event);
        } catch (error) {
          // A throwing hook must never reach the engine or the host's event loop.
          onError(error);
        }
      };
    }
    const onLookup = lookupFunction(o.lookup, host, hooks);
    return { config, callbacks, onHook, onDeadLetter, onLookup, sinks };
  }

  /**
   * Starts a delivery engine. See index.d.ts `DeliveryOptions`. Every option is checked here,
   * before anything is allocated (./options.js).
   */
  function createDelivery(options, schema = 'createDelivery') {
    const o = readOptions(options, schema);
    const { hooks, disableWebhooks } = o;
    const exitDrainMs = o.exitDrainMs ?? DEFAULT_EXIT_DRAIN_MS;
    const handoff = o.handoff ?? 'auto';
    const handoffTimeoutMs = o.handoffTimeoutMs ?? DEFAULT_HANDOFF_TIMEOUT_MS;
    const { config, callbacks, onHook, onDeadLetter, onLookup, sinks } = engineParts(o);
    const engine = native.createDelivery(JSON.stringify(config), onHook, onDeadLetter, callbacks, onLookup);
    const wanted = new Set();
    for (const { sink } of disableWebhooks === true ? [] : sinks) {
      const events = sink.events ?? DEFAULT_EVENTS;
      for (const e of Array.isArray(events) ? events : [events]) wanted.add(e);
    }
    // A background hand-over cannot fail by construction; if it ever did, say so, never throw.
    const reportLost = (error) => {
      try {
        if (hooks?.onError) hooks.onError(error);
        else console.error(`runwire: events could not be handed to the engine: ${error?.message ?? error}`);
      } catch {
        // The host's hook must not reach its event loop from a timer of ours.
      }
    };
    const wants = wanted.has('*') ? () => true : (event) => wanted.has(event);
    // The addon takes many events per native call when nothing can refuse them later (./batcher.js).
    const batcher = engine.batches === true ? createBatcher(engine, wants, reportLost) : null;
    /** Before anything that must see every accepted event: the engine's stats, waits, order. */
    const handOver = batcher === null ? () => {} : batcher.flush;
    let exiting = null;
    // Work still to do: pending in the engine, or handed to the spool writer and not yet to it.
    const busy = () => {
      handOver();
      const stats = JSON.parse(engine.stats());
      return stats.pending > 0 || (stats.spool?.unpersisted ?? 0) > 0;
    };
    const untrack = exitDrainMs === false ? () => {} : trackForExit(host, () => {
      if (exiting || !busy()) return;
      exiting = keepAlive(engine.drain(exitDrainMs)).finally(() => {
        exiting = null;
      });
    });
    const handoffs = createHandoff(
      {
        pending: () => (busy() ? 1 : 0),
        drain: (ms) => {
          handOver();
          return engine.drain(ms);
        },
      },
      { mode: handoff, timeoutMs: handoffTimeoutMs, onError: hooks?.onError },
    );
    // Whether some sink needs each event's root run: ordering per run, or a queue sink that keys
    // by it (Kafka partition key, SNS FIFO group). Only then does the handler track every run's
    // root. A producer always passes roots on: the workers' sinks may order per run.
    const ordered = o.producer !== undefined || sinks.some(({ sink }) => sink?.ordering === 'run' || QUEUE_TYPES.has(sink?.type));

    /** `send()` after its argument checks, with the data serialised (`shallow`: see ./batcher.js). */
    function accept(event, runId, json, root, endsRun, shallow) {
      if (batcher !== null) {
        if (batcher.offer(event, runId, json, root, endsRun, shallow)) {
          handoffs.accepted();
          return true;
        }
        batcher.flush();
      }
      const accepted = engine.enqueue(event, runId, json, root, endsRun);
      if (accepted) handoffs.accepted();
      return accepted;
    }

    const delivery = {
      /**
       * Accepts one event for every sink that wants it: `event` is the LangChain event name
       * (`on_tool_end`, `on_custom_event`, …), `runId` the event's own run. `options.rootRunId`
       * names the root of its run tree (the unit of `ordering: 'run'`; default `runId`), and
       * `options.endsRun` says it is its run's last event (the run's id counters are freed).
       * Returns false when every sink filtered it out; throws `ERR_RUNWIRE_BACKPRESSURE` when a
       * full sink with `overflow: 'reject'` refuses it (nothing was accepted: retry later).
       */
      send(event, runId, data, options) {
        if (typeof event !== 'string' || typeof runId !== 'string') {
          throw invalidArgument('send(event, runId, data): event and runId must be strings');
        }
        const root = options?.rootRunId;
        if (root !== undefined && root !== null && typeof root !== 'string') {
          throw invalidArgument('send(event, runId, data, { rootRunId }): rootRunId must be a string');
        }
        return accept(event, runId, toJson(data), root ?? undefined, options?.endsRun === true, false);
      },
      [SEND_JSON]: accept,
      /**
       * Accepts a finished run's LangGraph-compatible completion webhook (see run-webhook.js):
       * the core builds the body, id `{run_id}:run_completed`, for sinks whose `events` include
       * `run_completed` (or `"*"`). Returns false when every sink filtered it out.
       */
      sendRunCompletion(run) {
        const json = toJson(run);
        handOver();
        return engine.enqueueRunWebhook(json);
      },
      /** Whether `disableWebhooks` is on (events are accepted and never sent). */
      disabled: disableWebhooks === true,
      /** Whether some sink needs root runs (`ordering: 'run'`, or a queue sink keying by them). */
      ordered,
      /** Whether any sink receives `event` (lets the handler skip serialising the rest). */
      wants,
      /**
       * Resolves when nothing is pending, or at `timeoutMs` after dead-lettering what is left
       * (reason `shutdown`). Pass the promise to `ctx.waitUntil` on edge runtimes.
       */
      async drain(timeoutMs) {
        handOver();
        return JSON.parse(await keepAlive(engine.drain(timeout(timeoutMs))));
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
      /**
       * With a spool: resolves `true` once every event accepted so far is durable per its
       * `fsync` mode (`false` at `timeoutMs`). Without one: `true` at once.
       */
      async flush(timeoutMs) {
        handOver();
        if (o.spool === undefined) return true;
        return keepAlive(engine.flush(timeout(timeoutMs)));
      },
      /** Stops accepting, drains, and stops the workers. */
      async close(timeoutMs) {
        const ms = timeout(timeoutMs);
        untrack();
        if (batcher !== null) {
          batcher.close();
          engine.stopAccepting();
        }
        return JSON.parse(await keepAlive(engine.close(ms)));
      },
      /** `{ accepted, delivered, dead_lettered, pending, filtered, attempts, …, sinks: [...] }`. */
      stats() {
        handOver();
        return JSON.parse(engine.stats());
      },
      /** Re-sends a dead letter: same id and body, fresh timestamp and signature. */
      replay(record, replayOptions) {
        const { sink } = readOptions(replayOptions, 'replay', 'replayOptions');
        let json;
        try {
          json = typeof record === 'string' ? record : JSON.stringify(record);
        } catch (cause) {
          throw Object.assign(invalidArgument('record must be a dead-letter record (an object or its JSON text)'), { cause });
        }
        if (typeof json !== 'string') throw invalidArgument('record must be a dead-letter record (an object or its JSON text)');
        handOver();
        engine.replay(json, sink);
      },
      /** A LangChain callback handler feeding this delivery (pass as `callbacks: [handler]`). */
      handler(handlerOptions) {
        return createHandler(delivery, readOptions(handlerOptions, 'handler', 'handlerOptions'));
      },
    };
    return delivery;
  }

  /**
   * A LangChain callback handler that signs and delivers agent events to webhooks. Same options
   * as `createDelivery`, plus handler options; `handler.delivery` is the engine (drain, stats).
   */
  function createWebhookHandler(options) {
    const o = readOptions(options, 'createWebhookHandler');
    const { name, forwardUnnamedChains, onError, ...deliveryOptions } = o;
    const delivery = createDelivery(deliveryOptions);
    return createHandler(delivery, { name, forwardUnnamedChains, onError, hooks: o.hooks });
  }

  /** Runs one message through the engine under a virtual clock; for schedule tests. */
  function simulateDelivery(input) {
    let json;
    try {
      json = JSON.stringify(input);
    } catch (cause) {
      throw Object.assign(invalidArgument('simulateDelivery(input): input must be JSON-serialisable'), { cause });
    }
    if (typeof json !== 'string') throw invalidArgument('simulateDelivery(input): input must be an object');
    return JSON.parse(native.simulateDelivery(json));
  }

  return { createDelivery: (options) => createDelivery(options), createWebhookHandler, simulateDelivery, engineParts, readOptions, readInt };
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
