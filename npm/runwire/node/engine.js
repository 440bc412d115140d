/**
 * The engine behind `runwire` in Node: the native addon when one loads (./native.cjs), else the
 * WebAssembly build — the same module `runwire/web` uses, instantiated synchronously from its
 * bytes — so `import 'runwire'` works on every platform Node runs on.
 *
 * The fallback warns once per process (a `RunwireWarning` with code RUNWIRE_WASM_FALLBACK;
 * Node's `--disable-warning=RUNWIRE_WASM_FALLBACK` silences it) and keeps the whole API. What
 * differs is listed in the README ("Platforms and the WebAssembly fallback"). Any other load
 * error (a broken install, not a missing platform) is not hidden: it propagates.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import * as wasm from '../web/pkg/runwire_wasm.js';

const WARNED = Symbol.for('runwire.wasmFallbackWarned');

function warnOnce(reason) {
  if (globalThis[WARNED]) return;
  globalThis[WARNED] = true;
  process.emitWarning(
    `${reason.message} Using the WebAssembly engine instead: same API; delivery uses fetch, ` +
      'no connect-time address vetting and no file DLQ (see the README, "Platforms and the WebAssembly fallback").',
    { type: 'RunwireWarning', code: 'RUNWIRE_WASM_FALLBACK' },
  );
}

/** @returns {{ engine: object, target: 'node-addon' | 'wasm' }} */
export function loadEngine() {
  let native;
  try {
    native = createRequire(import.meta.url)('./native.cjs');
  } catch (error) {
    if (error?.code !== 'ERR_RUNWIRE_NATIVE_UNAVAILABLE') throw error;
    warnOnce(error);
    // initSync returns at once if `runwire/web` already instantiated this module.
    wasm.initSync({ module: readFileSync(new URL('../web/pkg/runwire_wasm_bg.wasm', import.meta.url)) });
    return { engine: wasm, target: 'wasm' };
  }
  return { engine: native, target: 'node-addon' };
}
