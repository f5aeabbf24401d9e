"""SSSOM mapping files (``.sssom.tsv`` / ``.sssom.tsv.gz``) → one MappingRecord per row, streamed.

The ``#``-prefixed block at the top is the mapping set's YAML metadata (``curie_map``,
``mapping_set_id``, ``license``...): it names the set every row belongs to, so it is read first and
only once. Rows are then read one at a time with the csv module (SSSOM writers quote fields that
contain tabs or quotes), so a multi-GB mapping file never sits in memory. A bad row is rejected with
its ``file:line`` and the rest of the file still loads; so is a last row the end of the file cut (no line
end after it: a download that stopped mid-row), whose last value would otherwise load damaged. A file with no
row (metadata only, or a header and nothing after it) is refused as a whole, empty, file: its load is ``partial``.

The set is named by its ``mapping_set_id`` only; a file without one falls back to its file name, and its rows
then carry a one-line warning saying so (``extra[MAPPING_SET_WARNING]``, filed once per set by the writer).
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from trialgraph.loaders.concepts.curies import as_curie
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.files import (
    EMPTY_FILE,
    KeyRuns,
    TrackedLines,
    header_only_entry,
    is_gzip,
    one_line,
    open_text,
)
from trialgraph.model.concept import MAPPING_ROWS_UNGROUPED, MappingRecord, Rejected, mapping_set_fallback

__all__ = ["REQUIRED_COLUMNS", "SSSOMMetadata", "parse_metadata", "parse_sssom", "read_metadata"]

REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id")
_CORE_COLUMNS = frozenset({*REQUIRED_COLUMNS, "mapping_justification", "confidence", "subject_label", "object_label"})
_SET_LEVEL_EXTRAS = ("mapping_set_version", "license")  # copied onto each row: the writer sees rows only


@dataclass(frozen=True, slots=True)
class SSSOMMetadata:
    """The mapping-set header; ``raw`` keeps every key as written for whatever a writer wants later."""

    mapping_set_id: str | None = None
    mapping_set_version: str | None = None
    license: str | None = None
    curie_map: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def parse_metadata(lines: list[str]) -> SSSOMMetadata:
    """The metadata from ``#``-prefixed lines. Raises ``yaml.YAMLError`` or ``ValueError`` when not YAML."""
    text = "\n".join(line[1:] if line.startswith("#") else line for line in lines)
    loaded = yaml.safe_load(text) if text.strip() else {}
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise ValueError(f"metadata is a {type(loaded).__name__}, not a mapping")
    curie_map = loaded.get("curie_map") or {}
    return SSSOMMetadata(
        mapping_set_id=_text(loaded.get("mapping_set_id")),
        mapping_set_version=_text(loaded.get("mapping_set_version")),
        license=_text(loaded.get("license")),
        curie_map={str(key): str(value) for key, value in curie_map.items()} if isinstance(curie_map, dict) else {},
        raw=loaded,
    )


def read_metadata(path: Path) -> SSSOMMetadata:
    """Only the header block of ``path`` (reading stops at the first row). Raises on unreadable metadata."""
    with open_text(path) as handle:
        lines: list[str] = []
        for line in handle:
            if not line.startswith("#"):
                break
            lines.append(line.rstrip("\r\n"))
    return parse_metadata(lines)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_sssom(path: Path) -> Iterator[VocabularyItem]:
    """Yield one MappingRecord per valid row; rejected rows, and a broken header, as Rejected with file:line."""
    name = path.name
    line_no = 0
    try:
        with open_text(path) as handle:
            lines = TrackedLines(handle)
            meta_lines: list[str] = []
            header_line: str | None = None
            for line_no, line in enumerate(lines, start=1):  # noqa: B007 - line_no is used after the loop
                if line.startswith("#"):
                    meta_lines.append(line.rstrip("\r\n"))
                    continue
                if line.strip():
                    header_line = line
                    break
            try:
                metadata = parse_metadata(meta_lines)
            except (yaml.YAMLError, ValueError) as exc:
                yield Rejected(f"{name}:1", f"metadata block is not YAML: {one_line(exc)}")
                metadata = SSSOMMetadata()
            if header_line is None:
                yield Rejected(str(path), f"{EMPTY_FILE} (no header row: metadata only)", whole_file=True)
                return
            header = next(csv.reader([header_line], delimiter="\t"))
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                yield Rejected(f"{name}:{line_no}", f"header lacks required column(s) {', '.join(missing)}")
                return
            rows = 0
            items = _rows(lines, header, metadata, name, line_no)
            if not is_gzip(path):
                items = mark_unproven_end(items)
            for rows, item in enumerate(items, start=1):  # noqa: B007
                yield item
            if not rows:
                yield header_only_entry(path)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        where = f"{name}:{line_no}" if line_no else name
        yield Rejected(where, f"unreadable file: {one_line(exc)}", truncated=True)  # its tail was never read


