/**
 * Preloaded with `node --require` to make this process look like a platform with no matching
 * addon: every `.node` file fails to load the way a missing or foreign binary does (dlopen
 * error), so runwire's real loader walks all its candidates — the local build and the
 * runwire-<platform> package — and falls back to the WebAssembly engine.
 */
'use strict';
const Module = require('node:module');

Module._extensions['.node'] = (module, filename) => {
  const error = new Error(`${filename}: cannot open shared object file (hidden by tests/support/hide-addon.cjs)`);
  error.code = 'ERR_DLOPEN_FAILED';
  throw error;
};
