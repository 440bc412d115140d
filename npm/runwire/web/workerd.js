/**
 * runwire/web in Cloudflare Workers (workerd): the .wasm is imported as a compiled
 * WebAssembly.Module (wrangler's CompiledWasm rule; a `wasm` module in a workerd config).
 */
import module from './pkg/runwire_wasm_bg.wasm';
import { initSync } from './pkg/runwire_wasm.js';

initSync({ module });

export * from './surface.js';
