"""The typed ClinicalTrials.gov study record that both parsers (API v2 JSON, legacy XML) produce.

The record is the contract between parsing and writing: parsers fill it from one source format, the
graph writer turns it into rows. Both formats must give equal records for the same study version,
so every field holds a normalised value (ISO dates, v2 enum spellings, MeSH ids as ``D`` + 6 digits)
rather than the format's own spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NCT_ID = re.compile(r"^NCT\d{8}$")

OutcomeKind = Literal["PRIMARY", "SECONDARY", "OTHER"]
ReferenceType = Literal["RESULT", "BACKGROUND", "DERIVED"]
SponsorRole = Literal["LEAD", "COLLABORATOR"]
EventKind = Literal["SERIOUS", "OTHER"]


@dataclass(frozen=True, slots=True)
class Sponsor:
    """An organization named as lead sponsor or collaborator, with its agency class (``INDUSTRY``, ``NIH``...)."""

    name: str
    role: SponsorRole
    agency_class: str | None = None


@dataclass(frozen=True, slots=True)
class Intervention:
    type: str | None  # v2 enum spelling: DRUG, DEVICE, BIOLOGICAL, BEHAVIORAL, PROCEDURE, ...
    name: str
    description: str | None = None
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArmGroup:
    label: str
    type: str | None = None  # EXPERIMENTAL, ACTIVE_COMPARATOR, PLACEBO_COMPARATOR, ... (v2 spelling)
    description: str | None = None
    intervention_names: tuple[str, ...] = ()  # names as in Intervention.name (type prefix stripped)


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Eligibility:
    text: str | None = None
    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()
    min_age: str | None = None  # as written, e.g. "18 Years"
    max_age: str | None = None
    sex: str | None = None  # ALL, FEMALE, MALE
    healthy_volunteers: bool | None = None


@dataclass(frozen=True, slots=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    type: ReferenceType
    pmid: str | None = None
    citation: str | None = None


@dataclass(frozen=True, slots=True)
class MeshTerm:
    """A MeSH browse term that NLM's indexing attached to the study (``ancestor`` when listed as an ancestor)."""

    term: str
    mesh_id: str | None = None  # "D011471"; legacy XML gives no ids
    ancestor: bool = False


@dataclass(frozen=True, slots=True)
class ResultGroup:
    group_id: str  # "FG000", "BG000", "OG000", "EG000"
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FlowCount:
    """One participant-flow milestone count: period, milestone (STARTED, COMPLETED...), group, count."""

    period: str
    milestone: str
    group_id: str
    count: int | None


@dataclass(frozen=True, slots=True)
class MeasureValue:
    group_id: str
    value: str | None
    category: str | None = None  # class title and/or category title, joined with " / "
    spread: str | None = None


@dataclass(frozen=True, slots=True)
class Measure:
    """A baseline characteristic or a posted outcome measure, with its groups and values."""

    title: str
    kind: str | None = None  # PRIMARY/SECONDARY/OTHER_PRE_SPECIFIED/POST_HOC for outcomes; None for baseline
    description: str | None = None
    time_frame: str | None = None
    param_type: str | None = None
    units: str | None = None
    groups: tuple[ResultGroup, ...] = ()
    values: tuple[MeasureValue, ...] = ()


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    kind: EventKind
    term: str
    organ_system: str | None
    group_id: str
    affected: int | None
    at_risk: int | None


@dataclass(frozen=True, slots=True)
class Results:
    flow_groups: tuple[ResultGroup, ...] = ()
    flow: tuple[FlowCount, ...] = ()
    baseline_groups: tuple[ResultGroup, ...] = ()
    baseline: tuple[Measure, ...] = ()
    outcome_measures: tuple[Measure, ...] = ()
    event_groups: tuple[ResultGroup, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class StudyRecord:
    """One version of one ClinicalTrials.gov study, as stated by the registry.

    Dates are ISO strings: ``YYYY-MM-DD`` or ``YYYY-MM`` when the registry gives only a month.
    Enumerations use the API v2 spellings (``COMPLETED``, ``PHASE2``, ``INTERVENTIONAL``...).
    """

    nct_id: str
    source_format: Literal["ctgov-v2", "ctgov-xml"]
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    org_study_id: str | None = None
    secondary_ids: tuple[str, ...] = ()
    nct_aliases: tuple[str, ...] = ()
    overall_status: str | None = None
    why_stopped: str | None = None
    study_type: str | None = None  # INTERVENTIONAL, OBSERVATIONAL, EXPANDED_ACCESS
    phases: tuple[str, ...] = ()  # ("PHASE1", "PHASE2"); () when not applicable / not given
    start_date: str | None = None
    primary_completion_date: str | None = None
    completion_date: str | None = None
    first_posted_date: str | None = None
    last_update_date: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL, ESTIMATED (legacy "Anticipated" -> ESTIMATED)
    brief_summary: str | None = None
    detailed_description: str | None = None
    sponsors: tuple[Sponsor, ...] = ()
    conditions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    arm_groups: tuple[ArmGroup, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    eligibility: Eligibility | None = None
    sites: tuple[Site, ...] = ()
    references: tuple[Reference, ...] = ()
    condition_mesh: tuple[MeshTerm, ...] = ()
    intervention_mesh: tuple[MeshTerm, ...] = ()
    has_results: bool = False
    results: Results | None = None

    @property
    def phase(self) -> str | None:
        """The phases joined as v2 writes them in exports (``PHASE1|PHASE2``), or None."""
        return "|".join(self.phases) or None
