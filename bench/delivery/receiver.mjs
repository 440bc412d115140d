/**
 * The benchmark's webhook receiver, in its own process so its work never lands on the sender's
 * event loop. It verifies every delivery (Standard Webhooks HMAC with node:crypto, constant-time;
 * GitHub-style `X-Signature-256` too when present), dedupes on webhook-id, and measures
 * enqueue→receipt latency from the body's `data.sent_at` (ms since the epoch, sub-ms precision;
 * sender and receiver share the machine's clock).
 *
 *   node receiver.mjs --secret whsec_… [--github-secret s] [--delay-ms 100]
 * prints `listening <port>`; GET /stats returns counters and latency percentiles; GET /wait/<n> answers
 * once n unique deliveries arrived; POST /reset clears.
 */
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { secret: { type: 'string' }, 'github-secret': { type: 'string' }, 'delay-ms': { type: 'string', default: '0' } },
});
const key = Buffer.from(values.secret.replace(/^whsec_/, ''), 'base64');
const githubSecret = values['github-secret'];
const delayMs = Number(values['delay-ms']);
const now = () => performance.timeOrigin + performance.now();

let stats;
function reset() {
  stats = { requests: 0, unique: 0, duplicates: 0, rejected: 0, latencies: [] };
}
reset();
const seen = new Set();

function verified(headers, body) {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const header = headers['webhook-signature'];
  if (!id || !ts || !header) return false;
  const expected = createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest();
  const ok = header.split(' ').some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const given = Buffer.from(entry.slice(3), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) return false;
  const gh = headers['x-signature-256'];
  if (githubSecret && gh) {
    const hex = createHmac('sha256', githubSecret).update(body).digest('hex');
    return gh === `sha256=${hex}`;
  }
  return true;
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null;
}

const waiters = [];
function wake() {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (stats.unique >= waiters[i].count) waiters.splice(i, 1)[0].res.end(String(stats.unique));
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/wait/')) {
    // Long-poll until `count` unique deliveries arrived: one request instead of polling, so the
    // sender's event loop pays (almost) nothing for being watched.
    waiters.push({ count: Number(req.url.slice('/wait/'.length)), res });
    wake();
    return;
  }
  if (req.method === 'GET') {
    const sorted = Float64Array.from(stats.latencies).sort();
    const { latencies, ...counters } = stats;
    res.end(JSON.stringify({ ...counters, latency: { n: latencies.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null } }));
    return;
  }
  if (req.url === '/reset') {
    reset();
    seen.clear();
    res.end('{}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const receivedAt = now();
    stats.requests++;
    const respond = (status) => (delayMs > 0 ? setTimeout(() => res.writeHead(status).end(), delayMs) : res.writeHead(status).end());
    if (!verified(req.headers, body)) {
      stats.rejected++;
      respond(401);
      return;
    }
    const id = req.headers['webhook-id'];
    if (seen.has(id)) {
      stats.duplicates++;
      respond(200);
      return;
    }
    seen.add(id);
    stats.unique++;
    if (waiters.length) wake();
    // `data.data.sent_at` when the event came through the LangChain handler (an on_custom_event record).
    const { data } = JSON.parse(body);
    const sentAt = data?.sent_at ?? data?.data?.sent_at;
    if (typeof sentAt === 'number') stats.latencies.push(receivedAt - sentAt);
    respond(204);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
