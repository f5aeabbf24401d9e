"""The WHO ICTRP COVID-19 web CSV (``COVID19-web.csv``) → study records.

Same trials and values as the XML portal export but with spaced column names ("Source Register",
"Date registration3"); the header is required and renamed to canonical names through the crosswalk.
Its ``Bridging flag truefalse`` is a boolean, not a TrialID, so it yields no identity claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from trialgraph.loaders.ictrp.crosswalk import COVID_TO_CANONICAL, canonical_names
from trialgraph.loaders.ictrp.source import iter_csv_rows
from trialgraph.loaders.ictrp.tabular import Item, cut_at_end, records_from_rows
from trialgraph.model.staged import Quarantined

__all__ = ["HEADER_MARKERS", "SOURCE_FORMAT", "is_header", "parse"]

SOURCE_FORMAT = "ictrp-covid-csv"
HEADER_MARKERS = frozenset({"Source Register", "Date registration3"})


def is_header(cells: tuple[str, ...]) -> bool:
    """The COVID CSV header starts with TrialID and has the spaced names only this format uses."""
    names = {c.strip().lstrip("\ufeff") for c in cells}
    return "TrialID" in names and bool(names & HEADER_MARKERS)


def parse(path: Path) -> Iterator[Item]:
    """(record or quarantine entry, origin) for every data row of a COVID-19 web CSV."""
    rows = iter_csv_rows(path)
    first = next(rows, None)
    if first is None:
        return
    if first.problem is not None or not is_header(first.cells):
        origin = f"{path}:{first.line}"
        if first.cut or (next(rows, None) is None and (cut := cut_at_end(path)) is not None):
            # the file ends inside its header row (a download that stopped): its names are not all known
            reason = first.problem if first.cut else f"header {cut}"
            yield Quarantined(origin=origin, reason=reason, truncated=True), origin
            return
        yield Quarantined(origin=origin, reason="no COVID-19 CSV header row (TrialID, Source Register, ...)"), origin
        return
    header = canonical_names(first.cells, COVID_TO_CANONICAL)
    yield from records_from_rows(path, rows, header, source_format=SOURCE_FORMAT, header_row=first)
