/**
 * The web entry in real workerd:
 * - `emit` and `tapCustomStream` with LangGraph's web entry bundled (esbuild): the same
 *   scenarios as in Node (tests/emit/scenario.mjs), every event once per channel, in order;
 * - serverless hand-off: a module-scoped delivery, `delivery.waitUntil(ctx)` at the start of each
 *   request, a Worker that answers at once (and one whose streaming body emits after the handler
 *   returned) to a slow receiver: the response is not delayed and every event still arrives,
 *   verified, kept alive by `ctx.waitUntil`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultServer } from '../support/fault-server.mjs';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles, bundleForWorkerd } from '../support/workerd.mjs';
import { EXPECTED } from './scenario.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function bundleLangGraph() {
  return bundleForWorkerd(`
        export { StateGraph, Annotation, START, END } from '@langchain/langgraph/web';
        export { tool } from '@langchain/core/tools';
        export { z } from 'zod';`);
}

test('workerd: emit reaches the custom stream, streamEvents v2 and the sinks; the tap ships config.writer', { timeout: 120_000 }, async () => {
  const server = await startFaultServer({ secret: SECRET });
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'emit-worker.js',
    files: [...runwireModuleFiles(), 'tests/emit/scenario.mjs'],
    extraModules: {
      'lg-bundle.js': await bundleLangGraph(),
      'emit-worker.js': `
        import * as rw from './${entry}';
        import * as lg from './lg-bundle.js';
        import { runScenarios } from './tests/emit/scenario.mjs';
        export default {
          async fetch(request) {
            const target = new URL(request.url).searchParams.get('target');
            const handler = rw.createWebhookHandler({
              urlPolicy: { profile: 'dev' },
              sinks: [{ url: target, secret: ${JSON.stringify(SECRET)}, concurrency: 1, events: ['on_custom_event'] }],
            });
            try {
              const seen = await runScenarios({ lg, tool: lg.tool, z: lg.z, rw, handler, explicit: true });
              const stats = await handler.delivery.drain(10000);
              return Response.json({ seen, stats });
            } catch (error) {
              return new Response(String(error && error.stack || error), { status: 500 });
            }
          },
        };`,
    },
  });
  try {
    const response = await fetch(`${worker.url}/?target=${encodeURIComponent(server.url('/ok'))}`);
    const text = await response.text();
    assert.equal(response.status, 200, `${text}\n${worker.output()}`);
    const { seen, stats } = JSON.parse(text);
    assert.deepEqual(seen.custom, EXPECTED);
    assert.deepEqual(seen.records, EXPECTED);
    assert.deepEqual(seen.invoked, seen.plainInvoked);
    assert.deepEqual(seen.values, seen.plainValues);
    assert.equal(stats.pending, 0);
    assert.equal(server.verifyFailures, 0);
    const shipped = server.received.map((r) => JSON.parse(r.body).data).map((d) => ({ name: d.name, data: d.data }));
    const ticks = [1, 2, 3].map((tick) => ({ name: 'writer', data: { tick } }));
    assert.deepEqual(shipped, [...EXPECTED, ...ticks, ...ticks, ...EXPECTED]);
  } finally {
    await worker.stop();
    await server.close();
  }
});

test('workerd: a Worker answers at once, the receiver is slow, every event arrives through ctx.waitUntil', { timeout: 60_000 }, async () => {
  const server = await startFaultServer({ secret: SECRET });
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'handoff-worker.js',
    files: [...runwireModuleFiles()],
    extraModules: {
      'handoff-worker.js': `
        import { createDelivery } from './${entry}';
        let delivery;
        let control;
        export default {
          async fetch(request, env, ctx) {
            const url = new URL(request.url);
            delivery ??= createDelivery({
              urlPolicy: { profile: 'dev' },
              sinks: [{ url: url.searchParams.get('target'), secret: ${JSON.stringify(SECRET)}, concurrency: 4, retryDelaysMs: [50] }],
            });
            if (url.pathname === '/stats') return Response.json(delivery.stats());
            if (url.pathname === '/control') {
              // No hand-off: what a Worker without it loses once it has answered.
              control ??= createDelivery({
                urlPolicy: { profile: 'dev' },
                sinks: [{ url: url.searchParams.get('target'), secret: ${JSON.stringify(SECRET)}, concurrency: 4, retryDelaysMs: [50] }],
              });
              for (let i = 0; i < 5; i += 1) control.send('on_custom_event', 'control-' + i, { i });
              return new Response('accepted', { status: 202 });
            }
            if (url.pathname === '/control-stats') return Response.json(control.stats());
            delivery.waitUntil(ctx);
            const n = Number(url.searchParams.get('n'));
            const send = (i) => delivery.send('on_custom_event', 'req-' + url.pathname + '-' + i, { name: 'progress', data: { i } });
            if (url.pathname === '/stream') {
              // The handler returns first; the body emits events afterwards.
              let i = 0;
              const body = new ReadableStream({
                async pull(controller) {
                  if (i === n) return controller.close();
                  send(i);
                  controller.enqueue(new TextEncoder().encode('event ' + i + '\\n'));
                  i += 1;
                  await new Promise((resolve) => setTimeout(resolve, 5));
                },
              });
              return new Response(body);
            }
            for (let i = 0; i < n; i += 1) send(i);
            return new Response('accepted', { status: 202 });
          },
        };`,
    },
  });
  try {
    const N = 20;
    const target = encodeURIComponent(server.url('/slow/400'));
    const started = Date.now();
    const response = await fetch(`${worker.url}/now?n=${N}&target=${target}`);
    assert.equal(response.status, 202);
    await response.text();
    const answeredIn = Date.now() - started;
    assert.ok(answeredIn < 400, `the response waited for delivery (${answeredIn} ms)`);
    const streamed = await (await fetch(`${worker.url}/stream?n=${N}&target=${target}`)).text();
    assert.equal(streamed.trim().split('\n').length, N);
    let stats;
    for (let i = 0; i < 100; i += 1) {
      stats = await (await fetch(`${worker.url}/stats?target=${target}`)).json();
      if (stats.delivered === 2 * N) break;
      await sleep(100);
    }
    assert.equal(stats.delivered, 2 * N, JSON.stringify(stats));
    assert.equal(stats.pending, 0);
    assert.equal(server.unique.size, 2 * N);
    assert.equal(server.verifyFailures, 0);

    // The control: without the hand-off, workerd cancels the request's outstanding I/O once the
    // response is sent, so the same slow deliveries do not complete.
    await (await fetch(`${worker.url}/control?target=${target}`)).text();
    await sleep(1500);
    const control = await (await fetch(`${worker.url}/control-stats?target=${target}`)).json();
    assert.ok(control.delivered < 5, `without the hand-off workerd should cancel the work: ${JSON.stringify(control)}`);
  } finally {
    await worker.stop();
    await server.close();
  }
});
