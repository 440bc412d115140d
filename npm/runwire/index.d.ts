/**
 * runwire — emit and ship LangChain.js agent events.
 *
 * The same declarations describe both entries: `runwire` (the Node addon in Node.js, the web
 * build elsewhere) and `runwire/web` (always the web build). `index.d.cts` is a byte copy made by
 * the build for CommonJS consumers (the declarations are format-neutral). Tests check that both
 * entries export exactly the declared names, that LangChain's own types are accepted where the
 * drop-in promises it (tests/types/), and that the package shape passes arethetypeswrong.
 *
 * Only built-in types are used (plus the fetch globals `Request`, `Response`, `Headers`,
 * `AbortSignal`, which `lib: ["dom"]`, `@types/node` and workers types all declare), so a project
 * without @langchain/core still compiles. Option objects have no index signatures: a misspelt
 * key is a compile error.
 */

/**
 * Which build answered: the Node addon or the WebAssembly build. In Node, `runwire` is `'wasm'`
 * only where no addon package matches the platform (the fallback, announced by one
 * `RUNWIRE_WASM_FALLBACK` warning).
 */
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
  | 'ERR_RUNWIRE_INVALID_EVENT_NAME'
  | 'ERR_RUNWIRE_URL_POLICY'
  | 'ERR_RUNWIRE_URL_POLICY_CONFIG'
  | 'ERR_RUNWIRE_HEADER_TEMPLATE'
  | 'ERR_RUNWIRE_RAW_BODY_UNAVAILABLE'
  | 'ERR_RUNWIRE_BODY_TOO_LARGE'
  | 'ERR_RUNWIRE_DELIVERY_CLOSED'
  /** A full `overflow: 'reject'` sink refused the event (nothing accepted). */
  | 'ERR_RUNWIRE_BACKPRESSURE'
  /** The durable spool holds `maxBytes`, or could not write (disk full): nothing accepted, retry later. */
  | 'ERR_RUNWIRE_SPOOL_FULL'
  /** `createDelivery`: another delivery (this process or another one) holds the `spool.dir`; close it first. */
  | 'ERR_RUNWIRE_SPOOL_LOCKED'
  /** A bug in runwire surfaced at the boundary (a Rust panic, a trapped WebAssembly instance); never a crash. */
  | 'ERR_RUNWIRE_INTERNAL'
  | (string & {});

// ---------------------------------------------------------------------------------------------
// Signing and verification
// ---------------------------------------------------------------------------------------------

/** The exact bytes sent: a string is signed as its UTF-8 encoding. */
export type WebhookBody = string | Uint8Array;

/**
 * Headers as a fetch `Headers` (or anything with `get(name)`, such as a `Map`), Node's
 * `IncomingHttpHeaders`, or a plain object with any capitalisation — including what
 * `signWebhook` and friends return.
 */
export type HeadersLike =
  | { get(name: string): string | null | undefined }
  | { readonly [name: string]: string | readonly string[] | undefined };

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

/** A type alias, not an interface, so it is assignable to {@link HeadersLike} and to `HeadersInit`. */
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

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
  /**
   * Allowed clock skew for Standard Webhooks and Stripe-style timestamps, in whole seconds
   * (0–31536000), compared with `now` to the millisecond. @default 300
   */
  toleranceSec?: number;
  /** The receiver's clock: a valid Date or ms since the epoch (±8.64e15). @default Date.now() */
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

// ---------------------------------------------------------------------------------------------
// Custom events (drop-in for @langchain/core/callbacks/dispatch and .../dispatch/web)
// ---------------------------------------------------------------------------------------------

/**
 * A handler as LangChain calls it: `handleCustomEvent(eventName, data, runId, tags, metadata)`
 * with exactly five arguments and `data` by reference. A LangChain `BaseCallbackHandler`
 * instance (or any object with these members) works as-is.
 */
export interface CustomEventHandler {
  handleCustomEvent?(
    eventName: string,
    data: any,
    runId: string,
    tags?: string[],
    metadata?: Record<string, any>,
  ): unknown;
  /** Skip custom events. @default false */
  ignoreCustomEvent?: boolean;
  /** Await this handler inside the dispatch instead of queueing it in the background. */
  awaitHandlers?: boolean;
  /** Re-throw this handler's errors out of the dispatch (LangChain handler classes also await). */
  raiseError?: boolean;
}

/**
 * A RunnableConfig as far as dispatch is concerned: LangChain's `RunnableConfig` (0.3.x and 1.x;
 * its `callbacks` is a CallbackManager inside a run, and subtypes such as LangGraph's config are
 * accepted too), or the config a runwire standalone run passes to its function. It has exactly
 * RunnableConfig's keys, so `typeof dispatchCustomEvent` is assignable to @langchain/core's.
 */
export interface RunConfig {
  callbacks?: unknown;
  tags?: string[];
  metadata?: Record<string, unknown>;
  configurable?: Record<string, unknown>;
  runName?: string;
  runId?: string;
  recursionLimit?: number;
  maxConcurrency?: number;
  signal?: AbortSignal;
  timeout?: number;
}

/**
 * Dispatches a custom event, exactly as @langchain/core's `dispatchCustomEvent` does: the
 * event reaches `streamEvents` v2 as an `on_custom_event` record and every handler's
 * `handleCustomEvent`, attributed to the run executing the call.
 *
 * - `runwire` in Node.js: the config is found automatically (LangChain's AsyncLocalStorage, or a
 *   runwire standalone run); an explicit `config` is merged like LangChain's `ensureConfig`.
 *   Outside any run it resolves and does nothing.
 * - `runwire/web` (and `runwire` in edge runtimes): `config` is required; `undefined` rejects with
 *   @langchain/core's message; `null` or `{}` resolve and do nothing.
 *
 * A name that is not a non-empty string rejects with `ERR_RUNWIRE_INVALID_EVENT_NAME`.
 */
export declare function dispatchCustomEvent(name: string, data: any, config?: RunConfig | null): Promise<void>;

/** The chunk `emit` writes to LangGraph's custom stream (`streamMode: "custom"`). */
export interface EmitChunk<T = any> {
  name: string;
  data: T;
}

/**
 * One event, every channel: inside a LangGraph node, a tool or a lambda, writes
 * `{ name, data }` to the run's custom stream when it has one (LangGraph's `config.writer`), then
 * dispatches exactly as `dispatchCustomEvent` does — so `streamEvents` v2, `handleCustomEvent`
 * callbacks and runwire's sinks (through the webhook handler) all see it once.
 *
 * Config: found automatically by the Node entry (pass it inside a tool body: LangGraph hands
 * tools an AsyncLocalStorage config without its writer); required by `runwire/web`.
 */
export declare function emit(name: string, data: any, config?: RunConfig | null): Promise<void>;

/** Options of `tapCustomStream`. */
export interface TapOptions {
  /** Event name the shipped chunks get (their `on_custom_event` name). @default "custom" */
  name?: string;
}

