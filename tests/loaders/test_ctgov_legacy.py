"""Tests for the legacy ClinicalTrials.gov ``<clinical_study>`` XML parser.

Expected values are read straight from the XML with the standard library's ``xml.etree`` (never
through the parser under test) or from the subset's manifest, and enum spellings are checked against
the tables below, written out by hand from the API v2 data.
"""

from __future__ import annotations

import csv
import random
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from functools import cache, lru_cache
from pathlib import PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.data import shared
from trialgraph.errors import ParseError
from trialgraph.loaders.ctgov import legacy
from trialgraph.loaders.ctgov.legacy import parse_study
from trialgraph.model.study import StudyRecord

ZIP = "ctgov/legacy/AllPublicXML-subset.zip"
MANIFEST = "ctgov/legacy/AllPublicXML-subset_manifest.csv"
AACT = "ctgov/legacy/aact"

# Legacy spelling -> API v2 spelling, as v2/studies.jsonl.gz writes them.
STATUS = {
    "Completed": "COMPLETED",
    "Unknown status": "UNKNOWN",
    "Terminated": "TERMINATED",
    "Withdrawn": "WITHDRAWN",
    "Recruiting": "RECRUITING",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "Suspended": "SUSPENDED",
    "No longer available": "NO_LONGER_AVAILABLE",
    "Enrolling by invitation": "ENROLLING_BY_INVITATION",
    "Approved for marketing": "APPROVED_FOR_MARKETING",
}
STUDY_TYPE = {
    "Interventional": "INTERVENTIONAL",
    "Observational": "OBSERVATIONAL",
    "Observational [Patient Registry]": "OBSERVATIONAL",
    "Expanded Access": "EXPANDED_ACCESS",
}
PHASES = {
    "": (),
    "N/A": ("NA",),
    "Early Phase 1": ("EARLY_PHASE1",),
    "Phase 1": ("PHASE1",),
    "Phase 2": ("PHASE2",),
    "Phase 3": ("PHASE3",),
    "Phase 4": ("PHASE4",),
    "Phase 1/Phase 2": ("PHASE1", "PHASE2"),
    "Phase 2/Phase 3": ("PHASE2", "PHASE3"),
}
ENROLLMENT_TYPE = {"Anticipated": "ESTIMATED", "Actual": "ACTUAL", None: None}
SEX = {"All": "ALL", "Both": "ALL", "Female": "FEMALE", "Male": "MALE"}
HEALTHY = {"Accepts Healthy Volunteers": True, "Yes": True, "No": False, None: None}
AGENCY_CLASS = {"Industry": "INDUSTRY", "NIH": "NIH", "U.S. Fed": "FED", "Other": "OTHER"}
ARM_TYPE = {
    "Experimental": "EXPERIMENTAL",
    "Active Comparator": "ACTIVE_COMPARATOR",
    "Placebo Comparator": "PLACEBO_COMPARATOR",
    "Sham Comparator": "SHAM_COMPARATOR",
    "No Intervention": "NO_INTERVENTION",
    "Other": "OTHER",
    None: None,
}
INTERVENTION_TYPE = {
    "Drug": "DRUG",
    "Device": "DEVICE",
    "Biological": "BIOLOGICAL",
    "Procedure": "PROCEDURE",
    "Radiation": "RADIATION",
    "Behavioral": "BEHAVIORAL",
    "Genetic": "GENETIC",
    "Dietary Supplement": "DIETARY_SUPPLEMENT",
    "Diagnostic Test": "DIAGNOSTIC_TEST",
    "Other": "OTHER",
}
RESULT_OUTCOME_TYPE = {
    "Primary": "PRIMARY",
    "Secondary": "SECONDARY",
    "Other Pre-specified": "OTHER_PRE_SPECIFIED",
    "Post-Hoc": "POST_HOC",
}


# --- helpers (independent of the parser) ----------------------------------------------------------


