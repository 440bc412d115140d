/**
 * Differential scenarios: each runs once per dispatch implementation and returns an
 * observation (normalized streamEvents v2 records with their key order, handler calls with
 * their argument count, ordering logs, console lines, outcomes). The tests assert that
 * @langchain/core's dispatch and runwire's produce identical observations.
 *
 * `lc` carries the LangChain modules of the version under test (1.x from the root project,
 * 0.3.x from tests/langchain/v03), so the same scenario code runs against each core version.
 * `impl` is `{ web, dispatch }`: Node entries are called without config (it is implicit),
 * web entries with the config the runnable received.
 */
import { captureConsole, createNormalizer, recordView } from './normalize.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A random UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, random rest. */
export function uuidv7() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = Date.now();
  for (let i = 0; i < 6; i += 1) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) % 256;
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function makeScenarios(lc) {
  const { RunnableLambda, RunnableSequence } = lc;
  const emitter = (impl) => (name, data, config) =>
    impl.web ? impl.dispatch(name, data, config) : impl.dispatch(name, data);

  async function streamAll(runnable, input, options = {}, streamOptions = undefined) {
    const records = [];
    for await (const record of runnable.streamEvents(input, { version: 'v2', ...options }, streamOptions)) {
      records.push(record);
    }
    return records;
  }

  /** A plain handler that records every custom event (args by value, plus identity checks). */
  function recorder(log, payloads = []) {
    return {
      handleCustomEvent(...args) {
        log.push(['custom', args.length, ...args, payloads.includes(args[1]) ? 'same-ref' : 'other-ref']);
      },
    };
  }

  function observe(parts) {
    const normalize = createNormalizer();
    const out = {};
    for (const [key, value] of Object.entries(parts)) {
      out[key] = key === 'records' ? value.map((r) => recordView(normalize, r)) : normalize(value);
    }
    return out;
  }

  /**
   * Dispatches whose metadata depends on the core's `ensureConfig` rules (`timeout` →
   * `metadata.timeoutMs` since 1.1.5; primitive `configurable` values → metadata before 1.1.40),
   * inside a run started with the given run id and an inherited `configurable`.
   */
  async function userRunId(impl, runId) {
    const log = [];
    const handler = recorder(log);
    const lambda = RunnableLambda.from(async (x, config) => {
      const base = impl.web ? config : {};
      await impl.dispatch('timeout', 1, { ...base, timeout: 1000 });
      await impl.dispatch('configurable', 2, { ...base, configurable: { user: 'u1', n: 7, flag: true, model: 'm-2', obj: {} } });
      await impl.dispatch('inherited', 3, { ...base, metadata: { k: 1 } });
      await impl.dispatch('both', 4, { ...base, timeout: 500, metadata: { timeoutMs: 9 } });
      return x;
    });
    const output = await lambda.invoke('in', { runId, callbacks: [handler], configurable: { thread_id: 'T1' } });
    await lc.awaitAllCallbacks();
    const metadata = Object.fromEntries(log.map((entry) => [entry[2], entry[6]]));
    return observe({ output, runIdKept: log.every((entry) => entry[4] === runId), metadata, log });
  }

  function nestedSequence(impl, { withInner = true } = {}) {
    const emit = emitter(impl);
    const inner = RunnableLambda.from(async (x, config) => {
      await emit('inner_event', { x }, config);
      return `${x}-inner`;
    }).withConfig({ runName: 'inner', tags: ['inner-tag'], metadata: { inner_meta: true } });
    const stepA = RunnableLambda.from(async (x, config) => {
      await emit('a_event', { x }, config);
      return `${x}-a`;
    }).withConfig({ runName: 'stepA', tags: ['a-tag'], metadata: { a_meta: 1 } });
    const stepB = RunnableLambda.from(async (x, config) => {
      await emit('b_before', { x }, config);
      let y = `${x}-b`;
      if (withInner) y = impl.web ? await inner.invoke(x, config) : await inner.invoke(x);
      await emit('b_after', { y }, config);
      return y;
    }).withConfig({ runName: 'stepB' });
    return RunnableSequence.from([stepA, stepB]).withConfig({
      runName: 'outerSeq',
      tags: ['seq-tag'],
      metadata: { seq_meta: 's' },
    });
  }

  return {
    /** G1: the guide's lambda, streamEvents v2. */
    async guideStream(impl) {
      const emit = emitter(impl);
      const payload = { reversed: '' };
      const lambda = RunnableLambda.from(async (x, config) => {
        payload.reversed = x.split('').reverse().join('');
        await emit('event1', payload, config);
        await emit('event2', 5, config);
        return x;
      });
      const records = await streamAll(lambda, 'hello world');
      const custom = records.find((r) => r.event === 'on_custom_event');
      return observe({ records, sameRef: custom.data === payload });
    },

    /** G3: the guide's callbacks, five arguments, tags/metadata, ordering around the run. */
    async guideCallbacks(impl) {
      const emit = emitter(impl);
      const log = [];
      const payload = { reversed: 'dlrow olleh' };
      const handler = {
        handleChainStart(_chain, _inputs, runId) {
          log.push(['chainStart', runId]);
        },
        handleCustomEvent(...args) {
          log.push(['custom', args.length, ...args, args[1] === payload]);
        },
        handleChainEnd(_outputs, runId) {
          log.push(['chainEnd', runId]);
        },
      };
      const lambda = RunnableLambda.from(async (x, config) => {
        await emit('event1', payload, config);
        log.push(['after event1']);
        await emit('event2', 5, config);
        log.push(['after event2']);
        return x;
      });
      const output = await lambda.invoke('hello world', { callbacks: [handler], tags: ['t-invoke'], metadata: { m: 1 } });
      await lc.awaitAllCallbacks();
      return observe({ output, log });
    },

    /** Outside any run, and the degenerate configs of §1.2. */
    async outsideRun(impl) {
      const log = [];
      const handler = recorder(log);
      const results = {};
      const settle = async (key, call) => {
        let promise;
        try {
          promise = call();
        } catch (err) {
          results[key] = ['sync-throw', String(err)];
          return;
        }
        results[key] = await promise.then(
          (value) => ['resolved', value],
          (err) => ['rejected', err.constructor.name, err.message],
        );
      };
      await settle('noConfig', () => impl.dispatch('x', { a: 1 }));
      await settle('empty', () => impl.dispatch('x', { a: 1 }, {}));
      await settle('null', () => impl.dispatch('x', { a: 1 }, null));
      await settle('array', () => impl.dispatch('x', { a: 1 }, { callbacks: [handler] }));
      await lc.awaitAllCallbacks();
      return observe({ results, log });
    },

    /** Node entry with an explicit config inside a run: keys replace the inherited ones. */
    async explicitConfig(impl) {
      const log = [];
      const handler = recorder(log);
      const lambda = RunnableLambda.from(async (x, config) => {
        const base = impl.web ? config : {};
        await impl.dispatch('plain', 1, impl.web ? config : undefined);
        await impl.dispatch('tags', 2, { ...base, tags: ['explicit'] });
        await impl.dispatch('meta', 3, { ...base, metadata: { k: 'v' } });
        await impl.dispatch('model', 4, { ...base, configurable: { model: 'm-1' } });
        await impl.dispatch('timeout', 5, { ...base, timeout: 1000 });
        await impl.dispatch('arrayCallbacks', 6, { ...base, callbacks: [handler] });
        const bad = await impl.dispatch('badTimeout', 7, { ...base, timeout: -1 }).then(
          () => 'resolved',
          (err) => err.message,
        );
        return bad;
      });
      const output = await lambda.invoke('in', { callbacks: [handler], tags: ['t'], metadata: { m: 1 } });
      await lc.awaitAllCallbacks();
      return observe({ output, log: log.map((entry) => entry.map((v) => (v && v.timeoutMs ? { ...v } : v))) });
    },

    /** A user-supplied UUIDv4 run id (`invoke(x, { runId })`): the rules still come from the installed core. */
    userRunIdV4(impl) {
      return userRunId(impl, crypto.randomUUID());
    },

    /** A user-supplied UUIDv7 run id, on either line. */
    userRunIdV7(impl) {
      return userRunId(impl, uuidv7());
    },

    /** G4: nested RunnableSequence with tags and metadata, stream and handler. */
    async nestedSequence(impl) {
      const log = [];
      const records = await streamAll(nestedSequence(impl), 'in', {
        tags: ['root-tag'],
        metadata: { root_meta: 0 },
        callbacks: [recorder(log)],
      });
      await lc.awaitAllCallbacks();
      return observe({ records, log });
    },

    /** A custom tool made with `tool()`. */
    async customTool(impl) {
      const emit = emitter(impl);
      const log = [];
      const testTool = lc.tool(
        async (params, config) => {
          await emit('tool_progress', { q: params.q }, config);
          await emit('testEvent', { someval: 'test' }, config);
          return 'done';
        },
        { name: 'testtool', description: 'a test tool', schema: lc.z.object({ q: lc.z.string() }) },
      );
      const records = await streamAll(testTool, { q: 'x' }, { callbacks: [recorder(log)] });
      const output = await testTool.invoke({ q: 'y' }, { callbacks: [recorder(log)], tags: ['tt'] });
      await lc.awaitAllCallbacks();
      return observe({ records, output, log });
    },

    /** G5: a LangGraph StateGraph with a compiled subgraph as a node. */
    async langgraphSubgraph(impl) {
      const emit = emitter(impl);
      const { StateGraph, Annotation, START, END } = lc;
      const State = Annotation.Root({
        log: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
      });
      const sub = new StateGraph(State)
        .addNode('sub_node', async (_state, config) => {
          await emit('sub_event', { from: 'sub_node' }, config);
          return { log: ['sub'] };
        })
        .addEdge(START, 'sub_node')
        .addEdge('sub_node', END)
        .compile();
      const parent = new StateGraph(State)
        .addNode('first', async (_state, config) => {
          await emit('first_event', { from: 'first' }, config);
          return { log: ['first'] };
        })
        .addNode('sub_as_node', sub)
        .addEdge(START, 'first')
        .addEdge('first', 'sub_as_node')
        .addEdge('sub_as_node', END)
        .compile();
      const log = [];
      const records = await streamAll(parent, { log: [] }, { callbacks: [recorder(log)] });
      await lc.awaitAllCallbacks();
      const custom = records.filter((r) => r.event === 'on_custom_event');
      const runNames = new Map(records.filter((r) => r.event === 'on_chain_start').map((r) => [r.run_id, r.name]));
      const attribution = custom.map((r) => [r.name, runNames.get(r.run_id), r.metadata.langgraph_node, r.tags]);
      return observe({ records, custom, attribution, log });
    },

    /** `ignoreCustomEvent` on handlers (class and plain) and as a stream option. */
    async ignoreCustomEvent(impl) {
      const emit = emitter(impl);
      const log = [];
      class Ignoring extends lc.BaseCallbackHandler {
        name = 'ignoring';
        ignoreCustomEvent = true;
        handleCustomEvent() {
          log.push(['class-ignoring-called']);
        }
      }
      const plainIgnoring = { ignoreCustomEvent: true, handleCustomEvent: () => log.push(['plain-ignoring-called']) };
      const lambda = RunnableLambda.from(async (x, config) => {
        await emit('ev', { x }, config);
        return x;
      });
      const handlers = [new Ignoring(), plainIgnoring, recorder(log)];
      const withOption = await streamAll(lambda, 'a', { callbacks: handlers }, { ignoreCustomEvent: true });
      const without = await streamAll(lambda, 'b', { callbacks: handlers });
      await lc.awaitAllCallbacks();
      return observe({ records: [...withOption, ...without], log });
    },

    /** The include/exclude table of §7.2, plus first-event input injection (G6). */
    async filters(impl) {
      const options = [
        undefined,
        { includeNames: ['a_event'] },
        { includeNames: ['stepA'] },
        { includeNames: ['stepB'] },
        { includeTypes: ['chain'] },
        { includeTypes: ['custom_event'] },
        { includeTags: ['a-tag'] },
        { excludeNames: ['a_event'] },
        { excludeNames: ['stepA'] },
        { excludeTags: ['a-tag'] },
        { excludeTypes: ['chain'] },
      ];
      const out = [];
      for (const streamOptions of options) {
        const records = await streamAll(nestedSequence(impl, { withInner: false }), 'in', {}, streamOptions);
        out.push({ streamOptions: streamOptions ?? null, ...observe({ records }) });
      }
      return out;
    },

    /** §4: background (default) vs awaited handlers; run under both env settings. */
    async backgroundOrdering(impl) {
      const emit = emitter(impl);
      const log = [];
      const handler = {
        async handleCustomEvent(name) {
          log.push(`handler ${name} start`);
          await sleep(20);
          log.push(`handler ${name} end`);
        },
      };
      const lambda = RunnableLambda.from(async (x, config) => {
        await emit('a', 1, config);
        log.push('dispatch a resolved');
        await emit('b', 2, config);
        log.push('dispatch b resolved');
        return x;
      });
      await lambda.invoke('x', { callbacks: [handler] });
      log.push('invoke resolved');
      await lc.awaitAllCallbacks();
      log.push('awaitAllCallbacks resolved');
      return { log, env: process.env.LANGCHAIN_CALLBACKS_BACKGROUND ?? null };
    },

    /** §3.2: handler errors, swallowed with console.warn or re-thrown with raiseError. */
    async raiseError(impl) {
      const emit = emitter(impl);
      class Raiser extends lc.BaseCallbackHandler {
        name = 'raiser';
        constructor() {
          super({ raiseError: true });
        }
        handleCustomEvent() {
          throw new Error('boom2');
        }
      }
      const quiet = { handleCustomEvent: () => Promise.reject(new Error('boom')) };
      const lambda = RunnableLambda.from(async (x, config) => {
        await emit('ev', 1, config);
        return x;
      });
      const swallowed = await captureConsole(async () => {
        const output = await lambda.invoke('ok', { callbacks: [quiet] });
        await lc.awaitAllCallbacks();
        return output;
      });
      const raised = await captureConsole(async () => {
        const output = await lambda.invoke('fails', { callbacks: [new Raiser()] });
        await lc.awaitAllCallbacks();
        return output;
      });
      return observe({ swallowed, raised });
    },

    /** §6.4: a config captured during a run, used after it ended. */
    async afterRunEnded(impl) {
      const log = [];
      let captured;
      const lambda = RunnableLambda.from(async (x, config) => {
        captured = config;
        return x;
      });
      const records = await streamAll(lambda, 'x', { callbacks: [recorder(log)] });
      const late = await captureConsole(() => impl.dispatch('late', { t: 1 }, captured));
      await lc.awaitAllCallbacks();
      return observe({ records, late, log });
    },

    /** streamEvents v1 drops custom events (§6.1); handlers still get them. */
    async streamV1(impl) {
      const emit = emitter(impl);
      const log = [];
      const lambda = RunnableLambda.from(async (x, config) => {
        await emit('v1_event', { x }, config);
        return x;
      });
      const records = [];
      for await (const r of lambda.streamEvents('in', { version: 'v1', callbacks: [recorder(log)] })) records.push(r);
      await lc.awaitAllCallbacks();
      return observe({ records, log });
    },

    /** Pitfall 2: a binding with its own callbacks invoked inside a run without config. */
    async bindingWithCallbacks(impl) {
      const emit = emitter(impl);
      const outerLog = [];
      const innerLog = [];
      const inner = RunnableLambda.from(async (x, config) => {
        await emit('inner_ev', { x }, config);
        return x;
      }).withConfig({ runName: 'innerBound', callbacks: [recorder(innerLog)] });
      const outer = RunnableLambda.from(async (x, config) => {
        await emit('outer_ev', { x }, config);
        await (impl.web ? inner.invoke(x, config) : inner.invoke(x));
        return x;
      }).withConfig({ runName: 'outer' });
      const records = await streamAll(outer, 'in', { callbacks: [recorder(outerLog)] });
      await lc.awaitAllCallbacks();
      return observe({ records, outerLog, innerLog });
    },

    /** Pitfall 1: a generator lambda; implicit dispatch is silently dropped there. */
    async generatorLambda(impl) {
      const emit = emitter(impl);
      const log = [];
      const lambda = RunnableLambda.from(async function* (x, config) {
        for (const i of [0, 1]) {
          await emit('gen', { i }, config);
          yield `${x}${i}`;
        }
      });
      const records = await streamAll(lambda, 'c', { callbacks: [recorder(log)] });
      await lc.awaitAllCallbacks();
      return observe({ records, log });
    },
  };
}

/** Scenarios whose result depends on environment variables: run in child processes. */
export const ENV_SCENARIOS = ['backgroundOrdering'];
