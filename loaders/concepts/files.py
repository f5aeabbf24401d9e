"""Input files shared by the vocabulary sources: finding them and reporting why they failed.

Every file-based vocabulary source (OBO, OWL, SSSOM, ATC, MeSH) takes files and folders from the user
and turns an unreadable file into a one-line ``Rejected`` reason. Doing that in one place keeps the rules
identical across sources: folders are walked recursively in sorted order and files of other formats lying
there are skipped (an ontology folder holds ``.obo``, ``.owl`` and ``.md`` side by side), a file named
explicitly with a suffix the source cannot read is rejected, so nothing the user asked for disappears
without a trace, and a path that does not exist stops the run. Opening a file, plain or gzipped, is
:func:`trialgraph.loaders.files.open_text` / ``open_binary``, shared with every other loader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from trialgraph.errors import SourceError
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.files import check_input, walk_files
from trialgraph.model.concept import Rejected

__all__ = ["Parser", "iter_inputs", "parse_paths", "require_existing"]

T = TypeVar("T")
Parser = Callable[[Path], Iterator[VocabularyItem]]


def _suffix_match(name: str, suffixes: Iterable[str]) -> str | None:
    lowered = name.lower()
    return next((suffix for suffix in sorted(suffixes, key=len, reverse=True) if lowered.endswith(suffix)), None)


def iter_inputs(paths: Iterable[Path], handlers: Mapping[str, T]) -> Iterator[tuple[Path, T] | Rejected]:
    """(file, handler) for each readable input under ``paths``, chosen by the longest matching suffix.

    Raises:
        SourceError: a path does not exist (a typo should stop the run, not load nothing).
    """
    for raw_path in paths:
        path = Path(raw_path)
        check_input(path)
        if path.is_dir():
            for child in walk_files(path, lambda file: _suffix_match(file.name, handlers) is not None):
                yield child, handlers[_suffix_match(child.name, handlers)]  # type: ignore[index]
            continue
        suffix = _suffix_match(path.name, handlers)
        if suffix is None:
            known = ", ".join(sorted(handlers))
            yield Rejected(str(path), f"unsupported file type {''.join(path.suffixes) or '(none)'} (expected {known})")
            continue
        yield path, handlers[suffix]


def require_existing(paths: Iterable[Path]) -> list[Path]:
    """``paths`` as a list, checked up front so that a typo fails when ``parse`` is called, not mid-load.

    Raises:
        SourceError: a path does not exist.
    """
    checked = [Path(path) for path in paths]
    for path in checked:
        if not path.exists():
            raise SourceError(f"no such file or folder: {path}")
    return checked


def parse_paths(paths: Iterable[Path], parsers: Mapping[str, Parser]) -> Iterator[VocabularyItem]:
    """Every record of every file under ``paths``, parsed by the parser its suffix selects.

    Raises:
        SourceError: a path does not exist (raised by this call, before any record is produced).
    """
    return _parse_all(require_existing(paths), parsers)


def _parse_all(paths: list[Path], parsers: Mapping[str, Parser]) -> Iterator[VocabularyItem]:
    for item in iter_inputs(paths, parsers):
        if isinstance(item, Rejected):
            yield item
            continue
        path, parser = item
        yield from parser(path)