@lru_cache(maxsize=1)
def zip_members() -> dict[str, bytes]:
    with zipfile.ZipFile(shared(ZIP)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@lru_cache(maxsize=1)
def manifest() -> dict[str, dict[str, str]]:
    with shared(MANIFEST).open(newline="", encoding="utf-8") as fh:
        return {row["member"]: row for row in csv.DictReader(fh)}


@cache
def parsed(member: str) -> StudyRecord:
    return parse_study(zip_members()[member], expected_id=PurePosixPath(member).stem)


def stripped(el: ET.Element | None, path: str) -> str | None:
    if el is None:
        return None
    t = el.findtext(path)
    return t.strip() if t is not None and t.strip() else None


def expected_date(text: str | None) -> str | None:
    if text is None:
        return None
    for fmt, out in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(text.strip(), fmt).strftime(out)
        except ValueError:
            pass
    raise AssertionError(f"unexpected date in fixture: {text!r}")


SAMPLE_SIZE = 30


@lru_cache(maxsize=1)
def sample_members() -> tuple[str, ...]:
    """30 members: the five v2 overlaps, ten with results, and a seeded sample of the rest."""
    rows = manifest()
    overlap = [m for m, r in rows.items() if r["in_v2_jsonl"] == "True"]
    with_results = [m for m, r in rows.items() if r["has_results"] == "True"][:10]
    chosen = set(overlap) | set(with_results)
    rest = sorted(set(rows) - chosen)
    chosen |= set(random.Random(20230203).sample(rest, SAMPLE_SIZE - len(chosen)))
    return tuple(sorted(chosen))


# --- the whole subset against the manifest --------------------------------------------------------


def test_every_member_parses_and_matches_manifest() -> None:
    members = zip_members()
    rows = manifest()
    assert len(members) == 3422
    assert set(members) == set(rows)
    for member in members:
        row = rows[member]
        rec = parsed(member)
        assert rec.source_format == "ctgov-xml"
        assert rec.registry_id == row["nct_id"], member
        assert rec.overall_status == STATUS[row["overall_status"]], member
        assert rec.study_type == STUDY_TYPE[row["study_type"]], member
        assert rec.phases == PHASES[row["phase"]], member
        assert rec.has_results == (row["has_results"] == "True"), member
        assert (rec.results is not None) == rec.has_results, member
        assert sum(1 for r in rec.references if r.pmid) == int(row["n_pmids"]), member
        assert len(rec.condition_mesh) == int(row["n_condition_mesh"]), member
        assert len(rec.intervention_mesh) == int(row["n_intervention_mesh"]), member


def test_manifest_status_counts_match_provenance() -> None:
    """The status mapping lands on the counts PROVENANCE gives for the subset."""
    counts: dict[str, int] = {}
    for member in zip_members():
        s = parsed(member).overall_status
        counts[s] = counts.get(s, 0) + 1
    assert counts == {
        "COMPLETED": 2788,
        "UNKNOWN": 254,
        "TERMINATED": 244,
        "WITHDRAWN": 52,
        "RECRUITING": 39,
        "ACTIVE_NOT_RECRUITING": 30,
        "SUSPENDED": 11,
        "NO_LONGER_AVAILABLE": 2,
        "ENROLLING_BY_INVITATION": 1,
        "APPROVED_FOR_MARKETING": 1,
    }


# --- field by field against xml.etree -------------------------------------------------------------


@pytest.mark.parametrize("index", range(SAMPLE_SIZE))
def test_fields_match_xml(index: int) -> None:
    member = sample_members()[index]
    root = ET.fromstring(zip_members()[member])
    rec = parsed(member)

    assert rec.registry_id == stripped(root, "id_info/nct_id")
    assert rec.brief_title == stripped(root, "brief_title")
    assert rec.official_title == stripped(root, "official_title")
    assert rec.acronym == stripped(root, "acronym")
    assert rec.org_study_id == stripped(root, "id_info/org_study_id")
    assert rec.secondary_ids == tuple(e.text.strip() for e in root.iterfind("id_info/secondary_id"))

    assert rec.start_date == expected_date(root.findtext("start_date"))
    assert rec.primary_completion_date == expected_date(root.findtext("primary_completion_date"))
    assert rec.completion_date == expected_date(root.findtext("completion_date"))
    assert rec.first_posted_date == expected_date(root.findtext("study_first_posted"))
    assert rec.last_update_date == expected_date(root.findtext("last_update_posted"))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec.first_posted_date)

    enrollment = root.find("enrollment")
    assert rec.enrollment == (int(enrollment.text) if enrollment is not None else None)
    assert rec.enrollment_type == ENROLLMENT_TYPE[enrollment.get("type") if enrollment is not None else None]

    summary = root.findtext("brief_summary/textblock")
    assert "\r" not in rec.brief_summary
    assert rec.brief_summary.splitlines()[0] == summary.strip().splitlines()[0].strip()
    assert not rec.brief_summary.splitlines()[-1][:1].isspace()

    lead = root.find("sponsors/lead_sponsor")
    assert rec.sponsors[0].role == "LEAD"
    assert rec.sponsors[0].name == stripped(lead, "agency")
    assert rec.sponsors[0].agency_class == AGENCY_CLASS[stripped(lead, "agency_class")]
    collaborators = root.findall("sponsors/collaborator")
    assert [(s.name, s.agency_class) for s in rec.sponsors[1:]] == [
        (stripped(c, "agency"), AGENCY_CLASS[stripped(c, "agency_class")]) for c in collaborators
    ]
    assert {s.role for s in rec.sponsors[1:]} <= {"COLLABORATOR"}

    assert rec.conditions == tuple(e.text.strip() for e in root.iterfind("condition"))
    assert rec.keywords == tuple(e.text.strip() for e in root.iterfind("keyword"))

    xml_interventions = root.findall("intervention")
    assert [(i.type, i.name) for i in rec.interventions] == [
        (INTERVENTION_TYPE[stripped(i, "intervention_type")], stripped(i, "intervention_name"))
        for i in xml_interventions
    ]
    assert [i.other_names for i in rec.interventions] == [
        tuple(o.text.strip() for o in i.iterfind("other_name")) for i in xml_interventions
    ]
    xml_arms = root.findall("arm_group")
    assert [(a.label, a.type) for a in rec.arm_groups] == [
        (stripped(a, "arm_group_label"), ARM_TYPE[stripped(a, "arm_group_type")]) for a in xml_arms
    ]
    for arm in rec.arm_groups:
        want = {
            stripped(i, "intervention_name")
            for i in xml_interventions
            if arm.label in [x.text.strip() for x in i.iterfind("arm_group_label")]
        }
        assert set(arm.intervention_names) == want, arm.label

    want_outcomes = [
        (kind, stripped(o, "measure"), stripped(o, "time_frame"))
        for tag, kind in (
            ("primary_outcome", "PRIMARY"),
            ("secondary_outcome", "SECONDARY"),
            ("other_outcome", "OTHER"),
        )
        for o in root.iterfind(tag)
    ]
    assert [(o.kind, o.measure, o.time_frame) for o in rec.outcomes] == want_outcomes

    elig = root.find("eligibility")
    for field, tag in (("min_age", "minimum_age"), ("max_age", "maximum_age")):
        raw = stripped(elig, tag)
        assert getattr(rec.eligibility, field) == (None if raw in (None, "N/A") else raw)
    assert rec.eligibility.sex == SEX[stripped(elig, "gender")]
    assert rec.eligibility.healthy_volunteers is HEALTHY[stripped(elig, "healthy_volunteers")]
    criteria = elig.findtext("criteria/textblock")
    assert (rec.eligibility.text is None) == (criteria is None or not criteria.strip())
    if criteria and "Exclusion Criteria:" in criteria:
        after = criteria.split("Exclusion Criteria:", 1)[1]
        assert bool(rec.eligibility.exclusion) == bool(after.strip()), "items under the Exclusion heading"
        assert "Exclusion Criteria" not in " ".join(rec.eligibility.inclusion)

    assert [m.term for m in rec.condition_mesh] == [e.text for e in root.iterfind("condition_browse/mesh_term")]
    assert [m.term for m in rec.intervention_mesh] == [e.text for e in root.iterfind("intervention_browse/mesh_term")]
    assert all(m.mesh_id is None and not m.ancestor for m in rec.condition_mesh + rec.intervention_mesh)

    want_refs = [
        ("BACKGROUND" if e.tag == "reference" else "RESULT", stripped(e, "PMID"))
        for e in root
        if e.tag in ("reference", "results_reference")
    ]
    assert [(r.type, r.pmid) for r in rec.references] == want_refs

    xml_sites = root.findall("location")
    assert [(s.facility, s.city, s.country) for s in rec.sites] == [
        (stripped(x, "facility/name"), stripped(x, "facility/address/city"), stripped(x, "facility/address/country"))
        for x in xml_sites
    ]

    cr = root.find("clinical_results")
    assert (rec.results is not None) == (cr is not None)
    if cr is not None:
        _check_results(cr, rec)


