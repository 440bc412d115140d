/**
 * runwire's own API, typed without LangChain: signing feeds verification, receivers take every
 * header shape they meet, option objects reject misspelt keys. Compiled in every module setting
 * and in a project that has no @langchain/core and no @types/node (see ../types.test.mjs), so
 * it imports nothing but runwire.
 */
import * as node from 'runwire';
import * as web from 'runwire/web';
import type { DeliveryOptions, HeadersLike, RunwireError, StandardWebhookHeaders, WebhookHandler } from 'runwire';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <T extends true>(value: T): T => value;

// Both entries have the same surface.
same<Equal<typeof node, typeof web>>(true);

const secret = node.generateSecret();
const body = node.canonicalJson({ type: 'agent.tool.end', data: { output: 'café ☕' } });
const bytes: Uint8Array = new TextEncoder().encode(body);

// signWebhook's result feeds verifyWebhook, fetch's HeadersInit and `new Headers()` directly.
const signed: StandardWebhookHeaders = node.signWebhook(body, { id: 'run-1:on_tool_end:0', secrets: [secret] });
const verified = node.verifyWebhook(body, signed, secret);
same<Equal<typeof verified.scheme, 'standard' | 'github' | 'stripe'>>(true);
const id: string | null = verified.id;
web.verifyWebhook(bytes, node.signGithubWebhook(bytes, secret), [secret], { scheme: 'github' });
web.verifyWebhook(body, node.signStripeWebhook(body, secret, { timestamp: 1 }), secret, { scheme: 'stripe', now: new Date() });
const init: RequestInit = { method: "POST", body, headers: signed };
const fetchHeaders = new Headers(signed);
node.verifyWebhook(body, fetchHeaders, secret, { toleranceSec: 60, now: Date.now() });
// Plain objects in any case, repeated values, and anything with get(name) (a Map) are headers too.
node.verifyWebhook(body, { 'Webhook-Id': 'x', 'webhook-signature': ['v1,a', 'v1,b'], absent: undefined }, secret);
node.verifyWebhook(body, new Map(Object.entries(signed)), secret);
const asHeaders: HeadersLike = { ...signed, 'content-type': 'application/json' };

// Errors carry a stable code.
try {
  node.verifyWebhook(body, {}, secret);
} catch (error) {
  const code: string = (error as RunwireError).code;
  if (code === 'ERR_RUNWIRE_SIGNATURE_MISMATCH') void code;
}

// Receivers: a fetch handler gets a Request and answers a Response.
const fetchHandler: (request: Request) => Promise<Response> = web.webhookHandler<{ type: string }>({
  secrets: [secret],
  dedupe: web.createMemoryDedupeStore({ ttlMs: 60_000 }),
  onWebhook(payload, meta) {
    const type: string = payload.type;
    const received: Uint8Array = meta.body;
    void [type, received, meta.id, meta.headers];
  },
});
const redisLikeStore = { claim: async (_id: string, _ttlMs: number) => true, release: async (_id: string) => {} };
node.webhookMiddleware({ secrets: secret, dedupe: redisLikeStore, onWebhook: async () => {}, maxBodyBytes: 1024 });

// Delivery: sinks are webhooks or functions; the handler exposes its engine.
const options: DeliveryOptions = {
  sinks: [
    { name: 'ops', url: 'https://ops.example.com/hooks', secret, events: ['on_custom_event', 'on_tool_end'] },
    { name: 'local', url: 'http://127.0.0.1:3000/hook', secret, urlPolicy: { profile: 'dev' }, health: { breaker: true } },
    { name: 'fn', send: async (message) => message.body.length > 0 },
  ],
  dlq: async (record) => void record.attempts.map((attempt) => attempt.status),
  hooks: { onExhausted: (event) => void event.id },
};
const handler: WebhookHandler = node.createWebhookHandler({ ...options, name: 'runwire', forwardUnnamedChains: true });
const stats: Promise<{ accepted: number }> = handler.delivery.drain(5_000);
handler.handleCustomEvent('progress', { step: 1 }, 'run-id');
const delivery = web.createDelivery({ sinks: [{ send: () => undefined }], exitDrainMs: false });
const accepted: boolean = delivery.send('on_custom_event', 'run-id', { any: 'data' });

// Standalone runs: the function's config goes to dispatch and nested runs.
const records = node.streamEvents(
  async (question: string, config) => {
    await web.dispatchCustomEvent('progress', { question }, config);
    return web.invokeRun(async (q: string) => q.length, question, { ...config, runName: 'measure' });
  },
  'why?',
  { runName: 'agent', callbacks: [{ handleCustomEvent: (name: string, data: unknown) => void [name, data] }] },
);
const sse: AsyncIterable<Uint8Array> = node.streamEvents(async (x: number) => x, 1, { encoding: 'text/event-stream' });

// Endpoint safety.
const checked = node.validateWebhookUrl('https://api.corp.com/', { allowed_domains: ['*.corp.com'], maxUrlLength: 512 });
const port: number = checked.port;
node.resolveHeaderTemplates({ Authorization: 'Bearer ${{ env.LG_WEBHOOK_TOKEN }}' }, { env: { LG_WEBHOOK_TOKEN: 't' } });

// ---- Negative cases: each line below must fail to compile. ----

// @ts-expect-error a misspelt option (`secret` for `secrets`)
node.signWebhook(body, { id: 'x', secret });
// @ts-expect-error a wrong option type
node.verifyWebhook(body, signed, secret, { toleranceSec: '300' });
// @ts-expect-error an unknown scheme
node.verifyWebhook(body, signed, secret, { scheme: 'hmac' });
// @ts-expect-error headers must be header-like, not a string
node.verifyWebhook(body, 'webhook-id: x', secret);
// @ts-expect-error a body is a string or bytes, not an object
node.signWebhook({ type: 'x' }, { id: 'x', secrets: secret });
// @ts-expect-error a misspelt sink option
node.createWebhookHandler({ sinks: [{ url: 'https://ops.example.com/hooks', secrett: secret }] });
// @ts-expect-error a misspelt delivery option
web.createDelivery({ sinks: [], maxBodyByte: 1024 });
// @ts-expect-error a misspelt URL policy option
node.validateWebhookUrl('https://x.example.com/', { allowed_domain: ['x.example.com'] });
// @ts-expect-error a misspelt receiver option
web.webhookHandler({ secrets: secret, onWebhook: () => {}, dedupeTTL: 1 });
// @ts-expect-error the event name must be a string
node.dispatchCustomEvent(42, {});
// @ts-expect-error a misspelt config key (`tag` for `tags`)
web.dispatchCustomEvent('progress', {}, { tag: ['a'] });
// @ts-expect-error the fetch handler takes a Request, not Node's request object
fetchHandler({ method: 'POST', headers: {} });

export { init, asHeaders, id, stats, accepted, records, sse, port };
