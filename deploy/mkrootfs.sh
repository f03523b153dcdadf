#!/usr/bin/env bash
# Builds the two base images the offline path needs, from Debian's own packages, for machines
# that cannot pull from a container registry:
#
#   hearken/debian:<suite>-slim      minbase Debian, slimmed like the official -slim images
#   hearken/postgres-rootfs:<major>  the same plus the suite's PostgreSQL server and gosu
#
# The suite is the host's (the app binary is built on the host, so its glibc must match the
# image's) and the mirror is read from the host's apt sources. An image whose tag already exists
# is left alone, so running this again is cheap. Needs root (debootstrap, chroot).
#
# Usage: deploy/mkrootfs.sh            (prints the two tags on stdout when done)
# Env:   SUITE, MIRROR, PG_MAJOR       override what is read from the host
#        KEEP_WORKDIR=1                keep the unpacked trees for inspection
set -euo pipefail

log() { printf 'mkrootfs: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap and chroot)"
for tool in debootstrap docker tar; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y $tool)"
done

# shellcheck source=/dev/null
SUITE=${SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}
[[ -n $SUITE ]] || die "cannot read VERSION_CODENAME from /etc/os-release; set SUITE"

# The first non-security mirror in the host's apt sources: deb822 first, then one-line style.
host_mirror() {
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
        [[ -n $uri ]] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        uri=$(awk '$1 == "deb" && $0 !~ /security/ {
                     for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")
        [[ -n $uri ]] && { echo "$uri"; return; }
    done
}
MIRROR=${MIRROR:-$(host_mirror)}
[[ -n $MIRROR ]] || die "no Debian mirror found in the host's apt sources; set MIRROR"

# The PostgreSQL major version the suite ships (the `postgresql` metapackage depends on it).
if [[ -z ${PG_MAJOR:-} ]]; then
    PG_MAJOR=$(apt-cache depends postgresql 2>/dev/null |
        sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n1)
fi
[[ -n ${PG_MAJOR:-} ]] || die "cannot tell the suite's PostgreSQL version; set PG_MAJOR"

BASE_TAG=hearken/debian:${SUITE}-slim
PG_TAG=hearken/postgres-rootfs:${PG_MAJOR}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

if have_image "$BASE_TAG" && have_image "$PG_TAG"; then
    log "$BASE_TAG and $PG_TAG exist; nothing to do"
    printf '%s\n%s\n' "$BASE_TAG" "$PG_TAG"
    exit 0
fi

WORK=$(mktemp -d /var/tmp/hearken-rootfs.XXXXXX)
cleanup() {
    # A failed chroot step may leave /proc mounted inside the tree; never rm through a mount.
    mountpoint -q "$WORK/pg/proc" 2>/dev/null && umount "$WORK/pg/proc"
    if [[ ${KEEP_WORKDIR:-0} == 1 ]]; then log "kept $WORK"; else rm -rf --one-file-system "$WORK"; fi
}
trap cleanup EXIT

# Configuration the official images carry so that later package installs stay slim and
# services never try to start inside a build (debuerreotype-minimizing-config).
minimize_config() {
    local root=$1
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$root/etc/apt/apt.conf.d"
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-include /usr/share/locale/currency/*
path-include /usr/share/locale/l10n/*
EOF
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' \
        >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # Apt inside the image sees the same archives as the host (deb822 when the host uses it).
    if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
        rm -f "$root/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
    elif [[ -f /etc/apt/sources.list ]]; then
        cp /etc/apt/sources.list "$root/etc/apt/sources.list"
    fi
}

# Files the excludes above would have kept out, plus caches, logs and the host's identity.
slim() {
    local root=$1
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/{man,info,groff,linda}/* "$root"/usr/share/lintian/overrides/*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 \
        -not -name locale.alias -not -name currency -not -name l10n -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/*-old \
        "$root"/var/log/apt/* "$root"/var/log/{dpkg,bootstrap,alternatives}.log \
        "$root"/var/cache/ldconfig/aux-cache "$root"/var/lib/dpkg/*-old "$root"/tmp/* "$root"/var/tmp/*
    mkdir -p "$root/var/lib/apt/lists/partial"
    # Docker bind-mounts its own; the tree must not carry the build host's.
    : >"$root/etc/resolv.conf"
    : >"$root/etc/hostname"
    : >"$root/etc/hosts"
}

import_tree() {
    local root=$1 tag=$2
    shift 2
    tar --numeric-owner --xattrs -C "$root" \
        --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . |
        docker import \
            -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            -c 'ENV LANG=C.UTF-8' \
            "$@" - "$tag" >/dev/null
    log "imported $tag ($(docker image inspect -f '{{.Size}}' "$tag" | numfmt --to=si)B)"
}

start=$SECONDS
log "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$WORK/base" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
minimize_config "$WORK/base"
log "bootstrapped in $((SECONDS - start))s"

if ! have_image "$PG_TAG"; then
    t=$SECONDS
    cp -a "$WORK/base" "$WORK/pg"
    cp /etc/resolv.conf "$WORK/pg/etc/resolv.conf"
    # The official image does this too: the entrypoint runs initdb itself, on the volume.
    mkdir -p "$WORK/pg/etc/postgresql-common/createcluster.d"
    echo 'create_main_cluster = false' \
        >"$WORK/pg/etc/postgresql-common/createcluster.d/00-no-main-cluster.conf"
    mount -t proc proc "$WORK/pg/proc"
    chroot "$WORK/pg" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-$PG_MAJOR gosu" \
        >"$WORK/pg-install.log" 2>&1 ||
        { tail -n 30 "$WORK/pg-install.log" >&2; die "installing postgresql-$PG_MAJOR failed"; }
    umount "$WORK/pg/proc"
    slim "$WORK/pg"
    import_tree "$WORK/pg" "$PG_TAG" -c 'CMD ["bash"]'
    log "postgres rootfs in $((SECONDS - t))s"
fi

if ! have_image "$BASE_TAG"; then
    slim "$WORK/base"
    import_tree "$WORK/base" "$BASE_TAG" -c 'CMD ["bash"]'
fi

log "done in $((SECONDS - start))s"
printf '%s\n%s\n' "$BASE_TAG" "$PG_TAG"
