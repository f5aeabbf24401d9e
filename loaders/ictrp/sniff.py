"""Which ICTRP format a file holds, told from its content (names lie: exports get renamed and gzipped).

XML: the first element is ``Trials_downloaded_from_ICTRP``. CSV: the COVID-19 web header has spaced
names ("Source Register"); a full export either has a header starting ``TrialID`` or, as WHO ships it,
none — then its first record has the export's 63 columns. Anything else is not an ICTRP export.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from trialgraph.loaders.ictrp import covid_csv, csv_export, xml_export
from trialgraph.loaders.ictrp.crosswalk import FULL_EXPORT_FIELDS
from trialgraph.loaders.ictrp.source import head_bytes

__all__ = ["sniff"]

_FIRST_ELEMENT = re.compile(rb"<\s*([A-Za-z_][\w.-]*)[\s>/]")
_PROLOG = re.compile(rb"^\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*)*", re.DOTALL)


def _xml_kind(head: bytes) -> str | None:
    body = head[_PROLOG.match(head).end() :]  # type: ignore[union-attr]
    m = _FIRST_ELEMENT.match(body)
    return xml_export.SOURCE_FORMAT if m and m.group(1).decode() == xml_export.ROOT else None


def _first_csv_row(head: bytes) -> tuple[str, ...]:
    text = head.decode("utf-8", errors="replace")
    try:
        return tuple(next(csv.reader(io.StringIO(text, newline="")), []))
    except csv.Error:
        return ()


def _csv_kind(head: bytes) -> str | None:
    cells = _first_csv_row(head)
    if covid_csv.is_header(cells):
        return covid_csv.SOURCE_FORMAT
    if csv_export.is_header(cells) or len(cells) == len(FULL_EXPORT_FIELDS):
        return csv_export.SOURCE_FORMAT
    return None


_BY_FIRST_BYTE: dict[bool, Callable[[bytes], str | None]] = {True: _xml_kind, False: _csv_kind}


def sniff(path: Path) -> str | None:
    """``ictrp-xml``, ``ictrp-covid-csv``, ``ictrp-csv`` or None; raises SourceError if unreadable."""
    head = head_bytes(path)
    return _BY_FIRST_BYTE[head.lstrip().startswith(b"<")](head)
