#!/usr/bin/env python3
"""Build the PageRank test fixture and igraph's reference scores for hearken-influence.

Data and licence
----------------
The graph comes from REAL data: the @mention/reply graph of the airline tweets in
shared/data/twitter-us-airline-sentiment/Tweets.csv (CC BY-NC-SA 4.0). There is one edge per
(author, mentioned handle) pair: the author is the `name` column, the handles are every `@handle`
in `text`, both lower-cased because Twitter handles are case-insensitive, and the weight is the
number of tweets in which the author mentioned that handle. Self-mentions become self-loops.

An edge list of handles would be a derivative carrying user content, so NODE NAMES ARE
ANONYMISED before anything is written: every handle becomes `n00000`, `n00001`, ... in an order
fixed by a seeded shuffle. No handle, tweet text or id is committed. The committed graph
structure is still derived from the dataset; see README.md for attribution.

The airline graph has fewer than 10,000 edges (8,463), so the script ADDS A SEEDED SYNTHETIC
SCALE-FREE COMPONENT (directed preferential attachment, nodes named `s00000`, ...), disjoint from
the airline graph. It also brings what the real graph lacks: fractional weights, parallel edges
(the same pair on several rows, which PageRank must sum) and zero-weight edges.

Outputs (in crates/hearken-influence/tests/fixtures/)
------------------------------------------------------
- pagerank_edges.csv: `source,target,weight`, rows in seeded random order.
- pagerank_personalization.csv: `node,weight`: authors of tweets whose negative reason is
  "Customer Service Issue", weighted by how many such tweets they wrote. This is the shape of
  the per-department topical authority the influence service computes.
- pagerank_igraph.csv, pagerank_igraph_personalized.csv: `node,score` from igraph's PRPACK
  (damping 0.85, weighted, directed), sorted by node.

networkx's pagerank is run on the same inputs as a sanity check, and the largest absolute
differences to igraph are printed.

Usage: pip install igraph networkx scipy && python3 bench/pagerank/make_reference.py
"""

import collections
import csv
import os
import random
import re

import igraph
import networkx

SEED = 20150224
DAMPING = 0.85
MIN_EDGES = 10_000
SYNTHETIC_NODES = 1_200

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED_DATA = os.environ.get(
    "HEARKEN_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data")
)
TWEETS = os.path.join(SHARED_DATA, "twitter-us-airline-sentiment", "Tweets.csv")
FIXTURES = os.path.join(ROOT, "crates", "hearken-influence", "tests", "fixtures")

HANDLE = re.compile(r"@(\w+)")


def airline_graph():
    """Returns (mention counts by (author, handle), department weights by author)."""
    mentions = collections.Counter()
    department = collections.Counter()
    with open(TWEETS, encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            author = row["name"].lower()
            for handle in HANDLE.findall(row["text"]):
                mentions[(author, handle.lower())] += 1
            if row["negativereason"] == "Customer Service Issue":
                department[author] += 1
    return mentions, department


def anonymise(mentions, department, rng):
    """Renames every handle to n#####; the order comes from a seeded shuffle."""
    handles = sorted({handle for pair in mentions for handle in pair})
    rng.shuffle(handles)
    alias = {handle: f"n{number:05d}" for number, handle in enumerate(handles)}
    edges = [(alias[a], alias[b], float(count)) for (a, b), count in mentions.items()]
    # Authors whose only tweets mention nobody are not in the graph; igraph must see the same
    # nodes as the Rust side, so they are left out.
    personalization = {
        alias[author]: float(count)
        for author, count in department.items()
        if author in alias
    }
    return edges, personalization


def synthetic_component(rng, n_nodes):
    """Directed preferential attachment: new nodes point at nodes with many in-edges."""
    edges = []
    # Each node appears here once, plus once per in-edge, so sampling from it is preferential.
    targets = [0]
    for node in range(1, n_nodes):
        for _ in range(rng.choice((1, 2, 3))):
            target = rng.choice(targets)
            weight = round(rng.uniform(0.1, 5.0), 3)
            edges.append((node, target, weight))
            targets.append(target)
            # Parallel edges: the same pair again with its own weight.
            if rng.random() < 0.08:
                edges.append((node, target, round(rng.uniform(0.1, 2.0), 3)))
        if rng.random() < 0.03:
            edges.append((node, node, round(rng.uniform(0.1, 1.0), 3)))
        if rng.random() < 0.02:
            edges.append((node, rng.randrange(node), 0.0))
        targets.append(node)
    return [(f"s{a:05d}", f"s{b:05d}", weight) for a, b, weight in edges]


def format_weight(weight):
    return str(int(weight)) if weight.is_integer() else repr(weight)


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path):,} bytes)")


