/**
 * One sink-benchmark run in a fresh process: `node scenario.mjs <sink> <contender> <targetJson> <events>`.
 * Sends the events as fast as the contender accepts them, waits until every one is acknowledged
 * by the server (runwire: close() = drained), and prints one JSON line: events/s over the whole
 * run, and JS-thread µs/event = event-loop active time (performance.eventLoopUtilization) / events,
 * plus the main thread's own CPU time per event (what busy time counts minus preemption).
 */
import { readFileSync } from 'node:fs';
import * as rw from 'runwire';
import { contenders } from './contenders.mjs';

const [sink, name, targetJson, eventsText] = process.argv.slice(2);
const target = JSON.parse(targetJson);
const events = Number(eventsText);
const contender = await contenders[sink][name](target, rw);
const event = (i) => ({ event: 'on_tool_end', name: 'calculator', output: `result ${i} — café ☕`, step_index: i });

/** The main thread's own CPU time in ns (schedstat): unlike busy time, not inflated by preemption. */
const cpuNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);

const cpu0 = cpuNs();
const elu0 = performance.eventLoopUtilization();
const t0 = performance.now();
for (let i = 0; i < events; i += 1) {
  contender.send(event(i), i);
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
}
const failures = await contender.done();
const ms = performance.now() - t0;
const elu = performance.eventLoopUtilization(elu0);
const jsCpuUsPerEvent = (cpuNs() - cpu0) / 1000 / events;
console.log(JSON.stringify({ sink, contender: name, events, failures, ms, eventsPerSec: (events / ms) * 1000, jsUsPerEvent: (elu.active * 1000) / events, jsCpuUsPerEvent }));
process.exit(0);
