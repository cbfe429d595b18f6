#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, doc and compile-fail (ui)
# tests, the store tests against real PostgreSQL, MariaDB and Redis servers. Does
# its own set-up, so it works on a fresh machine of this project's kind.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/services.sh
cargo test --workspace --all-features --locked
