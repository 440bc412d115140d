/**
 * The process the kill -9 test kills (tests/spool/kill.test.mjs). Usage:
 *   node tests/spool/child.mjs <spoolDir> <dlqDir> <url> <total> <progressFile> <fsync> <chunk>
 * Resumes from the count in <progressFile> (0 if missing), sends events `{ key: n }` in chunks;
 * after each chunk it awaits `flush()` (everything so far durable per the fsync mode) and only
 * then writes the new count to <progressFile>. When all are sent it drains and exits 0.
 */
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createDelivery } from 'runwire';

const [dir, dlqDir, url, totalText, progressFile, fsync, chunkText] = process.argv.slice(2);
const total = Number(totalText);
const chunk = Number(chunkText);
const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

const delivery = createDelivery({
  urlPolicy: { profile: 'dev' },
  dlq: { dir: dlqDir },
  exitDrainMs: false,
  spool: { dir, fsync, segmentBytes: 1 << 20 },
  sinks: [
    {
      url,
      secret: SECRET,
      events: ['on_custom_event'],
      concurrency: 32,
      queueCapacity: 1_000_000,
      // The receiver is down or slow for a while in every life: retry long enough to outlast it.
      retryDelaysMs: Array(32).fill(250),
      jitter: false,
    },
  ],
});

function saveProgress(n) {
  writeFileSync(`${progressFile}.tmp`, String(n));
  renameSync(`${progressFile}.tmp`, progressFile);
}

let next = existsSync(progressFile) ? Number(readFileSync(progressFile, 'utf8')) : 0;
while (next < total) {
  const end = Math.min(total, next + chunk);
  for (let n = next; n < end; n += 1) delivery.send('on_custom_event', `k${n}`, { key: n });
  if (!(await delivery.flush(60_000))) throw new Error('flush timed out');
  next = end;
  saveProgress(next);
}
const stats = await delivery.drain(120_000);
await delivery.close(5_000);
process.stdout.write(`${JSON.stringify({ done: true, delivered: stats.delivered, dead: stats.dead_lettered, recovered: stats.spool.recovered, corrupt: stats.spool.corrupt })}\n`);
