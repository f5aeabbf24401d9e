"""What the RDF and XML readers of MeSH share: record kinds, UI rules, text cleaning and the parse counters.

Both formats describe the same three record families (descriptors ``D…``, supplementary concept records
``C…``, qualifiers ``Q…``); keeping their spellings in one place is what makes a record read from
``desc2014.xml`` equal to the same record read from ``mesh2014.nt``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from trialgraph.model.concept import ConceptRecord, Relation, curie

__all__ = [
    "DESCRIPTOR_CLASS",
    "RECORD_UI",
    "SCR_CLASS",
    "MeshStats",
    "descriptor_of",
    "mesh_curie",
    "parent_tree_number",
    "relations",
    "sorted_unique",
    "year_from_name",
]

RECORD_UI = re.compile(r"^[CDQ]\d+$")
"""A MeSH record UI: descriptor D…, supplementary concept record C…, qualifier Q… (digits only after)."""

_YEAR_IN_NAME = re.compile(r"^(?:desc|supp|qual|mesh|pa)(\d{4})(?!\d)", re.IGNORECASE)
_PAIR = re.compile(r"^\*?(D\d+)(?:Q\d+)?$")

# XML ``DescriptorClass`` / 2014 RDF ``mesh:descriptorClass`` codes → the current RDF class names.
DESCRIPTOR_CLASS: dict[str, str] = {
    "1": "TopicalDescriptor",
    "2": "PublicationType",
    "3": "CheckTag",
    "4": "GeographicalDescriptor",
}
# XML ``SCRClass`` / 2014 RDF ``mesh:SCRClass`` codes → the current RDF class names.
SCR_CLASS: dict[str, str] = {
    "1": "SCR_Chemical",
    "2": "SCR_Protocol",
    "3": "SCR_Disease",
    "4": "SCR_Organism",
    "5": "SCR_Population",
    "6": "SCR_Anatomy",
}


@dataclass(slots=True)
class MeshStats:
    """Counters a caller reports after a parse, so that what was skipped is visible rather than silent.

    ``unknown_predicates`` holds predicates outside the MeSH vocabularies this parser knows (a new NLM
    release adding a property shows up here); ``skipped_predicates`` the known ones it has no use for
    (dates, notes, identifiers...). Both map the predicate IRI to its triple count.
    """

    files: int = 0
    lines: int = 0
    triples: int = 0
    xml_elements: int = 0
    rejected: int = 0
    records: Counter[str] = field(default_factory=Counter)  # kind → records emitted
    unknown_predicates: Counter[str] = field(default_factory=Counter)
    skipped_predicates: Counter[str] = field(default_factory=Counter)

    def count(self, record: ConceptRecord) -> ConceptRecord:
        self.records[record.kind or "untyped"] += 1
        return record


def descriptor_of(ui: str) -> str | None:
    """``*D000123`` / ``D000123Q000456`` → ``D000123``: a mapping to a descriptor–qualifier pair is a mapping
    to its descriptor (the graph has no pair nodes); ``None`` when ``ui`` names no descriptor."""
    found = _PAIR.match(ui.strip())
    return found.group(1) if found else None


def parent_tree_number(tree_number: str) -> str | None:
    """``C18.452.394`` → ``C18.452``; a top-level tree (``C18``) has no parent record."""
    head, dot, _ = tree_number.rpartition(".")
    return head if dot else None


def sorted_unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def mesh_curie(ui: str) -> str:
    return curie("MESH", ui)


def relations(pairs: Iterable[tuple[str, str]]) -> tuple[Relation, ...]:
    """(predicate, target UI) pairs → sorted, de-duplicated relations: duplicated input lines add nothing."""
    return tuple(Relation(predicate, mesh_curie(target)) for predicate, target in sorted(set(pairs)))


def year_from_name(path: Path) -> str | None:
    """NLM names its yearly files ``desc2022.xml``, ``supp2022.xml``, ``mesh2022.nt``: the MeSH year is there.

    Used only where the records themselves carry no year (XML, unversioned RDF URIs).
    """
    found = _YEAR_IN_NAME.match(path.name)
    return found.group(1) if found else None
