/**
 * The boundary guard: whatever goes wrong inside a binding reaches the caller as a coded error,
 * never as a crash, a bare `TypeError`, or a broken module that keeps failing in new ways.
 *
 * Every low-level function of the addon or the web build (and every method of a delivery engine
 * they return) is wrapped once, here. Errors that already carry an `ERR_RUNWIRE_*` code pass
 * through unchanged. Anything else is a bug in runwire and becomes `ERR_RUNWIRE_INTERNAL`, with
 * the original as `cause`:
 * - addon: every export is built with napi's `catch_unwind`, so a Rust panic arrives here as an
 *   ordinary error (status `GenericFailure`) instead of aborting the process;
 * - web build: the module is compiled with `panic = "abort"` (size), so a panic is a wasm trap
 *   (`WebAssembly.RuntimeError: unreachable`) that leaves the instance in an unknown state — a
 *   held lock, a half-updated allocator. The guard then marks the instance poisoned: this call
 *   and every later one throw `ERR_RUNWIRE_INTERNAL` saying so, instead of misbehaving. A
 *   wasm-bindgen module cannot be re-instantiated in place; restart the isolate/process.
 * The real defence is upstream: the core returns typed errors instead of panicking (clippy denies
 * `unwrap`/`panic!` in library code) and options are checked before any call (./options.js), so
 * nothing user-controlled reaches an allocation or an index unchecked.
 */
import { codedError } from './errors.js';

const ENGINE_METHODS = ['enqueue', 'enqueueBatch', 'enqueueRunWebhook', 'drain', 'stopAccepting', 'close', 'stats', 'replay', 'flush'];
/** Methods of a Redis Streams worker (addon only, crates/node/src/worker.rs). */
const WORKER_METHODS = ['start', 'close', 'stats'];

function isCoded(error) {
  return typeof error?.code === 'string' && error.code.startsWith('ERR_RUNWIRE_');
}

function isTrap(error) {
  const RuntimeError = globalThis.WebAssembly?.RuntimeError;
  if (RuntimeError && error instanceof RuntimeError) return true;
  // A stack overflow inside wasm also leaves the instance mid-operation.
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/**
 * @param {object} native the addon or the initialised wasm module
 * @param {{ wasm?: boolean }} [options] `wasm: true` enables poisoning on traps
 */
export function guardNative(native, { wasm = false } = {}) {
  let poisoned = null;

  function internal(error) {
    if (isCoded(error)) return error;
    if (wasm && isTrap(error)) poisoned = error;
    const what = poisoned
      ? "runwire's WebAssembly instance trapped and cannot be used any more; restart the process or isolate (please report this bug)"
      : `internal error in runwire (please report this bug): ${error?.message ?? error}`;
    return codedError('ERR_RUNWIRE_INTERNAL', what, error);
  }

  function guard(call) {
    return function guarded(...args) {
      if (poisoned) throw internal(poisoned);
      let result;
      try {
        result = call(...args);
      } catch (error) {
        throw internal(error);
      }
      if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
        return result.then(undefined, (error) => {
          throw internal(error);
        });
      }
      return result;
    };
  }

  function guardEngine(engine, methods = ENGINE_METHODS) {
    const out = {};
    // The web build's engine has no `flush` (no spool there): only what exists is wrapped.
    for (const name of methods) {
      if (typeof engine[name] === 'function') out[name] = guard((...args) => engine[name](...args));
    }
    // The addon's engine says whether it takes `enqueueBatch` (./batcher.js).
    if (engine.batches === true) out.batches = true;
    return out;
  }

  const out = {};
  for (const [name, value] of Object.entries(native)) {
    // Classes, the wasm loader entry points and non-functions pass through as they are.
    const plain = typeof value === 'function' && /^[a-z]/.test(name) && name !== 'initSync' && !name.startsWith('__');
    out[name] = plain ? guard((...args) => value(...args)) : value;
  }
  if (typeof native.createDelivery === 'function') {
    out.createDelivery = guard((...args) => guardEngine(native.createDelivery(...args)));
  }
  if (typeof native.createWorker === 'function') {
    out.createWorker = guard((...args) => guardEngine(native.createWorker(...args), WORKER_METHODS));
  }
  return out;
}
