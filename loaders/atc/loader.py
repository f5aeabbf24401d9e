"""The ``atc`` vocabulary source: WHO ATC/DDD CSV exports (plus the optional combination-DDD export).

Both exports are ``.csv`` (or ``.csv.gz``), so the file's role is told by its header (a ``ddd_comb`` column marks the
combinations table). Combination DDDs are attached to the codes of the ATC/DDD export with the same
date in its file name, because a combination table describes the codes of its own release.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.atc.parse import Combinations, parse_atc, read_combinations, version_from_name
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.files import require_existing
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.detect import Detection, header_starts
from trialgraph.loaders.files import GZIP_ERRORS, iter_inputs, open_text
from trialgraph.model.concept import Rejected

__all__ = ["AtcSource", "file_role"]

_SUFFIXES = {".csv": "csv", ".csv.gz": "csv"}  # gzipped: its end is checked (see parse.py)
# A column found only in one export → that file's role; checked in this order.
_ROLE_BY_COLUMN = {"ddd_comb": "combinations", "atc_code": "ddd"}


def file_role(path: Path) -> str | None:
    """``"ddd"`` or ``"combinations"`` from the CSV header; None when the file is neither export."""
    try:
        with open_text(path, encoding="utf-8-sig") as handle:
            header = {column.strip() for column in next(csv.reader(handle), [])}
    except (OSError, UnicodeDecodeError, csv.Error, *GZIP_ERRORS):
        return None
    return next((role for column, role in _ROLE_BY_COLUMN.items() if column in header), None)


@SOURCES.register("atc")
class AtcSource:
    """WHO ATC codes with their DDDs; version = the date in the export's file name."""

    name = "atc"
    graph_writer = "concepts"
    detection = Detection(rank=120, rules=(header_starts("atc_code", "atc_name"),))

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[VocabularyItem]:
        return _parse(require_existing(paths))


def _parse(paths: list[Path]) -> Iterator[VocabularyItem]:
    exports: list[Path] = []
    combinations: dict[str | None, Combinations] = {}
    unproven_from: dict[str | None, str] = {}  # version → the least code a cut combinations table may have shortened
    for item in iter_inputs(paths, _SUFFIXES, in_folders="matching"):
        if isinstance(item, Rejected):
            yield item
            continue
        path = item[0]
        role = file_role(path)
        if role == "ddd":
            exports.append(path)
        elif role == "combinations":
            table = read_combinations(path)
            yield from table.rejected
            version = version_from_name(path)
            for code, properties in table.found.items():
                combinations.setdefault(version, {}).setdefault(code, []).extend(properties)
            if table.unproven_from is not None:
                unproven_from[version] = min(table.unproven_from, unproven_from.get(version, table.unproven_from))
        else:
            yield Rejected(path.name, "not a WHO ATC/DDD export: no atc_code column in the header")
    versions = {version_from_name(path) for path in exports}
    for version in sorted(set(combinations) - versions, key=str):
        yield Rejected(f"combinations {version}", "combination DDDs without an ATC/DDD export of the same date")
    for path in exports:
        version = version_from_name(path)
        yield from parse_atc(path, combinations.get(version), combinations_unproven_from=unproven_from.get(version))
