#!/usr/bin/env bash
# Builds the per-platform addon packages (npm/<platform>/runwire.<platform>.node) by
# cross-compiling with zig (PyPI `ziglang`) through cargo-zigbuild (PyPI wheel), stripped
# (Cargo profile `dist`).
#
#   bash scripts/build-platforms.sh                 # every platform that builds here
#   bash scripts/build-platforms.sh linux-arm64-gnu  # just these
#
# Everything slow is cached under ~/.cache/runwire/cross (RUNWIRE_CACHE moves it): the wheels,
# a venv with zig + cargo-zigbuild keyed by their versions, and one cargo target dir shared by
# every clone, so a warm run recompiles only the workspace crates (and an unchanged tree nothing,
# see `key` below). Prints seconds per platform.
#
# glibc targets carry zig's `.2.17` suffix: they link against glibc 2.17 symbol versions, so
# the addon loads on glibc >= 2.17 (a plain build here would need the build machine's 2.36).
# Not built (README, "Platforms"): darwin-x64/arm64 — reqwest's platform verifier links Apple's
# Security and CoreFoundation frameworks, which zig does not ship and no registry here serves;
# win32-x64-msvc — it needs Microsoft's CRT and Windows SDK libraries, likewise unavailable.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/tools.sh

ZIG_VERSION=0.17.0
ZIGBUILD_VERSION=0.24.0
cache=${RUNWIRE_CACHE:-$HOME/.cache/runwire}/cross
venv=$cache/zig-$ZIG_VERSION-zigbuild-$ZIGBUILD_VERSION

# platform -> Rust target (with zig's glibc suffix where it applies)
declare -A TARGET=(
  [linux-x64-gnu]=x86_64-unknown-linux-gnu.2.17
  [linux-arm64-gnu]=aarch64-unknown-linux-gnu.2.17
  [linux-x64-musl]=x86_64-unknown-linux-musl
  [linux-arm64-musl]=aarch64-unknown-linux-musl
  [win32-x64-gnu]=x86_64-pc-windows-gnu
)
ALL=(linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl win32-x64-gnu)
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=("${ALL[@]}")

if [ ! -x "$venv/bin/cargo-zigbuild" ]; then
  log "installing zig $ZIG_VERSION and cargo-zigbuild $ZIGBUILD_VERSION (PyPI wheels, cached in $cache)"
  mkdir -p "$cache/wheels"
  python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
    -d "$cache/wheels" "ziglang==$ZIG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION"
  python3 -m venv "$venv"
  # cargo-zigbuild (a binary wheel) last: its presence marks a complete venv.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$cache/wheels" \
    "ziglang==$ZIG_VERSION" && "$venv/bin/pip" install --quiet --disable-pip-version-check --no-index \
    --find-links "$cache/wheels" "cargo-zigbuild==$ZIGBUILD_VERSION"
fi
# cargo-zigbuild runs zig as `python3 -m ziglang`: the venv's python3 must come first.
export PATH="$venv/bin:$PATH"

installed=$(rustup target list --installed)
for platform in "${platforms[@]}"; do
  target=${TARGET[$platform]:-}
  [ -n "$target" ] || { echo "unknown or unbuildable platform: $platform" >&2; exit 2; }
  grep -qx "${target%.2.17}" <<<"$installed" || rustup target add "${target%.2.17}"
done

# win32-x64-gnu: napi-build links MinGW addons against `node`, resolved at load time from
# node.exe. Node ships no MinGW import library, so zig's dlltool makes one from the list of
# Node-API functions (crates/node/windows/node.def); napi-build also wants a libnode.dll beside it.
libnode=$cache/libnode-$(sha256sum crates/node/windows/node.def | cut -c1-12)
if [ ! -f "$libnode/node.lib" ]; then
  mkdir -p "$libnode"
  "$venv/bin/python" -m ziglang dlltool -m i386:x86-64 -d crates/node/windows/node.def -D node.exe -l "$libnode/node.lib"
  : > "$libnode/libnode.dll"
fi
export LIBNODE_PATH=$libnode

# A musl cdylib must link libc dynamically (Rust's musl targets default to a static CRT).
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static"

# Built binaries are also kept by the hash of everything that goes into them (the sources of
# the two crates, the manifests and lock file, this script, rustc's version): a fresh clone of
# an unchanged tree — CI after a session — copies them instead of recompiling.
key=$( { rustc -V; git ls-files -z crates/core crates/node Cargo.toml Cargo.lock scripts/build-platforms.sh \
  | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
mkdir -p "$cache/out/$key"
find "$cache/out" -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} + 2>/dev/null || true

summary=()
for platform in "${platforms[@]}"; do
  target=${TARGET[$platform]}
  triple=${target%.2.17}
  started=$(date +%s)
  kept=$cache/out/$key/runwire.$platform.node
  if [ ! -f "$kept" ]; then
    log "building runwire-$platform ($target)"
    cargo zigbuild --quiet -p runwire-node --profile dist \
      --target "$target" --target-dir "$cache/target"
    out=$cache/target/$triple/dist
    case $triple in
      *-apple-darwin) lib=$out/librunwire_node.dylib ;;
      *-windows-*) lib=$out/runwire_node.dll ;;
      *) lib=$out/librunwire_node.so ;;
    esac
    cp "$lib" "$kept.tmp" && mv "$kept.tmp" "$kept"
  fi
  dest=npm/$platform/runwire.$platform.node
  if ! cmp -s "$kept" "$dest"; then cp "$kept" "$dest"; fi
  summary+=("$platform $(( $(date +%s) - started ))s $(stat -c %s "$dest") bytes")
done
log "platform packages built:"
printf '  %s\n' "${summary[@]}" >&2
