"""Writes a linker's decisions into the graph: read the mentions and the dictionary, link, merge, prune.

The linker itself is pure (:mod:`trialgraph.models.linking`); this module owns the database side, in
the same ``LoadRun`` frame as every load, so a linking run is reported, recorded and failed like one.
Each distinct condition string is linked once (``Condition`` nodes are shared by normalised text), and
every registry's trials reach concepts through them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import neo4j

from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import LoadReport, tracked_run
from trialgraph.models.linking.dictionary import METHOD_VERSION, SOURCE, ConceptNames, DictionaryLinker

__all__ = ["link_conditions"]


def _batches(rows: list[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def link_conditions(
    driver: neo4j.Driver, *, quarantine_dir: Path, batch_size: int = 5000, database: str = "neo4j"
) -> LoadReport:
    """Link every ``Condition`` to the concepts whose name or synonym it is (exact, normalised).

    ``read`` counts the distinct conditions, ``written`` those linked to at least one concept,
    ``unchanged`` those with no unambiguous match (``read == written + unchanged``). Re-running gives
    the same edges; links this run no longer makes (a vocabulary changed) are removed, and only this
    method version's.
    """
    with tracked_run(driver, f"link:{SOURCE}", [], batch_size, quarantine_dir, database) as (report, _):
        concepts = run_read(driver, cypher.load("read/concept_names"), database=database)
        linker = DictionaryLinker(
            ConceptNames(c["curie"], c["vocabulary"], c["name"], tuple(c["synonyms"])) for c in concepts
        )
        rows: list[dict[str, object]] = []
        for condition in run_read(driver, cypher.load("read/condition_texts"), database=database):
            report.read += 1
            links = linker.link(condition["name"] or condition["key"])
            if links:
                report.written += 1
            else:
                report.unchanged += 1
            rows.extend(
                {"key": condition["key"], "curie": link.curie, "matched_on": link.matched_on, "score": link.score}
                for link in links
            )
        params = {"source": SOURCE, "method_version": METHOD_VERSION, "load_run": report.run_id}
        with driver.session(database=database) as session:
            for batch in _batches(rows, batch_size):
                session.execute_write(
                    lambda tx, b=batch: tx.run(
                        cypher.load("write/merge_condition_concepts"), rows=b, **params
                    ).consume()
                )
            session.execute_write(
                lambda tx: tx.run(cypher.load("write/delete_stale_condition_concepts"), **params).consume()
            )
    return report
