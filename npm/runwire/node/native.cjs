/**
 * Loads the prebuilt addon for this platform from ../native/. One file per platform triple,
 * named like napi-rs' platform packages: runwire.<platform>-<arch>[-gnu|-musl].node.
 */
'use strict';
const { join } = require('node:path');

function triple() {
  const { platform, arch } = process;
  if (platform !== 'linux') return `${platform}-${arch}`;
  const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
  return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`;
}

const file = join(__dirname, '..', 'native', `runwire.${triple()}.node`);
try {
  module.exports = require(file);
} catch (cause) {
  const error = new Error(
    `runwire: no native addon for ${triple()} (${file}). ` +
      'Build it with `npm run build` in the runwire repository, or import "runwire/web" to use the WebAssembly build.',
    { cause },
  );
  error.code = 'ERR_RUNWIRE_NATIVE_UNAVAILABLE';
  throw error;
}
