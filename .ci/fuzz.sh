#!/usr/bin/env bash
# Every cargo-fuzz target, each for a few seconds from its committed seeds (a minute in all):
# fails on the first crash, leak or timeout, and leaves the input under fuzz/artifacts/.
# RUSTC_BOOTSTRAP lets the stable toolchain take libFuzzer's -Z flags (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECS_PER_TARGET:-6}

command -v cargo-fuzz >/dev/null || cargo install --locked --quiet cargo-fuzz
export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-target/fuzz}
# cargo fuzz has no --locked: fail here when fuzz/Cargo.lock is stale, so the build below
# uses exactly the committed versions.
cargo fetch --locked --manifest-path fuzz/Cargo.toml
cargo fuzz build

log=$(mktemp)
new=$(mktemp -d)
trap 'rm -rf "$log" "$new"' EXIT
for target in $(cargo fuzz list); do
  rm -rf "${new:?}"/*
  status=0
  cargo fuzz run "$target" "$new" "fuzz/corpus/$target" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "fuzz: $target ${secs}s, ${runs:-?} inputs, exit $status"
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$log" >&2
    echo "fuzz target $target failed; the input is under fuzz/artifacts/$target/" >&2
    exit "$status"
  fi
done
