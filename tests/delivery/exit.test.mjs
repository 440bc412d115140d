/**
 * The addon's workers are tokio threads, which do not keep Node alive. A script that ends
 * without drain() must still deliver what it queued (drain on `beforeExit`), and a hanging
 * endpoint must not hold the process longer than `exitDrainMs`: what is left is dead-lettered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../support/paths.mjs';
import { startFaultServer } from '../support/fault-server.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

function countFiles(dir) {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    n += statSync(path).isDirectory() ? countFiles(path) : 1;
  }
  return n;
}

test('addon: queued events are delivered when the script ends without drain()', async () => {
  const server = await startFaultServer({ secret: SECRET });
  const dir = mkdtempSync(join(tmpdir(), 'runwire-exit-'));
  try {
    await run(process.execPath, ['tests/delivery/exit/no-drain.mjs', server.url('/flaky/1'), '30', SECRET, dir], { timeoutMs: 30_000 });
    assert.equal(server.unique.size, 30, 'every event delivered (after its retry) before exit');
    assert.equal(server.verifyFailures, 0);
    assert.equal(countFiles(dir), 0);

    const started = Date.now();
    await run(process.execPath, ['tests/delivery/exit/no-drain.mjs', server.url('/hang'), '5', SECRET, dir], { timeoutMs: 30_000 });
    const took = Date.now() - started;
    assert.ok(took < 10_000, `a hanging endpoint held the process ${took} ms`);
    assert.equal(countFiles(dir), 5, 'what could not be delivered is dead-lettered (shutdown), not lost');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
