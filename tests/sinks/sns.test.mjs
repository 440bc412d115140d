/**
 * SNS sink against moto (started here, SigV4 signatures checked): events published
 * (PublishBatch under load) and read back through a raw-delivery SQS subscription, verified;
 * 10,000 events read back (drainQueue keeps moto's queue near empty: moto rescans the whole
 * queue on every send and receive); FIFO attributes; throttling, 5xx and a 6 s outage injected
 * by a fault proxy (1,000 events); bad
 * configuration (typed errors at creation, DLQ reasons otherwise).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rw from 'runwire';
import { startMoto } from '../support/services.mjs';
import { SECRET, assertAccounted, countBy, sendEvents, sleep, verifyRecord } from './helpers.mjs';
import { bootstrapCredentials, clients, drainQueue, startFaultProxy, topicWithQueue } from './sns-support.mjs';

const COUNT = 10_000;
/** The fault test's count: its outage and retries are what it measures, not volume. */
const FAULT_COUNT = 1_000;
let moto;
let credentials;
let aws;

before(async () => {
  moto = await startMoto();
  credentials = await bootstrapCredentials(moto.endpoint);
  aws = clients(moto.endpoint, credentials);
});

after(async () => {
  await moto?.stop();
});

function sink(topicArn, extra = {}) {
  return { type: 'sns', name: 'sns', topicArn, endpoint: moto.endpoint, credentials, secret: SECRET, events: '*', concurrency: 64, ...extra };
}

