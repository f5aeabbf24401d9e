"""The typed trial ↔ publication link every link source produces, whatever the evidence behind it.

One shape for all sources (the registry's own reference list, MEDLINE DataBank accessions, registry ids
found in titles and abstracts, curated tables such as IntoValue) lets one writer merge them into
``(:Trial)-[:DESCRIBED_IN]->(:Publication)`` edges that remember every source that asserted them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from trialgraph.model.concept import Rejected
from trialgraph.model.publication import DeletedCitation, PublicationRecord

__all__ = [
    "SOURCE_CTGOV_REFERENCE",
    "SOURCE_INTOVALUE",
    "SOURCE_MEDLINE_DATABANK",
    "SOURCE_PATTERN_ABSTRACT",
    "SOURCE_PATTERN_TITLE",
    "PublicationItem",
    "Rejected",
    "TrialPublicationLink",
]

SOURCE_CTGOV_REFERENCE: Final = "ctgov-reference"  # the registry record lists the PMID
SOURCE_MEDLINE_DATABANK: Final = "medline-databank"  # NLM indexers put the trial id in DataBankList
SOURCE_PATTERN_TITLE: Final = "pattern-title"  # a registry id found in the article title
SOURCE_PATTERN_ABSTRACT: Final = "pattern-abstract"  # a registry id found in the abstract
SOURCE_INTOVALUE: Final = "intovalue"  # the IntoValue study's curated trial → results-publication table


@dataclass(frozen=True, slots=True)
class TrialPublicationLink:
    """One assertion that a trial is described in a publication, with who asserted it and on what grounds.

    ``trial_id`` is canonical (``NCT01234567``, ``2004-000123-45``, ``ISRCTN12345678``,
    ``ACTRN12612000123456``, ``CTRI/2019/01/017000``...) so that links from different sources meet on
    the same trial. At least one of ``pmid`` and ``doi`` is set; DOIs are lower-cased.
    """

    trial_id: str
    registry: str  # databank name as MEDLINE spells it: "ClinicalTrials.gov", "EudraCT", "DRKS", "ANZCTR"...
    pmid: str | None
    doi: str | None
    source: str  # one of the SOURCE_* constants
    evidence: tuple[str, ...] = ()  # where/how: ("DataBankList",), ("AbstractText", "METHODS", "NCT 01234567")...
    origin: str = ""  # file (and line) the assertion was read from


PublicationItem = PublicationRecord | DeletedCitation | TrialPublicationLink | Rejected
"""What a publication source (``pubmed``, ``intovalue``) yields; the publication writer
(``trialgraph.kg.publications``) puts it in the graph."""
