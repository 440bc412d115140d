/**
 * The addon's file dead-letter store, for the WebAssembly fallback in Node (node/engine.js):
 * the same layout — `<dir>/YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json`, UTC date of
 * dead-lettering, a run id or sink name that is not a plain `[A-Za-z0-9_-]` name (at most 128)
 * replaced by its hash — and the same atomic
 * write (a unique temp file in the same directory, then `rename`), so records written by either
 * engine read the same and `replay()` takes both. A failed write rejects, which the engine
 * reports as `dlq.write_failed` (hook and counter), as the addon does.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
let counter = 0;

const segment = (text) => (/^[A-Za-z0-9_-]{1,128}$/.test(text) ? text : sha256(text));

/** The record's path under the store's directory (DeadLetter::relative_path in the core). */
export function relativePath(record) {
  const date = new Date(record.dead_lettered_at_ms);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return join(
    pad(date.getUTCFullYear(), 4),
    pad(date.getUTCMonth() + 1),
    pad(date.getUTCDate()),
    segment(record.run_id),
    segment(record.sink),
    `${sha256(record.id)}.json`,
  );
}

/** `onDeadLetter(json)` for the engine: writes each record under `dir`. */
export function fileDeadLetters(dir) {
  return async (json) => {
    const path = join(dir, relativePath(JSON.parse(json)));
    const tmp = `${path}.${process.pid}.${counter++}.tmp`;
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(tmp, json);
    await rename(tmp, path);
  };
}
