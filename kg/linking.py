"""Writes a linker's decisions into the graph: read the mentions and the dictionary, link, merge, prune.

The linkers themselves are pure (:mod:`trialgraph.models.linking`); this module owns the database side,
in the same ``LoadRun`` frame as every load, so a linking run is reported, recorded and failed like one.
Each distinct condition string is linked once (``Condition`` nodes are shared by normalised text), and
every registry's trials reach concepts through them. Linkers are chosen by name from :data:`LINKERS`.
A condition string is a short structured field: concepts on the generic stop list
(:mod:`trialgraph.models.linking.generic`) are not linked from it, by any linker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import neo4j

from trialgraph.errors import ConfigError
from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import GRAPH_WRITERS, LoadReport, Quarantine, Work, WriteContext, rows_work
from trialgraph.models.linking import dictionary
from trialgraph.models.linking.current import current_concepts
from trialgraph.models.linking.dictionary import ConceptNames, DictionaryLinker, Link
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.linking.registry_labels import RULES as LABEL_RULES
from trialgraph.models.linking.registry_labels import condition_text

__all__ = [
    "LINKERS",
    "ConditionLinkSource",
    "ConditionLinkWriter",
    "ConditionLinker",
    "ConditionLinks",
    "build_linker_index",
    "checked_tfidf",
    "condition_links_by_vocabulary",
    "link_conditions",
    "linker_concepts",
]

# The coarse types the TF-IDF linker may give a condition; MeSH types come from its tree branches.
CONDITION_TYPES = frozenset({"C", "F"})
_VOCABULARY_TYPES = {"MONDO": ("C",), "DOID": ("C",), "HP": ("C",), "ORPHANET": ("C",), "ATC": ("D",)}


class ConditionLinker(Protocol):
    """What ``link_conditions`` needs of a linker: who it is, and decisions for a batch of texts."""

    source: str
    method_version: str

    def link_texts(self, texts: Sequence[str]) -> list[list[Link]]: ...


def _concept_rows(driver: neo4j.Driver, database: str) -> list[dict[str, Any]]:
    """The linkers' dictionary: current concepts only, a retired one's names given to its replacement."""
    rows = run_read(driver, cypher.load("read/concept_names"), database=database)
    if not rows:
        raise ConfigError("the graph holds no vocabulary concepts: load one first (trialgraph load mesh ...)")
    return current_concepts(rows)


@dataclass(frozen=True, slots=True)
class _Exact:
    linker: DictionaryLinker
    source: str = dictionary.SOURCE
    method_version: str = dictionary.METHOD_VERSION

    def link_texts(self, texts: Sequence[str]) -> list[list[Link]]:
        return [self.linker.link(text) for text in texts]


def _exact(driver: neo4j.Driver, index_folder: Path, database: str, reranker: Any = None) -> ConditionLinker:
    if reranker is not None:
        raise ConfigError("the exact linker has no candidates to re-rank: use --linker tfidf or another tfidf linker")
    rows = _concept_rows(driver, database)
    names = (ConceptNames(r["curie"], r["vocabulary"], r["name"], tuple(r["synonyms"])) for r in rows)
    return _Exact(DictionaryLinker(names))


def linker_concepts(rows: Sequence[dict[str, Any]]) -> list[Any]:
    """The graph's concepts as the TF-IDF linker's knowledge base: names, synonyms and coarse types."""
    from trialgraph.models.linking.tfidf import LinkerConcept, mesh_types

    concepts = []
    for row in rows:
        if row["vocabulary"] == "MESH":
            types = mesh_types(row["tree_numbers"], row["kind"])
        else:
            types = _VOCABULARY_TYPES.get(str(row["vocabulary"]).upper(), ())
        concepts.append(LinkerConcept(row["curie"], row["name"], tuple(row["synonyms"]), types))
    return concepts


def _record_prose(driver: neo4j.Driver, database: str) -> Iterator[str]:
    for row in run_read(driver, cypher.load("read/record_prose"), database=database):
        prose = (row["brief_title"], row["official_title"], row["brief_summary"], *row["conditions"])
        yield "\n".join(text for text in prose if text)  # one record, one document


def build_linker_index(driver: neo4j.Driver, folder: Path, *, database: str = "neo4j") -> Any:
    """Build the TF-IDF linker's index from every concept in the graph, and mine the abbreviation dictionary
    from every record's titles, summary and condition strings into the same folder; returns the index manifest.
    """
    from trialgraph.models.linking.abbreviations import mine
    from trialgraph.models.linking.tfidf import build_index

    rows = _concept_rows(driver, database)
    versions = {str(r["vocabulary"]): str(r["version"]) for r in rows if r["version"]}
    manifest = build_index(linker_concepts(rows), folder, vocabulary_versions=versions)
    sources = (f"graph {database}: RegistryRecord brief_title, official_title, brief_summary, Condition names",)
    mine(_record_prose(driver, database), sources=sources).save(folder)
    return manifest


@dataclass(frozen=True, slots=True)
class _Tfidf:
    linker: Any  # TfidfLinker
    source: str
    method_version: str

    def link_texts(self, texts: Sequence[str]) -> list[list[Link]]:
        return [[hit] if hit else [] for hit in self.linker.link_many(texts, CONDITION_TYPES)]


def checked_tfidf(driver: neo4j.Driver, index_folder: Path, database: str = "neo4j", reranker: Any = None) -> Any:
    """The TF-IDF linker over ``index_folder`` (deciding with ``reranker``, if given); a one-line error if the
    graph's concepts changed since its build."""
    from trialgraph.models.linking import tfidf

    linker = tfidf.TfidfLinker(index_folder, reranker=reranker)
    current = tfidf.concepts_hash(linker_concepts(_concept_rows(driver, database)))
    if current != linker.generator.manifest.content_hash:
        raise ConfigError(
            f"the linker index at {index_folder} was built from other concepts than the graph now holds; "
            "rebuild it with `trialgraph link build-index`"
        )
    return linker


