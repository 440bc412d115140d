/**
 * `tapCustomStream(graph, target, options?)`: ships what a LangGraph.js graph writes with
 * `config.writer` (its custom stream) to runwire's sinks, without changing the graph.
 *
 * The tap returns a view of the compiled graph (`Object.create(graph)`) whose `stream` asks
 * LangGraph for the `custom` mode too, sends each custom chunk to the sinks as an
 * `on_custom_event` (name `options.name`, default `"custom"`; data = the chunk), and yields to the
 * caller exactly what the caller asked for: the modes, the chunk shapes (`payload`, `[mode,
 * payload]`, `[namespace, …]` with `subgraphs: true`) and the order are LangGraph's. Because
 * LangGraph's own `invoke` and `streamEvents` call `this.stream`, they go through the tap as well.
 * Each tapped run gets a run id (the caller's `runId`, or a fresh UUIDv7), which is the run the
 * shipped events belong to. Custom chunks written from subgraphs are shipped too; with
 * `subgraphs: true` their namespace is in the event's metadata (`checkpoint_ns`).
 *
 * Chunks written by runwire's `emit` are not shipped again: they reach the sinks as custom
 * events through the handler. With `encoding: "text/event-stream"` LangGraph yields bytes; such
 * calls pass through untapped.
 */
import { EMITTED } from './emit.js';
import { codedError } from '../errors.js';

function handlerOf(target) {
  if (target !== null && typeof target === 'object') {
    if (typeof target.handleCustomEvent === 'function') return target;
    if (typeof target.handler === 'function') return target.handler();
  }
  throw codedError(
    'ERR_RUNWIRE_INVALID_ARGUMENT',
    'tapCustomStream(graph, target): target must be a runwire webhook handler or a delivery',
  );
}

/** @param {() => string} newRunId */
export function createTap(newRunId) {
  return function tapCustomStream(graph, target, options = {}) {
    if (graph === null || typeof graph !== 'object' || typeof graph.stream !== 'function') {
      throw codedError('ERR_RUNWIRE_INVALID_ARGUMENT', 'tapCustomStream(graph, target): graph must be a compiled LangGraph graph');
    }
    const handler = handlerOf(target);
    const eventName = options.name ?? 'custom';
    const original = graph.stream;
    const tapped = Object.create(graph);

    tapped.stream = async function stream(input, callOptions) {
      const opts = callOptions ?? {};
      if (opts.encoding !== undefined) return original.call(this, input, opts);
      const requested = opts.streamMode;
      const single = requested === undefined || typeof requested === 'string';
      const wantedModes = requested === undefined
        ? (Array.isArray(graph.streamMode) ? graph.streamMode : [graph.streamMode ?? 'values'])
        : (Array.isArray(requested) ? requested : [requested]);
      const subgraphs = opts.subgraphs === true;
      const runId = opts.runId ?? newRunId();
      const modes = wantedModes.includes('custom') ? wantedModes : [...wantedModes, 'custom'];
      const source = await original.call(this, input, { ...opts, runId, streamMode: modes });

      const ship = (namespace, chunk) => {
        if (chunk !== null && typeof chunk === 'object' && EMITTED.has(chunk)) return;
        const metadata = namespace.length > 0 ? { checkpoint_ns: namespace.join('|') } : {};
        handler.handleCustomEvent(eventName, chunk, runId, [], metadata);
      };
      return source.pipeThrough(new TransformStream({
        transform(chunk, controller) {
          const [namespace, mode, payload] = subgraphs ? chunk : [[], chunk[0], chunk[1]];
          if (mode === 'custom') ship(namespace, payload);
          if (!wantedModes.includes(mode)) return;
          if (single) controller.enqueue(subgraphs ? [namespace, payload] : payload);
          else controller.enqueue(subgraphs ? [namespace, mode, payload] : [mode, payload]);
        },
      }));
    };
    return tapped;
  };
}
