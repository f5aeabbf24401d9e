"""A tolerant reader for the HINT / TOP outcome CSVs (``nctid,status,why_stop,label,phase,diseases,…,criteria``).

A row that cannot be used (a label that is not 0/1, no NCT id, no text, a duplicate, a row broken by bad quoting)
is counted with its reason and left out; a missing file or a header without the needed columns is one
:class:`~trialgraph.errors.SourceError`. ``status`` and ``why_stop`` are never read: they give the label away.
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.models.outcome.examples import OutcomeExample, ReadResult

__all__ = ["REQUIRED_COLUMNS", "parse_list", "read_hint"]

REQUIRED_COLUMNS = ("nctid", "label", "phase", "diseases", "drugs", "criteria")
LEAKING_COLUMNS = ("status", "why_stop")  # documented here so that nobody adds them to the text
_MAX_LIST_CHARS = 20_000  # literal_eval on a pathological string is slow; HINT's longest list is far shorter
_FIELD_LIMIT = 16 * 1024 * 1024


def parse_list(value: str) -> tuple[str, ...]:
    """``"['a', 'b']"`` → ``("a", "b")``; a string that is not a Python list literal is one item."""
    text = (value or "").strip()
    if not text:
        return ()
    parsed: object = text
    if len(text) <= _MAX_LIST_CHARS:
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            parsed = text
    if isinstance(parsed, list | tuple):
        items = (str(item).strip() for item in parsed if not isinstance(item, list | tuple | dict | set))
        return tuple(item for item in items if item)
    return (str(parsed).strip(),) if str(parsed).strip() else ()


def _label(value: str) -> int | None:
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    return int(number) if number in (0.0, 1.0) else None


def _open_text(path: Path) -> io.TextIOBase:
    if not path.is_file():
        raise SourceError(f"HINT file not found: {path}")
    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")  # noqa: SIM115 (the wrapper closes it)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")  # type: ignore[arg-type]


def _rows(reader: Iterator[list[str]], result: ReadResult) -> Iterator[list[str]]:
    """The reader's rows; a row the csv module refuses is counted and skipped, never raised."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            result.rows += 1
            result.reject(f"unreadable CSV row ({str(e).split(':')[0]})", f"row {result.rows}")


def read_hint(path: Path) -> ReadResult:
    """Every usable row of one HINT file (``.csv`` or ``.csv.gz``) as an :class:`OutcomeExample`."""
    path = Path(path)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    result = ReadResult(path=str(path))
    seen: set[str] = set()
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise SourceError(f"{path}: empty file, expected a HINT header ({','.join(REQUIRED_COLUMNS)})")
            names = [h.strip().lstrip("\ufeff").lower() for h in header]
            missing = [c for c in REQUIRED_COLUMNS if c not in names]
            if missing:
                raise SourceError(f"{path}: not a HINT outcome file, header lacks {', '.join(missing)}")
            where = {name: names.index(name) for name in REQUIRED_COLUMNS}
            for row in _rows(reader, result):
                result.rows += 1
                _read_row(row, len(names), where, result, seen)
    except (OSError, EOFError, csv.Error) as e:
        raise SourceError(f"cannot read {path}: {e}") from None
    return result


def _read_row(row: list[str], width: int, where: dict[str, int], result: ReadResult, seen: set[str]) -> None:
    row_id = row[where["nctid"]].strip() if len(row) > where["nctid"] else ""
    row_id = row_id or f"row {result.rows}"
    if not any(cell.strip() for cell in row):
        result.reject("blank row", row_id)
        return
    if len(row) != width:
        result.reject(f"wrong number of fields ({len(row)}, header has {width})", row_id)
        return
    nct_id = row[where["nctid"]].strip()
    label = _label(row[where["label"]])
    diseases, drugs = parse_list(row[where["diseases"]]), parse_list(row[where["drugs"]])
    criteria = row[where["criteria"]]
    checks = (
        (not nct_id, "no nctid"),
        (label is None, "label not 0 or 1"),
        (not (diseases or drugs or criteria.strip()), "no text (diseases, drugs and criteria empty)"),
        (nct_id in seen, "duplicate nctid"),
    )
    for failed, reason in checks:
        if failed:
            result.reject(reason, row_id)
            return
    seen.add(nct_id)
    phase = " ".join(row[where["phase"]].strip().lower().split())
    result.examples.append(OutcomeExample(nct_id, phase, diseases, drugs, criteria, int(label or 0), "hint"))
