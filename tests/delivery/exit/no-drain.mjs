/**
 * A script that sends events and ends without calling drain(): the addon's exit hook must
 * deliver them (or dead-letter them within exitDrainMs) before the process exits.
 * Usage: node no-drain.mjs <url> <count> <secret> <dlqDir>
 */
import { createDelivery } from 'runwire';

const [url, count, secret, dir] = process.argv.slice(2);
const delivery = createDelivery({
  urlPolicy: { profile: 'dev' },
  sinks: [{ url, secret, retryDelaysMs: [50], timeoutMs: 60_000 }],
  dlq: { dir },
  exitDrainMs: 1_000,
});
for (let i = 0; i < Number(count); i += 1) delivery.send('on_tool_end', `exit-run-${i}`, { i });
