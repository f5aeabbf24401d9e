"""The ``euctr`` loader: EU CTR full-text downloads (``.txt``) and ctrdata JSON lines (``.jsonl``) -> staged records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from trialgraph.errors import ParseError, SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.euctr.ctrdata_json import iter_json_records
from trialgraph.loaders.euctr.mapping import to_record
from trialgraph.loaders.euctr.text import RECORD_START, iter_text_records
from trialgraph.loaders.files import check_input, empty_file_entry, file_guarded, or_no_records, walk_files
from trialgraph.loaders.registries.stage import stage_records
from trialgraph.model.rows import WRITE_ORDER
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import StudyRecord

__all__ = ["READERS", "EuctrLoader", "iter_records"]

Reader = Callable[[Path], Iterator[tuple[dict[str, Any] | Quarantined, str]]]

# File suffix -> (reader, source_format of the records it yields).
READERS: dict[str, tuple[Reader, str]] = {
    ".txt": (iter_text_records, "euctr-text"),
    ".jsonl": (iter_json_records, "euctr-json"),
    ".ndjson": (iter_json_records, "euctr-json"),
}

_EXPECTED = {"euctr-text": f"no '{RECORD_START}' line starting a record", "euctr-json": "no JSON line"}
"""Per source format, what a file without a record lacks (the ``no records`` reason)."""


def iter_records(paths: Iterable[Path]) -> Iterator[tuple[StudyRecord | Quarantined, str]]:
    """(record or rejection, origin) for every record in the given files and folders.

    Raises:
        SourceError: a path does not exist, or a file has a suffix no reader handles.
    """
    for path in paths:
        for file in _files(Path(path)):
            if (empty := empty_file_entry(file)) is not None:  # blank: refused whole, never 0 records in silence
                yield empty, empty.origin
                continue
            reader, source_format = READERS[file.suffix.lower()]
            parsed = ((_parse(fields, origin, source_format), origin) for fields, origin in reader(file))
            # a text download of only its preamble parses, but holds no record: refused whole (JSON lines with
            # content always hold one, a record or a rejected line)
            found = or_no_records(file, parsed, _EXPECTED[source_format], lambda entry: (entry, entry.origin))
            yield from file_guarded(file, found, lambda entry: (entry, entry.origin))


def _parse(fields: dict[str, Any] | Quarantined, origin: str, source_format: str) -> StudyRecord | Quarantined:
    if isinstance(fields, Quarantined):
        return fields
    try:
        return to_record(fields, source_format=source_format)
    except ParseError as exc:
        return Quarantined(origin=origin, reason=exc.reason, record_id=exc.record_id)
    except Exception as exc:  # a mapping bug must quarantine one record, not end the load
        return Quarantined(origin=origin, reason=f"parser failed: {type(exc).__name__}: {exc}")


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return walk_files(path, lambda p: p.suffix.lower() in READERS)
    check_input(path)
    if path.suffix.lower() not in READERS:
        raise SourceError(f"not an EU CTR file (expected {', '.join(READERS)}): {path}")
    return [path]


@SOURCES.register("euctr")
class EuctrLoader:
    """EU Clinical Trials Register: one record per trial and member state (``2021-002179-21-FR``)."""

    name = source = "euctr"
    graph_writer = "records"
    detection = Detection(rank=90, rules=(has('"a2_eudract_number"'), has("EudraCT Number:")))
    write_order = WRITE_ORDER
    delete_statements = ("delete_record_facts", "delete_record_links")

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]:
        return stage_records(self.source, iter_records(paths), load_run=load_run)
