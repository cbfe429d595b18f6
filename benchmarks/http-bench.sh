#!/usr/bin/env bash
# The HTTP benchmark: the same axum app with narvik-axum and with tower-sessions
# (`src/bin/http_server.rs`, both on in-memory stores), loaded by wrk over loopback,
# as the "HTTP" section of BENCHMARKS.md was taken.
#
#   benchmarks/http-bench.sh
#
# With SUITE=actix, the actix-web app instead (`src/bin/actix_server.rs`):
# narvik-actix against actix-session, on the `validate` scenario unless SCENARIOS
# says otherwise, as the "HTTP: actix-web" section was taken. Its servers are
# narvik-actix (memory store), actix-session-cookie, narvik-actix-bearer (the
# narvik-actix server, the token sent in `Authorization: Bearer` instead of the
# cookie), narvik-actix-redis and actix-session-redis (both on the Redis server at
# 127.0.0.1:6379, or REDIS_URL); the ratios compare narvik-actix with the cookie
# store, narvik-actix-redis with the Redis store, and the bearer run with the
# cookie run.
#
# On a small machine, loopback figures swing several-fold with where the scheduler
# puts the server and the load generator, so each has a core of its own: the server
# on SERVER_CORE (default 1), wrk on WRK_CORE (default 0). The two servers take
# turns (narvik, tower-sessions, narvik, ...), each run with a freshly started server,
# so a drift of the machine touches both alike.
#
# For each scenario (SCENARIOS, default "validate write sign-in") and each of ROUNDS
# rounds (default 3), for narvik then tower-sessions:
#   1. start the server, `taskset -c SERVER_CORE http_server --impl ...`;
#   2. sign in once with curl and keep the session cookie (validate, write);
#   3. warm up for WARMUP seconds (default 2), then measure with
#      `taskset -c WRK_CORE wrk -t1 -c32 -dDURATION --latency` (DURATION default
#      10s; CONNECTIONS default 32), sending the cookie;
#   4. stop the server.
# Other processes on the machine (a build, another benchmark) show up in
# the figures, so each run also measures the CPU that processes other than the
# server and wrk used meanwhile; above MAX_FOREIGN_CPU percent of a core (default 5;
# a quiet machine reads 0-2) the run is repeated once the machine is quiet again
# (as before the first run: under that share for 3 s, waiting at most QUIET_TIMEOUT
# seconds, default 120), up to ATTEMPTS times in all (default 3); the last attempt
# is kept either way.
#
# Then a table: per scenario and server, the median over the rounds of requests per
# second and of wrk's p99 latency, and the ratios narvik/tower-sessions (req/s) and
# tower-sessions/narvik (p99): above 1 means narvik is ahead. Every run's figures
# (with the other processes' CPU and the attempts it took) go to RESULTS (default
# http-bench/results-$SUITE.tsv in cargo's target directory: `target/`, or CARGO_TARGET_DIR
# when set), wrk's output beside it.
#
# Installs wrk (Debian's package) when missing. Traffic goes to 127.0.0.1 only.
# Run time: rounds x scenarios x 2 x (warm-up + duration + ~1 s); about 4 minutes
# with the defaults, more when runs are repeated. Start it on a quiet machine
# (`uptime` load below 0.5); it prints the load before and after.
set -euo pipefail
# A relative CARGO_TARGET_DIR is relative to where the script was started, as for
# cargo itself: make it absolute before leaving that directory.
case "${CARGO_TARGET_DIR:-}" in
  "" | /*) ;;
  *) export CARGO_TARGET_DIR="$PWD/$CARGO_TARGET_DIR" ;;
esac
cd "$(dirname "$0")/.."

server_core="${SERVER_CORE:-1}"
wrk_core="${WRK_CORE:-0}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10s}"
warmup="${WARMUP:-2}"
connections="${CONNECTIONS:-32}"
max_foreign_cpu="${MAX_FOREIGN_CPU:-5}"
attempts="${ATTEMPTS:-3}"
quiet_timeout="${QUIET_TIMEOUT:-120}"
suite="${SUITE:-axum}"
case "$suite" in
  axum)
    scenarios="${SCENARIOS:-validate write sign-in}"
    server_name=http_server
    implementations=(narvik tower-sessions)
    # "first:second" pairs: the table's ratios are first ÷ second.
    pairs="narvik:tower-sessions"
    ;;
  actix)
    scenarios="${SCENARIOS:-validate}"
    server_name=actix_server
    implementations=(narvik-actix actix-session-cookie narvik-actix-bearer narvik-actix-redis
      actix-session-redis)
    pairs="narvik-actix:actix-session-cookie narvik-actix-redis:actix-session-redis
      narvik-actix-bearer:narvik-actix"
    ;;
  *) echo "http-bench: unknown SUITE $suite (axum, actix)" >&2; exit 1 ;;
esac
# IMPLEMENTATIONS (space-separated) runs only those of the suite's servers.
if [ -n "${IMPLEMENTATIONS:-}" ]; then
  read -r -a implementations <<<"$IMPLEMENTATIONS"
fi
port="${PORT:-38080}"
# Cargo's target directory, absolute: `target/`, or wherever CARGO_TARGET_DIR (or a
# cargo config's `build.target-dir`) puts it.
target_dir="$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
out_dir="$target_dir/http-bench"
results="${RESULTS:-$out_dir/results-$suite.tsv}"

if ! command -v wrk >/dev/null; then
  echo "http-bench: installing wrk" >&2
  apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
for tool in curl taskset awk; do
  command -v "$tool" >/dev/null || { echo "http-bench: needs $tool" >&2; exit 1; }
done

# The server's path as cargo reports it (under the target directory, and a target
# triple's folder when a cargo config sets `build.target`).
server_bin="$(cargo build --release -p narvik-benchmarks --bin "$server_name" \
  --message-format=json-render-diagnostics | SERVER_NAME="$server_name" python3 -c '
import json, os, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["target"]["name"] == os.environ["SERVER_NAME"]:
        print(message["executable"])
')"
[ -x "$server_bin" ] || { echo "http-bench: cargo built no $server_name" >&2; exit 1; }
mkdir -p "$out_dir"

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

base="http://127.0.0.1:$port"

# Starts the server of $1 on its core and waits until it answers. A `-bearer` run
# is its server's run with the token in a header.
start_server() {
  taskset -c "$server_core" "$server_bin" --impl "${1%-bearer}" --addr "127.0.0.1:$port" \
    2>>"$out_dir/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    if curl -s -o /dev/null "$base/validate"; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { echo "http-bench: $1 server exited" >&2; exit 1; }
    sleep 0.05
  done
  echo "http-bench: $1 server did not answer on $base" >&2
  exit 1
}

# Signs in and prints the `name=value` of the session cookie.
session_cookie() {
  curl -s -D - -o /dev/null "$base/sign-in" |
    awk 'tolower($1) == "set-cookie:" { sub(/;.*/, "", $2); print $2; exit }'
}

