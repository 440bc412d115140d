/**
 * Receivers end to end over real HTTP on loopback: runwire-signed deliveries are verified,
 * deduplicated on the webhook id (a replay is acknowledged with 200 and not processed twice),
 * wrong signatures get a fixed 401, a failing handler releases the id so the retry is processed.
 * Node: `webhookMiddleware` under `http.createServer` and Express-style (`express.raw()` body,
 * `next`). workerd: `webhookHandler` as a Worker's fetch handler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import * as rw from 'runwire';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles } from '../support/workerd.mjs';

const secret = rw.generateSecret();

function delivery(id, data, { timestamp } = {}) {
  const body = JSON.stringify({ type: 'agent.custom', data });
  const headers = rw.signWebhook(body, { id, secrets: [secret], timestamp });
  return { body, headers: { ...headers, 'content-type': 'application/json' } };
}

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/hook` };
}

async function post(url, { body, headers }) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: await res.json() };
}

test('node http middleware: verify, dedupe, replay acknowledged, 401 without details', async () => {
  const processed = [];
  const errors = [];
  let failNext = false;
  const middleware = rw.webhookMiddleware({
    secrets: secret,
    onWebhook: (payload, meta) => {
      if (failNext) {
        failNext = false;
        throw new Error('downstream unavailable');
      }
      processed.push({ id: meta.id, payload });
    },
    onError: (e) => errors.push(e),
  });
  const { server, url } = await listen(middleware);
  try {
    const first = delivery('run-1:on_custom_event:1', { n: 1 });
    assert.deepEqual(await post(url, first), { status: 200, body: { ok: true } });
    assert.deepEqual(await post(url, first), { status: 200, body: { ok: true, duplicate: true } }, 'exact replay');
    const resigned = delivery('run-1:on_custom_event:1', { n: 1 }, { timestamp: Math.floor(Date.now() / 1000) - 5 });
    assert.equal((await post(url, resigned)).body.duplicate, true, 'a retry re-signed with a fresh timestamp is a duplicate too');
    assert.equal(processed.length, 1);
    assert.deepEqual(processed[0], { id: 'run-1:on_custom_event:1', payload: { type: 'agent.custom', data: { n: 1 } } });

    const tampered = delivery('run-1:on_custom_event:2', { n: 2 });
    tampered.body = tampered.body.replace('2', '3');
    const rejected = await post(url, tampered);
    assert.deepEqual(rejected, { status: 401, body: { error: 'invalid webhook signature' } });
    assert.equal(errors.at(-1).code, 'ERR_RUNWIRE_SIGNATURE_MISMATCH');
    const wrongKey = delivery('run-1:on_custom_event:2', { n: 2 });
    wrongKey.headers['webhook-signature'] = rw.signWebhook(wrongKey.body, { id: 'run-1:on_custom_event:2', secrets: [rw.generateSecret()] })['webhook-signature'];
    assert.equal((await post(url, wrongKey)).status, 401);
    assert.equal(processed.length, 1, 'nothing unverified was processed');

    failNext = true;
    const flaky = delivery('run-1:on_custom_event:3', { n: 3 });
    assert.equal((await post(url, flaky)).status, 500, 'handler failure answers 500 so the sender retries');
    assert.deepEqual(await post(url, flaky), { status: 200, body: { ok: true } }, 'the retry is processed');
    assert.equal(processed.length, 2);
    assert.ok(errors.every((e) => !String(e?.message).includes(secret)), 'no secret in any error');

    const res = await fetch(url);
    assert.equal(res.status, 405);
  } finally {
    server.close();
  }
});

test('express-style: raw body from express.raw(), parsed body refused, errors to next()', async () => {
  const processed = [];
  const middleware = rw.webhookMiddleware({ secrets: [rw.generateSecret(), secret], onWebhook: (p) => processed.push(p) });
  const nextErrors = [];
  const { server, url } = await listen(async (req, res) => {
    // What express.raw() / express.json() leave on req.
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks);
    if (req.url === '/parsed') req.body = JSON.parse(raw.toString());
    else req.body = raw;
    await middleware(req, res, (err) => {
      nextErrors.push(err);
      res.statusCode = 500;
      res.end('{}');
    });
  });
  try {
    const d = delivery('run-2:on_tool_end:1', { tool: 'calc' });
    assert.deepEqual(await post(url, d), { status: 200, body: { ok: true } });
    assert.equal((await post(url, d)).body.duplicate, true);
    assert.equal(processed.length, 1);
    await post(url.replace('/hook', '/parsed'), delivery('run-2:on_tool_end:2', {}));
    assert.equal(nextErrors[0].code, 'ERR_RUNWIRE_RAW_BODY_UNAVAILABLE');
  } finally {
    server.close();
  }
});

test('memory dedupe store: TTL expiry and size bound', () => {
  let now = 0;
  const store = rw.createMemoryDedupeStore({ ttlMs: 1000, maxEntries: 3, now: () => now });
  assert.equal(store.claim('a'), true);
  assert.equal(store.claim('a'), false);
  now = 1000;
  assert.equal(store.claim('a'), true, 'expired after its TTL');
  for (const id of ['b', 'c', 'd', 'e']) store.claim(id);
  assert.ok(store.size <= 3);
  store.release('e');
  assert.equal(store.claim('e'), true);
});

test('workerd fetch handler: verify, dedupe, replay acknowledged', async () => {
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'receiver-worker.js',
    files: [...runwireModuleFiles()],
    extraModules: {
      'receiver-worker.js': `
        import { webhookHandler } from './${entry}';
        let processed = 0;
        const handler = webhookHandler({ secrets: ${JSON.stringify(secret)}, onWebhook: () => { processed += 1; } });
        export default {
          fetch(request) {
            if (new URL(request.url).pathname === '/count') return Response.json({ processed });
            return handler(request);
          },
        };`,
    },
  });
  try {
    const d = delivery('run-3:on_custom_event:1', { edge: true });
    assert.deepEqual(await post(`${worker.url}/hook`, d), { status: 200, body: { ok: true } });
    assert.deepEqual(await post(`${worker.url}/hook`, d), { status: 200, body: { ok: true, duplicate: true } });
    const bad = delivery('run-3:on_custom_event:2', {});
    bad.headers['webhook-signature'] = 'v1,AAAA';
    assert.equal((await post(`${worker.url}/hook`, bad)).status, 401);
    assert.deepEqual(await (await fetch(`${worker.url}/count`)).json(), { processed: 1 });
  } finally {
    await worker.stop();
  }
});
