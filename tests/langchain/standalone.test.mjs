/**
 * Standalone `streamEvents` (no LangChain in the run) against a LangChain `RunnableLambda`
 * running the same function: identical v2 records (shapes, key order, values, order; run ids
 * by position) and identical handler calls — for the Node entry (implicit scope) and the web
 * entry (explicit config).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as runwire from 'runwire';
import * as runwireWeb from 'runwire/web';
import lc from './lc.mjs';
import { createNormalizer, recordView, captureConsole } from './lib/normalize.mjs';

const { RunnableLambda } = lc;

/** The three ways to run a function body: LangChain, runwire Node, runwire web. */
const sides = {
  langchain: {
    emit: (name, data) => lc.coreDispatch(name, data),
    nested: (fn, input, _config, options) => RunnableLambda.from(fn).invoke(input, options),
    async stream(fn, input, options = {}, streamOptions = undefined) {
      let runnable = RunnableLambda.from(fn);
      if (options.runName) runnable = runnable.withConfig({ runName: options.runName });
      const rest = { ...options };
      delete rest.runName;
      return runnable.streamEvents(input, { version: 'v2', ...rest }, streamOptions);
    },
    awaitCallbacks: () => lc.awaitAllCallbacks(),
  },
  'runwire-node': {
    emit: (name, data) => runwire.dispatchCustomEvent(name, data),
    nested: (fn, input, _config, options) => runwire.invokeRun(fn, input, options),
    stream: (fn, input, options, streamOptions) => runwire.streamEvents(fn, input, options, streamOptions),
    awaitCallbacks: () => runwire.awaitCallbacks(),
  },
  'runwire-web': {
    emit: (name, data, config) => runwireWeb.dispatchCustomEvent(name, data, config),
    nested: (fn, input, config, options) => runwireWeb.invokeRun(fn, input, { ...config, ...options }),
    stream: (fn, input, options, streamOptions) => runwireWeb.streamEvents(fn, input, options, streamOptions),
    awaitCallbacks: () => runwireWeb.awaitCallbacks(),
  },
};

async function collect(side, makeFn, input, options, streamOptions) {
  const log = [];
  const handler = {
    handleCustomEvent(...args) {
      log.push([args.length, ...args]);
    },
  };
  const opts = options?.withHandler ? { ...options, callbacks: [handler] } : { ...options };
  delete opts.withHandler;
  const records = [];
  let error;
  try {
    for await (const record of await side.stream(makeFn(side), input, opts, streamOptions)) records.push(record);
  } catch (err) {
    error = String(err);
  }
  await side.awaitCallbacks();
  const normalize = createNormalizer();
  return { records: records.map((r) => recordView(normalize, r)), log: normalize(log), error };
}

async function assertSame(makeFn, input, options, streamOptions, { allowEmpty = false } = {}) {
  const expected = await collect(sides.langchain, makeFn, input, options, streamOptions);
  if (!allowEmpty) assert.ok(expected.records.length > 0);
  for (const name of ['runwire-node', 'runwire-web']) {
    const actual = await collect(sides[name], makeFn, input, options, streamOptions);
    assert.deepStrictEqual(actual, expected, name);
  }
  return expected;
}

const values = [undefined, null, 0, '', 'x', 5, { a: 1 }, { input: 3 }, { output: 4 }, { input: 0 }, [1, 2], {}];

test('record data rules match RunnableLambda for every input/output shape', async () => {
  for (const input of ['hi', 0, { a: 1 }, { input: 3 }, '', undefined]) {
    for (const output of values) {
      const makeFn = (side) => async (x, config) => {
        await side.emit('e', { x }, config);
        await side.nested(
          async (y, c) => {
            await side.emit('ie', 1, c);
            return output;
          },
          input,
          config,
          {},
        );
        return output;
      };
      await assertSame(makeFn, input, {});
    }
  }
});

