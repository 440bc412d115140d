/**
 * Custom-event dispatch cost on the JS thread: 100,000 `await dispatchCustomEvent(...)` calls in
 * one run, per mode, in one process:
 *
 *   core / runwire, plain handler   — inside one RunnableLambda invoked with a plain background
 *                                     handler (`awaitAllCallbacks()` included), @langchain/core's
 *                                     Node dispatch vs runwire's Node dispatch;
 *   core / runwire, streamEvents v2 — the same lambda streamed, every record consumed;
 *   core / runwire, no callbacks    — the no-op path (a lambda invoked without handlers);
 *   runwire standalone streamEvents — runwire's own run scope, no LangChain, records consumed;
 *   runwire standalone, handler     — runwire's own run scope with the same plain handler;
 *   runwire/web standalone          — the web build's entry in Node, config passed explicitly;
 *   one native call per event       — what building records natively would add at least
 *                                     (the reason the glue builds them; README, architecture).
 *
 * Everything runs on the JS thread (no native threads are involved), so wall time per event is
 * JS-thread time per event. Modes are interleaved round by round so load drift hits all alike;
 * each run checks that exactly N events arrived. Reports min and median µs/event over the
 * rounds; `--write` puts the table into BENCHMARKS.md between the dispatch markers.
 * Options: --events N (default 100000), --rounds R (default 7), --write.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { RunnableLambda } from '@langchain/core/runnables';
import { dispatchCustomEvent as coreDispatch } from '@langchain/core/callbacks/dispatch';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import * as runwire from 'runwire';
import * as runwireWeb from 'runwire/web';
import * as wasm from '../npm/runwire/web/pkg/runwire_wasm.js';
import { createRequire } from 'node:module';

const addon = createRequire(import.meta.url)('../npm/runwire/node/native.cjs');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const N = option('events', 100_000);
const ROUNDS = option('rounds', 7);
const WARMUP = Math.min(10_000, N);
const payload = { step: 'tick', progress: 0.5 };

function lambdaLoop(dispatch, n) {
  return RunnableLambda.from(async () => {
    for (let i = 0; i < n; i++) await dispatch('tick', payload);
    return 'done';
  });
}

function counter() {
  const handler = {
    count: 0,
    handleCustomEvent() {
      handler.count++;
    },
  };
  return handler;
}

const modes = {
  'core, plain handler': async (n) => {
    const h = counter();
    await lambdaLoop(coreDispatch, n).invoke('x', { callbacks: [h] });
    await awaitAllCallbacks();
    return h.count;
  },
  'runwire, plain handler': async (n) => {
    const h = counter();
    await lambdaLoop(runwire.dispatchCustomEvent, n).invoke('x', { callbacks: [h] });
    await awaitAllCallbacks();
    return h.count;
  },
  'core, streamEvents v2': async (n) => {
    let count = 0;
    for await (const r of lambdaLoop(coreDispatch, n).streamEvents('x', { version: 'v2' })) {
      if (r.event === 'on_custom_event') count++;
    }
    return count;
  },
  'runwire, streamEvents v2': async (n) => {
    let count = 0;
    for await (const r of lambdaLoop(runwire.dispatchCustomEvent, n).streamEvents('x', { version: 'v2' })) {
      if (r.event === 'on_custom_event') count++;
    }
    return count;
  },
  'core, no callbacks': async (n) => {
    await lambdaLoop(coreDispatch, n).invoke('x');
    return n;
  },
  'runwire, no callbacks': async (n) => {
    await lambdaLoop(runwire.dispatchCustomEvent, n).invoke('x');
    return n;
  },
  'runwire standalone streamEvents': async (n) => {
    let count = 0;
    const fn = async () => {
      for (let i = 0; i < n; i++) await runwire.dispatchCustomEvent('tick', payload);
      return 'done';
    };
    for await (const r of runwire.streamEvents(fn, 'x')) if (r.event === 'on_custom_event') count++;
    return count;
  },
  'runwire/web standalone streamEvents (explicit config)': async (n) => {
    let count = 0;
    const fn = async (_x, config) => {
      for (let i = 0; i < n; i++) await runwireWeb.dispatchCustomEvent('tick', payload, config);
      return 'done';
    };
    for await (const r of runwireWeb.streamEvents(fn, 'x')) if (r.event === 'on_custom_event') count++;
    return count;
  },
  'runwire standalone, plain handler': async (n) => {
    const h = counter();
    await runwire.invokeRun(
      async () => {
        for (let i = 0; i < n; i++) await runwire.dispatchCustomEvent('tick', payload);
      },
      'x',
      { callbacks: [h] },
    );
    await runwire.awaitCallbacks();
    return h.count;
  },
  'one addon call per event (newRunId → string)': async (n) => {
    let last;
    for (let i = 0; i < n; i++) last = addon.newRunId();
    return last.length === 36 ? n : 0;
  },
  'one wasm call per event (newRunId → string)': async (n) => {
    let last;
    for (let i = 0; i < n; i++) last = wasm.newRunId();
    return last.length === 36 ? n : 0;
  },
  'one addon call per event (recordLayout → array)': async (n) => {
    let last;
    for (let i = 0; i < n; i++) last = addon.recordLayout('on_custom_event');
    return last.length === 6 ? n : 0;
  },
  'baseline: await of an empty async fn': async (n) => {
    const f = async () => {};
    for (let i = 0; i < n; i++) await f();
    return n;
  },
};

async function timed(mode, n) {
  const start = process.hrtime.bigint();
  const got = await modes[mode](n);
  const ns = Number(process.hrtime.bigint() - start);
  if (got !== n) throw new Error(`${mode}: expected ${n} events, got ${got}`);
  return ns / n / 1000;
}

const results = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
for (const mode of Object.keys(modes)) await timed(mode, WARMUP);
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of Object.keys(modes)) results[mode].push(await timed(mode, N));
}

const min = (xs) => Math.min(...xs);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (us) => (us < 1 ? us.toFixed(3) : us.toFixed(2));
const stat = (mode) => ({ min: min(results[mode]), median: median(results[mode]) });

const coreHandler = stat('core, plain handler');
const coreStream = stat('core, streamEvents v2');
const coreNoop = stat('core, no callbacks');
const baselineOf = {
  'core, plain handler': coreHandler,
  'runwire, plain handler': coreHandler,
  'core, streamEvents v2': coreStream,
  'runwire, streamEvents v2': coreStream,
  'core, no callbacks': coreNoop,
  'runwire, no callbacks': coreNoop,
  'runwire standalone streamEvents': coreHandler,
  'runwire standalone, plain handler': coreHandler,
  'runwire/web standalone streamEvents (explicit config)': coreHandler,
  'baseline: await of an empty async fn': coreHandler,
  'one addon call per event (newRunId → string)': coreHandler,
  'one wasm call per event (newRunId → string)': coreHandler,
  'one addon call per event (recordLayout → array)': coreHandler,
};
const rows = Object.keys(modes).map((mode) => {
  const s = stat(mode);
  const base = baselineOf[mode];
  return `| ${mode} | ${fmt(s.min)} | ${fmt(s.median)} | ${(base.median / s.median).toFixed(2)}× |`;
});

let uptime;
try {
  uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
} catch {
  uptime = `load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;
}
const standalone = stat('runwire standalone streamEvents');
const standaloneHandler = stat('runwire standalone, plain handler');
const rwHandler = stat('runwire, plain handler');
const rwStream = stat('runwire, streamEvents v2');
const loop = stat('baseline: await of an empty async fn');
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(0)}%`;
const section = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}, @langchain/core 1.4.0; ${N.toLocaleString('en')} events per run, ${ROUNDS} rounds (modes interleaved), after a ${WARMUP.toLocaleString('en')}-event warm-up. \`uptime\`: \`${uptime}\`. \`npm run bench:dispatch\`.`,
  '',
  '| mode | best (min) µs/event | median µs/event | speed vs core, same kind (median) |',
  '|---|---|---|---|',
  ...rows,
  '',
  '| target | measured (median) | status |',
  '|---|---|---|',
  `| standalone streamEvents ≤ 1 µs/event | median ${fmt(standalone.median)} µs, best ${fmt(standalone.min)} µs (= ${(standalone.median / loop.median).toFixed(1)}× an empty \`await\` in this run, which took ${fmt(loop.median)} µs) | ${standalone.median <= 1 ? 'met' : standalone.min <= 1 ? 'met at best, missed at median' : 'missed'} |`,
  `| standalone ≥ 5× faster than core dispatch + plain handler | streamEvents ${(coreHandler.median / standalone.median).toFixed(1)}×, plain handler ${(coreHandler.median / standaloneHandler.median).toFixed(1)}× | ${coreHandler.median / standalone.median >= 5 ? 'met' : 'missed'} |`,
  `| runwire Node dispatch in LangChain ≤ 10% slower than core's (plain handler) | ${pct(rwHandler.median, coreHandler.median)} | ${rwHandler.median <= coreHandler.median * 1.1 ? 'met' : 'missed'} |`,
  `| runwire Node dispatch in LangChain ≤ 10% slower than core's (streamEvents v2) | ${pct(rwStream.median, coreStream.median)} | ${rwStream.median <= coreStream.median * 1.1 ? 'met' : 'missed'} |`,
].join('\n');
console.log(section);

if (args.includes('--write')) {
  const file = new URL('../BENCHMARKS.md', import.meta.url);
  const begin = '<!-- bench:dispatch:begin -->';
  const end = '<!-- bench:dispatch:end -->';
  let text = readFileSync(file, 'utf8');
  const block = `${begin}\n${section}\n${end}`;
  if (text.includes(begin)) {
    text = text.slice(0, text.indexOf(begin)) + block + text.slice(text.indexOf(end) + end.length);
  } else {
    text = `${text.trimEnd()}\n\n## Custom events (dispatchCustomEvent, streamEvents)\n\n${block}\n`;
  }
  writeFileSync(file, text);
  console.log('wrote BENCHMARKS.md');
}
