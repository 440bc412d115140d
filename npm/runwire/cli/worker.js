/**
 * `runwire worker`: one delivery worker of a Redis Streams consumer group (see
 * crates/node/src/worker.rs and `createWorker`). Producer processes write jobs with
 * `createDelivery({ producer: { url, stream } })`; any number of `runwire worker` processes
 * deliver them through the normal engine, acknowledging each entry after its final outcome and
 * reclaiming a dead worker's entries after `--claim-idle-ms`.
 *
 * Where jobs go: `--url` (one webhook, the secret from $RUNWIRE_SECRET or `--secret-file`) or
 * the `sinks` of a `--config` file (the same sink options as `createDelivery`; a job names the
 * sinks to use, default all). Dead letters: `--dlq-stream` (a stream on the same Redis), else
 * `--dlq-dir` (default .runwire/dlq). SIGTERM or SIGINT: stop reading, drain, acknowledge, exit 0.
 * Secrets and the Redis password are never flags (`ps` shows flags).
 */
import { parseOptions, readSecret, CliError, UsageError } from './options.js';

export const spec = {
  summary: 'deliver jobs from a Redis stream (a consumer-group worker)',
  usage: 'runwire worker --redis <url> [--stream <name>] (--url <endpoint> | --config <file>) [options]',
  options: {
    redis: { type: 'string', arg: 'url', description: 'Redis to read jobs from, redis://host:port[/db] (password: $RUNWIRE_REDIS_PASSWORD)' },
    stream: { type: 'string', arg: 'name', default: 'runwire:jobs', description: 'the job stream producers write to' },
    group: { type: 'string', arg: 'name', default: 'runwire', description: 'the consumer group' },
    consumer: { type: 'string', arg: 'name', description: 'this worker\'s consumer name (default <hostname>-<pid>)' },
    url: { type: 'string', arg: 'url', description: 'deliver every job to this webhook (else the config file\'s sinks)' },
    'secret-file': { type: 'string', arg: 'path', description: 'file holding the signing secret for --url (else $RUNWIRE_SECRET)' },
    secret: { secret: true, env: 'RUNWIRE_SECRET' },
    'redis-password-file': { type: 'string', arg: 'path', description: 'file holding the Redis password (else $RUNWIRE_REDIS_PASSWORD)' },
    'redis-password': { secret: true, env: 'RUNWIRE_REDIS_PASSWORD' },
    scheme: { type: 'choice', choices: ['standard', 'github', 'both'], default: 'standard', description: 'signature scheme for --url' },
    'url-policy': { type: 'choice', choices: ['safe', 'dev'], default: 'safe', description: 'dev allows http and loopback (local receivers)' },
    'retry-delays': { type: 'list', description: 'retry schedule for --url in ms (comma-separated; default the engine\'s)' },
    concurrency: { type: 'integer', min: 1, max: 1024, default: 64, description: 'concurrent requests for --url' },
    'dlq-stream': { type: 'string', arg: 'name', description: 'dead letters go to this stream on the same Redis' },
    'dlq-dir': { type: 'string', arg: 'dir', description: 'dead letters go to files here (default .runwire/dlq)' },
    count: { type: 'integer', min: 1, max: 10_000, default: 256, description: 'entries per XREADGROUP' },
    'block-ms': { type: 'integer', min: 1, max: 60_000, default: 1000, description: 'XREADGROUP BLOCK time' },
    'max-in-flight': { type: 'integer', min: 1, max: 1_000_000, default: 4096, description: 'unacknowledged entries at most' },
    'claim-idle-ms': { type: 'integer', min: 100, max: 604_800_000, default: 30_000, description: 'reclaim other consumers\' entries idle this long' },
    'drain-timeout-ms': { type: 'integer', min: 0, max: 600_000, default: 30_000, description: 'on SIGTERM, wait this long for in-flight deliveries' },
    'stats-every-ms': { type: 'integer', min: 0, max: 3_600_000, default: 10_000, description: 'print a progress line this often (0 = never)' },
    json: { type: 'boolean', default: false, description: 'progress and summary as JSON lines' },
  },
};

