"""The curated-pairs writer: cross-registration tables → ``SAME_TRIAL_AS`` edges between trial ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import neo4j

from trialgraph.kg import cypher
from trialgraph.kg.writer import LoadReport, tracked_run
from trialgraph.loaders.crossreg.loader import CrossregSource
from trialgraph.loaders.crossreg.parse import CuratedPair
from trialgraph.model.staged import Quarantined

__all__ = ["load_pairs"]


def _row(pair: CuratedPair, load_run: str) -> dict[str, Any]:
    props = {
        "evidence": list(pair.evidence) or None,
        "candidate": pair.candidate,
        "score": pair.score,
        "source_file": pair.origin,
        "load_run": load_run,
    }
    return {"id_a": pair.id_a, "id_b": pair.id_b, "source": pair.source, "props": props}


def load_pairs(
    driver: neo4j.Driver,
    source: CrossregSource,
    paths: Iterable[Path],
    *,
    quarantine_dir: Path,
    batch_size: int = 2000,
    database: str = "neo4j",
    on_item: Callable[[LoadReport], None] | None = None,
) -> LoadReport:
    """Load curated pairs in batches of one transaction each; rows without registry ids are quarantined."""
    rows: list[dict[str, Any]] = []
    with tracked_run(driver, source.name, paths, batch_size, quarantine_dir, database) as (report, quarantine):

        def flush() -> None:
            if rows:
                with driver.session(database=database) as session:
                    session.execute_write(
                        lambda tx: tx.run(cypher.load("write/merge_curated_pairs"), rows=rows).consume()
                    )
                report.written += len(rows)
                rows.clear()

        for item in source.parse(report.paths):
            report.read += 1
            if isinstance(item, Quarantined):
                report.rejected += 1
                quarantine.add(item, report.run_id)
            else:
                rows.append(_row(item, report.run_id))
                if len(rows) >= batch_size:
                    flush()
            if on_item is not None:
                on_item(report)
        flush()
    return report
