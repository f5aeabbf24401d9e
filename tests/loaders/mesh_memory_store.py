"""The MeSH RDF reader's facts kept in plain dicts: the straightforward in-memory reading that tests compare with.

It states the fact semantics in the most direct way (a list per multi-valued fact, ``setdefault`` for the
first statement, assignment for the last), so a record built from it is what the reader gave before its
facts moved to disk; the on-disk ``SpillStore`` must give the same records, fact for fact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from trialgraph.loaders.mesh.spill import FactValue


class MemoryStore:
    """Every fact in memory until the end: fine for samples, what the reader must not do for all of MeSH."""

    def __init__(self) -> None:
        self.values: defaultdict[tuple[str, int], list[FactValue]] = defaultdict(list)
        self.singles: dict[tuple[str, int], FactValue] = {}

    def add(self, kind: int, subject: str, value: FactValue) -> None:
        self.values[(subject, kind)].append(value)

    def first(self, kind: int, subject: str, value: FactValue) -> None:
        self.singles.setdefault((subject, kind), value)

    def last(self, kind: int, subject: str, value: FactValue) -> None:
        self.singles[(subject, kind)] = value

    def spill(self) -> None:
        """Nothing to write out: everything stays here."""

    def subjects(self, kinds: Collection[int], page: int) -> Iterator[list[str]]:
        listed = sorted({subject for subject, kind in self.singles if kind in kinds})
        for start in range(0, len(listed), page):
            yield listed[start : start + page]

    def multi(self, subjects: Collection[str], kinds: Collection[int]) -> dict[tuple[str, int], list[FactValue]]:
        return {(s, k): self.values[(s, k)] for s in subjects for k in kinds if (s, k) in self.values}

    def single(self, subjects: Collection[str], kinds: Collection[int]) -> dict[tuple[str, int], FactValue]:
        return {(s, k): self.singles[(s, k)] for s in subjects for k in kinds if (s, k) in self.singles}

    def holders(self, kind: int, values: Collection[FactValue]) -> list[tuple[FactValue, str]]:
        wanted = set(values)
        return [
            (value, subject)
            for (subject, fact_kind), stated in self.values.items()
            if fact_kind == kind
            for value in stated
            if value in wanted
        ]


@contextmanager
def memory_store(reverse_kinds: Collection[int] = ()) -> Iterator[MemoryStore]:
    """Same shape as ``spill_store``; reverse lookups need no index here."""
    yield MemoryStore()
