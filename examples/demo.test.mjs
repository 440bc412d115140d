/** The README's demo runs and shows both sides: verified deliveries, a deduped retry, a rejected forgery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../tests/support/paths.mjs';

test('demo: signed events verified by the receiver, retry deduped, tampering rejected', async () => {
  const { stdout } = await run(process.execPath, ['examples/demo.mjs'], { timeoutMs: 30_000 });
  assert.match(stdout, /receiver: verified \S+:on_custom_event:0 agent\.custom/);
  assert.match(stdout, /receiver: verified \S+:on_tool_end:0 agent\.tool\.end .*café ☕/);
  assert.match(stdout, /sender: retry of the same event -> 200/);
  assert.match(stdout, /receiver: duplicate \S+:on_tool_end:0 acknowledged/);
  assert.match(stdout, /sender: tampered copy -> 401/);
  assert.match(stdout, /receiver: rejected \S+ \(ERR_RUNWIRE_SIGNATURE_MISMATCH\)/);
});
