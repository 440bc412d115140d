/**
 * The public API, built once over a low-level backend.
 *
 * Both builds expose the same low-level functions with the same arguments (see
 * crates/node/src/signing.rs and crates/wasm/src/signing.rs): `generateSecret`,
 * `signStandard`, `signGithub`, `signStripe`, `verify`, `canonicalJson`. Everything users see is built here,
 * so the Node addon and the web build cannot drift apart: argument checks, defaults (clock,
 * tolerance, header names) and error codes are written once.
 */
import { codedError, invalidArgument } from './errors.js';
import { headerReader } from './headers.js';
import { createOptionReader } from './options.js';

export const DEFAULT_TOLERANCE_SEC = 300;
export const DEFAULT_GITHUB_HEADER = 'X-Signature-256';
export const STRIPE_HEADER = 'Stripe-Signature';

function checkBody(body) {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw invalidArgument('body must be a string or a Uint8Array (the exact bytes sent)');
  }
  return body;
}

/** Milliseconds, kept whole: the tolerance window is compared with sub-second precision. */
function nowMs(now) {
  if (now === undefined) return Date.now();
  return now instanceof Date ? now.getTime() : now;
}

/** @param {object} native the addon or the initialised wasm module */
export function createApi(native) {
  const { readOptions, readRule } = createOptionReader(() => JSON.parse(native.optionBounds()));
  const secretList = (secrets, path = 'secrets') => {
    const list = readRule('secrets', secrets, path);
    return typeof list === 'string' ? [list] : list;
  };

  /** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
  function generateSecret() {
    return native.generateSecret();
  }

  /**
   * Signs `body` with Standard Webhooks v1. Several secrets (current first) give one
   * signature each, for rotation. Returns the three headers to send with exactly `body`.
   */
  function signWebhook(body, options) {
    const { id, secrets, timestamp } = readOptions(options, 'signWebhook');
    const ts = timestamp === undefined ? Math.floor(Date.now() / 1000) : timestamp;
    const signature = native.signStandard(id, ts, checkBody(body), typeof secrets === 'string' ? [secrets] : secrets);
    return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
  }

  /** Signs `body` GitHub-style: `{ [header]: "sha256=<hex>" }` (default header X-Signature-256). */
  function signGithubWebhook(body, secret, options) {
    if (typeof secret !== 'string') throw invalidArgument('secret must be a string');
    const header = readOptions(options, 'signGithubWebhook').header ?? DEFAULT_GITHUB_HEADER;
    return { [header]: native.signGithub(checkBody(body), secret) };
  }

  /**
   * Signs `body` Stripe-style: `{ 'Stripe-Signature': 't=<ts>,v1=<hex>[,v1=<hex>…]' }`, keyed by
   * each secret string's UTF-8 bytes (a `whsec_` prefix is part of the key, as in Stripe's SDKs).
   */
  function signStripeWebhook(body, secrets, options) {
    const ts = readOptions(options, 'signStripeWebhook').timestamp ?? Math.floor(Date.now() / 1000);
    return { [STRIPE_HEADER]: native.signStripe(ts, checkBody(body), secretList(secrets)) };
  }

  /**
   * Verifies a received webhook against the raw body bytes. Throws a coded error on failure;
   * returns `{ scheme, id, timestamp }` on success.
   */
  function verifyWebhook(body, headers, secrets, options) {
    const o = readOptions(options, 'verifyWebhook');
    const scheme = o.scheme ?? 'auto';
    const tolerance = o.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
    let get;
    try {
      get = headerReader(headers);
    } catch (cause) {
      throw Object.assign(invalidArgument('headers could not be read (a getter or proxy trap threw)'), { cause });
    }
    const id = get('webhook-id');
    const timestamp = get('webhook-timestamp');
    const matched = native.verify(
      checkBody(body),
      scheme,
      id,
      timestamp,
      get('webhook-signature'),
      get((o.githubHeader ?? DEFAULT_GITHUB_HEADER).toLowerCase()),
      get('stripe-signature'),
      secretList(secrets),
      nowMs(o.now),
      tolerance,
    );
    if (matched === 'github') return { scheme: matched, id: get('idempotency-key') ?? null, timestamp: null };
    if (matched === 'stripe') {
      const signed = /(?:^|,)\s*t=(\d+)/.exec(get('stripe-signature'))[1];
      return { scheme: matched, id: get('idempotency-key') ?? null, timestamp: Number(signed) };
    }
    return { scheme: matched, id, timestamp: Number(timestamp) };
  }

  /**
   * Canonical JSON of a value: sorted keys, compact, literal UTF-8. These are the bytes runwire
   * signs and sends.
   */
  function canonicalJson(value) {
    let text;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw codedError('ERR_RUNWIRE_UNSERIALIZABLE', `value cannot be serialized to JSON: ${cause.message}`, cause);
    }
    if (text === undefined) {
      throw codedError('ERR_RUNWIRE_UNSERIALIZABLE', `value cannot be serialized to JSON: ${typeof value} has no JSON form`);
    }
    return native.canonicalJson(text);
  }

  return { generateSecret, signWebhook, signGithubWebhook, signStripeWebhook, verifyWebhook, canonicalJson };
}
