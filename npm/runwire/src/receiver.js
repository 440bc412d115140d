/**
 * Receivers: verify, dedupe, then hand the payload to the user's handler — once.
 *
 * One delivery pipeline (`handleDelivery`) behind two front doors:
 * - `webhookMiddleware(options)`: Node `http` / Express / Connect `(req, res, next?)`. It reads
 *   the raw body bytes itself (or takes them from `express.raw()` / `req.rawBody`) and verifies
 *   before anything parses the JSON: re-serialised JSON never verifies (spec §1.5).
 * - `webhookHandler(options)`: fetch-style `(Request) => Promise<Response>` for Workers, Deno,
 *   Bun, Hono, Next.js route handlers.
 *
 * Pipeline: verify (both schemes, key rotation, timestamp tolerance; `verifyWebhook`) → 401
 * with a fixed body on any failure (no detail that would help a forger) → dedupe on the webhook
 * id (`webhook-id`, or `Idempotency-Key` for GitHub-style) → a replay is acknowledged with 200
 * and not processed → parse JSON → `onWebhook(payload, meta)` → 200. If the handler throws, the
 * id is released so the sender's retry is processed, and the answer is 500 (the sender retries).
 *
 * Batches (a sink with `batch`): the body is `{"type":"runwire.batch","id":…,"data":[items]}`,
 * each item an event body with its own `id`. It is verified once (the signature covers the
 * whole body); then each item is deduped on its own id and handed to `onWebhook(item, meta)`
 * in order (`meta.batch = { id, index, size }`), or, with `batchDelivery: 'batch'`, the new
 * items go to one `onWebhook(items, meta)` call. If the handler throws, the claims of the items
 * not yet processed are released and the answer is 500: the sender retries the whole batch and
 * the items already processed are skipped as duplicates.
 *
 * The dedupe store is pluggable (`{ claim(id, ttlMs), release(id) }`, sync or async, e.g. Redis
 * `SET NX PX`); the default is in memory with a TTL that covers runwire's whole retry horizon
 * (≈3.2 days for the durable schedule) plus a redrive window: 7 days. Nothing here logs;
 * errors go to `onError` and never contain secrets.
 */
import { codedError, invalidArgument } from './errors.js';
import { createOptionReader } from './options.js';

export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const MAX_ENTRIES = 100_000;

/**
 * The default dedupe store: a Map of id → expiry, swept as it is used, bounded in size (the
 * oldest claims are evicted first when full).
 */
export function createMemoryDedupeStore(options) {
  const o = readOptions(options, 'createMemoryDedupeStore');
  const ttlDefault = o.ttlMs ?? DEFAULT_DEDUPE_TTL_MS;
  const maxEntries = o.maxEntries ?? MAX_ENTRIES;
  const now = o.now ?? (() => Date.now());
  const seen = new Map();
  function sweep(t) {
    for (const [id, expires] of seen) {
      if (expires > t && seen.size <= maxEntries) break;
      seen.delete(id);
    }
  }
  return {
    /** True if `id` was not seen within its TTL (and is now claimed), false for a replay. */
    claim(id, ttlMs = ttlDefault) {
      const t = now();
      const expires = seen.get(id);
      if (expires !== undefined && expires > t) return false;
      seen.delete(id);
      seen.set(id, t + ttlMs);
      sweep(t);
      return true;
    },
    /** Forgets a claim whose processing failed, so a retry is processed. */
    release(id) {
      seen.delete(id);
    },
    get size() {
      return seen.size;
    },
  };
}

// Receivers have no delivery bounds; theirs are in LOCAL_BOUNDS (./options.js).
const { readOptions } = createOptionReader(() => ({}));

