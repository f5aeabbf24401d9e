"""Condition strings that name more than one heading: the headings named by runs of their words (issue 20).

NLM indexes a CT.gov condition string with every MeSH heading its words name, not only the one heading for the
whole string: "Non-Hodgkin's Lymphoma" gets Lymphoma, Non-Hodgkin *and* Lymphoma; "Diabetic Macular Edema" gets
Macular Edema and Edema; "Cytomegalovirus Retinitis" gets Retinitis. A linker that gives one concept per string
misses those, and they were the largest class of its misses against NLM (recall 0.62 on the legacy XML subset).

Rule ``nested-heading-1``: besides the whole string's decision (any linker with ``link_many`` and the ``kb`` its
links name), each contiguous run of the string's words, shorter than the whole, that is exactly a concept's
**preferred name** (compared as the index compares names: lower case, American spelling, spaces collapsed) links
that concept too, if its type is allowed. Entry terms are not used for the runs. The rule was chosen on the legacy
XML subset of the shared CT.gov data (3,240 studies, the development split) among four variants: every exact alias
(entry terms made "cancer" a Neoplasms and "infection" an Infections link in hundreds of studies where NLM gives
neither), preferred names only, only concepts that are not ancestors of the whole string's, and both; the API v2
records (1,164 studies) were held out and scored once. Where several allowed concepts share a preferred name, the
first by id is taken, the TF-IDF linker's own tie-break (so in an index of several vocabularies a name that DOID and
MeSH share goes to DOID; the figures against NLM are over MeSH alone). The whole string's decision keeps its place
and score; a run's link says ``matched_on="nested"`` and keeps the run's text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any, Final

from trialgraph.models.linking.dictionary import Link
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.linking.spelling import american

__all__ = ["MAX_RUN_WORDS", "METHOD_VERSION", "NestedHeadingLinker", "with_nested_headings", "word_runs"]

METHOD_VERSION: Final = "nested-heading-1"
# Runs are at most this many words: the bound keeps a text's runs linear in its length (a paragraph pasted into a
# condition field costs no more than a list). Disease and phenomenon names are far shorter; a longer name (MeSH has
# drug-combination records of 19 words) is never read from a run, only from the whole string.
MAX_RUN_WORDS: Final = 12
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    """A name as the index compares it (lower case, American spelling), spaces collapsed and apostrophes one kind."""
    return american(_SPACES.sub(" ", text.strip().lower()).replace("’", "'"))


def word_runs(text: str, max_words: int = MAX_RUN_WORDS) -> Iterator[str]:
    """Each contiguous run of ``text``'s words shorter than the whole text (and at most ``max_words`` long), as
    written between its first and last word (so "Lymphoma, Non-Hodgkin" keeps its comma), left to right."""
    text = unicodedata.normalize("NFC", text)  # a decomposed accent would otherwise split its word in two
    words = [m.span() for m in _WORD.finditer(text)]
    for first in range(len(words)):
        for last in range(first, min(first + max_words, len(words))):
            if last - first + 1 < len(words):
                yield text[words[first][0] : words[last][1]]


class NestedHeadingLinker:
    """The whole string's decision by ``whole`` (TF-IDF, with abbreviations or a re-ranker), plus the concepts
    whose preferred name is a shorter run of the string's words (see the module docstring)."""

    def __init__(self, whole: Any, *, excluded: frozenset[str] = frozenset()) -> None:
        # a linker with link_many(texts, allowed_types) -> one Link | None per text, and the kb its links name
        self.whole = whole
        self._kb = whole.kb  # scispaCy KnowledgeBase of the index: canonical names and types
        # concepts a run never links (the generic stop list): left out before a tie is broken, so a stop-listed
        # concept cannot take a name from an allowed one that shares it
        self._excluded = excluded
        self._by_name: dict[str, list[str]] | None = None

    @property
    def method_version(self) -> str:
        return f"{self.whole.method_version}+{METHOD_VERSION}"

    def _headings(self) -> dict[str, list[str]]:
        """Preferred name key → its concepts by id (built on first use: one pass over the knowledge base)."""
        if self._by_name is None:
            by_name: dict[str, list[str]] = {}
            for curie in sorted(set(self._kb.cui_to_entity) - self._excluded):
                by_name.setdefault(_key(self._kb.cui_to_entity[curie].canonical_name), []).append(curie)
            self._by_name = by_name
        return self._by_name

    def _allowed(self, curie: str, allowed_types: frozenset[str] | None) -> bool:
        return allowed_types is None or bool(set(self._kb.cui_to_entity[curie].types) & allowed_types)

    def link_all(self, texts: Sequence[str], allowed_types: frozenset[str] | None = None) -> list[list[Link]]:
        """Per text: the whole string's link (if any) first, then one link per heading its shorter runs name."""
        headings = self._headings()
        out = []
        for text, decision in zip(texts, self.whole.link_many(texts, allowed_types), strict=True):
            links = [decision] if decision is not None else []
            seen = {link.curie for link in links}
            for run in word_runs(text):
                named = [c for c in headings.get(_key(run), ()) if self._allowed(c, allowed_types)]
                if named and named[0] not in seen:
                    seen.add(named[0])
                    links.append(Link(run.lower(), named[0], "nested", 1.0))
            out.append(links)
        return out


def with_nested_headings(whole: Any) -> NestedHeadingLinker:
    """``whole`` plus the headings shorter runs name, less the generic stop list (as every caller wants it)."""
    return NestedHeadingLinker(whole, excluded=generic_concepts().curies)
