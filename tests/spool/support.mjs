/**
 * What the spool tests and their child processes share: the signing secret, a loopback receiver
 * that answers 503 until a test lets it up (so events stay pending), and the spooled delivery
 * the children open (`fsync: 'always'`, custom events only).
 */
import { createServer } from 'node:http';

export const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/**
 * `state.attempts` lists every request ({ id, body }); `state.delivered` maps each webhook-id
 * answered 200 to its body text. Down (503) until `state.up = true`.
 */
export async function startReceiver() {
  const state = { up: false, attempts: [], delivered: new Map() };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      const body = Buffer.concat(chunks).toString('utf8');
      state.attempts.push({ id, body });
      if (!state.up) {
        res.writeHead(503);
        res.end();
        return;
      }
      state.delivered.set(id, body);
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${server.address().port}/hook`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/** The `{ n }` of every delivered event, ascending. */
export const deliveredNs = (state) => [...state.delivered.values()].map((b) => JSON.parse(b).data.n).sort((a, b) => a - b);

/**
 * A delivery spooling to `dir` (`fsync: 'always'`) with one webhook sink at `url` for custom
 * events; `retryDelaysMs` a minute away keeps events pending while the receiver is down.
 */
export function spooledDelivery(createDelivery, { dir, url, dlqDir, retryDelaysMs = [60_000] }) {
  return createDelivery({
    urlPolicy: { profile: 'dev' },
    exitDrainMs: false,
    ...(dlqDir === undefined ? {} : { dlq: { dir: dlqDir } }),
    spool: { dir, fsync: 'always' },
    sinks: [{ url, secret: SECRET, events: ['on_custom_event'], retryDelaysMs }],
  });
}
