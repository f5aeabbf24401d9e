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

Each span also says whether a negation or a history cue reaches it (:mod:`trialgraph.models.linking.cues`), so
"no history of asthma" is a mention of asthma that is negated and historical, never a dropped one.

Text in another language: the index holds English names, so a French or German text links its false friends
("Personne", "Diagnostic porté") and little else. ``Linker.load(languages=True)`` first detects each text's
language (:mod:`trialgraph.models.linking.language`: py3langid, with our own minimum length and reliability
rules); a text reliably in another language is not linked, and the result says which language it is:

    >>> found = Linker.load(languages=True)("Patienten mit Diabetes mellitus Typ 2 seit mindestens drei Monaten")
    >>> found, found.language                            # doctest: +SKIP
    ([], Language(code='de', probability=1.0, reliable=True))

English text and text too short or too mixed to judge (``und``, or an unreliable answer) are linked as without
the check. It is off by default: the linker is also the component under condition strings, intervention names,
adverse-event terms and the evaluations, whose text is English or too short to judge, and a reliable-looking
answer can still be wrong (one English item in the 9,974 shared non-CT.gov texts: a list of drug names read as
Italian) and would silently lose every link. The graph's free-text fields (``trialgraph link --fields``) run the
same check themselves and record the language on the node (:mod:`trialgraph.kg.mentions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from trialgraph.models.linking.candidates import CandidateSource
from trialgraph.models.linking.language import LANGUAGE_RULES, Language, detect
from trialgraph.settings import Settings, get_settings

__all__ = ["Linker", "Mentions", "Span"]

Candidates = str | Sequence[CandidateSource | str]
"""Mention candidate sources beyond the gazetteer: a spec (``"noun-chunks"``) or the sources themselves."""

# Control and zero-width characters become spaces before tokenising: same length, so offsets still index the
# caller's text, and "\x1bneoplasms" still names neoplasms.
_INVISIBLE_TO_SPACE = {
    code: " "
    for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), *range(0x200B, 0x2010), 0xFEFF)
}


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
    # "gazetteer", "abbreviation" (a short form the text defines, linked via its long form), or the candidate
    # source that proposed the span ("noun-chunk", "ner": trialgraph.models.linking.candidates); with
    # "+organism-infection" when that decision rule chose the concept (trialgraph.models.linking.tfidf)
    matched_on: str = "gazetteer"
    long_form: str | None = None  # the long form, for an abbreviation
    negated: bool = False  # a negation cue reaches it ("no", "without", "free of"...): NegEx, clinical termset
    history: bool = False  # a history cue reaches it ("history of", "prior", "previously"...)


def _matched_on(found_by: str, link: Any) -> str:
    """What found the span, and the decision rule that chose its concept when it is not plain TF-IDF similarity
    ("gazetteer+organism-infection": trialgraph.models.linking.tfidf.DECISION_RULES)."""
    return found_by if link.matched_on == "tfidf" else f"{found_by}+{link.matched_on}"


class Mentions(list[Span]):
    """One text's spans (a list, as before) and, when the linker checks languages, the text's language: a text
    reliably in another language than English has no spans and says which language it is."""

    language: Language | None

    def __init__(self, spans: Iterable[Span] = (), language: Language | None = None) -> None:
        super().__init__(spans)
        self.language = language


class Linker:
    """Gazetteer mention detection + the TF-IDF linker, over one index folder; with ``languages=True``, a text
    reliably in another language than English is left unlinked (see the module docstring)."""

    def __init__(self, folder: Path, *, languages: bool = False, candidates: Candidates = ()) -> None:
        from trialgraph.models.linking.tfidf import TfidfLinker

        self._setup(TfidfLinker(folder), languages, candidates)

    @classmethod
    def around(cls, tfidf: Any, *, languages: bool = False, candidates: Candidates = ()) -> Linker:
        """A linker over an already opened TF-IDF linker (the graph side checks it against the graph first)."""
        linker = cls.__new__(cls)
        linker._setup(tfidf, languages, candidates)
        return linker

    def _setup(self, tfidf: Any, languages: bool, candidates: Candidates) -> None:
        from trialgraph.models.linking.candidates import parse_candidate_sources

        self._linker = tfidf
        self._languages = languages
        given = [candidates] if isinstance(candidates, str) else list(candidates)
        specs = [c for c in given if isinstance(c, str)]
        self._candidates = parse_candidate_sources(specs) + tuple(c for c in given if not isinstance(c, str))
        self._nlp: Any = None
        self._matcher: Any = None
        self._cues: Any = None

    # The mention rules on top of the TF-IDF index: a change here must change the stored method version.
    MENTION_RULES = "gazetteer-1+negex-1"

    @property
    def tfidf(self) -> Any:
        """The TF-IDF linker underneath (its manifest says which concepts the index was built from)."""
        return self._linker

    @property
    def languages(self) -> bool:
        """Whether texts reliably in another language than English are left unlinked."""
        return self._languages

    @property
    def method_version(self) -> str:
        """The index's method version (with its content hash) and the mention rules: what mentions record (and the
        language rules, when they decide what is linked)."""
        version = "+".join([self._linker.method_version, self.MENTION_RULES, *(c.version for c in self._candidates)])
        return f"{version}+{LANGUAGE_RULES}" if self._languages else version

    @property
    def candidates(self) -> tuple[CandidateSource, ...]:
        """The mention candidate sources beyond the gazetteer (:mod:`trialgraph.models.linking.candidates`)."""
        return self._candidates

    def with_candidates(self, candidates: Candidates) -> Linker:
        """The same index, language rule and built gazetteer, with these candidate sources (specs or sources)."""
        linker = type(self).around(self._linker, languages=self._languages, candidates=candidates)
        linker._nlp, linker._matcher, linker._cues = self._nlp, self._matcher, self._cues
        return linker

    @classmethod
    def load(
        cls, settings: Settings | None = None, *, languages: bool = False, candidates: Candidates | None = None
    ) -> Linker:
        """The index ``trialgraph link build-index`` wrote under the state folder (a one-line error if none); the
        candidate sources default to the settings' ``link_candidates`` (``TRIALGRAPH_LINK_CANDIDATES``)."""
        settings = settings or get_settings()
        chosen = settings.link_candidates if candidates is None else candidates
        return cls(settings.home / "linker" / "tfidf", languages=languages, candidates=chosen)

    # Aliases tokenised and added to the matcher per chunk: the matcher keeps only each pattern's token keys,
    # so holding every pattern ``Doc`` at once (315,856 for the five vocabularies) only raised the peak.
    GAZETTEER_CHUNK: ClassVar[int] = 5000

    def _gazetteer(self) -> tuple[Any, Any]:
        """Built on first use: one pattern per distinct lower-cased alias (tens of seconds for all of MeSH)."""
        if self._matcher is None:
            from spacy.matcher import PhraseMatcher

            from trialgraph.models.linking.abbreviations import detector

            self._nlp = detector()
            self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
            aliases = sorted(self._linker.generator.kb.alias_to_cuis)
            for start in range(0, len(aliases), self.GAZETTEER_CHUNK):
                chunk = aliases[start : start + self.GAZETTEER_CHUNK]
                self._matcher.add("CONCEPT", list(self._nlp.tokenizer.pipe(chunk, batch_size=1000)))
            from trialgraph.models.linking.cues import CueDetector

            self._cues = CueDetector(self._nlp)
        return self._nlp, self._matcher

    def __call__(self, text: str, types: Iterable[str] | None = None) -> Mentions:
        """The concepts named in ``text`` (of ``types`` only, if given: MeSH tree branches such as ``C``, ``D``)."""
        return self.link_many([text], types)[0]

    def link_many(self, texts: Sequence[str], types: Iterable[str] | None = None) -> list[Mentions]:
        """``__call__`` for many texts at once: spaCy processes them as a stream and the TF-IDF linker sees
        every mention of the batch in one matrix product, which is what makes a graph's criteria affordable."""
        from trialgraph.models.linking.abbreviations import quiet

        nlp, _ = self._gazetteer()
        visible = [text.translate(_INVISIBLE_TO_SPACE) if text else "" for text in texts]
        languages = [detect(text) if self._languages else None for text in visible]
        todo = [
            i
            for i, (text, language) in enumerate(zip(visible, languages, strict=True))
            if text.strip() and not (language is not None and language.not_english)
        ]
        with quiet():
            docs = list(nlp.pipe([visible[i] for i in todo], batch_size=256))
        proposed = [source.spans([visible[i] for i in todo]) for source in self._candidates]
        names = [source.name for source in self._candidates]
        found = [
            self._mentions(doc, [(name, spans[n]) for name, spans in zip(names, proposed, strict=True)])
            for n, doc in enumerate(docs)
        ]
        queries = [q for mentions, defined in found for q in [m.text for m, _ in mentions] + [d.long for d in defined]]
        decisions = iter(self._linker.link_many(queries, frozenset(types) if types is not None else None))
        out = [Mentions(language=language) for language in languages]
        for i, doc, (mentions, defined) in zip(todo, docs, found, strict=True):
            out[i].extend(self._spans(doc, mentions, defined, decisions))
        return out

    def _mentions(
        self, doc: Any, proposed: Sequence[tuple[str, Sequence[tuple[int, int]]]] = ()
    ) -> tuple[list[tuple[Any, str]], list[Any]]:
        """The gazetteer's mentions (longest first, no overlaps), then each candidate source's spans that overlap
        no gazetteer mention, each with what found it; and the abbreviations the text defines. A use of a defined
        short form is the author's, so neither the gazetteer nor a candidate claims it. Candidates may overlap
        each other here: of those the linker accepts, the first in source order keeps the characters (_spans), so
        a span the linker refuses never hides another source's."""
        from spacy.util import filter_spans

        from trialgraph.models.linking.abbreviations import definitions

        defined = definitions(doc)
        taken = {offset for found in defined for start, end in found.uses for offset in range(start, end)}
        mentions = [
            (m, "gazetteer")
            for m in filter_spans([doc[start:end] for _, start, end in self._matcher(doc)])
            if not taken & set(range(m.start_char, m.end_char))
        ]
        taken |= {offset for m, _ in mentions for offset in range(m.start_char, m.end_char)}
        for name, spans in proposed:  # overlaps among candidates are settled once the linker has decided (_spans)
            for start, end in spans:
                span = doc.char_span(start, end, alignment_mode="contract")
                if span is None or not span.text.strip() or taken & set(range(span.start_char, span.end_char)):
                    continue
                mentions.append((span, name))
        return mentions, defined

    def _spans(
        self, doc: Any, mentions: list[tuple[Any, str]], defined: list[Any], decisions: Iterator[Any]
    ) -> list[Span]:
        """One text's linked spans, in text order, each with its cues; takes this text's decisions from the stream."""
        entities = self._linker.generator.kb.cui_to_entity
        spans = []
        claimed: set[int] = set()  # characters of candidate spans the linker accepted
        for mention, found_by in mentions:
            link = next(decisions)
            if link is None:
                continue
            offsets = set(range(mention.start_char, mention.end_char))
            if found_by != "gazetteer":  # a candidate: the first accepted one holds its characters
                if claimed & offsets:
                    continue
                claimed |= offsets
            entity = entities[link.curie]
            spans.append(
                Span(mention.start_char, mention.end_char, mention.text, link.curie, entity.canonical_name,
                     link.score, tuple(entity.types), _matched_on(found_by, link))
            )  # fmt: skip
        for found in defined:
            link = next(decisions)
            if link is None:
                continue
            entity = entities[link.curie]
            name, types_ = entity.canonical_name, tuple(entity.types)
            for start, end in found.uses:
                spans.append(
                    Span(start, end, doc.text[start:end], link.curie, name, link.score, types_,
                         _matched_on("abbreviation", link),
                         found.long)
                )  # fmt: skip
        spans.sort(key=lambda span: (span.start, span.end))
        cues = self._cues(doc, [(span.start, span.end) for span in spans])
        return [replace(span, negated=cue.negated, history=cue.history) for span, cue in zip(spans, cues, strict=True)]
