/**
 * runwire — emit and ship LangChain.js agent events.
 *
 * The same declarations describe both entries: `runwire` (the Node addon in Node.js, the web
 * build elsewhere) and `runwire/web` (always the web build). A test checks that both entries
 * export the same names.
 */

/** Which build answered: the Node addon or the WebAssembly build. */
export declare const target: 'node-addon' | 'wasm';

/** An error raised by runwire. `code` is stable API; `message` is for humans. */
export interface RunwireError extends Error {
  code: RunwireErrorCode;
}

export type RunwireErrorCode =
  | 'ERR_RUNWIRE_INVALID_ARGUMENT'
  | 'ERR_RUNWIRE_INVALID_SECRET'
  | 'ERR_RUNWIRE_BODY_NOT_UTF8'
  | 'ERR_RUNWIRE_SIGNATURE_MISSING_HEADER'
  | 'ERR_RUNWIRE_SIGNATURE_INVALID_HEADER'
  | 'ERR_RUNWIRE_SIGNATURE_TIMESTAMP_TOO_OLD'
  | 'ERR_RUNWIRE_SIGNATURE_TIMESTAMP_TOO_NEW'
  | 'ERR_RUNWIRE_SIGNATURE_MISMATCH'
  | 'ERR_RUNWIRE_INVALID_JSON'
  | 'ERR_RUNWIRE_UNSERIALIZABLE'
  | 'ERR_RUNWIRE_NATIVE_UNAVAILABLE'
  | (string & {});

// ---------------------------------------------------------------------------------------------
// Signing and verification
// ---------------------------------------------------------------------------------------------

/** The exact bytes sent: a string is signed as its UTF-8 encoding. */
export type WebhookBody = string | Uint8Array;

/** Headers as a fetch `Headers`, Node's `IncomingHttpHeaders`, or a plain object (any case). */
export type HeadersLike =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export declare function generateSecret(): string;

export interface SignWebhookOptions {
  /** `webhook-id`: stable across retries and replays; must not contain `.`. */
  id: string;
  /**
   * `whsec_` secrets (24–64 byte keys). Several sign with each (current first) for rotation:
   * the header carries one `v1,` signature per secret.
   */
  secrets: string | string[];
  /** Unix seconds. @default now */
  timestamp?: number;
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Signs `body` with Standard Webhooks v1; send the returned headers with exactly `body`. */
export declare function signWebhook(body: WebhookBody, options: SignWebhookOptions): StandardWebhookHeaders;

/**
 * Signs `body` GitHub-style: `{ [header]: "sha256=<lower-case hex>" }`. No timestamp, so no
 * replay protection: receivers must dedupe.
 */
export declare function signGithubWebhook(
  body: WebhookBody,
  secret: string,
  options?: { /** @default "X-Signature-256" */ header?: string },
): Record<string, string>;

/**
 * Signs `body` Stripe-style for receivers built on Stripe's tooling:
 * `{ 'Stripe-Signature': 't=<ts>,v1=<hex>[,v1=<hex>…]' }`, HMAC over `<t>.<body>` keyed by each
 * secret string's UTF-8 bytes (a `whsec_` prefix is part of the key, as in Stripe's SDKs).
 */
export declare function signStripeWebhook(
  body: WebhookBody,
  secrets: string | string[],
  options?: { /** Unix seconds. @default now */ timestamp?: number },
): { 'Stripe-Signature': string };

export interface VerifyWebhookOptions {
  /**
   * `"auto"` picks Standard Webhooks when `webhook-signature` is present, else Stripe-style when
   * `Stripe-Signature` is, else GitHub-style. Pin it once you know your sender. @default "auto"
   */
  scheme?: 'auto' | 'standard' | 'github' | 'stripe';
  /** Allowed clock skew for Standard Webhooks timestamps, in seconds. @default 300 */
  toleranceSec?: number;
  /** The receiver's clock. @default Date.now() */
  now?: Date | number;
  /** Header carrying the GitHub-style signature. @default "X-Signature-256" */
  githubHeader?: string;
}

export interface VerifiedWebhook {
  scheme: 'standard' | 'github' | 'stripe';
  /** `webhook-id` (Standard Webhooks) or `Idempotency-Key` (other schemes), for dedupe. */
  id: string | null;
  /** The signed timestamp (Standard Webhooks and Stripe-style). */
  timestamp: number | null;
}

/**
 * Verifies a received webhook against the raw body bytes (never a re-serialised body).
 * Any of `secrets` may match (rotation). Throws a {@link RunwireError} on failure.
 */
export declare function verifyWebhook(
  body: WebhookBody,
  headers: HeadersLike,
  secrets: string | string[],
  options?: VerifyWebhookOptions,
): VerifiedWebhook;

/** Canonical JSON: sorted keys, compact, literal UTF-8 — the bytes runwire signs and sends. */
export declare function canonicalJson(value: unknown): string;
