#!/usr/bin/env bash
# Builds the web package into npm/runwire/web/pkg: cargo (size profile) -> wasm-bindgen --target web
# (the CLI at exactly the crate's version, from scripts/tools.sh) -> wasm-opt -Oz (npm binaryen:
# Debian's binaryen 108 cannot parse the reference-types ops that recent Rust emits). Prints the gzip
# size and fails over the budget: DESIGN.md §9's 150 KB gzip, read as 150 KiB (153,600 bytes).
# opt-level "z" (Cargo.toml, wasm-release) is what keeps it there: "s" is ≈ 15 KB larger.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/tools.sh

budget=${RUNWIRE_WASM_GZIP_BUDGET:-153600}
out=npm/runwire/web/pkg
cargo build --quiet -p runwire-wasm --target wasm32-unknown-unknown --profile wasm-release
"$(wasm_bindgen_bin)" --target web --out-dir "$out" --out-name runwire_wasm \
  target/wasm32-unknown-unknown/wasm-release/runwire_wasm.wasm
"$root/node_modules/.bin/wasm-opt" -Oz --converge --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/runwire_wasm_bg.wasm" -o "$out/runwire_wasm_bg.wasm"
raw=$(stat -c %s "$out/runwire_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/runwire_wasm_bg.wasm" | wc -c)
echo "runwire web build: runwire_wasm_bg.wasm ${raw} bytes raw, ${gz} bytes gzip -9 (budget ${budget})"
if [ "$gz" -gt "$budget" ]; then
  echo "error: the web build is over its gzip budget" >&2
  exit 1
fi
