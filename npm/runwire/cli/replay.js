/**
 * `runwire replay <dlq-dir>`: re-sends dead letters through the normal delivery engine — the same
 * id, the exact body bytes, a fresh timestamp and signature per attempt, the sink's retries. A
 * record that is delivered is removed from the directory (unless `--keep`); one that fails again
 * stays where it is. `--dry-run` lists what would be sent. Prints progress and a summary
 * (sent / failed / skipped); exits 1 when anything failed.
 *
 * Where records go: `--url` (one endpoint for every record, the secret from $RUNWIRE_SECRET or
 * `--secret-file`), or the `sinks` of a config file (`--config`), matched by each record's sink
 * name — the same sink options as `createDelivery`.
 *
 * The dead letters can also come from a Redis stream (`dlq: { redis, stream }` of workers): name
 * it `redis://host:port[/db]#stream` instead of a directory (password in
 * $RUNWIRE_REDIS_PASSWORD); delivered records are then deleted from the stream (`XDEL`).
 */
import { parseOptions, readSecret, CliError, UsageError } from './options.js';
import { readDeadLetters, removeDeadLetter } from './dlq-store.js';
import { FILTER_OPTIONS, filtersFrom } from './filters.js';
import { PASSWORD_OPTIONS, isStreamAddress, parseStreamAddress, readStreamDeadLetters, removeStreamDeadLetters } from './stream-store.js';

export const spec = {
  summary: 're-sign and re-send dead letters with their ids',
  usage: 'runwire replay <dlq-dir | redis://host:port[/db]#stream> [options]',
  positionals: { min: 1, max: 1, names: ['<dlq-dir | redis://host:port[/db]#stream>'] },
  options: {
    url: { type: 'string', arg: 'url', description: 'send every record to this endpoint (else the config file\'s sinks, by name)' },
    'secret-file': { type: 'string', arg: 'path', description: 'file holding the signing secret for --url (else $RUNWIRE_SECRET)' },
    secret: { secret: true, env: 'RUNWIRE_SECRET' },
    scheme: { type: 'choice', choices: ['standard', 'github', 'both'], default: 'standard', description: 'signature scheme for --url' },
    'url-policy': { type: 'choice', choices: ['safe', 'dev'], default: 'safe', description: 'dev allows http and loopback (local receivers)' },
    'retry-delays': { type: 'list', default: '1000,5000', description: 'retry schedule in ms (comma-separated)' },
    concurrency: { type: 'integer', min: 1, max: 256, default: 8, description: 'concurrent requests' },
    'dry-run': { type: 'boolean', default: false, description: 'list what would be re-sent; send nothing' },
    keep: { type: 'boolean', default: false, description: 'keep delivered records in the directory' },
    ...FILTER_OPTIONS,
    ...PASSWORD_OPTIONS,
  },
};

function sinksFor(values, config, env) {
  if (values.url !== undefined) {
    const secret = readSecret({ name: 'secret', env, envVar: 'RUNWIRE_SECRET', file: values['secret-file'], config, required: true });
    const delays = values['retry-delays'].map(Number);
    if (!delays.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new UsageError('--retry-delays must be whole milliseconds, e.g. 1000,5000');
    const sink = { name: 'replay', url: values.url, scheme: values.scheme, retryDelaysMs: delays, concurrency: values.concurrency, urlPolicy: { profile: values['url-policy'] }, events: '*' };
    if (values.scheme === 'github') sink.githubSecret = secret;
    else sink.secret = secret;
    if (values.scheme === 'both') sink.githubSecret = secret;
    return { sinks: [sink], route: () => 'replay' };
  }
  if (!Array.isArray(config.sinks) || config.sinks.length === 0) {
    throw new UsageError('say where to send: --url <endpoint>, or a --config file with "sinks" (matched by each record\'s sink name)');
  }
  const names = new Set(config.sinks.map((s) => s.name));
  return { sinks: config.sinks.map((s) => ({ events: '*', ...s })), route: (record) => (names.has(record.sink) ? record.sink : undefined) };
}

export async function run(argv, { env, ui, runwire }) {
  const { help, values, positionals, config } = await parseOptions(spec, argv, env);
  if (help) return 'help';
  const [dir] = positionals;
  const stream = isStreamAddress(dir) ? parseStreamAddress(dir, { env, values, config }) : undefined;
  const { records, skipped } = stream ? await readStreamDeadLetters(stream, filtersFrom(values)) : readDeadLetters(dir, filtersFrom(values));
  for (const s of skipped) ui.err(ui.yellow(`skipped ${s.path}: ${s.reason}`));
  if (values['dry-run']) {
    for (const r of records) ui.out(`would replay ${r.id}  (${r.sink}, ${r.reason}, ${r.attempts?.length ?? 0} attempts)`);
    ui.out(`dry run: ${records.length} to replay, ${skipped.length} skipped`);
    return 0;
  }
  const { sinks, route } = sinksFor(values, config, env);
  const failed = new Map();
  let delivery;
  try {
    delivery = runwire.createDelivery({
      sinks,
      dlq: (record) => {
        failed.set(record.id, record.reason);
      },
      exitDrainMs: false,
    });
  } catch (error) {
    throw new CliError(`cannot set up delivery: ${error.code ? `${error.code}: ` : ''}${error.message}`);
  }
  const sent = [];
  const unrouted = [];
  for (const record of records) {
    const sink = route(record);
    if (sink === undefined) {
      unrouted.push(record);
      continue;
    }
    delivery.replay(record, { sink });
    sent.push(record);
  }
  const bar = ui.progress('replaying', sent.length);
  let reported = 0;
  const timer = setInterval(() => {
    const stats = delivery.stats();
    const done = stats.delivered + stats.dead_lettered;
    if (done > reported) {
      bar.tick(done - reported);
      reported = done;
    }
  }, 100);
  let stats;
  try {
    stats = await delivery.close(10 * 60_000);
  } finally {
    clearInterval(timer);
  }
  if (stats.delivered + stats.dead_lettered > reported) bar.tick(stats.delivered + stats.dead_lettered - reported);
  bar.finish();
  let removed;
  const delivered = [];
  for (const record of sent) {
    if (failed.has(record.id)) {
      ui.err(ui.red(`failed ${record.id}: ${failed.get(record.id)} (kept in ${dir})`));
    } else if (!values.keep) {
      delivered.push(record);
    }
  }
  if (stream) {
    removed = await removeStreamDeadLetters(stream, delivered);
  } else {
    for (const record of delivered) removeDeadLetter(record);
    removed = delivered.length;
  }
  for (const record of unrouted) ui.err(ui.yellow(`skipped ${record.id}: no sink named "${record.sink}" in the config file`));
  const ok = sent.length - failed.size;
  ui.out(`replay: ${ok} sent, ${failed.size} failed, ${unrouted.length + skipped.length} skipped${values.keep ? '' : ` (${removed} delivered records removed)`}`);
  return failed.size > 0 ? 1 : 0;
}
