/**
 * runwire demo: sign an agent event and POST it to a local receiver process that verifies it.
 *
 * Sender side: canonical JSON body, Standard Webhooks headers (webhook-id is the idempotency
 * key `{run_id}:{event_type}:{seq}`), sent with fetch. Receiver side: examples/receiver.mjs.
 * The same event is sent twice (as a retry would) and once tampered, to show dedupe and rejection.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { canonicalJson, generateSecret, signWebhook, target } from 'runwire';

const secret = generateSecret();
const receiver = spawn(process.execPath, [fileURLToPath(new URL('./receiver.mjs', import.meta.url)), secret], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
receiver.stdout.setEncoding('utf8');
const [firstLine] = await once(receiver.stdout, 'data');
const port = Number(/listening (\d+)/.exec(firstLine)[1]);
receiver.stdout.on('data', (text) => process.stdout.write(text));

console.log(`sender: runwire ${target} build; receiver on 127.0.0.1:${port}`);
const runId = '1f0a7c3e-2b4d-4e6f-8a9b-0c1d2e3f4a5b';
const events = [
  { type: 'agent.custom', data: { event: 'on_custom_event', name: 'progress', data: { step: 'searching', pct: 40 }, run_id: runId, seq: 0 } },
  { type: 'agent.tool.end', data: { event: 'on_tool_end', name: 'calculator', output: '42 — café ☕', run_id: runId, seq: 0 } },
];

async function post(body, headers) {
  const response = await fetch(`http://127.0.0.1:${port}/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': headers['webhook-id'], ...headers },
    body,
  });
  return response.status;
}

for (const event of events) {
  const body = canonicalJson({ ...event, timestamp: new Date().toISOString() });
  const headers = signWebhook(body, { id: `${runId}:${event.data.event}:${event.data.seq}`, secrets: secret });
  console.log(`sender: POST ${headers['webhook-id']} (${Buffer.byteLength(body)} bytes) -> ${await post(body, headers)}`);
  if (event.type === 'agent.tool.end') {
    console.log(`sender: retry of the same event -> ${await post(body, signWebhook(body, { id: headers['webhook-id'], secrets: secret }))}`);
    console.log(`sender: tampered copy -> ${await post(body.replace('42', '41'), headers)}`);
  }
}

receiver.kill('SIGTERM');
await once(receiver, 'exit');
