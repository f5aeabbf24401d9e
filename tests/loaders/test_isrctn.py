"""ISRCTN parsers and loader: counts and spot checks against the shared files, read independently here.

The independent readings use the standard library only (``json``, ``xml.etree``, ``csv``), so a bug in
the parsers' shared dict conversion cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.data import REPO_ROOT, shared
from trialgraph.errors import SourceError
from trialgraph.loaders.base import SOURCES, discover
from trialgraph.loaders.isrctn.loader import iter_isrctn
from trialgraph.model.rows import WRITE_ORDER
from trialgraph.model.staged import Quarantined, Staged
from trialgraph.model.study import IdClaim, StudyRecord

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "isrctn"
NS = "{http://www.67bricks.com/isrctn}"
JSONL = "registries/isrctn/isrctn_trials_ctrdata_json.jsonl"
XML = "registries/isrctn/SYNTHETIC_isrctn_api_allTrials.xml"
# publinks.trial_ids names EudraCT numbers' registry "EudraCT"; the crossref table says EUCTR.
_REGISTRY_NAMES = {"EUCTR": "EudraCT", "ClinicalTrials.gov": "ClinicalTrials.gov"}


def _records(path: Path) -> list[StudyRecord]:
    items = list(iter_isrctn([path]))
    assert all(isinstance(item, StudyRecord) for item, _ in items), [i for i, _ in items if isinstance(i, Quarantined)]
    return [item for item, _ in items]  # type: ignore[misc]


@pytest.fixture(scope="module")
def raw_json() -> dict[str, dict[str, Any]]:
    with shared(JSONL).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {f"ISRCTN{row['isrctn']}": row for row in rows}


@pytest.fixture(scope="module")
def json_records() -> dict[str, StudyRecord]:
    return {r.registry_id: r for r in _records(shared(JSONL))}


@pytest.fixture(scope="module")
def xml_records() -> dict[str, StudyRecord]:
    return {r.registry_id: r for r in _records(shared(XML))}


def test_counts_match_independent_reading(raw_json: dict, json_records: dict, xml_records: dict) -> None:
    xml_trials = ET.parse(shared(XML)).getroot().findall(f"{NS}fullTrial/{NS}trial")
    assert len(raw_json) == len(json_records) == 9
    assert len(xml_trials) == len(xml_records) == 9
    assert set(json_records) == {f"ISRCTN{t.findtext(f'{NS}isrctn')}" for t in xml_trials}


def test_json_and_xml_give_equal_records(json_records: dict, xml_records: dict) -> None:
    """The XML is a re-serialisation of the JSON: only source_format may differ."""
    assert set(json_records) == set(xml_records)
    for rid, from_json in json_records.items():
        from_xml = xml_records[rid]
        assert from_json.source_format == "isrctn-json"
        assert from_xml.source_format == "isrctn-xml"
        assert dataclasses.replace(from_xml, source_format="isrctn-json") == from_json, rid


def test_every_record_matches_its_raw_fields(raw_json: dict, json_records: dict) -> None:
    for rid, raw in raw_json.items():
        rec = json_records[rid]
        desc, people = raw["trialDescription"], raw["participants"]
        assert rec.registry == "ISRCTN" and rec.canonical_id is None
        assert rec.brief_title == " ".join(desc["title"].split())
        assert rec.official_title == " ".join(desc["scientificTitle"].split())
        assert rec.study_type == raw["trialDesign"]["primaryStudyDesign"].upper()
        assert rec.start_date == people["recruitmentStart"][:10]
        assert rec.completion_date == raw["trialDesign"]["overallEndDate"][:10]
        final = people["totalFinalEnrolment"]
        assert rec.enrollment == int(final or people["targetEnrolment"])
        assert rec.enrollment_type == ("ACTUAL" if final else "ESTIMATED")
        assert rec.outcomes[0].kind == "PRIMARY"
        assert rec.outcomes[0].measure.split()[:5] == desc["primaryOutcome"].split()[:5]
        assert rec.conditions == (" ".join(raw["conditions"]["condition"]["description"].split()),)
        assert rec.phases == ("PHASE3",)  # every one of the 9 says "Phase III"
        assert rec.eligibility is not None and rec.eligibility.sex == "ALL"
        assert rec.registration_date is None and rec.last_update_date is None  # ctrdata dropped the attributes
        assert rec.sponsors == ()  # ctrdata kept only party ids


def test_spot_checks(json_records: dict) -> None:
    mint = json_records["ISRCTN12949496"]
    assert mint.acronym == "MINT"
    assert mint.overall_status == "TERMINATED"  # overallStatusOverride "Stopped"
    assert mint.why_stopped == "Participant recruitment issue"
    assert (mint.enrollment, mint.enrollment_type) == (9, "ACTUAL")  # target 20, final 9
    assert mint.countries == ("Ireland",)
    assert [s.city for s in mint.sites] == ["Dublin", "Cork"]
    assert mint.interventions[0].type == "DRUG" and mint.interventions[0].name == "Milrinone"
    assert mint.secondary_ids == ("2014-002988-16", "MINT-2014-01")
    assert mint.org_study_id == "MINT-2014-01"

    blanket = json_records["ISRCTN17473621"]
    assert blanket.eligibility is not None
    assert (blanket.eligibility.min_age, blanket.eligibility.max_age) == ("2 Days", "14 Days")
    assert blanket.secondary_ids == () and blanket.id_claims == ()  # "Nil known" everywhere
    assert blanket.acronym is None  # empty element
    assert blanket.overall_status is None  # no override: ISRCTN derives it from dates and today

    neurosis = json_records["ISRCTN80181452"]
    assert neurosis.countries == (
        "United Kingdom",
        "Czechia",
        "Finland",
        "France",
        "Germany",
        "Israel",
        "Netherlands",
    )
    toast = json_records["ISRCTN96912679"]
    assert toast.countries == ("United Kingdom",)  # United Kingdom, England, Scotland, Wales
    assert len(toast.sites) == 15

    sift = json_records["ISRCTN76463425"]
    assert [r.pmid for r in sift.references] == ["31597020", "32342857", "34419121", "28129748"]
    assert sift.references[0].type == "RESULT" and sift.references[-1].type == "BACKGROUND"
    assert sift.interventions[0].type == "OTHER"  # no drug name: named after its description's first line
    assert sift.interventions[0].name.startswith("The study will recruit 2800")


def test_crossref_pairs_are_id_claims(json_records: dict) -> None:
    with shared("links/registry_record_crossref_pairs.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["record_registry"] == "ISRCTN"]
    assert len(rows) == 5
    for row in rows:
        rec = json_records[row["record_id"]]
        expected = IdClaim(row["trial_id_b"], _REGISTRY_NAMES[row["registry_b"]], row["evidence_field"])
        assert expected in rec.id_claims, (row["record_id"], rec.id_claims)
    stated = {(row["record_id"], row["trial_id_b"]) for row in rows}
    claimed = {(rid, c.trial_id) for rid, rec in json_records.items() for c in rec.id_claims}
    assert claimed == stated  # and nothing else is claimed (the IRAS number is not a trial id)


def test_api_attributes_and_parties() -> None:
    items = list(iter_isrctn([FIXTURES / "api_with_parties.xml"]))
    rec = items[0][0]
    assert isinstance(rec, StudyRecord)
    assert rec.registration_date == "2013-03-27" and rec.last_update_date == "2023-01-12"
    assert [(s.name, s.role) for s in rec.sponsors] == [
        ("University of Oxford", "LEAD"),
        ("Health Technology Assessment Programme", "COLLABORATOR"),
    ]
    assert rec.phases == ("PHASE2", "PHASE3")
    assert rec.interventions[0].type == "DIETARY_SUPPLEMENT"
    assert rec.eligibility is not None and rec.eligibility.healthy_volunteers is True
    assert rec.eligibility.sex == "FEMALE" and rec.eligibility.min_age == "18 Years"
    assert rec.countries == ("United Kingdom",)
    assert rec.id_claims == (IdClaim("2012-004260-22", "EudraCT", "externalRefs.eudraCTNumber"),)


def test_bad_input_is_quarantined_and_the_rest_loads() -> None:
    items = list(iter_isrctn([FIXTURES]))
    loaded = sorted(item.registry_id for item, _ in items if isinstance(item, StudyRecord))
    rejected = {origin.rsplit("/", 1)[-1]: item for item, origin in items if isinstance(item, Quarantined)}
    assert loaded == [
        "ISRCTN11111111",
        "ISRCTN12345678",
        "ISRCTN12345678",
        "ISRCTN20343063",
        "ISRCTN20343063",
        "ISRCTN88261002",
    ]
    assert set(rejected) == {
        "api_with_parties.xml[1]",
        "bad_records.jsonl:2",
        "bad_records.jsonl:4",
        "truncated_api.xml",
    }
    assert "without a usable id" in rejected["bad_records.jsonl:2"].reason
    assert "invalid JSON" in rejected["bad_records.jsonl:4"].reason
    assert "truncated XML after 1 ISRCTN fullTrial" in rejected["truncated_api.xml"].reason
    assert all("Traceback" not in q.reason and "\n" not in q.reason for q in rejected.values())
    # an impossible recruitment start (both formats) is left out and named; the record loads
    dated = {origin.rsplit("/", 1)[-1]: item for item, origin in items if isinstance(item, StudyRecord)}
    for origin in ("api_with_parties.xml[2]", "bad_records.jsonl:3"):
        record = dated[origin]
        assert record.registry_id == "ISRCTN12345678" and record.start_date is None
        assert getattr(record, "issues", None) == (
            "recruitmentStart '2019-02-30T00:00:00.000Z' is not a calendar date; stored without it",
        )


def test_unsupported_file_is_rejected_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<html></html>")
    (tmp_path / "README.md").write_text("notes are ignored")
    items = list(iter_isrctn([tmp_path]))
    assert len(items) == 1 and isinstance(items[0][0], Quarantined)
    assert "unsupported file type .html" in items[0][0].reason


def test_missing_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(iter_isrctn([tmp_path / "missing.jsonl"]))


def test_registered_loader_stages_both_formats() -> None:
    discover()
    loader = SOURCES.create("isrctn")
    assert loader.name == loader.source == "isrctn"
    assert loader.write_order == WRITE_ORDER
    assert loader.delete_statements == ("delete_record_facts", "delete_record_links")
    staged = list(loader.read([shared("registries/isrctn")], load_run="test"))
    assert len(staged) == 18 and all(isinstance(s, Staged) for s in staged)
    by_id: dict[str, set[str]] = {}
    for item in staged:
        assert isinstance(item, Staged)
        by_id.setdefault(item.record_id, set()).add(item.content_hash)
    assert len(by_id) == 9 and all(rid.startswith("isrctn:ISRCTN") for rid in by_id)
    # source_format is part of the record, so the two formats hash differently but stage the same key
    assert all(len(hashes) == 2 for hashes in by_id.values())
