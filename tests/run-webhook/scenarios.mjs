/**
 * Run-completion webhooks with real LangGraph.js, shared by the 1.x suite (root node_modules:
 * @langchain/langgraph 1.7.3, @langchain/core 1.4.0) and the 0.x one (tests/langchain/v03:
 * @langchain/langgraph 0.4.10, @langchain/core 0.3.80). The caller passes its own modules, so
 * each suite resolves its own LangGraph.
 *
 * Every run must produce exactly one webhook, verified by the `standardwebhooks` npm package,
 * whose JSON matches LangGraph's payload field by field (tests/support/langgraph-payload.mjs)
 * and which a receiver written for LangGraph Platform reads unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertLangGraphPayload, startLangGraphReceiver } from '../support/langgraph-payload.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/**
 * A node that outlives any timeout or cancel in these tests by far (a loaded CI machine once let a
 * 400 ms node win against a 50 ms timeout; see also withTimeoutSignalsHeld). When its own signal aborts it returns 100 ms later, so
 * the graph's abort wins and no timer outlives the test by much.
 */
const slowStep = (config) =>
  sleep(5_000, undefined, { signal: config?.signal, ref: false }).catch(() => sleep(100, undefined, { ref: false }));

/**
 * Runs `fn` while every `AbortSignal.timeout()` signal is held strongly. Node 20 holds such a
 * signal only weakly until it fires, and LangChain turns `{ timeout }` into one that nothing
 * else holds, so a garbage collection mid-run silently cancels the timeout: the graph then runs
 * to its end (reproduced with `--expose-gc` and two `gc()` calls in a node: 5 of 5 runs ignored
 * a 50 ms timeout; with the signals held, 5 of 5 rejected). That is Node's and LangChain's, not
 * runwire's, and would make this test fail at random.
 */
async function withTimeoutSignalsHeld(fn) {
  const held = new Set();
  const timeout = AbortSignal.timeout;
  AbortSignal.timeout = (ms) => {
    const signal = timeout.call(AbortSignal, ms);
    held.add(signal);
    return signal;
  };
  try {
    return await fn();
  } finally {
    AbortSignal.timeout = timeout;
    held.clear();
  }
}

/**
 * @param {object} lg `@langchain/langgraph` module
 * @param {object} runnables `@langchain/core/runnables` module
 * @param {{ label: string, coreMajor: number }} info
 */