test('guide example G1, tags, metadata, runName and handler calls', async () => {
  const makeFn = (side) => async (x, config) => {
    await side.emit('event1', { reversed: x.split('').reverse().join('') }, config);
    await side.emit('event2', 5, config);
    return x;
  };
  const plain = await assertSame(makeFn, 'hello world', {});
  assert.deepEqual(
    plain.records.map((r) => r.record.event),
    ['on_chain_start', 'on_custom_event', 'on_custom_event', 'on_chain_stream', 'on_chain_end'],
  );
  assert.deepEqual(plain.records[1].keys, ['event', 'run_id', 'name', 'tags', 'metadata', 'data']);
  await assertSame(makeFn, 'hello world', {
    tags: ['t1', 't2'],
    metadata: { m: 1 },
    runName: 'reverser',
    configurable: { model: 'gpt', other: 1 },
    withHandler: true,
  });
});

test('nested runs keep parent/child run ids, tags and metadata', async () => {
  const makeFn = (side) => async (x, config) => {
    await side.emit('outer_before', { x }, config);
    const y = await side.nested(
      async (v, c) => {
        await side.emit('inner_event', { v }, c);
        const z = await side.nested(
          async (w, c2) => {
            await side.emit('deepest', w, c2);
            return `${w}!`;
          },
          v,
          c,
          { runName: 'deep', tags: ['deep-tag', 'root-tag'], metadata: { deep: 2 } },
        );
        return `${z}?`;
      },
      x,
      config,
      { runName: 'inner', tags: ['inner-tag'], metadata: { inner_meta: true } },
    );
    await side.emit('outer_after', { y }, config);
    return y;
  };
  const out = await assertSame(makeFn, 'in', { tags: ['root-tag'], metadata: { root_meta: 0 }, withHandler: true });
  const custom = out.records.filter((r) => r.record.event === 'on_custom_event');
  assert.equal(custom.length, 4);
  assert.notEqual(custom[1].record.run_id, custom[0].record.run_id);
  assert.deepEqual(custom[1].record.tags, ['root-tag', 'inner-tag']);
  assert.deepEqual(custom[2].record.tags, ['inner-tag', 'deep-tag', 'root-tag']);
  assert.deepEqual(custom[2].record.metadata, { root_meta: 0, inner_meta: true, deep: 2 });
});

test('include/exclude filters, ignoreCustomEvent and first-event input injection', async () => {
  const makeFn = (side) => async (x, config) => {
    await side.emit('root_event', 1, config);
    await side.nested(
      async (v, c) => {
        await side.emit('child_event', 2, c);
        return v;
      },
      x,
      config,
      { runName: 'child', tags: ['child-tag'] },
    );
    return x;
  };
  const filters = [
    { includeNames: ['child'] },
    { includeNames: ['root_event'] },
    { includeTags: ['child-tag'] },
    { includeTypes: ['chain'] },
    { excludeNames: ['child'] },
    { excludeTags: ['child-tag'] },
    { excludeTypes: ['chain'] },
    { includeNames: ['RunnableLambda'], excludeTags: ['child-tag'] },
    { ignoreCustomEvent: true },
  ];
  const seen = new Set();
  for (const streamOptions of filters) {
    const out = await assertSame(makeFn, 'root-input', {}, streamOptions, { allowEmpty: true });
    seen.add(out.records.length);
    if (streamOptions.includeNames?.[0] === 'child') {
      assert.deepEqual(out.records[0].record.data, { input: 'root-input' }, 'root input injected into the first record');
    }
  }
  assert.ok(seen.size >= 4, 'the filters select different record sets');
});

test('an error in the function ends the stream after the records before it', async () => {
  const makeFn = (side) => async (x, config) => {
    await side.emit('before', 1, config);
    throw new Error(`failed on ${x}`);
  };
  const out = await assertSame(makeFn, 'boom', { withHandler: true });
  assert.equal(out.error, 'Error: failed on boom');
});

test('handler errors: warn lines and raiseError propagation match', async () => {
  for (const raiseError of [false, true]) {
    const observe = async (side) => {
      const handler = {
        name: 'custom-handler',
        raiseError,
        awaitHandlers: raiseError,
        handleCustomEvent() {
          throw new Error('boom');
        },
      };
      const fn = async (x, config) => {
        await side.emit('ev', 1, config);
        return x;
      };
      return captureConsole(async () => {
        const records = [];
        for await (const r of await side.stream(fn, 'x', { callbacks: [handler] })) records.push(r.event);
        await side.awaitCallbacks();
        return records;
      });
    };
    const expected = await observe(sides.langchain);
    assert.equal(expected.lines.length, 1);
    for (const name of ['runwire-node', 'runwire-web']) assert.deepStrictEqual(await observe(sides[name]), expected, name);
  }
});

