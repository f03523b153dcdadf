#!/usr/bin/env python3
"""The reference side of vader_compare.sh: vaderSentiment 3.3.2 scores every line of a file.

    python3 vader_score.py INPUT OUTPUT

One JSON object per input line (neg, neu, pos, compound), like `hearken classify` writes one
per text, so that both sides read, score and write the same amount of text.
"""
import json
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


def main():
    analyzer = SentimentIntensityAnalyzer()
    with open(sys.argv[1], encoding="utf-8") as src, open(sys.argv[2], "w", encoding="utf-8") as out:
        for line in src:
            out.write(json.dumps(analyzer.polarity_scores(line.rstrip("\n"))) + "\n")


if __name__ == "__main__":
    main()