def _check_results(cr: ET.Element, rec: StudyRecord) -> None:
    res = rec.results
    assert [(g.group_id, g.title) for g in res.flow_groups] == [
        (g.get("group_id"), stripped(g, "title")) for g in cr.iterfind("participant_flow/group_list/group")
    ]
    want_flow = [
        (stripped(per, "title"), stripped(ms, "title"), p.get("group_id"), int(p.get("count")))
        for per in cr.iterfind("participant_flow/period_list/period")
        for ms in per.iterfind("milestone_list/milestone")
        for p in ms.iterfind("participants_list/participants")
    ]
    assert [(f.period, f.milestone, f.group_id, f.count) for f in res.flow] == want_flow

    assert [g.group_id for g in res.baseline_groups] == [
        g.get("group_id") for g in cr.iterfind("baseline/group_list/group")
    ]
    xml_baseline = cr.findall("baseline/measure_list/measure")
    assert [m.title for m in res.baseline] == [stripped(m, "title") for m in xml_baseline]
    for m, x in zip(res.baseline, xml_baseline, strict=True):
        want = [
            (v.get("group_id"), v.get("value"), v.get("spread"))
            for v in x.iterfind("class_list/class/category_list/category/measurement_list/measurement")
        ]
        assert [(v.group_id, v.value, v.spread) for v in m.values] == want
        assert m.units == stripped(x, "units")

    xml_outcomes = cr.findall("outcome_list/outcome")
    assert [(m.kind, m.title, m.time_frame) for m in res.outcome_measures] == [
        (RESULT_OUTCOME_TYPE[stripped(o, "type")], stripped(o, "title"), stripped(o, "time_frame"))
        for o in xml_outcomes
    ]
    for m, x in zip(res.outcome_measures, xml_outcomes, strict=True):
        assert [g.group_id for g in m.groups] == [g.get("group_id") for g in x.iterfind("group_list/group")]
        assert len(m.values) == len(
            x.findall("measure/class_list/class/category_list/category/measurement_list/measurement")
        )

    for kind, section in (("SERIOUS", "serious_events"), ("OTHER", "other_events")):
        counts = [  # the "Total" category's totals are group totals, not events
            c
            for cat in cr.iterfind(f"reported_events/{section}/category_list/category")
            for event in cat.iterfind("event_list/event")
            if not ((cat.findtext("title") or "").strip() == "Total" and _is_total(event))
            for c in event.iterfind("counts")
        ]
        events = [e for e in res.adverse_events if e.kind == kind]
        assert len(events) == len(counts)
        assert sum(e.affected or 0 for e in events) == sum(int(c.get("subjects_affected", 0)) for c in counts)
        assert sum(e.at_risk or 0 for e in events) == sum(int(c.get("subjects_at_risk", 0)) for c in counts)
    assert [g.group_id for g in res.event_groups] == [
        g.get("group_id") for g in cr.iterfind("reported_events/group_list/group")
    ]


