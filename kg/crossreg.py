"""The curated-pairs writer: cross-registration tables → ``SAME_TRIAL_AS`` edges between trial ids."""

from __future__ import annotations

from typing import Any

from trialgraph.kg import cypher
from trialgraph.kg.writer import GRAPH_WRITERS, LoadReport, Quarantine, Work, WriteContext, write_isolating
from trialgraph.model.curated_pair import CuratedPair

__all__ = ["PairWriter"]


def _row(pair: CuratedPair, load_run: str) -> dict[str, Any]:
    props = {
        "evidence": list(pair.evidence) or None,
        "candidate": pair.candidate,
        "score": pair.score,
        "source_file": pair.origin,
        "load_run": load_run,
    }
    return {"id_a": pair.id_a, "id_b": pair.id_b, "source": pair.source, "props": props}


@GRAPH_WRITERS.register("pairs")
class PairWriter:
    """Curated pairs: batches of rows, one transaction each. A pair a file states on several rows is written once,
    from its first row (``loaders/crossreg/parse.py`` quarantines a later row that says otherwise); the others
    count ``unchanged``. Memory: a key per pair of the load."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.rows: list[dict[str, Any]] = []
        self.stated: set[tuple[str, str, str, str]] = set()  # pairs written, with the file that stated them

    def add(self, item: CuratedPair, report: LoadReport) -> list[Work]:
        file = item.origin.rpartition(":")[0] or item.origin
        key = (item.id_a, item.id_b, item.source, file)
        if key in self.stated:  # an earlier row of this file stated it alike: that row defines it (its line)
            report.unchanged += 1
            return []
        self.stated.add(key)
        self.rows.append(_row(item, self.context.load_run))
        return self._take() if len(self.rows) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.rows else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        return None

    def _take(self) -> list[Work]:
        rows, self.rows = self.rows, []
        c = self.context
        batch = {f"{position}": row for position, row in enumerate(rows)}

        def write(part: dict[str, dict[str, Any]]) -> tuple[int, int, int]:
            chosen = list(part.values())
            with c.driver.session(database=c.database) as session:
                session.execute_write(
                    lambda tx: tx.run(cypher.load("write/merge_curated_pairs"), rows=chosen).consume()
                )
            return len(chosen), 0, 0

        def describe(_key: str, row: dict[str, Any]) -> tuple[str, str | None]:
            return str(row["props"]["source_file"]), f"{row['id_a']} = {row['id_b']} ({row['source']})"

        # a pair Neo4j refuses for a data reason costs that pair only (bisected); races with another load run again
        return [lambda: write_isolating(write, batch, describe)]
