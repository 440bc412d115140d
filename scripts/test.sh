#!/usr/bin/env bash
# The whole test suite (run by `npm test` after scripts/setup.sh test):
#   1. Rust unit tests beside the code (native);
#   2. every tests/**/*.test.mjs and examples/**/*.test.mjs with Node's test runner: the
#      conformance suite per target, interop verifiers, LangChain differential tests, delivery
#      and fault tests. Test files start the servers they need and stop them in `after`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/tools.sh

log "Rust unit tests"
cargo test --workspace --quiet 2>&1 | grep -vE '^(running 0 tests|test result: ok. 0 passed.*)$' | grep -v '^$'

log "JavaScript suites"
mapfile -t files < <(find tests examples -name '*.test.mjs' -not -path '*/node_modules/*' | sort)
node --test --test-timeout=600000 --test-concurrency=1 "${files[@]}"