def test_sample_is_big_enough_and_covers_results() -> None:
    members = sample_members()
    assert len(members) == SAMPLE_SIZE >= 20
    assert sum(parsed(m).has_results for m in members) >= 10


def test_known_study_values() -> None:
    """Hand-checked values of one 2007 registration (NCT00492635, also in the v2 data)."""
    rec = parsed("NCT0049xxxx/NCT00492635.xml")
    assert rec.org_study_id == "11336"
    assert rec.secondary_ids == ("2004-002172-42",)
    assert rec.start_date == "2004-12"
    assert rec.completion_date == "2007-09"
    assert rec.enrollment == 628 and rec.enrollment_type == "ACTUAL"
    assert rec.phases == ("PHASE3",) and rec.phase == "PHASE3"
    assert [(a.label, a.type, a.intervention_names) for a in rec.arm_groups] == [
        ("Arm 1", "EXPERIMENTAL", ("Levitra (Vardenafil, BAY38-9456)",)),
        ("Arm 2", "EXPERIMENTAL", ("Levitra (Vardenafil, BAY38-9456)",)),
        ("Arm 3", "PLACEBO_COMPARATOR", ("Placebo",)),
    ]
    assert rec.eligibility.inclusion[1] == "Males 18-64 years of age"
    assert rec.eligibility.inclusion[2] == (
        "Scheduled to undergo bilateral nerve-sparing radical retropubic BNSRRP, as selected "
        "according to the investigator's usual clinical practice"
    )
    assert rec.eligibility.exclusion[0] == "Subjects who are taking nitrates or nitric oxide donors"
    assert rec.eligibility.text.startswith("Inclusion Criteria:\n\nAt Screening\n\n  -  Males 18-64")


