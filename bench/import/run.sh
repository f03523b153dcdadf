#!/usr/bin/env bash
# Import throughput, side by side in one run: `hearken import` of N mentions into SQLite and into
# PostgreSQL, and PostgreSQL's COPY of the same rows into the same table (the ceiling).
#
# usage: bench/import/run.sh [N]        (default 1000000; needs .ci/postgres.sh's server)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
shared=${HEARKEN_SHARED_DATA:-../shared/data}
pg_base=$(bash .ci/postgres.sh)
server=${pg_base%/*}

cargo build --release -p hearken --quiet
bin=${CARGO_TARGET_DIR:-target}/release/hearken
python3 bench/import/generate.py "$shared/twitter-us-airline-sentiment/Tweets.csv" "$n" "$work/mentions.jsonl" "$work/copy.csv"
echo "generated $n mentions ($(du -h "$work/mentions.jsonl" | cut -f1) of JSON lines)"

fresh_pg() {
  local name="hearken_bench_$1_$$"
  psql -q "$pg_base" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
  echo "$server/$name"
}

import_into() {
  local label=$1 url=$2 port=$3
  "$bin" serve --enrich false --database-url "$url" --listen "127.0.0.1:$port" >"$work/$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do "$bin" healthcheck --server "http://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.1; done
  local start end
  start=$(date +%s.%N)
  "$bin" import "$work/mentions.jsonl" --server "http://127.0.0.1:$port" | head -1
  end=$(date +%s.%N)
  kill -TERM "$pid"; wait "$pid" || true
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'$label: {s:.1f} s, {int(sys.argv[3])/s:,.0f} mentions/s')" "$start" "$end" "$n" | tee -a "$work/results"
}

import_into "hearken import → SQLite" "sqlite://$work/bench.db" 50611
import_into "hearken import → PostgreSQL" "$(fresh_pg import)" 50612

# The same rows, straight into the same (migrated, indexed) table with COPY.
copy_url=$(fresh_pg copy)
"$bin" serve --database-url "$copy_url" --listen 127.0.0.1:50613 >"$work/copy.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do "$bin" healthcheck --server http://127.0.0.1:50613 >/dev/null 2>&1 && break; sleep 0.1; done
kill -TERM "$pid"; wait "$pid" || true
start=$(date +%s.%N)
psql -q "$copy_url" -c "\\copy mentions (source, external_id, author_handle, text, created_at, ingested_at) FROM '$work/copy.csv' CSV"
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'PostgreSQL COPY (ceiling): {s:.1f} s, {int(sys.argv[3])/s:,.0f} mentions/s')" "$start" "$end" "$n" | tee -a "$work/results"
psql -qtA "$copy_url" -c "SELECT count(*) FROM mentions" | xargs -I{} echo "rows after COPY: {}"
