"""One ANZCTR trial (the ``ANZCTR_Trial`` element as a nested dict) → :class:`StudyRecord`.

The ANZCTR XML export is flat and its own vocabulary: dd/mm/yyyy dates, ages split into a number and a
unit element, free text with ``<br>`` line breaks written as escaped markup, "Nil known" where nothing
applies. Everything goes through :mod:`trialgraph.loaders.registries.normalize` so ANZCTR values meet the
CT.gov spellings the graph uses.

Judgement calls: the enrolment is ``actualsamplesize`` when stated (ACTUAL), else ``samplesize``
(ESTIMATED); ``completion_date`` is the last data collection date (actual, else anticipated); funding
sources and secondary sponsors are collaborators. ANZCTR names no interventions, so an intervention is
named after the first line of its description.

Raises :class:`~trialgraph.errors.ParseError` (one line) for no usable ACTRN. An impossible date or a negative
enrolment is only left out (an actual date then falls back to the anticipated one): the record loads and names
the value in a field issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialgraph.errors import ParseError
from trialgraph.loaders.registries import normalize as norm
from trialgraph.loaders.registries.claims import claims_from_text
from trialgraph.loaders.registries.fields import clean_field, first_line, single_line, unique_values
from trialgraph.loaders.registries.stage import FieldIssues
from trialgraph.loaders.registries.tree import as_list, get, texts
from trialgraph.model.criteria import field_items
from trialgraph.model.study import (
    Eligibility,
    IdClaim,
    Intervention,
    Outcome,
    OutcomeKind,
    Site,
    Sponsor,
    SponsorRole,
    StudyRecord,
)
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["AGENCY_CLASSES", "INTERVENTION_CODES", "REGISTRY", "SOURCE_FORMAT", "trial_to_record"]

REGISTRY = "ANZCTR"
SOURCE_FORMAT = "anzctr-xml"
_DATE_FORMATS = ("%d/%m/%Y",)  # the ANZCTR export writes every date day-first

INTERVENTION_CODES: dict[str, str] = {
    "treatment: drugs": "DRUG",
    "treatment: devices": "DEVICE",
    "treatment: surgery": "PROCEDURE",
    "treatment: other": "OTHER",
    "behaviour": "BEHAVIORAL",
    "lifestyle": "BEHAVIORAL",
    "prevention": "OTHER",
    "rehabilitation": "OTHER",
    "diagnosis / prognosis": "DIAGNOSTIC_TEST",
    "early detection / screening": "DIAGNOSTIC_TEST",
    "other interventions": "OTHER",
}
"""ANZCTR ``interventioncode`` → CT.gov v2 ``InterventionType``."""

AGENCY_CLASSES: dict[str, str] = {
    "commercial sector/industry": "INDUSTRY",
    "government body": "OTHER_GOV",
    "individual": "INDIV",
    "hospital": "OTHER",
    "university": "OTHER",
    "charities/societies/foundations": "OTHER",
    "other collaborative groups": "NETWORK",
    "other": "OTHER",
}
"""ANZCTR ``primarysponsortype`` / ``sponsortype`` → CT.gov agency class."""

_OUTCOMES: tuple[tuple[OutcomeKind, str], ...] = (("PRIMARY", "primaryOutcome"), ("SECONDARY", "secondaryOutcome"))


def trial_to_record(trial: Mapping[str, Any]) -> StudyRecord:
    """The record of one ``ANZCTR_Trial`` dict (see :func:`trialgraph.loaders.registries.tree.element_to_dict`)."""
    if not isinstance(trial, Mapping):
        raise ParseError("ANZCTR_Trial has no child elements")
    return _record(trial, _registry_id(trial))


def _registry_id(trial: Mapping[str, Any]) -> str:
    raw = clean_field(trial.get("actrnumber"))
    if raw is None:
        raise ParseError("record without a usable id: no ACTRN (actrnumber)")
    match = canonical_trial_id(raw, "ANZCTR")
    if match is None or match.registry != "ANZCTR" or match.start != 0 or raw[match.end :].strip():
        raise ParseError(f"record without a usable id: malformed ACTRN {raw!r}")
    return match.trial_id


def _record(trial: Mapping[str, Any], rid: str) -> StudyRecord:
    ident = trial.get("trial_identification")
    recruitment = trial.get("recruitment")
    enrollment, enrollment_type, enrollment_issues = _enrollment(recruitment)
    issues = FieldIssues()
    secondary = unique_values(clean_field(v) for v in [*texts(get(ident, "secondaryid")), *texts(get(ident, "utrn"))])
    record = StudyRecord(
        registry_id=rid,
        source_format=SOURCE_FORMAT,
        registry=REGISTRY,
        brief_title=single_line(get(ident, "studytitle")),
        official_title=single_line(get(ident, "scientifictitle")),
        acronym=single_line(get(ident, "trialacronym")),
        secondary_ids=secondary,
        id_claims=_id_claims(ident, rid),
        overall_status=norm.recruitment_status(clean_field(get(recruitment, "recruitmentstatus"))),
        why_stopped=clean_field(get(recruitment, "withdrawnreason")),
        study_type=norm.study_type(clean_field(get(trial, "trial_design.studytype"))),
        phases=norm.phases(clean_field(get(recruitment, "phase"))),
        registration_date=_date(issues, trial, "approvaldate"),
        start_date=_date(issues, recruitment, "actualstartdate") or _date(issues, recruitment, "anticipatedstartdate"),
        completion_date=_date(issues, recruitment, "actuallastvisitdate")
        or _date(issues, recruitment, "anticipatedlastvisitdate"),
        enrollment=enrollment,
        enrollment_type=enrollment_type,
        brief_summary=clean_field(get(trial, "ethicsAndSummary.summary")),
        sponsors=_sponsors(trial.get("sponsorship")),
        conditions=unique_values(single_line(c) for c in texts(get(trial, "conditions.healthcondition"))),
        keywords=_condition_codes(trial),
        interventions=_interventions(trial.get("interventions")),
        outcomes=_outcomes(trial.get("outcomes")),
        eligibility=_eligibility(trial.get("eligibility")),
        countries=_countries(recruitment),
        sites=tuple(
            Site(facility=h) for h in unique_values(clean_field(v) for v in texts(get(recruitment, "hospital")))
        ),
    )
    return issues.record(record, *enrollment_issues)


def _date(issues: FieldIssues, parent: Any, field: str) -> str | None:
    """``parent``'s ``field`` as an ISO date; an impossible one is left out and named in ``issues``."""
    return issues.date(field, clean_field(get(parent, field)), _DATE_FORMATS)