def _tfidf(driver: neo4j.Driver, index_folder: Path, database: str, reranker: Any = None) -> ConditionLinker:
    from trialgraph.models.linking import tfidf

    linker = checked_tfidf(driver, index_folder, database, reranker)
    return _Tfidf(linker, tfidf.SOURCE, linker.method_version)


def _tfidf_abbreviations(
    driver: neo4j.Driver, index_folder: Path, database: str, reranker: Any = None
) -> ConditionLinker:
    """The TF-IDF linker (same source) with bare short forms linked through the mined dictionary's long forms;
    its method version names the abbreviation step and the dictionary, so its edges replace plain TF-IDF's."""
    from trialgraph.models.linking.abbreviations import AbbreviationDictionary, AbbreviationLinker

    plain = _tfidf(driver, index_folder, database, reranker)
    linker = AbbreviationLinker(plain.linker, AbbreviationDictionary.load(index_folder))  # type: ignore[attr-defined]
    return _Tfidf(linker, plain.source, linker.method_version)


@dataclass(frozen=True, slots=True)
class _Nested(_Tfidf):
    """A TF-IDF linker's whole-string decision and the headings shorter runs name: several links per text."""

    def link_texts(self, texts: Sequence[str]) -> list[list[Link]]:
        return self.linker.link_all(texts, CONDITION_TYPES)


def _nested(make_whole: Callable[[neo4j.Driver, Path, str, Any], ConditionLinker]) -> Callable[..., ConditionLinker]:
    """``make_whole``'s linker for the whole string, plus the headings that shorter runs of its words name exactly
    (:mod:`trialgraph.models.linking.nested`); same source, its own method version, so its edges replace the
    whole-string linker's."""

    def make(driver: neo4j.Driver, index_folder: Path, database: str, reranker: Any = None) -> ConditionLinker:
        from trialgraph.models.linking.nested import with_nested_headings

        whole = make_whole(driver, index_folder, database, reranker)
        nested = with_nested_headings(whole.linker)  # type: ignore[attr-defined]
        return _Nested(nested, whole.source, nested.method_version)

    return make


# name → how to make the linker from the graph (and the index folder and a re-ranker, for linkers that use them)
LINKERS: dict[str, Callable[[neo4j.Driver, Path, str, Any], ConditionLinker]] = {
    "exact": _exact,
    "tfidf": _tfidf,
    "tfidf+abbrev": _tfidf_abbreviations,
    "tfidf+nested": _nested(_tfidf),
    "tfidf+abbrev+nested": _nested(_tfidf_abbreviations),
}


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


@dataclass(frozen=True, slots=True)
class ConditionLinks:
    """One normalised condition and the concepts a linker ties it to (none: the linker made no decision)."""

    key: str
    links: tuple[Link, ...]


