"""The ``crossreg`` source: curated cross-registration tables (IntoValue) as same-trial pairs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.crossreg.parse import CuratedPair, parse_pairs
from trialgraph.loaders.detect import Detection, header_starts
from trialgraph.loaders.files import iter_inputs
from trialgraph.model.staged import Quarantined

__all__ = ["CrossregSource"]


@SOURCES.register("crossreg")
class CrossregSource:
    name = "crossreg"
    graph_writer = "pairs"
    detection = Detection(
        rank=140,
        rules=(
            header_starts("id", "crossreg_registry", "crossreg_trn"),
            header_starts("id", "pmid", "doi", "crossreg_trn"),
            header_starts("trn1", "trn2"),
        ),
    )

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[CuratedPair | Quarantined]:
        for item in iter_inputs(paths, {".csv": parse_pairs, ".csv.gz": parse_pairs}, in_folders="matching"):
            if isinstance(item, Quarantined):
                yield item
            else:
                path, parse = item
                yield from parse(path)
