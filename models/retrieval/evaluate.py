"""``trialgraph eval retrieval``: every retriever on the same queries, BM25 full-text as the baseline.

Patient → trial, on the TrialGPT cohorts (SIGIR 2016, TREC Clinical Trials 2021 and 2022; a cohort folder holds
``queries.jsonl`` with ``_id`` and ``text``, and ``qrels.tsv`` with ``query-id``, ``corpus-id``, ``score``):
- Only judged trials that the graph holds can be found, so each query's judgements are restricted to them, and a
  query counts only when at least one relevant (grade ≥ 1) judged trial is in the graph. The report says how many
  judged trials and queries that leaves.
- ``all``: the retriever ranks every trial in the graph; nDCG@10, P@10, R@100 (see :mod:`.ranking`).
- ``judged``: TrialGPT's condensed list: the same ranking with every trial not judged for that query removed.
- Each ranking is computed once, to depth ``DEPTH``, and both variants read it. Means carry 95% bootstrap
  intervals over queries (seed 0). Nothing here is tuned: the retrievers have no parameters fitted on these sets.

Trial → similar trials, on Trial2Vec's expert labels (``trialsim`` TSV: ``list_id``, ``target_nct_id``, ``rank``,
``candidate_nct_id``, ``relevant``): a list is usable when its target and at least one relevant candidate are in the
graph. Each retriever ranks the graph for the target (text retrievers are asked with the target's rendering, the
embedding ranker with the target's vector), the target's own trial left out; the ranking is cut to the list's
candidates in the graph, and precision@1 and @5 are read from it (a candidate never retrieved counts as a miss).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.errors import SourceError
from trialgraph.models.metrics import Mean, mean_over_items
from trialgraph.models.retrieval.ranking import ndcg_at, precision_at, recall_at

__all__ = [
    "DEPTH",
    "Cohort",
    "CohortFigures",
    "SimilarityFigures",
    "SimilarityList",
    "evaluate_cohort",
    "evaluate_similarity",
    "read_cohort",
    "read_trialsim",
    "shared_cohort_folders",
]

DEPTH = 1000
TREC_CT_DIR = Path("benchmarks/trials/trialgpt-trec-ct-qrels")  # under the shared data folder
TREC_CT_COHORTS = ("sigir", "trec_2021", "trec_2022")
Ranker = Callable[[str, int], list[str]]  # (query text, depth) → trial ids, best first


@dataclass(frozen=True, slots=True)
class Cohort:
    """A set of patient queries with graded trial judgements."""

    name: str
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]

    def judged_trials(self) -> set[str]:
        return {trial for grades in self.qrels.values() for trial in grades}


def shared_cohort_folders(shared: Path) -> list[Path]:
    """TrialGPT's three cohort folders in the shared data (whether or not they exist: reading says)."""
    return [shared / TREC_CT_DIR / name for name in TREC_CT_COHORTS]


def read_cohort(folder: Path) -> Cohort:
    """A cohort folder in TrialGPT's layout; a missing or malformed file is a one-line ``SourceError``."""
    queries_path, qrels_path = folder / "queries.jsonl", folder / "qrels.tsv"
    for path in (queries_path, qrels_path):
        if not path.is_file():
            raise SourceError(f"{path}: not found (a cohort folder holds queries.jsonl and qrels.tsv)")
    queries: dict[str, str] = {}
    try:
        for line in queries_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                queries[str(row["_id"])] = str(row["text"])
        qrels: dict[str, dict[str, int]] = {}
        with qrels_path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    except (json.JSONDecodeError, KeyError, ValueError, TypeError, UnicodeDecodeError) as e:
        raise SourceError(f"{folder}: not a cohort in TrialGPT's layout ({type(e).__name__}: {e})") from None
    return Cohort(folder.name, queries, qrels)


@dataclass(frozen=True, slots=True)
class CohortFigures:
    """One retriever on one cohort: per variant, the mean of each metric over the usable queries."""

    cohort: str
    retriever: str
    judged_in_graph: int
    queries: int
    figures: dict[str, dict[str, Mean]]  # variant → metric → mean

    def as_dict(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "retriever": self.retriever,
            "judged_trials_in_graph": self.judged_in_graph,
            "queries": self.queries,
            **{
                variant: {metric: mean.as_dict() for metric, mean in metrics.items()}
                for variant, metrics in self.figures.items()
            },
        }


