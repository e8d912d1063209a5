"""Which distance threshold should the unanswered-questions report cluster with? Measured here.

    .venv/bin/python -m bench.gap_threshold [--corpus DIR]

Why it exists: issue 13, item 4. The gaps report (`service/owner/gaps.py`) groups the questions the
documents did not answer with average-linkage agglomerative clustering over cosine distances of the
service's own embedding model; one number, the distance threshold, decides how alike two questions must
be to land in one group. Too low and every paraphrase is its own row; too high and unrelated questions
merge into one.

What it measures: the training questions of `shared/corpus/train-qa.jsonl` that have a gold document,
grouped by that document: questions a document answers are the questions its absence would leave
unanswered, so a cluster of the report should hold questions of one document, and one document's
questions should not be spread over many rows. (The file has no two questions for the same passage, so
a finer grouping has nothing to measure.) For each threshold the clusters are compared with the groups by
the adjusted Rand index (ARI, 1 = the same partition, 0 = chance), with the share of multi-question
clusters that are pure (one document) and the mean number of clusters a document's questions fall in.
The threshold with the best ARI is the one the report uses (`DISTANCE_THRESHOLD` there).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from ingest.embedders import bundled_embedder
from ingest.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = [round(0.30 + 0.025 * step, 3) for step in range(21)]  # 0.30 .. 0.80


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (args.corpus / "train-qa.jsonl").read_text().splitlines() if line]
    rows = [row for row in rows if row.get("doc") and row.get("evidence")]
    questions = [row["question"] for row in rows]
    by_document = [row["doc"] for row in rows]
    embedder = bundled_embedder(StoreSettings())
    vectors = np.asarray(embedder.embed(questions), dtype=np.float32)
    print(f"{len(questions)} questions of {len(set(by_document))} documents; model {embedder.model_name}")
    print(f"{'threshold':>9} {'clusters':>8} {'ARI':>6} {'pure':>6} {'spread':>6}")
    best = (-1.0, 0.0)
    for threshold in THRESHOLDS:
        labels = AgglomerativeClustering(
            n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
        ).fit_predict(vectors)
        ari = adjusted_rand_score(by_document, labels)
        pure, spread = _share_pure(by_document, labels), _spread(by_document, labels)
        print(f"{threshold:>9.3f} {len(set(labels)):>8} {ari:>6.3f} {pure:>6.2f} {spread:>6.2f}")
        best = max(best, (ari, threshold))
    print(f"best ARI: {best[0]:.3f} at threshold {best[1]:.3f}")


def _spread(truth: list[str], labels: np.ndarray) -> float:
    """Mean number of clusters a document's questions fall in (1 = each document's kept together)."""
    members: dict[str, set[int]] = {}
    for group, label in zip(truth, labels, strict=True):
        members.setdefault(group, set()).add(int(label))
    return float(np.mean([len(clusters) for clusters in members.values()]))


def _share_pure(truth: list[str], labels: np.ndarray) -> float:
    """Fraction of the multi-question clusters whose questions all belong to one document."""
    members: dict[int, set[str]] = {}
    for group, label in zip(truth, labels, strict=True):
        members.setdefault(int(label), set()).add(group)
    multi = [label for label, n in Counter(int(x) for x in labels).items() if n > 1]
    return sum(1 for label in multi if len(members[label]) == 1) / max(len(multi), 1)


if __name__ == "__main__":
    main()
