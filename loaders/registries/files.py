"""Registry exports' inputs: paths → (record or rejection, origin) pairs.

A loader names its file kinds once, as a suffix → parser table; :func:`trialgraph.loaders.files.iter_inputs`
finds the files (folders sorted, notes beside exports skipped, unknown or empty files quarantined with a
reason, a missing path stopping the run) and this module runs each file's parser, turning a file that cannot
be read at all into one whole-file quarantine entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from trialgraph.errors import ParseError
from trialgraph.loaders.files import UNREADABLE_FILE_ERRORS, iter_inputs, one_line
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import StudyRecord

__all__ = ["FileParser", "Parsed", "guarded", "one_line", "parse_inputs"]

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


def parse_inputs(paths: Iterable[Path], parsers: Mapping[str, FileParser]) -> Iterator[Parsed]:
    """Every record of every file under ``paths``, parsed by the parser its suffix names.

    Raises:
        SourceError: a path does not exist.
    """
    for item in iter_inputs(paths, parsers, in_folders="data"):
        if isinstance(item, Quarantined):
            yield item, item.origin
            continue
        path, parse = item
        try:
            yield from parse(path)
        except UNREADABLE_FILE_ERRORS as exc:
            reason = f"cannot read file: {one_line(exc)}"
            yield Quarantined(origin=str(path), reason=reason, whole_file=True), str(path)
