/**
 * Redis Streams sink against a real redis-server (started here, stopped in `after`): 10,000
 * events read back with XRANGE and verified; a CLIENT KILL and a server killed mid-run and
 * restarted 6 s later; bad configuration (typed error at creation, DLQ reasons otherwise).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import * as rw from 'runwire';
import { startRedis } from '../support/services.mjs';
import { SECRET, assertAccounted, countBy, sendEvents, sleep, verifyRecord } from './helpers.mjs';

let redis;
let client;

before(async () => {
  redis = await startRedis({ appendfsync: 'always' });
  client = reader();
});

after(async () => {
  client?.disconnect();
  await redis?.stop();
});

/** The test's own client (ioredis); its reconnect noise during the outage is expected. */
function reader() {
  const c = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: null });
  c.on('error', () => {});
  return c;
}

/** Reads a whole stream: id → copies; verifies every record. */
async function readBack(stream) {
  const seen = new Map();
  let start = '-';
  for (;;) {
    const page = await client.xrange(stream, start, '+', 'COUNT', 5000);
    for (const [, flat] of page) {
      const fields = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
      const id = verifyRecord(rw, fields.body, fields);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    if (page.length < 5000) return seen;
    start = `(${page.at(-1)[0]}`;
  }
}

function sink(stream, extra = {}) {
  return { type: 'redis', name: 'redis', url: redis.url, stream, secret: SECRET, events: '*', concurrency: 64, maxLen: 0, ...extra };
}

test('10,000 events land in the stream once each, with verifiable signatures', { timeout: 120_000 }, async () => {
  const dead = [];
  const delivery = rw.createDelivery({ sinks: [sink('rw-10k')], dlq: (d) => dead.push(d) });
  const started = Date.now();
  await sendEvents(delivery, 10_000, { pauseMs: 0 });
  const stats = await delivery.drain(60_000);
  const seen = await readBack('rw-10k');
  const { duplicates } = assertAccounted({ stats, count: 10_000, seen, dead, label: 'redis' });
  assert.equal(stats.delivered, 10_000);
  assert.equal(seen.size, 10_000);
  assert.equal(duplicates, 0);
  const [[, first]] = await client.xrange('rw-10k', '-', '+', 'COUNT', 1);
  assert.deepEqual(first.filter((_, i) => i % 2 === 0), ['id', 'type', 'event', 'run_id', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'body']);
  console.log(`# redis: 10,000 events in ${Date.now() - started} ms`);
  await delivery.close(1_000);
});

test('batch: one pipeline of XADDs per engine batch, each event its own verifiable entry, runs in order', { timeout: 60_000 }, async () => {
  const dead = [];
  const delivery = rw.createDelivery({
    sinks: [sink('rw-batch', { ordering: 'run', batch: { maxEvents: 50, lingerMs: 5 } })],
    dlq: (d) => dead.push(d),
  });
  for (let i = 0; i < 2_000; i += 1) {
    const run = `run-${i % 20}`;
    delivery.send('on_custom_event', run, { event: 'on_custom_event', name: 'progress', run_id: run, data: { i } });
  }
  const stats = await delivery.drain(30_000);
  assert.equal(stats.delivered, 2_000);
  assert.equal(dead.length, 0);
  const entries = await client.xrange('rw-batch', '-', '+');
  assert.equal(entries.length, 2_000, 'one entry per event, not one per batch');
  const lastByRun = new Map();
  for (const [, flat] of entries) {
    const fields = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    verifyRecord(rw, fields.body, fields);
    const { i } = JSON.parse(fields.body).data.data;
    assert.ok(i > (lastByRun.get(fields.run_id) ?? -1), `${fields.run_id}: emit order`);
    lastByRun.set(fields.run_id, i);
  }
  assert.ok(stats.attempts < 2_000 / 5, `batched: ${stats.attempts} attempts for 2,000 events`);
  await delivery.close(1_000);
});

test('MAXLEN ~ bounds the stream', async () => {
  const delivery = rw.createDelivery({ sinks: [sink('rw-maxlen', { maxLen: 1000 })], dlq: () => {} });
  await sendEvents(delivery, 5_000, { pauseMs: 0 });
  const stats = await delivery.drain(30_000);
  assert.equal(stats.delivered, 5_000);
  const length = await client.xlen('rw-maxlen');
  assert.ok(length >= 1000 && length < 5_000, `approximately trimmed: ${length}`);
  await delivery.close(1_000);
});

test('CLIENT KILL and a server killed and restarted 6 s later: nothing accepted is lost', { timeout: 120_000 }, async () => {
  const dead = [];
  const failed = [];
  const delivery = rw.createDelivery({
    sinks: [sink('rw-fault', { retryDelaysMs: [100, 500, 1000, 2000, 3000, 4000, 4000], timeoutMs: 2000 })],
    dlq: (d) => dead.push(d),
    hooks: { onAttemptFailed: (e) => failed.push(e) },
  });
  let restarted;
  await sendEvents(delivery, 10_000, {
    slices: 40,
    pauseMs: 20,
    between: async (slice) => {
      if (slice === 8) {
        const killer = new Redis(redis.port, '127.0.0.1');
        const killed = await killer.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
        killer.disconnect();
        assert.ok(killed >= 1, 'the sink had a connection to kill');
      }
      if (slice === 20) {
        await redis.kill();
        restarted = sleep(6_000).then(() => redis.start());
      }
    },
  });
  await restarted;
  const stats = await delivery.drain(60_000);
  client.disconnect();
  client = reader();
  const seen = await readBack('rw-fault');
  const summary = assertAccounted({ stats, count: 10_000, seen, dead, label: 'redis fault' });
  assert.ok(failed.some((e) => /^connection/.test(e.error ?? '')), 'the outage was seen as connection failures');
  assert.equal(stats.dead_lettered, 0, `all retried through the outage: ${JSON.stringify(summary.deadReasons)}`);
  console.log(`# redis fault: delivered ${stats.delivered}, dead ${stats.dead_lettered}, attempts ${stats.attempts}, `
    + `failed attempts ${failed.length} (${JSON.stringify(countBy(failed, (e) => (e.error ?? '').split(':')[0]))}), duplicates ${summary.duplicates}`);
  await delivery.close(1_000);
});

test('bad config: typed error at creation where knowable, a DLQ reason otherwise', { timeout: 60_000 }, async () => {
  assert.throws(() => rw.createDelivery({ sinks: [{ type: 'redis', url: 'http://127.0.0.1:1', stream: 's' }] }),
    (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT' && /redis:\/\/ or rediss:\/\//.test(e.message));
  assert.throws(() => rw.createDelivery({ sinks: [{ type: 'redis', url: 'redis://127.0.0.1:1' }] }),
    (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT' && /stream is required/.test(e.message));
  assert.throws(() => rw.createDelivery({ sinks: [{ type: 'rabbitmq', url: 'amqp://x' }] }),
    (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT');

  const secured = await startRedis({ args: ['--requirepass', 'right-password'] });
  try {
    await client.set('not-a-stream', 'x');
    const dead = [];
    const delivery = rw.createDelivery({
      sinks: [
        sink('s', { name: 'wrongpass', url: `redis://:wrong-password@127.0.0.1:${secured.port}`, retryDelaysMs: [10] }),
        sink('s', { name: 'acl', url: `redis://127.0.0.1:${secured.port}`, password: 'right-password', retryDelaysMs: [10] }),
        sink('not-a-stream', { name: 'wrongtype', retryDelaysMs: [10] }),
        sink('not-a-stream', { name: 'wrongtype-batch', retryDelaysMs: [10], batch: { maxEvents: 10, lingerMs: 1 } }),
        sink('s', { name: 'unreachable', url: 'redis://127.0.0.1:1', retryDelaysMs: [10, 10], timeoutMs: 500 }),
      ],
      dlq: (d) => dead.push(d),
    });
    delivery.send('on_custom_event', 'run-x', { event: 'on_custom_event', name: 'p', data: {} });
    const stats = await delivery.drain(20_000);
    const by = Object.fromEntries(dead.map((d) => [d.sink, d]));
    assert.equal(stats.sinks.find((s) => s.name === 'acl').delivered, 1, 'ACL password option works');
    assert.equal(by.wrongpass.reason, 'rejected');
    assert.match(by.wrongpass.attempts[0].error, /^auth: /);
    assert.equal(by.wrongpass.attempts.length, 1, 'bad credentials are not retried');
    assert.equal(by.wrongtype.reason, 'rejected');
    assert.match(by.wrongtype.attempts[0].error, /^unknown_topic: WRONGTYPE/);
    assert.equal(by['wrongtype-batch'].reason, 'rejected', 'a pipeline failure classifies like a single XADD');
    assert.match(by['wrongtype-batch'].attempts[0].error, /^unknown_topic: WRONGTYPE/);
    assert.equal(by.unreachable.reason, 'exhausted');
    assert.match(by.unreachable.attempts[0].error, /^(connection|timeout): /);
    assert.equal(by.unreachable.attempts.length, 3);
    const text = JSON.stringify(dead);
    assert.ok(!text.includes('wrong-password') && !text.includes('right-password'), 'no credentials in dead letters');
    await delivery.close(1_000);
  } finally {
    await secured.stop();
  }
});
