/**
 * Finds the native addon for this process, the way napi-rs projects do it:
 *
 *   1. a local build in ../native/runwire.<platform>.node (what `npm run build` leaves in a
 *      checkout of the repository);
 *   2. the per-platform package `runwire-<platform>`, installed by npm from `runwire`'s
 *      optionalDependencies only where its `os`, `cpu` and `libc` fields match.
 *
 * <platform> follows napi-rs' names (./platform.cjs picks them, musl detection included).
 *
 * If nothing loads, this module throws ERR_RUNWIRE_NATIVE_UNAVAILABLE with every attempt in
 * `error.attempts`; node/engine.js turns that into the WebAssembly fallback.
 */
'use strict';
const { join } = require('node:path');
const { candidates } = require('./platform.cjs');

function load() {
  const attempts = [];
  for (const name of candidates()) {
    for (const id of [join(__dirname, '..', 'native', `runwire.${name}.node`), `runwire-${name}`]) {
      try {
        return require(id);
      } catch (error) {
        attempts.push({ id, code: error?.code, message: String(error?.message ?? error).split('\n')[0] });
      }
    }
  }
  const names = candidates().map((n) => `runwire-${n}`).join(' or ');
  const error = new Error(
    `runwire: no native addon for ${process.platform}-${process.arch} (tried ${names} and a local build in native/). ` +
      'Reinstall without --omit=optional / --no-optional, or import "runwire/web" for the WebAssembly build.',
    { cause: attempts[0] },
  );
  error.code = 'ERR_RUNWIRE_NATIVE_UNAVAILABLE';
  error.attempts = attempts;
  throw error;
}

module.exports = load();