# --- AACT fixtures --------------------------------------------------------------------------------


def aact_files(pattern: str) -> list[str]:
    root = shared(AACT)
    return sorted(p.name for p in root.glob(pattern))


REAL_AACT = ["NCT*.xml", "raw_study*.xml", "example_study.xml"]


def test_every_real_aact_file_loads() -> None:
    names = [n for pattern in REAL_AACT for n in aact_files(pattern)]
    assert len(names) >= 68
    for name in names:
        data = (shared(AACT) / name).read_bytes()
        expected = name[:11] if name.startswith("NCT") else None
        rec = parse_study(data, expected_id=expected)
        root = ET.fromstring(data)
        assert rec.registry_id == stripped(root, "id_info/nct_id"), name
        assert rec.brief_title == stripped(root, "brief_title"), name
        assert rec.has_results == (root.find("clinical_results") is not None), name
        assert rec.overall_status is not None and rec.overall_status.isupper(), name
        last = root.findtext("last_update_posted") or root.findtext("lastchanged_date")
        assert rec.last_update_date == expected_date(last), name
        first = root.findtext("study_first_posted") or root.findtext("firstreceived_date")
        assert rec.first_posted_date == expected_date(first), name


def test_alias_file_resolves_to_the_real_id() -> None:
    data = (shared(AACT) / "NCT00980226-id-mismatch.xml").read_bytes()
    rec = parse_study(data, expected_id="NCT00980226")
    assert rec.registry_id == "NCT00081588"
    assert rec.nct_aliases == ("NCT00980226",)
    same = parse_study((shared(AACT) / "NCT00081588.xml").read_bytes(), expected_id="NCT00081588")
    assert same.brief_title == rec.brief_title


def test_old_schema_dates_and_enums() -> None:
    """A 2016 download: ``lastchanged_date`` / ``firstreceived_date`` and "Both" gender."""
    data = (shared(AACT) / "NCT00513591_mod.xml").read_bytes()
    root = ET.fromstring(data)
    assert root.find("lastchanged_date") is not None
    rec = parse_study(data, expected_id="NCT00513591")
    assert rec.last_update_date == expected_date(root.findtext("lastchanged_date"))
    assert rec.official_title == "This Is An Updated Title"
    assert rec.eligibility.sex == SEX[root.findtext("eligibility/gender").strip()]


def _is_total(event: ET.Element) -> bool:
    return (event.findtext("sub_title") or "").strip() in {
        "Total, serious adverse events",
        "Total, other adverse events",
        "Total, all-cause mortality",
    }


def test_expanded_access_and_large_results_fixture() -> None:
    assert parse_study((shared(AACT) / "NCT03133988.xml").read_bytes()).study_type == "EXPANDED_ACCESS"
    data = (shared(AACT) / "NCT01029262.xml").read_bytes()
    rec = parse_study(data, expected_id="NCT01029262")
    cr = ET.fromstring(data).find("clinical_results")
    _check_results(cr, rec)
    first = next(  # the first category that is not the group totals
        cat
        for cat in cr.iterfind("reported_events/serious_events/category_list/category")
        if (cat.findtext("title") or "").strip() != "Total"
    )
    event = first.find("event_list/event")
    count = event.find("counts")
    ae = next(e for e in rec.results.adverse_events if e.kind == "SERIOUS")
    assert (ae.organ_system, ae.term, ae.group_id, ae.affected, ae.at_risk) == (
        first.findtext("title"),
        event.findtext("sub_title"),
        count.get("group_id"),
        int(count.get("subjects_affected")),
        int(count.get("subjects_at_risk")),
    )


