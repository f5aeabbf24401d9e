"""Grading and TrialPanorama's metrics, with 95% bootstrap intervals over items (fixed seed), plus the rewards
GRPO trains on, which are the same graders: a model is rewarded for exactly what the evaluation counts.

- multiple choice: accuracy;
- sample size: the share of estimates within ±20% of the registered enrollment;
- completion: outcome accuracy, and precision/recall/F1 with ``complete`` as the positive class; termination-type
  accuracy over items both truly and predictedly terminated whose gold type is known;
- screening: a review is correct when every candidate is decided right (TrialPanorama's macro accuracy); per
  candidate, accuracy and precision/recall/F1 with ``include`` as the positive class (a malformed reply decides
  nothing: every candidate counts as wrong, every include as missed);
- search: the reply's query, run over the split's corpus (:mod:`~trialgraph.models.tasks.search`), graded as a
  ranking: precision, recall, F1 and nDCG at each cutoff, averaged over queries; "accuracy" is the share of
  queries whose first page (10) holds a relevant trial. A query with no searchable word finds nothing.
A malformed reply is wrong for every metric and counted apart. GRPO's reward for a search reply is its nDCG@10.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from trialgraph.errors import ConfigError
from trialgraph.models.metrics import ItemCounts, mean_over_items, score_items
from trialgraph.models.retrieval.ranking import ndcg_at, precision_at, recall_at
from trialgraph.models.tasks.prompting import Parsed, parse_answer
from trialgraph.models.tasks.screening import decisions_of
from trialgraph.models.tasks.search import CUTOFFS, HIT_AT, ids_of

__all__ = ["FORMAT_REWARD", "Graded", "grade", "reward", "summarize"]

SAMPLE_SIZE_TOLERANCE = 0.2
FORMAT_REWARD = 0.1  # a parseable reply earns a little, so early GRPO steps have a gradient before answers are right


@dataclass(frozen=True, slots=True)
class Graded:
    gold: str
    predicted: str | None
    correct: bool
    reason: str | None = None  # why a reply was malformed

    @property
    def malformed(self) -> bool:
        return self.predicted is None


_CORRECT = {
    "mcq": lambda gold, predicted: predicted == gold,
    "sample_size": lambda gold, predicted: abs(int(predicted) - int(gold)) <= SAMPLE_SIZE_TOLERANCE * int(gold),
    "completion": lambda gold, predicted: predicted.split(":")[0] == gold.split(":")[0],  # the outcome; type apart
    "screening": lambda gold, predicted: predicted == gold,  # every candidate decided right
    "search": lambda gold, predicted: bool(set(ids_of(gold)) & set(ids_of(predicted)[:HIT_AT])),
}


def _is_correct(kind: str, gold: str, predicted: str | None) -> bool:
    return predicted is not None and _CORRECT[kind](gold, predicted)


def grade(kind: str, gold: str, parsed: Parsed) -> Graded:
    return Graded(gold, parsed.answer, _is_correct(kind, gold, parsed.answer), parsed.reason)


def reward(
    kind: str, reply: str, gold: str, record: dict[str, Any], *, ranking: Callable[[str], str] | None = None
) -> float:
    """1 for a correct answer (and, for a terminated trial, 0.5 more for the right reason), plus the format reward.

    A search reply's query is run by ``ranking`` (query → ``id;id;…`` over the item's corpus) and earns the
    ranking's nDCG@10, the figure its tables headline: continuous, so that a better query always earns more.
    """
    if kind == "search" and ranking is None:
        raise ConfigError("a search reply is graded by running its query over the corpus: no reward without it")
    parsed = parse_answer(kind, reply, record)
    if parsed.malformed:
        return 0.0
    if kind == "search" and ranking is not None:
        return FORMAT_REWARD + ndcg_at(ids_of(ranking(parsed.answer or "")), dict.fromkeys(ids_of(gold), 1), HIT_AT)
    value = FORMAT_REWARD + float(_is_correct(kind, gold, parsed.answer))
    if kind == "completion" and gold.startswith("terminate:") and gold != "terminate:" and parsed.answer == gold:
        value += 0.5
    return value


def _decisions(answer: str | None) -> dict[str, str]:
    return dict(decisions_of(answer or ""))


def _screening_metrics(graded: Sequence[Graded], seed: int) -> dict[str, Any]:
    counts, per_study = [], []
    for g in graded:
        gold, predicted = _decisions(g.gold), _decisions(g.predicted)
        right = [predicted.get(trial_id) == label for trial_id, label in gold.items()]
        per_study.append(sum(right) / len(right) if right else 0.0)  # per review: the interval is over reviews
        included = {t for t, label in gold.items() if label == "include"}
        chosen = {t for t, label in predicted.items() if label == "include"}
        counts.append(ItemCounts(tp=len(included & chosen), fp=len(chosen - included), fn=len(included - chosen)))
    return {
        "study_accuracy": mean_over_items(per_study, seed=seed).as_dict(),
        "include_prf": score_items(counts, seed=seed).as_dict(),
    }


def _search_metrics(graded: Sequence[Graded], seed: int) -> dict[str, Any]:
    per_query: dict[str, list[float]] = {}
    for g in graded:
        ranked, grades = ids_of(g.predicted), dict.fromkeys(ids_of(g.gold), 1)
        for k in CUTOFFS:
            precision, recall = precision_at(ranked, grades, k), recall_at(ranked, grades, k)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            for name, value in (("precision", precision), ("recall", recall), ("f1", f1)):
                per_query.setdefault(f"{name}@{k}", []).append(value)
            per_query.setdefault(f"ndcg@{k}", []).append(ndcg_at(ranked, grades, k))
    return {name: mean_over_items(values, seed=seed).as_dict() for name, values in per_query.items()}


def summarize(kind: str, graded: Sequence[Graded], *, seed: int = 0) -> dict[str, Any]:
    """The task's metrics, each a dict with its value, 95% interval and the number of items it rests on."""
    correct = mean_over_items([float(g.correct) for g in graded], seed=seed).as_dict()
    metrics: dict[str, Any] = {
        "items": len(graded),
        "malformed": sum(g.malformed for g in graded),
        "accuracy": correct,
    }
    if kind == "sample_size":
        metrics["within_20_percent"] = correct
    if kind == "screening":
        metrics |= _screening_metrics(graded, seed)
    if kind == "search":
        metrics |= _search_metrics(graded, seed)
    if kind == "completion":
        counts = [
            ItemCounts(
                tp=int(g.predicted == "complete" and g.gold == "complete"),
                fp=int(g.predicted == "complete" and g.gold != "complete"),
                fn=int(g.predicted != "complete" and g.gold == "complete"),
            )
            for g in graded
        ]
        metrics["complete_prf"] = score_items(counts, seed=seed).as_dict()
        typed = [
            g
            for g in graded
            if g.gold.startswith("terminate:")
            and g.gold != "terminate:"
            and (g.predicted or "").startswith("terminate")
        ]
        metrics["termination_type_accuracy"] = mean_over_items(
            [float(g.predicted == g.gold) for g in typed], seed=seed
        ).as_dict()
    return metrics
