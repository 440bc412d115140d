/**
 * runwire through the documented LangChain path (issue 9's "user-facing handler path"):
 * `createWebhookHandler` with the same options as ./runwire.mjs, each event handed to the
 * handler's `handleCustomEvent` as LangChain's callback manager would (the handler builds the
 * `on_custom_event` record, serialises it and sends it).
 */
import { createWebhookHandler } from 'runwire';
import { deliveryOptions } from './runwire.mjs';

export const name = 'runwire (LangChain handler)';

export function create(target) {
  const { options, counts } = deliveryOptions(target);
  const handler = createWebhookHandler(options);
  const { delivery } = handler;
  return {
    send(event) {
      handler.handleCustomEvent('tool_result', event, event.run_id, [], {});
    },
    drain: (ms) => delivery.drain(ms),
    stats: () => ({ ...delivery.stats(), deadLetters: counts.deadLetters }),
  };
}