function sinksFrom(values, config, env) {
  if (values.url !== undefined) {
    const secret = readSecret({ name: 'secret', env, envVar: 'RUNWIRE_SECRET', file: values['secret-file'], config, required: true });
    const sink = { name: 'webhook', url: values.url, scheme: values.scheme, concurrency: values.concurrency, urlPolicy: { profile: values['url-policy'] }, events: '*' };
    if (values['retry-delays']) {
      const delays = values['retry-delays'].map(Number);
      if (!delays.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new UsageError('--retry-delays must be whole milliseconds, e.g. 1000,5000');
      sink.retryDelaysMs = delays;
    }
    if (values.scheme !== 'github') sink.secret = secret;
    if (values.scheme !== 'standard') sink.githubSecret = secret;
    return [sink];
  }
  if (!Array.isArray(config.sinks) || config.sinks.length === 0) {
    throw new UsageError('say where to deliver: --url <endpoint>, or a --config file with "sinks"');
  }
  return config.sinks;
}

function line(stats) {
  const d = stats.delivery;
  return `worker: read ${stats.read}, claimed ${stats.claimed}, acked ${stats.acked}, in flight ${stats.in_flight}; delivered ${d.delivered}, dead-lettered ${d.dead_lettered}, retrying ${d.pending}${stats.malformed ? `, malformed ${stats.malformed}` : ''}`;
}

export async function run(argv, { env, ui, runwire, signal }) {
  const { help, values, config } = await parseOptions(spec, argv, env);
  if (help) return 'help';
  if (!values.redis) throw new UsageError('--redis <url> is required (or $RUNWIRE_REDIS)');
  if (/\/\/[^/@]*:[^/@]*@/.test(values.redis) && argv.some((a) => a.includes(values.redis))) {
    throw new UsageError('the Redis password does not go in --redis (other users can read it in ps): set RUNWIRE_REDIS_PASSWORD or use --redis-password-file');
  }
  const password = readSecret({ name: 'redis-password', env, envVar: 'RUNWIRE_REDIS_PASSWORD', file: values['redis-password-file'], config });
  const sinks = sinksFrom(values, config, env);
  const dlq = values['dlq-stream']
    ? { redis: values.redis, stream: values['dlq-stream'] }
    : { dir: values['dlq-dir'] ?? '.runwire/dlq' };
  let worker;
  try {
    worker = await runwire.createWorker({
      redis: values.redis,
      ...(password !== undefined && { password }),
      stream: values.stream,
      group: values.group,
      ...(values.consumer !== undefined && { consumer: values.consumer }),
      count: values.count,
      blockMs: values['block-ms'],
      maxInFlight: values['max-in-flight'],
      claimIdleMs: values['claim-idle-ms'],
      drainTimeoutMs: values['drain-timeout-ms'],
      sinks,
      dlq,
      ...(config.maxBodyBytes !== undefined && { maxBodyBytes: config.maxBodyBytes }),
    });
  } catch (error) {
    throw new CliError(`cannot start the worker: ${error.code ? `${error.code}: ` : ''}${error.message}`);
  }
  const print = (stats) => (values.json ? ui.err(JSON.stringify(stats)) : ui.err(line(stats)));
  ui.err(`worker ${worker.consumer} reading ${values.stream} as group ${values.group}; SIGTERM or Ctrl-C drains and exits`);
  const timer = values['stats-every-ms'] > 0 ? setInterval(() => print(worker.stats()), values['stats-every-ms']) : undefined;
  await new Promise((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', resolve, { once: true });
  });
  clearInterval(timer);
  ui.err('worker: stopping (draining in-flight deliveries)');
  const stats = await worker.close();
  if (values.json) ui.out(JSON.stringify(stats));
  else ui.out(line(stats));
  return 0;
}
