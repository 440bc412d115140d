/**
 * One sink-benchmark run in a fresh process: `node scenario.mjs <sink> <contender> <targetJson> <events>`.
 * Sends the events as fast as the contender accepts them, waits until every one is acknowledged
 * by the server (runwire: close() = drained), and prints one JSON line: events/s over the whole
 * run, and JS-thread µs/event = event-loop active time (performance.eventLoopUtilization) / events,
 * plus the main thread's own CPU time per event and its wait for a CPU (run-queue time) per event.
 */
import { readFileSync } from 'node:fs';
import * as rw from 'runwire';
import { contenders } from './contenders.mjs';

const [sink, name, targetJson, eventsText] = process.argv.slice(2);
const target = JSON.parse(targetJson);
const events = Number(eventsText);
const contender = await contenders[sink][name](target, rw);
const event = (i) => ({ event: 'on_tool_end', name: 'calculator', output: `result ${i} — café ☕`, step_index: i });

/**
 * The main thread's [own CPU time, time runnable but waiting for a CPU] in ns (schedstat). Busy
 * time counts both; on 2 cores shared with the server and runwire's threads the wait is large.
 */
const schedstat = () => readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').slice(0, 2).map(Number);

const [cpu0, wait0] = schedstat();
const elu0 = performance.eventLoopUtilization();
const t0 = performance.now();
for (let i = 0; i < events; i += 1) {
  contender.send(event(i), i);
  if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
}
const failures = await contender.done();
const ms = performance.now() - t0;
const elu = performance.eventLoopUtilization(elu0);
const [cpu1, wait1] = schedstat();
const jsCpuUsPerEvent = (cpu1 - cpu0) / 1000 / events;
const jsWaitUsPerEvent = (wait1 - wait0) / 1000 / events;
console.log(JSON.stringify({ sink, contender: name, events, failures, ms, eventsPerSec: (events / ms) * 1000, jsUsPerEvent: (elu.active * 1000) / events, jsCpuUsPerEvent, jsWaitUsPerEvent }));
process.exit(0);
