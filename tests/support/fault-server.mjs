/**
 * A loopback fault server for delivery tests (the only fake the project allows: fault
 * injection). Behaviour is chosen per request by a rule function or by the path:
 *
 *   /ok                      200
 *   /status/<code>           that status
 *   /retry-after/<value>     429 with `Retry-After: <value>` (seconds, or `date:<secs-ahead>`)
 *   /slow/<ms>               200 after <ms>
 *   /hang                    never answers (the client's timeout must fire)
 *   /reset                   a real TCP reset (socket.resetAndDestroy())
 *   /close                   closes the socket without a response
 *   /flaky/<n>               fails the first <n> requests per (path, webhook-id) with 503, then 200
 *
 * `server.down(ms)` refuses connections for a while (the endpoint is down), then comes back.
 *
 * Every request is verified with runwire's `verifyWebhook` when a secret is given and logged
 * (`received`), and deliveries are deduped by `webhook-id` (`unique`, `duplicates`).
 * Start with `await startFaultServer({ secret })`; always `await server.close()` in `finally`.
 */
import { createServer } from 'node:http';
import { verifyWebhook } from 'runwire';

export async function startFaultServer({ secret, rule, scheme = 'standard', githubSecret } = {}) {
  const received = [];
  const unique = new Map();
  const attemptsById = new Map();
  let duplicates = 0;
  let verifyFailures = 0;
  const sockets = new Set();
  const hanging = new Set();
  let downTimer = null;

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = req.headers['webhook-id'] ?? req.headers['idempotency-key'] ?? null;
      // Attempts are counted per (path, id): several sinks may share one server.
      const key = `${req.url} ${id}`;
      const attempt = (attemptsById.get(key) ?? 0) + 1;
      attemptsById.set(key, attempt);
      const entry = { path: req.url, id, attempt, headers: req.headers, body: body.toString('utf8'), at: Date.now() };
      received.push(entry);
      const action = rule ? rule(entry) : fromPath(req.url, attempt);
      respond(action, entry, req, res);
    });
  });
  server.keepAliveTimeout = 30_000;
  let connections = 0;
  server.on('connection', (s) => {
    connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function accept(entry) {
    if (secret || githubSecret) {
      try {
        verifyWebhook(entry.body, entry.headers, scheme === 'github' ? githubSecret : secret, { scheme });
      } catch {
        verifyFailures += 1;
        return false;
      }
    }
    if (unique.has(entry.id)) duplicates += 1;
    else unique.set(entry.id, entry);
    return true;
  }

  function respond(action, entry, req, res) {
    switch (action.kind) {
      case 'status': {
        if (action.status >= 200 && action.status < 300 && !accept(entry)) {
          res.writeHead(401).end('bad signature');
          return;
        }
        res.writeHead(action.status, action.headers ?? {}).end(action.body ?? '');
        return;
      }
      case 'slow': {
        // The receiver processes the message at once and is slow to answer: a client that gives
        // up first will retry, and the receiver sees a duplicate it must dedupe.
        const ok = accept(entry);
        const timer = setTimeout(() => res.writeHead(ok ? 200 : 401).end(), action.ms);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'close':
        req.socket.destroy();
        return;
      default:
        throw new Error(`unknown action ${action.kind}`);
    }
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (path = '/ok') => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    unique,
    get duplicates() {
      return duplicates;
    },
    get verifyFailures() {
      return verifyFailures;
    },
    /** TCP connections accepted so far (keep-alive reuse keeps this low). */
    get connections() {
      return connections;
    },
    /** Takes the endpoint down (connections refused) for `ms`, then listens again on the same port. */
    async down(ms) {
      await new Promise((resolve) => {
        server.close(() => resolve());
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
      });
      downTimer = setTimeout(() => {
        downTimer = null;
        server.listen(port, '127.0.0.1');
      }, ms);
    },
    async close() {
      if (downTimer) {
        clearTimeout(downTimer);
        downTimer = null;
        return;
      }
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The path-driven behaviours listed above. */
export function fromPath(url, attempt) {
  const [, kind, arg] = url.split('?')[0].split('/'); // a query (e.g. ?token=) does not change the behaviour
  switch (kind) {
    case 'ok':
      return { kind: 'status', status: 200 };
    case 'status':
      return { kind: 'status', status: Number(arg) };
    case 'retry-after': {
      const value = arg.startsWith('date:') ? new Date(Date.now() + Number(arg.slice(5)) * 1000).toUTCString() : arg;
      return { kind: 'status', status: 429, headers: { 'retry-after': value } };
    }
    case 'slow':
      return { kind: 'slow', ms: Number(arg) };
    case 'hang':
      return { kind: 'hang' };
    case 'reset':
      return { kind: 'reset' };
    case 'close':
      return { kind: 'close' };
    case 'flaky':
      return attempt <= Number(arg) ? { kind: 'status', status: 503 } : { kind: 'status', status: 200 };
    default:
      return { kind: 'status', status: 404 };
  }
}
