/**
 * Delivery past one process (issue 12), end to end with a real redis-server: 2 producer
 * processes write 50,000 jobs, 3 `runwire worker` processes deliver them to a deduping,
 * verifying receiver, and one worker is killed with SIGKILL mid-run. Done when the receiver has
 * all 50,000 ids, the consumer group has no pending entries, and the only duplicates are entries
 * the killed worker had read but not acknowledged (counted with XPENDING right after the kill).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startRedis } from '../support/services.mjs';
import { runProducer, startReceiver, startWorker, waitFor } from './support.mjs';

const TOTAL = 50_000;
const STREAM = 'runwire:jobs';
const GROUP = 'scale';

let redis;
let client;
let receiver;
const workers = [];

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.port, '127.0.0.1');
  receiver = await startReceiver();
});

after(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  client?.disconnect();
  await receiver?.close();
  await redis?.stop();
});

test('3 workers, 2 producers, 50,000 events, one worker SIGKILLed: all delivered, nothing pending', { timeout: 180_000 }, async () => {
  const started = Date.now();
  const args = ['--claim-idle-ms', '3000', '--max-in-flight', '1024', '--concurrency', '64'];
  for (const name of ['w1', 'w2', 'w3']) {
    workers.push(startWorker({ redis: redis.url, stream: STREAM, group: GROUP, consumer: name, url: receiver.url, args }));
  }
  // The group exists once a worker started; producers may write before or after that.
  const producing = Promise.all([
    runProducer({ redis: redis.url, stream: STREAM, prefix: 'p1', count: TOTAL / 2 }),
    runProducer({ redis: redis.url, stream: STREAM, prefix: 'p2', count: TOTAL / 2 }),
  ]);
  await waitFor(() => receiver.unique() >= TOTAL * 0.3, 120_000, '30% delivered');
  const victim = workers[0];
  victim.child.kill('SIGKILL');
  await victim.exited;
  const killedAt = receiver.unique();
  // What the killed worker held: read, not acknowledged. Only these may be delivered twice.
  const held = await client.xpending(STREAM, GROUP, '-', '+', 100_000, victim.consumer);
  const heldIds = held.length;
  const producers = await producing;
  for (const stats of producers) assert.equal(stats.delivered, TOTAL / 2, 'each producer wrote all its jobs');

  await waitFor(() => receiver.unique() >= TOTAL, 150_000, `all ${TOTAL} delivered (have ${receiver.unique()})`);
  await waitFor(async () => (await client.xpending(STREAM, GROUP))[0] === 0, 20_000, 'no pending entries');
  const elapsedMs = Date.now() - started;

  for (const w of workers.slice(1)) w.child.kill('SIGTERM');
  const exits = await Promise.all(workers.slice(1).map((w) => w.exited));
  for (const [i, exit] of exits.entries()) assert.equal(exit.code, 0, `worker ${i + 2} drained and exited 0: ${workers[i + 1].err()}`);

  const duplicates = receiver.total() - receiver.unique();
  const duplicated = [...receiver.counts.values()].filter((n) => n > 1).length;
  console.log(
    `scale-out: ${TOTAL} events in ${elapsedMs} ms; SIGKILL at ${killedAt} delivered with ${heldIds} entries held by the killed worker; ` +
      `${duplicates} duplicate deliveries of ${duplicated} ids; rejected ${receiver.rejected()}`,
  );
  assert.equal(receiver.unique(), TOTAL, 'every event delivered');
  assert.equal(receiver.rejected(), 0, 'every delivery verified');
  for (let p = 1; p <= 2; p += 1) {
    for (let i = 0; i < TOTAL / 2; i += 1) {
      if (!receiver.counts.has(`p${p}-run-${i}:on_custom_event:1`)) assert.fail(`p${p}-run-${i} missing`);
    }
  }
  assert.ok(duplicated <= heldIds, `duplicates (${duplicated} ids) only among the ${heldIds} entries the killed worker held`);
  assert.ok(heldIds > 0, 'the kill happened mid-run (the worker held entries)');
  const summary = await client.xpending(STREAM, GROUP);
  assert.equal(summary[0], 0, 'XPENDING is 0');
  // The survivors' final summaries: every entry they read or claimed was acknowledged.
  for (const w of workers.slice(1)) assert.match(w.out(), /worker: read \d+, claimed \d+, acked \d+, in flight 0;/);
});
