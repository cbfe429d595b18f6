#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, doc and compile-fail (ui)
# tests, the store tests against real PostgreSQL, MariaDB and Redis servers, and
# the demo's tests in headless Chromium. Does its own set-up, so it works on a
# fresh machine of this project's kind.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh

# The demo's browser tests (narvik-demo/tests/browser.rs) drive headless Chromium
# through chromedriver: Debian's packages, installed only when missing.
if ! command -v chromedriver >/dev/null 2>&1; then
  echo "test: installing chromium and chromium-driver"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
fi

log="$(mktemp)"
# A test whose server is missing outside CI passes after a notice, and writes a
# line here (see `narvik_tests::servers`), so the total can say how many did.
skips="$(mktemp)"
trap 'rm -f "$log" "$skips"' EXIT
set +e
NARVIK_TEST_SKIPS="$skips" cargo test --workspace --all-features --locked 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One total over every test binary, doc tests and ui tests included.
awk -v skipped="$(wc -l <"$skips")" '/^test result:/ { passed += $4; failed += $6 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
if [ -s "$skips" ]; then
  echo "skipped (no server; CI=true fails instead):"
  sort "$skips" | uniq -c
fi
exit "$status"
