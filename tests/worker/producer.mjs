/**
 * A producer process for the scale-out test and bench: `createDelivery({ producer })` writes
 * `count` custom events (runs `<prefix>-run-<i>`) as job entries to a Redis stream, drains, and
 * prints its stats as one JSON line. Usage: node producer.mjs <redis-url> <stream> <prefix> <count>
 */
import { createDelivery } from 'runwire';

const [url, stream, prefix, countText] = process.argv.slice(2);
const count = Number(countText);
const delivery = createDelivery({ producer: { url, stream, maxLen: 0, events: '*', concurrency: 32 }, dlq: () => {} });
for (let i = 0; i < count; i += 1) {
  delivery.send('on_custom_event', `${prefix}-run-${i}`, { name: 'progress', data: { i, producer: prefix } });
  // Yield now and then, like a real agent process between events.
  if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
}
const stats = await delivery.drain(120_000);
process.stdout.write(`${JSON.stringify(stats)}\n`);
process.exitCode = stats.delivered === count ? 0 : 1;
