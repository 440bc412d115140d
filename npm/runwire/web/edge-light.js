/** runwire/web on Vercel Edge: `?module` imports the .wasm as a compiled WebAssembly.Module. */
import module from './pkg/runwire_wasm_bg.wasm?module';
import { initSync } from './pkg/runwire_wasm.js';

initSync({ module });

export * from './surface.js';
