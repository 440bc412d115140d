/**
 * One dead letter written by the file store, in a process of its own: a loopback receiver
 * answers 400, so the event is dead-lettered at once. `node dlq-entry.mjs <dir|default>`
 * prints `{ target, files, record }` (files relative to the store's directory) as JSON.
 */
import { createServer } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as rw from 'runwire';

const server = createServer((req, res) => req.resume().on('end', () => res.writeHead(400).end('no')));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const arg = process.argv[2];
const dir = arg === 'default' ? '.runwire/dlq' : arg;
try {
  const delivery = rw.createDelivery({
    urlPolicy: { profile: 'dev' },
    sinks: [{ name: 'hook', url: `http://127.0.0.1:${server.address().port}/h`, secret: rw.generateSecret() }],
    ...(arg !== 'default' && { dlq: { dir } }),
  });
  delivery.send('on_tool_end', 'run-1', { output: 'café ☕' });
  const stats = await delivery.drain(10_000);
  const files = readdirSync(dir, { recursive: true }).filter((f) => statSync(join(dir, f)).isFile());
  const record = files.length === 1 ? JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) : null;
  console.log(JSON.stringify({ target: rw.target, deadLettered: stats.dead_lettered, files, record }));
} finally {
  server.close();
}
