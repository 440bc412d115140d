/**
 * Endpoint safety in the real engine, over loopback HTTP:
 * - URL policy at sink creation (LangGraph's messages) and the DNS path in the addon: a name
 *   that resolves to 127.0.0.1 is refused by default and allowed only with loopback enabled;
 * - a 302 to a private address is never followed;
 * - the circuit breaker: a failing endpoint stops receiving attempts, a probe closes it after it
 *   recovers, and a healthy endpoint in the same delivery flows at full rate meanwhile;
 * - header templates, query-token auth and the disable switch;
 * - receivers (Node middleware, workerd fetch handler) verify and dedupe real deliveries; a
 *   replayed delivery is acknowledged and not processed twice.
 * Every server is closed in `finally`; every wait is bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import * as rw from 'runwire';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles } from '../support/workerd.mjs';

const SECRET = rw.generateSecret();
const DEV = { profile: 'dev' };

async function server(handler) {
  const requests = [];
  const s = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      handler(req, res, requests.length);
    });
  });
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = s.address().port;
  return { requests, port, url: (path = '/hook') => `http://127.0.0.1:${port}${path}`, close: () => new Promise((r) => s.close(r)) };
}

async function until(condition, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sink(url, extra = {}) {
  return { url, secret: SECRET, events: ['on_custom_event'], retryDelaysMs: [20, 20], jitter: false, ...extra };
}

function refusal(fn) {
  try {
    fn();
  } catch (error) {
    return { code: error.code, message: error.message };
  }
  return null;
}

for (const [label, mod] of [['runwire', rw], ['runwire/web', await import('runwire/web')]]) {
  test(`sink creation applies the URL policy with LangGraph's messages (${label})`, () => {
    const create = (url, urlPolicy) => refusal(() => mod.createDelivery({ sinks: [sink(url, { urlPolicy })], dlq: () => {} }));
    const blocked = (m) => ({ code: 'ERR_RUNWIRE_URL_POLICY', message: m });
    assert.deepEqual(create('http://127.0.0.1:9/hook'), blocked('Webhook must use https'));
    assert.deepEqual(create('https://localhost/hook'), blocked('Webhook host blocked: blocked IP range'));
    assert.deepEqual(create('https://0xa9fea9fe/'), blocked('Webhook host blocked: cloud metadata endpoint'));
    assert.deepEqual(create('https://hooks.example.com:8443/'), blocked('Webhook port 8443 not allowed'));
    assert.equal(create('/hook').code, 'ERR_RUNWIRE_URL_POLICY');
    assert.match(create('/hook').message, /^Loopback webhooks \(relative URLs and localhost\) are disabled by default/);
    assert.deepEqual(create('http://127.0.0.1:9/', { ...DEV, disable_loopback: true }), blocked('Webhook host blocked: blocked IP range'));
    assert.equal(create('http://127.0.0.1:9/', DEV), null, 'the dev profile allows loopback');
    assert.equal(create('https://api.corp.example/', { allowed_domains: ['*.corp.example'] }), null);
    assert.deepEqual(
      create('https://corp.example/', { allowed_domains: ['*.corp.example'] }),
      blocked('Webhook domain not allowed'),
    );
  });
}

test('addon: a name resolving to 127.0.0.1 is refused at connect time unless loopback is allowed', async (t) => {
  const name = hostname().toLowerCase();
  const addresses = await lookup(name, { all: true }).catch(() => []);
  const loopbackName = addresses.length > 0 && addresses.every((a) => a.address.startsWith('127.') || a.address === '::1');
  // This machine's /etc/hosts maps its hostname to 127.0.0.1; elsewhere fall back to `localhost`,
  // which the name check refuses before DNS.
  const host = loopbackName ? name : 'localhost';
  t.diagnostic(`host under test: ${host} (${addresses.map((a) => a.address).join(', ') || 'unresolved'})`);
  const receiver = await server((req, res) => res.end('ok'));
  try {
    const url = `http://${host}:${receiver.port}/hook`;
    if (loopbackName) {
      const dead = [];
      const strict = rw.createDelivery({
        sinks: [sink(url, { urlPolicy: { ...DEV, disable_loopback: true } })],
        dlq: (r) => dead.push(r),
      });
      strict.send('on_custom_event', 'run-dns', { n: 1 });
      await strict.close(5000);
      assert.equal(dead.length, 1);
      assert.equal(dead[0].reason, 'url_policy', 'no retry: the resolver refused the host');
      assert.equal(dead[0].attempts.length, 1);
      assert.match(dead[0].attempts[0].error, /Webhook host blocked: blocked IP range/);
      assert.equal(receiver.requests.length, 0, 'nothing reached the loopback receiver');
    } else {
      assert.deepEqual(refusal(() => rw.createDelivery({ sinks: [sink(url, { urlPolicy: { ...DEV, disable_loopback: true } })] })), {
        code: 'ERR_RUNWIRE_URL_POLICY',
        message: 'Webhook host blocked: blocked IP range',
      });
    }
    const open = rw.createDelivery({ sinks: [sink(url, { urlPolicy: DEV })], dlq: () => {} });
    open.send('on_custom_event', 'run-dns', { n: 2 });
    const stats = await open.close(5000);
    assert.equal(stats.delivered, 1, 'allowed with disable_loopback: false');
    assert.equal(receiver.requests.length, 1);
  } finally {
    await receiver.close();
  }
});

for (const [label, mod] of [['runwire', rw], ['runwire/web', await import('runwire/web')]]) {
  test(`a 302 to a private address is not followed (${label})`, async () => {
    const privateTarget = await server((req, res) => res.end('should never be reached'));
    const redirector = await server((req, res) => {
      res.statusCode = 302;
      res.setHeader('location', privateTarget.url('/internal'));
      res.end();
    });
    try {
      const dead = [];
      const delivery = mod.createDelivery({ sinks: [sink(redirector.url(), { urlPolicy: DEV })], dlq: (r) => dead.push(r) });
      delivery.send('on_custom_event', 'run-302', { n: 1 });
      await delivery.close(5000);
      assert.equal(redirector.requests.length, 3, 'every attempt stopped at the 302');
      assert.equal(privateTarget.requests.length, 0, 'the Location was never fetched');
      assert.equal(dead[0].reason, 'redirect');
      assert.deepEqual(dead[0].attempts.map((a) => a.status), [302, 302, 302]);
    } finally {
      await redirector.close();
      await privateTarget.close();
    }
  });
}

for (const [label, mod] of [['runwire', rw], ['runwire/web', await import('runwire/web')]]) {
  test(`breaker: the failing endpoint is held, a probe closes it, the healthy one flows meanwhile (${label})`, async () => {
    let down = true;
    const failing = await server((req, res) => {
      res.statusCode = down ? 503 : 200;
      res.end();
    });
    const healthy = await server((req, res) => res.end('ok'));
    const states = [];
    try {
      const breaker = { windowMs: 10_000, buckets: 10, minRequests: 3, failurePercent: 100, openMs: 1000 };
      const delivery = mod.createDelivery({
        sinks: [
          sink(failing.url(), { name: 'failing', urlPolicy: DEV, health: { breaker }, retryDelaysMs: [10, 10, 10, 10, 10], concurrency: 1 }),
          sink(healthy.url(), { name: 'healthy', urlPolicy: DEV, health: { breaker }, concurrency: 4 }),
        ],
        dlq: () => {},
        hooks: { onBreakerStateChanged: (e) => states.push([e.sink, e.state, Date.now()]) },
      });
      const started = Date.now();
      for (let i = 0; i < 40; i += 1) delivery.send('on_custom_event', `run-b${i}`, { i });
      await until(() => states.some(([s, st]) => s === 'failing' && st === 'open'));
      const openedAt = states.find(([s, st]) => s === 'failing' && st === 'open')[2];
      const attemptsAtOpen = failing.requests.length;
      assert.equal(attemptsAtOpen, 3, 'three failures trip it (minRequests)');
      await until(() => healthy.requests.length === 40, 3000);
      const healthyDoneAt = Date.now();
      assert.ok(healthyDoneAt < openedAt + 1000, `the healthy sink finished all 40 while the other was open (${healthyDoneAt - started} ms)`);
      assert.equal(failing.requests.length, attemptsAtOpen, 'no attempts reach the failing endpoint while open');
      down = false;
      const stats = await delivery.close(10_000);
      assert.deepEqual(
        states.filter(([s]) => s === 'failing').map(([, st]) => st),
        ['open', 'half_open', 'closed'],
      );
      assert.ok(states.every(([s]) => s === 'failing'), 'the healthy breaker never moved');
      assert.equal(stats.sinks.find((s) => s.name === 'failing').delivered, 40, 'deferred messages kept their retries');
      assert.equal(stats.sinks.find((s) => s.name === 'healthy').delivered, 40);
      assert.equal(stats.dead_lettered, 0);
    } finally {
      await failing.close();
      await healthy.close();
    }
  });
}

test('header templates, query token and the disable switch', async () => {
  const receiver = await server((req, res) => res.end('ok'));
  try {
    const delivery = rw.createDelivery({
      sinks: [sink(receiver.url(), { urlPolicy: DEV, queryToken: 's3 cr&t', headers: { Authorization: 'Bearer ${{ env.LG_WEBHOOK_TOKEN }}' } })],
      env: { LG_WEBHOOK_TOKEN: 'abc', HOME: '/root' },
      dlq: () => {},
    });
    delivery.send('on_custom_event', 'run-h', {});
    await delivery.close(5000);
    assert.equal(receiver.requests[0].url, '/hook?token=s3+cr%26t');
    assert.equal(receiver.requests[0].headers.authorization, 'Bearer abc');
    assert.deepEqual(
      refusal(() =>
        rw.createDelivery({ sinks: [sink(receiver.url(), { urlPolicy: DEV, headers: { X: '${{ env.HOME }}' } })], env: { HOME: '/root' } }),
      ),
      {
        code: 'ERR_RUNWIRE_HEADER_TEMPLATE',
        message: "webhook headers: environment variable name 'HOME' must start with the configured env_prefix 'LG_WEBHOOK_'",
      },
    );
    const off = rw.createDelivery({ sinks: [sink(receiver.url(), { urlPolicy: DEV })], disableWebhooks: true, dlq: () => {} });
    off.send('on_custom_event', 'run-off', {});
    const stats = await off.close(2000);
    assert.equal(stats.filtered, 1);
    assert.equal(receiver.requests.length, 1, 'nothing sent while webhooks are disabled');
  } finally {
    await receiver.close();
  }
});

test('Node middleware verifies and dedupes real deliveries; a replay is acknowledged, not processed twice', async () => {
  const processed = [];
  const middleware = rw.webhookMiddleware({ secrets: SECRET, onWebhook: (payload, meta) => processed.push(meta.id) });
  const receiver = createServer(middleware);
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const gone = await server((req, res) => {
    res.statusCode = 410;
    res.end();
  });
  try {
    const dead = [];
    const url = `http://127.0.0.1:${receiver.address().port}/hook`;
    const delivery = rw.createDelivery({
      sinks: [sink(url, { name: 'receiver', urlPolicy: DEV }), sink(gone.url(), { name: 'gone', urlPolicy: DEV })],
      dlq: (r) => dead.push(r),
    });
    delivery.send('on_custom_event', 'run-r', { step: 1 });
    await delivery.drain(5000);
    assert.equal(processed.length, 1);
    assert.equal(dead.length, 1, 'the 410 sink dead-lettered the same message');
    delivery.replay(dead[0], { sink: 'receiver' }); // same webhook-id, fresh timestamp and signature
    const stats = await delivery.close(5000);
    assert.equal(stats.sinks.find((s) => s.name === 'receiver').delivered, 2, 'the replay was acknowledged with 2xx');
    assert.deepEqual(processed, [dead[0].id], 'and not processed twice');
  } finally {
    await new Promise((r) => receiver.close(r));
    await gone.close();
  }
});

test('workerd fetch handler verifies and dedupes real deliveries from the engine', async () => {
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'receiver-worker.js',
    files: [...runwireModuleFiles()],
    extraModules: {
      'receiver-worker.js': `
        import { webhookHandler } from './${entry}';
        const processed = [];
        const handler = webhookHandler({ secrets: ${JSON.stringify(SECRET)}, onWebhook: (p, meta) => { processed.push(meta.id); } });
        export default {
          fetch(request) {
            if (new URL(request.url).pathname === '/processed') return Response.json(processed);
            return handler(request);
          },
        };`,
    },
  });
  const gone = await server((req, res) => {
    res.statusCode = 410;
    res.end();
  });
  try {
    const dead = [];
    const delivery = rw.createDelivery({
      sinks: [sink(`${worker.url}/hook`, { name: 'edge', urlPolicy: DEV }), sink(gone.url(), { name: 'gone', urlPolicy: DEV })],
      dlq: (r) => dead.push(r),
    });
    delivery.send('on_custom_event', 'run-w', { step: 1 });
    delivery.send('on_custom_event', 'run-w', { step: 2 });
    await delivery.drain(5000);
    delivery.replay(dead[0], { sink: 'edge' });
    const stats = await delivery.close(5000);
    assert.equal(stats.sinks.find((s) => s.name === 'edge').delivered, 3);
    const processed = await (await fetch(`${worker.url}/processed`)).json();
    assert.equal(processed.length, 2, 'two events processed once each; the replay was only acknowledged');
    assert.ok(processed.includes(dead[0].id));
  } finally {
    await worker.stop();
    await gone.close();
  }
});
