/**
 * One live delivery per spool directory: a second `createDelivery` on a `dir` that another
 * delivery holds (this process, or another one) throws `ERR_RUNWIRE_SPOOL_LOCKED`; once the
 * holder is closed (await close()) or killed with SIGKILL (the OS drops its lock), the dir opens
 * again, and after the kill its pending events are recovered and delivered. Loopback only; the
 * receiver answers 503 until a test lets it up, so events stay pending.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.mjs';
import { deliveredNs as received, spooledDelivery, startReceiver } from './support.mjs';

/** A delivery on `dir`; the default retries are quick, a minute away keeps events pending. */
const open = (rw, dir, dlqDir, url, retryDelaysMs = [50, 50, 50]) => spooledDelivery(rw.createDelivery, { dir, url, dlqDir, retryDelaysMs });

function assertLocked(fn, dir) {
  assert.throws(fn, (err) => {
    assert.equal(err.code, 'ERR_RUNWIRE_SPOOL_LOCKED');
    assert.ok(err.message.includes(dir), `the message names the dir: ${err.message}`);
    assert.match(err.message, /another delivery/);
    return true;
  });
}

/** A child process holding `dir` with `count` pending events; resolves once they are durable. */
function holdInChild(dir, url, count) {
  const child = spawn(process.execPath, ['tests/spool/hold.mjs', dir, url, String(count)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the holder was not ready within 20 s')), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(out.split('\n')[0]));
      }
    });
    exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`the holder exited early: ${code ?? signal}`)); });
  });
  return { child, exited, ready };
}

test('same process: a second delivery on a held dir throws ERR_RUNWIRE_SPOOL_LOCKED; after await close() the dir opens again', async () => {
  const rw = await import('runwire');
  const receiver = await startReceiver();
  const work = mkdtempSync(join(tmpdir(), 'runwire-spool-lock-'));
  const [dir, dlq] = [join(work, 'spool'), join(work, 'dlq')];
  try {
    const first = open(rw, dir, dlq, receiver.url, [60_000]);
    assertLocked(() => open(rw, dir, dlq, receiver.url), dir);
    assertLocked(() => open(rw, dir, dlq, receiver.url), dir); // a refused open leaves nothing held
    for (let n = 0; n < 5; n += 1) first.send('on_custom_event', `r${n}`, { n });
    assert.equal(await first.flush(10_000), true);
    assert.equal(first.stats().spool.pending, 5);
    assertLocked(() => open(rw, dir, dlq, receiver.url), dir);
    // close() dead-letters what is unfinished at its deadline (reason `shutdown`, replayable):
    // those are settled, so the next delivery on the dir has nothing to redeliver.
    const closed = await first.close(200);
    assert.equal(closed.dead_lettered, 5);
    assert.equal(closed.spool.pending, 0);
    assert.ok(existsSync(join(dir, 'lock')));

    receiver.state.up = true;
    const second = open(rw, dir, dlq, receiver.url);
    try {
      second.send('on_custom_event', 'r9', { n: 9 });
      const stats = await second.drain(10_000);
      assert.equal(stats.spool.recovered, 0);
      assert.equal(stats.delivered, 1);
      assert.deepEqual(received(receiver.state), [9]);
      // An unrelated dir is not affected by the held one.
      await open(rw, join(work, 'other'), dlq, receiver.url).close(1_000);
    } finally {
      await second.close(1_000);
    }
  } finally {
    await receiver.close();
    rmSync(work, { recursive: true, force: true });
  }
});

test('another process: the parent gets ERR_RUNWIRE_SPOOL_LOCKED while a child holds the dir; after SIGKILL it recovers the pending events', { timeout: 60_000 }, async () => {
  const rw = await import('runwire');
  const receiver = await startReceiver();
  const work = mkdtempSync(join(tmpdir(), 'runwire-spool-lock-kill-'));
  const [dir, dlq] = [join(work, 'spool'), join(work, 'dlq')];
  const holder = holdInChild(dir, receiver.url, 20);
  try {
    const ready = await holder.ready;
    assert.equal(ready.pending, 20);
    assertLocked(() => open(rw, dir, dlq, receiver.url), dir);

    holder.child.kill('SIGKILL');
    assert.equal((await holder.exited).signal, 'SIGKILL');
    receiver.state.up = true;
    const delivery = open(rw, dir, dlq, receiver.url);
    try {
      const stats = await delivery.drain(10_000);
      assert.equal(stats.spool.recovered, 20);
      assert.equal(stats.dead_lettered, 0);
      assert.equal(stats.spool.pending, 0);
      assert.deepEqual(received(receiver.state), Array.from({ length: 20 }, (_, n) => n));
    } finally {
      await delivery.close(1_000);
    }
  } finally {
    if (holder.child.exitCode === null && holder.child.signalCode === null) holder.child.kill('SIGKILL');
    await receiver.close();
    rmSync(work, { recursive: true, force: true });
  }
});
