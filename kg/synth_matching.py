"""The graph side of the synthetic-patient matching evaluation: rank the graph's trials for each note, score it.

The retrievers, their depth and the metrics are ``trialgraph eval retrieval``'s (:data:`RETRIEVERS`,
:func:`~trialgraph.models.retrieval.evaluate.evaluate_cohort`), so the figures read beside the real TREC CT ones.
Each note is ranked once per retriever; the graded set and the per-kind sets read the same rankings. Reads only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import neo4j

from trialgraph import cypher
from trialgraph.errors import UnknownNameError
from trialgraph.kg.graph import run_read
from trialgraph.kg.retrieval.retrievers import RETRIEVERS, FullTextRetriever, VectorRetriever
from trialgraph.models.retrieval.evaluate import CohortFigures, evaluate_cohort
from trialgraph.models.synth.matching import NotesCohort, kind_cohorts

__all__ = ["MatchingFigures", "run_synth_matching"]

Ranker = Callable[[str, int], list[str]]
MatchingFigures = tuple[list[CohortFigures], dict[str, list[CohortFigures]]]  # graded set; per kind


def _rankers(driver: neo4j.Driver, names: Sequence[str], encoder: str, database: str) -> dict[str, Ranker]:
    """Each retriever as (text, depth) → trial ids, remembering its rankings so that no note is ranked twice."""
    fulltext, vector = FullTextRetriever(driver, database), VectorRetriever(driver, encoder, database)
    out: dict[str, Ranker] = {}
    for name in names:
        retriever = RETRIEVERS[name](fulltext, vector)
        memo: dict[tuple[str, int], list[str]] = {}

        def rank(text: str, depth: int, retriever: Any = retriever, memo: dict = memo) -> list[str]:
            if (text, depth) not in memo:
                memo[(text, depth)] = [hit.trial_id for hit in retriever.hits(text, top_k=depth)]
            return memo[(text, depth)]

        out[name] = rank
    return out


def run_synth_matching(
    driver: neo4j.Driver,
    notes: NotesCohort,
    *,
    retrievers: Sequence[str] | None = None,
    encoder: str = "minilm",
    database: str = "neo4j",
) -> MatchingFigures:
    """Every retriever on the graded notes, and on each kind's notes with the own trial as the relevant one.

    Raises:
        UnknownNameError: a retriever name not in :data:`RETRIEVERS`.
    """
    names = list(retrievers or RETRIEVERS)
    unknown = [n for n in names if n not in RETRIEVERS]
    if unknown:
        raise UnknownNameError(f"unknown retriever {unknown[0]!r}; known: {', '.join(RETRIEVERS)}")
    known = run_read(driver, cypher.load("read/trial_ids_known"), database=database)
    in_graph = {row["trial"] for row in known}
    rankers = _rankers(driver, names, encoder, database)
    graded = evaluate_cohort(notes.cohort, rankers, in_graph)
    by_kind = {kind: evaluate_cohort(cohort, rankers, in_graph) for kind, cohort in kind_cohorts(notes).items()}
    return graded, by_kind
