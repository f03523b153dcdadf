#!/usr/bin/env python3
"""The whole job with networkx: read `source,target,weight`, rank, write `node,score`.

`nx.pagerank(weight="weight")`, damping 0.85, on a MultiDiGraph so parallel edges add up as in
igraph and hearken. networkx's default tolerance (1e-6 per node, so N * 1e-6 in L1) is kept: it
is what a user gets. Output sorted by node.
Usage: python3 rank_networkx.py EDGES.csv OUTPUT.csv
"""

import csv
import sys

import networkx as nx


def main():
    edges_path, output_path = sys.argv[1], sys.argv[2]
    graph = nx.MultiDiGraph()
    with open(edges_path, encoding="utf-8", newline="") as file:
        rows = csv.reader(file)
        next(rows)
        graph.add_weighted_edges_from(
            (source, target, float(weight)) for source, target, weight in rows
        )
    scores = nx.pagerank(graph, alpha=0.85, weight="weight")
    with open(output_path, "w", encoding="utf-8", newline="") as file:
        file.write("node,score\n")
        file.writelines(f"{n},{scores[n]!r}\n" for n in sorted(scores))


if __name__ == "__main__":
    main()
