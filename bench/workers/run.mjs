/**
 * Redis Streams workers: throughput of 3 `runwire worker` processes vs 1, the same jobs, the
 * same real redis-server, the same receiver, in the same run (rounds alternate 1 and 3 workers).
 *
 * Per round: a producer process (tests/worker/producer.mjs) writes N jobs to a fresh stream,
 * then K workers start on it; the rate is N / (last delivery − first delivery) at the receiver,
 * so process start-up is not counted. Two receivers:
 * - `fast`: answers at once — the machine's CPU is the limit (workers, receiver, redis share it);
 * - `20 ms`: answers after 20 ms, each worker with `--concurrency 16` — the endpoint's latency
 *   and each worker's concurrency are the limit, which is what adding workers buys.
 *
 *   npm run bench:workers [-- --write] [-- --rounds 2]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { verifyWebhook } from 'runwire';
import { startRedis } from '../../tests/support/services.mjs';
import { SECRET, runProducer, startWorker, sleep } from '../../tests/worker/support.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const rounds = arg('rounds', 2);
const load0 = loadavg()[0];

async function receiver(delayMs) {
  const seen = new Set();
  let first = 0;
  let last = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { id } = verifyWebhook(Buffer.concat(chunks), req.headers, SECRET);
      const answer = () => {
        if (!seen.has(id)) {
          seen.add(id);
          last = performance.now();
          if (seen.size === 1) first = last;
        }
        res.writeHead(200).end();
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    count: () => seen.size,
    rate: () => (seen.size - 1) / ((last - first) / 1000),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

async function round(redis, scenario, workers, n, tag) {
  const stream = `bench-${tag}`;
  await runProducer({ redis: redis.url, stream, prefix: tag, count: n });
  const rx = await receiver(scenario.delayMs);
  const procs = [];
  for (let k = 0; k < workers; k += 1) {
    procs.push(startWorker({ redis: redis.url, stream, group: 'bench', consumer: `${tag}-w${k}`, url: rx.url, args: ['--concurrency', String(scenario.concurrency), '--max-in-flight', '2048'] }));
  }
  const deadline = Date.now() + 180_000;
  while (rx.count() < n && Date.now() < deadline) await sleep(50);
  if (rx.count() < n) throw new Error(`${tag}: only ${rx.count()} of ${n} delivered`);
  const rate = rx.rate();
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  await rx.close();
  return rate;
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const redis = await startRedis();
const scenarios = [
  { name: 'fast receiver, --concurrency 64', delayMs: 0, concurrency: 64, n: 20_000 },
  { name: '20 ms receiver, --concurrency 16', delayMs: 20, concurrency: 16, n: 8_000 },
];
const rows = ['| receiver, per-worker concurrency | events | 1 worker (events/s) | 3 workers (events/s) | 3 vs 1 |', '|---|---|---|---|---|'];
try {
  for (const scenario of scenarios) {
    const rates = { 1: [], 3: [] };
    for (let r = 0; r < rounds; r += 1) {
      for (const k of r % 2 === 0 ? [1, 3] : [3, 1]) {
        const rate = await round(redis, scenario, k, scenario.n, `${scenario.delayMs}-${k}-${r}`);
        rates[k].push(rate);
        console.error(`${scenario.name}: ${k} worker(s), round ${r + 1}: ${Math.round(rate)} events/s`);
      }
    }
    const one = median(rates[1]);
    const three = median(rates[3]);
    rows.push(`| ${scenario.name} | ${scenario.n.toLocaleString('en')} | ${Math.round(one).toLocaleString('en')} | ${Math.round(three).toLocaleString('en')} | ${(three / one).toFixed(2)}× |`);
  }
} finally {
  await redis.stop();
}
const table = `${rows.join('\n')}\n\n${rounds} rounds each, medians; ${cpus().length} cores (workers, producer, receiver and redis-server share them), load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}. \`npm run bench:workers\`.`;
console.log(table);
if (process.argv.includes('--write')) {
  const path = here('../../BENCHMARKS.md');
  const text = readFileSync(path, 'utf8');
  const start = '<!-- bench:workers:begin -->';
  const end = '<!-- bench:workers:end -->';
  if (!text.includes(start)) throw new Error('BENCHMARKS.md has no workers markers');
  writeFileSync(path, `${text.slice(0, text.indexOf(start) + start.length)}\n${table}\n${text.slice(text.indexOf(end))}`);
}
