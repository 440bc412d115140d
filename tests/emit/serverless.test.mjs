/**
 * Serverless hand-off in Node, against the request-context contract Vercel Functions and Next.js
 * publish (what `@vercel/functions`' `waitUntil` and Next's `after()` read):
 * `globalThis[Symbol.for('@vercel/request-context' | '@next/request-context')].get()` returns
 * the current request's `{ waitUntil }`. The test plays the platform: it runs each request inside
 * such a context, answers as soon as the agent returns, then — as the platform does before
 * freezing the function — awaits only what was handed to `waitUntil`. Every event must have
 * arrived (verified) by then, although the receiver is slower than the response.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { startFaultServer } from '../support/fault-server.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const PLATFORMS = ['@vercel/request-context', '@next/request-context'];

/** A platform: one request context per call, the promises it was asked to wait for. */
function platform(symbolName) {
  const storage = new AsyncLocalStorage();
  const symbol = Symbol.for(symbolName);
  globalThis[symbol] = { get: () => storage.getStore() };
  return {
    async request(fn) {
      const waited = [];
      const result = await storage.run({ waitUntil: (p) => waited.push(p), headers: {} }, fn);
      return { result, waited };
    },
    uninstall: () => delete globalThis[symbol],
  };
}

for (const entry of ['runwire', 'runwire/web']) {
  for (const name of PLATFORMS) {
    test(`${name}: events accepted in a request are handed to its waitUntil (${entry})`, async () => {
      const rw = await import(entry);
      const server = await startFaultServer({ secret: SECRET });
      const host = platform(name);
      try {
        const delivery = rw.createDelivery({
          urlPolicy: { profile: 'dev' },
          sinks: [{ url: server.url('/slow/300'), secret: SECRET, concurrency: 8 }],
          exitDrainMs: false,
        });
        const started = Date.now();
        const { result, waited } = await host.request(async () => {
          for (let i = 0; i < 10; i += 1) delivery.send('on_custom_event', `req-1-${i}`, { i });
          return 'response';
        });
        assert.equal(result, 'response');
        assert.ok(Date.now() - started < 300, 'the response does not wait for delivery');
        assert.equal(waited.length, 1, 'one hand-off per request while it is pending');
        assert.equal(server.unique.size, 0, 'nothing delivered yet when the function answered');
        // A second request while the first one's work is still in flight gets its own hand-off.
        const second = await host.request(async () => delivery.send('on_custom_event', 'req-2', { i: 0 }));
        assert.equal(second.waited.length, 1);
        await Promise.all([...waited, ...second.waited]);
        assert.equal(server.unique.size, 11, 'everything arrived before the platform would freeze');
        assert.equal(server.verifyFailures, 0);
        assert.equal(delivery.stats().pending, 0);
        await delivery.close(1_000);
      } finally {
        host.uninstall();
        await server.close();
      }
    });
  }

  test(`handoff: false and no request context hand nothing over (${entry})`, async () => {
    const rw = await import(entry);
    const server = await startFaultServer({ secret: SECRET });
    const host = platform('@vercel/request-context');
    try {
      const delivery = rw.createDelivery({
        urlPolicy: { profile: 'dev' },
        sinks: [{ url: server.url('/ok'), secret: SECRET }],
        handoff: false,
        exitDrainMs: false,
      });
      const { waited } = await host.request(async () => delivery.send('on_custom_event', 'r', {}));
      assert.equal(waited.length, 0);
      host.uninstall();
      delivery.send('on_custom_event', 'outside', {});
      // Explicit hand-off: a Workers-style ctx, or a bare waitUntil function.
      const handed = [];
      await delivery.waitUntil({ waitUntil: (p) => handed.push(p) });
      assert.throws(() => delivery.waitUntil({}), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
      assert.throws(() => rw.createDelivery({ sinks: [{ url: server.url('/ok'), secret: SECRET }], handoff: 'yes' }), {
        code: 'ERR_RUNWIRE_INVALID_ARGUMENT',
      });
      await delivery.close(5_000);
      assert.equal(server.unique.size, 2);
    } finally {
      host.uninstall();
      await server.close();
    }
  });
}
