"""Input files shared by the vocabulary sources: finding them and reporting why they failed.

Every file-based vocabulary source (OBO, OWL, SSSOM, ATC, MeSH) takes files and folders from the user; the
files are found by :func:`trialgraph.loaders.files.iter_inputs` (``in_folders="matching"``: files of other
formats in a folder are skipped, since an ontology folder holds ``.obo``, ``.owl`` and ``.md`` side by side;
a file named explicitly that the source cannot read is rejected; a path that does not exist stops the run).
Opening a file, plain or gzipped, is :func:`trialgraph.loaders.files.open_text` / ``open_binary``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.files import iter_inputs
from trialgraph.model.concept import Rejected

__all__ = ["Parser", "parse_paths", "require_existing"]

Parser = Callable[[Path], Iterator[VocabularyItem]]


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
    for item in iter_inputs(paths, parsers, in_folders="matching"):
        if isinstance(item, Rejected):
            yield item
            continue
        path, parser = item
        yield from parser(path)
