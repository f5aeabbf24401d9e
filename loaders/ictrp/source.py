"""Getting ICTRP bytes off disk: plain or gzipped files, decoded line by line, split into CSV rows.

WHO exports are large and of mixed encodings, so files are streamed and decoded one physical line at a
time: UTF-8 (a leading BOM dropped), and a line that is not valid UTF-8 is decoded as Latin-1 only to
keep the CSV structure in step; the row holding it is then *quarantined* with the line number, because
a guessed encoding would load silently wrong text. A row with more or fewer cells than the header is
quarantined too (a shifted row would put values under the wrong fields). Nothing here raises for bad
content; only an unreadable path raises ``SourceError``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from trialgraph.errors import SourceError
from trialgraph.loaders.files import open_binary

__all__ = ["CsvRow", "head_bytes", "iter_csv_rows", "open_bytes"]

_BOM = b"\xef\xbb\xbf"
_FIELD_LIMIT = 1 << 26  # WHO results fields run to megabytes; csv's default limit is 128 KiB


def open_bytes(path: Path) -> BinaryIO:
    """The file's bytes (:func:`~trialgraph.loaders.files.open_binary`); a file that cannot be opened is a
    one-line ``SourceError``, which is how every ICTRP reader reports it."""
    try:
        return open_binary(path)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror or e}") from None


def head_bytes(path: Path, size: int = 1 << 20) -> bytes:
    """The first ``size`` bytes of the (decompressed) content, BOM removed: enough to sniff a format."""
    with open_bytes(path) as handle:
        try:
            head = handle.read(size)
        except (OSError, EOFError) as e:
            raise SourceError(f"cannot read {path}: {e}") from None
    return head.removeprefix(_BOM)


@dataclass(slots=True)
class _Lines:
    """Physical lines decoded one by one; remembers which ones were not UTF-8, and when they ran out.

    ``exhausted`` is set when csv asks for a line after the last one: it asks only to finish a row whose
    quoted field is still open, so a row returned after that was cut inside a quoted field by the end of the
    file (csv, not strict, returns it as if the quote had closed, its field short).
    """

    handle: BinaryIO
    latin1: list[int] = field(default_factory=list)
    exhausted: bool = False

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.handle, start=1):
            if number == 1:
                raw = raw.removeprefix(_BOM)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.latin1.append(number)
                yield raw.decode("latin-1")
        self.exhausted = True


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One CSV record: its cells, the physical lines it spans, and why it cannot be used (None if it can)."""

    cells: tuple[str, ...]
    line: int  # first physical line
    problem: str | None = None
    cut: bool = False  # reading stopped here (a cut or damaged stream): the rows after it were never read


def _problem(latin1: list[int], first: int, last: int) -> str | None:
    bad = [n for n in latin1 if first <= n <= last]
    return f"line {bad[0]} is not valid UTF-8 (mixed encodings: the row is not loaded)" if bad else None


def iter_csv_rows(path: Path) -> Iterator[CsvRow]:
    """Every CSV record of ``path`` (header included), each flagged when its bytes or syntax are bad."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    with open_bytes(path) as handle:
        lines = _Lines(handle)
        reader = csv.reader(iter(lines), strict=False)
        last = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield CsvRow((), last + 1, f"CSV syntax error: {e}")
                last = reader.line_num
                continue
            except (OSError, EOFError) as e:
                yield CsvRow((), last + 1, f"file ends early or is damaged: {e}", cut=True)
                return
            first, last = last + 1, reader.line_num
            if not cells:
                continue
            if lines.exhausted:  # the file ended inside this row's quoted field: its rest was never read
                yield CsvRow(tuple(cells), first, "row cut at end of file (inside a quoted field)", cut=True)
                return
            yield CsvRow(tuple(cells), first, _problem(lines.latin1, first, last))
