/** The scale-out example runs: every event from 2 producers delivered once by 2 workers, nothing pending. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../tests/support/paths.mjs';

test('examples/scale-out: producers + workers over Redis Streams', async () => {
  const { stdout } = await run(process.execPath, ['examples/scale-out/main.mjs'], { timeoutMs: 90_000 });
  assert.match(stdout, /producer agent-1: wrote 1000 jobs to runwire:jobs \(0 dead-lettered\)/);
  assert.match(stdout, /producer agent-2: wrote 1000 jobs/);
  assert.match(stdout, /receiver: 2000 of 2000 events verified, 5 answered 503 first and retried, 0 duplicates/);
  assert.match(stdout, /consumer group: 0 pending entries/);
  const acked = [...stdout.matchAll(/worker-[ab]: worker: read (\d+), claimed 0, acked (\d+), in flight 0; delivered (\d+)/g)];
  assert.equal(acked.length, 2);
  assert.equal(acked.reduce((sum, m) => sum + Number(m[2]), 0), 2000, 'every entry acknowledged once');
});
