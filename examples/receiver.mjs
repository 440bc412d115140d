/**
 * A webhook receiver, as a user would write one: verify the raw body bytes with runwire's
 * verifyWebhook (never a re-serialised body), dedupe on webhook-id, then process.
 *
 * To show retries, it answers the FIRST delivery attempt of every tool result with 503 (a
 * simulated hiccup); the sender retries on its schedule with the same webhook-id and a fresh
 * signature.
 *
 * Usage: node examples/receiver.mjs <whsec_secret>   (prints "listening <port>" when ready)
 */
import { createServer } from 'node:http';
import { verifyWebhook } from 'runwire';

const secret = process.argv[2];
const seen = new Set();
const hiccups = new Set();

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    let verified;
    try {
      verified = verifyWebhook(body, req.headers, secret);
    } catch (error) {
      console.log(`receiver: rejected ${req.headers['webhook-id']} (${error.code})`);
      res.writeHead(401).end();
      return;
    }
    const event = JSON.parse(body.toString('utf8'));
    if (event.type === 'agent.tool.end' && !hiccups.has(verified.id)) {
      hiccups.add(verified.id);
      console.log(`receiver: 503 for ${verified.id} (simulated hiccup, expect a retry)`);
      res.writeHead(503).end();
      return;
    }
    if (seen.has(verified.id)) {
      console.log(`receiver: duplicate ${verified.id} acknowledged, not processed again`);
      res.writeHead(200).end();
      return;
    }
    seen.add(verified.id);
    const data = event.data;
    const what = data.name ?? data.event;
    const detail = JSON.stringify(data.data ?? data.output ?? {});
    console.log(`receiver: verified ${verified.id} ${event.type} ${what} ${detail}`);
    res.writeHead(204).end();
  });
});

server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  // The sender's keep-alive connections would otherwise hold close() open.
  server.closeAllConnections();
});