class ConditionLinkSource:
    """A linker as a source: it reads the graph's ``Condition`` strings, not files, and yields its decisions.

    Why a source: the one load loop (``kg/load.py``) then gives linking the same ``LoadRun``, counting and
    writer thread as every load, and the graph writer below only says how its edges are written.
    """

    graph_writer = "condition-links"
    detection = None

    def __init__(
        self, driver: neo4j.Driver, linker: ConditionLinker, database: str, sources: list[str] | None = None
    ) -> None:
        self.name = f"link:{linker.source}"
        self.linker = linker
        self.sources = sources  # registry sources whose records' conditions are read (kg/link_scope.py); None: all
        self.read_keys: list[str] | None = None  # with sources: the strings read, the only ones judged stale
        self._driver = driver
        self._database = database
        self._generic = generic_concepts()
        # the edges' method version: the linker's rules, the stop list it is filtered by (a new list re-links) and
        # the registry-label rules that say what text of a condition string is looked up
        self.method_version = f"{linker.method_version}+{self._generic.version}+{LABEL_RULES}"

    @property
    def scope(self) -> list[str] | None:
        """What the run's ``LoadRun`` records as its scope (kg/load.py): the registries read, or None for all."""
        return self.sources

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[ConditionLinks]:
        conditions = run_read(
            self._driver, cypher.load("read/condition_texts"), {"sources": self.sources}, database=self._database
        )
        if self.sources is not None:
            self.read_keys = [c["key"] for c in conditions]
        generic = self._generic
        for chunk in _batches(conditions, 1000):
            texts = [condition_text(c["name"] or c["key"]) for c in chunk]  # a registry's form label read off
            for condition, links in zip(chunk, self.linker.link_texts(texts), strict=True):
                yield ConditionLinks(condition["key"], tuple(generic.specific(links)))


@GRAPH_WRITERS.register("condition-links")
class ConditionLinkWriter:
    """A linker's edges, keyed by its source and method version; at the end, its edges no longer asserted go.

    ``written`` counts the conditions linked to at least one concept, ``unchanged`` those with no decision.
    """

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.rows: list[dict[str, Any]] = []
        self.linked = 0

    def add(self, item: ConditionLinks, report: LoadReport) -> list[Work]:
        if not item.links:
            report.unchanged += 1
            return []
        self.linked += 1
        self.rows.extend(
            {"key": item.key, "curie": hit.curie, "matched_on": hit.matched_on, "score": hit.score}
            for hit in item.links
        )
        return self._take() if len(self.rows) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.rows else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        c = self.context
        linker = c.source.linker  # type: ignore[attr-defined]
        keys = c.source.read_keys  # type: ignore[attr-defined]  # a scoped run judges only what it read
        statement, scope = (
            ("write/delete_stale_condition_concepts", {})
            if keys is None
            else ("write/delete_stale_condition_concepts_of", {"keys": keys})
        )
        with c.driver.session(database=c.database) as session:
            session.execute_write(
                lambda tx: tx.run(cypher.load(statement), source=linker.source, load_run=c.load_run, **scope).consume()
            )

    def _take(self) -> list[Work]:
        rows, linked = self.rows, self.linked
        self.rows, self.linked = [], 0
        c = self.context
        source = c.source
        provenance = {
            "source": source.linker.source,  # type: ignore[attr-defined]
            "method_version": source.method_version,  # type: ignore[attr-defined]
            "load_run": c.load_run,
        }
        return [rows_work(c, "write/merge_condition_concepts", rows, linked, **provenance)]


def condition_links_by_vocabulary(driver: neo4j.Driver, database: str = "neo4j") -> list[dict[str, Any]]:
    """Condition strings linked per linker source and vocabulary (the CLI's summary after `trialgraph link`)."""
    return run_read(driver, cypher.load("read/condition_links_by_vocabulary"), database=database)


def link_conditions(
    driver: neo4j.Driver,
    linker: ConditionLinker,
    *,
    quarantine_dir: Path,
    batch_size: int = 5000,
    database: str = "neo4j",
    sources: list[str] | None = None,
) -> LoadReport:
    """Link every ``Condition`` with ``linker``, merge its edges and remove the ones it no longer makes.

    ``sources`` (checked by :func:`trialgraph.kg.link_scope.checked_scope`) reads only the strings some record of
    those registries studies, and judges only their edges stale.

    ``read`` counts the distinct conditions, ``written`` those linked to at least one concept,
    ``unchanged`` those with no decision (``read == written + unchanged``). Re-running gives the same
    edges; this linker's edges that the run does not assert again (from an older index or rule) are
    removed, and no other source's. It runs through the one load loop (``kg/load.py``).
    """
    from trialgraph.kg.load import load  # kg.load imports the writers of files; this one registers itself here

    source = ConditionLinkSource(driver, linker, database, sources)
    return load(driver, source, [], quarantine_dir=quarantine_dir, batch_size=batch_size, database=database)
