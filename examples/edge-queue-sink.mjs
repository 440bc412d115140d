/**
 * Queue delivery from an edge runtime (Cloudflare Workers, Deno, Vercel Edge): the web build has
 * no Redis/Kafka/SNS clients (they would not fit, and most cannot open raw sockets there), so
 * wrap the client your platform offers in a send-function sink. The engine still signs nothing
 * for you here — it hands over the exact canonical body and the id — but it retries, dead-letters
 * and counts exactly as for the addon's native sinks.
 *
 * This one appends to a Redis stream through an Upstash-style REST endpoint (`POST /` with a
 * JSON command array); the fields follow the native Redis sink's layout (README "Queue sinks"),
 * signed with `signWebhook` so consumers verify both kinds of record the same way.
 *
 *   node examples/edge-queue-sink.mjs   (prints the command it would send; set REDIS_REST_URL to send)
 */
import { createDelivery, signWebhook } from 'runwire/web';

export function redisRestSink({ url, token, stream, secret, fetchImpl = fetch }) {
  return {
    name: 'redis-rest',
    events: '*',
    async send(message) {
      const headers = signWebhook(message.body, { id: message.id, secrets: secret });
      const fields = ['id', message.id, 'event', message.event, 'run_id', message.run_id,
        'webhook-id', headers['webhook-id'], 'webhook-timestamp', headers['webhook-timestamp'],
        'webhook-signature', headers['webhook-signature'], 'body', message.body];
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(['XADD', stream, 'MAXLEN', '~', '100000', '*', ...fields]),
      });
      if (response.status === 401 || response.status === 403) return false; // dead letter: rejected
      if (!response.ok) throw new Error(`redis rest ${response.status}`); // retried on the schedule
      return true;
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const sent = [];
  const fetchImpl = process.env.REDIS_REST_URL ? fetch : async (_url, init) => {
    sent.push(JSON.parse(init.body));
    return new Response('{"result":"1-0"}', { status: 200 });
  };
  const delivery = createDelivery({
    sinks: [redisRestSink({ url: process.env.REDIS_REST_URL ?? 'https://example.invalid', token: process.env.REDIS_REST_TOKEN ?? 't', stream: 'agent-events', secret, fetchImpl })],
    dlq: (letter) => console.error('dead letter', letter.reason),
  });
  delivery.send('on_custom_event', 'run-1', { event: 'on_custom_event', name: 'progress', data: { step: 1 } });
  const stats = await delivery.drain(5_000);
  console.log(JSON.stringify({ delivered: stats.delivered, command: sent[0]?.slice(0, 8) }));
}
