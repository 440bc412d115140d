/**
 * The conformance suite on every target (addon, node-fallback, wasm-node, deno, workerd,
 * chromium), then the third-party verifiers against what each target signed. One subtest per case, so failures name
 * the case and the target; a diagnostic line per target gives its pass count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS, runTarget } from './targets.mjs';
import { checkInterop } from '../support/interop.mjs';

const EXPECTED_BUILD = { addon: 'node-addon' };

for (const target of TARGETS) {
  test(`conformance [${target}]`, async (t) => {
    const outcome = await runTarget(target);
    assert.equal(outcome.runwireTarget, EXPECTED_BUILD[target] ?? 'wasm', 'the runtime loaded the expected build');
    for (const result of outcome.results) {
      await t.test(result.name, () => assert.ok(result.ok, result.error));
    }
    const passed = outcome.results.filter((r) => r.ok).length;
    t.diagnostic(`conformance [${target}]: ${passed}/${outcome.results.length} cases passed`);

    const sample = outcome.samples.find((s) => s.interop)?.interop;
    assert.ok(sample, 'the suite produced fresh signatures for interop');
    const rows = await checkInterop(sample);
    for (const row of rows) {
      await t.test(`interop: ${row.verifier} — ${row.check}`, () => assert.equal(row.actual, row.expected));
    }
    const verifiers = new Set(rows.map((r) => r.verifier)).size;
    t.diagnostic(`interop [${target}]: ${rows.filter((r) => r.actual === r.expected).length}/${rows.length} checks by ${verifiers} verifiers`);
  });
}
