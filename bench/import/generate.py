#!/usr/bin/env python3
"""Generates N mentions from the real airline tweets, as canonical JSON lines (what
`hearken import` reads) and as CSV of the same rows for PostgreSQL's COPY.

Each generated mention is a real tweet's text and author with a new external id and time, so
both paths store exactly the same rows. The airline tweets are CC BY-NC-SA 4.0: the generated
files stay out of the repository.

usage: generate.py TWEETS_CSV N OUT_JSONL OUT_COPY_CSV [SECONDS_APART]  (default 7)
"""
import csv
import json
import sys
from datetime import datetime, timedelta, timezone


def main() -> None:
    tweets_csv, count, out_jsonl, out_copy = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    apart = float(sys.argv[5]) if len(sys.argv) > 5 else 7
    with open(tweets_csv, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if " " not in r["name"]]
    start = datetime(2015, 2, 17, tzinfo=timezone.utc)
    ingested_micros = int(datetime.now(timezone.utc).timestamp() * 1_000_000)
    with open(out_jsonl, "w", encoding="utf-8") as jsonl, open(out_copy, "w", newline="", encoding="utf-8") as copy:
        writer = csv.writer(copy)
        for i in range(count):
            row = rows[i % len(rows)]
            created = start + timedelta(seconds=i * apart)
            external_id = f"{row['tweet_id']}-{i}"
            mention = {
                "source": "twitter",
                "external_id": external_id,
                "author": {"handle": row["name"]},
                "text": row["text"],
                "create_time": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            jsonl.write(json.dumps(mention, ensure_ascii=False) + "\n")
            created_micros = int(created.timestamp() * 1_000_000)
            # Text is stored as the server normalises it; the tweets are already tidy.
            writer.writerow(["twitter", external_id, row["name"], " ".join(row["text"].split()), created_micros, ingested_micros])


if __name__ == "__main__":
    main()
