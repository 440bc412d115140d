#!/usr/bin/env bash
# Builds the native addon and the web package into npm/runwire. Cargo's own freshness checks
# make a warm run quick; the .node is copied only when it changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/tools.sh

log "building the native addon (release)"
cargo build --quiet -p runwire-node --release
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) triple=linux-x64-gnu ;;
  Linux-aarch64) triple=linux-arm64-gnu ;;
  Darwin-arm64) triple=darwin-arm64 ;;
  Darwin-x86_64) triple=darwin-x64 ;;
  *) echo "unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
lib=target/release/librunwire_node.so
[ -f "$lib" ] || lib=target/release/librunwire_node.dylib
dest=npm/runwire/native/runwire.$triple.node
mkdir -p "$(dirname "$dest")"
if ! cmp -s "$lib" "$dest"; then cp "$lib" "$dest"; fi

log "building the web package"
bash wasm/build.sh

# CommonJS consumers (`require`, TypeScript `module: node16`/`nodenext` in a .cts) resolve the
# types through the exports map's `types.require` to index.d.cts: a byte copy of index.d.ts (the
# declarations are format-neutral; the file extension is what tells TypeScript the format).
dts=npm/runwire/index.d.ts
if ! cmp -s "$dts" "${dts%.ts}.cts"; then cp "$dts" "${dts%.ts}.cts"; fi