/**
 * Ships what a compiled LangGraph graph writes with `config.writer` to runwire's sinks, without
 * changing the graph: returns a view of `graph` whose `stream` (and so `invoke` and
 * `streamEvents`) also asks for the `custom` mode, sends each custom chunk to `target` as an
 * `on_custom_event`, and yields exactly what the caller asked for. Chunks written by `emit` are
 * not shipped twice.
 */
export declare function tapCustomStream<G extends { stream: (...args: any[]) => any }>(
  graph: G,
  target: WebhookHandler | Delivery,
  options?: TapOptions,
): G;

/** A streamEvents v2 record; `data` is the payload by reference for custom events. */
export interface StreamEventRecord {
  event: 'on_chain_start' | 'on_custom_event' | 'on_chain_stream' | 'on_chain_end' | (string & {});
  run_id: string;
  name: string;
  tags: string[];
  metadata: Record<string, any>;
  data: any;
}

/** LangChain's streamEvents filters: on the emitting run's name, type (`chain`) and tags. */
export interface StreamEventsFilter {
  includeNames?: string[];
  includeTypes?: string[];
  includeTags?: string[];
  excludeNames?: string[];
  excludeTypes?: string[];
  excludeTags?: string[];
  /** Drop every `on_custom_event` record. @default false */
  ignoreCustomEvent?: boolean;
}

export interface StreamEventsOptions extends StreamEventsFilter {
  /** Only `"v2"` exists. @default "v2" */
  version?: 'v2';
  /** The root run's name. @default "RunnableLambda" */
  runName?: string;
  /** The root run id. @default a fresh UUIDv7 */
  runId?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  configurable?: Record<string, unknown>;
  /** Handlers for the whole run tree. */
  callbacks?: CustomEventHandler[];
  /** Yield `text/event-stream` bytes (`event: data` frames, then `event: end`) instead of records. */
  encoding?: 'text/event-stream';
}

/** The config a standalone run's function receives; pass it on to dispatch and `invokeRun`. */
export interface StandaloneRunConfig extends RunConfig {
  tags: string[];
  metadata: Record<string, unknown>;
}

/**
 * Runs `fn(input, config)` as a root run without LangChain and yields the v2 records a
 * LangChain `RunnableLambda` streaming the same function would: `on_chain_start`,
 * `on_custom_event`…, `on_chain_stream`, `on_chain_end` (same shapes, key orders, filters,
 * first-event input injection). Filters may also be given as a fourth argument, as in LangChain.
 */
export declare function streamEvents<I, O>(
  fn: (input: I, config: StandaloneRunConfig) => O | Promise<O>,
  input: I,
  options?: StreamEventsOptions & { encoding?: undefined },
  streamOptions?: StreamEventsFilter,
): AsyncIterableIterator<StreamEventRecord>;
export declare function streamEvents<I, O>(
  fn: (input: I, config: StandaloneRunConfig) => O | Promise<O>,
  input: I,
  options: StreamEventsOptions & { encoding: 'text/event-stream' },
  streamOptions?: StreamEventsFilter,
): AsyncIterable<Uint8Array>;

/**
 * Runs `fn(input, config)` as a run nested in the current standalone run (like
 * `RunnableLambda.invoke` inside a run): its own run id, inherited tags and metadata, start and
 * end records. In Node the parent is found automatically; on the web pass the parent's config
 * (plus `runName`, `tags`, `metadata` of the nested run).
 */
export declare function invokeRun<I, O>(
  fn: (input: I, config: StandaloneRunConfig) => O | Promise<O>,
  input: I,
  config?: RunConfig,
): Promise<Awaited<O>>;

/** Resolves when every background handler of standalone runs queued so far has finished. */
export declare function awaitCallbacks(): Promise<void>;

// ---------------------------------------------------------------------------------------------
// Endpoint safety: URL policy, SSRF, header templates
// ---------------------------------------------------------------------------------------------

/**
 * Webhook URL policy: LangGraph Platform's `webhooks.url` options (snake_case; camelCase
 * accepted). Omitted options come from `profile`.
 */
export interface UrlPolicy {
  /**
   * `safe` (default): https only, ports 443/80, loopback and private ranges blocked.
   * `dev`: http, loopback, private ranges and any port allowed (metadata still blocked).
   * `langgraph`: LangGraph's defaults — https only, loopback blocked, private allowed, any port.
   * @default 'safe'
   */
  profile?: 'safe' | 'dev' | 'langgraph';
  /** Exact host names (case-insensitive) or `*.domain` (any depth below, never the apex). */
  allowed_domains?: string[];
  require_https?: boolean;
  /** Allowed ports (explicit, else 443/80). Empty: any. */
  allowed_ports?: number[];
  disable_loopback?: boolean;
  disable_private_ips?: boolean;
  /** @default 2048 */
  max_url_length?: number;
  allowedDomains?: string[];
  requireHttps?: boolean;
  allowedPorts?: number[];
  disableLoopback?: boolean;
  disablePrivateIps?: boolean;
  maxUrlLength?: number;
}

/** A URL that passed the policy. Send to `url` (WHATWG-normalised), not to the input. */
export interface CheckedWebhookUrl {
  url: string;
  host: string;
  hostType: 'domain' | 'ipv4' | 'ipv6';
  port: number;
  /** The host matched `allowed_domains` (only metadata/link-local blocks still apply). */
  allowlisted: boolean;
  /** The host is a name: its resolved addresses must still be checked before connecting. */
  needsDns: boolean;
}

/**
 * Checks a webhook URL without DNS, in LangGraph's order with LangGraph's messages
 * (`Webhook must use https`, `Webhook host blocked: cloud metadata endpoint`, ...).
 * Throws `ERR_RUNWIRE_URL_POLICY` (or `ERR_RUNWIRE_URL_POLICY_CONFIG` for a bad policy).
 */
export declare function validateWebhookUrl(url: string, policy?: UrlPolicy): CheckedWebhookUrl;

/** Checks a URL and every address its host resolved to; one blocked address refuses it. */
export declare function checkWebhookAddresses(url: string, addresses: string[], policy?: UrlPolicy): CheckedWebhookUrl;

/** `null` if a webhook may connect to `ip` under `policy`, else why not. */
export declare function classifyIp(
  ip: string,
  policy?: UrlPolicy,
): null | 'metadata' | 'loopback' | 'private' | 'link_local' | 'reserved' | 'invalid';

export interface HeaderTemplateOptions {
  /** Variables templates may read. Node defaults to `process.env`; required in the web build. */
  env?: Record<string, string | undefined>;
  /** Required prefix of referenced variables; `null` reproduces LangGraph's error. @default 'LG_WEBHOOK_' */
  envPrefix?: string | null;
  /** Allow `envPrefix: ''` (any variable). @default false */
  allowAnyEnv?: boolean;
}

/**
 * Resolves `${{ env.VAR }}` templates in static header values (once, at sink creation).
 * Throws `ERR_RUNWIRE_HEADER_TEMPLATE` with LangGraph's messages; CR/LF in a value is refused.
 */
export declare function resolveHeaderTemplates(
  headers: Record<string, string>,
  options?: HeaderTemplateOptions,
): Record<string, string>;

