"""The typed records the PubMed/MEDLINE parser produces: one citation, or one deletion notice.

The record is the contract between parsing and writing. It keeps what the graph and the trial-linking
need (identity and version, title, abstract sections, journal, date, authors, MeSH indexing, publication
types, DataBank accessions, DOI/PMC ids) in normalised form, and nothing that needs the database.
Small tuple-like parts are ``NamedTuple``\\ s so that they compare equal to plain tuples in tests and
serialise as lists, while still having field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from trialgraph.model.concept import Rejected

__all__ = [
    "AbstractSection",
    "Author",
    "DataBankAccession",
    "DeletedCitation",
    "Journal",
    "MeshHeading",
    "MeshQualifier",
    "PublicationRecord",
    "PublicationType",
    "Rejected",
]


class AbstractSection(NamedTuple):
    """One ``AbstractText``: structured abstracts have a label (as printed) and NLM's category for it."""

    label: str | None  # "METHODS", "RESEARCH QUESTION"...; None for an unstructured abstract
    nlm_category: str | None  # BACKGROUND, OBJECTIVE, METHODS, RESULTS, CONCLUSIONS, UNASSIGNED
    text: str


class MeshQualifier(NamedTuple):
    ui: str | None  # "Q000503"; files before 2014 carry no UI attributes
    name: str
    major: bool


class PublicationType(NamedTuple):
    ui: str | None  # "D016449"
    name: str  # "Randomized Controlled Trial"


class DataBankAccession(NamedTuple):
    """An accession NLM's indexers attached to the citation; registry ids here are the strongest trial link."""

    databank: str  # "ClinicalTrials.gov", "ISRCTN", "EudraCT", "GEO"... as written
    accession: str  # as written, whitespace collapsed ("CTRI/2013/06/ 003753" keeps its inner space)


@dataclass(frozen=True, slots=True)
class MeshHeading:
    """A MeSH descriptor with its qualifiers; ``major`` is the descriptor's own MajorTopicYN flag."""

    descriptor_ui: str | None
    descriptor_name: str
    major: bool = False
    qualifiers: tuple[MeshQualifier, ...] = ()

    @property
    def is_major_topic(self) -> bool:
        """NLM's reading: a heading is a major topic when the descriptor or any of its qualifiers is starred."""
        return self.major or any(q.major for q in self.qualifiers)


@dataclass(frozen=True, slots=True)
class Author:
    """A personal author (last/fore/initials) or a group author (``collective``); affiliations as written."""

    last: str | None = None
    fore: str | None = None
    initials: str | None = None
    collective: str | None = None
    affiliations: tuple[str, ...] = ()
    orcid: str | None = None  # the bare 16-character id, when the record gives one


@dataclass(frozen=True, slots=True)
class Journal:
    title: str | None = None
    iso_abbreviation: str | None = None
    issn: str | None = None  # the ISSN printed with the article (print or electronic)
    issn_linking: str | None = None  # ISSN-L: the same for all media of a journal; the best join key
    nlm_unique_id: str | None = None
    volume: str | None = None
    issue: str | None = None


@dataclass(frozen=True, slots=True)
class PublicationRecord:
    """One version of one PubMed citation.

    A PMID can appear in several files (a baseline and a later update, a corrected ``Version``); the
    writer keeps the one with the highest :attr:`precedence`. Dates are ISO-ish strings: ``YYYY-MM-DD``,
    ``YYYY-MM`` or ``YYYY``, as precise as the source allows.
    """

    pmid: str
    version: int = 1
    title: str | None = None
    abstract: tuple[AbstractSection, ...] = ()
    journal: Journal | None = None
    pub_date: str | None = None
    authors: tuple[Author, ...] = ()
    mesh_headings: tuple[MeshHeading, ...] = ()
    publication_types: tuple[PublicationType, ...] = ()
    databanks: tuple[DataBankAccession, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    doi: str | None = None
    pmc: str | None = None  # "PMC1234567"
    status: str | None = None  # MedlineCitation/@Status: MEDLINE, In-Process, Publisher, PubMed-not-MEDLINE...
    date_revised: str | None = None
    origin: str = ""  # "file[n]": the n-th (0-based) article or deletion block of the file

    @property
    def abstract_text(self) -> str | None:
        """The abstract as one string, sections joined with their labels ("METHODS: ..."), or None."""
        if not self.abstract:
            return None
        return " ".join(f"{s.label}: {s.text}" if s.label else s.text for s in self.abstract)

    @property
    def year(self) -> int | None:
        return int(self.pub_date[:4]) if self.pub_date and self.pub_date[:4].isdigit() else None

    @property
    def precedence(self) -> tuple[int, str]:
        """Sort key among records of one PMID: higher version first, then the later revision date."""
        return (self.version, self.date_revised or "")


@dataclass(frozen=True, slots=True)
class DeletedCitation:
    """A ``DeleteCitation`` block of an update file: these PMIDs must be removed from the graph."""

    pmids: tuple[str, ...]
    origin: str = ""
