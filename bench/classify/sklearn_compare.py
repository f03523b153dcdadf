#!/usr/bin/env python3
"""Hearken's trainer against scikit-learn on the real airline tweets, same split, one run.

Tasks (single-label): `negativereason` of the negative tweets, and `airline_sentiment` of all
tweets. A fixed seeded 80/20 split per task (stratified by label, seed 42). Hearken trains on the
80% through the crate's `train_eval` example (the same `train` and `evaluate` that `hearken
train` and `hearken eval` run) with a generated taxonomy whose intents are the labels; scikit-learn
fits `TfidfVectorizer` + `LogisticRegression` on the same 80%. Both are scored by macro-F1 on
the same 20%.

The tweets are CC BY-NC-SA: the split files go to a temporary directory and are deleted.

    python3 bench/classify/sklearn_compare.py [path/to/Tweets.csv]

Needs scikit-learn (`pip install scikit-learn`) and cargo.
"""
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEED = 42


def slug(label):
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def split(rows, seed):
    """Stratified 80/20: the same share of every label in the test part."""
    by_label = {}
    for text, label in rows:
        by_label.setdefault(label, []).append((text, label))
    rng = random.Random(seed)
    train, test = [], []
    for label in sorted(by_label):
        items = by_label[label]
        rng.shuffle(items)
        cut = round(len(items) * 0.2)
        test += items[:cut]
        train += items[cut:]
    rng.shuffle(train)
    return train, test


def hearken(train, test, labels, tmp, name):
    taxonomy = os.path.join(tmp, f"{name}-taxonomy.toml")
    with open(taxonomy, "w", encoding="utf-8") as f:
        # One department for every tweet: the task here is the single-label intent.
        f.write('[[departments]]\nid = "airline"\nname = "Airline"\n\n')
        for label in labels:
            f.write(f'[[intents]]\nid = "{slug(label)}"\nname = {json.dumps(label)}\n\n')
    paths = {}
    for part, rows in (("train", train), ("test", test)):
        paths[part] = os.path.join(tmp, f"{name}-{part}.jsonl")
        with open(paths[part], "w", encoding="utf-8") as f:
            for text, label in rows:
                f.write(json.dumps({"text": text, "departments": ["airline"], "intent": slug(label)}) + "\n")
    out = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "hearken-classify", "--example", "train_eval", "--",
         taxonomy, paths["train"], paths["test"]],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)["intent_macro_f1"]


def sklearn(train, test):
    model = make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    model.fit([t for t, _ in train], [l for _, l in train])
    predicted = model.predict([t for t, _ in test])
    return f1_score([l for _, l in test], predicted, average="macro")


def sklearn_default(train, test):
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000))
    model.fit([t for t, _ in train], [l for _, l in train])
    return f1_score([l for _, l in test], model.predict([t for t, _ in test]), average="macro")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("HEARKEN_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data")),
        "twitter-us-airline-sentiment", "Tweets.csv")
    with open(path, encoding="utf-8") as f:
        tweets = list(csv.DictReader(f))
    tasks = {
        "negativereason": [(t["text"], t["negativereason"]) for t in tweets
                           if t["airline_sentiment"] == "negative" and t["negativereason"]],
        "airline_sentiment": [(t["text"], t["airline_sentiment"]) for t in tweets],
    }
    print(f"{'task':<18} {'classes':>7} {'train':>6} {'test':>5} {'hearken':>8} {'sklearn':>8} {'sk-default':>10}")
    with tempfile.TemporaryDirectory(prefix="hearken-airline-") as tmp:
        for name, rows in tasks.items():
            labels = sorted({l for _, l in rows})
            train, test = split(rows, SEED)
            h = hearken(train, test, labels, tmp, name)
            s = sklearn(train, test)
            d = sklearn_default(train, test)
            print(f"{name:<18} {len(labels):>7} {len(train):>6} {len(test):>5} {h:>8.3f} {s:>8.3f} {d:>10.3f}")


if __name__ == "__main__":
    main()
