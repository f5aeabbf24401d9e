"""The read-only operations that the HTTP API and the MCP server both expose, once, over :class:`TrialGraph`.

Each takes plain values and returns JSON-ready data, so the two servers stay thin adapters: a capability is
added here and both gain it. Nothing here writes to the graph.
"""

from __future__ import annotations

from typing import Any

from trialgraph.api import TrialGraph
from trialgraph.kg import cypher

__all__ = ["OPERATIONS", "context", "match_patient", "named_queries", "run_query", "search", "similar"]


def search(tg: TrialGraph, query: str, retriever: str = "hybrid", top_k: int = 10) -> list[dict[str, Any]]:
    """Trials matching ``query``: retriever fulltext (BM25), vector, hybrid (both, rank-fused) or match."""
    return [h.as_dict() for h in tg.search(query, retriever=retriever, top_k=top_k)]


def similar(tg: TrialGraph, trial_id: str, top_k: int = 10) -> list[dict[str, Any]]:
    """Trials nearest to ``trial_id`` by their embeddings."""
    return [h.as_dict() for h in tg.similar(trial_id, top_k=top_k)]


def match_patient(tg: TrialGraph, description: str, top_k: int = 10) -> dict[str, Any]:
    """Trials a patient might enter, the age and sex read from the description, the condition concepts linked in it
    (null, with the reason, when the graph has no current linker index), and the trials left out."""
    return tg.match_patient(description, top_k=top_k).as_dict()


def context(tg: TrialGraph, trial_ids: list[str], max_tokens: int = 2000) -> dict[str, Any]:
    """A compact description of the trials for a language model, under ``max_tokens``."""
    built = tg.context(trial_ids, max_tokens=max_tokens)
    return {"text": built.text, "trials": built.trials, "included": built.included, "omitted": built.omitted}


def named_queries(tg: TrialGraph) -> list[dict[str, str]]:
    """The library's named Cypher queries with what each answers."""
    return [{"name": name, "description": text} for name, text in cypher.named_queries().items()]


def run_query(tg: TrialGraph, name: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a named query, in a read-only transaction; parameters are checked against its header."""
    return tg.run_query(name, **(parameters or {}))


OPERATIONS = {f.__name__: f for f in (search, similar, match_patient, context, named_queries, run_query)}
