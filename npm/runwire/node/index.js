/**
 * runwire for Node.js: the native addon, or the WebAssembly engine where no addon matches this
 * platform (./engine.js). `import` and (Node >= 20.19) `require()` both load this module; it
 * has no top-level await, so require(esm) works.
 */
import { hostname } from 'node:os';
import { loadEngine } from './engine.js';
import { createApi } from '../src/api.js';
import { createEvents } from '../src/events/index.js';
import * as context from './context.js';
import { createPolicyApi } from '../src/policy.js';
import { createReceiverApi } from '../src/receiver.js';
import { createDeliveryApi } from '../src/delivery.js';
import { createRunWebhookApi } from '../src/run-webhook.js';
import { guardNative } from '../src/guard.js';
import { fileDeadLetters } from './file-dlq.js';
import { createWorkerApi } from '../src/worker.js';

const { engine, target: loaded } = loadEngine();
// The addon's exports are built with napi's catch_unwind; the guard turns what is left (and, in
// the WebAssembly fallback, a trapped module) into coded errors.
const native = guardNative(engine, { wasm: loaded === 'wasm' });
const api = createApi(native);
const events = createEvents(native, context);

export const target = loaded;
export const { generateSecret, signWebhook, signGithubWebhook, signStripeWebhook, verifyWebhook, canonicalJson } = api;
export const { dispatchCustomEvent, emit, tapCustomStream, streamEvents, invokeRun, awaitCallbacks } = events;
const policy = createPolicyApi(native, { defaultEnv: () => process.env });
export const { validateWebhookUrl, checkWebhookAddresses, classifyIp, resolveHeaderTemplates, withQueryToken, redactUrl } =
  policy;
const delivery = createDeliveryApi(native, policy, {
  onBeforeExit: (fn) => process.on('beforeExit', fn),
  connectTimeResolver: loaded !== 'wasm',
  fileDlq: true,
  // The durable spool is written by the addon (crates/node/src/spool); not by the wasm fallback.
  spool: loaded !== 'wasm',
  // The addon writes its own dead-letter files; the wasm fallback gets the same store in JS.
  ...(loaded === 'wasm' && { fileDeadLetters }),
});
export const { createDelivery, createWebhookHandler, simulateDelivery } = delivery;
export const { createWorker } = createWorkerApi(native, delivery, { defaultConsumer: () => `${hostname()}-${process.pid}` });
export const { createRunWebhookHandler, runWebhookPayload, readLangGraphWebhooks } = createRunWebhookApi(native, delivery, policy);
export const { createMemoryDedupeStore, webhookHandler, webhookMiddleware } = createReceiverApi(api);

