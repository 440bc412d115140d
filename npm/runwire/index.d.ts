/**
 * runwire — emit and ship LangChain.js agent events.
 *
 * The same declarations describe both entries: `runwire` (the Node addon in Node.js, the web
 * build elsewhere) and `runwire/web` (always the web build). A test checks that both entries
 * export the same names.
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

// ---------------------------------------------------------------------------------------------
// Custom events (drop-in for @langchain/core/callbacks/dispatch and .../dispatch/web)
// ---------------------------------------------------------------------------------------------

/**
 * A handler as LangChain calls it: `handleCustomEvent(eventName, data, runId, tags, metadata)`
 * with exactly five arguments and `data` by reference. A LangChain `BaseCallbackHandler`
 * instance works as-is.
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
  [key: string]: unknown;
}

/**
 * A RunnableConfig as far as dispatch is concerned: LangChain's config (its `callbacks` is a
 * CallbackManager inside a run), or the config a runwire standalone run passes to its function.
 */
export interface RunConfig {
  callbacks?: unknown;
  tags?: string[];
  metadata?: Record<string, unknown>;
  configurable?: Record<string, unknown>;
  runName?: string;
  runId?: string;
  recursionLimit?: number;
  signal?: AbortSignal;
  timeout?: number;
  [key: string]: unknown;
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
  headers: HeadersLike;
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
  /** @default 604800000 (7 days: the retry horizon plus a redrive window) */
  dedupeTtlMs?: number;
  parse?(body: Uint8Array): T;
  /** Receives verification and handler errors (never containing secrets). */
  onError?(error: unknown): void;
  /** @default 1048576 */
  maxBodyBytes?: number;
}

/** Fetch-style receiver for Workers, Deno, Bun, Hono: `(Request) => Promise<Response>`. */
export declare function webhookHandler<T = unknown>(options: ReceiverOptions<T>): (request: Request) => Promise<Response>;

/** Node `http` / Express middleware; mount before any JSON body parser (or after `express.raw()`). */
export declare function webhookMiddleware<T = unknown>(
  options: ReceiverOptions<T>,
): (req: any, res: any, next?: (err?: unknown) => void) => Promise<void>;

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
  | (string & {});

export interface WebhookSinkOptions {
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
  /** Static headers; may not override the ones runwire sets. */
  headers?: Record<string, string>;
  /** Total time per request. @default 15000 */
  timeoutMs?: number;
  /** Waits before retry 1, 2, …; attempts = length + 1. @default [1000, 5000, 30000] */
  retryDelaysMs?: number[];
  /** ±20% jitter (upward only when honouring Retry-After). @default true */
  jitter?: boolean;
  /** Concurrent requests to this sink. @default 16 */
  concurrency?: number;
  /** Messages that may wait for this sink; beyond it they are dead-lettered (`queue_full`). @default 100000 */
  queueCapacity?: number;
  /** Events this sink receives, or `"*"`. @default the seed taxonomy (custom events, tool ends, named chain ends, LLM ends, agent action/finish) */
  events?: DeliveryEventName[] | '*';
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
  | 'invalid_payload';

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
    | 'dlq.write_failed';
  sink: string;
  id: string;
  attempt: number;
  status?: number;
  error?: string;
  next_delay_ms?: number;
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
  /** A hook, the dead-letter callback or the handler threw / failed to serialise. */
  onError?(error: unknown): void;
}

/** What a send-callback sink receives per attempt (`body` is the exact canonical body). */
export interface CallbackSinkMessage {
  id: string;
  event: string;
  run_id: string;
  attempt: number;
  body: string;
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
}

export interface DeliveryOptions {
  sinks: Array<WebhookSinkOptions | CallbackSinkOptions>;
  /**
   * Where dead letters go. Addon default: files under `.runwire/dlq/YYYY/MM/DD/<run_id>/<sink>/<sha256(id)>.json`
   * (`{ dir }` to choose; the same in Node's WebAssembly fallback). A function receives each record
   * instead (the web build's store; without
   * one the web build reports dead letters with `console.error`). The function is awaited, with
   * any promise it returns: when `drain()` resolves, every dead letter has reached it.
   */
  dlq?: { dir: string } | ((record: DeadLetter) => void | Promise<void>);
  hooks?: DeliveryHooks;
  /**
   * Addon: when Node's event loop runs dry with work still pending (a script that never called
   * `drain()`), drain for up to this long on `beforeExit`, then dead-letter the rest (`shutdown`).
   * The addon's worker threads do not keep Node alive by themselves. `false` turns it off.
   * @default 5000
   */
  exitDrainMs?: number | false;
  /** Byte cap of a body; larger bodies are truncated field by field. @default 16384 (max 65536) */
  maxBodyBytes?: number;
  /** Character cap of any one string field (the seed's tool-output cap); 0 = none. @default 4000 */
  maxFieldChars?: number;
  /** The URL policy of every sink without its own `urlPolicy`. @default the safe profile */
  urlPolicy?: UrlPolicy;
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
}

/** `accepted = delivered + dead_lettered + pending + filtered`, in total and per sink. */
export interface DeliveryStats extends DeliveryCounters {
  sinks: Array<DeliveryCounters & { name: string; disabled: boolean }>;
}

export interface Delivery {
  /** Accepts one event; false when every sink filtered it out. One call into the engine. */
  send(event: DeliveryEventName, runId: string, data: unknown): boolean;
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
  /** Stops accepting, drains, stops the workers. */
  close(timeoutMs?: number): Promise<DeliveryStats>;
  stats(): DeliveryStats;
  /** Re-sends a dead letter with the same id and a fresh timestamp and signature. */
  replay(record: DeadLetter | string, options?: { sink?: string }): void;
  /** A LangChain callback handler feeding this delivery. */
  handler(options?: WebhookHandlerOptions): WebhookHandler;
}

export interface WebhookHandlerOptions {
  /** @default "runwire" */
  name?: string;
  /** Forward `on_chain_end` of unnamed plumbing (RunnableSequence, RunnableLambda, …) too. @default false */
  forwardUnnamedChains?: boolean;
  onError?(error: unknown): void;
}

/** A duck-typed LangChain callback handler: pass it as `callbacks: [handler]` at invoke time. */
export interface WebhookHandler {
  readonly name: string;
  readonly awaitHandlers: false;
  readonly delivery: Delivery;
  [method: `handle${string}`]: (...args: any[]) => void;
}

/** Starts a delivery engine (workers on tokio threads in the addon, on JS promises on the web). */
export declare function createDelivery(options: DeliveryOptions): Delivery;

/** `createDelivery(options).handler(options)`: the one-liner for LangChain users. */
export declare function createWebhookHandler(options: DeliveryOptions & WebhookHandlerOptions): WebhookHandler;

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
