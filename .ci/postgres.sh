#!/usr/bin/env bash
# Installs PostgreSQL from Debian's packages if it is missing, starts it, and makes a `hearken`
# superuser with a password, so that tests can create a database each. Prints the URL to use.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432 >&2

su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'hearken'\"" | grep -q 1 ||
  su postgres -c "psql -qc \"CREATE ROLE hearken LOGIN SUPERUSER PASSWORD 'hearken'\"" >&2
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'hearken'\"" | grep -q 1 ||
  su postgres -c "createdb -O hearken hearken" >&2

echo "postgres://hearken:hearken@127.0.0.1:5432/hearken"
