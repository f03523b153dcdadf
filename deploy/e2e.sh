#!/usr/bin/env bash
# End to end in real containers, under faults. Builds the images offline (build-images.sh),
# starts the compose stack with three classify replicas, streams real mentions (the airline
# tweets, repeated with new ids) into ingest from the host while it kills one classify replica,
# restarts the ingest container and restarts Postgres, then checks that every acknowledged
# mention was enriched exactly once, that the surviving classifiers served calls before and
# after the kill, and that the report service's volume totals what was acknowledged.
# Tears down with volumes removed, whatever happened.
#
# Usage: deploy/e2e.sh
# Env:   E2E_MENTIONS        mentions to stream (default 50000)
#        E2E_DRAIN_SECS      bound on enrichment catching up after the load (default 600)
#        E2E_BUILD_SECS      bound on building the images, cargo included (default 1800)
#        E2E_SERVICES        services to start (default: all of them)
#        HEARKEN_SHARED_DATA where the shared data sets are (default: ../shared/data beside the clone)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
data=${HEARKEN_SHARED_DATA:-$root/../shared/data}
n=${E2E_MENTIONS:-50000}
chunk=1000

export COMPOSE_PROJECT_NAME=hearken-e2e COMPOSE_FILE=$here/docker-compose.yml
# Ingest keeps one host port across its restart (an ephemeral one would change); the others
# are ephemeral, so the test never collides with a stack already running.
HEARKEN_INGEST_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HEARKEN_INGEST_PORT HEARKEN_REPORT_PORT='' HEARKEN_DASHBOARD_PORT=''
export POSTGRES_USER=hearken POSTGRES_PASSWORD=e2e-test POSTGRES_DB=hearken

tag=e2e
# shellcheck source=deploy/lib.sh
source "$here/lib.sh"
# The stack requires tokens; `hearken import` and `report` present HEARKEN_TOKEN.
eval "$("$here/tokens.sh")"
work=$(mktemp -d)
scratch=$work

t0=$SECONDS
exports=$(timeout "${E2E_BUILD_SECS:-1800}" "$here/build-images.sh") || fail "building the images"
eval "$exports"
build_secs=$((SECONDS - t0))
hearken=$here/bin/hearken

python3 "$root/bench/import/generate.py" "$data/twitter-us-airline-sentiment/Tweets.csv" "$n" \
    "$work/mentions.jsonl" "$work/unused.csv" >/dev/null
split -l "$chunk" -d -a 4 "$work/mentions.jsonl" "$work/chunk-"
chunks=("$work"/chunk-*)
log "generated $n mentions in ${#chunks[@]} chunks"

t=$SECONDS
read -r -a services <<<"${E2E_SERVICES:-}"
start_stack --scale classify=3 "${services[@]}"
wait_healthy 240
log "stack healthy in $((SECONDS - t))s"
ingest_url=http://127.0.0.1:$HEARKEN_INGEST_PORT
psql() { compose exec -T postgres psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAq "$@"; }

