/** runwire/web in Node.js: read the .wasm bytes and instantiate synchronously. */
import { readFileSync } from 'node:fs';
import { initSync } from './pkg/runwire_wasm.js';

initSync({ module: readFileSync(new URL('./pkg/runwire_wasm_bg.wasm', import.meta.url)) });

export * from './surface.js';
