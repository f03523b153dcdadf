#!/usr/bin/env bash
# Builds every image of deploy/docker-compose.yml without a container registry: the base images
# come from Debian's packages (mkrootfs.sh), the binary from the host's cargo, and the images
# from Dockerfile.prebuilt and postgres/Dockerfile, which need no network. This is the path CI
# takes; with a registry, `docker compose -f deploy/docker-compose.yml up --build` is enough.
#
# Usage: deploy/build-images.sh
#        Prints `export` lines for BASE_IMAGE, POSTGRES_IMAGE and APP_DOCKERFILE on stdout, to
#        `eval` before running docker-compose on the images it built.
# Env:   COMPOSE_PROJECT_NAME   the project the app images are built for (compose names them
#                               after it; `up -p OTHER` would build again)
#        CARGO_TARGET_DIR       where cargo builds (default: the workspace's target/)
set -euo pipefail

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

# A BuildKit request fails outright without buildx, and compose v1's default of building
# through the docker CLI only adds a deprecation warning: build over the API, legacy builder.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0

start=$SECONDS
mapfile -t bases < <("$here/mkrootfs.sh")
[[ ${#bases[@]} -eq 2 ]] || die "mkrootfs.sh printed ${#bases[@]} tags, expected 2"
base_image=${bases[0]} pg_rootfs=${bases[1]}
pg_major=${pg_rootfs##*:}
log "base images ready in $((SECONDS - start))s: $base_image, $pg_rootfs"

t=$SECONDS
postgres_image=hearken/postgres:$pg_major
docker build -q -t "$postgres_image" --build-arg PG_ROOTFS="$pg_rootfs" \
    --build-arg PG_MAJOR="$pg_major" "$here/postgres" >/dev/null
log "built $postgres_image in $((SECONDS - t))s"

t=$SECONDS
target_dir=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && CARGO_TARGET_DIR=$target_dir cargo build --release --locked -p hearken)
install -D -m 0755 "$target_dir/release/hearken" "$here/bin/hearken"
log "built the hearken binary in $((SECONDS - t))s"

t=$SECONDS
export BASE_IMAGE=$base_image POSTGRES_IMAGE=$postgres_image APP_DOCKERFILE=Dockerfile.prebuilt
docker-compose -f "$here/docker-compose.yml" build >&2
log "built the app images in $((SECONDS - t))s (total $((SECONDS - start))s)"

printf 'export BASE_IMAGE=%q POSTGRES_IMAGE=%q APP_DOCKERFILE=%q\n' \
    "$BASE_IMAGE" "$POSTGRES_IMAGE" "$APP_DOCKERFILE"
