"""How well identity resolution groups records: precision and recall against stated cross-registrations.

Gold: pairs of trial ids that registries themselves state (``links/registry_record_crossref_pairs.csv``,
derived from the shared registry records; IntoValue's ``registry-crossreg.csv``), closed transitively so
that a trial with three ids is one gold group. A pair is judged only when the graph knows both ids;
``uncovered`` counts the rest, so the figures say how much they rest on.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError

__all__ = ["GoldPair", "IdentityEvaluation", "evaluate_identity", "read_gold_pairs"]


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

    @property
    def recall(self) -> float:
        return self.recall_tp / (self.recall_tp + self.recall_fn) if self.recall_tp + self.recall_fn else 0.0

    @property
    def precision(self) -> float:
        total = self.precision_tp + self.precision_fp
        return self.precision_tp / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


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


def evaluate_identity(
    pairs: list[GoldPair], trial_of: Callable[[str], str | None], canonical: Callable[[str], str] = str
) -> IdentityEvaluation:
    """``trial_of``: the graph's trial for an id as written, or None when the graph does not know it.

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
    by_trial: defaultdict[str, list[str]] = defaultdict(list)
    for item in sorted({i for p in pairs for i in (p.id_a, p.id_b)}):
        if (trial := trial_of(item)) is not None:
            by_trial[trial].append(item)
    predicted = [pair for ids in by_trial.values() for pair in itertools.combinations(ids, 2)]
    correct = [(a, b) for a, b in predicted if find(a) == find(b)]
    return IdentityEvaluation(
        gold_pairs=len(pairs),
        judged_pairs=len(judged),
        uncovered_pairs=len(pairs) - len(judged),
        recall_tp=len(same),
        recall_fn=len(judged) - len(same),
        predicted_pairs=len(predicted),
        precision_tp=len(correct),
        precision_fp=len(predicted) - len(correct),
    )
