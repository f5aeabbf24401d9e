"""Normalisation accuracy on the linking corpora: BC5CDR (chemicals, diseases → MeSH) and NCBI Disease.

The SapBERT protocol: the gold mention spans are given, the linker ranks concepts for each span, and
accuracy@k is the share of mentions whose gold concept is among the first k. Counting rules:

* alternatives (NCBI ``|``) are all gold: any one counts as correct;
* BC5CDR composite mentions that list their parts ("individual mentions" column) are split into those
  parts, each with its own id, as the corpus defines them; other composites (NCBI's ``CompositeMention``
  class or ``+``-joined ids, BC5CDR composites without parts) are counted on their own and left out of
  the headline figures, because one ranked list cannot name several concepts;
* mentions without an id (BC5CDR ``-1``) have no gold and are left out;
* OMIM-only mentions (NCBI) stay in: our vocabularies hold no OMIM, so they are counted as misses and
  also counted on their own (``unreachable``), so the figure is not flattered.

Short forms: SapBERT's figures rest on BioSyn's preprocessing, which resolves abbreviations with Ab3P before
linking: a mention that is a short form its own document defines ("VPA" after "valproic acid (VPA)") is looked up
by its long form. Given each document's definitions (:func:`long_forms`), :func:`evaluate_normalisation` does the
same with scispaCy's
Schwartz–Hearst detector (the one the free-text linker uses) and reports both: ``short_forms="as written"`` and
``short_forms="long form"``, with how many mentions the second rewrote. A short form the document does not define
stays as written in both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialgraph.errors import SourceError
from trialgraph.models.linking.tfidf import TfidfLinker

if TYPE_CHECKING:
    from trialgraph.models.linking.dense import DenseReranker
from trialgraph.models.metrics import Accuracy, accuracy_over_items

__all__ = ["GoldMention", "evaluate_normalisation", "long_forms", "read_ncbi_disease", "read_pubtator"]

# mention type → the MeSH tree branches a concept of that type lives in
ENTITY_TYPES: dict[str, frozenset[str]] = {
    "Chemical": frozenset({"D"}),
    "Disease": frozenset({"C", "F"}),
}


@dataclass(frozen=True, slots=True)
class GoldMention:
    document: str
    text: str
    entity_type: str  # "Chemical" or "Disease"
    gold: frozenset[str]  # CURIEs, any of which is correct ("MESH:D014262", "OMIM:123456")
    composite: bool = False


def _curie(raw: str) -> str:
    raw = raw.strip()
    return raw if ":" in raw else f"MESH:{raw}"


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8") as handle:
            yield from enumerate(handle, start=1)
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e}") from e


def read_pubtator(path: Path) -> Iterator[GoldMention]:
    """BC5CDR PubTator: ``PMID\\tstart\\tend\\ttext\\tType\\tids[\\tparts]``; relations and text lines skipped."""
    for number, line in _lines(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 6 or fields[1] == "CID":
            continue
        document, text, kind, ids = fields[0], fields[3], fields[4], fields[5]
        if ids == "-1" or kind not in ENTITY_TYPES:
            continue
        parts = [p for p in ids.split("|") if p and p != "-1"]
        texts = fields[6].split("|") if len(fields) > 6 and fields[6] else []
        if len(parts) > 1 and len(texts) == len(parts):
            for part_text, part in zip(texts, parts, strict=True):
                yield GoldMention(document, part_text, kind, frozenset({_curie(part)}))
        elif parts:
            yield GoldMention(document, text, kind, frozenset(map(_curie, parts)), composite=len(parts) > 1)
        else:
            raise SourceError(f"{path}:{number}: unreadable concept ids {ids!r}")


def read_ncbi_disease(path: Path) -> Iterator[GoldMention]:
    """NCBI Disease corpus: ``PMID\\tstart\\tend\\ttext\\tclass\\tids`` (``|`` alternatives, ``+`` composite)."""
    for number, line in _lines(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 6:
            continue
        ids = fields[5].strip()
        if not ids:
            raise SourceError(f"{path}:{number}: a mention without a concept id")
        composite = "+" in ids or fields[4] == "CompositeMention"
        gold = frozenset(_curie(p) for p in ids.replace("+", "|").split("|") if p)
        yield GoldMention(fields[0], fields[3], "Disease", gold, composite=composite)


AS_WRITTEN = "as written"
LONG_FORM = "long form"


def long_forms(documents: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Per document, each short form it defines → its long form (scispaCy's detector over title and abstract)."""
    from trialgraph.models.linking.abbreviations import definitions, detector, quiet

    nlp = detector()
    order = sorted(documents)
    with quiet():
        docs = nlp.pipe([documents[d] for d in order], batch_size=64)
        return {d: {found.short: found.long for found in definitions(doc)} for d, doc in zip(order, docs, strict=True)}


