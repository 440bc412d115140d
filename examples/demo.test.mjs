/**
 * The README's demo runs and shows both sides: a LangChain chain's custom events, tool ends and
 * named chain ends verified by the receiver process; retries after the receiver's 503; a down
 * endpoint's events dead-lettered to files and replayed with the same ids (deduped); exact stats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../tests/support/paths.mjs';

test('demo: agent events signed, retried, dead-lettered, replayed, verified and deduped', async () => {
  const started = Date.now();
  const { stdout } = await run(process.execPath, ['examples/demo.mjs'], { timeoutMs: 30_000 });
  assert.ok(Date.now() - started < 10_000, 'the demo stays quick');
  assert.match(stdout, /sender: runwire node-addon build/);
  assert.match(stdout, /sender: agent answered "42 — café ☕/);
  for (const pct of [10, 50, 100]) {
    assert.match(stdout, new RegExp(`receiver: verified \\S+:on_custom_event:\\d agent\\.custom progress \\{"pct":${pct},`));
  }
  assert.match(stdout, /receiver: verified \S+:on_chain_end:1 agent\.chain\.end plan /);
  assert.match(stdout, /receiver: verified \S+:on_chain_end:1 agent\.chain\.end research_agent \{"answer":"42 — café ☕/);
  assert.match(stdout, /receiver: verified \S+:on_tool_end:1 agent\.tool\.end calculator "42"/);
  assert.match(stdout, /receiver: verified \S+:on_tool_end:1 agent\.tool\.end web_search /);
  assert.equal((stdout.match(/simulated hiccup/g) ?? []).length, 2);
  assert.equal((stdout.match(/to receiver failed \(503\); retry in \d+ ms/g) ?? []).length, 2);
  assert.equal((stdout.match(/for archive \(exhausted\)/g) ?? []).length, 2);
  assert.equal((stdout.match(/sender: replaying \d{4}\/\d\d\/\d\d\/[0-9a-f-]+\/… \(\S+:on_tool_end:1, exhausted, 2 attempts\)/g) ?? []).length, 2);
  assert.equal((stdout.match(/receiver: duplicate \S+:on_tool_end:1 acknowledged/g) ?? []).length, 2);
  assert.doesNotMatch(stdout, /rejected|_start|on_llm_new_token/);
  assert.match(stdout, /sender: stats \{"accepted":21,"delivered":14,"dead_lettered":2,"pending":0,"filtered":5,"attempts":20\}/);
  assert.match(stdout, /invariant accepted = delivered \+ dead_lettered \+ pending \+ filtered: 23 = 16 \+ 2 \+ 0 \+ 5/);
  // The Redis Streams sink beside the webhook: the same 7 events, verified by a stream consumer.
  assert.equal((stdout.match(/redis: verified \S+ agent\.\S+ from stream agent-events/g) ?? []).length, 7);
});
