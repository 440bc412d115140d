/**
 * Issue 9, "nothing lost on a crash": a child process sends events with the durable spool on
 * to a loopback receiver that is down or slow, and is killed with SIGKILL at random points (at
 * least 3 times), restarted each time, resuming from the count it recorded after its last
 * `await flush()`. At the end the receiver (deduping on webhook-id) holds every logical event,
 * the DLQ holds none, and the duplicates are counted and printed:
 * - same id delivered twice: delivered in one life, killed before its Settled record was written;
 * - same logical event under two ids: sent after the last recorded progress, spooled, then
 *   re-sent by the next life (which resumes from the recorded progress) — in flight at a kill.
 * Bounded: each scenario stops after 170 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const verifier = new Webhook(SECRET);

/** The receiver: 503 while `down`, `delayMs` per request while slow; dedupes on webhook-id. */
async function startReceiver() {
  const state = { down: false, delayMs: 0, byId: new Map(), idsByKey: new Map(), sameIdAgain: 0, bodyMismatch: 0, badSignature: 0, requests: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      state.requests += 1;
      const answer = () => {
        if (state.down) {
          res.writeHead(503);
          res.end();
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        const id = req.headers['webhook-id'];
        try {
          verifier.verify(body, req.headers);
        } catch {
          state.badSignature += 1;
        }
        const seen = state.byId.get(id);
        if (seen !== undefined) {
          state.sameIdAgain += 1;
          if (seen !== body) state.bodyMismatch += 1;
        } else {
          state.byId.set(id, body);
          const key = JSON.parse(body).data.key;
          if (!state.idsByKey.has(key)) state.idsByKey.set(key, []);
          state.idsByKey.get(key).push(id);
        }
        res.end('ok');
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${server.address().port}/hook`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const progressOf = (file) => (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0);

async function scenario({ fsync, total, chunk, kills }) {
  const receiver = await startReceiver();
  const work = mkdtempSync(join(tmpdir(), `runwire-spool-${fsync}-`));
  const [dir, dlqDir, progress] = [join(work, 'spool'), join(work, 'dlq'), join(work, 'progress')];
  const started = Date.now();
  const deadline = started + 170_000;
  const killedAt = [];
  let finalOutput = '';
  try {
    for (let life = 0; life <= kills; life += 1) {
      // Every life starts against a receiver that is down, then slow, then normal.
      receiver.state.down = true;
      receiver.state.delayMs = 0;
      const child = spawn(process.execPath, ['tests/spool/child.mjs', dir, dlqDir, receiver.url, String(total), progress, fsync, String(chunk)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (d) => { output += d; });
      const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      const phase = setTimeout(() => { receiver.state.down = false; receiver.state.delayMs = 20; }, 400 + Math.random() * 600);
      const normal = setTimeout(() => { receiver.state.delayMs = 0; }, 2_000);
      if (life < kills) {
        // Kill once progress passed a random point around the (life+1)/(kills+2) mark (or during
        // the drain, if the child got past it), plus a random delay.
        const from = progressOf(progress);
        const mark = Math.floor(((total * (life + 1)) / (kills + 2)) * (0.7 + Math.random() * 0.6));
        const target = Math.min(total, Math.max(from + chunk, mark));
        while (progressOf(progress) < target && Date.now() < deadline) await sleep(2);
        await sleep(Math.random() * 50);
        killedAt.push(progressOf(progress));
        child.kill('SIGKILL');
        const { signal } = await exited;
        assert.equal(signal, 'SIGKILL', 'the child was killed, not finished');
      } else {
        const timer = setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadline - Date.now()));
        const { code } = await exited;
        clearTimeout(timer);
        assert.equal(code, 0, 'the last life finishes and drains');
        finalOutput = output;
      }
      clearTimeout(phase);
      clearTimeout(normal);
    }
    const { state } = receiver;
    const missing = [];
    let sameEventTwoIds = 0;
    const duplicatedKeys = [];
    for (let key = 0; key < total; key += 1) {
      const ids = state.idsByKey.get(key);
      if (!ids) missing.push(key);
      else if (ids.length > 1) {
        sameEventTwoIds += ids.length - 1;
        duplicatedKeys.push(key);
      }
    }
    const dlqFiles = existsSync(dlqDir) ? readdirSync(dlqDir, { recursive: true }).filter((f) => f.endsWith('.json')).length : 0;
    const seconds = (Date.now() - started) / 1000;
    const figures = {
      fsync, events: total, kills: killedAt.length, killedAtProgress: killedAt, received: state.byId.size,
      missing: missing.length, dlq: dlqFiles, sameIdTwice: state.sameIdAgain, sameEventTwoIds, bodyMismatch: state.bodyMismatch,
      requests: state.requests, seconds, last: JSON.parse(finalOutput || '{}'),
    };
    console.log(`spool kill -9 figures: ${JSON.stringify(figures)}`);
    assert.equal(missing.length, 0, `missing logical events: ${missing.slice(0, 10)}`);
    assert.equal(dlqFiles, 0, 'nothing dead-lettered');
    assert.equal(state.bodyMismatch, 0, 'a redelivered id carries the same body bytes');
    assert.equal(state.badSignature, 0);
    assert.ok(killedAt.length >= 3);
    // A logical event arrives under two ids only if it was sent after the progress recorded
    // before a kill, and before the kill: within two chunks after a kill's recorded progress.
    for (const key of duplicatedKeys) {
      assert.ok(killedAt.some((p) => key >= p && key < p + 2 * chunk), `event ${key} duplicated outside any kill window ${killedAt}`);
    }
  } finally {
    await receiver.close();
    rmSync(work, { recursive: true, force: true });
  }
}

test("kill -9 with spool fsync 'batch': 100,000 events, nothing lost", { timeout: 180_000 }, async () => {
  await scenario({ fsync: 'batch', total: 100_000, chunk: 1_000, kills: 3 });
});

test("kill -9 with spool fsync 'always': 10,000 events, nothing lost", { timeout: 180_000 }, async () => {
  await scenario({ fsync: 'always', total: 10_000, chunk: 250, kills: 3 });
});
