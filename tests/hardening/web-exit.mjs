/**
 * The web build in Node, ending without drain(): retry timers do not hold the process open, the
 * beforeExit hook drains for exitDrainMs, and what is still pending is dead-lettered (reason
 * `shutdown`) to the dlq callback, which prints one line per record.
 * Usage: node web-exit.mjs <url> <count> <secret>
 */
import { createDelivery } from 'runwire/web';

const [url, count, secret] = process.argv.slice(2);
const delivery = createDelivery({
  urlPolicy: { profile: 'dev' },
  sinks: [{ url, secret, retryDelaysMs: [20_000, 20_000], timeoutMs: 5_000 }],
  dlq: (record) => console.log(JSON.stringify({ id: record.id, reason: record.reason })),
  exitDrainMs: 1_000,
});
for (let i = 0; i < Number(count); i += 1) delivery.send('on_tool_end', `web-exit-${i}`, { i });
