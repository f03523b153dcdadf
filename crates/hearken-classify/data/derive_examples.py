#!/usr/bin/env python3
"""Derives Hearken's default training examples (examples.jsonl).

Sources (read from the shared data folder, licences copied to licenses/):
  - banking77 (CC BY 4.0, Casanueva et al. 2020)
  - CLINC150 (CC BY 3.0, Larson et al. 2019)
  - Bitext customer support sample (CDLA-Sharing-1.0)
  - handwritten.tsv (written for Hearken)
Each line of the output names its source. The mapping of source labels to departments and
intents is below and in README.md. Sampling is seeded, so the output is reproducible:

    python3 derive_examples.py [SHARED_DATA_DIR] > examples.jsonl
"""

import csv
import json
import os
import random
import sys

SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "../../../../shared/data")
rng = random.Random(20261129)
out = []


def add(source, text, departments, intent):
    text = " ".join(text.split())
    if text:
        out.append({"text": text, "departments": departments, "intent": intent, "source": source})


def looks_like_question(text):
    t = text.lower().strip()
    starts = ("what", "how", "why", "when", "where", "who", "which", "can", "could", "is", "are",
              "do", "does", "did", "will", "would", "should", "may", "any")
    return t.endswith("?") or t.split(" ", 1)[0] in starts


# banking77: retail-banking customer queries. Problems are complaints to customer service;
# money matters (fees, charges, refunds, exchange rates) also concern finance.
PROBLEM = ("not_working", "declined", "pending", "not_received", "failed", "compromised",
           "lost_or_stolen", "charged_twice", "wrong_", "reverted", "not_updated", "not_showing",
           "not_recognised", "swallowed", "pin_blocked", "unable_to_verify", "extra_charge")
MONEY = ("fee", "charge", "refund", "exchange", "top_up_limits", "transfer_timing", "charged")
with open(os.path.join(SHARED, "banking77/train.csv"), encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
by_cat = {}
for r in rows:
    by_cat.setdefault(r["category"], []).append(r["text"])
for cat in sorted(by_cat):
    depts = ["customer_service"]
    if any(m in cat.lower() for m in MONEY):
        depts.append("finance")
    problem = any(p in cat.lower() for p in PROBLEM)
    for text in rng.sample(by_cat[cat], 2):
        intent = "complaint" if problem and not looks_like_question(text) else "question"
        add("banking77", text, depts, intent)

# CLINC150: banking and credit cards go to finance, work (pay, leave, benefits) to HR, the
# rest of the domains and out-of-scope queries to no department.
with open(os.path.join(SHARED, "clinc150/data_full.json"), encoding="utf-8") as f:
    clinc = json.load(f)
with open(os.path.join(SHARED, "clinc150/domains.json"), encoding="utf-8") as f:
    domains = json.load(f)
domain_of = {i: d for d, intents in domains.items() for i in intents}
HR_WORK = {"pto_request_status", "next_holiday", "insurance_change", "insurance", "payday",
           "w2", "rollover_401k", "pto_balance", "pto_request", "direct_deposit", "pto_used",
           "income", "taxes"}
PER_INTENT = {"banking": 3, "credit_cards": 3, "work": 6}
by_intent = {}
for text, intent in clinc["train"]:
    by_intent.setdefault(intent, []).append(text)
for intent in sorted(by_intent):
    domain = domain_of[intent]
    texts = by_intent[intent]
    if domain in ("banking", "credit_cards"):
        depts = ["finance"]
        if intent in ("report_lost_card", "damaged_card", "card_declined", "account_blocked",
                      "freeze_account", "report_fraud", "replacement_card_duration"):
            depts = ["finance", "customer_service"]
        for t in rng.sample(texts, PER_INTENT[domain]):
            add("clinc150", t, depts, "complaint" if intent in ("card_declined", "damaged_card") else "question")
    elif domain == "work" and intent in HR_WORK:
        for t in rng.sample(texts, PER_INTENT["work"]):
            add("clinc150", t, ["hr"], "question")
    elif domain in ("small_talk", "utility", "kitchen_and_dining", "auto_and_commute", "home", "meta"):
        for t in rng.sample(texts, 1):
            add("clinc150", t, [], "question" if looks_like_question(t) else "other")
for t in rng.sample([t for t, _ in clinc["oos_train"]], 40):
    add("clinc150", t, [], "question" if looks_like_question(t) else "other")

# Bitext: categories to departments as the shared README suggests; placing an order is
# purchase intent for sales, a newsletter subscription is marketing.
BITEXT = {
    "INVOICE": ["finance"], "PAYMENT": ["finance", "customer_service"],
    "REFUND": ["finance", "customer_service"], "CANCELLATION_FEE": ["finance"],
    "ORDER": ["customer_service"], "DELIVERY": ["customer_service"],
    "SHIPPING_ADDRESS": ["customer_service"], "ACCOUNT": ["customer_service"],
    "CONTACT": ["customer_service"], "FEEDBACK": ["customer_service"],
    "NEWSLETTER": ["marketing"],
}
PER_BITEXT = {"place_order": 40, "newsletter_subscription": 40, "complaint": 30}
with open(os.path.join(SHARED, "bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset.csv"),
          encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
by_intent = {}
for r in rows:
    by_intent.setdefault((r["category"], r["intent"]), []).append(r["instruction"])
for (cat, intent) in sorted(by_intent):
    texts = by_intent[(cat, intent)]
    depts = list(BITEXT[cat])
    label = "question"
    if intent == "place_order":
        depts, label = ["sales"], "purchase_intent"
    elif intent in ("complaint", "payment_issue", "registration_problems"):
        label = "complaint"
    for t in rng.sample(texts, min(len(texts), PER_BITEXT.get(intent, 5))):
        add("bitext", t, depts, label)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "handwritten.tsv"), encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if line.startswith("#") or not line.strip():
            continue
        depts, intent, text = line.rstrip("\n").split("\t")
        add("hearken", text, [] if depts == "-" else depts.split(","), intent)

for ex in out:
    print(json.dumps(ex, ensure_ascii=False))
