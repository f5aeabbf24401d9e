"""How well a linker reproduces NLM's indexing of CT.gov records (issue 20, evaluations (a) and (b)).

NLM indexes every CT.gov record with MeSH browse terms: for conditions (``conditionBrowseModule`` in
API v2, ``condition_browse`` in legacy XML) and for interventions. The direct terms, not their
ancestors, are the gold standard for linking the record's own condition and intervention strings. The
browse terms are never shown to the linker: it sees only the strings a registry stated.

Each study with at least one direct NLM term for the field is one item. Predicted: the union of the
MeSH concepts the linker gives for the study's strings; gold: the concepts of NLM's direct terms (by id
in v2; by exact descriptor or SCR name in legacy XML, which gives no ids). A gold term that the MeSH
version in use does not know still counts as missed, and is also counted on its own (``gold_unknown``)
because no linker over that version can find it.

Condition and intervention strings are short structured fields: every linker's concepts on the generic stop list
(:mod:`~trialgraph.models.linking.generic`: Therapeutics, Tablets...) are dropped, as ``trialgraph link`` drops
them from the graph's interventions, so the figures measure what the graph holds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.loaders.base import discover
from trialgraph.loaders.ctgov.loader import parse_raw
from trialgraph.loaders.ctgov.read import RawStudy, iter_raw
from trialgraph.model.concept import ConceptRecord
from trialgraph.model.study import MeshTerm, StudyRecord
from trialgraph.models.linking.abbreviations import AbbreviationLinker, mine
from trialgraph.models.linking.dictionary import ConceptNames, DictionaryLinker, Link
from trialgraph.models.linking.generic import generic_concepts
from trialgraph.models.linking.nested import with_nested_headings
from trialgraph.models.linking.registry_labels import condition_text
from trialgraph.models.linking.tfidf import LinkerConcept, TfidfLinker, build_index, mesh_types
from trialgraph.models.metrics import ItemCounts, Scores, score_items

__all__ = [
    "FIELDS",
    "FIELD_TYPES",
    "LINKERS",
    "MeshDictionary",
    "NlmComparison",
    "compare_with_nlm",
    "mesh_dictionary",
    "read_studies",
    "study_text",
    "tfidf_linker",
]


def _condition_strings(record: StudyRecord) -> list[str]:
    """As the graph's condition linking reads them: a registry form's label read off (registry_labels)."""
    return [condition_text(condition) for condition in record.conditions]


def _intervention_strings(record: StudyRecord) -> list[str]:
    return [name for i in record.interventions for name in (i.name, *i.other_names)]


# field → (the registry's strings for it, NLM's browse terms for it)
FIELDS: dict[str, tuple[Callable[[StudyRecord], list[str]], Callable[[StudyRecord], tuple[MeshTerm, ...]]]] = {
    "conditions": (_condition_strings, lambda r: r.condition_mesh),
    "interventions": (_intervention_strings, lambda r: r.intervention_mesh),
}


# The MeSH tree branches a field's strings may link to (a drug name must not become a disease).
FIELD_TYPES: dict[str, frozenset[str]] = {
    "conditions": frozenset({"C", "F"}),
    "interventions": frozenset({"D", "E"}),
}


@dataclass(frozen=True, slots=True)
class MeshDictionary:
    """The linker over one MeSH version, and NLM's exact record names → CURIE (for gold without ids)."""

    linker: DictionaryLinker
    curie_by_name: dict[str, str]
    curies: frozenset[str]
    version: str | None
    concepts: tuple[LinkerConcept, ...] = ()


def mesh_dictionary(paths: Iterable[Path]) -> MeshDictionary:
    """Parse MeSH (RDF or XML) with the project's reader into the exact-name linker's dictionary."""
    records = [item for item in discover().create("mesh").read(list(paths)) if isinstance(item, ConceptRecord)]
    names = [ConceptNames(r.curie, r.vocabulary, r.name, r.synonyms) for r in records]
    by_name: dict[str, str] = {}
    for record in records:
        if record.name and (record.curie.startswith("MESH:D") or record.curie.startswith("MESH:C")):
            by_name.setdefault(record.name, record.curie)
    versions = sorted({r.version for r in records if r.version})
    concepts = tuple(LinkerConcept(r.curie, r.name, r.synonyms, mesh_types(r.tree_numbers, r.kind)) for r in records)
    curies = frozenset(r.curie for r in records)
    return MeshDictionary(DictionaryLinker(names), by_name, curies, versions[-1] if versions else None, concepts)


