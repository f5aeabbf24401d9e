"""How well identity resolution groups records: precision and recall against stated cross-registrations.

Gold: pairs of trial ids that registries themselves state (``links/registry_record_crossref_pairs.csv``,
derived from the shared registry records; IntoValue's ``registry-crossreg.csv``), closed transitively so
that a trial with three ids is one gold group. A pair is judged only when the graph knows both ids;
``uncovered`` counts the rest, so the figures say how much they rest on: coverage leads the report, then
precision and recall with their 95% bootstrap intervals and n, then examples of each error (false joins: pairs
of gold ids the graph puts in one trial that the gold keeps apart; misses: judged gold pairs left apart).

``split_of`` cuts the gold pairs into a ``dev`` and a ``test`` part by a fixed hash of the pair, so that a
threshold examined on one part is reported on the other (``trialgraph eval identity --split test``).
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError
from trialgraph.models.metrics import ItemCounts, score_items

__all__ = ["SPLITS", "GoldPair", "IdentityEvaluation", "evaluate_identity", "read_gold_pairs", "split_of"]

EXAMPLES = 10  # error examples of each kind in the report
SPLITS = ("all", "dev", "test")
_SPLIT_SALT = "trialgraph-identity-gold-v1"  # fixed: a pair never changes part


@dataclass(frozen=True, slots=True)
class GoldPair:
    id_a: str
    id_b: str
    source: str


@dataclass(frozen=True, slots=True)
class IdentityEvaluation:
    gold_pairs: int
    judged_pairs: int  # both ids known to the graph
    uncovered_pairs: int
    recall_tp: int
    recall_fn: int
    predicted_pairs: int  # pairs of gold ids the graph puts in one trial
    precision_tp: int
    precision_fp: int
    both_loaded: int | None = None  # judged pairs of two trial keys whose records are both loaded (None: not asked)
    false_joins: tuple[tuple[str, str, str], ...] = ()  # (id, id, the trial the graph put both in)
    misses: tuple[tuple[str, str, str, str], ...] = ()  # (id, trial, id, trial)

    @property
    def recall(self) -> float:
        return self.recall_tp / (self.recall_tp + self.recall_fn) if self.recall_tp + self.recall_fn else 0.0

    @property
    def precision(self) -> float:
        total = self.precision_tp + self.precision_fp
        return self.precision_tp / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Coverage first, then precision and recall with interval and n, then the error examples."""
        counts = {k: v for k, v in asdict(self).items() if k not in {"false_joins", "misses", "both_loaded"}}
        precision = score_items([ItemCounts(1, 0, 0)] * self.precision_tp + [ItemCounts(0, 1, 0)] * self.precision_fp)
        recall = score_items([ItemCounts(1, 0, 0)] * self.recall_tp + [ItemCounts(0, 0, 1)] * self.recall_fn)
        return {
            "gold_pairs": self.gold_pairs,
            "judged_pairs": self.judged_pairs,
            "uncovered_pairs": self.uncovered_pairs,
            "coverage": round(self.judged_pairs / self.gold_pairs, 4) if self.gold_pairs else 0.0,
            "both_loaded": self.both_loaded,
            "precision": round(self.precision, 4),
            "precision_ci": [round(x, 4) for x in precision.precision_ci],
            "precision_n": self.predicted_pairs,
            "recall": round(self.recall, 4),
            "recall_ci": [round(x, 4) for x in recall.recall_ci],
            "recall_n": self.judged_pairs,
            **counts,
            "false_joins": [list(x) for x in self.false_joins[:EXAMPLES]],
            "misses": [list(x) for x in self.misses[:EXAMPLES]],
        }


_GOLD_LAYOUTS: dict[frozenset[str], tuple[str, str]] = {
    frozenset({"trial_id_a", "trial_id_b"}): ("trial_id_a", "trial_id_b"),
    frozenset({"id", "crossreg_trn"}): ("id", "crossreg_trn"),
}


