/**
 * Dead letters on a Redis stream (`dlq: { redis, stream }` of a worker or a delivery; entries
 * written by crates/node/src/redis_dlq.rs, the record JSON in field `record`), for `runwire dlq`
 * and `runwire replay`. The store is named `redis://host:port/db#stream` (or `rediss://`).
 *
 * The password never goes in that address (it is a command-line argument, which `ps` shows):
 * it comes from $RUNWIRE_REDIS_PASSWORD or `--redis-password-file`. Reading and deleting use the
 * addon's Redis client (`XRANGE` pages of 1,000, `XDEL`).
 */
import { createRequire } from 'node:module';
import { readSecret, CliError, UsageError } from './options.js';
import { matches } from './dlq-store.js';

export const PASSWORD_OPTIONS = {
  'redis-password-file': { type: 'string', arg: 'path', description: 'file holding the Redis password (else $RUNWIRE_REDIS_PASSWORD)' },
  'redis-password': { secret: true, env: 'RUNWIRE_REDIS_PASSWORD' },
};

const PAGE = 1_000;

/** Whether `text` names a Redis stream rather than a directory. */
export function isStreamAddress(text) {
  return typeof text === 'string' && /^rediss?:\/\//.test(text);
}

/** `redis://host:port/db#stream` → `{ url, stream, password }`. */
export function parseStreamAddress(text, { env, values, config }) {
  const hash = text.indexOf('#');
  if (hash < 0 || hash === text.length - 1) {
    throw new UsageError(`a Redis dead-letter store is named redis://host:port[/db]#stream, got no #stream in ${JSON.stringify(text.replace(/\/\/[^@/]*@/, '//…@'))}`);
  }
  const url = text.slice(0, hash);
  if (/\/\/[^/@]*:[^/@]*@/.test(url)) {
    throw new UsageError('the Redis password does not go in the address (other users can read it in ps): set RUNWIRE_REDIS_PASSWORD or use --redis-password-file');
  }
  const password = readSecret({ name: 'redis-password', env, envVar: 'RUNWIRE_REDIS_PASSWORD', file: values['redis-password-file'], config });
  return { url, stream: text.slice(hash + 1), password };
}

function native() {
  try {
    return createRequire(import.meta.url)('../node/native.cjs');
  } catch (error) {
    throw new CliError(`Redis dead-letter streams need runwire's Node addon for this platform (${error.message})`);
  }
}

async function call(fn, address, ...args) {
  try {
    return await fn(address.url, address.password ?? null, address.stream, ...args);
  } catch (error) {
    throw new CliError(`cannot reach ${address.url}#${address.stream}: ${error.message}`);
  }
}

/** Every record of the stream that passes the filters, oldest first; `entry` is its stream id. */
export async function readStreamDeadLetters(address, filters = {}) {
  const addon = native();
  const records = [];
  const skipped = [];
  let start = '-';
  for (;;) {
    const page = JSON.parse(await call(addon.readDeadLetterStream, address, start, PAGE));
    for (const { entry, record: text } of page) {
      let record;
      try {
        record = JSON.parse(text);
        if (typeof record?.id !== 'string' || typeof record?.body !== 'string') throw new Error('not a runwire dead letter');
      } catch (error) {
        skipped.push({ path: `${address.stream}#${entry}`, reason: text == null ? 'no record field' : error.message });
        continue;
      }
      if (matches(record, filters)) records.push({ ...record, entry, path: `${address.stream}#${entry}` });
    }
    if (page.length < PAGE) break;
    start = `(${page.at(-1).entry}`;
  }
  return { records, skipped };
}

/** Deletes records (by their `entry`) from the stream; resolves with the number deleted. */
export async function removeStreamDeadLetters(address, records) {
  return call(native().deleteDeadLetterStream, address, records.map((r) => r.entry));
}
