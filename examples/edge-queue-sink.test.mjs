/** The edge queue-sink example runs (so it cannot rot) and hands the exact body to the client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyWebhook } from 'runwire/web';
import { redisRestSink } from './edge-queue-sink.mjs';

test('edge queue-sink pattern: XADD through the user\'s own client, signed, retried', async () => {
  const { createDelivery } = await import('runwire/web');
  const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const commands = [];
  let calls = 0;
  const fetchImpl = async (_url, init) => {
    calls += 1;
    if (calls === 1) return new Response('busy', { status: 503 });
    commands.push(JSON.parse(init.body));
    return new Response('{"result":"1-0"}', { status: 200 });
  };
  const sink = { ...redisRestSink({ url: 'https://redis.invalid', token: 't', stream: 's', secret, fetchImpl }), retryDelaysMs: [10] };
  const delivery = createDelivery({ sinks: [sink], dlq: () => {} });
  delivery.send('on_custom_event', 'run-1', { event: 'on_custom_event', name: 'p', data: { a: 1 } });
  const stats = await delivery.drain(5_000);
  assert.equal(stats.delivered, 1);
  assert.equal(stats.attempts, 2, 'the 503 was retried');
  const command = commands[0];
  assert.deepEqual(command.slice(0, 5), ['XADD', 's', 'MAXLEN', '~', '100000']);
  const field = (name) => command[command.indexOf(name) + 1];
  const verified = verifyWebhook(field('body'), {
    'webhook-id': field('webhook-id'), 'webhook-timestamp': field('webhook-timestamp'), 'webhook-signature': field('webhook-signature'),
  }, secret);
  assert.equal(verified.id, 'run-1:on_custom_event:1');
});
