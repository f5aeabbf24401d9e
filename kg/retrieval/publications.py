"""Paper → trial retrieval: PubMed publications found by their text, each with the trials it is linked to.

Why a retriever of its own: the trial retrievers rank trials, but a systematic reviewer starts from papers and
asks which registered trials each one reports. Papers are ranked by BM25 over their titles and abstracts (Lucene
index ``publication_text``, :class:`PublicationRetriever`), by the cosine of their ``paper-text-1`` embeddings
(``trialgraph embed --target publications``, :class:`PublicationVectorRetriever`, through the same
neo4j-graphrag ``VectorCypherRetriever`` as trials), or by reciprocal-rank fusion of the two
(:class:`PublicationHybridRetriever`, k = 60, equal weights, as for trials). Each paper comes with the loaded
trials it is linked to and who states each link (the registry's reference list, MEDLINE DataBank, a registry id
in the text, curated sets), and the registry ids it is linked to that no loaded trial carries, so nothing the
sources say is hidden. The user's text goes through
:func:`~trialgraph.models.retrieval.query_text.lucene_query` (BM25) or
:func:`~trialgraph.models.retrieval.query_text.checked_query` (vectors), as for trials; every statement runs in a
read transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import neo4j

from trialgraph.errors import ConfigError, GraphError, QueryParameterError, UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.retrieval.hits import shown_parameters
from trialgraph.kg.retrieval.retrievers import HYBRID_WEIGHTS, VectorRetriever
from trialgraph.models.retrieval.fusion import fuse_hits
from trialgraph.models.retrieval.query_text import lucene_query
from trialgraph.models.retrieval.rendering import PAPER_RENDERING_VERSION

__all__ = [
    "MAX_LIMIT",
    "PUBLICATION_INDEX",
    "PUBLICATION_RETRIEVERS",
    "LinkedTrial",
    "PublicationHit",
    "PublicationHybridRetriever",
    "PublicationRetriever",
    "PublicationVectorRetriever",
    "search_publications",
]

PUBLICATION_INDEX = "publication_text"
MAX_LIMIT = 1000  # as `trialgraph search --top-k`: beyond this a ranking is a dump, not a search
_LINKS = "retrieval/publication_links"  # appended to each ranking statement: the paper's trials
_FULLTEXT = ("retrieval/publication_fulltext", _LINKS)
_VECTOR = ("retrieval/publication_vector", _LINKS)
# The vector index is asked for at least this many nearest papers before the best `limit` are kept: its HNSW
# search is approximate, and with a pool of 5 it was seen to miss a clear nearest neighbour (cosine 0.78 against
# 0.60) after papers had been re-encoded. The hybrid depth, 100, is the floor.
_VECTOR_POOL = 100


@dataclass(frozen=True, slots=True)
class LinkedTrial:
    """A loaded trial a paper is linked to, and every source that states the link (sorted)."""

    trial_id: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PublicationHit:
    """One retrieved paper: its identity, score, linked trials, and the Cypher that found it.

    ``score`` is the retriever's own (BM25, cosine as Neo4j gives it, (1 + cos) / 2, or fused); ``components``
    holds each contributing retriever's score and, for fused hits, its rank. ``cypher`` and ``parameters`` rerun
    each search that found the paper in Neo4j Browser (a fused hit lists both). ``unloaded_trial_ids`` are
    registry ids the paper is linked to that identify no trial in this graph (the registry record was never
    loaded): kept so a reviewer sees the link exists.
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
    cypher: tuple[str, ...]
    parameters: tuple[dict[str, Any], ...]
    retriever: str = "fulltext"
    components: dict[str, float] = field(default_factory=dict)

    @property
    def trial_ids(self) -> list[str]:
        return [t.trial_id for t in self.trials]

    def as_dict(self, *, with_vectors: bool = False) -> dict[str, Any]:
        """The JSON shape the CLI prints (and an HTTP or MCP tool would return); query vectors are elided
        unless asked for, as in trial hits."""
        return {
            "key": self.key,
            "pmid": self.pmid,
            "doi": self.doi,
            "title": self.title,
            "year": self.year,
            "journal": self.journal,
            "score": round(self.score, 6),
            "retriever": self.retriever,
            "components": {k: round(v, 6) for k, v in self.components.items()},
            "trials": [{"trial_id": t.trial_id, "sources": list(t.sources)} for t in self.trials],
            "unloaded_trial_ids": list(self.unloaded_trial_ids),
            "cypher": list(self.cypher),
            "parameters": shown_parameters(self.parameters, with_vectors=with_vectors),
        }


