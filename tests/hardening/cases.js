/**
 * The bad-input table: every public function × bad values (types, NaN, ±Infinity, huge,
 * negative, empty, unicode, CR/LF/NUL, throwing getters and proxies, typos). Plain ESM with no
 * Node imports, so the same table runs on the addon, on the web build in Node and in workerd.
 *
 * A case is `[name, (rw) => call, expected]`: `expected` is an `err.code`, `'ok'`, or
 * `{ addon, web }` for a documented difference between the builds (README, "Differences between
 * the builds"). `CRASH_PRONE` names the cases that once took the host down; the Node test runs
 * each of them in a process of its own.
 */
const S = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const ARG = 'ERR_RUNWIRE_INVALID_ARGUMENT';
const SECRET = 'ERR_RUNWIRE_INVALID_SECRET';
const UNSER = 'ERR_RUNWIRE_UNSERIALIZABLE';
const BAD_NUMBERS = { NaN, Infinity, '-Infinity': -Infinity, huge: 1e12, negative: -1, fraction: 1.5, string: '8', bigint: 1n };
const BAD_IDS = { CRLF: 'a\r\nb', NUL: 'a\0b', LF: 'a\nb', empty: '', dot: 'a.b', unicode: 'caf\u00e9', space: 'a b' };
const throwing = () => {
  const o = {};
  Object.defineProperty(o, 'sinks', { enumerable: true, get() { throw new Error('getter boom'); } });
  return o;
};
const proxy = (trap) => new Proxy({ sinks: [] }, { [trap]() { throw new Error('trap boom'); } });
const nested = (n) => {
  let v = 1;
  for (let i = 0; i < n; i += 1) v = [v];
  return v;
};
const circular = () => {
  const o = {};
  o.self = o;
  return o;
};
const fnSink = (extra = {}) => ({ name: 'fn', send: () => {}, ...extra });
const urlSink = (extra = {}) => ({ url: 'https://example.com/hook', secret: S, ...extra });
const deliver = (rw, options) => {
  const d = rw.createDelivery({ exitDrainMs: false, ...options });
  d.close(0);
  return 'created';
};
const withDelivery = (rw, f) => {
  const d = rw.createDelivery({ exitDrainMs: false, sinks: [fnSink()] });
  try {
    return f(d);
  } finally {
    d.close(0);
  }
};

export const CASES = [];
const add = (name, call, expected) => CASES.push([name, call, expected]);

