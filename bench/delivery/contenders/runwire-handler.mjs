/**
 * runwire through the documented LangChain path (issue 9's "user-facing handler path"):
 * `createWebhookHandler` with the same sink as ./runwire.mjs, each event handed to the handler's
 * `handleCustomEvent` as LangChain's callback manager would (the handler builds the
 * `on_custom_event` record, serialises it and sends it).
 */
import { createWebhookHandler } from 'runwire';

export const name = 'runwire (LangChain handler)';

export function create({ url, secret, githubSecret }) {
  let deadLetters = 0;
  const handler = createWebhookHandler({
    urlPolicy: { profile: 'dev' }, // the receiver is on loopback http
    sinks: [{ url, secret, scheme: 'both', githubSecret, concurrency: Number(process.env.RUNWIRE_BENCH_CONCURRENCY ?? 256), events: '*' }],
    dlq: () => {
      deadLetters += 1;
    },
  });
  const { delivery } = handler;
  return {
    send(event) {
      handler.handleCustomEvent('tool_result', event, event.run_id, [], {});
    },
    drain: (ms) => delivery.drain(ms),
    stats: () => ({ ...delivery.stats(), deadLetters }),
  };
}
