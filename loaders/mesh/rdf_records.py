"""MeSH records from the facts of one RDF file, built a page of records at a time.

A record gathers facts from several hops (record → concepts → terms → 2014 TermData → strings), so each
hop is one set-based lookup for the whole page rather than one per subject: the page size bounds the
memory in use and the number of queries is a few per page, whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Final

from trialgraph.loaders.mesh.common import (
    DESCRIPTOR_CLASS,
    RECORD_UI,
    SCR_CLASS,
    MeshStats,
    descriptor_of,
    mesh_curie,
    parent_tree_number,
    relations,
    sorted_unique,
)
from trialgraph.loaders.mesh.rdf_facts import MULTI_KINDS, RELATION_KINDS, Fact, FactStore
from trialgraph.loaders.mesh.spill import FactValue
from trialgraph.model.concept import ConceptRecord, Rejected
from trialgraph.model.text import collapse_whitespace

__all__ = ["PAGE", "UnprovenEnd", "build_records"]

PAGE: Final = 1_000  # records built per round of lookups
_RECORD_SINGLES: Final = (
    Fact.LABEL,
    Fact.FOREIGN_LABEL,
    Fact.YEAR,
    Fact.KIND_LINE,
    Fact.SPECIFIC_KIND,
    Fact.GENERIC_KIND,
    Fact.MAPPED_LINE,
    Fact.CLASS_CODE,
    Fact.PREFERRED_CONCEPT,
)
_LABELS: Final = (Fact.LABEL, Fact.FOREIGN_LABEL)


@dataclass(frozen=True, slots=True)
class UnprovenEnd:
    """A plain file's end, which cannot prove the file whole: a cut exactly at a line end reads as its end.

    In a file that groups each subject's triples in one run (NLM's dumps do; ``grouped``), such a cut can leave
    the last run short of lines (``final_subject``, the subject of the file's last triple) and drop whole
    subjects that earlier runs name. So a record is ``end_unproven`` when it holds the final subject (as itself,
    a concept, a term or a 2014 mapping node), or reaches a concept with no term, a term with no string or a
    mapping node with no target, or (2014 files, whose parents come from tree numbers) a parent tree number no
    record read owns. A whole file marks only its last subject's record (and, in a subset file, records naming
    subjects the subset left out). In a file that does not group them, any record may have lost triples, so every
    record is ``end_unproven``. The writer writes such a record only where the graph holds no copy of it. (That a
    file grouped so far was grouped in its lost tail too is the one assumption here.)
    """

    final_subject: str | None
    grouped: bool = True


@dataclass(slots=True)
class _Page:
    """The facts of one page of records and of the subjects they reach."""

    uis: list[str]
    single: Mapping[tuple[str, int], FactValue]
    multi: Mapping[tuple[str, int], list[FactValue]]
    concepts: dict[str, list[str]]  # ui → its concepts, sorted, de-duplicated
    terms: dict[str, set[str]]  # ui → every term and TermData node it reaches
    preferred: dict[str, str | None]  # ui → the concept whose scope note is the definition
    hop: Mapping[tuple[str, int], FactValue]  # single facts of reached subjects: labels, flags, notes, targets
    strings: Mapping[tuple[str, int], list[FactValue]]  # term → strings (and TermData nodes)
    owners: dict[tuple[str, str], str]  # (family, tree number) → typed record, for derived parents
    concept_terms: Mapping[tuple[str, int], list[FactValue]]  # concept → its terms


def build_records(
    store: FactStore,
    origin: str,
    file_year: str | None,
    stats: MeshStats,
    page: int | None = None,
    *,
    unproven_end: UnprovenEnd | None = None,
) -> Iterator[ConceptRecord | Rejected]:
    """Every record of the file, sorted by UI, so two runs over one file agree line for line.

    ``page`` records (default ``PAGE``) are built per round of lookups: it bounds what is held at once.
    ``unproven_end`` (a plain file's) marks the records a cut at a line end could have left short.
    """
    for uis in store.subjects((Fact.KIND_LINE, Fact.MAPPED_LINE), page or PAGE):
        facts = _gather(store, uis)
        for ui in uis:
            line = facts.single.get((ui, Fact.KIND_LINE)) or facts.single.get((ui, Fact.MAPPED_LINE))
            if not RECORD_UI.match(ui):
                stats.rejected += 1
                yield Rejected(f"{origin}:{line}", f"record subject {ui!r} is not a MeSH D/C/Q identifier", ui)
                continue
            record = _record(facts, ui, f"{origin}:{line}")
            if not record.version and file_year:  # unversioned URIs: the year of NLM's file name, warned
                record = replace(record, version=file_year, version_from_file_name=True)
            if unproven_end is not None and _could_be_short(facts, ui, unproven_end):
                record = replace(record, end_unproven=True)
            yield stats.count(record)


def _gather(store: FactStore, uis: list[str]) -> _Page:
    single = store.single(uis, _RECORD_SINGLES)
    multi = store.multi(uis, MULTI_KINDS)
    # Sets at every hop: a duplicated line must not multiply the walk (record → concept → term → 2014 TermData).
    concepts = {ui: sorted({str(c) for c in multi.get((ui, Fact.CONCEPT), ())}) for ui in uis}
    reached_concepts = {c for found in concepts.values() for c in found}
    concept_terms = store.multi(reached_concepts, (Fact.TERM,))
    hop = dict(store.single(reached_concepts, (Fact.PREFERRED_FLAG, Fact.SCOPE_NOTE)))
    terms: dict[str, set[str]] = {}
    for ui in uis:
        found = {str(t) for t in multi.get((ui, Fact.TERM), ())}
        for concept in concepts[ui]:
            found.update(str(t) for t in concept_terms.get((concept, Fact.TERM), ()))
        terms[ui] = found
    first_hop = {t for found in terms.values() for t in found}
    strings = dict(store.multi(first_hop, (Fact.TERM, Fact.TERM_STRING)))  # one lookup: strings and TermData
    for ui in uis:
        terms[ui].update([str(d) for t in terms[ui] for d in set(strings.get((t, Fact.TERM), ()))])
    reached_terms = {t for found in terms.values() for t in found}
    strings.update(store.multi(reached_terms - first_hop, (Fact.TERM_STRING,)))  # 2014 TermData nodes only
    preferred = {ui: _preferred_concept_of(single, hop, ui, concepts[ui]) for ui in uis}
    nodes = {str(n) for ui in uis for n in multi.get((ui, Fact.MAPPED_DATA), ())}
    hop.update(store.single(reached_terms, _LABELS))
    hop.update(store.single({c for c in preferred.values() if c and c not in reached_concepts}, (Fact.SCOPE_NOTE,)))
    hop.update(store.single(nodes, (Fact.MAPPED_TARGET, Fact.STARRED)))
    return _Page(
        uis=uis,
        single=single,
        multi=multi,
        concepts=concepts,
        terms=terms,
        preferred=preferred,
        hop=hop,
        strings=strings,
        owners=_tree_owners(store, uis, single, multi),
        concept_terms=concept_terms,
    )


def _could_be_short(page: _Page, ui: str, end: UnprovenEnd) -> bool:
    """Whether a cut at a line end could have taken facts of ``ui``'s record (see :class:`UnprovenEnd`)."""
    if not end.grouped:
        return True
    final_subject = end.final_subject
    concepts = page.concepts[ui]
    terms = page.terms[ui]
    nodes = [str(n) for n in page.multi.get((ui, Fact.MAPPED_DATA), ())]
    if final_subject is not None and final_subject in {ui, *concepts, *terms, *nodes}:
        return True
    return (
        any((concept, Fact.TERM) not in page.concept_terms for concept in concepts)
        or any(
            (term, Fact.TERM_STRING) not in page.strings
            and (term, Fact.TERM) not in page.strings
            and _label(page.hop, term) is None
            for term in terms
        )
        or any((node, Fact.MAPPED_TARGET) not in page.hop for node in nodes)
        or _parent_unowned(page, ui)
    )


def _parent_unowned(page: _Page, ui: str) -> bool:
    """Whether a record whose parents come from tree numbers (2014 files) has one no record read owns: its owner's
    triples may be what the cut took, and the record would lose that parent."""
    if page.multi.get((ui, Fact.BROADER)):
        return False
    parents = (parent_tree_number(str(tree)) for tree in page.multi.get((ui, Fact.TREE), ()))
    return any(parent and (_family(ui), parent) not in page.owners for parent in parents)


def _label(facts: Mapping[tuple[str, int], FactValue], subject: str) -> str | None:
    """English (or untagged) labels win: a translation file must not rename the English record."""
    for kind in _LABELS:
        if (subject, kind) in facts:
            return str(facts[(subject, kind)])
    return None


def _record(page: _Page, ui: str, origin: str) -> ConceptRecord:
    single, multi = page.single, page.multi
    name = collapse_whitespace(_label(single, ui))
    raw: list[str] = []
    for term in page.terms[ui]:
        raw.extend(str(s) for s in page.strings.get((term, Fact.TERM_STRING), ()))
        if (term_label := _label(page.hop, term)) is not None:  # 2014: a term's string is its rdfs:label
            raw.append(term_label)
    strings = {cleaned for cleaned in map(collapse_whitespace, raw) if cleaned and cleaned != name}
    trees = sorted_unique(str(t) for t in multi.get((ui, Fact.TREE), ()))
    broader = [str(b) for b in multi.get((ui, Fact.BROADER), ())] or _derived_broader(ui, trees, page.owners)
    related = [(predicate, str(t)) for kind, predicate in RELATION_KINDS.items() for t in multi.get((ui, kind), ())]
    for node in multi.get((ui, Fact.MAPPED_DATA), ()):
        target = descriptor_of(str(page.hop.get((str(node), Fact.MAPPED_TARGET), "")))
        if target is not None:
            starred = (node, Fact.STARRED) in page.hop
            related.append(("preferredMappedTo" if starred else "mappedTo", target))
    preferred = page.preferred[ui]
    note = page.hop.get((preferred, Fact.SCOPE_NOTE)) if preferred is not None else None
    year = single.get((ui, Fact.YEAR))
    return ConceptRecord(
        curie=mesh_curie(ui),
        vocabulary="MESH",
        version=None if year is None else str(year),
        name=name,
        kind=_kind(single, ui),
        synonyms=tuple(sorted(strings)),
        definition=collapse_whitespace(None if note is None else str(note)),
        broader=tuple(mesh_curie(parent) for parent in sorted_unique(broader)),
        tree_numbers=trees,
        relations=relations(related),
        origin=origin,
    )


def _kind(single: Mapping[tuple[str, int], FactValue], ui: str) -> str | None:
    """The first specific class, else the last generic one; 2014 generic classes are refined by their code."""
    specific = single.get((ui, Fact.SPECIFIC_KIND))
    if specific is not None:
        return str(specific)
    generic = single.get((ui, Fact.GENERIC_KIND))
    if generic is None:
        return None  # an untyped subject holding SCR mappings (subset files)
    refine = {"Descriptor": DESCRIPTOR_CLASS, "SupplementaryConceptRecord": SCR_CLASS}.get(str(generic), {})
    code = single.get((ui, Fact.CLASS_CODE))
    return refine.get(str(code), str(generic)) if code is not None else str(generic)


def _preferred_concept_of(
    single: Mapping[tuple[str, int], FactValue],
    flags: Mapping[tuple[str, int], FactValue],
    ui: str,
    concepts: list[str],
) -> str | None:
    preferred = single.get((ui, Fact.PREFERRED_CONCEPT))
    if preferred is not None:
        return str(preferred)
    return next((concept for concept in concepts if (concept, Fact.PREFERRED_FLAG) in flags), None)


def _family(ui: str) -> str:
    return ui[:1]


def _tree_owners(
    store: FactStore, uis: Iterable[str], single: Mapping[tuple[str, int], FactValue], multi: Mapping
) -> dict[tuple[str, str], str]:
    """(record family, parent tree number) → typed record, for the page's records without broader facts.

    Descriptor and qualifier trees are separate hierarchies. Where two typed records share a tree number,
    the one typed last in the file owns it, as the in-memory reader's dict had it.
    """
    parents = {
        parent
        for ui in uis
        if not multi.get((ui, Fact.BROADER))
        for tree in multi.get((ui, Fact.TREE), ())
        if (parent := parent_tree_number(str(tree)))
    }
    holders = store.holders(Fact.TREE, parents)
    typed = store.single({subject for _, subject in holders}, (Fact.KIND_LINE,))
    owners: dict[tuple[str, str], tuple[int, str]] = {}
    for tree, subject in holders:
        line = typed.get((subject, Fact.KIND_LINE))
        if line is None:
            continue
        key = (_family(subject), str(tree))
        if key not in owners or int(line) > owners[key][0]:
            owners[key] = (int(line), subject)
    return {key: subject for key, (_, subject) in owners.items()}


def _derived_broader(ui: str, trees: tuple[str, ...], owners: dict[tuple[str, str], str]) -> list[str]:
    """Without ``broaderDescriptor`` triples (2014 files), the parents are the owners of the parent tree numbers."""
    parents = []
    for tree_number in trees:
        parent = parent_tree_number(tree_number)
        owner = owners.get((_family(ui), parent)) if parent else None
        if owner is not None and owner != ui:
            parents.append(owner)
    return parents
