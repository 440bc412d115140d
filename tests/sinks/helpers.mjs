/**
 * Shared pieces of the queue-sink tests: the events they send, how a read-back record is
 * verified (the same Standard Webhooks check a webhook receiver makes), and the accounting every
 * fault test ends with: accepted = delivered + dead_lettered + pending, and every accepted event
 * read back or dead-lettered with a reason.
 */
import assert from 'node:assert/strict';

export const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The id the engine gives event i (its own run, first custom event of that run). */
export const idOf = (i) => `run-${i}:on_custom_event:1`;

/**
 * Sends `count` custom events in `slices` slices, calling `between(slice)` after each (where a
 * fault test injects its faults) and yielding to the event loop.
 */
export async function sendEvents(delivery, count, { slices = 20, pauseMs = 10, between, root } = {}) {
  const per = Math.ceil(count / slices);
  for (let slice = 0; slice * per < count; slice += 1) {
    for (let i = slice * per; i < Math.min(count, (slice + 1) * per); i += 1) {
      const data = { event: 'on_custom_event', name: 'progress', run_id: `run-${i}`, data: { i, note: 'café ☕ — non-ASCII bytes' } };
      if (root) data.parent_ids = [root(i)];
      assert.equal(delivery.send('on_custom_event', `run-${i}`, data), true);
    }
    await between?.(slice);
    await sleep(pauseMs);
  }
}

/** Verifies one read-back record's body against its signature fields; returns its id. */
export function verifyRecord(rw, body, fields) {
  const headers = {
    'webhook-id': fields['webhook-id'],
    'webhook-timestamp': fields['webhook-timestamp'],
    'webhook-signature': fields['webhook-signature'],
  };
  // Fault tests re-read records minutes after they were signed: widen the replay window.
  const verified = rw.verifyWebhook(body, headers, SECRET, { toleranceSec: 3600 });
  assert.equal(verified.id, fields.id);
  assert.equal(fields.type, 'agent.custom');
  assert.equal(fields.event, 'on_custom_event');
  assert.equal(JSON.parse(body).type, 'agent.custom');
  return fields.id;
}

/**
 * The end of every sink test: the stats invariant, and every accepted id either read back
 * (`seen`: id → copies) or in the DLQ with a reason — never both, never neither.
 */
export function assertAccounted({ stats, count, seen, dead, allowLost = 0, label }) {
  assert.equal(stats.pending, 0, `${label}: nothing pending after drain`);
  assert.equal(stats.accepted, count, `${label}: accepted`);
  assert.equal(stats.accepted, stats.delivered + stats.dead_lettered + stats.pending + stats.filtered, `${label}: invariant`);
  assert.equal(dead.length, stats.dead_lettered, `${label}: every dead letter reached the store`);
  const deadIds = new Map(dead.map((d) => [d.id, d]));
  assert.equal(deadIds.size, dead.length, `${label}: dead-lettered at most once`);
  let missing = 0;
  // At least once: a request the server carried out but whose answer was lost (timeout, reset)
  // counts as failed; if its retries then run out, the event is both read back and
  // dead-lettered. The sender cannot know; consumers dedupe on id. Counted, not hidden.
  let both = 0;
  for (let i = 0; i < count; i += 1) {
    const id = idOf(i);
    const letter = deadIds.get(id);
    if (letter) {
      assert.ok(letter.reason, `${label}: ${id} has a reason`);
      if (seen.has(id)) both += 1;
    } else if (!seen.has(id)) {
      missing += 1;
    }
  }
  assert.ok(missing <= allowLost, `${label}: ${missing} accepted events neither read back nor dead-lettered (allowed ${allowLost})`);
  const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  return { missing, duplicates, both, deadReasons: countBy(dead, (d) => d.reason) };
}

export function countBy(items, key) {
  const out = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
