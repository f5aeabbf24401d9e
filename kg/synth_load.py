"""The ``synthetic-trials`` graph writer: accepted synthetic trials → ``SyntheticTrial`` nodes grounded in real trials.

Why its own writer and label: the issue asks that synthetic records never load as registry records and that no
query mixes them with real trials unless asked. Registry queries match ``Trial``/``RegistryRecord``; these nodes
carry neither label and link to the real trials only by ``GROUNDED_IN``. A trial whose content hash is already
stored is counted ``unchanged`` and not written, so a second load of the same batch writes nothing.
"""

from __future__ import annotations

from typing import Any

import neo4j

from trialgraph.kg import cypher
from trialgraph.kg.writer import (
    GRAPH_WRITERS,
    BatchOutcome,
    LoadReport,
    Quarantine,
    Work,
    WriteContext,
    write_isolating,
)
from trialgraph.loaders.synthetic.parse import SyntheticTrialItem

__all__ = ["SyntheticTrialWriter"]


def _write(
    driver: neo4j.Driver, batch: dict[str, SyntheticTrialItem], load_run: str, database: str
) -> tuple[int, int, int]:
    """One transaction: the trials whose content changed (or is new) written, the rest counted unchanged."""

    def work(tx: neo4j.ManagedTransaction) -> tuple[int, int, int]:
        found = tx.run(cypher.load("write/find_synthetic_trial_versions"), keys=list(batch)).data()
        stored = {row["key"]: row["content_hash"] for row in found}
        due = [item for key, item in batch.items() if stored.get(key) != item.content_hash]
        rows = [_row(item, load_run) for item in due]
        if rows:
            tx.run(cypher.load("write/merge_synthetic_trials"), rows=rows).consume()
        return len(due), len(batch) - len(due), 0

    with driver.session(database=database) as session:
        return session.execute_write(work)


def _row(item: SyntheticTrialItem, load_run: str) -> dict[str, Any]:
    grounding = [{"trial": trial, "role": role} for trial, role in item.grounding]
    return {"key": item.key, "props": {**item.props, "load_run": load_run}, "grounding": grounding}


@GRAPH_WRITERS.register("synthetic-trials")
class SyntheticTrialWriter:
    """Batches keyed by synthetic id; a repeat within the load is counted unchanged, as registries do."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.batch: dict[str, SyntheticTrialItem] = {}

    def add(self, item: SyntheticTrialItem, report: LoadReport) -> list[Work]:
        if item.key in self.batch:
            report.unchanged += 1
            return []
        self.batch[item.key] = item
        return self._take() if len(self.batch) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if self.batch else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        return None

    def _take(self) -> list[Work]:
        batch, self.batch = self.batch, {}
        c = self.context

        def work() -> BatchOutcome:
            return write_isolating(
                lambda part: _write(c.driver, part, c.load_run, c.database),
                batch,
                lambda _key, item: (item.origin, item.key),
            )

        return [work]
