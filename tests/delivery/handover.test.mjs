/**
 * The addon's batched hand-over (npm/runwire/src/batcher.js → crates/node/src/ingest.rs):
 * `send()` buffers accepted events and one native call per loop turn hands them to the ingest
 * thread. What a caller can observe must not change: synchronous answers and errors, counts that
 * include every accepted event, each run's order (across the batched and the one-call paths and
 * the run-completion webhook), nothing left behind by `close()`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as rw from 'runwire';

const recording = (options = {}) => {
  const seen = [];
  const delivery = rw.createDelivery({
    exitDrainMs: false,
    sinks: [{ send: (m) => void seen.push(m), events: '*', concurrency: 4, queueCapacity: 200_000, ordering: 'run', ...options }],
  });
  return { delivery, seen };
};

/** JSON nested `levels` deep: `{"a":{"a":…}}`. */
function nested(levels) {
  let data = 1;
  for (let i = 0; i < levels; i++) data = { a: data };
  return data;
}

test('stats() right after send() counts every accepted event', async () => {
  const { delivery } = recording();
  for (let i = 0; i < 1000; i++) assert.equal(delivery.send('on_tool_end', `run-${i % 10}`, { i }), true);
  const stats = delivery.stats();
  assert.equal(stats.accepted, 1000);
  assert.equal(stats.accepted, stats.delivered + stats.dead_lettered + stats.pending + stats.filtered);
  const final = await delivery.close(10_000);
  assert.equal(final.delivered, 1000);
});

test('a long synchronous loop is handed over in bounded batches and fully delivered in order', async () => {
  const { delivery, seen } = recording();
  const n = 50_000;
  for (let i = 0; i < n; i++) delivery.send('on_custom_event', `run-${i % 7}`, { i });
  const stats = await delivery.close(30_000);
  assert.equal(stats.delivered, n);
  const last = new Map();
  for (const m of seen) {
    const { i } = JSON.parse(m.body).data;
    assert.ok(i > (last.get(m.run_id) ?? -1), `run ${m.run_id}: ${i} after ${last.get(m.run_id)}`);
    last.set(m.run_id, i);
  }
});

