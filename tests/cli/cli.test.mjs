/**
 * The `runwire` CLI as a user runs it (a child process of npm/runwire/cli/runwire.js):
 * `--help` everywhere; clear errors and exit codes for bad flags and bad secrets; `listen`
 * verifying, deduping, printing and forwarding real deliveries from runwire's engine and from
 * hand-signed requests of every scheme; `dlq ls|show|purge` and `replay` over a real file DLQ
 * written by the addon, with filters, dry runs, failures kept and successes removed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDelivery, signWebhook, signStripeWebhook, signGithubWebhook, verifyWebhook, generateSecret } from 'runwire';
import { repoRoot } from '../support/paths.mjs';
import { startFaultServer } from '../support/fault-server.mjs';
import { CLI, runCli } from '../support/cli.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/** Runs the CLI to completion. */
const cli = (args, { env = {}, ...options } = {}) => runCli(args, { env: { ...env }, ...options });

/** Starts `runwire listen` and resolves once it printed its address. */
function startListen(args, env) {
  const child = spawn(process.execPath, [CLI, 'listen', '--port', '0', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`listen did not start: ${stderr}`)), 15_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = /ready on (http:\/\/\S+?) /.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], exited, out: () => stdout, err: () => stderr, stop: () => child.kill('SIGTERM') });
      }
    });
  });
}

const post = (url, body, headers) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

test('--help for every command; unknown commands and options get a suggestion and exit 2', async () => {
  const top = await cli(['--help']);
  assert.equal(top.code, 0);
  for (const name of ['listen', 'replay', 'dlq']) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
  for (const args of [['listen', '--help'], ['replay', '--help'], ['dlq', '--help'], ['dlq', 'ls', '--help'], ['dlq', 'show', '--help'], ['dlq', 'purge', '--help']]) {
    const { code, stdout } = await cli(args);
    assert.equal(code, 0, args.join(' '));
    assert.match(stdout, /usage: runwire /, args.join(' '));
  }
  assert.equal((await cli([])).code, 2);
  const typo = await cli(['lisen']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command "lisen" \(did you mean "listen"\?\)/);
  const flag = await cli(['listen', '--forward-too', 'http://127.0.0.1:1']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option --forward-too \(did you mean --forward-to\?\)/);
  const port = await cli(['listen', '--port', 'abc'], { env: { RUNWIRE_SECRET: SECRET } });
  assert.equal(port.code, 2);
  assert.match(port.stderr, /--port must be a whole number/);
});

test('secrets: never a flag, required, and a bad one is refused at start', async () => {
  const asFlag = await cli(['listen', '--secret', SECRET]);
  assert.equal(asFlag.code, 2);
  assert.match(asFlag.stderr, /--secret is not accepted on the command line .*RUNWIRE_SECRET or use --secret-file/);
  assert.doesNotMatch(asFlag.stderr, /C2FVsBQ/, 'the secret is not echoed');
  const missing = await cli(['listen'], { env: { RUNWIRE_SECRET: '' } });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /a secret is required: set RUNWIRE_SECRET or use --secret-file/);
  const bad = await cli(['listen'], { env: { RUNWIRE_SECRET: 'whsec_!!notbase64' } });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a valid Standard Webhooks secret \(ERR_RUNWIRE_/);
  assert.doesNotMatch(bad.stderr, /notbase64/);
  const noFile = await cli(['listen', '--secret-file', '/nonexistent/secret']);
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /cannot read --secret-file \/nonexistent\/secret: ENOENT/);
  const remote = await cli(['listen', '--forward-to', 'https://example.com/hooks'], { env: { RUNWIRE_SECRET: SECRET } });
  assert.equal(remote.code, 2);
  assert.match(remote.stderr, /not a loopback address; pass --allow-remote-forward/);
});

