"""The ``pubmed`` source: PubMed/MEDLINE XML → publication records, deletions, and the trial links they state."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from trialgraph.loaders.base import SOURCES
from trialgraph.loaders.detect import Detection, has
from trialgraph.loaders.pubmed.parse import iter_pubmed
from trialgraph.model.publication import PublicationRecord
from trialgraph.model.publication_link import PublicationItem
from trialgraph.model.trial_ids import links_from_publication

__all__ = ["PubmedSource"]


@SOURCES.register("pubmed")
class PubmedSource:
    """Each citation is followed by its trial links (DataBank accessions, registry ids in title and abstract)."""

    name = "pubmed"
    graph_writer = "publications"
    detection = Detection(rank=10, rules=(has("<PubmedArticleSet"), has("<MedlineCitationSet")))

    def read(self, paths: Iterable[Path], *, load_run: str = "") -> Iterator[PublicationItem]:
        for item in iter_pubmed(paths):
            yield item
            if isinstance(item, PublicationRecord):
                yield from links_from_publication(item)
