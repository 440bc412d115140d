/**
 * streamEvents v2 records, built in JS from the core's rules (crates/core/src/events/record.rs).
 *
 * Why JS builds them: a record must reach `for await` as a plain JS object whose payload is the
 * caller's value by reference (LangChain never clones `data`). Building it through a native call
 * per event would cost a boundary crossing plus a JS object construction on the other side, for
 * nothing gained: the layout is a fixed key order. So the layouts below are literal objects in
 * the core's order, and tests/events/core-rules.test.mjs proves on both builds that every layout
 * equals `recordLayout(kind)` from the core, and that the data rules give the same answers as
 * LangChain (tests/langchain/standalone.test.mjs).
 *
 * Key orders (§6.1 of shared/spec/langchain-events.md):
 *   on_chain_start   event, data, name, tags, run_id, metadata
 *   on_custom_event  event, run_id, name, tags, metadata, data
 *   on_chain_stream  event, run_id, name, tags, metadata, data
 *   on_chain_end     event, data, run_id, name, tags, metadata
 */

/** `_coerceToDict` of @langchain/core: objects stay, anything else becomes `{ [key]: value }`. */
export function coerceToDict(value, key) {
  return value && !Array.isArray(value) && !(value instanceof Date) && typeof value === 'object'
    ? value
    : { [key]: value };
}

/**
 * The start record. `inputs` is the coerced input dict; a run whose only input is `""` (the
 * streaming root, whose input is not known yet) gets empty data, as EventStreamCallbackHandler
 * does. Returns the record and the inputs the end record will use.
 */
export function chainStart(run, inputs) {
  let data;
  if (inputs.input === '' && Object.keys(inputs).length === 1) data = {};
  else if (inputs.input !== undefined) data = { input: inputs.input };
  else data = { input: inputs };
  return {
    event: 'on_chain_start',
    data,
    name: run.name,
    tags: run.tags,
    run_id: run.runId,
    metadata: run.metadata,
  };
}

export function customEvent(run, name, payload) {
  return {
    event: 'on_custom_event',
    run_id: run.runId,
    name,
    tags: run.tags,
    metadata: run.metadata,
    data: payload,
  };
}

export function chainStream(run, chunk) {
  return {
    event: 'on_chain_stream',
    run_id: run.runId,
    name: run.name,
    tags: run.tags,
    metadata: run.metadata,
    data: { chunk },
  };
}

/** The end record from the coerced outputs and inputs (EventStreamCallbackHandler.onChainEnd). */
export function chainEnd(run, outputs, inputs) {
  const data = { output: outputs?.output ?? outputs, input: inputs };
  if (inputs.input && Object.keys(inputs).length === 1) data.input = inputs.input;
  return {
    event: 'on_chain_end',
    data,
    run_id: run.runId,
    name: run.name,
    tags: run.tags,
    metadata: run.metadata,
  };
}

/** One sample record of each kind, for the layout check against the core. */
export function sampleRecords() {
  const run = { runId: 'r', name: 'n', tags: [], metadata: {} };
  return [
    chainStart(run, { input: 1 }),
    customEvent(run, 'e', 1),
    chainStream(run, 1),
    chainEnd(run, { output: 1 }, { input: 1 }),
  ];
}
