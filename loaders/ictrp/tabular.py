"""CSV rows under a known header → (record or quarantine entry, origin) pairs; shared by both CSV formats.

A row is used only when its cells line up with the header one to one: with more or fewer cells the
values would sit under the wrong fields, so the row is quarantined with both counts and, when its first
cell looks like an id, the record id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.ictrp.fields import record_or_quarantine
from trialgraph.loaders.ictrp.source import CsvRow
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import StudyRecord

__all__ = ["Item", "records_from_rows"]

Item = tuple[StudyRecord | Quarantined, str]


def _row_id(row: CsvRow) -> str | None:
    first = row.cells[0].strip() if row.cells else ""
    return first if first and " " not in first and len(first) <= 40 else None


def records_from_rows(
    path: Path, rows: Iterable[CsvRow], header: tuple[str, ...], *, source_format: str
) -> Iterator[Item]:
    """One item per data row; ``header`` holds canonical field names."""
    for row in rows:
        origin = f"{path}:{row.line}"
        if row.problem is not None:
            yield Quarantined(origin=origin, reason=row.problem, record_id=_row_id(row)), origin
        elif len(row.cells) != len(header):
            reason = f"row has {len(row.cells)} columns, the header has {len(header)}"
            yield Quarantined(origin=origin, reason=reason, record_id=_row_id(row)), origin
        else:
            yield record_or_quarantine(
                dict(zip(header, row.cells, strict=True)), source_format=source_format, origin=origin
            )
