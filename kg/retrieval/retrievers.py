"""The retrievers: full-text (BM25), vector, hybrid (reciprocal-rank fusion) and trial-to-trial similarity.

One interface, :class:`TrialRetriever`: ``hits(query, top_k)`` gives the best trials first, each a
:class:`~trialgraph.kg.retrieval.hits.Hit` with the Cypher and parameters that found it. Every statement runs in
a read transaction. The vector search is neo4j-graphrag's ``VectorCypherRetriever`` over our index, with a
Cypher tail that maps embeddings to trials; its ``HybridRetriever`` is not used, because it unions the vector and
full-text hits by *node*, and here the two indexes cover different nodes (embeddings and registry records), so
hybrid fuses at the trial level instead. Retrievers are chosen by name from :data:`RETRIEVERS`, or from
:data:`OPTIONAL_RETRIEVERS`: those need an index only an extra ``trialgraph embed --target`` run fills (``criteria``,
trials ranked by their best-matching inclusion item), so an evaluation runs them only where the graph has it
(:func:`evaluated_retrievers`), and a search with one before its index exists is a one-line error naming the command.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import neo4j

from trialgraph.errors import ConfigError, UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.embeddings import EmbeddingIndex, embedding_index, has_index, require_index
from trialgraph.kg.graph import run_read
from trialgraph.kg.retrieval.hits import Hit
from trialgraph.kg.retrieval.patient_concepts import STAGE_FAILURES, PatientConcepts
from trialgraph.models.encoders import ENCODERS, Encoder, load_encoder
from trialgraph.models.retrieval.fusion import RRF_K, fuse_hits, reciprocal_rank_fusion
from trialgraph.models.retrieval.patient import PatientFacts, admits, patient_facts
from trialgraph.models.retrieval.query_text import checked_query, lucene_query
from trialgraph.models.retrieval.rendering import CRITERION_RENDERING_VERSION, RENDERING_VERSION

__all__ = [
    "CRITERIA_PER_HIT",
    "HYBRID_WEIGHTS",
    "OPTIONAL_RETRIEVERS",
    "PATIENT_RETRIEVERS",
    "RETRIEVERS",
    "FullTextRetriever",
    "GraphExpandedRetriever",
    "HybridRetriever",
    "PatientMatch",
    "PatientRetriever",
    "SimilarTrials",
    "TrialRetriever",
    "VectorRetriever",
    "criterion_retriever",
    "evaluated_retrievers",
    "retriever_factory",
    "retriever_names",
]

# Records fetched per wanted trial: a trial with several records (registries, versions) takes several slots.
_CANDIDATES_PER_HIT = 3
# Eligibility items fetched per wanted trial by the criteria retriever: a trial has many items (several near one
# query) and exclusion items are dropped after the vector search. Chosen a priori, not tuned on any evaluation set.
CRITERIA_PER_HIT = 10
# Hybrid weights: equal. Chosen a priori, not tuned on any evaluation set.
HYBRID_WEIGHTS: Mapping[str, float] = {"fulltext": 1.0, "vector": 1.0}


class TrialRetriever(Protocol):
    """What every retriever offers: the best ``top_k`` trials for a text, best first.

    ``exclude_records``: registry records the ranking must not use (their trial can still be found through its
    other records). The registry-twin evaluation asks with one record's own text, so that record must not find
    its own trial; a search that reads a patient (``match``) refuses it."""

    name: str

    def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list[Hit]: ...


def _best_per_trial(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows sorted best first, one per trial (its best record), ties by trial id."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        kept = best.get(row["trial_id"])
        if kept is None or row["score"] > kept["score"]:
            best[row["trial_id"]] = row
    return sorted(best.values(), key=lambda r: (-r["score"], r["trial_id"]))


@dataclass
class FullTextRetriever:
    """BM25 over the records' titles and summaries (Lucene index ``trial_text``): the baseline."""

    driver: neo4j.Driver
    database: str = "neo4j"
    name: str = "fulltext"

    def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list[Hit]:
        statement = cypher.load("retrieval/fulltext")
        params = {
            "query": lucene_query(query),
            "candidates": top_k * _CANDIDATES_PER_HIT + len(exclude_records),
            "top_k": top_k,
            "exclude_records": sorted(exclude_records),
        }
        rows = run_read(self.driver, statement, params, database=self.database)
        return [
            Hit(r["trial_id"], r["record_id"], r["score"], self.name, {self.name: r["score"]}, (statement,), (params,))
            for r in rows
        ]


