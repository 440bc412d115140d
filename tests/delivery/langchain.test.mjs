/**
 * The callback handler with real @langchain/core 1.4.0 (and a LangGraph graph): attached at
 * invoke time with `callbacks: [handler]`, it forwards custom events, tool ends, named chain
 * ends and LLM-free agent steps to a verifying receiver — never `*_start` events, never unnamed
 * plumbing — with per-(run, event type) ids that do not collide for parallel tool calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { RunnableLambda, RunnableParallel } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { dispatchCustomEvent } from '@langchain/core/callbacks/dispatch';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { StateGraph, Annotation, START, END } from '@langchain/langgraph';
import { startFaultServer } from '../support/fault-server.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

const calculator = tool(async ({ a, b }) => String(a + b), {
  name: 'calculator',
  description: 'adds two numbers',
  schema: z.object({ a: z.number(), b: z.number() }),
});

for (const entry of ['runwire', 'runwire/web']) {
  test(`the handler forwards the seed taxonomy from a real chain (${entry})`, async () => {
    const rw = await import(entry);
    const server = await startFaultServer({ secret: SECRET });
    try {
      const handler = rw.createWebhookHandler({ urlPolicy: { profile: 'dev' }, sinks: [{ url: server.url('/ok'), secret: SECRET }] });
      assert.equal(handler.awaitHandlers, false);
      assert.equal(typeof handler.name, 'string');
      const step = RunnableLambda.from(async (input, config) => {
        await dispatchCustomEvent('progress', { pct: 50 }, config);
        // two parallel tool calls in one step: their ids must not collide
        const [x, y] = await Promise.all([
          calculator.invoke({ a: input.a, b: 1 }, config),
          calculator.invoke({ a: input.a, b: 2 }, config),
        ]);
        await dispatchCustomEvent('progress', { pct: 100 }, config);
        return { x, y };
      }).withConfig({ runName: 'agent_step' });
      const chain = step.pipe(RunnableLambda.from((out) => ({ ...out, done: true }))).withConfig({ runName: 'my_agent' });
      const result = await chain.invoke({ a: 40 }, { callbacks: [handler] });
      assert.deepEqual(result, { x: '41', y: '42', done: true });
      await awaitAllCallbacks();
      const stats = await handler.delivery.drain(5_000);
      assert.equal(stats.pending, 0);
      assert.equal(server.verifyFailures, 0);

      const bodies = server.received.map((r) => ({ id: r.id, ...JSON.parse(r.body) }));
      const types = bodies.map((b) => b.type).sort();
      assert.deepEqual(types, ['agent.chain.end', 'agent.chain.end', 'agent.custom', 'agent.custom', 'agent.tool.end', 'agent.tool.end']);
      const chains = bodies.filter((b) => b.type === 'agent.chain.end').map((b) => b.data.name).sort();
      assert.deepEqual(chains, ['agent_step', 'my_agent'], 'only named chains; no RunnableSequence/RunnableLambda plumbing');
      const tools = bodies.filter((b) => b.type === 'agent.tool.end');
      assert.deepEqual(tools.map((t) => t.data.name), ['calculator', 'calculator']);
      assert.deepEqual(tools.map((t) => t.data.output).sort(), ['41', '42']);
      assert.notEqual(tools[0].id, tools[1].id, 'parallel tool calls get distinct ids');
      const custom = bodies.filter((b) => b.type === 'agent.custom');
      assert.deepEqual(custom.map((c) => c.data.data.pct).sort(), [100, 50]);
      assert.equal(custom[0].data.name, 'progress');
      assert.equal(custom[0].data.run_id, custom[1].data.run_id, 'both custom events come from the step run');
      assert.deepEqual(custom.map((c) => c.id.split(':').slice(1).join(':')).sort(), ['on_custom_event:1', 'on_custom_event:2']);
      assert.equal(server.unique.size, 6, 'no duplicate ids');
      assert.equal(stats.filtered, 0, 'starts are never even offered');
      await handler.delivery.close(100);
    } finally {
      await server.close();
    }
  });

  test(`LangGraph subgraph nodes inherit the invoke-time handler; per-sink event filters apply (${entry})`, async () => {
    const rw = await import(entry);
    const server = await startFaultServer({ secret: SECRET });
    try {
      const delivery = rw.createDelivery({ urlPolicy: { profile: 'dev' },
        sinks: [
          { name: 'custom-only', url: server.url('/ok'), secret: SECRET, events: ['on_custom_event'] },
          { name: 'tools-only', url: server.url('/ok'), secret: SECRET, events: ['on_tool_end'] },
        ],
      });
      const handler = delivery.handler();
      const State = Annotation.Root({ n: Annotation() });
      const inner = new StateGraph(State)
        .addNode('work', async (state, config) => {
          await dispatchCustomEvent('inner_progress', { n: state.n }, config);
          await calculator.invoke({ a: state.n, b: 1 }, config);
          return { n: state.n + 1 };
        })
        .addEdge(START, 'work')
        .addEdge('work', END)
        .compile();
      const outer = new StateGraph(State).addNode('sub', inner).addEdge(START, 'sub').addEdge('sub', END).compile();
      const parallel = RunnableParallel.from({ a: outer, b: outer });
      await parallel.invoke({ n: 1 }, { callbacks: [handler] });
      await awaitAllCallbacks();
      const stats = await delivery.drain(5_000);
      const sink = (n) => stats.sinks.find((s) => s.name === n);
      assert.equal(sink('custom-only').delivered, 2);
      assert.equal(sink('tools-only').delivered, 2);
      assert.ok(sink('custom-only').filtered >= 2 && sink('tools-only').filtered >= 2);
      for (const s of stats.sinks) assert.equal(s.accepted, s.delivered + s.dead_lettered + s.pending + s.filtered);
      assert.equal(server.duplicates, 0);
      await delivery.close(100);
    } finally {
      await server.close();
    }
  });
}
