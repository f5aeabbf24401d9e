"""Tests for the ClinicalTrials.gov API v2 study parser (loaders/ctgov/v2.py).

Expected values come from the data itself: the manifest that ships with the shared data set, the
raw JSON read directly in the test, or facts stated in the data set's PROVENANCE.md.
"""

from __future__ import annotations

import csv
import functools
import gzip
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.data import shared
from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov.v2 import parse_study
from trialgraph.model.study import StudyRecord
from trialgraph.model.text import undo_markdown_escapes

SINGLES = (
    "NCT00000410",
    "NCT00042536",
    "NCT00382161",
    "NCT00422734",
    "NCT00492635",
    "NCT00544076",
    "NCT00901056",
    "NCT03830788",
)
AACT_OK = (
    "NCT00465816",
    "NCT00763412",
    "NCT00973089",
    "NCT02210780",
    "NCT02552212",
    "NCT03418623",
    "NCT03453554",
    "NCT03475563",
    "NCT03630471",
    "NCT04207047",
    "NCT05594173",
    "NCT06171568",
)


def _load(relative: str) -> dict[str, Any]:
    return json.loads(shared(relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bulk() -> list[dict[str, Any]]:
    path = shared("ctgov/v2/studies.jsonl.gz")
    with gzip.open(path, "rb") as fh:
        return [orjson.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    path = shared("ctgov/v2/studies_manifest.csv")
    with Path(path).open(newline="", encoding="utf-8") as fh:
        return {row["nct_id"]: row for row in csv.DictReader(fh)}


# --- independent helpers that read the raw JSON (deliberately not the parser's code) -------------


def _ps(raw: dict, module: str) -> dict:
    return raw["protocolSection"].get(module, {})


@functools.cache
def _mesh_2022_ids() -> frozenset[str]:
    """Every descriptor and supplementary-concept id in NLM's MeSH 2022 (the shared N-Triples file)."""
    pattern = re.compile(rb"/mesh/2022/([DC]\d+)>")
    with gzip.open(shared("ontologies/mesh/mesh2022-core.nt.gz"), "rb") as handle:
        return frozenset(m.group(1).decode() for line in handle if (m := pattern.search(line)))


def _norm_mesh(raw_id: str) -> str:
    """The id as MeSH itself writes it: v2 pads all ids to 9 digits, MeSH uses 6 digits for older ones.

    Decided by looking the id up in MeSH 2022 (not by the parser's rule); ids newer than 2022 keep v2's form.
    """
    six = raw_id[0] + str(int(raw_id[1:])).zfill(6)
    ids = _mesh_2022_ids()
    if six in ids and raw_id not in ids:
        return six
    return raw_id


# --- bulk file against the manifest ---------------------------------------------------------------


def test_bulk_all_parse_and_match_manifest(bulk, manifest) -> None:
    assert len(bulk) == 1283
    seen = set()
    for raw in bulk:
        rec = parse_study(raw)
        assert isinstance(rec, StudyRecord)
        assert rec.source_format == "ctgov-v2"
        row = manifest[rec.registry_id]
        seen.add(rec.registry_id)
        ctx = rec.registry_id
        assert rec.overall_status == row["overall_status"], ctx
        assert rec.study_type == row["study_type"], ctx
        assert "|".join(rec.phases) == row["phases"], ctx
        assert (rec.phase or "") == row["phases"], ctx
        assert rec.has_results == (row["has_results"] == "True"), ctx
        n_om = len(rec.results.outcome_measures) if rec.results else 0
        assert n_om == int(row["n_outcome_measures"]), ctx
        assert sum(1 for r in rec.references if r.pmid) == int(row["n_reference_pmids"]), ctx
        cond = rec.condition_mesh
        intr = rec.intervention_mesh
        assert sum(not m.ancestor for m in cond) == int(row["n_condition_meshes"]), ctx
        assert sum(m.ancestor for m in cond) == int(row["n_condition_ancestors"]), ctx
        assert sum(not m.ancestor for m in intr) == int(row["n_intervention_meshes"]), ctx
        assert sum(m.ancestor for m in intr) == int(row["n_intervention_ancestors"]), ctx
        has_ae = bool(rec.results and rec.results.event_groups)
        assert has_ae == (row["has_adverse_events"] == "True"), ctx
    assert seen == set(manifest)


def test_bulk_counts_match_provenance(bulk) -> None:
    """Aggregates that PROVENANCE.md states for studies.jsonl.gz."""
    recs = [parse_study(raw) for raw in bulk]
    assert sum(r.has_results for r in recs) == 115
    assert sum(bool(r.results and r.results.event_groups) for r in recs) == 114
    assert sum(any(ref.pmid for ref in r.references) for r in recs) == 349
    assert sum(any(not m.ancestor for m in r.condition_mesh) for r in recs) == 1164
    assert sum(any(not m.ancestor for m in r.intervention_mesh) for r in recs) == 475
    assert sum(r.study_type == "OBSERVATIONAL" for r in recs) == 248
    assert sum(r.phases == ("PHASE1", "PHASE2") for r in recs) == 54


def test_bulk_arm_names_resolve_to_interventions(bulk) -> None:
    """Arm-group names lose v2's "Drug: " prefix and then name an intervention of the same study."""
    checked = 0
    for raw in bulk:
        rec = parse_study(raw)
        names = {i.name for i in rec.interventions}
        for arm in rec.arm_groups:
            for name in arm.intervention_names:
                assert name in names, (rec.registry_id, name)
                assert ": " not in name or name in names
                checked += 1
    assert checked > 2000


def test_bulk_aliases_are_accepted_as_expected_id(bulk) -> None:
    with_alias = [raw for raw in bulk if raw["protocolSection"]["identificationModule"].get("nctIdAliases")]
    assert with_alias
    for raw in with_alias:
        aliases = raw["protocolSection"]["identificationModule"]["nctIdAliases"]
        rec = parse_study(raw, expected_id=aliases[0])
        assert rec.registry_id == raw["protocolSection"]["identificationModule"]["nctId"]
        assert rec.nct_aliases == tuple(aliases)


def test_bulk_dates_are_iso(bulk) -> None:
    for raw in bulk:
        rec = parse_study(raw)
        status = _ps(raw, "statusModule")
        assert rec.start_date == status.get("startDateStruct", {}).get("date")
        assert rec.first_posted_date == status["studyFirstPostDateStruct"]["date"]
        assert rec.last_update_date == status["lastUpdatePostDateStruct"]["date"]
        for value in (rec.start_date, rec.completion_date, rec.first_posted_date, rec.last_update_date):
            assert value is None or (len(value) in (7, 10) and value[4] == "-")


# --- single files, field by field -----------------------------------------------------------------


@pytest.mark.parametrize("nct", SINGLES + AACT_OK)
def test_single_fields(nct: str) -> None:
    folder = "studies" if nct in SINGLES else "aact"
    raw = _load(f"ctgov/v2/{folder}/{nct}.json")
    rec = parse_study(raw, expected_id=nct)
    ident = _ps(raw, "identificationModule")
    assert rec.registry_id == ident["nctId"] == nct
    assert rec.brief_title == ident.get("briefTitle", "").strip() or None
    assert rec.official_title == (ident.get("officialTitle") or "").strip() or None
    assert rec.org_study_id == (ident.get("orgStudyIdInfo") or {}).get("id")
    assert rec.secondary_ids == tuple(s["id"] for s in ident.get("secondaryIdInfos", []))
    assert rec.has_results is raw["hasResults"]

    status = _ps(raw, "statusModule")
    assert rec.overall_status == status.get("overallStatus")
    assert rec.why_stopped == status.get("whyStopped")
    for field, key in (
        ("start_date", "startDateStruct"),
        ("primary_completion_date", "primaryCompletionDateStruct"),
        ("completion_date", "completionDateStruct"),
        ("first_posted_date", "studyFirstPostDateStruct"),
        ("last_update_date", "lastUpdatePostDateStruct"),
    ):
        assert getattr(rec, field) == status.get(key, {}).get("date"), field

    design = _ps(raw, "designModule")
    assert rec.study_type == design.get("studyType")
    assert rec.phases == tuple(design.get("phases", []))
    enroll = design.get("enrollmentInfo", {})
    assert rec.enrollment == enroll.get("count")
    assert rec.enrollment_type == enroll.get("type")

    sponsors = _ps(raw, "sponsorCollaboratorsModule")
    if sponsors:
        assert rec.sponsors[0].role == "LEAD"
        assert rec.sponsors[0].name == sponsors["leadSponsor"]["name"]
        assert rec.sponsors[0].agency_class == sponsors["leadSponsor"].get("class")
        assert [s.name for s in rec.sponsors[1:]] == [c["name"] for c in sponsors.get("collaborators", [])]
        assert all(s.role == "COLLABORATOR" for s in rec.sponsors[1:])

    conds = _ps(raw, "conditionsModule")
    assert rec.conditions == tuple(conds.get("conditions", []))
    assert rec.keywords == tuple(conds.get("keywords", []))

    arms = _ps(raw, "armsInterventionsModule")
    raw_iv = arms.get("interventions", [])
    assert [(i.type, i.name) for i in rec.interventions] == [(i.get("type"), i["name"]) for i in raw_iv]
    assert [i.other_names for i in rec.interventions] == [tuple(i.get("otherNames", [])) for i in raw_iv]
    raw_arms = arms.get("armGroups", [])
    assert [a.label for a in rec.arm_groups] == [a["label"] for a in raw_arms]
    assert [a.type for a in rec.arm_groups] == [a.get("type") for a in raw_arms]
    for arm, raw_arm in zip(rec.arm_groups, raw_arms, strict=True):
        expected = tuple(n.split(": ", 1)[1] for n in raw_arm.get("interventionNames", []))
        assert arm.intervention_names == expected

    outs = _ps(raw, "outcomesModule")
    expected_outcomes = [
        (kind, o["measure"], o.get("timeFrame"))
        for key, kind in (
            ("primaryOutcomes", "PRIMARY"),
            ("secondaryOutcomes", "SECONDARY"),
            ("otherOutcomes", "OTHER"),
        )
        for o in outs.get(key, [])
    ]
    assert [(o.kind, o.measure, o.time_frame) for o in rec.outcomes] == expected_outcomes

    elig = _ps(raw, "eligibilityModule")
    if elig:
        assert rec.eligibility is not None
        assert rec.eligibility.sex == elig.get("sex")
        assert rec.eligibility.min_age == elig.get("minimumAge")
        assert rec.eligibility.max_age == elig.get("maximumAge")
        assert rec.eligibility.healthy_volunteers == elig.get("healthyVolunteers")
        text = elig.get("eligibilityCriteria")
        assert rec.eligibility.text == (undo_markdown_escapes(text).strip() if text else None)  # v2 serves Markdown
        if text and "Exclusion Criteria" in text:
            assert rec.eligibility.exclusion
    else:
        assert rec.eligibility is None

    locs = _ps(raw, "contactsLocationsModule").get("locations", [])
    assert [(s.facility, s.city, s.country, s.status) for s in rec.sites] == [
        (loc.get("facility"), loc.get("city"), loc.get("country"), loc.get("status")) for loc in locs
    ]

    refs = _ps(raw, "referencesModule").get("references", [])
    assert [(r.type, r.pmid) for r in rec.references] == [(r["type"], r.get("pmid")) for r in refs]

    derived = raw.get("derivedSection", {})
    for module, got in (
        ("conditionBrowseModule", rec.condition_mesh),
        ("interventionBrowseModule", rec.intervention_mesh),
    ):
        mod = derived.get(module, {})
        expected_mesh = [(m["term"], _norm_mesh(m["id"]), False) for m in mod.get("meshes", [])]
        expected_mesh += [(m["term"], _norm_mesh(m["id"]), True) for m in mod.get("ancestors", [])]
        assert [(m.term, m.mesh_id, m.ancestor) for m in got] == expected_mesh
        assert all(len(m.mesh_id) in (7, 10) for m in got if m.mesh_id and m.mesh_id.startswith("D"))

    results = raw.get("resultsSection")
    if results is None:
        assert rec.results is None
        return
    assert rec.results is not None
    flow = results.get("participantFlowModule", {})
    assert [g.group_id for g in rec.results.flow_groups] == [g["id"] for g in flow.get("groups", [])]
    expected_flow = [
        (p["title"], m["type"], a["groupId"], int(a["numSubjects"]))
        for p in flow.get("periods", [])
        for m in p.get("milestones", [])
        for a in m.get("achievements", [])
    ]
    assert [(f.period, f.milestone, f.group_id, f.count) for f in rec.results.flow] == expected_flow

    oms = results.get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
    assert [(m.kind, m.title, m.param_type, m.units) for m in rec.results.outcome_measures] == [
        (m.get("type"), m["title"], m.get("paramType"), m.get("unitOfMeasure")) for m in oms
    ]
    for got, om in zip(rec.results.outcome_measures, oms, strict=True):
        assert [g.group_id for g in got.groups] == [g["id"] for g in om.get("groups", [])]
        raw_values = [
            (v["groupId"], v.get("value"), v.get("spread"))
            for c in om.get("classes", [])
            for k in c.get("categories", [])
            for v in k.get("measurements", [])
        ]
        assert [(v.group_id, v.value, v.spread) for v in got.values] == raw_values

    ae = results.get("adverseEventsModule", {})
    assert [g.group_id for g in rec.results.event_groups] == [g["id"] for g in ae.get("eventGroups", [])]
    expected_ae = [
        (kind, e["term"], s["groupId"], s.get("numAffected"), s.get("numAtRisk"))
        for key, kind in (("seriousEvents", "SERIOUS"), ("otherEvents", "OTHER"))
        for e in ae.get(key, [])
        for s in e.get("stats", [])
    ]
    assert [(a.kind, a.term, a.group_id, a.affected, a.at_risk) for a in rec.results.adverse_events] == expected_ae


def test_provenance_cases() -> None:
    rec = parse_study(_load("ctgov/v2/studies/NCT00382161.json"))
    assert (rec.overall_status, rec.enrollment, rec.enrollment_type) == ("WITHDRAWN", 20, "ESTIMATED")
    assert rec.why_stopped
    assert sum(1 for r in rec.references if r.pmid) == 15

    rec = parse_study(_load("ctgov/v2/studies/NCT00042536.json"))
    assert rec.study_type == "OBSERVATIONAL"
    assert rec.enrollment is not None and rec.enrollment_type is None

    rec = parse_study(_load("ctgov/v2/studies/NCT00901056.json"))
    assert rec.phases == ("PHASE1", "PHASE2")
    assert rec.phase == "PHASE1|PHASE2"

    raw = _load("ctgov/v2/studies/NCT00544076.json")
    rec = parse_study(raw)
    assert rec.overall_status == "TERMINATED"
    assert rec.why_stopped == raw["protocolSection"]["statusModule"]["whyStopped"].strip()
    assert rec.has_results and rec.results is not None

    rec = parse_study(_load("ctgov/v2/studies/NCT03830788.json"))
    assert rec.overall_status == "RECRUITING"
    assert len(rec.sites) == 16

    rec = parse_study(_load("ctgov/v2/studies/NCT00000410.json"))
    assert len(rec.references) == 13
    derived = {r.pmid for r in rec.references if r.type == "DERIVED"}
    assert derived == {"21311402", "21971123", "22791040"}

    # AACT trimmed record: hasResults true, but no resultsSection.
    rec = parse_study(_load("ctgov/v2/aact/NCT00465816.json"))
    assert rec.has_results is True
    assert rec.results is None

    # AACT trimmed record with only the identification module.
    rec = parse_study(_load("ctgov/v2/aact/NCT03453554.json"))
    assert rec.registry_id == "NCT03453554"
    assert rec.brief_title and rec.overall_status is None and rec.eligibility is None


def test_adverse_events_nct00422734() -> None:
    raw = _load("ctgov/v2/studies/NCT00422734.json")
    rec = parse_study(raw)
    ae = raw["resultsSection"]["adverseEventsModule"]
    n_serious = sum(len(e["stats"]) for e in ae["seriousEvents"])
    n_other = sum(len(e["stats"]) for e in ae["otherEvents"])
    assert len(ae["seriousEvents"]) == 4 and len(ae["otherEvents"]) == 76 and len(ae["eventGroups"]) == 2
    assert rec.results is not None
    events = rec.results.adverse_events
    assert sum(e.kind == "SERIOUS" for e in events) == n_serious == 8
    assert sum(e.kind == "OTHER" for e in events) == n_other == 152
    first = ae["seriousEvents"][0]
    got = [e for e in events if e.kind == "SERIOUS" and e.term == first["term"]]
    assert {(e.group_id, e.affected, e.at_risk) for e in got} == {
        (s["groupId"], s["numAffected"], s["numAtRisk"]) for s in first["stats"]
    }
    assert got[0].organ_system == first["organSystem"]
    # Condition mesh as NLM writes the id, and arms naming their interventions.
    assert any(m.term == "Erectile Dysfunction" and m.mesh_id == "D007172" for m in rec.condition_mesh)
    assert any(m.term == "Tadalafil" and m.mesh_id == "D000068581" for m in rec.intervention_mesh)
    names = {i.name for i in rec.interventions}
    assert "tadalafil" in names
    assert all(set(a.intervention_names) <= names and a.intervention_names for a in rec.arm_groups)


def test_baseline_categories_nct00422734() -> None:
    raw = _load("ctgov/v2/studies/NCT00422734.json")
    rec = parse_study(raw)
    assert rec.results is not None
    base = raw["resultsSection"]["baselineCharacteristicsModule"]
    assert [g.group_id for g in rec.results.baseline_groups] == [g["id"] for g in base["groups"]]
    by_title = {m.title: m for m in rec.results.baseline}
    assert set(by_title) == {m["title"] for m in base["measures"]}
    # Category titles only (Sex), class titles only (Region), neither (Age).
    sex = by_title["Sex: Female, Male"]
    assert {v.category for v in sex.values} == {"Female", "Male"}
    region = by_title["Region of Enrollment"]
    raw_region = next(m for m in base["measures"] if m["title"] == "Region of Enrollment")
    assert {v.category for v in region.values} == {c["title"] for c in raw_region["classes"]}
    assert "France" in {v.category for v in region.values}
    age = by_title["Age Continuous"]
    assert age.param_type == "MEAN" and age.units == "years"
    assert all(v.category is None for v in age.values)
    raw_age = base["measures"][0]["classes"][0]["categories"][0]["measurements"]
    assert [(v.group_id, v.value, v.spread) for v in age.values] == [
        (m["groupId"], m["value"], m.get("spread")) for m in raw_age
    ]


def test_class_and_category_joined() -> None:
    raw = {
        "protocolSection": {"identificationModule": {"nctId": "NCT01234567"}},
        "hasResults": True,
        "resultsSection": {
            "baselineCharacteristicsModule": {
                "measures": [
                    {
                        "title": "Sex by region",
                        "classes": [
                            {
                                "title": "Europe",
                                "categories": [
                                    {"title": "Female", "measurements": [{"groupId": "BG000", "value": "3"}]}
                                ],
                            }
                        ],
                    }
                ]
            }
        },
    }
    rec = parse_study(raw)
    assert rec.results is not None
    assert rec.results.baseline[0].values[0].category == "Europe / Female"
    assert rec.results.baseline[0].values[0].value == "3"


# --- rejections ---------------------------------------------------------------------------------


def test_reject_invalid_nct_id() -> None:
    with pytest.raises(ParseError, match="malformed NCT id 'NCT000001'") as err:
        parse_study(_load("ctgov/v2/aact/study_data_initialize.json"))
    assert err.value.field == "nctId"


def test_reject_missing_protocol_section() -> None:
    raw = _load("ctgov/v2/broken/SYNTHETIC-BROKEN_missing-protocolSection_NCT00042536.json")
    with pytest.raises(ParseError, match="protocolSection") as err:
        parse_study(raw, expected_id="NCT00042536")
    assert err.value.record_id == "NCT00042536"


def test_reject_id_mismatch() -> None:
    raw = _load("ctgov/v2/broken/SYNTHETIC-BROKEN_id-mismatch_NCT00007696.json")
    with pytest.raises(ParseError, match="file name says NCT00007696 but record is NCT00033839"):
        parse_study(raw, expected_id="NCT00007696")
    assert parse_study(raw).registry_id == "NCT00033839"  # the content itself is fine


def test_reject_aact_file_name_mismatch() -> None:
    raw = _load("ctgov/v2/aact/NCT02278341.json")
    with pytest.raises(ParseError, match="file name says NCT02278341 but record is NCT02552212") as err:
        parse_study(raw, expected_id="NCT02278341")
    assert err.value.record_id == "NCT02552212"


def test_mixed_jsonl_lines() -> None:
    path = shared("ctgov/v2/broken/SYNTHETIC-BROKEN_studies_mixed.jsonl")
    outcome = []
    for line in path.read_bytes().split(b"\n")[:8]:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            outcome.append("bad-json")
            continue
        try:
            outcome.append(parse_study(value).registry_id)
        except ParseError as exc:
            outcome.append(f"reject: {exc.reason}")
    assert outcome == [
        "NCT00000410",
        "NCT00007696",
        "bad-json",
        "bad-json",
        "reject: not a JSON object",
        "NCT00000410",
        "reject: malformed NCT id 'NCT123'",
        "NCT00033839",
    ]


def _base() -> dict[str, Any]:
    return json.loads(shared("ctgov/v2/studies/NCT00422734.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("protocolSection", "designModule", "enrollmentInfo", "count"), "20", "designModule.enrollmentInfo.count"),
        (("protocolSection", "designModule", "enrollmentInfo"), [20], "designModule.enrollmentInfo"),
        (("protocolSection", "designModule", "phases"), {"a": 1}, "designModule.phases"),
        (("protocolSection", "statusModule"), [], "protocolSection.statusModule"),
        (("protocolSection", "contactsLocationsModule", "locations"), {"x": 1}, "contactsLocationsModule.locations"),
        (("protocolSection", "identificationModule", "nctId"), 422734, "nctId"),
        (("protocolSection", "identificationModule", "nctId"), "NCT123", "nctId"),
        (("protocolSection",), "text", "protocolSection"),
        (("hasResults",), "yes", "hasResults"),
        (("resultsSection",), [1, 2], "resultsSection"),
        (("resultsSection", "adverseEventsModule", "seriousEvents"), [1], "adverseEventsModule.seriousEvents[]"),
    ],
)
def test_reject_wrong_types(path: tuple[str, ...], value: Any, field: str) -> None:
    raw = _base()
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ParseError) as err:
        parse_study(raw)
    assert err.value.field is not None and err.value.field.endswith(field)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("value", [[], "NCT00000410", 3, None, [{"protocolSection": {}}]])
def test_reject_non_objects(value: Any) -> None:
    with pytest.raises(ParseError, match="not a JSON object"):
        parse_study(value)


# --- property tests -------------------------------------------------------------------------------

_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=12)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
_KEYS = st.sampled_from(
    [
        "protocolSection",
        "identificationModule",
        "nctId",
        "statusModule",
        "designModule",
        "enrollmentInfo",
        "count",
        "phases",
        "resultsSection",
        "adverseEventsModule",
        "seriousEvents",
        "stats",
        "derivedSection",
        "conditionBrowseModule",
        "meshes",
        "hasResults",
    ]
)
_shaped = st.recursive(
    _scalars | st.just("NCT01234567"),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=30,
)


def _ok_or_parse_error(value: Any, **kwargs: Any) -> None:
    try:
        rec = parse_study(value, **kwargs)
    except ParseError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert isinstance(rec, StudyRecord)


@settings(max_examples=200, deadline=None)
@given(_json | _shaped)
def test_property_arbitrary_json(value: Any) -> None:
    _ok_or_parse_error(value)


@settings(max_examples=200, deadline=None)
@given(_shaped)
def test_property_arbitrary_protocol_section(value: Any) -> None:
    raw = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}, "designModule": value}}
    _ok_or_parse_error(raw)
    raw = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}, "resultsSection": value}
    _ok_or_parse_error(raw)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            out.extend(_paths(child, (*prefix, index)))
    return out


