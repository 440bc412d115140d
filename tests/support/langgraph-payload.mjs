/**
 * LangGraph Platform's run-webhook payload shape (shared/spec/webhooks.md §8.2, §8.9), checked
 * field by field on a received body, plus a receiver that verifies each request with the
 * `standardwebhooks` npm package (the Standard Webhooks reference library) and then reads it the
 * way a receiver written for LangGraph Platform does: `JSON.parse(body)` and the fields.
 */
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';

/** LangGraph.js server key order; `values` omitted when undefined; `error` last when raised. */
export const LANGGRAPH_KEYS = [
  'run_id', 'thread_id', 'assistant_id', 'status', 'metadata', 'kwargs', 'multitask_strategy', 'created_at',
  'updated_at', 'run_started_at', 'run_ended_at', 'webhook_sent_at', 'values',
];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Asserts the body's top-level keys, order and field types; returns the parsed payload. */
export function assertLangGraphPayload(body, { status, values = true, interrupts = false } = {}) {
  const payload = JSON.parse(body);
  const expected = LANGGRAPH_KEYS.filter((k) => k !== 'values' || values);
  if (interrupts) expected.push('interrupts');
  if (status !== undefined && status !== 'success') expected.push('error');
  assert.deepEqual(Object.keys(payload), expected, 'LangGraph key order');
  assert.equal(typeof payload.run_id, 'string');
  assert.ok(payload.thread_id === null || typeof payload.thread_id === 'string');
  assert.equal(typeof payload.assistant_id, 'string');
  if (status !== undefined) assert.equal(payload.status, status);
  assert.ok(['success', 'error', 'timeout', 'interrupted'].includes(payload.status));
  for (const key of ['metadata', 'kwargs']) {
    assert.ok(payload[key] && typeof payload[key] === 'object' && !Array.isArray(payload[key]), key);
  }
  assert.equal(typeof payload.multitask_strategy, 'string');
  for (const key of ['created_at', 'updated_at', 'run_started_at', 'run_ended_at', 'webhook_sent_at']) {
    assert.match(payload[key], ISO, key);
    assert.ok(!Number.isNaN(Date.parse(payload[key])), key);
  }
  assert.ok(Date.parse(payload.run_started_at) <= Date.parse(payload.run_ended_at));
  assert.ok(Date.parse(payload.run_ended_at) <= Date.parse(payload.webhook_sent_at));
  if ('error' in payload) {
    assert.deepEqual(Object.keys(payload.error), ['error', 'message']);
    assert.equal(typeof payload.error.error, 'string');
    assert.equal(typeof payload.error.message, 'string');
  }
  return payload;
}

/**
 * A loopback receiver: verifies with `standardwebhooks`, answers 200, and hands the parsed
 * payload to a LangGraph-style reader. `received` holds `{ id, headers, body, payload }`.
 */
export async function startLangGraphReceiver(secret, { status = () => 200 } = {}) {
  const wh = new Webhook(secret);
  const received = [];
  const rejected = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        wh.verify(body, req.headers);
      } catch (error) {
        rejected.push({ body, error: error.message });
        res.writeHead(401).end();
        return;
      }
      const entry = { id: req.headers['webhook-id'], url: req.url, headers: req.headers, body, payload: readLikeLangGraph(body) };
      received.push(entry);
      res.writeHead(status(entry)).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    rejected,
    async waitFor(count, ms = 5_000) {
      const end = Date.now() + ms;
      while (received.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return received.length >= count;
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/** What a receiver written for LangGraph Platform's webhooks does: parse, read the fields. */
export function readLikeLangGraph(body) {
  const run = JSON.parse(body);
  return {
    runId: run.run_id,
    threadId: run.thread_id,
    assistantId: run.assistant_id,
    status: run.status,
    finished: run.status === 'success',
    values: run.values,
    error: run.error,
    endedAt: new Date(run.run_ended_at),
  };
}
