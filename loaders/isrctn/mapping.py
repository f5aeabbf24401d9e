"""One ISRCTN trial (ctrdata-style dict of the ISRCTN API XML ``trial`` element) → :class:`StudyRecord`.

Both ISRCTN formats go through here: the JSONL holds these dicts already, the API XML is turned into the
same dict by :func:`trialgraph.loaders.registries.tree.element_to_dict`. One mapping is what makes the two
formats give equal records.

What ISRCTN does not state is left empty rather than guessed:

* ``overall_status`` only from the registry's explicit overrides (``overallStatusOverride``, then
  ``recruitmentStatusOverride``). ISRCTN derives the status it displays from the recruitment dates and
  *today*; doing that here would make a record's content (and hash) change with the day it is parsed.
* ``registration_date`` / ``last_update_date`` come from the real API's ``isrctn/@dateAssigned`` and
  ``trial/@lastUpdated`` attributes; ctrdata's JSON dropped attributes, so they are None there.
* sponsors come from the real API's ``fullTrial/sponsor`` and ``fullTrial/funder`` blocks (XML only);
  ctrdata kept only their ids (``parties.sponsorId``), which name nobody.

Raises :class:`~trialgraph.errors.ParseError` (one line) for a record that cannot be a record: no
ISRCTN number. A value that cannot be read (an impossible date, a negative enrolment) is only left out: the
record loads without it and names it in a field issue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trialgraph.errors import ParseError
from trialgraph.loaders.registries import normalize as norm
from trialgraph.loaders.registries.claims import claims_from_text
from trialgraph.loaders.registries.fields import clean_field, first_line, single_line, unique_values
from trialgraph.loaders.registries.stage import FieldIssues
from trialgraph.loaders.registries.tree import as_list, attribute, get, text, texts
from trialgraph.model.criteria import field_items
from trialgraph.model.study import (
    Eligibility,
    IdClaim,
    Intervention,
    Outcome,
    Reference,
    Site,
    Sponsor,
    SponsorRole,
    StudyRecord,
)

__all__ = ["INTERVENTION_TYPES", "REGISTRY", "trial_to_record"]

REGISTRY = "ISRCTN"

_ISRCTN_NUMBER = re.compile(r"^(?:ISRCTN)?\s*(\d{8})$", re.IGNORECASE)
_PUBMED_URL = re.compile(r"pubmed(?:\.ncbi\.nlm\.nih\.gov)?/(?:\?term=)?(\d{1,9})", re.IGNORECASE)

INTERVENTION_TYPES: dict[str, str] = {
    "drug": "DRUG",
    "device": "DEVICE",
    "biological/vaccine": "BIOLOGICAL",
    "behavioural": "BEHAVIORAL",
    "procedure/surgery": "PROCEDURE",
    "supplement": "DIETARY_SUPPLEMENT",
    "genetic": "GENETIC",
    "radiotherapy": "RADIATION",
    "other": "OTHER",
    "mixed": "OTHER",
}
"""ISRCTN ``interventionType`` vocabulary → CT.gov v2 ``InterventionType``."""

# Dedicated external-reference fields first: their evidence is the field that names the registry.
_CLAIM_FIELDS = ("eudraCTNumber", "clinicalTrialsGovNumber")


def trial_to_record(
    trial: Mapping[str, Any], *, source_format: str, parties: Mapping[str, Any] | None = None
) -> StudyRecord:
    """The record of one ``trial`` dict; ``parties``: the rest of an API ``fullTrial`` (sponsor, funder)."""
    if not isinstance(trial, Mapping):
        raise ParseError(f"ISRCTN trial is a {type(trial).__name__}, not an object")
    return _record(trial, _registry_id(trial), source_format, parties or {})


def _registry_id(trial: Mapping[str, Any]) -> str:
    raw = text(trial.get("isrctn"))
    m = _ISRCTN_NUMBER.match((raw or "").strip())
    if m is None:
        shown = f"malformed ISRCTN number {raw!r}" if raw and raw.strip() else "no ISRCTN number (isrctn)"
        raise ParseError(f"record without a usable id: {shown}")
    return f"ISRCTN{m.group(1)}"


def _record(trial: Mapping[str, Any], rid: str, source_format: str, parties: Mapping[str, Any]) -> StudyRecord:
    desc = get(trial, "trialDescription")
    design = get(trial, "trialDesign")
    people = get(trial, "participants")
    enrollment, enrollment_type, enrollment_issues = _enrollment(people)
    issues = FieldIssues()
    record = StudyRecord(
        registry_id=rid,
        source_format=source_format,
        registry=REGISTRY,
        brief_title=single_line(get(desc, "title")),
        official_title=single_line(get(desc, "scientificTitle")),
        acronym=single_line(get(desc, "acronym")),
        org_study_id=clean_field(get(trial, "externalRefs.protocolSerialNumber")),
        secondary_ids=_secondary_ids(trial),
        overall_status=_status(design, people),
        why_stopped=clean_field(get(design, "reasonAbandoned")),
        study_type=norm.study_type(text(get(design, "primaryStudyDesign"))),
        phases=_phases(trial),
        start_date=_date(issues, "recruitmentStart", get(people, "recruitmentStart")),
        completion_date=_date(issues, "overallEndDate", get(design, "overallEndDate")),
        last_update_date=_date(issues, "lastUpdated", attribute(trial, "lastUpdated")),
        registration_date=_date(issues, "dateAssigned", attribute(trial.get("isrctn"), "dateAssigned")),
        enrollment=enrollment,
        enrollment_type=enrollment_type,
        brief_summary=clean_field(get(desc, "plainEnglishSummary")),
        detailed_description=clean_field(get(desc, "studyHypothesis")),
        sponsors=_sponsors(parties),
        conditions=unique_values(
            single_line(get(c, "description")) for c in as_list(get(trial, "conditions.condition"))
        ),
        keywords=_keywords(trial),
        interventions=_interventions(trial),
        outcomes=_outcomes(desc),
        eligibility=_eligibility(people),
        sites=_sites(people),
        countries=_countries(people),
        references=_references(trial),
        has_results=bool(clean_field(get(trial, "results.basicReport"))),
        id_claims=_id_claims(trial, rid),
    )
    return issues.record(record, *enrollment_issues)


def _date(issues: FieldIssues, field: str, value: Any) -> str | None:
    """ISRCTN writes ISO datetimes ("2015-11-01T00:00:00.000Z"), which parse_date reads as such."""
    return issues.date(field, clean_field(value))


def _secondary_ids(trial: Mapping[str, Any]) -> tuple[str, ...]:
    return unique_values(clean_field(v) for v in texts(get(trial, "externalRefs.secondaryNumbers.secondaryNumber")))


def _id_claims(trial: Mapping[str, Any], rid: str) -> tuple[IdClaim, ...]:
    """Registry ids stated in externalRefs: dedicated fields first, then the free secondary-number list."""
    found: dict[str, IdClaim] = {}
    sources = [(f"externalRefs.{field}", [text(get(trial, f"externalRefs.{field}"))]) for field in _CLAIM_FIELDS]
    sources.append(
        ("externalRefs.secondaryNumbers", texts(get(trial, "externalRefs.secondaryNumbers.secondaryNumber")))
    )
    for evidence, values in sources:
        for claim in claims_from_text(values, evidence=evidence, own_id=rid):
            found.setdefault(claim.trial_id, claim)
    return tuple(found.values())


def _status(design: Any, people: Any) -> str | None:
    stated = clean_field(get(design, "overallStatusOverride")) or clean_field(get(people, "recruitmentStatusOverride"))
    return norm.recruitment_status(stated) if stated else None


def _phases(trial: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for intervention in as_list(get(trial, "interventions.intervention")):
        found.extend(norm.phases(text(get(intervention, "phase"))))
    return tuple(dict.fromkeys(found))


def _enrollment(people: Any) -> tuple[int | None, str | None, list[str | None]]:
    """The final enrolment when the registry states a usable one (ACTUAL), else the target (ESTIMATED), and a
    line for each of them left out as negative or no number."""
    actual, actual_issue = norm.count_or_issue("totalFinalEnrolment", text(get(people, "totalFinalEnrolment")))
    if actual is not None:
        return actual, "ACTUAL", []
    target, target_issue = norm.count_or_issue("targetEnrolment", text(get(people, "targetEnrolment")))
    return target, "ESTIMATED" if target is not None else None, [actual_issue, target_issue]


def _keywords(trial: Mapping[str, Any]) -> tuple[str, ...]:
    """ISRCTN's disease classification (``diseaseClass1``: ICD chapter, ``diseaseClass2``: ICD category)."""
    values = []
    for condition in as_list(get(trial, "conditions.condition")):
        values += [clean_field(get(condition, "diseaseClass1")), clean_field(get(condition, "diseaseClass2"))]
    return unique_values(values)


