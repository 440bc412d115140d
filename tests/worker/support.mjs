/**
 * Pieces the worker tests and bench/workers share: a deduping receiver that verifies every
 * delivery, `runwire worker` processes (the CLI as users run it) and producer processes
 * (./producer.mjs).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before } from 'node:test';
import Redis from 'ioredis';
import { verifyWebhook } from 'runwire';
import { startRedis } from '../support/services.mjs';
import { repoRoot } from '../support/paths.mjs';

export const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
export const CLI = join(repoRoot, 'npm/runwire/cli/runwire.js');
const PRODUCER = join(repoRoot, 'tests/worker/producer.mjs');

/** A webhook receiver: verifies, counts deliveries per webhook-id (dedupe = `counts.size`). */
/**
 * A redis-server for the calling test file, started in `before` and stopped in `after`, with a
 * test-side ioredis client: read `fixture.redis` (url, port) and `fixture.client` inside tests.
 */
export function useRedis() {
  const fixture = { redis: null, client: null };
  before(async () => {
    fixture.redis = await startRedis();
    fixture.client = new Redis(fixture.redis.port, '127.0.0.1');
  });
  after(async () => {
    fixture.client?.disconnect();
    await fixture.redis?.stop();
  });
  return fixture;
}

export async function startReceiver({ secret = SECRET } = {}) {
  const counts = new Map();
  let rejected = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const { id } = verifyWebhook(Buffer.concat(chunks), req.headers, secret);
        counts.set(id, (counts.get(id) ?? 0) + 1);
        res.writeHead(200).end();
      } catch {
        rejected += 1;
        res.writeHead(401).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    counts,
    unique: () => counts.size,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    rejected: () => rejected,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/** Starts `runwire worker` (its secret from the environment, never a flag). */
export function startWorker({ redis, stream, group = 'g', consumer, url, args = [], env = {} }) {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--redis', redis, '--stream', stream, '--group', group, '--consumer', consumer, '--url', url, '--url-policy', 'dev', '--stats-every-ms', '0', ...args],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', RUNWIRE_SECRET: SECRET, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, out: () => stdout, err: () => stderr, consumer };
}

/** Runs a producer process to completion; resolves with its stats. */
export function runProducer({ redis, stream, prefix, count }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PRODUCER, redis, stream, prefix, String(count)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`producer ${prefix} exited ${code}: ${err}${out}`))));
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it is true or `ms` passed; returns its last value. */
export async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}
