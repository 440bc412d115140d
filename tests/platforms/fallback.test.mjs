/**
 * The WebAssembly fallback in Node keeps the addon's file dead-letter store: the same default
 * directory, the same layout and the same record, so nothing accepted is lost and `replay()`
 * reads what either engine wrote. (The conformance suite runs on the fallback as the target
 * `node-fallback`; tests/pack installs runwire without a platform package.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../support/paths.mjs';

const entry = join(repoRoot, 'tests', 'platforms', 'dlq-entry.mjs');
const hide = join(repoRoot, 'tests', 'support', 'hide-addon.cjs');

async function deadLetter({ fallback, dir, cwd = repoRoot }) {
  const args = [...(fallback ? ['--require', hide] : []), entry, dir];
  const { stdout, stderr } = await run(process.execPath, args, { cwd });
  return { ...JSON.parse(stdout.trim().split('\n').at(-1)), stderr };
}

test('fallback and addon write the same dead-letter file for the same event', async () => {
  const root = mkdtempSync(join(tmpdir(), 'runwire-dlq-'));
  try {
    const addon = await deadLetter({ fallback: false, dir: join(root, 'addon') });
    const wasm = await deadLetter({ fallback: true, dir: join(root, 'wasm') });
    assert.equal(addon.target, 'node-addon');
    assert.equal(wasm.target, 'wasm');
    assert.equal(wasm.stderr.match(/\[RUNWIRE_WASM_FALLBACK\]/g)?.length, 1, 'one fallback warning');
    for (const side of [addon, wasm]) {
      assert.equal(side.deadLettered, 1);
      assert.equal(side.files.length, 1, JSON.stringify(side.files));
      assert.equal(side.record.reason, 'permanent_4xx');
    }
    assert.deepEqual(wasm.files, addon.files, 'same YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json path');
    assert.match(wasm.files[0], /^\d{4}\/\d{2}\/\d{2}\/run-1\/hook\/[0-9a-f]{64}\.json$/);
    const shape = ({ id, sink, run_id, event, body, reason, attempts }) => {
      const { timestamp, ...payload } = JSON.parse(body);
      assert.match(timestamp, /^\d{4}-\d{2}-\d{2}T/);
      return { id, sink, run_id, event, payload, reason, attempts: attempts.length };
    };
    assert.deepEqual(shape(wasm.record), shape(addon.record));
    assert.deepEqual(Object.keys(wasm.record), Object.keys(addon.record));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('fallback with no dlq option stores under .runwire/dlq like the addon', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'runwire-dlq-default-'));
  try {
    const wasm = await deadLetter({ fallback: true, dir: 'default', cwd });
    assert.equal(wasm.target, 'wasm');
    assert.equal(wasm.files.length, 1);
    assert.equal(wasm.record.run_id, 'run-1');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
