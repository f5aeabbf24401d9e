"""CTIS (EU Regulation 536/2014) trial JSON -> ``StudyRecord``, for both public-API generations.

CTIS relaunched its public API in June 2024 and the record JSON changed shape: the 2023 records hold the
authorised Part I at the top (``authorizedPartI``, ``memberStatesConcerned``, ``eudraCtInfo``, ISO dates, the
overall status as text), the later ones nest it (``authorizedApplication.authorizedPartI``,
``authorizedApplication.eudraCt``), add ``events`` and ``results`` and write the status as a code and dates
as dd/mm/yyyy. A dict of shape detectors picks one ``Shape`` (where each generation keeps a fact); one builder
then maps the facts both share, so the two generations give the same fields for the same trial.

A record without a CTIS number or of neither shape is rejected. A value that cannot be read (an impossible date, a
negative enrolment) is only left out: the record loads without it and names it in a field issue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialgraph.errors import ParseError
from trialgraph.loaders.registries import normalize
from trialgraph.loaders.registries.claims import claims_from_text
from trialgraph.loaders.registries.jsonlines import iter_json_objects
from trialgraph.loaders.registries.stage import FieldIssues
from trialgraph.model.registry_ids import registry_of
from trialgraph.model.staged import Quarantined
from trialgraph.model.study import Eligibility, IdClaim, Intervention, Outcome, Sponsor, StudyRecord
from trialgraph.model.text import clean_registry_text
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["REGISTRY", "SHAPES", "STATUS_CODES", "Shape", "detect_shape", "iter_ctis", "parse_trial"]

REGISTRY = "CTIS"
SOURCE_FORMAT = "ctis-json"
_DAY_FIRST = ("%d/%m/%Y",)  # the 2024 API's dates; the 2023 JSON writes ISO dates

# ctPublicStatusCode (and the 2024 ctStatus) -> the portal's overall trial status text (as ctrdata's
# f.statusRecruitment documents the codes), which normalize.recruitment_status maps.
STATUS_CODES: dict[int, str] = {
    1: "Under evaluation",
    2: "Authorised, recruitment pending",
    3: "Authorised, recruiting",
    4: "Ongoing, recruiting",
    5: "Ongoing, recruitment ended",
    6: "Temporarily halted",
    7: "Suspended",
    8: "Ended",
    9: "Expired",
    10: "Revoked",
    11: "Not authorised",
    12: "Cancelled",
}
# Top-level "ageGroup" pieces -> (lower, upper) limit as written; None = no limit on that side.
_AGE_GROUPS: dict[str, tuple[str | None, str | None]] = {
    "0-17 years": (None, "17 Years"),
    "18-64 years": ("18 Years", "64 Years"),
    "65+ years": ("65 Years", None),
}
_AGENCY_CLASS = {"commercial": "INDUSTRY", "non-commercial": "OTHER"}


@dataclass(frozen=True, slots=True)
class Shape:
    """Where one JSON generation keeps each fact the builder needs."""

    name: str
    part_one: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    status: Callable[[Mapping[str, Any]], str | None]
    member_states: Callable[[Mapping[str, Any]], list[str]]
    eudract: Callable[[Mapping[str, Any]], tuple[str | None, str]]  # (EudraCT number, evidence field)
    submitted: Callable[[Mapping[str, Any]], str | None]
    start: Callable[[Mapping[str, Any]], str | None]
    has_results: Callable[[Mapping[str, Any]], bool]


def _get(value: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, Mapping) else None
    return value


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _status_text(value: Any) -> str | None:
    """The 2023 JSON writes the status as text, the 2024 API as a code."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return STATUS_CODES.get(value)
    return value if isinstance(value, str) else None


def _names(items: list[Mapping[str, Any]], *keys: str) -> list[str]:
    return [name for item in items for name in [next((item[k] for k in keys if item.get(k)), None)] if name]


_SHAPE_2023 = Shape(
    name="ctis-2023",
    part_one=lambda d: _get(d, "authorizedPartI") or {},
    status=lambda d: _status_text(d.get("ctStatus")),
    member_states=lambda d: _names(_list(d.get("memberStatesConcerned")), "mscName", "countryName"),
    eudract=lambda d: (_get(d, "eudraCtInfo", "eudraCtCode"), "eudraCtInfo.eudraCtCode"),
    submitted=lambda d: d.get("submissionDate"),
    start=lambda d: None,  # the 2023 JSON holds no actual start date
    has_results=lambda d: bool(d.get("results")),
)
_SHAPE_2024 = Shape(
    name="ctis-2024",
    part_one=lambda d: _get(d, "authorizedApplication", "authorizedPartI") or {},
    status=lambda d: _status_text(d.get("ctStatus")) or _status_text(d.get("ctPublicStatusCode")),
    member_states=lambda d: _names(_list(_get(d, "authorizedApplication", "memberStatesConcerned")), "mscName"),
    eudract=lambda d: (
        _get(d, "authorizedApplication", "eudraCt", "eudraCtCode"),
        "authorizedApplication.eudraCt.eudraCtCode",
    ),
    submitted=lambda d: min(
        (s for s in (i.get("submissionDate") for i in _list(_get(d, "authorizedApplication", "applicationInfo"))) if s),
        default=None,
    ),
    start=lambda d: d.get("startDateEU"),
    has_results=lambda d: bool(d.get("results")),
)

