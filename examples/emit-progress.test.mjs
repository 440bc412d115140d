/** The `emit` example runs: the UI renders every step from the custom stream, the back office verifies each one as a signed webhook. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../tests/support/paths.mjs';

test('example: one emit reaches the UI stream and the signed webhook', async () => {
  const { stdout } = await run(process.execPath, ['examples/emit-progress.mjs'], { timeoutMs: 30_000 });
  const ui = stdout.split('\n').filter((line) => line.startsWith('ui: ')).map((line) => line.split(/\s+/)[1]);
  assert.deepEqual(ui, ['plan', 'search', 'write'], 'the UI renders every step in order');
  for (const step of ['plan', 'search', 'write']) {
    assert.match(stdout, new RegExp(`webhook: verified agent\\.custom progress \\{"detail":"[^"]*.*"step":"${step}"\\}`));
  }
  assert.match(stdout, /stats: 3 delivered, 0 dead-lettered, 0 pending/);
});
