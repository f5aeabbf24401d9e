"""The ``obo`` and ``owl`` vocabulary sources, and the path walking every ontology-style source shares.

Each source maps file suffixes to a parser in a dict: a new serialisation is one more entry. Folders
are walked recursively in sorted order and files of other formats lying there are skipped (an
ontology folder holds ``.obo``, ``.owl`` and ``.md`` side by side); a file named explicitly with a
suffix the source cannot read is rejected, so nothing the user asked for disappears without a trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from trialgraph.errors import SourceError
from trialgraph.loaders.concepts.record import Rejected
from trialgraph.loaders.concepts.source import VOCABULARIES, VocabularyItem
from trialgraph.loaders.obo.obo import parse_obo
from trialgraph.loaders.obo.owl import parse_owl

__all__ = ["OboSource", "OwlSource", "Parser", "iter_inputs", "parse_paths", "require_existing"]

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
        if not path.exists():
            raise SourceError(f"no such file or folder: {path}")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                suffix = _suffix_match(child.name, handlers)
                if child.is_file() and not hidden and suffix is not None:
                    yield child, handlers[suffix]
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


_OBO_PARSERS: dict[str, Parser] = {".obo": parse_obo, ".obo.gz": parse_obo}
_OWL_PARSERS: dict[str, Parser] = {".owl": parse_owl, ".owl.gz": parse_owl, ".rdf": parse_owl, ".owx": parse_owl}


@VOCABULARIES.register("obo")
class OboSource:
    """OBO flat files (HPO, DOID, MONDO): ``.obo`` and ``.obo.gz``."""

    name = "obo"

    def parse(self, paths: Iterable[Path]) -> Iterator[VocabularyItem]:
        return parse_paths(paths, _OBO_PARSERS)


@VOCABULARIES.register("owl")
class OwlSource:
    """OWL ontologies in RDF/XML or OWL/XML (``.owl``, ``.owl.gz``, ``.rdf``, ``.owx``), read with owlready2."""

    name = "owl"

    def parse(self, paths: Iterable[Path]) -> Iterator[VocabularyItem]:
        return parse_paths(paths, _OWL_PARSERS)
