"""The protocol of a publication source and the registry that finds one by name (``trialgraph load pubmed``).

Publication sources parse only: files → publication records, deletion notices, trial–publication links
(and rejections). The publication writer (``trialgraph.kg.publications``) puts them in the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from trialgraph.loaders.base import Registry
from trialgraph.model.concept import Rejected
from trialgraph.model.publication import DeletedCitation, PublicationRecord
from trialgraph.model.publication_link import TrialPublicationLink

__all__ = ["PUBLICATION_SOURCES", "PublicationItem", "PublicationSource"]

PublicationItem = PublicationRecord | DeletedCitation | TrialPublicationLink | Rejected


class PublicationSource(Protocol):
    name: str  # the CLI name: "pubmed", "intovalue"

    def parse(self, paths: Iterable[Path]) -> Iterator[PublicationItem]: ...


PUBLICATION_SOURCES: Registry[PublicationSource] = Registry("publication source")
