/**
 * `emit` and `tapCustomStream` with real LangGraph (1.x from the root project, 0.4.x from
 * tests/langchain/v03) on both entries in Node: a graph whose node and whose tool call `emit` —
 * LangGraph's custom stream, streamEvents v2 and a signed webhook sink (verified by the receiver)
 * each see every event once, in order, with the same data; a graph that only uses
 * `config.writer` has its chunks delivered through the tap, and the tapped graph still returns
 * and streams exactly what the untapped one does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultServer } from '../support/fault-server.mjs';
import { runScenarios, EXPECTED } from './scenario.mjs';
import { load as loadV03 } from '../langchain/v03/load.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const rootLoad = (specifier) => import(specifier);

const LINES = [
  { line: 'langgraph 1.x', load: rootLoad },
  { line: 'langgraph 0.4.x', load: loadV03 },
];

for (const { line, load } of LINES) {
  for (const entry of ['runwire', 'runwire/web']) {
    test(`emit reaches the custom stream, streamEvents v2 and the sinks; the tap ships config.writer (${line}, ${entry})`, async () => {
      const [lg, tools, zod] = await Promise.all([load('@langchain/langgraph'), load('@langchain/core/tools'), load('zod')]);
      const rw = await import(entry);
      const server = await startFaultServer({ secret: SECRET });
      try {
        const handler = rw.createWebhookHandler({
          urlPolicy: { profile: 'dev' },
          sinks: [{ url: server.url('/ok'), secret: SECRET, concurrency: 1, events: ['on_custom_event'] }],
        });
        const seen = await runScenarios({ lg, tool: tools.tool, z: zod.z, rw, handler, explicit: entry === 'runwire/web' });
        await handler.delivery.drain(10_000);

        assert.deepEqual(seen.custom, EXPECTED, 'the custom stream carries { name, data } chunks in emit order');
        assert.deepEqual(seen.records, EXPECTED, 'streamEvents v2 has one on_custom_event per emit, same order and data');

        assert.equal(server.verifyFailures, 0);
        const bodies = server.received.map((r) => ({ id: r.id, ...JSON.parse(r.body) }));
        const shipped = bodies.map((b) => ({ name: b.data.name, data: b.data.data }));
        const ticks = [1, 2, 3].map((tick) => ({ name: 'writer', data: { tick } }));
        assert.deepEqual(shipped, [...EXPECTED, ...ticks, ...ticks, ...EXPECTED], 'each event shipped once, in order');
        assert.equal(new Set(bodies.map((b) => b.id)).size, bodies.length, 'distinct webhook ids');

        assert.deepEqual(seen.invoked, seen.plainInvoked, 'a tapped invoke returns what the graph returns');
        assert.deepEqual(seen.values, seen.plainValues, 'a tapped stream yields what the graph yields');
        assert.deepEqual(seen.bothCustom, EXPECTED.map((e) => ['custom', e]), 'emit inside a tapped graph: the custom stream is unchanged');
        const tapRuns = new Set(bodies.slice(4, 7).map((b) => b.data.run_id));
        assert.equal(tapRuns.size, 1, 'one tapped run, one run id');
      } finally {
        await server.close();
      }
    });
  }
}

test('emit outside a run behaves as dispatchCustomEvent does (Node: a no-op; web: the missing-config error)', async () => {
  const node = await import('runwire');
  const web = await import('runwire/web');
  await node.emit('progress', { x: 1 });
  await assert.rejects(web.emit('progress', { x: 1 }), (err) => {
    assert.match(err.message, /Unable to dispatch a custom event without a parent run id/);
    return true;
  });
  await assert.rejects(node.emit('', {}), { code: 'ERR_RUNWIRE_INVALID_EVENT_NAME' });
  assert.throws(() => node.tapCustomStream({}, {}), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
});
