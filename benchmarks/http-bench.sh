#!/usr/bin/env bash
# The HTTP benchmark: the same axum app with narvik-axum and with tower-sessions
# (`src/bin/http_server.rs`, both on in-memory stores), loaded by wrk over loopback,
# as the "HTTP" section of BENCHMARKS.md was taken.
#
#   benchmarks/http-bench.sh
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
# Then a table: per scenario and server, the median over the rounds of requests per
# second and of wrk's p99 latency, and the ratios narvik/tower-sessions (req/s) and
# tower-sessions/narvik (p99): above 1 means narvik is ahead. Every run's figures
# go to RESULTS (default target/http-bench/results.tsv), wrk's output beside it.
#
# Installs wrk (Debian's package) when missing. Traffic goes to 127.0.0.1 only.
# Run time: rounds x scenarios x 2 x (warm-up + duration + ~1 s); ~3.5 minutes
# with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

server_core="${SERVER_CORE:-1}"
wrk_core="${WRK_CORE:-0}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10s}"
warmup="${WARMUP:-2}"
connections="${CONNECTIONS:-32}"
scenarios="${SCENARIOS:-validate write sign-in}"
port="${PORT:-38080}"
out_dir="target/http-bench"
results="${RESULTS:-$out_dir/results.tsv}"
implementations=(narvik tower-sessions)

if ! command -v wrk >/dev/null; then
  echo "http-bench: installing wrk" >&2
  apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
for tool in curl taskset awk; do
  command -v "$tool" >/dev/null || { echo "http-bench: needs $tool" >&2; exit 1; }
done

cargo build --release -p narvik-benchmarks --bin http_server
server_bin="target/release/http_server"
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

# Starts the server of $1 on its core and waits until it answers.
start_server() {
  taskset -c "$server_core" "$server_bin" --impl "$1" --addr "127.0.0.1:$port" \
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

printf 'scenario\timpl\tround\treq_per_s\tp99_us\n' >"$results"
for scenario in $scenarios; do
  case "$scenario" in
    validate | write | sign-in) ;;
    *) echo "http-bench: unknown scenario $scenario (validate, write, sign-in)" >&2; exit 1 ;;
  esac
  for round in $(seq "$rounds"); do
    for impl in "${implementations[@]}"; do
      start_server "$impl"
      headers=()
      if [ "$scenario" != sign-in ]; then
        cookie="$(session_cookie)"
        [ -n "$cookie" ] || { echo "http-bench: $impl: no session cookie from /sign-in" >&2; exit 1; }
        headers=(-H "Cookie: $cookie")
      fi
      url="$base/$scenario"
      if [ "$warmup" != 0 ]; then
        taskset -c "$wrk_core" wrk -t1 -c"$connections" -d"${warmup}s" "${headers[@]}" "$url" >/dev/null
      fi
      log="$out_dir/$scenario-$impl-$round.txt"
      taskset -c "$wrk_core" wrk -t1 -c"$connections" -d"$duration" --latency "${headers[@]}" "$url" >"$log"
      stop_server
      # Every response must be a 2xx: a 401 would mean the cookie was not accepted.
      if grep -q 'Non-2xx or 3xx responses' "$log"; then
        echo "http-bench: $impl $scenario: some responses were not 2xx; see $log" >&2
        exit 1
      fi
      req_per_s="$(awk '/^Requests\/sec:/ { print $2 }' "$log")"
      p99="$(awk '$1 == "99%" { print $2 }' "$log")"
      p99_us="$(to_us "$p99")"
      printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$impl" "$round" "$req_per_s" "$p99_us" >>"$results"
      printf 'http-bench: %-8s %-14s round %s: %10s req/s, p99 %9s us\n' \
        "$scenario" "$impl" "$round" "$req_per_s" "$p99_us" >&2
    done
  done
done

# Medians per scenario and server, then the ratios.
awk -F '\t' -v scenarios="$scenarios" '
  function median(list,    values, count, i, j, swap) {
    count = split(list, values, " ")
    for (i = 2; i <= count; i++)
      for (j = i; j > 1 && values[j - 1] + 0 > values[j] + 0; j--) {
        swap = values[j]; values[j] = values[j - 1]; values[j - 1] = swap
      }
    return count % 2 ? values[(count + 1) / 2] : (values[count / 2] + values[count / 2 + 1]) / 2
  }
  NR > 1 { rps[$1, $2] = rps[$1, $2] " " $4; p99[$1, $2] = p99[$1, $2] " " $5 }
  END {
    printf "\n| scenario | impl | req/s (median) | p99 (median) | req/s narvik/tower | p99 tower/narvik |\n"
    printf "| --- | --- | ---: | ---: | ---: | ---: |\n"
    count = split(scenarios, names, " ")
    for (k = 1; k <= count; k++) {
      s = names[k]
      n_rps = median(rps[s, "narvik"]); t_rps = median(rps[s, "tower-sessions"])
      n_p99 = median(p99[s, "narvik"]); t_p99 = median(p99[s, "tower-sessions"])
      printf "| %s | narvik-axum | %.0f | %.0f µs | %.2f | %.2f |\n", s, n_rps, n_p99, n_rps / t_rps, t_p99 / n_p99
      printf "| %s | tower-sessions | %.0f | %.0f µs | | |\n", s, t_rps, t_p99
    }
  }' "$results"
