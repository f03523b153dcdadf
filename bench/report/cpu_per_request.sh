#!/usr/bin/env bash
# CPU milliseconds per request of the server, PostgreSQL and the load generator, for each
# dashboard query under CLIENTS concurrent clients (default 16), on the PostgreSQL store that
# bench/report/run.sh seeded (run it first; this script seeds nothing and runs no baselines).
# Under N clients on C cores a request's latency is about N/C times the sum of its row.
#
# usage: bench/report/cpu_per_request.sh [CLIENTS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-16}
requests=${2:-400}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
pg=${HEARKEN_TEST_POSTGRES_URL:-postgres://hearken:hearken@127.0.0.1:5432/hearken}
url=${pg%/*}/hearken_bench

cargo build --release --quiet -p hearken -p hearken-report --bin hearken --example report_bench
target=${CARGO_TARGET_DIR:-target}/release
"$target/hearken" migrate --database-url "$url" >&2
"$target/hearken" serve --database-url "$url" --listen 127.0.0.1:50651 --http 127.0.0.1:51651 \
  >"$work/serve.log" 2>&1 &
for _ in $(seq 1 300); do
  "$target/hearken" healthcheck --server http://127.0.0.1:50651 >/dev/null 2>&1 && break
  sleep 0.2
done
python3 bench/report/cpu_per_request.py sample hearken,postgres,report_bench >"$work/cpu" &
HEARKEN_BENCH_BASELINE=0 "$target/examples/report_bench" load http://127.0.0.1:50651 "$url" \
  "$clients" "$requests" | python3 bench/report/cpu_per_request.py stamp >"$work/load"
sleep 0.5
# Each client's untimed first call is part of the work sampled.
python3 bench/report/cpu_per_request.py report "$work/cpu" "$work/load" $((requests + clients))