function tally(messages) {
  const seen = new Map();
  for (const m of messages) {
    const id = verifyRecord(rw, m.body, m.attributes);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

test(`${COUNT} events published and read back once each through SQS, verifiable`, { timeout: 300_000 }, async () => {
  const { topicArn, queueUrl } = await topicWithQueue(aws, 'rw-10k');
  const reader = drainQueue(aws, queueUrl, { readers: 4 });
  const dead = [];
  // moto rescans its whole queue for every message it sends or receives, so the test keeps the
  // queue short: 4 publishers, and a new slice only when fewer than 40 published events are
  // still unread. This paces moto, not runwire (the fault test and bench/sinks run at full speed).
  const delivery = rw.createDelivery({ sinks: [sink(topicArn, { concurrency: 4 })], dlq: (d) => dead.push(d) });
  const started = Date.now();
  await sendEvents(delivery, COUNT, {
    slices: COUNT / 100,
    pauseMs: 0,
    between: async () => {
      while (delivery.stats().delivered - reader.messages.length > 40) await sleep(10);
    },
  });
  const stats = await delivery.drain(240_000);
  const elapsed = Date.now() - started;
  const messages = await reader.stop();
  const seen = tally(messages);
  assertAccounted({ stats, count: COUNT, seen, dead, label: 'sns' });
  assert.equal(stats.delivered, COUNT);
  assert.equal(stats.attempts, COUNT, 'each event published once');
  assert.equal(seen.size, COUNT);
  // Each event is one SQS message. SQS is at-least-once: a message it hands out twice (seen
  // with moto's concurrent receives) has the same MessageId both times and is a redelivery of
  // the queue, not a second publish — a receiver dedupes either on webhook-id.
  const messageIds = new Map();
  for (const m of messages) {
    const id = verifyRecord(rw, m.body, m.attributes);
    if (!messageIds.has(id)) messageIds.set(id, new Set());
    messageIds.get(id).add(m.messageId);
  }
  assert.deepEqual([...messageIds.values()].filter((ids) => ids.size !== 1).length, 0, 'an event published as two SQS messages');
  const redelivered = messages.length - COUNT;
  console.log(`# sns: ${COUNT} events in ${elapsed} ms (${Math.round((COUNT * 1000) / elapsed)} events/s through moto + SQS, paced), attempts ${stats.attempts}, SQS redeliveries ${redelivered}`);
  await delivery.close(1_000);
});

test('FIFO topics: MessageGroupId = root run id, MessageDeduplicationId = event id', { timeout: 60_000 }, async () => {
  const { topicArn, queueUrl } = await topicWithQueue(aws, 'rw-fifo', { fifo: true });
  const reader = drainQueue(aws, queueUrl);
  const delivery = rw.createDelivery({ sinks: [sink(topicArn)], dlq: () => {} });
  await sendEvents(delivery, 50, { slices: 1, root: (i) => `root-${i % 3}` });
  const stats = await delivery.drain(30_000);
  assert.equal(stats.delivered, 50);
  const messages = await reader.stop();
  assert.equal(tally(messages).size, 50);
  for (const m of messages) {
    const i = Number(m.attributes.run_id.slice(4));
    assert.equal(m.system.MessageGroupId, `root-${i % 3}`);
    assert.equal(m.system.MessageDeduplicationId, m.attributes.id);
  }
  await delivery.close(1_000);
});

test('batch: engine batches go out as PublishBatch calls, each event its own message, FIFO groups in order', { timeout: 120_000 }, async () => {
  const { topicArn, queueUrl } = await topicWithQueue(aws, 'rw-batch', { fifo: true });
  const reader = drainQueue(aws, queueUrl, { readers: 1 });
  const delivery = rw.createDelivery({ sinks: [sink(topicArn, { ordering: 'run', concurrency: 4, batch: { maxEvents: 25, lingerMs: 5 } })], dlq: () => {} });
  for (let i = 0; i < 200; i += 1) {
    const run = `run-${i % 4}`;
    delivery.send('on_custom_event', run, { event: 'on_custom_event', name: 'progress', run_id: run, data: { i } });
  }
  const stats = await delivery.drain(60_000);
  assert.equal(stats.delivered, 200);
  assert.ok(stats.attempts <= 200 / 5, `batched: ${stats.attempts} attempts`);
  const messages = await reader.stop();
  assert.equal(tally(messages).size, 200, 'one verifiable message per event');
  const last = new Map();
  for (const m of messages) {
    assert.equal(m.system.MessageGroupId, m.attributes.run_id);
    const { i } = JSON.parse(m.body).data.data;
    assert.ok(i > (last.get(m.attributes.run_id) ?? -1), `${m.attributes.run_id}: emit order in its FIFO group`);
    last.set(m.attributes.run_id, i);
  }
  await delivery.close(1_000);
});

test('throttling, 5xx and a 6 s outage through a fault proxy: nothing accepted is lost', { timeout: 300_000 }, async () => {
  const { topicArn, queueUrl } = await topicWithQueue(aws, 'rw-fault');
  const proxy = await startFaultProxy(moto.endpoint, (n) => {
    const c = (n * 7919) % 100;
    if (c < 15) return { status: 400, code: 'Throttling' };
    if (c < 20) return { status: 500, code: 'InternalError' };
    if (c < 25) return { status: 503, code: 'ServiceUnavailable' };
    return null;
  });
  const reader = drainQueue(aws, queueUrl);
  const dead = [];
  const failed = [];
  try {
    const delivery = rw.createDelivery({
      sinks: [sink(topicArn, { endpoint: proxy.endpoint, retryDelaysMs: [100, 500, 1000, 2000, 3000, 4000, 4000, 5000, 5000], timeoutMs: 10_000 })],
      dlq: (d) => dead.push(d),
      hooks: { onAttemptFailed: (e) => failed.push(e) },
    });
    let outage;
    await sendEvents(delivery, FAULT_COUNT, {
      slices: 20,
      pauseMs: 20,
      between: (slice) => {
        if (slice === 8) outage = proxy.down(6_000);
      },
    });
    await outage;
    const stats = await delivery.drain(240_000);
    const seen = tally(await reader.stop());
    const summary = assertAccounted({ stats, count: FAULT_COUNT, seen, dead, label: 'sns fault' });
    const classes = countBy(failed, (e) => (e.error ?? '').split(':')[0]);
    assert.ok(classes.throttled > 0 && classes.unavailable > 0 && classes.connection > 0, JSON.stringify(classes));
    // moto (Python) shares two loaded cores with the suite: an attempt may still exhaust its
    // schedule. Whatever is dead-lettered must be so for a transient reason, with its attempts.
    for (const letter of dead) {
      assert.equal(letter.reason, 'exhausted', JSON.stringify(letter.attempts));
      assert.ok(letter.attempts.every((a) => /^(throttled|unavailable|connection|timeout): /.test(a.error ?? '')), JSON.stringify(letter.attempts));
    }
    assert.ok(stats.delivered >= FAULT_COUNT * 0.99, `retried through the faults: ${JSON.stringify(summary.deadReasons)}`);
    console.log(`# sns fault: delivered ${stats.delivered}, dead ${stats.dead_lettered} (also read back: ${summary.both}), attempts ${stats.attempts}, `
      + `injected ${JSON.stringify(proxy.counts)}, failed attempts ${JSON.stringify(classes)}, duplicates ${summary.duplicates}`);
    await delivery.close(1_000);
  } finally {
    await proxy.stop();
  }
});

test('bad config: typed error at creation where knowable, a DLQ reason otherwise', { timeout: 60_000 }, async () => {
  const { topicArn } = await topicWithQueue(aws, 'rw-bad');
  assert.throws(() => rw.createDelivery({ sinks: [sink('arn:aws:sqs:us-east-1:1:q')] }),
    (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT' && /topicArn/.test(e.message));
  assert.throws(() => rw.createDelivery({ sinks: [sink(topicArn, { endpoint: 'ftp://127.0.0.1' })] }),
    (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT' && /endpoint/.test(e.message));
  const saved = { ...process.env };
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  try {
    assert.throws(() => rw.createDelivery({ sinks: [sink(topicArn, { credentials: undefined })] }),
      (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT' && /credentials are required/.test(e.message));
    process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    const fromEnv = rw.createDelivery({ sinks: [sink(topicArn, { credentials: undefined })], dlq: () => {} });
    fromEnv.send('on_custom_event', 'run-env', { event: 'on_custom_event', name: 'p', data: {} });
    assert.equal((await fromEnv.drain(10_000)).delivered, 1, 'credentials from the environment');
    await fromEnv.close(1_000);
  } finally {
    process.env = saved;
  }
  const dead = [];
  const delivery = rw.createDelivery({
    sinks: [
      sink(topicArn, { name: 'wrong-secret', credentials: { ...credentials, secretAccessKey: 'not-the-secret' }, retryDelaysMs: [10] }),
      sink(`${topicArn}-missing`, { name: 'missing', retryDelaysMs: [10] }),
      sink(topicArn, { name: 'unreachable', endpoint: 'http://127.0.0.1:1', retryDelaysMs: [10, 10], timeoutMs: 500 }),
    ],
    dlq: (d) => dead.push(d),
  });
  delivery.send('on_custom_event', 'run-x', { event: 'on_custom_event', name: 'p', data: {} });
  const stats = await delivery.drain(20_000);
  assert.equal(stats.dead_lettered, 3);
  const by = Object.fromEntries(dead.map((d) => [d.sink, d]));
  assert.equal(by['wrong-secret'].reason, 'rejected');
  assert.match(by['wrong-secret'].attempts[0].error, /^auth: /);
  assert.equal(by.missing.reason, 'rejected');
  assert.match(by.missing.attempts[0].error, /^unknown_topic: /);
  assert.equal(by.unreachable.reason, 'exhausted');
  assert.match(by.unreachable.attempts[0].error, /^connection: /);
  assert.ok(!JSON.stringify(dead).includes('not-the-secret') && !JSON.stringify(dead).includes(credentials.secretAccessKey));
  console.log(`# sns bad config: ${dead.map((d) => `${d.sink}: ${d.reason} (${d.attempts[0].error})`).join('; ')}`);
  await delivery.close(1_000);
});
