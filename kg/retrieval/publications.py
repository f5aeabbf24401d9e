"""Paper → trial retrieval: PubMed publications found by their text, each with the trials it is linked to.

Why a retriever of its own: the trial retrievers rank trials, but a systematic reviewer starts from papers and
asks which registered trials each one reports. This one ranks publications by BM25 over their titles and
abstracts (Lucene index ``publication_text``) and returns, per paper, the loaded trials it is linked to with
who states each link (the registry's reference list, MEDLINE DataBank, a registry id in the text, curated
sets), and the registry ids it is linked to that no loaded trial carries, so nothing the sources say is hidden.
The user's text goes through :func:`~trialgraph.models.retrieval.query_text.lucene_query`, the same escaping the
trial full-text retriever uses; the statement runs in a read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import neo4j

from trialgraph.errors import ConfigError, GraphError, QueryParameterError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.models.retrieval.query_text import lucene_query

__all__ = [
    "MAX_LIMIT",
    "PUBLICATION_INDEX",
    "LinkedTrial",
    "PublicationHit",
    "PublicationRetriever",
    "search_publications",
]

PUBLICATION_INDEX = "publication_text"
MAX_LIMIT = 1000  # as `trialgraph search --top-k`: beyond this a ranking is a dump, not a search
_STATEMENT = "retrieval/publication_hits"


@dataclass(frozen=True, slots=True)
class LinkedTrial:
    """A loaded trial a paper is linked to, and every source that states the link (sorted)."""

    trial_id: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PublicationHit:
    """One retrieved paper: its identity, BM25 score, linked trials, and the Cypher that found it.

    ``unloaded_trial_ids`` are registry ids the paper is linked to that identify no trial in this graph (the
    registry record was never loaded): kept so a reviewer sees the link exists.
    """

    key: str
    pmid: str | None
    doi: str | None
    title: str | None
    year: int | None
    journal: str | None
    score: float
    trials: tuple[LinkedTrial, ...]
    unloaded_trial_ids: tuple[str, ...]
    cypher: str
    parameters: dict[str, Any]

    @property
    def trial_ids(self) -> list[str]:
        return [t.trial_id for t in self.trials]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI prints (and an HTTP or MCP tool would return)."""
        return {
            "key": self.key,
            "pmid": self.pmid,
            "doi": self.doi,
            "title": self.title,
            "year": self.year,
            "journal": self.journal,
            "score": round(self.score, 6),
            "trials": [{"trial_id": t.trial_id, "sources": list(t.sources)} for t in self.trials],
            "unloaded_trial_ids": list(self.unloaded_trial_ids),
            "cypher": self.cypher,
            "parameters": dict(self.parameters),
        }


def _checked_limit(limit: int) -> int:
    """A one-line error for a limit Lucene or Cypher would refuse with a stack of server text."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryParameterError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    return limit


def _hit(row: dict[str, Any], statement: str, params: dict[str, Any]) -> PublicationHit:
    trials = tuple(LinkedTrial(t["trial_id"], tuple(t["sources"])) for t in row["trials"])
    return PublicationHit(
        row["key"],
        row["pmid"],
        row["doi"],
        row["title"],
        row["year"],
        row["journal"],
        row["score"],
        trials,
        tuple(row["unloaded_trial_ids"]),
        statement,
        params,
    )


@dataclass
class PublicationRetriever:
    """BM25 over publication titles and abstracts, each paper with its linked trials (see the module)."""

    driver: neo4j.Driver
    database: str = "neo4j"
    name: str = "publications"

    def hits(self, query: str, *, top_k: int = 10) -> list[PublicationHit]:
        """The ``top_k`` papers best matching ``query``, best first (ties by publication key)."""
        params = {"query": lucene_query(query), "limit": _checked_limit(top_k)}
        statement = cypher.load(_STATEMENT)
        try:
            rows = run_read(self.driver, statement, params, database=self.database)
        except GraphError as e:
            if PUBLICATION_INDEX in str(e):  # a graph whose schema predates the index
                raise ConfigError(
                    f"the graph has no full-text index {PUBLICATION_INDEX!r}: run `trialgraph load` once to "
                    "update the schema"
                ) from e
            raise
        return [_hit(row, statement, params) for row in rows]


def search_publications(
    driver: neo4j.Driver, query: str, *, limit: int = 10, database: str = "neo4j"
) -> list[PublicationHit]:
    """The papers best matching ``query``, each with the trials it is linked to (:class:`PublicationRetriever`)."""
    return PublicationRetriever(driver, database).hits(query, top_k=limit)