def _replace(value: Any, path: tuple, new: Any) -> Any:
    """A copy of value with the subtree at path replaced; only the containers on the path are copied."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy: Any = dict(value)
    else:
        copy = list(value)
    copy[head] = _replace(value[head], rest, new)
    return copy


_REAL = ("NCT00422734", "NCT00544076", "NCT03830788", "NCT00000410")
_real_cache: list[tuple[dict, list[tuple]]] = []


def _real_records() -> list[tuple[dict, list[tuple]]]:
    if not _real_cache:
        for nct in _REAL:
            raw = _load(f"ctgov/v2/studies/{nct}.json")
            _real_cache.append((raw, _paths(raw)))
    return _real_cache


@settings(max_examples=200, deadline=None)
@given(data=st.data(), garbage=_json)
def test_property_mutated_real_records(data, garbage: Any) -> None:
    records = _real_records()
    raw, paths = records[data.draw(st.integers(0, len(records) - 1), label="record")]
    path = paths[data.draw(st.integers(0, len(paths) - 1), label="path")]
    mutated = _replace(raw, path, garbage)
    _ok_or_parse_error(mutated)
    _ok_or_parse_error(mutated, expected_id="NCT00422734")


# Markdown escapes (API v2 serves free text as CommonMark; the record keeps what the registrant typed).


def _bulk_record(nct: str) -> tuple[dict[str, Any], StudyRecord]:
    with gzip.open(shared("ctgov/v2/studies.jsonl.gz"), "rt", encoding="utf-8") as fh:
        raw = next(r for r in map(json.loads, fh) if r["protocolSection"]["identificationModule"]["nctId"] == nct)
    return raw, parse_study(raw, expected_id=nct)


def test_escaped_backslashes_in_real_criteria_stay_one_literal_backslash() -> None:
    """NCT05439486 writes ``creatinine\\>1.3 mg\\\\dl``: the record says ``creatinine>1.3 mg\\dl``."""
    raw, rec = _bulk_record("NCT05439486")
    assert "creatinine\\>1.3 mg\\\\dl" in raw["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert rec.eligibility is not None
    assert "creatinine>1.3 mg\\dl)" in (rec.eligibility.text or "")
    assert any("creatinine>1.3 mg\\dl)" in item for item in rec.eligibility.exclusion)


def test_escapes_are_undone_in_text_of_every_kind_and_only_once() -> None:
    """One text of each getter (optional text, required text, string list, the people tables, results analyses) and
    the criteria block, whose items are split from the block as served: ``\\\\\\>`` is a backslash and a ``>``."""
    raw = _base()
    ps = raw["protocolSection"]
    ps["identificationModule"]["briefTitle"] = "Drug A \\& B"
    ps["descriptionModule"]["briefSummary"] = "Dose \\< 5 mg\\*"
    ps["conditionsModule"]["keywords"] = ["T\\_cell"]
    ps["statusModule"]["whyStopped"] = "Funding \\[withdrawn\\]"
    ps["eligibilityModule"]["eligibilityCriteria"] = "Inclusion Criteria:\n\n1\\. ratio \\\\> 2\n2\\. age \\>= 18"
    ps.setdefault("referencesModule", {})["seeAlsoLinks"] = [{"label": "Report \\[online\\]", "url": "https://x.org"}]
    analysis = raw["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0].setdefault("analyses", [{}])[0]
    analysis["pValueComment"] = "p \\< 0.05"
    rec = parse_study(raw)
    assert (rec.brief_title, rec.brief_summary, rec.keywords) == ("Drug A & B", "Dose < 5 mg*", ("T_cell",))
    assert rec.why_stopped == "Funding [withdrawn]"
    assert rec.eligibility is not None
    assert rec.eligibility.text == "Inclusion Criteria:\n\n1. ratio \\> 2\n2. age >= 18"
    assert rec.eligibility.inclusion == ("ratio \\> 2", "age >= 18")
    assert [link.label for link in rec.see_also_links] == ["Report [online]"]
    assert rec.results is not None
    assert rec.results.outcome_measures[0].analyses[0].p_value_comment == "p < 0.05"