/** LangGraph-style query-token auth: appends `token=<token>` (percent-encoded). */
export declare function withQueryToken(url: string, token: string, options?: { name?: string }): string;

/** The URL with query values and password replaced by `***`, safe to log. */
export declare function redactUrl(url: string): string;

// ---------------------------------------------------------------------------------------------
// Receivers: verify, dedupe, handle once
// ---------------------------------------------------------------------------------------------

/** A dedupe store: `claim` returns false for an id already claimed within its TTL. */
export interface DedupeStore {
  claim(id: string, ttlMs: number): boolean | Promise<boolean>;
  release(id: string): void | Promise<void>;
}

/** The default in-memory store. @param options.ttlMs default 7 days */
export declare function createMemoryDedupeStore(options?: {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}): DedupeStore & { readonly size: number };

export interface WebhookMeta extends VerifiedWebhook {
  /** The raw body bytes that were verified. */
  body: Uint8Array;
  /** The request's headers as received: a fetch `Headers` or Node's `IncomingHttpHeaders`. */
  headers: HeadersLike;
  /** For an event that arrived in a batch: the batch's id, the item's index, the batch size. */
  batch?: { id: string; index: number; size: number };
}

/** One event of a batch body (`{"type":"runwire.batch","id":…,"timestamp":…,"data":[…]}`). */
export interface BatchItem<T = unknown> {
  /** The event's own id (its `webhook-id` had it been sent alone): dedupe on it. */
  id: string;
  type: string;
  timestamp: string;
  data: T;
  truncated?: boolean;
  original_bytes?: number;
  sha256?: string;
}

export interface ReceiverOptions<T = unknown> {
  secrets: string | string[];
  /** Called once per webhook id; throw to answer 500 (the sender retries). */
  onWebhook(payload: T, meta: WebhookMeta): void | Promise<void>;
  scheme?: VerifyWebhookOptions['scheme'];
  toleranceSec?: number;
  githubHeader?: string;
  now?: Date | number;
  /** A store, or `false` to disable dedupe. @default createMemoryDedupeStore() */
  dedupe?: DedupeStore | false;
  /** Integer 1–31536000000. @default 604800000 (7 days: the retry horizon plus a redrive window) */
  dedupeTtlMs?: number;
  parse?(body: Uint8Array): T;
  /** Receives verification and handler errors (never containing secrets). */
  onError?(error: unknown): void;
  /** Integer 1–67108864. @default 1048576 */
  maxBodyBytes?: number;
  /**
   * Batches (`runwire.batch` bodies): `'event'` calls `onWebhook` once per new item (deduped
   * per item id, in order); `'batch'` once with the array of new items. @default 'event'
   */
  batchDelivery?: 'event' | 'batch';
}

/** Fetch-style receiver for Workers, Deno, Bun, Hono: `(Request) => Promise<Response>`. */
export declare function webhookHandler<T = unknown>(options: ReceiverOptions<T>): (request: Request) => Promise<Response>;

/**
 * What the middleware reads from a request: Node's `IncomingMessage` and Express's `Request` fit.
 * A body already read by `express.raw()` (`Uint8Array`) or a `rawBody` is used as-is.
 */
export interface NodeRequestLike {
  method?: string;
  headers: HeadersLike;
  body?: unknown;
  rawBody?: unknown;
  readableEnded?: boolean;
  on(event: 'data' | 'end' | 'error', listener: (...args: any[]) => void): unknown;
  destroy?(error?: Error): unknown;
}

