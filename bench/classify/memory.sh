#!/usr/bin/env bash
# Peak memory (VmHWM) of a classify server under a bounded concurrent load.
#
#   bash bench/classify/memory.sh [CONCURRENCY] [BATCH] [REQUESTS_PER_CLIENT]
#
# Starts `hearken serve --role classify` (release build, default model) on a free local port,
# drives it with the crate's `load` example (CONCURRENCY clients, each sending
# REQUESTS_PER_CLIENT `Classify` calls of BATCH texts and one `ClassifyStream` of BATCH texts,
# texts from the VADER reference corpora), then reads VmHWM from /proc/PID/status. Linux only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${HEARKEN_SHARED_DATA:-$root/../shared/data}
concurrency=${1:-32}
batch=${2:-200}
requests=${3:-40}
port=${PORT:-50977}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

cargo build -q --release -p hearken --manifest-path "$root/Cargo.toml"
cargo build -q --release -p hearken-classify --example load --manifest-path "$root/Cargo.toml"
hearken=$CARGO_TARGET_DIR/release/hearken

tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
python3 "$root/bench/classify/make_texts.py" "$shared/vader-reference" 23703 "$tmp/texts.txt"

"$hearken" serve --role classify --listen "127.0.0.1:$port" > "$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  "$hearken" healthcheck --server "http://127.0.0.1:$port" > /dev/null 2>&1 && break
  sleep 0.2
done
"$hearken" healthcheck --server "http://127.0.0.1:$port"
echo "idle:  $(grep -E 'VmRSS|VmHWM' /proc/$server/status | tr -s ' \t' ' ' | tr '\n' ' ')"
"$CARGO_TARGET_DIR/release/examples/load" "http://127.0.0.1:$port" "$tmp/texts.txt" "$concurrency" "$batch" "$requests"
echo "after load ($concurrency clients, batches of $batch): $(grep -E 'VmRSS|VmHWM' /proc/$server/status | tr -s ' \t' ' ' | tr '\n' ' ')"
echo "machine: $(nproc) cores, $(uname -m)"