test('bad input still fails synchronously with the engine\'s own error, and nothing before it is lost', async () => {
  const { delivery, seen } = recording();
  delivery.send('on_tool_end', 'run-a', { n: 0 });
  assert.throws(() => delivery.send('on_tool_end', 'run.a', { n: 1 }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  assert.throws(() => delivery.send('on_tool_end', '', { n: 1 }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  assert.throws(() => delivery.send('', 'run-a', { n: 1 }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  assert.throws(() => delivery.send('on tool end', 'run-a', { n: 1 }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  assert.throws(() => delivery.send('on_tool_end', 'run a', { n: 1 }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  assert.throws(() => delivery.send('on_tool_end', 'x'.repeat(257), { n: 1 }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  assert.throws(() => delivery.send('on_tool_end', 'run-a', nested(101)), (error) => error.code?.startsWith('ERR_RUNWIRE_'));
  // 100 levels is the limit: accepted, through the one-call path's exact check.
  assert.equal(delivery.send('on_tool_end', 'run-a', nested(99)), true);
  // Many brackets that are not nesting: a false alarm of the quick check, accepted all the same.
  assert.equal(delivery.send('on_tool_end', 'run-a', { list: Array.from({ length: 150 }, () => ({})) }), true);
  // A root run id is a lane key, not part of an id: any string, even one the quick check refuses.
  assert.equal(delivery.send('on_tool_end', 'run-a', { n: 2 }, { rootRunId: 'run-a' }), true);
  assert.equal(delivery.send('on_tool_end', 'run-a', { n: 3 }, { rootRunId: 'run-a\x1f' }), true);
  const stats = await delivery.close(10_000);
  assert.equal(stats.accepted, 5);
  assert.equal(stats.delivered, 5);
  const labels = seen.map((m) => {
    const data = JSON.parse(m.body).data;
    return 'n' in data ? `n${data.n}` : Object.keys(data)[0];
  });
  // One lane (root run-a) in send order across both paths; n3 has a lane of its own.
  assert.deepEqual(labels.filter((l) => l !== 'n3'), ['n0', 'a', 'list', 'n2']);
  assert.ok(labels.includes('n3'));
});

test('an event no sink wants answers false at once and counts as filtered', async () => {
  const { delivery } = recording({ events: ['on_tool_end'] });
  assert.equal(delivery.send('on_chain_end', 'run-a', {}), false);
  assert.equal(delivery.send('on_tool_end', 'run-a', {}), true);
  const stats = delivery.stats();
  assert.equal(stats.filtered, 1);
  assert.equal(stats.accepted, 2);
  await delivery.close(10_000);
});

test('a run\'s completion webhook follows its buffered events', async () => {
  const seen = [];
  const delivery = rw.createDelivery({
    exitDrainMs: false,
    sinks: [{ send: (m) => void seen.push(m), events: '*', ordering: 'run', concurrency: 4 }],
  });
  const runId = '1ef4b2a8-5a5e-6f0c-9d42-7c3b1e0f4a11';
  for (let i = 0; i < 20; i++) delivery.send('on_custom_event', runId, { i });
  delivery.sendRunCompletion({ run_id: runId, thread_id: 't-1', assistant_id: 'a-1', status: 'success', started_at_ms: 1, ended_at_ms: 2, values: {} });
  await delivery.close(10_000);
  assert.equal(seen.length, 21);
  assert.equal(seen.at(-1).id, `${runId}:run_completed`);
});

test('close() delivers what was buffered; send() afterwards throws the engine\'s closed error', async () => {
  const { delivery } = recording();
  for (let i = 0; i < 100; i++) delivery.send('on_tool_end', 'run-a', { i });
  const closing = delivery.close(10_000);
  assert.throws(() => delivery.send('on_tool_end', 'run-a', {}), (error) => error.code?.startsWith('ERR_RUNWIRE_'));
  const stats = await closing;
  assert.equal(stats.accepted, 100);
  assert.equal(stats.delivered, 100);
});

test('while close() catches up off the JS thread: send() and replay() are refused as closed, stats() counts every accepted event', async () => {
  const { delivery, seen } = recording();
  const n = 30_000;
  for (let i = 0; i < n; i++) delivery.send('on_tool_end', `run-${i % 5}`, { i });
  const closing = delivery.close(30_000);
  assert.throws(() => delivery.send('on_tool_end', 'run-a', {}), { code: 'ERR_RUNWIRE_DELIVERY_CLOSED' });
  const record = { id: 'run-a:on_tool_end:0', sink: 0, event: 'on_tool_end', run_id: 'run-a', body: '{}', attempts: 1, reason: 'x', dead_lettered_at: new Date().toISOString() };
  assert.throws(() => delivery.replay(record), { code: 'ERR_RUNWIRE_DELIVERY_CLOSED' });
  const during = delivery.stats();
  assert.equal(during.accepted, n);
  assert.equal(during.accepted, during.delivered + during.dead_lettered + during.pending + during.filtered);
  const stats = await closing;
  assert.equal(stats.accepted, n);
  assert.equal(stats.delivered, n);
  assert.equal(seen.length, n);
});

test('drain() covers events sent in the same turn', async () => {
  const { delivery, seen } = recording();
  for (let i = 0; i < 300; i++) delivery.send('on_tool_end', `run-${i % 3}`, { i });
  const stats = await delivery.drain(10_000);
  assert.equal(stats.delivered, 300);
  assert.equal(seen.length, 300);
  await delivery.close(1_000);
});

test('the handler\'s on_custom_event records, put together member by member, equal JSON.stringify of the record', async () => {
  const seen = [];
  const errors = [];
  const handler = rw.createWebhookHandler({
    exitDrainMs: false,
    sinks: [{ send: (m) => void seen.push(m), events: '*', concurrency: 1 }],
    onError: (error) => errors.push(error),
  });
  const mutableName = { step: 1 };
  const cases = [
    ['progress', { pct: 10, note: 'café ☕ 𝄞' }, 'run-a', [], {}],
    ['progress', { pct: 20 }, 'run-a', ['t1', 't2'], { langgraph_node: 'agent', step: 3 }],
    ['other', undefined, 'run-a', undefined, undefined],
    ['other', () => 1, 'run-b', [], {}],
    ['dated', { at: new Date(0), skip: undefined, list: [undefined, Symbol('s')] }, 'run-b', ['x'], { nested: { deep: [1, 2] } }],
    [undefined, 'plain string', 'run-b', [], {}],
    // The same name object, changed in between: its JSON is not remembered.
    [mutableName, { n: 1 }, 'run-b', [], {}],
    [mutableName, { n: 2, renameBefore: true }, 'run-b', [], {}],
    ['deep', nested(99), 'run-c', [], {}],
  ];
  // What JSON.stringify makes of each record at the moment it is sent, in canonical member order.
  const expected = cases.map(([name, data, runId, tags, metadata]) => {
    if (data?.renameBefore) mutableName.step = 2;
    const record = { event: 'on_custom_event', name, run_id: runId, tags: tags ?? [], metadata: metadata ?? {}, data };
    const text = JSON.stringify(sortKeys(JSON.parse(JSON.stringify(record))));
    handler.handleCustomEvent(name, data, runId, tags, metadata);
    return text;
  });
  // One level more than the core's limit once inside the record: refused, reported, not accepted.
  handler.handleCustomEvent('too-deep', nested(100), 'run-c', [], {});
  handler.handleCustomEvent('bigint', { n: 1n }, 'run-c', [], {});
  await handler.delivery.close(10_000);
  const delivered = seen.map((m) => JSON.stringify(JSON.parse(m.body).data));
  assert.deepEqual(delivered.sort(), [...expected].sort());
  // Both refused before acceptance (the too-deep one by the engine's exact count), with a code.
  assert.deepEqual(errors.map((e) => e.code), ['ERR_RUNWIRE_UNSERIALIZABLE', 'ERR_RUNWIRE_UNSERIALIZABLE']);
  const stats = handler.delivery.stats();
  assert.equal(stats.accepted, cases.length);
});

/** The canonical body's member order (sorted keys), to compare texts. */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
}

test('events larger than one hand-over\'s text cross alone, in order with the small ones around them', async () => {
  const { delivery, seen } = recording();
  const big = 'x'.repeat(70_000);
  for (let i = 0; i < 600; i++) delivery.send('on_custom_event', 'run-big', i % 100 === 50 ? { i, big } : { i });
  const stats = await delivery.close(30_000);
  assert.equal(stats.delivered, 600);
  const order = seen.map((m) => JSON.parse(m.body).data);
  assert.deepEqual(order.map((d) => d.i), Array.from({ length: 600 }, (_, i) => i));
  // (The envelope shortens long strings; the event itself arrived.)
  assert.equal(order.filter((d) => typeof d.big === 'string' && d.big.startsWith('xxxx')).length, 6);
});
