/**
 * One benchmark scenario for one contender, in a fresh process (so RSS and event-loop figures
 * belong to this run alone). Prints one JSON line.
 *
 *   node --expose-gc scenario.mjs <scenario> <contender module> <receiver url> <whsec> <github secret>
 *
 * scenarios: throughput (20k events as fast as the contender accepts them), latency (1k ev/s for
 * 5 s), slow (10k ev/s for 3 s to a receiver answering after 100 ms; event-loop delay p99),
 * idle (the same pacing timer, sending nothing), rss (100k events to a refused endpoint; the
 * enqueue phase is capped at 30 s and reports how many events got in).
 */
import { openSync, readSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

const [scenario, contenderPath, url, secret, githubSecret] = process.argv.slice(2);
const contenderModule = await import(contenderPath);
const contender = contenderModule.create({ url: `${url}/hooks`, secret, githubSecret });
// The floor contender (contenders/floor.mjs) sends nothing: there is nothing to wait for.
const delivers = contenderModule.delivers !== false;
const RUN_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const now = () => performance.timeOrigin + performance.now();
const event = (i) => ({ event: 'on_tool_end', name: 'calculator', output: `result ${i} — café ☕`, run_id: RUN_ID, step_index: i, sent_at: now() });

async function waitFor(count, timeoutMs) {
  const response = await fetch(`${url}/wait/${count}`, { signal: AbortSignal.timeout(timeoutMs) });
  return Number(await response.text());
}

/** Sends `rate` events/s for `seconds`, catching up on timer lateness; returns the number sent. */
async function paced(rate, seconds, send) {
  const start = performance.now();
  let sent = 0;
  const total = rate * seconds;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) send(sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  return sent;
}

/**
 * [CPU time ran, time spent runnable but waiting for a CPU] of the main (JS) thread, in ns (Linux
 * schedstat of the thread whose id is the pid). Event-loop busy time counts both — on 2 cores the
 * addon's own threads and the receiver preempt the JS thread — so all three are reported. The file
 * stays open: a contender with thousands of sockets open (the fetch baseline) would otherwise
 * run out of file descriptors for it.
 */
const schedstat = (() => {
  try {
    return openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return null;
  }
})();
const schedstatBuffer = Buffer.alloc(128);
function jsThreadSchedstat() {
  if (schedstat === null) return [NaN, NaN];
  const length = readSync(schedstat, schedstatBuffer, 0, schedstatBuffer.length, 0);
  return schedstatBuffer.toString('latin1', 0, length).split(' ').slice(0, 2).map(Number);
}

const result = { scenario };
if (scenario === 'throughput') {
  const n = 20_000;
  // The harness's own first fetch loads undici (≈ 47 ms of JS time): paid before the clock starts.
  await fetch(`${url}/stats`).then((response) => response.arrayBuffer());
  const elu0 = performance.eventLoopUtilization();
  const [cpu0, wait0] = jsThreadSchedstat();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    contender.send(event(i));
    if (i % 500 === 499) await yieldToLoop();
  }
  result.received = delivers ? await waitFor(n, 120_000) : 0;
  const seconds = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  const [cpu1, wait1] = jsThreadSchedstat();
  const jsCpuUsPerEvent = (cpu1 - cpu0) / 1000 / n;
  const jsWaitUsPerEvent = (wait1 - wait0) / 1000 / n;
  Object.assign(result, { events: n, seconds, eventsPerSec: delivers ? n / seconds : null, jsActiveMs: elu.active, jsUsPerEvent: (elu.active * 1000) / n, jsCpuUsPerEvent, jsWaitUsPerEvent });
  await contender.drain(10_000);
} else if (scenario === 'latency') {
  const sent = await paced(1000, 5, (i) => contender.send(event(i)));
  await waitFor(sent, 60_000);
  result.stats = await (await fetch(`${url}/stats`)).json();
  await contender.drain(10_000);
} else if (scenario === 'slow' || scenario === 'idle') {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const [cpu0, wait0] = jsThreadSchedstat();
  histogram.enable();
  const sent = await paced(10_000, 3, scenario === 'slow' ? (i) => contender.send(event(i)) : () => {});
  histogram.disable();
  const [cpu1, wait1] = jsThreadSchedstat();
  // Where the loop's time went besides its own work: waiting for a CPU that other threads or
  // processes held (on 2 cores, mostly the receiver).
  Object.assign(result, { sent, delayP99Ms: histogram.percentile(99) / 1e6, delayMaxMs: histogram.max / 1e6, jsCpuMs: (cpu1 - cpu0) / 1e6, runQueueWaitMs: (wait1 - wait0) / 1e6 });
  if (scenario === 'slow' && delivers) {
    result.received = await waitFor(sent, 120_000).catch(() => null);
    await contender.drain(10_000);
  }
} else if (scenario === 'rss') {
  const n = 100_000;
  globalThis.gc?.();
  await sleep(200);
  const before = process.memoryUsage().rss;
  let payloadBytes = 0;
  let enqueued = 0;
  // Bounded: a contender that cannot take 100k events within 30 s is reported as such.
  const deadline = performance.now() + 30_000;
  while (enqueued < n && performance.now() < deadline) {
    const e = event(enqueued);
    payloadBytes += Buffer.byteLength(JSON.stringify(e));
    contender.send(e);
    if (++enqueued % 1000 === 0) await yieldToLoop();
  }
  await sleep(2_000); // first attempts fail (connection refused) and wait for their retry
  globalThis.gc?.();
  const after = process.memoryUsage().rss;
  Object.assign(result, { events: n, enqueued, payloadMB: payloadBytes / 2 ** 20, rssDeltaMB: (after - before) / 2 ** 20, stats: contender.stats() });
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
console.log(JSON.stringify(result));
process.exit(0);