# Latency as wrk prints it (`812.00us`, `1.25ms`, `2.00s`) in microseconds.
to_us() {
  awk -v value="$1" 'BEGIN {
    if (value ~ /us$/) { factor = 1 } else if (value ~ /ms$/) { factor = 1000 }
    else if (value ~ /s$/) { factor = 1000000 } else { exit 1 }
    sub(/[a-z]+$/, "", value); printf "%.1f", value * factor }'
}

# CPU time in clock ticks since boot: the whole machine's user, system and interrupt
# time (/proc/stat; a process's own time includes the interrupts it caused, here
# mostly loopback's), and one process's user + system time (/proc/PID/stat).
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# The measured server's time: the app server's, and the Redis server's too for a
# run on Redis (its work is the run's, not another process's).
server_ticks() {
  local total pid
  total="$(process_ticks "$server_pid")"
  if [[ "$impl" == *redis* ]]; then
    for pid in $(pgrep -x redis-server); do
      total=$((total + $(process_ticks "$pid")))
    done
  fi
  echo "$total"
}
ticks_per_second="$(getconf CLK_TCK)"

# One measured run of $impl on $scenario into $log: start the server, warm up, run
# wrk, stop the server. Sets `foreign_pct`: the CPU that processes other than the
# server and wrk used during the measurement, in percent of one core.
measure() {
  start_server "$impl"
  headers=()
  if [ "$scenario" != sign-in ]; then
    case "$impl" in
      *-bearer)
        token="$(curl -s "$base/sign-in-bearer")"
        [ -n "$token" ] || { echo "http-bench: $impl: no token from /sign-in-bearer" >&2; exit 1; }
        headers=(-H "Authorization: Bearer $token")
        ;;
      *)
        cookie="$(session_cookie)"
        [ -n "$cookie" ] || { echo "http-bench: $impl: no session cookie from /sign-in" >&2; exit 1; }
        headers=(-H "Cookie: $cookie")
        ;;
    esac
  fi
  url="$base/$scenario"
  if [ "$warmup" != 0 ]; then
    taskset -c "$wrk_core" wrk -t1 -c"$connections" -d"${warmup}s" "${headers[@]}" "$url" >/dev/null
  fi
  local machine_before server_before wall_before wrk_ticks
  machine_before="$(machine_ticks)"
  server_before="$(server_ticks)"
  wall_before="$(date +%s%N)"
  # The subshell waits for wrk, so its children's time is wrk's (taskset execs it).
  wrk_ticks="$(
    taskset -c "$wrk_core" wrk -t1 -c"$connections" -d"$duration" --latency \
      "${headers[@]}" "$url" >"$log"
    awk '{ print $16 + $17 }' "/proc/$BASHPID/stat"
  )"
  foreign_pct="$(awk -v machine="$(($(machine_ticks) - machine_before))" \
    -v server="$(($(server_ticks) - server_before))" -v wrk="$wrk_ticks" \
    -v wall_ns="$(($(date +%s%N) - wall_before))" -v hz="$ticks_per_second" \
    'BEGIN { foreign = machine - server - wrk; if (foreign < 0) foreign = 0
             printf "%.0f", 100 * foreign / hz / (wall_ns / 1e9) }')"
  stop_server
  # Every response must be a 2xx: a 401 would mean the cookie was not accepted.
  if grep -q 'Non-2xx or 3xx responses' "$log"; then
    echo "http-bench: $impl $scenario: some responses were not 2xx; see $log" >&2
    exit 1
  fi
}

