/**
 * The README's run-webhook example runs: a LangGraph graph configured from langgraph.json sends
 * one signed webhook per run (paused at interrupt(), resumed, failed) to a receiver written for
 * LangGraph Platform's fields, behind signature verification and the langgraph.json header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../tests/support/paths.mjs';

test('run-webhook example: paused, resumed and failed runs each reach the LangGraph-style receiver once', async () => {
  const { stdout } = await run(process.execPath, ['examples/run-webhook/main.mjs'], { timeoutMs: 30_000 });
  assert.match(stdout, /sender: graph paused: publish the report on webhooks\?/);
  assert.match(stdout, /sender: graph finished with steps planned, approved/);
  assert.match(stdout, /sender: graph failed: topic not allowed/);
  assert.match(stdout, /receiver: run \S+ on thread report-42: success, values \{"found":"3 sources on webhooks","steps":\["planned"\],"topic":"webhooks"\} — waiting for input: \{"question":"publish the report on webhooks\?"\} \[run_completed\]/);
  assert.match(stdout, /receiver: run \S+ on thread report-42: success, values \{"approved":true,"found":"3 sources on webhooks","steps":\["planned","approved"\],"topic":"webhooks"\} \[run_completed\]/);
  assert.match(stdout, /receiver: run \S+ on thread report-43: error \(RangeError: topic not allowed\) \[run_completed\]/);
  assert.equal((stdout.match(/^receiver: /gm) ?? []).length, 3, 'exactly one webhook per run');
  assert.match(stdout, /sender: run webhooks delivered 3, dead-lettered 0, pending 0/);
});
