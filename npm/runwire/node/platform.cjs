/**
 * Which napi-rs platform names this process can load (linux-x64-gnu, linux-arm64-musl,
 * darwin-arm64, win32-x64-msvc, ...). On Linux the C library decides gnu vs musl; it is
 * detected without loading anything: /usr/bin/ldd's text, then the process report's glibc
 * version, then `ldd --version` (the same three clues napi-rs uses).
 */
'use strict';
const { readFileSync } = require('node:fs');

function muslFromLddFile() {
  try {
    return readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    return null;
  }
}

function muslFromReport() {
  const report = process.report;
  if (typeof report?.getReport !== 'function') return null;
  // Skip the network part of the report: it can be slow where DNS is slow.
  const exclude = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    const { header, sharedObjects = [] } = report.getReport();
    if (header?.glibcVersionRuntime) return false;
    return sharedObjects.some((file) => file.includes('libc.musl-') || file.includes('ld-musl-'));
  } catch {
    return null;
  } finally {
    report.excludeNetwork = exclude;
  }
}

function muslFromLdd() {
  try {
    const { spawnSync } = require('node:child_process');
    const { stdout, stderr } = spawnSync('ldd', ['--version'], { encoding: 'utf8', timeout: 2_000 });
    return `${stdout}${stderr}`.includes('musl');
  } catch {
    return false;
  }
}

/** True when this Linux process runs on musl (Alpine and friends). */
function isMusl() {
  return muslFromLddFile() ?? muslFromReport() ?? muslFromLdd();
}

/** The napi-rs platform names this process can load, best first. */
function candidates(platform = process.platform, arch = process.arch) {
  switch (platform) {
    case 'linux':
      return [`linux-${arch}-${isMusl() ? 'musl' : 'gnu'}`];
    case 'win32':
      // A MinGW-built addon loads in the MSVC-built Node too: N-API is a C ABI.
      return arch === 'x64' ? ['win32-x64-msvc', 'win32-x64-gnu'] : [`win32-${arch}-msvc`];
    default:
      return [`${platform}-${arch}`];
  }
}

module.exports = { candidates, isMusl };