def _interventions(trial: Mapping[str, Any]) -> tuple[Intervention, ...]:
    result = []
    for item in as_list(get(trial, "interventions.intervention")):
        description = clean_field(get(item, "description"))
        name = single_line(get(item, "drugNames")) or first_line(description)
        if name is None:
            continue
        kind = clean_field(get(item, "interventionType"))
        result.append(Intervention(INTERVENTION_TYPES.get(kind.casefold()) if kind else None, name, description))
    return tuple(result)


def _outcomes(desc: Any) -> tuple[Outcome, ...]:
    """ISRCTN's outcome fields are free text (numbered lists, time points inside); one outcome per field."""
    kinds = (("PRIMARY", "primaryOutcome"), ("SECONDARY", "secondaryOutcome"))
    return tuple(Outcome(kind, measure) for kind, field in kinds if (measure := clean_field(get(desc, field))))


def _eligibility(people: Any) -> Eligibility | None:
    inclusion_text = clean_field(get(people, "inclusion"))
    exclusion_text = clean_field(get(people, "exclusion"))
    inclusion = field_items(inclusion_text)
    exclusion = field_items(exclusion_text)
    blocks = [
        f"{title}:\n{body}"
        for title, body in (("Inclusion Criteria", inclusion_text), ("Exclusion Criteria", exclusion_text))
        if body
    ]
    eligibility = Eligibility(
        text="\n\n".join(blocks) or None,
        inclusion=inclusion,
        exclusion=exclusion,
        min_age=norm.age(clean_field(get(people, "lowerAgeLimit"))),
        max_age=norm.age(clean_field(get(people, "upperAgeLimit"))),
        sex=norm.sex(clean_field(get(people, "gender"))),
        healthy_volunteers=_healthy_volunteers(texts(get(people, "participantTypes.participantType"))),
    )
    return None if eligibility == Eligibility() else eligibility