/** Calls the user's `onError`; one that throws is swallowed, never an unhandled rejection. */
function safely(onError) {
  return (error) => {
    try {
      onError(error);
    } catch {
      // nothing left to report to
    }
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const BATCH_TYPE = 'runwire.batch';
const REJECTED = { status: 401, body: '{"error":"invalid webhook signature"}' };

/** @param {ReturnType<import('./api.js').createApi>} api */
export function createReceiverApi(api) {
  /**
   * Every option is checked here, at construction (./options.js): a receiver that could only
   * ever answer 401 (an unusable secret) or that would silently lose a protection (`dedupeTtlMs`
   * or `maxBodyBytes` of NaN) is refused with `ERR_RUNWIRE_INVALID_ARGUMENT` /
   * `ERR_RUNWIRE_INVALID_SECRET` instead.
   */
  function settings(options) {
    if (options === undefined || options === null) throw invalidArgument('options must be an object');
    const o = readOptions(options, 'receiver');
    const secrets = typeof o.secrets === 'string' ? [o.secrets] : o.secrets;
    // Parse every secret now, with a signature of nothing, so a bad one fails at construction.
    // Raw (GitHub/Stripe) keys must be non-empty; Standard Webhooks keys — all of them when the
    // scheme is pinned, the `whsec_` ones under "auto" — must decode to 24–64 bytes.
    const scheme = o.scheme ?? 'auto';
    api.signStripeWebhook('', secrets, { timestamp: 0 });
    const standard = secrets.filter((s) => scheme === 'standard' || (scheme === 'auto' && s.startsWith('whsec_')));
    if (standard.length > 0) api.signWebhook('', { id: 'check', timestamp: 0, secrets: standard });
    let dedupe = null;
    if (o.dedupe !== false) {
      dedupe = o.dedupe ?? createMemoryDedupeStore();
      let claim;
      let release;
      try {
        ({ claim, release } = dedupe);
      } catch (cause) {
        throw Object.assign(invalidArgument('options.dedupe could not be read'), { cause });
      }
      if (typeof claim !== 'function' || typeof release !== 'function') {
        throw invalidArgument('options.dedupe must have claim(id, ttlMs) and release(id), or be false');
      }
    }
    return {
      secrets,
      onWebhook: o.onWebhook,
      dedupe,
      ttlMs: o.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS,
      verify: { scheme: o.scheme, toleranceSec: o.toleranceSec, githubHeader: o.githubHeader, now: o.now },
      parse: o.parse ?? ((bytes) => JSON.parse(new TextDecoder().decode(bytes))),
      onError: safely(o.onError ?? (() => {})),
      maxBodyBytes: o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      perBatch: batchDelivery(o.batchDelivery),
    };
  }

  function batchDelivery(value) {
    if (value === undefined || value === 'event') return false;
    if (value === 'batch') return true;
    throw invalidArgument("options.batchDelivery must be 'event' or 'batch'");
  }

  function isBatch(payload) {
    return payload !== null && typeof payload === 'object' && payload.type === BATCH_TYPE && Array.isArray(payload.data);
  }

  /** A verified batch: dedupe per item id, hand over in order; on failure release what is left. */
  async function handleBatch(s, payload, meta) {
    const items = payload.data;
    const fresh = [];
    for (const item of items) {
      const itemId = typeof item?.id === 'string' ? item.id : undefined;
      if (s.dedupe && itemId) {
        if (!(await s.dedupe.claim(itemId, s.ttlMs))) continue;
      }
      fresh.push(item);
    }
    const batch = { id: payload.id, size: items.length };
    let done = 0;
    try {
      if (s.perBatch) {
        if (fresh.length > 0) await s.onWebhook(fresh, { ...meta, batch: { ...batch, index: 0 } });
        done = fresh.length;
      } else {
        for (const item of fresh) {
          await s.onWebhook(item, { ...meta, id: item.id, batch: { ...batch, index: items.indexOf(item) } });
          done += 1;
        }
      }
    } catch (err) {
      if (s.dedupe) {
        for (const item of fresh.slice(s.perBatch ? 0 : done)) {
          if (typeof item?.id === 'string') await s.dedupe.release(item.id);
        }
      }
      s.onError(err);
      return { status: 500, body: '{"error":"webhook handler failed"}' };
    }
    return { status: 200, body: `{"ok":true,"events":${items.length},"duplicates":${items.length - fresh.length}}` };
  }

  /** The shared pipeline: bytes + headers in, `{ status, body }` out. */
  async function handleDelivery(s, body, headers) {
    let verified;
    try {
      const verifyOptions = Object.fromEntries(Object.entries(s.verify).filter(([, v]) => v !== undefined));
      verified = api.verifyWebhook(body, headers, s.secrets, verifyOptions);
    } catch (err) {
      s.onError(err);
      return REJECTED;
    }
    const id = verified.id;
    let payload;
    try {
      payload = s.parse(body);
    } catch (cause) {
      s.onError(codedError('ERR_RUNWIRE_INVALID_JSON', 'webhook body is not valid JSON', cause));
      return { status: 400, body: '{"error":"invalid JSON body"}' };
    }
    if (isBatch(payload)) return handleBatch(s, payload, { ...verified, body, headers });
    if (s.dedupe && id) {
      if (!(await s.dedupe.claim(id, s.ttlMs))) {
        return { status: 200, body: '{"ok":true,"duplicate":true}' };
      }
    }
    try {
      await s.onWebhook(payload, { ...verified, body, headers });
    } catch (err) {
      if (s.dedupe && id) await s.dedupe.release(id);
      s.onError(err);
      return { status: 500, body: '{"error":"webhook handler failed"}' };
    }
    return { status: 200, body: '{"ok":true}' };
  }

  /** Fetch-style receiver: `(request: Request) => Promise<Response>`. */
  function webhookHandler(options) {
    const s = settings(options);
    return async function runwireWebhookHandler(request) {
      try {
        if (request.method !== 'POST') {
          return new Response('{"error":"method not allowed"}', { status: 405, headers: { ...JSON_HEADERS, allow: 'POST' } });
        }
        const declared = Number(request.headers.get('content-length') ?? 0);
        if (declared > s.maxBodyBytes) return new Response('{"error":"body too large"}', { status: 413, headers: JSON_HEADERS });
        const body = new Uint8Array(await request.arrayBuffer());
        if (body.byteLength > s.maxBodyBytes) {
          return new Response('{"error":"body too large"}', { status: 413, headers: JSON_HEADERS });
        }
        const result = await handleDelivery(s, body, request.headers);
        return new Response(result.body, { status: result.status, headers: JSON_HEADERS });
      } catch (err) {
        // A failing dedupe store, an unreadable request: reported, answered 500 (the sender retries).
        s.onError(err);
        return new Response('{"error":"webhook receiver failed"}', { status: 500, headers: JSON_HEADERS });
      }
    };
  }

  function rawBodyOf(req) {
    const candidate = req.rawBody ?? req.body;
    if (candidate instanceof Uint8Array) return candidate;
    if (typeof candidate === 'string' && req.rawBody !== undefined) return new TextEncoder().encode(candidate);
    return undefined;
  }

  /**
   * Reads the body, keeping at most `limit` bytes. Past the limit the rest is read and dropped
   * (so the sender gets its 413 instead of a reset connection) up to 1 MiB more, after which the
   * connection is cut: memory stays bounded either way.
   */
  function readBody(req, limit) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      let tooLarge = false;
      const fail = () => reject(codedError('ERR_RUNWIRE_BODY_TOO_LARGE', `webhook body exceeds ${limit} bytes`));
      req.on('data', (chunk) => {
        size += chunk.length;
        if (size > limit) {
          tooLarge = true;
          chunks.length = 0;
          if (size > limit + 1024 * 1024) {
            fail();
            req.destroy?.();
          }
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (tooLarge) return fail();
        const out = new Uint8Array(size);
        let offset = 0;
        for (const c of chunks) {
          out.set(c, offset);
          offset += c.length;
        }
        resolve(out);
      });
      req.on('error', reject);
    });
  }

  function send(res, status, body) {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(body);
  }

  /**
   * Node `http` / Express / Connect middleware. Mount it before any JSON body parser (or after
   * `express.raw({ type: '*\/*' })`). Without `next` (plain `http.createServer`) it answers
   * everything itself.
   */
  function webhookMiddleware(options) {
    const s = settings(options);
    return async function runwireWebhookMiddleware(req, res, next) {
      try {
        if (req.method !== 'POST') {
          res.setHeader('allow', 'POST');
          return send(res, 405, '{"error":"method not allowed"}');
        }
        let body = rawBodyOf(req);
        if (body === undefined) {
          if (req.body !== undefined && req.readableEnded !== false) {
            throw codedError(
              'ERR_RUNWIRE_RAW_BODY_UNAVAILABLE',
              'the request body was already parsed, so its exact bytes cannot be verified: mount the runwire middleware before express.json(), or use express.raw()',
            );
          }
          body = await readBody(req, s.maxBodyBytes);
        }
        if (body.byteLength > s.maxBodyBytes) return send(res, 413, '{"error":"body too large"}');
        const result = await handleDelivery(s, body, req.headers);
        send(res, result.status, result.body);
      } catch (err) {
        s.onError(err);
        if (err?.code === 'ERR_RUNWIRE_BODY_TOO_LARGE') return send(res, 413, '{"error":"body too large"}');
        if (typeof next === 'function') return next(err);
        if (!res.headersSent) send(res, 500, '{"error":"webhook receiver failed"}');
      }
    };
  }

  return { createMemoryDedupeStore, webhookHandler, webhookMiddleware };
}
