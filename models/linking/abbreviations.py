"""Abbreviations: scispaCy's Schwartz–Hearst detector, in free text and as a dictionary mined from our own text.

Many condition strings are bare short forms ("NSCLC", "COPD") that no vocabulary lists as a synonym, and
free text defines its own ("non-small cell lung cancer (NSCLC)") and then uses only the short form. The
detector (``scispacy.abbreviation.AbbreviationDetector``, Schwartz & Hearst 2003) finds "long form (SHORT)"
and "SHORT (long form)" definitions without any trained model, so it works offline here.

Two uses:

- **In a text that defines it**, a short form stands for its long form everywhere in that text
  (:func:`definitions`, used by :class:`trialgraph.link.Linker`).
- **In a text too short to define anything** (a condition string), a short form stands for the long form
  our corpus nearly always gives it: :func:`mine` counts (short form, long form) definitions over many
  documents and keeps a short form only when it was defined in at least :data:`MIN_DOCUMENTS` documents
  and one long form has at least :data:`MIN_SHARE` of them. Both thresholds were fixed before any
  evaluation (3 documents: a pair seen once or twice may be a typo or one author's habit; 0.8: four in
  five definitions agree, so a short form with two common meanings, "ALS", "MS", stays unlinked), and
  never tuned on the NLM comparison. :class:`AbbreviationDictionary` is written next to the linker index
  with its provenance (thresholds, sources, document count, hash) and links a string that *is* a known
  short form through its long form (:class:`AbbreviationLinker`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from trialgraph.errors import ConfigError
from trialgraph.model.keys import normalise_key
from trialgraph.models.linking.dictionary import Link
from trialgraph.models.linking.spelling import american, american_lowercase_tokens

__all__ = [
    "FILE",
    "METHOD_VERSION",
    "MIN_DOCUMENTS",
    "MIN_SHARE",
    "AbbreviationDictionary",
    "AbbreviationLinker",
    "Definition",
    "definitions",
    "detector",
    "mine",
    "quiet",
]

METHOD_VERSION: Final = "abbrev-sh-1"  # bump when mining or the linking rule changes
MIN_DOCUMENTS: Final = 3  # a priori: documents defining the pair (not occurrences), see the module docstring
MIN_SHARE: Final = 0.8  # a priori: the dominant long form's share of the short form's defining documents
FILE: Final = "abbreviations.json"


@dataclass(frozen=True, slots=True)
class Definition:
    """One short form defined in a text: where each use of it is, and the long form it stands for."""

    short: str
    long: str
    uses: tuple[tuple[int, int], ...]  # character offsets of every occurrence of the short form


@contextmanager
def quiet() -> Iterator[None]:
    """scispaCy's detector runs an empty matcher on a text with no definition, and spaCy warns (W036) each time."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[W036\]")
        yield


def detector() -> Any:
    """A blank English pipeline with scispaCy's abbreviation detector (no trained model is needed)."""
    import scispacy.abbreviation  # noqa: F401  (registers the "abbreviation_detector" factory)
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("abbreviation_detector")
    # The linker's gazetteer matches on LOWER: British and American spellings of a name get one key (Diarrhoea).
    american_lowercase_tokens(nlp)
    return nlp


def _long_key(text: str) -> str:
    """Long forms that differ only in case, punctuation or spacing are one long form (the ``Condition.key`` rule:
    "Non-small-cell lung cancer" and "non-small cell lung cancer" must not split the vote)."""
    return normalise_key(text)


def definitions(doc: Any) -> list[Definition]:
    """The short forms a processed ``doc`` defines, each with its long form and the offsets of all its uses."""
    uses: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    for span in doc._.abbreviations:
        uses[(span.text, span._.long_form.text)].add((span.start_char, span.end_char))
    return [Definition(short, long, tuple(sorted(offsets))) for (short, long), offsets in sorted(uses.items())]