StringLinker = Callable[[Sequence[str], str], set[str]]
"""A linker under evaluation: a study's strings of one field → the MeSH CURIEs it links them to."""


def study_text(record: StudyRecord) -> str:
    """A record's own prose as one document, where authors define abbreviations (never NLM's browse terms)."""
    prose = (record.brief_title, record.official_title, record.brief_summary, record.detailed_description)
    return "\n".join(text for text in (*prose, *record.conditions) if text)


def _exact(mesh: MeshDictionary, studies: Sequence[StudyRecord] = ()) -> StringLinker:
    generic = generic_concepts()

    def link(strings: Sequence[str], field: str) -> set[str]:
        hits = (hit for text in strings for hit in generic.specific(mesh.linker.link(text)))
        return {hit.curie for hit in hits if hit.curie.startswith("MESH:")}

    return link


def tfidf_linker(mesh: MeshDictionary) -> TfidfLinker:
    """The TF-IDF linker over ``mesh``, its index built in a temporary folder (the linker keeps it in memory)."""
    with tempfile.TemporaryDirectory(prefix="trialgraph-linker-") as folder:
        build_index(mesh.concepts, Path(folder), vocabulary_versions={"MESH": mesh.version or ""})
        return TfidfLinker(Path(folder))


def _scored(hits: Callable[[Sequence[str], frozenset[str]], list[Link]]) -> StringLinker:
    """A linker's links for a field's strings as the set of concepts scored, generic concepts left out."""
    generic = generic_concepts()

    def link(strings: Sequence[str], field: str) -> set[str]:
        return {hit.curie for hit in generic.specific(hits(strings, FIELD_TYPES[field]))}

    return link


def _string_linker(linker: Any) -> StringLinker:
    """A linker with ``link_many`` (one decision per string), scored."""
    return _scored(lambda strings, types: [hit for hit in linker.link_many(strings, types) if hit is not None])


def _nested_string_linker(whole: Any) -> StringLinker:
    """``whole`` plus the headings that shorter runs of each string name (several links per string), scored."""
    linker = with_nested_headings(whole)
    return _scored(lambda strings, types: [hit for links in linker.link_all(strings, types) for hit in links])


def reranked_string_linker(linker: TfidfLinker, reranker: Any) -> StringLinker:
    """The TF-IDF linker deciding with ``reranker`` among its candidates above the threshold (as ``trialgraph
    link --reranker`` does), scored like the other linkers."""
    return _string_linker(linker.reranked(reranker))


def _tfidf(mesh: MeshDictionary, studies: Sequence[StudyRecord] = ()) -> StringLinker:
    return _string_linker(tfidf_linker(mesh))


def _abbreviation_linker(tfidf: TfidfLinker, studies: Sequence[StudyRecord]) -> AbbreviationLinker:
    """TF-IDF plus short forms mined from the studies' own prose (titles, summaries, descriptions, conditions)."""
    texts = (study_text(study) for study in studies)
    abbreviations = mine(texts, sources=("ctgov studies under evaluation: titles, summaries, conditions",))
    return AbbreviationLinker(tfidf, abbreviations)


def _tfidf_abbreviations(mesh: MeshDictionary, studies: Sequence[StudyRecord] = ()) -> StringLinker:
    return _string_linker(_abbreviation_linker(tfidf_linker(mesh), studies))


def _tfidf_nested(mesh: MeshDictionary, studies: Sequence[StudyRecord] = ()) -> StringLinker:
    """TF-IDF for the whole string, plus the headings whose preferred names are shorter runs of its words."""
    return _nested_string_linker(tfidf_linker(mesh))


def _tfidf_abbreviations_nested(mesh: MeshDictionary, studies: Sequence[StudyRecord] = ()) -> StringLinker:
    """Both: mined short forms for the whole string, and the headings its shorter runs name."""
    return _nested_string_linker(_abbreviation_linker(tfidf_linker(mesh), studies))


