/**
 * One validation layer for the options of every public function, the same on both builds.
 *
 * Each options object is described once, in `SCHEMAS` below: its keys and a rule per key. A call
 * reads the user's object exactly once through `readOptions`, which
 * - refuses anything that is not a plain object (arrays, functions, strings);
 * - refuses unknown keys, naming the key and suggesting the closest valid one
 *   ("options.dlqDir is not an option of createDelivery; did you mean 'dlq'?");
 * - reads each value once (a throwing getter or proxy trap becomes `ERR_RUNWIRE_INVALID_ARGUMENT`
 *   naming the key, never an uncaught exception), and returns a plain snapshot, so later code
 *   never re-reads a getter that could answer differently;
 * - checks each value's type, and every number against its documented bounds (finite, integral,
 *   within range). The bounds of the delivery options come from the core's table
 *   (`crates/core/src/delivery/bounds.rs`, through `optionBounds()` of either binding); the
 *   receivers' and verification's are in `LOCAL_BOUNDS` here. The README lists them all.
 *
 * Every error is `ERR_RUNWIRE_INVALID_ARGUMENT` with the option's path; numbers are echoed, strings
 * never (they may be secrets). Adding an option is adding one entry to a schema.
 */
import { invalidArgument } from './errors.js';

const DAY_MS = 86_400_000;

/** Bounds of options that never reach the core's delivery config. */
export const LOCAL_BOUNDS = Object.freeze({
  timestamp: [0, 253_402_300_799], // unix seconds, up to 9999-12-31
  toleranceSec: [0, 31_536_000], // one year (crates/core/src/signing/verify.rs)
  dedupeTtlMs: [1, 365 * DAY_MS],
  receiverMaxBodyBytes: [1, 64 * 1024 * 1024],
  dedupeMaxEntries: [1, 10_000_000],
  // Redis Streams producers and workers (crates/node/src/worker.rs).
  'producer.maxLen': [0, 1_000_000_000],
  'worker.count': [1, 10_000],
  'worker.blockMs': [1, 60_000],
  'worker.maxInFlight': [1, 1_000_000],
  'worker.claimIdleMs': [100, 7 * DAY_MS],
  'worker.timeoutMs': [1, 600_000],
});

const MAX_LIST = { secrets: 16, sinks: 64, delays: 32, events: 256 };

// Rules. `describe` is the text after "must be".
const rule = (describe, check) => ({ describe, check });
const string = rule('a string', (v) => typeof v === 'string');
const nonEmptyString = rule('a non-empty string', (v) => typeof v === 'string' && v.length > 0);
const boolean = rule('a boolean (true or false)', (v) => typeof v === 'boolean');
const fn = rule('a function', (v) => typeof v === 'function');
const plainObject = rule('an object', (v) => v !== null && typeof v === 'object' && !Array.isArray(v));
const headerName = rule('an HTTP header name', (v) => typeof v === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v));
const oneOf = (...values) => rule(values.map((v) => JSON.stringify(v)).join(', ').replace(/, ([^,]*)$/, ' or $1'), (v) => values.includes(v));
const either = (a, b) => ({ describe: `${a.describe} or ${b.describe}`, alternatives: [a, b] });
const int = (boundKey) => ({ int: boundKey });
const list = (item, max, describe, min = 0) => ({ list: { item, max, min }, describe });
const shape = (name) => ({ nested: name, describe: 'an object', check: (v) => plainObject.check(v) });
// Empty strings pass here: the core refuses them with its own code (ERR_RUNWIRE_INVALID_SECRET).
const secrets = either(string, list(string, MAX_LIST.secrets, `a non-empty array of at most ${MAX_LIST.secrets} strings`, 1));
const now = rule('a valid Date or milliseconds since the epoch', (v) => (v instanceof Date ? Number.isFinite(v.getTime()) : typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 8.64e15));
const events = either(string, list(string, MAX_LIST.events, `an array of at most ${MAX_LIST.events} event names`));

