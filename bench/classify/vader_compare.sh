#!/usr/bin/env bash
# `hearken classify` (full classification: sentiment, departments, intent, topics, language,
# urgency; release build) against the reference vaderSentiment 3.3.2 (sentiment only) on the
# same 100,000 texts, as whole processes, side by side in one hyperfine run.
#
#   bash bench/classify/vader_compare.sh [N]
#
# Needs hyperfine (Debian: apt-get install hyperfine) and Python 3; installs vaderSentiment
# 3.3.2 into a virtualenv under $HEARKEN_BENCH_VENV (default /tmp/hearken-bench-venv).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${HEARKEN_SHARED_DATA:-$root/../shared/data}
n=${1:-100000}
venv=${HEARKEN_BENCH_VENV:-/tmp/hearken-bench-venv}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import vaderSentiment' 2>/dev/null || "$venv/bin/pip" install -q 'vaderSentiment==3.3.2'
cargo build -q --release -p hearken --manifest-path "$root/Cargo.toml"
hearken=$CARGO_TARGET_DIR/release/hearken

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$root/bench/classify/make_texts.py" "$shared/vader-reference" "$n" "$tmp/texts.txt"

echo "machine: $(nproc) cores, $(uname -m); texts: $n"
hyperfine --warmup "${WARMUP:-1}" --runs "${RUNS:-3}" \
  -n "hearken classify (full)" \
  "$hearken classify --input $tmp/texts.txt --format lines --output $tmp/hearken.jsonl" \
  -n "vaderSentiment 3.3.2" \
  "$venv/bin/python $root/bench/classify/vader_score.py $tmp/texts.txt $tmp/vader.jsonl" \
  --export-markdown "$tmp/result.md"
echo
cat "$tmp/result.md"
echo "lines out: hearken $(wc -l < "$tmp/hearken.jsonl"), vader $(wc -l < "$tmp/vader.jsonl")"
