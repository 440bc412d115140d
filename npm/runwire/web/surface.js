/**
 * The web build's public surface over the wasm-bindgen module. The loaders next to this file
 * initialise the module for their runtime, then re-export everything from here.
 */
import * as wasm from './pkg/runwire_wasm.js';
import { createApi } from '../src/api.js';
import { createEvents } from '../src/events/index.js';
import { createPolicyApi } from '../src/policy.js';
import { createReceiverApi } from '../src/receiver.js';
import { createDeliveryApi } from '../src/delivery.js';

const api = createApi(wasm);
const events = createEvents(wasm);

export const target = 'wasm';
export const { generateSecret, signWebhook, signGithubWebhook, signStripeWebhook, verifyWebhook, canonicalJson } = api;
export const { dispatchCustomEvent, emit, tapCustomStream, streamEvents, invokeRun, awaitCallbacks } = events;
const policy = createPolicyApi(wasm);
export const { validateWebhookUrl, checkWebhookAddresses, classifyIp, resolveHeaderTemplates, withQueryToken, redactUrl } =
  policy;
export const { createDelivery, createWebhookHandler, simulateDelivery } = createDeliveryApi(wasm, policy);
export const { createMemoryDedupeStore, webhookHandler, webhookMiddleware } = createReceiverApi(api);

