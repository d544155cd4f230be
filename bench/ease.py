#!/usr/bin/env python3
"""EASE (Steck 2019), the reference the benchmarks compare the default model with.

Full-rank item-item ridge regression with a zero diagonal, in closed form:
P = (X^T X + lambda I)^-1, B = I - P diag(1 / diag(P)), scores = X B, on binary histories.

    python3 bench/ease.py --train train.csv --lambdas 200[,500,...] [--k 10]

train.csv: userId,movieId[,...] with a header (extra columns ignored; every rating counts as 1).
Prints one JSON object: {"<lambda>": {"<userId>": [movieId, ...]}, "seconds": {...}}: each training user's
top k titles, best first (ties by lower title id), their training titles removed. Only titles rated in the
file can be scored. Called by bench/tune.ts (lambda chosen on validation carves) and bench/quality.ts.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np


def read(path):
    users, items = [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            users.append(int(row["userId"]))
            items.append(int(row["movieId"]))
    return np.array(users), np.array(items)


def top_lists(x, b, user_ids, item_ids, k):
    scores = x @ b
    scores[x > 0] = -np.inf
    # Stable order: sort by (-score, item id); item_ids are ascending, so a stable argsort on -score does it.
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return {str(int(u)): [int(item_ids[j]) for j in order[i]] for i, u in enumerate(user_ids)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--lambdas", required=True, help="comma-separated ridge strengths")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    lambdas = [float(v) for v in args.lambdas.split(",")]
    users, items = read(args.train)
    user_ids, u_index = np.unique(users, return_inverse=True)
    item_ids, i_index = np.unique(items, return_inverse=True)
    # float32: with lambda >= 50 the system is well conditioned, and it halves the time on 2 cores.
    x = np.zeros((len(user_ids), len(item_ids)), dtype=np.float32)
    x[u_index, i_index] = 1.0
    started = time.perf_counter()
    gram = x.T @ x
    base = time.perf_counter() - started
    out, seconds = {}, {}
    for lam in lambdas:
        t = time.perf_counter()
        p = np.linalg.inv(gram + np.float32(lam) * np.eye(len(item_ids), dtype=np.float32))
        b = p / (-np.diag(p))
        np.fill_diagonal(b, 0.0)
        out[f"{lam:g}"] = top_lists(x, b, user_ids, item_ids, args.k)
        seconds[f"{lam:g}"] = base + time.perf_counter() - t
    out["seconds"] = seconds
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