_METRICS: dict[str, Callable[[Sequence[str], Mapping[str, int]], float]] = {
    "ndcg@10": lambda ranked, grades: ndcg_at(ranked, grades, 10),
    "p@10": lambda ranked, grades: precision_at(ranked, grades, 10),
    "r@100": lambda ranked, grades: recall_at(ranked, grades, 100),
}


def evaluate_cohort(
    cohort: Cohort, rankers: Mapping[str, Ranker], trials_in_graph: Iterable[str]
) -> list[CohortFigures]:
    """Every ranker on ``cohort``'s usable queries (see the module docstring)."""
    in_graph = set(trials_in_graph)
    grades_by_query = {
        qid: {trial: g for trial, g in grades.items() if trial in in_graph} for qid, grades in cohort.qrels.items()
    }
    usable = sorted(
        qid for qid, grades in grades_by_query.items() if qid in cohort.queries and any(g >= 1 for g in grades.values())
    )
    judged_in_graph = len(cohort.judged_trials() & in_graph)
    out = []
    for name, rank in rankers.items():
        values: dict[str, dict[str, list[float]]] = {"all": {}, "judged": {}}
        for qid in usable:
            grades = grades_by_query[qid]
            ranked = rank(cohort.queries[qid], DEPTH)
            variants = {"all": ranked, "judged": [trial for trial in ranked if trial in grades]}
            for variant, ranking in variants.items():
                for metric, fn in _METRICS.items():
                    values[variant].setdefault(metric, []).append(fn(ranking, grades))
        figures = {variant: {m: mean_over_items(v) for m, v in metrics.items()} for variant, metrics in values.items()}
        out.append(CohortFigures(cohort.name, name, judged_in_graph, len(usable), figures))
    return out


@dataclass(frozen=True, slots=True)
class SimilarityList:
    """One expert-labelled candidate list: the target and each candidate's label (1 similar, 0 not)."""

    list_id: str
    target: str
    labels: dict[str, int]


def read_trialsim(path: Path) -> list[SimilarityList]:
    """Trial2Vec's labelled lists in the long layout; a malformed file is a one-line ``SourceError``."""
    if not path.is_file():
        raise SourceError(
            f"{path}: not found (a TrialSim file: list_id, target_nct_id, rank, candidate_nct_id, relevant)"
        )
    lists: dict[str, SimilarityList] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                entry = lists.setdefault(row["list_id"], SimilarityList(row["list_id"], row["target_nct_id"], {}))
                entry.labels[row["candidate_nct_id"]] = int(row["relevant"])
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as e:
        raise SourceError(f"{path}: not a TrialSim file ({type(e).__name__}: {e})") from None
    return [lists[k] for k in sorted(lists, key=lambda k: (len(k), k))]


@dataclass(frozen=True, slots=True)
class SimilarityFigures:
    """One ranker on the TrialSim lists: how many lists were usable, and precision@1 and @5 over them."""

    ranker: str
    lists: int
    usable: int
    figures: dict[str, Mean]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": "trial_similarity",
            "retriever": self.ranker,
            "lists": self.lists,
            "usable_lists": self.usable,
            **{metric: mean.as_dict() for metric, mean in self.figures.items()},
        }


TrialRanker = Callable[[str, int], list[str]]  # (target trial id, depth) → trial ids, best first


def evaluate_similarity(
    lists: Sequence[SimilarityList], rankers: Mapping[str, TrialRanker], trials_in_graph: Iterable[str]
) -> list[SimilarityFigures]:
    """Every ranker on the usable lists (see the module docstring)."""
    in_graph = set(trials_in_graph)
    usable = [
        entry
        for entry in lists
        if entry.target in in_graph and any(g and c in in_graph for c, g in entry.labels.items())
    ]
    out = []
    for name, rank in rankers.items():
        values: dict[str, list[float]] = {"p@1": [], "p@5": []}
        for entry in usable:
            candidates = {c: g for c, g in entry.labels.items() if c in in_graph and c != entry.target}
            ranked = [t for t in rank(entry.target, DEPTH) if t in candidates and t != entry.target]
            values["p@1"].append(precision_at(ranked, candidates, 1))
            values["p@5"].append(precision_at(ranked, candidates, 5))
        # no usable list: no figure (a mean of nothing printed as 0.000 [0.00, 0.00] reads as a measured zero)
        figures = {m: mean_over_items(v) for m, v in values.items()} if usable else {}
        out.append(SimilarityFigures(name, len(lists), len(usable), figures))
    return out
