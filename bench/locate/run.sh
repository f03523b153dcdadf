#!/usr/bin/env bash
# Location resolution throughput, single core: every distinct profile location (with its time
# zone) of the airline tweets, resolved by the gazetteer. Prints start-up time and rate.
#
# usage: bench/locate/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${HEARKEN_SHARED_DATA:-../shared/data}
inputs=$(mktemp)
trap 'rm -f "$inputs"' EXIT
python3 - "$shared/twitter-us-airline-sentiment/Tweets.csv" >"$inputs" <<'PY'
import csv, sys
seen = set()
for row in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    location = " ".join((row.get("tweet_location") or "").split())
    zone = (row.get("user_timezone") or "").strip()
    if location and (location, zone) not in seen:
        seen.add((location, zone))
        print(f"{location}\t{zone}")
PY
echo "$(wc -l <"$inputs") distinct (profile location, time zone) pairs"
cargo build --release --quiet -p hearken-geo --example resolve_lines
# One core, as the benchmark promises; repeated to smooth out a shared machine.
for run in 1 2 3; do
  taskset -c 0 "${CARGO_TARGET_DIR:-target}/release/examples/resolve_lines" <"$inputs" >/dev/null
done
