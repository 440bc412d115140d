/**
 * The same engine on edge runtimes: the web build delivers from a Cloudflare worker in real
 * workerd (work handed to `ctx.waitUntil(delivery.drain())` after the response is sent) and from
 * Deno, to a loopback receiver that fails the first attempt of every message, so each delivery
 * needs a retry on the runtime's own timers and fetch. Signatures are verified by the receiver.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultServer } from '../support/fault-server.mjs';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles } from '../support/workerd.mjs';
import { bin, repoRoot, run } from '../support/paths.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const N = 50;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('workerd: delivers with retries, drain() handed to ctx.waitUntil', { timeout: 60_000 }, async () => {
  const server = await startFaultServer({ secret: SECRET });
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'delivery-worker.js',
    files: [...runwireModuleFiles()],
    extraModules: {
      'delivery-worker.js': `
        import { createDelivery } from './${entry}';
        let last = null;
        export default {
          async fetch(request, env, ctx) {
            const url = new URL(request.url);
            if (url.pathname === '/stats') return Response.json(last);
            // One engine per request: its timers and fetches belong to this request's context.
            const dead = [];
            const delivery = createDelivery({
              urlPolicy: { profile: 'dev' },
              sinks: [{ url: url.searchParams.get('target'), secret: ${JSON.stringify(SECRET)}, retryDelaysMs: [20, 50], timeoutMs: 2000 }],
              dlq: (record) => dead.push(record),
            });
            const n = Number(url.searchParams.get('n'));
            for (let i = 0; i < n; i += 1) {
              delivery.send('on_custom_event', 'edge-run-' + i, { event: 'on_custom_event', name: 'progress', data: { i } });
            }
            ctx.waitUntil(delivery.drain(10000).then((stats) => { last = { stats, dead }; }));
            return new Response('accepted', { status: 202 });
          },
        };`,
    },
  });
  try {
    const target = server.url('/flaky/1');
    const response = await fetch(`${worker.url}/deliver?n=${N}&target=${encodeURIComponent(target)}`);
    assert.equal(response.status, 202);
    assert.equal(await response.text(), 'accepted');
    let last = null;
    for (let i = 0; i < 100 && !last; i += 1) {
      await sleep(100);
      last = await (await fetch(`${worker.url}/stats`)).json();
    }
    assert.ok(last, `no stats from the worker: ${worker.output()}`);
    assert.equal(last.stats.delivered, N, JSON.stringify(last));
    assert.equal(last.stats.pending, 0);
    assert.equal(last.stats.attempts, 2 * N, 'every message needed its retry');
    assert.deepEqual(last.dead, []);
    assert.equal(server.unique.size, N);
    assert.equal(server.verifyFailures, 0);
    assert.equal(server.received.length, 2 * N);
  } finally {
    await worker.stop();
    await server.close();
  }
});

test('Deno: delivers with retries and dead-letters what the receiver refuses', { timeout: 60_000 }, async () => {
  const server = await startFaultServer({ secret: SECRET });
  try {
    const deliver = (path) => run(
      bin('deno'),
      ['run', '--no-prompt', `--allow-read=${repoRoot}`, `--allow-net=127.0.0.1:${server.port}`,
        'tests/delivery/edge/deno-deliver.js', server.url(path), String(N), SECRET],
      { env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeoutMs: 60_000 },
    ).then(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)));

    const ok = await deliver('/flaky/1');
    assert.equal(ok.stats.delivered, N, JSON.stringify(ok.stats));
    assert.equal(ok.stats.attempts, 2 * N);
    assert.deepEqual(ok.dead, []);
    assert.equal(server.unique.size, N);
    assert.equal(server.verifyFailures, 0);

    const refused = await deliver('/status/410');
    assert.equal(refused.stats.dead_lettered, N);
    assert.equal(refused.stats.sinks[0].disabled, true);
    assert.ok(refused.dead.every((d) => ['gone', 'endpoint_disabled'].includes(d.reason)));
    assert.ok(refused.hooks.includes('endpoint.disabled'));
  } finally {
    await server.close();
  }
});