test('listen: verifies every scheme, dedupes, prints JSON lines, rejects forgeries', async () => {
  const github = 'a-github-style-secret';
  const listen = await startListen(['--json', '--max-events', '13'], { RUNWIRE_SECRET: SECRET, RUNWIRE_GITHUB_SECRET: github });
  try {
    // Ten real deliveries from the engine (Standard Webhooks).
    const delivery = createDelivery({ urlPolicy: { profile: 'dev' }, sinks: [{ url: `${listen.url}/hooks`, secret: SECRET }], exitDrainMs: false });
    for (let i = 0; i < 10; i += 1) delivery.send('on_custom_event', 'run-listen', { event: 'on_custom_event', name: 'progress', run_id: 'run-listen', data: { i } });
    const stats = await delivery.close(10_000);
    assert.equal(stats.delivered, 10, JSON.stringify(stats) + listen.err() + listen.url);
    // A replayed delivery (same id): acknowledged, flagged as a duplicate.
    const body = JSON.stringify({ type: 'agent.custom', data: { name: 'manual', run_id: 'r1', data: { ok: true } } });
    assert.equal((await post(listen.url, body, signWebhook(body, { id: 'manual-1', secrets: [SECRET] }))).status, 200);
    assert.equal((await post(listen.url, body, signWebhook(body, { id: 'manual-1', secrets: [SECRET] }))).status, 200);
    // Stripe-style and GitHub-style.
    assert.equal((await post(listen.url, body, { ...signStripeWebhook(body, [SECRET]), 'idempotency-key': 'stripe-1' })).status, 200);
    // A forgery.
    assert.equal((await post(listen.url, body, signWebhook(body, { id: 'forged', secrets: [generateSecret()] }))).status, 401);
    assert.equal((await post(listen.url, body, { ...signGithubWebhook(body, github), 'idempotency-key': 'gh-1' })).status, 200);
    assert.equal(await listen.exited, 0, listen.err());
    const lines = listen.out().trim().split('\n').map((l) => JSON.parse(l));
    const verified = lines.filter((l) => l.verified && !l.duplicate);
    assert.equal(verified.length, 13);
    assert.deepEqual(new Set(verified.map((l) => l.scheme)), new Set(['standard', 'stripe', 'github']));
    const progress = verified.filter((l) => l.events[0].name === 'progress').map((l) => l.events[0].data.i);
    assert.deepEqual(progress.sort((a, b) => a - b), [...Array(10).keys()], 'every engine delivery printed once');
    assert.equal(lines.filter((l) => l.duplicate).length, 1);
    const rejected = lines.filter((l) => !l.verified);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0].id, 'forged');
    assert.match(rejected[0].error, /^ERR_RUNWIRE_/);
    assert.match(listen.err(), /15 received, 13 verified, 1 duplicates, 1 rejected/);
  } finally {
    listen.stop();
  }
});

