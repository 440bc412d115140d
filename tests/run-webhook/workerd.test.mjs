/**
 * Run webhooks from the web build inside Cloudflare's workerd, with LangGraph.js 1.x bundled by
 * esbuild (its `web` entry) as tests/langchain/workerd.test.mjs bundles LangChain, and workerd's
 * AsyncLocalStorage (`nodejs_als`) given to LangChain as its docs advise for `interrupt()`: a checkpointed graph with a subgraph and an interrupt, its resumption, a
 * failing graph, a plain Runnable and a standalone run each send one signed webhook from the
 * worker (fetch, setTimeout, the wasm engine) to a loopback receiver that verifies it with the
 * `standardwebhooks` package and checks LangGraph's payload shape field by field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles, bundleForWorkerd } from '../support/workerd.mjs';
import { assertLangGraphPayload, startLangGraphReceiver } from '../support/langgraph-payload.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

function bundleLangGraph() {
  return bundleForWorkerd(`
        export { StateGraph, Annotation, MemorySaver, START, END, interrupt, Command } from '@langchain/langgraph/web';
        export { RunnableLambda } from '@langchain/core/runnables';
        export { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';`);
}

const WORKER = (entry) => `
import { AsyncLocalStorage } from 'node:async_hooks';
import * as rw from './${entry}';
import { StateGraph, Annotation, MemorySaver, START, END, interrupt, Command, RunnableLambda, AsyncLocalStorageProviderSingleton } from './lg-bundle.js';

AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

const State = Annotation.Root({
  steps: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
  answer: Annotation(),
});

function graphs() {
  const sub = new StateGraph(State).addNode('inner', async () => ({ steps: ['inner'] }))
    .addEdge(START, 'inner').addEdge('inner', END).compile();
  const checkpointed = new StateGraph(State)
    .addNode('plan', async () => ({ steps: ['plan'] }))
    .addNode('research', sub)
    .addNode('approve', async () => ({ answer: interrupt({ question: 'ship it?' }), steps: ['approve'] }))
    .addEdge(START, 'plan').addEdge('plan', 'research').addEdge('research', 'approve').addEdge('approve', END)
    .compile({ checkpointer: new MemorySaver() });
  const failing = new StateGraph(State)
    .addNode('explode', async () => { throw new TypeError('boom'); })
    .addEdge(START, 'explode').compile();
  return { checkpointed, failing };
}

export default {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get('target');
    const hook = rw.createRunWebhookHandler({
      url: target, secret: ${JSON.stringify(SECRET)}, urlPolicy: { profile: 'dev' }, assistantId: 'edge-agent',
      retryDelaysMs: [50], dlq: () => {},
    });
    const { checkpointed, failing } = graphs();
    const out = { target: rw.target, errors: [] };
    const config = { configurable: { thread_id: 'edge-thread' }, callbacks: [hook] };
    try {
      out.first = await checkpointed.invoke({ steps: [] }, config);
      out.resumed = await checkpointed.invoke(new Command({ resume: 'yes' }), config);
    } catch (error) {
      out.errors.push('checkpointed: ' + (error && error.stack || error));
    }
    try {
      await failing.invoke({ steps: [] }, { callbacks: [hook] });
    } catch (error) {
      out.failed = error.message;
    }
    out.plain = await RunnableLambda.from((x) => ({ doubled: x * 2 })).invoke(21, { callbacks: [hook] });
    const records = [];
    for await (const record of rw.streamEvents(async (q) => ({ answer: q + '!' }), 'why', { callbacks: [hook] })) records.push(record.event);
    out.records = records;
    out.stats = await hook.delivery.drain(10000);
    return Response.json(out);
  },
};
`;

test('workerd: one signed, LangGraph-shaped run webhook per run from the web build', { timeout: 120_000 }, async () => {
  const receiver = await startLangGraphReceiver(SECRET);
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'worker.js',
    files: [...runwireModuleFiles()],
    extraModules: { 'worker.js': WORKER(entry), 'lg-bundle.js': await bundleLangGraph() },
    compatibilityFlags: ['nodejs_als'],
  });
  try {
    const response = await fetch(`${worker.url}/?target=${encodeURIComponent(receiver.url('/edge'))}`);
    assert.equal(response.status, 200, `${await response.clone().text()}\n${worker.output()}`);
    const out = await response.json();
    assert.equal(out.target, 'wasm');
    assert.deepEqual(out.errors, []);
    assert.ok(Array.isArray(out.first.__interrupt__));
    assert.equal(out.resumed.answer, 'yes');
    assert.equal(out.failed, 'boom');
    assert.deepEqual(out.plain, { doubled: 42 });
    assert.deepEqual([out.stats.delivered, out.stats.dead_lettered, out.stats.pending], [5, 0, 0]);
    assert.equal(receiver.received.length, 5);
    assert.deepEqual(receiver.rejected, []);
    assert.equal(new Set(receiver.received.map((r) => r.id)).size, 5);
    const payloads = receiver.received.map((r) => JSON.parse(r.body));
    const byThread = payloads.filter((p) => p.thread_id === 'edge-thread');
    assert.equal(byThread.length, 2);
    const stopped = byThread.find((p) => 'interrupts' in p);
    const resumed = byThread.find((p) => !('interrupts' in p));
    const check = (payload, options) => assertLangGraphPayload(JSON.stringify(payload), options);
    check(stopped, { status: 'success', interrupts: true });
    assert.deepEqual(stopped.values, { steps: ['plan', 'plan', 'inner'] });
    assert.deepEqual(stopped.interrupts.map((i) => i.value), [{ question: 'ship it?' }]);
    check(resumed, { status: 'success' });
    assert.deepEqual(resumed.values, { steps: ['plan', 'plan', 'inner', 'approve'], answer: 'yes' });
    const failed = payloads.find((p) => p.status === 'error');
    check(failed, { status: 'error', values: false });
    assert.deepEqual(failed.error, { error: 'TypeError', message: 'boom' });
    const plain = payloads.find((p) => p.values?.doubled === 42);
    check(plain, { status: 'success' });
    const standalone = payloads.find((p) => p.values?.answer === 'why!');
    check(standalone, { status: 'success' });
    assert.ok(payloads.every((p) => p.assistant_id === 'edge-agent'));
    for (const r of receiver.received) assert.equal(r.id, `${JSON.parse(r.body).run_id}:run_completed`);
  } finally {
    await worker.stop();
    await receiver.close();
  }
});
