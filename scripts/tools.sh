# Shared helpers for the setup and build scripts (sourced, not run).

# The wasm-bindgen version the workspace locks; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "${root:?}/Cargo.lock"
}

# The CLI lives outside the clone, keyed by version, so later clones and CI reuse it.
wasm_bindgen_bin() {
  echo "${RUNWIRE_CACHE:-$HOME/.cache/runwire}/wasm-bindgen-cli-$(wasm_bindgen_version)/bin/wasm-bindgen"
}

log() { printf '\033[1m[runwire]\033[0m %s\n' "$*" >&2; }
