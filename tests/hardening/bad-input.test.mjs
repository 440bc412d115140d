/**
 * The bad-input suite (issue 18): the table in ./cases.js on the addon, on the web build in Node
 * and on the web build in workerd. Every case must end in its expected `err.code` (or succeed),
 * identically on every build unless the table documents a difference; no case may crash, hang,
 * throw an uncoded error, or grow memory. The cases that once aborted the host run one per process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CASES, CRASH_PRONE, expectedFor } from './cases.js';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles } from '../support/workerd.mjs';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./run.mjs', import.meta.url));
const MEMORY_BOUND = 512 * 1024 * 1024;

async function inProcess(build, only) {
  const args = [script, build, ...(only ? [only] : [])];
  const { stdout } = await run(process.execPath, args, { timeout: 60_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

function check(outcomes, build, cases) {
  const wrong = cases
    .filter(([name, , expected]) => outcomes[name] !== expectedFor(expected, build))
    .map(([name, , expected]) => `${name}: expected ${expectedFor(expected, build)}, got ${outcomes[name]}`);
  assert.deepEqual(wrong, [], `${build}:\n${wrong.join('\n')}`);
}

const results = {};

for (const build of ['addon', 'web']) {
  test(`bad input on the ${build === 'web' ? 'web build in Node' : 'addon'}: ${CASES.length} cases, typed codes`, { timeout: 120_000 }, async () => {
    const { outcomes, rss } = await inProcess(build);
    results[build] = outcomes;
    check(outcomes, build, CASES);
    assert.ok(rss < MEMORY_BOUND, `rss ${rss} after the table`);
  });

  test(`cases that once crashed the host, each in its own process (${build})`, { timeout: 180_000 }, async () => {
    for (const [name, , expected] of CRASH_PRONE) {
      const { outcomes, rss } = await inProcess(build, name);
      assert.equal(outcomes[name], expectedFor(expected, build), name);
      assert.ok(rss < MEMORY_BOUND, `${name}: rss ${rss}`);
    }
  });
}

test('both builds in Node give the same code for every case (documented differences aside)', () => {
  assert.ok(results.addon && results.web, 'the per-build tests ran first');
  const differ = CASES.filter(([name, , expected]) => typeof expected !== 'object' && results.addon[name] !== results.web[name]);
  assert.deepEqual(differ.map(([name]) => `${name}: addon ${results.addon[name]}, web ${results.web[name]}`), []);
});

test('bad input on the web build in workerd: the same codes as in Node', { timeout: 120_000 }, async () => {
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'bad-input-worker.js',
    files: [...runwireModuleFiles('tests/hardening')],
    extraModules: {
      'bad-input-worker.js': `
        import * as rw from './${entry}';
        import { CASES, CRASH_PRONE, runCases } from './tests/hardening/cases.js';
        export default {
          async fetch() {
            return Response.json(await runCases(rw, [...CASES, ...CRASH_PRONE]));
          },
        };`,
    },
  });
  try {
    const response = await fetch(worker.url);
    assert.equal(response.status, 200, worker.output());
    const outcomes = await response.json();
    check(outcomes, 'web', [...CASES, ...CRASH_PRONE]);
  } finally {
    await worker.stop();
  }
});