@dataclass(frozen=True, slots=True)
class AbbreviationDictionary:
    """Short form → dominant long form, with what it was mined from and under which thresholds."""

    expansions: dict[str, str]
    min_documents: int = MIN_DOCUMENTS
    min_share: float = MIN_SHARE
    documents: int = 0  # texts the detector read
    defined: int = 0  # distinct short forms defined at least once
    ambiguous: int = 0  # short forms seen often enough whose long forms disagree
    sources: tuple[str, ...] = ()
    method_version: str = METHOD_VERSION
    content_hash: str = field(default="")

    def expand(self, text: str) -> str | None:
        """The long form of ``text`` when the whole text (spaces trimmed, case kept) is a known short form."""
        return self.expansions.get(text.strip())

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path) -> AbbreviationDictionary:
        path = folder / FILE
        if not path.is_file():
            raise ConfigError(f"no abbreviation dictionary at {path}; run `trialgraph link build-index`")
        data = json.loads(path.read_text(encoding="utf-8"))
        data["sources"] = tuple(data.get("sources", ()))
        return cls(**data)


def _hash(expansions: dict[str, str], min_documents: int, min_share: float) -> str:
    payload = json.dumps([sorted(expansions.items()), min_documents, min_share, METHOD_VERSION])
    return hashlib.sha256(payload.encode()).hexdigest()


def mine(
    texts: Iterable[str],
    *,
    min_documents: int = MIN_DOCUMENTS,
    min_share: float = MIN_SHARE,
    sources: Sequence[str] = (),
    nlp: Any = None,
) -> AbbreviationDictionary:
    """Count each (short form, long form) definition once per text and keep the dominant, frequent ones.

    One text should be one document (a record's title, summary and conditions joined), so a record that
    defines "NSCLC" in its title and again in its summary counts once.
    """
    nlp = nlp or detector()
    by_short: dict[str, Counter[str]] = defaultdict(Counter)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    documents = 0
    with quiet():
        for doc in nlp.pipe((t for t in texts if t and "(" in t), batch_size=256):
            documents += 1
            for found in definitions(doc):
                key = _long_key(found.long)
                by_short[found.short][key] += 1
                surface[key][found.long] += 1
    expansions: dict[str, str] = {}
    ambiguous = 0
    for short, longs in by_short.items():
        total = sum(longs.values())
        if total < min_documents:
            continue
        (key, count), *_ = sorted(longs.items(), key=lambda item: (-item[1], item[0]))
        if count / total >= min_share:
            expansions[short] = surface[key].most_common(1)[0][0]
        else:
            ambiguous += 1
    return AbbreviationDictionary(
        dict(sorted(expansions.items())),
        min_documents,
        min_share,
        documents,
        len(by_short),
        ambiguous,
        tuple(sources),
        METHOD_VERSION,
        _hash(expansions, min_documents, min_share),
    )


class AbbreviationLinker:
    """The TF-IDF linker, with a text that is exactly a mined short form linked through its long form.

    A string that is itself a name or synonym in the knowledge base keeps its vocabulary meaning: curated
    names come before mined ones. Anything else goes to the TF-IDF linker unchanged.
    """

    def __init__(self, tfidf: Any, abbreviations: AbbreviationDictionary) -> None:
        self.tfidf = tfidf  # TfidfLinker
        self.abbreviations = abbreviations

    @property
    def kb(self) -> Any:
        """The knowledge base of the TF-IDF linker it wraps: the concepts its decisions name."""
        return self.tfidf.kb

    @property
    def method_version(self) -> str:
        return f"{self.tfidf.method_version}+{METHOD_VERSION}+{self.abbreviations.content_hash[:12]}"

    def link_many(self, texts: Sequence[str], allowed_types: frozenset[str] | None = None) -> list[Link | None]:
        """One decision per text, as :meth:`TfidfLinker.link_many`; short forms are marked ``abbreviation``."""
        known = self.tfidf.generator.kb.alias_to_cuis
        queries = []
        expanded = []
        for text in texts:
            long = self.abbreviations.expand(text)
            use = long is not None and american(text.strip().lower()) not in known
            expanded.append(use)
            queries.append(long if use else text)
        decisions = self.tfidf.link_many(queries, allowed_types)
        out: list[Link | None] = []
        for text, use, link in zip(texts, expanded, decisions, strict=True):
            if use and link is not None:
                link = Link(text.lower(), link.curie, "abbreviation", link.score)
            out.append(link)
        return out
