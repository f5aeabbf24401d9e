"""What a vocabulary source yields: concept and mapping records, and rejections.

A vocabulary source (``mesh``, ``obo``, ``owl``, ``sssom``, ``atc``) is a ``trialgraph.loaders.base.Source``
with ``graph_writer = "concepts"``: it only parses, and the concept writer (``trialgraph.kg.concepts``)
puts its items in the graph, so a new vocabulary is one parser module plus a ``@SOURCES.register`` line.
"""

from __future__ import annotations

from trialgraph.model.concept import ConceptRecord, MappingRecord, Rejected

__all__ = ["VocabularyItem"]

VocabularyItem = ConceptRecord | MappingRecord | Rejected
