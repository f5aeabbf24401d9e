"""The ``crossreg`` source: curated cross-registration tables (IntoValue) as same-trial pairs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import Registry
from trialgraph.loaders.concepts.files import iter_inputs
from trialgraph.loaders.crossreg.parse import CuratedPair, parse_pairs
from trialgraph.model.staged import Quarantined

__all__ = ["PAIR_SOURCES", "CrossregSource"]

PAIR_SOURCES: Registry[CrossregSource] = Registry("cross-registration source")


@PAIR_SOURCES.register("crossreg")
class CrossregSource:
    name = "crossreg"

    def parse(self, paths: Iterable[Path]) -> Iterator[CuratedPair | Quarantined]:
        for item in iter_inputs(paths, {".csv": parse_pairs, ".csv.gz": parse_pairs}):
            if isinstance(item, Quarantined):
                yield item
            else:
                path, parse = item
                yield from parse(path)
