/**
 * Custom events on every target: standalone runs yield LangChain's record shapes and key
 * orders (§6.1 of shared/spec/langchain-events.md), UUIDv7 run ids from the core, nested runs
 * inherit tags and metadata, filters select runs through the core's `includeRun`, and bad input
 * fails the same way everywhere. Dispatch takes the config explicitly, which both entries
 * accept; the addon's implicit lookup is covered by tests/langchain/.
 */
import { deepEqual, equal, ok, rejectsWithCode } from '../assert.js';

const KEYS = {
  on_chain_start: ['event', 'data', 'name', 'tags', 'run_id', 'metadata'],
  on_custom_event: ['event', 'run_id', 'name', 'tags', 'metadata', 'data'],
  on_chain_stream: ['event', 'run_id', 'name', 'tags', 'metadata', 'data'],
  on_chain_end: ['event', 'data', 'run_id', 'name', 'tags', 'metadata'],
};
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MISSING_CONFIG_START = 'Unable to dispatch a custom event without a parent run id. "dispatchCustomEvent" can only be called';

async function collect(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function guide(rw, options, streamOptions) {
  const payload = { reversed: 'dlrow olleh' };
  const records = await collect(
    rw.streamEvents(
      async (input, config) => {
        await rw.dispatchCustomEvent('event1', payload, config);
        await rw.invokeRun(
          async (x, inner) => {
            await rw.dispatchCustomEvent('inner', x, inner);
            return `${x}!`;
          },
          input,
          { ...config, runName: 'inner', tags: ['inner-tag'], metadata: { depth: 1 } },
        );
        await rw.dispatchCustomEvent('event2', 5, config);
        return input;
      },
      'hello world',
      options,
      streamOptions,
    ),
  );
  return { records, payload };
}

export default {
  topic: 'events',
  fixtures: [],
  cases: [
    {
      name: 'standalone streamEvents: record kinds, key orders, run ids, nesting',
      async run(rw) {
        const { records, payload } = await guide(rw, { tags: ['root-tag'], metadata: { m: 1 } });
        deepEqual(
          records.map((r) => `${r.event}:${r.name}`),
          [
            'on_chain_start:RunnableLambda',
            'on_custom_event:event1',
            'on_chain_start:inner',
            'on_custom_event:inner',
            'on_chain_end:inner',
            'on_custom_event:event2',
            'on_chain_stream:RunnableLambda',
            'on_chain_end:RunnableLambda',
          ],
        );
        for (const r of records) deepEqual(Object.keys(r), KEYS[r.event], r.event);
        const [start, event1, innerStart, innerEvent, innerEnd, , stream, end] = records;
        ok(UUID_V7.test(start.run_id), `run id ${start.run_id} is a UUIDv7`);
        ok(UUID_V7.test(innerStart.run_id) && innerStart.run_id !== start.run_id, 'nested run has its own UUIDv7');
        equal(event1.run_id, start.run_id);
        equal(innerEvent.run_id, innerStart.run_id);
        ok(event1.data === payload, 'payload by reference');
        deepEqual(start.data, { input: 'hello world' });
        deepEqual(innerStart.tags, ['root-tag', 'inner-tag']);
        deepEqual(innerEvent.metadata, { m: 1, depth: 1 });
        deepEqual(innerEnd.data, { output: 'hello world!', input: 'hello world' });
        deepEqual(stream.data, { chunk: 'hello world' });
        deepEqual(end.data, { output: 'hello world' });
        return { records: records.length };
      },
    },
    {
      name: 'filters apply to the emitting run (core includeRun)',
      async run(rw) {
        const names = async (streamOptions) =>
          (await guide(rw, {}, streamOptions)).records.filter((r) => r.event === 'on_custom_event').map((r) => r.name);
        deepEqual(await names({ includeNames: ['inner'] }), ['inner']);
        deepEqual(await names({ includeNames: ['event1'] }), []);
        deepEqual(await names({ excludeTags: ['inner-tag'] }), ['event1', 'event2']);
        deepEqual(await names({ includeTypes: ['chain'] }), ['event1', 'inner', 'event2']);
        deepEqual(await names({ ignoreCustomEvent: true }), []);
        const first = (await guide(rw, {}, { includeNames: ['inner'] })).records[0];
        deepEqual(first.data, { input: 'hello world' }, 'root input injected into the first record');
      },
    },
    {
      name: 'handlers get five arguments; raiseError rejects the dispatch',
      async run(rw) {
        const calls = [];
        const handler = { name: 'h', awaitHandlers: true, handleCustomEvent: (...args) => calls.push(args) };
        await collect(rw.streamEvents(async (x, config) => rw.dispatchCustomEvent('ev', x, config), 'in', { callbacks: [handler], tags: ['t'] }));
        equal(calls.length, 1);
        equal(calls[0].length, 5);
        deepEqual(calls[0].slice(3), [['t'], {}]);
        const raiser = {
          name: 'raiser',
          awaitHandlers: true,
          raiseError: true,
          handleCustomEvent() {
            throw new Error('boom2');
          },
        };
        const { error } = console;
        console.error = () => {};
        try {
          let caught;
          try {
            await collect(rw.streamEvents(async (x, config) => rw.dispatchCustomEvent('ev', x, config), 'in', { callbacks: [raiser] }));
          } catch (e) {
            caught = e;
          }
          equal(caught?.message, 'boom2');
        } finally {
          console.error = error;
        }
      },
    },
    {
      name: 'dispatch outside a run: Node no-op, web rejects with LangChain text',
      async run(rw, _fx, { target }) {
        const result = rw.dispatchCustomEvent('x', 1);
        ok(typeof result.then === 'function', 'always a promise');
        // The Node entry (addon or its WebAssembly fallback) finds no run: a no-op like core's.
        if (target === 'addon' || target === 'node-fallback') {
          equal(await result, undefined);
        } else {
          let message;
          await result.catch((e) => {
            message = e.message;
          });
          ok(message?.startsWith(MISSING_CONFIG_START), `web rejection text: ${message}`);
          ok(message.endsWith('https://js.langchain.com/docs/how_to/custom_tools#tool-function \n'));
        }
        equal(await rw.dispatchCustomEvent('x', 1, null), undefined);
        equal(await rw.dispatchCustomEvent('x', 1, {}), undefined);
      },
    },
    {
      name: 'bad input: invalid names and unserializable payloads get typed errors',
      async run(rw) {
        for (const name of ['', 42, null, undefined, {}]) {
          let sync;
          let promise;
          try {
            promise = rw.dispatchCustomEvent(name, 1, {});
          } catch (e) {
            sync = e;
          }
          equal(sync, undefined, 'never a synchronous throw');
          await rejectsWithCode(() => promise, 'ERR_RUNWIRE_INVALID_EVENT_NAME', String(name));
        }
        for (const payload of [(() => { const c = {}; c.self = c; return c; })(), { n: 10n }]) {
          const seen = [];
          const stream = rw.streamEvents(
            async (x, config) => {
              await rw.dispatchCustomEvent('bad', payload, config);
              return x;
            },
            'in',
            { encoding: 'text/event-stream', callbacks: [{ name: 'mem', awaitHandlers: true, handleCustomEvent: (_n, data) => seen.push(data) }] },
          );
          await rejectsWithCode(() => collect(stream), 'ERR_RUNWIRE_UNSERIALIZABLE');
          ok(seen[0] === payload, 'in-memory handlers still get the payload by reference');
        }
        await rejectsWithCode(async () => rw.streamEvents('not a function', 1), 'ERR_RUNWIRE_INVALID_ARGUMENT');
        await rejectsWithCode(async () => rw.streamEvents(async () => 1, 1, { version: 'v1' }), 'ERR_RUNWIRE_INVALID_ARGUMENT');
      },
    },
  ],
};