def read_gold_pairs(paths: Iterable[Path]) -> list[GoldPair]:
    """Distinct unordered pairs from the gold tables (the layout is told by the header)."""
    pairs: dict[frozenset[str], GoldPair] = {}
    for path in paths:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = next((c for keys, c in _GOLD_LAYOUTS.items() if keys <= set(reader.fieldnames or [])), None)
            if columns is None:
                raise SourceError(f"{path}: not a table of id pairs (columns {reader.fieldnames})")
            for row in reader:
                a, b = row[columns[0]].strip(), row[columns[1]].strip()
                if a and b and a != b:
                    pairs.setdefault(frozenset((a, b)), GoldPair(a, b, path.name))
    return list(pairs.values())


def _weighable(pair: GoldPair, loaded: Callable[[str], bool], canonical: Callable[[str], str]) -> bool:
    """Both records loaded, under two trial keys (member-state records of one EudraCT number are one key)."""
    return canonical(pair.id_a) != canonical(pair.id_b) and loaded(pair.id_a) and loaded(pair.id_b)


def split_of(pair: GoldPair, canonical: Callable[[str], str] = str) -> str:
    """``dev`` or ``test``, from a fixed hash of the pair's two ids (order and spelling do not matter)."""
    key = "|".join(sorted((canonical(pair.id_a), canonical(pair.id_b))))
    return "dev" if hashlib.sha256(f"{_SPLIT_SALT}|{key}".encode()).digest()[0] % 2 == 0 else "test"


def evaluate_identity(
    pairs: list[GoldPair],
    trial_of: Callable[[str], str | None],
    canonical: Callable[[str], str] = str,
    loaded: Callable[[str], bool] | None = None,
) -> IdentityEvaluation:
    """``trial_of``: the graph's trial for an id as written, or None when the graph does not know it.

    ``loaded``: whether a record with that id is loaded; ``both_loaded`` counts the judged pairs of two trial keys
    with both records loaded, the only ones identity evidence can weigh.
    ``canonical``: one spelling per id, so that gold ids written two ways (``EUCTR2015-002276-25-PL`` and
    ``2015-002276-25``, a member-state record and its EudraCT number) are one gold id.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        parent[find(pair.id_a)] = find(pair.id_b)
        for item in (pair.id_a, pair.id_b):
            parent[find(item)] = find(canonical(item))
    judged = [p for p in pairs if trial_of(p.id_a) and trial_of(p.id_b)]
    same = [p for p in judged if trial_of(p.id_a) == trial_of(p.id_b)]
    missed = [p for p in judged if trial_of(p.id_a) != trial_of(p.id_b)]
    by_trial: defaultdict[str, list[str]] = defaultdict(list)
    for item in sorted({i for p in pairs for i in (p.id_a, p.id_b)}):
        if (trial := trial_of(item)) is not None:
            by_trial[trial].append(item)
    predicted = [pair for ids in by_trial.values() for pair in itertools.combinations(ids, 2)]
    correct = [(a, b) for a, b in predicted if find(a) == find(b)]
    wrong = [(a, b, trial_of(a) or "") for a, b in predicted if find(a) != find(b)]
    return IdentityEvaluation(
        gold_pairs=len(pairs),
        judged_pairs=len(judged),
        uncovered_pairs=len(pairs) - len(judged),
        recall_tp=len(same),
        recall_fn=len(judged) - len(same),
        predicted_pairs=len(predicted),
        precision_tp=len(correct),
        precision_fp=len(predicted) - len(correct),
        both_loaded=None if loaded is None else sum(1 for p in judged if _weighable(p, loaded, canonical)),
        false_joins=tuple(sorted(wrong)),
        misses=tuple(sorted((p.id_a, trial_of(p.id_a) or "", p.id_b, trial_of(p.id_b) or "") for p in missed)),
    )
