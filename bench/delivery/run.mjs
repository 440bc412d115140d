/**
 * Delivery benchmarks: every contender in bench/delivery/contenders (the two seed-style pure-JS
 * baselines, and runwire's handler when present) against the same verifying receiver process,
 * in one run, each scenario in a fresh child process. Also measures the receiver's own ceiling
 * with autocannon (same request shape). Prints a Markdown table; --write puts it into
 * BENCHMARKS.md between the delivery markers.
 *
 *   npm run bench:delivery [-- --write] [-- --only throughput,latency] [-- --contenders runwire,runwire-handler]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
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

const ORDER = ['fetch-baseline.mjs', 'http-baseline.mjs', 'runwire.mjs', 'runwire-handler.mjs', 'floor.mjs'];
// `--contenders runwire,runwire-handler`: a quick run of some of them (ratios need the baselines).
const picked = process.argv.includes('--contenders') ? process.argv[process.argv.indexOf('--contenders') + 1].split(',').map((c) => `${c}.mjs`) : ORDER;
const contenders = readdirSync(here('./contenders'))
  .filter((f) => ORDER.includes(f) && picked.includes(f))
  .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));

async function startReceiver(delayMs = 0) {
  const child = spawn(process.execPath, [here('./receiver.mjs'), '--secret', secret, '--github-secret', githubSecret, '--delay-ms', String(delayMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

async function withReceiver(delayMs, fn) {
  const receiver = await startReceiver(delayMs);
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
  if (wanted('slow')) r.slow = await withReceiver(100, (url) => scenario('slow', contender, url));
  if (wanted('rss') && delivers) r.rss = await scenario('rss', contender, `http://127.0.0.1:${await freePort()}`);
  console.error(`${contender}: ${JSON.stringify(r)}`);
}
const idle = wanted('slow') ? await withReceiver(0, (url) => scenario('idle', contenders[0], url)) : null;
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
  ['event-loop delay p99, 10k ev/s to a 100 ms receiver (ms above idle)', (r) => (r.slow && idle ? r.slow.delayP99Ms - idle.delayP99Ms : null), 2, 'lower'],
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
  const cells = values.map((v) => (v == null ? '—' : `${fmt(v, digits)}${unit}`));
  if (hasRunwire) {
    const rw = get(results['runwire.mjs']);
    for (const base of ['fetch-baseline.mjs', 'http-baseline.mjs']) {
      const b = results[base] && get(results[base]);
      const ratio = rw != null && b ? (better === 'higher' ? rw / b : b / rw) : null;
      cells.push(ratio == null || !Number.isFinite(ratio) ? '—' : `${fmt(ratio, 2)}× better`);
    }
  }
  lines.push(`| ${label} | ${cells.join(' | ')} |`);
}
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}; load average at each contender's start: ${load.map((l) => l.toFixed(1)).join(' / ')}. Receiver ceiling (autocannon, 32 connections, same request shape, verifying every signature): ${fmt(ceiling, 0)} req/s. Idle event-loop delay p99: ${fmt(idle?.delayP99Ms, 2)} ms. \`npm run bench:delivery\`.`,
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
