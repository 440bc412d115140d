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
 * Each forwarded event costs the JS thread one `JSON.stringify` and a buffered hand-over to the
 * engine. `on_custom_event`, the hot one (every `dispatchCustomEvent`), is not built as an object
 * and serialised whole: its record's text is put together from `JSON.stringify` of each member
 * (the name and run id remembered from the event before), in the same member order, so only the
 * user's data is serialised per event — the engine parses and canonicalises the text anyway.
 * Serialisation errors (cycles, BigInt) are reported to `onError`, never thrown into the agent.
 *
 * The engine is told which events end their run (`on_tool_end`, `on_chain_end`, `on_llm_end`:
 * the run is over, its id counters can go). When a sink orders per run (`ordering: 'run'`), the
 * handler also learns every run's root from the `*_start` callbacks (parent → root, forgotten
 * when the run ends) and passes it with each event; without such a sink it tracks nothing.
 */

import { MAX_DEPTH, mayBeTooDeep, stringify } from './json-text.js';

/**
 * The delivery's way in for a record the handler serialised itself: `(event, runId, json,
 * rootRunId, endsRun, shallow)`, `shallow` saying the text surely nests within the core's limit
 * (./batcher.js). Set by ./delivery.js; not part of the public API.
 */
export const SEND_JSON = Symbol('runwire.sendJson');

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
  // run id → root run id, only when some sink needs it (ordering per run, Kafka key, SNS group).
  const roots = delivery.ordered === true ? new Map() : null;
  const ENDS = { rootRunId: undefined, endsRun: true };
  const GOES_ON = { rootRunId: undefined, endsRun: false };

  function started(runId, parentRunId) {
    if (roots !== null) roots.set(runId, (parentRunId && (roots.get(parentRunId) ?? parentRunId)) || runId);
  }

  function forward(event, runId, data, ends = false) {
    const root = roots === null ? undefined : (roots.get(runId) ?? runId);
    if (ends && roots !== null) roots.delete(runId);
    if (!delivery.wants(event)) return;
    try {
      const opts = ends ? ENDS : GOES_ON;
      opts.rootRunId = root;
      delivery.send(event, runId, data, opts);
    } catch (error) {
      if (onError) onError(error);
    }
  }

  // The last custom event's name and run id as JSON members (a run emits many in a row).
  let lastName;
  let nameMember;
  let lastRunId;
  let runIdMember;
  // Whether the last record surely nests within the core's limit (set by customRecord).
  let shallowRecord = false;

  /**
   * The text of `JSON.stringify({ event, name, run_id, tags, metadata, data })`, member by member
   * (a member whose value has no JSON form is left out, as there). Sets `shallowRecord`: one
   * level is the record's, so each member must nest within one less.
   */
  function customRecord(eventName, runId, tags, metadata, data) {
    // Only strings are remembered: an object's JSON could change between events.
    if (eventName !== lastName || nameMember === undefined || typeof eventName !== 'string') {
      const name = stringify(eventName);
      nameMember = name === undefined ? '' : `,"name":${name}`;
      lastName = eventName;
    }
    if (runId !== lastRunId || runIdMember === undefined || typeof runId !== 'string') {
      const id = stringify(runId);
      runIdMember = id === undefined ? '' : `,"run_id":${id}`;
      lastRunId = runId;
    }
    const tagsJson = stringify(tags);
    const metadataJson = stringify(metadata);
    const dataJson = stringify(data);
    let json = `{"event":"on_custom_event"${nameMember}${runIdMember}`;
    if (tagsJson !== undefined) json += `,"tags":${tagsJson}`;
    if (metadataJson !== undefined) json += `,"metadata":${metadataJson}`;
    if (dataJson !== undefined) json += `,"data":${dataJson}`;
    json += '}';
    const limit = MAX_DEPTH - 1;
    shallowRecord = !(
      (tagsJson !== undefined && mayBeTooDeep(tagsJson, limit))
      || (metadataJson !== undefined && mayBeTooDeep(metadataJson, limit))
      || (dataJson !== undefined && mayBeTooDeep(dataJson, limit))
    );
    return json;
  }

  function stopped(runId) {
    if (roots !== null) roots.delete(runId);
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
      if (!delivery.wants('on_custom_event')) return;
      const root = roots === null ? undefined : (roots.get(runId) ?? runId);
      try {
        const json = customRecord(eventName, runId, tags ?? [], metadata ?? {}, data);
        delivery[SEND_JSON]('on_custom_event', runId, json, root, false, shallowRecord);
      } catch (error) {
        if (onError) onError(error);
      }
    },

    handleToolStart(tool, _input, runId, parentRunId, tags, metadata, runName) {
      started(runId, parentRunId);
      if (delivery.wants('on_tool_end')) note(runId, runName ?? serializedName(tool), tags, metadata);
    },
    handleToolEnd(output, runId, parentRunId, tags) {
      if (!runs.has(runId) && !delivery.wants('on_tool_end')) return stopped(runId);
      forward('on_tool_end', runId, ended('on_tool_end', runId, parentRunId, tags, { output: plain(output) }), true);
    },
    handleToolError(_error, runId) {
      runs.delete(runId);
      stopped(runId);
    },

    handleChainStart(chain, _inputs, runId, parentRunId, tags, metadata, _runType, runName) {
      started(runId, parentRunId);
      const name = runName ?? serializedName(chain);
      if ((allChains || isNamed(name)) && delivery.wants('on_chain_end')) note(runId, name, tags, metadata);
    },
    handleChainEnd(outputs, runId, parentRunId, tags) {
      if (!runs.has(runId)) return stopped(runId);
      forward('on_chain_end', runId, ended('on_chain_end', runId, parentRunId, tags, { output: plain(outputs) }), true);
    },
    handleChainError(_error, runId) {
      runs.delete(runId);
      stopped(runId);
    },

    handleLLMStart(llm, _prompts, runId, parentRunId, _extra, tags, metadata, runName) {
      started(runId, parentRunId);
      if (delivery.wants('on_llm_end')) note(runId, runName ?? serializedName(llm), tags, metadata);
    },
    handleChatModelStart(llm, _messages, runId, parentRunId, _extra, tags, metadata, runName) {
      started(runId, parentRunId);
      if (delivery.wants('on_llm_end') || delivery.wants('on_chat_model_end')) {
        note(runId, runName ?? serializedName(llm), tags, metadata);
      }
    },
    handleLLMEnd(output, runId, parentRunId, tags) {
      if (!runs.has(runId)) return stopped(runId);
      forward('on_llm_end', runId, ended('on_llm_end', runId, parentRunId, tags, { output }), true);
    },
    handleLLMError(_error, runId) {
      runs.delete(runId);
      stopped(runId);
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