const HOOK_KEYS = ['onEvent', 'onAttemptFailed', 'onExhausted', 'onDeadLettered', 'onEndpointDisabled', 'onDlqWriteFailed', 'onBreakerStateChanged', 'onQueueFull', 'onQueueAvailable', 'onSpoolCorrupt', 'onSpoolFull', 'onSpoolWriteFailed', 'onError'];
const DELIVERY = {
  sinks: list(plainObject, MAX_LIST.sinks, `a non-empty array of at most ${MAX_LIST.sinks} sink objects`, 1),
  dlq: either(fn, shape('dlqDir')),
  producer: shape('producer'),
  hooks: shape('hooks'),
  maxBodyBytes: int('maxBodyBytes'),
  maxFieldChars: int('maxFieldChars'),
  disableWebhooks: boolean,
  exitDrainMs: either(oneOf(false), { int: 'exitDrainMs', describe: 'an integer from 0 to 600000' }),
  env: plainObject,
  envPrefix: either(string, oneOf(null)),
  allowAnyEnv: boolean,
  urlPolicy: plainObject,
  handoff: oneOf('auto', false),
  handoffTimeoutMs: int('drainTimeoutMs'),
  lookup: fn,
  spool: shape('spool'),
};
/** `createWorker`: the stream to read, plus the delivery options its engine is built from. */
const WORKER = {
  redis: nonEmptyString,
  stream: nonEmptyString,
  group: nonEmptyString,
  consumer: nonEmptyString,
  username: nonEmptyString,
  password: nonEmptyString,
  count: int('worker.count'),
  blockMs: int('worker.blockMs'),
  maxInFlight: int('worker.maxInFlight'),
  claimIdleMs: int('worker.claimIdleMs'),
  timeoutMs: int('worker.timeoutMs'),
  drainTimeoutMs: int('drainTimeoutMs'),
  sinks: DELIVERY.sinks,
  dlq: DELIVERY.dlq,
  hooks: DELIVERY.hooks,
  maxBodyBytes: DELIVERY.maxBodyBytes,
  maxFieldChars: DELIVERY.maxFieldChars,
  env: DELIVERY.env,
  envPrefix: DELIVERY.envPrefix,
  allowAnyEnv: DELIVERY.allowAnyEnv,
  urlPolicy: DELIVERY.urlPolicy,
  lookup: DELIVERY.lookup,
};
const HANDLER = { name: string, forwardUnnamedChains: boolean, onError: fn };
const SINK_COMMON = {
  name: nonEmptyString,
  retryDelaysMs: list({ int: 'sinks[].retryDelaysMs[]' }, MAX_LIST.delays, `an array of at most ${MAX_LIST.delays} delays in ms, each an integer from 0 to 604800000`),
  jitter: boolean,
  concurrency: int('sinks[].concurrency'),
  queueCapacity: int('sinks[].queueCapacity'),
  events,
  ordering: oneOf('run', 'none'),
  batch: either(oneOf(false), plainObject),
  overflow: oneOf('deadLetter', 'dropOldest', 'reject'),
};
const VERIFY = { scheme: oneOf('auto', 'standard', 'github', 'stripe'), toleranceSec: int('toleranceSec'), now, githubHeader: headerName };

