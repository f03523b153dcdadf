#!/usr/bin/env bash
# Smoke test of the compose stack in real containers, offline: build the images
# (build-images.sh), start the stack, wait until every container is healthy, check health from
# the host through the published port, import a small real sample through ingest, check that
# Postgres holds it, tear everything down with its volumes. Exits non-zero on any failure and
# tears down on the way out, whatever happened.
#
# Usage: deploy/smoke.sh
# Env:   SMOKE_SERVICES      the services to start (default: every one in the compose file)
#        SMOKE_HEALTH_SECS   how long the stack may take to become healthy (default 180)
#        SMOKE_BUILD_SECS    bound on building the images, cargo included (default 1800)
#        HEARKEN_SHARED_DATA where the shared data sets are (default: ../shared/data beside the clone)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
data=${HEARKEN_SHARED_DATA:-$root/../shared/data}
sample=$data/mastodon-api-samples/context_mastodon.social_109294719267373593.json

export COMPOSE_PROJECT_NAME=hearken-smoke COMPOSE_FILE=$here/docker-compose.yml
# Ephemeral host ports, so the smoke test never collides with a stack or test already running.
export HEARKEN_INGEST_PORT='' HEARKEN_REPORT_PORT=''
export POSTGRES_USER=hearken POSTGRES_PASSWORD=smoke-test POSTGRES_DB=hearken

tag=smoke
# shellcheck source=deploy/lib.sh
source "$here/lib.sh"
# The stack requires tokens; `hearken import` and `report` present HEARKEN_TOKEN.
eval "$("$here/tokens.sh")"

[[ -r $sample ]] || fail "sample not found: $sample (set HEARKEN_SHARED_DATA)"

t0=$SECONDS
exports=$(timeout "${SMOKE_BUILD_SECS:-1800}" "$here/build-images.sh") || fail "building the images"
eval "$exports"
build_secs=$((SECONDS - t0))
hearken=$here/bin/hearken

# A service whose role the binary does not have yet would only crash-loop: leave it out, loudly.
# Clap rejects an unknown --role before it looks at anything else, and before serving.
has_role() {
    local out
    out=$("$hearken" serve --role "$1" --listen not-an-address 2>&1 || true)
    ! grep -q -- "for '--role" <<<"$out"
}
if [[ -n ${SMOKE_SERVICES:-} ]]; then
    read -r -a services <<<"$SMOKE_SERVICES"
else
    services=()
    for service in $(compose config --services); do
        role=$(compose config | awk -v s="  $service:" '
            $0 == s { inside = 1; next }
            inside && /^  [^ ]/ { exit }
            inside && /^ *- --role$/ { getline; print $2; exit }')
        if [[ -z $role ]] || has_role "$role"; then
            services+=("$service")
        else
            log "SKIPPED service $service: this binary has no role '$role' yet"
        fi
    done
fi
log "starting: ${services[*]}"
t=$SECONDS
start_stack "${services[@]}"
wait_healthy "${SMOKE_HEALTH_SECS:-180}"
health_secs=$((SECONDS - t))
log "all containers healthy in ${health_secs}s"

ingest_addr=$(compose port ingest 50051)
[[ -n $ingest_addr ]] || fail "ingest publishes no port"
ingest_url=http://$ingest_addr
timeout 10 "$hearken" healthcheck --server "$ingest_url" || fail "healthcheck from the host against $ingest_url"
log "healthcheck from the host: $ingest_url is SERVING"

psql() { compose exec -T postgres psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAq "$@"; }

if "$hearken" import --help >/dev/null 2>&1; then
    before=$(psql -c 'select count(*) from mentions') || fail "counting mentions"
    report=$(timeout 60 "$hearken" import --server "$ingest_url" "$sample") || fail "hearken import"
    printf '%s\n' "$report" >&2
    accepted=$(sed -n 's/.*: \([0-9][0-9]*\) accepted,.*/\1/p' <<<"$report" | head -n1)
    [[ -n $accepted ]] || fail "cannot read the accepted count from hearken import"
    ((accepted > 0)) || fail "ingest accepted none of the sample"
    after=$(psql -c 'select count(*) from mentions') || fail "counting mentions"
    log "mentions in postgres: $before before, $after after; ingest acknowledged $accepted"
    ((after - before == accepted)) || fail "ingest acknowledged $accepted mentions, postgres gained $((after - before))"
    # Importing again must store nothing new: ingest de-duplicates on the source's ids.
    timeout 60 "$hearken" import --server "$ingest_url" "$sample" >/dev/null || fail "second hearken import"
    again=$(psql -c 'select count(*) from mentions') || fail "counting mentions"
    ((again == after)) || fail "a second import of the same file added $((again - after)) mentions"
else
    log "SKIPPED the import check: this binary has no \`hearken import\` yet"
fi

log "passed (build ${build_secs}s, healthy ${health_secs}s, total ${SECONDS}s)"