BROKEN = {
    "SYNTHETIC-BROKEN_bad-utf8_NCT00000107.xml": "XML not well-formed: ",
    "SYNTHETIC-BROKEN_empty_NCT00000105.xml": "empty file",
    "SYNTHETIC-BROKEN_html-error-page_NCT00000000.xml": "HTML page, not a study",
    "SYNTHETIC-BROKEN_id-mismatch_NCT00000102.xml": "file name says NCT00000102 but record is NCT00000104",
    "SYNTHETIC-BROKEN_missing-nct-id_NCT00000106.xml": "no id_info/nct_id",
    "SYNTHETIC-BROKEN_truncated_NCT00490009.xml": "XML not well-formed: ",
    "covid_search.xml": "root element <rss> is not <clinical_study>",
    "empty_search.xml": "root element <rss> is not <clinical_study>",
    "Invalid-nct-id.html": "HTML page, not a study",
}


def test_broken_list_covers_every_synthetic_file() -> None:
    assert set(aact_files("SYNTHETIC-BROKEN_*.xml")) <= set(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_raise_parse_error(name: str) -> None:
    data = (shared(AACT) / name).read_bytes()
    m = re.search(r"NCT\d{8}", name)
    with pytest.raises(ParseError) as info:
        parse_study(data, expected_id=m.group(0) if m else None)
    reason = info.value.reason
    want = BROKEN[name]
    if want.endswith(": "):
        assert reason.startswith(want) and len(reason) > len(want)
    else:
        assert reason == want
    assert "\n" not in reason


def test_bad_nct_id_and_unexpected_errors_become_parse_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    data = zip_members()["NCT0049xxxx/NCT00492635.xml"]
    with pytest.raises(ParseError, match="not NCT"):
        parse_study(data.replace(b"<nct_id>NCT00492635<", b"<nct_id>NCT0049263<"))
    with pytest.raises(ParseError, match="file name says NCT00000001 but record is NCT00492635"):
        parse_study(data, expected_id="NCT00000001")

    def boom(_el: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(legacy, "_mesh", boom)
    with pytest.raises(ParseError, match="unexpected KeyError"):
        parse_study(data)


def test_external_entities_are_not_resolved(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>"
        "<brief_title>a &x; b</brief_title></clinical_study>"
    ).encode()
    try:
        rec = parse_study(doc)
    except ParseError:
        return
    assert "TOP-SECRET" not in (rec.brief_title or "")


# --- robustness -----------------------------------------------------------------------------------


def _robust(data: bytes, expected_id: str | None = None) -> None:
    try:
        rec = parse_study(data, expected_id=expected_id)
    except ParseError as exc:
        assert exc.reason and "\n" not in exc.reason
    else:
        assert isinstance(rec, StudyRecord)


@lru_cache(maxsize=1)
def fuzz_seeds() -> tuple[bytes, ...]:
    members = zip_members()
    with_results = next(m for m, r in manifest().items() if r["has_results"] == "True")
    return (members["NCT0049xxxx/NCT00492635.xml"], members[with_results])


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    _robust(data)
    _robust(b"<clinical_study>" + data + b"</clinical_study>")


@FUZZ
@given(st.data())
def test_real_xml_with_slices_cut_out(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(fuzz_seeds()))
    start = data.draw(st.integers(0, len(seed)))
    end = data.draw(st.integers(start, min(len(seed), start + 4000)))
    _robust(seed[:start] + seed[end:], expected_id=data.draw(st.sampled_from([None, "NCT00492635"])))


@FUZZ
@given(st.data())
def test_real_xml_with_elements_dropped(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(fuzz_seeds()))
    root = ET.fromstring(seed)
    parents = [(p, c) for p in root.iter() for c in p]
    drops = data.draw(st.lists(st.integers(0, len(parents) - 1), max_size=20, unique=True))
    for i in sorted(drops, reverse=True):
        parent, child = parents[i]
        if child in list(parent):
            parent.remove(child)
    _robust(ET.tostring(root))
