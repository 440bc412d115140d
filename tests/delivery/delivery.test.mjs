/**
 * Delivery over real loopback HTTP, on the addon and on the web build in Node: status handling
 * (410 disables, 4xx dead-letters at once, 3xx never followed), Retry-After, timeouts, resets,
 * drain at a deadline, fan-out isolation, third-party verifiers on real deliveries, and (addon)
 * the file DLQ layout and replay with the same id and a fresh signature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { startFaultServer } from '../support/fault-server.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const GITHUB_SECRET = 'seed-demo-secret-please-rotate';
const FAST = { retryDelaysMs: [20, 40], jitter: false, timeoutMs: 1_000 };

async function withServer(options, fn) {
  const server = await startFaultServer({ secret: SECRET, ...options });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

for (const entry of ['runwire', 'runwire/web']) {
  const rw = await import(entry);

  test(`status handling end to end (${entry})`, async () => {
    await withServer({}, async (server) => {
      const dead = [];
      const hooks = [];
      const d = rw.createDelivery({ urlPolicy: { profile: 'dev' },
        sinks: [
          { name: 'gone', url: server.url('/status/410'), secret: SECRET, ...FAST, concurrency: 1 },
          { name: 'bad', url: server.url('/status/400'), secret: SECRET, ...FAST },
          { name: 'moved', url: server.url('/status/302'), secret: SECRET, ...FAST },
          { name: 'flaky', url: server.url('/flaky/2'), secret: SECRET, ...FAST },
        ],
        dlq: (r) => dead.push(r),
        hooks: { onEvent: (e) => hooks.push(e) },
      });
      d.send('on_tool_end', 'run-a', { name: 'calculator', output: '42 — café ☕' });
      d.send('on_tool_end', 'run-a', { name: 'calculator', output: 43 });
      const stats = await d.drain(10_000);
      const sink = (n) => stats.sinks.find((s) => s.name === n);
      assert.equal(sink('flaky').delivered, 2);
      assert.equal(sink('flaky').attempts, 6);
      assert.equal(sink('gone').disabled, true);
      const reasons = (n) => dead.filter((r) => r.sink === n).map((r) => r.reason).sort();
      assert.deepEqual(reasons('gone'), ['endpoint_disabled', 'gone']);
      assert.deepEqual(reasons('bad'), ['permanent_4xx', 'permanent_4xx']);
      assert.deepEqual(reasons('moved'), ['redirect', 'redirect']);
      assert.equal(dead.find((r) => r.sink === 'bad').attempts.length, 1, '4xx is not retried');
      assert.equal(dead.find((r) => r.sink === 'moved').attempts.length, 3);
      assert.ok(server.received.every((r) => !r.path.startsWith('/ok')), 'the redirect target is never fetched');
      assert.ok(hooks.some((h) => h.type === 'endpoint.disabled' && h.sink === 'gone'));
      assert.ok(hooks.some((h) => h.type === 'message.exhausted' && h.reason === 'redirect'));
      assert.ok(hooks.some((h) => h.type === 'attempt.failed' && h.status === 503 && h.next_delay_ms === 20));
      assert.equal(stats.accepted, stats.delivered + stats.dead_lettered + stats.pending + stats.filtered);
      // ids: {run_id}:{event_type}:{seq}, stable across attempts
      const ids = new Set(server.received.filter((r) => r.path === '/flaky/2').map((r) => r.id));
      assert.deepEqual([...ids].sort(), ['run-a:on_tool_end:1', 'run-a:on_tool_end:2']);
      const first = dead.find((r) => r.sink === 'bad' && r.id.endsWith(':1'));
      assert.equal(first.body, server.received.find((r) => r.id === first.id && r.path === '/status/400').body,
        'the dead letter holds the exact bytes sent');
      await d.close(1_000);
    });
  });

  test(`Retry-After (seconds and HTTP-date), timeouts, resets and closes are retried (${entry})`, async () => {
    await withServer({}, async (server) => {
      const seen = new Map();
      const rule = (e) => {
        const n = (seen.get(e.path) ?? 0) + 1;
        seen.set(e.path, n);
        if (n > 1) return { kind: 'status', status: 200 };
        if (e.path === '/ra-seconds') return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
        if (e.path === '/ra-date') {
          return { kind: 'status', status: 429, headers: { 'retry-after': new Date(Date.now() + 3_000).toUTCString() } };
        }
        return { kind: e.path.slice(1) };
      };
      await server.close();
      const s2 = await startFaultServer({ secret: SECRET, rule });
      try {
        const sink = (path, extra = {}) => ({ name: path, url: s2.url(`/${path}`), secret: SECRET, ...FAST, ...extra });
        const d = rw.createDelivery({ urlPolicy: { profile: 'dev' },
          sinks: [
            sink('ra-seconds', { retryDelaysMs: [300] }),
            sink('ra-date', { retryDelaysMs: [300] }),
            sink('hang', { timeoutMs: 200 }),
            sink('reset'),
            sink('close'),
          ],
          dlq: () => assert.fail('nothing should be dead-lettered'),
        });
        d.send('on_custom_event', 'run-b', { name: 'progress', data: { pct: 50 } });
        const stats = await d.drain(10_000);
        assert.equal(stats.delivered, 5, JSON.stringify(stats));
        const gap = (path) => {
          const [a, b] = s2.received.filter((r) => r.path === `/${path}`);
          return b.at - a.at;
        };
        // Retry-After 1 s against a 300 ms base: clamped to [300, 600] ms
        assert.ok(gap('ra-seconds') >= 550 && gap('ra-seconds') < 1_000, `seconds: ${gap('ra-seconds')}`);
        // an HTTP-date 3 s ahead (second resolution): also clamped to 600 ms
        assert.ok(gap('ra-date') >= 550 && gap('ra-date') < 1_000, `date: ${gap('ra-date')}`);
        // the first request reaches the receiver a little after the client's timer started
        assert.ok(gap('hang') >= 150, `timeout: ${gap('hang')}`);
        await d.close(1_000);
      } finally {
        await s2.close();
      }
    });
  });

  test(`drain moves what is still pending at the deadline to the DLQ; fan-out is isolated (${entry})`, async () => {
    await withServer({}, async (server) => {
      const dead = [];
      const d = rw.createDelivery({ urlPolicy: { profile: 'dev' },
        sinks: [
          { name: 'stuck', url: server.url('/hang'), secret: SECRET, concurrency: 2, timeoutMs: 60_000 },
          { name: 'fine', url: server.url('/ok'), secret: SECRET },
        ],
        dlq: (r) => dead.push(r),
      });
      for (let i = 0; i < 20; i += 1) d.send('on_tool_end', `run-${i}`, { i });
      const started = Date.now();
      const stats = await d.drain(500);
      const waited = Date.now() - started;
      assert.ok(waited >= 450 && waited < 5_000, `drain waited ${waited} ms`);
      assert.equal(stats.sinks[1].delivered, 20, 'the healthy sink was not held up');
      assert.equal(stats.sinks[0].dead_lettered, 20);
      assert.equal(stats.pending, 0);
      assert.ok(dead.every((r) => r.reason === 'shutdown' && r.sink === 'stuck'));
      assert.equal(dead.filter((r) => r.attempts.length === 1).length, 2, 'the two in flight log their attempt');
      await d.close(100);
      assert.throws(() => d.send('on_tool_end', 'run-x', {}), { code: 'ERR_RUNWIRE_DELIVERY_CLOSED' });
    });
  });

  test(`standardwebhooks and @octokit/webhooks-methods verify real deliveries (${entry})`, async () => {
    await withServer({ secret: undefined }, async (server) => {
      const d = rw.createDelivery({ urlPolicy: { profile: 'dev' },
        sinks: [{ url: server.url('/ok'), secret: SECRET, scheme: 'both', githubSecret: GITHUB_SECRET, headers: { 'x-tenant': 't1' } }],
      });
      d.send('on_tool_end', '1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b', {
        event: 'on_tool_end', name: 'calculator', output: '42 — café ☕', run_id: '1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b', step_index: 3,
      });
      const stats = await d.drain(5_000);
      assert.equal(stats.delivered, 1);
      const [req] = server.received;
      const payload = new Webhook(SECRET).verify(req.body, req.headers);
      assert.equal(payload.type, 'agent.tool.end');
      assert.equal(payload.data.output, '42 — café ☕');
      assert.match(payload.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(await octokitVerify(GITHUB_SECRET, req.body, req.headers['x-signature-256']), true);
      assert.equal(await octokitVerify('wrong', req.body, req.headers['x-signature-256']), false);
      assert.equal(req.headers['idempotency-key'], req.headers['webhook-id']);
      assert.equal(req.headers['webhook-id'], '1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b:on_tool_end:1');
      assert.equal(req.headers['x-tenant'], 't1');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(req.body, rw.canonicalJson(JSON.parse(req.body)), 'the body is canonical JSON');
      await d.close(100);
    });
  });

  test(`send-callback sinks: retried on throw, dead-lettered on false, fanned out beside a webhook (${entry})`, async () => {
    await withServer({}, async (server) => {
      const calls = [];
      const dead = [];
      const d = rw.createDelivery({
        sinks: [
          {
            name: 'fn',
            retryDelaysMs: [10, 10],
            jitter: false,
            send: async (message) => {
              calls.push(message);
              const { data } = JSON.parse(message.body);
              if (data.kind === 'flaky' && message.attempt === 1) throw new Error('try again');
              if (data.kind === 'refuse') return false;
              return undefined;
            },
          },
          { name: 'hook', url: server.url('/ok'), secret: SECRET, urlPolicy: { profile: 'dev' } },
        ],
        dlq: (r) => dead.push(r),
      });
      d.send('on_custom_event', 'run-cb', { kind: 'fine' });
      d.send('on_custom_event', 'run-cb', { kind: 'flaky' });
      d.send('on_custom_event', 'run-cb', { kind: 'refuse' });
      const stats = await d.drain(5_000);
      const fn = stats.sinks.find((s) => s.name === 'fn');
      assert.deepEqual([fn.delivered, fn.dead_lettered, fn.attempts], [2, 1, 4]);
      assert.equal(stats.sinks.find((s) => s.name === 'hook').delivered, 3);
      assert.deepEqual(dead.map((r) => [r.sink, r.reason, r.attempts.length]), [['fn', 'rejected', 1]]);
      const flaky = calls.filter((c) => JSON.parse(c.body).data.kind === 'flaky');
      assert.deepEqual(flaky.map((c) => c.attempt), [1, 2]);
      assert.equal(flaky[0].id, 'run-cb:on_custom_event:2');
      assert.equal(flaky[1].id, flaky[0].id);
      assert.equal(flaky[0].run_id, 'run-cb');
      assert.equal(flaky[0].event, 'on_custom_event');
      assert.equal(flaky[0].body, server.received.find((r) => r.id === flaky[0].id).body, 'the same bytes as the webhook');
      assert.throws(() => rw.createDelivery({ sinks: [{ send: () => {}, url: 'http://x/' }] }), /options.sinks\[0\].url is not an option of a sink/);
      await d.close(100);
    });
  });

  test(`bad configuration fails with coded errors (${entry})`, () => {
    assert.throws(() => rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [] }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
    assert.throws(() => rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ url: 'http://127.0.0.1:1/' }] }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT', message: /secret is required/ });
    assert.throws(() => rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ url: 'http://127.0.0.1:1/', secret: 'whsec_!!' }] }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
    assert.throws(() => rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ url: 'ftp://x/', secret: SECRET }] }), { code: 'ERR_RUNWIRE_URL_POLICY', message: 'Webhook must use http or https' });
    assert.throws(() => rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ url: 'http://x/', secret: SECRET, retries: 3 }] }), /options.sinks\[0\].retries is not an option of a sink/);
    const d = rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ url: 'http://127.0.0.1:1/', secret: SECRET }], dlq: () => {} });
    assert.throws(() => d.send('on_tool_end', 'run.with.dots', {}), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
    const cyclic = {};
    cyclic.self = cyclic;
    assert.throws(() => d.send('on_tool_end', 'r', cyclic), { code: 'ERR_RUNWIRE_UNSERIALIZABLE' }); // issue 18: was a bare TypeError
    return d.close(0);
  });
}

test('addon: keep-alive reuses connections across deliveries and retries', async () => {
  const rw = await import('runwire');
  await withServer({}, async (server) => {
    const d = rw.createDelivery({
      urlPolicy: { profile: 'dev' },
      sinks: [{ url: server.url('/flaky/1'), secret: SECRET, concurrency: 4, retryDelaysMs: [5], jitter: false }],
    });
    for (let i = 0; i < 200; i += 1) d.send('on_tool_end', `run-${i}`, { i });
    const stats = await d.drain(10_000);
    assert.equal(stats.delivered, 200);
    assert.equal(server.received.length, 400, 'every message retried once after its 503');
    // Reuse, not a connection cap: hyper races a new connect against waiting for an idle one,
    // and a connect that loses still finishes and joins the pool (the clean-clone run once saw
    // 5). Without keep-alive this would be 400.
    assert.ok(server.connections <= 8, `400 requests over ${server.connections} connections (concurrency 4)`);
    await d.close(100);
  });
});

test('addon: dead letters are files under YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json and replay re-signs them', async () => {
  const rw = await import('runwire');
  const dir = mkdtempSync(join(tmpdir(), 'runwire-dlq-'));
  try {
    await withServer({}, async (server) => {
      const down = rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ name: 'main', url: server.url('/status/503'), secret: SECRET, retryDelaysMs: [], jitter: false }], dlq: { dir } });
      down.send('on_tool_end', 'run-file', { output: 'x' });
      const stats = await down.drain(5_000);
      assert.equal(stats.dead_lettered, 1);
      await down.close(100);
      const files = filesUnder(dir);
      assert.equal(files.length, 1);
      const id = 'run-file:on_tool_end:1';
      const now = new Date();
      const ymd = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${String(now.getUTCDate()).padStart(2, '0')}`;
      assert.equal(files[0], join(dir, ymd, 'run-file', 'main', `${createHash('sha256').update(id).digest('hex')}.json`));
      const record = JSON.parse(readFileSync(files[0], 'utf8'));
      assert.equal(record.id, id);
      assert.equal(record.reason, 'exhausted');
      assert.equal(record.sink, 'main');
      assert.ok(!JSON.stringify(record).includes(SECRET.slice(6)), 'no secret in the record');

      await new Promise((resolve) => setTimeout(resolve, 1_100)); // a later second: a fresh timestamp
      const up = rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ name: 'main', url: server.url('/ok'), secret: SECRET }], dlq: { dir } });
      up.replay(readFileSync(files[0], 'utf8'));
      assert.equal((await up.drain(5_000)).delivered, 1);
      const [first, replayed] = server.received;
      assert.equal(replayed.id, first.id);
      assert.equal(replayed.body, first.body);
      assert.notEqual(replayed.headers['webhook-timestamp'], first.headers['webhook-timestamp']);
      assert.notEqual(replayed.headers['webhook-signature'], first.headers['webhook-signature']);
      assert.equal(server.unique.size, 1);
      await up.close(100);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
