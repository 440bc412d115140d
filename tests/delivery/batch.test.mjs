/**
 * Batches (issue 17): one signed request carries many events. The bodies are verified by the
 * plain `standardwebhooks` npm verifier and unpacked by runwire's own receivers
 * (`webhookMiddleware`, `webhookHandler`), which dedupe per event id — across a batch re-sent
 * after a failure and across a different batch carrying an event again. Ordering + batch keep
 * each run in emit order; send-callback sinks get whole batches. Addon and web build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/** A Node receiver built with `webhookMiddleware`, keeping every raw request for third-party checks. */
async function startReceiver(rw, options) {
  const raw = [];
  const middleware = rw.webhookMiddleware({ secrets: SECRET, ...options });
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      raw.push({ headers: req.headers, body: body.toString('utf8') });
      req.rawBody = new Uint8Array(body);
      middleware(req, res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    raw,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

for (const entry of (process.env.RW_ENTRY ? [process.env.RW_ENTRY] : ['runwire', 'runwire/web'])) {
  test(`batch bodies verify with standardwebhooks and unpack per event in the receiver (${entry})`, async () => {
    const rw = await import(entry);
    const seen = [];
    let failOnce = 'r7:on_custom_event:1';
    const receiver = await startReceiver(rw, {
      onWebhook(item, meta) {
        if (item.id === failOnce) {
          failOnce = null;
          throw new Error('the handler fails once, mid-batch');
        }
        seen.push({ id: item.id, batch: meta.batch?.id, n: item.data.n });
      },
    });
    try {
      const d = rw.createDelivery({
        urlPolicy: { profile: 'dev' },
        sinks: [{ url: receiver.url, secret: SECRET, batch: { maxEvents: 25, lingerMs: 30 }, retryDelaysMs: [20], events: ['on_custom_event'] }],
      });
      for (let n = 0; n < 100; n += 1) d.send('on_custom_event', `r${n}`, { n });
      const stats = await d.drain(10_000);
      assert.equal(stats.delivered, 100);
      assert.equal(stats.dead_lettered, 0);
      assert.ok(stats.attempts >= 4 && stats.attempts <= 10, `a few requests for 100 events: ${stats.attempts}`);

      // Every request is a batch with its own id and one signature any Standard Webhooks verifier accepts.
      const wh = new Webhook(SECRET);
      for (const req of receiver.raw) {
        const payload = wh.verify(req.body, req.headers);
        assert.equal(payload.type, 'runwire.batch');
        assert.equal(payload.id, req.headers['webhook-id']);
        assert.match(payload.id, /^batch_[0-9a-f]{16}_\d+$/);
        for (const item of payload.data) {
          assert.match(item.id, /^r\d+:on_custom_event:1$/);
          assert.equal(item.type, 'agent.custom');
        }
      }
      // The failed batch was re-sent whole (same id and bytes) and the events processed before the
      // failure were skipped as duplicates: each event reached onWebhook exactly once.
      const resent = receiver.raw.filter((r, i) => receiver.raw.findIndex((q) => q.headers['webhook-id'] === r.headers['webhook-id']) !== i);
      assert.equal(resent.length, 1, 'exactly one batch went twice');
      const first = receiver.raw.find((r) => r.headers['webhook-id'] === resent[0].headers['webhook-id']);
      assert.equal(resent[0].body, first.body);
      assert.deepEqual(seen.map((s) => s.n).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
      assert.equal(new Set(seen.map((s) => s.id)).size, 100);

      // A different batch carrying events already processed (e.g. redelivered after a restart):
      // deduped per event, only the new one is handed over.
      const overlap = JSON.stringify({
        data: [
          { id: 'r1:on_custom_event:1', data: { n: 1 }, timestamp: '2026-01-01T00:00:00.000Z', type: 'agent.custom' },
          { id: 'new:on_custom_event:1', data: { n: 1000 }, timestamp: '2026-01-01T00:00:00.000Z', type: 'agent.custom' },
        ],
        id: 'batch_other_1', timestamp: '2026-01-01T00:00:00.000Z', type: 'runwire.batch',
      });
      const headers = rw.signWebhook(overlap, { id: 'batch_other_1', secrets: SECRET });
      const res = await fetch(receiver.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: overlap });
      assert.deepEqual(await res.json(), { ok: true, events: 2, duplicates: 1 });
      assert.equal(seen.filter((s) => s.id === 'new:on_custom_event:1').length, 1);
      assert.equal(seen.filter((s) => s.id === 'r1:on_custom_event:1').length, 1);
      // webhookHandler (fetch-style) unpacks too; per batch with batchDelivery: 'batch'.
      const batches = [];
      const whole = rw.webhookHandler({ secrets: SECRET, batchDelivery: 'batch', onWebhook: (items, meta) => batches.push([items, meta.batch]) });
      const r2 = await whole(new Request('http://x/hook', { method: 'POST', headers, body: overlap }));
      assert.equal(r2.status, 200);
      assert.equal(batches.length, 1);
      assert.deepEqual(batches[0][0].map((i) => i.id), ['r1:on_custom_event:1', 'new:on_custom_event:1']);
      assert.equal(batches[0][1].id, 'batch_other_1');
      await d.close(100);
    } finally {
      await receiver.close();
    }
  });

  test(`ordering + batch keep each run in emit order; send callbacks get whole batches (${entry})`, async () => {
    const rw = await import(entry);
    const calls = [];
    const order = new Map();
    let failures = 0;
    const d = rw.createDelivery({
      sinks: [{
        name: 'fn', ordering: 'run', batch: { maxEvents: 8, lingerMs: 5 }, retryDelaysMs: [5, 5, 5], jitter: false, concurrency: 4,
        events: ['on_custom_event'],
        send(message) {
          calls.push(message);
          // Every fourth batch fails once: it is retried whole, its runs wait, other runs go on.
          if (message.attempt === 1 && calls.length % 4 === 0) {
            failures += 1;
            throw new Error('once');
          }
          for (const item of message.events) {
            const { root, n } = item.data;
            if (!order.has(root)) order.set(root, []);
            order.get(root).push(n);
          }
        },
      }],
    });
    for (let n = 1; n <= 10; n += 1) {
      for (let r = 0; r < 20; r += 1) d.send('on_custom_event', `c${r}-${n}`, { root: r, n }, { rootRunId: `root-${r}` });
    }
    const stats = await d.drain(10_000);
    assert.equal(stats.delivered, 200);
    assert.ok(failures > 0);
    assert.ok(calls.every((c) => c.event === 'runwire_batch' && c.id.startsWith('batch_') && Array.isArray(c.events)));
    assert.ok(calls.length < 200 / 2, `batched: ${calls.length} calls`);
    for (const [root, ns] of order) assert.deepEqual(ns, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `run ${root}`);
    await d.close(100);
  });

  test(`overflow: 'reject' refuses at capacity with ERR_RUNWIRE_BACKPRESSURE and a queue.full hook (${entry})`, async () => {
    const rw = await import(entry);
    const hooks = [];
    let release;
    const gate = new Promise((resolve) => { release = resolve; });
    const d = rw.createDelivery({
      sinks: [{ send: () => gate, queueCapacity: 3, overflow: 'reject', concurrency: 1, events: ['on_custom_event'] }],
      hooks: { onQueueFull: (e) => hooks.push(e.type), onQueueAvailable: (e) => hooks.push(e.type) },
    });
    for (let i = 0; i < 3; i += 1) assert.equal(d.send('on_custom_event', `r${i}`, {}), true);
    assert.throws(() => d.send('on_custom_event', 'r9', {}), { code: 'ERR_RUNWIRE_BACKPRESSURE' });
    const before = d.stats();
    assert.equal(before.rejected, 1);
    assert.equal(before.accepted, 3);
    assert.equal(before.sinks[0].backpressure, true);
    release();
    const stats = await d.drain(5_000);
    assert.equal(stats.delivered, 3);
    assert.equal(stats.sinks[0].backpressure, false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(hooks, ['queue.full', 'queue.available']);
    await d.close(100);
  });
}