# The faults strike at fixed points of the load, however fast the machine: one classify replica
# is killed after a fifth of the chunks, ingest is restarted after two fifths and Postgres after
# three. The restarts run beside the load, so the chunks that follow meet them.
total=${#chunks[@]}
restarts=()
fault() {
    case $1 in
    $((total / 5)))
        mapfile -t classify_ids < <(compose ps -q classify)
        ((${#classify_ids[@]} == 3)) || fail "expected 3 classify replicas, found ${#classify_ids[@]}"
        victim=${classify_ids[0]}
        kill_time=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
        docker kill "$victim" >/dev/null
        log "killed classify replica ${victim:0:12} after $1 of $total chunks"
        ;;
    $((total * 2 / 5)))
        timeout 120 docker-compose -p "$COMPOSE_PROJECT_NAME" restart ingest >/dev/null &
        restarts+=($!)
        log "restarting ingest after $1 of $total chunks"
        ;;
    $((total * 3 / 5)))
        timeout 120 docker-compose -p "$COMPOSE_PROJECT_NAME" restart postgres >/dev/null &
        restarts+=($!)
        log "restarting postgres after $1 of $total chunks"
        ;;
    esac
}

# The load: each chunk is imported until one whole run succeeds. A run cut short by a fault
# may have stored part of the chunk; ingestion is idempotent on the mentions' ids, so the
# successful run reports the rest as duplicates and the chunk counts in full, exactly once.
t_load=$SECONDS
acked=0 rejected=0 done_chunks=0
for file in "${chunks[@]}"; do
    attempt=0
    until report=$(timeout 120 "$hearken" import --server "$ingest_url" "$file" 2>>"$work/import.err"); do
        attempt=$((attempt + 1))
        ((attempt < 60)) || fail "chunk $file failed 60 times: $(tail -n 5 "$work/import.err")"
        sleep 2
    done
    acked=$((acked + $(sed -n 's/.*: \([0-9]*\) accepted, \([0-9]*\) duplicates, \([0-9]*\) rejected.*/\1+\2/p' <<<"$report" | head -n1)))
    refused=$(sed -n 's/.* \([0-9]*\) rejected.*/\1/p' <<<"$report" | head -n1)
    rejected=$((rejected + ${refused:-0}))
    fault $((done_chunks += 1))
done
for pid in "${restarts[@]}"; do
    wait "$pid" || fail "a restart did not complete"
done
load_secs=$((SECONDS - t_load))
log "acknowledged $acked mentions ($rejected rejected by validation) in ${load_secs}s"

t=$SECONDS
deadline=$((SECONDS + ${E2E_DRAIN_SECS:-600}))
until [[ $(psql -c 'select count(*) from mentions where status = 1' 2>/dev/null) == 0 ]]; do
    ((SECONDS < deadline)) || fail "enrichment did not drain in ${E2E_DRAIN_SECS:-600}s"
    sleep 2
done
drain_secs=$((SECONDS - t))

stored=$(psql -c 'select count(*) from mentions')
distinct=$(psql -c 'select count(distinct (source, external_id)) from mentions')
enriched=$(psql -c 'select count(*) from mentions where status = 2')
dead=$(psql -c 'select count(*) from mentions where status = 3')
# What a user of the report service sees: the weekly volume over all time, summed.
report_url=http://$(compose port report 50051)
reported=$("$hearken" report volume --server "$report_url" --bucket week --format csv |
    python3 -c 'import csv, sys; print(sum(int(r["count"]) for r in csv.DictReader(sys.stdin)))')

# Calls per replica, from each classify container's access log, before and after the kill.
declare -A before after
for id in "${classify_ids[@]}"; do
    logs=$(docker logs "$id" 2>&1 | grep 'ClassifyService/Classify' || true)
    before[$id]=$(docker logs --until "$kill_time" "$id" 2>&1 | grep -c 'ClassifyService/Classify' || true)
    after[$id]=$(($(grep -c . <<<"$logs" || true) - before[$id]))
done

log "summary: acknowledged $acked, stored $stored, enriched $enriched, duplicates $((stored - distinct)), dead-lettered $dead, reported $reported, drained in ${drain_secs}s"
for id in "${classify_ids[@]}"; do
    log "  classify ${id:0:12}: ${before[$id]} calls before the kill, ${after[$id]} after$([[ $id == "$victim" ]] && echo ' (killed)')"
done

((stored == acked)) || fail "acknowledged $acked but stored $stored"
((distinct == stored)) || fail "$((stored - distinct)) duplicate mentions"
((enriched == acked)) || fail "acknowledged $acked but enriched $enriched"
((dead == 0)) || fail "$dead mentions dead-lettered"
((reported == acked)) || fail "the report service counts $reported mentions, acknowledged $acked"
for id in "${classify_ids[@]:1}"; do
    ((before[$id] > 0 && after[$id] > 0)) ||
        fail "surviving classify ${id:0:12} served ${before[$id]} calls before the kill and ${after[$id]} after"
done
log "passed (build ${build_secs}s, load ${load_secs}s, drain ${drain_secs}s, total ${SECONDS}s)"