test('text/event-stream encoding gives the same frames', async () => {
  const decode = async (stream) => {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of stream) text += decoder.decode(chunk);
    return createNormalizer()(text);
  };
  const fn = (side) => async (x, config) => {
    await side.emit('event1', { r: 1 }, config);
    return x;
  };
  const expected = await decode(await sides.langchain.stream(fn(sides.langchain), 'hi', { encoding: 'text/event-stream' }));
  assert.match(expected, /event: end\n\n$/);
  for (const name of ['runwire-node', 'runwire-web']) {
    const actual = await decode(await sides[name].stream(fn(sides[name]), 'hi', { encoding: 'text/event-stream' }));
    assert.equal(actual, expected, name);
  }
});

test('invokeRun inside a LangChain run without handlers leaves dispatches to LangChain', async () => {
  const lambda = RunnableLambda.from(async (x) => {
    await runwire.invokeRun(async (y) => runwire.dispatchCustomEvent('from_helper', y), x);
    return x;
  });
  const records = [];
  for await (const r of lambda.streamEvents('in', { version: 'v2' })) records.push(r);
  const custom = records.filter((r) => r.event === 'on_custom_event');
  assert.deepEqual(custom.map((r) => [r.name, r.data, r.run_id === records[0].run_id]), [['from_helper', 'in', true]]);
});

test('dispatch with a config captured after its run ended: warning, no record, handlers still called', async () => {
  const late = {
    langchain: (name, data, config) => lc.coreDispatchWeb(name, data, config),
    'runwire-node': (name, data, config) => runwire.dispatchCustomEvent(name, data, config),
    'runwire-web': (name, data, config) => runwireWeb.dispatchCustomEvent(name, data, config),
  };
  const observe = async (name) => {
    const side = sides[name];
    const log = [];
    const handler = { handleCustomEvent: (...args) => log.push(args) };
    let captured;
    const records = [];
    for await (const r of await side.stream(async (x, config) => {
      captured = config;
      return x;
    }, 'x', { callbacks: [handler], tags: ['t'] })) records.push(r);
    const out = await captureConsole(() => late[name]('late', { t: 1 }, captured));
    await side.awaitCallbacks();
    const normalize = createNormalizer();
    return { records: records.map((r) => recordView(normalize, r)), out: normalize(out), log: normalize(log) };
  };
  const expected = await observe('langchain');
  assert.equal(expected.out.lines.length, 1);
  assert.equal(expected.log.length, 1);
  for (const name of ['runwire-node', 'runwire-web']) assert.deepStrictEqual(await observe(name), expected, name);
});

test('breaking out of the stream aborts config.signal; sync functions and sync throws work', async () => {
  for (const rw of [runwire, runwireWeb]) {
    let signal;
    let resume;
    const gate = new Promise((resolve) => {
      resume = resolve;
    });
    const stream = rw.streamEvents(async (x, config) => {
      signal = config.signal;
      await rw.dispatchCustomEvent('first', 1, config);
      await gate;
      await rw.dispatchCustomEvent('after-break', 2, config);
      return x;
    }, 'in');
    const seen = [];
    for await (const r of stream) {
      seen.push(r.event);
      if (r.event === 'on_custom_event') break;
    }
    assert.deepEqual(seen, ['on_chain_start', 'on_custom_event']);
    assert.equal(signal.aborted, true, rw.target);
    resume();
    await new Promise((resolve) => setTimeout(resolve, 10));

    const syncRecords = [];
    for await (const r of rw.streamEvents((x) => x * 2, 21)) syncRecords.push(r);
    assert.deepEqual(syncRecords.at(-1).data, { output: 42 });
    await assert.rejects(
      async () => {
        for await (const r of rw.streamEvents(() => {
          throw new TypeError('sync boom');
        }, 1)) assert.ok(r);
      },
      { name: 'TypeError', message: 'sync boom' },
    );
  }
});
