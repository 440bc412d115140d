/**
 * runwire demo: a LangChain.js agent-like chain ships its events as signed webhooks.
 *
 * - The chain: a named "research_agent" of RunnableLambda steps calling tool() tools (two in
 *   parallel), with progress reported by dispatchCustomEvent — runwire's drop-in, which finds the
 *   run through LangChain's own context.
 * - The handler: createWebhookHandler(...) passed as `callbacks: [handler]` at invoke time. It
 *   forwards custom events, tool ends and named chain ends (never tokens or *_start noise); for
 *   each the JS thread does one JSON.stringify and one call into the native engine, which signs
 *   (Standard Webhooks), POSTs, retries and dead-letters on its own threads.
 * - Two sinks: the receiver (examples/receiver.mjs, another process: verifies every signature,
 *   dedupes on webhook-id, and answers 503 to the first attempt of each tool result so you see
 *   retries), and an "archive" endpoint that is down, whose events land in the dead-letter
 *   directory and are then replayed to the receiver — same ids, fresh signatures.
 * - A third sink, Redis Streams: a real redis-server started here (setup installs it) gets the
 *   same events as stream records (id, type, signature fields, exact body); a consumer reads
 *   them back with XRANGE and verifies each one like a webhook.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { createWebhookHandler, dispatchCustomEvent, generateSecret, target, verifyWebhook } from 'runwire';
import Redis from 'ioredis';
import { startRedis } from '../tests/support/services.mjs';

const secret = generateSecret();
const receiver = spawn(process.execPath, [fileURLToPath(new URL('./receiver.mjs', import.meta.url)), secret], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
receiver.stdout.setEncoding('utf8');
const [firstLine] = await once(receiver.stdout, 'data');
const port = Number(/listening (\d+)/.exec(firstLine)[1]);
const receiverLines = [];
receiver.stdout.on('data', (text) => receiverLines.push(...text.trim().split('\n')));

// A port nobody listens on: the "archive" sink is down for the whole demo.
const closedPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => resolve(p));
  });
});
const dlqDir = mkdtempSync(join(tmpdir(), 'runwire-demo-dlq-'));
// A real redis-server (installed by `npm run demo`'s setup) for the Redis Streams sink.
const redis = await startRedis();

console.log(`sender: runwire ${target} build; receiver on 127.0.0.1:${port}`);
const handler = createWebhookHandler({
  // The receivers here are local (http on 127.0.0.1): the default URL policy refuses that, the
  // dev profile allows it (cloud metadata and reserved ranges stay blocked).
  urlPolicy: { profile: 'dev' },
  sinks: [
    { name: 'receiver', url: `http://127.0.0.1:${port}/hooks`, secret, retryDelaysMs: [200, 500] },
    { name: 'archive', url: `http://127.0.0.1:${closedPort}/hooks`, secret, retryDelaysMs: [50], events: ['on_tool_end'] },
    // The same events, signed the same way, appended to a Redis stream for workers to consume.
    { type: 'redis', name: 'stream', url: redis.url, stream: 'agent-events', maxLen: 10_000, secret },
  ],
  dlq: { dir: dlqDir },
  hooks: {
    onAttemptFailed: (e) =>
      console.log(
        `sender: attempt ${e.attempt} of ${e.id} to ${e.sink} failed (${e.status ?? e.error}); ` +
          (e.next_delay_ms == null ? 'no retries left' : `retry in ${e.next_delay_ms} ms`),
      ),
    onDeadLettered: (e) => console.log(`sender: dead-lettered ${e.id} for ${e.sink} (${e.reason})`),
  },
});

const search = tool(async ({ query }) => `3 results for "${query}"`, {
  name: 'web_search',
  description: 'searches the web',
  schema: z.object({ query: z.string() }),
});
const calculator = tool(async ({ a, b }) => String(a * b), {
  name: 'calculator',
  description: 'multiplies two numbers',
  schema: z.object({ a: z.number(), b: z.number() }),
});

const plan = RunnableLambda.from(async (input) => {
  await dispatchCustomEvent('progress', { step: 'planning', pct: 10 });
  return { ...input, plan: ['search', 'compute'] };
}).withConfig({ runName: 'plan' });
const act = RunnableLambda.from(async (state, config) => {
  await dispatchCustomEvent('progress', { step: 'acting', pct: 50 });
  const [found, product] = await Promise.all([
    search.invoke({ query: state.question }, config),
    calculator.invoke({ a: 6, b: 7 }, config),
  ]);
  await dispatchCustomEvent('progress', { step: 'done', pct: 100 });
  return { answer: `${product} — café ☕ (${found})` };
});
const agent = plan.pipe(act).withConfig({ runName: 'research_agent' });

const result = await agent.invoke({ question: 'what is six times seven?' }, { callbacks: [handler] });
console.log(`sender: agent answered ${JSON.stringify(result.answer)}`);
await awaitAllCallbacks();
const stats = await handler.delivery.drain(10_000);
console.log(`sender: stats ${JSON.stringify({ accepted: stats.accepted, delivered: stats.delivered, dead_lettered: stats.dead_lettered, pending: stats.pending, filtered: stats.filtered, attempts: stats.attempts })}`);

// The archive endpoint never answered: replay its dead letters to the receiver instead.
const files = [];
const walk = (dir) => readdirSync(dir).forEach((name) => {
  const path = join(dir, name);
  if (statSync(path).isDirectory()) walk(path);
  else files.push(path);
});
walk(dlqDir);
for (const file of files) {
  const record = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`sender: replaying ${relative(dlqDir, file).split('/').slice(0, 4).join('/')}/… (${record.id}, ${record.reason}, ${record.attempts.length} attempts) to the receiver`);
  handler.delivery.replay(record, { sink: 'receiver' });
}
const after = await handler.delivery.close(10_000);
console.log(`sender: after replay ${JSON.stringify({ delivered: after.delivered, dead_lettered: after.dead_lettered, pending: after.pending })}`);
console.log(`sender: invariant accepted = delivered + dead_lettered + pending + filtered: ${after.accepted} = ${after.delivered} + ${after.dead_lettered} + ${after.pending} + ${after.filtered}`);

// A stream consumer: XRANGE, then verify each record's body with its signature fields.
const reader = new Redis(redis.port, '127.0.0.1');
for (const [, flat] of await reader.xrange('agent-events', '-', '+')) {
  const f = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
  verifyWebhook(f.body, { 'webhook-id': f['webhook-id'], 'webhook-timestamp': f['webhook-timestamp'], 'webhook-signature': f['webhook-signature'] }, secret);
  console.log(`redis: verified ${f.id} ${f.type} from stream agent-events`);
}
reader.disconnect();
await redis.stop();

receiver.kill('SIGTERM');
await once(receiver, 'exit');
rmSync(dlqDir, { recursive: true, force: true });
console.log('--- what arrived at the receiver ---');
for (const line of receiverLines) console.log(line);
