/**
 * Run-completion webhooks, LangGraph Platform compatible: one signed POST per root run, with
 * LangGraph's payload (crates/core/src/events/run_webhook.rs builds the bytes).
 *
 * `createRunWebhookHandler(options)` returns a LangChain callback handler. Attached at invoke
 * time (`callbacks: [hook]`) it watches the **root** run — the first run it sees whose parent it
 * does not know — of a compiled LangGraph graph (`invoke`, `stream`, `streamEvents`), any
 * Runnable, or a runwire standalone run (`streamEvents(fn, …)`, `invokeRun`), and when that run
 * ends it hands the run's record to the delivery engine once: success or failure, exactly once
 * per root run, id `{run_id}:run_completed`. Nothing in the graph changes.
 *
 * What it reads (LangChain passes no config to handlers, so everything comes from the root run's
 * callbacks): `run_id` = the root run id (the id LangSmith shows); `thread_id` from
 * `configurable.thread_id`, which LangChain copies into the run's metadata; `assistant_id` from
 * the `assistantId` option, else `configurable.assistant_id`, else the run name; `values` = the
 * root run's output (for a graph: its final state, which equals the latest checkpoint's values),
 * or with `graph` given, `graph.getState(config).values` read after the run; interrupts from the
 * `GraphInterrupt` errors of its nodes (LangGraph reports a graph interrupt as `success`; runwire
 * adds `interrupts`).
 *
 * Status: `success`; `error` ({error: <name>, message}); `timeout` when the run's `timeout`
 * fired (LangGraph.js hands the root run `Error("Abort")`; @langchain/core ≥ 1 puts `timeoutMs`
 * into its metadata, which is how it is told apart from a cancel); `interrupted` when the
 * caller's AbortSignal cancelled it (LangGraph's user interrupt).
 *
 * Drain: `invoke()` can reject (a timeout) before the root run's end callback fires, so the
 * handler counts root runs in flight and `hook.delivery.drain()` waits for them (within its
 * timeout) before draining the engine — a script that drains right after a rejected `invoke()`
 * still sends the webhook.
 */
import { invalidArgument } from './errors.js';
import { readLangGraphConfig } from './langgraph-config.js';
import { ROOT_RUN } from './events/scope.js';

export const RUN_COMPLETED = 'run_completed';
const RUN_WEBHOOK_MAX_BYTES = 64 * 1024;

const SINK_KEYS = [
  'url', 'secret', 'scheme', 'githubSecret', 'githubHeader', 'headers', 'timeoutMs', 'retryDelaysMs', 'jitter',
  'concurrency', 'queueCapacity', 'urlPolicy', 'queryToken', 'health',
];
const DELIVERY_KEYS = [
  'dlq', 'hooks', 'maxBodyBytes', 'disableWebhooks', 'env', 'envPrefix', 'allowAnyEnv', 'exitDrainMs', 'urlPolicy',
];

function errorName(error) {
  if (error && typeof error === 'object') {
    if (typeof error.name === 'string' && error.name !== '') return error.name;
    if (typeof error.constructor?.name === 'string') return error.constructor.name;
  }
  return 'Error';
}

function errorMessage(error) {
  if (error && typeof error === 'object' && typeof error.message === 'string') return error.message;
  return String(error);
}

const ABORT_MESSAGES = new Set(['Abort', 'Aborted', 'This operation was aborted']);

/** LangGraph's status for a failed root run, and its `error`. */
function failure(error, metadata) {
  const name = errorName(error);
  const aborted = name === 'AbortError' || (name === 'Error' && ABORT_MESSAGES.has(errorMessage(error)));
  if (name === 'TimeoutError' || (aborted && metadata?.timeoutMs !== undefined)) {
    const ms = metadata?.timeoutMs;
    return { status: 'timeout', error: { error: 'TimeoutError', message: ms === undefined ? 'The run timed out' : `The run timed out after ${ms} ms` } };
  }
  if (aborted) return { status: 'interrupted' };
  return { status: 'error', error: { error: name, message: errorMessage(error) } };
}