/** Every options object of the public API: key → rule. */
export const SCHEMAS = {
  createDelivery: DELIVERY,
  createWebhookHandler: { ...DELIVERY, ...HANDLER },
  createWorker: WORKER,
  producer: {
    url: nonEmptyString,
    stream: nonEmptyString,
    maxLen: int('producer.maxLen'),
    deliverTo: list(nonEmptyString, MAX_LIST.sinks, `an array of at most ${MAX_LIST.sinks} worker sink names`),
    events,
    username: nonEmptyString,
    password: nonEmptyString,
    timeoutMs: int('sinks[].timeoutMs'),
    retryDelaysMs: SINK_COMMON.retryDelaysMs,
    concurrency: int('sinks[].concurrency'),
    queueCapacity: int('sinks[].queueCapacity'),
    overflow: SINK_COMMON.overflow,
  },
  handler: HANDLER,
  sink: {
    ...SINK_COMMON,
    url: string,
    secret: secrets,
    scheme: oneOf('standard', 'github', 'both'),
    githubSecret: nonEmptyString,
    githubHeader: headerName,
    headers: plainObject,
    timeoutMs: int('sinks[].timeoutMs'),
    urlPolicy: plainObject,
    queryToken: nonEmptyString,
    health: shape('health'),
    type: oneOf('webhook'),
  },
  callbackSink: { ...SINK_COMMON, send: fn },
  health: {
    breaker: either(boolean, shape('breaker')),
    rateLimit: shape('rateLimit'),
    disableAfterMs: int('health.disableAfterMs'),
    disableAfterTrips: int('health.disableAfterTrips'),
  },
  breaker: {
    windowMs: int('health.breaker.windowMs'),
    buckets: int('health.breaker.buckets'),
    minRequests: int('health.breaker.minRequests'),
    failurePercent: int('health.breaker.failurePercent'),
    openMs: int('health.breaker.openMs'),
  },
  rateLimit: { capacity: int('health.rateLimit.capacity'), perMs: int('health.rateLimit.perMs') },
  hooks: Object.fromEntries(HOOK_KEYS.map((k) => [k, fn])),
  // `{ dir }` (files) or `{ redis, stream, maxLen? }` (a Redis stream); delivery.js checks which.
  dlqDir: { dir: nonEmptyString, redis: nonEmptyString, stream: nonEmptyString, maxLen: int('producer.maxLen') },
  spool: {
    dir: nonEmptyString,
    fsync: oneOf('always', 'batch', 'never'),
    segmentBytes: int('spool.segmentBytes'),
    maxBytes: int('spool.maxBytes'),
  },
  replay: { sink: nonEmptyString },
  signWebhook: { id: string, secrets, timestamp: int('timestamp') },
  signGithubWebhook: { header: headerName },
  signStripeWebhook: { timestamp: int('timestamp') },
  verifyWebhook: VERIFY,
  receiver: {
    ...VERIFY,
    secrets,
    onWebhook: fn,
    onError: fn,
    dedupe: either(oneOf(false), plainObject),
    dedupeTtlMs: int('dedupeTtlMs'),
    maxBodyBytes: int('receiverMaxBodyBytes'),
    parse: fn,
    batchDelivery: oneOf('event', 'batch'),
  },
  createMemoryDedupeStore: { ttlMs: int('dedupeTtlMs'), maxEntries: int('dedupeMaxEntries'), now: fn },
  resolveHeaderTemplates: { env: plainObject, envPrefix: either(string, oneOf(null)), allowAnyEnv: boolean },
  withQueryToken: { name: nonEmptyString },
};

/** Rules for positional arguments. */
const RULES = { secrets };

/** Required keys per schema (checked after the types). */
const REQUIRED = {
  signWebhook: ['id', 'secrets'],
  receiver: ['secrets', 'onWebhook'],
  createWorker: ['redis', 'stream', 'sinks'],
  producer: ['url', 'stream'],
  rateLimit: ['capacity', 'perMs'],
  spool: ['dir'],
  callbackSink: ['send'],
  sink: ['url'],
};

