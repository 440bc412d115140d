/**
 * The engine benchmark's receiver, in its own process: answers every POST (after `--delay-ms`),
 * counts events (a `runwire.batch` body counts its items), and with `--fail-percent p` answers
 * 503 to the first attempt of p % of webhook ids (chosen by a hash of the id, so the same ids
 * in every run). GET /stats → `{ requests, events, failed }`; POST /reset clears.
 *
 *   node receiver.mjs [--delay-ms 5] [--fail-percent 5]   → prints `listening <port>`
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'delay-ms': { type: 'string', default: '0' }, 'fail-percent': { type: 'string', default: '0' } } });
const delayMs = Number(values['delay-ms']);
const failPercent = Number(values['fail-percent']);
let stats = { requests: 0, events: 0, failed: 0 };
const failedOnce = new Set();

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const server = createServer((req, res) => {
  if (req.method === 'GET') return res.end(JSON.stringify(stats));
  if (req.url === '/reset') {
    stats = { requests: 0, events: 0, failed: 0 };
    failedOnce.clear();
    return res.end('{}');
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    stats.requests += 1;
    const id = String(req.headers['webhook-id']);
    if (failPercent > 0 && hash(id) % 100 < failPercent && !failedOnce.has(id)) {
      failedOnce.add(id);
      stats.failed += 1;
      res.writeHead(503).end();
      return;
    }
    const body = Buffer.concat(chunks);
    let n = 1;
    if (body.includes('"type":"runwire.batch"')) n = JSON.parse(body).data.length;
    const answer = () => {
      stats.events += n;
      res.writeHead(200).end();
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
