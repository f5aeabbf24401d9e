"""The WHO ICTRP full CSV export (``ICTRPFullExport-*.csv``) → study records.

WHO ships the file *without* a header row, in the field order of ``ICTRP_export_datafields.txt`` with an
unnamed refresh-date column second; copies passed around (such as the shared sample) add a header.
Both are read: when the first row is a header (its first cell is ``TrialID``) its names are used, so a
reordered copy still maps correctly; otherwise the fixed WHO order applies and the first row is data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from trialgraph.loaders.ictrp.crosswalk import FULL_EXPORT_FIELDS, XML_TO_CANONICAL, canonical_names
from trialgraph.loaders.ictrp.source import iter_csv_rows
from trialgraph.loaders.ictrp.tabular import Item, records_from_rows

__all__ = ["SOURCE_FORMAT", "is_header", "parse"]

SOURCE_FORMAT = "ictrp-csv"


def is_header(cells: tuple[str, ...]) -> bool:
    """A header row names its first column ``TrialID``; a data row holds an id there."""
    return bool(cells) and cells[0].strip().lstrip("\ufeff") == "TrialID"


def parse(path: Path) -> Iterator[Item]:
    """(record or quarantine entry, origin) for every data row of a full export, header or not."""
    rows = iter_csv_rows(path)
    first = next(rows, None)
    if first is None:
        return
    if first.problem is None and is_header(first.cells):
        header = canonical_names(first.cells, XML_TO_CANONICAL)
        yield from records_from_rows(path, rows, header, source_format=SOURCE_FORMAT, header_row=first)
    else:
        yield from records_from_rows(path, (first, *rows), FULL_EXPORT_FIELDS, source_format=SOURCE_FORMAT)
