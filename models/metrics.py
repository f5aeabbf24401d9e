"""Set-overlap scores with bootstrap intervals, for every evaluation that compares predicted with gold sets.

Micro precision, recall and F1 pool the counts of all items; the 95% interval resamples *items* (studies,
documents) with replacement, because their errors are correlated within an item, with a fixed seed so
that a figure in a note can be reproduced exactly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Accuracy", "ItemCounts", "Mean", "Scores", "accuracy_over_items", "mean_over_items", "score_items"]


@dataclass(frozen=True, slots=True)
class ItemCounts:
    """One evaluated item's true positives, false positives and false negatives."""

    tp: int
    fp: int
    fn: int


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True, slots=True)
class Scores:
    """Micro scores over ``items`` items, each with its 95% bootstrap interval (percentile method)."""

    items: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    precision_ci: tuple[float, float]
    recall_ci: tuple[float, float]
    f1_ci: tuple[float, float]
    resamples: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        rounded = {k: round(v, 4) for k, v in (("precision", self.precision), ("recall", self.recall), ("f1", self.f1))}
        intervals = {
            f"{k}_ci": [round(x, 4) for x in v]
            for k, v in (("precision", self.precision_ci), ("recall", self.recall_ci), ("f1", self.f1_ci))
        }
        counts = {"items": self.items, "tp": self.tp, "fp": self.fp, "fn": self.fn}
        return {**counts, **rounded, **intervals, "resamples": self.resamples, "seed": self.seed}


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def score_items(items: Sequence[ItemCounts], *, resamples: int = 1000, seed: int = 0) -> Scores:
    """Micro P/R/F1 over ``items`` and their 95% intervals from ``resamples`` item-level bootstrap draws."""
    tp, fp, fn = (sum(getattr(i, k) for i in items) for k in ("tp", "fp", "fn"))
    precision, recall, f1 = _prf(tp, fp, fn)
    rng = random.Random(seed)
    draws: list[tuple[float, float, float]] = []
    for _ in range(resamples if items else 0):
        sample = rng.choices(items, k=len(items))
        draws.append(_prf(sum(i.tp for i in sample), sum(i.fp for i in sample), sum(i.fn for i in sample)))
    columns = [sorted(d[k] for d in draws) for k in range(3)]
    ci = [(_percentile(c, 0.025), _percentile(c, 0.975)) for c in columns]
    return Scores(len(items), tp, fp, fn, precision, recall, f1, ci[0], ci[1], ci[2], resamples, seed)


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Correct / total over all items' mentions, with a 95% bootstrap interval that resamples items."""

    items: int
    mentions: int
    correct: int
    accuracy: float
    ci: tuple[float, float]
    resamples: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "mentions": self.mentions,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "ci": [round(x, 4) for x in self.ci],
            "resamples": self.resamples,
            "seed": self.seed,
        }


def accuracy_over_items(items: Sequence[tuple[int, int]], *, resamples: int = 1000, seed: int = 0) -> Accuracy:
    """``items``: (correct, total) per item (a document); the interval resamples documents."""
    correct, total = sum(c for c, _ in items), sum(t for _, t in items)
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples if items else 0):
        sample = rng.choices(items, k=len(items))
        sample_total = sum(t for _, t in sample)
        draws.append(sum(c for c, _ in sample) / sample_total if sample_total else 0.0)
    draws.sort()
    accuracy = correct / total if total else 0.0
    interval = (_percentile(draws, 0.025), _percentile(draws, 0.975))
    return Accuracy(len(items), total, correct, accuracy, interval, resamples, seed)


@dataclass(frozen=True, slots=True)
class Mean:
    """The mean of a per-item figure (a query's nDCG@10), with a 95% bootstrap interval over items."""

    items: int
    mean: float
    ci: tuple[float, float]
    resamples: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "mean": round(self.mean, 4), "ci": [round(x, 4) for x in self.ci]}


def mean_over_items(values: Sequence[float], *, resamples: int = 1000, seed: int = 0) -> Mean:
    """Mean of ``values`` (one per item) and its percentile bootstrap interval, fixed seed."""
    values = list(values)
    rng = random.Random(seed)
    draws = sorted(sum(rng.choices(values, k=len(values))) / len(values) for _ in range(resamples if values else 0))
    mean = sum(values) / len(values) if values else 0.0
    return Mean(len(values), mean, (_percentile(draws, 0.025), _percentile(draws, 0.975)), resamples, seed)
