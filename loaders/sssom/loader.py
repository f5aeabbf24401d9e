"""The ``sssom`` vocabulary source: SSSOM mapping tables (``.sssom.tsv``, ``.sssom.tsv.gz``) → MappingRecords."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.concepts.files import Parser, parse_paths
from trialgraph.loaders.concepts.source import VocabularyItem
from trialgraph.loaders.detect import Detection, named
from trialgraph.loaders.sssom.parse import parse_sssom

__all__ = ["SssomSource"]

_PARSERS: dict[str, Parser] = {".sssom.tsv": parse_sssom, ".sssom.tsv.gz": parse_sssom}


@SOURCES.register("sssom")
class SssomSource:
    """SSSOM mapping sets; the ``#`` YAML header names the set each row belongs to."""

    name = "sssom"
    graph_writer = "concepts"
    detection = Detection(rank=110, rules=(named(".sssom.tsv", ".sssom.tsv.gz"),))

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[VocabularyItem]:
        return parse_paths(paths, _PARSERS)