# Waits until the machine is quiet: less than MAX_FOREIGN_CPU percent of a core
# busy over 3 s (this script is idle meanwhile), for at most QUIET_TIMEOUT seconds.
wait_for_quiet() {
  local deadline=$((SECONDS + quiet_timeout)) before busy_pct
  while :; do
    before="$(machine_ticks)"
    sleep 3
    busy_pct=$((($(machine_ticks) - before) * 100 / (3 * ticks_per_second)))
    [ "$busy_pct" -le "$max_foreign_cpu" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "http-bench: the machine is still busy ($busy_pct % of a core); going on" >&2
      return 0
    fi
    echo "http-bench: waiting for a quiet machine ($busy_pct % of a core busy)" >&2
  done
}

echo "http-bench: start, $(uptime)" >&2
wait_for_quiet
printf 'scenario\timpl\tround\treq_per_s\tp50_us\tp99_us\tforeign_cpu_pct\tattempts\n' >"$results"
for scenario in $scenarios; do
  case "$suite:$scenario" in
    axum:validate | axum:write | axum:sign-in | actix:validate | actix:sign-in) ;;
    *) echo "http-bench: unknown $suite scenario $scenario (axum: validate, write," \
      "sign-in; actix: validate, sign-in)" >&2; exit 1 ;;
  esac
  for round in $(seq "$rounds"); do
    for impl in "${implementations[@]}"; do
      log="$out_dir/$scenario-$impl-$round.txt"
      # A run during which other processes took more than MAX_FOREIGN_CPU percent of
      # a core measured them too: it is repeated, up to ATTEMPTS times in all, and
      # the last attempt is kept either way (the results say how many it took).
      for attempt in $(seq "$attempts"); do
        measure
        [ "$foreign_pct" -le "$max_foreign_cpu" ] && break
        echo "http-bench: $scenario $impl round $round: other processes used" \
          "$foreign_pct % of a core; attempt $attempt of $attempts" >&2
        [ "$attempt" -lt "$attempts" ] && wait_for_quiet
      done
      req_per_s="$(awk '/^Requests\/sec:/ { print $2 }' "$log")"
      p50_us="$(to_us "$(awk '$1 == "50%" { print $2 }' "$log")")"
      p99_us="$(to_us "$(awk '$1 == "99%" { print $2 }' "$log")")"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$scenario" "$impl" "$round" "$req_per_s" \
        "$p50_us" "$p99_us" "$foreign_pct" "$attempt" >>"$results"
      printf 'http-bench: %-8s %-14s round %s: %10s req/s, p50 %7s us, p99 %8s us, others %2s %% of a core\n' \
        "$scenario" "$impl" "$round" "$req_per_s" "$p50_us" "$p99_us" "$foreign_pct" >&2
    done
  done
