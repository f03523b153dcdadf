#!/usr/bin/env bash
# Whole-process PageRank benchmark: hearken vs igraph (PRPACK) vs networkx, same job each
# (read the edge CSV, rank with damping 0.85 weighted directed, write `node,score`).
#
#   bash bench/pagerank/compare.sh [EDGES] [NODES]     # defaults 2000000 200000
#
# Needs hyperfine, /usr/bin/time (GNU), python3 with numpy, igraph, networkx, scipy.
# The graph goes to a temp dir (never commit it). HEARKEN_BIN overrides the binary; otherwise
# the release build is made (CARGO_TARGET_DIR is honoured). NX_TIMEOUT caps networkx (600 s).
set -euo pipefail

EDGES=${1:-2000000}
NODES=${2:-200000}
RUNS=${RUNS:-5}
NX_TIMEOUT=${NX_TIMEOUT:-600}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d -t hearken-pagerank.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [[ -z "${HEARKEN_BIN:-}" ]]; then
    (cd "$ROOT" && cargo build --release -p hearken)
    HEARKEN_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/hearken"
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== python $(python3 -c 'import igraph, networkx, sys; print(sys.version.split()[0], "igraph", igraph.__version__, "networkx", networkx.__version__)')"
python3 "$HERE/gen_graph.py" "$WORK/edges.csv" --edges "$EDGES" --nodes "$NODES"

HEARKEN="$HEARKEN_BIN influence rank --edges $WORK/edges.csv --output $WORK/hearken.csv"
IGRAPH="python3 $HERE/rank_igraph.py $WORK/edges.csv $WORK/igraph.csv"
NETWORKX="python3 $HERE/rank_networkx.py $WORK/edges.csv $WORK/networkx.csv"

echo "== time (hyperfine, $RUNS runs each)"
hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$WORK/times.md" \
    -n hearken "$HEARKEN" -n igraph "$IGRAPH"
cat "$WORK/times.md"

peak() {
    # Prints wall time and peak RSS of one run of "$@" (GNU time), or what stopped it.
    local label=$1; shift
    local status=0
    timeout "$NX_TIMEOUT" /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || status=$?
    if [[ $status -eq 124 ]]; then
        echo "$label: killed after ${NX_TIMEOUT}s"
        return
    fi
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$WORK/time.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident' "$WORK/time.txt" | awk '{print $NF}')
    echo "$label: exit $status, wall $wall, peak RSS $((rss / 1024)) MB"
}

echo "== one run each under /usr/bin/time -v (peak memory; networkx capped at ${NX_TIMEOUT}s)"
# shellcheck disable=SC2086
peak hearken $HEARKEN
# shellcheck disable=SC2086
peak igraph $IGRAPH
# shellcheck disable=SC2086
peak networkx $NETWORKX

echo "== scores: hearken vs igraph (must be within 1e-6 per node)"
python3 "$HERE/max_diff.py" "$WORK/hearken.csv" "$WORK/igraph.csv"
if [[ -s "$WORK/networkx.csv" ]]; then
    echo "== scores: networkx vs igraph (networkx's default tolerance)"
    python3 "$HERE/max_diff.py" "$WORK/networkx.csv" "$WORK/igraph.csv" || true
fi
