/**
 * Fan-out isolation: one delivery with a webhook, Redis Streams, Kafka and SNS sink, where one
 * sink is down — a Redis address that accepts connections and never answers (every attempt
 * waits out its timeout, the worst case for a shared pool). The healthy sinks must deliver
 * everything at the pace they have without the dead one; measured against (a) each sink alone,
 * (b) the same five-sink fan-out with the fifth sink healthy, and (c) each fast sink alone
 * against the same sink beside the dead one, in the same process and run. The ratios are
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

// Small: SNS through moto + SQS runs at ≈ 100 events/s here.
const N = 400;
const ROUNDS = 5;
let redis;
let kafka;
let moto;
let receiver;
let blackhole;
let aws;
let credentials;
let topics = 0;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
    // The fifth sink of the all-healthy fan-out: the dead one's options, a live address. Both
    // fan-outs then hand each event to five sinks, and only the fifth sink's health differs.
    up: {
      type: 'redis', name: 'up', url: redis.url, stream: `${topic}-fifth`, secret: SECRET, events: '*',
      concurrency: 16, timeoutMs: 1_000, retryDelaysMs: [1_000, 1_000],
    },
  };
}

/** Sends `count` events and returns ms until each named sink delivered them all (polling stats). */
async function timeToDeliver(config, names, count = N) {
  const delivery = rw.createDelivery({ sinks: config, dlq: () => {} });
  const started = performance.now();
  await sendEvents(delivery, count, { slices: 1, pauseMs: 0 });
  const done = {};
  const deadline = Date.now() + 120_000;
  while (Object.keys(done).length < names.length && Date.now() < deadline) {
    const { sinks: lines } = delivery.stats();
    for (const line of lines) {
      if (names.includes(line.name) && done[line.name] === undefined && line.delivered === count) done[line.name] = performance.now() - started;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const stats = delivery.stats();
  return { done, stats, delivery };
}

/**
 * `ROUNDS` rounds each of `measure(false)` (every sink healthy) and `measure(true)` (one down),
 * alternating which goes first, after one unmeasured `measure(false)`: `{ healthy, down }`, the
 * results in order. Runs of a few tens of ms swing with the scheduler (with 3 rounds the
 * webhook's fan-out ratio still ranged 58–98 % across runs of one build), and a process's first
 * rounds run slower (7-round probes: the webhook at 110–120 ms in rounds 1–3, 52–87 ms after),
 * so both tests compare medians of warmed-up rounds.
 */
async function alternating(measure) {
  await measure(false);
  const rounds = { healthy: [], down: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const withDown of round % 2 === 0 ? [false, true] : [true, false]) {
      rounds[withDown ? 'down' : 'healthy'].push(await measure(withDown));
    }
  }
  return rounds;
}

/**
 * The assertion's loose floor for a shared 2-core CI (the 20 % target is what the tests print):
 * blocking behind the dead sink would cost at least its 1 s attempt timeout, so under 250 ms
 * slower is not blocking, whatever the ratio.
 */
const notBlocked = (baselineMs, measuredMs) => baselineMs / measuredMs >= 0.5 || measuredMs - baselineMs < 250;

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
    const config = [...healthy.map((name) => s[name]), withDown ? s.down : s.up];
    const result = await timeToDeliver(config, healthy);
    const down = result.stats.sinks.find((line) => line.name === 'down');
    await result.delivery.close(withDown ? 1_000 : 10_000);
    await reader.stop();
    return { ...result, down };
  };
  const rounds = await alternating(async (withDown) => {
    const result = await run(withDown);
    for (const name of healthy) assert.ok(result.done[name] > 0, `${name} delivered all ${N}${withDown ? ' while one sink was down' : ''}`);
    if (withDown) assert.ok(result.down.pending > 0 && result.down.delivered === 0, 'the dead sink was still busy when the others had finished');
    return result.done;
  });
  const lines = healthy.map((name) => {
    const allHealthy = median(rounds.healthy.map((done) => done[name]));
    const oneDown = median(rounds.down.map((done) => done[name]));
    return { name, alone: alone[name], allHealthy, oneDown, vsAlone: alone[name] / oneDown, vsHealthy: allHealthy / oneDown };
  });
  for (const l of lines) {
    console.log(`# fan-out ${l.name}: ${N} events alone ${Math.round(l.alone)} ms, fan-out all healthy ${Math.round(l.allHealthy)} ms, `
      + `fan-out one down ${Math.round(l.oneDown)} ms (medians of ${ROUNDS}) `
      + `→ throughput ${(l.vsAlone * 100).toFixed(0)}% of alone, ${(l.vsHealthy * 100).toFixed(0)}% of all-healthy fan-out`);
    assert.ok(notBlocked(l.allHealthy, l.oneDown), `${l.name} slowed by the dead sink: ${JSON.stringify(l)}`);
  }
});

// The same question without the other healthy sinks competing for the 2 cores: each fast sink
// alone, then alone beside the dead sink. (SNS is left out: moto + SQS pace it at ≈ 100
// events/s, and the fan-out test above covers it.)
test('beside a dead sink, each healthy sink keeps the pace it has alone (webhook, Redis, Kafka)', { timeout: 300_000 }, async () => {
  const COUNT = 2_000;
  for (const name of ['webhook', 'redis', 'kafka']) {
    const times = await alternating(async (withDown) => {
      const s = await sinks();
      const { done, stats, delivery } = await timeToDeliver(withDown ? [s[name], s.down] : [s[name]], [name], COUNT);
      assert.ok(done[name] > 0, `${name} delivered all ${COUNT}${withDown ? ' beside the dead sink' : ' alone'}`);
      if (withDown) {
        const down = stats.sinks.find((line) => line.name === 'down');
        assert.ok(down.pending > 0 && down.delivered === 0, 'the dead sink was still busy when the healthy one had finished');
      }
      await delivery.close(withDown ? 1_000 : 10_000);
      return done[name];
    });
    const alone = median(times.healthy);
    const beside = median(times.down);
    console.log(`# beside a dead sink, ${name}: ${COUNT} events alone ${times.healthy.map(Math.round).join(' / ')} ms, `
      + `beside the dead sink ${times.down.map(Math.round).join(' / ')} ms → throughput ${((alone / beside) * 100).toFixed(0)}% of alone (medians of ${ROUNDS})`);
    assert.ok(notBlocked(alone, beside), `${name} slowed by the dead sink: ${JSON.stringify(times)}`);
  }
});