function isGraphInterrupt(error) {
  const name = errorName(error);
  return (name === 'GraphInterrupt' || name === 'NodeInterrupt') && Array.isArray(error?.interrupts);
}

/** A LangGraph `Command` as LangGraph's run kwargs carry it. */
function commandOf(input) {
  if (input && typeof input === 'object' && input.lg_name === 'Command') {
    const command = {};
    for (const key of ['resume', 'goto', 'update']) {
      const value = input[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) command[key] = value;
    }
    return command;
  }
  return undefined;
}

/** JSON-safe copy (cycles and BigInt become a marker instead of failing the webhook). */
function jsonSafe(value) {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return '[unserializable]';
  }
}

function withoutInterruptKey(values) {
  if (values && typeof values === 'object' && !Array.isArray(values) && '__interrupt__' in values) {
    const rest = { ...values };
    delete rest.__interrupt__;
    return rest;
  }
  return values;
}

function plainOutput(output) {
  // A LangChain message (AIMessage…) as its content, like the event handler forwards it.
  if (output && typeof output === 'object' && Array.isArray(output.lc_namespace) && 'content' in output) {
    return { content: output.content };
  }
  return output;
}

/**
 * @param {{ createDelivery: Function }} deliveryApi
 * @param {{ resolveHeaderTemplates: Function, validateWebhookUrl: Function }} policy
 * @param {object} native `runWebhookPayload(runJson, sentAtMs, maxBytes)`
 */
