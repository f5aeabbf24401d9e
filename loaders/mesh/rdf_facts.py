"""The facts the MeSH RDF reader keeps between reading a file and building its records, and where it keeps them.

Each fact is ``(subject, kind, value)``; the kind names what the triple said and how repeated statements
combine (every value kept, the first kept, or the last kept), which is exactly what the reader's old
in-memory dicts and sets did. Any store with the ``FactStore`` methods will do: the reader uses the on-disk
``SpillStore`` so that its memory does not grow with the file; the tests use dicts to check that both agree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Final, Protocol

from trialgraph.loaders.mesh.spill import FactValue

__all__ = [
    "MULTI_KINDS",
    "RELATION_KINDS",
    "REVERSE_KINDS",
    "SPILL_EVERY",
    "Fact",
    "FactStore",
    "FactStoreFactory",
]


class Fact:
    """Fact kinds (small integers, stored on disk). Comments say how repeated statements combine."""

    # every value kept (add)
    CONCEPT: Final = 1  # record → concept (preferred or not)
    TERM: Final = 2  # record / concept → term; 2014: term → TermData node
    TERM_STRING: Final = 3  # term → prefLabel / altLabel
    TREE: Final = 4  # record → tree number
    BROADER: Final = 5  # record → broader descriptor / qualifier
    MAPPED_DATA: Final = 6  # 2014: SCR → mappedData blank node
    PHARMACOLOGICAL_ACTION: Final = 7
    ALLOWABLE_QUALIFIER: Final = 8
    PREFERRED_MAPPED_TO: Final = 9
    MAPPED_TO: Final = 10
    BLOCK: Final = 11  # plain files only: subject → first line of each run of its triples (one run: grouped)
    # the first statement wins (first)
    LABEL: Final = 20  # English or untagged rdfs:label
    FOREIGN_LABEL: Final = 21  # any other language: stands in only where no English label exists
    SCOPE_NOTE: Final = 22
    YEAR: Final = 23  # the year in a record-like subject's URI
    KIND_LINE: Final = 24  # line of a record's first rdf:type of a record class: marks it typed
    SPECIFIC_KIND: Final = 25  # TopicalDescriptor, SCR_Chemical, Qualifier...: the first one is the kind
    MAPPED_LINE: Final = 26  # line of a subject's first SCR mapping: an untyped subject with one is a record too
    PREFERRED_FLAG: Final = 27  # 2014: concept with isPreferredConcept "Y"
    STARRED: Final = 28  # 2014: mappedData node with isDescriptorStarred "Y"
    FIRST_BLOCK: Final = 29  # plain files only: line of a subject's first triple (lists every subject)
    # the last statement wins (last)
    GENERIC_KIND: Final = 40  # 2014 mesh:Descriptor / SupplementaryConceptRecord: the kind unless a specific one
    CLASS_CODE: Final = 41  # 2014 descriptorClass / SCRClass code
    PREFERRED_CONCEPT: Final = 42
    MAPPED_TARGET: Final = 43  # 2014: mappedData node → descriptor (or pair)


RELATION_KINDS: Final[Mapping[int, str]] = {
    Fact.PHARMACOLOGICAL_ACTION: "pharmacologicalAction",
    Fact.ALLOWABLE_QUALIFIER: "allowableQualifier",
    Fact.PREFERRED_MAPPED_TO: "preferredMappedTo",
    Fact.MAPPED_TO: "mappedTo",
}
MULTI_KINDS: Final = (Fact.CONCEPT, Fact.TERM, Fact.TREE, Fact.BROADER, Fact.MAPPED_DATA, *RELATION_KINDS)
REVERSE_KINDS: Final = (Fact.TREE,)  # tree number → records: parents of 2014 records without broaderDescriptor
SPILL_EVERY: Final = 4_096  # lines between two ``spill`` calls: each line states at most two facts


class FactStore(Protocol):
    """Write facts while reading; read them back by pages of subjects once the file is read."""

    def add(self, kind: int, subject: str, value: FactValue) -> None: ...

    def first(self, kind: int, subject: str, value: FactValue) -> None: ...

    def last(self, kind: int, subject: str, value: FactValue) -> None: ...

    def spill(self) -> None:
        """Called every ``SPILL_EVERY`` lines: a store that buffers writes them out here once it has a batch."""

    def subjects(self, kinds: Collection[int], page: int) -> Iterator[list[str]]: ...

    def multi(self, subjects: Collection[str], kinds: Collection[int]) -> Mapping[tuple[str, int], list[FactValue]]: ...

    def single(self, subjects: Collection[str], kinds: Collection[int]) -> Mapping[tuple[str, int], FactValue]: ...

    def holders(self, kind: int, values: Collection[FactValue]) -> list[tuple[FactValue, str]]: ...


class FactStoreFactory(Protocol):
    """Opens a fresh store for one file and disposes of it afterwards."""

    def __call__(self, reverse_kinds: Collection[int]) -> AbstractContextManager[FactStore]: ...
