"""The ``ictrp`` loader: WHO ICTRP exports (full CSV, COVID-19 CSV, portal XML; plain or gzipped) → staged records.

Files are told apart by content (``sniff``), never by name, and handed to their parser through one
table; folders are walked in sorted order. A file that is not an ICTRP export becomes one quarantine
entry, so nothing given is silently skipped; only a path that does not exist stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.files import check_input, empty_file_entry, file_guarded, walk_files
from trialgraph.loaders.ictrp import covid_csv, csv_export, xml_export
from trialgraph.loaders.ictrp.sniff import sniff
from trialgraph.loaders.ictrp.tabular import Item
from trialgraph.loaders.registries.stage import stage_records
from trialgraph.model.rows import WRITE_ORDER
from trialgraph.model.staged import Quarantined, Staged

__all__ = ["PARSERS", "IctrpLoader", "iter_files", "parse_paths"]

PARSERS: dict[str, Callable[[Path], Iterator[Item]]] = {
    csv_export.SOURCE_FORMAT: csv_export.parse,
    covid_csv.SOURCE_FORMAT: covid_csv.parse,
    xml_export.SOURCE_FORMAT: xml_export.parse,
}


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and every file under the folders named (sorted); SourceError for a missing path."""
    for path in paths:
        path = Path(path)
        check_input(path)
        yield from walk_files(path) if path.is_dir() else (path,)


def _unknown(path: Path) -> Iterator[Item]:
    origin = str(path)
    yield (
        Quarantined(origin=origin, reason="not an ICTRP export (no ICTRP CSV header, 63-column row or XML root)"),
        origin,
    )


def parse_paths(paths: Iterable[Path]) -> Iterator[Item]:
    """(record or quarantine entry, origin) for every trial in every ICTRP file under ``paths``."""
    for path in iter_files(paths):
        if (empty := empty_file_entry(path)) is not None:  # blank: refused whole, not "not an ICTRP export"
            yield empty, empty.origin
            continue
        yield from file_guarded(path, _parse_file(path), lambda entry: (entry, entry.origin))


def _parse_file(path: Path) -> Iterator[Item]:
    kind = sniff(path)
    yield from PARSERS.get(kind or "", _unknown)(path)


@SOURCES.register("ictrp")
class IctrpLoader:
    """WHO ICTRP: full CSV export (with or without header), COVID-19 web CSV, portal XML; gz or not."""

    name = "ictrp"
    graph_writer = "records"
    detection = Detection(rank=20, rules=(has("<Trials_downloaded_from_ICTRP"),), fallback=(has("TrialID"),))
    source = "ictrp"
    write_order = WRITE_ORDER
    delete_statements = ("delete_record_facts", "delete_record_links")

    def read(self, paths: Iterable[Path], *, load_run: str) -> Iterator[Staged | Quarantined]:
        return stage_records(self.source, parse_paths(paths), load_run=load_run)