// createDelivery: shape, typos, getters, proxies.
for (const [label, value] of Object.entries({ string: 'x', number: 5, array: [], fn: () => {} })) {
  add(`createDelivery(${label})`, (rw) => deliver(rw, value === undefined ? {} : { ...(typeof value === 'object' ? {} : {}), sinks: value }), ARG);
}
add('createDelivery(undefined)', (rw) => rw.createDelivery(), ARG);
add('createDelivery("sinks")', (rw) => rw.createDelivery('sinks'), ARG);
for (const typo of ['dlqDir', 'hook', 'sink', 'Sinks', 'maxBodyByte', 'exitDrain']) {
  add(`createDelivery typo ${typo}`, (rw) => deliver(rw, { sinks: [fnSink()], [typo]: 1 }), ARG);
}
add('createDelivery throwing getter', (rw) => rw.createDelivery(throwing()), ARG);
for (const trap of ['ownKeys', 'get', 'getOwnPropertyDescriptor']) {
  add(`createDelivery proxy ${trap} throws`, (rw) => rw.createDelivery(proxy(trap)), ARG);
}
add('disableWebhooks "true"', (rw) => deliver(rw, { sinks: [fnSink()], disableWebhooks: 'true' }), ARG);
add('dlq { dir } (no file DLQ on the web build)', (rw) => deliver(rw, { sinks: [fnSink()], dlq: { dir: '.runwire/test-dlq' } }), { addon: 'ok', web: ARG });
add('dlq 5', (rw) => deliver(rw, { sinks: [fnSink()], dlq: 5 }), ARG);
add('hooks.onEvnt typo', (rw) => deliver(rw, { sinks: [fnSink()], hooks: { onEvnt() {} } }), ARG);
for (const [label, value] of Object.entries(BAD_NUMBERS)) {
  for (const key of ['maxBodyBytes', 'maxFieldChars', 'exitDrainMs']) {
    add(`${key} ${label}`, (rw) => deliver(rw, { sinks: [fnSink()], [key]: value }), ARG);
  }
  for (const key of ['concurrency', 'queueCapacity']) {
    add(`sink.${key} ${label}`, (rw) => deliver(rw, { sinks: [fnSink({ [key]: value })] }), ARG);
  }
  add(`sink.timeoutMs ${label}`, (rw) => deliver(rw, { sinks: [urlSink({ timeoutMs: value })] }), ARG);
  add(`sink.retryDelaysMs [${label}]`, (rw) => deliver(rw, { sinks: [fnSink({ retryDelaysMs: [value] })] }), ARG);
  add(`health.breaker.buckets ${label}`, (rw) => deliver(rw, { sinks: [urlSink({ health: { breaker: { buckets: value } } })] }), ARG);
  add(`health.rateLimit.perMs ${label}`, (rw) => deliver(rw, { sinks: [urlSink({ health: { rateLimit: { capacity: 1, perMs: value } } })] }), ARG);
}
add('sink.queueCapacity 0', (rw) => deliver(rw, { sinks: [fnSink({ queueCapacity: 0 })] }), ARG);
add('sink.concurrency 0', (rw) => deliver(rw, { sinks: [fnSink({ concurrency: 0 })] }), ARG);
add('sink.retryDelaysMs sparse 1e9', (rw) => {
  const delays = [];
  delays.length = 1e9;
  return deliver(rw, { sinks: [fnSink({ retryDelaysMs: delays })] });
}, ARG);
add('sink typo concurency', (rw) => deliver(rw, { sinks: [fnSink({ concurency: 2 })] }), ARG);
add('sink typo secrets', (rw) => deliver(rw, { sinks: [urlSink({ secrets: [S] })] }), ARG);
add('sink null', (rw) => deliver(rw, { sinks: [null] }), ARG);
add('sink.name ""', (rw) => deliver(rw, { sinks: [fnSink({ name: '' })] }), ARG);
add('sink.events 5', (rw) => deliver(rw, { sinks: [fnSink({ events: 5 })] }), ARG);
add('sink.secret bad base64', (rw) => deliver(rw, { sinks: [urlSink({ secret: 'whsec_!!' })] }), ARG);
add('sink.url with CRLF', (rw) => deliver(rw, { sinks: [urlSink({ url: 'https://example.com/\r\nX: 1' })] }), 'ok');
add('sink.url unicode host', (rw) => deliver(rw, { sinks: [urlSink({ url: 'https://ex\u00e4mple.com/' })] }), 'ok');
for (const header of ['Host', 'Connection', 'Transfer-Encoding', 'Keep-Alive', 'Upgrade', 'webhook-id', 'Content-Length']) {
  add(`sink header ${header}`, (rw) => deliver(rw, { sinks: [urlSink({ headers: { [header]: 'x' } })] }), ARG);
}
add('sink header value CRLF', (rw) => deliver(rw, { sinks: [urlSink({ headers: { 'X-A': 'a\r\nb' } })] }), 'ERR_RUNWIRE_HEADER_TEMPLATE');
add('sink githubHeader "Bad Header"', (rw) => deliver(rw, { sinks: [urlSink({ scheme: 'github', githubHeader: 'Bad Header' })] }), ARG);
add('health unknown key', (rw) => deliver(rw, { sinks: [urlSink({ health: { brakes: true } })] }), ARG);