test('listen: pretty output and --forward-to a local app, which verifies the same signature', async () => {
  const appSeen = [];
  const app = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c)).on('end', () => {
      appSeen.push(verifyWebhook(Buffer.concat(chunks), req.headers, SECRET).id);
      res.writeHead(appSeen.length === 1 ? 503 : 204).end();
    });
  });
  await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${app.address().port}/hooks`;
  const listen = await startListen(['--forward-to', target, '--max-events', '2'], { RUNWIRE_SECRET: SECRET });
  try {
    const delivery = createDelivery({
      urlPolicy: { profile: 'dev' },
      sinks: [{ url: listen.url, secret: SECRET, retryDelaysMs: [20], concurrency: 1 }],
      exitDrainMs: false,
    });
    delivery.send('on_tool_end', 'run-fwd', { event: 'on_tool_end', name: 'calculator', run_id: 'run-fwd', output: '42' });
    delivery.send('on_custom_event', 'run-fwd', { event: 'on_custom_event', name: 'progress', run_id: 'run-fwd', data: { pct: 100 } });
    const stats = await delivery.close(10_000);
    assert.equal(stats.delivered, 2);
    assert.equal(stats.attempts, 3, "the app's 503 reached the sender, which retried");
    assert.equal(await listen.exited, 0);
    assert.equal(appSeen.length, 3);
    const out = listen.out();
    assert.match(out, /✔ standard {2}agent\.tool\.end calculator {2}id run-fwd:on_tool_end:1 {2}run run-fwd {2}"42" {2}→ 503/);
    assert.match(out, /✔ standard {2}agent\.tool\.end calculator .* → 204/);
    assert.match(out, /agent\.custom progress {2}id run-fwd:on_custom_event:1 .*\{"pct":100\} {2}→ 204/);
  } finally {
    listen.stop();
    app.close();
  }
});

/** Dead letters written by the addon's file store: `n` messages to an endpoint answering 500. */
async function deadLetters(dir, n) {
  const server = await startFaultServer({ secret: SECRET });
  try {
    const delivery = createDelivery({
      urlPolicy: { profile: 'dev' },
      sinks: [
        { name: 'ops', url: server.url('/status/500'), secret: SECRET, retryDelaysMs: [5] },
        { name: 'audit', url: server.url('/status/400'), secret: SECRET, retryDelaysMs: [5], events: ['on_tool_end'] },
      ],
      dlq: { dir },
      exitDrainMs: false,
    });
    for (let i = 0; i < n; i += 1) delivery.send('on_custom_event', `run-${i}`, { event: 'on_custom_event', name: 'step', data: { i } });
    delivery.send('on_tool_end', 'run-tool', { event: 'on_tool_end', name: 'search', output: 'x' });
    const stats = await delivery.close(10_000);
    assert.equal(stats.dead_lettered, n + 2);
  } finally {
    await server.close();
  }
}

const countFiles = (dir) => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.json')).length;

test('dlq ls/show/purge and replay over a real file DLQ', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runwire-cli-dlq-'));
  const server = await startFaultServer({ secret: SECRET });
  try {
    await deadLetters(dir, 20);
    assert.equal(countFiles(dir), 22);

    const ls = await cli(['dlq', 'ls', dir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /22 dead letters: (21 exhausted, 1 permanent_4xx|1 permanent_4xx, 21 exhausted)/);
    const audit = await cli(['dlq', 'ls', dir, '--sink', 'audit', '--json']);
    const auditLines = audit.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(auditLines.length, 1);
    assert.equal(auditLines[0].reason, 'permanent_4xx');
    const show = await cli(['dlq', 'show', dir, auditLines[0].id]);
    assert.equal(show.code, 0);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.id, 'run-tool:on_tool_end:1');
    assert.equal(shown.body.data.name, 'search', 'the body is shown parsed');
    const missing = await cli(['dlq', 'show', dir, 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no dead letter "nope"/);

    // Replay: a dry run sends nothing; a failing endpoint keeps the records and exits 1.
    const dry = await cli(['replay', dir, '--url', server.url('/ok'), '--url-policy', 'dev', '--dry-run', '--reason', 'exhausted']);
    assert.equal(dry.code, 0);
    assert.match(dry.stdout, /dry run: 21 to replay/);
    assert.equal(server.received.length, 0);
    const failing = await cli(['replay', dir, '--url', server.url('/status/503'), '--url-policy', 'dev', '--retry-delays', '5', '--sink', 'audit'], { env: { RUNWIRE_SECRET: SECRET } });
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /replay: 0 sent, 1 failed, 0 skipped/);
    assert.equal(countFiles(dir), 22, 'failed replays stay in the store');
    const unsafe = await cli(['replay', dir, '--url', server.url('/ok')], { env: { RUNWIRE_SECRET: SECRET } });
    assert.equal(unsafe.code, 1);
    assert.match(unsafe.stderr, /ERR_RUNWIRE_/, 'the safe URL policy refuses a loopback http URL by default');

    // The real replay: same ids, fresh signatures, verified by the receiver; delivered records removed.
    const sent = await cli(['replay', dir, '--url', server.url('/ok'), '--url-policy', 'dev', '--reason', 'exhausted'], { env: { RUNWIRE_SECRET: SECRET } });
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /replay: 21 sent, 0 failed, 0 skipped \(21 delivered records removed\)/);
    assert.match(sent.stderr, /replaying 21\/21/);
    assert.equal(server.verifyFailures, 0);
    assert.equal(server.unique.size, 21);
    assert.ok(server.unique.has('run-0:on_custom_event:1') && server.unique.has('run-tool:on_tool_end:1'));
    assert.equal(countFiles(dir), 1);

    const purgeRefused = await cli(['dlq', 'purge', dir]);
    assert.equal(purgeRefused.code, 2);
    assert.match(purgeRefused.stderr, /add --yes to confirm/);
    const purged = await cli(['dlq', 'purge', dir, '--yes']);
    assert.equal(purged.code, 0);
    assert.match(purged.stdout, /purged 1 dead letters/);
    assert.equal(countFiles(dir), 0);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay reads its sinks from a TOML or JSON config file, matched by sink name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runwire-cli-cfg-'));
  const server = await startFaultServer({ secret: SECRET });
  try {
    await deadLetters(dir, 3);
    const toml = join(dir, 'runwire.toml');
    writeFileSync(toml, `[[sinks]]\nname = "ops"\nurl = "${server.url('/ok')}"\nsecret = "${SECRET}"\nurlPolicy = { profile = "dev" }\n`);
    const viaToml = await cli(['replay', dir, '--config', toml]);
    assert.equal(viaToml.code, 0, viaToml.stderr);
    assert.match(viaToml.stdout, /replay: 4 sent, 0 failed, 1 skipped/, 'ops gets its 4; audit has no sink in the file');
    assert.match(viaToml.stderr, /skipped run-tool:on_tool_end:1: no sink named "audit"/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "sinks": [');
    const bad = await cli(['replay', dir, '--config', broken]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /config file .*broken\.json is not valid JSON/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
