"""WHO ATC/DDD CSV exports → one ConceptRecord per distinct ATC code.

The export has one row per (code, DDD, unit, route) combination, so a drug with an oral and a
parenteral DDD appears twice: rows are grouped by code and every DDD becomes a ``("ddd", "0.8 g O")``
property. The hierarchy is implicit in the code (``A10BA02`` → ``A10BA`` → ``A10B`` → ``A10`` → ``A``),
so ``broader`` is the code one level up, checked against the codes actually present. The file is a few
hundred kB: it is grouped in memory, since parents can only be checked once all codes are known.

A last row without its line end was cut by the end of the file (a download that stopped mid-row): it is
rejected, and so is the code it belongs to when earlier rows began that code, since one of its DDDs is lost.
A plain file cut exactly at a line end cannot be told from a whole one, so a chemical substance whose rows may
go on past the end (the last whole row's code; any, if codes are not grouped; those at or after a plain
combinations table's last code) is ``end_unproven``: the writer never puts it over a stored, different copy. A
gzipped export (``.csv.gz``) has its end checked, and marks none.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.files import (
    GZIP_ERRORS,
    KeyRuns,
    TrackedLines,
    header_only_entry,
    is_gzip,
    one_line,
    open_text,
)
from trialgraph.model.concept import ConceptRecord, Rejected, curie

__all__ = [
    "COMBINATION_COLUMNS",
    "DDD_COLUMNS",
    "atc_level",
    "parent_code",
    "parse_atc",
    "read_combinations",
    "version_from_name",
]

DDD_COLUMNS = ("atc_code", "atc_name", "ddd", "uom", "adm_r", "note")
COMBINATION_COLUMNS = ("atc_code", "brand_name", "dosage_form", "ingredients", "ddd_comb")
MISSING = "NA"

# Code length → ATC level (1 anatomical main group ... 5 chemical substance).
_LEVEL_BY_LENGTH = {1: 1, 3: 2, 4: 3, 5: 4, 7: 5}
_LENGTH_BY_LEVEL = {level: length for length, level in _LEVEL_BY_LENGTH.items()}
_CODE = re.compile(r"^[A-Z](?:\d\d(?:[A-Z](?:[A-Z](?:\d\d)?)?)?)?$")
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")

Combinations = dict[str, list[tuple[str, str]]]  # ATC code → ("ddd_combination", "...") properties


def atc_level(code: str) -> int | None:
    """1..5 for a well-formed ATC code, None otherwise."""
    return _LEVEL_BY_LENGTH.get(len(code)) if _CODE.match(code) else None


def parent_code(code: str) -> str | None:
    """The code one level up (``A10BA02`` → ``A10BA``); None for a level-1 group or a malformed code."""
    level = atc_level(code)
    return code[: _LENGTH_BY_LEVEL[level - 1]] if level and level > 1 else None


def version_from_name(path: Path) -> str | None:
    """The WHO export carries no version column: the scrape date in the file name is the version."""
    match = _DATE_IN_NAME.search(path.name)
    return match.group(1) if match else None


@dataclass(slots=True)
class _Code:
    name: str | None
    line: int
    properties: list[tuple[str, str]] = field(default_factory=list)


def _value(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return None if not value or value == MISSING else value


def _ddd(row: dict[str, str]) -> tuple[str, str] | str | None:
    """The DDD property of a row, None when the row has no DDD, or a reason when its DDD fields are inconsistent."""
    amount, unit, route = _value(row, "ddd"), _value(row, "uom"), _value(row, "adm_r")
    if amount is None:
        return f"unit/route ({unit} {route}) without a DDD value: shifted columns?" if unit or route else None
    return ("ddd", " ".join(part for part in (amount, unit, route) if part))


@dataclass(frozen=True, slots=True)
class _CutRow:
    """The file's last row, cut by the end of the file; ``code`` is its ATC code when that cell was closed."""

    line: int
    code: str | None
    reason: str


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]] | Rejected | _CutRow]:
    """(line, row) per whole data row; a row with the wrong number of fields is rejected alone.

    A header with no data row after it is refused as a whole (empty) file: a load of it is ``partial``.
    """
    name = path.name
    with open_text(path, encoding="utf-8-sig") as handle:
        lines = TrackedLines(handle)
        reader = csv.reader(lines)
        header = [column.strip() for column in next(reader, [])]
        missing = [column for column in columns[:2] if column not in header]
        if missing:
            yield Rejected(f"{name}:1", f"header lacks column(s) {', '.join(missing)}")
            return
        rows = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            if cut := lines.cut_reason:
                at = header.index("atc_code")  # present: the header check above requires it
                yield _CutRow(reader.line_num, row[at].strip() if at < len(row) - 1 else None, cut)
                continue
            if len(row) != len(header):
                yield Rejected(f"{name}:{reader.line_num}", f"expected {len(header)} fields, got {len(row)}")
                continue
            yield reader.line_num, dict(zip(header, row, strict=True))
        if not rows:
            yield header_only_entry(path)