// send(), drain(), close(), replay(), handler().
for (const [label, id] of Object.entries(BAD_IDS)) {
  add(`send runId ${label}`, (rw) => withDelivery(rw, (d) => d.send('on_custom_event', id, {})), ARG);
}
add('send runId 300 chars', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'r'.repeat(300), {})), ARG);
add('send event 5', (rw) => withDelivery(rw, (d) => d.send(5, 'run', {})), ARG);
add('send circular', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', circular())), UNSER);
add('send BigInt', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', { n: 1n })), UNSER);
add('send nested 101', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', nested(101))), UNSER);
add('send nested 100', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', nested(99))), 'ok');
add('send nested 5000', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', nested(5000))), UNSER);
add('send throwing toJSON', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', { toJSON() { throw new Error('x'); } })), UNSER);
add('send lone surrogate', (rw) => withDelivery(rw, (d) => d.send('on_custom_event', 'run', { text: 'cut mid-emoji \ud83d' })), 'ok');
for (const [label, value] of Object.entries(BAD_NUMBERS)) {
  add(`drain(${label})`, (rw) => withDelivery(rw, (d) => d.drain(value)), ARG);
}
add('replay("garbage")', (rw) => withDelivery(rw, (d) => d.replay('garbage')), ARG);
add('replay(circular)', (rw) => withDelivery(rw, (d) => d.replay(circular())), ARG);
add('replay options typo', (rw) => withDelivery(rw, (d) => d.replay('{}', { sinkName: 'x' })), ARG);
add('handler options typo', (rw) => withDelivery(rw, (d) => d.handler({ nam: 'x' })), ARG);
add('createWebhookHandler typo', (rw) => rw.createWebhookHandler({ sinks: [fnSink()], exitDrainMs: false, forwardUnamedChains: true }), ARG);

// Signing and verification.
for (const [label, id] of Object.entries(BAD_IDS)) {
  add(`signWebhook id ${label}`, (rw) => rw.signWebhook('{}', { id, secrets: S }), ARG);
}
add('signWebhook id 5', (rw) => rw.signWebhook('{}', { id: 5, secrets: S }), ARG);
for (const [label, value] of Object.entries(BAD_NUMBERS)) {
  add(`signWebhook timestamp ${label}`, (rw) => rw.signWebhook('{}', { id: 'a', secrets: S, timestamp: value }), ARG);
  add(`signStripeWebhook timestamp ${label}`, (rw) => rw.signStripeWebhook('{}', 'k', { timestamp: value }), ARG);
  add(`verifyWebhook toleranceSec ${label}`, (rw) => rw.verifyWebhook('{}', {}, S, { toleranceSec: value }), ARG);
}
add('verifyWebhook toleranceSec MAX_SAFE_INTEGER', (rw) => rw.verifyWebhook('{}', {}, S, { toleranceSec: Number.MAX_SAFE_INTEGER }), ARG);
add('verifyWebhook now Date(NaN)', (rw) => rw.verifyWebhook('{}', {}, S, { now: new Date(NaN) }), ARG);
add('verifyWebhook now 1e20', (rw) => rw.verifyWebhook('{}', {}, S, { now: 1e20 }), ARG);
add('verifyWebhook now "x"', (rw) => rw.verifyWebhook('{}', {}, S, { now: 'x' }), ARG);
add('verifyWebhook scheme md5', (rw) => rw.verifyWebhook('{}', {}, S, { scheme: 'md5' }), ARG);
add('verifyWebhook typo tolerance', (rw) => rw.verifyWebhook('{}', {}, S, { tolerance: 5 }), ARG);
add('verifyWebhook secrets []', (rw) => rw.verifyWebhook('{}', {}, []), ARG);
add('verifyWebhook headers proxy', (rw) => rw.verifyWebhook('{}', new Proxy({}, { ownKeys() { throw new Error('x'); } }), S), ARG);
add('verifyWebhook missing headers', (rw) => rw.verifyWebhook('{}', {}, S), 'ERR_RUNWIRE_SIGNATURE_MISSING_HEADER');
add('verifyWebhook body 5', (rw) => rw.verifyWebhook(5, { 'webhook-id': 'a', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' }, S), ARG);
add('signWebhook secrets []', (rw) => rw.signWebhook('{}', { id: 'a', secrets: [] }), ARG);
add('signWebhook secrets ""', (rw) => rw.signWebhook('{}', { id: 'a', secrets: '' }), SECRET);
add('signWebhook secret base64url', (rw) => rw.signWebhook('{}', { id: 'a', secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2k_' }), SECRET);
add('signWebhook secret unpadded', (rw) => rw.signWebhook('{}', { id: 'a', secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw4ZrrakFMQ2k' }), 'ok');
add('signWebhook typo secret', (rw) => rw.signWebhook('{}', { id: 'a', secret: S }), ARG);
add('signWebhook body null', (rw) => rw.signWebhook(null, { id: 'a', secrets: S }), ARG);
add('signWebhook body unicode', (rw) => rw.signWebhook('caf\u00e9 \ud83d\ude00', { id: 'a', secrets: S }), 'ok');
add('signGithubWebhook secret ""', (rw) => rw.signGithubWebhook('{}', ''), SECRET);
add('signGithubWebhook header "Bad Header"', (rw) => rw.signGithubWebhook('{}', 'k', { header: 'Bad Header' }), ARG);
add('canonicalJson circular', (rw) => rw.canonicalJson(circular()), UNSER);
add('canonicalJson BigInt', (rw) => rw.canonicalJson(1n), UNSER);
add('canonicalJson undefined', (rw) => rw.canonicalJson(undefined), UNSER);
add('canonicalJson nested 101', (rw) => rw.canonicalJson(nested(101)), UNSER);
add('canonicalJson nested 5000', (rw) => rw.canonicalJson(nested(5000)), UNSER);
add('canonicalJson lone surrogate', (rw) => (rw.canonicalJson({ a: 'x\ud83d' }) === '{"a":"x\\ud83d"}' ? 'ok' : 'wrong bytes'), 'ok');

// Receivers, validated at construction.
for (const make of ['webhookHandler', 'webhookMiddleware']) {
  const r = (rw, o) => rw[make]({ secrets: S, onWebhook() {}, ...o });
  add(`${make} secret whsec_!!`, (rw) => r(rw, { secrets: 'whsec_!!' }), SECRET);
  add(`${make} secret ""`, (rw) => r(rw, { secrets: '' }), SECRET);
  add(`${make} secret short key`, (rw) => r(rw, { secrets: 'whsec_AAAAAAAAAAAAAAAAAAAAAA==' }), SECRET);
  add(`${make} raw secret, github scheme`, (rw) => r(rw, { secrets: 'hunter2', scheme: 'github' }), 'ok');
  for (const [label, value] of Object.entries(BAD_NUMBERS)) {
    add(`${make} dedupeTtlMs ${label}`, (rw) => r(rw, { dedupeTtlMs: value }), ARG);
    add(`${make} maxBodyBytes ${label}`, (rw) => r(rw, { maxBodyBytes: value }), ARG);
  }
  add(`${make} no onWebhook`, (rw) => rw[make]({ secrets: S }), ARG);
  add(`${make} typo secret`, (rw) => rw[make]({ secret: S, onWebhook() {} }), ARG);
  add(`${make} dedupe {}`, (rw) => r(rw, { dedupe: {} }), ARG);
  add(`${make} options "x"`, (rw) => rw[make]('x'), ARG);
}
add('createMemoryDedupeStore ttlMs NaN', (rw) => rw.createMemoryDedupeStore({ ttlMs: NaN }), ARG);
add('createMemoryDedupeStore typo', (rw) => rw.createMemoryDedupeStore({ ttl: 5 }), ARG);
add('dispatchCustomEvent name ""', (rw) => rw.dispatchCustomEvent('', {}, {}), 'ERR_RUNWIRE_INVALID_EVENT_NAME');

/** Cases that once aborted or ballooned the host: each runs in a process of its own. */
export const CRASH_PRONE = [
  ['queueCapacity 1e12', (rw) => deliver(rw, { sinks: [fnSink({ queueCapacity: 1e12 })] }), ARG],
  ['queueCapacity 2^32', (rw) => deliver(rw, { sinks: [fnSink({ queueCapacity: 2 ** 32 })] }), ARG],
  ['queueCapacity 1e10', (rw) => deliver(rw, { sinks: [fnSink({ queueCapacity: 1e10 })] }), ARG],
  ['concurrency 1e9', (rw) => deliver(rw, { sinks: [fnSink({ concurrency: 1e9 })] }), ARG],
  ['breaker buckets 4e9', (rw) => deliver(rw, { sinks: [urlSink({ health: { breaker: { buckets: 4e9 } } })] }), ARG],
  ['queueCapacity at its bound', (rw) => deliver(rw, { sinks: [fnSink({ queueCapacity: 1_000_000, concurrency: 1024 })] }), 'ok'],
];

/** Runs cases and reports `name → 'ok' | err.code | 'UNCODED: …'`. */
export async function runCases(rw, cases = CASES) {
  const out = {};
  for (const [name, call] of cases) {
    try {
      await call(rw);
      out[name] = 'ok';
    } catch (error) {
      out[name] = typeof error?.code === 'string' && error.code.startsWith('ERR_RUNWIRE_') ? error.code : `UNCODED: ${error?.name}: ${error?.message}`;
    }
  }
  return out;
}

/** What `expected` says for `build` ('addon' or 'web'). */
export function expectedFor(expected, build) {
  return typeof expected === 'object' ? expected[build] : expected;
}
