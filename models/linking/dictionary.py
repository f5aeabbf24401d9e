"""The exact-match linker: a mention is a concept when its normalised text is that concept's name or synonym.

This is the baseline every learned linker must beat, and it is deterministic, so its links carry a
score of 1.0 and say which of the concept's strings matched. Text is compared after
:func:`~trialgraph.model.keys.normalise_key` (case, punctuation and spacing ignored), the rule that
already makes ``Condition.key``, so "Diabetes Mellitus, Type 2" and "diabetes mellitus type 2" meet, and then
respelled the American way (:mod:`~trialgraph.models.linking.spelling`) on both sides, so "Oedema" meets "Edema".

Per vocabulary, a preferred name wins over synonyms; a string that is the preferred name of two
concepts, or (with no preferred-name match) a synonym of two, is ambiguous and not linked, because
choosing one would be a guess. Different vocabularies are linked independently: a condition may be
both ``MESH:D003924`` and ``MONDO:0005148``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from trialgraph.model.keys import normalise_key
from trialgraph.models.linking.spelling import RULES_VERSION, american

__all__ = ["METHOD_VERSION", "SOURCE", "ConceptNames", "DictionaryLinker", "Link"]

SOURCE: Final = "trialgraph-exact"
# bump when the matching rule changes (the spelling rules are part of it); old links are then replaced
METHOD_VERSION: Final = f"exact-name-2+{RULES_VERSION}"


def _key(text: str) -> str:
    """The compared form of a name or mention: ``normalise_key`` (case-folded), then American spelling."""
    return american(normalise_key(text))


@dataclass(frozen=True, slots=True)
class ConceptNames:
    """The strings a concept is known by, as the graph holds them."""

    curie: str
    vocabulary: str
    name: str | None
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """One mention → concept decision of this linker."""

    key: str  # the mention's normalised text
    curie: str
    matched_on: str  # "name" or "synonym"
    score: float = 1.0


class DictionaryLinker:
    """An index of normalised concept strings, per vocabulary, built once and asked per distinct mention."""

    def __init__(self, concepts: Iterable[ConceptNames]) -> None:
        # key → vocabulary → (curies with this preferred name, curies with this synonym)
        self._index: dict[str, dict[str, tuple[set[str], set[str]]]] = defaultdict(dict)
        for concept in concepts:
            if concept.name:
                self._entry(_key(concept.name), concept.vocabulary)[0].add(concept.curie)
            for synonym in concept.synonyms:
                self._entry(_key(synonym), concept.vocabulary)[1].add(concept.curie)

    def _entry(self, key: str, vocabulary: str) -> tuple[set[str], set[str]]:
        return self._index[key].setdefault(vocabulary, (set(), set()))

    def __len__(self) -> int:
        return len(self._index)

    def link(self, text: str) -> list[Link]:
        """The concepts ``text`` names exactly, at most one per vocabulary, in vocabulary order."""
        key = _key(text)
        links = []
        for _vocabulary, (named, synonymous) in sorted(self._index.get(key, {}).items()):
            if len(named) == 1:
                links.append(Link(key, next(iter(named)), "name"))
            elif not named and len(synonymous) == 1:
                links.append(Link(key, next(iter(synonymous)), "synonym"))
        return links
