/**
 * An agent process in producer mode: `send` only XADDs each event as a job entry (no delivery
 * secret in this process, no HTTP); `runwire worker` processes deliver them.
 * Usage: node producer.mjs <redis-url> <name> <runs>
 */
import { createDelivery } from 'runwire';

const [url, name, runs] = process.argv.slice(2);
const delivery = createDelivery({ producer: { url, stream: 'runwire:jobs' } });
for (let r = 0; r < Number(runs); r += 1) {
  const runId = `${name}-run-${r}`;
  for (const pct of [25, 50, 100]) delivery.send('on_custom_event', runId, { name: 'progress', run_id: runId, data: { pct } });
  delivery.send('on_tool_end', runId, { name: 'calculator', run_id: runId, data: { output: String(6 * 7) } }, { endsRun: true });
}
const stats = await delivery.drain(30_000);
console.log(`producer ${name}: wrote ${stats.delivered} jobs to runwire:jobs (${stats.dead_lettered} dead-lettered)`);
