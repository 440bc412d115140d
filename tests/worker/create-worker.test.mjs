/**
 * `createWorker` and producer mode as a library, with a real redis-server: workers sign and send
 * the producer's exact body bytes with its ids; `deliverTo` picks worker sinks; a dead consumer's
 * entries are reclaimed after `claimIdleMs`, while a live worker's slow deliveries are never
 * taken from it; options are checked with coded errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rw from 'runwire';
import { useRedis, waitFor } from './support.mjs';

const fixture = useRedis();

/** A send-function sink recording what it got. */
function recorder(name, { delayMs = 0 } = {}) {
  const got = [];
  return {
    got,
    sink: {
      name,
      events: '*',
      send: async (message) => {
        if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
        got.push(message);
      },
    },
  };
}

async function produce(stream, count, producer = {}, prefix = stream) {
  const delivery = rw.createDelivery({ producer: { url: fixture.redis.url, stream, events: '*', ...producer }, dlq: () => {} });
  for (let i = 0; i < count; i += 1) delivery.send('on_tool_end', `${prefix}-${i}`, { name: 'calc', data: { output: i } }, { rootRunId: 'root-1' });
  const stats = await delivery.close(10_000);
  assert.equal(stats.delivered, count);
}

test('jobs carry no secret; workers deliver the producer\'s exact bytes and ids to the sinks a job names', async () => {
  await produce('lib-a', 10);
  await produce('lib-a', 5, { deliverTo: ['b'] }, 'only-b');
  const entries = await fixture.client.xrange('lib-a', '-', '+');
  assert.equal(entries.length, 15);
  const fields = Object.fromEntries(entries[0][1].flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
  assert.deepEqual(Object.keys(fields), ['v', 'id', 'type', 'event', 'run_id', 'root_run_id', 'accepted_at', 'sinks', 'body']);
  assert.equal(fields.root_run_id, 'root-1');
  assert.equal(JSON.parse(fields.body).type, 'agent.tool.end');
  const a = recorder('a');
  const b = recorder('b');
  const worker = await rw.createWorker({ redis: fixture.redis.url, stream: 'lib-a', group: 'lib', consumer: 'c1', sinks: [a.sink, b.sink], dlq: () => {} });
  await waitFor(() => a.got.length === 10 && b.got.length === 15, 20_000, 'deliveries');
  const stats = await worker.close();
  assert.equal(stats.acked, 15);
  assert.equal(stats.in_flight, 0);
  assert.equal(stats.delivery.delivered, 25, '10 jobs to both sinks, 5 to b only');
  const bodies = new Map(entries.map(([, flat]) => [flat[flat.indexOf('id') + 1], flat[flat.indexOf('body') + 1]]));
  for (const message of [...a.got, ...b.got]) assert.equal(message.body, bodies.get(message.id), 'the producer\'s bytes, unchanged');
  assert.equal(await fixture.client.xlen('lib-a'), 15, 'entries stay (MAXLEN trims them); the group has none pending');
  assert.equal((await fixture.client.xpending('lib-a', 'lib'))[0], 0);
});

test('a dead consumer\'s entries are reclaimed; a live worker\'s slow deliveries are not', async () => {
  await produce('lib-claim', 40);
  // A consumer that reads 20 entries and dies without acknowledging them.
  await fixture.client.xgroup('CREATE', 'lib-claim', 'g', '0');
  const taken = await fixture.client.xreadgroup('GROUP', 'g', 'dead', 'COUNT', 20, 'STREAMS', 'lib-claim', '>');
  assert.equal(taken[0][1].length, 20);
  // A live worker whose sink takes 1.5 s per message, with claimIdleMs 400: its entries must
  // stay its own even though each is unacknowledged far longer than 400 ms.
  const slow = recorder('slow', { delayMs: 1_500 });
  const fast = recorder('slow');
  const w1 = await rw.createWorker({ redis: fixture.redis.url, stream: 'lib-claim', group: 'g', consumer: 'w1', claimIdleMs: 400, count: 10, maxInFlight: 10, sinks: [{ ...slow.sink, concurrency: 10 }], dlq: () => {} });
  await waitFor(() => w1.stats().in_flight === 10, 5_000, 'w1 holds 10');
  const w2 = await rw.createWorker({ redis: fixture.redis.url, stream: 'lib-claim', group: 'g', consumer: 'w2', claimIdleMs: 400, sinks: [fast.sink], dlq: () => {} });
  await waitFor(() => slow.got.length + fast.got.length >= 40, 30_000, `all 40 delivered (${slow.got.length} + ${fast.got.length})`);
  await waitFor(async () => (await fixture.client.xpending('lib-claim', 'g'))[0] === 0, 10_000, 'nothing pending');
  const [s1, s2] = await Promise.all([w1.close(), w2.close()]);
  const ids = [...slow.got, ...fast.got].map((m) => m.id);
  assert.equal(new Set(ids).size, 40, 'every message delivered');
  assert.equal(ids.length, 40, 'and none twice: the live worker kept its slow entries');
  assert.equal(s1.claimed + s2.claimed, 20, 'exactly the dead consumer\'s 20 entries were reclaimed');
  assert.equal(s1.acked + s2.acked, 40);
});

test('options: coded errors for bad shapes, producer + sinks, the web build, unreachable Redis', async () => {
  await assert.rejects(rw.createWorker({ redis: fixture.redis.url, stream: 's', sinks: [recorder('a').sink], claimIdleMs: 5 }), {
    code: 'ERR_RUNWIRE_INVALID_ARGUMENT',
    message: /options\.claimIdleMs must be an integer from 100 to 604800000/,
  });
  await assert.rejects(rw.createWorker({ redis: fixture.redis.url, stream: 's', sinks: [recorder('a').sink], grop: 'x' }), {
    code: 'ERR_RUNWIRE_INVALID_ARGUMENT',
    message: /options\.grop is not an option of createWorker; did you mean 'group'\?/,
  });
  await assert.rejects(rw.createWorker({ stream: 's', sinks: [recorder('a').sink] }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT', message: /options\.redis is required/ });
  await assert.rejects(rw.createWorker({ redis: 'redis://127.0.0.1:1', stream: 's', timeoutMs: 500, sinks: [recorder('a').sink] }), {
    code: 'ERR_RUNWIRE_INVALID_CONFIG',
    message: /cannot join group "runwire" on stream "s": (no answer from Redis within 500 ms|Connection refused)/,
  });
  assert.throws(() => rw.createDelivery({ producer: { url: fixture.redis.url, stream: 's' }, sinks: [recorder('a').sink] }), {
    code: 'ERR_RUNWIRE_INVALID_ARGUMENT',
    message: /producer and options\.sinks cannot be combined/,
  });
  assert.throws(() => rw.createDelivery({ producer: { url: 'http://x', stream: 's' } }), { message: /redis:\/\/ or rediss:\/\// });
  assert.throws(() => rw.createDelivery({ dlq: { redis: fixture.redis.url }, sinks: [recorder('a').sink] }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT', message: /\{ redis, stream, maxLen\? \}/ });
  const web = await import('runwire/web');
  await assert.rejects(web.createWorker({ redis: fixture.redis.url, stream: 's', sinks: [recorder('a').sink] }), { code: 'ERR_RUNWIRE_INVALID_CONFIG', message: /needs the Node addon/ });
});
