/**
 * What the web build may use of its host, filled in by the loader that knows the runtime.
 * `web/node.js` sets `onBeforeExit`, so a Node script that ends without `drain()` is drained on
 * `beforeExit` (bounded by `exitDrainMs`), as with the addon; workerd, Deno and browsers leave it
 * empty (hand `drain()` to `ctx.waitUntil` there). `fileDlq` stays false: the web build has no
 * file dead-letter queue.
 */
export const host = {};
