/**
 * Fan-out isolation: one delivery with a webhook, Redis Streams, Kafka and SNS sink, where one
 * sink is down — a Redis address that accepts connections and never answers (every attempt
 * waits out its timeout, the worst case for a shared pool). The healthy sinks must deliver
 * everything at the pace they have without the dead one; measured against (a) each sink alone
 * and (b) the same fan-out with every sink healthy, in the same process and run. The ratios are
 * printed (BENCHMARKS.md records a run); the assertion is loose because CI machines are shared,
 * the isolation itself (all healthy deliveries done while the dead sink still has work) is exact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as rw from 'runwire';
import { startFaultServer } from '../support/fault-server.mjs';
import { startKafka, startMoto, startRedis } from '../support/services.mjs';
import { SECRET, sendEvents } from './helpers.mjs';
import { createTopic } from './kafka-support.mjs';
import { bootstrapCredentials, clients, drainQueue, topicWithQueue } from './sns-support.mjs';

// Small: SNS through moto + SQS runs at ≈ 50 events/s here.
const N = 400;
let redis;
let kafka;
let moto;
let receiver;
let blackhole;
let aws;
let credentials;
let topics = 0;

before(async () => {
  [redis, kafka, moto, receiver] = await Promise.all([startRedis(), startKafka(), startMoto(), startFaultServer({ secret: SECRET })]);
  credentials = await bootstrapCredentials(moto.endpoint);
  aws = clients(moto.endpoint, credentials);
  const held = new Set();
  blackhole = createServer((socket) => {
    held.add(socket);
    socket.on('error', () => {});
  });
  blackhole.held = held;
  await new Promise((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  for (const s of blackhole?.held ?? []) s.destroy();
  await new Promise((resolve) => (blackhole ? blackhole.close(resolve) : resolve()));
  await Promise.all([redis?.stop(), kafka?.stop(), moto?.stop(), receiver?.close()]);
});

async function sinks() {
  topics += 1;
  const topic = `fan-${topics}`;
  await createTopic(kafka.brokers, topic, 3);
  const { topicArn, queueUrl } = await topicWithQueue(aws, `fan-${topics}`);
  return {
    queueUrl,
    webhook: { name: 'webhook', url: receiver.url('/ok'), secret: SECRET, events: '*', concurrency: 64, urlPolicy: { profile: 'dev' } },
    redis: { type: 'redis', name: 'redis', url: redis.url, stream: topic, secret: SECRET, events: '*', concurrency: 64 },
    kafka: { type: 'kafka', name: 'kafka', brokers: kafka.brokers, topic, secret: SECRET, events: '*', concurrency: 128 },
    sns: { type: 'sns', name: 'sns', topicArn, endpoint: moto.endpoint, credentials, secret: SECRET, events: '*', concurrency: 64 },
    down: {
      type: 'redis', name: 'down', url: `redis://127.0.0.1:${blackhole.address().port}`, stream: 's', events: '*',
      concurrency: 16, timeoutMs: 1_000, retryDelaysMs: [1_000, 1_000],
    },
  };
}

/** Sends N events and returns ms until each named sink delivered all N (polling stats). */
async function timeToDeliver(config, names) {
  const delivery = rw.createDelivery({ sinks: config, dlq: () => {} });
  const started = performance.now();
  await sendEvents(delivery, N, { slices: 1, pauseMs: 0 });
  const done = {};
  const deadline = Date.now() + 120_000;
  while (Object.keys(done).length < names.length && Date.now() < deadline) {
    const { sinks: lines } = delivery.stats();
    for (const line of lines) {
      if (names.includes(line.name) && done[line.name] === undefined && line.delivered === N) done[line.name] = performance.now() - started;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const stats = delivery.stats();
  return { done, stats, delivery };
}

test('one sink down does not slow the others (webhook + Redis + Kafka + SNS)', { timeout: 600_000 }, async () => {
  const healthy = ['webhook', 'redis', 'kafka', 'sns'];
  const alone = {};
  for (const name of healthy) {
    const s = await sinks();
    const reader = name === 'sns' ? drainQueue(aws, s.queueUrl) : null;
    const { done, delivery } = await timeToDeliver([s[name]], [name]);
    alone[name] = done[name];
    await delivery.close(10_000);
    await reader?.stop();
    assert.ok(alone[name] > 0, `${name} delivered all alone`);
  }
  const run = async (withDown) => {
    const s = await sinks();
    const reader = drainQueue(aws, s.queueUrl);
    const config = healthy.map((name) => s[name]);
    if (withDown) config.push(s.down);
    const result = await timeToDeliver(config, healthy);
    const down = result.stats.sinks.find((line) => line.name === 'down');
    await result.delivery.close(withDown ? 1_000 : 10_000);
    await reader.stop();
    return { ...result, down };
  };
  const allHealthy = await run(false);
  const oneDown = await run(true);

  for (const name of healthy) assert.ok(oneDown.done[name] > 0, `${name} delivered all ${N} while one sink was down`);
  assert.ok(oneDown.down.pending > 0 && oneDown.down.delivered === 0, 'the dead sink was still busy when the others had finished');
  const lines = healthy.map((name) => {
    const vsAlone = alone[name] / oneDown.done[name];
    const vsHealthy = allHealthy.done[name] / oneDown.done[name];
    return { name, alone: Math.round(alone[name]), allHealthy: Math.round(allHealthy.done[name]), oneDown: Math.round(oneDown.done[name]), vsAlone, vsHealthy };
  });
  for (const l of lines) {
    console.log(`# fan-out ${l.name}: ${N} events alone ${l.alone} ms, fan-out all healthy ${l.allHealthy} ms, fan-out one down ${l.oneDown} ms `
      + `→ throughput ${(l.vsAlone * 100).toFixed(0)}% of alone, ${(l.vsHealthy * 100).toFixed(0)}% of all-healthy fan-out`);
    // Shared 2-core CI: a loose floor against gross blocking; the 20% target is measured above.
    // Runs of a few tens of ms swing by a scheduler hiccup (redis: 33 vs 83 ms once), while
    // blocking behind the dead sink would cost at least its 1 s attempt timeout: under 250 ms
    // slower is not blocking, whatever the ratio.
    assert.ok(l.vsHealthy >= 0.5 || l.oneDown - l.allHealthy < 250, `${l.name} slowed by the dead sink: ${JSON.stringify(l)}`);
  }
});