_UNGROUPED_WARNING = (
    "rows of one subject stated apart in a plain file: a cut at a line end could not be seen, so this load "
    "removes none of the set's old mappings (gzip a file known to be whole, and load that)"
)


def mark_unproven_end(items: Iterator[VocabularyItem]) -> Iterator[VocabularyItem]:
    """The mappings of a plain file, those whose subject's rows may go on past its end marked ``end_unproven``.

    A plain file cut exactly at a line end reads as whole. If it states each subject's rows in one run, only the
    last subject's rows can have been cut short: its last mapping is marked, and the set's reload leaves that
    subject's other edges alone. From the first subject stated again after another's run on, every mapping is
    marked and carries :data:`MAPPING_ROWS_UNGROUPED`: the reload then removes nothing. One mapping is held back
    until the next is read, to know which is last.
    """
    runs = KeyRuns()
    held: MappingRecord | None = None
    try:
        for item in items:
            if not isinstance(item, MappingRecord):
                yield item
                continue
            runs.see(item.subject)
            if not runs.grouped:
                item = replace(
                    item, end_unproven=True, extra={**item.extra, MAPPING_ROWS_UNGROUPED: _UNGROUPED_WARNING}
                )
            if held is not None:
                yield held
            held = item
    except Exception:
        if held is not None:  # a whole row read before the file broke off: still loaded, its subject kept whole
            yield replace(held, end_unproven=True)
        raise
    if held is not None:
        yield replace(held, end_unproven=True)


def _rows(
    lines: TrackedLines, header: list[str], metadata: SSSOMMetadata, name: str, header_line: int
) -> Iterator[VocabularyItem]:
    """The rows after the header: a record only from a whole row (its line ended, every column there)."""
    mapping_set, fallback = mapping_set_fallback(name, metadata.mapping_set_id, "mapping_set_id")
    set_extra = {key: value for key in _SET_LEVEL_EXTRAS if (value := getattr(metadata, key))} | fallback
    reader = csv.reader(lines, delimiter="\t")
    for row in reader:
        line = header_line + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        origin = f"{name}:{line}"
        if cut := lines.cut_reason:
            yield Rejected(origin, cut, (row[0].strip() or None) if len(row) > 1 else None, truncated=True)
            continue
        if len(row) != len(header):
            yield Rejected(origin, f"expected {len(header)} columns, got {len(row)}")
            continue
        yield _record(dict(zip(header, (cell.strip() for cell in row), strict=True)), mapping_set, set_extra, origin)


def _record(values: dict[str, str], mapping_set: str, set_extra: dict[str, str], origin: str) -> VocabularyItem:
    empty = [column for column in REQUIRED_COLUMNS if not values.get(column)]
    if empty:
        return Rejected(origin, f"empty {', '.join(empty)}", values.get("subject_id") or None)
    subject, obj = as_curie(values["subject_id"]), as_curie(values["object_id"])
    if subject is None or obj is None:
        bad = values["subject_id"] if subject is None else values["object_id"]
        return Rejected(origin, f"malformed identifier {bad!r}: not a CURIE", values["subject_id"])
    confidence: float | None = None
    if raw_confidence := values.get("confidence"):
        try:
            confidence = float(raw_confidence)
        except ValueError:
            return Rejected(origin, f"confidence {raw_confidence!r} is not a number", subject)
    extra = {key: value for key, value in values.items() if key not in _CORE_COLUMNS and value}
    return MappingRecord(
        subject=subject,
        predicate=values["predicate_id"],
        object=obj,
        justification=values.get("mapping_justification") or None,
        mapping_set=mapping_set,
        confidence=confidence,
        subject_label=values.get("subject_label") or None,
        object_label=values.get("object_label") or None,
        extra={**set_extra, **extra},
        origin=origin,
    )