def _checked_limit(limit: int) -> int:
    """A one-line error for a limit Lucene or Cypher would refuse with a stack of server text."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryParameterError(f"limit must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")
    return limit


def _hit(row: dict[str, Any], retriever: str, statement: str, params: dict[str, Any]) -> PublicationHit:
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
        (statement,),
        (params,),
        retriever,
        {retriever: row["score"]},
    )


class PaperRetriever(Protocol):
    """What every paper retriever offers: the best ``top_k`` papers for a text, best first."""

    name: str

    def hits(self, query: str, *, top_k: int = 10) -> list[PublicationHit]: ...


@dataclass
class PublicationRetriever:
    """BM25 over publication titles and abstracts, each paper with its linked trials (see the module)."""

    driver: neo4j.Driver
    database: str = "neo4j"
    name: str = "fulltext"

    def hits(self, query: str, *, top_k: int = 10) -> list[PublicationHit]:
        """The ``top_k`` papers best matching ``query``, best first (ties by publication key)."""
        params = {"query": lucene_query(query), "limit": _checked_limit(top_k)}
        statement = "\n".join(cypher.load(name) for name in _FULLTEXT)
        try:
            rows = run_read(self.driver, statement, params, database=self.database)
        except GraphError as e:
            if PUBLICATION_INDEX in str(e):  # a graph whose schema predates the index
                raise ConfigError(
                    f"the graph has no full-text index {PUBLICATION_INDEX!r}: run `trialgraph load` once to "
                    "update the schema"
                ) from e
            raise
        return [_hit(row, self.name, statement, params) for row in rows]


@dataclass
class PublicationVectorRetriever:
    """Cosine nearest papers to the query's embedding, in the ``paper-text-1`` index of ``encoder_name``.

    Before ``trialgraph embed --target publications`` has filled that index, a one-line error names the command.
    """

    driver: neo4j.Driver
    encoder_name: str = "minilm"
    database: str = "neo4j"
    name: str = "vector"
    _vector: VectorRetriever = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._vector = VectorRetriever(
            self.driver, self.encoder_name, self.database, self.name, PAPER_RENDERING_VERSION, _VECTOR
        )

    def hits(self, query: str, *, top_k: int = 10) -> list[PublicationHit]:
        """The ``top_k`` papers nearest ``query``, best first (ties by publication key)."""
        limit = _checked_limit(top_k)
        rows, statement, params = self._vector.search_rows(
            self._vector.query_vector(query), candidates=limit, search_ratio=-(-_VECTOR_POOL // limit)
        )
        return [_hit(row, self.name, statement, params) for row in rows]


@dataclass
class PublicationHybridRetriever:
    """Reciprocal-rank fusion (k = 60, equal weights) of the BM25 and vector rankings of papers."""

    fulltext: PublicationRetriever
    vector: PublicationVectorRetriever
    weights: Mapping[str, float] = field(default_factory=lambda: dict(HYBRID_WEIGHTS))
    depth: int = 100  # how deep each component ranking goes before fusion, as for trials
    name: str = "hybrid"

    def hits(self, query: str, *, top_k: int = 10) -> list[PublicationHit]:
        limit = _checked_limit(top_k)
        depth = max(self.depth, limit)
        parts = {r.name: r.hits(query, top_k=depth) for r in (self.fulltext, self.vector)}
        return fuse_hits(parts, lambda hit: hit.key, name=self.name, top_k=limit, weights=self.weights)


PUBLICATION_RETRIEVERS: dict[str, Callable[[PublicationRetriever, PublicationVectorRetriever], PaperRetriever]] = {
    "fulltext": lambda fulltext, vector: fulltext,
    "vector": lambda fulltext, vector: vector,
    "hybrid": lambda fulltext, vector: PublicationHybridRetriever(fulltext, vector),
}


def search_publications(
    driver: neo4j.Driver,
    query: str,
    *,
    limit: int = 10,
    retriever: str = "fulltext",
    encoder: str = "minilm",
    database: str = "neo4j",
) -> list[PublicationHit]:
    """The papers best matching ``query`` by ``retriever`` (``fulltext``, ``vector`` or ``hybrid``), each with the
    trials it is linked to."""
    if retriever not in PUBLICATION_RETRIEVERS:
        raise UnknownNameError(f"unknown retriever {retriever!r}; known: {', '.join(PUBLICATION_RETRIEVERS)}")
    chosen = PUBLICATION_RETRIEVERS[retriever](
        PublicationRetriever(driver, database), PublicationVectorRetriever(driver, encoder, database)
    )
    return chosen.hits(query, top_k=limit)
