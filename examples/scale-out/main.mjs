/**
 * Delivery past one process: 2 producer processes (agents) write jobs to a Redis stream, 2
 * `runwire worker` processes deliver them — signed, retried, acknowledged after the outcome —
 * to one receiver that verifies and dedupes. Starts its own redis-server.
 *
 *   node examples/scale-out/main.mjs
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { verifyWebhook } from 'runwire';
import { startRedis } from '../../tests/support/services.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here('../../npm/runwire/cli/runwire.js');
const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const RUNS = 250; // per producer, 4 events each
const expected = 2 * RUNS * 4;

function child(args, env = {}) {
  const proc = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', () => {});
  return { proc, out: () => out, done: new Promise((resolve) => proc.on('close', resolve)) };
}

const redis = await startRedis();
const seen = new Map();
let hiccups = 0;
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { id } = verifyWebhook(Buffer.concat(chunks), req.headers, secret);
    // Every 100th first attempt fails: the worker's engine retries it (same id, new signature).
    if (!seen.has(id) && (seen.size + hiccups) % 100 === 99 && hiccups < 5) {
      hiccups += 1;
      res.writeHead(503).end();
      return;
    }
    seen.set(id, (seen.get(id) ?? 0) + 1);
    res.writeHead(204).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const hook = `http://127.0.0.1:${receiver.address().port}/hooks`;
console.log(`receiver: ${hook}; redis: ${redis.url}`);

// The secret reaches the workers through the environment, never a flag.
const workers = ['worker-a', 'worker-b'].map((name) =>
  child([CLI, 'worker', '--redis', redis.url, '--consumer', name, '--url', hook, '--url-policy', 'dev', '--retry-delays', '100,500', '--stats-every-ms', '0'], { RUNWIRE_SECRET: secret }),
);
const producers = ['agent-1', 'agent-2'].map((name) => child([here('./producer.mjs'), redis.url, name, String(RUNS)]));
await Promise.all(producers.map((p) => p.done));
for (const p of producers) process.stdout.write(p.out());

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const deadline = Date.now() + 60_000;
while (seen.size < expected && Date.now() < deadline) await sleep(50);
// Entries are acknowledged once their delivery's outcome is final: wait for the group to empty.
const client = new Redis(redis.port, '127.0.0.1');
let [pending] = await client.xpending('runwire:jobs', 'runwire');
while (pending > 0 && Date.now() < deadline) {
  await sleep(50);
  [pending] = await client.xpending('runwire:jobs', 'runwire');
}
client.disconnect();
for (const w of workers) w.proc.kill('SIGTERM');
await Promise.all(workers.map((w) => w.done));
workers.forEach((w, i) => process.stdout.write(`worker-${'ab'[i]}: ${w.out()}`));
console.log(`receiver: ${seen.size} of ${expected} events verified, ${hiccups} answered 503 first and retried, ${[...seen.values()].filter((n) => n > 1).length} duplicates`);
console.log(`consumer group: ${pending} pending entries`);
receiver.close();
await redis.stop();
process.exitCode = seen.size === expected && pending === 0 ? 0 : 1;
