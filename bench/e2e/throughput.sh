#!/usr/bin/env bash
# End-to-end throughput of the Compose stack: mentions per second from the first one sent to
# the last one enriched (acknowledged → classified, scored, rolled up), with 1 and then 3
# classify replicas, on the same images and the same mentions in one run. No faults: this
# measures speed; deploy/e2e.sh measures correctness under faults.
#
# Usage: bench/e2e/throughput.sh
# Env:   BENCH_MENTIONS       mentions per run (default 20000)
#        BENCH_REPLICAS       classify replica counts to compare (default "1 3")
#        HEARKEN_SHARED_DATA  where the shared data sets are (default: ../shared/data beside the clone)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/deploy
data=${HEARKEN_SHARED_DATA:-$root/../shared/data}
n=${BENCH_MENTIONS:-20000}

export COMPOSE_PROJECT_NAME=hearken-bench COMPOSE_FILE=$here/docker-compose.yml
export HEARKEN_INGEST_PORT='' HEARKEN_REPORT_PORT='' HEARKEN_DASHBOARD_PORT=''
export POSTGRES_USER=hearken POSTGRES_PASSWORD=bench POSTGRES_DB=hearken

tag=throughput
# shellcheck source=deploy/lib.sh
source "$here/lib.sh"
# The stack requires tokens; `hearken import` and `report` present HEARKEN_TOKEN.
eval "$("$here/tokens.sh")"
work=$(mktemp -d)
scratch=$work

eval "$("$here/build-images.sh")"
hearken=$here/bin/hearken
python3 "$root/bench/import/generate.py" "$data/twitter-us-airline-sentiment/Tweets.csv" "$n" \
    "$work/mentions.jsonl" "$work/unused.csv" >/dev/null
psql() { compose exec -T postgres psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAq "$@"; }
now() { date +%s.%N; }

results=()
for replicas in ${BENCH_REPLICAS:-1 3}; do
    start_stack --scale "classify=$replicas" >/dev/null 2>&1
    wait_healthy 240
    ingest_url=http://$(compose port ingest 50051)
    t0=$(now)
    "$hearken" import --server "$ingest_url" "$work/mentions.jsonl" >/dev/null
    acked=$(now)
    until [[ $(psql -c 'select count(*) from mentions where status = 2') == "$n" ]]; do
        [[ $(psql -c 'select count(*) from mentions where status = 3') == 0 ]] || fail "dead letters"
        sleep 0.5
    done
    done_at=$(now)
    row=$(python3 -c "
t0, acked, done, n = $t0, $acked, $done_at, $n
print(f'| $replicas | {n:,} | {acked - t0:.1f} s | {n / (acked - t0):,.0f} | {done - t0:.1f} s | {n / (done - t0):,.0f} |')")
    log "$row"
    results+=("$row")
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "| classify replicas | mentions | all acknowledged after | acknowledged/s | all enriched after | enriched/s (end to end) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
echo "load average at the end: $load; $(nproc) cores"