def igraph_scores(names, edges, reset):
    ids = {name: number for number, name in enumerate(names)}
    graph = igraph.Graph(
        n=len(names), edges=[(ids[a], ids[b]) for a, b, _ in edges], directed=True
    )
    graph.es["weight"] = [weight for _, _, weight in edges]
    if reset is None:
        scores = graph.pagerank(
            weights="weight", damping=DAMPING, directed=True, implementation="prpack"
        )
    else:
        scores = graph.personalized_pagerank(
            weights="weight",
            damping=DAMPING,
            directed=True,
            reset=[reset.get(name, 0.0) for name in names],
            implementation="prpack",
        )
    return dict(zip(names, scores))


def networkx_scores(names, edges, reset):
    graph = networkx.MultiDiGraph()
    graph.add_nodes_from(names)
    graph.add_weighted_edges_from(edges)
    # networkx stops when the L1 change is below N * tol; make that tight.
    return networkx.pagerank(
        graph, alpha=DAMPING, personalization=reset, tol=1e-15, max_iter=10_000
    )


def compare(label, igraph_result, networkx_result):
    diffs = sorted(
        ((abs(igraph_result[n] - networkx_result[n]), n) for n in igraph_result),
        reverse=True,
    )
    print(f"{label}: max |igraph - networkx| = {diffs[0][0]:.3e} (node {diffs[0][1]})")
    print(f"{label}: sum of igraph scores = {sum(igraph_result.values()):.15f}")


def main():
    rng = random.Random(SEED)
    mentions, department = airline_graph()
    edges, personalization = anonymise(mentions, department, rng)
    print(f"airline @mention graph: {len(edges):,} edges")
    if len(edges) < MIN_EDGES:
        synthetic = synthetic_component(rng, SYNTHETIC_NODES)
        print(f"adding a synthetic scale-free component: {len(synthetic):,} edge rows")
        edges += synthetic
    rng.shuffle(edges)

    names = list(dict.fromkeys(name for a, b, _ in edges for name in (a, b)))
    dangling = len(set(names) - {a for a, _, w in edges if w > 0})
    print(f"total: {len(names):,} nodes, {len(edges):,} edge rows, {dangling:,} dangling nodes")
    print(f"personalisation: {len(personalization):,} nodes")

    os.makedirs(FIXTURES, exist_ok=True)
    write_csv(
        os.path.join(FIXTURES, "pagerank_edges.csv"),
        ["source", "target", "weight"],
        [(a, b, format_weight(w)) for a, b, w in edges],
    )
    write_csv(
        os.path.join(FIXTURES, "pagerank_personalization.csv"),
        ["node", "weight"],
        [(n, format_weight(w)) for n, w in sorted(personalization.items())],
    )
    for reset, file_name, label in [
        (None, "pagerank_igraph.csv", "unpersonalised"),
        (personalization, "pagerank_igraph_personalized.csv", "personalised"),
    ]:
        reference = igraph_scores(names, edges, reset)
        compare(label, reference, networkx_scores(names, edges, reset))
        write_csv(
            os.path.join(FIXTURES, file_name),
            ["node", "score"],
            [(n, repr(reference[n])) for n in sorted(reference)],
        )


if __name__ == "__main__":
    main()