def _healthy_volunteers(types: list[str]) -> bool | None:
    """True when healthy volunteers are among the participant types; False when only patients are."""
    folded = {t.strip().casefold() for t in types}
    if "healthy volunteer" in folded:
        return True
    return False if folded == {"patient"} else None


def _sites(people: Any) -> tuple[Site, ...]:
    sites = []
    for centre in as_list(get(people, "trialCentres.trialCentre")):
        country = clean_field(get(centre, "country"))
        site = Site(
            facility=clean_field(get(centre, "name")),
            city=clean_field(get(centre, "city")),
            state=clean_field(get(centre, "state")),
            country=norm.country(country) if country else None,
        )
        if site != Site():
            sites.append(site)
    return tuple(sites)


def _countries(people: Any) -> tuple[str, ...]:
    """Recruitment countries; UK nations ("England", "Wales") fold into United Kingdom."""
    return norm.countries("\n".join(texts(get(people, "recruitmentCountries.country"))))


def _references(trial: Mapping[str, Any]) -> tuple[Reference, ...]:
    """PubMed links in ``results.publicationDetails`` ("2019 Results article in https://…/pubmed/31597020")."""
    found: dict[str, Reference] = {}
    for line in (clean_field(get(trial, "results.publicationDetails")) or "").split("\n"):
        for pmid in _PUBMED_URL.findall(line):
            kind = "RESULT" if "result" in line.casefold() else "BACKGROUND"
            found.setdefault(pmid, Reference(kind, pmid=pmid, citation=line.strip()))
    return tuple(found.values())


def _sponsors(parties: Mapping[str, Any]) -> tuple[Sponsor, ...]:
    """Real API ``fullTrial``: ``sponsor/organisation`` is the lead, each ``funder/name`` a collaborator."""
    lead: SponsorRole = "LEAD"
    collaborator: SponsorRole = "COLLABORATOR"
    named = [(_name(get(s, "organisation")), lead) for s in as_list(parties.get("sponsor"))]
    named += [(_name(get(f, "name")), collaborator) for f in as_list(parties.get("funder"))]
    sponsors: dict[str, Sponsor] = {}
    for name, role in named:
        if name and name.casefold() not in sponsors:
            sponsors[name.casefold()] = Sponsor(name, role)
    return tuple(sponsors.values())


def _name(value: Any) -> str | None:
    cleaned = clean_field(value)
    return norm.sponsor_name(cleaned) if cleaned else None
