/**
 * The dead-letter callback contract: when `drain()` resolves, the `dlq` callback has been called
 * for every dead letter and any promise it returned has settled — so a script that persists dead
 * letters asynchronously and exits after `drain()` loses none. (The addon once counted a record
 * as stored when its callback was merely queued to the JS thread; the 10k-event fault test caught
 * `drain()` resolving one record early under load.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFaultServer } from '../support/fault-server.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const EVENTS = 200;

for (const entry of ['runwire', 'runwire/web']) {
  test(`drain() resolves only after an async dlq callback stored every dead letter (${entry})`, async () => {
    const rw = await import(entry);
    const server = await startFaultServer({ secret: SECRET, rule: () => ({ kind: 'status', status: 400 }) });
    const stored = [];
    try {
      const delivery = rw.createDelivery({
        urlPolicy: { profile: 'dev' },
        sinks: [{ name: 'rejecting', url: server.url('/hook'), secret: SECRET, concurrency: 16, events: ['on_custom_event'] }],
        dlq: async (record) => {
          await new Promise((resolve) => setTimeout(resolve, 2));
          stored.push(record.id);
        },
      });
      for (let i = 0; i < EVENTS; i += 1) delivery.send('on_custom_event', `run-${i}`, { i });
      const stats = await delivery.drain(30_000);
      assert.equal(stats.dead_lettered, EVENTS);
      assert.equal(stored.length, EVENTS, 'every dead letter reached the store before drain() resolved');
      assert.equal(new Set(stored).size, EVENTS);
      await delivery.close(1_000);
    } finally {
      await server.close();
    }
  });
}
