/**
 * Run webhooks go through the delivery engine like every other message, on both builds:
 * retries with the same `webhook-id` and bytes, Retry-After, dead letters with the exact body and
 * replay (same id, fresh signature), hooks and stats; `?token=` query auth reaches the receiver
 * and never appears in stats, hooks or dead letters; and one delivery can carry agent events and
 * run webhooks side by side. The receiver is the loopback fault server (fault injection).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startFaultServer } from '../support/fault-server.mjs';
import { assertLangGraphPayload } from '../support/langgraph-payload.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const TOKEN = 'query-token-that-must-not-leak';

for (const entry of ['runwire', 'runwire/web']) {
  test(`retries keep one id and the same bytes; Retry-After is honoured (${entry})`, async () => {
    const rw = await import(entry);
    // First attempt 429 with Retry-After: 1 (clamped to [delay, 2×delay]), then 200.
    let calls = 0;
    const server = await startFaultServer({
      secret: SECRET,
      rule: () => (++calls === 1 ? { kind: 'status', status: 429, headers: { 'retry-after': '1' } } : { kind: 'status', status: 200 }),
    });
    try {
      const failures = [];
      const hook = rw.createRunWebhookHandler({
        url: server.url('/hook'), secret: SECRET, urlPolicy: { profile: 'dev' }, retryDelaysMs: [200], jitter: false,
        hooks: { onAttemptFailed: (e) => failures.push(e) },
      });
      const started = Date.now();
      await rw.invokeRun(async () => ({ done: true }), 'go', { callbacks: [hook] });
      const stats = await hook.delivery.drain(10_000);
      assert.deepEqual([stats.delivered, stats.attempts, stats.failed_attempts], [1, 2, 1]);
      assert.equal(server.received.length, 2);
      const [first, second] = server.received;
      assert.equal(first.id, second.id);
      assert.match(first.id, /^[0-9a-f-]+:run_completed$/);
      assert.equal(first.body, second.body, 'the signed body is fixed at acceptance');
      assert.equal(failures.length, 1);
      assert.equal(failures[0].status, 429);
      assert.equal(failures[0].next_delay_ms, 400, 'Retry-After 1 s clamped to 2 × 200 ms');
      assert.ok(second.at - first.at >= 350, 'waited for the clamped Retry-After');
      assert.ok(Date.now() - started < 5_000);
      assert.equal(server.verifyFailures, 0);
      await hook.delivery.close(100);
    } finally {
      await server.close();
    }
  });

  test(`?token= reaches the receiver and never stats, hooks or dead letters; replay re-signs (${entry})`, async () => {
    const rw = await import(entry);
    const server = await startFaultServer({ secret: SECRET });
    try {
      const dead = [];
      const events = [];
      const hook = rw.createRunWebhookHandler({
        name: 'ops', url: server.url('/status/503'), queryToken: TOKEN, secret: SECRET, urlPolicy: { profile: 'dev' },
        retryDelaysMs: [10, 10], jitter: false, dlq: (record) => dead.push(record),
        hooks: { onEvent: (e) => events.push(e) },
      });
      await rw.invokeRun(async () => ({ answer: 42 }), 'q', { callbacks: [hook], configurable: { thread_id: 'th' } });
      const stats = await hook.delivery.drain(5_000);
      assert.deepEqual([stats.dead_lettered, stats.attempts], [1, 3]);
      assert.equal(server.received.length, 3);
      assert.ok(server.received.every((r) => r.path === `/status/503?token=${TOKEN}`), 'the token travels in the query');
      assert.equal(dead.length, 1);
      const record = dead[0];
      assert.equal(record.reason, 'exhausted');
      assert.equal(record.event, 'run_completed');
      assert.equal(record.sink, 'ops');
      assert.match(record.id, /:run_completed$/);
      assertLangGraphPayload(record.body, { status: 'success' });
      for (const [what, text] of [['stats', JSON.stringify(stats)], ['hooks', JSON.stringify(events)], ['dead letter', JSON.stringify(record)]]) {
        assert.ok(!text.includes(TOKEN), `the token leaked into ${what}`);
      }
      assert.ok(events.some((e) => e.type === 'message.exhausted'));

      // Replay the dead letter to a healthy endpoint: same id and bytes, a fresh signature.
      const healthy = rw.createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ name: 'ops', url: server.url('/ok'), secret: SECRET, events: ['run_completed'] }] });
      healthy.replay(record);
      await healthy.drain(5_000);
      const replayed = server.received.at(-1);
      assert.equal(replayed.path, '/ok');
      assert.equal(replayed.id, record.id);
      assert.equal(replayed.body, record.body);
      assert.deepEqual(new Webhook(SECRET).verify(replayed.body, replayed.headers), JSON.parse(record.body));
      await healthy.close(100);
      await hook.delivery.close(100);
    } finally {
      await server.close();
    }
  });

  test(`one delivery carries agent events and run webhooks; the run webhook id is stable per run (${entry})`, async () => {
    const rw = await import(entry);
    const server = await startFaultServer({ secret: SECRET });
    try {
      const delivery = rw.createDelivery({
        urlPolicy: { profile: 'dev' },
        sinks: [
          { name: 'runs', url: server.url('/ok/runs'), secret: SECRET, events: ['run_completed'] },
          { name: 'events', url: server.url('/ok/events'), secret: SECRET, events: ['on_custom_event'] },
        ],
      });
      const hook = rw.createRunWebhookHandler({ delivery, assistantId: 'solo' });
      const events = delivery.handler();
      await rw.invokeRun(async (x, config) => {
        await rw.dispatchCustomEvent('progress', { x }, config);
        return x;
      }, 7, { callbacks: [hook, events] });
      const stats = await hook.delivery.drain(5_000);
      assert.equal(stats.delivered, 2);
      const runs = server.received.filter((r) => r.path === '/ok/runs');
      const custom = server.received.filter((r) => r.path === '/ok/events');
      assert.equal(runs.length, 1);
      assert.equal(custom.length, 1);
      const payload = assertLangGraphPayload(runs[0].body, { status: 'success' });
      assert.equal(runs[0].id, `${payload.run_id}:run_completed`);
      assert.equal(payload.assistant_id, 'solo');
      assert.equal(JSON.parse(custom[0].body).type, 'agent.custom');
      assert.deepEqual(stats.sinks.map((s) => [s.name, s.delivered, s.filtered]), [['runs', 1, 1], ['events', 1, 1]]);
      assert.throws(() => rw.createRunWebhookHandler({ delivery: {} }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
      await delivery.close(100);
    } finally {
      await server.close();
    }
  });

  test(`runWebhookPayload builds the exact bytes; bad runs fail with a typed error (${entry})`, async () => {
    const rw = await import(entry);
    const run = {
      run_id: 'r-1', thread_id: 't-1', assistant_id: 'agent', status: 'error', metadata: { a: 1 }, kwargs: { input: 'x' },
      started_at_ms: Date.UTC(2026, 0, 1), ended_at_ms: Date.UTC(2026, 0, 1, 0, 0, 2), error: { error: 'ValueError', message: 'bad' },
    };
    const text = rw.runWebhookPayload(run, { sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 3)) });
    assert.equal(text, '{"run_id":"r-1","thread_id":"t-1","assistant_id":"agent","status":"error","metadata":{"a":1},'
      + '"kwargs":{"input":"x"},"multitask_strategy":"reject","created_at":"2026-01-01T00:00:00.000Z",'
      + '"updated_at":"2026-01-01T00:00:02.000Z","run_started_at":"2026-01-01T00:00:00.000Z",'
      + '"run_ended_at":"2026-01-01T00:00:02.000Z","webhook_sent_at":"2026-01-01T00:00:03.000Z",'
      + '"error":{"error":"ValueError","message":"bad"}}');
    assert.throws(() => rw.runWebhookPayload({ ...run, status: 'pending' }), { code: 'ERR_RUNWIRE_RUN_WEBHOOK' });
    assert.throws(() => rw.runWebhookPayload({ ...run, status: 'success' }), {
      code: 'ERR_RUNWIRE_RUN_WEBHOOK', message: 'invalid run webhook: a successful run has no error',
    });
    const big = rw.runWebhookPayload({ ...run, status: 'success', error: undefined, values: { text: 'x'.repeat(5000) } }, { maxBytes: 2048 });
    assert.ok(big.length <= 2048);
    assert.equal(JSON.parse(big).truncated, true);
  });
}
