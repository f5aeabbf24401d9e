"""The one mapping from ICTRP field values to a ``StudyRecord``, shared by all three ICTRP formats.

Parsers hand over a dict keyed by *canonical* field names (see ``crosswalk``), so a trial exported as
full CSV, COVID-19 CSV or XML gives equal records wherever the exports carry the same values. Every
value goes through ``trialgraph.loaders.registries.normalize`` (placeholders such as ``NULL``, dates in
each registry's own formats, status/phase/type vocabularies) rather than local rules. A record that cannot
be identified (no TrialID, one of no known registry) raises ``ParseError`` and is quarantined. A value that
cannot be read is only left out: an impossible or unreadable date, a target size that is negative or no
number; the record loads without it and carries the reason (a field issue, naming the field and value).
"""

from __future__ import annotations

from collections.abc import Mapping

from trialgraph.errors import ParseError
from trialgraph.loaders.ictrp import identity, text
from trialgraph.loaders.registries import normalize
from trialgraph.loaders.registries.stage import with_issues
from trialgraph.model.registry_ids import registry_of
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import Sponsor, StudyRecord
from trialgraph.model.text import clean_registry_text

__all__ = ["SOURCE_FORMATS", "record_or_quarantine", "to_record"]

SOURCE_FORMATS: tuple[str, ...] = ("ictrp-csv", "ictrp-covid-csv", "ictrp-xml")

# type_enrolment says whether Target_size is a count or a plan (v2 spells the plan ESTIMATED).
_ENROLLMENT_TYPES = {"actual": "ACTUAL", "anticipated": "ESTIMATED"}
_YES = frozenset({"yes", "true"})
# Dates whose empty (or unreadable) value may be stood in for by another field (XML/COVID files carry YYYYMMDD too).
_DATE_FALLBACKS = {"Date_registration": "Date_registration3"}
# Record date field -> the ICTRP field it is read from.
_DATE_FIELDS: dict[str, str] = {
    "registration_date": "Date_registration",
    "start_date": "Date_enrollement",
    "last_update_date": "Last_Refreshed_on",
    "completion_date": "results_date_completed",
}


def _value(values: Mapping[str, str | None], field: str) -> str | None:
    raw = values.get(field)
    if raw is None:
        return None
    cleaned = clean_registry_text(raw)
    return None if cleaned is None or normalize.is_placeholder(cleaned) else cleaned


def _date(values: Mapping[str, str | None], field: str, registry: str) -> tuple[str | None, list[str | None]]:
    """A field's date in ISO form, read with the registry's formats for that field, and a line per bad value.

    A bad value is left out (and named), then its stand-in field is tried: the record loads either way.
    """
    issues: list[str | None] = []
    for name in (field, _DATE_FALLBACKS.get(field)):
        if name is None:
            continue
        found, issue = normalize.date_or_issue(name, _value(values, name), normalize.date_formats(registry, name))
        issues.append(issue)
        if found is not None:
            return found, issues
    return None, issues


def _dates(values: Mapping[str, str | None], registry: str) -> tuple[dict[str, str | None], list[str | None]]:
    """Every record date field of :data:`_DATE_FIELDS`, and the lines for the values left out."""
    dates: dict[str, str | None] = {}
    issues: list[str | None] = []
    for attr, field in _DATE_FIELDS.items():
        dates[attr], field_issues = _date(values, field, registry)
        issues += field_issues
    return dates, issues


def _sponsors(values: Mapping[str, str | None]) -> tuple[Sponsor, ...]:
    lead = normalize.sponsor_name(_value(values, "Primary_sponsor"))
    found = [Sponsor(lead, "LEAD")] if lead else []
    for piece in text.split_list(values.get("Secondary_sponsors")):
        name = normalize.sponsor_name(piece)
        if name:
            found.append(Sponsor(name, "COLLABORATOR"))
    return tuple(dict.fromkeys(found))


def _registry(values: Mapping[str, str | None], trial_id: str) -> str:
    registry = registry_of(trial_id)
    if registry is None:
        raise ParseError(f"TrialID {trial_id!r} has no known registry prefix", record_id=trial_id, field="TrialID")
    return registry


def _flag(values: Mapping[str, str | None], field: str) -> bool:
    value = _value(values, field)
    return value is not None and value.casefold() in _YES


def to_record(values: Mapping[str, str | None], *, source_format: str) -> StudyRecord:
    """A typed record from one trial's canonical-named ICTRP values. Raises ParseError for a record of no usable id."""
    trial_id = (values.get("TrialID") or "").strip()
    if not trial_id or normalize.is_placeholder(trial_id):
        raise ParseError("TrialID is empty", field="TrialID")
    try:
        return _build(values, trial_id, source_format)
    except ParseError as e:
        raise ParseError(e.reason, record_id=trial_id, field=e.field) from None


def _build(values: Mapping[str, str | None], trial_id: str, source_format: str) -> StudyRecord:
    registry = _registry(values, trial_id)
    own, _ = identity.canonical_id(trial_id)
    enrollment_type = _value(values, "type_enrolment")
    enrollment, enrollment_issue = normalize.count_or_issue("Target_size", _value(values, "Target_size"))
    dates, date_issues = _dates(values, registry)
    record = StudyRecord(
        registry_id=trial_id,
        source_format=source_format,
        registry=registry,
        canonical_id=own if own != trial_id else None,
        id_claims=identity.id_claims(values, trial_id),
        brief_title=_value(values, "public_title"),
        official_title=_value(values, "Scientific_title"),
        acronym=_value(values, "Acronym"),
        secondary_ids=text.split_list(values.get("SecondaryIDs")),
        overall_status=normalize.recruitment_status(_value(values, "Recruitment_status")),
        study_type=normalize.study_type(_value(values, "study_type")),
        phases=normalize.phases(_value(values, "phase")),
        **dates,
        enrollment=enrollment,
        enrollment_type=_ENROLLMENT_TYPES.get(enrollment_type.casefold()) if enrollment_type else None,
        sponsors=_sponsors(values),
        countries=normalize.countries(_value(values, "Countries")),
        conditions=text.conditions(values.get("Conditions")),
        interventions=text.interventions(values.get("Interventions"), registry),
        outcomes=(
            text.outcomes(values.get("Primary_Outcome"), "PRIMARY", registry)
            + text.outcomes(values.get("Secondary_Outcomes"), "SECONDARY", registry)
        ),
        eligibility=text.eligibility(
            values.get("Inclusion_Criteria"),
            values.get("Exclusion_Criteria"),
            min_age=normalize.age(_value(values, "Agemin")),
            max_age=normalize.age(_value(values, "Agemax")),
            sex=normalize.sex(_value(values, "Gender")),
        ),
        references=text.references(values.get("results_url_link")),
        has_results=_flag(values, "results_yes_no"),
    )
    return with_issues(record, [*date_issues, enrollment_issue])


def record_or_quarantine(
    values: Mapping[str, str | None], *, source_format: str, origin: str
) -> tuple[StudyRecord | Quarantined, str]:
    """``to_record`` as a (record or quarantine entry, origin) pair; a mapping bug quarantines one record."""
    try:
        return to_record(values, source_format=source_format), origin
    except ParseError as e:
        return Quarantined(origin=origin, reason=e.reason, record_id=e.record_id), origin
    except Exception as e:  # a bug on one odd value must cost one record, not the load
        record_id = (values.get("TrialID") or "").strip() or None
        return Quarantined(
            origin=origin, reason=f"mapping failed: {type(e).__name__}: {e}", record_id=record_id
        ), origin
