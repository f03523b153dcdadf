#!/usr/bin/env bash
# Dashboard query latency on N enriched mentions (default 1,000,000) on PostgreSQL and on
# SQLite: each dashboard query over gRPC against `hearken serve --role all`, under CLIENTS
# concurrent clients (default 16) until REQUESTS (default 800) were answered, side by side
# with the same query as a plain GROUP BY over the mentions.
#
# Seeding: the distinct airline tweets go once through the real pipeline (import, classify,
# locate, influence) into a base store; the N mentions (those tweets again with new ids, 7.8 s
# apart, about 90 days) are imported with enrichment off and completed through the store's
# enrichment path with the base's result for their text (crates/hearken-report/examples/
# report_bench).
#
# usage: bench/report/run.sh [N] [CLIENTS] [REQUESTS]
# HEARKEN_BENCH_DIR=dir keeps the stores there; with HEARKEN_BENCH_REUSE=1 a second run skips
# seeding and only measures. HEARKEN_BENCH_STORES (default "postgres sqlite") names the stores
# to seed and measure. HEARKEN_BENCH_BASELINE=0 leaves the plain GROUP BYs out.
# HEARKEN_BENCH_CPU=1 also prints each query's CPU milliseconds per request in the server,
# the database and the load generator (bench/report/cpu_per_request.py); the plain GROUP BYs
# are then left out, as they would be counted with the query they follow.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
clients=${2:-16}
requests=${3:-800}
cpu=${HEARKEN_BENCH_CPU:-0}
if [ "$cpu" = 1 ]; then export HEARKEN_BENCH_BASELINE=0; fi
work=${HEARKEN_BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
shared=${HEARKEN_SHARED_DATA:-../shared/data}
pg=${HEARKEN_TEST_POSTGRES_URL:-postgres://hearken:hearken@127.0.0.1:5432/hearken}
pg_bench=${pg%/*}/hearken_bench
tweets="$shared/twitter-us-airline-sentiment/Tweets.csv"

cargo build --release --quiet -p hearken -p hearken-report --bin hearken --example report_bench
target=${CARGO_TARGET_DIR:-target}/release
bin=$target/hearken
bench=$target/examples/report_bench

serve() { # name url port [flags...]: serves every role in the background, waits until healthy
  local name=$1 url=$2 port=$3
  shift 3
  "$bin" serve --database-url "$url" --listen "127.0.0.1:$port" --http "127.0.0.1:$((port + 1000))" "$@" \
    >"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
  for _ in $(seq 1 300); do
    "$bin" healthcheck --server "http://127.0.0.1:$port" >/dev/null 2>&1 && return
    kill -0 "$(cat "$work/$name.pid")" 2>/dev/null || break
    sleep 0.2
  done
  echo "$name did not become healthy; see $work/$name.log" >&2
  exit 1
}
stop() { kill -TERM "$(cat "$work/$1.pid")"; wait "$(cat "$work/$1.pid")" || true; }
wanted() { [[ " ${HEARKEN_BENCH_STORES:-postgres sqlite} " == *" $1 "* ]]; }
timed() { # label command...: runs it and prints the wall time
  local label=$1 start
  shift
  start=$(date +%s.%N)
  "$@"
  python3 -c "import sys; print(f'{sys.argv[1]}: {float(sys.argv[3]) - float(sys.argv[2]):.1f} s')" "$label" "$start" "$(date +%s.%N)"
}

seed_base() { # every distinct tweet once through the real enrich pipeline
  local rows
  rows=$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1], encoding='utf-8')) if ' ' not in r['name']))" "$tweets")
  python3 bench/import/generate.py "$tweets" "$rows" "$work/base.jsonl" /dev/null
  rm -f "$work"/base.db*
  "$bench" topics "sqlite://$work/base.db"
  serve base "sqlite://$work/base.db" 50621
  "$bin" import "$work/base.jsonl" --server http://127.0.0.1:50621 | head -1
  until "$bin" status --server http://127.0.0.1:50621 | grep -q "queue 0 pending"; do sleep 1; done
  stop base
}

seed() { # name url port: N mentions imported, then enriched from the base
  local name=$1 url=$2 port=$3
  "$bench" topics "$url"
  serve "$name-import" "$url" "$port" --enrich false
  timed "import $n mentions into $name" "$bin" import "$work/mentions.jsonl" --server "http://127.0.0.1:$port" | grep -v '^  '
  stop "$name-import"
  "$bench" enrich "sqlite://$work/base.db" "$url"
}

if [ "${HEARKEN_BENCH_REUSE:-0}" != 1 ]; then
  timed "base store (distinct tweets through the pipeline)" seed_base
  python3 bench/import/generate.py "$tweets" "$n" "$work/mentions.jsonl" /dev/null 7.776
  psql -q "$pg" -c "DROP DATABASE IF EXISTS hearken_bench" -c "CREATE DATABASE hearken_bench"
  rm -f "$work"/bench.db*
  if wanted postgres; then
    seed postgres "$pg_bench" 50631
    psql -q "$pg_bench" -c "VACUUM ANALYZE"
  fi
  if wanted sqlite; then seed sqlite "sqlite://$work/bench.db" 50641; fi
fi

measure() { # name url port
  local name=$1 url=$2 port=$3
  # A store seeded by an earlier build may have migrations to catch up on.
  timed "migrate $name" "$bin" migrate --database-url "$url" >&2
  serve "$name" "$url" "$port"
  echo
  echo "### $name: $n mentions, $clients clients, $requests requests per query; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  if [ "$cpu" = 1 ]; then
    python3 bench/report/cpu_per_request.py sample hearken,postgres,report_bench >"$work/$name.cpu" &
    local sampler=$!
    "$bench" load "http://127.0.0.1:$port" "$url" "$clients" "$requests" |
      python3 bench/report/cpu_per_request.py stamp >"$work/$name.load"
    kill "$sampler"
    echo
    # Each client's untimed first call is part of the work sampled.
    python3 bench/report/cpu_per_request.py report "$work/$name.cpu" "$work/$name.load" \
      $((requests + clients))
  else
    "$bench" load "http://127.0.0.1:$port" "$url" "$clients" "$requests"
  fi
  echo
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  stop "$name"
}
if wanted postgres; then measure PostgreSQL "$pg_bench" 50631; fi
if wanted sqlite; then measure SQLite "sqlite://$work/bench.db" 50641; fi
