/* global Deno */
/**
 * Delivery from the web build in Deno: `runwire` resolves to the `deno` export (the .wasm
 * instantiated with `await init()`). Sends N custom events to the receiver URL given as the first
 * argument, drains, and prints the stats and the dead letters as one JSON line.
 */
import { createDelivery } from 'runwire';

const [url, count, secret] = Deno.args;
const dead = [];
const hooks = [];
const delivery = createDelivery({
  urlPolicy: { profile: 'dev' },
  sinks: [{ url, secret, retryDelaysMs: [20, 50], timeoutMs: 2_000 }],
  dlq: (record) => dead.push(record),
  hooks: { onEvent: (event) => hooks.push(event.type) },
});
for (let i = 0; i < Number(count); i += 1) {
  delivery.send('on_custom_event', `deno-run-${i}`, { event: 'on_custom_event', name: 'progress', data: { i } });
}
const stats = await delivery.drain(10_000);
await delivery.close(100);
console.log(JSON.stringify({ stats, dead, hooks }));
