/**
 * Reading the addon's file dead-letter store: one JSON record per file under
 * `<dir>/YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json` (crates/node/src/file_dlq.rs writes them
 * atomically; stray `*.tmp` files of a crash are skipped). Filters: reason, sink, event, and a
 * dead-lettering time window.
 */
import { readdirSync, readFileSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CliError, UsageError } from './options.js';

/** Parses `--since` / `--until`: an ISO date or date-time, or a relative `30m`, `6h`, `2d`. */
export function parseWhen(text, name, now = Date.now()) {
  if (text === undefined) return undefined;
  const relativeMatch = /^(\d+)\s*(s|m|h|d)$/.exec(text);
  if (relativeMatch) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relativeMatch[2]];
    return now - Number(relativeMatch[1]) * unit;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be a date (2026-12-04, 2026-12-04T10:00Z) or an age (30m, 6h, 2d), got ${JSON.stringify(text)}`);
  return ms;
}

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return;
    throw error;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && entry.name.endsWith('.json')) yield path;
  }
}

/**
 * Every record under `dir` that passes the filters, oldest first, each with its `path`.
 * Unreadable or malformed files are reported in `skipped`, never fatal.
 */
export function readDeadLetters(dir, filters = {}) {
  try {
    if (!statSync(dir).isDirectory()) throw new CliError(`${dir} is not a directory`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read the dead-letter directory ${dir}: ${error.code ?? error.message}`);
  }
  const records = [];
  const skipped = [];
  for (const path of walk(dir)) {
    let record;
    try {
      record = JSON.parse(readFileSync(path, 'utf8'));
      if (typeof record.id !== 'string' || typeof record.body !== 'string') throw new Error('not a runwire dead letter');
    } catch (error) {
      skipped.push({ path: relative(dir, path), reason: error.message });
      continue;
    }
    if (!matches(record, filters)) continue;
    records.push({ ...record, path });
  }
  records.sort((a, b) => (a.dead_lettered_at_ms ?? 0) - (b.dead_lettered_at_ms ?? 0));
  return { records, skipped };
}

/** Whether a record passes `{ reason, sink, event, since, until }` (lists are any-of). */
export function matches(record, { reason, sink, event, since, until } = {}) {
  if (reason && !reason.includes(record.reason)) return false;
  if (sink && !sink.includes(record.sink)) return false;
  if (event && !event.includes(record.event)) return false;
  const at = record.dead_lettered_at_ms ?? 0;
  if (since !== undefined && at < since) return false;
  if (until !== undefined && at > until) return false;
  return true;
}

/** Deletes a record's file. */
export function removeDeadLetter(record) {
  rmSync(record.path, { force: true });
}

/** The record whose id, file name (sha256 of the id) or path is `key`. */
export function findDeadLetter(dir, key) {
  const { records } = readDeadLetters(dir);
  return records.find((r) => r.id === key || r.path.endsWith(`${key}.json`) || r.path === key || relative(dir, r.path) === key);
}
