"""The ``isrctn`` loader: ISRCTN records (ctrdata JSON/JSONL, ISRCTN API XML; files or folders) → staged records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.isrctn import api_xml, json_records
from trialgraph.loaders.registries.files import FileParser, Parsed, parse_inputs
from trialgraph.loaders.registries.stage import stage_records
from trialgraph.model import rows
from trialgraph.model.staged import Quarantined, Staged

__all__ = ["PARSERS", "IsrctnLoader", "iter_isrctn"]

PARSERS: Mapping[str, FileParser] = {
    ".jsonl": json_records.iter_jsonl_file,
    ".ndjson": json_records.iter_jsonl_file,
    ".json": json_records.iter_json_file,
    ".xml": api_xml.iter_api_xml_file,
}
"""File kind (suffix) → parser."""


def iter_isrctn(paths: Iterable[Path]) -> Iterator[Parsed]:
    """(record or rejection, origin) for every ISRCTN record under ``paths``. Raises SourceError for a missing path."""
    return parse_inputs(paths, PARSERS)


@SOURCES.register("isrctn")
class IsrctnLoader:
    """ISRCTN: ctrdata's JSON of the API XML (JSONL or JSON) and the API XML itself."""

    name = source = "isrctn"
    graph_writer = "records"
    detection = Detection(rank=40, rules=(has("67bricks.com/isrctn"), has('{"isrctn"')))
    write_order = rows.WRITE_ORDER
    delete_statements = ("delete_record_facts", "delete_record_links")

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]:
        return stage_records(self.source, iter_isrctn(paths), load_run=load_run)
