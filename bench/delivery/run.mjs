/**
 * Delivery benchmarks: every contender in bench/delivery/contenders (the two seed-style pure-JS
 * baselines, and runwire's handler when present) against the same verifying receiver process,
 * in one run, each scenario in a fresh child process. Also measures the receiver's own ceiling
 * with autocannon (same request shape). Prints a Markdown table; --write puts it into
 * BENCHMARKS.md between the delivery markers.
 *
 *   npm run bench:delivery [-- --write] [-- --only throughput,latency] [-- --contenders runwire,runwire-handler] [-- --slow-rounds 3]
 *
 * Event-loop delay (the slow and idle scenarios) is measured twice: with the receiver at normal
 * priority on the same cores, and with the receiver standing in for a remote host — scheduled
 * SCHED_IDLE (`chrt --idle 0`; nice 19 where chrt is missing), so it runs on the CPU time the
 * sender leaves and never preempts the sender's JS thread. On a 2-core machine the co-located
 * receiver, verifying 10,000 signatures a second, is what mostly delays the sender's event loop:
 * the long loop turns are run-queue wait, not the sender's own work (see BENCHMARKS.md).
 * Each of these runs `--slow-rounds` times (default 3); the table gives medians.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { seedHeaders } from './contenders/seed-common.mjs';
import autocannon from 'autocannon';
import { generateSecret } from 'runwire';
import { freePort, run } from '../../tests/support/paths.mjs';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const secret = generateSecret();
const githubSecret = 'bench-github-secret';
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;
const wanted = (scenario) => !only || only.includes(scenario);
const slowRounds = process.argv.includes('--slow-rounds') ? Number(process.argv[process.argv.indexOf('--slow-rounds') + 1]) : 3;
const hasChrt = (() => {
  try {
    execFileSync('chrt', ['--idle', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const ORDER = ['fetch-baseline.mjs', 'http-baseline.mjs', 'runwire.mjs', 'runwire-handler.mjs', 'floor.mjs'];
// `--contenders runwire,runwire-handler`: a quick run of some of them (ratios need the baselines).
const picked = process.argv.includes('--contenders') ? process.argv[process.argv.indexOf('--contenders') + 1].split(',').map((c) => `${c}.mjs`) : ORDER;
const contenders = readdirSync(here('./contenders'))
  .filter((f) => ORDER.includes(f) && picked.includes(f))
  .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));

/** `remote`: the receiver stands in for a remote host and never preempts the sender (see above). */
async function startReceiver(delayMs = 0, { remote = false } = {}) {
  const argv = [here('./receiver.mjs'), '--secret', secret, '--github-secret', githubSecret, '--delay-ms', String(delayMs)];
  const [command, args] = remote && hasChrt ? ['chrt', ['--idle', '0', process.execPath, ...argv]] : [process.execPath, argv];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  if (remote && !hasChrt) setPriority(child.pid, 19);
  const [line] = await once(child.stdout, 'data');
  const port = Number(/listening (\d+)/.exec(String(line))[1]);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function scenario(name, contender, url) {
  const { stdout } = await run(process.execPath, ['--expose-gc', here('./scenario.mjs'), name, here(`./contenders/${contender}`), url, secret, githubSecret], {
    timeoutMs: 300_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function withReceiver(delayMs, fn, options) {
  const receiver = await startReceiver(delayMs, options);
  try {
    return await fn(receiver.url);
  } finally {
    await receiver.stop();
  }
}

async function receiverCeiling() {
  return withReceiver(0, async (url) => {
    const body = JSON.stringify({ type: 'agent.tool.end', timestamp: new Date().toISOString(), data: { event: 'on_tool_end', name: 'calculator', output: 'result 1 — café ☕', step_index: 1 } });
    const headers = seedHeaders(Buffer.from(secret.slice(6), 'base64'), githubSecret, 'ceiling:on_tool_end:0', body);
    const result = await autocannon({ url: `${url}/hooks`, method: 'POST', headers, body, connections: 32, duration: 5 });
    return result.requests.average;
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** The slow or idle scenario `slowRounds` times, each with a fresh receiver; the median run by p99. */
async function loopDelay(name, contender, delayMs, remote) {
  const runs = [];
  for (let i = 0; i < slowRounds; i += 1) runs.push(await withReceiver(delayMs, (url) => scenario(name, contender, url), { remote }));
  const p99 = median(runs.map((r) => r.delayP99Ms));
  return { ...runs.find((r) => r.delayP99Ms === p99), rounds: runs.map((r) => r.delayP99Ms) };
}

const modules = Object.fromEntries(await Promise.all(contenders.map(async (c) => [c, await import(here(`./contenders/${c}`))])));
const results = {};
const load = [];
for (const contender of contenders) {
  const r = (results[contender] = {});
  load.push(loadavg()[0]);
  // The floor sends nothing: only its JS-thread figures mean something.
  const delivers = modules[contender].delivers !== false;
  if (wanted('throughput')) r.throughput = await withReceiver(0, (url) => scenario('throughput', contender, url));
  if (wanted('latency') && delivers) r.latency = await withReceiver(0, (url) => scenario('latency', contender, url));
  if (wanted('slow')) {
    r.slow = await loopDelay('slow', contender, 100, false);
    r.slowRemote = await loopDelay('slow', contender, 100, true);
  }
  if (wanted('rss') && delivers) r.rss = await scenario('rss', contender, `http://127.0.0.1:${await freePort()}`);
  console.error(`${contender}: ${JSON.stringify(r)}`);
}
const idle = wanted('slow') ? await loopDelay('idle', contenders[0], 0, false) : null;
const ceiling = wanted('throughput') ? await receiverCeiling() : null;

const names = Object.fromEntries(contenders.map((c) => [c, modules[c].name]));

const floor = results['floor.mjs'];
const fmt = (v, digits = 1) => (v == null || Number.isNaN(v) ? '—' : v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const metrics = [
  ['delivered events/s (20k events, as fast as accepted)', (r) => r.throughput?.eventsPerSec, 0, 'higher'],
  ['share of the receiver ceiling', (r) => (ceiling && r.throughput?.eventsPerSec ? (100 * r.throughput.eventsPerSec) / ceiling : null), 0, 'higher', '%'],
  ['total JS-thread time per delivered event (µs, event-loop busy)', (r) => r.throughput?.jsUsPerEvent, 2, 'lower'],
  ['JS-thread CPU time per delivered event (µs, the main thread\'s own, schedstat)', (r) => r.throughput?.jsCpuUsPerEvent, 2, 'lower'],
  ['the same, above the floor (µs: minus the harness and one JSON.stringify of the event)', (r) => (r.throughput && floor?.throughput ? r.throughput.jsCpuUsPerEvent - floor.throughput.jsCpuUsPerEvent : null), 2, 'lower'],
  ['the JS thread\'s wait for a CPU per delivered event (µs, schedstat run-queue time: busy time counts it)', (r) => r.throughput?.jsWaitUsPerEvent, 2, 'lower'],
  ['event-loop delay p99, 10k ev/s to a 100 ms receiver on the same cores (ms above idle)', (r) => (r.slow && idle ? r.slow.delayP99Ms - idle.delayP99Ms : null), 2, 'lower'],
  ['the same, the receiver standing in for a remote host (never preempting the sender; ms above idle)', (r) => (r.slowRemote && idle ? r.slowRemote.delayP99Ms - idle.delayP99Ms : null), 2, 'lower'],
  ['the JS thread\'s wait for a CPU during those 3 s (ms: receiver on the same cores → remote stand-in)', (r) => (r.slow && r.slowRemote ? `${fmt(r.slow.runQueueWaitMs, 0)} → ${fmt(r.slowRemote.runQueueWaitMs, 0)}` : null), 0, 'lower'],
  ['enqueue → receipt latency p99 at 1k ev/s (ms)', (r) => r.latency?.stats?.latency?.p99, 2, 'lower'],
  ['RSS above payload bytes, 100k events queued, endpoint refusing (MB)', (r) => (r.rss ? r.rss.rssDeltaMB - r.rss.payloadMB : null), 1, 'lower'],
];
const notes = contenders
  .filter((c) => results[c].rss && results[c].rss.enqueued < results[c].rss.events)
  .map((c) => `${names[c]}: only ${results[c].rss.enqueued.toLocaleString('en')} of ${results[c].rss.events.toLocaleString('en')} events could be enqueued within 30 s against the refusing endpoint; its RSS figure covers those.`);
const hasRunwire = contenders.includes('runwire.mjs');
const header = ['metric', ...contenders.map((c) => names[c]), ...(hasRunwire ? ['runwire ÷ fetch', 'runwire ÷ node:http'] : [])];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const [label, get, digits, better, unit = ''] of metrics) {
  const values = contenders.map((c) => get(results[c]));
  const cells = values.map((v) => (v == null ? '—' : typeof v === 'string' ? v : `${fmt(v, digits)}${unit}`));
  if (hasRunwire) {
    const rw = get(results['runwire.mjs']);
    for (const base of ['fetch-baseline.mjs', 'http-baseline.mjs']) {
      const b = results[base] && get(results[base]);
      const ratio = typeof rw === 'number' && typeof b === 'number' && b ? (better === 'higher' ? rw / b : b / rw) : null;
      cells.push(ratio == null || !Number.isFinite(ratio) ? '—' : `${fmt(ratio, 2)}× better`);
    }
  }
  lines.push(`| ${label} | ${cells.join(' | ')} |`);
}
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}; load average at each contender's start: ${load.map((l) => l.toFixed(1)).join(' / ')}. Receiver ceiling (autocannon, 32 connections, same request shape, verifying every signature): ${fmt(ceiling, 0)} req/s. Idle event-loop delay p99: ${fmt(idle?.delayP99Ms, 2)} ms. Event-loop delay rows: medians of ${slowRounds} runs each; the remote stand-in receiver runs ${hasChrt ? 'SCHED_IDLE (chrt --idle 0)' : 'at nice 19'}. \`npm run bench:delivery\`.`,
  '',
  ...lines,
  ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
].join('\n');
console.log(table);
if (!hasRunwire) console.log('\n(no bench/delivery/contenders/runwire.mjs yet: baselines only)');

if (process.argv.includes('--write')) {
  const file = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const doc = readFileSync(file, 'utf8');
  const begin = '<!-- bench:delivery:begin -->';
  const end = '<!-- bench:delivery:end -->';
  writeFileSync(file, doc.slice(0, doc.indexOf(begin) + begin.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(end)));
}