export function defineRunWebhookTests(lg, runnables, { label, coreMajor }) {
  const { StateGraph, Annotation, MemorySaver, START, END, interrupt, Command } = lg;
  const State = Annotation.Root({
    steps: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
    answer: Annotation(),
  });

  function checkpointedGraph() {
    const sub = new StateGraph(State)
      .addNode('inner', async () => ({ steps: ['inner'] }))
      .addEdge(START, 'inner')
      .addEdge('inner', END)
      .compile();
    return new StateGraph(State)
      .addNode('plan', async () => ({ steps: ['plan'] }))
      .addNode('research', sub)
      .addNode('approve', async () => ({ answer: interrupt({ question: 'ship it?' }), steps: ['approve'] }))
      .addEdge(START, 'plan')
      .addEdge('plan', 'research')
      .addEdge('research', 'approve')
      .addEdge('approve', END)
      .compile({ checkpointer: new MemorySaver() });
  }

  for (const entry of ['runwire', 'runwire/web']) {
    const open = async (extra = {}) => {
      const rw = await import(entry);
      const receiver = await startLangGraphReceiver(SECRET);
      const hook = rw.createRunWebhookHandler({
        url: receiver.url('/langgraph/runs'), secret: SECRET, urlPolicy: { profile: 'dev' }, assistantId: 'agent', ...extra,
      });
      return { rw, receiver, hook };
    };

    test(`${label} ${entry}: checkpointed graph with a subgraph and an interrupt — invoke, resume with stream, streamEvents`, async () => {
      const { receiver, hook } = await open();
      try {
        const graph = checkpointedGraph();
        const config = { configurable: { thread_id: 'thread-1' }, callbacks: [hook] };
        const first = await graph.invoke({ steps: [] }, config);
        assert.ok(Array.isArray(first.__interrupt__), 'the graph stopped at interrupt()');
        await hook.delivery.drain(5_000);
        assert.equal(receiver.received.length, 1, 'one webhook for the interrupted run');
        const stopped = assertLangGraphPayload(receiver.received[0].body, { status: 'success', interrupts: true });
        assert.equal(receiver.received[0].id, `${stopped.run_id}:run_completed`);
        assert.equal(stopped.thread_id, 'thread-1');
        assert.equal(stopped.assistant_id, 'agent');
        assert.equal(stopped.multitask_strategy, 'reject');
        assert.deepEqual(stopped.values, { steps: ['plan', 'plan', 'inner'] }, 'checkpoint values, no __interrupt__');
        assert.deepEqual(stopped.values, (await graph.getState({ configurable: { thread_id: 'thread-1' } })).values);
        assert.deepEqual(stopped.interrupts.map((i) => i.value), [{ question: 'ship it?' }]);
        assert.equal(stopped.interrupts[0].id, first.__interrupt__[0].id);
        assert.deepEqual(stopped.kwargs, { config: { configurable: { thread_id: 'thread-1' } }, input: { steps: [] } });
        assert.equal(stopped.metadata.thread_id, 'thread-1');

        const chunks = [];
        for await (const chunk of await graph.stream(new Command({ resume: 'yes' }), { ...config, streamMode: 'updates' })) chunks.push(chunk);
        assert.ok(chunks.length > 0);
        await hook.delivery.drain(5_000);
        assert.equal(receiver.received.length, 2, 'one webhook for the resumed run');
        const resumed = assertLangGraphPayload(receiver.received[1].body, { status: 'success' });
        assert.notEqual(resumed.run_id, stopped.run_id);
        assert.deepEqual(resumed.values, { steps: ['plan', 'plan', 'inner', 'approve'], answer: 'yes' });
        assert.deepEqual(resumed.kwargs.command, { resume: 'yes' });
        assert.equal(resumed.kwargs.input, null);

        const events = [];
        for await (const event of graph.streamEvents({ steps: [] }, { version: 'v2', configurable: { thread_id: 'thread-2' }, callbacks: [hook] })) {
          events.push(event.event);
        }
        assert.ok(events.filter((e) => e === 'on_chain_start').length > 3, 'streamEvents yielded the nested runs');
        const stats = await hook.delivery.drain(5_000);
        assert.equal(receiver.received.length, 3, 'one webhook for the streamEvents run, none for its subgraph or nodes');
        const streamed = assertLangGraphPayload(receiver.received[2].body, { status: 'success', interrupts: true });
        assert.equal(streamed.thread_id, 'thread-2');
        assert.equal(new Set(receiver.received.map((r) => r.id)).size, 3);
        assert.deepEqual([stats.delivered, stats.dead_lettered, stats.pending], [3, 0, 0]);
        assert.deepEqual(receiver.rejected, []);
        // A receiver written for LangGraph Platform reads the fields it knows.
        assert.deepEqual(receiver.received.map((r) => [r.payload.status, r.payload.threadId, r.payload.finished]), [
          ['success', 'thread-1', true], ['success', 'thread-1', true], ['success', 'thread-2', true],
        ]);
        assert.equal(receiver.received[1].payload.values.answer, 'yes');
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });

    test(`${label} ${entry}: graph option reads the latest checkpoint with getState`, async () => {
      const graph = checkpointedGraph();
      const { receiver, hook } = await open({ graph, assistantId: undefined });
      try {
        await graph.invoke({ steps: [] }, { configurable: { thread_id: 't-state', assistant_id: 'from-config' }, callbacks: [hook] });
        await hook.delivery.drain(5_000);
        const payload = assertLangGraphPayload(receiver.received[0].body, { status: 'success', interrupts: true });
        assert.equal(payload.assistant_id, 'from-config', 'configurable.assistant_id');
        assert.deepEqual(payload.values, (await graph.getState({ configurable: { thread_id: 't-state' } })).values);
        assert.deepEqual(payload.interrupts.map((i) => i.value), [{ question: 'ship it?' }]);
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });

    test(`${label} ${entry}: a failing graph sends one webhook with status error`, async () => {
      const { receiver, hook } = await open();
      try {
        const graph = new StateGraph(State)
          .addNode('work', async () => ({ steps: ['work'] }))
          .addNode('explode', async () => {
            throw new TypeError('boom');
          })
          .addEdge(START, 'work')
          .addEdge('work', 'explode')
          .compile();
        await assert.rejects(graph.invoke({ steps: [] }, { callbacks: [hook] }), /boom/);
        await hook.delivery.drain(5_000);
        assert.equal(receiver.received.length, 1);
        const failed = assertLangGraphPayload(receiver.received[0].body, { status: 'error', values: false });
        assert.deepEqual(failed.error, { error: 'TypeError', message: 'boom' });
        assert.equal(failed.thread_id, null);
        assert.equal(receiver.received[0].payload.finished, false);
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });

    test(`${label} ${entry}: a run timeout is reported once, and drain right after the rejection waits for it`, async () => {
      const { receiver, hook } = await open();
      try {
        const graph = new StateGraph(State)
          .addNode('slow', async (_state, config) => {
            await slowStep(config);
            return { steps: ['slow'] };
          })
          .addEdge(START, 'slow')
          .compile();
        await withTimeoutSignalsHeld(() => assert.rejects(graph.invoke({ steps: [] }, { callbacks: [hook], timeout: 50 })));
        const stats = await hook.delivery.drain(5_000);
        assert.equal(stats.delivered, 1, 'the webhook was not lost to an early drain');
        // @langchain/core >= 1 tells a timeout from a cancel (timeoutMs in the run metadata);
        // 0.3 gives handlers nothing to tell them apart, so it reports LangGraph's cancel status.
        const status = coreMajor >= 1 ? 'timeout' : 'interrupted';
        const payload = assertLangGraphPayload(receiver.received[0].body, { status, values: false });
        assert.equal(payload.error.error, coreMajor >= 1 ? 'TimeoutError' : 'UserInterrupt');
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });

    test(`${label} ${entry}: a cancelled run (AbortSignal) is interrupted, with LangGraph's UserInterrupt`, async () => {
      const { receiver, hook } = await open();
      try {
        const graph = new StateGraph(State)
          .addNode('slow', async (_state, config) => {
            await slowStep(config);
            return { steps: ['slow'] };
          })
          .addEdge(START, 'slow')
          .compile();
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 30);
        await assert.rejects(graph.invoke({ steps: [] }, { callbacks: [hook], signal: controller.signal }));
        await hook.delivery.drain(5_000);
        const payload = assertLangGraphPayload(receiver.received[0].body, { status: 'interrupted', values: false });
        assert.deepEqual(payload.error, { error: 'UserInterrupt', message: 'User interrupted the run' });
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });

    test(`${label} ${entry}: any Runnable — a sequence succeeds, a lambda fails; one webhook each`, async () => {
      const { receiver, hook } = await open();
      try {
        const double = runnables.RunnableLambda.from((x) => x * 2);
        const chain = double.pipe(runnables.RunnableLambda.from((x) => ({ doubled: x })));
        // @langchain/core >= 1.1 shows `configurable` only to LangSmith tracers, not to handlers
        // (LangGraph still copies thread_id into the run metadata): for a plain Runnable there,
        // the thread id travels in `metadata` (README).
        const threadConfig = coreMajor >= 1 ? { metadata: { thread_id: 'plain' } } : { configurable: { thread_id: 'plain' } };
        assert.deepEqual(await chain.invoke(21, { callbacks: [hook], ...threadConfig }), { doubled: 42 });
        const broken = runnables.RunnableLambda.from(() => {
          throw new RangeError('out of range');
        });
        await assert.rejects(broken.invoke(1, { callbacks: [hook] }), /out of range/);
        await hook.delivery.drain(5_000);
        assert.equal(receiver.received.length, 2, 'no webhook for the sequence steps');
        // Webhooks are delivered concurrently: read them by content, not arrival order.
        const bodies = (status) => receiver.received.filter((r) => r.payload.status === status).map((r) => r.body);
        const ok = assertLangGraphPayload(bodies('success')[0], { status: 'success' });
        assert.deepEqual(ok.values, { doubled: 42 });
        assert.deepEqual(ok.kwargs.input, { input: 21 }, "as LangChain's callbacks see a primitive input");
        assert.equal(ok.thread_id, 'plain');
        const failed = assertLangGraphPayload(bodies('error')[0], { status: 'error', values: false });
        assert.deepEqual(failed.error, { error: 'RangeError', message: 'out of range' });
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });

    test(`${label} ${entry}: runwire standalone runs (streamEvents and invokeRun) send one webhook per root run`, async () => {
      const { rw, receiver, hook } = await open();
      try {
        const search = async (q) => [`${q}!`];
        async function agent(question, config) {
          await rw.dispatchCustomEvent('progress', { step: 'search' }, config);
          const hits = await rw.invokeRun(search, question, { ...config, runName: 'search' });
          return { answer: hits[0] };
        }
        const records = [];
        for await (const record of rw.streamEvents(agent, 'why', { callbacks: [hook], configurable: { thread_id: 'solo' } })) {
          records.push(record);
        }
        const rootId = records[0].run_id;
        assert.equal((await rw.invokeRun(agent, 'how', { callbacks: [hook] })).answer, 'how!');
        await assert.rejects(rw.invokeRun(async () => {
          throw new Error('nope');
        }, 1, { callbacks: [hook] }), /nope/);
        await hook.delivery.drain(5_000);
        assert.equal(receiver.received.length, 3, 'nested invokeRun sends nothing of its own');
        const byRun = new Map(receiver.received.map((r) => [r.payload.runId, r.body]));
        const streamed = assertLangGraphPayload(byRun.get(rootId), { status: 'success' });
        assert.equal(streamed.run_id, rootId, 'the root run id of the stream');
        assert.deepEqual(streamed.values, { answer: 'why!' });
        assert.equal(streamed.thread_id, 'solo');
        assert.equal(streamed.assistant_id, 'agent');
        const others = receiver.received.filter((r) => r.payload.runId !== rootId);
        const invoked = others.find((r) => r.payload.status === 'success');
        assert.deepEqual(assertLangGraphPayload(invoked.body, { status: 'success' }).values, { answer: 'how!' });
        const failed = assertLangGraphPayload(others.find((r) => r.payload.status === 'error').body, { status: 'error', values: false });
        assert.deepEqual(failed.error, { error: 'Error', message: 'nope' });
      } finally {
        await hook.delivery.close(1_000);
        await receiver.close();
      }
    });
  }
}