def _id_claims(ident: Any, rid: str) -> tuple[IdClaim, ...]:
    found: dict[str, IdClaim] = {}
    for field in ("secondaryid", "utrn"):
        for claim in claims_from_text(texts(get(ident, field)), evidence=f"trial_identification.{field}", own_id=rid):
            found.setdefault(claim.trial_id, claim)
    return tuple(found.values())


def _enrollment(recruitment: Any) -> tuple[int | None, str | None, list[str | None]]:
    """The actual sample size when usable (ACTUAL), else the target (ESTIMATED), and a line for each of them
    left out as negative or no number."""
    actual, actual_issue = norm.count_or_issue("actualsamplesize", clean_field(get(recruitment, "actualsamplesize")))
    if actual is not None:
        return actual, "ACTUAL", []
    target, target_issue = norm.count_or_issue("samplesize", clean_field(get(recruitment, "samplesize")))
    return target, "ESTIMATED" if target is not None else None, [actual_issue, target_issue]


def _condition_codes(trial: Mapping[str, Any]) -> tuple[str, ...]:
    """ANZCTR's condition category and code, joined as ICTRP joins them ("Cancer - Prostate")."""
    codes = []
    for code in as_list(get(trial, "conditions.conditioncode")):
        parts = [p for p in (clean_field(get(code, "conditioncode1")), clean_field(get(code, "conditioncode2"))) if p]
        codes.append(" - ".join(parts) or None)
    return unique_values(codes)


