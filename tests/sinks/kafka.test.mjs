/**
 * Kafka sink against a real Kafka-protocol broker (tansu, started here): 10,000 events read back
 * with kafkajs and verified (key = root run id, one partition per root); the broker's
 * connections cut through a TCP proxy for 6 s (full no-loss test) and the broker killed and
 * restarted 6 s later (tansu's wheel keeps topics in memory: what was acknowledged before the
 * restart is counted separately); bad configuration.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as rw from 'runwire';
import { startKafka, startTcpProxy } from '../support/services.mjs';
import { SECRET, assertAccounted, countBy, sendEvents, sleep, verifyRecord } from './helpers.mjs';
import { createTopic, readTopic } from './kafka-support.mjs';
import { RunnableLambda } from '@langchain/core/runnables';
import { dispatchCustomEvent } from '@langchain/core/callbacks/dispatch';

let kafka;
let proxy;

before(async () => {
  let target = null;
  proxy = await startTcpProxy(() => target);
  kafka = await startKafka({ advertisedPort: proxy.port });
  target = `127.0.0.1:${kafka.port}`;
});

after(async () => {
  await proxy?.stop();
  await kafka?.stop();
});

const root = (i) => `root-${i % 7}`;

function sink(topic, extra = {}) {
  return { type: 'kafka', name: 'kafka', brokers: kafka.brokers, topic, secret: SECRET, events: '*', concurrency: 128, ...extra };
}

function tally(records) {
  const seen = new Map();
  for (const r of records) {
    const id = verifyRecord(rw, r.value, r.headers);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return seen;
}

test('10,000 events read back once each, keyed by root run, verifiable', { timeout: 180_000 }, async () => {
  await createTopic(kafka.brokers, 'rw-10k', 3);
  const dead = [];
  const delivery = rw.createDelivery({ sinks: [sink('rw-10k')], dlq: (d) => dead.push(d) });
  const started = Date.now();
  await sendEvents(delivery, 10_000, { pauseMs: 0, root });
  const stats = await delivery.drain(60_000);
  const elapsed = Date.now() - started;
  const records = await readTopic(kafka.brokers, 'rw-10k', { expected: 10_000 });
  const seen = tally(records);
  const { duplicates } = assertAccounted({ stats, count: 10_000, seen, dead, label: 'kafka' });
  assert.equal(stats.delivered, 10_000);
  assert.equal(seen.size, 10_000);
  assert.equal(duplicates, 0);
  const partitionsByKey = new Map();
  for (const r of records) {
    assert.equal(r.key, root(Number(r.headers.run_id.slice(4))), 'key = root run id');
    (partitionsByKey.get(r.key) ?? partitionsByKey.set(r.key, new Set()).get(r.key)).add(r.partition);
  }
  for (const [key, partitions] of partitionsByKey) assert.equal(partitions.size, 1, `${key} stays on one partition`);
  assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'roots spread over partitions');
  console.log(`# kafka: 10,000 events in ${elapsed} ms over ${new Set(records.map((r) => r.partition)).size} partitions`);
  await delivery.close(1_000);
});

test('LangChain handler: a nested run\'s events are keyed by the root run (one partition per agent run)', { timeout: 120_000 }, async () => {
  await createTopic(kafka.brokers, 'rw-handler', 3);
  const handler = rw.createWebhookHandler({ sinks: [sink('rw-handler', { events: ['on_custom_event', 'on_tool_end'] })] });
  const inner = RunnableLambda.from(async (step) => {
    await dispatchCustomEvent('progress', { step });
    return step;
  }).withConfig({ runName: 'inner' });
  const outer = RunnableLambda.from(async (n, config) => {
    for (let step = 0; step < 3; step += 1) await inner.invoke(step, config);
    return n;
  }).withConfig({ runName: 'agent' });
  const rootIds = [];
  for (let n = 0; n < 8; n += 1) {
    await outer.invoke(n, { callbacks: [handler, { handleChainStart: (_c, _i, runId, parentRunId) => { if (!parentRunId) rootIds.push(runId); } }] });
  }
  const stats = await handler.delivery.drain(30_000);
  assert.equal(stats.delivered, 24);
  const records = await readTopic(kafka.brokers, 'rw-handler', { expected: 24 });
  assert.equal(records.length, 24);
  const byKey = new Map();
  for (const r of records) {
    assert.notEqual(r.key, r.headers.run_id, 'keyed by the root, not the inner run that dispatched');
    (byKey.get(r.key) ?? byKey.set(r.key, []).get(r.key)).push(r);
  }
  assert.deepEqual([...byKey.keys()].sort(), [...rootIds].sort(), 'one key per root run');
  for (const [key, group] of byKey) {
    assert.equal(group.length, 3, `${key}: its three events`);
    assert.equal(new Set(group.map((r) => r.partition)).size, 1, `${key} stays on one partition`);
  }
  await handler.delivery.close(1_000);
});

test('batch: each event its own keyed record, a run in order on its partition', { timeout: 120_000 }, async () => {
  await createTopic(kafka.brokers, 'rw-batch', 3);
  const delivery = rw.createDelivery({ sinks: [sink('rw-batch', { ordering: 'run', batch: { maxEvents: 50, lingerMs: 5 } })], dlq: () => {} });
  for (let i = 0; i < 1_000; i += 1) {
    const run = `run-${i % 10}`;
    delivery.send('on_custom_event', run, { event: 'on_custom_event', name: 'progress', run_id: run, data: { i } });
  }
  const stats = await delivery.drain(60_000);
  assert.equal(stats.delivered, 1_000);
  const records = await readTopic(kafka.brokers, 'rw-batch', { expected: 1_000 });
  assert.equal(tally(records).size, 1_000, 'one verifiable record per event');
  const last = new Map();
  for (const r of records.sort((a, b) => a.partition - b.partition)) {
    assert.equal(r.key, r.headers.run_id);
    const { i } = JSON.parse(r.value).data.data;
    assert.ok(i > (last.get(r.key) ?? -1), `${r.key}: emit order on its partition`);
    last.set(r.key, i);
  }
  assert.ok(stats.attempts < 1_000 / 5, `batched: ${stats.attempts} attempts`);
  await delivery.close(1_000);
});

test('connections cut for 6 s through a proxy: nothing accepted is lost', { timeout: 180_000 }, async () => {
  await createTopic(kafka.brokers, 'rw-cut', 3);
  const dead = [];
  const failed = [];
  const delivery = rw.createDelivery({
    sinks: [sink('rw-cut', { retryDelaysMs: [100, 500, 1000, 2000, 3000, 4000, 4000], timeoutMs: 2000 })],
    dlq: (d) => dead.push(d),
    hooks: { onAttemptFailed: (e) => failed.push(e) },
  });
  let restored;
  await sendEvents(delivery, 10_000, {
    slices: 40,
    pauseMs: 20,
    root,
    between: async (slice) => {
      if (slice === 15) {
        await proxy.cut();
        restored = sleep(6_000).then(() => proxy.restore());
      }
    },
  });
  await restored;
  const stats = await delivery.drain(90_000);
  const seen = tally(await readTopic(kafka.brokers, 'rw-cut', { expected: stats.delivered }));
  const summary = assertAccounted({ stats, count: 10_000, seen, dead, label: 'kafka cut' });
  assert.ok(failed.length > 0, 'the cut was seen');
  assert.equal(stats.dead_lettered, 0, `retried through the cut: ${JSON.stringify(summary.deadReasons)}`);
  console.log(`# kafka cut: delivered ${stats.delivered}, attempts ${stats.attempts}, failed attempts ${failed.length} `
    + `(${JSON.stringify(countBy(failed, (e) => (e.error ?? '').split(':')[0]))}), duplicates ${summary.duplicates}`);
  await delivery.close(1_000);
});

test('broker killed and restarted 6 s later: every event read back, dead-lettered, or acknowledged before the restart', { timeout: 180_000 }, async () => {
  await createTopic(kafka.brokers, 'rw-restart', 3);
  const dead = [];
  const delivery = rw.createDelivery({
    sinks: [sink('rw-restart', { retryDelaysMs: [100, 500, 1000, 2000, 3000, 4000, 4000], timeoutMs: 2000 })],
    dlq: (d) => dead.push(d),
  });
  let restarted;
  let deliveredBeforeKill = 0;
  await sendEvents(delivery, 10_000, {
    slices: 40,
    pauseMs: 20,
    root,
    between: async (slice) => {
      if (slice === 15) {
        await kafka.kill();
        // Acknowledgements the broker sent just before it died may still be on their way
        // through the engine; with the broker gone no new ones can arrive, so let them land
        // before counting what the memory broker took with it.
        await sleep(500);
        deliveredBeforeKill = delivery.stats().delivered;
        restarted = sleep(6_000).then(async () => {
          await kafka.start();
          await createTopic(kafka.brokers, 'rw-restart', 3);
        });
      }
    },
  });
  await restarted;
  const stats = await delivery.drain(90_000);
  const seen = tally(await readTopic(kafka.brokers, 'rw-restart', { expected: stats.delivered - deliveredBeforeKill, idleMs: 5_000 }));
  const summary = assertAccounted({ stats, count: 10_000, seen, dead, allowLost: deliveredBeforeKill, label: 'kafka restart' });
  assert.ok(deliveredBeforeKill > 0 && seen.size > 0);
  console.log(`# kafka restart: acknowledged before the restart ${deliveredBeforeKill} (lost with the memory broker: ${summary.missing}), `
    + `read back after ${seen.size}, dead ${stats.dead_lettered} ${JSON.stringify(summary.deadReasons)}`);
  await delivery.close(1_000);
});

test('bad config: typed error at creation where knowable, a DLQ reason otherwise', { timeout: 60_000 }, async () => {
  for (const [bad, pattern] of [
    [{ brokers: ['localhost'] }, /host:port/],
    [{ brokers: ['kafka://h:9092'] }, /host:port/],
    [{ compression: 'zstd' }, /compression/],
    [{ sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, /mechanism/],
    [{ tls: { ca: 'not a pem' } }, /tls/],
  ]) {
    assert.throws(() => rw.createDelivery({ sinks: [sink('t', bad)] }), (e) => e.code === 'ERR_RUNWIRE_INVALID_ARGUMENT' && pattern.test(e.message), JSON.stringify(bad));
  }
  const dead = [];
  const delivery = rw.createDelivery({
    sinks: [
      sink('no-such-topic', { name: 'missing', retryDelaysMs: [10] }),
      sink('t', { name: 'unreachable', brokers: ['127.0.0.1:1'], retryDelaysMs: [10, 10], timeoutMs: 500 }),
      sink('t', { name: 'sasl', sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'sasl-password' }, retryDelaysMs: [10], timeoutMs: 1000 }),
    ],
    dlq: (d) => dead.push(d),
  });
  delivery.send('on_custom_event', 'run-x', { event: 'on_custom_event', name: 'p', data: {} });
  const stats = await delivery.drain(20_000);
  assert.equal(stats.dead_lettered, 3);
  const by = Object.fromEntries(dead.map((d) => [d.sink, d]));
  assert.equal(by.missing.reason, 'rejected');
  assert.match(by.missing.attempts[0].error, /^unknown_topic: /);
  assert.equal(by.unreachable.reason, 'exhausted');
  assert.match(by.unreachable.attempts[0].error, /^(connection|timeout): /);
  assert.ok(by.sasl.attempts[0].error, 'SASL reached the client and the broker refused it');
  assert.ok(!JSON.stringify(dead).includes('sasl-password'), 'no credentials in dead letters');
  console.log(`# kafka bad config: ${dead.map((d) => `${d.sink}: ${d.reason} (${d.attempts[0].error})`).join('; ')}`);
  await delivery.close(1_000);
});
