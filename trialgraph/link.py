"""Link any text offline, without Neo4j, once ``trialgraph link build-index`` has built the index.

    >>> from trialgraph.link import Linker
    >>> linker = Linker.load()
    >>> linker("Adults with type 2 diabetes and asthma")        # doctest: +SKIP
    [Span(start=12, end=27, text='type 2 diabetes', curie='MESH:D003924', ...), Span(... 'asthma' ...)]

Mentions are found by a gazetteer: a spaCy ``PhraseMatcher`` over every name and synonym in the index
(case-insensitive, on spaCy's tokenisation), longest match first and no overlaps. Each mention is then
linked by the TF-IDF linker (:mod:`trialgraph.models.linking.tfidf`), so ties between concepts that share a
name are decided the same way everywhere. No trained biomedical NER model exists here; this is the
dictionary route the design falls back to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.settings import Settings, get_settings

__all__ = ["Linker", "Span"]


@dataclass(frozen=True, slots=True)
class Span:
    """One linked mention: character offsets into the text, the concept, its name, score and types."""

    start: int
    end: int
    text: str
    curie: str
    name: str
    score: float
    types: tuple[str, ...]


class Linker:
    """Gazetteer mention detection + the TF-IDF linker, over one index folder."""

    def __init__(self, folder: Path) -> None:
        from trialgraph.models.linking.tfidf import TfidfLinker

        self._linker = TfidfLinker(folder)
        self._nlp: Any = None
        self._matcher: Any = None

    @classmethod
    def load(cls, settings: Settings | None = None) -> Linker:
        """The index ``trialgraph link build-index`` wrote under the state folder (a one-line error if none)."""
        return cls((settings or get_settings()).home / "linker" / "tfidf")

    def _gazetteer(self) -> tuple[Any, Any]:
        """Built on first use: one pattern per distinct lower-cased alias (tens of seconds for all of MeSH)."""
        if self._matcher is None:
            import spacy
            from spacy.matcher import PhraseMatcher

            self._nlp = spacy.blank("en")
            self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
            aliases = sorted(self._linker.generator.kb.alias_to_cuis)
            self._matcher.add("CONCEPT", list(self._nlp.tokenizer.pipe(aliases, batch_size=2000)))
        return self._nlp, self._matcher

    def __call__(self, text: str, types: Iterable[str] | None = None) -> list[Span]:
        """The concepts named in ``text`` (of ``types`` only, if given: MeSH tree branches such as ``C``, ``D``)."""
        from spacy.util import filter_spans

        if not text or not text.strip():
            return []
        nlp, matcher = self._gazetteer()
        doc = nlp(text)
        mentions = filter_spans([doc[start:end] for _, start, end in matcher(doc)])
        allowed = frozenset(types) if types is not None else None
        decisions = self._linker.link_many([m.text for m in mentions], allowed)
        entities = self._linker.generator.kb.cui_to_entity
        spans = []
        for mention, link in zip(mentions, decisions, strict=True):
            if link is None:
                continue
            entity = entities[link.curie]
            spans.append(
                Span(
                    mention.start_char,
                    mention.end_char,
                    mention.text,
                    link.curie,
                    entity.canonical_name,
                    link.score,
                    tuple(entity.types),
                )
            )
        return spans
