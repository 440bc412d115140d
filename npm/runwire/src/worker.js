/**
 * `createWorker(options)`: delivery past one process (addon only). A worker joins a Redis
 * Streams consumer group, reads the jobs producer processes wrote
 * (`createDelivery({ producer })`), delivers them through a normal engine built from the same
 * sink options as `createDelivery` (signing, retries, breaker, DLQ), and acknowledges each
 * entry only after its final outcome; a crashed worker's entries are reclaimed after
 * `claimIdleMs`. The design is in crates/node/src/worker.rs.
 *
 * The native tasks do not keep Node alive, so a running worker holds one timer until `close()`.
 */
import { codedError } from './errors.js';

export const WORKER_DEFAULTS = Object.freeze({
  group: 'runwire',
  count: 256,
  blockMs: 1_000,
  maxInFlight: 4_096,
  claimIdleMs: 30_000,
  timeoutMs: 10_000,
  drainTimeoutMs: 30_000,
});

/**
 * @param {object} native the guarded addon
 * @param {{ engineParts: Function, readOptions: Function, readInt: Function }} delivery internals
 *   of ./delivery.js (option checks and the engine config both entry points share)
 * @param {{ defaultConsumer?: () => string }} [host] the consumer name when none is given (Node:
 *   `<hostname>-<pid>`)
 */
export function createWorkerApi(native, delivery, host = {}) {
  async function createWorker(options) {
    const o = delivery.readOptions(options, 'createWorker');
    if (typeof native.createWorker !== 'function') {
      throw codedError('ERR_RUNWIRE_INVALID_CONFIG', 'createWorker needs the Node addon: the WebAssembly build has no Redis client');
    }
    const { config, callbacks, onHook, onDeadLetter, onLookup } = delivery.engineParts(o);
    const settings = {
      url: o.redis,
      stream: o.stream,
      group: o.group ?? WORKER_DEFAULTS.group,
      consumer: o.consumer ?? host.defaultConsumer?.() ?? `worker-${Date.now()}`,
      count: o.count ?? WORKER_DEFAULTS.count,
      blockMs: o.blockMs ?? WORKER_DEFAULTS.blockMs,
      maxInFlight: o.maxInFlight ?? WORKER_DEFAULTS.maxInFlight,
      claimIdleMs: o.claimIdleMs ?? WORKER_DEFAULTS.claimIdleMs,
      timeoutMs: o.timeoutMs ?? WORKER_DEFAULTS.timeoutMs,
      ...(o.username !== undefined && { username: o.username }),
      ...(o.password !== undefined && { password: o.password }),
    };
    const drainTimeoutMs = o.drainTimeoutMs ?? WORKER_DEFAULTS.drainTimeoutMs;
    const worker = native.createWorker(JSON.stringify(config), JSON.stringify(settings), onHook, onDeadLetter, callbacks, onLookup);
    const failed = await worker.start();
    if (failed) {
      await worker.close(0);
      throw codedError('ERR_RUNWIRE_INVALID_CONFIG', failed);
    }
    const alive = setInterval(() => {}, 1 << 30);
    let closing = null;
    return {
      /** The consumer name this worker reads as. */
      consumer: settings.consumer,
      /** `{ read, acked, claimed, in_flight, malformed, ack_errors, read_errors, delivery }`. */
      stats() {
        return JSON.parse(worker.stats());
      },
      /**
       * Stops reading, drains (`timeoutMs`, default `drainTimeoutMs`; what is left is
       * dead-lettered as `shutdown`), acknowledges and stops. Resolves with the final stats.
       */
      close(timeoutMs) {
        const ms = delivery.readInt(timeoutMs ?? drainTimeoutMs, 'drainTimeoutMs', 'timeoutMs');
        closing ??= worker.close(ms).then((json) => JSON.parse(json)).finally(() => clearInterval(alive));
        return closing;
      },
    };
  }
  return { createWorker };
}