@dataclass
class VectorRetriever:
    """Cosine nearest neighbours of the query's embedding, through neo4j-graphrag's ``VectorCypherRetriever``.

    ``rendering`` picks the index (records by default; papers use ``paper-text-1``, eligibility items
    ``criterion-text-1``) and ``retrieval`` names the Cypher files, joined in order, that neo4j-graphrag appends
    after its vector index call. ``candidates_per_hit`` is how many nearest embeddings are fetched per trial
    wanted, before each trial's best row is kept.
    """

    driver: neo4j.Driver
    encoder_name: str = "minilm"
    database: str = "neo4j"
    name: str = "vector"
    rendering: str = RENDERING_VERSION
    retrieval: tuple[str, ...] = ("retrieval/vector_hits",)
    candidates_per_hit: int = _CANDIDATES_PER_HIT
    _inner: Any = field(default=None, init=False, repr=False)

    @property
    def index(self) -> EmbeddingIndex:
        if self.encoder_name not in ENCODERS:
            raise UnknownNameError(f"unknown encoder {self.encoder_name!r}; known: {', '.join(sorted(ENCODERS))}")
        return embedding_index(ENCODERS[self.encoder_name], self.rendering)

    @property
    def encoder(self) -> Encoder:
        """Loaded on first use (seconds), and only by searches that need a query vector."""
        return load_encoder(self.encoder_name)

    def _retriever(self) -> Any:
        if self._inner is None:
            require_index(self.driver, self.index, self.database)
            from neo4j_graphrag.retrievers import VectorCypherRetriever

            retrieval_query = "\n".join(cypher.load(name) for name in self.retrieval)
            self._inner = VectorCypherRetriever(
                self.driver, self.index.name, retrieval_query, neo4j_database=self.database
            )
        return self._inner

    def query_vector(self, query: str) -> list[float]:
        """The query's embedding; a missing index is reported before the encoder spends seconds loading."""
        self._retriever()
        return list(self.encoder.encode([checked_query(query)])[0])

    def search_rows(
        self, vector: list[float], *, candidates: int, search_ratio: int = 1
    ) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
        """The retrieval query's rows for the ``candidates`` nearest embeddings, with the statement and
        parameters that rerun the search in Neo4j Browser (a read transaction, as neo4j-graphrag runs it).

        The index is asked for ``candidates * search_ratio`` neighbours and the nearest ``candidates`` kept: the
        HNSW search is approximate, and a wider pool recovers neighbours a small one can miss."""
        from neo4j_graphrag.neo4j_queries import get_search_query
        from neo4j_graphrag.types import SearchType

        with warnings.catch_warnings():
            # neo4j-graphrag 1.x warns, on every call, that its default query's `id` field will go; our
            # retrieval query returns its own fields, so the warning is about nothing we use.
            warnings.simplefilter("ignore", DeprecationWarning)
            raw = self._retriever().get_search_results(
                query_vector=vector, top_k=candidates, effective_search_ratio=search_ratio
            )
            statement, _ = get_search_query(search_type=SearchType.VECTOR, retrieval_query=self._inner.retrieval_query)
        params = {
            "vector_index_name": self.index.name,
            "top_k": candidates,
            "effective_search_ratio": search_ratio,
            "query_vector": vector,
        }
        return [dict(record) for record in raw.records], statement, params

    def search_vector(
        self,
        vector: list[float],
        *,
        top_k: int,
        exclude: frozenset[str] = frozenset(),
        exclude_records: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        """The trials nearest to ``vector``, leaving out the trial ids in ``exclude`` and never reached through the
        records in ``exclude_records``.

        An excluded record's embeddings take candidate slots (one per record in the records index, one per item in
        the criteria index, and a query made of the record's own text lies nearest to all of them), so while
        exclusion leaves fewer than ``top_k`` trials from a full pool, the pool doubles."""
        candidates = (top_k + len(exclude)) * self.candidates_per_hit
        while True:
            found, statement, params = self.search_rows(vector, candidates=candidates)
            rows = [r for r in found if r["trial_id"] not in exclude and r["record_id"] not in exclude_records]
            short = len({r["trial_id"] for r in rows}) < top_k
            if not (exclude_records and short and len(found) == candidates):
                break
            candidates *= 2
        return [
            Hit(r["trial_id"], r["record_id"], r["score"], self.name, {self.name: r["score"]}, (statement,), (params,))
            for r in _best_per_trial(rows)[:top_k]
        ]

    def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list[Hit]:
        return self.search_vector(self.query_vector(query), top_k=top_k, exclude_records=exclude_records)


@dataclass
class HybridRetriever:
    """Reciprocal-rank fusion (k = 60, equal weights) of the full-text and vector rankings, per trial.

    The two sides run at once (the vector side, query encoding included, in a worker thread): each waits mostly
    on Neo4j, so the search takes about as long as the slower side rather than both together (at 500k records,
    full-text at depth 100 is the slower one)."""

    fulltext: FullTextRetriever
    vector: VectorRetriever
    weights: Mapping[str, float] = field(default_factory=lambda: dict(HYBRID_WEIGHTS))
    depth: int = 100  # how deep each component ranking goes before fusion
    name: str = "hybrid"

    def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list[Hit]:
        depth = max(self.depth, top_k)
        with ThreadPoolExecutor(max_workers=1) as pool:
            vector = pool.submit(self.vector.hits, query, top_k=depth, exclude_records=exclude_records)
            fulltext = self.fulltext.hits(query, top_k=depth, exclude_records=exclude_records)
            parts = {self.fulltext.name: fulltext, self.vector.name: vector.result()}
        return fuse_hits(parts, lambda hit: hit.trial_id, name=self.name, top_k=top_k, weights=self.weights)


@dataclass
class SimilarTrials:
    """Trials whose records lie nearest to a given trial's own embedding (the trial itself left out)."""

    vector: VectorRetriever
    name: str = "similar"

    def hits(self, trial_id: str, *, top_k: int = 10) -> list[Hit]:
        retriever = self.vector
        rows = run_read(
            retriever.driver,
            cypher.load("retrieval/trial_vectors"),
            {"trial_id": trial_id, "index": retriever.index.name},
            database=retriever.database,
        )
        if not rows:
            raise UnknownNameError(f"no trial {trial_id!r} in the graph")
        vectors = [r["vector"] for r in rows if r["vector"] is not None]
        if not vectors:
            raise ConfigError(
                f"trial {trial_id!r} has no embedding in {retriever.index.name!r}: run `trialgraph embed`"
            )
        hits = retriever.search_vector(list(vectors[0]), top_k=top_k, exclude=frozenset({trial_id}))
        return [replace(h, retriever=self.name) for h in hits]


def fuse_with_graph_rows(
    found: list[Hit], rows: list[dict[str, Any]], component: str, name: str, statement: str, params: dict[str, Any]
) -> list[Hit]:
    """``found`` (a text ranking) and ``rows`` (a graph query's ranking: ``trial_id``, ``record_id``, ``score``)
    fused by reciprocal rank (k = 60, equal weights), so a trial the text found stays found. Each hit keeps its
    text components, adds the graph score as ``component`` and both ranks, and carries both rankings' Cypher."""
    by_trial = {h.trial_id: h for h in found}
    by_row = {row["trial_id"]: row for row in rows}
    fused = reciprocal_rank_fusion({"hybrid": [h.trial_id for h in found], component: list(by_row)}, k=RRF_K)
    out = []
    for item in fused:
        base, row = by_trial.get(item.item), by_row.get(item.item)
        components = dict(base.components) if base else {}
        if row is not None:
            components[component] = row["score"]
        components.update({f"{part}_rank": float(rank) for part, rank in item.ranks.items()})
        out.append(
            Hit(
                item.item,
                base.record_id if base else row["record_id"],  # type: ignore[index]
                item.score,
                name,
                components,
                (*(base.cypher if base else ()), statement),
                (*(base.parameters if base else ()), params),
            )
        )
    return out


# Graph expansion: chosen before any evaluation, not tuned. Seeds are the hybrid ranking's top 10, weighted 1/rank;
# a heading or concept reached by more than 5% of the records is too general to count.
GRAPH_SEEDS = 10
GRAPH_MAX_DF_SHARE = 0.05
# A parent concept shared through the hierarchy counts half a direct one: a sibling is less alike than a twin.
# Fixed before any evaluation (the scoring is documented in cypher/retrieval/graph_expansion.cypher).
GRAPH_HIERARCHY_WEIGHT = 0.5


@dataclass
class GraphExpandedRetriever:
    """Hybrid search, then the trials that share meaning with its best hits, fused with it by reciprocal rank.

    Meaning is what the graph adds over text: NLM's direct condition and intervention headings, the concepts the
    linkers tied the conditions and interventions to, the lead sponsor, and one step up the vocabularies'
    hierarchy (a parent of a seed's concept, shared by a trial with that parent or a child of it, at
    ``GRAPH_HIERARCHY_WEIGHT``). Candidate trial t scores sum over seeds s (weight 1/rank of s) and over the
    meaning m that s and t share, of ln(records / df(m)): rare shared meaning counts most. The expansion ranking
    and the hybrid ranking are fused with RRF (k = 60, equal weights), so a trial the text found stays found.
    A record in ``exclude_records`` finds nothing in either stage and lends a seed none of its meaning.
    """

    hybrid: HybridRetriever
    name: str = "graph"

    def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list[Hit]:
        depth = max(self.hybrid.depth, top_k)
        found = self.hybrid.hits(query, top_k=depth, exclude_records=exclude_records)
        driver, database = self.hybrid.fulltext.driver, self.hybrid.fulltext.database
        records = run_read(driver, cypher.load("read/count_records"), database=database)[0]["records"]
        statement = cypher.load("retrieval/graph_expansion")
        params = {
            "seeds": [{"trial_id": h.trial_id, "weight": 1.0 / rank} for rank, h in enumerate(found[:GRAPH_SEEDS], 1)],
            "records": records,
            "max_df": max(1, int(records * GRAPH_MAX_DF_SHARE)),
            "hierarchy_weight": GRAPH_HIERARCHY_WEIGHT,
            "exclude_records": sorted(exclude_records),
            "limit": depth,
        }
        expanded = run_read(driver, statement, params, database=database) if params["seeds"] else []
        return fuse_with_graph_rows(found, expanded, "graph", self.name, statement, params)[:top_k]


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """Trials a patient might enter: ``hits`` admit the stated age and sex; ``excluded`` says why others do not.
    ``concepts`` are the condition concepts the linker found in the description (None: the concept stage did not
    run, and ``concepts_skipped`` says why)."""

    patient: PatientFacts
    hits: list[Hit]
    excluded: list[tuple[str, str]]
    concepts: dict[str, str] | None = None
    concepts_skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI, HTTP and MCP all return."""
        return {
            "patient": {"age_years": self.patient.age_years, "sex": self.patient.sex},
            "concepts": self.concepts,
            "concepts_skipped": self.concepts_skipped,
            "hits": [h.as_dict() for h in self.hits],
            "excluded": [{"trial_id": t, "reason": r} for t, r in self.excluded],
        }


@dataclass
class PatientRetriever:
    """Hybrid search on the patient description, fused (reciprocal rank, k = 60, equal weights) with the trials
    whose conditions are the patient's condition concepts when the linker has an index
    (:mod:`trialgraph.kg.retrieval.patient_concepts`); then the trials whose age or sex limits exclude the patient
    removed (a trial is kept when any of its records admits the patient, or when its limits cannot be read)."""

    hybrid: HybridRetriever
    name: str = "match"
    concepts: PatientConcepts | None = None
    concepts_skipped: str | None = None  # why there is no concept stage, said in every result

    def _ranked(self, description: str, depth: int) -> tuple[list[Hit], dict[str, str] | None]:
        """The hybrid ranking, fused with the concept ranking where there is one; and the patient's concepts."""
        found = self.hybrid.hits(description, top_k=depth)
        if self.concepts is None:
            return found, None
        try:
            ranking = self.concepts.rank(description, depth=depth)
        except STAGE_FAILURES as e:  # the linker's parts load on first use: a broken index shows only here
            self.concepts, self.concepts_skipped = None, f"linker not used: {e}"
            return found, None
        hits = fuse_with_graph_rows(found, ranking.rows, "concepts", self.name, ranking.cypher, ranking.parameters)
        return hits[:depth], ranking.concepts

    def match(self, description: str, *, top_k: int = 10) -> PatientMatch:
        patient = patient_facts(checked_query(description))
        fetched, concepts = self._ranked(description, max(top_k * 5, self.hybrid.depth))
        driver, database = self.hybrid.fulltext.driver, self.hybrid.fulltext.database
        limits = run_read(
            driver,
            cypher.load("retrieval/eligibility_limits"),
            {"trial_ids": [h.trial_id for h in fetched]},
            database=database,
        )
        reasons: dict[str, list[str | None]] = {}
        for row in limits:
            reasons.setdefault(row["trial_id"], []).append(admits(patient, row["min_age"], row["max_age"], row["sex"]))
        kept, excluded = [], []
        for hit in fetched:
            why = reasons.get(hit.trial_id, [None])
            if any(reason is None for reason in why):
                kept.append(replace(hit, retriever=self.name))
            else:
                excluded.append((hit.trial_id, str(why[0])))
        return PatientMatch(patient, kept[:top_k], excluded, concepts, self.concepts_skipped)

    def hits(self, query: str, *, top_k: int = 10, exclude_records: frozenset[str] = frozenset()) -> list[Hit]:
        if exclude_records:  # its concept stage ranks trials, not records: it cannot keep a record out
            raise ConfigError(f"{self.name} reads a patient's description and cannot leave registry records out")
        return self.match(query, top_k=top_k).hits


RETRIEVERS: dict[str, Callable[[FullTextRetriever, VectorRetriever], TrialRetriever]] = {
    "fulltext": lambda fulltext, vector: fulltext,
    "vector": lambda fulltext, vector: vector,
    "hybrid": lambda fulltext, vector: HybridRetriever(fulltext, vector),
    "graph": lambda fulltext, vector: GraphExpandedRetriever(HybridRetriever(fulltext, vector)),
    "match": lambda fulltext, vector: PatientRetriever(HybridRetriever(fulltext, vector)),
}


PATIENT_RETRIEVERS = frozenset({"match"})
"""Retrievers that read a patient's age and sex from the query: on other text (a paper's "24 weeks") they would
filter by a misread age, so the paper → trial evaluation leaves them out."""


def criterion_retriever(vector: VectorRetriever) -> VectorRetriever:
    """Trials ranked by their best-matching *inclusion* item: cosine nearest eligibility items to the query in the
    ``criterion-text-1`` index of ``vector``'s encoder (``trialgraph embed --target criteria``); exclusion items are
    embedded too but never make a hit (``retrieval/criterion_hits``). A hit's score is its best item's."""
    return VectorRetriever(
        vector.driver,
        vector.encoder_name,
        vector.database,
        "criteria",
        CRITERION_RENDERING_VERSION,
        ("retrieval/criterion_hits",),
        CRITERIA_PER_HIT,
    )


OPTIONAL_RETRIEVERS: dict[str, Callable[[FullTextRetriever, VectorRetriever], VectorRetriever]] = {
    "criteria": lambda fulltext, vector: criterion_retriever(vector),
}
"""Retrievers over an index that only an extra ``trialgraph embed --target`` run fills: searchable by name like
:data:`RETRIEVERS`, evaluated by default only where the graph holds their index (:func:`evaluated_retrievers`)."""


def retriever_factory(name: str) -> Callable[[FullTextRetriever, VectorRetriever], TrialRetriever]:
    """The retriever called ``name``, in :data:`RETRIEVERS` or :data:`OPTIONAL_RETRIEVERS`; a one-line error for
    any other."""
    known: dict[str, Callable[[FullTextRetriever, VectorRetriever], TrialRetriever]] = {
        **RETRIEVERS,
        **OPTIONAL_RETRIEVERS,
    }
    if name not in known:
        raise UnknownNameError(f"unknown retriever {name!r}; known: {', '.join(known)}")
    return known[name]


def evaluated_retrievers(fulltext: FullTextRetriever, vector: VectorRetriever) -> list[str]:
    """What an evaluation runs by default: every retriever in :data:`RETRIEVERS`, then each optional one whose
    index the graph holds (a graph never embedded for it is no failure: the retriever is left out)."""
    optional = [
        name
        for name, make in OPTIONAL_RETRIEVERS.items()
        if has_index(vector.driver, (chosen := make(fulltext, vector)).index, chosen.database)
    ]
    return [*RETRIEVERS, *optional]


def retriever_names() -> list[str]:
    return list(RETRIEVERS)
