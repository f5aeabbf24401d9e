"""The typed records every vocabulary parser produces: concepts and the mappings between them.

One record shape for every vocabulary (MeSH, HPO, DOID, MONDO, ATC...) is what lets a single writer
put them all in the graph as ``Concept`` nodes keyed by CURIE. Parsers are pure (file → records);
they never touch the database, and what they cannot read they yield as a ``Rejected`` with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialgraph.model.staged import Quarantined

__all__ = [
    "CURIE",
    "MAPPING_ROWS_UNGROUPED",
    "MAPPING_SET_WARNING",
    "ConceptRecord",
    "MappingRecord",
    "Rejected",
    "Relation",
    "curie",
    "mapping_set_fallback",
    "prefix_of",
]

CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$")

# Canonical prefixes: a CURIE's prefix is upper-cased except where the vocabulary's own spelling differs.
_CANONICAL_PREFIX = {"MESH": "MESH", "HP": "HP", "DOID": "DOID", "MONDO": "MONDO", "ATC": "ATC", "ORPHANET": "Orphanet"}


def curie(prefix: str, local_id: str) -> str:
    """``curie("mesh", "D003920")`` → ``"MESH:D003920"``: one spelling of each prefix across sources."""
    canonical = _CANONICAL_PREFIX.get(prefix.upper(), prefix)
    return f"{canonical}:{local_id.strip()}"


def prefix_of(value: str) -> str:
    """The prefix of a CURIE (``"MESH"`` for ``"MESH:D003920"``)."""
    return value.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed edge from a concept to another concept, other than the hierarchy.

    ``predicate`` names the relation in the source's own terms (``pharmacologicalAction``,
    ``preferredMappedTo``, ``RO:0004003``...). The writer stores it on a ``RELATED_TO`` edge.
    """

    predicate: str
    target: str  # CURIE


@dataclass(frozen=True, slots=True)
class ConceptRecord:
    """One concept of one vocabulary version.

    ``broader`` holds the direct parents only (MeSH: the descriptors owning the parent tree numbers;
    OBO/OWL: ``is_a``/``subClassOf``; ATC: the code one level up); the graph derives ancestors.
    """

    curie: str  # "MESH:D003920", "HP:0000822", "ATC:A10BA02"
    vocabulary: str  # "MESH", "HP", "DOID", "MONDO", "ATC" (the CURIE prefix)
    version: str | None  # release the record comes from ("2022", "releases/2024-01-31")
    name: str | None
    kind: str | None = None  # vocabulary-specific class: "TopicalDescriptor", "SCR_Chemical", "ATC level 5"...
    synonyms: tuple[str, ...] = ()
    definition: str | None = None
    obsolete: bool = False
    replaced_by: tuple[str, ...] = ()  # CURIEs
    broader: tuple[str, ...] = ()  # CURIEs of direct parents
    tree_numbers: tuple[str, ...] = ()  # MeSH tree numbers; ATC has none
    xrefs: tuple[str, ...] = ()  # cross-references as written by the ontology (CURIEs); become MAPS_TO edges
    relations: tuple[Relation, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()  # extra scalar facts kept as written, e.g. ("ddd", "1.5 g O")
    origin: str = ""  # file (and line or element) the record came from
    version_from_file_name: bool = False  # the file states no version: it was read from the file's name (warned)
    # Whether the record is whole rests only on where a plain file ends: a file cut exactly at a line end reads as
    # complete, and this record's lines may go on past it (MeSH: the last subject's record, one naming subjects
    # the file never describes, any when subjects are not grouped; ATC: a substance whose rows may go on). The
    # writer writes it only where the graph holds no copy of it; it never replaces a stored copy (the load
    # quarantines it, saying why).
    end_unproven: bool = False


@dataclass(frozen=True, slots=True)
class MappingRecord:
    """One SSSOM mapping row (or an ontology xref expressed as one), with its evidence."""

    subject: str  # CURIE
    predicate: str  # "skos:exactMatch", "skos:broadMatch", "oboInOwl:hasDbXref"...
    object: str  # CURIE
    justification: str | None = None  # "semapv:ManualMappingCuration"...
    mapping_set: str | None = None  # SSSOM mapping_set_id, OBO "obo:<name>", OWL IRI; else file name (warned)
    confidence: float | None = None
    subject_label: str | None = None
    object_label: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    origin: str = ""
    # The last row of a plain file (a cut exactly at a line end reads as whole), or a row of a plain file whose
    # subjects' rows are not grouped: more rows of this subject may have been lost, so a reload of the set does
    # not remove this subject's other edges (every subject's, when ungrouped: ``MAPPING_ROWS_UNGROUPED``).
    end_unproven: bool = False


Rejected = Quarantined
"""An input element that did not become a record, and why (file and line or id in ``origin``): the same
quarantine entry every loader yields, so every writer files it the same way."""


MAPPING_ROWS_UNGROUPED = "mapping_rows_ungrouped"
"""Key in ``MappingRecord.extra``: the row's plain file states a subject's rows apart (not one run per subject), so
any subject's rows may go on past a cut at a line end; the set's reload then removes no edge (the value says why)."""

MAPPING_SET_WARNING = "mapping_set_warning"
"""Key in ``MappingRecord.extra`` of the one-line warning a file-named mapping set carries (filed once per set)."""


def mapping_set_fallback(name: str, declared: str | None, what: str) -> tuple[str, dict[str, str]]:
    """The mapping set name and the extra it adds to each mapping: ``declared`` when the file states it, else
    the file name with a one-line warning (a copy under another name would then be another set)."""
    if declared:
        return declared, {}
    warning = f"mapping set named by its file name {name!r}: the file declares no {what}, so a copy under another"
    warning += " name would be a separate set and a reload would not replace it"
    return name, {MAPPING_SET_WARNING: warning}
