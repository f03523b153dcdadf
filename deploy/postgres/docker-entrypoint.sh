#!/usr/bin/env bash
# A small subset of the official postgres image's entrypoint (docker-library/postgres,
# docker-entrypoint.sh): on first start, initdb with POSTGRES_USER/POSTGRES_PASSWORD and create
# POSTGRES_DB; listen on every address with scram-sha-256 password auth; then run the server as
# the postgres user. Scripts in /docker-entrypoint-initdb.d (*.sql, *.sh) run once, after initdb.
set -Eeuo pipefail

# `docker run IMAGE -c shared_buffers=…` passes server flags, as with the official image.
if [[ ${1:-} == -* ]]; then
    set -- postgres "$@"
fi

if [[ ${1:-} != postgres ]]; then
    exec "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_INITDB_ARGS:=}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export POSTGRES_USER POSTGRES_DB

if [[ $(id -u) -eq 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 2775 /var/run/postgresql
    exec gosu postgres "$BASH_SOURCE" "$@"
fi

if [[ ! -s $PGDATA/PG_VERSION ]]; then
    if [[ -z ${POSTGRES_PASSWORD:-} && $POSTGRES_HOST_AUTH_METHOD != trust ]]; then
        echo "error: database is uninitialized and POSTGRES_PASSWORD is not set" >&2
        echo "       (set POSTGRES_HOST_AUTH_METHOD=trust to allow connections without one)" >&2
        exit 1
    fi
    # The password goes in on stdin, never on a command line that ps could show.
    pwfile=()
    [[ -n ${POSTGRES_PASSWORD:-} ]] && pwfile=(--pwfile=/dev/stdin)
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of flags
    initdb --username="$POSTGRES_USER" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
        "${pwfile[@]}" $POSTGRES_INITDB_ARGS <<<"${POSTGRES_PASSWORD:-}"

    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
    printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

    # A temporary server on the socket only, so that nothing can connect over TCP (and no
    # pg_isready -h 127.0.0.1 health check passes) before initialisation is complete.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start

    psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    exists=$("${psql[@]}" --dbname postgres -tA --set db="$POSTGRES_DB" \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'db'")
    if [[ -z $exists ]]; then
        "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db"'
    fi

    for f in /docker-entrypoint-initdb.d/*; do
        case $f in
            *.sh) echo "running $f"; . "$f" ;;
            *.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *) [[ -e $f ]] && echo "ignoring $f" ;;
        esac
    done

    pg_ctl -D "$PGDATA" -m fast -w stop
    echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
