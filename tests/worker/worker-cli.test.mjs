/**
 * The Redis Streams side of the CLI, with a real redis-server: `runwire worker` (help, bad flags,
 * secrets never flags, bad secrets and an unreachable Redis as clear errors with exit codes,
 * malformed job entries dead-lettered to a stream and acknowledged), and `runwire dlq ls|show|purge`
 * and `runwire replay` over a dead-letter stream (`redis://host:port#stream`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createDelivery } from 'runwire';
import { runCli } from '../support/cli.mjs';
import { SECRET, startReceiver, startWorker, useRedis, waitFor } from './support.mjs';

const fixture = useRedis();

const cli = (args, { env = {}, ...options } = {}) => runCli(args, { env: { RUNWIRE_SECRET: '', ...env }, ...options });

test('worker: --help, bad flags, secrets never flags, bad secret and unreachable Redis exit non-zero', async () => {
  const top = await cli(['--help']);
  assert.match(top.stdout, /^ {2}worker /m);
  const help = await cli(['worker', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: runwire worker --redis <url>/);
  assert.match(help.stdout, /--claim-idle-ms <n>/);
  assert.match(help.stdout, /\$RUNWIRE_REDIS_PASSWORD or --redis-password-file/);
  const typo = await cli(['worker', '--rediss', 'redis://127.0.0.1:1']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown option --rediss \(did you mean --redis\?\)/);
  const noRedis = await cli(['worker', '--url', 'http://127.0.0.1:1/']);
  assert.equal(noRedis.code, 2);
  assert.match(noRedis.stderr, /--redis <url> is required/);
  const secretFlag = await cli(['worker', '--secret', SECRET]);
  assert.equal(secretFlag.code, 2);
  assert.match(secretFlag.stderr, /--secret is not accepted on the command line/);
  assert.doesNotMatch(secretFlag.stderr, /C2FVsBQ/);
  const passwordInUrl = await cli(['worker', '--redis', 'redis://:hunter2@127.0.0.1:1', '--url', 'http://127.0.0.1:1/']);
  assert.equal(passwordInUrl.code, 2);
  assert.match(passwordInUrl.stderr, /password does not go in --redis .*RUNWIRE_REDIS_PASSWORD/);
  assert.doesNotMatch(passwordInUrl.stderr, /hunter2/);
  const noSecret = await cli(['worker', '--redis', fixture.redis.url, '--url', 'http://127.0.0.1:1/']);
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /a secret is required: set RUNWIRE_SECRET or use --secret-file/);
  const badSecret = await cli(['worker', '--redis', fixture.redis.url, '--url', 'http://127.0.0.1:1/', '--url-policy', 'dev'], { env: { RUNWIRE_SECRET: 'whsec_!!notbase64' } });
  assert.equal(badSecret.code, 1);
  assert.match(badSecret.stderr, /cannot start the worker: ERR_RUNWIRE_[A-Z_]+: .*secret is not valid base64/);
  assert.doesNotMatch(badSecret.stderr, /notbase64/);
  const down = await cli(['worker', '--redis', 'redis://127.0.0.1:1', '--url', 'http://127.0.0.1:1/', '--url-policy', 'dev'], { env: { RUNWIRE_SECRET: SECRET } });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot start the worker: ERR_RUNWIRE_INVALID_CONFIG: worker: cannot join group "runwire" on stream "runwire:jobs"/);
  const count = await cli(['worker', '--redis', fixture.redis.url, '--count', '0']);
  assert.equal(count.code, 2);
  assert.match(count.stderr, /--count must be a whole number from 1 to 10000/);
});

test('worker: malformed entries and unknown sinks are dead-lettered to a stream, then acknowledged; SIGTERM drains', async () => {
  const receiver = await startReceiver();
  const stream = 'jobs-malformed';
  try {
    const producer = createDelivery({ producer: { url: fixture.redis.url, stream, events: '*' }, dlq: () => {} });
    for (let i = 0; i < 20; i += 1) producer.send('on_custom_event', `ok-${i}`, { name: 'x', data: { i } });
    assert.equal((await producer.close(10_000)).delivered, 20);
    await fixture.client.xadd(stream, '*', 'hello', 'world');
    await fixture.client.xadd(stream, '*', 'v', '1', 'id', 'x:1', 'event', 'on_tool_end', 'run_id', 'r', 'accepted_at', 'soon', 'body', '{}');
    const wrongSink = createDelivery({ producer: { url: fixture.redis.url, stream, events: '*', deliverTo: ['nope'] }, dlq: () => {} });
    wrongSink.send('on_custom_event', 'lost', { name: 'x' });
    await wrongSink.close(10_000);
    const worker = startWorker({ redis: fixture.redis.url, stream, consumer: 'm1', url: receiver.url, args: ['--dlq-stream', 'dlq-malformed'] });
    await waitFor(async () => receiver.unique() === 20 && (await fixture.client.xlen('dlq-malformed')) === 3, 30_000, 'deliveries and dead letters');
    await waitFor(async () => (await fixture.client.xpending(stream, 'g'))[0] === 0, 10_000, 'everything acknowledged');
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    assert.equal(exit.code, 0, worker.err());
    assert.match(worker.out(), /read 23, claimed 0, acked 23, in flight 0; delivered 20, dead-lettered 0, retrying 0, malformed 3/);

    const address = `${fixture.redis.url}#dlq-malformed`;
    const ls = await cli(['dlq', 'ls', address]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /3 dead letters: 3 malformed_entry/);
    const json = await cli(['dlq', 'ls', address, '--json']);
    const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.sink), ['runwire-worker', 'runwire-worker', 'runwire-worker']);
    const show = await cli(['dlq', 'show', address, 'x:1']);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.reason, 'malformed_entry');
    assert.match(shown.attempts[0].error, /field `accepted_at` is not unix milliseconds/);
    assert.equal(shown.body.accepted_at, 'soon', 'the entry\'s fields are kept for inspection');
    const unknownSink = records.find((r) => r.id === 'lost:on_custom_event:1');
    assert.ok(unknownSink, 'a job naming a sink this worker lacks is dead-lettered');
    const noPurge = await cli(['dlq', 'purge', address]);
    assert.equal(noPurge.code, 2);
    assert.match(noPurge.stderr, /add --yes to confirm/);
    const purge = await cli(['dlq', 'purge', address, '--event', 'on_tool_end', '--yes']);
    assert.equal(purge.code, 0, purge.stderr);
    assert.match(purge.stdout, /purged 1 dead letters/);
    assert.equal(await fixture.client.xlen('dlq-malformed'), 2);
    const leaked = await cli(['dlq', 'ls', `redis://:hunter2@127.0.0.1:${fixture.redis.port}#dlq-malformed`]);
    assert.equal(leaked.code, 2);
    assert.doesNotMatch(leaked.stderr, /hunter2/);
  } finally {
    await receiver.close();
  }
});

test('replay from a dead-letter stream: re-signed, same ids, delivered records deleted from the stream', async () => {
  // Dead letters written by a delivery whose endpoint refuses everything (400).
  const refusing = createServer((req, res) => req.resume().on('end', () => res.writeHead(400).end()));
  await new Promise((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const stream = 'dlq-replay';
  const delivery = createDelivery({
    sinks: [{ name: 'hooks', url: `http://127.0.0.1:${refusing.address().port}/`, secret: SECRET, urlPolicy: { profile: 'dev' }, events: '*' }],
    dlq: { redis: fixture.redis.url, stream },
    exitDrainMs: false,
  });
  for (let i = 0; i < 30; i += 1) delivery.send('on_custom_event', `replay-${i}`, { name: 'x', data: { i } });
  const stats = await delivery.close(10_000);
  refusing.close();
  assert.equal(stats.dead_lettered, 30);
  assert.equal(await fixture.client.xlen(stream), 30);
  const receiver = await startReceiver();
  try {
    const address = `${fixture.redis.url}#${stream}`;
    const dry = await cli(['replay', address, '--url', receiver.url, '--url-policy', 'dev', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: 30 to replay, 0 skipped/);
    const replay = await cli(['replay', address, '--url', receiver.url, '--url-policy', 'dev'], { env: { RUNWIRE_SECRET: SECRET } });
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replay: 30 sent, 0 failed, 0 skipped \(30 delivered records removed\)/);
    assert.match(replay.stderr, /replaying 30\/30/);
    assert.equal(receiver.unique(), 30);
    for (let i = 0; i < 30; i += 1) assert.ok(receiver.counts.has(`replay-${i}:on_custom_event:1`), 'same ids');
    assert.equal(await fixture.client.xlen(stream), 0);
    const noHash = await cli(['replay', fixture.redis.url, '--url', receiver.url]);
    assert.equal(noHash.code, 2);
    assert.match(noHash.stderr, /named redis:\/\/host:port\[\/db\]#stream/);
  } finally {
    await receiver.close();
  }
});
