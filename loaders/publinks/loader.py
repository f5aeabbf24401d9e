"""The ``intovalue`` source: IntoValue's curated trial → publication table as trial–publication links."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.detect import Detection, header_starts
from trialgraph.loaders.files import empty_file_entry
from trialgraph.loaders.publinks.intovalue import iter_intovalue_links
from trialgraph.model.publication_link import PublicationItem

__all__ = ["IntovalueSource"]


@SOURCES.register("intovalue")
class IntovalueSource:
    name = "intovalue"
    graph_writer = "publications"
    detection = Detection(rank=130, rules=(header_starts("id", "registry", "is_resolved"),))

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[PublicationItem]:
        for path in paths:
            if not Path(path).is_file():
                raise SourceError(f"IntoValue takes its trials.csv[.gz] file, not {path}")
            if (empty := empty_file_entry(Path(path))) is not None:  # blank: refused whole, not "missing columns"
                yield empty
                continue
            yield from iter_intovalue_links(Path(path))
