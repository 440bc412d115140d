/** runwire/web in Node.js: read the .wasm bytes and instantiate synchronously. */
import { readFileSync } from 'node:fs';
import { initSync } from './pkg/runwire_wasm.js';
import { host } from './host.js';

initSync({ module: readFileSync(new URL('./pkg/runwire_wasm_bg.wasm', import.meta.url)) });
// As with the addon: a script that ends without drain() is drained on beforeExit (exitDrainMs).
host.onBeforeExit = (fn) => process.on('beforeExit', fn);

export * from './surface.js';
