/**
 * Which `ensureConfig` rules the installed @langchain/core applies, read from that core itself.
 *
 * Two normalisations of the Node entry's merged config changed inside LangChain's history
 * (shared/spec/langchain-events.md §10), each at a release read from the published packages:
 * - `timeout` also sets `metadata.timeoutMs` since **1.1.5**;
 * - primitive `configurable` values stop being copied into `metadata` (only
 *   `configurable.model` → `metadata.model` remains) since **1.1.40**.
 *
 * The core that matters is the one that built the run's CallbackManager (a process may hold
 * several: an app on 1.x with a dependency pinned to 0.3). Its file is found once per manager
 * class from V8's structured stack: `getParentRunId` is called on a Proxy whose trap records the
 * calling frame, whose file sits inside that core's package; the nearest `package.json` named
 * `@langchain/core` gives the version. The result is cached per class, so the probe runs once per
 * installed core per process, never per event. Where no version can be read (a bundle with no
 * package.json, a manager that is not LangChain's, runwire's own standalone scope) the newest
 * rules apply. The run id's UUID version is never consulted: users may pass their own ids.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {{ timeoutMetadata: boolean, configurableMetadata: boolean, version: string | undefined }} Rules */

/** @type {Rules} */
export const NEWEST = Object.freeze({ timeoutMetadata: true, configurableMetadata: false, version: undefined });

/** `a >= b` on `major.minor.patch` (pre-release suffixes ignored). */
function atLeast(version, [major, minor, patch]) {
  const [a = 0, b = 0, c = 0] = version.split(/[.+-]/).map((part) => Number.parseInt(part, 10) || 0);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/** The rules of a given @langchain/core version. */
export function rulesForVersion(version) {
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) return NEWEST;
  return Object.freeze({
    timeoutMetadata: atLeast(version, [1, 1, 5]),
    configurableMetadata: !atLeast(version, [1, 1, 40]),
    version,
  });
}

/** The file that defines `getParentRunId` on the class of `manager`, or `undefined`. */
function definingFile(manager) {
  const method = manager?.getParentRunId;
  if (typeof method !== 'function') return undefined;
  const { prepareStackTrace, stackTraceLimit } = Error;
  let file;
  const probe = new Proxy(
    {},
    {
      get() {
        const holder = {};
        Error.captureStackTrace(holder);
        const frames = holder.stack;
        // frames[0] is this trap; frames[1] is the method that read the property.
        file = Array.isArray(frames) ? frames[1]?.getFileName?.() : undefined;
        return undefined;
      },
    },
  );
  try {
    Error.prepareStackTrace = (_, frames) => frames;
    Error.stackTraceLimit = 4;
    method.call(probe);
  } catch {
    file = undefined;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
  return typeof file === 'string' ? file : undefined;
}

/** The version in the nearest `@langchain/core` package.json above `file`. */
function coreVersionAbove(file) {
  let dir;
  try {
    dir = dirname(file.startsWith('file:') ? fileURLToPath(file) : file);
  } catch {
    return undefined;
  }
  for (let depth = 0; depth < 8; depth += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg?.name === '@langchain/core') return pkg.version;
    } catch {
      // No package.json here (dist/ folders have none): keep climbing.
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

const byClass = new WeakMap();

/** The rules of the @langchain/core that built `manager` (a run's `config.callbacks`). */
export function langchainRules(manager) {
  const ctor = manager?.constructor;
  if (typeof ctor !== 'function') return NEWEST;
  let rules = byClass.get(ctor);
  if (rules === undefined) {
    const file = definingFile(manager);
    rules = file === undefined ? NEWEST : rulesForVersion(coreVersionAbove(file));
    byClass.set(ctor, rules);
  }
  return rules;
}