# name → how to make the linker from the MeSH dictionary (and the studies' prose, for linkers that mine it)
LINKERS: dict[str, Callable[[MeshDictionary, Sequence[StudyRecord]], StringLinker]] = {
    "exact": _exact,
    "tfidf": _tfidf,
    "tfidf+abbrev": _tfidf_abbreviations,
    "tfidf+nested": _tfidf_nested,
    "tfidf+abbrev+nested": _tfidf_abbreviations_nested,
}


def read_studies(paths: Iterable[Path]) -> Iterator[StudyRecord]:
    """Every study in CT.gov files the loader reads; unreadable ones are skipped (the loader quarantines them)."""
    for item in iter_raw(list(paths)):
        if isinstance(item, RawStudy):
            try:
                yield parse_raw(item)
            except Exception:
                continue


@dataclass(frozen=True, slots=True)
class Miss:
    study: str
    strings: tuple[str, ...]
    missed: tuple[str, ...]
    spurious: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NlmComparison:
    linker: str
    field: str
    source_format: str
    scores: Scores
    studies_without_nlm_terms: int
    gold_unknown: int  # gold terms the MeSH version in use does not hold
    misses: tuple[Miss, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "linker": self.linker,
            "field": self.field,
            "format": self.source_format,
            **self.scores.as_dict(),
            "studies_without_nlm_terms": self.studies_without_nlm_terms,
            "gold_unknown": self.gold_unknown,
            "examples": [
                {"study": m.study, "strings": m.strings, "missed": m.missed, "spurious": m.spurious}
                for m in self.misses
            ],
        }


def _gold(terms: tuple[MeshTerm, ...], mesh: MeshDictionary) -> set[str]:
    gold = set()
    for term in terms:
        if term.ancestor:
            continue
        curie = f"MESH:{term.mesh_id}" if term.mesh_id else mesh.curie_by_name.get(term.term)
        gold.add(curie or f"unknown:{term.term}")
    return gold


def compare_with_nlm(
    studies: Iterable[StudyRecord],
    mesh: MeshDictionary,
    field: str,
    *,
    linker: str = "exact",
    link: StringLinker | None = None,
    examples: int = 10,
) -> list[NlmComparison]:
    """Per source format (and ``all``): the linker's MeSH concepts for ``field`` against NLM's direct terms.

    ``link`` is the linker named ``linker``, made from ``mesh`` when not given (pass it to reuse an index).
    """
    if link is None:
        studies = list(studies)
        link = LINKERS[linker](mesh, studies)
    strings_of, terms_of = FIELDS[field]
    items: dict[str, list[ItemCounts]] = {}
    skipped: dict[str, int] = {}
    unknown: dict[str, int] = {}
    misses: dict[str, list[Miss]] = {}
    seen: set[tuple[str, str]] = set()
    for study in studies:
        fmt = study.source_format
        if (fmt, study.registry_id) in seen:
            continue
        seen.add((fmt, study.registry_id))
        gold = _gold(terms_of(study), mesh)
        if not gold:
            skipped[fmt] = skipped.get(fmt, 0) + 1
            continue
        strings = strings_of(study)
        predicted = link(strings, field)
        unknown[fmt] = unknown.get(fmt, 0) + sum(1 for g in gold if g not in mesh.curies)
        counts = ItemCounts(len(predicted & gold), len(predicted - gold), len(gold - predicted))
        items.setdefault(fmt, []).append(counts)
        if (counts.fp or counts.fn) and len(misses.setdefault(fmt, [])) < examples:
            missed, spurious = tuple(sorted(gold - predicted)), tuple(sorted(predicted - gold))
            misses[fmt].append(Miss(study.registry_id, tuple(strings), missed, spurious))
    results = []
    for fmt in sorted(items):
        scores = score_items(items[fmt])
        examples_of = tuple(misses.get(fmt, ()))
        results.append(NlmComparison(linker, field, fmt, scores, skipped.get(fmt, 0), unknown.get(fmt, 0), examples_of))
    if len(items) > 1:
        pooled = [c for fmt in sorted(items) for c in items[fmt]]
        results.append(
            NlmComparison(linker, field, "all", score_items(pooled), sum(skipped.values()), sum(unknown.values()), ())
        )
    return results
