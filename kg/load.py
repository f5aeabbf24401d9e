"""The one load loop: any source's items → its graph writer, in batches, inside a tracked ``LoadRun``.

Why one loop: registries, vocabularies, publications and curated pairs used to have a loop each, with
their own counting, quarantine and batching. Here the loop owns all of that, and a kind of source only
supplies a graph writer (``trialgraph.kg.writer.GraphWriter``): what a batch is and how it is written.
Importing this module registers every graph writer of the package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import neo4j

from trialgraph.kg import concepts, crossreg, publications, synth_load  # noqa: F401  (each registers its writer)
from trialgraph.kg.writer import GRAPH_WRITERS, BatchOutcome, LoadReport, Work, WriteContext, tracked_run
from trialgraph.loaders.base import Source
from trialgraph.model.staged import Quarantined

__all__ = ["load"]


def load(
    driver: neo4j.Driver,
    source: Source,
    paths: Iterable[Path],
    *,
    quarantine_dir: Path,
    batch_size: int = 200,
    database: str = "neo4j",
    on_item: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Load files of any source into the graph through its graph writer; quarantine what cannot be loaded.

    The one load loop for registries, vocabularies, publications and curated pairs. Writing runs in one
    thread beside parsing, with one unit of work in flight, so memory stays bounded and order is kept
    (a deletion lands after the batch read before it).

    Args:
        driver: a connected driver; the schema must already be applied (``apply_schema``).
        source: any registered source (see ``trialgraph.loaders.base.SOURCES``).
        paths: files, folders or archives the source understands.
        quarantine_dir: where the JSONL of rejected inputs goes.
        batch_size: items per write transaction.
        on_item: called after each input is read (progress display).

    Returns:
        The load's report, also stored in the graph as a ``LoadRun`` node.

    Raises:
        GraphError: the database failed for a reason other than the data (the batches before it stay
            committed); an item Neo4j refuses for its values is quarantined instead (:func:`write_isolating`).
    """
    make_writer = GRAPH_WRITERS.factory(source.graph_writer)
    # a linking run scoped to some registries says so on its LoadRun (``scope``; registry sources have none)
    scope = getattr(source, "scope", None)
    with tracked_run(driver, source.name, paths, batch_size, quarantine_dir, database, scope) as (report, quarantine):
        writer = make_writer(WriteContext(driver, source, report.run_id, batch_size, database))
        pending: Future[BatchOutcome] | None = None

        def collect(future: Future[BatchOutcome] | None) -> None:
            if future is None:
                return
            outcome = future.result()
            report.written += outcome.written
            report.unchanged += outcome.unchanged
            report.superseded += outcome.superseded
            report.rejected += len(outcome.refused)
            for refused in outcome.refused:
                quarantine.add(refused, report.run_id)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trialgraph-writer") as pool:

            def submit(works: list[Work]) -> None:
                nonlocal pending
                for work in works:
                    collect(pending)
                    pending = pool.submit(work)  # each unit of work retries its own races with other loads

            for item in source.read(report.paths, load_run=report.run_id):
                report.read += 1
                if isinstance(item, Quarantined):
                    report.rejected += 1
                    report.files_quarantined += int(item.whole_file)
                    report.files_truncated += int(item.truncated and not item.whole_file)
                    quarantine.add(item, report.run_id)
                else:
                    if getattr(item, "issues", ()):
                        report.field_issues += len(item.issues)
                        quarantine.add_field_issues(item, report.run_id)
                    submit(writer.add(item, report))
                if on_item is not None:
                    on_item(report)
            submit(writer.close())
            collect(pending)
        writer.finish(report, quarantine)
    return report
