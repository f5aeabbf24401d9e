"""One EU CTR member-state record (ctrdata-shaped field dict) -> ``StudyRecord``.

Shared by the full-text reader and the ctrdata JSON reader, so a field both formats carry maps the same way
in both: the readers differ only in how they reach the dict. Values go through
``trialgraph.loaders.registries.normalize``; EU CTR specifics (yes/no phase and age-group flags, the
member-state suffix of the record id, the IMP block) are decided here. A record without a EudraCT number is
rejected; a value that cannot be read (an impossible date, a negative number of subjects) is only left out, and
the record loads naming it in a field issue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pycountry

from trialgraph.errors import ParseError
from trialgraph.loaders.registries import normalize
from trialgraph.loaders.registries.claims import claims_from_text
from trialgraph.loaders.registries.stage import FieldIssues
from trialgraph.model.study import Eligibility, IdClaim, Intervention, Outcome, Sponsor, StudyRecord
from trialgraph.model.text import clean_registry_text
from trialgraph.model.trial_ids import canonical_trial_id

__all__ = ["REGISTRY", "WHO_UTN", "member_state_code", "to_record"]

REGISTRY = "EUCTR"
WHO_UTN = "WHO UTN"  # registry name for WHO Universal Trial Numbers (trial_ids has no pattern for them)
_UTN = re.compile(r"\bU\d{4}-\d{4}-\d{4}\b")
_EUDRACT_KEYS = ("a2_eudract_number", "x1_eudract_number", "eudractNumber")

# E.7 phase flags, in the wording normalize.phases reads for EU CTR ("(Phase II): yes").
_PHASE_FLAGS: dict[str, str] = {
    "e71_human_pharmacology_phase_i": "(Phase I)",
    "e72_therapeutic_exploratory_phase_ii": "(Phase II)",
    "e73_therapeutic_confirmatory_phase_iii": "(Phase III)",
    "e74_therapeutic_use_phase_iv": "(Phase IV)",
}
# F.1 age groups, youngest first: flag -> (lower, upper) limit as written; None = no limit on that side.
_AGE_GROUPS: dict[str, tuple[str | None, str | None]] = {
    "f111_in_utero": (None, None),
    "f112_preterm_newborn_infants_up_to_gestational_age__37_weeks": (None, "27 Days"),
    "f113_newborns_027_days": (None, "27 Days"),
    "f114_infants_and_toddlers_28_days23_months": ("28 Days", "23 Months"),
    "f115_children_211years": ("2 Years", "11 Years"),
    "f116_adolescents_1217_years": ("12 Years", "17 Years"),
    "f12_adults_1864_years": ("18 Years", "64 Years"),
    "f13_elderly_65_years": ("65 Years", None),
}
_AGENCY_CLASS = {"commercial": "INDUSTRY", "non-commercial": "OTHER"}
_REGISTERED = "x6_date_on_which_this_record_was_first_entered_in_the_eudract_database"
# IMP kind flags, most specific first -> intervention type (v2 spelling); none set -> DRUG.
_IMP_TYPE: dict[str, str] = {
    "d31132_gene_therapy_medical_product": "GENETIC",
    "d3112_active_substance_of_biological_biotechnological_origin_other_than_advanced_therapy_imp_atimp": (
        "BIOLOGICAL"
    ),
    "d3116_immunological_medicinal_product_such_as_vaccine_allergen_immune_serum": "BIOLOGICAL",
}
_IMP_NAMES = ("d31_product_name", "d2111_trade_name", "d38_inn__proposed_inn", "d32_product_code")
# Fields naming other registries' ids -> how to read them (EudraCT results carry the same ids again).
_ID_FIELDS: tuple[str, ...] = (
    "a51_isrctn_international_standard_randomised_controlled_trial_number",
    "a52_us_nct_clinicaltrialsgov_registry_number",
    "a53_who_universal_trial_reference_number_utrn",
    "a54_other_identifiers",
    "trialInformation.isrctnIdentifier",
    "trialInformation.usctnIdentifier",
    "trialInformation.whoIdentifier",
)


def to_record(fields: Mapping[str, Any], *, source_format: str) -> StudyRecord:
    """Map one record. Raises ParseError (no EudraCT number, an unknown member state)."""
    eudract = _eudract(fields)
    return _build(fields, eudract, _registry_id(fields, eudract), source_format)


def _build(fields: Mapping[str, Any], eudract: str, registry_id: str, source_format: str) -> StudyRecord:
    text = _reader(fields)
    results = fields.get("trialInformation") if isinstance(fields.get("trialInformation"), Mapping) else {}
    official = text("a3_full_title_of_the_trial")
    state = member_state(text("a1_member_state_concerned") or text("x3_national_competent_authority"))
    enrollment, enrollment_issues = _enrollment(text)
    issues = FieldIssues()
    record = StudyRecord(
        registry_id=registry_id,
        source_format=source_format,
        registry=REGISTRY,
        canonical_id=eudract,
        brief_title=text("a31_title_of_the_trial_for_lay_people_in_easily_understood_ie_nontechnical_language")
        or official,
        official_title=official,
        acronym=_acronym(text("a32_name_or_abbreviated_title_of_the_trial_where_available")),
        org_study_id=text("a41_sponsors_protocol_code_number"),
        secondary_ids=tuple(v for v in (text(k) for k in _ID_FIELDS[:4]) if v),
        overall_status=normalize.recruitment_status(text("x5_trial_status") or text("p_end_of_trial_status")),
        study_type="INTERVENTIONAL",  # EU CTR holds clinical trials of medicinal products only
        phases=normalize.phases(" ".join(f"{p}: {text(k)}" for k, p in _PHASE_FLAGS.items() if text(k))),
        start_date=issues.date("recruitmentStartDate", _scalar(results.get("recruitmentStartDate"))),
        completion_date=issues.date(
            "p_date_of_the_global_end_of_the_trial", text("p_date_of_the_global_end_of_the_trial")
        )
        or issues.date("globalEndOfTrialDate", _scalar(results.get("globalEndOfTrialDate"))),
        registration_date=issues.date(_REGISTERED, text(_REGISTERED)),
        enrollment=enrollment,
        enrollment_type="ESTIMATED",  # F.4 is the planned number of subjects
        brief_summary=text("e21_main_objective_of_the_trial"),
        sponsors=_sponsors(fields),
        conditions=_conditions(text),
        keywords=_meddra_terms(fields),
        interventions=_interventions(fields),
        outcomes=_outcomes(text),
        eligibility=_eligibility(fields, text),
        countries=(state,) if state else (),
        id_claims=_claims(fields, eudract),
        has_results=bool(results) or "endPoints" in fields,
    )
    return issues.record(record, *enrollment_issues)


def member_state(value: str | None) -> str | None:
    """ "Belgium - FPS Health-DGM" (member state - authority) -> pycountry's name "Belgium"."""
    if not value:
        return None
    return normalize.country(value.split(" - ")[0])


