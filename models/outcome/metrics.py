"""Binary outcome scores (accuracy, F1, ROC-AUC, PR-AUC) with percentile bootstrap 95% intervals over test items.

ROC-AUC is the Mann-Whitney probability that a success outranks a failure (ties count half); PR-AUC is average
precision with success as the positive class, the step-wise sum scikit-learn's ``average_precision_score``
computes. Both are written here in numpy so that a thousand resamples take milliseconds; the tests check them
against scikit-learn and against hand-worked examples. A resample that holds only one class has no AUC and is left
out of those two intervals (the count is reported).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["METRICS", "OutcomeScores", "accuracy", "average_precision", "f1", "roc_auc", "score_predictions"]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """P(score of a random success > score of a random failure) + ½ P(tie); NaN with only one class."""
    import numpy as np

    labels = np.asarray(labels)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = np.asarray(scores)[order]
    ranks = np.empty(len(labels), dtype=float)
    # average ranks over ties: each run of equal scores shares the mean of its positions (1-based)
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(labels)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + 1 + end) / 2
    rank_sum = ranks[labels == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Σ (Rₙ − Rₙ₋₁) Pₙ over the distinct score thresholds, highest first; NaN without a success."""
    import numpy as np

    labels = np.asarray(labels)
    if not labels.sum() or labels.sum() == len(labels):
        return float("nan")
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    sorted_scores, sorted_labels = np.asarray(scores)[order], labels[order]
    last_of_threshold = np.r_[np.flatnonzero(np.diff(sorted_scores)), len(labels) - 1]
    true_positives = np.cumsum(sorted_labels)[last_of_threshold]
    precision = true_positives / (last_of_threshold + 1)
    recall = true_positives / true_positives[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    import numpy as np

    return float(np.mean(np.asarray(labels) == np.asarray(predicted))) if len(labels) else float("nan")


def f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    """F1 of the success class; 0 when nothing is predicted or labelled a success."""
    import numpy as np

    labels, predicted = np.asarray(labels), np.asarray(predicted)
    tp = int(np.sum((labels == 1) & (predicted == 1)))
    denominator = int(np.sum(labels == 1)) + int(np.sum(predicted == 1))
    return 2 * tp / denominator if denominator else 0.0


# name → (function of (labels, probabilities, predictions), needs both classes)
METRICS = {
    "accuracy": (lambda y, p, yhat: accuracy(y, yhat), False),
    "f1": (lambda y, p, yhat: f1(y, yhat), False),
    "roc_auc": (lambda y, p, yhat: roc_auc(y, p), True),
    "pr_auc": (lambda y, p, yhat: average_precision(y, p), True),
}


@dataclass(frozen=True, slots=True)
class OutcomeScores:
    """Point estimates and 95% percentile intervals over ``n`` test items (``n_success`` of them successes)."""

    n: int
    n_success: int
    values: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    resamples: int
    single_class_resamples: int
    seed: int
    threshold: float

    def as_dict(self) -> dict[str, Any]:
        metrics = {
            name: {"value": _round(self.values[name]), "ci": [_round(x) for x in self.intervals[name]]}
            for name in self.values
        }
        return {
            "n": self.n,
            "n_success": self.n_success,
            "metrics": metrics,
            "resamples": self.resamples,
            "single_class_resamples": self.single_class_resamples,
            "seed": self.seed,
            "threshold": self.threshold,
        }


def _round(value: float) -> float | None:
    import numpy as np

    return None if np.isnan(value) else round(float(value), 4)


def score_predictions(
    labels: Sequence[int],
    probabilities: Sequence[float],
    *,
    threshold: float = 0.5,
    resamples: int = 1000,
    seed: int = 0,
) -> OutcomeScores:
    """Every metric in :data:`METRICS` on the items, and its interval from ``resamples`` item-level draws."""
    import numpy as np

    y = np.asarray(labels, dtype=int)
    p = np.asarray(probabilities, dtype=float)
    if y.shape != p.shape:
        raise ValueError(f"{len(y)} labels but {len(p)} probabilities")
    predicted = (p >= threshold).astype(int)
    values = {name: fn(y, p, predicted) for name, (fn, _) in METRICS.items()}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {name: [] for name in METRICS}
    single_class = 0
    for _ in range(resamples if len(y) else 0):
        index = rng.integers(0, len(y), size=len(y))
        ys, ps, yhats = y[index], p[index], predicted[index]
        both = 0 < ys.sum() < len(ys)
        single_class += not both
        for name, (fn, needs_both) in METRICS.items():
            if both or not needs_both:
                draws[name].append(fn(ys, ps, yhats))
    intervals = {
        name: ((float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5))) if d else (float("nan"), float("nan")))
        for name, d in draws.items()
    }
    return OutcomeScores(len(y), int(y.sum()), values, intervals, resamples, single_class, seed, threshold)
