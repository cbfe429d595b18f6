#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, doc and compile-fail (ui)
# tests. Does its own set-up, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --all-features --locked
