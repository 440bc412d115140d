/**
 * One graph, every channel: the scenarios of tests/emit/*.test.mjs, written once and run with
 * LangGraph 1.x and 0.x in Node (the `runwire` and `runwire/web` entries) and inside workerd
 * (`runwire/web`, LangGraph's web entry bundled). No `node:` imports: this module runs in workerd.
 *
 * The graph is agent-shaped: `plan` emits progress, `act` calls a tool whose body emits, `finish`
 * emits a last event. With `explicit`, every emit passes its config (the web entry's contract);
 * otherwise the nodes' emits let the Node entry find it through AsyncLocalStorage.
 */

/** @param {{ lg: object, tool: Function, z: object, emit: Function, explicit: boolean }} deps */
export function emitGraph({ lg, tool, z, emit, explicit }) {
  const { StateGraph, Annotation, START, END } = lg;
  const cfg = (config) => (explicit ? config : undefined);
  const lookup = tool(
    async ({ city }, config) => {
      // Always explicit in a tool: LangGraph gives a tool body an AsyncLocalStorage config without
      // its writer (LangGraph's own getWriter() has the same rule).
      await emit('tool_progress', { city, stage: 'looking up' }, config);
      return `sunny in ${city}`;
    },
    { name: 'weather', description: 'weather by city', schema: z.object({ city: z.string() }) },
  );
  const State = Annotation.Root({ steps: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }) });
  return new StateGraph(State)
    .addNode('plan', async (_state, config) => {
      await emit('progress', { step: 'plan', pct: 10 }, cfg(config));
      return { steps: ['plan'] };
    })
    .addNode('act', async (_state, config) => {
      const answer = await lookup.invoke({ city: 'Lisbon' }, config);
      await emit('progress', { step: 'act', pct: 60 }, cfg(config));
      return { steps: [answer] };
    })
    .addNode('finish', async (_state, config) => {
      await emit('progress', { step: 'finish', pct: 100 }, cfg(config));
      return { steps: ['finish'] };
    })
    .addEdge(START, 'plan')
    .addEdge('plan', 'act')
    .addEdge('act', 'finish')
    .addEdge('finish', END)
    .compile();
}

/** The events `emitGraph` emits, in order: what every channel must see. */
export const EXPECTED = [
  { name: 'progress', data: { step: 'plan', pct: 10 } },
  { name: 'tool_progress', data: { city: 'Lisbon', stage: 'looking up' } },
  { name: 'progress', data: { step: 'act', pct: 60 } },
  { name: 'progress', data: { step: 'finish', pct: 100 } },
];

/** A graph someone else wrote: it only uses LangGraph's `config.writer`. */
export function writerGraph({ lg }) {
  const { StateGraph, Annotation, START, END } = lg;
  const State = Annotation.Root({ n: Annotation({ reducer: (_a, b) => b, default: () => 0 }) });
  return new StateGraph(State)
    .addNode('count', async (state, config) => {
      for (let i = 1; i <= 3; i++) config.writer?.({ tick: i });
      return { n: state.n + 3 };
    })
    .addEdge(START, 'count')
    .addEdge('count', END)
    .compile();
}

/**
 * Runs both scenarios. `handler` is a runwire webhook handler whose sink the caller reads back;
 * returns what each channel saw, for the caller to assert on.
 */
export async function runScenarios({ lg, tool, z, rw, handler, explicit }) {
  const graph = emitGraph({ lg, tool, z, emit: rw.emit, explicit });

  // 1. LangGraph's custom stream (plus the handler, so the sink sees the same run).
  const custom = [];
  for await (const chunk of await graph.stream({ steps: [] }, { streamMode: 'custom', callbacks: [handler] })) {
    custom.push(chunk);
  }
  // 2. streamEvents v2, no handler: the records LangChain builds.
  const records = [];
  for await (const ev of graph.streamEvents({ steps: [] }, { version: 'v2' })) {
    if (ev.event === 'on_custom_event') records.push({ name: ev.name, data: ev.data });
  }
  // 3. The tap over a writer-only graph: invoke and stream give what the untapped graph gives.
  const plain = writerGraph({ lg });
  const tapped = rw.tapCustomStream(plain, handler, { name: 'writer' });
  const invoked = await tapped.invoke({ n: 0 });
  const plainInvoked = await plain.invoke({ n: 0 });
  const values = [];
  for await (const chunk of await tapped.stream({ n: 1 }, { streamMode: 'values' })) values.push(chunk);
  const plainValues = [];
  for await (const chunk of await plain.stream({ n: 1 }, { streamMode: 'values' })) plainValues.push(chunk);
  // 4. emit inside a tapped graph with a custom stream: shipped once (as a custom event), not twice.
  const both = rw.tapCustomStream(graph, handler);
  const bothCustom = [];
  for await (const chunk of await both.stream({ steps: [] }, { streamMode: ['custom'], callbacks: [handler] })) {
    bothCustom.push(chunk);
  }
  return { custom, records, invoked, plainInvoked, values, plainValues, bothCustom };
}