done
echo "http-bench: end, $(uptime)" >&2

# Medians per scenario and server (the range over the rounds beside them), then the
# ratios of the medians.
awk -F '\t' -v scenarios="$scenarios" -v pairs="$pairs" '
  # Sorts the space-separated numbers of `list` into `sorted[1..n]`; returns n.
  function sort_numbers(list, sorted,    count, i, j, swap) {
    count = split(list, sorted, " ")
    for (i = 2; i <= count; i++)
      for (j = i; j > 1 && sorted[j - 1] + 0 > sorted[j] + 0; j--) {
        swap = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = swap
      }
    return count
  }
  function median(list,    sorted, count) {
    count = sort_numbers(list, sorted)
    return count % 2 ? sorted[(count + 1) / 2] : (sorted[count / 2] + sorted[count / 2 + 1]) / 2
  }
  function range(list, format,    sorted, count) {
    count = sort_numbers(list, sorted)
    return sprintf("(" format "–" format ")", sorted[1], sorted[count])
  }
  NR > 1 {
    rps[$1, $2] = rps[$1, $2] " " $4; p50[$1, $2] = p50[$1, $2] " " $5
    p99[$1, $2] = p99[$1, $2] " " $6
  }
  END {
    printf "\n| scenario | server | req/s, median (range) | p50 µs, median | p99 µs, median (range) | req/s ratio | p99 ratio (other ÷ this) |\n"
    printf "| --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
    count = split(scenarios, names, " ")
    pair_count = split(pairs, pair_list, " ")
    for (k = 1; k <= count; k++) {
      s = names[k]
      for (p = 1; p <= pair_count; p++) {
        split(pair_list[p], two, ":"); n = two[1]; t = two[2]
        if (!((s, n) in rps) || !((s, t) in rps)) continue
        printf "| %s | %s | %.0f %s | %.0f | %.0f %s | %.2f ÷ %s | %.2f |\n", s, n,
          median(rps[s, n]), range(rps[s, n], "%.0f"), median(p50[s, n]),
          median(p99[s, n]), range(p99[s, n], "%.0f"),
          median(rps[s, n]) / median(rps[s, t]), t, median(p99[s, t]) / median(p99[s, n])
        printf "| %s | %s | %.0f %s | %.0f | %.0f %s | | |\n", s, t,
          median(rps[s, t]), range(rps[s, t], "%.0f"), median(p50[s, t]),
          median(p99[s, t]), range(p99[s, t], "%.0f")
      }
    }
  }' "$results"