def _interventions(block: Any) -> tuple[Intervention, ...]:
    codes = [clean_field(c) for c in texts(get(block, "interventioncode"))]
    mapped = [INTERVENTION_CODES.get(c.casefold()) for c in codes if c]
    kind = next((m for m in mapped if m), None)
    result = []
    for description in unique_values(clean_field(v) for v in texts(get(block, "interventions"))):
        name = first_line(description)
        if name:
            result.append(Intervention(kind, name, description))
    return tuple(result)


def _outcomes(block: Any) -> tuple[Outcome, ...]:
    result = []
    for kind, element in _OUTCOMES:
        for item in as_list(get(block, element)):
            measure = clean_field(get(item, "outcome"))
            if measure:
                result.append(Outcome(kind, measure, time_frame=clean_field(get(item, "timepoint"))))
    return tuple(result)


def _eligibility(block: Any) -> Eligibility | None:
    inclusion_text = clean_field(get(block, "inclusivecriteria"))
    exclusion_text = clean_field(get(block, "exclusivecriteria"))
    titled = (("Inclusion Criteria", inclusion_text), ("Exclusion Criteria", exclusion_text))
    eligibility = Eligibility(
        text="\n\n".join(f"{title}:\n{body}" for title, body in titled if body) or None,
        inclusion=_items(inclusion_text),
        exclusion=_items(exclusion_text),
        min_age=_age(block, "inclusiveminage"),
        max_age=_age(block, "inclusivemaxage"),
        sex=norm.sex(clean_field(get(block, "inclusivegender"))),
        healthy_volunteers={"yes": True, "no": False}.get(
            (clean_field(get(block, "healthyvolunteer")) or "").casefold()
        ),
    )
    return None if eligibility == Eligibility() else eligibility


def _items(criteria: str | None) -> tuple[str, ...]:
    """Criteria items: ANZCTR separates them with ``<br>`` (newlines after clean_registry_text); bullets are dropped."""
    return field_items(criteria)


def _age(block: Any, element: str) -> str | None:
    """``inclusiveminage`` + ``inclusiveminagetype`` ("40" + "Years") → "40 Years"; "No limit" → None."""
    number = clean_field(get(block, element))
    unit = clean_field(get(block, f"{element}type"))
    if number is None:
        return None
    return norm.age(f"{number} {unit}" if unit else number)


def _countries(recruitment: Any) -> tuple[str, ...]:
    named = [*texts(get(recruitment, "recruitmentcountry")), *texts(get(recruitment, "countryoutsideaustralia"))]
    return norm.countries("\n".join(named))


def _sponsors(block: Any) -> tuple[Sponsor, ...]:
    named: list[tuple[str | None, SponsorRole, str | None]] = [
        (clean_field(get(block, "primarysponsorname")), "LEAD", clean_field(get(block, "primarysponsortype")))
    ]
    for secondary in as_list(get(block, "secondarysponsor")):
        named.append(
            (clean_field(get(secondary, "sponsorname")), "COLLABORATOR", clean_field(get(secondary, "sponsortype")))
        )
    for funding in as_list(get(block, "fundingsource")):
        named.append(
            (clean_field(get(funding, "fundingname")), "COLLABORATOR", clean_field(get(funding, "fundingtype")))
        )
    sponsors: dict[str, Sponsor] = {}
    for raw, role, kind in named:
        name = norm.sponsor_name(raw)
        if name and name.casefold() not in sponsors:
            sponsors[name.casefold()] = Sponsor(name, role, AGENCY_CLASSES.get(kind.casefold()) if kind else None)
    return tuple(sponsors.values())
