"""The protocol of a vocabulary source and the registry that finds one by name (``trialgraph load mesh``).

A vocabulary source only parses: files → concept and mapping records (and rejections). The concept
writer (``trialgraph.kg.concepts``) puts them in the graph, so a new vocabulary is one parser module
plus a ``@VOCABULARIES.register`` line, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from trialgraph.loaders.base import Registry
from trialgraph.model.concept import ConceptRecord, MappingRecord, Rejected

__all__ = ["VOCABULARIES", "VocabularyItem", "VocabularySource"]

VocabularyItem = ConceptRecord | MappingRecord | Rejected


class VocabularySource(Protocol):
    """A vocabulary format: ``parse`` streams records from files, never holding a whole file in memory."""

    name: str  # the CLI name: "mesh", "obo", "owl", "sssom", "atc"

    def parse(self, paths: Iterable[Path]) -> Iterator[VocabularyItem]: ...


VOCABULARIES: Registry[VocabularySource] = Registry("vocabulary source")
