"""Mentions in eligibility items: the free-text linker's spans written as ``MENTIONS`` edges to concepts.

The linker is pure (:class:`trialgraph.link.Linker`: gazetteer, TF-IDF, abbreviations, negation and history
cues); this module reads the graph's ``Criterion`` items, runs it, and writes its edges through the one load
loop, so a linking run is recorded, counted and reported like any load.

Incremental by construction: each linked item carries ``mentions_linked`` (the linker's method version, which
holds the index's content hash). A record whose text changed gets new ``Criterion`` nodes (the writer replaces a
record's facts), so only those, and every item after a new index, are read again; re-running with the same
index reads nothing and changes nothing. Registry facts are never altered beyond that marker, and NLM's
``IS_CONCEPT`` edges are a different relationship type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import GRAPH_WRITERS, BatchOutcome, LoadReport, Quarantine, Work, WriteContext
from trialgraph.link import Linker, Span
from trialgraph.model.staged import Quarantined

__all__ = [
    "CRITERION_TYPES",
    "CriterionMentionSource",
    "CriterionMentionWriter",
    "CriterionMentions",
    "graph_linker",
    "link_criteria",
    "mentions_by_vocabulary",
]

# What an eligibility item may name: diseases (C), drugs (D), procedures (E), mental conditions (F) and
# phenomena such as pregnancy (G). Anatomy, organisms, persons ("patients") and places would be noise.
CRITERION_TYPES = frozenset({"C", "D", "E", "F", "G"})

# spaCy refuses texts over 1,000,000 characters; an item far longer than any real one is skipped with a reason.
MAX_ITEM_CHARACTERS = 100_000
_PAGE = 2000


@dataclass(frozen=True, slots=True)
class CriterionMentions:
    """One eligibility item and the linked spans found in it (none: the item names no indexed concept)."""

    key: str
    spans: tuple[Span, ...]


def graph_linker(driver: neo4j.Driver, index_folder: Path, database: str = "neo4j") -> Linker:
    """The free-text linker over ``index_folder``, refused in one line if the index no longer matches the graph."""
    from trialgraph.kg.linking import checked_tfidf

    return Linker.around(checked_tfidf(driver, index_folder, database))


class CriterionMentionSource:
    """The linker as a source: it pages through the items not yet linked by its method version."""

    graph_writer = "criterion-mentions"
    detection = None
    name = "link:criteria"

    def __init__(self, driver: neo4j.Driver, linker: Linker, database: str) -> None:
        self.linker = linker
        self._driver = driver
        self._database = database

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        after = ""
        query = cypher.load("read/criteria_to_link")
        while True:
            params = {"after": after, "method_version": self.linker.method_version, "limit": _PAGE}
            page = run_read(self._driver, query, params, database=self._database)
            if not page:
                return
            yield page
            after = page[-1]["key"]

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[CriterionMentions | Quarantined]:
        for page in self._pages():
            fits = [row for row in page if len(row["text"] or "") <= MAX_ITEM_CHARACTERS]
            for row in page:
                if len(row["text"] or "") > MAX_ITEM_CHARACTERS:
                    reason = (
                        f"eligibility item of {len(row['text']):,} characters: longer than any real one, not linked"
                    )
                    yield Quarantined(origin=f"Criterion {row['key']}", reason=reason, record_id=row["key"])
            found = self.linker.link_many([row["text"] or "" for row in fits], CRITERION_TYPES)
            for row, spans in zip(fits, found, strict=True):
                yield CriterionMentions(row["key"], tuple(spans))


@GRAPH_WRITERS.register("criterion-mentions")
class CriterionMentionWriter:
    """Each item's mentions replace this linker's earlier ones on it. ``written`` counts the items with at least
    one mention, ``unchanged`` the items that name no indexed concept (both are marked linked)."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.rows: list[dict[str, Any]] = []
        self.with_mentions = 0

    def add(self, item: CriterionMentions, report: LoadReport) -> list[Work]:
        if item.spans:
            self.with_mentions += 1
        else:
            report.unchanged += 1
        mentions = [
            {"curie": s.curie, "start": s.start, "end": s.end, "text": s.text, "score": s.score,
             "negated": s.negated, "history": s.history, "matched_on": s.matched_on}
            for s in item.spans
        ]  # fmt: skip
        self.rows.append({"key": item.key, "mentions": mentions})
        return self._take() if len(self.rows) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.rows else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        """Nothing to prune: an item's old edges go when it is linked again, and a changed record's old items
        were deleted with their edges by the registry writer."""

    def _take(self) -> list[Work]:
        rows, linked = self.rows, self.with_mentions
        self.rows, self.with_mentions = [], 0
        c = self.context
        linker: Linker = c.source.linker  # type: ignore[attr-defined]
        from trialgraph.models.linking.tfidf import SOURCE

        params = {
            "source": SOURCE,
            "method_version": linker.method_version,
            "kb_version": linker.tfidf.generator.manifest.content_hash,
            "load_run": c.load_run,
        }

        def work() -> BatchOutcome:
            with c.driver.session(database=c.database) as session:
                merge = cypher.load("write/merge_criterion_mentions")
                session.execute_write(lambda tx: tx.run(merge, rows=rows, **params).consume())
            return BatchOutcome(written=linked)

        return [work]


def link_criteria(
    driver: neo4j.Driver,
    linker: Linker,
    *,
    quarantine_dir: Path,
    batch_size: int = 500,
    database: str = "neo4j",
    on_item: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Link every eligibility item not yet linked by ``linker``'s method version; returns the load report.

    ``read`` counts the items read, ``written`` those with at least one mention, ``unchanged`` those with none,
    ``rejected`` those skipped with a reason (``read == written + unchanged + rejected``).
    """
    from trialgraph.kg.load import load

    source = CriterionMentionSource(driver, linker, database)
    return load(
        driver, source, [], quarantine_dir=quarantine_dir, batch_size=batch_size, database=database, on_item=on_item
    )


def mentions_by_vocabulary(driver: neo4j.Driver, database: str = "neo4j") -> list[dict[str, Any]]:
    """The criterion linker's mentions per vocabulary, with how many are negated (for the CLI summary)."""
    from trialgraph.models.linking.tfidf import SOURCE

    return run_read(driver, cypher.load("read/mentions_by_vocabulary"), {"source": SOURCE}, database=database)
