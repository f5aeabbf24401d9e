"""The results section beyond groups and values, in both formats: outcome-measure details and analysed counts,
outcome analyses, baseline analysed counts, drop/withdraw reasons, adverse-event reporting.

Every expected value is read here from the shared files by plain dict and XML access (never through the
project's parsers), with this file's own copy of the spelling rules, so a parser that drops, misplaces or
misreads a field fails. Each check also counts the real records it rests on and requires at least five per
format wherever the shared data hold five.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from functools import cache
from xml.etree import ElementTree as ET

import pytest

from tests.data import legacy_studies, shared, v2_studies
from trialgraph.loaders.base import discover
from trialgraph.loaders.ctgov import v2
from trialgraph.loaders.ctgov.legacy import parse_study as parse_legacy
from trialgraph.model.results import read_number
from trialgraph.model.study import StudyRecord
from trialgraph.model.text import undo_markdown_escapes

# The rule, written out independently: an optional comparison sign, then a plain decimal number.
P_VALUE = re.compile(r"^\s*(<=|>=|<|>|=|≤|≥)?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
PLAIN = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
LEGACY_LABELS = {  # legacy label → API v2 enum name, as the v2 data spell them
    "Superiority or Other": "SUPERIORITY_OR_OTHER",
    "Superiority or Other (legacy)": "SUPERIORITY_OR_OTHER_LEGACY",
    "Superiority": "SUPERIORITY",
    "Non-Inferiority or Equivalence": "NON_INFERIORITY_OR_EQUIVALENCE",
    "Non-Inferiority or Equivalence (legacy)": "NON_INFERIORITY_OR_EQUIVALENCE_LEGACY",
    "Equivalence": "EQUIVALENCE",
    "Other": "OTHER",
    "1-Sided": "ONE_SIDED",
    "2-Sided": "TWO_SIDED",
    "Standard Deviation": "STANDARD_DEVIATION",
    "Standard Error of the Mean": "STANDARD_ERROR_OF_MEAN",
    "Systematic Assessment": "SYSTEMATIC_ASSESSMENT",
    "Non-systematic Assessment": "NON_SYSTEMATIC_ASSESSMENT",
}
V2_ANALYSIS_TEXT = {  # OutcomeAnalysis field → v2 key (strings kept as written)
    "group_description": "groupDescription",
    "non_inferiority_type": "nonInferiorityType",
    "non_inferiority_comment": "nonInferiorityComment",
    "p_value_comment": "pValueComment",
    "method": "statisticalMethod",
    "method_comment": "statisticalComment",
    "param_type": "paramType",
    "ci_sides": "ciNumSides",
    "estimate_comment": "estimateComment",
    "dispersion_type": "dispersionType",
}
V2_ANALYSIS_NUMBERS = {
    "param_value": "paramValue",
    "ci_percent": "ciPctValue",
    "ci_lower_limit": "ciLowerLimit",
    "ci_upper_limit": "ciUpperLimit",
    "dispersion_value": "dispersionValue",
}
LEGACY_ANALYSIS_TEXT = {  # OutcomeAnalysis field → (legacy element, whether it is a label)
    "group_description": ("groups_desc", False),
    "non_inferiority_type": ("non_inferiority_type", True),
    "non_inferiority_comment": ("non_inferiority_desc", False),
    "p_value_comment": ("p_value_desc", False),
    "method": ("method", False),
    "method_comment": ("method_desc", False),
    "param_type": ("param_type", False),
    "ci_sides": ("ci_n_sides", True),
    "estimate_comment": ("estimate_desc", False),
    "dispersion_type": ("dispersion_type", True),
}
LEGACY_ANALYSIS_NUMBERS = {
    "param_value": "param_value",
    "ci_percent": "ci_percent",
    "ci_lower_limit": "ci_lower_limit",
    "ci_upper_limit": "ci_upper_limit",
    "dispersion_value": "dispersion_value",
}


def _txt(text: str | None) -> str | None:
    if text is None:
        return None
    text = undo_markdown_escapes(text).replace("\r\n", "\n").replace("\r", "\n").strip()  # v2 Markdown undone
    return text or None


def _number(text: str | None) -> float | None:
    return float(text) if text is not None and PLAIN.match(text) else None


def _p_value(text: str | None) -> tuple[str | None, float | None]:
    match = P_VALUE.match(text) if text is not None else None
    if match is None:
        return None, None
    return {"≤": "<=", "≥": ">="}.get(match[1], match[1]), float(match[2])


@cache
def _v2() -> list[tuple[dict, StudyRecord]]:
    return [(raw, v2.parse_study(raw)) for raw in v2_studies() if raw.get("resultsSection")]


@cache
def _legacy() -> list[tuple[ET.Element, StudyRecord]]:
    """Legacy records with results: the 2023 subset, AACT's fixtures (one holds the malformed p-value) and the 2016
    lacrosse search (the older schema's ``non_inferiority`` Yes/No, older versions of some subset studies)."""
    datas = [data for _, data in legacy_studies()]
    datas += [path.read_bytes() for path in sorted(shared("ctgov/legacy/aact").glob("NCT*.xml"))]
    with zipfile.ZipFile(shared("ctgov/legacy/aact/search_result_lacrosse_2016.zip")) as archive:
        datas += [archive.read(member) for member in archive.namelist() if member.endswith(".xml")]
    roots = [(ET.fromstring(data), data) for data in datas]
    return [(root, parse_legacy(data)) for root, data in roots if root.find("clinical_results") is not None]


def _enough(found: Counter, fields: list[str]) -> None:
    thin = {name: found[name] for name in fields if found[name] < 5}
    assert not thin, f"fewer than 5 real records carry {thin}"


# ---- outcome measures ------------------------------------------------------------------------------


def test_v2_outcome_measure_details_match_the_file() -> None:
    found: Counter = Counter()
    for raw, record in _v2():
        measures = raw["resultsSection"].get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
        assert len(measures) == len(record.results.outcome_measures), record.registry_id
        seen = set()
        for raw_m, m in zip(measures, record.results.outcome_measures, strict=True):
            assert m.population == _txt(raw_m.get("populationDescription")), record.registry_id
            assert m.type_units_analyzed == _txt(raw_m.get("typeUnitsAnalyzed")), record.registry_id
            assert m.dispersion_type == _txt(raw_m.get("dispersionType")), record.registry_id  # display text
            assert m.reporting_status == raw_m.get("reportingStatus"), record.registry_id
            denoms = [
                (c["groupId"], int(c["value"]), _txt(d.get("units")))
                for d in raw_m.get("denoms", [])
                for c in d.get("counts", [])
            ]
            assert [(d.group_id, d.count, d.units) for d in m.denoms] == denoms, record.registry_id
            limits = [
                (v["groupId"], v.get("lowerLimit"), v.get("upperLimit"), _txt(v.get("comment")))
                for c in raw_m.get("classes", [])
                for k in c.get("categories", [])
                for v in k.get("measurements", [])
            ]
            assert [(v.group_id, v.lower_limit, v.upper_limit, v.comment) for v in m.values] == limits
            seen |= {name for name in ("population", "type_units_analyzed", "dispersion_type") if getattr(m, name)}
            seen |= {"denoms"} if denoms else set()
            seen |= {"limits"} if any(lo for _, lo, _, _ in limits) else set()
            seen |= {"comment"} if any(c for *_, c in limits) else set()
            seen |= {f"reporting_status {m.reporting_status}"} if m.reporting_status else set()
        found.update(seen)
    # v2 states typeUnitsAnalyzed in 2 shared records and a measurement comment in fewer than 5
    _enough(found, ["population", "dispersion_type", "denoms", "limits", "reporting_status POSTED"])
    assert found["type_units_analyzed"] >= 1 and found["reporting_status NOT_POSTED"] >= 1


def test_legacy_outcome_measure_details_match_the_file() -> None:
    found: Counter = Counter()
    for root, record in _legacy():
        outcomes = root.findall("clinical_results/outcome_list/outcome")
        assert len(outcomes) == len(record.results.outcome_measures), record.registry_id
        seen = set()
        for outcome, m in zip(outcomes, record.results.outcome_measures, strict=True):
            measure = outcome.find("measure")
            if measure is None:
                assert (m.population, m.denoms, m.values) == (None, (), ()), record.registry_id
                continue
            assert m.population == _txt(measure.findtext("population")), record.registry_id
            assert m.type_units_analyzed == _txt(measure.findtext("units_analyzed")), record.registry_id
            assert m.dispersion_type == _txt(measure.findtext("dispersion")), record.registry_id
            assert m.reporting_status is None  # legacy XML states none
            denoms = [
                (c.get("group_id"), int(c.get("value")), _txt(a.findtext("units")))
                for a in measure.findall("analyzed_list/analyzed")
                for c in a.findall("count_list/count")
            ]
            assert [(d.group_id, d.count, d.units) for d in m.denoms] == denoms, record.registry_id
            limits = [
                (v.get("group_id"), v.get("lower_limit"), v.get("upper_limit"), _txt(v.text))
                for v in measure.iterfind("class_list/class/category_list/category/measurement_list/measurement")
            ]
            assert [(v.group_id, v.lower_limit, v.upper_limit, v.comment) for v in m.values] == limits
            seen |= {name for name in ("population", "type_units_analyzed", "dispersion_type") if getattr(m, name)}
            seen |= {"denoms"} if denoms else set()
            seen |= {"limits"} if any(lo for _, lo, _, _ in limits) else set()
            seen |= {"comment"} if any(c for *_, c in limits) else set()
        found.update(seen)
    _enough(found, ["population", "type_units_analyzed", "dispersion_type", "denoms", "limits", "comment"])


# ---- outcome analyses ------------------------------------------------------------------------------


def test_v2_analyses_match_the_file() -> None:
    found: Counter = Counter()
    for raw, record in _v2():
        measures = raw["resultsSection"].get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
        seen = set()
        for raw_m, m in zip(measures, record.results.outcome_measures, strict=True):
            raw_analyses = raw_m.get("analyses", [])
            assert len(m.analyses) == len(raw_analyses), record.registry_id
            for raw_a, a in zip(raw_analyses, m.analyses, strict=True):
                assert a.group_ids == tuple(raw_a.get("groupIds", [])), record.registry_id
                assert a.tested_non_inferiority == raw_a.get("testedNonInferiority")
                assert (a.p_value_modifier, a.p_value) == _p_value(raw_a.get("pValue")), record.registry_id
                for name, key in V2_ANALYSIS_TEXT.items():
                    assert getattr(a, name) == _txt(raw_a.get(key)), (record.registry_id, name)
                for name, key in V2_ANALYSIS_NUMBERS.items():
                    assert getattr(a, name) == _number(raw_a.get(key)), (record.registry_id, name)
                seen |= {name for name in (*V2_ANALYSIS_TEXT, *V2_ANALYSIS_NUMBERS, "p_value") if getattr(a, name)}
                seen |= {"tested_non_inferiority"} if a.tested_non_inferiority is not None else set()
        found.update(seen)
    _enough(found, [*V2_ANALYSIS_TEXT, *V2_ANALYSIS_NUMBERS, "p_value", "tested_non_inferiority"])


def test_legacy_analyses_match_the_file() -> None:
    found: Counter = Counter()
    for root, record in _legacy():
        seen = set()
        outcomes = root.findall("clinical_results/outcome_list/outcome")
        for outcome, m in zip(outcomes, record.results.outcome_measures, strict=True):
            raw_analyses = outcome.findall("analysis_list/analysis")
            assert len(m.analyses) == len(raw_analyses), record.registry_id
            for raw_a, a in zip(raw_analyses, m.analyses, strict=True):
                assert a.group_ids == tuple(_txt(g.text) for g in raw_a.findall("group_id_list/group_id"))
                tested = {"Yes": True, "No": False}.get(_txt(raw_a.findtext("non_inferiority")) or "")
                assert a.tested_non_inferiority == tested, record.registry_id  # older files only
                assert (a.p_value_modifier, a.p_value) == _p_value(raw_a.findtext("p_value")), record.registry_id
                for name, (tag, label) in LEGACY_ANALYSIS_TEXT.items():
                    text = _txt(raw_a.findtext(tag))
                    assert getattr(a, name) == (LEGACY_LABELS[text] if label and text else text), (name, text)
                for name, tag in LEGACY_ANALYSIS_NUMBERS.items():
                    assert getattr(a, name) == _number(raw_a.findtext(tag)), (record.registry_id, name)
                seen |= {
                    name for name in (*LEGACY_ANALYSIS_TEXT, *LEGACY_ANALYSIS_NUMBERS, "p_value") if getattr(a, name)
                }
                seen |= {"tested_non_inferiority"} if tested is not None else set()
        found.update(seen)
    _enough(found, [*LEGACY_ANALYSIS_TEXT, *LEGACY_ANALYSIS_NUMBERS, "p_value", "tested_non_inferiority"])


def _p_texts_below_0001(fmt: str) -> list[tuple[str, str, tuple[str | None, float | None]]]:
    """(record, p-value as written, parsed (modifier, value)) for every real '< 0.001'-style p-value."""
    out = []
    if fmt == "v2":
        for raw, record in _v2():
            measures = raw["resultsSection"].get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
            for raw_m, m in zip(measures, record.results.outcome_measures, strict=True):
                for raw_a, a in zip(raw_m.get("analyses", []), m.analyses, strict=True):
                    out.append((record.registry_id, raw_a.get("pValue"), (a.p_value_modifier, a.p_value)))
    else:
        for root, record in _legacy():
            outcomes = root.findall("clinical_results/outcome_list/outcome")
            for outcome, m in zip(outcomes, record.results.outcome_measures, strict=True):
                for raw_a, a in zip(outcome.findall("analysis_list/analysis"), m.analyses, strict=True):
                    out.append((record.registry_id, raw_a.findtext("p_value"), (a.p_value_modifier, a.p_value)))
    return [row for row in out if row[1] and re.fullmatch(r"\s*<\s*0?\.001\s*", row[1])]


@pytest.mark.parametrize("fmt", ["v2", "legacy"])
def test_a_p_value_below_0001_is_modifier_and_number_never_rejected(fmt: str) -> None:
    rows = _p_texts_below_0001(fmt)
    assert len({record for record, _, _ in rows}) >= 5, rows
    assert {parsed for _, _, parsed in rows} == {("<", 0.001)}
    assert any(" " in text for _, text, _ in rows) or fmt == "v2"  # legacy also writes "< 0.001"


def test_read_number_rule() -> None:
    assert read_number("p_value", "< 0.001", modifier=True)[:2] == ("<", 0.001)
    assert read_number("p_value", "≤0.05", modifier=True)[:2] == ("<=", 0.05)
    assert read_number("ci_lower_limit", "-1.5")[:2] == (None, -1.5)
    assert read_number("ci_lower_limit", "NA") == (None, None, None)
    bad = read_number("ci_lower_limit", "<0.5")  # a sign is only a p-value's
    assert bad.value is None and bad.issue == "ci_lower_limit '<0.5' is not a number; stored without it"


def test_malformed_numbers_are_field_issues_of_records_that_still_load() -> None:
    """Every analysis number the independent rule cannot read becomes one field issue line, and only those; the
    shared data hold one such value (NCT03191552, legacy, a p-value written "0,001")."""
    loader = discover().create("ctgov")
    paths = [shared("ctgov/v2/studies.jsonl.gz"), shared("ctgov/legacy/AllPublicXML-subset.zip")]
    paths += [shared("ctgov/legacy/aact/NCT03191552.xml")]
    issues = {}
    for item in loader.read(paths, load_run="test"):
        if getattr(item, "issues", ()):
            issues[item.record_id] = [line for line in item.issues if ".analyses[" in line]
    expected: dict[str, list[str]] = {}
    for root, record in _legacy():
        for m_pos, outcome in enumerate(root.findall("clinical_results/outcome_list/outcome")):
            for a_pos, raw_a in enumerate(outcome.findall("analysis_list/analysis")):
                for tag in ("p_value", *LEGACY_ANALYSIS_NUMBERS.values()):
                    text = _txt(raw_a.findtext(tag))
                    readable = _p_value(text)[1] is not None if tag == "p_value" else _number(text) is not None
                    if text and not readable:
                        expected.setdefault(f"ctgov:{record.registry_id}", []).append(
                            f"results.outcome_measures[{m_pos}].analyses[{a_pos}].{tag} {text!r} is not a number;"
                            " stored without it"
                        )
    assert expected == {k: v for k, v in issues.items() if v}
    assert list(expected) == ["ctgov:NCT03191552"] and len(expected["ctgov:NCT03191552"]) == 1
    record = next(r for root, r in _legacy() if r.registry_id == "NCT03191552")
    comma = [a for m in record.results.outcome_measures for a in m.analyses if a.issues]
    assert len(comma) == 1 and comma[0].p_value is None and comma[0].method  # the rest of the analysis is kept


# ---- baseline, flow, adverse events -------------------------------------------------------------------


def test_baseline_analysed_counts_match_the_file() -> None:
    n_v2 = n_legacy = 0
    for raw, record in _v2():
        module = raw["resultsSection"].get("baselineCharacteristicsModule", {})
        expected = [
            (c["groupId"], int(c["value"]), _txt(d.get("units")))
            for d in module.get("denoms", [])
            for c in d.get("counts", [])
        ]
        assert [(d.group_id, d.count, d.units) for d in record.results.baseline_denoms] == expected
        n_v2 += bool(expected)
    for root, record in _legacy():
        expected = [
            (c.get("group_id"), int(c.get("value")), _txt(a.findtext("units")))
            for a in root.findall("clinical_results/baseline/analyzed_list/analyzed")
            for c in a.findall("count_list/count")
        ]
        assert [(d.group_id, d.count, d.units) for d in record.results.baseline_denoms] == expected
        n_legacy += bool(expected)
    assert n_v2 >= 5 and n_legacy >= 5


def test_drop_withdraw_reasons_match_the_file() -> None:
    n_v2 = n_legacy = 0
    for raw, record in _v2():
        expected = Counter(
            (_txt(p.get("title")) or "", d["type"], r["groupId"], int(r["numSubjects"]))
            for p in raw["resultsSection"].get("participantFlowModule", {}).get("periods", [])
            for d in p.get("dropWithdraws", [])
            for r in d.get("reasons", [])
        )
        assert Counter((d.period, d.reason, d.group_id, d.count) for d in record.results.drop_withdrawals) == expected
        n_v2 += bool(expected)
    for root, record in _legacy():
        expected = Counter(
            (_txt(p.findtext("title")) or "", _txt(d.findtext("title")), x.get("group_id"), int(x.get("count")))
            for p in root.findall("clinical_results/participant_flow/period_list/period")
            for d in p.findall("drop_withdraw_reason_list/drop_withdraw_reason")
            for x in d.findall("participants_list/participants")
        )
        assert Counter((d.period, d.reason, d.group_id, d.count) for d in record.results.drop_withdrawals) == expected
        n_legacy += bool(expected)
    assert n_v2 >= 5 and n_legacy >= 5


def test_adverse_event_reporting_matches_the_file() -> None:
    found: Counter = Counter()
    for raw, record in _v2():
        module = raw["resultsSection"].get("adverseEventsModule", {})
        reporting = record.results.event_reporting
        got = (reporting.time_frame, reporting.description, reporting.frequency_threshold) if reporting else None
        want = tuple(_txt(module.get(k)) for k in ("timeFrame", "description", "frequencyThreshold"))
        assert got == (want if any(want) else None), record.registry_id
        events = [
            (e.get("assessmentType"), _txt(e.get("sourceVocabulary")))
            for key in ("seriousEvents", "otherEvents")
            for e in module.get(key, [])
            for _ in e.get("stats", [])
        ]
        assert [(e.assessment_type, e.source_vocabulary) for e in record.results.adverse_events] == events
        found.update({f"v2 {n}" for n, v in zip(("time_frame", "description", "threshold"), want, strict=True) if v})
        found.update({"v2 assessment"} if any(a for a, _ in events) else set())
        found.update({"v2 vocabulary"} if any(v for _, v in events) else set())
    for root, record in _legacy():
        reported = root.find("clinical_results/reported_events")
        if reported is None:
            assert record.results.event_reporting is None
            continue
        reporting = record.results.event_reporting
        want = (
            _txt(reported.findtext("time_frame")),
            _txt(reported.findtext("desc")),
            _txt(reported.findtext("other_events/frequency_threshold")),
        )
        assert (reporting.time_frame, reporting.description, reporting.frequency_threshold) == want
        events = []
        for section in ("serious_events", "other_events"):
            default_vocab = _txt(reported.findtext(f"{section}/default_vocab"))
            default_assessment = _txt(reported.findtext(f"{section}/default_assessment"))
            for category in reported.findall(f"{section}/category_list/category"):
                for event in category.findall("event_list/event"):
                    title = _txt(event.findtext("sub_title")) or ""
                    if _txt(category.findtext("title")) == "Total" and title.startswith("Total, "):
                        continue  # group totals, not events
                    assessment = _txt(event.findtext("assessment")) or default_assessment
                    vocab = _txt(event.find("sub_title").get("vocab") if event.find("sub_title") is not None else None)
                    vocab = vocab or default_vocab
                    events += [(LEGACY_LABELS.get(assessment), vocab)] * len(event.findall("counts"))
        assert [(e.assessment_type, e.source_vocabulary) for e in record.results.adverse_events] == events
        found.update(
            {f"legacy {n}" for n, v in zip(("time_frame", "description", "threshold"), want, strict=True) if v}
        )
        found.update({"legacy assessment"} if any(a for a, _ in events) else set())
        found.update({"legacy vocabulary"} if any(v for _, v in events) else set())
    _enough(found, [f"{fmt} {n}" for fmt in ("v2", "legacy") for n in ("time_frame", "description", "threshold")])
    _enough(found, [f"{fmt} {n}" for fmt in ("v2", "legacy") for n in ("assessment", "vocabulary")])


def test_both_formats_spell_results_enumerations_alike() -> None:
    """No study with posted results is in both formats in the shared data, so the two spellings are compared
    by value sets: every label legacy gives is one that API v2 records give (or one the v2 enum defines)."""
    v2_enum = {
        "non_inferiority_type": {
            "SUPERIORITY", "NON_INFERIORITY", "EQUIVALENCE", "OTHER", "NON_INFERIORITY_OR_EQUIVALENCE",
            "SUPERIORITY_OR_OTHER", "NON_INFERIORITY_OR_EQUIVALENCE_LEGACY", "SUPERIORITY_OR_OTHER_LEGACY",
        },
        "ci_sides": {"ONE_SIDED", "TWO_SIDED"},
        "dispersion_type": {"STANDARD_DEVIATION", "STANDARD_ERROR_OF_MEAN"},
    }  # fmt: skip
    confidence = re.compile(r"^\d+(?:\.\d+)?% Confidence Interval$")
    display = {"Standard Deviation", "Standard Error", "Inter-Quartile Range", "Full Range"}
    display |= {"Geometric Coefficient of Variation"}
    for records in (_v2(), _legacy()):
        for _, record in records:
            for m in (*record.results.outcome_measures, *record.results.baseline):
                assert m.dispersion_type is None or m.dispersion_type in display or confidence.match(m.dispersion_type)
                for a in m.analyses:
                    for name, allowed in v2_enum.items():
                        assert getattr(a, name) in allowed | {None}, (record.registry_id, name, getattr(a, name))
            for e in record.results.adverse_events:
                assert e.assessment_type in {"SYSTEMATIC_ASSESSMENT", "NON_SYSTEMATIC_ASSESSMENT", None}


def test_v2_baseline_dispersion_enum_names_become_the_display_text() -> None:
    """v2 baseline measures write STANDARD_DEVIATION where outcome measures (and legacy) write the label."""
    checked = 0
    for raw, record in _v2():
        measures = raw["resultsSection"].get("baselineCharacteristicsModule", {}).get("measures", [])
        for raw_m, m in zip(measures, record.results.baseline, strict=True):
            text = raw_m.get("dispersionType")
            if text and text.isupper():
                assert m.dispersion_type == text.replace("_", " ").title().replace("Inter Quartile", "Inter-Quartile")
                checked += 1
    assert checked >= 5