# Detector -> shape; the first detector that accepts a record decides (newest generation first).
SHAPES: dict[Callable[[Mapping[str, Any]], bool], Shape] = {
    lambda d: isinstance(d.get("authorizedApplication"), Mapping): _SHAPE_2024,
    lambda d: isinstance(d.get("authorizedPartI"), Mapping): _SHAPE_2023,
}


def detect_shape(raw: Mapping[str, Any]) -> Shape | None:
    """The JSON generation of one record, or None when it is neither."""
    return next((shape for accepts, shape in SHAPES.items() if accepts(raw)), None)


def iter_ctis(path: Path) -> Iterator[tuple[StudyRecord | Quarantined, str]]:
    """(record or rejection, origin ``path:line``) for each line of a CTIS JSON-lines file.

    Raises:
        SourceError: the file cannot be opened.
    """
    for raw, origin in iter_json_objects(path, what="CTIS JSON lines"):
        yield (raw if isinstance(raw, Quarantined) else _parse_object(raw, origin)), origin


def _parse_object(raw: Mapping[str, Any], origin: str) -> StudyRecord | Quarantined:
    try:
        return parse_trial(raw)
    except ParseError as exc:
        return Quarantined(origin=origin, reason=exc.reason, record_id=exc.record_id)
    except Exception as exc:  # a mapping bug must quarantine one record, not end the load
        return Quarantined(origin=origin, reason=f"parser failed: {type(exc).__name__}: {exc}", record_id=None)


def parse_trial(raw: Mapping[str, Any]) -> StudyRecord:
    """Map one CTIS trial. Raises ParseError (no CT number, unknown shape)."""
    ct_number = raw.get("ctNumber")
    if not isinstance(ct_number, str) or registry_of(ct_number) != REGISTRY:
        raise ParseError(f"record has no CTIS number (ctNumber: {ct_number!r})")
    shape = detect_shape(raw)
    if shape is None:
        raise ParseError(
            "unknown CTIS JSON shape (neither authorizedPartI nor authorizedApplication)", record_id=ct_number
        )
    return _build(raw, ct_number, shape)


def _build(raw: Mapping[str, Any], ct_number: str, shape: Shape) -> StudyRecord:
    part = shape.part_one(raw)
    details = _get(part, "trialDetails") or {}
    identifiers = _get(details, "clinicalTrialIdentifiers") or {}
    info = _get(details, "trialInformation") or {}
    text = clean_registry_text
    enrollment, enrollment_issue = normalize.count_or_issue("totalNumberEnrolled", _str(raw.get("totalNumberEnrolled")))
    issues = FieldIssues()
    record = StudyRecord(
        registry_id=ct_number,
        source_format=SOURCE_FORMAT,
        registry=REGISTRY,
        canonical_id=ct_number,
        brief_title=text(identifiers.get("publicTitle")) or text(raw.get("title")),
        official_title=text(identifiers.get("fullTitle")),
        acronym=text(identifiers.get("shortTitle")),  # CTIS: "short title / acronym"
        overall_status=normalize.recruitment_status(shape.status(raw)),
        study_type="INTERVENTIONAL",  # CTIS holds clinical trials of medicinal products only
        phases=_phases(raw.get("trialPhase")),
        start_date=issues.date("startDateEU", shape.start(raw), _DAY_FIRST),
        last_update_date=issues.date("lastUpdated", raw.get("lastUpdated"), _DAY_FIRST),
        registration_date=issues.date("submissionDate", shape.submitted(raw), _DAY_FIRST),
        enrollment=enrollment,
        enrollment_type="ESTIMATED",
        sponsors=_sponsors(part, raw),
        conditions=tuple(dict.fromkeys(_names(_list(part.get("medicalConditions")), "medicalCondition"))),
        keywords=tuple(
            dict.fromkeys(_names(_list(_get(info, "medicalCondition", "meddraConditionTerms")), "termName"))
        ),
        interventions=_interventions(part),
        outcomes=_outcomes(_get(info, "endPoint") or {}),
        eligibility=_eligibility(raw, info),
        countries=normalize.countries("\n".join(shape.member_states(raw))),
        id_claims=_claims(identifiers, shape.eudract(raw), ct_number),
        has_results=shape.has_results(raw),
    )
    return issues.record(record, enrollment_issue)


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _phases(value: Any) -> tuple[str, ...]:
    """ "Therapeutic exploratory (Phase II)": normalize.phases reads EU wording only as a yes-flag line."""
    if not isinstance(value, str):
        return ()
    return normalize.phases(value) or normalize.phases(f"{value}: yes")


