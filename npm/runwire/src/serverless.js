/**
 * Serverless and edge hand-off: give a delivery's pending work to the platform, so a function
 * that returns its response is not frozen or ended while events are still queued.
 *
 * Platforms keep a request alive after the response through a `waitUntil(promise)`:
 * - Cloudflare Workers: `ctx.waitUntil`, from the handler's `ExecutionContext` — passed to
 *   runwire explicitly (`delivery.waitUntil(ctx)`); workerd has no global request context.
 * - Vercel Functions (Node and Edge) and Next.js (`after()` is built on it): a request context
 *   published on `globalThis[Symbol.for('@next/request-context')]` or
 *   `globalThis[Symbol.for('@vercel/request-context')]`, whose `get()` returns the *current*
 *   request's `{ waitUntil }` — the contract `@vercel/functions`' `waitUntil` reads. runwire reads
 *   it on every accepted event (mode `'auto'`, the default), so nothing has to be passed.
 *
 * What is handed over is one promise per request context at a time: it resolves when the
 * delivery has nothing pending (every accepted event delivered or dead-lettered), re-checking
 * after each drain so events accepted while it waited are covered too. It never outlives
 * `timeoutMs`: at that deadline the engine's `drain` dead-letters what is still pending (reason
 * `shutdown`) — to the `dlq` function, which on these platforms should write to the platform's
 * queue or KV — so nothing accepted is lost silently when the platform ends the function.
 */

const NEXT_CONTEXT = Symbol.for('@next/request-context');
const VERCEL_CONTEXT = Symbol.for('@vercel/request-context');

/** Default budget of one hand-off: under Workers' 30 s `waitUntil` limit after the response. */
export const DEFAULT_HANDOFF_TIMEOUT_MS = 25_000;

/** The current request's `waitUntil` published by Next.js or Vercel, if any. */
export function platformWaitUntil() {
  // Called for every accepted event: off those platforms, two property reads and nothing else.
  if (globalThis[NEXT_CONTEXT] === undefined && globalThis[VERCEL_CONTEXT] === undefined) return undefined;
  for (const symbol of [NEXT_CONTEXT, VERCEL_CONTEXT]) {
    let context;
    try {
      context = globalThis[symbol]?.get?.();
    } catch {
      context = undefined;
    }
    if (typeof context?.waitUntil === 'function') return { key: context, waitUntil: (p) => context.waitUntil(p) };
  }
  return undefined;
}

/** `ctx` (an object with `waitUntil`) or a bare `waitUntil` function, as a hand-off target. */
export function handoffTarget(ctx) {
  if (typeof ctx === 'function') return { key: ctx, waitUntil: ctx };
  if (ctx !== null && typeof ctx === 'object' && typeof ctx.waitUntil === 'function') {
    return { key: ctx, waitUntil: (p) => ctx.waitUntil(p) };
  }
  return undefined;
}

/**
 * @param {{ pending: () => number, drain: (ms: number) => Promise<unknown> }} engine
 * @param {{ mode: 'auto' | false, timeoutMs: number, onError?: (e: unknown) => void }} options
 */
export function createHandoff(engine, { mode, timeoutMs, onError }) {
  /** Request contexts (keys) whose hand-off promise is still waiting. */
  const waiting = new WeakSet();
  /** The last context given to `bind`: events accepted later in its request are handed to it. */
  let bound;

  async function untilIdle(key) {
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        await engine.drain(Math.max(0, deadline - Date.now()));
        // Let events accepted in the same turn land before deciding the work is done.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (engine.pending() === 0 || Date.now() >= deadline) break;
      }
    } catch (error) {
      onError?.(error);
    } finally {
      // Synchronously with the resolution: a later accept registers a fresh hand-off.
      waiting.delete(key);
    }
  }

  function handOff(target) {
    if (target === undefined || waiting.has(target.key)) return undefined;
    waiting.add(target.key);
    const promise = untilIdle(target.key);
    try {
      target.waitUntil(promise);
    } catch (error) {
      onError?.(error);
    }
    return promise;
  }

  return {
    /** After an event was accepted: hand off to the current platform request, if any. */
    accepted() {
      handOff((mode === 'auto' ? platformWaitUntil() : undefined) ?? bound);
    },
    /**
     * Explicit hand-off (`delivery.waitUntil(ctx)`): from now on, events accepted while no
     * platform request context is visible keep `ctx`'s request alive until the delivery is idle;
     * work already pending is handed over at once. Call it at the start of each request (a
     * streaming response returns before its events are emitted) or before returning. Returns the
     * hand-off promise, or a resolved one when there is nothing to wait for.
     */
    bind(ctx) {
      const target = handoffTarget(ctx);
      if (target === undefined) return undefined;
      bound = target;
      return (engine.pending() > 0 ? handOff(target) : undefined) ?? Promise.resolve();
    },
  };
}