def member_state_code(value: str | None) -> str | None:
    """The register's suffix for a member state: ISO alpha-2 ("BE", "GR" for Greece, "GB")."""
    name = member_state(value)
    found = pycountry.countries.get(name=name) if name else None
    return found.alpha_2 if found else None


def _reader(fields: Mapping[str, Any]) -> Callable[[str], str | None]:
    def text(key: str) -> str | None:
        value = _scalar(_get(fields, key))
        return None if value is None or normalize.is_placeholder(value) else clean_registry_text(value)

    return text


def _get(fields: Mapping[str, Any], dotted: str) -> Any:
    value: Any = fields
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _scalar(value: Any) -> str | None:
    """A string field; ctrdata writes an absent XML element as ``{}``."""
    return value if isinstance(value, str) else None


def _eudract(fields: Mapping[str, Any]) -> str:
    for key in _EUDRACT_KEYS:
        match = canonical_trial_id(_scalar(fields.get(key)) or "", "EudraCT")
        if match and match.registry == "EudraCT":
            return match.trial_id
    raise ParseError("record has no EudraCT number (A.2)", record_id=_scalar(fields.get("_id")))


def _registry_id(fields: Mapping[str, Any], eudract: str) -> str:
    """``2021-002179-21-FR``: the register link's id, else EudraCT number + member-state code."""
    given = _scalar(fields.get("_id"))
    if given:
        return given
    state = _scalar(fields.get("a1_member_state_concerned")) or _scalar(fields.get("x3_national_competent_authority"))
    code = member_state_code(state)
    if code is None:
        raise ParseError(f"unknown member state {state!r}", record_id=eudract, field="a1_member_state_concerned")
    return f"{eudract}-{code}"


def _acronym(value: str | None) -> str | None:
    """A.3.2 holds an acronym ("HARMONIE") or a short title; only a single word is taken as the acronym."""
    return value if value and len(value.split()) == 1 else None


def _enrollment(text: Callable[[str], str | None]) -> tuple[int | None, list[str | None]]:
    """Whole trial (F.4.2.2), else the EEA (F.4.2.1), else this member state (F.4.1); and a line for each of
    those tried and left out as negative or no number."""
    issues: list[str | None] = []
    for key in ("f422_in_the_whole_clinical_trial", "f421_in_the_eea", "f41_in_the_member_state"):
        size, issue = normalize.count_or_issue(key, text(key))
        issues.append(issue)
        if size is not None:
            return size, issues
    return None, issues


