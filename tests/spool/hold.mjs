/**
 * Holds a spool directory until killed (tests/spool/lock.test.mjs). Usage:
 *   node tests/spool/hold.mjs <spoolDir> <url> <count>
 * Opens a delivery on <spoolDir>, sends `count` events `{ n }` to a webhook sink at <url> (a
 * receiver that answers 503, with a retry a minute away, so they stay pending), awaits
 * `flush()`, prints one JSON line, and then keeps the delivery open until the parent kills it.
 */
import { createDelivery } from 'runwire';
import { spooledDelivery } from './support.mjs';

const [dir, url, countText] = process.argv.slice(2);
const delivery = spooledDelivery(createDelivery, { dir, url });
for (let n = 0; n < Number(countText); n += 1) delivery.send('on_custom_event', `r${n}`, { n });
await delivery.flush(10_000);
process.stdout.write(`${JSON.stringify({ ready: true, pending: delivery.stats().spool.pending })}\n`);
// Bounded: the parent kills it within seconds; if it never does, give up after two minutes.
setTimeout(() => process.exit(1), 120_000);
