"""Parse one ClinicalTrials.gov API v2 study object into a :class:`StudyRecord`.

Pure: no I/O. The input is one decoded study (``{"protocolSection":…, "resultsSection"?:…,
"derivedSection":…, "hasResults":…}``), as returned by ``/api/v2/studies/{nctId}``, held in each
``studies[]`` element of a page, or written by the website's JSON export.

Anything unusable (not an object, no or malformed nctId, a value of the wrong JSON type where the
parser reads it) raises :class:`~trialgraph.errors.ParseError` with a one-line reason; no other
exception escapes. Parts of the object the record does not cover are not looked at, so their
content cannot make a study fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov import v2_people
from trialgraph.loaders.ctgov.normalize import iso_date, mesh_id
from trialgraph.model.criteria import split_criteria
from trialgraph.model.flagged import collecting_issues, report_issue, with_issues
from trialgraph.model.results import (
    AnalyzedCount,
    DropWithdrawal,
    EventReporting,
    OutcomeAnalysis,
    analysis_with_numbers,
)
from trialgraph.model.study import (
    NCT_ID,
    AdverseEvent,
    ArmGroup,
    Design,
    Eligibility,
    FlowCount,
    Intervention,
    Measure,
    MeasureValue,
    MeshTerm,
    Outcome,
    Reference,
    ResultGroup,
    Results,
    Site,
    Sponsor,
    StudyDetails,
    StudyRecord,
)
from trialgraph.model.text import strip_text, undo_markdown_escapes
from trialgraph.model.validate import MAX_GRAPH_INTEGER, MIN_GRAPH_INTEGER, count_problem

__all__ = ["parse_study"]

_EMPTY: dict[str, Any] = {}
_NONE: tuple[()] = ()

# v2 writes arm-group intervention names as "<type display label>: <name>".
_TYPE_LABELS = frozenset(
    {
        "Drug",
        "Device",
        "Biological",
        "Procedure",
        "Radiation",
        "Behavioral",
        "Genetic",
        "Dietary Supplement",
        "Combination Product",
        "Diagnostic Test",
        "Other",
    }
)
_REFERENCE_TYPES = frozenset({"RESULT", "BACKGROUND", "DERIVED"})
_OUTCOME_KEYS = (
    ("primaryOutcomes", "PRIMARY"),
    ("secondaryOutcomes", "SECONDARY"),
    ("otherOutcomes", "OTHER"),
)
_EVENT_KEYS = (("seriousEvents", "SERIOUS"), ("otherEvents", "OTHER"))


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _wrong(rid: str | None, field: str, want: str, value: Any) -> ParseError:
    return ParseError(f"{field}: expected {want}, got {_type_name(value)}", record_id=rid, field=field)


# Typed getters. ``field`` is the dotted path used in error messages (built only on failure).


def _obj(parent: dict, key: str, rid: str | None, field: str) -> dict:
    value = parent.get(key)
    if value is None:
        return _EMPTY
    if type(value) is dict:
        return value
    raise _wrong(rid, f"{field}.{key}", "an object", value)


def _list(parent: dict, key: str, rid: str | None, field: str) -> list | tuple:
    value = parent.get(key)
    if value is None:
        return _NONE
    if type(value) is list:
        return value
    raise _wrong(rid, f"{field}.{key}", "an array", value)


def _item(value: Any, rid: str | None, field: str) -> dict:
    if type(value) is dict:
        return value
    raise _wrong(rid, field, "an object", value)


def _raw_str(parent: dict, key: str, rid: str | None, field: str) -> str | None:
    value = parent.get(key)
    if value is None or type(value) is str:
        return value
    raise _wrong(rid, f"{field}.{key}", "a string", value)


def _clean(value: str) -> str | None:
    """The one place v2 free text is cleaned: CommonMark escapes undone (v2 writes ``\\&`` where legacy XML has
    ``&``), then stripped. Every text getter below goes through it, so no field can keep an escape.
    Most values hold neither a backslash nor a carriage return, and skip both passes (a bulk load cleans ~150
    values per study)."""
    if "\\" in value or "\r" in value:
        return strip_text(undo_markdown_escapes(value))
    return value.strip() or None


def _text(parent: dict, key: str, rid: str | None, field: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if type(value) is str:
        return _clean(value)
    raise _wrong(rid, f"{field}.{key}", "a string", value)


def _required(parent: dict, key: str, rid: str | None, field: str) -> str:
    value = parent.get(key)
    if type(value) is str:
        text = _clean(value)
        if text is not None:
            return text
        raise ParseError(f"{field}.{key} is empty", record_id=rid, field=f"{field}.{key}")
    if value is None:
        raise ParseError(f"{field}.{key} is missing", record_id=rid, field=f"{field}.{key}")
    raise _wrong(rid, f"{field}.{key}", "a string", value)


def _strings(parent: dict, key: str, rid: str | None, field: str) -> tuple[str, ...]:
    out = []
    for value in _list(parent, key, rid, field):
        if type(value) is not str:
            raise _wrong(rid, f"{field}.{key}[]", "a string", value)
        text = _clean(value)
        if text is not None:
            out.append(text)
    return tuple(out)


def _bool(parent: dict, key: str, rid: str | None, field: str) -> bool | None:
    value = parent.get(key)
    if value is None or type(value) is bool:
        return value
    raise _wrong(rid, f"{field}.{key}", "a boolean", value)


def _int(parent: dict, key: str, rid: str | None, field: str) -> int | None:
    """An integer count; v2 writes some counts as numeric strings ("78", "-5"), which are accepted as the number
    would be. A string that is no count ("abc") or a count past Neo4j's 64-bit integers is left out and named as
    a field issue: the record loads without it (not the driver failing mid-batch, nor the whole record lost). A
    value of another JSON type (an object, a list) is no count of this schema: the record is refused."""
    value = parent.get(key)
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        text = value.strip()
        if text.removeprefix("-").isdigit() and text.isascii():
            value, kind = int(text), int
        elif not text or text.upper() in ("NA", "N/A"):
            return None
        else:
            report_issue(f"{field}.{key} {value[:40]!r} is not a count; stored without it")
            return None
    elif kind is float:
        if not (math.isfinite(value) and value.is_integer()):  # 12.5 participants: no count, but no reason to lose
            report_issue(f"{field}.{key} {value!r} is not a whole count; stored without it")  # the record
            return None
        value, kind = int(value), int
    if kind is int:
        return _graph_integer(value, f"{field}.{key}")
    raise _wrong(rid, f"{field}.{key}", "a 64-bit integer", value)


def _graph_integer(value: int, field: str) -> int | None:
    """``value`` when Neo4j can store it; else None, named as a field issue. (Negative counts pass here:
    ``check_study`` drops them the same way, for every format.)"""
    if MIN_GRAPH_INTEGER <= value <= MAX_GRAPH_INTEGER:
        return value
    report_issue(f"{field} {count_problem(value)}; stored without it")
    return None


def _date(parent: dict, key: str, rid: str | None, field: str) -> str | None:
    struct = _obj(parent, key, rid, field)
    if not struct:
        return None
    return iso_date(_raw_str(struct, "date", rid, f"{field}.{key}"))


# Sections.


def _identification(ps: dict, expected_id: str | None) -> tuple[dict, str, tuple[str, ...]]:
    ident = ps.get("identificationModule")
    if type(ident) is not dict:
        if ident is None:
            raise ParseError("no identificationModule, so no nctId", record_id=expected_id, field="nctId")
        raise _wrong(expected_id, "protocolSection.identificationModule", "an object", ident)
    nct = ident.get("nctId")
    if nct is None:
        raise ParseError("no nctId", record_id=expected_id, field="nctId")
    if type(nct) is not str:
        raise _wrong(expected_id, "nctId", "a string", nct)
    if not NCT_ID.match(nct):
        raise ParseError(f"malformed NCT id {nct[:40]!r}", record_id=expected_id or nct[:40], field="nctId")
    aliases = _strings(ident, "nctIdAliases", nct, "identificationModule")
    if expected_id is not None and expected_id != nct and expected_id not in aliases:
        raise ParseError(f"file name says {expected_id} but record is {nct}", record_id=nct, field="nctId")
    return ident, nct, aliases


def _sponsors(ps: dict, rid: str) -> tuple[Sponsor, ...]:
    mod = _obj(ps, "sponsorCollaboratorsModule", rid, "protocolSection")
    if not mod:
        return ()
    out = []
    f = "sponsorCollaboratorsModule"
    lead = _obj(mod, "leadSponsor", rid, f)
    if lead:
        out.append(Sponsor(_required(lead, "name", rid, f + ".leadSponsor"), "LEAD", _raw_str(lead, "class", rid, f)))
    for raw in _list(mod, "collaborators", rid, f):
        c = _item(raw, rid, f + ".collaborators[]")
        out.append(
            Sponsor(_required(c, "name", rid, f + ".collaborators[]"), "COLLABORATOR", _raw_str(c, "class", rid, f))
        )
    return tuple(out)


def _strip_type(name: str) -> str:
    label, sep, rest = name.partition(": ")
    if sep and label in _TYPE_LABELS:
        return rest.strip() or name
    return name


def _arms(ps: dict, rid: str) -> tuple[tuple[Intervention, ...], tuple[ArmGroup, ...]]:
    mod = _obj(ps, "armsInterventionsModule", rid, "protocolSection")
    if not mod:
        return (), ()
    f = "armsInterventionsModule.interventions[]"
    interventions = []
    for raw in _list(mod, "interventions", rid, "armsInterventionsModule"):
        i = _item(raw, rid, f)
        interventions.append(
            Intervention(
                type=_raw_str(i, "type", rid, f),
                name=_required(i, "name", rid, f),
                description=_text(i, "description", rid, f),
                other_names=_strings(i, "otherNames", rid, f),
            )
        )
    f = "armsInterventionsModule.armGroups[]"
    arms = []
    for raw in _list(mod, "armGroups", rid, "armsInterventionsModule"):
        a = _item(raw, rid, f)
        arms.append(
            ArmGroup(
                label=_required(a, "label", rid, f),
                type=_raw_str(a, "type", rid, f),
                description=_text(a, "description", rid, f),
                intervention_names=tuple(_strip_type(n) for n in _strings(a, "interventionNames", rid, f)),
            )
        )
    return tuple(interventions), tuple(arms)


def _outcomes(ps: dict, rid: str) -> tuple[Outcome, ...]:
    mod = _obj(ps, "outcomesModule", rid, "protocolSection")
    if not mod:
        return ()
    out = []
    for key, kind in _OUTCOME_KEYS:
        f = "outcomesModule." + key + "[]"
        for raw in _list(mod, key, rid, "outcomesModule"):
            o = _item(raw, rid, f)
            out.append(
                Outcome(
                    kind=kind,
                    measure=_required(o, "measure", rid, f),
                    time_frame=_text(o, "timeFrame", rid, f),
                    description=_text(o, "description", rid, f),
                )
            )
    return tuple(out)


def _eligibility(ps: dict, rid: str) -> Eligibility | None:
    mod = _obj(ps, "eligibilityModule", rid, "protocolSection")
    if not mod:
        return None
    f = "eligibilityModule"
    # split_criteria undoes the escapes line by line before it looks for bullets, so it gets the block as served
    split = split_criteria(strip_text(_raw_str(mod, "eligibilityCriteria", rid, f)))
    return Eligibility(
        text=_text(mod, "eligibilityCriteria", rid, f),
        preamble=split.preamble,
        inclusion=split.inclusion,
        exclusion=split.exclusion,
        min_age=_text(mod, "minimumAge", rid, f),
        max_age=_text(mod, "maximumAge", rid, f),
        sex=_raw_str(mod, "sex", rid, f),
        healthy_volunteers=_bool(mod, "healthyVolunteers", rid, f),
        study_population=_text(mod, "studyPopulation", rid, f),
        sampling_method=_raw_str(mod, "samplingMethod", rid, f),
        gender_based=_bool(mod, "genderBased", rid, f),
        gender_description=_text(mod, "genderDescription", rid, f),
        std_ages=_strings(mod, "stdAges", rid, f),
    )


def _sites(ps: dict, rid: str) -> tuple[Site, ...]:
    mod = _obj(ps, "contactsLocationsModule", rid, "protocolSection")
    if not mod:
        return ()
    f = "contactsLocationsModule.locations[]"
    out = []
    for raw in _list(mod, "locations", rid, "contactsLocationsModule"):
        loc = _item(raw, rid, f)
        out.append(
            Site(
                facility=_text(loc, "facility", rid, f),
                city=_text(loc, "city", rid, f),
                state=_text(loc, "state", rid, f),
                zip=_text(loc, "zip", rid, f),
                country=_text(loc, "country", rid, f),
                status=_raw_str(loc, "status", rid, f),
                contacts=v2_people.contacts(loc, rid),
            )
        )
    return tuple(out)


def _references(ps: dict, rid: str) -> tuple[Reference, ...]:
    mod = _obj(ps, "referencesModule", rid, "protocolSection")
    if not mod:
        return ()
    f = "referencesModule.references[]"
    out = []
    for raw in _list(mod, "references", rid, "referencesModule"):
        r = _item(raw, rid, f)
        kind = r.get("type")
        if type(kind) is not str:
            if kind is None:
                raise ParseError(f"{f}.type is missing", record_id=rid, field=f + ".type")
            raise _wrong(rid, f + ".type", "a string", kind)
        if kind not in _REFERENCE_TYPES:
            raise ParseError(f"{f}.type: unknown reference type {kind[:40]!r}", record_id=rid, field=f + ".type")
        out.append(Reference(type=kind, pmid=_text(r, "pmid", rid, f), citation=_text(r, "citation", rid, f)))
    return tuple(out)


def _mesh(derived: dict, key: str, rid: str) -> tuple[MeshTerm, ...]:
    mod = _obj(derived, key, rid, "derivedSection")
    if not mod:
        return ()
    out = []
    for list_key, ancestor in (("meshes", False), ("ancestors", True)):
        f = f"derivedSection.{key}.{list_key}[]"
        for raw in _list(mod, list_key, rid, "derivedSection." + key):
            m = _item(raw, rid, f)
            out.append(MeshTerm(_required(m, "term", rid, f), mesh_id(_raw_str(m, "id", rid, f)), ancestor))
    return tuple(out)


# Results.


def _groups(mod: dict, key: str, rid: str, field: str) -> tuple[ResultGroup, ...]:
    f = field + "." + key + "[]"
    out = []
    for raw in _list(mod, key, rid, field):
        g = _item(raw, rid, f)
        gid = _raw_str(g, "id", rid, f)
        if not gid:
            raise ParseError(f"{f}.id is missing", record_id=rid, field=f + ".id")
        out.append(ResultGroup(gid, _text(g, "title", rid, f) or "", _text(g, "description", rid, f)))
    return tuple(out)


def _flow(rs: dict, rid: str) -> tuple[tuple[ResultGroup, ...], tuple[FlowCount, ...], tuple[DropWithdrawal, ...]]:
    mod = _obj(rs, "participantFlowModule", rid, "resultsSection")
    if not mod:
        return (), (), ()
    f = "participantFlowModule"
    groups = _groups(mod, "groups", rid, f)
    counts = []
    drops = []
    for raw_p in _list(mod, "periods", rid, f):
        p = _item(raw_p, rid, f + ".periods[]")
        period = _text(p, "title", rid, f + ".periods[]") or ""
        drops += _drop_withdrawals(p, period, rid)
        for raw_m in _list(p, "milestones", rid, f + ".periods[]"):
            m = _item(raw_m, rid, f + ".periods[].milestones[]")
            milestone = _required(m, "type", rid, f + ".periods[].milestones[]")
            fa = f + ".periods[].milestones[].achievements[]"
            for raw_a in _list(m, "achievements", rid, f + ".periods[].milestones[]"):
                a = _item(raw_a, rid, fa)
                counts.append(
                    FlowCount(period, milestone, _required(a, "groupId", rid, fa), _int(a, "numSubjects", rid, fa))
                )
    return groups, tuple(counts), tuple(drops)


def _drop_withdrawals(period_obj: dict, period: str, rid: str) -> list[DropWithdrawal]:
    """``periods[].dropWithdraws[]``: a reason (``type``) with a count per group (``reasons[]``)."""
    f = "participantFlowModule.periods[].dropWithdraws[]"
    out = []
    for raw in _list(period_obj, "dropWithdraws", rid, "participantFlowModule.periods[]"):
        d = _item(raw, rid, f)
        reason = _required(d, "type", rid, f)
        for raw_r in _list(d, "reasons", rid, f):
            r = _item(raw_r, rid, f + ".reasons[]")
            group = _required(r, "groupId", rid, f + ".reasons[]")
            out.append(DropWithdrawal(period, reason, group, _int(r, "numSubjects", rid, f + ".reasons[]")))
    return out


def _denoms(parent: dict, rid: str, field: str) -> tuple[AnalyzedCount, ...]:
    """``denoms[]``: per units ("Participants", "Eyes"), the analysed count of each group."""
    fd = field + ".denoms[]"
    out = []
    for raw in _list(parent, "denoms", rid, field):
        d = _item(raw, rid, fd)
        units = _text(d, "units", rid, fd)
        for raw_c in _list(d, "counts", rid, fd):
            c = _item(raw_c, rid, fd + ".counts[]")
            group = _required(c, "groupId", rid, fd + ".counts[]")
            out.append(AnalyzedCount(group, _int(c, "value", rid, fd + ".counts[]"), units))
    return tuple(out)


def _values(m: dict, rid: str, field: str) -> tuple[MeasureValue, ...]:
    out = []
    fc = field + ".classes[]"
    for raw_c in _list(m, "classes", rid, field):
        c = _item(raw_c, rid, fc)
        class_title = _text(c, "title", rid, fc)
        fk = fc + ".categories[]"
        for raw_k in _list(c, "categories", rid, fc):
            k = _item(raw_k, rid, fk)
            cat_title = _text(k, "title", rid, fk)
            category = f"{class_title} / {cat_title}" if class_title and cat_title else class_title or cat_title
            fm = fk + ".measurements[]"
            for raw_v in _list(k, "measurements", rid, fk):
                v = _item(raw_v, rid, fm)
                out.append(
                    MeasureValue(
                        group_id=_required(v, "groupId", rid, fm),
                        value=_text(v, "value", rid, fm),
                        category=category,
                        spread=_text(v, "spread", rid, fm),
                        lower_limit=_text(v, "lowerLimit", rid, fm),
                        upper_limit=_text(v, "upperLimit", rid, fm),
                        comment=_text(v, "comment", rid, fm),
                    )
                )
    return tuple(out)


# v2 writes a measure's dispersion as display text in outcome measures ("Standard Deviation") but as an enum name
# in baseline measures (STANDARD_DEVIATION); legacy writes display text in both. The record keeps the display text,
# which says every confidence level ("84% Confidence Interval"), where the enum has only CONFIDENCE_OTHER.
_MEASURE_DISPERSION = {
    "STANDARD_DEVIATION": "Standard Deviation",
    "STANDARD_ERROR": "Standard Error",
    "INTER_QUARTILE_RANGE": "Inter-Quartile Range",
    "FULL_RANGE": "Full Range",
    "CONFIDENCE_80": "80% Confidence Interval",
    "CONFIDENCE_90": "90% Confidence Interval",
    "CONFIDENCE_95": "95% Confidence Interval",
    "CONFIDENCE_975": "97.5% Confidence Interval",
    "CONFIDENCE_99": "99% Confidence Interval",
    "GEOMETRIC_COEFFICIENT": "Geometric Coefficient of Variation",
}


def _dispersion(m: dict, rid: str, field: str) -> str | None:
    text = _text(m, "dispersionType", rid, field)
    return _MEASURE_DISPERSION.get(text, text) if text is not None else None


def _baseline(rs: dict, rid: str) -> tuple[tuple[ResultGroup, ...], tuple[Measure, ...], tuple[AnalyzedCount, ...]]:
    mod = _obj(rs, "baselineCharacteristicsModule", rid, "resultsSection")
    if not mod:
        return (), (), ()
    f = "baselineCharacteristicsModule"
    groups = _groups(mod, "groups", rid, f)
    fm = f + ".measures[]"
    measures = []
    for raw in _list(mod, "measures", rid, f):
        m = _item(raw, rid, fm)
        measures.append(
            Measure(
                title=_required(m, "title", rid, fm),
                description=_text(m, "description", rid, fm),
                param_type=_raw_str(m, "paramType", rid, fm),
                units=_text(m, "unitOfMeasure", rid, fm),
                values=_values(m, rid, fm),
                population=_text(m, "populationDescription", rid, fm),
                dispersion_type=_dispersion(m, rid, fm),
            )
        )
    return groups, tuple(measures), _denoms(mod, rid, f)


def _outcome_measures(rs: dict, rid: str) -> tuple[Measure, ...]:
    mod = _obj(rs, "outcomeMeasuresModule", rid, "resultsSection")
    if not mod:
        return ()
    fm = "outcomeMeasuresModule.outcomeMeasures[]"
    out = []
    for raw in _list(mod, "outcomeMeasures", rid, "outcomeMeasuresModule"):
        m = _item(raw, rid, fm)
        out.append(
            Measure(
                title=_required(m, "title", rid, fm),
                kind=_raw_str(m, "type", rid, fm),
                description=_text(m, "description", rid, fm),
                time_frame=_text(m, "timeFrame", rid, fm),
                param_type=_raw_str(m, "paramType", rid, fm),
                units=_text(m, "unitOfMeasure", rid, fm),
                groups=_groups(m, "groups", rid, fm),
                values=_values(m, rid, fm),
                population=_text(m, "populationDescription", rid, fm),
                type_units_analyzed=_text(m, "typeUnitsAnalyzed", rid, fm),
                dispersion_type=_dispersion(m, rid, fm),
                reporting_status=_raw_str(m, "reportingStatus", rid, fm),
                denoms=_denoms(m, rid, fm),
                analyses=tuple(_analysis(raw_a, rid) for raw_a in _list(m, "analyses", rid, fm)),
            )
        )
    return tuple(out)


_ANALYSIS: dict[str, tuple[str, Callable[[dict, str, str | None, str], Any]]] = {
    # OutcomeAnalysis field → (key in ``outcomeMeasures[].analyses[]``, reader); numbers: _ANALYSIS_NUMBER_KEYS
    "group_ids": ("groupIds", _strings),
    "group_description": ("groupDescription", _text),
    "tested_non_inferiority": ("testedNonInferiority", _bool),
    "non_inferiority_type": ("nonInferiorityType", _raw_str),
    "non_inferiority_comment": ("nonInferiorityComment", _text),
    "p_value_comment": ("pValueComment", _text),
    "method": ("statisticalMethod", _text),
    "method_comment": ("statisticalComment", _text),
    "param_type": ("paramType", _text),
    "ci_sides": ("ciNumSides", _raw_str),
    "ci_upper_limit_comment": ("ciUpperLimitComment", _text),
    "estimate_comment": ("estimateComment", _text),
    "dispersion_type": ("dispersionType", _raw_str),
    "other_analysis_description": ("otherAnalysisDescription", _text),
}
_ANALYSIS_NUMBER_KEYS = {  # OutcomeAnalysis number field → key; the same names as ANALYSIS_NUMBERS
    "p_value": "pValue",
    "param_value": "paramValue",
    "ci_percent": "ciPctValue",
    "ci_lower_limit": "ciLowerLimit",
    "ci_upper_limit": "ciUpperLimit",
    "dispersion_value": "dispersionValue",
}


def _analysis(raw: Any, rid: str) -> OutcomeAnalysis:
    f = "outcomeMeasuresModule.outcomeMeasures[].analyses[]"
    a = _item(raw, rid, f)
    found: dict[str, Any] = {name: read(a, key, rid, f) for name, (key, read) in _ANALYSIS.items()}
    raw = {name: _raw_str(a, key, rid, f) for name, key in _ANALYSIS_NUMBER_KEYS.items()}
    return analysis_with_numbers(found, raw)


def _adverse_events(
    rs: dict, rid: str
) -> tuple[tuple[ResultGroup, ...], tuple[AdverseEvent, ...], EventReporting | None]:
    mod = _obj(rs, "adverseEventsModule", rid, "resultsSection")
    if not mod:
        return (), (), None
    f = "adverseEventsModule"
    groups = tuple(_with_event_totals(g, raw, rid) for g, raw in zip(
        _groups(mod, "eventGroups", rid, f), _list(mod, "eventGroups", rid, f), strict=True
    ))  # fmt: skip
    out = []
    for key, kind in _EVENT_KEYS:
        fe = f + "." + key + "[]"
        fs = fe + ".stats[]"
        for raw in _list(mod, key, rid, f):
            e = _item(raw, rid, fe)
            term = _required(e, "term", rid, fe)
            organ = _text(e, "organSystem", rid, fe)
            assessment = _raw_str(e, "assessmentType", rid, fe)
            vocabulary = _text(e, "sourceVocabulary", rid, fe)
            for raw_s in _list(e, "stats", rid, fe):
                s = _item(raw_s, rid, fs)
                out.append(
                    AdverseEvent(
                        kind=kind,
                        term=term,
                        organ_system=organ,
                        group_id=_required(s, "groupId", rid, fs),
                        affected=_int(s, "numAffected", rid, fs),
                        at_risk=_int(s, "numAtRisk", rid, fs),
                        assessment_type=assessment,
                        source_vocabulary=vocabulary,
                    )
                )
    reporting = EventReporting(
        time_frame=_text(mod, "timeFrame", rid, f),
        description=_text(mod, "description", rid, f),
        frequency_threshold=_text(mod, "frequencyThreshold", rid, f),
    )
    return groups, tuple(out), None if reporting == EventReporting() else reporting


_EVENT_TOTALS = {
    "serious_affected": "seriousNumAffected",
    "serious_at_risk": "seriousNumAtRisk",
    "other_affected": "otherNumAffected",
    "other_at_risk": "otherNumAtRisk",
    "deaths_affected": "deathsNumAffected",
    "deaths_at_risk": "deathsNumAtRisk",
}


def _with_event_totals(group: ResultGroup, raw: Any, rid: str) -> ResultGroup:
    f = "adverseEventsModule.eventGroups[]"
    return replace(group, **{name: _int(raw, key, rid, f) for name, key in _EVENT_TOTALS.items()})


def _results(raw: Mapping[str, Any], rid: str) -> Results | None:
    rs = raw.get("resultsSection")
    if rs is None:
        return None
    if type(rs) is not dict:
        raise _wrong(rid, "resultsSection", "an object", rs)
    flow_groups, flow, drops = _flow(rs, rid)
    baseline_groups, baseline, baseline_denoms = _baseline(rs, rid)
    event_groups, events, reporting = _adverse_events(rs, rid)
    return Results(
        flow_groups=flow_groups,
        flow=flow,
        baseline_groups=baseline_groups,
        baseline=baseline,
        outcome_measures=_outcome_measures(rs, rid),
        event_groups=event_groups,
        adverse_events=events,
        drop_withdrawals=drops,
        baseline_denoms=baseline_denoms,
        event_reporting=reporting,
    )


def parse_study(raw: Mapping[str, Any], *, expected_id: str | None = None) -> StudyRecord:
    """Turn one decoded v2 study object into a StudyRecord, or raise ParseError saying why not.

    ``expected_id`` is the NCT id the container names (a file name); the record must carry it as
    its nctId or as one of its ``nctIdAliases``.
    """
    if not isinstance(raw, Mapping):
        raise ParseError("not a JSON object", record_id=expected_id)
    ps = raw.get("protocolSection")
    if ps is None:
        raise ParseError("no protocolSection, so no nctId", record_id=expected_id, field="protocolSection")
    if type(ps) is not dict:
        raise _wrong(expected_id, "protocolSection", "an object", ps)
    ident, rid, aliases = _identification(ps, expected_id)
    with collecting_issues() as issues:
        record = _build(raw, ps, ident, rid, aliases)
    return with_issues(record, issues)


def _design(ps: dict, design: dict, rid: str) -> Design | None:
    """``designModule.designInfo``, ``targetDuration``, ``bioSpec`` and ``patientRegistry``; the arm count is the arm
    groups listed (v2 states no count of its own, legacy's ``number_of_arms`` counts the same groups)."""
    f = "designModule.designInfo"
    info = _obj(design, "designInfo", rid, "designModule")
    masking = _obj(info, "maskingInfo", rid, f)
    biospec = _obj(design, "bioSpec", rid, "designModule")
    arms = _list(
        _obj(ps, "armsInterventionsModule", rid, "protocolSection"), "armGroups", rid, "armsInterventionsModule"
    )
    result = Design(
        allocation=_raw_str(info, "allocation", rid, f),
        intervention_model=_raw_str(info, "interventionModel", rid, f),
        intervention_model_description=_text(info, "interventionModelDescription", rid, f),
        primary_purpose=_raw_str(info, "primaryPurpose", rid, f),
        observational_model=_raw_str(info, "observationalModel", rid, f),
        time_perspective=_raw_str(info, "timePerspective", rid, f),
        masking=_raw_str(masking, "masking", rid, f + ".maskingInfo"),
        masked_roles=_strings(masking, "whoMasked", rid, f + ".maskingInfo"),
        masking_description=_text(masking, "maskingDescription", rid, f + ".maskingInfo"),
        number_of_arms=len(arms) or None,
        target_duration=_text(design, "targetDuration", rid, "designModule"),
        biospec_retention=_raw_str(biospec, "retention", rid, "designModule.bioSpec"),
        biospec_description=_text(biospec, "description", rid, "designModule.bioSpec"),
        patient_registry=_bool(design, "patientRegistry", rid, "designModule"),
    )
    return None if result == Design() else result


_DATE, _DATE_TYPE, _TEXT, _ENUM, _BOOL, _STRINGS = "date", "date_type", "text", "enum", "bool", "strings"
_DETAILS: dict[str, tuple[str, str, str]] = {
    # StudyDetails field → (protocolSection module, key, kind); a ``…Struct`` key of kind date_type reads .type
    "status_verified_date": ("statusModule", "statusVerifiedDate", _DATE),
    "last_known_status": ("statusModule", "lastKnownStatus", _ENUM),
    "first_submitted_qc_date": ("statusModule", "studyFirstSubmitQcDate", _DATE),
    "first_posted_date_type": ("statusModule", "studyFirstPostDateStruct", _DATE_TYPE),
    "start_date_type": ("statusModule", "startDateStruct", _DATE_TYPE),
    "primary_completion_date_type": ("statusModule", "primaryCompletionDateStruct", _DATE_TYPE),
    "completion_date_type": ("statusModule", "completionDateStruct", _DATE_TYPE),
    "results_first_submitted_date": ("statusModule", "resultsFirstSubmitDate", _DATE),
    "results_first_submitted_qc_date": ("statusModule", "resultsFirstSubmitQcDate", _DATE),
    "results_first_posted_date": ("statusModule", "resultsFirstPostDateStruct", _DATE),
    "results_first_posted_date_type": ("statusModule", "resultsFirstPostDateStruct", _DATE_TYPE),
    "disposition_first_submitted_date": ("statusModule", "dispFirstSubmitDate", _DATE),
    "disposition_first_submitted_qc_date": ("statusModule", "dispFirstSubmitQcDate", _DATE),
    "disposition_first_posted_date": ("statusModule", "dispFirstPostDateStruct", _DATE),
    "disposition_first_posted_date_type": ("statusModule", "dispFirstPostDateStruct", _DATE_TYPE),
    "last_update_submitted_date": ("statusModule", "lastUpdateSubmitDate", _DATE),
    "last_update_posted_date_type": ("statusModule", "lastUpdatePostDateStruct", _DATE_TYPE),
    "source_organization": ("identificationModule", "organization", "organization"),
    "has_dmc": ("oversightModule", "oversightHasDmc", _BOOL),
    "is_fda_regulated_drug": ("oversightModule", "isFdaRegulatedDrug", _BOOL),
    "is_fda_regulated_device": ("oversightModule", "isFdaRegulatedDevice", _BOOL),
    "is_unapproved_device": ("oversightModule", "isUnapprovedDevice", _BOOL),
    "is_ppsd": ("oversightModule", "isPpsd", _BOOL),
    "is_us_export": ("oversightModule", "isUsExport", _BOOL),
    "ipd_sharing": ("ipdSharingStatementModule", "ipdSharing", _ENUM),
    "ipd_description": ("ipdSharingStatementModule", "description", _TEXT),
    "ipd_info_types": ("ipdSharingStatementModule", "infoTypes", _STRINGS),
    "ipd_time_frame": ("ipdSharingStatementModule", "timeFrame", _TEXT),
    "ipd_access_criteria": ("ipdSharingStatementModule", "accessCriteria", _TEXT),
    "ipd_url": ("ipdSharingStatementModule", "url", _TEXT),
}


def _date_or_struct(parent: dict, key: str, rid: str, field: str) -> str | None:
    if key.endswith("Struct"):
        return _date(parent, key, rid, field)
    return iso_date(_raw_str(parent, key, rid, field))


def _date_type(parent: dict, key: str, rid: str, field: str) -> str | None:
    return _raw_str(_obj(parent, key, rid, field), "type", rid, f"{field}.{key}")


def _organization(parent: dict, key: str, rid: str, field: str) -> str | None:
    return _text(_obj(parent, key, rid, field), "fullName", rid, f"{field}.{key}")


_DETAIL_READERS: dict[str, Callable[[dict, str, str, str], Any]] = {
    _DATE: _date_or_struct,
    _DATE_TYPE: _date_type,
    _TEXT: _text,
    _ENUM: _raw_str,
    _BOOL: _bool,
    _STRINGS: _strings,
    "organization": _organization,
}


def _details(ps: dict, rid: str) -> StudyDetails | None:
    found = StudyDetails(
        **{
            name: _DETAIL_READERS[kind](_obj(ps, module, rid, "protocolSection"), key, rid, module)
            for name, (module, key, kind) in _DETAILS.items()
        }
    )
    return None if found == StudyDetails() else found


def _build(raw: Mapping[str, Any], ps: dict, ident: dict, rid: str, aliases: tuple[str, ...]) -> StudyRecord:
    fi = "identificationModule"
    secondary = []
    for item in _list(ident, "secondaryIdInfos", rid, fi):
        sid = _text(_item(item, rid, fi + ".secondaryIdInfos[]"), "id", rid, fi + ".secondaryIdInfos[]")
        if sid is not None:
            secondary.append(sid)

    status = _obj(ps, "statusModule", rid, "protocolSection")
    fs = "statusModule"
    design = _obj(ps, "designModule", rid, "protocolSection")
    enrollment = _obj(design, "enrollmentInfo", rid, "designModule")
    count = enrollment.get("count")
    # A negative count passes: ``check_study`` drops it as a field issue and the record still loads.
    if type(count) is float and count.is_integer():
        count = int(count)
    if type(count) is int:
        count = _graph_integer(count, "designModule.enrollmentInfo.count")
    elif count is not None:
        raise _wrong(rid, "designModule.enrollmentInfo.count", "a 64-bit integer", count)
    description = _obj(ps, "descriptionModule", rid, "protocolSection")
    conditions = _obj(ps, "conditionsModule", rid, "protocolSection")
    interventions, arms = _arms(ps, rid)

    derived = raw.get("derivedSection")
    if derived is None:
        derived = _EMPTY
    elif type(derived) is not dict:
        raise _wrong(rid, "derivedSection", "an object", derived)

    has_results = raw.get("hasResults")
    if has_results is None:
        has_results = False
    elif type(has_results) is not bool:
        raise _wrong(rid, "hasResults", "a boolean", has_results)

    org = _obj(ident, "orgStudyIdInfo", rid, fi)
    sites = _sites(ps, rid)
    return StudyRecord(
        registry_id=rid,
        source_format="ctgov-v2",
        brief_title=_text(ident, "briefTitle", rid, fi),
        official_title=_text(ident, "officialTitle", rid, fi),
        acronym=_text(ident, "acronym", rid, fi),
        org_study_id=_text(org, "id", rid, fi + ".orgStudyIdInfo"),
        secondary_ids=tuple(secondary),
        nct_aliases=aliases,
        overall_status=_raw_str(status, "overallStatus", rid, fs),
        why_stopped=_text(status, "whyStopped", rid, fs),
        study_type=_raw_str(design, "studyType", rid, "designModule"),
        phases=_strings(design, "phases", rid, "designModule"),
        start_date=_date(status, "startDateStruct", rid, fs),
        primary_completion_date=_date(status, "primaryCompletionDateStruct", rid, fs),
        completion_date=_date(status, "completionDateStruct", rid, fs),
        first_posted_date=_date(status, "studyFirstPostDateStruct", rid, fs),
        registration_date=iso_date(_raw_str(status, "studyFirstSubmitDate", rid, fs)),  # registered = first submitted
        last_update_date=_date(status, "lastUpdatePostDateStruct", rid, fs),
        enrollment=count,
        enrollment_type=_raw_str(enrollment, "type", rid, "designModule.enrollmentInfo"),
        brief_summary=_text(description, "briefSummary", rid, "descriptionModule"),
        detailed_description=_text(description, "detailedDescription", rid, "descriptionModule"),
        sponsors=_sponsors(ps, rid),
        conditions=_strings(conditions, "conditions", rid, "conditionsModule"),
        keywords=_strings(conditions, "keywords", rid, "conditionsModule"),
        interventions=interventions,
        arm_groups=arms,
        outcomes=_outcomes(ps, rid),
        eligibility=_eligibility(ps, rid),
        sites=sites,
        references=_references(ps, rid),
        condition_mesh=_mesh(derived, "conditionBrowseModule", rid),
        intervention_mesh=_mesh(derived, "interventionBrowseModule", rid),
        has_results=has_results,
        results=_results(raw, rid),
        design=_design(ps, design, rid),
        details=_details(ps, rid),
        **v2_people.people_fields(raw, rid, sites),
    )
