"""The one library API that the CLI (and later HTTP and graph-RAG) are thin over."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import neo4j
from neo4j.exceptions import DriverError, Neo4jError

from trialgraph.errors import GraphError, UnknownNameError
from trialgraph.kg import cypher
from trialgraph.kg.concepts import link_mesh_terms, load_vocabulary
from trialgraph.kg.crossreg import load_pairs
from trialgraph.kg.graph import apply_schema, connect, run_read
from trialgraph.kg.identity import IdentityReport, resolve_identities
from trialgraph.kg.publications import load_publications
from trialgraph.kg.writer import LoadReport, load
from trialgraph.loaders.base import LOADERS, discover
from trialgraph.loaders.concepts.source import VOCABULARIES
from trialgraph.loaders.crossreg.loader import PAIR_SOURCES
from trialgraph.loaders.publinks.source import PUBLICATION_SOURCES
from trialgraph.settings import Settings, get_settings

__all__ = ["GraphStats", "TrialGraph", "source_names"]

_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"^[a-z0-9_]+$")

GraphStats = dict[str, list[dict[str, Any]]]

# Every kind of source, by the registry that names it and the writer that loads it.
_WRITERS: tuple[tuple[Any, Callable[..., LoadReport]], ...] = (
    (LOADERS, load),
    (VOCABULARIES, load_vocabulary),
    (PUBLICATION_SOURCES, load_publications),
    (PAIR_SOURCES, load_pairs),
)


def source_names() -> list[str]:
    """Every name ``TrialGraph.load`` accepts: registries, vocabularies, publication sources."""
    discover()
    return sorted(name for registry, _ in _WRITERS for name in registry.names())


class TrialGraph:
    """A connection to the trial graph: load sources, ask named or ad-hoc read-only Cypher, get statistics.

    Example:
        >>> with TrialGraph.connect() as tg:
        ...     tg.load("ctgov", ["studies.jsonl.gz"])
        ...     tg.query("trials_by_phase")
    """

    def __init__(self, driver: neo4j.Driver, settings: Settings) -> None:
        self.driver = driver
        self.settings = settings
        self.last_identity: IdentityReport | None = None  # what the identity resolution after the last load did

    @classmethod
    def connect(cls, settings: Settings | None = None) -> TrialGraph:
        settings = settings or get_settings()
        return cls(connect(settings), settings)

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> TrialGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_schema(self) -> int:
        return apply_schema(self.driver, database=self.settings.neo4j_database)

    def load(
        self,
        source: str,
        paths: Iterable[Path | str],
        *,
        batch_size: int | None = None,
        on_item: Callable[[LoadReport], None] | None = None,
    ) -> LoadReport:
        """Load files of a named source (``ctgov``, ``mesh``, ``pubmed``...; see ``source_names``).

        Constraints are created first; afterwards registry MeSH terms and cited trial ids are tied to the
        concepts and trials now in the graph, whichever was loaded first.
        """
        discover()
        for registry, writer in _WRITERS:
            if source in registry.names():
                self.ensure_schema()
                report = writer(
                    self.driver,
                    registry.create(source),
                    [Path(p) for p in paths],
                    quarantine_dir=self.settings.quarantine_dir,
                    batch_size=batch_size or self.settings.batch_size,
                    database=self.settings.neo4j_database,
                    on_item=on_item,
                )
                try:
                    link_mesh_terms(self.driver, database=self.settings.neo4j_database)
                    if registry is not VOCABULARIES:  # concepts change no trial's identity
                        self.last_identity = self.resolve_identities()
                except (Neo4jError, DriverError) as e:
                    raise GraphError(f"tying loaded data to trials failed: {getattr(e, 'message', None) or e}") from e
                return report
        raise UnknownNameError(f"unknown source {source!r}; known: {', '.join(source_names())}")

    def resolve_identities(self) -> IdentityReport:
        """Regroup registry records under trials from every claim and curated pair in the graph (idempotent)."""
        return resolve_identities(self.driver, database=self.settings.neo4j_database)

    def query(self, name_or_cypher: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run a named query from ``cypher/queries/`` or a Cypher statement, in a read-only transaction.

        Parameters the statement uses but the caller did not give are passed as null, so named
        queries can default them with ``coalesce($limit, 10)``.
        """
        statement = cypher.load(f"queries/{name_or_cypher}") if _NAME.match(name_or_cypher) else name_or_cypher
        params = {name: None for name in _PARAMETER.findall(statement)}
        params.update(parameters)
        return run_read(self.driver, statement, params, database=self.settings.neo4j_database)

    def stats(self) -> GraphStats:
        """Counts: nodes, relationships, trials by phase/status/registry, concepts, mappings, publication links."""
        names = (
            "count_trials",
            "count_nodes_by_label",
            "count_relationships_by_type",
            "trials_by_phase",
            "trials_by_status",
            "trials_by_registry",
            "concepts_by_vocabulary",
            "mappings_by_predicate",
            "publication_links_by_source",
        )
        return {name: self.query(name) for name in names}
