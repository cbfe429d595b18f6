#!/usr/bin/env bash
# Runs the store benchmark with the servers and the benchmark on one core, as the
# figures in BENCHMARKS.md were taken: on loopback, a round trip between two cores
# costs anything from ~4 µs to ~80 µs depending on whether the other core must wake
# up, which swamps what is measured; on one core it is steady.
#
#   benchmarks/run-pinned.sh [criterion arguments...]
#
# NARVIK_BENCH_CORE (default 1) picks the core. Arguments go to criterion, e.g. a
# filter (`postgres/seq`) or `--measurement-time 5`; NARVIK_BENCH_SERVERS and
# NARVIK_BENCH_SESSIONS work as in `cargo bench -p narvik-benchmarks --bench stores`.
#
# What it does (needs root, or the right to change the servers' affinity):
#   1. builds the benchmark, unpinned;
#   2. pins every thread of each running server to the core with
#      `taskset -apc CORE PID`: every PostgreSQL process (postmaster and backends;
#      backends started later inherit the postmaster's affinity), mariadbd or
#      mysqld, redis-server;
#   3. runs `taskset -c CORE cargo bench -p narvik-benchmarks --bench stores`
#      with NARVIK_BENCH_CORE=CORE exported, so the servers the benchmark starts
#      itself (the Redis Cluster's nodes) run on that core too (`taskset -c`);
#   4. on exit, however it exits, gives each pinned process its affinity back.
set -euo pipefail
# A relative CARGO_TARGET_DIR is relative to where the script was started, as for
# cargo itself: make it absolute before leaving that directory (the benchmark also
# reads it, from the package's directory, to find where criterion writes).
case "${CARGO_TARGET_DIR:-}" in
  "" | /*) ;;
  *) export CARGO_TARGET_DIR="$PWD/$CARGO_TARGET_DIR" ;;
esac
cd "$(dirname "$0")/.."

core="${NARVIK_BENCH_CORE:-1}"
# The benchmark starts the Redis Cluster's nodes with `taskset -c $NARVIK_BENCH_CORE`.
export NARVIK_BENCH_CORE="$core"

cargo bench -p narvik-benchmarks --bench stores --no-run

declare -A original=()
restore() {
  for pid in "${!original[@]}"; do
    taskset -apc "${original[$pid]}" "$pid" >/dev/null 2>&1 || true
  done
  echo "run-pinned: affinity restored for ${#original[@]} server processes" >&2
}
trap restore EXIT

for name in postgres mariadbd mysqld redis-server; do
  for pid in $(pgrep -x "$name" || true); do
    affinity="$(taskset -pc "$pid" 2>/dev/null | sed 's/.*: //')" || continue
    [ -n "$affinity" ] || continue
    original[$pid]="$affinity"
    taskset -apc "$core" "$pid" >/dev/null
  done
done
echo "run-pinned: ${#original[@]} server processes and the benchmark on core $core" >&2

taskset -c "$core" cargo bench -p narvik-benchmarks --bench stores -- "$@"
