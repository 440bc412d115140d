/**
 * One sink-benchmark run in a fresh process: `node scenario.mjs <sink> <contender> <targetJson> <events>`.
 * Sends the events as fast as the contender accepts them, waits until every one is acknowledged
 * by the server (runwire: close() = drained), and prints one JSON line: events/s over the whole
 * run, and JS-thread µs/event = event-loop active time (performance.eventLoopUtilization) / events.
 */
import * as rw from 'runwire';
import { contenders } from './contenders.mjs';

const [sink, name, targetJson, eventsText] = process.argv.slice(2);
const target = JSON.parse(targetJson);
const events = Number(eventsText);
const contender = await contenders[sink][name](target, rw);
const event = (i) => ({ event: 'on_tool_end', name: 'calculator', output: `result ${i} — café ☕`, step_index: i });

const elu0 = performance.eventLoopUtilization();
const t0 = performance.now();
for (let i = 0; i < events; i += 1) {
  contender.send(event(i), i);
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
}
const failures = await contender.done();
const ms = performance.now() - t0;
const elu = performance.eventLoopUtilization(elu0);
console.log(JSON.stringify({ sink, contender: name, events, failures, ms, eventsPerSec: (events / ms) * 1000, jsUsPerEvent: (elu.active * 1000) / events }));
process.exit(0);
