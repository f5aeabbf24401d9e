"""The ``anzctr`` loader: ANZCTR XML exports (one trial per file, or wrapped; files or folders) → staged records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from trialgraph.loaders.anzctr.xml import iter_anzctr_xml_file
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.registries.files import FileParser, Parsed, parse_inputs
from trialgraph.loaders.registries.stage import stage_records
from trialgraph.model import rows
from trialgraph.model.staged import Quarantined, Staged

__all__ = ["PARSERS", "AnzctrLoader", "iter_anzctr"]

PARSERS: Mapping[str, FileParser] = {".xml": iter_anzctr_xml_file}
"""File kind (suffix) → parser."""


def iter_anzctr(paths: Iterable[Path]) -> Iterator[Parsed]:
    """(record or rejection, origin) for every ANZCTR trial under ``paths``. Raises SourceError for a missing path."""
    return parse_inputs(paths, PARSERS)


@SOURCES.register("anzctr")
class AnzctrLoader:
    """ANZCTR: the registry's XML export."""

    name = source = "anzctr"
    graph_writer = "records"
    detection = Detection(rank=30, rules=(has("<ANZCTR_Trial"),))
    write_order = rows.WRITE_ORDER
    delete_statements = ("delete_record_facts", "delete_record_links")

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]:
        return stage_records(self.source, iter_anzctr(paths), load_run=load_run)
