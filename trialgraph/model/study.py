"""The typed study record every registry parser produces (CT.gov v2 JSON and legacy XML first, then WHO
ICTRP, EU CTR, CTIS, ISRCTN, ANZCTR).

The record is the contract between parsing and writing: parsers fill it from one source format, the
graph writer turns it into rows. Two formats must give equal records for the same study version, so
every field holds a normalised value (ISO dates, CT.gov API v2 enum spellings for status, phase and
study type, MeSH ids as ``D`` + 6 digits) rather than the format's own spelling. What a record says
about its identity in other registries is in ``id_claims``; identity resolution groups records into
trials from those claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from trialgraph.model.people import (
    AvailableIpd,
    Contact,
    CountryListing,
    Disclosure,
    LargeDocument,
    Official,
    PendingResultsEvent,
    SeeAlsoLink,
)
from trialgraph.model.results import AnalyzedCount, DropWithdrawal, EventReporting, OutcomeAnalysis

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
    preamble: tuple[str, ...] = ()  # items before any inclusion/exclusion heading
    inclusion: tuple[str, ...] = ()
    exclusion: tuple[str, ...] = ()
    min_age: str | None = None  # as written, e.g. "18 Years"
    max_age: str | None = None
    sex: str | None = None  # ALL, FEMALE, MALE
    healthy_volunteers: bool | None = None
    study_population: str | None = None  # observational studies
    sampling_method: str | None = None  # PROBABILITY_SAMPLE, NON_PROBABILITY_SAMPLE
    gender_based: bool | None = None
    gender_description: str | None = None
    # CT.gov's age groups (AACT ``eligibilities.child/adult/older_adult``): CHILD, ADULT, OLDER_ADULT. API v2 states
    # them (``stdAges``); legacy XML does not, so its parser derives them from the ages by CT.gov's rule (age_groups()).
    std_ages: tuple[str, ...] = ()


_AGE = re.compile(r"^(\d+(?:\.\d+)?) +(year|month|week|day|hour|minute)s?$", re.IGNORECASE)
_YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (24 * 365.25),
    "minute": 1 / (24 * 60 * 365.25),
}


def _age_in_years(age: str) -> float | None:
    match = _AGE.match(age.strip())
    return None if match is None else float(match[1]) * _YEARS_PER_UNIT[match[2].lower()]


def age_groups(min_age: str | None, max_age: str | None) -> tuple[str, ...]:
    """CT.gov's age groups of an age range, by its rule: CHILD (birth-17), ADULT (18-64), OLDER_ADULT (65+).

    Why: legacy XML does not state the groups (API v2's ``stdAges``, AACT's ``adult``/``child``/``older_adult``),
    but CT.gov computes them from the minimum and maximum age alone, so the legacy parser derives them the same way
    (checked against every v2 record's own groups in tests/loaders/test_ctgov_aact_extras.py). No minimum is birth,
    no maximum is no limit. An age that is not "<number> <unit>" gives no groups: nothing is guessed.
    """
    low = 0.0 if min_age is None else _age_in_years(min_age)
    high = float("inf") if max_age is None else _age_in_years(max_age)
    if low is None or high is None:
        return ()
    groups = (("CHILD", low < 18), ("ADULT", low < 65 and high >= 18), ("OLDER_ADULT", high >= 65))
    return tuple(name for name, applies in groups if applies)


@dataclass(frozen=True, slots=True)
class Design:
    """How the study is designed (AACT's ``designs`` table), in CT.gov API v2's enum spelling."""

    allocation: str | None = None  # RANDOMIZED, NON_RANDOMIZED, NA
    intervention_model: str | None = None  # PARALLEL, SINGLE_GROUP, CROSSOVER, FACTORIAL, SEQUENTIAL
    intervention_model_description: str | None = None
    primary_purpose: str | None = None  # TREATMENT, PREVENTION, SUPPORTIVE_CARE...
    observational_model: str | None = None  # COHORT, CASE_CONTROL...
    time_perspective: str | None = None  # PROSPECTIVE, RETROSPECTIVE, CROSS_SECTIONAL, OTHER
    masking: str | None = None  # NONE, SINGLE, DOUBLE, TRIPLE, QUADRUPLE
    masked_roles: tuple[str, ...] = ()  # PARTICIPANT, CARE_PROVIDER, INVESTIGATOR, OUTCOMES_ASSESSOR
    masking_description: str | None = None
    number_of_arms: int | None = None  # arms (interventional) or groups (observational)
    target_duration: str | None = None  # as written, e.g. "6 Months"
    biospec_retention: str | None = None  # NONE_RETAINED, SAMPLES_WITH_DNA, SAMPLES_WITHOUT_DNA
    biospec_description: str | None = None
    # Observational studies: is it a patient registry (v2 ``patientRegistry``; legacy says so only by the study type
    # label "Observational [Patient Registry]", so a legacy record states True or nothing).
    patient_registry: bool | None = None


@dataclass(frozen=True, slots=True)
class StudyDetails:
    """Study-level facts AACT keeps beyond the core record: dates and their types, oversight, IPD sharing.

    Dates are ISO as the registry gives them; ``*_type`` is ACTUAL or ESTIMATED in API v2's spelling (legacy
    "Anticipated" and "Estimate" are ESTIMATED).
    """

    status_verified_date: str | None = None
    last_known_status: str | None = None
    first_submitted_qc_date: str | None = None
    first_posted_date_type: str | None = None
    start_date_type: str | None = None
    primary_completion_date_type: str | None = None
    completion_date_type: str | None = None
    results_first_submitted_date: str | None = None
    results_first_submitted_qc_date: str | None = None
    results_first_posted_date: str | None = None
    results_first_posted_date_type: str | None = None
    disposition_first_submitted_date: str | None = None
    disposition_first_submitted_qc_date: str | None = None
    disposition_first_posted_date: str | None = None
    disposition_first_posted_date_type: str | None = None
    last_update_submitted_date: str | None = None
    last_update_submitted_qc_date: str | None = None  # legacy XML only: API v2 has no such date
    last_update_posted_date_type: str | None = None
    source_organization: str | None = None  # AACT "source": the organisation that submitted the record
    has_dmc: bool | None = None
    is_fda_regulated_drug: bool | None = None
    is_fda_regulated_device: bool | None = None
    is_unapproved_device: bool | None = None
    is_ppsd: bool | None = None
    is_us_export: bool | None = None
    ipd_sharing: str | None = None  # YES, NO, UNDECIDED
    ipd_description: str | None = None
    ipd_info_types: tuple[str, ...] = ()  # STUDY_PROTOCOL, SAP, ICF, CSR, ANALYTIC_CODE
    ipd_time_frame: str | None = None
    ipd_access_criteria: str | None = None
    ipd_url: str | None = None


@dataclass(frozen=True, slots=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None  # the facility's postal code, as written ("94143-0728")
    country: str | None = None
    status: str | None = None  # the site's recruitment status, v2 spelling (RECRUITING, COMPLETED...)
    contacts: tuple[Contact, ...] = ()  # contacts and investigators named at the site (see model.people)


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
class IdClaim:
    """A trial id a record states for the same study in another registry (or a sibling record), and where.

    ``relation`` says what kind of identity: ``same_trial`` (a secondary id, a bridging flag), ``member_state``
    (EUCTR country records of one EudraCT number), ``transition`` (a EudraCT trial moved to CTIS),
    ``subregistry_transfer`` (a JPRN record's former UMIN id).
    """

    trial_id: str  # canonical: NCT01234567, 2004-000123-45, ISRCTN12345678, ChiCTR2000029308...
    registry: str  # registry of that id, as trialgraph.model.trial_ids names it
    evidence: str  # the field that states it: "SecondaryIDs", "Bridging_flag", "a52_us_nct_...", ...
    relation: str = "same_trial"


@dataclass(frozen=True, slots=True)
class ResultGroup:
    group_id: str  # "FG000", "BG000", "OG000", "EG000"
    title: str
    description: str | None = None
    # Adverse-event groups only: the group's totals (v2 ``seriousNumAffected``...; legacy's "Total" category).
    serious_affected: int | None = None
    serious_at_risk: int | None = None
    other_affected: int | None = None
    other_at_risk: int | None = None
    deaths_affected: int | None = None
    deaths_at_risk: int | None = None


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
    lower_limit: str | None = None  # as written, like value (v2 ``lowerLimit``, legacy ``lower_limit``)
    upper_limit: str | None = None
    comment: str | None = None  # why a value is missing (v2 ``comment``, legacy the measurement's text)


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
    population: str | None = None  # who was analysed (v2 ``populationDescription``, legacy ``population``)
    type_units_analyzed: str | None = None  # units analysed when not participants ("eyes")
    dispersion_type: str | None = None  # as both formats write it: "Standard Deviation", "95% Confidence Interval"
    reporting_status: str | None = None  # POSTED, NOT_POSTED (v2 only)
    denoms: tuple[AnalyzedCount, ...] = ()  # analysed counts per group
    analyses: tuple[OutcomeAnalysis, ...] = ()


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    kind: EventKind
    term: str
    organ_system: str | None
    group_id: str
    affected: int | None
    at_risk: int | None
    assessment_type: str | None = None  # SYSTEMATIC_ASSESSMENT, NON_SYSTEMATIC_ASSESSMENT
    source_vocabulary: str | None = None  # "MedDRA 8.0" (legacy: the event's vocab, else its section's default)


@dataclass(frozen=True, slots=True)
class Results:
    flow_groups: tuple[ResultGroup, ...] = ()
    flow: tuple[FlowCount, ...] = ()
    baseline_groups: tuple[ResultGroup, ...] = ()
    baseline: tuple[Measure, ...] = ()
    outcome_measures: tuple[Measure, ...] = ()
    event_groups: tuple[ResultGroup, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    drop_withdrawals: tuple[DropWithdrawal, ...] = ()
    baseline_denoms: tuple[AnalyzedCount, ...] = ()
    event_reporting: EventReporting | None = None


@dataclass(frozen=True, slots=True)
class StudyRecord:
    """One version of one registry's record of a study, as stated by the registry.

    Dates are ISO strings: ``YYYY-MM-DD`` or ``YYYY-MM`` when the registry gives only a month.
    Enumerations use the API v2 spellings (``COMPLETED``, ``PHASE2``, ``INTERVENTIONAL``...).
    """

    registry_id: str  # the record's id in the registry that holds it, as written (an NCT id for CT.gov)
    source_format: str  # "ctgov-v2", "ctgov-xml", "ictrp-csv", "euctr-text", "ctis-json"...
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
    design: Design | None = None
    details: StudyDetails | None = None
    registry: str = "ClinicalTrials.gov"  # the registry holding the record (for ICTRP rows: the source register)
    canonical_id: str | None = None  # its own id in canonical form when that differs ("2018-004320-11" for
    # the EUCTR country record "2018-004320-11-HU"); the trial key identity resolution starts from
    id_claims: tuple[IdClaim, ...] = ()
    countries: tuple[str, ...] = ()  # recruitment countries (ISO 3166 short names) when the registry lists no sites
    registration_date: str | None = None
    # AACT parity, see trialgraph.model.people
    disclosure: Disclosure | None = None  # responsible party, expanded access, agreements, limitations
    officials: tuple[Official, ...] = ()
    central_contacts: tuple[Contact, ...] = ()
    see_also_links: tuple[SeeAlsoLink, ...] = ()
    large_documents: tuple[LargeDocument, ...] = ()
    available_ipds: tuple[AvailableIpd, ...] = ()
    country_list: tuple[CountryListing, ...] = ()  # CT.gov: the countries of its sites, and removed ones
    pending_results: tuple[PendingResultsEvent, ...] = ()

    @property
    def phase(self) -> str | None:
        """The phases joined as v2 writes them in exports (``PHASE1|PHASE2``), or None."""
        return "|".join(self.phases) or None
