/**
 * Run-completion webhooks for a LangGraph.js graph, configured from langgraph.json the way
 * LangGraph Platform reads it: one signed webhook per run, through runwire's delivery engine.
 *
 *   node examples/run-webhook/main.mjs
 *
 * The graph stops at `interrupt()` (a webhook with status success and the state so far), is
 * resumed with `Command({ resume })` (a second webhook with the final state), and a run that
 * raises sends status error. The receiver (./receiver.mjs) reads LangGraph's fields.
 */
import { readFileSync } from 'node:fs';
import { Command } from '@langchain/langgraph';
import { createRunWebhookHandler, generateSecret } from 'runwire';
import { graph } from './graph.mjs';
import { startReceiver } from './receiver.mjs';

const secret = generateSecret();
process.env.LG_WEBHOOK_TOKEN ??= 'example-token';
const receiver = await startReceiver({ secret, token: process.env.LG_WEBHOOK_TOKEN });

const hook = createRunWebhookHandler({
  url: receiver.url,
  secret,
  assistantId: 'agent',
  // url policy, headers (${{ env.LG_WEBHOOK_TOKEN }}), http.disable_webhooks — as LangGraph reads them
  langgraph: JSON.parse(readFileSync(new URL('./langgraph.json', import.meta.url), 'utf8')),
});

const thread = { configurable: { thread_id: 'report-42' }, callbacks: [hook] };
const first = await graph.invoke({ topic: 'webhooks' }, thread);
console.log(`sender: graph paused: ${first.__interrupt__[0].value.question}`);
const done = await graph.invoke(new Command({ resume: true }), thread);
console.log(`sender: graph finished with steps ${done.steps.join(', ')}`);
await graph.invoke({ topic: 'forbidden' }, { configurable: { thread_id: 'report-43' }, callbacks: [hook] })
  .catch((error) => console.log(`sender: graph failed: ${error.message}`));

const stats = await hook.delivery.drain(5_000);
console.log(`sender: run webhooks delivered ${stats.delivered}, dead-lettered ${stats.dead_lettered}, pending ${stats.pending}`);
await hook.delivery.close(1_000);
await receiver.close();
