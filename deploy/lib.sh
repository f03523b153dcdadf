# Shared by deploy/smoke.sh and deploy/e2e.sh: logging, the compose project, teardown on exit,
# and waiting for a healthy stack. Source it after setting COMPOSE_PROJECT_NAME and `tag`.

log() { printf '%s: %s\n' "$tag" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }
compose() { docker-compose -p "$COMPOSE_PROJECT_NAME" "$@"; }

started=0
# A scratch directory of the caller's, removed on exit.
scratch=
cleanup() {
    local rc=$?
    [[ -z $scratch ]] || rm -rf "$scratch"
    if [[ $started == 1 ]]; then
        if [[ $rc != 0 ]]; then
            log "last logs of every service:"
            timeout 60 docker-compose -p "$COMPOSE_PROJECT_NAME" ps >&2 || true
            timeout 60 docker-compose -p "$COMPOSE_PROJECT_NAME" logs --no-color --tail=40 >&2 || true
        fi
        timeout 120 docker-compose -p "$COMPOSE_PROJECT_NAME" down -v --remove-orphans >&2 ||
            log "warning: teardown failed"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts `up -d` with the given arguments after removing a leftover project of a killed run.
start_stack() {
    started=1
    timeout 120 docker-compose -p "$COMPOSE_PROJECT_NAME" down -v --remove-orphans >/dev/null 2>&1 || true
    timeout 300 docker-compose -p "$COMPOSE_PROJECT_NAME" up -d --no-build "$@"
}

# Waits until every long-running container is healthy; one-shot containers (migrate) must
# have exited 0. Any unhealthy, crashed or dead container fails at once.
wait_healthy() {
    local limit=$1 deadline=$((SECONDS + $1)) ids states bad
    while :; do
        mapfile -t ids < <(compose ps -q)
        [[ ${#ids[@]} -gt 0 ]] || fail "no containers"
        states=$(docker inspect -f '{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "${ids[@]}")
        bad=$(grep -E ' (exited|dead) [1-9][0-9]* | unhealthy$' <<<"$states" || true)
        [[ -z $bad ]] || fail "container down or unhealthy: $(tr '\n' ';' <<<"$bad")"
        if ! grep -Ev ' running 0 healthy$| exited 0 none$' <<<"$states" >/dev/null; then
            return 0
        fi
        ((SECONDS < deadline)) || fail "not healthy after ${limit}s: $(tr '\n' ';' <<<"$states")"
        sleep 2
    done
}