def _items(fields: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = fields.get(key)
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _sponsors(fields: Mapping[str, Any]) -> tuple[Sponsor, ...]:
    found: dict[str, Sponsor] = {}
    for item in _items(fields, "b1_sponsor"):
        name = normalize.sponsor_name(_scalar(item.get("b11_name_of_sponsor")))
        if name and name not in found:
            status = (_scalar(item.get("b31_and_b32_status_of_the_sponsor")) or "").strip().lower()
            role = "LEAD" if not found else "COLLABORATOR"
            found[name] = Sponsor(name, role, _AGENCY_CLASS.get(status))
    return tuple(found.values())


def _conditions(text: Callable[[str], str | None]) -> tuple[str, ...]:
    """E.1.1 as written, else the lay wording E.1.1.1 (some member states leave E.1.1 empty)."""
    value = text("e11_medical_conditions_being_investigated") or text(
        "e111_medical_condition_in_easily_understood_language"
    )
    return (value,) if value else ()


def _meddra_terms(fields: Mapping[str, Any]) -> tuple[str, ...]:
    terms = (clean_registry_text(_scalar(item.get("e12_term"))) for item in _items(fields, "e12_meddra_classification"))
    return tuple(dict.fromkeys(t for t in terms if t))


def _interventions(fields: Mapping[str, Any]) -> tuple[Intervention, ...]:
    """One intervention per IMP name (two strengths of one product are one intervention)."""
    found: dict[str, Intervention] = {}
    for item in _items(fields, "dimp"):
        substances = [item, *_items(item, "d38_imp_identification_details")]
        names = [
            n
            for key in _IMP_NAMES
            for n in (clean_registry_text(_scalar(s.get(key))) for s in substances)
            if n and not normalize.is_placeholder(n)
        ]
        names = list(dict.fromkeys(names))
        if not names or names[0] in found:
            continue
        kind = next((t for flag, t in _IMP_TYPE.items() if (_scalar(item.get(flag)) or "").lower() == "yes"), "DRUG")
        form = clean_registry_text(_scalar(item.get("d34_pharmaceutical_form")))
        found[names[0]] = Intervention(kind, names[0], form, tuple(names[1:]))
    return tuple(found.values())


def _outcomes(text: Callable[[str], str | None]) -> tuple[Outcome, ...]:
    """E.5.1 / E.5.2 as one primary and one secondary end point block, each with its E.5.x.1 time points."""
    blocks = (
        ("PRIMARY", "e51_primary_end_points", "e511_timepoints_of_evaluation_of_this_end_point"),
        ("SECONDARY", "e52_secondary_end_points", "e521_timepoints_of_evaluation_of_this_end_point"),
    )
    return tuple(
        Outcome(kind, measure, text(timing))  # type: ignore[arg-type]
        for kind, key, timing in blocks
        if (measure := text(key))
    )


def _criteria(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(line.strip() for line in value.split("\n") if line.strip())


def _eligibility(fields: Mapping[str, Any], text: Callable[[str], str | None]) -> Eligibility:
    inclusion, exclusion = text("e3_principal_inclusion_criteria"), text("e4_principal_exclusion_criteria")
    min_age, max_age = _age_limits(text)
    flags = f"Female: {text('f21_female') or 'no'} Male: {text('f22_male') or 'no'}"
    healthy = text("f31_healthy_volunteers")
    return Eligibility(
        text="\n\n".join(
            f"{head}\n{body}"
            for head, body in (("Inclusion criteria:", inclusion), ("Exclusion criteria:", exclusion))
            if body
        )
        or None,
        inclusion=_criteria(inclusion),
        exclusion=_criteria(exclusion),
        min_age=min_age,
        max_age=max_age,
        sex=normalize.sex(flags) if text("f21_female") or text("f22_male") else None,
        healthy_volunteers={"yes": True, "no": False}.get((healthy or "").lower()),
    )


def _age_limits(text: Callable[[str], str | None]) -> tuple[str | None, str | None]:
    """The span of the F.1 groups marked Yes, when they are contiguous; (None, None) otherwise."""
    marked = [i for i, key in enumerate(_AGE_GROUPS) if (text(key) or "").lower() == "yes"]
    if not marked or marked != list(range(marked[0], marked[-1] + 1)):
        return None, None
    bounds = list(_AGE_GROUPS.values())
    return normalize.age(bounds[marked[0]][0]), normalize.age(bounds[marked[-1]][1])


def _claims(fields: Mapping[str, Any], eudract: str) -> tuple[IdClaim, ...]:
    claims: dict[tuple[str, str], IdClaim] = {}
    own = IdClaim(eudract, "EudraCT", "a2_eudract_number", "member_state")
    claims[(own.trial_id, own.evidence)] = own
    for key in _ID_FIELDS:
        value = _scalar(_get(fields, key))
        found = list(claims_from_text([value], evidence=key, own_id=eudract))
        found += [IdClaim(utn, WHO_UTN, key) for utn in dict.fromkeys(_UTN.findall(value or ""))]
        for claim in found:
            claims.setdefault((claim.trial_id, claim.evidence), claim)
    return tuple(claims.values())
