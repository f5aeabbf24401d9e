"""CSV rows under a known header → (record or quarantine entry, origin) pairs; shared by both CSV formats.

A row is used only when it is whole. Its cells must line up with the header one to one: with more or fewer
cells the values would sit under the wrong fields, so the row is quarantined with both counts and, when its
first cell looks like an id, the record id. And the file's last row must be followed by a line end: without
one the end of the file cut it (a download that stopped mid-row), its last value is damaged even when the
count is right, so it is quarantined too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.files import GZIP_ERRORS, ends_with_line_end, header_only_entry, one_line
from trialgraph.loaders.ictrp.fields import record_or_quarantine
from trialgraph.loaders.ictrp.source import CsvRow
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import StudyRecord

__all__ = ["Item", "cut_at_end", "records_from_rows"]

Item = tuple[StudyRecord | Quarantined, str]


def _row_id(row: CsvRow) -> str | None:
    first = row.cells[0].strip() if row.cells else ""
    return first if first and " " not in first and len(first) <= 40 else None


def _with_last(rows: Iterable[CsvRow]) -> Iterator[tuple[CsvRow, bool]]:
    """Each row with whether it is the last: only the last one can have been cut by the end of the file."""
    previous: CsvRow | None = None
    for row in rows:
        if previous is not None:
            yield previous, False
        previous = row
    if previous is not None:
        yield previous, True


def cut_at_end(path: Path) -> str | None:
    """Why the file's last row is not whole, or None. Rows carry no line ends, so the file's end is looked at."""
    try:
        return None if ends_with_line_end(path) else "row cut at end of file (no line end)"
    except (OSError, *GZIP_ERRORS) as e:
        return f"row cut at end of file (its end cannot be read: {one_line(e)})"


def _problem(path: Path, row: CsvRow, last: bool, width: int) -> tuple[str, bool] | None:
    """Why ``row`` is not loaded, and whether the file was cut in it (its rest never read), or None."""
    cut = cut_at_end(path) if last and row.problem is None else None
    if row.problem is not None:
        return row.problem, row.cut
    if len(row.cells) != width:  # a last row cut short of its columns is still a cut file
        return f"row has {len(row.cells)} columns, the header has {width}", cut is not None
    return (cut, True) if cut is not None else None


def records_from_rows(
    path: Path,
    rows: Iterable[CsvRow],
    header: tuple[str, ...],
    *,
    source_format: str,
    header_row: CsvRow | None = None,
) -> Iterator[Item]:
    """One item per data row; ``header`` holds canonical field names.

    ``header_row``: the file's own header row, when it has one. A file that holds nothing after it and lacks
    its final line end was cut inside (or at the end of) its header: one ``truncated`` entry says so, since
    no row of it can be known. A whole header with no row after it is an empty file, refused whole
    (:data:`~trialgraph.loaders.files.HEADER_ONLY`).
    """
    read_any = False
    for row, last in _with_last(rows):
        read_any = True
        origin = f"{path}:{row.line}"
        if (problem := _problem(path, row, last, len(header))) is not None:
            reason, cut = problem
            yield Quarantined(origin=origin, reason=reason, record_id=_row_id(row), truncated=cut), origin
        else:
            yield record_or_quarantine(
                dict(zip(header, row.cells, strict=True)), source_format=source_format, origin=origin
            )
    if header_row is not None and not read_any:
        if (cut := cut_at_end(path)) is not None:
            origin = f"{path}:{header_row.line}"
            yield Quarantined(origin=origin, reason=f"header {cut}", truncated=True), origin
        else:
            empty = header_only_entry(path)
            yield empty, empty.origin
