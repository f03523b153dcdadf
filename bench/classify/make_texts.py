#!/usr/bin/env python3
"""Writes N texts, one a line: the 23,703 VADER reference texts (the four ICWSM 2014 corpora,
read as the reference scores were produced) repeated until there are N.

    python3 make_texts.py VADER_REFERENCE_DIR N OUTPUT
"""
import os
import sys

CORPORA = ["tweets", "nytEditorialSnippets", "movieReviewSnippets", "amazonReviewSnippets"]


def main():
    folder, n, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    texts = []
    for corpus in CORPORA:
        path = os.path.join(folder, "icwsm2014_ground_truth", f"{corpus}_GroundTruth.txt")
        with open(path, encoding="utf-8") as f:
            for line in f.read().splitlines():
                if line:
                    texts.append(line.split("\t", 2)[2])
    with open(output, "w", encoding="utf-8") as out:
        for i in range(n):
            out.write(texts[i % len(texts)] + "\n")
    print(f"{len(texts)} reference texts, {n} written to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
