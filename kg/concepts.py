"""The vocabulary writer: concept and mapping records → ``Concept`` nodes, hierarchy and mapping edges.

Why a writer of its own: vocabularies are not registry records. A concept is keyed by its CURIE, its
release is its version, and its edges (``BROADER``, ``RELATED_TO``, ``MAPS_TO``) carry the source that
stated them, so several vocabularies and mapping sets can say different things about the same concept
without overwriting each other. Each batch is one transaction; a concept already loaded from a newer
release is left alone (counted ``superseded``). A concept whose stored ``content_hash`` equals what this load
would write (its properties, parents and relations, and the writer's row version) is skipped and counted
``unchanged``, so reloading the same release changes nothing and says so; a fixed parser whose output differs
changes the hash and rewrites the concept without a version bump. Mapping edges are keyed by predicate and
mapping set, the set being named by the file's content (SSSOM ``mapping_set_id``, OBO ``ontology:``, OWL
ontology IRI), so a copy under another name is the same set, and an edge it states with the same evidence keeps
its provenance (only its load run moves; counted ``unchanged``). A reload of a set replaces what it stated: once
every batch has landed, the set's ``MAPS_TO`` edges this load did not write are removed from every concept the
load restated (a mapping's subject, or a term of the set's ontology file), unless the load was
partial (a file quarantined whole or cut short: what it did not reach may still be stated) or superseded
concepts (an older release). Older graphs named OBO and OWL sets by file name (``doid.obo.gz``); those edges are
removed the same way when the file is reloaded whole, so a stored xref is not left twice under two names.
A concept's vocabulary-specific properties (ATC's DDDs, OBO's subsets...) are named by their key, so writing them
only adds; the node lists the keys it was written with (``extra_keys``) and a rewrite clears each listed key the
new release no longer states, so the node holds exactly the extra properties of the release that wrote it last.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

import neo4j
import orjson

from trialgraph.kg import cypher
from trialgraph.kg.graph import run_read
from trialgraph.kg.writer import (
    GRAPH_WRITERS,
    BatchOutcome,
    LoadReport,
    Quarantine,
    Work,
    WriteContext,
    write_isolating,
)
from trialgraph.model.concept import (
    MAPPING_ROWS_UNGROUPED,
    MAPPING_SET_WARNING,
    ConceptRecord,
    MappingRecord,
    Rejected,
    prefix_of,
)
from trialgraph.model.keys import bounded_key
from trialgraph.model.staged import Quarantined
from trialgraph.model.validate import is_calendar_date

__all__ = [
    "MESH_TERM_METHOD_VERSION",
    "MESH_TERM_SOURCE",
    "ConceptWriter",
    "VocabularyBatch",
    "link_mesh_terms",
    "version_key",
    "write_vocabulary_batch",
]


log = logging.getLogger(__name__)


HELD_AT_UNPROVEN_END = (
    "not written over the stored copy: this record ends where the plain file ends, and a file cut exactly at a "
    "line end reads as complete (gzip a file known to be whole, and load that)"
)
"""Quarantine reason for an ``end_unproven`` record that would have replaced a different stored copy."""


@dataclass(slots=True)
class VocabularyBatch:
    concepts: dict[str, ConceptRecord]
    mappings: list[MappingRecord]

    def __len__(self) -> int:
        return len(self.concepts) + len(self.mappings)


_RELEASE_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})(?!\d)")
_RELEASE_NUMBER = re.compile(r"(?<!\d)(\d+(?:\.\d+)*)(?!\d)")


def version_key(version: str, *, today: date | None = None) -> str:
    """A release's sortable part: its first date (or year), else its release number; "" (before every other
    release) when it names neither a real date nor a number.

    Releases name themselves in several ways (``2022``, ``releases/2024-01-31/doid.obo``, an OWL version IRI
    ``http://purl.obolibrary.org/obo/doid/releases/2026-07-31/...``, SNOMED's ``.../version/20240301``, ChEBI's
    ``245``, EFO's ``v3.62.0``); dates compare as dates and numbers part by part ("3.62.0" after "3.9.0"); a
    vocabulary keeps one scheme, so a date and a number are never weighed against each other in practice (a
    dated release sorts after a numbered one). Why "" for the rest: a version such as ``zzz``, ``2024-13-45`` or
    ``9999-01-01`` compared as written sorts after every real release, so once loaded it would mark each later,
    real release ``superseded`` and keep it out. Ordered first, such a file replaces nothing and blocks nothing;
    two of them are taken in load order. A year after next counts as a typo (so the key of such a version can
    change as years pass; no real release is dated that far ahead).
    """
    match = _RELEASE_DATE.search(version)
    if match is not None:
        found = match.group(1)
        day = f"{found[:4]}-{found[4:6]}-{found[6:]}" if len(found) == 8 else found
        if not is_calendar_date(day) or int(day[:4]) > (today or date.today()).year + 1:
            return ""
        return f"2:{day}"
    number = _RELEASE_NUMBER.search(version)
    if number is None:
        return ""
    return "1:" + ".".join(f"{int(part):09d}" for part in number.group(1).split("."))


CONCEPT_ROWS_VERSION = "concept-rows-1"
"""Bump when what a concept's rows put in the graph changes, so reloads rewrite concepts written by older code."""


def concept_content_hash(record: ConceptRecord, source: str) -> str:
    """Hash of what writing ``record`` from ``source`` puts in the graph: equal hashes mean an unchanged concept.

    The load run and the file name are left out (a copy of the same release under another name is unchanged);
    the source is in, since the concept's edges carry it.
    """
    props = _concept_props(record, load_run="")
    del props["load_run"], props["source_file"]
    props.pop("end_unproven", None)  # where the copy came from, not what it states: the same content is unchanged
    payload = [
        CONCEPT_ROWS_VERSION,
        source,
        props,
        _extra_props(record),
        list(dict.fromkeys(record.broader)),
        [(r.predicate, r.target) for r in dict.fromkeys(record.relations)],
    ]
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _concept_props(record: ConceptRecord, load_run: str) -> dict[str, Any]:
    """The node's properties. ``name`` is indexed: an over-long one (a 10 MB label) is cut to a bounded key, as a
    registry's keywords are, and kept whole in ``full_name`` (present only then, so other concepts' content hashes
    do not change).

    ``extra_keys`` lists the names of the record's extra properties (:func:`_extra_props`), sorted, present only
    when it has some: the next release to rewrite the concept reads it back to clear the keys it no longer states
    (see :func:`_extra_row`). Being in the hash, it changes the hash of concepts with extra properties only, so a
    reload of the same release rewrites just those once (a graph written before they were listed gains the list)
    and leaves every other concept ``unchanged``.
    """
    name = bounded_key(record.name) if record.name else record.name
    optional: dict[str, Any] = {"full_name": record.name} if name != record.name else {}
    if extra_keys := sorted({key for key, _ in record.properties}):
        optional["extra_keys"] = extra_keys
    if record.end_unproven:  # present only then: a copy from a file that proves it whole drops it
        optional["end_unproven"] = True
    return optional | {
        "vocabulary": record.vocabulary,
        "version": record.version,
        "name": name,
        "kind": record.kind,
        "synonyms": list(record.synonyms) or None,
        "definition": record.definition,
        "obsolete": record.obsolete,
        "replaced_by": list(record.replaced_by) or None,
        "tree_numbers": list(record.tree_numbers) or None,
        "source_file": record.origin,
        "load_run": load_run,
    }


def _extra_props(record: ConceptRecord) -> dict[str, list[str]]:
    """Vocabulary-specific facts (ATC's DDDs...) as list properties named by their key."""
    extra: defaultdict[str, list[str]] = defaultdict(list)
    for key, value in record.properties:
        extra[key].append(value)
    return dict(extra)


def _extra_row(record: ConceptRecord, props: dict[str, Any], stored_keys: list[str] | None) -> dict[str, Any]:
    """The extra properties to set on a rewritten concept: the record's own, and None (which removes the property)
    for each key the stored node lists in ``extra_keys`` that this record no longer states.

    Why: ``SET c += extra`` only adds or overwrites, and these keys are arbitrary names, so without this a fact an
    older release stated (an ATC DDD note) would stay on the node forever. A key that is a core property of the
    node (``props``, or its ``curie``) is never cleared here: ``props`` already sets those. A node written before
    ``extra_keys`` was stored lists none, and its leftovers (if any) cannot be told apart from other properties.
    """
    extra = _extra_props(record)
    gone = {key: None for key in stored_keys or () if key not in extra and key not in props and key != "curie"}
    return gone | extra


def _mapping_row(mapping: MappingRecord, load_run: str) -> dict[str, Any]:
    props = {
        "justification": mapping.justification,
        "confidence": mapping.confidence,
        "source_file": mapping.origin,
        "load_run": load_run,
    }
    return {
        "subject": mapping.subject,
        "object": mapping.object,
        "subject_vocabulary": prefix_of(mapping.subject),
        "object_vocabulary": prefix_of(mapping.object),
        "subject_label": mapping.subject_label,
        "object_label": mapping.object_label,
        "predicate": mapping.predicate,
        "mapping_set": mapping.mapping_set or mapping.origin,
        "props": {k: v for k, v in props.items() if v is not None},
    }


def _merge_mappings(tx: neo4j.ManagedTransaction, rows: list[dict[str, Any]]) -> int:
    """Write the mapping edges; returns how many the set already stated with the same evidence (unchanged).

    Why: such an edge keeps the provenance it has (only its load run moves), so a copy of the release under
    another file name rewrites nothing and the report says ``unchanged``, as it does for the concepts.
    """
    if not rows:
        return 0
    return int(tx.run(cypher.load("write/merge_mappings"), rows=rows).single(strict=True)["unchanged"])


def write_vocabulary_batch(
    driver: neo4j.Driver,
    source: str,
    batch: VocabularyBatch,
    *,
    load_run: str,
    database: str,
    held: list[ConceptRecord] | None = None,
) -> tuple[int, int, int]:
    """Write one batch in one transaction. Returns (written, unchanged, superseded).

    A record whose wholeness rests on where a plain file ends (``end_unproven``) is written only where the graph
    holds no copy of it (the node then says ``end_unproven``, until a file that proves the record whole rewrites
    it); one that would replace a different stored copy is left out and appended to ``held`` (once the
    transaction committed), for the caller to quarantine. Why: a plain N-Triples or CSV file cut exactly at a line
    end reads as complete, and its last record would overwrite the complete copy. Not even over a stored copy
    that came from such an end: of two copies neither of which is proven, the one stored is not known to be worse.
    """
    hashes = {curie: concept_content_hash(record, source) for curie, record in batch.concepts.items()}
    kept_back: list[ConceptRecord] = []  # refilled by each attempt of ``work``: only the committed one counts

    def concept_row(c: ConceptRecord, stored: dict[str, Any] | None) -> dict[str, Any]:
        props = _concept_props(c, load_run) | {"content_hash": hashes[c.curie]}
        return {"curie": c.curie, "props": props, "extra": _extra_row(c, props, (stored or {}).get("extra_keys"))}

    def work(tx: neo4j.ManagedTransaction) -> tuple[int, int, int]:
        unproven = [{"curie": c.curie, "vocabulary": c.vocabulary} for c in batch.concepts.values() if c.end_unproven]
        if unproven:
            tx.run(cypher.load("write/lock_unproven_concepts"), rows=unproven).consume()
        stored = {
            row["curie"]: row
            for row in tx.run(cypher.load("write/find_concept_versions"), curies=list(batch.concepts)).data()
        }
        unchanged = {
            curie
            for curie, row in stored.items()
            if row["content_hash"] == hashes[curie]
            and not (row["end_unproven"] and not batch.concepts[curie].end_unproven)  # a whole file confirms it
        }
        newer = [
            c
            for c in batch.concepts.values()
            if c.curie not in unchanged
            and (
                c.version is None
                or stored.get(c.curie, {}).get("version") is None
                or version_key(c.version) >= version_key(stored[c.curie]["version"])
            )
        ]
        kept_back[:] = [c for c in newer if c.end_unproven and c.curie in stored]
        current = [c for c in newer if not (c.end_unproven and c.curie in stored)]
        curies = [c.curie for c in current]
        if curies:
            tx.run(cypher.load("write/delete_concept_edges"), curies=curies, source=source).consume()
        statements: list[tuple[str, list[dict[str, Any]]]] = [
            (
                "merge_concepts",
                [concept_row(c, stored.get(c.curie)) for c in current],
            ),
            (
                "merge_concept_broader",
                [
                    {"curie": c.curie, "parent": p, "vocabulary": prefix_of(p), "source": source}
                    for c in current
                    for p in dict.fromkeys(c.broader)
                ],
            ),
            (
                "merge_concept_relations",
                [
                    {
                        "curie": c.curie,
                        "predicate": r.predicate,
                        "target": r.target,
                        "vocabulary": prefix_of(r.target),
                        "source": source,
                    }
                    for c in current
                    for r in dict.fromkeys(c.relations)
                ],
            ),
        ]
        for statement, rows in statements:
            if rows:
                tx.run(cypher.load(f"write/{statement}"), rows=rows).consume()
        same = _merge_mappings(tx, [_mapping_row(m, load_run) for m in batch.mappings])
        superseded = len(batch.concepts) - len(newer) - len(unchanged)
        return len(current) + len(batch.mappings) - same, len(unchanged) + same, superseded

    with driver.session(database=database) as session:
        counts = session.execute_write(work)
    if held is not None:
        held.extend(kept_back)
    return counts


def _write_isolating(
    driver: neo4j.Driver, source: str, batch: VocabularyBatch, *, load_run: str, database: str
) -> BatchOutcome:
    """:func:`write_vocabulary_batch` with a concept or mapping Neo4j refuses isolated and quarantined.

    Why: one over-long label must not cost the 1999 other concepts of its batch (see ``write_isolating``).
    """
    items: dict[str, ConceptRecord | MappingRecord] = {f"concept:{c}": r for c, r in batch.concepts.items()}
    items.update({f"mapping:{i}": m for i, m in enumerate(batch.mappings)})

    held: list[ConceptRecord] = []

    def write(part: dict[str, ConceptRecord | MappingRecord]) -> tuple[int, int, int]:
        concepts = {r.curie: r for r in part.values() if isinstance(r, ConceptRecord)}
        mappings = [m for m in part.values() if isinstance(m, MappingRecord)]
        sub = VocabularyBatch(concepts, mappings)
        return write_vocabulary_batch(driver, source, sub, load_run=load_run, database=database, held=held)

    def describe(_key: str, item: ConceptRecord | MappingRecord) -> tuple[str, str | None]:
        return item.origin, item.curie if isinstance(item, ConceptRecord) else item.subject

    outcome = write_isolating(write, items, describe)
    outcome.refused.extend(Quarantined(r.origin, HELD_AT_UNPROVEN_END, r.curie) for r in held)
    return outcome


def _dangling_parents(
    driver: neo4j.Driver, source: str, vocabularies: list[str], database: str
) -> list[dict[str, Any]]:
    with driver.session(database=database) as session:
        return session.execute_read(
            lambda tx: tx.run(
                cypher.load("write/find_dangling_parents"), source=source, vocabularies=vocabularies
            ).data()
        )


MESH_TERM_SOURCE = "ctgov-derived"  # CT.gov's derived browse terms: NLM's indexing of the record
MESH_TERM_METHOD_VERSION = "mesh-id-or-unique-name-1"


def link_mesh_terms(driver: neo4j.Driver, *, load_run: str | None = None, database: str = "neo4j") -> dict[str, int]:
    """Tie registry MeSH browse terms to MeSH concepts; returns how many terms are linked and how many are not."""
    params = {"source": MESH_TERM_SOURCE, "method_version": MESH_TERM_METHOD_VERSION, "load_run": load_run}
    with driver.session(database=database) as session:
        session.execute_write(lambda tx: tx.run(cypher.load("write/link_mesh_terms"), **params).consume())
    (row,) = run_read(driver, cypher.load("read/count_linked_mesh_terms"), database=database) or [None]
    terms, linked = (row["terms"] or 0, row["linked"] or 0) if row else (0, 0)
    return {"terms": terms, "linked": linked, "unlinked": terms - linked}


@dataclass(slots=True)
class _MappingSet:
    """What one load saw of a mapping set: the files that stated it, their subjects' vocabularies, a warning."""

    files: set[str] = field(default_factory=set)
    vocabularies: set[str] = field(default_factory=set)
    # One-line warnings filed once per set: named by its file name (no identity in the file's content), rows of a
    # plain file not grouped by subject.
    warnings: dict[str, None] = field(default_factory=dict)
    unproven_subjects: set[str] = field(default_factory=set)  # their rows may go on past a plain file's end
    ungrouped: bool = False  # a plain file stated some subject's rows apart: any subject's rows may have been cut


@dataclass(frozen=True, slots=True)
class _SetIssue:
    """A one-line issue about a whole mapping set, filed like a field issue (``kind: field``)."""

    origin: str
    record_id: str
    issues: tuple[str, ...]


def _file_of(origin: str) -> str:
    """The file name in a record's origin: ``doid.obo:12`` (OBO, SSSOM) or ``x.owl#http://...`` (OWL)."""
    head = origin.split("#", 1)[0]
    name, _, line = head.rpartition(":")
    return name if name and line.isdigit() else head


def _stale_rows(sets: dict[str, _MappingSet]) -> list[dict[str, Any]]:
    """Per set: its name, and the file names older graphs gave it (removed only on its subjects' vocabularies)."""
    return [
        {
            "mapping_set": name,
            "legacy": sorted(seen.files - {name}),
            "vocabularies": sorted(seen.vocabularies),
            "kept": sorted(seen.unproven_subjects),
        }
        for name, seen in sorted(sets.items())
    ]


def _delete_stale_mappings(driver: neo4j.Driver, sets: dict[str, _MappingSet], *, load_run: str, database: str) -> int:
    """Remove the ``MAPS_TO`` edges of ``sets`` that load ``load_run`` did not write; returns how many."""
    rows = _stale_rows(sets)
    with driver.session(database=database) as session:
        return session.execute_write(
            lambda tx: tx.run(cypher.load("write/delete_stale_mappings"), sets=rows, load_run=load_run).single(
                strict=True
            )["removed"]
        )


UNSTATED_CHUNK = 5_000  # concepts per transaction when removing mappings a release no longer states


def _delete_unstated_mappings(
    driver: neo4j.Driver, mapping_set: str, subjects: list[str], *, load_run: str, database: str
) -> int:
    """Remove the set's ``MAPS_TO`` edges from ``subjects`` (concepts the set's files state) that ``load_run``
    did not write: the mappings a release dropped from a term it still states, xrefs and all."""
    query = cypher.load("write/delete_unstated_mappings")
    removed = 0
    with driver.session(database=database) as session:
        for start in range(0, len(subjects), UNSTATED_CHUNK):
            chunk = subjects[start : start + UNSTATED_CHUNK]
            removed += session.execute_write(
                lambda tx, chunk=chunk: tx.run(
                    query, mapping_set=mapping_set, subjects=chunk, load_run=load_run
                ).single(strict=True)["removed"]
            )
    return removed


@GRAPH_WRITERS.register("concepts")
class ConceptWriter:
    """Vocabularies: concepts keyed by CURIE (the later statement wins within a batch) and mappings.

    The report counts concepts and mappings together: ``written`` to the graph, ``unchanged`` (the stored concept
    is what this load would write), ``superseded`` (a newer release is stored already). Every mapping gets this
    load's run (the removal of stale mappings after the load knows a set's current edges by it), but one the set
    already states with the same evidence keeps its other properties and counts ``unchanged``. After the load,
    parents that no record defines are quarantined as dangling.
    """

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.batch = VocabularyBatch({}, [])
        self.vocabularies: set[str] = set()
        self.sets: dict[str, _MappingSet] = {}
        self.named_versions: dict[str, str] = {}  # file → the version its name gave (the file states none)
        self.stated: defaultdict[str, set[str]] = defaultdict(set)  # file → the concepts it states

    def add(self, item: ConceptRecord | MappingRecord, report: LoadReport) -> list[Work]:
        if isinstance(item, ConceptRecord):
            self.vocabularies.add(item.vocabulary)
            file = _file_of(item.origin)
            self.stated[file].add(item.curie)
            if item.version_from_file_name and item.version:
                self.named_versions.setdefault(file, item.version)
            earlier = self.batch.concepts.get(item.curie)
            if earlier is not None:
                report.unchanged += 1  # stated twice in the input: the later statement wins, unless only it
                if item.end_unproven and not earlier.end_unproven:  # could have been cut short
                    return []
            self.batch.concepts[item.curie] = item
        else:
            self.batch.mappings.append(item)
            self._note_set(item)
        return self._take() if len(self.batch) >= self.context.batch_size else []

    def close(self) -> list[Work]:
        return self._take() if len(self.batch) else []

    def finish(self, report: LoadReport, quarantine: Quarantine) -> None:
        c = self.context
        for row in _dangling_parents(c.driver, c.source.name, sorted(self.vocabularies), c.database):
            report.dangling += 1
            reason = f"dangling parent: {row['curie']} is named as parent of {row['references']} concept(s) "
            reason += f"({', '.join(row['children'])}) but no record defines it"
            quarantine.add(Rejected(origin=c.source.name, reason=reason, record_id=row["curie"]), report.run_id)
        for file, version in sorted(self.named_versions.items()):
            report.field_issues += 1
            warning = f"version {version} read from the file name: the file states none (rename it and it changes)"
            record = f"{c.source.name}:{PurePath(file).name}"
            quarantine.add_field_issues(_SetIssue(file, record, (warning,)), report.run_id)
        for name, seen in sorted(self.sets.items()):
            if seen.warnings:
                report.field_issues += len(seen.warnings)
                quarantine.add_field_issues(
                    _SetIssue(", ".join(sorted(seen.files)), name, tuple(seen.warnings)), report.run_id
                )
        self._replace_sets(report)

    def _note_set(self, mapping: MappingRecord) -> None:
        seen = self.sets.setdefault(mapping.mapping_set or mapping.origin, _MappingSet())
        seen.files.add(_file_of(mapping.origin))
        seen.vocabularies.add(prefix_of(mapping.subject))
        for key in (MAPPING_SET_WARNING, MAPPING_ROWS_UNGROUPED):
            if warning := mapping.extra.get(key):
                seen.warnings[warning] = None
        if mapping.end_unproven:
            seen.unproven_subjects.add(mapping.subject)
        seen.ungrouped = seen.ungrouped or MAPPING_ROWS_UNGROUPED in mapping.extra

    def _replace_sets(self, report: LoadReport) -> None:
        """Remove what the loaded sets no longer state, when this load read every one of their files whole.

        Two passes: edges of the subjects this load restated in the set (any source of mappings, SSSOM too), and
        edges of the concepts the set's files state as terms (ontologies), so a term that lost every xref loses
        them in the graph too. A concept a release no longer states at all keeps its old mappings, as it keeps its
        node: a subset file names its ontology's set too, and no file says that it is the whole release.

        Why not after a partial load: a cut file's unread tail still states its mappings. Why not when concepts
        were superseded: an older release reloaded must not strip the mappings of the newer one stored.
        """
        if not self.sets:
            return
        if report.partial or report.superseded:
            why = "partial load" if report.partial else "an older release than the stored one"
            log.warning("mapping sets %s kept whole (%s): stale mappings not removed", sorted(self.sets), why)
            return
        c = self.context
        sets = {name: seen for name, seen in self.sets.items() if not seen.ungrouped}
        if ungrouped := sorted(set(self.sets) - set(sets)):
            log.warning("mapping sets %s kept whole (a plain file's rows not grouped by subject)", ungrouped)
        removed = _delete_stale_mappings(c.driver, sets, load_run=c.load_run, database=c.database)
        for name, seen in sorted(sets.items()):
            subjects = sorted(set().union(*(self.stated.get(file, set()) for file in seen.files)))
            removed += _delete_unstated_mappings(c.driver, name, subjects, load_run=c.load_run, database=c.database)
        log.info("removed %d mapping(s) that sets %s no longer state", removed, sorted(self.sets))

    def _take(self) -> list[Work]:
        batch, self.batch = self.batch, VocabularyBatch({}, [])
        c = self.context
        return [lambda: _write_isolating(c.driver, c.source.name, batch, load_run=c.load_run, database=c.database)]
