/**
 * Leaves a spool where compaction moved a run's first event past its second, then exits without
 * draining (tests/spool/spool.test.mjs, "compaction keeps each run's order across a restart").
 * Usage: node tests/spool/reorder.mjs <spoolDir>
 * Run `slow` sends events 1 and 2 (its sink retries them a minute later); between them and after
 * them, delivered fillers settle whole segments. `slow` 2 is larger than a segment and 40 held
 * runs follow it, so its segment is mostly pending and is never rewritten. Compaction then copies `slow` 1 — alone in
 * the oldest segment — forward into the newest one, behind `slow` 2. Prints one JSON line.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDelivery } from 'runwire';

const [dir] = process.argv.slice(2);
const held = (runId) => runId === 'slow' || runId.startsWith('held');
const delivery = createDelivery({
  exitDrainMs: false,
  spool: { dir, fsync: 'always', segmentBytes: 4096 },
  sinks: [{
    events: ['on_custom_event'],
    ordering: 'run',
    concurrency: 8,
    retryDelaysMs: [60_000],
    send: async ({ run_id: runId }) => {
      if (held(runId)) throw new Error('held: retried a minute later');
    },
  }],
});
const segments = () => readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();
const pad = 'f'.repeat(100);
const fillers = async (from, count) => {
  for (let n = from; n < from + count; n += 1) delivery.send('on_custom_event', `filler${n}`, { n, pad });
  await delivery.flush(10_000);
};

delivery.send('on_custom_event', 'slow', { step: 1 });
// About a segment and a half (≈ 210 bytes a record): fewer than the three segments compaction
// needs, so `slow` 1 stays where it is until `slow` 2 is written.
await fillers(0, 30);
const before = segments().length;
const first = segments()[0]; // holds `slow` 1
// Larger than a segment: its segment is mostly this pending record, never worth rewriting.
delivery.send('on_custom_event', 'slow', { step: 2, pad: 's'.repeat(5000) });
for (let n = 0; n < 40; n += 1) delivery.send('on_custom_event', `held${n}`, { n });
await delivery.flush(10_000);
// Settle more fillers until the oldest segment (slow 1 among settled fillers) is rewritten
// forward and deleted. Bounded: 50 rounds.
let rounds = 0;
for (; rounds < 50 && segments()[0] === first; rounds += 1) {
  await fillers(1000 + rounds * 50, 50);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
/** [segment, offset] of the first record whose bytes hold `text`; null when none does. */
function place(text) {
  for (const name of segments()) {
    const at = readFileSync(join(dir, name), 'latin1').indexOf(text);
    if (at !== -1) return [name, at];
  }
  return null;
}
const one = place('"step":1');
const two = place('"step":2');
// What makes the restart a test: the copy of `slow` 1 now comes after `slow` 2 in the files.
const oneAfterTwo = one !== null && two !== null && (one[0] > two[0] || (one[0] === two[0] && one[1] > two[1]));
process.stdout.write(`${JSON.stringify({ moved: segments()[0] !== first, oneAfterTwo, before, rounds, segments: segments().length, spool: delivery.stats().spool })}\n`);
process.exit(0);
