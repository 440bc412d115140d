/**
 * Fills a spool and dies without draining (tests/spool/spool.test.mjs). Usage:
 *   node tests/spool/fill.mjs <spoolDir> <url> <count>
 * Sends `count` events `{ n }` (run `r{n}`) to a webhook sink at <url>, awaits `flush()`, prints
 * the stats and exits at once: whatever was not delivered stays in the spool.
 */
import { createDelivery } from 'runwire';
import { spooledDelivery } from './support.mjs';

const [dir, url, countText] = process.argv.slice(2);
const delivery = spooledDelivery(createDelivery, { dir, url });
for (let n = 0; n < Number(countText); n += 1) delivery.send('on_custom_event', `r${n}`, { n, pad: 'x'.repeat(40) });
await delivery.flush(10_000);
// Give the first attempts time to reach the receiver (which answers 503).
await new Promise((resolve) => setTimeout(resolve, 300));
process.stdout.write(`${JSON.stringify(delivery.stats())}\n`);
process.exit(0);