/** Optimal string alignment distance, for "did you mean" (small inputs only). */
function distance(a, b) {
  if (Math.abs(a.length - b.length) > 3) return Infinity;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) d[0][j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The valid key closest to `key`: same letters in another case, a prefix/extension, or ≤ 3 edits. */
export function closest(key, valid) {
  const lower = key.toLowerCase();
  let best;
  let bestScore = Infinity;
  for (const candidate of valid) {
    const c = candidate.toLowerCase();
    let score = distance(lower, c);
    if (lower.startsWith(c) || c.startsWith(lower)) score = Math.min(score, 1.5);
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return bestScore <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function describeInt(bounds, key) {
  const [min, max] = bounds()[key] ?? LOCAL_BOUNDS[key] ?? [0, 0];
  return { min, max, text: `an integer from ${min} to ${max}` };
}

function shown(value) {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}

/** Copies an array once (guarding huge lengths and throwing proxies). */
function readList(value, max, path) {
  let length;
  try {
    length = value.length;
  } catch (cause) {
    throw Object.assign(invalidArgument(`${path} could not be read (a getter or proxy trap threw)`), { cause });
  }
  if (!Number.isSafeInteger(length) || length > max) return undefined;
  const out = [];
  for (let i = 0; i < length; i += 1) {
    try {
      out.push(value[i]);
    } catch (cause) {
      throw Object.assign(invalidArgument(`${path}[${i}] could not be read (a getter or proxy trap threw)`), { cause });
    }
  }
  return out;
}

/**
 * Builds the validator over the delivery bounds of one binding.
 * @param {() => Record<string, [number, number]>} loadBounds the core's table (`optionBounds()`),
 *   read on first use: a web loader initialises the module after the API is built
 */
export function createOptionReader(loadBounds) {
  let table;
  const bounds = () => (table ??= loadBounds());
  /** Whether `value` has the rule's shape at all (an alternative is then checked in full). */
  function fits(r, value) {
    if (r.int !== undefined) return typeof value === 'number';
    if (r.list) return Array.isArray(value);
    if (r.alternatives) return r.alternatives.some((alt) => fits(alt, value));
    return r.check(value);
  }

  function checkValue(r, value, path) {
    if (r.alternatives) {
      const alt = r.alternatives.find((a) => fits(a, value));
      if (alt) return checkValue(alt, value, path);
    } else if (r.int !== undefined) {
      const { min, max, text } = describeInt(bounds, r.int);
      if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
      throw invalidArgument(`${path} must be ${r.describe ?? text} (got ${shown(value)})`);
    } else if (r.list) {
      const items = Array.isArray(value) ? readList(value, r.list.max, path) : undefined;
      if (items !== undefined && items.length >= r.list.min) {
        return items.map((item, i) => checkValue(r.list.item, item, `${path}[${i}]`));
      }
    } else if (r.check(value)) {
      return r.nested ? readOptions(value, r.nested, path) : value;
    }
    // Strings are never echoed (they may be secrets), and "got a string" would say nothing.
    const got = typeof value === 'string' ? '' : ` (got ${shown(value)})`;
    throw invalidArgument(`${path} must be ${r.describe}${got}`);
  }

  /**
   * Reads and checks `value` against `SCHEMAS[schema]` (or `SCHEMAS[schema(keys)]` when the shape
   * depends on which keys are present); `undefined`/`null` give `{}` (required keys are then
   * reported). Returns a plain snapshot holding only the keys that were set.
   */
  function readOptions(value, schemaOrPick, path = 'options') {
    if (value === undefined || value === null) value = {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalidArgument(`${path} must be an object (got ${shown(value)})`);
    }
    let keys;
    try {
      keys = Object.keys(value);
    } catch (cause) {
      throw Object.assign(invalidArgument(`${path} could not be read (a proxy trap threw)`), { cause });
    }
    const schema = typeof schemaOrPick === 'function' ? schemaOrPick(keys) : schemaOrPick;
    const rules = SCHEMAS[schema];
    const out = {};
    for (const key of keys) {
      if (!Object.hasOwn(rules, key)) {
        const hint = closest(key, Object.keys(rules));
        const fnName = schema === 'sink' || schema === 'callbackSink' ? 'a sink' : schema;
        throw invalidArgument(
          `${path}.${key} is not an option of ${fnName}; ${hint ? `did you mean '${hint}'?` : `valid options: ${Object.keys(rules).join(', ')}`}`,
        );
      }
      let item;
      try {
        item = value[key];
      } catch (cause) {
        throw Object.assign(invalidArgument(`${path}.${key} could not be read (a getter or proxy trap threw)`), { cause });
      }
      if (item === undefined) continue;
      out[key] = checkValue(rules[key], item, `${path}.${key}`);
    }
    for (const key of REQUIRED[schema] ?? []) {
      if (out[key] === undefined) throw invalidArgument(`${path}.${key} is required (${rules[key].describe ?? 'see the docs'})`);
    }
    return out;
  }

  /** Checks one number against a bound key (`drainTimeoutMs`, …). */
  function readInt(value, key, path) {
    return checkValue(int(key), value, path);
  }

  /** Checks a positional argument against a named rule (`secrets`). */
  function readRule(name, value, path) {
    return checkValue(RULES[name], value, path);
  }

  return { readOptions, readInt, readRule };
}
