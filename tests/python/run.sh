#!/usr/bin/env bash
# The Python client check: a virtual environment with grpcio, grpcio-tools and grpc_requests,
# stubs generated from proto/, and client_test.py against a hearken server started here on a
# fresh SQLite file.
#
# Usage: tests/python/run.sh [HEARKEN_BINARY]   (default: target/debug/hearken)
# Env:   HEARKEN_PY_VENV   where the virtual environment lives (default target/py-venv)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-$root/target/debug/hearken}
venv=${HEARKEN_PY_VENV:-$root/target/py-venv}
work=$(mktemp -d)
server=
trap '[[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$root/tests/python/requirements.txt"
"$venv/bin/python" -m grpc_tools.protoc -I "$root/proto" --python_out="$work" \
    --grpc_python_out="$work" "$root"/proto/hearken/v1/*.proto
touch "$work/hearken/__init__.py" "$work/hearken/v1/__init__.py"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --http 127.0.0.1:0 \
    --database-url "sqlite://$work/hearken.db" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    "$bin" healthcheck --server "http://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.2
done
"$venv/bin/python" "$root/tests/python/client_test.py" "$work" "127.0.0.1:$port"
