/**
 * Where the JS thread's time per `send()` goes (issue 9, JS/native batching: measure first).
 * In one process, 100,000 events each: `JSON.stringify` of the event alone; `send()` of an event
 * every sink filters out (stringify + the napi call + a counter: the cost of crossing the
 * boundary); `send()` accepted to a function sink without and with the spool (`fsync: 'batch'`).
 * The difference between the last two and the filtered one is the engine's accept work (id,
 * allocations, the lane lock and waking a worker).
 *
 *   node bench/engine/send-cost.mjs
 */
import * as rw from 'runwire';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const N = 100_000;
const event = (i) => ({ event: 'on_tool_end', name: 'calculator', output: `result ${i} — café ☕`, step_index: i % 10 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * Times the `send()` calls: 100,000 of them in chunks of 2,000, yielding between chunks. Also the
 * JS thread's whole busy time over the same span (event-loop utilisation): with the addon's
 * batching (src/batcher.js) the hand-over runs after the chunk, in a callback of its own.
 */
async function timeSends(label, d) {
  let t = 0;
  const elu0 = performance.eventLoopUtilization();
  for (let i = 0; i < N; i += 2000) {
    const t0 = performance.now();
    for (let j = i; j < i + 2000; j++) d.send('on_tool_end', `run${j}`, event(j), { rootRunId: `root${j}` });
    t += performance.now() - t0;
    await sleep(0);
  }
  const busy = performance.eventLoopUtilization(elu0).active;
  await d.close(60_000);
  console.log(label, ((t * 1000) / N).toFixed(2), 'µs/send,', ((busy * 1000) / N).toFixed(2), 'µs/event JS-thread busy');
}
const accepted = (options) => rw.createDelivery({ exitDrainMs: false, sinks: [{ send: () => true, events: '*', concurrency: 8, queueCapacity: 1_000_000 }], ...options });
let t = 0;
let chars = 0;
for (let i = 0; i < N; i++) { const t0 = performance.now(); chars += JSON.stringify(event(i)).length; t += performance.now() - t0; }
console.log('JSON.stringify (event object built too)', ((t * 1000) / N).toFixed(2), 'µs', `(${chars / N} chars)`);
for (let k = 0; k < 2; k++) {
  await timeSends('send() accepted, off', accepted({}));
  const dir = mkdtempSync(join(tmpdir(), 'rw-micro-'));
  await timeSends('send() accepted, spool batch', accepted({ spool: { dir, fsync: 'batch' } }));
  rmSync(dir, { recursive: true, force: true });
}
await timeSends('filtered (stringify + napi call + count)', rw.createDelivery({ exitDrainMs: false, sinks: [{ send: () => true, events: ['on_custom_event'] }] }));
process.exit(0);
