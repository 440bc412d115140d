/**
 * The web build's public surface over the wasm-bindgen module. The loaders next to this file
 * initialise the module for their runtime, then re-export everything from here.
 */
import * as module from './pkg/runwire_wasm.js';
import { createApi } from '../src/api.js';
import { createEvents } from '../src/events/index.js';
import { createPolicyApi } from '../src/policy.js';
import { createReceiverApi } from '../src/receiver.js';
import { createDeliveryApi } from '../src/delivery.js';
import { createRunWebhookApi } from '../src/run-webhook.js';
import { guardNative } from '../src/guard.js';
import { createWorkerApi } from '../src/worker.js';
import { host } from './host.js';

// Every call into the module goes through the boundary guard (a trap poisons it, see guard.js).
const wasm = guardNative(module, { wasm: true });

const api = createApi(wasm);
const events = createEvents(wasm);

export const target = 'wasm';
export const { generateSecret, signWebhook, signGithubWebhook, signStripeWebhook, verifyWebhook, canonicalJson } = api;
export const { dispatchCustomEvent, emit, tapCustomStream, streamEvents, invokeRun, awaitCallbacks } = events;
const policy = createPolicyApi(wasm);
export const { validateWebhookUrl, checkWebhookAddresses, classifyIp, resolveHeaderTemplates, withQueryToken, redactUrl } =
  policy;
const delivery = createDeliveryApi(wasm, policy, host);
export const { createDelivery, createWebhookHandler, simulateDelivery } = delivery;
// Refuses with a coded error: workers need the addon's Redis client (same surface as Node).
export const { createWorker } = createWorkerApi(wasm, delivery);
export const { createRunWebhookHandler, runWebhookPayload, readLangGraphWebhooks } = createRunWebhookApi(wasm, delivery, policy);
export const { createMemoryDedupeStore, webhookHandler, webhookMiddleware } = createReceiverApi(api);

