"""Ranking metrics over graded relevance, as TREC and pytrec_eval define them.

``grades`` maps an item to its judged grade (TREC Clinical Trials: 0 not relevant, 1 excluded, 2 eligible);
unjudged items count as grade 0. An item is *relevant* for precision, recall and reciprocal rank when its grade
is at least 1 (pytrec_eval's default level, which TrialGPT's evaluation uses). nDCG uses the grades as gains
with the log2 discount, over the ideal ordering of all judged items.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["ndcg_at", "precision_at", "recall_at", "reciprocal_rank"]


def ndcg_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    gains = [grades.get(item, 0) for item in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    return sum(1 for item in ranked[:k] if grades.get(item, 0) >= 1) / k


def recall_at(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    relevant = {item for item, g in grades.items() if g >= 1}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int]) -> float:
    for i, item in enumerate(ranked, start=1):
        if grades.get(item, 0) >= 1:
            return 1 / i
    return 0.0