def _sponsors(part: Mapping[str, Any], raw: Mapping[str, Any]) -> tuple[Sponsor, ...]:
    items = _list(part.get("sponsors")) or [s for s in (raw.get("primarySponsor"), *_list(raw.get("coSponsors"))) if s]
    items = sorted(items, key=lambda s: not s.get("primary"))  # the primary sponsor leads
    found: dict[str, Sponsor] = {}
    for item in items:
        name = normalize.sponsor_name(_get(item, "organisation", "name"))
        if name and name not in found:
            kind = _AGENCY_CLASS.get(str(item.get("commercial") or "").lower())
            found[name] = Sponsor(name, "LEAD" if not found else "COLLABORATOR", kind)
    return tuple(found.values())


def _interventions(part: Mapping[str, Any]) -> tuple[Intervention, ...]:
    found: dict[str, Intervention] = {}
    for product in _list(part.get("products")):
        names = [
            n
            for n in (
                text
                for text in (
                    product.get("productName"),
                    product.get("nameDisplay"),
                    _get(product, "productDictionaryInfo", "prodName"),
                    product.get("jsonActiveSubstanceNames"),
                )
                if isinstance(text, str)
            )
            if not normalize.is_placeholder(n)
        ]
        names = list(dict.fromkeys(clean_registry_text(n) for n in names if clean_registry_text(n)))
        if names and names[0] not in found:
            form = clean_registry_text(product.get("pharmaceuticalFormDisplay"))
            found[names[0]] = Intervention(
                "DRUG", names[0], None if normalize.is_placeholder(form) else form, tuple(names[1:])
            )  # type: ignore[arg-type]
    return tuple(found.values())


def _numbered(items: list[Mapping[str, Any]], key: str) -> tuple[str, ...]:
    ordered = sorted(items, key=lambda i: i.get("number") if isinstance(i.get("number"), int) else 0)
    return tuple(t for t in (clean_registry_text(i.get(key)) for i in ordered) if t)


def _outcomes(end_point: Mapping[str, Any]) -> tuple[Outcome, ...]:
    kinds = (("PRIMARY", "primaryEndPoints"), ("SECONDARY", "secondaryEndPoints"))
    return tuple(
        Outcome(kind, measure)  # type: ignore[arg-type]
        for kind, key in kinds
        for measure in _numbered(_list(end_point.get(key)), "endPoint")
    )


def _eligibility(raw: Mapping[str, Any], info: Mapping[str, Any]) -> Eligibility:
    criteria = _get(info, "eligibilityCriteria") or {}
    population = _get(info, "populationOfTrialSubjects") or {}
    flags = {k: population.get(k) for k in ("isFemaleSubjects", "isMaleSubjects")}
    sex = None
    if any(isinstance(v, bool) for v in flags.values()):
        yes = {True: "yes"}
        sex = normalize.sex(
            f"Female: {yes.get(flags['isFemaleSubjects'], 'no')} Male: {yes.get(flags['isMaleSubjects'], 'no')}"
        )
    min_age, max_age = _age_limits(raw.get("ageGroup"))
    return Eligibility(
        inclusion=_numbered(_list(criteria.get("principalInclusionCriteria")), "principalInclusionCriteria"),
        exclusion=_numbered(_list(criteria.get("principalExclusionCriteria")), "principalExclusionCriteria"),
        min_age=min_age,
        max_age=max_age,
        sex=sex,
    )


def _age_limits(value: Any) -> tuple[str | None, str | None]:
    """ "65+ years, 18-64 years" -> ("18 Years", None); groups that leave a gap give (None, None)."""
    if not isinstance(value, str):
        return None, None
    order = list(_AGE_GROUPS)
    marked = sorted(order.index(p.strip()) for p in value.split(",") if p.strip() in _AGE_GROUPS)
    if not marked or marked != list(range(marked[0], marked[-1] + 1)):
        return None, None
    return normalize.age(_AGE_GROUPS[order[marked[0]]][0]), normalize.age(_AGE_GROUPS[order[marked[-1]]][1])


def _claims(identifiers: Mapping[str, Any], eudract: tuple[str | None, str], ct_number: str) -> tuple[IdClaim, ...]:
    """The EudraCT number of a transitioned trial, and the registry ids among the secondary numbers."""
    claims: dict[tuple[str, str], IdClaim] = {}
    code, evidence = eudract
    match = canonical_trial_id(code, "EudraCT") if isinstance(code, str) else None
    if match and match.registry == "EudraCT":
        claims[(match.trial_id, evidence)] = IdClaim(match.trial_id, "EudraCT", evidence, "transition")
    secondary = _get(identifiers, "secondaryIdentifyingNumbers") or {}
    for name, value in secondary.items():
        for item in [value] if isinstance(value, Mapping) else _list(value):
            number = item.get("number")
            path = f"secondaryIdentifyingNumbers.{name}.number"
            for claim in claims_from_text(
                [number if isinstance(number, str) else None], evidence=path, own_id=ct_number
            ):
                claims.setdefault((claim.trial_id, claim.evidence), claim)
    return tuple(claims.values())
