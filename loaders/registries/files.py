"""Input walking shared by the registry-export loaders: paths → (record or rejection, origin) pairs.

A loader names its file kinds once, as a suffix → parser table; this module expands folders (sorted, so
runs are reproducible), skips the notes that lie beside exports, rejects unknown files with a reason
(nothing disappears silently) and stops the run on a path that does not exist (a typo must not load
nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from trialgraph.errors import ParseError
from trialgraph.loaders.files import UNREADABLE_FILE_ERRORS, input_files, one_line
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import StudyRecord

__all__ = ["FileParser", "Parsed", "guarded", "iter_inputs", "one_line"]

Parsed = tuple[StudyRecord | Quarantined, str]
"""A parsed record (or the reason an input was not one) and where it came from."""

FileParser = Callable[[Path], Iterator[Parsed]]


def guarded(parse: Callable[[], StudyRecord], origin: str) -> StudyRecord | Quarantined:
    """Run one record's mapping; its ParseError (or, a mapping bug, any error) quarantines that record only."""
    try:
        return parse()
    except ParseError as exc:
        return Quarantined(origin=origin, reason=exc.reason, record_id=exc.record_id)
    except Exception as exc:
        return Quarantined(origin=origin, reason=f"parser failed: {type(exc).__name__}: {one_line(exc)}")


def iter_inputs(paths: Iterable[Path], parsers: Mapping[str, FileParser]) -> Iterator[Parsed]:
    """Every record of every file under ``paths``, parsed by the parser its suffix names.

    Raises:
        SourceError: a path does not exist.
    """
    for file in input_files(paths):
        yield from _parse_file(file, parsers)


def _parse_file(path: Path, parsers: Mapping[str, FileParser]) -> Iterator[Parsed]:
    name = path.name.lower()
    suffix = next((s for s in sorted(parsers, key=len, reverse=True) if name.endswith(s)), None)
    if suffix is None:
        shown = "".join(path.suffixes) or "(no extension)"
        reason = f"unsupported file type {shown}; expected one of {', '.join(sorted(parsers))}"
        yield Quarantined(origin=str(path), reason=reason), str(path)
        return
    if path.stat().st_size == 0:
        yield Quarantined(origin=str(path), reason="empty file"), str(path)
        return
    try:
        yield from parsers[suffix](path)
    except UNREADABLE_FILE_ERRORS as exc:
        reason = f"cannot read file: {one_line(exc)}"
        yield Quarantined(origin=str(path), reason=reason, whole_file=True), str(path)
