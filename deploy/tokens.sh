#!/usr/bin/env bash
# Mints the tokens a Compose stack needs, which listens beyond loopback and so requires them
# (docs/security.md): an `admin` token for you and your scripts (ingest, read, admin), and an
# `enrich` token for the ingest role's calls to classify and influence (ingest, read). Only their
# SHA-256 reaches the servers. Prints `export` lines; the secrets are shown nowhere else:
#
#   eval "$(deploy/tokens.sh)"        # then: docker compose -f deploy/docker-compose.yml up
#   hearken import posts.csv          # HEARKEN_TOKEN is the admin secret
#
# Needs only coreutils. Keep the output (e.g. in a file only you can read) to reuse the tokens.
set -euo pipefail

secret() { printf 'hk_%s' "$(head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n')"; }
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

admin=$(secret)
enrich=$(secret)
tokens="tokens = [{ name = \"admin\", sha256 = \"$(sha256 "$admin")\", scopes = [\"ingest\", \"read\", \"admin\"] }, { name = \"enrich\", sha256 = \"$(sha256 "$enrich")\", scopes = [\"ingest\", \"read\"] }]"
printf 'export HEARKEN_TOKENS=%q\n' "$tokens"
printf 'export HEARKEN_PEER_TOKEN=%q\n' "$enrich"
printf 'export HEARKEN_TOKEN=%q\n' "$admin"