export function createRunWebhookApi(native, deliveryApi, policy) {
  /**
   * The exact JSON text runwire sends for a finished run (LangGraph's payload). `run` is
   * `{ run_id, thread_id?, assistant_id, status, metadata?, kwargs?, multitask_strategy?,
   * started_at_ms, ended_at_ms, values?, error?, interrupts?, allowed_fields? }`.
   */
  function runWebhookPayload(run, options = {}) {
    if (run === null || typeof run !== 'object') throw invalidArgument('run must be an object');
    const sentAt = options.sentAt instanceof Date ? options.sentAt.getTime() : (options.sentAt ?? Date.now());
    if (typeof sentAt !== 'number' || !Number.isFinite(sentAt)) throw invalidArgument('options.sentAt must be a Date or milliseconds');
    return native.runWebhookPayload(JSON.stringify(run), sentAt, options.maxBytes ?? undefined);
  }

  /** Reads `langgraph.json`'s `webhooks` and `http.disable_webhooks` (see ./langgraph-config.js). */
  function readLangGraphWebhooks(config, options) {
    return readLangGraphConfig(config, policy, options);
  }

  function deliveryFor(options, lg) {
    if (options.delivery !== undefined) {
      if (typeof options.delivery?.sendRunCompletion !== 'function') {
        throw invalidArgument('options.delivery must come from createDelivery()');
      }
      return options.delivery;
    }
    const config = {};
    for (const key of DELIVERY_KEYS) if (options[key] !== undefined) config[key] = options[key];
    config.maxBodyBytes ??= RUN_WEBHOOK_MAX_BYTES;
    if (lg) {
      if (lg.disableWebhooks) config.disableWebhooks = true;
      if (config.urlPolicy === undefined) config.urlPolicy = lg.urlPolicy;
    }
    if (Array.isArray(options.sinks)) {
      config.sinks = options.sinks.map((sink) => (sink && typeof sink === 'object' && sink.events === undefined
        ? { ...sink, events: [RUN_COMPLETED] }
        : sink));
    } else {
      const sink = { name: options.name ?? 'run-webhook', events: [RUN_COMPLETED] };
      for (const key of SINK_KEYS) if (options[key] !== undefined && key !== 'urlPolicy') sink[key] = options[key];
      if (options.urlPolicy !== undefined) sink.urlPolicy = options.urlPolicy;
      if (lg?.headers) sink.headers = { ...lg.headers, ...sink.headers };
      config.sinks = [sink];
    }
    return deliveryApi.createDelivery(config);
  }

  /**
   * A LangChain callback handler that sends one signed, LangGraph-compatible run webhook when
   * the root run it is attached to ends. See index.d.ts `RunWebhookOptions`.
   */
  function createRunWebhookHandler(options) {
    if (options === null || typeof options !== 'object') throw invalidArgument('options must be an object');
    const lg = options.langgraph === undefined
      ? undefined
      : readLangGraphConfig(options.langgraph, policy, { env: options.env, allowAnyEnv: options.allowAnyEnv });
    if (options.assistantId !== undefined && typeof options.assistantId !== 'string') {
      throw invalidArgument('options.assistantId must be a string');
    }
    if (options.graph !== undefined && typeof options.graph?.getState !== 'function') {
      throw invalidArgument('options.graph must be a compiled LangGraph graph (with getState)');
    }
    const engine = deliveryFor(options, lg);
    const allowedFields = lg?.allowedFields;
    const reportInterrupts = options.interrupts !== false;
    const onError = options.onError ?? options.hooks?.onError;
    const multitaskStrategy = options.multitaskStrategy ?? 'reject';
    let warnedDisabled = false;

    /** Root runs in flight, by id, and the root of every run below them. */
    const roots = new Map();
    const rootOf = new Map();
    const idleWaiters = new Set();

    function settleIdle() {
      if (roots.size !== 0) return;
      for (const resolve of idleWaiters) resolve();
      idleWaiters.clear();
    }

    function started(runId, parentRunId, name, input, metadata, extra) {
      if (typeof runId !== 'string') return;
      const parentRoot = parentRunId === undefined ? undefined : rootOf.get(parentRunId);
      if (parentRoot !== undefined) {
        rootOf.set(runId, parentRoot);
        return;
      }
      if (roots.has(runId)) return;
      rootOf.set(runId, runId);
      roots.set(runId, {
        runId, name, input, metadata: metadata ?? {}, startedAt: Date.now(), interrupts: [], ids: new Set(),
        config: extra?.config,
      });
    }

    function child(runId, parentRunId) {
      const root = parentRunId === undefined ? undefined : rootOf.get(parentRunId);
      if (root !== undefined && typeof runId === 'string') rootOf.set(runId, root);
    }

    function childEnded(runId, error) {
      const rootId = rootOf.get(runId);
      if (rootId === undefined || rootId === runId) return;
      rootOf.delete(runId);
      if (error !== undefined && isGraphInterrupt(error)) {
        const root = roots.get(rootId);
        for (const item of error.interrupts) {
          const id = item?.id ?? JSON.stringify(item?.value);
          if (root && !root.ids.has(id)) {
            root.ids.add(id);
            root.interrupts.push(jsonSafe({ id: item?.id, value: item?.value }));
          }
        }
      }
    }

    async function finish(runId, output, error) {
      const root = roots.get(runId);
      if (root === undefined) return childEnded(runId, error);
      rootOf.delete(runId);
      try {
        await send(root, output, error);
      } catch (failure) {
        if (onError) onError(failure);
      } finally {
        for (const [id, rootId] of rootOf) if (rootId === runId) rootOf.delete(id);
        roots.delete(runId);
        settleIdle();
      }
    }

    async function send(root, output, error) {
      const metadata = root.metadata;
      const configurable = root.config?.configurable ?? {};
      const threadId = configurable.thread_id ?? metadata.thread_id;
      const run = {
        run_id: root.runId,
        thread_id: threadId === undefined || threadId === null ? null : String(threadId),
        assistant_id: options.assistantId ?? configurable.assistant_id ?? metadata.assistant_id ?? root.name ?? 'default',
        status: 'success',
        metadata: jsonSafe(metadata) ?? {},
        kwargs: {},
        multitask_strategy: multitaskStrategy,
        started_at_ms: root.startedAt,
        ended_at_ms: Math.max(Date.now(), root.startedAt),
      };
      const command = commandOf(root.input);
      run.kwargs = command === undefined ? { input: jsonSafe(root.input) ?? null } : { input: null, command: jsonSafe(command) };
      if (threadId !== undefined && threadId !== null) run.kwargs.config = { configurable: { thread_id: run.thread_id } };
      if (error !== undefined) {
        Object.assign(run, failure(error, metadata));
      }
      let values = output;
      if (options.graph !== undefined && threadId !== undefined && threadId !== null) {
        const state = await options.graph.getState({ configurable: { thread_id: run.thread_id } });
        values = state?.values;
        if (run.status === 'success' && root.interrupts.length === 0) {
          for (const task of state?.tasks ?? []) {
            for (const item of task?.interrupts ?? []) root.interrupts.push(jsonSafe({ id: item?.id, value: item?.value }));
          }
        }
      }
      if (values !== undefined) run.values = jsonSafe(withoutInterruptKey(plainOutput(values))) ?? null;
      if (reportInterrupts && run.status === 'success' && root.interrupts.length > 0) run.interrupts = root.interrupts;
      if (allowedFields) run.allowed_fields = allowedFields;
      const accepted = engine.sendRunCompletion(run);
      if (!accepted && engine.disabled && !warnedDisabled) {
        warnedDisabled = true;
        console.info('Webhooks disabled, skipping webhook call');
      }
    }

    const handler = {
      name: options.handlerName ?? 'runwire-run-webhook',
      // Awaited: the root's end is recorded before invoke() resolves, so drain() right after
      // it sees the webhook. The work is a few map operations and one call into the engine.
      awaitHandlers: true,
      raiseError: false,
      delivery: undefined,

      handleChainStart(chain, inputs, runId, parentRunId, _tags, metadata, _runType, runName) {
        const name = runName ?? chain?.name ?? (Array.isArray(chain?.id) ? chain.id[chain.id.length - 1] : undefined);
        started(runId, parentRunId, name, inputs, metadata);
      },
      handleChainEnd(outputs, runId) {
        return finish(runId, outputs, undefined);
      },
      handleChainError(error, runId) {
        return finish(runId, undefined, error ?? new Error('unknown error'));
      },
      handleToolStart(_tool, _input, runId, parentRunId) {
        child(runId, parentRunId);
      },
      handleToolEnd(_output, runId) {
        childEnded(runId);
      },
      handleToolError(error, runId) {
        childEnded(runId, error);
      },
      handleLLMStart(_llm, _prompts, runId, parentRunId) {
        child(runId, parentRunId);
      },
      handleChatModelStart(_llm, _messages, runId, parentRunId) {
        child(runId, parentRunId);
      },
      handleLLMEnd(_output, runId) {
        childEnded(runId);
      },
      handleLLMError(error, runId) {
        childEnded(runId, error);
      },
      handleRetrieverStart(_retriever, _query, runId, parentRunId) {
        child(runId, parentRunId);
      },
      handleRetrieverEnd(_documents, runId) {
        childEnded(runId);
      },
      handleRetrieverError(error, runId) {
        childEnded(runId, error);
      },

      // runwire standalone runs (streamEvents(fn, …), invokeRun) call these for their root run.
      [ROOT_RUN]: {
        start(runId, name, input, config, metadata) {
          started(runId, undefined, name, input, metadata, { config });
        },
        end(runId, output) {
          return finish(runId, output, undefined);
        },
        error(runId, error) {
          return finish(runId, undefined, error);
        },
      },

      /** Root runs whose webhook is not yet handed to the engine. */
      pendingRuns() {
        return roots.size;
      },
    };

    function waitRoots(ms) {
      if (roots.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          idleWaiters.delete(done);
          resolve(false);
        }, ms);
        const done = () => {
          clearTimeout(timer);
          resolve(true);
        };
        idleWaiters.add(done);
      });
    }

    /** The engine, with drain/close that first wait for root runs still ending. */
    async function beforeEngine(ms, fn) {
      const timeoutMs = ms ?? 30_000;
      const start = Date.now();
      await waitRoots(timeoutMs);
      return fn(Math.max(0, timeoutMs - (Date.now() - start)));
    }
    handler.delivery = {
      ...engine,
      drain: (ms) => beforeEngine(ms, (left) => engine.drain(left)),
      close: (ms) => beforeEngine(ms, (left) => engine.close(left)),
    };
    return handler;
  }

  return { createRunWebhookHandler, runWebhookPayload, readLangGraphWebhooks };
}
