/** runwire/web in browsers and Deno: fetch and instantiate the .wasm next to this file. */
import init from './pkg/runwire_wasm.js';

await init({ module_or_path: new URL('./pkg/runwire_wasm_bg.wasm', import.meta.url) });

export * from './surface.js';
