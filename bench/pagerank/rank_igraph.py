#!/usr/bin/env python3
"""The whole job with igraph (PRPACK): read `source,target,weight`, rank, write `node,score`.

Damping 0.85, weighted, directed; output sorted by node, as `hearken influence rank` writes it.
Usage: python3 rank_igraph.py EDGES.csv OUTPUT.csv
"""

import csv
import sys

import igraph


def main():
    edges_path, output_path = sys.argv[1], sys.argv[2]
    ids = {}
    pairs = []
    weights = []
    with open(edges_path, encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        next(rows)
        for source, target, weight in rows:
            pairs.append(
                (ids.setdefault(source, len(ids)), ids.setdefault(target, len(ids)))
            )
            weights.append(float(weight))
    graph = igraph.Graph(n=len(ids), edges=pairs, directed=True)
    graph.es["weight"] = weights
    scores = graph.pagerank(
        weights="weight", damping=0.85, directed=True, implementation="prpack"
    )
    names = list(ids)
    with open(output_path, "w", encoding="utf-8", newline="") as file:
        file.write("node,score\n")
        file.writelines(f"{n},{scores[i]!r}\n" for n, i in sorted(zip(names, range(len(names)))))


if __name__ == "__main__":
    main()
