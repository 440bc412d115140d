/**
 * Signing benchmarks, side by side in one process:
 *   - HMAC-SHA256 throughput (Standard Webhooks signature of a 1 MiB body): runwire addon and
 *     web build vs node:crypto createHmac computing the identical signature;
 *   - per-event signing cost for a typical 206-byte agent event;
 *   - web build cold init: compile + instantiate of the .wasm (Node's initSync) + first signature.
 * Reports min and median over repeated runs; prints a Markdown table (and writes it to
 * BENCHMARKS.md between the signing markers with --write).
 */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus, loadavg } from 'node:os';
import * as addon from 'runwire';
import * as web from 'runwire/web';

const ROUNDS = 9;
const secret = 'whsec_DTIHGg/NYgTKa7bSrm9Cgx7WBUyRB6bzKGqf5+L1yW0=';
const key = Buffer.from(secret.slice(6), 'base64');
const id = '1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b:on_tool_end:3';
const ts = 1767225600;
const smallBody = readFileSync(new URL('../tests/fixtures/signatures.json', import.meta.url), 'utf8');
const event = JSON.parse(smallBody).standard_webhooks.body;
const big = new TextEncoder().encode(JSON.stringify({ output: 'x'.repeat(1024 * 1024 - 14) }));

function nodeSign(body) {
  return `v1,${createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest('base64')}`;
}

// Sanity: all three compute the same signature, or the comparison is meaningless.
const expected = nodeSign(event);
for (const rw of [addon, web]) {
  if (rw.signWebhook(event, { id, timestamp: ts, secrets: secret })['webhook-signature'] !== expected) {
    throw new Error(`${rw.target} disagrees with node:crypto`);
  }
}

function measure(fn, iterations) {
  for (let i = 0; i < Math.min(iterations, 200); i++) fn(); // warm-up
  const samples = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e3 / iterations); // µs per call
  }
  samples.sort((a, b) => a - b);
  return { min: samples[0], median: samples[Math.floor(samples.length / 2)] };
}

const mb = big.length / 1e6;
const rows = [];
const throughput = {
  'node:crypto createHmac': measure(() => nodeSign(big), 40),
  'runwire addon (Uint8Array body)': measure(() => addon.signWebhook(big, { id, timestamp: ts, secrets: secret }), 40),
  'runwire web build in Node (Uint8Array body)': measure(() => web.signWebhook(big, { id, timestamp: ts, secrets: secret }), 40),
};
const baseline = throughput['node:crypto createHmac'].median;
for (const [name, t] of Object.entries(throughput)) {
  rows.push(`| HMAC-SHA256, 1 MiB body | ${name} | ${(mb / (t.min / 1e6)).toFixed(0)} MB/s | ${(mb / (t.median / 1e6)).toFixed(0)} MB/s | ${(baseline / t.median).toFixed(2)}× |`);
}
const perEvent = {
  'node:crypto createHmac': measure(() => nodeSign(event), 20000),
  'runwire addon': measure(() => addon.signWebhook(event, { id, timestamp: ts, secrets: secret }), 20000),
  'runwire web build in Node': measure(() => web.signWebhook(event, { id, timestamp: ts, secrets: secret }), 20000),
};
const eventBaseline = perEvent['node:crypto createHmac'].median;
for (const [name, t] of Object.entries(perEvent)) {
  rows.push(`| sign one 206-byte event | ${name} | ${t.min.toFixed(2)} µs | ${t.median.toFixed(2)} µs | ${(eventBaseline / t.median).toFixed(2)}× |`);
}

const wasmPath = new URL('../npm/runwire/web/pkg/runwire_wasm_bg.wasm', import.meta.url);
const wasmBytes = readFileSync(wasmPath);
// A fresh copy of the wasm-bindgen glue per round (initSync returns early once initialised), and
// the first signature included: V8 compiles wasm functions lazily, so "ready" means "has signed".
const init = [];
for (let r = 0; r < ROUNDS; r++) {
  const glue = await import(`../npm/runwire/web/pkg/runwire_wasm.js?cold=${r}`);
  const start = process.hrtime.bigint();
  glue.initSync({ module: new WebAssembly.Module(wasmBytes) });
  glue.signStandard(id, ts, event, [secret]);
  init.push(Number(process.hrtime.bigint() - start) / 1e6);
}
init.sort((a, b) => a - b);

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model.trim()}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (other jobs running: treat absolute numbers as noisy, ratios are from the same run). \`npm run bench:signing\`.`,
  '',
  '| what | implementation | best (min) | median | vs node:crypto (median) |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  '| web build | value |',
  '|---|---|',
  `| \`runwire_wasm_bg.wasm\` size | ${wasmBytes.length.toLocaleString('en')} bytes raw, ${gzipSync(wasmBytes, { level: 9 }).length.toLocaleString('en')} bytes gzip -9 (budget 150 KB) |`,
  `| cold init in Node: compile + instantiate (\`initSync\`) + first signature | min ${init[0].toFixed(2)} ms, median ${init[Math.floor(init.length / 2)].toFixed(2)} ms (target ≤ 5 ms) |`,
].join('\n');

console.log(table);
if (process.argv.includes('--write')) {
  const file = new URL('../BENCHMARKS.md', import.meta.url);
  const doc = readFileSync(file, 'utf8');
  const begin = '<!-- bench:signing:begin -->';
  const end = '<!-- bench:signing:end -->';
  const next = doc.slice(0, doc.indexOf(begin) + begin.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(end));
  writeFileSync(file, next);
}