@dataclass(slots=True)
class CombinationTable:
    """What a combinations export gave: DDDs per code, its rejects, and where a cut could have taken rows.

    ``unproven_from``: codes at or after it (the table is sorted by code) may have had rows past the end of a plain
    file cut exactly at a line end: "" when every code may (the file is not sorted by code), None when none may
    (a gzip stream, whose end is checked, or a file with no rows).
    """

    found: Combinations = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    unproven_from: str | None = None


def read_combinations(path: Path) -> CombinationTable:
    """DDDs of combination products (unit doses) per ATC code, to be attached to that code's concept."""
    table = CombinationTable()
    codes: list[str] = []
    end_checked = is_gzip(path)  # until the stream breaks: then the rows read last may have lost their followers
    try:
        for item in _rows(path, COMBINATION_COLUMNS):
            if isinstance(item, Rejected):
                table.rejected.append(item)
                continue
            if isinstance(item, _CutRow):
                cut = Rejected(f"{path.name}:{item.line}", item.reason, _code_id(item.code), truncated=True)
                table.rejected.append(cut)
                continue
            line, row = item
            code = (row.get("atc_code") or "").strip()
            codes.append(code)
            if atc_level(code) is None:
                table.rejected.append(Rejected(f"{path.name}:{line}", f"malformed ATC code {code!r}"))
                continue
            text = " | ".join(_value(row, column) or "" for column in COMBINATION_COLUMNS[1:])
            table.found.setdefault(code, []).append(("ddd_combination", text))
    except GZIP_ERRORS as exc:  # a cut or damaged gzip stream: its tail was never read
        table.rejected.append(Rejected(path.name, f"unreadable file: {one_line(exc)}", truncated=True))
        end_checked = False
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        table.rejected.append(Rejected(path.name, f"unreadable file: {one_line(exc)}"))
    if codes and not end_checked:
        table.unproven_from = codes[-1] if codes == sorted(codes) else ""
    return table


def parse_atc(
    path: Path, combinations: Combinations | None = None, *, combinations_unproven_from: str | None = None
) -> Iterator[VocabularyItem]:
    """Yield a ConceptRecord per distinct code, in file order, then rejections for dangling links.

    A code whose parent is missing from the file still loads (without ``broader``) and the missing
    parent is reported; combination DDDs for codes that are not in the file are reported too.
    ``combinations_unproven_from`` (:class:`CombinationTable`) marks the codes whose combination rows a cut
    plain combinations file could have lost.
    """
    name = path.name
    codes: dict[str, _Code] = {}
    runs = _Runs()
    end_checked = is_gzip(path)  # until the stream breaks: then the last code read may have lost rows
    try:
        for item in _rows(path, DDD_COLUMNS):
            if isinstance(item, Rejected):
                yield item
                continue
            if isinstance(item, _CutRow):
                yield from _drop_cut_code(codes, item, name)
                runs.cut(item.code)
                continue
            runs.see((item[1].get("atc_code") or "").strip())
            yield from _add_row(codes, *item, name)
    except GZIP_ERRORS as exc:  # a cut or damaged gzip stream: its tail was never read
        yield Rejected(name, f"unreadable file: {one_line(exc)}", truncated=True)
        end_checked = False
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        yield Rejected(name, f"unreadable file: {one_line(exc)}")
    version = version_from_name(path)
    end_unchecked = not end_checked  # a plain file, or a gzip stream that broke off
    for code, entry in codes.items():
        origin = f"{name}:{entry.line}"
        parent = parent_code(code)
        if parent is not None and parent not in codes:
            yield Rejected(origin, f"parent ATC code {parent} of {code} is not in the file", curie("ATC", code))
            parent = None
        extra = (combinations or {}).get(code, [])
        yield ConceptRecord(
            curie=curie("ATC", code),
            vocabulary="ATC",
            version=version,
            version_from_file_name=version is not None,  # the export has no version column
            name=entry.name,
            kind=f"ATC level {atc_level(code)}",
            broader=(curie("ATC", parent),) if parent else (),
            properties=tuple(dict.fromkeys([*entry.properties, *extra])),
            origin=origin,
            end_unproven=_may_have_lost_rows(code, end_unchecked, runs, combinations_unproven_from),
        )
    for code in sorted(set(combinations or {}) - set(codes)):
        yield Rejected(name, f"combination DDDs for ATC code {code}, which is not in the file", curie("ATC", code))


