"""The ``synthetic`` source: batches written by ``trialgraph synth trials``, loaded as ``SyntheticTrial`` nodes.

Never named by detection (``trialgraph load FILE`` does not guess it): a user asks for synthetic data by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.files import iter_inputs
from trialgraph.loaders.synthetic.parse import SOURCE, SyntheticTrialItem, parse_batch
from trialgraph.model.staged import Quarantined

__all__ = ["SyntheticSource"]


@SOURCES.register(SOURCE)
class SyntheticSource:
    name = SOURCE
    graph_writer = "synthetic-trials"
    detection = None

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[SyntheticTrialItem | Quarantined]:
        for item in iter_inputs(paths, {".jsonl": parse_batch}, in_folders="matching"):
            if isinstance(item, Quarantined):
                yield item
            else:
                path, parse = item
                yield from parse(path)
