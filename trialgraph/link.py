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

Abbreviations a text defines ("non-small cell lung cancer (NSCLC)") are found by scispaCy's
Schwartz–Hearst detector (:mod:`trialgraph.models.linking.abbreviations`): every use of the short form in
that text is linked through its long form, with ``matched_on="abbreviation"`` and the long form kept on the
span. The author's own definition beats the gazetteer for those characters, because a short form such as
"ALS" means what the text says it means, not what a vocabulary's synonym list says.
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
    matched_on: str = "gazetteer"  # or "abbreviation": a short form the text defines, linked via its long form
    long_form: str | None = None  # the long form, for an abbreviation


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
            from spacy.matcher import PhraseMatcher

            from trialgraph.models.linking.abbreviations import detector

            self._nlp = detector()
            self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
            aliases = sorted(self._linker.generator.kb.alias_to_cuis)
            self._matcher.add("CONCEPT", list(self._nlp.tokenizer.pipe(aliases, batch_size=2000)))
        return self._nlp, self._matcher

    def __call__(self, text: str, types: Iterable[str] | None = None) -> list[Span]:
        """The concepts named in ``text`` (of ``types`` only, if given: MeSH tree branches such as ``C``, ``D``)."""
        from spacy.util import filter_spans

        if not text or not text.strip():
            return []
        from trialgraph.models.linking.abbreviations import definitions, quiet

        nlp, matcher = self._gazetteer()
        with quiet():
            doc = nlp(text)
        defined = definitions(doc)
        taken = {offset for found in defined for start, end in found.uses for offset in range(start, end)}
        mentions = [
            m
            for m in filter_spans([doc[start:end] for _, start, end in matcher(doc)])
            if not taken & set(range(m.start_char, m.end_char))
        ]
        allowed = frozenset(types) if types is not None else None
        queries = [m.text for m in mentions] + [found.long for found in defined]
        decisions = self._linker.link_many(queries, allowed)
        entities = self._linker.generator.kb.cui_to_entity
        spans = []
        for mention, link in zip(mentions, decisions[: len(mentions)], strict=True):
            if link is not None:
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
        for found, link in zip(defined, decisions[len(mentions) :], strict=True):
            if link is None:
                continue
            entity = entities[link.curie]
            for start, end in found.uses:
                name, types_ = entity.canonical_name, tuple(entity.types)
                spans.append(
                    Span(start, end, text[start:end], link.curie, name, link.score, types_, "abbreviation", found.long)
                )
        return sorted(spans, key=lambda span: (span.start, span.end))
