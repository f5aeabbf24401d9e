"""Rank fusion: several retrievers' rankings of the same items into one.

Reciprocal-rank fusion (Cormack et al. 2009): an item's fused score is the sum over retrievers of
``weight / (k + rank)``, with ranks from 1. It needs no score calibration between BM25 and cosine, which live
on different scales, and ``k = 60`` is the value of the original paper, not tuned here. Ties are broken by the
item id so that the same input always gives the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

__all__ = ["RRF_K", "FusableHit", "Fused", "fuse_hits", "reciprocal_rank_fusion"]

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


class FusableHit(Protocol):
    """What :func:`fuse_hits` reads and rewrites: a frozen dataclass hit (a trial's, a paper's) with these fields."""

    score: float
    retriever: str
    components: dict[str, float]
    cypher: tuple[str, ...]
    parameters: tuple[dict[str, Any], ...]


H = TypeVar("H", bound=FusableHit)


def fuse_hits(
    parts: Mapping[str, Sequence[H]],
    key: Callable[[H], str],
    *,
    name: str,
    top_k: int,
    weights: Mapping[str, float] | None = None,
    k: int = RRF_K,
) -> list[H]:
    """The best ``top_k`` of several retrievers' hits (retriever name → hits, best first), fused by reciprocal rank
    over ``key`` (a trial id, a paper key).

    Each fused hit is the first component's hit that holds the item, with the fused score, ``name`` as its
    retriever, every component's score and rank, and every component's statements, so the one fusion serves
    trials and papers alike and a hit still reruns in Browser.
    """
    by_key = {part: {key(hit): hit for hit in hits} for part, hits in parts.items()}
    fused = reciprocal_rank_fusion({part: [key(h) for h in hits] for part, hits in parts.items()}, weights=weights, k=k)
    out = []
    for item in fused[:top_k]:
        found = {part: by_key[part][item.item] for part in parts if item.item in by_key[part]}
        components = {part: hit.score for part, hit in found.items()}
        components.update({f"{part}_rank": float(rank) for part, rank in item.ranks.items()})
        first = next(iter(found.values()))
        out.append(
            replace(  # type: ignore[type-var]  # every FusableHit in use is a dataclass
                first,
                score=item.score,
                retriever=name,
                components=components,
                cypher=tuple(s for hit in found.values() for s in hit.cypher),
                parameters=tuple(p for hit in found.values() for p in hit.parameters),
            )
        )
    return out