@dataclass(slots=True)
class _Runs(KeyRuns):
    """Where each code's rows run in a DDD export (the export is grouped by code; a file that is not cannot say
    which codes a cut shortened), and a row the end of the file cut."""

    def cut(self, code: str | None) -> None:
        """A row cut by the end of the file: when it begins another code, the last whole row's code was whole."""
        if code is not None and code != self.last:
            self.last = None


def _may_have_lost_rows(code: str, end_unchecked: bool, runs: _Runs, combinations_from: str | None) -> bool:
    """Whether a cut exactly at a line end could have taken rows of ``code`` (see ``end_unproven``).

    Only a chemical substance (level 5) has DDD and combination rows, so only one can lose some: a group has one
    row, whole or cut. Its DDD rows may go on past a plain export's end when it is the last whole row's code (any
    code, when the export's codes are not grouped); its combination rows, when a plain combinations table may
    have been cut at or before it.
    """
    if atc_level(code) != 5:
        return False
    if end_unchecked and (code == runs.last or not runs.grouped):
        return True
    return combinations_from is not None and code >= combinations_from


def _code_id(code: str | None) -> str | None:
    return curie("ATC", code) if code and atc_level(code) else None


def _drop_cut_code(codes: dict[str, _Code], cut: _CutRow, name: str) -> Iterator[Rejected]:
    """Reject the cut row, and the code it continues: that code's concept would load without the lost DDD."""
    yield Rejected(f"{name}:{cut.line}", cut.reason, _code_id(cut.code), truncated=True)  # the file's one cut
    entry = codes.pop(cut.code, None) if cut.code else None
    if entry is not None:
        reason = f"ATC code {cut.code} is incomplete: its row on line {cut.line} was cut at end of file"
        yield Rejected(f"{name}:{entry.line}", reason, _code_id(cut.code))


def _add_row(codes: dict[str, _Code], line: int, row: dict[str, str], name: str) -> Iterator[Rejected]:
    """Fold one CSV row into its code's entry; inconsistent rows are rejected, the code itself still loads."""
    origin = f"{name}:{line}"
    code = (row.get("atc_code") or "").strip()
    if atc_level(code) is None:
        yield Rejected(origin, f"malformed ATC code {code!r}")
        return
    label = _value(row, "atc_name")
    entry = codes.setdefault(code, _Code(label, line))
    if label and entry.name and label != entry.name:
        yield Rejected(origin, f"name {label!r} differs from {entry.name!r} on line {entry.line}", curie("ATC", code))
    ddd = _ddd(row)
    if isinstance(ddd, str):  # the row's fields cannot be trusted: its note is dropped with its DDD
        yield Rejected(origin, f"DDD of {code}: {ddd}", curie("ATC", code))
        return
    if ddd is not None:
        entry.properties.append(ddd)
    if note := _value(row, "note"):
        entry.properties.append(("ddd_note", note))
