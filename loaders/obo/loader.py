"""The ``obo`` and ``owl`` vocabulary sources.

Each source maps file suffixes to a parser in a dict: a new serialisation is one more entry. Walking
files and folders is :func:`trialgraph.loaders.concepts.files.parse_paths`, shared with other sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.files import Parser, parse_paths
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.files import or_no_records
from trialgraph.loaders.obo.obo import parse_obo
from trialgraph.loaders.obo.owl import parse_owl

__all__ = ["OboSource", "OwlSource"]


def _obo(path: Path) -> Iterator[VocabularyItem]:
    """:func:`parse_obo`; a file with a header and no ``[Term]`` stanza is refused whole, never 0 records in silence."""
    return or_no_records(path, parse_obo(path), "no [Term] stanza")


def _owl(path: Path) -> Iterator[VocabularyItem]:
    """:func:`parse_owl`; an ontology that parses but declares no class is refused whole."""
    return or_no_records(path, parse_owl(path), "no owl:Class")


_OBO_PARSERS: dict[str, Parser] = {".obo": _obo, ".obo.gz": _obo}
_OWL_PARSERS: dict[str, Parser] = {".owl": _owl, ".owl.gz": _owl, ".rdf": _owl, ".owx": _owl}


@SOURCES.register("obo")
class OboSource:
    """OBO flat files (HPO, DOID, MONDO): ``.obo`` and ``.obo.gz``."""

    name = "obo"
    graph_writer = "concepts"
    detection = Detection(rank=100, rules=(has("[Term]"),))

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[VocabularyItem]:
        return parse_paths(paths, _OBO_PARSERS)


@SOURCES.register("owl")
class OwlSource:
    """OWL ontologies in RDF/XML or OWL/XML (``.owl``, ``.owl.gz``, ``.rdf``, ``.owx``), read with owlready2."""

    name = "owl"
    graph_writer = "concepts"
    detection = Detection(rank=70, rules=(has("<owl:Ontology"),))

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[VocabularyItem]:
        return parse_paths(paths, _OWL_PARSERS)
