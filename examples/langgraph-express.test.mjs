/**
 * The TypeScript example compiles with `tsc --strict` (examples/tsconfig.json, nodenext) and runs:
 * a LangGraph graph's custom events, tool result and node ends reach the Express receiver,
 * verified, and nothing is dead-lettered. (tests/types/ also type-checks it under every module
 * setting and against @langchain/core 0.3.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, run } from '../tests/support/paths.mjs';

test('examples/langgraph-express.ts compiles strictly and delivers every event to the Express receiver', async () => {
  const out = join(repoRoot, 'examples', 'out');
  rmSync(out, { recursive: true, force: true });
  try {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'examples/tsconfig.json', '--pretty', 'false'], { timeoutMs: 300_000 });
    const { stdout } = await run(process.execPath, [join(out, 'langgraph-express.js')], { timeoutMs: 60_000 });
    assert.match(stdout, /sender: graph answered "6 × 7 = 42"/);
    assert.match(stdout, /receiver: verified \S+:on_custom_event:1 agent\.custom progress \{"question":"What is 6 × 7\?","step":"calculate"\}/);
    assert.match(stdout, /receiver: verified \S+:on_custom_event:1 agent\.custom progress \{"step":"respond"\}/);
    assert.match(stdout, /receiver: verified \S+:on_tool_end:1 agent\.tool\.end calculator "42"/);
    assert.match(stdout, /receiver: verified \S+:on_chain_end:1 agent\.chain\.end calculate \{"product":"42"\}/);
    assert.match(stdout, /receiver: verified \S+:on_chain_end:1 agent\.chain\.end respond /);
    assert.match(stdout, /sender: stats \{"accepted":6,"delivered":6,"dead_lettered":0,"filtered":0\}/);
    assert.match(stdout, /receiver: 6 webhooks verified/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
