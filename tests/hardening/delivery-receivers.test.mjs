/**
 * Issue 18, end to end: accounting holds after bad and odd deliveries and every accepted event
 * that cannot be delivered reaches the hooks; the web build honours exitDrainMs in Node; and a
 * bounded fuzz of both receivers over real HTTP (loopback) never crashes, never processes a
 * forged or replayed request, and never lets a throwing onError escape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as addon from 'runwire';
import * as web from 'runwire/web';

const run = promisify(execFile);
const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const BUILDS = { addon, web };

function nested(n) {
  let v = 1;
  for (let i = 0; i < n; i += 1) v = [v];
  return v;
}

for (const [build, rw] of Object.entries(BUILDS)) {
  test(`${build}: accounting holds and every undeliverable event reaches the hooks`, { timeout: 30_000 }, async () => {
    const bodies = [];
    const hooks = [];
    const dead = [];
    const delivery = rw.createDelivery({
      exitDrainMs: false,
      maxBodyBytes: 512,
      sinks: [{ name: 'fn', send: ({ body }) => { bodies.push(body); }, retryDelaysMs: [] }],
      hooks: { onDeadLettered: (e) => hooks.push(e), onError: () => { throw new Error('a throwing onError'); } },
      dlq: (record) => { dead.push(record); },
    });
    let refused = 0;
    const attempts = [
      () => delivery.send('on_custom_event', 'acct-run', { text: 'cut mid-emoji \ud83d' }),
      () => delivery.send('on_custom_event', 'acct-run', nested(99)),
      () => delivery.send('on_custom_event', 'acct-run', { ['k'.repeat(600)]: 1 }), // cannot fit 512 bytes
      () => delivery.send('on_custom_event', 'acct\r\nrun', {}),
      () => delivery.send('on_custom_event', 'acct-run', nested(101)),
      () => delivery.send('on_custom_event', 'acct-run', { n: 1n }),
      () => delivery.send('on_tool_start', 'acct-run', {}), // filtered
    ];
    for (const attempt of attempts) {
      try {
        attempt();
      } catch (error) {
        assert.match(error.code, /^ERR_RUNWIRE_/);
        refused += 1;
      }
    }
    const stats = await delivery.close(10_000);
    assert.equal(refused, 3);
    assert.equal(stats.accepted, 4);
    assert.equal(stats.accepted, stats.delivered + stats.dead_lettered + stats.pending + stats.filtered, JSON.stringify(stats));
    assert.deepEqual([stats.delivered, stats.dead_lettered, stats.filtered], [2, 1, 1]);
    assert.ok(bodies.some((b) => b.includes('"cut mid-emoji \\ud83d"')), 'the lone surrogate is escaped as JSON.stringify does');
    assert.equal(hooks.length, 1);
    assert.equal(dead.length, 1);
    assert.equal(dead[0].reason, 'payload_too_large');
  });
}

test('web build in Node: exitDrainMs is honoured and pending events are dead-lettered, not lost', { timeout: 30_000 }, async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${server.address().port}/fail`;
    const started = Date.now();
    const { stdout } = await run(process.execPath, ['tests/hardening/web-exit.mjs', url, '5', SECRET], { timeout: 25_000 });
    const took = Date.now() - started;
    const records = stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.ok(took < 8_000, `the process stayed alive ${took} ms (exitDrainMs 1000, retry in 20 s)`);
    assert.equal(records.length, 5);
    assert.ok(records.every((r) => r.reason === 'shutdown'), stdout);
  } finally {
    server.close();
  }
});

/** A small deterministic PRNG, so a failure reproduces. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

for (const [build, rw] of Object.entries(BUILDS)) {
  for (const kind of ['webhookMiddleware', 'webhookHandler']) {
    test(`${build} ${kind}: bounded fuzz over real HTTP`, { timeout: 60_000 }, async () => {
      const processed = new Map();
      let onErrorCalls = 0;
      const unhandled = [];
      const onUnhandled = (e) => unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      const options = {
        secrets: SECRET,
        maxBodyBytes: 4096,
        onWebhook: (payload, meta) => processed.set(meta.id, (processed.get(meta.id) ?? 0) + 1),
        onError: () => {
          onErrorCalls += 1;
          throw new Error('onError throws too');
        },
      };
      let server;
      if (kind === 'webhookMiddleware') {
        server = http.createServer(rw.webhookMiddleware(options));
      } else {
        const handler = rw.webhookHandler(options);
        server = http.createServer(async (req, res) => {
          const chunks = [];
          for await (const c of req) chunks.push(c);
          const response = await handler(new Request(`http://x${req.url}`, { method: req.method, headers: req.headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined }));
          res.writeHead(response.status, Object.fromEntries(response.headers));
          res.end(Buffer.from(await response.arrayBuffer()));
        });
      }
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${server.address().port}/hook`;
      const random = prng(18);
      const valid = new Set();
      try {
        for (let i = 0; i < 150; i += 1) {
          const id = `fuzz-${i % 40}`;
          const body = rw.canonicalJson({ i, text: String.fromCharCode(...Array.from({ length: 8 }, () => Math.floor(random() * 0xffff))) });
          const headers = rw.signWebhook(body, { id, secrets: SECRET });
          let sent = body;
          let intact = true;
          const mutation = Math.floor(random() * 8);
          if (mutation === 1) {
            sent = `${body} `;
            intact = false;
          } else if (mutation === 2) {
            headers['webhook-signature'] = `v1,${Buffer.from(String(random())).toString('base64')}`;
            intact = false;
          } else if (mutation === 3) {
            headers['webhook-timestamp'] = String(Math.floor(Date.now() / 1000) - 301);
            intact = false;
          } else if (mutation === 4) {
            delete headers['webhook-id'];
            intact = false;
          } else if (mutation === 5) {
            sent = 'x'.repeat(5000);
            intact = false;
          } else if (mutation === 6) {
            headers['webhook-timestamp'] = '1e99';
            intact = false;
          }
          const response = await fetch(url, { method: 'POST', headers, body: sent });
          await response.arrayBuffer();
          assert.ok([200, 400, 401, 413, 500].includes(response.status), `status ${response.status}`);
          if (intact) {
            assert.equal(response.status, 200);
            valid.add(id);
          } else {
            assert.notEqual(response.status, 200, `mutation ${mutation} was accepted`);
          }
        }
        const get = await fetch(url);
        assert.equal(get.status, 405);
      } finally {
        server.close();
        process.off('unhandledRejection', onUnhandled);
      }
      assert.equal(processed.size, valid.size);
      assert.ok([...processed.values()].every((n) => n === 1), 'replays (same id, fresh signature) are processed once');
      assert.ok(onErrorCalls > 0, 'failures reached onError');
      assert.deepEqual(unhandled, [], 'a throwing onError never escapes');
    });
  }
}
