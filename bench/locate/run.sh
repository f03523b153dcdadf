#!/usr/bin/env bash
# Location resolution throughput, single core: every distinct profile location (with its time
# zone) of the airline tweets, resolved by the gazetteer. Prints start-up time and rate, then the
# start-up of the whole `hearken locate` process (wall and CPU time, ten runs).
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

# The whole binary, start to exit, gazetteer included: wall time depends on what else the
# machine runs, CPU time (user + system) much less, so both are printed.
cargo build --release --quiet -p hearken
for run in $(seq 10); do
  /usr/bin/time -f '%e %U %S' taskset -c 0 "${CARGO_TARGET_DIR:-target}/release/hearken" \
    locate "Brooklyn, NY" 2>&1 >/dev/null | tail -n1
done | python3 -c '
import statistics, sys
runs = [[float(x) for x in line.split()] for line in sys.stdin]
wall = [r[0] * 1000 for r in runs]
cpu = [(r[1] + r[2]) * 1000 for r in runs]
print(f"hearken locate, {len(runs)} runs: wall min {min(wall):.0f} ms, median {statistics.median(wall):.0f} ms;"
      f" CPU min {min(cpu):.0f} ms, median {statistics.median(cpu):.0f} ms")'
