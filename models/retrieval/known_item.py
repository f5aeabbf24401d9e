"""Known-item search: a text that describes one registered trial, and the rank at which a retriever finds it.

Paper → registered trial, the systematic reviewer's question "which trial does this paper report?". A query is
a paper's text with every registry id cut out (:func:`without_trial_ids`), so a retriever cannot match the id
itself; its targets are the loaded trials the paper is tied to. Two query sets, reported apart because they are
different evidence:

- ``stated``: PubMed papers (title and abstract) whose link to a loaded trial a source states apart from the
  registry's reference list: MEDLINE DataBank, or a registry id in the title or abstract (curated sets such as
  IntoValue are left out: they are made from the registry's references and the papers, not from the text);
- ``registry_reference``: the results papers a registry record lists (CT.gov "RESULT" references), asked with
  the paper's title and abstract when PubMed's record is loaded and with the registry's citation otherwise.
  The record's own text never holds its references, so nothing of the query is indexed with its target.

Registry record → its twin in another registry (:func:`twin_queries`, query set ``stated_twin``): a record that
states the id of a loaded record registered elsewhere (an ICTRP or EU CTR record naming its CT.gov twin, a CT.gov
record naming its EudraCT number), asked with its own rendering (``trial-text-1``, the text its embedding was
made from) with every registry id cut out. Identity resolution has already put both records under one trial, so
the search must not use any record of that trial but the twins: the query record, other copies of its own
registration (a EudraCT trial's other member-state records) and any registration it does not name are the query's
``exclude``, and only the twin can find the trial.

A query counts when it has words left to search for (``lucene_query`` finds some) and at least one target in the
graph. Per retriever: MRR (the first
target's reciprocal rank, 0 beyond ``KNOWN_ITEM_DEPTH``) and recall@1 and @10 (a target in the top k), with 95%
bootstrap intervals over queries. Nothing is tuned on these queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from trialgraph.model.publication_link import SOURCE_MEDLINE_DATABANK, SOURCE_PATTERN_ABSTRACT, SOURCE_PATTERN_TITLE
from trialgraph.model.trial_ids import find_trial_ids
from trialgraph.models.metrics import Mean, mean_over_items
from trialgraph.models.retrieval.query_text import QueryTextError, lucene_query
from trialgraph.models.retrieval.ranking import reciprocal_rank
from trialgraph.models.retrieval.rendering import RecordText, render

__all__ = [
    "KNOWN_ITEM_DEPTH",
    "PAPER_QUERY_SETS",
    "STATED_SOURCES",
    "TWIN_QUERY_SET",
    "KnownItemFigures",
    "KnownItemQuery",
    "evaluate_known_items",
    "paper_queries",
    "twin_queries",
    "without_trial_ids",
]

KNOWN_ITEM_DEPTH = 100  # how deep each ranking is read: a paper's trial found below rank 100 is not found
STATED_SOURCES = (SOURCE_MEDLINE_DATABANK, SOURCE_PATTERN_TITLE, SOURCE_PATTERN_ABSTRACT)
PAPER_QUERY_SETS = ("stated", "registry_reference")
_SPACE = re.compile(r"\s+")
# (query text, depth, records the search must not use) → trial ids, best first
Ranker = Callable[[str, int, frozenset[str]], list[str]]
TWIN_QUERY_SET = "stated_twin"


def without_trial_ids(text: str) -> str:
    """``text`` with every registry id the domain core's patterns find cut out, whitespace folded."""
    kept, end = [], 0
    for match in find_trial_ids(text):
        kept.append(text[end : match.start])
        end = match.end
    kept.append(text[end:])
    return _SPACE.sub(" ", " ".join(kept)).strip()


@dataclass(frozen=True, slots=True)
class KnownItemQuery:
    """One query of a known-item task: its id, its text (registry ids already cut out), its target trials and the
    registry records the search must not use (the query's own record, in the twin task)."""

    query_id: str
    text: str
    targets: frozenset[str]
    exclude: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class KnownItemFigures:
    """One retriever on one known-item query set: how many queries were usable, and the means over them."""

    task: str
    queries: str
    retriever: str
    candidates: int
    usable: int
    figures: dict[str, Mean]

    def as_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "queries": self.queries,
            "retriever": self.retriever,
            "candidate_queries": self.candidates,
            "usable_queries": self.usable,
            **{metric: mean.as_dict() for metric, mean in self.figures.items()},
        }


def paper_queries(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[KnownItemQuery]]:
    """Query set → its queries, from ``read/known_item_papers`` rows: the title and abstract when the paper has
    either, else the registry's citation; registry ids cut out."""
    out: dict[str, list[KnownItemQuery]] = {name: [] for name in PAPER_QUERY_SETS}
    for row in rows:
        written = " ".join(part for part in (row.get("title"), row.get("abstract")) if part)
        text = without_trial_ids(written or row.get("citation") or "")
        out.setdefault(row["queries"], []).append(KnownItemQuery(row["key"], text, frozenset(row["trials"])))
    return out


def twin_queries(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[KnownItemQuery]]:
    """The ``stated_twin`` queries from ``read/known_item_twins`` rows: each record's rendering with registry ids
    cut out, its trial as the target, the trial's records other than the twins excluded."""
    queries = [
        KnownItemQuery(
            row["record_id"],
            without_trial_ids(render(RecordText.from_row(row))),
            frozenset({row["trial"]}),
            frozenset(row["excluded"]),
        )
        for row in rows
    ]
    return {TWIN_QUERY_SET: queries}


def _searchable(query: KnownItemQuery, in_graph: set[str]) -> bool:
    """A target in the graph, and words a full-text search can use: a citation that was only "(NCT01234567)" is
    no query, and must not stop every other one with an error."""
    if not query.targets & in_graph:
        return False
    try:
        lucene_query(query.text)
    except QueryTextError:
        return False
    return True


def _found_within(ranked: Sequence[str], targets: frozenset[str], k: int) -> float:
    return 1.0 if targets.intersection(ranked[:k]) else 0.0


def evaluate_known_items(
    task: str,
    name: str,
    queries: Iterable[KnownItemQuery],
    rankers: Mapping[str, Ranker],
    trials_in_graph: Iterable[str],
) -> list[KnownItemFigures]:
    """Every ranker on the usable ``queries`` of one set (see the module docstring)."""
    in_graph = set(trials_in_graph)
    every = list(queries)
    usable = [replace(q, targets=q.targets & in_graph) for q in every if _searchable(q, in_graph)]
    out = []
    for ranker, rank in rankers.items():
        values: dict[str, list[float]] = {"mrr": [], "r@1": [], "r@10": []}
        for query in usable:
            ranked = rank(query.text, KNOWN_ITEM_DEPTH, query.exclude)[:KNOWN_ITEM_DEPTH]
            values["mrr"].append(reciprocal_rank(ranked, dict.fromkeys(query.targets, 1)))
            values["r@1"].append(_found_within(ranked, query.targets, 1))
            values["r@10"].append(_found_within(ranked, query.targets, 10))
        figures = {metric: mean_over_items(v) for metric, v in values.items()} if usable else {}  # none: no figure
        out.append(KnownItemFigures(task, name, ranker, len(every), len(usable), figures))
    return out
