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

export const DEFAULT_TOLERANCE_SEC = 300;
export const DEFAULT_GITHUB_HEADER = 'X-Signature-256';
const SCHEMES = new Set(['auto', 'standard', 'github', 'stripe']);
export const STRIPE_HEADER = 'Stripe-Signature';

function secretList(secrets, what = 'secrets') {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string')) {
    throw invalidArgument(`${what} must be a string or a non-empty array of strings`);
  }
  return list;
}

function checkBody(body) {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw invalidArgument('body must be a string or a Uint8Array (the exact bytes sent)');
  }
  return body;
}

function unixSeconds(now) {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  if (typeof now === 'number' && Number.isFinite(now)) return Math.floor(now / 1000);
  throw invalidArgument('now must be a Date or milliseconds since the epoch');
}

/** @param {object} native the addon or the initialised wasm module */
export function createApi(native) {
  /** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
  function generateSecret() {
    return native.generateSecret();
  }

  /**
   * Signs `body` with Standard Webhooks v1. Several secrets (current first) give one
   * signature each, for rotation. Returns the three headers to send with exactly `body`.
   */
  function signWebhook(body, options) {
    const { id, secrets, timestamp } = options ?? {};
    if (typeof id !== 'string') throw invalidArgument('options.id must be a string');
    const ts = timestamp === undefined ? Math.floor(Date.now() / 1000) : timestamp;
    if (!Number.isSafeInteger(ts)) throw invalidArgument('options.timestamp must be whole unix seconds');
    const signature = native.signStandard(id, ts, checkBody(body), secretList(secrets, 'options.secrets'));
    return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
  }

  /** Signs `body` GitHub-style: `{ [header]: "sha256=<hex>" }` (default header X-Signature-256). */
  function signGithubWebhook(body, secret, options) {
    if (typeof secret !== 'string') throw invalidArgument('secret must be a string');
    const header = options?.header ?? DEFAULT_GITHUB_HEADER;
    return { [header]: native.signGithub(checkBody(body), secret) };
  }

  /**
   * Signs `body` Stripe-style: `{ 'Stripe-Signature': 't=<ts>,v1=<hex>[,v1=<hex>…]' }`, keyed by
   * each secret string's UTF-8 bytes (a `whsec_` prefix is part of the key, as in Stripe's SDKs).
   */
  function signStripeWebhook(body, secrets, options) {
    const ts = options?.timestamp ?? Math.floor(Date.now() / 1000);
    if (!Number.isSafeInteger(ts)) throw invalidArgument('options.timestamp must be whole unix seconds');
    return { [STRIPE_HEADER]: native.signStripe(ts, checkBody(body), secretList(secrets)) };
  }

  /**
   * Verifies a received webhook against the raw body bytes. Throws a coded error on failure;
   * returns `{ scheme, id, timestamp }` on success.
   */
  function verifyWebhook(body, headers, secrets, options = {}) {
    const scheme = options.scheme ?? 'auto';
    if (!SCHEMES.has(scheme)) throw invalidArgument('options.scheme must be "auto", "standard", "github" or "stripe"');
    const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
    if (!Number.isSafeInteger(tolerance) || tolerance < 0) {
      throw invalidArgument('options.toleranceSec must be a non-negative whole number');
    }
    const get = headerReader(headers);
    const id = get('webhook-id');
    const timestamp = get('webhook-timestamp');
    const matched = native.verify(
      checkBody(body),
      scheme,
      id,
      timestamp,
      get('webhook-signature'),
      get((options.githubHeader ?? DEFAULT_GITHUB_HEADER).toLowerCase()),
      get('stripe-signature'),
      secretList(secrets),
      unixSeconds(options.now),
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