/** What the middleware writes to: Node's `ServerResponse` and Express's `Response` fit. */
export interface NodeResponseLike {
  statusCode: number;
  readonly headersSent?: boolean;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Node `http` / Express / Connect middleware; mount before any JSON body parser (or after
 * `express.raw()`). Without `next` (plain `http.createServer`) it answers everything itself.
 */
export declare function webhookMiddleware<T = unknown>(
  options: ReceiverOptions<T>,
): (req: NodeRequestLike, res: NodeResponseLike, next?: (err?: unknown) => void) => Promise<void>;

// ---------------------------------------------------------------------------------------------
// Delivery: signed webhooks with retries, dead letters, idempotency ids, drain and fan-out
// ---------------------------------------------------------------------------------------------

/** LangChain event names a sink can receive (plus any other `on_*` name). */
export type DeliveryEventName =
  | 'on_custom_event'
  | 'on_tool_end'
  | 'on_chain_end'
  | 'on_llm_end'
  | 'on_chat_model_end'
  | 'on_agent_action'
  | 'on_agent_finish'
  /** A run-completion webhook (createRunWebhookHandler). */
  | 'run_completed'
  | (string & {});

export interface WebhookSinkOptions {
  /** @default "webhook" */
  type?: 'webhook';
  /** Name for stats, hooks and dead letters (never a secret). @default "default" / "sink<i>" */
  name?: string;
  /** Target URL (http: or https:). Redirects are never followed. */
  url: string;
  /** Standard Webhooks `whsec_` secret(s), current first (several sign each message: rotation). */
  secret?: string | string[];
  /** Signature headers to send. @default "standard" */
  scheme?: 'standard' | 'github' | 'both';
  /** Key of the GitHub-style `sha256=` signature (its UTF-8 bytes). @default secret (github scheme) */
  githubSecret?: string;
  /** @default "X-Signature-256" */
  githubHeader?: string;
  /**
   * Static headers; may not override the ones runwire sets (content-type, webhook-*,
   * idempotency-key, content-length, the GitHub header) nor the HTTP client's (host, connection,
   * keep-alive, proxy-connection, transfer-encoding, te, trailer, upgrade, expect).
   */
  headers?: Record<string, string>;
  /** Total time per request, integer 1–600000 ms. @default 15000 */
  timeoutMs?: number;
  /** Waits before retry 1, 2, … (at most 32, each 0–604800000 ms); attempts = length + 1. @default [1000, 5000, 30000] */
  retryDelaysMs?: number[];
  /** ±20% jitter (upward only when honouring Retry-After). @default true */
  jitter?: boolean;
  /** Concurrent requests to this sink, integer 1–1024. @default 16 */
  concurrency?: number;
  /** Events that may be pending for this sink (1–1000000; queued, waiting a retry, waiting for their run, in flight); at the limit `overflow` applies. @default 100000 */
  queueCapacity?: number;
  /** Events this sink receives, or `"*"`. @default the seed taxonomy (custom events, tool ends, named chain ends, LLM ends, agent action/finish) */
  events?: DeliveryEventName[] | '*';
  /** At `queueCapacity`: dead-letter the new event (`queue_full`), dead-letter the oldest unattempted one, or refuse the `send` (`ERR_RUNWIRE_BACKPRESSURE`). @default 'deadLetter' */
  overflow?: DeliveryOverflow;
  /** `'run'`: a root run's events are delivered one at a time in emit order (see README). @default 'none' */
  ordering?: 'run' | 'none';
  /** Group ready events into one delivery (`runwire.batch` body; one signature). `true` = defaults. @default off */
  batch?: boolean | BatchOptions;
  /**
   * URL policy for this sink, checked at creation (throws `ERR_RUNWIRE_URL_POLICY` with
   * LangGraph's message) and before every send (dead letter `url_policy`). The addon also vets
   * every resolved address and connects only to those. @default the safe profile (https, ports
   * 443/80, no loopback/private/metadata); `{ profile: 'dev' }` for local receivers.
   */
  urlPolicy?: UrlPolicy;
  /** LangGraph-style query-token auth: appended as `?token=<value>`. */
  queryToken?: string;
  /** Per-endpoint health: circuit breaker, rate limit, auto-disable. Deferrals spend no retry. @default off */
  health?: EndpointHealthOptions;
}

export type DeliveryOverflow = 'deadLetter' | 'dropOldest' | 'reject';

export interface BatchOptions {
  /** Most events per batch. @default 100 */
  maxEvents?: number;
  /** Most body bytes per batch (a single larger event still goes, alone). @default 262144 */
  maxBytes?: number;
  /** How long the oldest ready event waits for the batch to fill. @default 20 */
  lingerMs?: number;
}

export interface BreakerOptions {
  /** @default 300000 */
  windowMs?: number;
  /** @default 10 */
  buckets?: number;
  /** Fewest outcomes in the window before the breaker may trip. @default 10 */
  minRequests?: number;
  /** Trip at this failure percentage. @default 70 */
  failurePercent?: number;
  /** Time open before one half-open probe. @default 30000 */
  openMs?: number;
}

export interface EndpointHealthOptions {
  /** `true` for the defaults (Convoy's). */
  breaker?: boolean | BreakerOptions;
  /** Token bucket: `capacity` requests per `perMs`, bursts up to `capacity`. */
  rateLimit?: { capacity: number; perMs: number };
  /** Disable the endpoint after failing (no success) for this long. */
  disableAfterMs?: number;
  /** Disable after this many consecutive breaker trips. */
  disableAfterTrips?: number;
}

export type DeadLetterReason =
  | 'exhausted'
  | 'permanent_4xx'
  | 'gone'
  | 'redirect'
  | 'url_policy'
  | 'payload_too_large'
  | 'endpoint_disabled'
  | 'shutdown'
  | 'queue_full'
  | 'rejected'
  | 'invalid_payload'
  | 'malformed_entry';

export interface DeliveryAttempt {
  at_ms: number;
  status?: number;
  /** `timeout`, `network: …`, `blocked: …`, `shutdown` when there was no response. */
  error?: string;
  duration_ms: number;
  /** First bytes of the response body (≤ 1024). */
  snippet?: string;
}

/** A replayable dead letter: the exact body that was signed, the stable id, every attempt. */
export interface DeadLetter {
  id: string;
  sink: string;
  run_id: string;
  event: string;
  body: string;
  reason: DeadLetterReason;
  attempts: DeliveryAttempt[];
  accepted_at_ms: number;
  dead_lettered_at_ms: number;
}

export interface DeliveryHookEvent {
  type:
    | 'attempt.failed'
    | 'message.exhausted'
    | 'message.dead_lettered'
    | 'endpoint.disabled'
    | 'breaker.state_changed'
    | 'dlq.write_failed'
    | 'queue.full'
    | 'queue.available'
    | 'spool.corrupt'
    | 'spool.full'
    | 'spool.write_failed';
  /** Absent on `spool.*` events. */
  sink: string;
  /** Absent on `spool.*` events. */
  id: string;
  /** Absent on `spool.*` events. */
  attempt: number;
  status?: number;
  error?: string;
  next_delay_ms?: number;
  /** `spool.corrupt`: the damaged segment file, where the skipped bytes start, how many. */
  file?: string;
  offset?: number;
  bytes?: number;
  /** `spool.corrupt`: the region runs to the end of the file (a torn last write). */
  torn_tail?: boolean;
  /** `spool.full`: the limit reached. */
  max_bytes?: number;
  /** `spool.write_failed`: how many events of the failed group are now delivered from memory only. */
  events?: number;
  /** The dead-letter reason, or for a health-driven `endpoint.disabled`: `sustained_failure` / `repeated_trips`. */
  reason?: DeadLetterReason | 'sustained_failure' | 'repeated_trips';
  /** `breaker.state_changed`: the new state. */
  state?: 'open' | 'half_open' | 'closed';
}

export interface DeliveryHooks {
  onEvent?(event: DeliveryHookEvent): void;
  onAttemptFailed?(event: DeliveryHookEvent): void;
  onExhausted?(event: DeliveryHookEvent): void;
  onDeadLettered?(event: DeliveryHookEvent): void;
  onEndpointDisabled?(event: DeliveryHookEvent): void;
  onDlqWriteFailed?(event: DeliveryHookEvent): void;
  onBreakerStateChanged?(event: DeliveryHookEvent): void;
  /** A sink reached its `queueCapacity` (backpressure on). */
  onQueueFull?(event: DeliveryHookEvent): void;
  /** A full sink fell below three quarters of its capacity (backpressure off). */
  onQueueAvailable?(event: DeliveryHookEvent): void;
  /** Recovery skipped a damaged region of a spool segment (`file`, `offset`, `bytes`, `torn_tail`). */
  onSpoolCorrupt?(event: DeliveryHookEvent): void;
  /** The spool reached `maxBytes`: `send()` throws `ERR_RUNWIRE_SPOOL_FULL` until it has room. */
  onSpoolFull?(event: DeliveryHookEvent): void;
  /** A spool write or fsync failed (`error`); that group is delivered from memory, not durable. */
  onSpoolWriteFailed?(event: DeliveryHookEvent): void;
  /** A hook, the dead-letter callback or the handler threw / failed to serialise. */
  onError?(error: unknown): void;
}

/** What a send-callback sink receives per attempt (`body` is the exact canonical body). */
export interface CallbackSinkMessage {
  /** The event id, or for a batch the batch id. */
  id: string;
  /** The LangChain event name, or `'runwire_batch'` for a batch. */
  event: string;
  run_id: string;
  attempt: number;
  body: string;
  /** A batch's items, parsed, in delivery order (only when `event` is `'runwire_batch'`). */
  events?: BatchItem[];
}

/**
 * A sink that is a JS function, driven by the same engine (queue, workers, retries, DLQ). Resolve
 * to deliver; resolve `false` to dead-letter (`rejected`); throw or reject to retry on the schedule.
 * In the addon it is called from the engine's threads through a threadsafe function.
 */
export interface CallbackSinkOptions {
  name?: string;
  send(message: CallbackSinkMessage): unknown | Promise<unknown>;
  retryDelaysMs?: number[];
  jitter?: boolean;
  concurrency?: number;
  queueCapacity?: number;
  events?: DeliveryEventName[] | '*';
  overflow?: DeliveryOverflow;
  ordering?: 'run' | 'none';
  /** One call per batch (`event: 'runwire_batch'`, `events` = the items). */
  batch?: boolean | BatchOptions;
}

/** Engine and signing options every native queue sink shares (Node addon only). */
export interface QueueSinkCommonOptions {
  /** Name for stats, hooks and dead letters. @default "default" / "sink<i>" */
  name?: string;
  /**
   * Standard Webhooks `whsec_` secret(s): each record then carries `webhook-id`,
   * `webhook-timestamp`, `webhook-signature` so a consumer verifies it like a webhook. @default unsigned
   */
  secret?: string | string[];
  /** @default "standard" */
  scheme?: 'standard' | 'github' | 'both';
  githubSecret?: string;
  /** @default "x-signature-256" */
  githubHeader?: string;
  /** Time per attempt (connect, send, acknowledgement). @default 10000 */
  timeoutMs?: number;
  /** @default [1000, 5000, 30000] */
  retryDelaysMs?: number[];
  /** @default true */
  jitter?: boolean;
  /** Concurrent attempts; they share one connection (Redis pipelining, Kafka/SNS batches). @default 16 */
  concurrency?: number;
  /** @default 100000 */
  queueCapacity?: number;
  events?: DeliveryEventName[] | '*';
  health?: EndpointHealthOptions;
}

/**
 * Redis Streams: one `XADD <stream> MAXLEN ~ <maxLen> * id … type … event … run_id …
 * webhook-id … webhook-timestamp … webhook-signature … body <canonical JSON>` per event.
 */
export interface RedisSinkOptions extends QueueSinkCommonOptions {
  type: 'redis';
  /** `redis://[user[:password]@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  stream: string;
  /** Approximate stream length bound (`MAXLEN ~`); 0 = never trim. @default 100000 */
  maxLen?: number;
  /** ACL user (overrides the URL's). */
  username?: string;
  /** Password (overrides the URL's); never logged or dead-lettered. */
  password?: string;
  /**
   * `'job'`: unsigned job entries for `runwire worker` / {@link createWorker} processes (what
   * `createDelivery({ producer })` writes; no secret allowed). @default 'record'
   */
  format?: 'record' | 'job';
  /** With `format: 'job'`: the worker sinks to deliver to. @default all of the worker's sinks */
  deliverTo?: string[];
}

/**
 * Kafka: key = root run id (one run stays in order on one partition), value = canonical body,
 * headers = id, type, event, run_id and the signature headers; `acks = all`.
 */
export interface KafkaSinkOptions extends QueueSinkCommonOptions {
  type: 'kafka';
  /** Bootstrap brokers, `host:port`. */
  brokers: string | string[];
  /** Must exist (a missing topic dead-letters with `unknown_topic: …`). */
  topic: string;
  /** @default "runwire" */
  clientId?: string;
  /** TLS to the brokers; `{ ca }` adds a PEM CA to the webpki roots. @default false */
  tls?: boolean | { ca?: string };
  sasl?: { mechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** @default "none" */
  compression?: 'none' | 'gzip' | 'snappy';
  /** How long a partition's batch waits for more records. @default 5 */
  lingerMs?: number;
  /** @default 524288 */
  maxBatchBytes?: number;
}

/**
 * Amazon SNS: `Publish` (SigV4) of the canonical body with message attributes id, type, event,
 * run_id and the signature headers; FIFO topics get `MessageGroupId` = root run id and
 * `MessageDeduplicationId` = event id. Concurrent attempts are coalesced into `PublishBatch`.
 */
export interface SnsSinkOptions extends QueueSinkCommonOptions {
  type: 'sns';
  /** `arn:aws:sns:<region>:<account>:<topic>` (`.fifo` for FIFO topics). */
  topicArn: string;
  /** @default the ARN's region, else AWS_REGION */
  region?: string;
  /** Endpoint override (a VPC endpoint, LocalStack, moto). @default https://sns.<region>.amazonaws.com/ */
  endpoint?: string;
  /** @default AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * Coalesce concurrent single-event attempts into PublishBatch (≤ 10 entries, ≤ 256 KB). Not to
   * be confused with `batch`, the engine's batching (each engine batch is sent as PublishBatch
   * calls anyway). @default true
   */
  coalesce?: boolean;
  /** How long a batch waits for company. @default 2 */
  lingerMs?: number;
}

/** The addon's native queue sinks. The web build has none: use a {@link CallbackSinkOptions} sink around your own client. */
export type QueueSinkOptions = RedisSinkOptions | KafkaSinkOptions | SnsSinkOptions;

/**
 * Where dead letters go: files (`{ dir }`), a Redis stream (`{ redis, stream }`, addon only: one
 * `XADD` per record, the record JSON in field `record`; `runwire dlq` and `runwire replay` read it
 * as `redis://host:port#stream`), or your function.
 */
export type DeadLetterTarget =
  | { dir: string }
  | { redis: string; stream: string; /** `MAXLEN ~`; 0 = never trim. @default 100000 */ maxLen?: number }
  | ((record: DeadLetter) => void | Promise<void>);

/**
 * Producer mode of `createDelivery` (addon only): `send` only `XADD`s each event as a job entry
 * (id, type, event, run ids, accepted time, the exact canonical body, the worker sinks to use —
 * never a secret or a signature) to a Redis stream, for `runwire worker` / {@link createWorker}
 * processes to deliver. The XADD itself has the engine's retries, dead letters and drain.
 */
export interface ProducerOptions {
  /** `redis://[user[:password]@]host[:port][/db]`, or `rediss://`. */
  url: string;
  /** The job stream the workers read. */
  stream: string;
  /** Approximate stream length bound (`MAXLEN ~`); 0 = never trim. Keep it above the backlog you expect. @default 100000 */
  maxLen?: number;
  /** The worker sinks (by name) to deliver to. @default all of the worker's sinks */
  deliverTo?: string[];
  /** Events written to the stream. @default the default event list of a sink */
  events?: DeliveryEventName | DeliveryEventName[] | '*';
  username?: string;
  password?: string;
  /** Per-XADD timeout (1–600000 ms). @default 10000 */
  timeoutMs?: number;
  retryDelaysMs?: number[];
  concurrency?: number;
  queueCapacity?: number;
  overflow?: 'deadLetter' | 'dropOldest' | 'reject';
}

/** `createDelivery({ producer })`: the same options as {@link DeliveryOptions}, a producer instead of sinks. */
export interface ProducerDeliveryOptions extends Omit<DeliveryOptions, 'sinks'> {
  producer: ProducerOptions;
  sinks?: never;
}

export interface DeliveryOptions {
  sinks: Array<WebhookSinkOptions | CallbackSinkOptions | QueueSinkOptions>;
  /**
   * Where dead letters go. Addon default: files under `.runwire/dlq/YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json`
   * (`{ dir }` to choose; the same in Node's WebAssembly fallback; the web build has no file DLQ and
   * refuses `{ dir }` with `ERR_RUNWIRE_INVALID_ARGUMENT`). A function receives each record instead (the web build's store; without
   * one the web build reports dead letters with `console.error`). The function is awaited, with
   * any promise it returns: when `drain()` resolves, every dead letter has reached it.
   */
  dlq?: DeadLetterTarget;
  hooks?: DeliveryHooks;
  /**
   * Node (addon and web build): when the event loop runs dry with work still pending (a script
   * that never called `drain()`), drain for up to this long (0–600000 ms) on `beforeExit`, then
   * dead-letter the rest (`shutdown`). Waiting retries do not keep Node alive by themselves.
   * `false` turns it off. @default 5000
   */
  exitDrainMs?: number | false;
  /** Byte cap of a body (512–65536); larger bodies are truncated field by field. @default 16384 */
  maxBodyBytes?: number;
  /** Character cap of any one string field (0–65536; the seed's tool-output cap); 0 = none. @default 4000 */
  maxFieldChars?: number;
  /** The URL policy of every sink without its own `urlPolicy`. @default the safe profile */
  urlPolicy?: UrlPolicy;
  /**
   * Addon only: how webhook host names are resolved at connect time, instead of the system
   * resolver (your own DNS, a service mesh's registry, or tests without DNS). Called once per
   * connection with the lower-cased name (no trailing dot); resolve to IP address strings.
   * Every address returned is vetted by the sink's URL policy exactly like a DNS answer — one
   * blocked address refuses the host, and the connection goes only to the vetted addresses. A
   * rejection, an empty list or a malformed answer is `Webhook host blocked: DNS resolution failed`
   * (the message is dead-lettered with reason `url_policy`; the error goes to `hooks.onError`).
   * The web build refuses this option: `fetch` resolves names itself.
   * @default the system resolver (getaddrinfo)
   */
  lookup?: (hostname: string) => Promise<string[]> | string[];
  /** Variables `${{ env.VAR }}` header templates may read. Node: `process.env`; web: required when templates are used. */
  env?: Record<string, string | undefined>;
  /** @default 'LG_WEBHOOK_' */
  envPrefix?: string | null;
  allowAnyEnv?: boolean;
  /** LangGraph's `http.disable_webhooks`: accept events, send nothing (counted as filtered). */
  disableWebhooks?: boolean;
  /**
   * Serverless: hand pending work to the current request's `waitUntil` published by Vercel
   * Functions or Next.js (`@vercel/request-context` / `@next/request-context`) whenever an event
   * is accepted, so the platform keeps the function alive until it is delivered. @default 'auto'
   */
  handoff?: 'auto' | false;
  /** Longest a hand-off keeps a request alive; then the rest is dead-lettered (`shutdown`). @default 25000 */
  handoffTimeoutMs?: number;
  /**
   * Addon only: the durable spool (README "Durable spool"). Accepted events are appended to
   * segment files in `dir` before the engine takes them; after a crash the next `createDelivery`
   * on the same `dir` redelivers what was pending, with the same ids and bodies. The web build
   * and the WebAssembly fallback refuse it (`ERR_RUNWIRE_INVALID_ARGUMENT`).
   */
  spool?: SpoolOptions;
}

export interface SpoolOptions {
  /** The spool directory (created if missing); one live delivery per directory, else `createDelivery` throws `ERR_RUNWIRE_SPOOL_LOCKED`. */
  dir: string;
  /**
   * `always`: an event counts as accepted only after fsync (group commit);
   * `batch`: written at once, fsync within 5 ms (and on `flush()`); `never`: the OS page cache.
   * @default 'batch'
   */
  fsync?: 'always' | 'batch' | 'never';
  /** A new segment file starts past this size (4096–2^30). @default 67108864 */
  segmentBytes?: number;
  /** `send()` throws `ERR_RUNWIRE_SPOOL_FULL` while the spool holds this many bytes (4096–2^50). @default no limit */
  maxBytes?: number;
}

/** `stats().spool`, with a spool. */
export interface SpoolStats {
  dir: string;
  fsync: 'always' | 'batch' | 'never';
  /** Bytes in the segment files. */
  bytes: number;
  segments: number;
  /** Events in the spool not yet delivered or dead-lettered. */
  pending: number;
  /** Handed over by `send()`, not yet written and given to the engine. */
  unpersisted: number;
  /** Accepted after a failed write: delivered from memory only. */
  not_durable: number;
  write_errors: number;
  /** Damaged regions skipped when the spool was opened. */
  corrupt: number;
  /** Events redelivered from an earlier process. */
  recovered: number;
  /** Whether `send()` refuses now (`maxBytes`, or a write error in the last second). */
  full: boolean;
}

/** Something with a platform `waitUntil`: a Workers `ExecutionContext`, or the function itself. */
export type WaitUntilTarget = { waitUntil(promise: Promise<unknown>): void } | ((promise: Promise<unknown>) => void);

export interface DeliveryCounters {
  accepted: number;
  delivered: number;
  dead_lettered: number;
  pending: number;
  filtered: number;
  attempts: number;
  failed_attempts: number;
  dlq_write_errors: number;
  /** Refused by `overflow: 'reject'` (never accepted). */
  rejected: number;
  /** Gauges of `pending`: ready for a worker, waiting a retry / health deferral, waiting for their run, being attempted. */
  queued: number;
  delayed: number;
  waiting: number;
  in_flight: number;
}

/** `accepted = delivered + dead_lettered + pending + filtered`, in total and per sink. */
export interface DeliveryStats extends DeliveryCounters {
  sinks: Array<DeliveryCounters & { name: string; disabled: boolean; backpressure: boolean }>;
  /** With `spool`. */
  spool?: SpoolStats;
}

export interface Delivery {
  /**
   * Accepts one event; false when every sink filtered it out. One call into the engine.
   * `rootRunId`: the root of its run tree, the unit of `ordering: 'run'` (default `runId`);
   * `endsRun`: its run emits nothing more (frees the run's id counters). Throws
   * `ERR_RUNWIRE_BACKPRESSURE` when a full sink with `overflow: 'reject'` refuses it, and
   * `ERR_RUNWIRE_SPOOL_FULL` when the spool cannot take it.
   */
  send(event: DeliveryEventName, runId: string, data: unknown, options?: { rootRunId?: string; endsRun?: boolean }): boolean;
  /** Whether some sink has `ordering: 'run'`. */
  readonly ordered: boolean;
  /** Whether any sink receives `event`. */
  wants(event: DeliveryEventName): boolean;
  /** Waits for pending work; at `timeoutMs` dead-letters the rest (`shutdown`). Use with `ctx.waitUntil`. @default 30000 */
  drain(timeoutMs?: number): Promise<DeliveryStats>;
  /**
   * Serverless and edge: hands pending work — now, and for events accepted later while no
   * Vercel/Next request context is visible — to `ctx.waitUntil`, so the response is not delayed
   * and nothing is lost when the platform ends the function. Call it at the start of each request.
   */
  waitUntil(ctx: WaitUntilTarget): Promise<void>;
  /**
   * With `spool`: resolves `true` once every event accepted so far is durable per the `fsync`
   * mode (`false` at `timeoutMs`). Without: `true` at once. @default 30000
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Stops accepting, drains, stops the workers. */
  close(timeoutMs?: number): Promise<DeliveryStats>;
  stats(): DeliveryStats;
  /** Re-sends a dead letter with the same id and a fresh timestamp and signature. */
  replay(record: DeadLetter | string, options?: { sink?: string }): void;
  /** A LangChain callback handler feeding this delivery. */
  handler(options?: WebhookHandlerOptions): WebhookHandler;
  /**
   * Accepts a finished run's LangGraph-compatible completion webhook (id `{run_id}:run_completed`)
   * for sinks whose `events` include `run_completed`; false when filtered out.
   */
  sendRunCompletion(run: RunCompletion): boolean;
  /** Whether `disableWebhooks` is on. */
  readonly disabled: boolean;
}

export interface WebhookHandlerOptions {
  /** @default "runwire" */
  name?: string;
  /** Forward `on_chain_end` of unnamed plumbing (RunnableSequence, RunnableLambda, …) too. @default false */
  forwardUnnamedChains?: boolean;
  onError?(error: unknown): void;
}

/**
 * A LangChain callback handler as a plain object: pass it as `callbacks: [handler]` at invoke
 * time (LangChain `invoke`/`stream`/`streamEvents`, LangGraph `graph.invoke`, …). Its methods are
 * declared with the argument order LangChain calls them with, so TypeScript accepts it wherever
 * @langchain/core (0.3.x or 1.x) takes `callbacks` — without runwire's types importing LangChain.
 * It has no `handleLLMNewToken`: tokens are never forwarded.
 */
export interface WebhookHandler {
  readonly name: string;
  /** LangChain runs it in the background: the agent never waits for delivery. */
  readonly awaitHandlers: false;
  readonly raiseError: false;
  readonly ignoreRetriever: true;
  /** The delivery engine the handler feeds: `drain()`, `stats()`, `replay()`. */
  readonly delivery: Delivery;
  handleCustomEvent(eventName: string, data: any, runId: string, tags?: string[], metadata?: Record<string, any>): void;
  handleToolStart(
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void;
  handleToolEnd(output: any, runId: string, parentRunId?: string, tags?: string[]): void;
  handleToolError(error: any, runId: string, parentRunId?: string, tags?: string[]): void;
  handleChainStart(
    chain: unknown,
    inputs: any,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
    extra?: Record<string, unknown>,
  ): void;
  handleChainEnd(outputs: any, runId: string, parentRunId?: string, tags?: string[], kwargs?: { inputs?: Record<string, unknown> }): void;
  handleChainError(error: any, runId: string, parentRunId?: string, tags?: string[], kwargs?: { inputs?: Record<string, unknown> }): void;
  handleLLMStart(
    llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void;
  handleChatModelStart(
    llm: unknown,
    messages: any[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void;
  handleLLMEnd(output: any, runId: string, parentRunId?: string, tags?: string[], extraParams?: Record<string, unknown>): void;
  handleLLMError(error: any, runId: string, parentRunId?: string, tags?: string[], extraParams?: Record<string, unknown>): void;
  handleAgentAction(action: any, runId: string, parentRunId?: string, tags?: string[]): void;
  handleAgentEnd(action: any, runId: string, parentRunId?: string, tags?: string[]): void;
}

/** Starts a delivery engine (workers on tokio threads in the addon, on JS promises on the web). */
export declare function createDelivery(options: DeliveryOptions | ProducerDeliveryOptions): Delivery;

/** `createDelivery(options).handler(options)`: the one-liner for LangChain users. */
export declare function createWebhookHandler(options: (DeliveryOptions | ProducerDeliveryOptions) & WebhookHandlerOptions): WebhookHandler;

/**
 * A Redis Streams consumer-group worker (`runwire worker` is this as a command). It reads the
 * job entries producers wrote (`createDelivery({ producer })`), delivers each through a normal
 * engine built from `sinks` (signing, retries, breaker, dead letters) with the producer's id and
 * exact body bytes, and `XACK`s an entry only after its final outcome. Entries another consumer
 * left unacknowledged for `claimIdleMs` (a crashed worker) are reclaimed with `XAUTOCLAIM`.
 */
export interface WorkerOptions {
  /** `redis://[user[:password]@]host[:port][/db]`, or `rediss://`. */
  redis: string;
  /** ACL user and password (override the URL's). */
  username?: string;
  password?: string;
  /** The job stream. */
  stream: string;
  /** The consumer group (created at the stream's start if missing). @default 'runwire' */
  group?: string;
  /** This worker's consumer name; unique per worker. @default '<hostname>-<pid>' */
  consumer?: string;
  /** Entries per `XREADGROUP` (1–10000). @default 256 */
  count?: number;
  /** `XREADGROUP` BLOCK time (1–60000 ms). @default 1000 */
  blockMs?: number;
  /** Unacknowledged entries at most (1–1000000): reading pauses at the bound. @default 4096 */
  maxInFlight?: number;
  /** Reclaim entries other consumers left unacknowledged this long (100 ms – 7 days). @default 30000 */
  claimIdleMs?: number;
  /** Per Redis command (1–600000 ms). @default 10000 */
  timeoutMs?: number;
  /** `close()`'s default drain time. @default 30000 */
  drainTimeoutMs?: number;
  /** The sinks jobs are delivered to (a job may name a subset, `deliverTo`). */
  sinks: Array<WebhookSinkOptions | CallbackSinkOptions | QueueSinkOptions>;
  /** Dead letters, including entries the worker cannot read (reason `malformed_entry`). @default files under .runwire/dlq */
  dlq?: DeadLetterTarget;
  hooks?: DeliveryHooks;
  maxBodyBytes?: number;
  maxFieldChars?: number;
  urlPolicy?: UrlPolicy;
  lookup?: (hostname: string) => Promise<string[]> | string[];
  env?: Record<string, string | undefined>;
  envPrefix?: string | null;
  allowAnyEnv?: boolean;
}

export interface WorkerStats {
  /** Entries read with XREADGROUP. */
  read: number;
  /** Entries acknowledged (XACK). */
  acked: number;
  /** Entries reclaimed from other consumers (XAUTOCLAIM). */
  claimed: number;
  /** Entries read or claimed and not acknowledged yet. */
  in_flight: number;
  /** Entries dead-lettered as `malformed_entry`. */
  malformed: number;
  ack_errors: number;
  read_errors: number;
  /** The engine's counters. */
  delivery: DeliveryStats;
}

export interface Worker {
  /** The consumer name it reads as. */
  readonly consumer: string;
  stats(): WorkerStats;
  /** Stops reading, drains (what is left at `timeoutMs` is dead-lettered as `shutdown`), acknowledges, stops. */
  close(timeoutMs?: number): Promise<WorkerStats>;
}

/**
 * Starts a worker (addon only; the web build rejects with `ERR_RUNWIRE_INVALID_CONFIG`). Rejects
 * with `ERR_RUNWIRE_INVALID_CONFIG` when Redis cannot be reached or refuses the group.
 */
export declare function createWorker(options: WorkerOptions): Promise<Worker>;

export interface SimulationStep {
  status?: number;
  error?: 'timeout' | 'network';
  retryAfter?: string;
}

/** Runs one message through the real engine under a virtual clock, for schedule tests. */
export declare function simulateDelivery(input: {
  retryDelaysMs?: number[];
  jitter?: boolean;
  seed?: number;
  startMs?: number;
  responses: SimulationStep[];
  fallback?: SimulationStep;
}): {
  sleepsMs: number[];
  attempts: number;
  statuses: Array<number | null>;
  delivered: boolean;
  reason: DeadLetterReason | null;
};

// ---------------------------------------------------------------------------------------------
// Run-completion webhooks (LangGraph Platform compatible)
// ---------------------------------------------------------------------------------------------

/** LangGraph's final run statuses. A graph stopped at `interrupt()` is `success` (LangGraph's rule). */
export type RunStatus = 'success' | 'error' | 'timeout' | 'interrupted';

/** A finished run, as `runWebhookPayload` and `Delivery.sendRunCompletion` take it. */
export interface RunCompletion {
  run_id: string;
  thread_id?: string | null;
  assistant_id: string;
  status: RunStatus;
  metadata?: Record<string, unknown>;
  kwargs?: Record<string, unknown>;
  /** @default 'reject' */
  multitask_strategy?: string;
  started_at_ms: number;
  ended_at_ms: number;
  /** Omitted from the payload when absent. */
  values?: unknown;
  /** For `error` / `timeout` / `interrupted`; defaults: `TimeoutError`, `UserInterrupt`. */
  error?: { error: string; message: string };
  /** Pending graph interrupts (runwire's addition, only with status `success`). */
  interrupts?: Array<{ id?: string; value: unknown }>;
  /** LangGraph's `webhooks.allowed_fields`. */
  allowed_fields?: string[];
}

/** The JSON a run webhook carries: LangGraph.js server key order, `error` last when present. */
export interface RunWebhookPayload {
  run_id: string;
  thread_id: string | null;
  assistant_id: string;
  status: RunStatus;
  metadata: Record<string, unknown>;
  kwargs: Record<string, unknown>;
  multitask_strategy: string;
  created_at: string;
  updated_at: string;
  run_started_at: string;
  run_ended_at: string;
  webhook_sent_at: string;
  values?: unknown;
  interrupts?: Array<{ id?: string; value: unknown }>;
  error?: { error: string; message: string };
}

/** The `langgraph.json` parts runwire reads (as LangGraph does), or the same object inline. */
export interface LangGraphConfig {
  webhooks?: {
    /** @default 'LG_WEBHOOK_' */
    env_prefix?: string | null;
    url?: {
      allowed_domains?: string[];
      require_https?: boolean;
      allowed_ports?: number[];
      max_url_length?: number;
      disable_loopback?: boolean;
      disable_private_ips?: boolean;
    };
    /** Static headers; values may contain `${{ env.LG_WEBHOOK_… }}`, resolved once at start-up. */
    headers?: Record<string, string>;
    allowed_fields?: string[];
  };
  http?: { disable_webhooks?: boolean; [key: string]: unknown };
  [key: string]: unknown;
}

/** What `readLangGraphWebhooks` makes of a `langgraph.json`. */
export interface LangGraphWebhookSettings {
  urlPolicy: UrlPolicy;
  headers?: Record<string, string>;
  allowedFields?: string[];
  disableWebhooks: boolean;
}

export interface RunWebhookOptions extends Omit<WebhookSinkOptions, 'url' | 'events' | 'name'>,
  Omit<DeliveryOptions, 'sinks'> {
  /** The receiver (one sink named `name`). Or give `sinks`, or an existing `delivery`. */
  url?: string;
  /** Sink name in stats, hooks and dead letters. @default 'run-webhook' */
  name?: string;
  /** Several destinations; each without `events` receives only `run_completed`. */
  sinks?: Array<WebhookSinkOptions | CallbackSinkOptions>;
  /** An existing delivery (from `createDelivery`) whose sinks list `run_completed` (or `"*"`). */
  delivery?: Delivery;
  /** A parsed `langgraph.json` (or the same object inline): url policy, headers, allowed_fields, disable switch. */
  langgraph?: LangGraphConfig | string;
  /** `assistant_id` of every run. @default configurable.assistant_id, else the root run's name */
  assistantId?: string;
  /** A compiled graph with a checkpointer: `values` (and interrupts) are read with `graph.getState()` after the run. */
  graph?: { getState(config: { configurable: { thread_id: string } }): Promise<any> };
  /** Add `interrupts` to the payload of a graph waiting at `interrupt()`. @default true */
  interrupts?: boolean;
  /** @default 'reject' */
  multitaskStrategy?: string;
  /** Handler name LangChain shows. @default 'runwire-run-webhook' */
  handlerName?: string;
  onError?(error: unknown): void;
}

/** A LangChain callback handler (also a standalone-run handler): one webhook per root run. */
export interface RunWebhookHandler {
  readonly name: string;
  readonly awaitHandlers: true;
  /** The engine; `drain`/`close` first wait for root runs still ending (e.g. after a timeout). */
  readonly delivery: Delivery;
  /** Root runs whose webhook is not yet handed to the engine. */
  pendingRuns(): number;
  readonly raiseError: false;
  handleChainStart(
    chain: unknown,
    inputs: any,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void;
  handleChainEnd(outputs: any, runId: string): void;
  handleChainError(error: any, runId: string): void;
  handleToolStart(tool: unknown, input: string, runId: string, parentRunId?: string): void;
  handleToolEnd(output: any, runId: string): void;
  handleToolError(error: any, runId: string): void;
  handleLLMStart(llm: unknown, prompts: string[], runId: string, parentRunId?: string): void;
  handleChatModelStart(llm: unknown, messages: any[][], runId: string, parentRunId?: string): void;
  handleLLMEnd(output: any, runId: string): void;
  handleLLMError(error: any, runId: string): void;
}

/**
 * Attach with `callbacks: [hook]` to a compiled LangGraph graph (`invoke`, `stream`,
 * `streamEvents`), any Runnable, or runwire's `streamEvents(fn, …)` / `invokeRun`: when the root
 * run ends, one signed, LangGraph-compatible run webhook goes through the delivery engine.
 */
export declare function createRunWebhookHandler(options: RunWebhookOptions): RunWebhookHandler;

/** The exact JSON text runwire sends for a finished run. @default maxBytes 65536 */
export declare function runWebhookPayload(run: RunCompletion, options?: { sentAt?: Date | number; maxBytes?: number }): string;

/**
 * Reads `langgraph.json`'s `webhooks` section and `http.disable_webhooks` as LangGraph does; throws
 * LangGraph's messages (`err.code` `ERR_RUNWIRE_LANGGRAPH_CONFIG`, `ERR_RUNWIRE_HEADER_TEMPLATE`,
 * `ERR_RUNWIRE_URL_POLICY_CONFIG`).
 */
export declare function readLangGraphWebhooks(
  config: LangGraphConfig | string,
  options?: { env?: Record<string, string | undefined>; allowAnyEnv?: boolean },
): LangGraphWebhookSettings;
