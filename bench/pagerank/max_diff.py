#!/usr/bin/env python3
"""Largest per-node absolute difference between two `node,score` files (same node set required).

Usage: python3 max_diff.py A.csv B.csv
"""

import csv
import sys


def read(path):
    with open(path, encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        next(rows)
        return {node: float(score) for node, score in rows}


def main():
    a, b = read(sys.argv[1]), read(sys.argv[2])
    if a.keys() != b.keys():
        sys.exit(f"node sets differ: {len(a.keys() - b.keys())} only in A, "
                 f"{len(b.keys() - a.keys())} only in B")
    diff, node = max((abs(a[n] - b[n]), n) for n in a)
    print(f"{len(a):,} nodes; max |A - B| = {diff:.3e} (node {node}); "
          f"sums {sum(a.values()):.12f} {sum(b.values()):.12f}")
    sys.exit(0 if diff <= 1e-6 else 1)


if __name__ == "__main__":
    main()
