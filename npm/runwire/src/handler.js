/**
 * The LangChain callback handler: a duck-typed handler object (no import of @langchain/core),
 * attached at invoke time with `callbacks: [handler]` so subgraphs and nested runnables inherit
 * it. It has a `name`, so LangChain uses it as-is, and `awaitHandlers: false`, so LangChain runs
 * it in the background.
 *
 * Forwarded by default (the seed's taxonomy; sinks narrow or widen it with `events`):
 * `on_custom_event`, `on_tool_end`, `on_chain_end` of **named** chains, `on_llm_end` /
 * `on_chat_model_end`, `on_agent_action`, `on_agent_finish`. Never tokens (the handler has no
 * `handleLLMNewToken`) and never `*_start` events: starts are only noted to learn run names.
 *
 * Each forwarded event costs the JS thread one `JSON.stringify` and one call into the engine.
 * Serialisation errors (cycles, BigInt) are reported to `onError`, never thrown into the agent.
 */

/** LangChain's generic runnable names: their chain ends are plumbing, not steps. */
const GENERIC = new Set([
  'RunnableSequence', 'RunnableLambda', 'RunnableParallel', 'RunnableMap', 'RunnableEach',
  'RunnableBinding', 'RunnablePassthrough', 'RunnableAssign', 'RunnablePick', 'RunnableBranch',
  'RunnableWithFallbacks', 'RunnableRetry', 'RunnableCallable', 'RunnableLike', 'ChannelWrite',
  'ChannelRead', '__start__', '__end__',
]);

function serializedName(serialized) {
  if (!serialized || typeof serialized !== 'object') return undefined;
  if (typeof serialized.name === 'string') return serialized.name;
  const id = serialized.id;
  return Array.isArray(id) && id.length > 0 ? String(id[id.length - 1]) : undefined;
}

function isNamed(name) {
  return typeof name === 'string' && name.length > 0 && !GENERIC.has(name) && !name.startsWith('ChannelWrite<')
    && !name.startsWith('Branch<');
}

/** Message-like outputs (ToolMessage, AIMessage) forward their content, not the LC envelope. */
function plain(output) {
  if (output && typeof output === 'object' && Array.isArray(output.lc_namespace) && 'content' in output) {
    const out = { content: output.content };
    if (output.tool_call_id !== undefined) out.tool_call_id = output.tool_call_id;
    if (output.name !== undefined) out.name = output.name;
    return out;
  }
  return output;
}

/**
 * @param {{ send: Function, wants: Function }} delivery
 * @param {{ name?: string, forwardUnnamedChains?: boolean, onError?: (e: unknown) => void }} [options]
 */
export function createHandler(delivery, options = {}) {
  const runs = new Map();
  const userOnError = options.onError ?? options.hooks?.onError;
  // Reported, never thrown into LangChain's callback machinery (a throwing onError is dropped).
  const onError = userOnError && ((error) => {
    try {
      userOnError(error);
    } catch {
      // nothing left to report to
    }
  });
  const allChains = options.forwardUnnamedChains === true;

  function forward(event, runId, data) {
    if (!delivery.wants(event)) return;
    try {
      delivery.send(event, runId, data);
    } catch (error) {
      if (onError) onError(error);
    }
  }

  function note(runId, name, tags, metadata) {
    runs.set(runId, { name, tags: tags ?? [], metadata: metadata ?? {} });
  }

  function take(runId) {
    const run = runs.get(runId);
    runs.delete(runId);
    return run;
  }

  function ended(event, runId, parentRunId, tags, extra) {
    const run = take(runId);
    const data = { event, name: run?.name ?? null, run_id: runId, tags: tags ?? run?.tags ?? [], metadata: run?.metadata ?? {} };
    if (parentRunId) data.parent_run_id = parentRunId;
    return Object.assign(data, extra);
  }

  const handler = {
    name: options.name ?? 'runwire',
    awaitHandlers: false,
    raiseError: false,
    ignoreRetriever: true,
    delivery,

    handleCustomEvent(eventName, data, runId, tags, metadata) {
      forward('on_custom_event', runId, {
        event: 'on_custom_event', name: eventName, run_id: runId, tags: tags ?? [], metadata: metadata ?? {}, data,
      });
    },

    handleToolStart(tool, _input, runId, _parentRunId, tags, metadata, runName) {
      if (delivery.wants('on_tool_end')) note(runId, runName ?? serializedName(tool), tags, metadata);
    },
    handleToolEnd(output, runId, parentRunId, tags) {
      if (!runs.has(runId) && !delivery.wants('on_tool_end')) return;
      forward('on_tool_end', runId, ended('on_tool_end', runId, parentRunId, tags, { output: plain(output) }));
    },
    handleToolError(_error, runId) {
      runs.delete(runId);
    },

    handleChainStart(chain, _inputs, runId, _parentRunId, tags, metadata, _runType, runName) {
      const name = runName ?? serializedName(chain);
      if ((allChains || isNamed(name)) && delivery.wants('on_chain_end')) note(runId, name, tags, metadata);
    },
    handleChainEnd(outputs, runId, parentRunId, tags) {
      if (!runs.has(runId)) return;
      forward('on_chain_end', runId, ended('on_chain_end', runId, parentRunId, tags, { output: plain(outputs) }));
    },
    handleChainError(_error, runId) {
      runs.delete(runId);
    },

    handleLLMStart(llm, _prompts, runId, _parentRunId, _extra, tags, metadata, runName) {
      if (delivery.wants('on_llm_end')) note(runId, runName ?? serializedName(llm), tags, metadata);
    },
    handleChatModelStart(llm, _messages, runId, _parentRunId, _extra, tags, metadata, runName) {
      if (delivery.wants('on_llm_end') || delivery.wants('on_chat_model_end')) {
        note(runId, runName ?? serializedName(llm), tags, metadata);
      }
    },
    handleLLMEnd(output, runId, parentRunId, tags) {
      if (!runs.has(runId)) return;
      forward('on_llm_end', runId, ended('on_llm_end', runId, parentRunId, tags, { output }));
    },
    handleLLMError(_error, runId) {
      runs.delete(runId);
    },

    handleAgentAction(action, runId, parentRunId, tags) {
      forward('on_agent_action', runId, {
        event: 'on_agent_action', run_id: runId, parent_run_id: parentRunId ?? null, tags: tags ?? [],
        tool: action?.tool, tool_input: action?.toolInput, log: action?.log,
      });
    },
    handleAgentEnd(action, runId, parentRunId, tags) {
      forward('on_agent_finish', runId, {
        event: 'on_agent_finish', run_id: runId, parent_run_id: parentRunId ?? null, tags: tags ?? [],
        return_values: action?.returnValues, log: action?.log,
      });
    },
  };
  return handler;
}
