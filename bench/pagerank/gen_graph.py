#!/usr/bin/env python3
"""Generate the heavy-tailed benchmark graph for `hearken influence rank`.

A directed Chung-Lu graph: every node gets a Pareto-distributed out-propensity and an
independent in-propensity, and each edge picks its source in proportion to out-propensity and
its target in proportion to in-propensity. Out- and in-degrees are therefore both power-law
(a few accounts mention, and are mentioned by, a large share of everyone), which is the shape of
an interaction graph. So that every node is present, the first `nodes` edges touch each node once,
as source or target at random; nodes that only ever appear as targets are dangling. Weights are
interaction counts (1 + geometric), with some parallel edges and self-loops left in as they come.

Seeded: the same arguments always write the same bytes.

Usage: python3 bench/pagerank/gen_graph.py OUT.csv [--nodes 200000] [--edges 2000000] [--seed N]
Needs numpy. Never commit the output.
"""

import argparse

import numpy as np

# Pareto shape 1.5: a heavy tail with a finite mean (degree exponent about 2.5), where the busiest
# node has about 2 % of the edges (not most of them, as a shape near 1 would give).
SHAPE = 1.5


def generate(nodes, edges, seed):
    rng = np.random.default_rng(seed)
    out_prop = rng.pareto(SHAPE, nodes) + 1.0
    in_prop = rng.pareto(SHAPE, nodes) + 1.0
    out_p = out_prop / out_prop.sum()
    in_p = in_prop / in_prop.sum()

    # One edge per node so that all of them appear in the file.
    everyone = np.arange(nodes)
    as_source = rng.random(nodes) < 0.5
    cover_src = np.where(as_source, everyone, rng.choice(nodes, nodes, p=out_p))
    cover_dst = np.where(as_source, rng.choice(nodes, nodes, p=in_p), everyone)

    rest = edges - nodes
    src = np.concatenate([cover_src, rng.choice(nodes, rest, p=out_p)])
    dst = np.concatenate([cover_dst, rng.choice(nodes, rest, p=in_p)])
    weight = rng.geometric(0.5, edges)

    order = rng.permutation(edges)
    # Names are a seeded relabelling, so heavy nodes are not the low numbers.
    label = rng.permutation(nodes)
    return label[src[order]], label[dst[order]], weight[order]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output")
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=20100523)
    args = parser.parse_args()
    if args.edges < args.nodes:
        parser.error("--edges must be at least --nodes")

    src, dst, weight = generate(args.nodes, args.edges, args.seed)
    with open(args.output, "w", encoding="utf-8", newline="") as file:
        file.write("source,target,weight\n")
        chunk = 500_000
        for start in range(0, args.edges, chunk):
            end = start + chunk
            file.writelines(
                f"u{a},u{b},{w}\n"
                for a, b, w in zip(
                    src[start:end].tolist(),
                    dst[start:end].tolist(),
                    weight[start:end].tolist(),
                )
            )

    out_deg = np.bincount(src, minlength=args.nodes)
    in_deg = np.bincount(dst, minlength=args.nodes)
    print(
        f"wrote {args.output}: {args.nodes:,} nodes, {args.edges:,} edges; "
        f"max out-degree {out_deg.max():,}, max in-degree {in_deg.max():,}, "
        f"dangling (no out-edges) {int((out_deg == 0).sum()):,}"
    )


if __name__ == "__main__":
    main()
