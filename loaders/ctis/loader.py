"""The ``ctis`` loader: CTIS trial JSON lines (either public-API generation) -> staged records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.ctis.parse import iter_ctis
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.files import check_input, empty_file_entry, walk_files
from trialgraph.loaders.registries.stage import stage_records
from trialgraph.model.rows import WRITE_ORDER
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord

__all__ = ["READERS", "CtisLoader", "iter_records"]

Reader = Callable[[Path], Iterator[tuple[StudyRecord | Quarantined, str]]]

# File suffix -> reader. One trial per line, as ctrdata and the CTIS API export them.
READERS: dict[str, Reader] = {".jsonl": iter_ctis, ".ndjson": iter_ctis}


def iter_records(paths: Iterable[Path]) -> Iterator[tuple[StudyRecord | Quarantined, str]]:
    """(record or rejection, origin) for every trial in the given files and folders.

    Raises:
        SourceError: a path does not exist, or a file has a suffix no reader handles.
    """
    for path in paths:
        for file in _files(Path(path)):
            if (empty := empty_file_entry(file)) is not None:  # blank: refused whole, never 0 records in silence
                yield empty, empty.origin
                continue
            yield from READERS[file.suffix.lower()](file)


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return walk_files(path, lambda p: p.suffix.lower() in READERS)
    check_input(path)
    if path.suffix.lower() not in READERS:
        raise SourceError(f"not a CTIS file (expected {', '.join(READERS)}): {path}")
    return [path]


@SOURCES.register("ctis")
class CtisLoader:
    """EU Clinical Trials Information System: one record per trial (``2023-505613-24-00``)."""

    name = source = "ctis"
    graph_writer = "records"
    detection = Detection(rank=80, rules=(has('"ctNumber"'),))
    write_order = WRITE_ORDER
    delete_statements = ("delete_record_facts", "delete_record_links")

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]:
        return stage_records(self.source, iter_records(paths), load_run=load_run)
