"""Rank fusion: several retrievers' rankings of the same items into one.

Reciprocal-rank fusion (Cormack et al. 2009): an item's fused score is the sum over retrievers of
``weight / (k + rank)``, with ranks from 1. It needs no score calibration between BM25 and cosine, which live
on different scales, and ``k = 60`` is the value of the original paper, not tuned here. Ties are broken by the
item id so that the same input always gives the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["RRF_K", "Fused", "reciprocal_rank_fusion"]

RRF_K = 60


@dataclass(frozen=True, slots=True)
class Fused:
    """One item's fused score and its rank in each input ranking that holds it."""

    item: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]], *, weights: Mapping[str, float] | None = None, k: int = RRF_K
) -> list[Fused]:
    """Fuse ``rankings`` (name → item ids, best first); ``weights`` default to 1 for every ranking."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, items in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        seen: set[str] = set()
        for position, item in enumerate(items, start=1):
            if item in seen:  # a ranking that repeats an item counts it at its best rank only
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + position)
            ranks.setdefault(item, {})[name] = position
    ordered = sorted(scores, key=lambda item: (-scores[item], item))
    return [Fused(item, scores[item], ranks[item]) for item in ordered]
