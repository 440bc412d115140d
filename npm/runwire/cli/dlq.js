/**
 * `runwire dlq ls | show | purge`: look into the addon's file dead-letter store.
 * - `ls [dir]`: one line per record (when, reason, sink, event, attempts, id) and totals by
 *   reason; `--json` for one JSON object per record.
 * - `show [dir] <id|file>`: the whole record, its body parsed.
 * - `purge [dir]`: deletes the matching records; needs `--yes` (or `--dry-run` to see the list).
 * The directory defaults to `.runwire/dlq`, the addon's default store. A Redis dead-letter
 * stream (`dlq: { redis, stream }` of workers) is named `redis://host:port[/db]#stream` instead of
 * a directory, its password in $RUNWIRE_REDIS_PASSWORD (./stream-store.js).
 */
import { parseOptions, UsageError, CliError } from './options.js';
import { readDeadLetters, removeDeadLetter, findDeadLetter } from './dlq-store.js';
import { FILTER_OPTIONS, filtersFrom } from './filters.js';
import { timeOf, preview } from './ui.js';
import { PASSWORD_OPTIONS, isStreamAddress, parseStreamAddress, readStreamDeadLetters, removeStreamDeadLetters } from './stream-store.js';

const DEFAULT_DIR = '.runwire/dlq';
const STORE = { type: 'string', env: 'RUNWIRE_DLQ', description: 'the store: a directory (default .runwire/dlq) or redis://host:port[/db]#stream' };

const SUBCOMMANDS = {
  ls: {
    summary: 'list dead letters',
    usage: 'runwire dlq ls [dir] [options]',
    positionals: { min: 0, max: 1, names: ['[dir]'] },
    options: { json: { type: 'boolean', default: false, description: 'one JSON object per record' }, dir: STORE, ...FILTER_OPTIONS, ...PASSWORD_OPTIONS },
  },
  show: {
    summary: 'print one dead letter',
    usage: 'runwire dlq show [dir] <id|file>',
    positionals: { min: 1, max: 2, names: ['<id|file>', '<id|file>'] },
    options: { dir: STORE, ...PASSWORD_OPTIONS },
  },
  purge: {
    summary: 'delete dead letters',
    usage: 'runwire dlq purge [dir] [options]',
    positionals: { min: 0, max: 1, names: ['[dir]'] },
    options: {
      yes: { type: 'boolean', short: 'y', default: false, description: 'really delete' },
      'dry-run': { type: 'boolean', default: false, description: 'list what would be deleted' },
      dir: STORE,
      ...FILTER_OPTIONS,
      ...PASSWORD_OPTIONS,
    },
  },
};

export const spec = {
  summary: 'list, show or purge dead letters (ls | show | purge)',
  usage: 'runwire dlq <ls|show|purge> [dir] [options]',
  subcommands: SUBCOMMANDS,
  options: {},
};

export async function run(argv, { env, ui, help }) {
  const [name, ...rest] = argv;
  const sub = SUBCOMMANDS[name];
  if (sub === undefined) {
    if (name === undefined || name === '--help' || name === '-h') return 'help';
    throw new UsageError(`unknown dlq command ${JSON.stringify(name)} (ls, show or purge)`);
  }
  const { help: wantsHelp, values, positionals, config } = await parseOptions(sub, rest, env);
  if (wantsHelp) return help(sub);
  const streamOf = (store) => (isStreamAddress(store) ? parseStreamAddress(store, { env, values, config }) : undefined);
  if (name === 'show') {
    const [dir, key] = positionals.length === 2 ? positionals : [values.dir ?? DEFAULT_DIR, positionals[0]];
    const stream = streamOf(dir);
    const record = stream
      ? (await readStreamDeadLetters(stream)).records.find((r) => r.id === key || r.entry === key)
      : findDeadLetter(dir, key);
    if (record === undefined) throw new CliError(`no dead letter ${JSON.stringify(key)} in ${dir}`);
    let body = record.body;
    try {
      body = JSON.parse(record.body);
    } catch {
      // keep the text
    }
    ui.out(JSON.stringify({ ...record, body }, null, 2));
    return 0;
  }
  const dir = positionals[0] ?? values.dir ?? DEFAULT_DIR;
  const stream = streamOf(dir);
  const { records, skipped } = stream ? await readStreamDeadLetters(stream, filtersFrom(values)) : readDeadLetters(dir, filtersFrom(values));
  for (const s of skipped) ui.err(ui.yellow(`skipped ${s.path}: ${s.reason}`));
  if (name === 'ls') {
    const byReason = {};
    for (const r of records) {
      byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
      if (values.json) {
        ui.out(JSON.stringify({ id: r.id, sink: r.sink, event: r.event, run_id: r.run_id, reason: r.reason, attempts: r.attempts?.length ?? 0, dead_lettered_at_ms: r.dead_lettered_at_ms, path: r.path }));
      } else {
        const last = r.attempts?.at(-1);
        const lastWhat = last ? (last.status ?? last.error ?? '') : 'no attempt';
        ui.out(`${timeOf(r.dead_lettered_at_ms ?? 0)}  ${r.reason.padEnd(17)} ${r.sink.padEnd(12)} ${r.event.padEnd(16)} ${String(r.attempts?.length ?? 0).padStart(2)} attempts (last ${lastWhat})  ${r.id}  ${ui.dim(preview(r.body, 60))}`);
      }
    }
    if (!values.json) {
      const totals = Object.entries(byReason).map(([reason, n]) => `${n} ${reason}`).join(', ');
      ui.out(`${records.length} dead letters${totals ? `: ${totals}` : ''}`);
    }
    return 0;
  }
  // purge
  if (!values.yes && !values['dry-run']) {
    throw new UsageError(`purge deletes ${records.length} record(s) from ${dir}: add --yes to confirm, or --dry-run to list them`);
  }
  for (const r of records) {
    if (values['dry-run']) ui.out(`would delete ${r.id}  (${r.sink}, ${r.reason})`);
    else if (!stream) removeDeadLetter(r);
  }
  if (stream && !values['dry-run']) await removeStreamDeadLetters(stream, records);
  ui.out(values['dry-run'] ? `dry run: ${records.length} would be deleted` : `purged ${records.length} dead letters from ${dir}`);
  return 0;
}