@dataclass(frozen=True, slots=True)
class NormalisationResult:
    corpus: str
    entity_type: str
    at_1: Accuracy
    at_5: Accuracy
    composite_left_out: int
    unreachable: int  # gold only in vocabularies we do not load (OMIM)
    examples: tuple[dict[str, Any], ...]
    reranker: str = "none"  # the dense re-ranker over the TF-IDF candidates, if any
    short_forms: str = AS_WRITTEN  # or LONG_FORM: defined short forms looked up by their long form
    rewritten: int = 0  # mentions looked up by their document's long form

    def as_dict(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "type": self.entity_type,
            "reranker": self.reranker,
            "short_forms": self.short_forms,
            "rewritten": self.rewritten,
            "accuracy@1": self.at_1.as_dict(),
            "accuracy@5": self.at_5.as_dict(),
            "composite_left_out": self.composite_left_out,
            "unreachable": self.unreachable,
            "examples": list(self.examples),
        }


def _ranked(
    linker: TfidfLinker, texts: list[str], allowed: frozenset[str], k: int, reranker: DenseReranker | None = None
) -> list[list[str]]:
    """Concepts of the allowed types per text, most similar first (ties: by id), at most ``k``; with a
    ``reranker``, the TF-IDF candidates (every allowed concept among the generator's nearest aliases) reordered
    by it."""
    kb = linker.generator.kb.cui_to_entity
    per_text = []
    for candidates in linker.generator(texts, linker.k):
        per_text.append(
            sorted((-max(c.similarities), c.concept_id, c) for c in candidates if set(kb[c.concept_id].types) & allowed)
        )
    if reranker is None:
        return [[curie for _, curie, _ in scored[:k]] for scored in per_text]
    named = [
        [(curie, (kb[curie].canonical_name, *candidate.aliases)) for _, curie, candidate in scored]
        for scored in per_text
    ]
    return [ranking[:k] for ranking in reranker.rerank(texts, named)]


def evaluate_normalisation(
    corpus: str,
    mentions: list[GoldMention],
    linker: TfidfLinker,
    *,
    examples: int = 10,
    reranker: DenseReranker | None = None,
    defined: Mapping[str, Mapping[str, str]] | None = None,
) -> list[NormalisationResult]:
    """Accuracy@1 and @5 per entity type, the interval resampling documents; given the short forms each document
    ``defined`` (:func:`long_forms` of the corpus's texts), once with mentions as written and once with those
    short forms looked up by their long form (module docstring)."""
    results = _normalisation(corpus, mentions, linker, examples, reranker, None)
    if defined is not None:
        results += _normalisation(corpus, mentions, linker, examples, reranker, defined)
    return results


def _normalisation(
    corpus: str,
    mentions: list[GoldMention],
    linker: TfidfLinker,
    examples: int,
    reranker: DenseReranker | None,
    defined: Mapping[str, Mapping[str, str]] | None,
) -> list[NormalisationResult]:
    results = []
    for kind in sorted({m.entity_type for m in mentions}):
        chosen = [m for m in mentions if m.entity_type == kind and not m.composite]
        composites = sum(1 for m in mentions if m.entity_type == kind and m.composite)
        texts = [m.text for m in chosen]
        if defined is not None:
            texts = [defined.get(m.document, {}).get(m.text, m.text) for m in chosen]
        rewritten = sum(1 for m, text in zip(chosen, texts, strict=True) if text != m.text)
        ranked = _ranked(linker, texts, ENTITY_TYPES[kind], 5, reranker)
        per_document: dict[str, list[int]] = {}
        shown: list[dict[str, Any]] = []
        unreachable = 0
        for mention, ranking in zip(chosen, ranked, strict=True):
            counts = per_document.setdefault(mention.document, [0, 0, 0])
            counts[0] += bool(ranking[:1] and ranking[0] in mention.gold)
            counts[1] += bool(set(ranking[:5]) & mention.gold)
            counts[2] += 1
            unreachable += all(not g.startswith("MESH:") for g in mention.gold)
            if ranking[:1] and ranking[0] not in mention.gold and len(shown) < examples:
                shown.append({"text": mention.text, "gold": sorted(mention.gold), "predicted": ranking[:3]})
        at_1 = accuracy_over_items([(c[0], c[2]) for c in per_document.values()])
        at_5 = accuracy_over_items([(c[1], c[2]) for c in per_document.values()])
        name = reranker.name if reranker is not None else "none"
        short_forms = AS_WRITTEN if defined is None else LONG_FORM
        results.append(
            NormalisationResult(
                corpus, kind, at_1, at_5, composites, unreachable, tuple(shown), name, short_forms, rewritten
            )
        )
    return results
